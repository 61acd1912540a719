"""What every resolver of one request shares: the caller, the store, a node cache, the
deadline, and the persons the request has touched (for the audit log)."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from strawberry.fastapi import BaseContext

from creditgraph.api.access import AccessPolicy, Principal, Right, forbidden
from creditgraph.api.audit import AuditWriter
from creditgraph.domain.model import Node
from creditgraph.identity import canonical_node
from creditgraph.service.decisions import Decisions
from creditgraph.service.errors import ServiceError, missing
from creditgraph.service.investigation import Deadline
from creditgraph.settings import Settings
from creditgraph.store.base import AuditEntry, GraphStore

if TYPE_CHECKING:
    from strawberry.types import Info

    from creditgraph.api.operations import Metrics

PERSON = "person"
_MAX_ID_LENGTH = 200  # longer strings in an answer are names, texts, never ids
# the audit log read by its stewards: auditing that read would make every page of the log add
# to the log (and shift the pages being read)
_NOT_DISCLOSURES = frozenset({"auditLog"})
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
PURPOSE_HEADER = "x-purpose"
MAX_PURPOSE = 500


def purpose_text(header: str) -> str:
    """The X-Purpose header as text: HTTP headers are ASCII, so a purpose in Chinese arrives
    percent-encoded (案件 → %E6%A1%88%E4%BB%B6) or as raw UTF-8 bytes; both are decoded."""
    try:
        text = header.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        text = header
    return unquote(text)[:MAX_PURPOSE]


@dataclass
class ApiState:
    """Built once when the server starts; shared by every request."""

    store: GraphStore
    settings: Settings
    policy: AccessPolicy
    audit: AuditWriter
    executor: Executor | None = None
    metrics: Metrics | None = None
    # the outbox worker (creditgraph.monitoring.delivery.Deliverer) while serving
    deliverer: Any = None
    decisions: Decisions = field(init=False)

    def __post_init__(self) -> None:
        self.decisions = Decisions(self.store)

    def today(self) -> dt.date:
        return self.settings.today or dt.date.today()

    @property
    def timeout(self) -> float | None:
        seconds = self.settings.request_timeout_s
        return seconds if seconds and seconds > 0 else None


class ApiContext(BaseContext):
    def __init__(
        self,
        state: ApiState,
        *,
        principal: Principal | None,
        auth_error: ServiceError | None = None,
        purpose: str | None = None,
    ) -> None:
        super().__init__()
        self.state = state
        self.store = state.store
        self.principal = principal
        self.auth_error = auth_error
        self.purpose = purpose
        self.deadline = Deadline(state.timeout)
        self.today = state.today()
        self.writing = False  # set by a mutation once it starts writing: it is seen through
        # the metrics label of the request: the GraphQL root fields asked for
        self.operation_label = "graphql"
        self._nodes: dict[str, Node | None] = {}
        self._touched: dict[str, tuple[str, set[str]]] = {}
        self.root_fields: dict[str, str] = {}  # response key → root field (set at execution)

    @classmethod
    def for_key(cls, state: ApiState, key: str | None, purpose: str | None = None) -> ApiContext:
        try:
            return cls(state, principal=state.policy.identify(key), purpose=purpose)
        except ServiceError as exc:
            return cls(state, principal=None, auth_error=exc, purpose=purpose)

    # access ------------------------------------------------------------------------------
    def require(self, right: Right) -> Principal:
        if self.principal is None:
            assert self.auth_error is not None
            raise self.auth_error
        if not self.principal.may(right):
            raise forbidden(self.principal, right)
        return self.principal

    def may(self, right: Right) -> bool:
        return self.principal is not None and self.principal.may(right)

    @property
    def sees_persons(self) -> bool:
        return self.may(Right.READ)

    # nodes ---------------------------------------------------------------------------------
    def fetch_nodes(self, node_ids: Iterable[str]) -> dict[str, Node]:
        """The nodes, read from the store in one call for those not yet cached."""
        wanted = list(dict.fromkeys(node_ids))
        unread = [i for i in wanted if i not in self._nodes]
        if unread:
            self.deadline.check()
            found = self.store.nodes(unread)
            for node_id in unread:
                self._nodes[node_id] = found.get(node_id)
        return {i: n for i in wanted if (n := self._nodes[i]) is not None}

    def remember(self, nodes: Iterable[Node]) -> None:
        for node in nodes:
            self._nodes[node.id] = node

    def node(self, node_id: str) -> Node | None:
        found = self.fetch_nodes([node_id]).get(node_id)
        if found is None and ":" in node_id:
            found = canonical_node(self.store, node_id)  # an alias id: its person
        return found

    def visible(self, node: Node | None) -> bool:
        return node is not None and (node.type != PERSON or self.sees_persons)

    # audit ---------------------------------------------------------------------------------
    def touch(
        self, info: Info[Any, Any], person_ids: Iterable[str], *, how: str | None = None
    ) -> None:
        """Record that the operation this field belongs to showed these persons (``how``: the
        way they were looked up, e.g. "by identity number", added to the operation's name)."""
        ids = list(person_ids)
        if not ids:
            return
        path = info.path
        while path.prev is not None:
            path = path.prev
        key = str(path.key)
        name = _root_field_name(info, key)
        self.touch_operation(key, f"{name} {how}" if how else name, ids)

    def touch_operation(self, key: str, operation: str, person_ids: Iterable[str]) -> None:
        """Record that an operation (a GraphQL root field under its alias ``key``, or a REST
        endpoint) showed these persons: one audit entry per operation."""
        ids = list(person_ids)
        if not ids:
            return
        if key not in self._touched:
            self._touched[key] = (operation, set())
        self._touched[key][1].update(ids)

    def touch_shown(self, operations: dict[str, str], data: dict[str, Any] | None) -> None:
        """Audit every person whose id the answer carries, wherever it sits (a path through
        an agency's official, an event's responsible persons, …): the resolvers' own
        :meth:`touch` calls cover what they know they show; this covers every shape.

        ``operations``: response key → root field name."""
        if not data or self.principal is None:
            return
        shown: dict[str, set[str]] = {}
        for key, value in data.items():
            if operations.get(key) in _NOT_DISCLOSURES:
                continue
            strings = shown.setdefault(key, set())
            stack = [value]
            while stack:
                item = stack.pop()
                if isinstance(item, str):
                    if 0 < len(item) <= _MAX_ID_LENGTH:
                        strings.add(item)
                elif isinstance(item, dict):
                    stack.extend(item.values())
                elif isinstance(item, list):
                    stack.extend(item)
        # enum values (DENY, DIRECTOR) and dates are never ids: not looked up
        candidates = {
            i
            for i in set().union(*shown.values())
            if i not in _enum_values() and not _DATE.fullmatch(i)
        }
        known = {i: self._nodes[i] for i in candidates if i in self._nodes}
        persons = {i for i, n in known.items() if n is not None and n.type == PERSON}
        unknown = candidates.difference(known)
        if unknown:
            persons |= {i for i, t in self.store.node_types(unknown).items() if t == PERSON}
        for key, strings in shown.items():
            # persons a resolver already recorded under this root field (its own entry, or
            # one beside it such as "checkAppointment by identity number") are not repeated
            recorded = set().union(
                *(i for k, (_, i) in self._touched.items() if k == key or k.startswith(key + " "))
            )
            ids = (strings & persons) - recorded
            if ids:
                if key not in self._touched:
                    self._touched[key] = (operations.get(key, key), set())
                self._touched[key][1].update(ids)

    def touch_nodes(self, info: Info[Any, Any], nodes: Iterable[Node]) -> None:
        self.touch(info, (n.id for n in nodes if n.type == PERSON))

    def audit_entries(self) -> list[AuditEntry]:
        if not self._touched or self.principal is None:
            return []
        at = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        return [
            AuditEntry(
                at,
                self.principal.name,
                self.principal.role.value,
                operation,
                tuple(sorted(ids)),
                self.purpose,
            )
            for operation, ids in self._touched.values()
        ]


@functools.cache
def _enum_values() -> frozenset[str]:
    from graphql import GraphQLEnumType

    from creditgraph.api.schema import schema

    return frozenset(
        value
        for graphql_type in schema._schema.type_map.values()
        if isinstance(graphql_type, GraphQLEnumType)
        for value in graphql_type.values
    )


def _root_field_name(info: Info[Any, Any], key: str) -> str:
    from graphql import FieldNode

    for selection in info.operation.selection_set.selections:
        if isinstance(selection, FieldNode):
            name = selection.name.value
            if (selection.alias.value if selection.alias else name) == key:
                return name
    return key


__all__ = ["ApiContext", "ApiState", "missing"]
