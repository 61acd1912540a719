"""One person per identity number, applied to a load before anything is written.

Two person records whose numbers have the same keyed hash are one person: the id that came
first (in the store, else earlier in the load) stays; a later id becomes an alias of it —
kept on the person (``aliases``), resolvable wherever an id is accepted — and every link
and event of the load naming the alias is pointed at the person, so that what the alias
was sanctioned for reaches through the person's offices and the other way round. A
different name on the same number is a warning naming the file and line, never dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import orjson

from creditgraph.domain.model import Event
from creditgraph.domain.names import normalise_name
from creditgraph.ingest.records import NodeRow, ParsedRecord, Reference, props_json
from creditgraph.store.base import Batch, GraphStore, WriteReport


@dataclass(frozen=True, order=True)
class LoadWarning:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


def merge_identities(
    nodes: dict[str, NodeRow],
    links: list[Any],
    events: dict[str, tuple[ParsedRecord, int]],
    store: GraphStore,
    where: Callable[[int], tuple[str, int]],
    node_types: Callable[[Iterable[str]], dict[str, str]] | None = None,
) -> tuple[list[LoadWarning], list[Any], list[tuple[str, str]]]:
    """Fold later ids of the same number into the first, in place; (warnings, links, the
    stored persons to merge into another once the load is written: (alias, person)).
    ``node_types`` answers as ``store.node_types`` (the loader's, which remembers)."""
    warnings: list[LoadWarning] = []
    by_hash: dict[str, list[NodeRow]] = {}
    texts: dict[str, str] = {}  # a person's props, decoded only when its number is shared
    for row in nodes.values():
        if row[1] == "person" and '"id_hash"' in row[4]:
            texts[row[0]] = row[4]
            by_hash.setdefault(_id_hash(row[4]), []).append(row)
    props_of = _LazyProps(texts)
    aliases: dict[str, str] = {}
    stored_merges: list[tuple[str, str]] = []
    stored_empty = store.data_version() == "0"
    stored = (
        {}
        if stored_empty or not by_hash
        else {
            p.props["id_hash"]: p
            for p in reversed(store.persons_by_identity(["h:" + h for h in by_hash]))
        }
    )
    for digest, rows in by_hash.items():
        holder = stored.get(digest)
        if len(rows) == 1 and holder is None:
            continue  # nearly every person of a registry: one number, one record, nothing stored
        rows.sort(key=lambda r: r[5])
        canonical_id = holder.id if holder is not None else rows[0][0]
        known = set(holder.props.get("aliases") or ()) if holder is not None else set()
        canonical_name = holder.name if holder is not None else rows[0][2]
        merged: list[str] = []
        for row in rows:
            if row[0] == canonical_id:
                continue
            if not stored_empty and store.node(row[0]) is not None:
                # stored as a person of its own (filed before its number was known): its
                # links and events move to the person once the load is written
                stored_merges.append((row[0], canonical_id))
            if normalise_name(row[2]) != normalise_name(canonical_name):
                file, line = where(row[5])
                warnings.append(
                    LoadWarning(
                        file,
                        line,
                        "name",
                        f"{row[2]} differs from {canonical_name} of {canonical_id!r}, which "
                        f"holds the same identity number: {row[0]!r} is kept as its alias",
                    )
                )
            merged.append(row[0])
            aliases[row[0]] = canonical_id
            del nodes[row[0]]
        if not merged and not known:
            continue
        everything = sorted(known | set(merged) | _aliases_in_load(props_of, canonical_id))
        if canonical_id in nodes:
            row = nodes[canonical_id]
            props = {**props_of[canonical_id], "aliases": everything}
            nodes[canonical_id] = (*row[:4], props_json(props), row[5])
        elif merged and holder is not None:
            props = {**holder.props, "aliases": everything}
            first = min(r[5] for r in rows)
            nodes[canonical_id] = (
                holder.id,
                holder.type,
                holder.name,
                normalise_name(holder.name),
                props_json(props),
                first,
            )
    aliases.update(
        _stored_aliases(
            nodes, links, events, store, aliases, stored_empty, node_types or store.node_types
        )
    )
    if not aliases:
        return warnings, links, stored_merges
    return warnings, _repoint(links, events, aliases), stored_merges


def merge_stored(store: GraphStore, merges: Sequence[tuple[str, str]]) -> WriteReport:
    """Persons stored under a later id of the same number folded into the first, in one
    transaction: their links and events move to the person (re-deriving what they reach), the
    later id stays as an alias, its node goes. Events naming it among the persons responsible
    name the person instead, so they reach the person exactly as if filed under its id."""
    if not merges:
        return WriteReport()
    batch = Batch()
    for alias, canonical in merges:
        for link in store.links([alias]):
            src = canonical if link.src == alias else link.src
            dst = canonical if link.dst == alias else link.dst
            batch.retracted.append(link)
            if src != dst:
                batch.links.append(replace(link, src=src, dst=dst))
        batch.events.extend(replace(e, subject=canonical) for e in store.events(subject=alias))
        batch.deleted_nodes.append(alias)
    folded_into = dict(merges)
    moved = {e.id: e for e in batch.events}
    for event in store.events_naming(sorted(folded_into)):
        event = moved.get(event.id, event)
        named = event.responsible or ()
        responsible = sorted({folded_into.get(p, p) for p in named})
        moved[event.id] = replace(event, props={**event.props, "responsible": responsible})
    batch.events = list(moved.values())
    persons = store.nodes(sorted({c for _, c in merges} | {a for a, _ in merges}))
    for canonical in sorted({c for _, c in merges}):
        person = persons.get(canonical)
        if person is None:
            continue
        folded = {a for a, c in merges if c == canonical}
        carried = {x for a in folded if a in persons for x in persons[a].props.get("aliases") or ()}
        everything = sorted(set(person.props.get("aliases") or ()) | folded | carried)
        batch.nodes.append(replace(person, props={**person.props, "aliases": everything}))
    return store.write(batch)


_HASH_FIELD = '"id_hash":"'


def _id_hash(text: str) -> str:
    """The id_hash of a person's props text (as props_json writes it: sorted keys, no spaces),
    found without decoding the JSON — a registry load has hundreds of thousands."""
    at = text.find(_HASH_FIELD)
    if at < 0:  # written some other way: decode it
        return str(orjson.loads(text)["id_hash"])
    start = at + len(_HASH_FIELD)
    return text[start : text.index('"', start)]


class _LazyProps(dict[str, dict[str, Any]]):
    """Person id → its decoded props, decoded on first use."""

    def __init__(self, texts: dict[str, str]) -> None:
        super().__init__()
        self._texts = texts

    def __missing__(self, node_id: str) -> dict[str, Any]:
        props: dict[str, Any] = orjson.loads(self._texts[node_id])
        self[node_id] = props
        return props

    def get(self, node_id: str, default: Any = None) -> Any:
        return self[node_id] if node_id in self._texts else default


def _aliases_in_load(props_of: dict[str, dict[str, Any]], node_id: str) -> set[str]:
    return set(props_of.get(node_id, {}).get("aliases") or ())


def _stored_aliases(
    nodes: dict[str, NodeRow],
    links: list[Any],
    events: dict[str, tuple[ParsedRecord, int]],
    store: GraphStore,
    known: dict[str, str],
    stored_empty: bool,
    node_types: Callable[[Iterable[str]], dict[str, str]],
) -> dict[str, str]:
    """Aliases kept in the store that this load's links and events name."""
    if stored_empty:
        return {}
    named = {row[0] for row in links} | {row[2] for row in links}
    for parsed, _ in events.values():
        named.update(ref.target for ref in parsed.references if "event" not in ref.types)
    named -= nodes.keys()
    named -= known.keys()
    if not named:
        return {}
    named -= node_types(named).keys()
    if not named:
        return {}
    found: dict[str, str] = {}
    for person in store.persons_by_identity(["a:" + i for i in sorted(named)]):
        for alias in person.props.get("aliases") or ():
            if alias in named:
                found[alias] = person.id
    return found


def _repoint(
    links: list[Any], events: dict[str, tuple[ParsedRecord, int]], aliases: dict[str, str]
) -> list[Any]:
    get = aliases.get
    links = [
        (get(row[0], row[0]), row[1], get(row[2], row[2]), *row[3:])
        if row[0] in aliases or row[2] in aliases
        else row
        for row in links
    ]
    for event_id, (parsed, pos) in list(events.items()):
        event = parsed.record
        assert isinstance(event, Event)
        responsible = event.props.get("responsible")
        if event.subject not in aliases and not (
            responsible and any(p in aliases for p in responsible)
        ):
            continue
        props = dict(event.props)
        if responsible:
            props["responsible"] = sorted({get(p, p) for p in responsible})
        moved = replace(event, subject=get(event.subject, event.subject), props=props)
        refs = [Reference(r.field, get(r.target, r.target), r.types) for r in parsed.references]
        events[event_id] = (ParsedRecord(moved, parsed.file, parsed.line, refs), pos)
    return links
