"""The store interface: everything above the stores (rules maintenance, service, API, CLI)
talks to a :class:`GraphStore` and never to SQL or Cypher."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from creditgraph.domain.model import Event, Link, Node, Restriction
from creditgraph.schema import GraphSchema

BOTH, IN, OUT = "both", "in", "out"


class StoreError(RuntimeError):
    """The store is unreachable or refused an operation (exit code 1)."""


@dataclass
class Batch:
    """Records written together, atomically: all of them or none.

    A load that does not fit one batch is written in several (nodes, then links, then
    events); a store whose transactions must stay small declares ``events_per_write``, the
    most events such a load gives it in one batch, and ``rows_per_write``, the most nodes or
    links (Neo4j: see Neo4jStore)."""

    nodes: list[Node] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    # links to remove, by their key (identity resolution retracts the identity links a
    # judgement or a changed candidate set no longer supports)
    retracted: list[Link] = field(default_factory=list)
    # nodes to remove after the rest is written (a person merged into another: its links and
    # events were moved in the same batch)
    deleted_nodes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return (
            len(self.nodes)
            + len(self.links)
            + len(self.events)
            + len(self.retracted)
            + len(self.deleted_nodes)
        )


@dataclass
class WriteReport:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    events_rederived: int = 0
    restrictions: int = 0  # restrictions (re)written for the re-derived events

    def add(self, other: WriteReport) -> None:
        self.created.update(other.created)
        self.updated.update(other.updated)
        self.unchanged.update(other.unchanged)
        self.events_rederived += other.events_rederived
        self.restrictions += other.restrictions


@dataclass(frozen=True)
class AuditEntry:
    at: str
    principal: str
    role: str
    operation: str
    ids: tuple[str, ...]
    purpose: str | None


@dataclass(frozen=True)
class MonitorRecord:
    """One row of the monitoring tables (creditgraph.monitoring): a watch, a change of the
    feed, an alert or notice in the outbox, or a feedback report — told apart by ``kind``.

    ``seq`` orders the records of a store (assigned when written); ``version`` is the data
    version the record belongs to (for changes: the write that caused them).
    """

    kind: str
    id: str
    subject: str | None
    status: str | None
    data: Mapping[str, Any]
    due: str | None = None
    seq: int = 0
    version: int = 0


class GraphStore(Protocol):
    schema: GraphSchema

    # writing ---------------------------------------------------------------
    def write(self, batch: Batch) -> WriteReport:
        """Upsert the records and re-derive what they change, in one transaction."""
        ...

    def recompute(self, progress: Callable[[int, int], None] | None = None) -> WriteReport:
        """Derive every restriction again from scratch (must equal incremental maintenance)."""
        ...

    def id_key(self) -> bytes:
        """The secret that identity numbers are hashed with for this store."""
        ...

    # versions (creditgraph.migrations) ------------------------------------------
    def schema_version(self) -> int | None:
        """The layout version the store records; None when there is no store yet."""
        ...

    def migrate(self) -> list[str]:
        """Bring the store to the current layout, step by step; the steps run."""
        ...

    # reading the graph -------------------------------------------------------
    def node(self, node_id: str) -> Node | None: ...

    def nodes(self, node_ids: Iterable[str]) -> dict[str, Node]: ...

    def node_types(self, node_ids: Iterable[str]) -> dict[str, str]:
        """The type of each id that exists (import uses it to check references)."""
        ...

    def links(
        self,
        node_ids: Iterable[str],
        *,
        rels: Iterable[str] | None = None,
        direction: str = BOTH,
        as_of: dt.date | None = None,
    ) -> list[Link]:
        """Links touching the nodes; with ``as_of``, only those holding that day."""
        ...

    def event(self, event_id: str) -> Event | None: ...

    def events_by_id(self, event_ids: Iterable[str]) -> dict[str, Event]:
        """The events with these ids that exist, read in one call."""
        ...

    def events(
        self,
        *,
        subject: str | None = None,
        kind: str | None = None,
        subjects: Sequence[str] | None = None,
    ) -> list[Event]:
        """Events ordered by date and id; ``subjects`` reads those of many subjects in one call."""
        ...

    def lifting_events(self, event_id: str) -> list[Event]: ...

    def restrictions(
        self,
        *,
        subject: str | None = None,
        subjects: Sequence[str] | None = None,
        measure: str | None = None,
        active_on: dt.date | None = None,
        event_id: str | None = None,
    ) -> list[Restriction]:
        """Derived restrictions; with ``active_on``, only those in force that day (not void)."""
        ...

    def restrictions_by_id(self, restriction_ids: Iterable[str]) -> dict[str, Restriction]:
        """The derived restrictions with these ids (``r:…``) that exist, read in one call."""
        ...

    def persons_by_identity(self, keys: Sequence[str], *, limit: int | None = None) -> list[Node]:
        """Persons holding any of these identity keys (:func:`creditgraph.identity.identity_keys`:
        a number's keyed hash, a masking pattern's blind index, an alias), in id order."""
        ...

    def persons_named(self, normalised_names: Sequence[str]) -> list[Node]:
        """Persons whose normalised name equals one of these, in id order."""
        ...

    def search(self, normalised: str, *, limit: int, offset: int = 0) -> list[Node]:
        """Nodes whose id equals, or whose normalised name contains, the normalised text; for
        a text that may be pinyin (:func:`creditgraph.domain.pinyin.could_be_pinyin`), also
        those whose pinyin keys contain it, ranked after every match by characters."""
        ...

    def enterprises_known_as(
        self,
        *,
        org_codes: Iterable[str] = (),
        reg_codes: Iterable[str] = (),
        names: Iterable[str] = (),
    ) -> list[tuple[str, str, str]]:
        """(how, value, enterprise id) for the enterprises a published list may name without a
        unified code: ``org_code`` (the prop, or inside the unified code, characters 9-17),
        ``reg_code`` (the prop) or ``name`` (exactly this normalised name)."""
        ...

    def stats(self, today: dt.date) -> dict[str, Mapping[str, int]]: ...

    def data_version(self) -> str:
        """Changes whenever committed data changes; callers log it with their decisions.

        "0" means nothing was ever written to the store.
        """
        ...

    def export(
        self, *, restrictions: bool = False, today: dt.date | None = None
    ) -> Iterator[dict[str, Any]]:
        """The whole graph as contract import records (nodes, links, events in load order)."""
        ...

    # monitoring (watches, change feed, outbox, feedback) ----------------------------
    def add_monitor_records(self, records: Sequence[MonitorRecord]) -> int:
        """Insert records (their own transaction); a record whose (kind, id) exists is kept
        as it is — ids are idempotency keys. Returns how many were new."""
        ...

    def publish_monitor_records(
        self,
        records: Sequence[MonitorRecord],
        *,
        expected_version: str,
        updates: Sequence[tuple[str, str, str | None, Mapping[str, Any]]] = (),
    ) -> bool:
        """A write of changes no record write caused (the calendar's: a bar that starts or
        runs out): in one transaction, if the data version is still ``expected_version``,
        raise it by one (callers give the records that new version) and insert the records
        and apply the (kind, id, status, data) updates. False, with nothing written, when
        another write came first (the caller judges again)."""
        ...

    def update_monitor_record(
        self, kind: str, record_id: str, *, status: str | None, data: Mapping[str, Any]
    ) -> MonitorRecord | None:
        """Set a record's status and data; None when there is no such record."""
        ...

    def update_monitor_records(
        self,
        updates: Sequence[tuple[str, str, str | None, Mapping[str, Any]]],
        *,
        expected_status: str | None = None,
    ) -> None:
        """(kind, id, status, data) for many records, in one transaction; with
        ``expected_status``, only the records still in that status are changed (the outbox
        worker's results do not overwrite a notice withdrawn while it was being sent)."""
        ...

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
        """Records of a kind in ``seq`` order, filtered; ``min_version`` keeps version ≥ it."""
        ...

    def node_ids(self, node_type: str, *, after: str = "", limit: int) -> list[str]:
        """Ids of the nodes of a type in id order, after ``after`` (paging over all of them)."""
        ...

    # audit -----------------------------------------------------------------------
    def append_audit(self, entries: Sequence[AuditEntry], *, sync: bool = True) -> None:
        """Commit the entries. With ``sync`` (the default) they are on disk when this
        returns; without, they are committed to the operating system — a crash of this
        process cannot lose them, a power failure before the next :meth:`sync_audit` can
        (``CREDITGRAPH_AUDIT_SYNC``; a store whose every commit is on disk ignores it)."""
        ...

    def sync_audit(self) -> None:
        """Put every committed audit entry on disk (after ``append_audit(sync=False)``)."""
        ...

    def audit_entries(self, *, limit: int, offset: int = 0) -> list[AuditEntry]: ...

    def close(self) -> None: ...

    # === identity (issue 9): events naming persons responsible ======================
    # An alias folded into its person, or a published entry's matches changing, changes what
    # the events naming it in ``responsible`` reach (creditgraph.identity.merging, rules
    # maintenance); ``responsible`` is a list inside the event, so each store finds them in
    # its own way.

    def events_naming(self, person_ids: Iterable[str]) -> list[Event]:
        """Events whose ``responsible`` names one of these persons, by date and id."""
        ...

    # === traversal (issue 14) =====================================================
    # The association queries' reads, each answered by the store in its own best way:
    # the embedded store with index range scans (creditgraph.traversal.levelwise), Neo4j
    # with one or a few Cypher statements (cypher/traversal/). What the answers mean —
    # caps, the day asked about, deadlines, how results are assembled and ordered — stays
    # in creditgraph.service.investigation.

    def ranked_links(
        self,
        node_ids: Sequence[str],
        *,
        rels: Iterable[str] | None = None,
        as_of: dt.date | None = None,
        limit: int,
        ahead: bool = False,
    ) -> dict[str, RankedLinks]:
        """Per node: its first ``limit`` links in :func:`display_order` and how many it has.

        Only what is shown is read: a nominee with 9,000 companies costs ``limit`` rows
        and an index count, not 9,000 rows. With ``ahead``, the answer also holds the
        parties at the other end of those first links (a neighbourhood's next level, which
        a server store reads in the same round trip).
        """
        ...

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
        """Every shortest chain of parties joining the two (links taken either way), the
        first ``first`` in the order of their id sequences; each hop with all its links.

        Raises :class:`TooWide` when the search reaches more than ``max_parties``.
        """
        ...

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
        """Every link touching a party less than ``depth`` links from ``root``.

        Raises :class:`TooWide` when more than ``max_parties`` parties lie within ``depth``.
        """
        ...

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
        """The links of kinds ``rels`` arriving at the enterprise or at any holder less than
        ``levels`` such links up from it (who holds whom, up the chains).

        Raises :class:`TooWide` when more than ``max_parties`` parties hold, directly or not.
        """
        ...

    def conflict_links(
        self,
        *,
        agency: str | None,
        official: str | None,
        as_of: dt.date | None,
        holding_rels: Iterable[str],
    ) -> ConflictLinks:
        """The links an interest conflict is made of, for an agency's or an official's
        offices: the offices, what those agencies supervise, the officials' kinship, and the
        holdings (``holding_rels``) of the officials and their kin in supervised enterprises."""
        ...


