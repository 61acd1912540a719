"""Graph analysis for investigators, with networkx on a subgraph read from the store.

The store answers "who is linked to X" level by level (:mod:`.investigation`); questions
about the *shape* of what comes back — which enterprises form one group, where ownership
runs in a circle, which chains beyond the shortest join two parties — are answered here
on that extracted subgraph with networkx, so they run the same on both stores.

- 疑似关联方 (:func:`related_groups`): enterprises tied by a shared officer (one person
  in a 董监高/法定代表人/负责人/实际控制人 role in both) or by a holding between them;
  the groups are the connected components of those ties, split into communities
  (Louvain, fixed seed: the same data always gives the same groups) when a component is
  large enough for the split to mean something.
- Ownership cycles (:func:`ownership_cycles`): circles of SHAREHOLDER links (交叉持股,
  循环持股), which inflate registered capital and hide who controls.
- :func:`k_shortest_paths`: the k shortest simple chains joining two parties (找关系
  beyond the shortest ones), in increasing length.
- :func:`ownership_tree`: every holder above an enterprise (股权穿透), branch by branch,
  with the effective share along each branch and the cross-holdings marked.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice, pairwise

import networkx as nx

from creditgraph.domain.model import Link, link_order
from creditgraph.service.errors import InvalidArgument, LimitExceeded, UnknownId
from creditgraph.service.investigation import (
    ACTUAL_CONTROLLER,
    MAX_DEPTH,
    MAX_HOPS,
    MAX_OWNERSHIP_CHAINS,
    MAX_OWNERSHIP_LEVELS,
    MAX_PER_NODE_LIMIT,
    NO_DEADLINE,
    SHAREHOLDER,
    ConnectingPath,
    Deadline,
    Hop,
    Subgraph,
    Truncation,
    neighborhood,
    require_node,
)
from creditgraph.store.base import IN, GraphStore

ENTERPRISE = "enterprise"
# A person in one of these in two enterprises ties them (公司法 第二百六十五条: 关联关系
# runs through 控股股东, 实际控制人, 董事, 监事, 高级管理人员).
OFFICER_RELS = frozenset(
    {"LEGAL_REPRESENTATIVE", "DIRECTOR", "SUPERVISOR", "MANAGER", "PRINCIPAL", ACTUAL_CONTROLLER}
)
HOLDING_RELS = frozenset({SHAREHOLDER, ACTUAL_CONTROLLER})
# Below this many enterprises a component is one group; above it, Louvain communities
# separate clusters joined by a single shared nominee.
COMMUNITY_MIN_SIZE = 8
COMMUNITY_SEED = 12
MAX_K = 50

SHARED_OFFICER, HOLDING = "SHARED_OFFICER", "HOLDING"


@dataclass(frozen=True)
class GroupTie:
    """Why two enterprises are in one group: a person in office in both, or a holding."""

    a: str
    b: str
    kind: str  # SHARED_OFFICER or HOLDING
    via: str | None  # the shared person (SHARED_OFFICER)
    links: tuple[Link, ...]


@dataclass(frozen=True)
class RelatedGroup:
    enterprises: tuple[str, ...]
    ties: tuple[GroupTie, ...]
    community: bool  # a Louvain community cut out of a larger component


@dataclass(frozen=True)
class OwnershipCycle:
    """Enterprises holding one another in a circle; ``nodes[i]`` holds ``nodes[i+1]``."""

    nodes: tuple[str, ...]
    links: tuple[Link, ...]


@dataclass(frozen=True)
class OwnershipBranch:
    """One holder above the enterprise, reached by one chain of holdings.

    ``chain`` runs from the enterprise up to the holder. ``effective_share`` multiplies the
    shares along it (None when a share is unknown or the link is control, not equity).
    ``cross_holding`` marks a holder already on the chain below: the branch stops there.
    """

    chain: tuple[str, ...]
    link: Link
    effective_share: float | None
    cross_holding: bool

    @property
    def holder(self) -> str:
        return self.chain[-1]

    @property
    def level(self) -> int:
        return len(self.chain) - 1


@dataclass(frozen=True)
class RelatedGroups:
    groups: tuple[RelatedGroup, ...]
    truncated: tuple[Truncation, ...]


def _extract(
    store: GraphStore,
    root: str,
    depth: int,
    as_of: dt.date | None,
    rels: Iterable[str] | None,
    deadline: Deadline,
) -> Subgraph:
    # hubs are followed as far as the service allows: a group cut at 50 links would
    # silently split, and the caller is told about the cut in `truncated` anyway
    return neighborhood(
        store,
        root,
        depth=depth,
        rels=rels,
        as_of=as_of,
        per_node_limit=MAX_PER_NODE_LIMIT,
        deadline=deadline,
    )


def related_groups(
    store: GraphStore,
    root: str,
    *,
    depth: int = 2,
    as_of: dt.date | None = None,
    deadline: Deadline = NO_DEADLINE,
) -> RelatedGroups:
    """Groups of enterprises (疑似关联方) within ``depth`` links of ``root``, tied by shared
    officers or holdings; the root's own group first, then larger groups first."""
    if not 1 <= depth <= MAX_DEPTH:
        raise InvalidArgument(f"depth must be between 1 and {MAX_DEPTH}, got {depth}")
    found = _extract(store, root, depth, as_of, OFFICER_RELS | HOLDING_RELS, deadline)
    kinds = {node_id: node.type for node_id, node in found.nodes.items()}
    enterprises = {n for n, kind in kinds.items() if kind == ENTERPRISE}
    ties = nx.Graph()
    ties.add_nodes_from(enterprises)
    offices: dict[str, dict[str, list[Link]]] = {}  # person -> enterprise -> links
    for link in found.links:
        if link.src in enterprises and link.dst in enterprises and link.rel in HOLDING_RELS:
            _tie(ties, link.src, link.dst, HOLDING, None, link)
        elif link.rel in OFFICER_RELS and link.dst in enterprises and link.src not in enterprises:
            offices.setdefault(link.src, {}).setdefault(link.dst, []).append(link)
    for person, held in offices.items():
        for a, b in _pairs(sorted(held)):
            _tie(ties, a, b, SHARED_OFFICER, person, *held[a], *held[b])
    deadline.check()
    groups: list[RelatedGroup] = []
    for component in nx.connected_components(ties):
        if len(component) < 2:
            continue
        parts: list[set[str]] = [set(component)]
        if len(component) >= COMMUNITY_MIN_SIZE:
            parts = [
                set(c)
                for c in nx.community.louvain_communities(
                    ties.subgraph(component), seed=COMMUNITY_SEED
                )
            ]
        for part in parts:
            if len(part) < 2:
                continue
            groups.append(
                RelatedGroup(
                    enterprises=tuple(sorted(part)),
                    ties=tuple(
                        tie
                        for a, b, data in sorted(ties.subgraph(part).edges(data=True))
                        for tie in data["ties"]
                    ),
                    community=len(parts) > 1,
                )
            )
    groups.sort(key=lambda g: (root not in g.enterprises, -len(g.enterprises), g.enterprises))
    return RelatedGroups(tuple(groups), tuple(found.truncated))


