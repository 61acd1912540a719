"""The root fields: checks for approval systems, reads for investigators, writes for data
stewards. Each resolver checks the caller's right, calls the service layer, and wraps the
result; the field names are fixed by CONTRACT.md."""

from __future__ import annotations

import base64
import binascii
import bisect
import datetime as dt
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

import strawberry
from strawberry.scalars import JSON

from creditgraph.api import analysis as analysis_api
from creditgraph.api import checks, paging
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
    Event,
    EventInput,
    Exposure,
    ImportRecordsInput,
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
    RecordEventInput,
    ResolutionEntry,
    Restriction,
    RestrictionConnection,
    RestrictionEdge,
    Subgraph,
    Viewer,
    node_view,
    visible_events,
    visible_restrictions,
)
from creditgraph.domain.model import RESTRICTION_ID_PREFIX
from creditgraph.domain.model import Event as DomainEvent
from creditgraph.domain.model import Node as DomainNode
from creditgraph.domain.model import Restriction as DomainRestriction
from creditgraph.identity.resolution import judge, resolution_queue
from creditgraph.ingest.loader import load
from creditgraph.service import investigation as inv
from creditgraph.service.decisions import person_by_number
from creditgraph.service.errors import InvalidArgument, LimitExceeded, UnknownId

if TYPE_CHECKING:
    Info = strawberry.Info[ApiContext, None]
else:
    Info = strawberry.Info

MAX_PAGE = 500
MAX_BATCH_CHECKS = checks.MAX_BATCH_CHECKS
MAX_IMPORT_RECORDS = 10_000


# --- helpers -----------------------------------------------------------------------------------


