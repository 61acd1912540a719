"""The root fields: checks for approval systems, reads for investigators, writes for data
stewards. Each resolver checks the caller's right, calls the service layer, and wraps the
result; the field names are fixed by CONTRACT.md."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry.scalars import JSON

from creditgraph.api import analysis as analysis_api
from creditgraph.api.access import Right
from creditgraph.api.context import PERSON, ApiContext, missing
from creditgraph.api.enums import Activity, Measure, Rel, Role
from creditgraph.api.types import (
    Agency,
    AppointmentRequest,
    AuditLogConnection,
    AuditLogEdge,
    AuditLogEntry,
    Decision,
    Enterprise,
    EventInput,
    Exposure,
    ImportResult,
    InterestConflict,
    KindCount,
    MatchVerdict,
    Node,
    NodeConnection,
    NodeEdge,
    Owner,
    PageInfo,
    Path,
    Person,
    RecordError,
    ResolutionEntry,
    Restriction,
    RestrictionConnection,
    RestrictionEdge,
    Subgraph,
    Viewer,
    node_view,
    visible_restrictions,
)
from creditgraph.domain.model import Restriction as DomainRestriction
from creditgraph.identity.resolution import judge, resolution_queue
from creditgraph.ingest.loader import load
from creditgraph.service import investigation as inv
from creditgraph.service.decisions import Decisions, person_by_number
from creditgraph.service.errors import InvalidArgument, LimitExceeded, ServiceError, UnknownId
from creditgraph.store.base import GraphStore

if TYPE_CHECKING:
    Info = strawberry.Info[ApiContext, None]
else:
    Info = strawberry.Info

MAX_PAGE = 500
MAX_BATCH_CHECKS = 1000
MAX_IMPORT_RECORDS = 10_000


# --- helpers -----------------------------------------------------------------------------------


def _cursor(kind: str, value: str | int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode().rstrip("=")


def _decode_cursor(kind: str, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    prefix, sep, value = text.partition(":")
    if prefix != kind or not sep:
        raise InvalidArgument("after is not a cursor returned by this field")
    return value


def _offset(kind: str, cursor: str | None) -> int:
    value = _decode_cursor(kind, cursor)
    if value is None:
        return 0
    # (a cursor this field returns holds a position below 10^18; larger ones overflow the
    # stores' 64-bit offsets)
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise InvalidArgument("after is not a cursor returned by this field")
    return int(value)


def _page_size(first: int | None, default: int) -> int:
    size = default if first is None else first
    if size < 0:
        raise InvalidArgument(f"first must not be negative, got {size}")
    if size > MAX_PAGE:
        raise LimitExceeded(f"first may be at most {MAX_PAGE}, got {size}")
    return size


def _party_of_type(info: Info, node_id: str, node_type: str, right: Right) -> Any:
    ctx = info.context
    ctx.require(right)
    node = _visible_node(ctx, node_id)
    if node.type != node_type:
        article = "an" if node_type[0] in "aeiou" else "a"
        raise InvalidArgument(f"{node_id!r} is a {node.type}, not {article} {node_type}")
    return node_view(info, node)


def _visible_node(ctx: ApiContext, node_id: str) -> Any:
    node = ctx.node(node_id)
    if node is None or not ctx.visible(node):
        raise missing(node_id)  # a person is "unknown" to whoever may not see persons
    return node


BY_NUMBER = "by identity number"


def _resolved(ctx: ApiContext, node_id: str) -> str:
    """The id a caller's id stands for: an alias (a later id of the same identity number)
    gives its person's; anything else is left for the service to judge."""
    node = ctx.node(node_id)
    return node.id if node is not None else node_id


def _one_of(person_id: object, id_number: object) -> None:
    if (person_id is None) == (id_number is None):
        raise InvalidArgument("give exactly one of the person's id and idNumber")