def _pairs(items: list[str]) -> Iterable[tuple[str, str]]:
    for i, a in enumerate(items):
        for b in items[i + 1 :]:
            yield a, b


def _tie(graph: nx.Graph, a: str, b: str, kind: str, via: str | None, *links: Link) -> None:
    if a == b:
        return
    a, b = sorted((a, b))
    if not graph.has_edge(a, b):
        graph.add_edge(a, b, ties=[])
    graph.edges[a, b]["ties"].append(GroupTie(a, b, kind, via, tuple(links)))


def ownership_cycles(
    store: GraphStore,
    root: str,
    *,
    depth: int = 3,
    as_of: dt.date | None = None,
    deadline: Deadline = NO_DEADLINE,
) -> list[OwnershipCycle]:
    """Circles of shareholdings (交叉持股/循环持股) among the parties within ``depth``
    SHAREHOLDER links of ``root``, shortest first; a circle of length 2 is two
    enterprises holding each other."""
    if not 1 <= depth <= MAX_DEPTH:
        raise InvalidArgument(f"depth must be between 1 and {MAX_DEPTH}, got {depth}")
    found = _extract(store, root, depth, as_of, [SHAREHOLDER], deadline)
    holdings = nx.DiGraph()
    for link in found.links:
        if holdings.has_edge(link.src, link.dst):
            holdings.edges[link.src, link.dst]["links"].append(link)
        else:
            holdings.add_edge(link.src, link.dst, links=[link])
    deadline.check()
    cycles = []
    for cycle in nx.simple_cycles(holdings, length_bound=2 * depth + 1):
        # one rotation per circle: start at the smallest id, so the answer is stable
        start = cycle.index(min(cycle))
        ordered = (*cycle[start:], *cycle[:start])
        steps = pairwise((*ordered, ordered[0]))
        links = tuple(holdings.edges[a, b]["links"][0] for a, b in steps)
        cycles.append(OwnershipCycle(ordered, links))
    cycles.sort(key=lambda c: (len(c.nodes), c.nodes))
    return cycles