def _cursor(kind: str, value: str | int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode().rstrip("=")


def _decode_cursor(kind: str, cursor: str | None, argument: str = "after") -> str | None:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    prefix, sep, value = text.partition(":")
    if prefix != kind or not sep:
        raise InvalidArgument(f"{argument} is not a cursor returned by this field")
    return value


def _offset(kind: str, cursor: str | None, argument: str = "after") -> int:
    value = _decode_cursor(kind, cursor, argument)
    if value is None:
        return 0
    # (a cursor this field returns holds a position below 10^18; larger ones overflow the
    # stores' 64-bit offsets)
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise InvalidArgument(f"{argument} is not a cursor returned by this field")
    return int(value)


def _page_size(first: int | None, default: int) -> int:
    size = default if first is None else first
    if size < 0:
        raise InvalidArgument(f"first must not be negative, got {size}")
    if size > MAX_PAGE:
        raise LimitExceeded(
            f"first may be at most {MAX_PAGE}, got {size}",
            limit="first",
            maximum=MAX_PAGE,
            value=size,
        )
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


def _node_or_null(info: Info, node_id: str) -> Node | None:
    ctx = info.context
    node = ctx.node(node_id)
    if node is None or not ctx.visible(node):
        _refuse_if_not_an_id(node_id)
        return None
    return node_view(info, node)


def _refuse_if_not_an_id(object_id: str) -> None:
    """An id nothing (visible) has answers null — unless it is an identity number or an
    invalid code, which the caller is told."""
    error = missing(object_id)
    if not isinstance(error, UnknownId):
        raise error


def _shown_events(info: Info, events: Sequence[DomainEvent]) -> list[DomainEvent]:
    ctx = info.context
    shown = visible_events(ctx, events)
    subjects = ctx.fetch_nodes({e.subject for e in shown})
    ctx.touch(info, {s for s, n in subjects.items() if n.type == PERSON})
    return shown


def _shown_restrictions(
    info: Info, restrictions: Sequence[DomainRestriction]
) -> list[DomainRestriction]:
    shown = visible_restrictions(info.context, restrictions)
    info.context.touch(info, _person_subjects(info.context, shown))
    return shown


def objects_by_id(info: Info, ids: Sequence[str]) -> list[Node | None]:
    """Parties, events and restrictions by global id, in the order asked, None where unknown
    or hidden. An id is a party's first, else an event's (the loader keeps the two apart);
    r:… is a restriction's (a prefix imports may not use). One store read per kind of object
    asked for, plus the visibility checks' reads — not one per id."""
    ctx = info.context
    ctx.deadline.check()
    restriction_ids = [i for i in ids if i.startswith(RESTRICTION_ID_PREFIX)]
    parties = ctx.fetch_nodes(i for i in ids if not i.startswith(RESTRICTION_ID_PREFIX))
    unread = [i for i in dict.fromkeys(ids) if i not in parties and i not in restriction_ids]
    events = ctx.store.events_by_id(unread) if unread else {}
    restrictions = ctx.store.restrictions_by_id(restriction_ids) if restriction_ids else {}
    shown_events = {e.id: e for e in _shown_events(info, list(events.values()))}
    shown_restrictions = {r.id: r for r in _shown_restrictions(info, list(restrictions.values()))}
    found: list[Node | None] = []
    for i in ids:
        if i in parties:
            found.append(node_view(info, parties[i]))
        elif i in events:
            event = shown_events.get(i)
            found.append(None if event is None else Event(record=event))
        elif i in restriction_ids:
            restriction = shown_restrictions.get(i)
            found.append(None if restriction is None else Restriction(record=restriction))
        else:
            found.append(_node_or_null(info, i))  # an alias, or an id to explain
    return found


_MAX_CHUNK = 4000  # matches read per store call when counting them all


class _Matches:
    """A search's matches as the caller may see them, read in the store's order only as far
    as a page needs, in growing chunks (a chunk of the public role's matches may be mostly
    persons it does not see). Positions count only visible matches; with ``start`` (for a
    caller who sees every match) reading begins there, the matches before it untouched."""

    def __init__(self, ctx: ApiContext, text: str, start: int = 0) -> None:
        self.ctx, self.text = ctx, text
        self.start = self.read = start  # visible position of items[0]; store position next
        self.items: list[DomainNode] = []
        self.exhausted = False
        self.chunk = 64

    def count_upto(self, n: int) -> int:
        """min(n, how many matches there are), reading as far as that needs."""
        if n <= self.start:
            return max(n, 0)  # before where reading began: the caller's own cursor
        while self.start + len(self.items) < n and not self.exhausted:
            self.ctx.deadline.check()
            wanted = max(min(n - self.start - len(self.items), _MAX_CHUNK), self.chunk)
            found = inv.search(self.ctx.store, self.text, limit=wanted, offset=self.read)
            self.exhausted = len(found) < wanted
            self.read += len(found)
            self.items.extend(node for node in found if self.ctx.visible(node))
            self.chunk = min(self.chunk * 2, _MAX_CHUNK)
        return min(n, self.start + len(self.items))

    def slice(self, start: int, end: int) -> list[DomainNode]:
        self.count_upto(end)
        return self.items[max(start - self.start, 0) : max(end - self.start, 0)]


# the defaults of the traversal arguments: CONTRACT.md types them nullable (`depth: Int`), so
# an explicit null means the default, as leaving the argument out does
NEIGHBORHOOD_DEPTH, EXPOSURE_DEPTH, PATHS_MAX_HOPS, PATHS_FIRST = 1, 2, 4, 10
N = TypeVar("N", int, float)


def _or(value: N | None, default: N) -> N:
    return default if value is None else value


def _resolved(ctx: ApiContext, node_id: str) -> str:
    """The id a caller's id stands for: an alias (a later id of the same identity number)
    gives its person's; anything else is left for the service to judge."""
    node = ctx.node(node_id)
    return node.id if node is not None else node_id


def _one_of(person_id: object, id_number: object) -> None:
    if (person_id is None) == (id_number is None):
        raise InvalidArgument("give exactly one of the person's id and idNumber")


def _root_key(info: Info) -> str:
    """The key the audit groups a root field's persons under: its alias, or its name."""
    path = info.path
    while path.prev is not None:
        path = path.prev
    return str(path.key)


PARTY_TYPES = {"enterprise", "person", "agency"}


def _import(
    ctx: ApiContext,
    records: Sequence[Any],
    *,
    skip_invalid: bool,
    client_mutation_id: str | None = None,
) -> ImportResult:
    ctx.require(Right.WRITE)
    if len(records) > MAX_IMPORT_RECORDS:
        raise LimitExceeded(
            f"at most {MAX_IMPORT_RECORDS} records per call, got {len(records)}: split the list, "
            "or use `creditgraph load` for bulk loads",
            limit="records",
            maximum=MAX_IMPORT_RECORDS,
            value=len(records),
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
        client_mutation_id=client_mutation_id,
        written_party_ids=_written_ids(records, result.errors, PARTY_TYPES),
        written_event_ids=_written_ids(records, result.errors, {"event"}),
    )


def _written_ids(records: Sequence[Any], errors: Sequence[Any], types: set[str]) -> tuple[str, ...]:
    rejected = {e.line - 1 for e in errors}
    return tuple(
        dict.fromkeys(
            r["id"]
            for i, r in enumerate(records)
            if i not in rejected
            and isinstance(r, dict)
            and r.get("type") in types
            and isinstance(r.get("id"), str)
        )
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
        role: Annotated[Role, strawberry.argument(description="The office asked about.")],
        person_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="The person, by id (or give idNumber)."),
        ] = None,
        enterprise_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="The enterprise of the appointment, when known."),
        ] = None,
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
        decision = checks.check_appointment(
            info.context,
            checks.AppointmentAsk(
                role=str(role),
                person_id=None if person_id is None else str(person_id),
                enterprise_id=None if enterprise_id is None else str(enterprise_id),
                on=on,
                id_number=id_number,
                name=name,
            ),
            operation="checkAppointment",
            key=_root_key(info),
        )
        return Decision.of(decision)

    @strawberry.field(
        description="Many appointment checks in one round trip; the answers come "
        f"in the order asked (at most {MAX_BATCH_CHECKS})."
    )
    def check_appointments(
        self,
        info: Info,
        requests: Annotated[
            list[AppointmentRequest],
            strawberry.argument(description="The checks, in the order the answers should come."),
        ],
    ) -> list[Decision]:
        asks = [
            checks.AppointmentAsk(
                role=str(r.role),
                person_id=None if r.person_id is None else str(r.person_id),
                enterprise_id=None if r.enterprise_id is None else str(r.enterprise_id),
                on=r.on,
                id_number=r.id_number,
                name=r.name,
            )
            for r in requests
        ]
        decisions = checks.check_appointments(
            info.context, asks, operation="checkAppointments", key=_root_key(info)
        )
        return [Decision.of(d) for d in decisions]

    @strawberry.field(
        description="May this party take part in an activity (procurement, "
        "bidding, …) on a day? Roles: approval, investigator, steward."
    )
    def check_eligibility(
        self,
        info: Info,
        subject_id: Annotated[
            strawberry.ID, strawberry.argument(description="The enterprise's or person's id.")
        ],
        activity: Annotated[Activity, strawberry.argument(description="The activity asked about.")],
        on: Annotated[
            dt.date | None, strawberry.argument(description="The day asked about (default today).")
        ] = None,
    ) -> Decision:
        decision = checks.check_eligibility(
            info.context,
            str(subject_id),
            str(activity),
            on,
            operation="checkEligibility",
            key=_root_key(info),
        )
        return Decision.of(decision)

    # parties ----------------------------------------------------------------------------------
    @strawberry.field(description="An enterprise by id (its unified social credit code).")
    def enterprise(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(
                description="The enterprise's id (its unified social credit code)."
            ),
        ],
    ) -> Enterprise | None:
        return cast(Enterprise, _party_of_type(info, id, "enterprise", Right.READ_PUBLIC))

    @strawberry.field(
        description="A person by id (an alias gives the person), or by identity number "
        "(the person holding it; null when none). Roles: investigator, steward."
    )
    def person(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID | None, strawberry.argument(description="The person's id.")
        ] = None,
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
        ctx.touch(info, [holder.id], how=checks.BY_NUMBER)
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
    def agency(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The agency's id.")],
    ) -> Agency | None:
        return cast(Agency, _party_of_type(info, id, "agency", Right.READ))

    @strawberry.field(
        description="Any object by its global id (Relay's node field): a party, an event or "
        "a restriction (r:…); null for an id the store does not hold or the caller may not "
        "see (the public role sees no person, no event on one and no restriction reaching "
        "one; a repaired record only stewards). An identity number given as an id is an error."
    )
    def node(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The id of a party, an event or a restriction."),
        ],
    ) -> Node | None:
        ctx = info.context
        ctx.require(Right.READ_PUBLIC)
        return objects_by_id(info, [str(id)])[0]

    @strawberry.field(
        description="Objects by global id (parties, events, restrictions), in the order "
        f"asked; null where an id is unknown or hidden from the caller, as in node (at most "
        f"{MAX_PAGE} ids)."
    )
    def nodes(
        self,
        info: Info,
        ids: Annotated[
            list[strawberry.ID],
            strawberry.argument(description="The ids of parties, events or restrictions."),
        ],
    ) -> list[Node | None]:
        ctx = info.context
        ctx.require(Right.READ_PUBLIC)
        if len(ids) > MAX_PAGE:
            raise LimitExceeded(
                f"at most {MAX_PAGE} ids per call, got {len(ids)}",
                limit="ids",
                maximum=MAX_PAGE,
                value=len(ids),
            )
        return objects_by_id(info, [str(i) for i in ids])

    @strawberry.field(
        description="A credit event by id; null when unknown, recorded on a person and the "
        "caller may not see persons, or a repaired record and the caller is not a steward."
    )
    def event(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The event's import id.")],
    ) -> Event | None:
        ctx = info.context
        ctx.require(Right.READ_PUBLIC)
        ctx.deadline.check()
        found = ctx.store.event(str(id))
        shown = _shown_events(info, [] if found is None else [found])
        if not shown:
            _refuse_if_not_an_id(str(id))
            return None
        return Event(record=shown[0])

    @strawberry.field(
        description="A derived restriction by id (r:…, as in Restriction.id and "
        "Reason.restrictionId); null when unknown or hidden from the caller (the public role "
        "sees only restrictions on enterprises reached without a person; a repaired record "
        "only stewards)."
    )
    def restriction(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The restriction's id.")],
    ) -> Restriction | None:
        ctx = info.context
        ctx.require(Right.READ_PUBLIC)
        ctx.deadline.check()
        found = list(ctx.store.restrictions_by_id([str(id)]).values())
        shown = _shown_restrictions(info, found)
        if not shown:
            _refuse_if_not_an_id(str(id))
            return None
        return Restriction(record=shown[0])

    @strawberry.field(
        description="Parties by name — in simplified or traditional characters, "
        "full- or half-width, spaces ignored — by its pinyin or pinyin initials (hxkj or "
        "huaxin for 华信科技), or by id/code, best matches first. The public "
        "role finds "
        "enterprises and agencies only, and its cursors, hasNextPage and totalCount count "
        "only those. Page forwards with first/after, backwards with last/before."
    )
    def search(
        self,
        info: Info,
        query: Annotated[
            str, strawberry.argument(description="A name (any script or width) or an id/code.")
        ],
        first: Annotated[
            int | None, strawberry.argument(description=f"Page size (default 20, max {MAX_PAGE}).")
        ] = None,
        after: Annotated[
            str | None, strawberry.argument(description="Page forwards: after this cursor.")
        ] = None,
        last: Annotated[
            int | None,
            strawberry.argument(
                description=f"Page backwards: the last ones (max {MAX_PAGE}); without before, "
                "every match is read to find the end."
            ),
        ] = None,
        before: Annotated[
            str | None, strawberry.argument(description="Page backwards: before this cursor.")
        ] = None,
    ) -> NodeConnection:
        ctx = info.context
        ctx.require(Right.READ_PUBLIC)
        # a caller who sees every match may start reading at its cursor; the public role's
        # positions count only what it sees, so its matches are read from the first
        start_at = (
            paging.position("search", after, "after") or 0
            if ctx.sees_persons and last is None
            else 0
        )
        matches = _Matches(ctx, query, start_at)
        w = paging.lazy_window(
            "search",
            matches.count_upto,
            first=first,
            after=after,
            last=last,
            before=before,
            default=20,
        )
        page = matches.slice(w.start, w.end)
        ctx.remember(page)
        views = [node_view(info, node) for node in page]
        edges = [
            NodeEdge(node=view, cursor=paging.cursor("search", w.start + i + 1))
            for i, view in enumerate(views)
            if view is not None
        ]
        return NodeConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=w.has_next_page,
                has_previous_page=w.has_previous_page,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            count=lambda: matches.count_upto(paging.EVERYTHING),
        )

    @strawberry.field(
        description="Derived restrictions, ordered by id (Relay connection). "
        "With activeOn, only those in force that day."
    )
    def restrictions(
        self,
        info: Info,
        subject_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only those on this party.")
        ] = None,
        measure: Annotated[
            Measure | None, strawberry.argument(description="Only this measure.")
        ] = None,
        active_on: Annotated[
            dt.date | None, strawberry.argument(description="Only those in force this day.")
        ] = None,
        first: Annotated[
            int | None, strawberry.argument(description=f"Page size (default 50, max {MAX_PAGE}).")
        ] = None,
        after: Annotated[
            str | None, strawberry.argument(description="Page forwards: after this cursor.")
        ] = None,
        last: Annotated[
            int | None,
            strawberry.argument(description=f"Page backwards: the last ones (max {MAX_PAGE})."),
        ] = None,
        before: Annotated[
            str | None, strawberry.argument(description="Page backwards: before this cursor.")
        ] = None,
    ) -> RestrictionConnection:
        ctx = info.context
        ctx.require(Right.READ_PUBLIC)
        if first is not None and last is not None:
            raise InvalidArgument("give first (forwards) or last (backwards), not both")
        size = _page_size(first, 50)
        back = None if last is None else _page_size(last, 50)
        after_id = _decode_cursor("restriction", after)
        before_id = _decode_cursor("restriction", before, "before")
        if subject_id is not None:
            subject_id = strawberry.ID(_visible_node(ctx, subject_id).id)  # an alias: its person
        ctx.deadline.check()
        found = visible_restrictions(
            ctx, ctx.store.restrictions(subject=subject_id, measure=measure, active_on=active_on)
        )
        ctx.touch(info, _person_subjects(ctx, found))
        # cursors are restriction ids: a page stays put when restrictions are added elsewhere
        start = 0 if after_id is None else bisect.bisect_right([r.id for r in found], after_id)
        end = (
            len(found)
            if before_id is None
            else max(start, bisect.bisect_left([r.id for r in found], before_id))
        )
        if back is not None:
            start = max(start, end - back)
        else:
            end = min(end, start + size)
        edges = [
            RestrictionEdge(node=Restriction(record=r), cursor=_cursor("restriction", r.id))
            for r in found[start:end]
        ]
        return RestrictionConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=end < len(found),
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
        id: Annotated[strawberry.ID, strawberry.argument(description="The party at the centre.")],
        depth: Annotated[
            int | None, strawberry.argument(description="How many links out.")
        ] = NEIGHBORHOOD_DEPTH,
        rels: Annotated[
            list[Rel] | None, strawberry.argument(description="Follow only links of these kinds.")
        ] = None,
        as_of: Annotated[
            dt.date | None, strawberry.argument(description="Only links holding on this day.")
        ] = None,
        per_node_limit: Annotated[
            int | None,
            strawberry.argument(
                description="At most this many links of one party; a hub is cut there and reported."
            ),
        ] = inv.DEFAULT_PER_NODE_LIMIT,
    ) -> Subgraph:
        ctx = info.context
        ctx.require(Right.READ)
        try:
            found = inv.neighborhood(
                ctx.store,
                _resolved(ctx, id),
                depth=_or(depth, NEIGHBORHOOD_DEPTH),
                rels=rels,
                as_of=as_of,
                per_node_limit=_or(per_node_limit, inv.DEFAULT_PER_NODE_LIMIT),
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
        from_id: Annotated[strawberry.ID, strawberry.argument(description="One end.")],
        to_id: Annotated[strawberry.ID, strawberry.argument(description="The other end.")],
        max_hops: Annotated[
            int | None, strawberry.argument(description="At most this many links.")
        ] = PATHS_MAX_HOPS,
        as_of: Annotated[
            dt.date | None, strawberry.argument(description="Only links holding on this day.")
        ] = None,
        first: Annotated[
            int | None, strawberry.argument(description="At most this many paths.")
        ] = PATHS_FIRST,
        rels: Annotated[
            list[Rel] | None, strawberry.argument(description="Follow only links of these kinds.")
        ] = None,
    ) -> list[Path]:
        ctx = info.context
        ctx.require(Right.READ)
        try:
            found = inv.paths(
                ctx.store,
                _resolved(ctx, from_id),
                _resolved(ctx, to_id),
                max_hops=_or(max_hops, PATHS_MAX_HOPS),
                as_of=as_of,
                rels=rels,
                first=_or(first, PATHS_FIRST),
                deadline=ctx.deadline,
            )
        except UnknownId as exc:
            raise checks.unknown(ctx, exc, from_id, to_id) from None
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
        enterprise_id: Annotated[strawberry.ID, strawberry.argument(description="The enterprise.")],
        threshold: Annotated[
            float | None,
            strawberry.argument(
                description="The least effective share that counts (default 0.25)."
            ),
        ] = inv.BENEFICIAL_OWNER_THRESHOLD,
        as_of: Annotated[
            dt.date | None, strawberry.argument(description="Holdings on this day (default today).")
        ] = None,
    ) -> list[Owner]:
        ctx = info.context
        ctx.require(Right.READ)
        try:
            found = inv.beneficial_owners(
                ctx.store,
                enterprise_id,
                threshold=_or(threshold, inv.BENEFICIAL_OWNER_THRESHOLD),
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
        id: Annotated[strawberry.ID, strawberry.argument(description="The party asked about.")],
        depth: Annotated[
            int | None, strawberry.argument(description="How many links out.")
        ] = EXPOSURE_DEPTH,
        as_of: Annotated[
            dt.date | None,
            strawberry.argument(description="Measures in force on this day (default today)."),
        ] = None,
        rels: Annotated[
            list[Rel] | None, strawberry.argument(description="Follow only links of these kinds.")
        ] = None,
    ) -> list[Exposure]:
        ctx = info.context
        ctx.require(Right.READ)
        try:
            found = inv.exposure(
                ctx.store,
                _resolved(ctx, id),
                depth=_or(depth, EXPOSURE_DEPTH),
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
        agency_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="All officials of this agency.")
        ] = None,
        official_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="This official only.")
        ] = None,
        as_of: Annotated[
            dt.date | None,
            strawberry.argument(description="Offices and holdings on this day (default today)."),
        ] = None,
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
            raise checks.unknown(ctx, exc, agency_id, official_id) from None
        asked = {i for i in (agency_id, official_id) if i is not None}
        ctx.touch_nodes(
            info, ctx.fetch_nodes({*asked, *(n for c in found for n in c.path.nodes)}).values()
        )
        return [InterestConflict(record=c) for c in found]

    @strawberry.field(
        description="Subject access: a person's or enterprise's own credit record, for the "
        "steward answering the data subject's request (信用信息主体查询本人信息): its links, "
        "its events with their state (REPAIRED, VOID, OBJECTION_UNDER_REVIEW), and its "
        "restrictions. Repaired records, hidden from other reads, are included. Role: steward."
    )
    def subject_access(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The party's id.")],
    ) -> JSON:
        from creditgraph.subject_access import subject_record

        ctx = info.context
        ctx.require(Right.WRITE)
        ctx.deadline.check()
        record = subject_record(ctx.store, str(id), ctx.today)
        if record["subject"]["type"] == PERSON:
            ctx.touch(info, [str(id)])
        return cast(JSON, record)

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
        after: Annotated[
            str | None, strawberry.argument(description="Page forwards: after this cursor.")
        ] = None,
        last: Annotated[
            int | None,
            strawberry.argument(
                description=f"Page backwards (towards newer entries; max {MAX_PAGE})."
            ),
        ] = None,
        before: Annotated[
            str | None, strawberry.argument(description="Page backwards: before this cursor.")
        ] = None,
    ) -> AuditLogConnection:
        ctx = info.context
        ctx.require(Right.AUDIT)
        if first is not None and last is not None:
            raise InvalidArgument("give first (forwards) or last (backwards), not both")
        size = _page_size(first, 50)
        start = _offset("audit", after)
        if before is not None:
            end = max(start, _offset("audit", before, "before") - 1)
            if last is not None:
                start = max(start, end - _page_size(last, 50))
            else:
                end = min(end, start + size)
            size = end - start
        elif last is not None:
            raise InvalidArgument("last needs before: the log grows at its newest end")
        ctx.state.audit.flush()
        entries = ctx.store.audit_entries(limit=size + 1, offset=start)
        edges = [
            AuditLogEdge(node=AuditLogEntry(record=e), cursor=_cursor("audit", start + i + 1))
            for i, e in enumerate(entries[:size])
        ]
        return AuditLogConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(entries) > size,
                has_previous_page=start > 0,
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
        self,
        info: Info,
        input: Annotated[
            ImportRecordsInput | None,
            strawberry.argument(description="The records, and the client's mutation id."),
        ] = None,
        records: Annotated[
            list[JSON] | None,
            strawberry.argument(
                description="The records (before `input`).",
                deprecation_reason="Use input: {records, skipInvalid, clientMutationId}.",
            ),
        ] = None,
        skip_invalid: Annotated[
            bool | None,
            strawberry.argument(
                description="Write the valid records, report the rest (before `input`).",
                deprecation_reason="Use input: {skipInvalid}.",
            ),
        ] = None,
    ) -> ImportResult:
        if input is not None:
            if records is not None or skip_invalid is not None:
                raise InvalidArgument("give input, or the deprecated records/skipInvalid, not both")
            return _import(
                info.context,
                input.records,
                skip_invalid=input.skip_invalid,
                client_mutation_id=input.client_mutation_id,
            )
        if records is None:
            raise InvalidArgument("input is required: importRecords(input: {records: [...]})")
        return _import(info.context, records, skip_invalid=bool(skip_invalid))

    @strawberry.mutation(
        description="Record one credit event; the measures it triggers are "
        "derived at once. Role: steward."
    )
    def record_event(
        self,
        info: Info,
        input: Annotated[
            RecordEventInput | None,
            strawberry.argument(description="The event, and the client's mutation id."),
        ] = None,
        event: Annotated[
            EventInput | None,
            strawberry.argument(
                description="The event (before `input`).",
                deprecation_reason="Use input: {event, clientMutationId}.",
            ),
        ] = None,
    ) -> ImportResult:
        if (input is None) == (event is None):
            raise InvalidArgument("give input: {event: {...}} (or the deprecated event), once")
        chosen = input.event if input is not None else event
        assert chosen is not None
        return _import(
            info.context,
            [_event_record(chosen)],
            skip_invalid=False,
            client_mutation_id=None if input is None else input.client_mutation_id,
        )

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
        a: Annotated[
            strawberry.ID, strawberry.argument(description="The published entry (or a person).")
        ],
        b: Annotated[strawberry.ID, strawberry.argument(description="The registry person.")],
        verdict: Annotated[MatchVerdict, strawberry.argument(description="The verdict.")],
        why: Annotated[
            str | None, strawberry.argument(description="The reason, kept with the verdict.")
        ] = None,
    ) -> ResolutionEntry:
        ctx = info.context
        ctx.require(Right.WRITE)
        ctx.writing = True
        principal = ctx.principal.name if ctx.principal is not None else "local"
        resolution, _ = judge(
            ctx.store,
            str(a),
            str(b),
            str(verdict.value).lower(),
            why=why,
            judged_by=principal,
            on=ctx.today,
        )
        ctx.touch(info, [str(a), str(b)])
        return ResolutionEntry.of(resolution)


def _event_record(event: EventInput) -> dict[str, Any]:
    record: dict[str, Any] = {
        "type": "event",
        "id": event.id,
        "kind": str(event.kind),
        "subject": event.subject,
        "date": event.date.isoformat(),
    }
    for name in ("authority", "document", "note", "responsible", "lifts", "releases"):
        value = getattr(event, name)
        if value is not None:
            record[name] = value
    details: Any = event.details or {}
    if not isinstance(details, dict):
        raise InvalidArgument("details must be a JSON object of the kind's own fields")
    clash = sorted(set(details) & set(record) | (set(details) & {"type"}))
    if clash:
        raise InvalidArgument(
            f"details may not set {', '.join(clash)}: give them as fields of the event"
        )
    record.update(details)
    return record
