"""The Neo4j store: the same :class:`~creditgraph.store.base.GraphStore` on a Neo4j 5 server.

Held to the embedded store's results, not merely similar ones: a batch is one Neo4j
transaction that counts created/updated/unchanged records the same way, and
re-derives the events it can change with the *shared* rules engine
(``events_to_rederive`` + ``derive``) reading the graph through :class:`_CypherView`
— Cypher on that same transaction, so derivation sees the batch's own writes. The
scenario suite runs on both stores (``any_store``) to keep it so.

Every statement lives in ``cypher/`` (see its README for the graph model in Neo4j);
values always travel as parameters.

Writers take a lock on the ``(:CreditgraphMeta {key: 'store'})`` node first, so
batches are serialised as the embedded store's ``BEGIN IMMEDIATE`` serialises them;
readers are not blocked. Reads go through ``execute_query`` with read routing (a
cluster's followers serve them) and the driver's bookmark manager (a process reads
its own writes).
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import partial
from operator import itemgetter
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit, urlunsplit

import neo4j
import orjson
from neo4j import GraphDatabase, RoutingControl
from neo4j.exceptions import (
    AuthError,
    ConstraintError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    TransientError,
)
from neo4j.time import Date as Neo4jDate

from creditgraph import migrations
from creditgraph.domain.model import Event, Link, Node, Restriction, read_stored_json
from creditgraph.domain.names import normalise_names
from creditgraph.domain.pinyin import could_be_pinyin, key_text
from creditgraph.identity import identity_keys, is_listed
from creditgraph.identity.keys import MISSING_KEY, MissingIdKey, derive_id_key, resolve_secret
from creditgraph.ingest.records import event_to_record, link_to_record, node_to_record
from creditgraph.monitoring.react import (
    NOTICE,
    OPEN_NOTICE,
    WATCH,
    announced,
    changed_subjects,
    outbox_writes,
    react,
)
from creditgraph.rules.engine import BRANCH_OF, derive
from creditgraph.rules.maintenance import ChangedLink, events_to_rederive
from creditgraph.schema import GraphSchema
from creditgraph.store.base import (
    BOTH,
    IN,
    OUT,
    AuditEntry,
    Batch,
    Budget,
    ConflictLinks,
    FoundPath,
    MonitorRecord,
    RankedLinks,
    StoreError,
    TooWide,
    WriteReport,
    rel_ranks,
)
from creditgraph.store.cypher import CypherLibrary

T = TypeVar("T")

# Rows per UNWIND: large enough to amortise a round trip, small enough for a modest heap.
CHUNK = 10_000
# Events re-derived per prefetch of the graph around them.
DERIVE_CHUNK = 2_000
# The most nodes or links a large load gives Neo4j in one write (see Neo4jStore).
ROWS_PER_WRITE = CHUNK
# Source nodes whose links are read (and sorted) per export page: bounded memory.
EXPORT_PAGE = 5_000
WRITE_ATTEMPTS = 3
LIFT_CHAIN_LIMIT = 18  # the engine stops following objections to objections at 16
# What Neo4jStore.on_statement is told a write transaction's commit is.
COMMIT = "COMMIT"

_NODE_RESERVED = frozenset({"id", "type", "name", "norm_name", "name_keys", "props", "seq"})
_EVENT_RESERVED = frozenset({"id", "kind", "subject", "date", "lifts", "props"})


# conversions -------------------------------------------------------------------------
def _day(value: Any) -> dt.date | None:
    if value is None:
        return None
    if type(value) is str:  # a link's dates come as ISO text (see _link)
        return dt.date.fromisoformat(value)
    if isinstance(value, Neo4jDate):
        return value.to_native()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


class _Rows(list[Any]):
    """A statement's list parameter, as the driver sends it, with a short ``repr``. The
    driver formats every statement's parameters for its debug log before it knows whether
    anything logs them (neo4j 6.4, ``Bolt5x.run``): for a batch's rows that took longer
    than packing them (0.13 s a statement of 50,000 rows, 3-4 s a phase of a first load at
    size M), and it would write identity hashes and blind indexes into a debug log."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{len(self)} rows>"


def _parameters(params: dict[str, Any]) -> dict[str, Any]:
    return {k: _Rows(v) if type(v) is list else v for k, v in params.items()}


# Told of each statement a store runs, when set (Neo4jStore.on_statement): its text, the
# seconds the client spent on it, the server's summary (its own milliseconds) and the rows.
StatementHook = Callable[[str, float, "neo4j.ResultSummary | None", int], None]


def _records(
    runner: neo4j.Transaction | neo4j.Session,
    statement: str,
    params: dict[str, Any],
    hook: StatementHook | None,
) -> list[neo4j.Record]:
    if hook is None:
        return list(runner.run(statement, _parameters(params)))
    started = time.perf_counter()
    result = runner.run(statement, _parameters(params))
    rows = list(result)
    # (every record read, the summary is already here: consume() asks the server nothing)
    hook(statement, time.perf_counter() - started, result.consume(), len(rows))
    return rows


R = TypeVar("R")


