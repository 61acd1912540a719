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
    """Records written together, atomically: all of them or none."""

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

    def persons_by_identity(self, keys: Sequence[str], *, limit: int | None = None) -> list[Node]:
        """Persons holding any of these identity keys (:func:`creditgraph.identity.identity_keys`:
        a number's keyed hash, a masking pattern's blind index, an alias), in id order."""
        ...

    def persons_named(self, normalised_names: Sequence[str]) -> list[Node]:
        """Persons whose normalised name equals one of these, in id order."""
        ...

    def search(self, normalised: str, *, limit: int, offset: int = 0) -> list[Node]:
        """Nodes whose id equals, or whose normalised name contains, the normalised text."""
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

    # audit -----------------------------------------------------------------------
    def append_audit(self, entries: Sequence[AuditEntry]) -> None: ...

    def audit_entries(self, *, limit: int, offset: int = 0) -> list[AuditEntry]: ...

    def close(self) -> None: ...