def _touch_by_number(ctx: ApiContext, info: Info, decisions: Sequence[Any]) -> None:
    """Audit a check by identity number: it says so, and names the person resolved (or the
    published entries weighed) — never the number."""
    ids: set[str] = set()
    for decision in decisions:
        if decision.subject:
            ids.add(decision.subject)
        ids.update(r.identity.entry for r in decision.reasons if r.identity is not None)
    ctx.touch(info, ids or {"(no person holds the number)"}, how=BY_NUMBER)


def _unknown(ctx: ApiContext, exc: UnknownId, *ids: str | None) -> ServiceError:
    for node_id in ids:
        if node_id is not None and ctx.node(node_id) is None:
            return missing(node_id)
    return exc


class _Prefetched:
    """The store as Decisions sees it during a batch of checks: every person, enterprise and
    restriction read once for the whole batch, so N checks cost three store calls."""

    def __init__(self, store: GraphStore, requests: Sequence[tuple[str, str, str | None, dt.date]]):
        self.schema = store.schema
        self._store = store
        ids = {p for p, _, _, _ in requests} | {e for _, _, e, _ in requests if e is not None}
        self._nodes = store.nodes(ids)
        self._restrictions: dict[tuple[str, dt.date], list[DomainRestriction]] = {}
        by_day: dict[dt.date, set[str]] = {}
        for person, _, _, day in requests:
            by_day.setdefault(day, set()).add(person)
        for day, persons in by_day.items():
            for r in store.restrictions(subjects=sorted(persons), active_on=day):
                self._restrictions.setdefault((r.subject, day), []).append(r)
        self._version = store.data_version()

    def node(self, node_id: str) -> Any:
        found = self._nodes.get(node_id)
        return found if found is not None else self._store.node(node_id)

    def __getattr__(self, name: str) -> Any:
        # what a batch does not prefetch (identity resolution's reads) goes to the store
        return getattr(self._store, name)

    def restrictions(
        self, *, subject: str | None = None, active_on: dt.date | None = None, **_: Any
    ) -> list[DomainRestriction]:
        assert subject is not None and active_on is not None
        if subject not in self._nodes:  # an alias, resolved to its person: not prefetched
            return self._store.restrictions(subject=subject, active_on=active_on)
        return self._restrictions.get((subject, active_on), [])

    def persons_by_identity(self, keys: Sequence[str], *, limit: int | None = None) -> Any:
        return self._store.persons_by_identity(keys, limit=limit)

    def links(self, *args: Any, **kwargs: Any) -> Any:
        return self._store.links(*args, **kwargs)

    def data_version(self) -> str:
        return self._version


def _import(ctx: ApiContext, records: Sequence[Any], *, skip_invalid: bool) -> ImportResult:
    ctx.require(Right.WRITE)
    if len(records) > MAX_IMPORT_RECORDS:
        raise LimitExceeded(
            f"at most {MAX_IMPORT_RECORDS} records per call, got {len(records)}: split the list, "
            "or use `creditgraph load` for bulk loads"
        )
    ctx.deadline.check()
    ctx.writing = True  # a write that has started is seen through, whatever the time limit
    lines = [("records", i + 1, json.dumps(r, ensure_ascii=False)) for i, r in enumerate(records)]
    result = load(lines, ctx.store, skip_invalid=skip_invalid, batch_size=max(1, len(lines)))
    report = result.report
    return ImportResult(
        ok=not result.errors,
        written=result.written,
        accepted=result.accepted,
        errors=[
            RecordError(index=e.line - 1, field=e.field, message=e.reason) for e in result.errors
        ],
        created=[KindCount(kind=k, count=v) for k, v in sorted(report.created.items())],
        updated=[KindCount(kind=k, count=v) for k, v in sorted(report.updated.items())],
        unchanged=[KindCount(kind=k, count=v) for k, v in sorted(report.unchanged.items())],
        restrictions_derived=report.restrictions,
        events_rederived=report.events_rederived,
        data_version=ctx.store.data_version(),
    )


# --- queries -----------------------------------------------------------------------------------