def k_shortest_paths(
    store: GraphStore,
    source: str,
    target: str,
    *,
    k: int = 5,
    max_hops: int = 4,
    as_of: dt.date | None = None,
    rels: Iterable[str] | None = None,
    deadline: Deadline = NO_DEADLINE,
) -> list[ConnectingPath]:
    """The ``k`` shortest simple chains joining two parties, links taken either way, each
    at most ``max_hops`` long: the shortest ones first, then the detours an investigator
    would also want to see (a second shared director, an older holding)."""
    if not 1 <= k <= MAX_K:
        raise InvalidArgument(f"k must be between 1 and {MAX_K}, got {k}")
    if not 1 <= max_hops <= MAX_HOPS:
        raise InvalidArgument(f"maxHops must be between 1 and {MAX_HOPS}, got {max_hops}")
    if source == target:
        raise InvalidArgument("fromId and toId are the same party")
    for node_id in (source, target):
        require_node(store, node_id)
    # Every party on a chain of length L is within ceil(L/2) links of one of its ends, and
    # every link of it is followed from a party nearer than that: the two neighbourhoods
    # of that depth hold every chain of at most max_hops links.
    reach = min(MAX_DEPTH, math.ceil(max_hops / 2))
    graph = nx.Graph()
    for end in (source, target):
        for link in _extract(store, end, reach, as_of, rels, deadline).links:
            if graph.has_edge(link.src, link.dst):
                known = graph.edges[link.src, link.dst]["links"]
                if link not in known:
                    known.append(link)
            else:
                graph.add_edge(link.src, link.dst, links=[link])
    if source not in graph or target not in graph:
        return []
    deadline.check()
    result: list[ConnectingPath] = []
    try:
        chains = nx.shortest_simple_paths(graph, source, target)
        for chain in islice(chains, k):
            if len(chain) - 1 > max_hops:
                break
            deadline.check()
            hops = tuple(
                Hop(a, b, tuple(sorted(graph.edges[a, b]["links"], key=link_order)))
                for a, b in pairwise(chain)
            )
            result.append(ConnectingPath(tuple(chain), hops))
    except nx.NetworkXNoPath:
        return []
    return result


def ownership_tree(
    store: GraphStore,
    enterprise: str,
    *,
    as_of: dt.date | None = None,
    levels: int = 5,
    deadline: Deadline = NO_DEADLINE,
) -> list[OwnershipBranch]:
    """Every holder above ``enterprise`` (股权穿透), level by level: each SHAREHOLDER or
    ACTUAL_CONTROLLER link into a party already on the tree is one branch. A holder met
    again on its own chain is a cross-holding: it is marked and not followed further, so
    a circle of holdings ends instead of repeating forever."""
    if not 1 <= levels <= MAX_OWNERSHIP_LEVELS:
        raise InvalidArgument(f"levels must be between 1 and {MAX_OWNERSHIP_LEVELS}, got {levels}")
    node = store.node(enterprise)
    if node is None:
        raise UnknownId(f"unknown id {enterprise!r}")
    if node.type != ENTERPRISE:
        raise InvalidArgument(f"{enterprise!r} is a {node.type}, not an enterprise")
    branches: list[OwnershipBranch] = []
    frontier: list[tuple[tuple[str, ...], float | None]] = [((enterprise,), 1.0)]
    for _ in range(levels):
        if not frontier:
            break
        deadline.check()
        held = sorted({chain[-1] for chain, _ in frontier})
        by_held: dict[str, list[Link]] = {}
        for link in store.links(held, rels=HOLDING_RELS, direction=IN, as_of=as_of):
            by_held.setdefault(link.dst, []).append(link)
        following: list[tuple[tuple[str, ...], float | None]] = []
        for chain, share in frontier:
            for link in sorted(by_held.get(chain[-1], ()), key=link_order):
                if link.dst != chain[-1]:
                    continue
                effective = (
                    share * link.share
                    if share is not None and link.rel == SHAREHOLDER and link.share is not None
                    else None
                )
                circle = link.src in chain
                branch = OwnershipBranch((*chain, link.src), link, effective, circle)
                branches.append(branch)
                if len(branches) > MAX_OWNERSHIP_CHAINS:
                    raise LimitExceeded(
                        f"the holders above {enterprise!r} form more than "
                        f"{MAX_OWNERSHIP_CHAINS} chains: lower levels, or give asOf"
                    )
                if not circle:
                    following.append((branch.chain, effective))
        frontier = following
    return branches


__all__ = [
    "HOLDING",
    "SHARED_OFFICER",
    "GroupTie",
    "OwnershipBranch",
    "OwnershipCycle",
    "RelatedGroup",
    "RelatedGroups",
    "k_shortest_paths",
    "ownership_cycles",
    "ownership_tree",
    "related_groups",
]
