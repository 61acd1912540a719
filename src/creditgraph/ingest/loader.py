"""Loading contract JSON Lines into a store.

Validation is all-or-nothing over the whole load: every record is parsed and
every reference resolved (against the load itself and the store) before
anything is written; with errors, nothing is imported unless ``skip_invalid``.
Writing then goes in batches, each one atomic and durable — nodes, then links,
then sanctions, then the events lifting them — so a load that is killed leaves
a consistent store holding the batches committed so far, and running the same
load again completes it (re-loading is idempotent).

A large load is parsed on every core (:mod:`creditgraph.ingest.parsing`) and kept
as rows rather than objects (:mod:`creditgraph.ingest.records`); the errors, their
order and everything written are the same as parsing it line by line.
"""

from __future__ import annotations

import gc
import sys
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, TextIO, cast

from tqdm import tqdm

from creditgraph.domain.model import Event, Link, Node
from creditgraph.identity import LISTED_KEY, is_listed
from creditgraph.identity.keys import MissingIdKey
from creditgraph.identity.merging import LoadWarning, merge_identities, merge_stored
from creditgraph.identity.resolution import links_ahead, resolve
from creditgraph.ingest.parsing import LineSource, parse_lines, parse_source, split_position
from creditgraph.ingest.records import (
    IdProtection,
    LinkRow,
    NodeRow,
    ParsedChunk,
    ParsedRecord,
    PreparedRecords,
    RecordError,
    RecordParser,
    link_from_row,
    node_from_row,
)
from creditgraph.schema import GraphSchema
from creditgraph.store.base import Batch, GraphStore, WriteReport

DEFAULT_BATCH_SIZE = 50_000


@dataclass
class LoadResult:
    errors: list[RecordError] = field(default_factory=list)
    warnings: list[LoadWarning] = field(default_factory=list)  # e.g. two names, one number
    accepted: int = 0
    report: WriteReport = field(default_factory=WriteReport)
    written: bool = False


def read_lines(paths: Sequence[str], stdin: TextIO | None = None) -> LineSource:
    """(file name, line number, text) for every non-blank line; ``-`` reads standard input.

    Bytes that are not UTF-8 are kept as surrogate escapes rather than raised here, so the
    JSON parser rejects that one line and the error names the file and the line. The loader
    reads the files in blocks rather than line by line (see :class:`LineSource`).
    """
    return LineSource(paths, stdin)


_LINK_KEY = itemgetter(0, 1, 2, 3)