@strawberry.type(
    description="creditgraph: checks for approval systems, association queries "
    "for investigators. Dates default to today; every answer is as of a day."
)
class Query:
    # checks ----------------------------------------------------------------------------------
    @strawberry.field(
        description="May this person be appointed to this role (on a day, in an "
        "enterprise)? ALLOW, REVIEW or DENY with the reasons — the same decision "
        "as `creditgraph check`. Roles: approval, investigator, steward."
    )
    def check_appointment(
        self,
        info: Info,
        role: Role,
        person_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="The person, by id (or give idNumber)."),
        ] = None,
        enterprise_id: strawberry.ID | None = None,
        on: Annotated[
            dt.date | None, strawberry.argument(description="The day asked about (default today).")
        ] = None,
        id_number: Annotated[
            str | None,
            strawberry.argument(
                description="The resident identity number (GB 11643) instead of personId: the "
                "person holding it, and published entries compatible with it (REVIEW). Never "
                "echoed back, logged or audited in clear."
            ),
        ] = None,
        name: Annotated[
            str | None,
            strawberry.argument(description="The name that goes with idNumber."),
        ] = None,
    ) -> Decision:
        ctx = info.context
        ctx.require(Right.CHECK)
        _one_of(person_id, id_number)
        day = on or ctx.today
        if id_number is not None:
            decision = ctx.state.decisions.check_appointment_by_number(
                id_number, role, name=name, enterprise_id=enterprise_id, on=day
            )
            _touch_by_number(ctx, info, [decision])
            return Decision.of(decision)
        assert person_id is not None
        try:
            decision = ctx.state.decisions.check_appointment(
                person_id, role, enterprise_id=enterprise_id, on=day
            )
        except UnknownId as exc:
            raise _unknown(ctx, exc, person_id, enterprise_id) from None
        ctx.touch(info, [decision.subject or person_id])
        return Decision.of(decision)

    @strawberry.field(
        description="Many appointment checks in one round trip; the answers come "
        f"in the order asked (at most {MAX_BATCH_CHECKS})."
    )
    def check_appointments(self, info: Info, requests: list[AppointmentRequest]) -> list[Decision]:
        ctx = info.context
        ctx.require(Right.CHECK)
        if len(requests) > MAX_BATCH_CHECKS:
            raise LimitExceeded(f"at most {MAX_BATCH_CHECKS} checks per call, got {len(requests)}")
        for index, r in enumerate(requests):
            try:
                _one_of(r.person_id, r.id_number)
            except ServiceError as exc:
                raise type(exc)(f"requests[{index}]: {exc}") from None
        asked = [
            (
                str(r.person_id),
                str(r.role),
                None if r.enterprise_id is None else str(r.enterprise_id),
                r.on or ctx.today,
            )
            for r in requests
            if r.person_id is not None
        ]
        if not requests:
            return []
        decisions = Decisions(cast(GraphStore, _Prefetched(ctx.store, asked)))
        answers = []
        for index, r in enumerate(requests):
            day = r.on or ctx.today
            enterprise = None if r.enterprise_id is None else str(r.enterprise_id)
            person = None if r.person_id is None else str(r.person_id)
            try:
                if r.id_number is not None:
                    answers.append(
                        ctx.state.decisions.check_appointment_by_number(
                            r.id_number, str(r.role), name=r.name, enterprise_id=enterprise, on=day
                        )
                    )
                else:
                    assert person is not None
                    answers.append(
                        decisions.check_appointment(
                            person, str(r.role), enterprise_id=enterprise, on=day
                        )
                    )
            except UnknownId as exc:
                error = _unknown(ctx, exc, person, enterprise)
                raise type(error)(f"requests[{index}]: {error}") from None
            except ServiceError as exc:
                raise type(exc)(f"requests[{index}]: {exc}") from None
        by_id = [d for d, r in zip(answers, requests, strict=True) if r.id_number is None]
        ctx.touch(info, {d.subject for d in by_id if d.subject})
        by_number = [d for d, r in zip(answers, requests, strict=True) if r.id_number is not None]
        _touch_by_number(ctx, info, by_number)
        return [Decision.of(d) for d in answers]

    @strawberry.field(
        description="May this party take part in an activity (procurement, "
        "bidding, …) on a day? Roles: approval, investigator, steward."
    )
    def check_eligibility(
        self,
        info: Info,
        subject_id: strawberry.ID,
        activity: Activity,
        on: Annotated[
            dt.date | None, strawberry.argument(description="The day asked about (default today).")
        ] = None,
    ) -> Decision:
        ctx = info.context
        ctx.require(Right.CHECK)
        subject = ctx.node(subject_id)
        if subject is None:
            raise missing(subject_id)
        decision = ctx.state.decisions.check_eligibility(subject.id, activity, on=on or ctx.today)
        if subject.type == PERSON:
            ctx.touch(info, [subject.id])
        return Decision.of(decision)

    # parties ----------------------------------------------------------------------------------
    @strawberry.field(description="An enterprise by id (its unified social credit code).")
    def enterprise(self, info: Info, id: strawberry.ID) -> Enterprise | None:
        return cast(Enterprise, _party_of_type(info, id, "enterprise", Right.READ_PUBLIC))

    @strawberry.field(
        description="A person by id (an alias gives the person), or by identity number "
        "(the person holding it; null when none). Roles: investigator, steward."
    )
    def person(
        self,
        info: Info,
        id: strawberry.ID | None = None,
        id_number: Annotated[
            str | None,
            strawberry.argument(description="A resident identity number, instead of id."),
        ] = None,
    ) -> Person | None:
        _one_of(id, id_number)
        if id is not None:
            return cast(Person, _party_of_type(info, id, PERSON, Right.READ))
        ctx = info.context
        ctx.require(Right.READ)
        assert id_number is not None
        holder = person_by_number(ctx.store, id_number)
        if holder is None:
            return None
        ctx.touch(info, [holder.id], how=BY_NUMBER)
        return Person(record=holder)

    @strawberry.field(
        description="Published entries still to be judged — reaching someone only "
        "UNCONFIRMED (masked number and name) or AMBIGUOUS — with their candidates and "
        "evidence, most consequential first (measures in force hanging on them). Roles: "
        "investigator, steward."
    )
    def resolution_queue(
        self,
        info: Info,
        first: Annotated[
            int | None, strawberry.argument(description=f"How many (default 50, max {MAX_PAGE}).")
        ] = None,
    ) -> list[ResolutionEntry]:
        ctx = info.context
        ctx.require(Right.READ)
        ctx.deadline.check()
        found = resolution_queue(ctx.store, on=ctx.today, limit=_page_size(first, 50))
        ctx.touch(
            info, {c.person for r in found for c in r.candidates} | {r.entry.id for r in found}
        )
        return [ResolutionEntry.of(r) for r in found]

    @strawberry.field(description="An agency by id.")
    def agency(self, info: Info, id: strawberry.ID) -> Agency | None:
        return cast(Agency, _party_of_type(info, id, "agency", Right.READ))

    @strawberry.field(description="Any party by id.")
    def node(self, info: Info, id: strawberry.ID) -> Node | None:
        ctx = info.context
        ctx.require(Right.READ_PUBLIC)
        return node_view(info, _visible_node(ctx, id))

    @strawberry.field(
        description="Parties by name — in simplified or traditional characters, "
        "full- or half-width, spaces ignored — or by id/code. The public role finds "
        "enterprises only."
    )
    def search(
        self,
        info: Info,
        query: str,
        first: Annotated[
            int | None, strawberry.argument(description=f"Page size (default 20, max {MAX_PAGE}).")
        ] = None,
        after: str | None = None,
    ) -> NodeConnection:
        ctx = info.context
        ctx.require(Right.READ_PUBLIC)
        size = _page_size(first, 20)
        offset = _offset("search", after)
        rows: list[tuple[int, Any]] = []  # (position in the store's order, node)
        position, exhausted = offset, False
        while len(rows) <= size and not exhausted:
            ctx.deadline.check()
            chunk = max(size + 1, 50) if not ctx.sees_persons else size + 1
            found = inv.search(ctx.store, query, limit=chunk, offset=position)
            exhausted = len(found) < chunk
            for node in found:
                position += 1
                if ctx.visible(node):
                    rows.append((position, node))
            if ctx.sees_persons:
                break
        page, more = rows[:size], len(rows) > size
        ctx.remember(node for _, node in page)
        views = [node_view(info, node) for _, node in page]
        edges = [
            NodeEdge(node=view, cursor=_cursor("search", pos))
            for (pos, _), view in zip(page, views, strict=True)
            if view is not None
        ]
        return NodeConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=more,
                has_previous_page=offset > 0,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )

    @strawberry.field(
        description="Derived restrictions, ordered by id (Relay connection). "
        "With activeOn, only those in force that day."
    )
    def restrictions(
        self,
        info: Info,
        subject_id: strawberry.ID | None = None,
        measure: Measure | None = None,
        active_on: dt.date | None = None,
        first: Annotated[
            int | None, strawberry.argument(description=f"Page size (default 50, max {MAX_PAGE}).")
        ] = None,
        after: str | None = None,
    ) -> RestrictionConnection:
        ctx = info.context
        ctx.require(Right.READ_PUBLIC)
        size = _page_size(first, 50)
        last_id = _decode_cursor("restriction", after)
        if subject_id is not None:
            subject_id = strawberry.ID(_visible_node(ctx, subject_id).id)  # an alias: its person
        ctx.deadline.check()
        found = visible_restrictions(
            ctx, ctx.store.restrictions(subject=subject_id, measure=measure, active_on=active_on)
        )
        ctx.touch(info, _person_subjects(ctx, found))
        start = (
            0
            if last_id is None
            else next((i for i, r in enumerate(found) if r.id > last_id), len(found))
        )
        page = found[start : start + size]
        edges = [
            RestrictionEdge(node=Restriction(record=r), cursor=_cursor("restriction", r.id))
            for r in page
        ]
        return RestrictionConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=start + size < len(found),
                has_previous_page=start > 0,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=len(found),
        )

    # investigations ---------------------------------------------------------------------------
    @strawberry.field(
        description="The parties within `depth` links of a party and the links "
        f"between them. depth ≤ {inv.MAX_DEPTH}; a party with more than "
        "perNodeLimit links is cut there and listed in `truncated` with counts. "
        "Without asOf, links of any time."
    )
    def neighborhood(
        self,
        info: Info,
        id: strawberry.ID,
        depth: int = 1,
        rels: list[Rel] | None = None,
        as_of: dt.date | None = None,
        per_node_limit: int = inv.DEFAULT_PER_NODE_LIMIT,
    ) -> Subgraph:
        ctx = info.context
        ctx.require(Right.READ)
        try:
            found = inv.neighborhood(
                ctx.store,
                _resolved(ctx, id),
                depth=depth,
                rels=rels,
                as_of=as_of,
                per_node_limit=per_node_limit,
                deadline=ctx.deadline,
            )
        except UnknownId:
            raise missing(id) from None
        ctx.remember(found.nodes.values())
        ctx.touch_nodes(info, found.nodes.values())
        return Subgraph(record=found)

    @strawberry.field(
        description="The shortest paths between two parties (找关系), links taken "
        f"either way, maxHops ≤ {inv.MAX_HOPS}; every shortest path up to `first`. "
        "Without asOf, links of any time."
    )
    def paths(
        self,
        info: Info,
        from_id: strawberry.ID,
        to_id: strawberry.ID,
        max_hops: int = 4,
        as_of: dt.date | None = None,
        first: int = 10,
        rels: list[Rel] | None = None,
    ) -> list[Path]:
        ctx = info.context
        ctx.require(Right.READ)
        try:
            found = inv.paths(
                ctx.store,
                _resolved(ctx, from_id),
                _resolved(ctx, to_id),
                max_hops=max_hops,
                as_of=as_of,
                rels=rels,
                first=first,
                deadline=ctx.deadline,
            )
        except UnknownId as exc:
            raise _unknown(ctx, exc, from_id, to_id) from None
        # the question itself reads the two parties, whether or not they are connected
        ctx.touch_nodes(
            info, ctx.fetch_nodes({from_id, to_id, *(n for p in found for n in p.nodes)}).values()
        )
        return [Path(record=p) for p in found]

    @strawberry.field(
        description="Natural persons who own (effective share ≥ threshold, "
        "multiplied along chains, summed over chains) or control the enterprise "
        "(受益所有人). asOf defaults to today."
    )
    def beneficial_owners(
        self,
        info: Info,
        enterprise_id: strawberry.ID,
        threshold: float = inv.BENEFICIAL_OWNER_THRESHOLD,
        as_of: dt.date | None = None,
    ) -> list[Owner]:
        ctx = info.context
        ctx.require(Right.READ)
        try:
            found = inv.beneficial_owners(
                ctx.store,
                enterprise_id,
                threshold=threshold,
                as_of=as_of or ctx.today,
                deadline=ctx.deadline,
            )
        except UnknownId:
            raise missing(enterprise_id) from None
        ctx.fetch_nodes({n for o in found for c in o.chains for n in c.nodes})  # one read
        ctx.touch(info, [o.person for o in found])
        return [Owner(record=o) for o in found]

    @strawberry.field(
        description="Sanctioned parties and measures in force within `depth` links "
        f"(≤ {inv.MAX_DEPTH}), each with its path (关联风险). asOf defaults to "
        "today."
    )
    def exposure(
        self,
        info: Info,
        id: strawberry.ID,
        depth: int = 2,
        as_of: dt.date | None = None,
        rels: list[Rel] | None = None,
    ) -> list[Exposure]:
        ctx = info.context
        ctx.require(Right.READ)
        try:
            found = inv.exposure(
                ctx.store,
                _resolved(ctx, id),
                depth=depth,
                as_of=as_of or ctx.today,
                rels=rels,
                deadline=ctx.deadline,
            )
        except UnknownId:
            raise missing(id) from None
        ctx.touch_nodes(
            info, ctx.fetch_nodes({id, *(n for e in found for n in e.path.nodes)}).values()
        )
        return [Exposure(record=e) for e in found]

    @strawberry.field(
        description="Officials of an agency (or one official), or their relatives, "
        "who hold roles or shares in enterprises the official's agency supervises. "
        "asOf defaults to today."
    )
    def interest_conflicts(
        self,
        info: Info,
        agency_id: strawberry.ID | None = None,
        official_id: strawberry.ID | None = None,
        as_of: dt.date | None = None,
    ) -> list[InterestConflict]:
        ctx = info.context
        ctx.require(Right.READ)
        try:
            found = inv.interest_conflicts(
                ctx.store,
                agency=agency_id,
                official=None if official_id is None else _resolved(ctx, official_id),
                as_of=as_of or ctx.today,
                deadline=ctx.deadline,
            )
        except UnknownId as exc:
            raise _unknown(ctx, exc, agency_id, official_id) from None
        asked = {i for i in (agency_id, official_id) if i is not None}
        ctx.touch_nodes(
            info, ctx.fetch_nodes({*asked, *(n for c in found for n in c.path.nodes)}).values()
        )
        return [InterestConflict(record=c) for c in found]

    # audit and identity ------------------------------------------------------------------------
    @strawberry.field(
        description="Reads that showed persons: who, when, what, which persons, "
        "why (X-Purpose); newest first. Role: steward."
    )
    def audit_log(
        self,
        info: Info,
        first: Annotated[
            int | None, strawberry.argument(description=f"Page size (default 50, max {MAX_PAGE}).")
        ] = None,
        after: str | None = None,
    ) -> AuditLogConnection:
        ctx = info.context
        ctx.require(Right.AUDIT)
        size = _page_size(first, 50)
        offset = _offset("audit", after)
        ctx.state.audit.flush()
        entries = ctx.store.audit_entries(limit=size + 1, offset=offset)
        edges = [
            AuditLogEdge(node=AuditLogEntry(record=e), cursor=_cursor("audit", offset + i + 1))
            for i, e in enumerate(entries[:size])
        ]
        return AuditLogConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(entries) > size,
                has_previous_page=offset > 0,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )

    # graph analysis (networkx): fields defined with their types in creditgraph.api.analysis
    related_groups: analysis_api.RelatedGroups = analysis_api.related_groups_field
    ownership_cycles: list[analysis_api.OwnershipCycle] = analysis_api.ownership_cycles_field
    k_shortest_paths: list[Path] = analysis_api.k_shortest_paths_field
    ownership_tree: list[analysis_api.OwnershipBranch] = analysis_api.ownership_tree_field

    @strawberry.field(description="Who the server takes the caller for, and what they may do.")
    def viewer(self, info: Info) -> Viewer:
        ctx = info.context
        if ctx.principal is None:
            assert ctx.auth_error is not None
            raise ctx.auth_error
        principal = ctx.principal
        return Viewer(
            principal=principal.name,
            role=principal.role.value,
            rights=sorted(r.value for r in Right if principal.may(r)),
            open_local_mode=ctx.state.policy.open_local,
        )