# === traversal (issue 14): results and helpers ===========================================


class Budget(Protocol):
    """What a traversal may spend: checked between reads; ``remaining`` seconds (None: no
    limit) bound a single statement a server runs for it."""

    def check(self) -> None: ...

    def remaining(self) -> float | None: ...


class TooWide(Exception):
    """A traversal reached more parties than it may visit (the service says what to narrow)."""

    def __init__(self, parties: int) -> None:
        super().__init__(f"more than {parties} parties")
        self.parties = parties


@dataclass(frozen=True)
class RankedLinks:
    links: list[Link]  # the first ones in display order
    total: int  # how many links the node has (within the kinds and the day asked about)
    node: Node | None = None  # the party itself, when the store read it on the way
    # the parties at the other end of ``links``, when the store read them on the way (a
    # server store: saves the round trip that would fetch them for the picture)
    others: tuple[Node, ...] = ()


@dataclass(frozen=True)
class FoundPath:
    nodes: tuple[str, ...]
    hops: tuple[tuple[Link, ...], ...]  # per hop, every link joining its two parties


@dataclass(frozen=True)
class ConflictLinks:
    offices: list[Link]  # official -OFFICIAL_OF-> agency
    supervisions: list[Link]  # agency -SUPERVISES-> enterprise
    kinships: list[Link]  # -RELATIVE_OF- touching an official
    holdings: list[Link]  # official or relative -role/SHAREHOLDER/...-> supervised enterprise


def rel_ranks(schema: GraphSchema) -> dict[str, int]:
    """Link kinds in the order graph_schema/links.yaml declares them (display order)."""
    return {rel: i for i, rel in enumerate(schema.links)}


def display_order(ranks: Mapping[str, int], node_id: str) -> Callable[[Link], tuple[object, ...]]:
    """How a party's links are listed, and so which are shown when only some can be: links
    that still hold first, then by the schema's order of link kinds, then by the other
    party's id, the latest first between the same two parties.

    The other party's id, not the date, comes before the latest-first: it is the order the
    stores' adjacency indexes keep, so a hub's first links are read without reading all.
    """

    def key(link: Link) -> tuple[object, ...]:
        return (
            link.valid_to is not None,
            ranks.get(link.rel, len(ranks)),
            link.other(node_id),
            -(link.valid_from or dt.date.min).toordinal(),
            link.src,
        )

    return key