class _Records:
    """The records of a load so far, first occurrences in input order: nodes by id, links as
    rows, events by id; and what parsing and de-duplication rejected."""

    def __init__(self) -> None:
        self.files: list[str] = []  # by segment
        self.nodes: dict[str, NodeRow] = {}
        self.links: list[LinkRow] = []
        self.link_pos = array("q")  # pos of each link
        self.events: dict[str, tuple[ParsedRecord, int]] = {}
        self.errors: list[RecordError] = []
        self.name_keys: dict[str, str] = {}  # see ParsedChunk.name_keys
        # links are told apart by their key (src, rel, dst, valid_from): while no two keys
        # share a hash, a set of hashes is enough to know there is no duplicate
        self._link_hashes: set[int] | None = set()
        self._link_index: dict[tuple[Any, ...], int] | None = None  # key → index in links

    def where(self, pos: int) -> tuple[str, int]:
        segment, line = split_position(pos)
        return self.files[segment], line

    def add(self, chunk: ParsedChunk) -> None:
        self.errors.extend(chunk.errors)
        self.name_keys.update(chunk.name_keys)
        self._add_nodes(chunk.nodes)
        self._add_links(chunk.links, chunk.link_pos)
        for parsed, pos in chunk.events:
            event = cast(Event, parsed.record)
            earlier = self.events.get(event.id)
            if earlier is None:
                self.events[event.id] = (parsed, pos)
            elif earlier[0].record != event:
                self._conflict(pos, "id", earlier[1])

    def _add_nodes(self, rows: list[NodeRow]) -> None:
        nodes = self.nodes
        fresh = {row[0]: row for row in rows}
        if len(fresh) == len(rows) and nodes.keys().isdisjoint(fresh):
            nodes.update(fresh)
            return
        for row in rows:
            earlier = nodes.get(row[0])
            if earlier is None:
                nodes[row[0]] = row
            elif earlier[1:5] != row[1:5]:
                self._conflict(row[5], "id", earlier[5])

    def _add_links(self, rows: list[LinkRow], positions: list[int]) -> None:
        hashes = self._link_hashes
        if hashes is not None:
            before = len(hashes)
            hashes.update(map(hash, map(_LINK_KEY, rows)))
            if len(hashes) == before + len(rows):
                self.links.extend(rows)
                self.link_pos.extend(positions)
                return
            # a duplicate (or two keys with one hash): from here on, the exact way
            self._link_hashes = None
            self._link_index = {_LINK_KEY(row): i for i, row in enumerate(self.links)}
        index = self._link_index
        assert index is not None
        for row, pos in zip(rows, positions, strict=True):
            key = _LINK_KEY(row)
            earlier = index.get(key)
            if earlier is None:
                index[key] = len(self.links)
                self.links.append(row)
                self.link_pos.append(pos)
            elif self.links[earlier][4:] != row[4:]:
                self._conflict(pos, "valid_from", self.link_pos[earlier])

    def parsed(self) -> None:
        """Every chunk is in: what only de-duplication needed can go."""
        self._link_hashes = self._link_index = None

    def _conflict(self, pos: int, field_name: str, earlier: int) -> None:
        file, line = self.where(pos)
        earlier_file, earlier_line = self.where(earlier)
        self.errors.append(
            RecordError(
                file,
                line,
                field_name,
                f"conflicts with the record at {earlier_file}:{earlier_line} "
                "(same id or link key, different content)",
            )
        )

    def __len__(self) -> int:
        return len(self.nodes) + len(self.links) + len(self.events)


def parse_all(
    lines: Iterable[tuple[str, int, str]],
    store: GraphStore,
    protect: IdProtection,
    *,
    progress: bool = False,
) -> _Records:
    parser = RecordParser(store.schema, protect)
    records = _Records()
    chunks = (
        parse_source(lines, parser, records.files)
        if isinstance(lines, LineSource)
        else ((chunk, _records_in(chunk)) for chunk in parse_lines(lines, parser, records.files))
    )
    bar: tqdm[Any] | None = None  # made once the first chunk is in, after any worker started:
    try:  # its monitor thread is best not running when they are forked
        for chunk, count in chunks:
            records.add(chunk)
            if bar is None:
                bar = tqdm(
                    desc="reading",
                    unit=" lines",
                    disable=not progress or None,
                    file=sys.stderr,
                    mininterval=0.5,
                )
            bar.update(count)
    finally:
        if bar is not None:
            bar.close()
    records.parsed()
    return records


def _records_in(chunk: ParsedChunk) -> int:
    return len(chunk.nodes) + len(chunk.links) + len(chunk.events) + len(chunk.errors)