def _person_subjects(ctx: ApiContext, restrictions: Sequence[DomainRestriction]) -> set[str]:
    if not restrictions or not ctx.sees_persons:
        return set()
    subjects = {r.subject for r in restrictions}
    return {i for i, t in ctx.store.node_types(subjects).items() if t == PERSON}


# --- mutations ---------------------------------------------------------------------------------


@strawberry.type(
    description="Writes for data stewards: the same validation and atomicity as `creditgraph load`."
)
class Mutation:
    @strawberry.mutation(
        description="Import contract records (CONTRACT.md, 'Import records'): "
        'a list of JSON objects such as {"type": "enterprise", "id": …}. '
        "Every record is validated and every reference resolved first; with "
        "any error nothing is written (unless skipInvalid) and the errors name "
        "each record's index and field. Re-importing is idempotent. "
        f"At most {MAX_IMPORT_RECORDS} records per call. Role: steward."
    )
    def import_records(
        self, info: Info, records: list[JSON], skip_invalid: bool = False
    ) -> ImportResult:
        return _import(info.context, records, skip_invalid=skip_invalid)

    @strawberry.mutation(
        description="Record one credit event; the measures it triggers are "
        "derived at once. Role: steward."
    )
    def record_event(self, info: Info, event: EventInput) -> ImportResult:
        record: dict[str, Any] = {
            "type": "event",
            "id": event.id,
            "kind": str(event.kind),
            "subject": event.subject,
            "date": event.date.isoformat(),
        }
        for name in ("authority", "document", "note", "responsible", "lifts"):
            value = getattr(event, name)
            if value is not None:
                record[name] = value
        details: Any = event.details or {}
        if not isinstance(details, dict):
            raise InvalidArgument("details must be a JSON object of the kind's own fields")
        clash = sorted(set(details) & set(record) | (set(details) & {"type"}))
        if clash:
            raise InvalidArgument(
                f"details may not set {', '.join(clash)}: give them as arguments of the event"
            )
        record.update(details)
        return _import(info.context, [record], skip_invalid=False)

    @strawberry.mutation(
        description="Record a steward's verdict on a published entry (a) and a registry "
        "person (b): SAME confirms the reach (REVIEW becomes DENY where a measure bars), "
        "DIFFERENT removes it for good, UNSURE keeps it under review. Durable, exported "
        "with the graph, re-applied on every re-load; re-derives in the same transaction. "
        "Role: steward."
    )
    def judge_match(
        self,
        info: Info,
        a: strawberry.ID,
        b: strawberry.ID,
        verdict: MatchVerdict,
        why: str | None = None,
    ) -> ResolutionEntry:
        ctx = info.context
        ctx.require(Right.WRITE)
        ctx.writing = True
        principal = ctx.principal.name if ctx.principal is not None else "local"
        resolution, _ = judge(
            ctx.store,
            str(a),
            str(b),
            verdict.value.lower(),
            why=why,
            judged_by=principal,
            on=ctx.today,
        )
        ctx.touch(info, [str(a), str(b)])
        return ResolutionEntry.of(resolution)