def _made_ahead(make: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
    """``make(item)`` for each item, in order, the next one made in a worker thread while
    the caller sends this one: the driver waits for the server without holding the GIL, so
    a batch's rows are built while the server writes the ones before (at size M a first
    load's node rows took seconds to build, and the server tens of seconds to write)."""
    pending = list(items)
    if len(pending) < 2:
        yield from map(make, pending)
        return
    with ThreadPoolExecutor(1, thread_name_prefix="creditgraph-rows") as pool:
        following = pool.submit(make, pending[0])
        for item in pending[1:]:
            made = following.result()
            following = pool.submit(make, item)
            yield made
        yield following.result()


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _json(value: Mapping[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _storable(value: Any) -> bool:
    if isinstance(value, str | bool | int | float):
        return True
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


_SCALARS = frozenset({str, bool, int, float})


def _readable(props: Mapping[str, Any], reserved: frozenset[str]) -> dict[str, Any]:
    """The record's properties spelled out for Neo4j Browser (``props`` JSON is what is read)."""
    # (the values of parsed JSON are of these exact types: _storable is asked of the others)
    return {
        k: v
        for k, v in props.items()
        if (type(v) in _SCALARS or _storable(v)) and k not in reserved
    }


def _node(row: Mapping[str, Any]) -> Node:
    return Node(row["id"], row["type"], row["name"], read_stored_json(row["props"]))


def _event(row: Mapping[str, Any]) -> Event:
    date = _day(row["date"])
    assert date is not None
    return Event(row["id"], row["kind"], row["subject"], date, read_stored_json(row["props"]))


def _naming(
    person_ids: Iterable[str], fetch: Callable[[list[str]], Iterable[Mapping[str, Any]]]
) -> list[Event]:
    """The events whose ``responsible`` names one of the persons, once each, by date and id
    (``fetch`` answers a chunk of ids with the events whose props text holds one of them)."""
    wanted = sorted(set(person_ids))
    wanted_set = set(wanted)
    found: dict[str, Event] = {}
    for chunk in _chunks(wanted):
        for row in fetch(list(chunk)):
            event = _event(row)
            if event.responsible and not wanted_set.isdisjoint(event.responsible):
                found[event.id] = event
    return sorted(found.values(), key=lambda e: (e.date, e.id))


def _link(row: Mapping[str, Any]) -> Link:
    # The statements return a link's dates as ISO text (toString): the driver made a date
    # object of each in ~10 µs, Python reads the text in a fraction of that (a neighbourhood
    # next to a hub reads ~80 links, a day's changes at M re-derive along ~3,000).
    return Link(
        row["rel"],
        row["src"],
        row["dst"],
        _day(row["valid_from"]),
        _day(row["valid_to"]),
        row["share"],
    )


def _link_order(link: Link) -> tuple[str, str, str, str]:
    return (link.src, link.rel, link.dst, link.valid_from.isoformat() if link.valid_from else "")


def _restriction_row(r: Restriction) -> dict[str, Any]:
    return {
        "subject": r.subject,
        "event_id": r.event_id,
        "properties": {
            "id": r.id,
            "subject": r.subject,
            "measure": r.measure,
            "rule": r.rule,
            "legal_basis": r.legal_basis,
            "event_id": r.event_id,
            "start": r.start,
            "until": r.until,
            "scheduled_until": r.scheduled_until,
            "certainty": r.certainty.value,
            "ended_by": r.ended_by,
            "voided_by": r.voided_by,
            "data": r.to_stored_json(),
        },
    }


def _monitor(row: Mapping[str, Any]) -> MonitorRecord:
    return MonitorRecord(
        row["kind"],
        row["id"],
        row["subject"],
        row["status"],
        json.loads(row["data"]),
        row["due"],
        row["seq"],
        row["version"],
    )


def _monitor_update_rows(
    updates: Sequence[tuple[str, str, str | None, Mapping[str, Any]]],
) -> list[dict[str, Any]]:
    return [
        {"key": f"{kind}|{rid}", "status": status, "data": _json(data)}
        for kind, rid, status, data in updates
    ]


def _monitor_rows(records: Sequence[MonitorRecord]) -> list[dict[str, Any]]:
    unique = {(r.kind, r.id): r for r in reversed(records)}  # the first of a key wins
    return [
        {
            "key": f"{r.kind}|{r.id}",
            "kind": r.kind,
            "id": r.id,
            "version": r.version,
            "subject": r.subject,
            "status": r.status,
            "due": r.due,
            "data": _json(r.data),
            "restriction": announced(r),
        }
        for r in records
        if unique[(r.kind, r.id)] is r
    ]


_NO_LIMIT = 2**62


def _timed_out(exc: BaseException | None) -> bool:
    """Neo4j ended the transaction at its timeout (waiting for a lock or working)."""
    code = getattr(exc, "code", None) or ""
    return "TransactionTimedOut" in code or code.endswith("Transaction.LockClientStopped")


def _found(rows: Sequence[neo4j.Record]) -> list[Any]:
    """The maps a bulk read collected into its one row (``RETURN collect({…}) AS found``)."""
    return rows[0]["found"] if rows else []


def _at_once(first: Callable[[], list[T]], second: Callable[[], list[T]]) -> list[T]:
    """``first() + second()``, the second run in a thread of its own meanwhile: the driver
    waits for the server without holding the GIL, so two statements in two sessions run on
    two of the server's cores. (Leaving the pool waits for the second, whatever the first
    raised.)"""
    with ThreadPoolExecutor(1, thread_name_prefix="creditgraph-lookup") as pool:
        later = pool.submit(second)
        return first() + later.result()


def _chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# connection ---------------------------------------------------------------------------
def _connection(
    url: str, user: str | None, password: str | None
) -> tuple[str, Any, str | None, str]:
    """(driver URL, auth, database, URL safe to show) from a bolt:// or neo4j:// URL.

    Credentials in the URL (``bolt://user:secret@host:7687``) win over NEO4J_USER /
    NEO4J_PASSWORD; a user alone in the URL (``bolt://reader@host``, so the password stays
    out of the URL) takes NEO4J_PASSWORD; a path names the database
    (``neo4j://host/creditgraph``); no credentials at all means no authentication (a server
    with auth disabled).
    """
    parts = urlsplit(url)
    if parts.username is not None:
        user = unquote(parts.username)
        if parts.password is not None:
            password = unquote(parts.password)
    host = parts.hostname or "localhost"
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    database = parts.path.strip("/") or None
    target = urlunsplit((parts.scheme, netloc, "", parts.query, ""))
    shown = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    auth = (
        None
        if user is None and password is None
        else neo4j.basic_auth(user or "neo4j", password or "")
    )
    return target, auth, database, shown


class _CypherView:
    """The graph as one Neo4j transaction sees it, for the rules engine.

    Implements :class:`~creditgraph.rules.maintenance.MaintenanceView`. Every read is
    cached for the life of the view (the transaction writes only restrictions while
    the view is in use, which the view does not read), and :meth:`prefetch` loads what
    deriving a set of events will ask for in a few set-based queries instead of a
    round trip per question.
    """

    def __init__(
        self,
        tx: neo4j.Transaction,
        cypher: CypherLibrary,
        schema: GraphSchema,
        on_statement: StatementHook | None = None,
    ) -> None:
        self._tx = tx
        self._on_statement = on_statement
        self._cypher = cypher
        self._schema = schema
        self._nodes: dict[str, Node | None] = {}
        self._events: dict[str, Event | None] = {}
        self._lifts: dict[str, list[Event]] = {}
        self._adjacent: dict[tuple[str, str], tuple[frozenset[str], list[Link]]] = {}
        # per depth of the rule paths: direction -> the link kinds some rule follows there
        self._steps: list[dict[str, frozenset[str]]] = []
        for rule in schema.rules:
            for depth, step in enumerate(rule.path):
                while len(self._steps) <= depth:
                    self._steps.append({})
                known = self._steps[depth].get(step.direction, frozenset())
                self._steps[depth][step.direction] = known | step.rels
        # the depths at which a rule's path ends and its head office's branches are read
        self._branch_depths = {len(rule.path) for rule in schema.rules if rule.branches}
        self._identity = schema.identity_rels()

    def _run(self, name: str, **params: Any) -> list[neo4j.Record]:
        return _records(self._tx, self._cypher[name], params, self._on_statement)

    # GraphView ----------------------------------------------------------------------
    def node(self, node_id: str) -> Node | None:
        if node_id not in self._nodes:
            self._load_nodes([node_id])
        return self._nodes[node_id]

    def links_of(self, node_id: str, rels: frozenset[str], direction: str) -> list[Link]:
        cached = self._adjacent.get((node_id, direction))
        if cached is None or not rels <= cached[0]:
            self._load_links([node_id], rels | (cached[0] if cached else frozenset()), direction)
            cached = self._adjacent[(node_id, direction)]
        return [link for link in cached[1] if link.rel in rels]

    def event(self, event_id: str) -> Event | None:
        if event_id not in self._events:
            self._load_events([event_id])
        return self._events[event_id]

    def lifting_events(self, event_id: str) -> list[Event]:
        if event_id not in self._lifts:
            self._load_lifts([event_id])
        return self._lifts[event_id]

    # MaintenanceView ----------------------------------------------------------------
    def events_on(self, subject_ids: Iterable[str]) -> set[str]:
        found: set[str] = set()
        loaded: list[Event] = []
        for chunk in _chunks(sorted(set(subject_ids))):
            for row in _found(self._run("propagation/events_on", ids=list(chunk))):
                event = _event(row)
                self._events[event.id] = event
                loaded.append(event)
                found.add(event.id)
        self.load_lift_targets(loaded)  # events_to_rederive follows each to its root
        return found

    def events_naming(self, person_ids: Iterable[str]) -> set[str]:
        loaded = _naming(person_ids, lambda ids: self._run("propagation/events_naming", ids=ids))
        for event in loaded:
            self._events[event.id] = event
        self.load_lift_targets(loaded)  # events_to_rederive follows each to its root
        return {event.id for event in loaded}

    def linked(self, node_ids: Iterable[str], rels: frozenset[str], direction: str) -> set[str]:
        found: set[str] = set()
        statement = "propagation/linked_in" if direction == "in" else "propagation/linked_out"
        for chunk in _chunks(sorted(set(node_ids))):
            found.update(_found(self._run(statement, ids=list(chunk), rels=sorted(rels))))
        return found

    # ReactView (monitoring) -----------------------------------------------------------
    def restrictions_of(
        self, subjects: Sequence[str], known: Mapping[str, Restriction]
    ) -> list[Restriction]:
        found: list[Restriction] = []
        for chunk in _chunks(list(subjects)):
            for row in self._run("monitoring/restrictions_of_subjects", subjects=list(chunk)):
                r = known.get(row["id"])
                found.append(r if r is not None else Restriction.from_stored_json(row["data"]))
        return found

    def nodes_of(self, node_ids: Sequence[str]) -> dict[str, Node]:
        self._load_nodes(node_ids)
        return {i: n for i in node_ids if (n := self._nodes.get(i)) is not None}

    def watches_on(self, targets: Sequence[str]) -> list[MonitorRecord]:
        rows = self._run(
            "monitoring/records",
            kind=WATCH,
            after_seq=0,
            subjects=list(targets),
            statuses=["ACTIVE"],
            ids=None,
            min_version=None,
            limit=_NO_LIMIT,
        )
        return [_monitor(row) for row in rows]

    def open_notices(self, restriction_ids: Sequence[str]) -> list[MonitorRecord]:
        found: list[MonitorRecord] = []
        for chunk in _chunks(restriction_ids):
            rows = self._run(
                "monitoring/notices_announcing",
                restriction_ids=list(chunk),
                kind=NOTICE,
                statuses=list(OPEN_NOTICE),
            )
            found.extend(_monitor(row) for row in rows)
        return sorted(found, key=lambda record: record.seq)

    # batched loading ----------------------------------------------------------------
    def _load_nodes(self, node_ids: Iterable[str]) -> None:
        missing = sorted({i for i in node_ids if i not in self._nodes})
        for chunk in _chunks(missing):
            found = {row["id"]: _node(row) for row in self._run("queries/nodes", ids=list(chunk))}
            for node_id in chunk:
                self._nodes[node_id] = found.get(node_id)

    def _load_events(self, event_ids: Iterable[str]) -> None:
        missing = sorted({i for i in event_ids if i not in self._events})
        for chunk in _chunks(missing):
            rows = self._run("queries/events_by_id", ids=list(chunk))
            found = {row["id"]: _event(row) for row in rows}
            for event_id in chunk:
                self._events[event_id] = found.get(event_id)

    def _load_lifts(self, event_ids: Iterable[str]) -> None:
        missing = sorted({i for i in event_ids if i not in self._lifts})
        for chunk in _chunks(missing):
            grouped: dict[str, list[Event]] = defaultdict(list)
            for row in self._run("propagation/lifting_events", ids=list(chunk)):
                lift = _event(row)
                self._events[lift.id] = lift
                grouped[row["lifted"]].append(lift)
            for event_id in chunk:
                self._lifts[event_id] = grouped.get(event_id, [])

    def _load_links(self, node_ids: Iterable[str], rels: frozenset[str], direction: str) -> None:
        name = "queries/adjacency_in" if direction == IN else "queries/adjacency_out"
        for chunk in _chunks(sorted(set(node_ids))):
            grouped: dict[str, list[Link]] = defaultdict(list)
            for row in self._run(name, ids=list(chunk), rels=sorted(rels), as_of=None):
                grouped[row["anchor"]].append(_link(row))
            for node_id in chunk:
                self._adjacent[(node_id, direction)] = (rels, grouped.get(node_id, []))

    def load_lift_targets(self, events: Iterable[Event]) -> None:
        """The events that lifting events lift, and theirs, up to the root sanction."""
        frontier = list(events)
        for _ in range(LIFT_CHAIN_LIMIT):
            targets = {e.lifts for e in frontier if e.lifts and e.lifts not in self._events}
            if not targets:
                return
            self._load_events(targets)
            frontier = [e for t in targets if (e := self._events[t]) is not None]

    def prefetch(self, event_ids: Sequence[str]) -> None:
        """Load what deriving these events reads: the events, the lifts on them (and on
        those lifts), their subjects, and the links along every rule path."""
        self._load_events(event_ids)
        events = [e for i in event_ids if (e := self._events[i]) is not None]
        frontier_lifts = [e.id for e in events]
        for _ in range(LIFT_CHAIN_LIMIT):
            missing = [i for i in frontier_lifts if i not in self._lifts]
            if not missing:
                break
            self._load_lifts(missing)
            frontier_lifts = [lift.id for i in missing for lift in self._lifts[i]]
        self._load_nodes(e.subject for e in events)
        lifting = self._schema.lifting_kinds()
        frontier = {e.subject for e in events if e.kind not in lifting}
        if self._identity:
            # as derive reads them: a person subject's identity links (the rule paths start
            # from the persons it was resolved to too), and those of listed persons an event
            # names responsible
            persons = {
                i for i in frontier if (n := self._nodes.get(i)) is not None and n.type == "person"
            }
            named = {p for e in events for p in e.responsible or () if is_listed(p)}
            self.ensure_links(persons | named, self._identity, OUT)
            frontier |= {
                link.dst
                for i in persons
                for link in self._adjacent[(i, OUT)][1]
                if link.rel in self._identity
            }
        for depth in range(len(self._steps) + 1):
            steps = self._steps[depth] if depth < len(self._steps) else {}
            for direction, rels in steps.items():
                extra = (
                    frozenset({BRANCH_OF})
                    if direction == IN and depth in self._branch_depths
                    else frozenset()
                )
                self.ensure_links(frontier, rels | extra, direction)
            if depth in self._branch_depths and IN not in steps:
                self.ensure_links(frontier, frozenset({BRANCH_OF}), IN)
            following: set[str] = set()
            for direction, rels in steps.items():
                for node_id in frontier:
                    for link in self._adjacent[(node_id, direction)][1]:
                        if link.rel in rels:
                            following.add(link.src if direction == IN else link.dst)
            frontier = following

    def ensure_links(self, node_ids: Iterable[str], rels: frozenset[str], direction: str) -> None:
        """The links of kinds ``rels`` of each node cached, in one statement per set of kinds."""
        need: dict[frozenset[str], list[str]] = defaultdict(list)
        for node_id in node_ids:
            cached = self._adjacent.get((node_id, direction))
            if cached is None:
                need[rels].append(node_id)
            elif not rels <= cached[0]:
                need[rels | cached[0]].append(node_id)
        for wanted, missing in need.items():
            self._load_links(missing, wanted, direction)


# A batch this large is followed by a full garbage collection (see below).
_COLLECT_AFTER_RECORDS = 5_000
BULK_MIN_ROWS = 10_000
# Indexes a first load's node and link batches do without, made once they are written: Neo4j
# fills a new index from the stored nodes in one pass, where keeping it — the TEXT indexes
# are Lucene's — cost a first load's node batches half their time (100,000 links: 16.9 ->
# 8.7 s, and 3.7 s to make them after). Nothing a load's writes read uses them: it finds
# nodes by id (the constraints' indexes, kept), and events and restrictions by theirs.
DEFERRABLE_INDEXES = (
    "entity_norm_name",
    "entity_name_keys",
    "entity_seq",
    "person_id_keys",
    "person_id_hash",
)
# Waiting for the deferred indexes: at size L a first load fills them over 5 million nodes.
SETTLE_WAIT_S = 3_600


def _normalised_names(nodes: Sequence[Node], latest: Mapping[str, Node]) -> dict[str, str]:
    """Node id → normalised name: from the loader's rows, which its parse workers completed
    with them, else converted here all at once (OpenCC costs far more per call than per
    name: one call a node took most of a first load's node batches)."""
    rows: Sequence[Sequence[Any]] | None = getattr(nodes, "rows", None)
    if rows is not None:
        return {row[0]: row[3] for row in rows}
    names = list(dict.fromkeys(node.name for node in latest.values()))
    by_name = dict(zip(names, normalise_names(names), strict=True))
    return {node_id: by_name[node.name] for node_id, node in latest.items()}


def _collect_statement_parameters() -> None:
    """Free the parameters of a large write's statements now. The driver keeps each
    statement's parameters in its result's summary, and a result sits in reference cycles
    (its error handler is bound to it), so they are freed only by a garbage collection —
    which Python runs rarely while a load holds millions of parsed records, and never while
    the loader has the collector off. Without this a load kept every batch's rows: measured
    at 200,000 links, the loader's peak grew from 503 to 660 MiB, and at size M it needed
    2.4 KB a link, twice the embedded store's.

    With the collector off (the loader), everything made since the last collection is in
    the youngest generation, this batch's results with it: collecting that generation
    alone frees them without walking again every record the load holds (a full collection
    took 0.2-0.4 s a batch at size M)."""
    gc.collect(2 if gc.isenabled() else 0)


@dataclass
class _FirstLoad:
    """What this connection's first load has written (see write): the store's version after
    its last write, and the starts of the links it created. While the version at the start
    of a write is still that one, no other writer has written since, so the batch's links
    can have earlier copies only among those this load wrote."""

    version: int | None = None
    sources: set[str] = field(default_factory=set)
    # the write under way: whether it follows this load's own, what it created, its version
    own: bool = False
    written: set[str] = field(default_factory=set)
    pending: int | None = None

    def begin(self, version: int) -> None:
        self.own = version == self.version
        self.written = set()
        self.pending = version

    def committed(self) -> None:
        self.sources |= self.written
        self.version = self.pending
        self.written = set()


class Neo4jStore:
    """A :class:`~creditgraph.store.base.GraphStore` on a Neo4j 5 server (bolt:// or neo4j://)."""

    # A large load's events come in writes of at most this many (see Batch): Neo4j holds a
    # transaction's changes and its statements' working memory on the heap, up to
    # dbms.memory.transaction.total.max (70 % of it by default), and deriving 50,000 events of
    # a 9.8-million-link registry in one transaction went past 2.1 GiB, where a chunk of
    # DERIVE_CHUNK, as recompute uses, stays far below it.
    events_per_write: int = DERIVE_CHUNK
    # and its nodes and links in writes of at most this many, one statement each (CHUNK):
    # a first load's links went in 15 % faster than in writes of 50,000 (size M, alternated
    # on fresh harness servers: links 38.1 and 40.1 s against 44.0 and 48.8 s, the whole load
    # 136.8 and 136.1 s against 138.3 and 142.9 s; 100,000 links: 25.8 and 26.8 s against
    # 30.0 and 30.1 s).
    rows_per_write: int = ROWS_PER_WRITE
    # A first load's node and link batches go in without the search indexes (see write); a
    # batch this large into an empty database starts that, as on the embedded store.
    bulk_min_rows: int = BULK_MIN_ROWS
    # A batch's lookup of what is stored (its nodes, its links) of at least this many rows is
    # read in two halves at once, on two of the server's cores (see _lookup).
    lookup_split_min: int = 2_000
    # For profiling (benchmarks.neo4j_changes_profile): told of every statement this store
    # runs and of every commit (the statement COMMIT). None, the default, costs nothing.
    on_statement: StatementHook | None = None

    def __init__(
        self,
        url: str,
        schema: GraphSchema,
        *,
        user: str | None = None,
        password: str | None = None,
        id_key: str | None = None,
        id_key_file: str | None = None,
        create: bool = True,
        migrating: bool = False,
        write_timeout_s: float = 30.0,
    ) -> None:
        self.schema = schema
        self._write_timeout = write_timeout_s
        self._configured_key = id_key
        self._key_file = id_key_file
        self.pinned_today: dt.date | None = None
        self._indexes_deferred = False  # by this connection's first load (see write)
        self._indexes_filling = False  # its indexes created since, being filled (see settle)
        self._first_load: _FirstLoad | None = None  # its writes, while they are deferred
        self._cypher = CypherLibrary(schema)
        target, auth, self._database, self.url = _connection(url, user, password)
        try:
            self._driver = GraphDatabase.driver(
                target,
                auth=auth,
                user_agent="creditgraph",
                notifications_min_severity="OFF",
            )
        except (DriverError, ValueError) as exc:
            raise StoreError(f"{self.url}: not a usable Neo4j URL: {exc}") from exc
        self._bookmarks = self._driver.execute_query_bookmark_manager
        try:
            with self._errors():
                self._driver.verify_connectivity()
            stored = self.schema_version()
            if stored is None and not create:
                raise StoreError(
                    f"{self.url}: no creditgraph store in this database (check --store / "
                    "CREDITGRAPH_STORE; `creditgraph init` or `creditgraph load` creates one)"
                )
            if stored is not None:
                migrations.check_version(stored, self.url, migrating=migrating)
            if stored is None or stored == migrations.CURRENT:
                self.ensure_schema()
                self._ensure_meta()
        except BaseException:
            self._driver.close()
            raise

    # plumbing -----------------------------------------------------------------------
    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except AuthError as exc:
            raise StoreError(
                f"{self.url}: Neo4j refused the credentials ({exc.message}); set NEO4J_USER / "
                "NEO4J_PASSWORD or put them in the URL (bolt://user:password@host:7687)"
            ) from exc
        except ServiceUnavailable as exc:
            raise StoreError(
                f"{self.url}: Neo4j is unreachable ({exc}); is the server running?"
            ) from exc
        except Neo4jError as exc:
            raise StoreError(f"{self.url}: Neo4j refused the operation: {exc.message}") from exc
        except DriverError as exc:
            raise StoreError(f"{self.url}: Neo4j driver error: {exc}") from exc

    def _read(
        self, statement: str, /, *, on_leader: bool = False, **params: Any
    ) -> list[neo4j.Record]:
        """An auto-commit read (one round trip, where a managed transaction takes two): a
        decision is three of these. READ access lets a cluster's secondaries answer;
        ``on_leader`` reads on the server writes go to instead: a read beside a write
        transaction (_lookup), which in a cluster only the leader, holding every commit,
        answers as that transaction sees (a secondary may lack another writer's last one)."""
        with (
            self._errors(),
            self._driver.session(
                database=self._database,
                bookmark_manager=self._bookmarks,
                default_access_mode=neo4j.WRITE_ACCESS if on_leader else neo4j.READ_ACCESS,
            ) as session,
        ):
            return _records(session, statement, params, self.on_statement)

    def _lookup(
        self,
        tx: neo4j.Transaction,
        name: str,
        param: str,
        rows: Sequence[Any],
        *,
        beside: bool,
    ) -> list[Any]:
        """The rows statement ``name`` finds (``_found``) for ``rows``, its ``$param``.

        With ``beside`` — the write has written nothing this lookup reads: a batch of nodes
        only, or of links only, looks up what is stored before it writes — a lookup of at
        least ``lookup_split_min`` rows is split in two, and the second half is read at the
        same time in a session of its own (_read on_leader), so that the server answers both
        halves on two cores where one statement runs on one. That session sees what the
        transaction sees: the transaction took the writer lock first (import/lock_writer), so
        no other writer commits until it ends. A reload of a registry is nearly all such
        lookups."""
        if not beside or len(rows) < self.lookup_split_min:
            return _found(self._run(tx, name, **{param: list(rows)}))
        half = len(rows) // 2
        return _at_once(
            lambda: _found(self._run(tx, name, **{param: list(rows[:half])})),
            lambda: _found(
                self._read(self._cypher[name], on_leader=True, **{param: list(rows[half:])})
            ),
        )

    def _session(self) -> neo4j.Session:
        return self._driver.session(database=self._database, bookmark_manager=self._bookmarks)

    def _write_transaction(self, work: Callable[[neo4j.Transaction], T]) -> T:
        """``work`` in one explicit transaction, after at most CREDITGRAPH_WRITE_TIMEOUT
        waiting for the writer lock; retried when Neo4j says it may succeed later.

        The wait is bounded as the embedded store bounds it: a probe transaction with that
        timeout takes the writer lock and rolls back — Neo4j ends a transaction past its
        timeout also while it waits for a lock — so a write behind another writer fails
        with the embedded store's error instead of hanging. The work itself is not timed:
        a load's batch re-deriving a thousand events took 30 s on a loaded machine, and a
        request's own deadline already answers its caller.
        """
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                with self._errors(), self._session() as session:
                    with session.begin_transaction(timeout=self._write_timeout) as probe:
                        self._run(probe, "import/lock_writer")
                        probe.rollback()
                    with session.begin_transaction() as tx:
                        result = work(tx)
                        started = time.perf_counter()
                        tx.commit()
                        if self.on_statement is not None:
                            self.on_statement(COMMIT, time.perf_counter() - started, None, 0)
                    return result
            except StoreError as exc:
                if _timed_out(exc.__cause__):
                    raise self._busy() from exc
                if attempt == WRITE_ATTEMPTS or not isinstance(exc.__cause__, TransientError):
                    raise
        raise AssertionError("unreachable")

    def _busy(self) -> StoreError:
        # the embedded store's words for a writer that gave up (the CLI and API show them)
        return StoreError(
            f"{self.url}: another writer held the store for more than "
            f"{self._write_timeout:g} s; nothing was written (try again, or raise "
            "CREDITGRAPH_WRITE_TIMEOUT)"
        )

    def _run(self, tx: neo4j.Transaction, name: str, **params: Any) -> list[neo4j.Record]:
        return _records(tx, self._cypher[name], params, self.on_statement)

    def close(self) -> None:
        self._driver.close()

    # setup ---------------------------------------------------------------------------
    def ensure_schema(self, *, wait_s: int | None = 300) -> list[str]:
        """Create the constraints and indexes that are missing (every connection does: those
        of a first load that stopped before its end, too); the names created, once online —
        or, with ``wait_s`` None, at once, while Neo4j fills them."""
        wanted = self._cypher.statements("schema/constraints") + self._cypher.statements(
            "schema/indexes"
        )
        with self._errors():
            existing = {
                row["name"]
                for name in ("schema/constraint_names", "schema/index_names")
                for row in self._driver.execute_query(
                    self._cypher[name], routing_=RoutingControl.READ, database_=self._database
                ).records
            }
            created = []
            for name, statement in wanted:
                if name not in existing:
                    self._driver.execute_query(statement, database_=self._database)
                    created.append(name)
        if created and wait_s is not None:
            self._await_indexes(wait_s)
        return created

    def _await_indexes(self, wait_s: int) -> None:
        """Wait until every index is online (at once when all are)."""
        with self._errors():
            self._driver.execute_query(
                self._cypher["schema/await_indexes"], timeout=wait_s, database_=self._database
            )

    def settle(self) -> None:
        """Make the indexes a first load deferred (see write), and wait until they are
        online: the loader calls this once its batches are written, and any write of more
        than nodes and links does it first."""
        if self._indexes_deferred:
            self._fill_deferred_indexes()
            self._await_indexes(SETTLE_WAIT_S)
            self._indexes_deferred = False
            self._first_load = None

    def _fill_deferred_indexes(self) -> None:
        """Create the indexes a first load deferred without waiting for them: Neo4j fills
        them from the stored nodes in the background. A first load's link batches start
        this, so that the filling runs on the core the link writes leave free (they change
        no property an index holds), rather than after them."""
        if not self._indexes_filling:
            self.ensure_schema(wait_s=None)
            self._indexes_filling = True

    def _defer_indexes(self) -> None:
        with self._errors():
            for name in DEFERRABLE_INDEXES:
                self._driver.execute_query(f"DROP INDEX {name} IF EXISTS", database_=self._database)
        self._indexes_deferred = True
        self._indexes_filling = False
        self._first_load = _FirstLoad()

    def _holds_no_graph(self) -> bool:
        rows = self._read(self._cypher["queries/graph_exists"])
        return not rows[0]["any"]

    def _ensure_meta(self) -> None:
        if not self._read(self._cypher["queries/data_version"]):
            self._write_transaction(
                lambda tx: self._run(tx, "import/meta_init", schema_version=migrations.CURRENT)
            )

    # versions ------------------------------------------------------------------------
    def schema_version(self) -> int | None:
        """The layout version recorded in the store; None when the database holds none."""
        rows = self._read(self._cypher["queries/schema_version"])
        if not rows:
            return None
        value = rows[0]["schema_version"]
        return 0 if value is None else migrations.parse_version(value)

    def migrate(self) -> list[str]:
        """Bring the store to the current layout; the steps run (none when current)."""
        stored = self.schema_version() or 0
        migrations.check_version(stored, self.url, migrating=True)
        done = []
        for version in range(stored + 1, migrations.CURRENT + 1):
            step = {
                migrations.PINYIN_NAME_KEYS: self._lay_out_pinyin_name_keys,
                migrations.AUDIT_APART: self._keep_audit_in_the_graph,
                migrations.NOTICES_BY_RESTRICTION: self._index_notices_by_restriction,
            }.get(version) or getattr(self, f"_lay_out_version_{version}")
            step()

            def record(tx: neo4j.Transaction, version: int = version) -> None:
                self._run(tx, "import/schema_version_set", schema_version=version)

            self._write_transaction(record)
            done.append(migrations.step_done(version, step))
        return done

    def _lay_out_version_1(self) -> None:
        """record the schema version; create the constraints and indexes missing from stores
        written before versions were recorded"""
        self.ensure_schema()
        self._ensure_meta()

    def _lay_out_version_2(self) -> None:
        """create the index that finds persons by identity number (persons written before it
        gain their keys when next loaded: re-load or `export | load` the registry)"""
        self.ensure_schema()

    def _lay_out_version_3(self) -> None:
        """create the indexes of the monitoring outbox (changes, alerts, notices, watches)"""
        self.ensure_schema()

    def _keep_audit_in_the_graph(self) -> None:
        """nothing to change: the audit log stays in the graph database (the embedded store
        moves its own into a database beside the store)"""

    def _index_notices_by_restriction(self) -> None:
        """index the notices by the restriction they announce: a write that lifts a restriction
        reads only the notices announcing it, not every open one"""
        self.ensure_schema()
        after = ""
        while rows := self._read(
            self._cypher["monitoring/notices_to_index"], kind=NOTICE, after=after, limit=5000
        ):
            keyed = [{"key": row["key"], "restriction": announced(_monitor(row))} for row in rows]

            def write(tx: neo4j.Transaction, keyed: list[dict[str, Any]] = keyed) -> None:
                self._run(tx, "monitoring/notices_index_set", rows=keyed)

            self._write_transaction(write)
            after = rows[-1]["key"]

    def _lay_out_pinyin_name_keys(self) -> None:
        """index the pinyin keys of the names already stored (search by initials: hxkj)"""
        self.ensure_schema()
        after = ""
        while rows := self._read(self._cypher["queries/names_to_index"], after=after, limit=5000):
            keyed = [
                {"id": row["id"], "name_keys": key_text(row["norm_name"]) or None} for row in rows
            ]

            def write(tx: neo4j.Transaction, keyed: list[dict[str, Any]] = keyed) -> None:
                self._run(tx, "import/name_keys_set", rows=keyed)

            self._write_transaction(write)
            after = rows[-1]["id"]

    def id_key(self) -> bytes:
        # never kept in the database it protects: see creditgraph.identity.keys
        secret = resolve_secret(self._configured_key, self._key_file)
        if secret is None:
            raise MissingIdKey(MISSING_KEY)
        return derive_id_key(secret)

    # writing ---------------------------------------------------------------------------
    def write(self, batch: Batch) -> WriteReport:
        # nodes and links alone may go in without the search indexes: a large first batch
        # into an empty database starts that, the batches after it go on with it (the last
        # may be small), anything else makes them first. Schema changes cannot share a
        # transaction with data, so a load that stops half-way leaves them missing until
        # the next connection, which creates every missing index (ensure_schema).
        graph_only = not (batch.events or batch.retracted or batch.deleted_nodes)
        if not graph_only:
            self.settle()
        elif (
            not self._indexes_deferred
            and len(batch) >= self.bulk_min_rows
            and self._holds_no_graph()
        ):
            self._defer_indexes()
        elif self._indexes_deferred and batch.links and not batch.nodes:
            self._fill_deferred_indexes()  # the first load's nodes are in

        first_load = self._first_load

        def work(tx: neo4j.Transaction, nodes_are_new: bool) -> WriteReport:
            report = WriteReport()
            locked = self._run(tx, "import/lock_writer")
            if not locked:  # the database was emptied since we connected
                self._run(tx, "import/meta_init", schema_version=migrations.CURRENT)
                locked = self._run(tx, "import/lock_writer")
            if first_load is not None:
                first_load.begin(int(locked[0]["version"]))
            # whether any event is stored, asked of a large batch before its nodes and links
            # are written: Neo4j answers it from its count store, but with 50,000 new nodes
            # in the transaction it took 0.1 s (it counts those too)
            events_stored = (
                self._run(tx, "propagation/events_exist")[0]["any"]
                if not batch.events and len(batch) >= self.bulk_min_rows
                else None
            )
            # a batch of one kind looks up what is stored before writing anything it reads
            changed_nodes = self._upsert_nodes(
                tx, batch.nodes, report, nodes_are_new, beside=graph_only and not batch.links
            )
            changed_links = self._upsert_links(
                tx, batch.links, report, first_load, beside=graph_only and not batch.nodes
            )
            if batch.retracted:
                changed_links |= self._retract_links(tx, batch.retracted, report)
            changed_events = self._upsert_events(tx, batch.events, report)
            if batch.deleted_nodes:
                for row in self._run(tx, "import/nodes_delete", ids=list(batch.deleted_nodes)):
                    report.updated["person merged"] += 1
                    changed_nodes.add(row["id"])
            if changed_nodes or changed_links or changed_events:
                if events_stored is None and not changed_events:
                    events_stored = self._run(tx, "propagation/events_exist")[0]["any"]
                view = _CypherView(tx, self._cypher, self.schema, self.on_statement)
                view.load_lift_targets(changed_events)
                to_derive = (
                    events_to_rederive(
                        view, self.schema, changed_nodes, changed_links, changed_events
                    )
                    if changed_events or events_stored
                    else set()  # no event anywhere to re-derive: not worth a walk of the batch
                )
                old, new = self._rederive(tx, view, sorted(to_derive), report)
                (row,) = self._run(tx, "import/bump_version")
                if first_load is not None:
                    first_load.pending = int(row["version"])
                if old or new:
                    # the outbox: written in this transaction, with the change it reports
                    self._react(tx, view, old, new, version=int(row["version"]))
            return report

        # During a first load the loader brings each node once, into a database that had
        # none: its nodes are created without looking for stored ones. Should one be stored
        # after all (a second batch of the same node, another writer), the id's uniqueness
        # constraint refuses the transaction, and the batch is written again the careful way.
        assume_new = self._indexes_deferred
        try:
            try:
                report = self._write_transaction(lambda tx: work(tx, assume_new))
            except StoreError as exc:
                if not (assume_new and isinstance(exc.__cause__, ConstraintError)):
                    raise
                report = self._write_transaction(lambda tx: work(tx, False))
            if first_load is not None:
                first_load.committed()
        except BaseException:  # Ctrl-C too: an interrupted load reports after them
            if self._indexes_deferred:  # a load that failed: its indexes back, then its error
                with suppress(Exception):  # (unreachable: the next connection makes them)
                    self.settle()
            raise
        if len(batch.nodes) + len(batch.links) + len(batch.events) >= _COLLECT_AFTER_RECORDS:
            _collect_statement_parameters()
        return report

    def _react(
        self,
        tx: neo4j.Transaction,
        view: _CypherView,
        old: Sequence[Restriction],
        new: Sequence[Restriction],
        *,
        version: int,
    ) -> None:
        """The outbox: written in the write's transaction, with the change it reports."""
        # react reads the offices of each changed subject that is a person, one at a time:
        # read them all in one statement first (the subjects' types are not needed for that);
        # only of the subjects whose restrictions changed, which are all react reports on
        roles = frozenset(self.schema.roles) & frozenset(self.schema.links)
        view.ensure_links(changed_subjects(old, new), roles, OUT)
        inserts, updates = outbox_writes(
            react(view, self.schema, old, new, version=version, today=self.today())
        )
        for part in _chunks(_monitor_rows(inserts)):
            self._run(tx, "monitoring/records_insert", rows=list(part))
        rows = _monitor_update_rows(updates)
        if rows:
            self._run(tx, "monitoring/records_update_many", rows=rows, expected=None)

    def today(self) -> dt.date:
        """The day changes are judged on (tests and benchmarks may pin it)."""
        return self.pinned_today or dt.date.today()

    # monitoring --------------------------------------------------------------------------
    def add_monitor_records(self, records: Sequence[MonitorRecord]) -> int:
        rows = _monitor_rows(records)
        if not rows:
            return 0

        def work(tx: neo4j.Transaction) -> int:
            return sum(
                int(self._run(tx, "monitoring/records_insert", rows=list(part))[0]["created"])
                for part in _chunks(rows)
            )

        return self._write_transaction(work)

    # === loop2: the calendar's changes (creditgraph.monitoring.calendar) ===
    def publish_monitor_records(
        self,
        records: Sequence[MonitorRecord],
        *,
        expected_version: str,
        updates: Sequence[tuple[str, str, str | None, Mapping[str, Any]]] = (),
    ) -> bool:
        def work(tx: neo4j.Transaction) -> bool:
            locked = self._run(tx, "import/lock_writer")
            if str(locked[0]["version"] if locked else 0) != expected_version:
                return False
            self._run(tx, "import/bump_version")
            for part in _chunks(_monitor_rows(records)):
                self._run(tx, "monitoring/records_insert", rows=list(part))
            rows = _monitor_update_rows(updates)
            if rows:
                self._run(tx, "monitoring/records_update_many", rows=rows, expected=None)
            return True

        return self._write_transaction(work)

    # === end loop2 ===

    def update_monitor_record(
        self, kind: str, record_id: str, *, status: str | None, data: Mapping[str, Any]
    ) -> MonitorRecord | None:
        rows = self._write_transaction(
            lambda tx: self._run(
                tx,
                "monitoring/records_update",
                key=f"{kind}|{record_id}",
                status=status,
                data=_json(data),
            )
        )
        return _monitor(rows[0]) if rows else None

    def update_monitor_records(
        self,
        updates: Sequence[tuple[str, str, str | None, Mapping[str, Any]]],
        *,
        expected_status: str | None = None,
    ) -> None:
        rows = _monitor_update_rows(updates)
        if rows:
            self._write_transaction(
                lambda tx: self._run(
                    tx, "monitoring/records_update_many", rows=rows, expected=expected_status
                )
            )

    def monitor_records(
        self,
        kind: str,
        *,
        subjects: Sequence[str] | None = None,
        statuses: Sequence[str] | None = None,
        ids: Sequence[str] | None = None,
        after_seq: int = 0,
        min_version: int | None = None,
        limit: int | None = None,
    ) -> list[MonitorRecord]:
        rows = self._read(
            self._cypher["monitoring/records"],
            kind=kind,
            after_seq=after_seq,
            subjects=list(subjects) if subjects is not None else None,
            statuses=list(statuses) if statuses is not None else None,
            ids=list(ids) if ids is not None else None,
            min_version=min_version,
            limit=_NO_LIMIT if limit is None else limit,
        )
        return [_monitor(row) for row in rows]

    def node_ids(self, node_type: str, *, after: str = "", limit: int) -> list[str]:
        rows = self._read(
            self._cypher["monitoring/node_ids"], type=node_type, after=after, limit=limit
        )
        return [row["id"] for row in rows]

    def _allocate(self, tx: neo4j.Transaction, *, nodes: int) -> int:
        (row,) = self._run(tx, "import/allocate_seq", nodes=nodes)
        return int(row["nodes_from"])

    def _upsert_nodes(
        self,
        tx: neo4j.Transaction,
        nodes: list[Node],
        report: WriteReport,
        all_new: bool = False,
        *,
        beside: bool = False,
    ) -> set[str]:
        """Create or update ``nodes``; with ``all_new`` none is stored (see write), so none is
        looked up; ``beside``: see _lookup."""
        if not nodes:
            return set()
        # id → (type, name, normalised name, props as stored JSON, props); the last one wins.
        # The loader's rows carry their props in that JSON already (orjson's sorted compact
        # form is json.dumps's here, as _json writes it), and their normalised names; their
        # props are decoded (None here) only for the nodes written, as their rows are built
        rows: Sequence[Sequence[Any]] | None = getattr(nodes, "rows", None)
        latest: dict[str, tuple[str, str, str, str, Mapping[str, Any] | None]]
        if rows is not None:
            latest = {r[0]: (r[1], r[2], r[3], r[4], None) for r in rows}
        else:
            by_id = {node.id: node for node in nodes}
            norms = _normalised_names(nodes, by_id)
            latest = {
                node_id: (node.type, node.name, norms[node_id], _json(node.props), node.props)
                for node_id, node in by_id.items()
            }
        existing: dict[str, tuple[str, str, str]] = {}
        if not all_new:
            for chunk in _chunks(list(latest)):
                for row in self._lookup(tx, "import/nodes_existing", "ids", chunk, beside=beside):
                    existing[row["id"]] = (row["type"], row["name"], row["props"])
        labels = {kind.label for kind in self.schema.nodes.values()}
        node_label = self.schema.node_label
        known = getattr(nodes, "name_keys", None) or {}  # from the loader's parse workers
        # every record given counts once (duplicates too), less those written below
        report.unchanged.update(
            map(itemgetter(1), rows) if rows is not None else (node.type for node in nodes)
        )
        # in id order: a new node's first-load number follows its id within the batch, as
        # the embedded store's rowids do (it inserts a batch in key order)
        created: list[str] = []
        updated: list[str] = []
        for node_id in sorted(latest):
            node_type, name, _, props_text, _ = latest[node_id]
            old = existing.get(node_id)
            if old == (node_type, name, props_text):
                continue
            report.unchanged[node_type] -= 1
            (report.updated if old else report.created)[node_type] += 1
            (updated if old else created).append(node_id)

        def properties(node_id: str, pinyin: bool = True) -> dict[str, Any]:
            """The node's properties; without ``pinyin``, without its name's pinyin keys (an
            update keeps those it has when its name is the same: nodes_update)."""
            node_type, name, norm, props_text, given = latest[node_id]
            props = given if given is not None else orjson.loads(props_text)
            spelled = _readable(props, _NODE_RESERVED)
            spelled["id"] = node_id
            spelled["type"] = node_type
            spelled["name"] = name
            spelled["norm_name"] = norm
            spelled["props"] = props_text
            # one delimited string for the TEXT index queries/search uses (pinyin.key_text)
            if pinyin:
                name_keys = known.get(norm)
                if name_keys is None:
                    name_keys = key_text(norm)
                if name_keys:
                    spelled["name_keys"] = name_keys
            # one delimited string for the TEXT index queries/persons_by_identity uses, of the
            # keys looked up there: a number's hash is found through id_hash instead
            # (queries/persons_by_hash), so a registry person with a number and no alias has
            # no such string (a stored one that still holds its hash is never read for it)
            if node_type == "person":
                keys = [k for k in identity_keys(props) if not k.startswith("h:")]
                if keys:
                    spelled["id_keys"] = "|" + "|".join(keys) + "|"
            return spelled

        first = self._allocate(tx, nodes=len(created)) + 1 if created else 0

        def created_rows(start: int) -> list[dict[str, Any]]:
            part = created[start : start + CHUNK]
            made = []
            for seq, node_id in enumerate(part, start=first + start):
                spelled = properties(node_id)
                spelled["seq"] = seq
                made.append({"label": node_label(latest[node_id][0]), "properties": spelled})
            return made

        def updated_rows(start: int) -> list[dict[str, Any]]:
            rows = []
            for node_id in updated[start : start + CHUNK]:
                node_type, name = latest[node_id][:2]
                label = node_label(node_type)
                # a status change leaves the name, and its keys, as they were: the keys are
                # worked out (the pinyin dictionaries loaded) only for a new name
                renamed = existing[node_id][1] != name
                rows.append(
                    {
                        "id": node_id,
                        "label": label,
                        "drop_labels": sorted(labels - {label}),
                        "properties": properties(node_id, pinyin=renamed),
                    }
                )
            return rows

        for part in _made_ahead(created_rows, range(0, len(created), CHUNK)):
            self._run(tx, "import/nodes_create", rows=part)
        for part in _made_ahead(updated_rows, range(0, len(updated), CHUNK)):
            self._run(tx, "import/nodes_update", rows=part)
        return {*created, *updated}

    def _upsert_links(
        self,
        tx: neo4j.Transaction,
        links: list[Link],
        report: WriteReport,
        first_load: _FirstLoad | None = None,
        *,
        beside: bool = False,
    ) -> set[ChangedLink]:
        """Create or update ``links`` (``beside``: see _lookup); returns those created or
        changed, as (src, rel, dst). Dates travel as ISO text and
        become Neo4j dates in the statements: the driver's own conversion of a Python date took
        longer than the server's writing of the link (10 µs a date, two a link). With
        ``first_load`` (see write), a batch's earlier copies are looked for only among the
        links of its sources this connection wrote itself, when no other writer has written
        since."""
        if not links:
            return set()
        # (src, rel, dst, valid_from, valid_to, share), dates in ISO form or None; the last
        # of one natural key wins
        rows: list[tuple[Any, ...]] | None = getattr(links, "rows", None)
        if rows is not None:  # the loader's rows: valid_from "" when unknown
            unique = list({(r[1], r[0], r[2], r[3]): r for r in rows}.values())
        else:
            unique = list(
                {
                    link.key: (
                        link.src,
                        link.rel,
                        link.dst,
                        _iso(link.valid_from),
                        _iso(link.valid_to),
                        link.share,
                    )
                    for link in links
                }.values()
            )
        stored: dict[int, tuple[str, str | None, float | None]] = {}
        looked_up = list(range(len(unique)))
        if self._indexes_deferred:
            # a first load: most starts have no link out yet (the loader writes links in key
            # order, so a batch's starts are new but for the one it shares with the last)
            sources = {row[0] for row in unique}
            if first_load is not None and first_load.own:
                linked = sources & first_load.sources
            else:
                linked = set()
                for chunk in _chunks(sorted(sources)):
                    linked.update(
                        self._lookup(tx, "import/links_sources_linked", "ids", chunk, beside=beside)
                    )
            looked_up = [i for i in looked_up if unique[i][0] in linked]
        for looked in _chunks(looked_up):
            keys = [
                {
                    "i": i,
                    "rel": unique[i][1],
                    "src": unique[i][0],
                    "dst": unique[i][2],
                    "valid_from": unique[i][3] or None,
                }
                for i in looked
            ]
            for row in self._lookup(tx, "import/links_existing", "rows", keys, beside=beside):
                stored[row["i"]] = (row["element_id"], _iso(_day(row["valid_to"])), row["share"])
        created: list[dict[str, Any]] = []
        updated: list[dict[str, Any]] = []
        changed: set[ChangedLink] = set()
        for i, (src, rel, dst, valid_from, valid_to, share) in enumerate(unique):
            old = stored.get(i)
            if old is not None and (old[1], old[2]) == (valid_to, share):
                continue
            changed.add((src, rel, dst))
            if old is None:
                created.append(
                    {
                        "rel": rel,
                        "src": src,
                        "dst": dst,
                        "valid_from": valid_from or None,
                        "valid_to": valid_to,
                        "share": share,
                    }
                )
            else:
                updated.append({"element_id": old[0], "valid_to": valid_to, "share": share})
        report.created["link"] += len(created)
        report.updated["link"] += len(updated)
        report.unchanged["link"] += len(links) - len(created) - len(updated)
        written = 0
        for part in _chunks(created):
            (result,) = self._run(tx, "import/links_create", rows=list(part))
            written += result["created"]
        if written != len(created):
            raise StoreError(
                f"{self.url}: {len(created) - written} link(s) refer to nodes that are not in "
                "the store; load the nodes first"
            )
        for part in _chunks(updated):
            self._run(tx, "import/links_update", rows=list(part))
        if first_load is not None:
            first_load.written.update(row["src"] for row in created)
        return changed

    def _retract_links(
        self, tx: neo4j.Transaction, links: list[Link], report: WriteReport
    ) -> set[ChangedLink]:
        rows = [
            {"rel": link.rel, "src": link.src, "dst": link.dst, "valid_from": link.valid_from}
            for link in links
        ]
        gone: set[ChangedLink] = set()
        for row in self._run(tx, "import/links_delete", rows=rows):
            report.updated["link retracted"] += 1
            gone.add((row["src"], row["rel"], row["dst"]))
        return gone

    def _upsert_events(
        self, tx: neo4j.Transaction, events: list[Event], report: WriteReport
    ) -> list[Event]:
        if not events:
            return []
        existing: dict[str, Event] = {}
        for chunk in _chunks(list(dict.fromkeys(e.id for e in events))):
            for row in _found(self._run(tx, "import/events_existing", ids=list(chunk))):
                existing[row["id"]] = _event(row)
        rows: list[dict[str, Any]] = []
        changed: list[Event] = []
        for event in events:
            props = _json(event.props)
            old = existing.get(event.id)
            if old is not None and (old.kind, old.subject, old.date, _json(old.props)) == (
                event.kind,
                event.subject,
                event.date,
                props,
            ):
                report.unchanged["event"] += 1
                continue
            (report.updated if old else report.created)["event"] += 1
            rows.append(
                {
                    "id": event.id,
                    "subject": event.subject,
                    "lifts": event.lifts,
                    "properties": {
                        **_readable(event.props, _EVENT_RESERVED),
                        "id": event.id,
                        "kind": event.kind,
                        "subject": event.subject,
                        "date": event.date,
                        "lifts": event.lifts,
                        "props": props,
                    },
                }
            )
            changed.append(event)
            if old is not None:
                # what the old version reached (another subject, another lifted event)
                # must be re-derived as well
                changed.append(old)
        for part in _chunks(rows):
            self._run(tx, "import/events_upsert", rows=list(part))
        return changed

    def _rederive(
        self,
        tx: neo4j.Transaction,
        view: _CypherView,
        event_ids: Sequence[str],
        report: WriteReport,
    ) -> tuple[list[Restriction], list[Restriction]]:
        """Re-derive the events; (their restrictions before, after) for monitoring.

        Only what changed is written: a restriction derived again exactly as stored stays
        (most do — an office ending after the sanction changes nothing), one no longer
        derived or derived otherwise goes, and the new ones are created."""
        old: list[Restriction] = []
        new: list[Restriction] = []
        for chunk in _chunks(event_ids, DERIVE_CHUNK):
            stored: dict[str, tuple[Restriction, str]] = {}
            for row in self._run(tx, "monitoring/restrictions_of_events", event_ids=list(chunk)):
                restriction = Restriction.from_stored_json(row["data"])
                stored[restriction.id] = (restriction, row["data"])
            view.prefetch(chunk)
            derived: list[Restriction] = []
            for event_id in chunk:
                event = view.event(event_id)
                if event is not None:
                    derived.extend(derive(event, view, self.schema))
            now = {r.id: r.to_stored_json() for r in derived}
            stale = [rid for rid, (_, data) in stored.items() if now.get(rid) != data]
            fresh = [
                r for r in derived if (held := stored.get(r.id)) is None or held[1] != now[r.id]
            ]
            for part in _chunks(stale):
                self._run(tx, "propagation/restrictions_delete", ids=list(part))
            for rows in _chunks([_restriction_row(r) for r in fresh]):
                self._run(tx, "propagation/restrictions_create", rows=list(rows))
            old.extend(restriction for restriction, _ in stored.values())
            new.extend(derived)
        report.events_rederived += len(event_ids)
        report.restrictions += len(new)
        return old, new

    def recompute(self, progress: Callable[[int, int], None] | None = None) -> WriteReport:
        """Every event derived again, a chunk of events per transaction.

        Unlike the embedded store this does not hold one transaction over the whole
        store (Neo4j keeps a transaction's changes in memory); each chunk replaces the
        restrictions of its events atomically, so a reader sees, per event, either the
        old or the new derivation — which are equal unless maintenance was wrong.
        """
        report = WriteReport()
        event_ids = [row["id"] for row in self._read(self._cypher["propagation/event_ids"])]
        for start in range(0, max(len(event_ids), 1), DERIVE_CHUNK):
            chunk = event_ids[start : start + DERIVE_CHUNK]

            def work(
                tx: neo4j.Transaction, chunk: Sequence[str] = chunk, first: bool = start == 0
            ) -> WriteReport:
                part = WriteReport()
                self._run(tx, "import/lock_writer")
                if first:
                    self._run(tx, "propagation/restrictions_orphaned")
                # === loop2: what a chunk changed reaches the feed and the outbox (a rules
                # change), in the chunk's transaction; equal derivations give nothing
                view = _CypherView(tx, self._cypher, self.schema, self.on_statement)
                old, new = self._rederive(tx, view, chunk, part)
                (row,) = self._run(tx, "import/bump_version")
                self._react(tx, view, old, new, version=int(row["version"]))
                # === end loop2 ===
                return part

            report.add(self._write_transaction(work))
            if progress:
                progress(min(start + DERIVE_CHUNK, len(event_ids)), len(event_ids))
        return report

    # reading -----------------------------------------------------------------------------
    def node(self, node_id: str) -> Node | None:
        return self.nodes([node_id]).get(node_id)

    def nodes(self, node_ids: Iterable[str]) -> dict[str, Node]:
        ids = list(dict.fromkeys(node_ids))
        found: dict[str, Node] = {}
        for chunk in _chunks(ids):
            for row in self._read(self._cypher["queries/nodes"], ids=list(chunk)):
                found[row["id"]] = _node(row)
        return found

    def node_types(self, node_ids: Iterable[str]) -> dict[str, str]:
        ids = list(dict.fromkeys(node_ids))
        statement = self._cypher["queries/node_types"]

        def read(part: Sequence[str]) -> list[Any]:
            return _found(self._read(statement, ids=list(part)))

        types: dict[str, str] = {}
        for chunk in _chunks(ids):
            if len(chunk) < self.lookup_split_min:
                rows = read(chunk)
            else:  # two seeks an id: half of them on another of the server's cores (at M
                # the 4,600 ids of a day's changes: 24 ms against 35 ms in one statement)
                half = len(chunk) // 2
                rows = _at_once(partial(read, chunk[:half]), partial(read, chunk[half:]))
            for row in rows:
                types[row["id"]] = row["type"]
        return types

    def links(
        self,
        node_ids: Iterable[str],
        *,
        rels: Iterable[str] | None = None,
        direction: str = BOTH,
        as_of: dt.date | None = None,
    ) -> list[Link]:
        ids = list(dict.fromkeys(node_ids))
        rel_list = sorted(set(rels)) if rels is not None else sorted(self.schema.links)
        names = [
            n
            for n, d in (("queries/adjacency_out", OUT), ("queries/adjacency_in", IN))
            if direction in (d, BOTH)
        ]
        found: dict[tuple[Any, ...], Link] = {}
        for chunk in _chunks(ids):
            for name in names:
                rows = self._read(self._cypher[name], ids=list(chunk), rels=rel_list, as_of=as_of)
                for row in rows:
                    link = _link(row)
                    found[link.key] = link
        return list(found.values())

    def event(self, event_id: str) -> Event | None:
        rows = self._read(self._cypher["queries/events_by_id"], ids=[event_id])
        return _event(rows[0]) if rows else None

    def events_by_id(self, event_ids: Iterable[str]) -> dict[str, Event]:
        found: dict[str, Event] = {}
        for chunk in _chunks(list(dict.fromkeys(event_ids))):
            for row in self._read(self._cypher["queries/events_by_id"], ids=list(chunk)):
                found[row["id"]] = _event(row)
        return found

    def restrictions_by_id(self, restriction_ids: Iterable[str]) -> dict[str, Restriction]:
        found: dict[str, Restriction] = {}
        for chunk in _chunks(list(dict.fromkeys(restriction_ids))):
            for row in self._read(self._cypher["queries/restrictions_by_id"], ids=list(chunk)):
                restriction = Restriction.from_stored_json(row["data"])
                found[restriction.id] = restriction
        return found

    def events(
        self,
        *,
        subject: str | None = None,
        kind: str | None = None,
        subjects: Sequence[str] | None = None,
    ) -> list[Event]:
        if subject is None and subjects is None:
            return [_event(row) for row in self._read(self._cypher["queries/events"], kind=kind)]
        wanted = list(dict.fromkeys(subjects)) if subjects is not None else [subject]
        if subject is not None:
            wanted = [s for s in wanted if s == subject]
        found: list[Event] = []
        for chunk in _chunks(wanted):
            rows = self._read(
                self._cypher["queries/events_of_subjects"], subjects=list(chunk), kind=kind
            )
            found.extend(_event(row) for row in rows)
        if len(wanted) > CHUNK:
            found.sort(key=lambda e: (e.date, e.id))
        return found

    def lifting_events(self, event_id: str) -> list[Event]:
        rows = self._read(self._cypher["propagation/lifting_events"], ids=[event_id])
        return [_event(row) for row in rows]

    def events_naming(self, person_ids: Iterable[str]) -> list[Event]:
        query = self._cypher["propagation/events_naming"]
        return _naming(person_ids, lambda ids: self._read(query, ids=ids))

    def restrictions(
        self,
        *,
        subject: str | None = None,
        subjects: Sequence[str] | None = None,
        measure: str | None = None,
        active_on: dt.date | None = None,
        event_id: str | None = None,
    ) -> list[Restriction]:
        filters: dict[str, Any] = {"measure": measure, "active_on": active_on}
        if subject is not None or subjects is not None:
            wanted = list(dict.fromkeys(subjects)) if subjects is not None else [subject]
            if subject is not None:
                wanted = [s for s in wanted if s == subject]
            rows: list[neo4j.Record] = []
            for chunk in _chunks(wanted):
                rows.extend(
                    self._read(
                        self._cypher["queries/restrictions_of_subjects"],
                        subjects=list(chunk),
                        event_id=event_id,
                        **filters,
                    )
                )
            found = [Restriction.from_stored_json(row["data"]) for row in rows]
            return sorted(found, key=lambda r: r.id) if len(wanted) > CHUNK else found
        if event_id is not None:
            rows = self._read(
                self._cypher["queries/restrictions_of_event"], event_id=event_id, **filters
            )
        else:
            rows = self._read(self._cypher["queries/restrictions"], **filters)
        return [Restriction.from_stored_json(row["data"]) for row in rows]

    def persons_named(self, normalised_names: Sequence[str]) -> list[Node]:
        if not normalised_names:
            return []
        rows = self._read(
            self._cypher["queries/persons_named"], names=sorted(set(normalised_names))
        )
        return [_node(row) for row in rows]

    def persons_by_identity(self, keys: Sequence[str], *, limit: int | None = None) -> list[Node]:
        if not keys:
            return []
        hashes = sorted({k[2:] for k in keys if k.startswith("h:")})
        others = sorted({k for k in keys if not k.startswith("h:")})
        found: dict[str, Node] = {}
        for chunk in _chunks(hashes):
            rows = self._read(self._cypher["queries/persons_by_hash"], hashes=list(chunk))
            for row in _found(rows):
                found[row["id"]] = _node(row)
        if others:
            rows = self._read(
                self._cypher["queries/persons_by_identity"],
                keys=others,
                limit=2**62 if limit is None else limit,
            )
            found.update((row["id"], _node(row)) for row in rows)
        ordered = [found[i] for i in sorted(found)]
        return ordered if limit is None else ordered[:limit]

    def search(self, normalised: str, *, limit: int, offset: int = 0) -> list[Node]:
        # SQLite's LIKE (the embedded store) ignores ASCII case; names are stored casefolded
        text = normalised.translate(_ASCII_LOWER)
        rows = self._read(
            self._cypher["queries/search"],
            exact_id=normalised.upper() if len(normalised) == 18 else normalised,
            text=text,
            normalised=normalised,
            pinyin=could_be_pinyin(normalised),
            limit=limit,
            offset=offset,
        )
        return [_node(row) for row in rows]

    def enterprises_known_as(
        self,
        *,
        org_codes: Iterable[str] = (),
        reg_codes: Iterable[str] = (),
        names: Iterable[str] = (),
    ) -> list[tuple[str, str, str]]:
        rows = self._read(
            self._cypher["queries/enterprises_known_as"],
            org_codes=list(org_codes),
            reg_codes=list(reg_codes),
            names=list(names),
        )
        return [(row["how"], row["value"], row["id"]) for row in rows]

    def stats(self, today: dt.date) -> dict[str, Mapping[str, int]]:
        nodes: dict[str, int] = {}
        for node_type, kind in sorted(self.schema.nodes.items()):
            (row,) = self._read(
                self._cypher.render("queries/stats_nodes_of_label", label=kind.label)
            )
            if row["count"]:
                nodes[node_type] = row["count"]
        links: dict[str, int] = {}
        for rel in sorted(self.schema.links):
            (row,) = self._read(self._cypher.render("queries/stats_links_of_rel", rel=rel))
            if row["count"]:
                links[rel] = row["count"]

        def grouped(name: str, **params: Any) -> dict[str, int]:
            rows = self._read(self._cypher[name], **params)
            return dict(sorted((row["key"], row["count"]) for row in rows))

        return {
            "nodes": nodes,
            "links": links,
            "events": grouped("queries/stats_events"),
            "restrictions": grouped("queries/stats_restrictions", today=today),
        }

    def data_version(self) -> str:
        rows = self._read(self._cypher["queries/data_version"])
        return str(rows[0]["version"]) if rows else "0"

    def export(
        self, *, restrictions: bool = False, today: dt.date | None = None
    ) -> Iterator[dict[str, Any]]:
        with self._errors(), self._session() as session, session.begin_transaction() as tx:
            # the writer lock: the export is one committed state (loads wait until it is read)
            self._run(tx, "import/lock_writer")
            for row in tx.run(self._cypher["queries/export_nodes"]):
                yield node_to_record(_node(row))
            # links in key order (from, rel, to, valid_from), as the embedded store keeps them:
            # a page of source nodes in id order at a time, each page's links sorted here
            rels = sorted(set(self.schema.links) - self.schema.derived_rels())
            after = ""
            while True:
                ids = [
                    row["id"]
                    for row in tx.run(
                        self._cypher["queries/export_node_ids"], after=after, limit=EXPORT_PAGE
                    )
                ]
                if not ids:
                    break
                after = ids[-1]
                page = [
                    _link(row)
                    for row in tx.run(
                        self._cypher["queries/export_links_from"], ids=_Rows(ids), rels=rels
                    )
                ]
                page.sort(key=_link_order)
                for link in page:
                    yield link_to_record(link)
            lifting = self.schema.lifting_kinds()
            events = [_event(row) for row in tx.run(self._cypher["queries/export_events"])]
            # sanctions first, then lifts in chain order, so the file loads in one pass
            for event in sorted(events, key=lambda e: (e.kind in lifting, e.date, e.id)):
                yield event_to_record(event)
            if restrictions:
                day = today or dt.date.today()
                for row in tx.run(self._cypher["queries/export_restrictions"]):
                    yield {
                        "type": "restriction",
                        **Restriction.from_stored_json(row["data"]).to_json(day),
                    }
            tx.rollback()  # the lock is all this transaction wrote

    # audit -----------------------------------------------------------------------------
    def append_audit(self, entries: Sequence[AuditEntry], *, sync: bool = True) -> None:
        # every Neo4j commit is on disk when it returns: ``sync`` changes nothing here
        if not entries:
            return
        rows = [
            {
                "at": e.at,
                "principal": e.principal,
                "role": e.role,
                "operation": e.operation,
                "ids": list(e.ids),
                "purpose": e.purpose,
            }
            for e in entries
        ]
        self._write_transaction(lambda tx: self._run(tx, "import/audit_append", entries=rows))

    def sync_audit(self) -> None:
        """Nothing to do: see append_audit."""

    def audit_entries(self, *, limit: int, offset: int = 0) -> list[AuditEntry]:
        rows = self._read(self._cypher["queries/audit_entries"], limit=limit, offset=offset)
        return [
            AuditEntry(
                r["at"],
                r["principal"],
                r["role"],
                r["operation"],
                tuple(r["ids"] or ()),
                r["purpose"],
            )
            for r in rows
        ]

    # === traversal (issue 14) =====================================================
    # Each operation is one Cypher statement on the server (cypher/traversal/); the
    # breadth-first ones (links_within, ownership_links) search on the server with the
    # parties cap inside the statement. A statement run for a request with a deadline
    # carries the time left as its transaction timeout.

    def _read_within(self, statement: str, budget: Budget, **params: Any) -> list[neo4j.Record]:
        budget.check()
        remaining = budget.remaining()
        query = neo4j.Query(statement, timeout=None if remaining is None else max(remaining, 0.001))
        try:
            with (
                self._errors(),
                self._driver.session(
                    database=self._database,
                    bookmark_manager=self._bookmarks,
                    default_access_mode=neo4j.READ_ACCESS,
                ) as session,
            ):
                return list(session.run(query, _parameters(params)))
        except StoreError:
            budget.check()  # a statement stopped by its timeout is the request's deadline
            raise

    def _rel_list(self, rels: Iterable[str] | None) -> list[str]:
        return sorted(set(rels)) if rels is not None else sorted(self.schema.links)

    def ranked_links(
        self,
        node_ids: Sequence[str],
        *,
        rels: Iterable[str] | None = None,
        as_of: dt.date | None = None,
        limit: int,
        ahead: bool = False,
    ) -> dict[str, RankedLinks]:
        wanted = list(dict.fromkeys(node_ids))
        found: dict[str, RankedLinks] = {}
        kinds = self._rel_list(rels)
        statement = self._cypher.render(
            "traversal/ranked_links", rels=kinds or sorted(self.schema.links)
        )
        params: dict[str, Any] = {
            "rels": kinds,
            "as_of": as_of,
            "limit": limit,
            "ranks": rel_ranks(self.schema),
            "ahead": ahead,
        }
        for chunk in _chunks(wanted):
            rows = self._read(statement, ids=list(chunk), **params)
            for row in rows:
                found[row["id"]] = RankedLinks(
                    [_link(r) for r in row["links"]],
                    row["total"],
                    _node(row),
                    tuple(_node(m) for m in row["others"]),
                )
        return {**found, **{n: found.get(n, RankedLinks([], 0)) for n in wanted}}

    def shortest_paths(
        self,
        source: str,
        target: str,
        *,
        max_hops: int,
        rels: Iterable[str] | None = None,
        as_of: dt.date | None = None,
        first: int,
        max_parties: int,
        budget: Budget,
    ) -> list[FoundPath]:
        # max_parties is not enforced inside Neo4j's shortest-path search; the deadline is
        rows = self._read_within(
            self._cypher.render("traversal/shortest_paths", hops=max_hops),
            budget,
            source=source,
            target=target,
            rels=self._rel_list(rels),
            as_of=as_of,
            first=first,
        )
        found = []
        for row in rows:
            ids = tuple(row["ids"])
            hops: list[list[Link]] = [[] for _ in range(len(ids) - 1)]
            for link in row["links"]:
                hops[link["hop"]].append(_link(link))
            found.append(FoundPath(ids, tuple(tuple(h) for h in hops)))
        return found

    def links_within(
        self,
        root: str,
        *,
        depth: int,
        rels: Iterable[str] | None = None,
        as_of: dt.date | None = None,
        max_parties: int,
        budget: Budget,
    ) -> list[Link]:
        if depth == 0:
            return []  # no party lies less than 0 links away; the root alone is never too wide
        return self._traversed(
            self._cypher.render("traversal/links_within", hops=depth),
            budget,
            max_parties,
            root=root,
            rels=self._rel_list(rels),
            as_of=as_of,
        )

    def ownership_links(
        self,
        enterprise: str,
        *,
        rels: Iterable[str],
        levels: int,
        as_of: dt.date | None,
        max_parties: int,
        budget: Budget,
    ) -> list[Link]:
        if levels == 0:
            return []
        return self._traversed(
            self._cypher.render("traversal/ownership_links", hops=levels),
            budget,
            max_parties,
            enterprise=enterprise,
            rels=sorted(set(rels)),
            as_of=as_of,
        )

    def _traversed(
        self, statement: str, budget: Budget, max_parties: int, **params: Any
    ) -> list[Link]:
        """The links of a one-statement breadth-first search that says when it is too wide."""
        rows = self._read_within(statement, budget, max_parties=max_parties, **params)
        if not rows:
            return []  # no such party: the service has said so before asking
        (row,) = rows
        if row["too_wide"]:
            raise TooWide(max_parties)
        return [_link(r) for r in row["links"]]

    def conflict_links(
        self,
        *,
        agency: str | None,
        official: str | None,
        as_of: dt.date | None,
        holding_rels: Iterable[str],
    ) -> ConflictLinks:
        parts: dict[str, list[Link]] = {
            "office": [],
            "supervision": [],
            "kinship": [],
            "holding": [],
        }
        rows = self._read(
            self._cypher["traversal/conflict_links"],
            agency=agency,
            official=official,
            as_of=as_of,
            holding=sorted(set(holding_rels)),
        )
        for row in rows:
            parts[row["part"]].append(_link(row))
        return ConflictLinks(
            parts["office"], parts["supervision"], parts["kinship"], parts["holding"]
        )


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
