"""Identity: one person per identity number, published (masked) entries resolved to persons.

- :mod:`~creditgraph.identity.masks` — masked numbers, compatibility, keyed blind indexes;
- :mod:`~creditgraph.identity.keys` — the key numbers are hashed with, kept apart from the data;
- :mod:`~creditgraph.identity.resolution` — listed persons (``lp:``) to registry persons,
  judgements, the review queue, checks by identity number.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from creditgraph.domain.model import Node
    from creditgraph.store.base import GraphStore

LISTED_PREFIX = "lp:"
LISTED_KEY = "l:listed"  # every published entry holds it: "are there any?" is one lookup


def identity_keys(props: Mapping[str, Any]) -> list[str]:
    """The lookup keys a person is found by (the stores index them; none is a number in
    clear): ``h:`` a registry person's number's keyed hash, ``a:`` each of its alias ids;
    for a published entry, ``l:listed`` and ``b:PATTERN:`` the blind index of each masking
    pattern it shows (checks by number find entries through them). Registry persons' own
    blind indexes stay in their properties: resolution finds them by name, which a
    candidate must share anyway, so an import does not index six more keys per person."""
    keys: list[str] = []
    if props.get("id_hash"):
        keys.append("h:" + props["id_hash"])
    elif props.get("id_blind"):
        keys.append(LISTED_KEY)
        for pattern, index in sorted(props["id_blind"].items()):
            keys.append(f"b:{pattern}:{index}")
    keys.extend("a:" + alias for alias in props.get("aliases") or ())
    return keys


def is_listed(node_id: str) -> bool:
    return node_id.startswith(LISTED_PREFIX)


def canonical_node(store: GraphStore, node_id: str) -> Node | None:
    """The person an alias id (a later id of the same identity number) stands for."""
    found = store.persons_by_identity(["a:" + node_id], limit=1)
    return found[0] if found else None


def stored_or_alias(store: GraphStore, node_id: str) -> Node | None:
    """The node ``node_id`` names: the stored one, else the person it is an alias of."""
    return store.node(node_id) or canonical_node(store, node_id)