class _StoredTypes:
    """``store.node_types``, each id asked of the store once in a load: identity merging and
    the reference check ask about much the same ids (at M, 5,700 ids of a day's changes took
    the Neo4j store 0.06 s a time)."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self._known: dict[str, str | None] = {}

    def __call__(self, node_ids: Iterable[str]) -> dict[str, str]:
        ids = set(node_ids)
        missing = ids.difference(self._known)
        if missing:
            found = self._store.node_types(missing)
            self._known.update((i, found.get(i)) for i in missing)
        return {i: kind for i in ids if (kind := self._known[i]) is not None}


def check_references(
    records: _Records,
    store: GraphStore,
    *,
    skip_invalid: bool,
    node_types: Callable[[Iterable[str]], dict[str, str]] | None = None,
) -> list[RecordError]:
    """Resolve every reference against the load and the store; drop what cannot stand.
    ``node_types`` answers as ``store.node_types`` (the load's, which remembers)."""
    schema = store.schema
    errors: list[RecordError] = []
    stored: dict[str, str] | None = None
    rejected: dict[str, tuple[str, int]] = {}  # id → where the rejected record defining it was
    while True:
        failed: list[RecordError] = []
        # ids defined in this load: its nodes, then its events — but where an event and a node
        # share an id, the later of the two is the error, not the links and events using it
        defined = dict(zip(records.nodes, map(itemgetter(1), records.nodes.values()), strict=True))
        events_defined = set(records.events)
        for event_id in records.events.keys() & records.nodes.keys():
            node_pos, event_pos = records.nodes[event_id][5], records.events[event_id][1]
            later, earlier, kind = (
                (event_pos, node_pos, records.nodes[event_id][1])
                if node_pos < event_pos
                else (node_pos, event_pos, "event")
            )
            file, line = records.where(later)
            earlier_file, earlier_line = records.where(earlier)
            failed.append(
                RecordError(
                    file,
                    line,
                    "id",
                    f"{event_id!r} is already the id of {_a(kind)} at "
                    f"{earlier_file}:{earlier_line}",
                )
            )
            if kind != "event":
                events_defined.discard(event_id)
            else:
                defined[event_id] = "event"
        defined.update((event_id, "event") for event_id in events_defined)
        if stored is None:
            if store.data_version() == "0":
                stored = {}  # nothing was ever written: no need to send every id to the store
            else:
                wanted = set(defined)
                for link in records.links:
                    wanted.add(link[0])
                    wanted.add(link[2])
                for parsed, _ in records.events.values():
                    wanted.update(ref.target for ref in parsed.references)
                stored = (node_types or store.node_types)(wanted)
        types = {**stored, **defined} if stored else defined
        checker = _References(records, schema, store, types, stored, rejected, events_defined)
        failed.extend(checker.errors())
        errors.extend(failed)
        if not failed or not skip_invalid:
            return errors
        bad = {(e.file, e.line) for e in failed}
        dropped: list[tuple[int, str, tuple[str, int]]] = []
        for node_id, node in list(records.nodes.items()):
            where = records.where(node[5])
            if where in bad:
                dropped.append((node[5], node_id, where))
                del records.nodes[node_id]
        for event_id, (parsed, pos) in list(records.events.items()):
            if (parsed.file, parsed.line) in bad:
                dropped.append((pos, event_id, (parsed.file, parsed.line)))
                del records.events[event_id]
        for _, record_id, where in sorted(dropped):  # in input order: the first one is named
            rejected.setdefault(record_id, where)
        kept = [i for i, pos in enumerate(records.link_pos) if records.where(pos) not in bad]
        records.links = [records.links[i] for i in kept]
        records.link_pos = array("q", [records.link_pos[i] for i in kept])


class _References:
    def __init__(
        self,
        records: _Records,
        schema: GraphSchema,
        store: GraphStore,
        types: dict[str, str],
        stored: dict[str, str],
        rejected: dict[str, tuple[str, int]],
        events_defined: set[str],
    ) -> None:
        self.records = records
        self.schema = schema
        self.store = store
        self.types = types
        self.stored = stored
        self.rejected = rejected
        self.events_defined = events_defined

    def errors(self) -> Iterator[RecordError]:
        records, stored = self.records, self.stored
        if stored:
            for node_id, row in records.nodes.items():
                if stored.get(node_id, row[1]) != row[1]:
                    file, line = records.where(row[5])
                    yield RecordError(
                        file,
                        line,
                        "id",
                        f"{node_id!r} is already {_a(stored[node_id])} in the store",
                    )
        kinds = {rel: (kind.from_types, kind.to_types) for rel, kind in self.schema.links.items()}
        if not self._links_all_right(kinds):
            get = self.types.get
            for link, pos in zip(records.links, records.link_pos, strict=True):
                from_types, to_types = kinds[link[1]]
                if get(link[0]) not in from_types or get(link[2]) not in to_types:
                    file, line = records.where(pos)
                    link_refs = (("from", link[0], from_types), ("to", link[2], to_types))
                    yield from self._reference_errors(file, line, link_refs, link[1], None)
        for parsed, _ in records.events.values():
            event = cast(Event, parsed.record)
            if event.id in stored and stored[event.id] != "event":
                yield RecordError(
                    parsed.file,
                    parsed.line,
                    "id",
                    f"{event.id!r} is already {_a(stored[event.id])} in the store",
                )
            refs = tuple((ref.field, ref.target, ref.types) for ref in parsed.references)
            yield from self._reference_errors(parsed.file, parsed.line, refs, event.kind, event)

    def _links_all_right(self, kinds: dict[str, tuple[frozenset[str], frozenset[str]]]) -> bool:
        """Whether every link joins ids of the types its kind allows, found without a Python
        step per link: the distinct (kind, type of one end) pairs are few."""
        links, get = self.records.links, self.types.get
        rels = list(map(itemgetter(1), links))
        for end, allowed in ((0, 0), (2, 1)):
            ends = map(get, map(itemgetter(end), links))
            for rel, end_type in set(zip(rels, ends, strict=True)):
                if end_type not in kinds[rel][allowed]:
                    return False
        return True

    def _reference_errors(
        self,
        file: str,
        line: int,
        refs: Iterable[tuple[str, str, frozenset[str]]],
        what: str,
        event: Event | None,
    ) -> Iterator[RecordError]:
        for field_name, target, allowed in refs:
            target_type = self.types.get(target)
            if target_type is None:
                dropped = self.rejected.get(target)
                reason = (
                    f"{target!r} is defined at {dropped[0]}:{dropped[1]}, which was rejected"
                    if dropped
                    else f"unknown id {target!r}: not defined in this load nor in the store"
                )
                yield RecordError(file, line, field_name, reason)
            elif target_type not in allowed:
                yield RecordError(
                    file,
                    line,
                    field_name,
                    f"{target!r} is {_a(target_type)}; {what} needs "
                    f"{' or '.join(sorted(allowed))} here",
                )
            elif field_name == "lifts" and event is not None:
                lifted = self._event(target)
                if isinstance(lifted, Event) and lifted.subject != event.subject:
                    yield RecordError(
                        file,
                        line,
                        "subject",
                        f"{event.id} lifts {lifted.id}, which is on {lifted.subject!r}, "
                        f"not {event.subject!r}",
                    )
                elif isinstance(lifted, Event):
                    yield from self._impossible_lift(file, line, event, lifted)

    def _event(self, event_id: str) -> Event | None:
        if event_id in self.events_defined:
            return cast(Event, self.records.events[event_id][0].record)
        return self.store.event(event_id)

    def _impossible_lift(
        self, file: str, line: int, event: Event, lifted: Event
    ) -> Iterator[RecordError]:
        """A lift that would end a restriction before it starts, answer an objection that was
        never filed, or close a loop of lifts cannot describe what happened."""
        if event.date < lifted.date:
            yield RecordError(
                file,
                line,
                "date",
                f"{event.id} ({event.kind}) is dated {event.date}, before {lifted.id} "
                f"({lifted.kind}, {lifted.date}) which it lifts: a lift cannot precede "
                "what it lifts",
            )
        effect = self.schema.events[event.kind].lifting
        lifted_effect = self.schema.events[lifted.kind].lifting
        if effect == "close" and lifted_effect != "flag":
            flags = sorted(k for k, e in self.schema.events.items() if e.lifting == "flag")
            yield RecordError(
                file,
                line,
                "lifts",
                f"{event.kind} answers an objection: it must lift a {' or '.join(flags)} "
                f"event, not {lifted.id} ({lifted.kind})",
            )
        if effect == "flag" and lifted_effect is not None:
            yield RecordError(
                file,
                line,
                "lifts",
                f"an objection concerns a record, not {lifted.id} ({lifted.kind}), "
                "which is itself a lift",
            )
        chain: list[str] = [event.id]
        current: Event | None = lifted
        while current is not None and current.lifts and len(chain) <= 64:
            chain.append(current.id)
            if current.lifts == event.id:
                yield RecordError(
                    file,
                    line,
                    "lifts",
                    f"lift cycle: {' → '.join([*chain, event.id])}: each event would lift "
                    "the one that lifts it",
                )
                break
            current = self._event(current.lifts)


def _a(kind: str) -> str:
    return f"an {kind}" if kind[:1] in "aeiou" else f"a {kind}"


def plan_batches(
    records: _Records,
    batch_size: int,
    events_per_batch: int | None = None,
    rows_per_batch: int | None = None,
) -> Iterator[Batch]:
    """Nodes, then links, then events (each lifting event after what it lifts), in batches
    — of nodes or links, at most ``rows_per_batch``, of events, at most ``events_per_batch``,
    when the store asks for fewer (see Batch).

    The rows leave ``records`` as their batches are made, so that a large load's memory
    shrinks as it is written."""
    nodes = list(records.nodes.values())
    records.nodes.clear()
    name_keys, records.name_keys = records.name_keys, {}

    if 0 < len(nodes) + len(records.links) + len(records.events) <= batch_size:
        # everything in one transaction: a call that fits one batch (every importRecords or
        # recordEvent) is written whole or not at all, even if the process dies mid-way
        yield Batch(
            nodes=_node_batch([row[:5] for row in nodes], name_keys),
            links=cast(list[Link], PreparedRecords(records.links, link_from_row)),
            events=_in_lifting_order(records),
        )
        records.links, records.link_pos = [], array("q")
        return
    rows_step = min(batch_size, rows_per_batch or batch_size)
    # in id order across the batches, as the links below: the order the nodes are created in
    # (the order export gives them back) is then the same whatever the size of the batches a
    # store takes, and each batch adds to the end of the id index
    nodes.sort(key=itemgetter(0))
    while nodes:
        rows = [row[:5] for row in nodes[:rows_step]]
        del nodes[:rows_step]
        yield Batch(nodes=_node_batch(rows, name_keys))
    name_keys = {}  # the links' and events' batches need none: its memory can go
    links, records.links, records.link_pos = records.links, [], array("q")
    # in key order across the batches, not only within each: every batch then adds to the
    # end of the links B-tree instead of splitting pages all over it (the store's pages
    # written per batch no longer grow with what is stored); nothing reads links in the
    # order they were written. (Keys are unique by now, so rows compare on their keys alone.)
    links.sort()
    while links:
        link_rows = links[:rows_step]
        del links[:rows_step]
        yield Batch(links=cast(list[Link], PreparedRecords(link_rows, link_from_row)))
    ordered = _in_lifting_order(records)
    step = min(batch_size, events_per_batch or batch_size)
    for start in range(0, len(ordered), step):
        yield Batch(events=ordered[start : start + step])


def _node_batch(rows: list[tuple[Any, ...]], name_keys: dict[str, str]) -> list[Node]:
    prepared = PreparedRecords(rows, node_from_row)
    prepared.name_keys = name_keys
    return cast(list[Node], prepared)


def _in_lifting_order(records: _Records) -> list[Event]:
    events = {event_id: cast(Event, p.record) for event_id, (p, _) in records.events.items()}

    def depth(event: Event, seen: frozenset[str] = frozenset()) -> int:
        target = events.get(event.lifts) if event.lifts else None
        if target is None or event.id in seen:
            return 0 if not event.lifts else 1
        return 1 + depth(target, seen | {event.id})

    return sorted(events.values(), key=lambda e: (depth(e), e.date, e.id))


def load(
    lines: Iterable[tuple[str, int, str]],
    store: GraphStore,
    *,
    skip_invalid: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: bool = False,
    on_batch: Callable[[WriteReport], None] | None = None,
    input_errors: Callable[[], list[RecordError]] | None = None,
) -> LoadResult:
    """Validate and write the records of ``lines``. ``input_errors``, called once every line
    was read, adds the errors of an input that was turned into lines (a published source's
    rows): they count as the load's own, so with any of them nothing is written unless
    ``skip_invalid``."""
    # A load makes millions of objects and no reference cycles worth finding: without the
    # cycle collector, which would walk all of them again and again, it runs ~5 % faster.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load(lines, store, skip_invalid, batch_size, progress, on_batch, input_errors)
    finally:
        if collecting:
            gc.enable()


def _load(
    lines: Iterable[tuple[str, int, str]],
    store: GraphStore,
    skip_invalid: bool,
    batch_size: int,
    progress: bool,
    on_batch: Callable[[WriteReport], None] | None,
    input_errors: Callable[[], list[RecordError]] | None = None,
) -> LoadResult:
    protect = IdProtection.of(store)
    records = parse_all(lines, store, protect, progress=progress)
    # (the key is asked for only when a record failed: a load of no number needs none)
    missing_key = protect.missing if records.errors else None
    if any(error.reason == missing_key for error in records.errors):
        # a configuration fault, not a bad record: one line naming the variable (exit 1)
        raise MissingIdKey(missing_key)
    stored_types = _StoredTypes(store)
    warnings, records.links, stored_merges = merge_identities(
        records.nodes, records.links, records.events, store, records.where, stored_types
    )
    reference_errors = check_references(
        records, store, skip_invalid=skip_invalid, node_types=stored_types
    )
    if input_errors is not None:
        reference_errors += input_errors()
    result = LoadResult(
        errors=sorted(records.errors + reference_errors),
        warnings=sorted(warnings),
        accepted=len(records),
    )
    if result.errors and not skip_invalid:
        result.accepted = 0
        return result
    # persons whose identity resolution the load can change: published entries, and
    # registry persons with a number (an entry may be compatible with them)
    identity_rows = [
        row
        for row in records.nodes.values()
        if row[1] == "person" and (is_listed(row[0]) or '"id_blind"' in row[4])
    ]
    resolved_ahead: set[str] = set()
    if any(is_listed(row[0]) for row in identity_rows):
        # new published entries carry their identity links from the first write (see
        # links_ahead): their events are derived once
        pending = [cast(Event, parsed.record) for parsed, _ in records.events.values()]
        entries = [node_from_row(row) for row in identity_rows if is_listed(row[0])]
        ahead, resolved_ahead = links_ahead(store, entries, pending)
        records.links.extend((link.src, link.rel, link.dst, "", None, None) for link in ahead)
        if stored_merges or not all(is_listed(row[0]) for row in identity_rows):
            resolved_ahead = set()  # candidates change with this load: resolve all again
    bar = tqdm(
        total=len(records),
        desc="writing",
        unit=" records",
        disable=not progress or None,
        file=sys.stderr,
        mininterval=0.5,
    )
    # a store may defer work across a large load's batches (the embedded store: a first
    # load's indexes); it is done once they are written, or, should one fail, by the store's
    # next write
    settle = getattr(store, "settle", None)
    with bar:
        for batch in plan_batches(
            records,
            batch_size,
            getattr(store, "events_per_write", None),
            getattr(store, "rows_per_write", None),
        ):
            report = store.write(batch)
            result.report.add(report)
            bar.update(len(batch))
            if on_batch:
                on_batch(report)
    if settle is not None:
        settle()
    if stored_merges:
        report = merge_stored(store, stored_merges)
        result.report.add(report)
        if on_batch:
            on_batch(report)
    if identity_rows and (
        any(is_listed(row[0]) for row in identity_rows)
        or store.persons_by_identity([LISTED_KEY], limit=1)
    ):  # with no published entry anywhere, there is nothing to resolve
        report = resolve(
            store, [node_from_row(row) for row in identity_rows if row[0] not in resolved_ahead]
        )
        result.report.add(report)
        if on_batch:
            on_batch(report)
    result.written = True
    return result
