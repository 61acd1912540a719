"""GraphQL for the reward-and-punishment loop (CONTRACT.md, "Monitoring, incentives and
feedback"): the change feed, credit grades, watches, notices, feedback, commitments, and
the ``decisionChanged`` subscription. Resolvers check the caller's right and call
``creditgraph.monitoring``; mutations follow the Relay convention (one ``input``, a
payload with the changed object and the ``clientMutationId``)."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
from collections.abc import AsyncGenerator
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry

from creditgraph.api.access import Right
from creditgraph.api.context import ApiContext
from creditgraph.api.enums import Measure
from creditgraph.api.types import _AFTER, _BEFORE, _FIRST, _LAST, PageInfo, Reason, paged
from creditgraph.domain.model import Restriction
from creditgraph.monitoring.grades import CreditGrade as DomainGrade
from creditgraph.monitoring.grades import Grades
from creditgraph.monitoring.react import CLOSED, OPEN_NOTICE, PENDING
from creditgraph.monitoring.service import Monitoring, public_watch
from creditgraph.service.decisions import Reason as DomainReason
from creditgraph.service.errors import InvalidArgument
from creditgraph.store.base import MonitorRecord

if TYPE_CHECKING:
    Info = strawberry.Info[ApiContext, None]
else:
    Info = strawberry.Info

MAX_PAGE = 500
SUBSCRIPTION_POLL_S = 0.25


def _service(ctx: ApiContext) -> Monitoring:
    return Monitoring(ctx.store, today=lambda: ctx.today)


def _seq(cursor: str | None) -> int:
    if cursor is None:
        return 0
    try:
        return int(cursor)
    except ValueError:
        raise InvalidArgument("after is not a cursor returned by this field") from None


def _first(first: int | None, default: int = 100) -> int:
    size = default if first is None else first
    if not 0 < size <= MAX_PAGE:
        raise InvalidArgument(f"first must be between 1 and {MAX_PAGE}")
    return size


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@strawberry.enum(description="What a watch covers.")
class WatchScope(Enum):
    SUBJECT = "SUBJECT"
    OFFICE_HOLDERS = "OFFICE_HOLDERS"
    ALL = "ALL"


_WATCH_SCOPES = {
    "SUBJECT": "The party itself: its own changes.",
    "OFFICE_HOLDERS": "Every person holding an office (legal representative, director, "
    "supervisor, manager …) in the enterprise: their changes, reached through the office.",
    "ALL": "Both: the party itself and every holder of an office in it.",
}
for _value in cast(Any, WatchScope).__strawberry_definition__.values:
    _value.description = _WATCH_SCOPES[_value.name]


# --- the change feed ---------------------------------------------------------------------


@strawberry.type(
    description="A party's standing on a day, without a particular role or "
    "activity in mind: DENY while a confirmed measure bars it from anything."
)
class Standing:
    decision: str = strawberry.field(
        description="ALLOW, REVIEW or DENY: what a check of the party would answer that day."
    )
    measures: list[str] = strawberry.field(description="The punitive measures in force that day.")
    incentives: list[str] = strawberry.field(
        description="The incentives (守信激励) in force that day and not withheld."
    )
    incentives_withheld: list[str] = strawberry.field(
        description="Incentives in force but withheld, because a confirmed measure vetoes incentives (一票否决)."
    )

    @classmethod
    def of(cls, data: dict[str, Any]) -> Standing:
        return cls(
            decision=data["decision"],
            measures=list(data["measures"]),
            incentives=list(data["incentives"]),
            incentives_withheld=list(data["incentives_withheld"]),
        )


@strawberry.type(description="A measure that arose or was lifted in a change.")
class ChangedMeasure:
    restriction_id: strawberry.ID = strawberry.field(description="The id of the restriction.")
    measure: str = strawberry.field(
        description="The measure (or incentive) the restriction imposes."
    )
    rule: str = strawberry.field(
        description="The rule that derived the restriction from its event."
    )
    legal_basis: str = strawberry.field(description="The legal basis the rule cites.")
    from_: dt.date = strawberry.field(
        name="from", description="The first day the restriction runs."
    )
    until: dt.date | None = strawberry.field(
        description="The last day the restriction runs; null: no end."
    )
    certainty: str = strawberry.field(
        description="CONFIRMED, or UNCONFIRMED when a fact it depends on is unknown."
    )
    event_id: strawberry.ID = strawberry.field(description="The event the restriction arose from.")
    event_kind: str = strawberry.field(description="The kind of that event.")
    ended_by: strawberry.ID | None = strawberry.field(
        description="The event that ended the restriction early (lifted), if any."
    )
    voided_by: strawberry.ID | None = strawberry.field(
        description="The event that voided the restriction's event (e.g. a judgment quashed), if any."
    )

    @classmethod
    def of(cls, data: dict[str, Any]) -> ChangedMeasure:
        return cls(
            restriction_id=strawberry.ID(data["id"]),
            measure=data["measure"],
            rule=data["rule"],
            legal_basis=data["legal_basis"],
            from_=dt.date.fromisoformat(data["from"]),
            until=_day(data["until"]),
            certainty=data["certainty"],
            event_id=strawberry.ID(data["event"]["id"]),
            event_kind=data["event"]["kind"],
            ended_by=data.get("ended_by"),
            voided_by=data.get("voided_by"),
        )


@strawberry.type(description="A notice withdrawn because the restriction it announced is gone.")
class WithdrawnNotice:
    id: strawberry.ID = strawberry.field(description="The notice (see `notifications`).")
    reason: str = strawberry.field(
        description="The restriction, and what voided or ended it (or that it is no longer derived)."
    )


@strawberry.type(
    description="A change of a party's standing: made by one write, by a recompute, or by "
    "the calendar (a restriction that begins or runs out; see `creditgraph monitor`)."
)
class Change:
    id: strawberry.ID = strawberry.field(
        description="The change's id: the data version of its write and the subject."
    )
    subject: strawberry.ID = strawberry.field(description="The party whose standing changed.")
    subject_type: str | None = strawberry.field(
        description="The party's node type: enterprise, person or agency."
    )
    subject_name: str | None = strawberry.field(description="The party's name.")
    change: str = strawberry.field(
        description="RESTRICTED, RESTORED, INCENTIVE_GRANTED, INCENTIVE_WITHDRAWN or UPDATED."
    )
    before: Standing = strawberry.field(
        description="The party's standing before the change (for a calendar change: as it "
        "was last reported)."
    )
    after: Standing = strawberry.field(description="The party's standing after the change.")
    added: list[ChangedMeasure] = strawberry.field(
        description="The measures that arose in the change (began, for a calendar change)."
    )
    lifted: list[ChangedMeasure] = strawberry.field(
        description="The measures that ended, ran out, were voided or are no longer derived."
    )
    reason: str = strawberry.field(
        description="Why the standing changed: each measure added or lifted, its rule, legal basis and event."
    )
    data_version: str = strawberry.field(
        description="The write that made the change (a calendar change is a write of its own)."
    )
    on: dt.date = strawberry.field(description="The day the standings are judged on.")
    cause: str = strawberry.field(
        description="WRITE (records written or recomputed) or CALENDAR (a restriction began "
        "or ran out, with no write)."
    )
    notices_withdrawn: list[WithdrawnNotice] = strawberry.field(
        description="The notices withdrawn by this change, with why."
    )

    @classmethod
    def of(cls, record: MonitorRecord) -> Change:
        d = record.data
        return cls(
            id=strawberry.ID(record.id),
            subject=strawberry.ID(d["subject"]),
            subject_type=d.get("subject_type"),
            subject_name=d.get("subject_name"),
            change=d["change"],
            before=Standing.of(d["before"]),
            after=Standing.of(d["after"]),
            added=[ChangedMeasure.of(m) for m in d["added"]],
            lifted=[ChangedMeasure.of(m) for m in d["lifted"]],
            reason=d["reason"],
            data_version=d["data_version"],
            on=dt.date.fromisoformat(d["on"]),
            cause="CALENDAR" if d.get("cause") == "calendar" else "WRITE",
            notices_withdrawn=[
                WithdrawnNotice(id=strawberry.ID(n["id"]), reason=n["reason"])
                for n in d.get("notices_withdrawn", ())
            ],
        )


@strawberry.type(description="A change and its cursor.")
class ChangeEdge:
    node: Change = strawberry.field(description="The change.")
    cursor: str = strawberry.field(
        description="Where this change is in the feed: pass it as `after` to read on."
    )


@strawberry.type(description="A change delivered to a watch (in the outbox).")
class Alert:
    id: strawberry.ID = strawberry.field(description="Also the webhook's Idempotency-Key.")
    watch_id: strawberry.ID = strawberry.field(description="The watch the alert was raised for.")
    status: str = strawberry.field(description="PENDING, SENT, FAILED, or FEED_ONLY (no webhook).")
    via_role: str | None = strawberry.field(description="The office through which it reached.")
    via_enterprise: strawberry.ID | None = strawberry.field(
        description="The enterprise in which that office is held (OFFICE_HOLDERS watches)."
    )
    change: Change = strawberry.field(description="The change the alert reports.")

    @classmethod
    def of(cls, record: MonitorRecord) -> Alert:
        via = record.data.get("via") or {}
        return cls(
            id=strawberry.ID(record.id),
            watch_id=strawberry.ID(record.data["watch"]),
            status=record.status or "",
            via_role=via.get("role"),
            via_enterprise=via.get("enterprise"),
            change=Change.of(
                MonitorRecord(
                    "change",
                    f"{record.version}:{record.subject}",
                    record.subject,
                    None,
                    record.data["change"],
                    None,
                    record.seq,
                    record.version,
                )
            ),
        )


@strawberry.type(description="A page of the change feed (Relay connection), oldest first.")
class ChangeConnection:
    edges: list[ChangeEdge] = strawberry.field(description="The changes of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page is in the feed.")
    data_version: str = strawberry.field(
        description="The store's data version now: pass it as `since` to read on from here."
    )


# --- grades ------------------------------------------------------------------------------


@strawberry.type(description="A fact that put an enterprise in its grade.")
class GradeReason:
    condition: str = strawberry.field(
        description="The grade's condition it meets: measures_in_force, events_within, incentives_in_force or always."
    )
    text: str = strawberry.field(description="The reason in words.")
    restriction: Reason | None = strawberry.field(
        description="The restriction in force that meets the condition, if the reason is one."
    )
    event_id: strawberry.ID | None = strawberry.field(
        description="The event that meets the condition, if the reason is one."
    )


@strawberry.type(description="The credit grade of an enterprise on a day (seed 003 §(七)).")
class CreditGrade:
    subject: strawberry.ID = strawberry.field(description="The enterprise graded.")
    grade: str = strawberry.field(description="The grade: A, B, C or D.")
    title: str = strawberry.field(
        description="The grade's title from grades.yaml (e.g. 严重失信 — 提高抽查比例和频次 …)."
    )
    inspection_ratio: float = strawberry.field(
        description="The share of the grade's enterprises drawn in a random inspection."
    )
    as_of: dt.date = strawberry.field(description="The day the grade is judged on.")
    reasons: list[GradeReason] = strawberry.field(description="Why the enterprise has the grade.")
    data_version: str = strawberry.field(
        description="The store's data version the grade was judged at."
    )

    @classmethod
    def of(cls, g: DomainGrade) -> CreditGrade:
        return cls(
            subject=strawberry.ID(g.subject),
            grade=g.grade,
            title=g.title,
            inspection_ratio=g.inspection_ratio,
            as_of=g.as_of,
            reasons=[
                GradeReason(
                    condition=r.condition,
                    text=r.text,
                    restriction=Reason.of(DomainReason(r.restriction, "grade"))
                    if isinstance(r.restriction, Restriction)
                    else None,
                    event_id=strawberry.ID(r.event.id) if r.event else None,
                )
                for r in g.reasons
            ],
            data_version=g.data_version,
        )


@strawberry.type(description="A credit grade and its cursor.")
class CreditGradeEdge:
    node: CreditGrade = strawberry.field(description="The credit grade.")
    cursor: str = strawberry.field(
        description="Where this enterprise is in the list: pass it as `after` to read on."
    )


@strawberry.type(description="A page of credit grades (Relay connection), in enterprise id order.")
class CreditGradeConnection:
    edges: list[CreditGradeEdge] = strawberry.field(description="The grades of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page is in the list.")


# --- watches, notices, feedback, commitments ------------------------------------------------


@strawberry.type(description="A watch: changes of the parties it covers become alerts.")
class Watch:
    id: strawberry.ID = strawberry.field(
        description="The watch's id (pass it to `unwatch` or `alerts`)."
    )
    target: strawberry.ID = strawberry.field(description="The party watched.")
    scope: WatchScope = strawberry.field(description="What the watch covers.")
    owner: str = strawberry.field(
        description="The principal who registered the watch; only it sees the watch and its alerts."
    )
    webhook: str | None = strawberry.field(
        description="Where alerts are POSTed; null: the feed (`alerts`) only."
    )
    label: str | None = strawberry.field(description="The owner's label for the watch.")
    inbox: bool = strawberry.field(
        description="The webhook is the party's own inbox: notices addressed to it go there too."
    )
    active: bool = strawberry.field(description="False once the watch is stopped (`unwatch`).")

    @classmethod
    def of(cls, record: MonitorRecord) -> Watch:
        d = public_watch(record)
        return cls(
            id=strawberry.ID(record.id),
            target=strawberry.ID(d["target"]),
            scope=WatchScope(d["scope"]),
            owner=d["owner"],
            webhook=d.get("webhook"),
            label=d.get("label"),
            inbox=bool(d.get("inbox")),
            active=record.status == "ACTIVE",
        )


@strawberry.type(
    description="A notice addressed to an agency or enterprise: a derived duty "
    "to notify, or a removal notice (公司法 第一百七十八条第三款)."
)
class Notification:
    id: strawberry.ID = strawberry.field(
        description="The notice's id (pass it to `acknowledgeNotification`)."
    )
    addressee: strawberry.ID = strawberry.field(
        description="The agency or enterprise the notice is addressed to."
    )
    notice: str = strawberry.field(description="NOTIFICATION_DUTY or REMOVAL.")
    title: str = strawberry.field(description="The notice's title.")
    status: str = strawberry.field(
        description="PENDING, SENT, FAILED (its webhook never accepted it: still due), "
        "ACKNOWLEDGED, or WITHDRAWN (the restriction it announced was voided, ended early or is "
        "no longer derived: nothing is due)."
    )
    due: dt.date | None = strawberry.field(description="The day by which the addressee is to act.")
    measure: str | None = strawberry.field(description="The measure the notice is about.")
    person: strawberry.ID | None = strawberry.field(
        description="The barred person (removal notices)."
    )
    role: str | None = strawberry.field(
        description="The office the barred person holds in the addressee (removal notices)."
    )
    legal_basis: str | None = strawberry.field(description="The legal basis of the duty.")
    acknowledged_by: str | None = strawberry.field(
        description="Who acknowledged the notice, once acknowledged."
    )
    overdue: bool = strawberry.field(
        description="Neither acknowledged nor withdrawn, and the due day has passed."
    )
    withdrawn_reason: str | None = strawberry.field(
        description="Why the notice was withdrawn: the restriction, and what voided or ended it."
    )

    @classmethod
    def of(cls, record: MonitorRecord, today: dt.date) -> Notification:
        d = record.data
        due = _day(record.due)
        return cls(
            id=strawberry.ID(record.id),
            addressee=strawberry.ID(d["addressee"]),
            notice=d["notice"],
            title=d.get("title", ""),
            status=record.status or PENDING,
            due=due,
            measure=d.get("measure"),
            person=d.get("person"),
            role=d.get("role"),
            legal_basis=d.get("legal_basis") or d.get("restriction", {}).get("legal_basis"),
            acknowledged_by=d.get("acknowledged_by"),
            overdue=record.status not in CLOSED and due is not None and due < today,
            withdrawn_reason=d.get("withdrawn_reason"),
        )


@strawberry.type(description="An alert and its cursor.")
class AlertEdge:
    node: Alert = strawberry.field(description="The alert.")
    cursor: str = strawberry.field(description="Where this alert is in the list.")


@strawberry.type(description="A page of a watch's alerts (Relay connection), oldest first.")
class AlertConnection:
    edges: list[AlertEdge] = strawberry.field(description="The alerts of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page is in the list.")
    total_count: int = strawberry.field(description="How many alerts the whole list holds.")


@strawberry.type(description="A watch and its cursor.")
class WatchEdge:
    node: Watch = strawberry.field(description="The watch.")
    cursor: str = strawberry.field(description="Where this watch is in the list.")


@strawberry.type(description="A page of the caller's watches (Relay connection), oldest first.")
class WatchConnection:
    edges: list[WatchEdge] = strawberry.field(description="The watches of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page is in the list.")
    total_count: int = strawberry.field(description="How many watches the whole list holds.")


@strawberry.type(description="A notice and its cursor.")
class NotificationEdge:
    node: Notification = strawberry.field(description="The notice.")
    cursor: str = strawberry.field(description="Where this notice is in the list.")


@strawberry.type(description="A page of notices (Relay connection), oldest first.")
class NotificationConnection:
    edges: list[NotificationEdge] = strawberry.field(description="The notices of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page is in the list.")
    total_count: int = strawberry.field(description="How many notices the whole list holds.")


@strawberry.type(description="What an approval system did with a decision (反馈).")
class Feedback:
    id: strawberry.ID = strawberry.field(description="The report's id.")
    subject: strawberry.ID = strawberry.field(description="The party the decision was about.")
    measure: str = strawberry.field(description="The measure applied (or incentive granted).")
    agency: strawberry.ID = strawberry.field(description="The agency that acted.")
    date: dt.date = strawberry.field(description="The day it acted.")
    matter: str = strawberry.field(description="The matter decided (e.g. the licence applied for).")
    case_number: str | None = strawberry.field(description="The agency's case number.")
    data_version: str = strawberry.field(description="The dataVersion of the decision acted on.")

    @classmethod
    def of(cls, record: MonitorRecord) -> Feedback:
        d = record.data
        return cls(
            id=strawberry.ID(record.id),
            subject=strawberry.ID(d["subject"]),
            measure=d["measure"],
            agency=strawberry.ID(d["agency"]),
            date=dt.date.fromisoformat(d["date"]),
            matter=d["matter"],
            case_number=d.get("case_number"),
            data_version=d["data_version"],
        )


@strawberry.type(
    description="How many feedback reports one agency made on one measure in a month (反馈统计)."
)
class FeedbackCount:
    measure: str = strawberry.field(description="The measure.")
    agency: strawberry.ID = strawberry.field(description="The agency that reported.")
    month: str = strawberry.field(description="The month, YYYY-MM.")
    count: int = strawberry.field(description="The number of reports.")


@strawberry.type(description="A finding that a credit commitment was broken (违背信用承诺).")
class CommitmentBreach:
    id: strawberry.ID = strawberry.field(description="The COMMITMENT_BREACHED event.")
    date: dt.date = strawberry.field(description="The day the breach was found.")


@strawberry.type(description="A credit commitment (信用承诺) and how it was performed.")
class Commitment:
    id: strawberry.ID = strawberry.field(description="The CREDIT_COMMITMENT event.")
    matter: str = strawberry.field(description="What was promised (承诺事项).")
    date: dt.date = strawberry.field(description="The day the commitment was made.")
    authority: strawberry.ID | None = strawberry.field(
        description="The agency the commitment was made to."
    )
    entails: str = strawberry.field(
        description="What breaking it entails (违诺后果): credit_record, joint_punishment or procurement_ban."
    )
    deadline: dt.date | None = strawberry.field(description="The last day for performing it.")
    status: str = strawberry.field(description="IN_FORCE, KEPT or BREACHED.")
    breaches: list[CommitmentBreach] = strawberry.field(
        description="The breaches found (voided ones left out)."
    )


# --- mutations' inputs and payloads -----------------------------------------------------------


@strawberry.input(description="A watch to register.")
class WatchInput:
    subject_id: strawberry.ID = strawberry.field(description="The party to watch.")
    scope: WatchScope = strawberry.field(
        default=WatchScope.SUBJECT, description="What the watch covers (default: the party itself)."
    )
    webhook: str | None = strawberry.field(
        default=None, description="Where alerts are POSTed (signed with `secret`)."
    )
    secret: str | None = strawberry.field(
        default=None, description="The HMAC-SHA256 signing secret; never shown again."
    )
    label: str | None = strawberry.field(
        default=None, description="A label of the caller's choosing."
    )
    inbox: bool = strawberry.field(
        default=False,
        description="The webhook is the party's own inbox: notices addressed to it are "
        "delivered there too (role: steward).",
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="Any string; returned unchanged in the result."
    )


@strawberry.type(description="The result of `watch` or `unwatch`.")
class WatchPayload:
    watch: Watch = strawberry.field(description="The watch, as it now stands.")
    client_mutation_id: str | None = strawberry.field(
        description="The clientMutationId given in the input, unchanged."
    )


@strawberry.input(description="A watch to stop.")
class UnwatchInput:
    watch_id: strawberry.ID = strawberry.field(
        description="The watch to stop (one of the caller's)."
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="Any string; returned unchanged in the result."
    )


@strawberry.input(description="What an approval system did with a decision (反馈).")
class FeedbackInput:
    subject_id: strawberry.ID = strawberry.field(description="The party the decision was about.")
    measure: Measure = strawberry.field(description="The measure applied (or incentive granted).")
    agency_id: strawberry.ID = strawberry.field(description="The agency that acted.")
    date: dt.date = strawberry.field(description="The day it acted.")
    matter: str = strawberry.field(description="The matter decided (e.g. the licence applied for).")
    data_version: str = strawberry.field(description="The dataVersion of the decision acted on.")
    case_number: str | None = strawberry.field(
        default=None, description="The agency's case number."
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="Sent again on a retry, the report is recorded once."
    )


@strawberry.type(description="The result of `recordFeedback`.")
class RecordFeedbackPayload:
    feedback: Feedback = strawberry.field(description="The report as recorded.")
    client_mutation_id: str | None = strawberry.field(
        description="The clientMutationId given in the input, unchanged."
    )


@strawberry.input(description="A notice to acknowledge.")
class AcknowledgeNotificationInput:
    notification_id: strawberry.ID = strawberry.field(description="The notice acknowledged.")
    note: str | None = strawberry.field(
        default=None, description="A note kept with the acknowledgement (e.g. what was done)."
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="Any string; returned unchanged in the result."
    )


@strawberry.type(description="The result of `acknowledgeNotification`.")
class AcknowledgeNotificationPayload:
    notification: Notification = strawberry.field(description="The notice, now ACKNOWLEDGED.")
    client_mutation_id: str | None = strawberry.field(
        description="The clientMutationId given in the input, unchanged."
    )


def _owner(ctx: ApiContext) -> str:
    return ctx.principal.name if ctx.principal else "anonymous"


def _notices(
    ctx: ApiContext,
    addressee_id: strawberry.ID | None,
    status: str | None,
    overdue_on: dt.date | None,
) -> list[MonitorRecord]:
    if status is not None and status not in (*OPEN_NOTICE, *CLOSED):
        raise InvalidArgument("status must be PENDING, SENT, FAILED, ACKNOWLEDGED or WITHDRAWN")
    return _service(ctx).notices(
        addressee=str(addressee_id) if addressee_id else None,
        statuses=[status] if status else None,
        overdue_on=overdue_on,
    )


@strawberry.type
class MonitoringQuery:
    @strawberry.field(
        description='Changes committed after the data version `since` ("0": all), oldest '
        "first: each names the subject, what changed, the standing before and after, and why. "
        "Roles: investigator, steward."
    )
    def changes(
        self,
        info: Info,
        since: Annotated[
            str,
            strawberry.argument(
                description='The data version to read on from ("0": from the start).'
            ),
        ],
        first: Annotated[
            int | None, strawberry.argument(description="How many changes (1–500, default 100).")
        ] = None,
        after: Annotated[
            str | None,
            strawberry.argument(description="The cursor of the last change already read."),
        ] = None,
        subject_ids: Annotated[
            list[strawberry.ID] | None,
            strawberry.argument(description="Only the changes of these parties (default: all)."),
        ] = None,
    ) -> ChangeConnection:
        ctx = info.context
        ctx.require(Right.READ)
        version = ctx.store.data_version()
        page = _service(ctx).changes(
            since,
            first=_first(first),
            after_seq=_seq(after),
            subjects=[str(s) for s in subject_ids] if subject_ids is not None else None,
        )
        edges = [ChangeEdge(node=Change.of(r), cursor=str(r.seq)) for r in page.records]
        ctx.touch(
            info,
            [
                r.subject
                for r in page.records
                if r.subject and r.data.get("subject_type") == "person"
            ],
        )
        return ChangeConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else after,
            ),
            data_version=version,
        )

    @strawberry.field(
        description="The credit grade (A–D) of an enterprise on a day, with its reasons and "
        "the inspection ratio of the grade (graph_schema/supervision/grades.yaml)."
    )
    def credit_grade(
        self,
        info: Info,
        subject_id: Annotated[strawberry.ID, strawberry.argument(description="The enterprise.")],
        as_of: Annotated[
            dt.date | None,
            strawberry.argument(description="The day to judge the grade on (default: today)."),
        ] = None,
    ) -> CreditGrade:
        ctx = info.context
        ctx.require(Right.READ_PUBLIC)
        return CreditGrade.of(Grades(ctx.store).grade(str(subject_id), as_of=as_of or ctx.today))

    @strawberry.field(description="The enterprises of one grade on a day, in id order.")
    def credit_grades(
        self,
        info: Info,
        grade: Annotated[str, strawberry.argument(description="The grade: A, B, C or D.")],
        as_of: Annotated[
            dt.date | None,
            strawberry.argument(description="The day to judge the grades on (default: today)."),
        ] = None,
        first: Annotated[
            int | None, strawberry.argument(description="How many enterprises (1–500, default 50).")
        ] = None,
        after: Annotated[
            str | None,
            strawberry.argument(
                description="The cursor (enterprise id) of the last enterprise already read."
            ),
        ] = None,
    ) -> CreditGradeConnection:
        ctx = info.context
        ctx.require(Right.READ_PUBLIC)
        page, following = Grades(ctx.store).listing(
            grade, as_of=as_of or ctx.today, first=_first(first, 50), after=after or ""
        )
        edges = [CreditGradeEdge(node=CreditGrade.of(g), cursor=g.subject) for g in page]
        return CreditGradeConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=following is not None,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )

    @strawberry.field(
        description="The alerts of one of the caller's watches, oldest first, after a cursor "
        "(an alert's cursor is its position in the outbox)."
    )
    def alerts(
        self,
        info: Info,
        watch_id: Annotated[
            strawberry.ID, strawberry.argument(description="One of the caller's watches.")
        ],
        first: Annotated[
            int | None, strawberry.argument(description="How many alerts (1–500, default 100).")
        ] = None,
        after: Annotated[
            str | None,
            strawberry.argument(description="The cursor of the last alert already read."),
        ] = None,
    ) -> list[Alert]:
        ctx = info.context
        ctx.require(Right.CHECK)
        service = _service(ctx)
        service.own_watch(str(watch_id), owner=_owner(ctx))
        page = service.alerts(watch_id=str(watch_id), after_seq=_seq(after), first=_first(first))
        return [Alert.of(a) for a in page.records]

    @strawberry.field(
        description="The alerts of one of the caller's watches, oldest first, as a Relay "
        "connection (first/after forwards, last/before backwards)."
    )
    def alerts_connection(
        self,
        info: Info,
        watch_id: Annotated[
            strawberry.ID, strawberry.argument(description="One of the caller's watches.")
        ],
        first: Annotated[int | None, strawberry.argument(description=_FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=_AFTER)] = None,
        last: Annotated[int | None, strawberry.argument(description=_LAST)] = None,
        before: Annotated[str | None, strawberry.argument(description=_BEFORE)] = None,
    ) -> AlertConnection:
        ctx = info.context
        ctx.require(Right.CHECK)
        found = _service(ctx).alerts_of(str(watch_id), owner=_owner(ctx))
        edges, page, total = paged(
            "alert",
            found,
            lambda records, cursors: [
                AlertEdge(node=Alert.of(r), cursor=c) for r, c in zip(records, cursors, strict=True)
            ],
            first=first,
            after=after,
            last=last,
            before=before,
            default=100,
        )
        return AlertConnection(edges=edges, page_info=page, total_count=total)

    @strawberry.field(description="The caller's active watches.")
    def watches(self, info: Info) -> list[Watch]:
        ctx = info.context
        ctx.require(Right.CHECK)
        return [Watch.of(w) for w in _service(ctx).watches(owner=_owner(ctx))]

    @strawberry.field(
        description="The caller's active watches, oldest first, as a Relay connection."
    )
    def watches_connection(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=_FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=_AFTER)] = None,
        last: Annotated[int | None, strawberry.argument(description=_LAST)] = None,
        before: Annotated[str | None, strawberry.argument(description=_BEFORE)] = None,
    ) -> WatchConnection:
        ctx = info.context
        ctx.require(Right.CHECK)
        edges, page, total = paged(
            "watch",
            _service(ctx).watches(owner=_owner(ctx)),
            lambda records, cursors: [
                WatchEdge(node=Watch.of(r), cursor=c) for r, c in zip(records, cursors, strict=True)
            ],
            first=first,
            after=after,
            last=last,
            before=before,
            default=100,
        )
        return WatchConnection(edges=edges, page_info=page, total_count=total)

    @strawberry.field(
        description="Notices addressed to a party (an agency to notify, an enterprise to "
        "remove a barred officer), optionally only those overdue on a day."
    )
    def notifications(
        self,
        info: Info,
        addressee_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only the notices addressed to this party (default: all)."
            ),
        ] = None,
        status: Annotated[
            str | None,
            strawberry.argument(
                description="Only the notices in this status: PENDING, SENT, FAILED, "
                "ACKNOWLEDGED or WITHDRAWN."
            ),
        ] = None,
        overdue_on: Annotated[
            dt.date | None,
            strawberry.argument(
                description="Only the notices not acknowledged and past due on this day."
            ),
        ] = None,
    ) -> list[Notification]:
        ctx = info.context
        ctx.require(Right.READ)
        return [
            Notification.of(n, ctx.today) for n in _notices(ctx, addressee_id, status, overdue_on)
        ]

    @strawberry.field(
        description="Notices addressed to a party, oldest first, as a Relay connection; "
        "the same filters as `notifications`."
    )
    def notifications_connection(
        self,
        info: Info,
        addressee_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only the notices addressed to this party (default: all)."
            ),
        ] = None,
        status: Annotated[
            str | None,
            strawberry.argument(
                description="Only the notices in this status: PENDING, SENT, FAILED, "
                "ACKNOWLEDGED or WITHDRAWN."
            ),
        ] = None,
        overdue_on: Annotated[
            dt.date | None,
            strawberry.argument(
                description="Only the notices neither acknowledged nor withdrawn and past due "
                "on this day."
            ),
        ] = None,
        first: Annotated[int | None, strawberry.argument(description=_FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=_AFTER)] = None,
        last: Annotated[int | None, strawberry.argument(description=_LAST)] = None,
        before: Annotated[str | None, strawberry.argument(description=_BEFORE)] = None,
    ) -> NotificationConnection:
        ctx = info.context
        ctx.require(Right.READ)
        edges, page, total = paged(
            "notification",
            _notices(ctx, addressee_id, status, overdue_on),
            lambda records, cursors: [
                NotificationEdge(node=Notification.of(r, ctx.today), cursor=c)
                for r, c in zip(records, cursors, strict=True)
            ],
            first=first,
            after=after,
            last=last,
            before=before,
            default=100,
        )
        return NotificationConnection(edges=edges, page_info=page, total_count=total)

    @strawberry.field(description="Feedback counts by measure, agency and month (反馈统计).")
    def feedback_counts(self, info: Info) -> list[FeedbackCount]:
        ctx = info.context
        ctx.require(Right.READ_PUBLIC)
        return [
            FeedbackCount(
                measure=c["measure"],
                agency=strawberry.ID(c["agency"]),
                month=c["month"],
                count=c["count"],
            )
            for c in _service(ctx).feedback_counts()
        ]

    @strawberry.field(description="A party's credit commitments and their performance.")
    def commitments(
        self,
        info: Info,
        subject_id: Annotated[
            strawberry.ID, strawberry.argument(description="The enterprise or person.")
        ],
        on: Annotated[
            dt.date | None,
            strawberry.argument(description="The day to judge performance on (default: today)."),
        ] = None,
    ) -> list[Commitment]:
        ctx = info.context
        ctx.require(Right.READ_PUBLIC)
        node = ctx.node(str(subject_id))
        if node is not None and not ctx.visible(node):
            ctx.require(Right.READ)  # a person's commitments are not public facts
        if node is not None:
            ctx.touch_nodes(info, [node])
        return [
            Commitment(
                id=strawberry.ID(c["id"]),
                matter=c["matter"],
                date=dt.date.fromisoformat(c["date"]),
                authority=c["authority"],
                entails=c["entails"],
                deadline=_day(c["deadline"]),
                status=c["status"],
                breaches=[
                    CommitmentBreach(id=b["id"], date=dt.date.fromisoformat(b["date"]))
                    for b in c["breaches"]
                ],
            )
            for c in _service(ctx).commitments(str(subject_id), on=on or ctx.today)
        ]


@strawberry.type
class MonitoringMutation:
    @strawberry.mutation(
        description="Watch a party (SUBJECT), every office holder of an enterprise "
        "(OFFICE_HOLDERS), or both (ALL): each change becomes an alert, in the feed and, "
        "with a webhook, POSTed signed (X-Creditgraph-Signature) with an Idempotency-Key."
    )
    def watch(
        self,
        info: Info,
        input: Annotated[
            WatchInput,
            strawberry.argument(
                description="The party, the scope and the webhook, and the client mutation id."
            ),
        ],
    ) -> WatchPayload:
        ctx = info.context
        ctx.require(Right.WRITE if input.inbox else Right.CHECK)
        ctx.writing = True
        record = _service(ctx).watch(
            str(input.subject_id),
            inbox=input.inbox,
            scope=input.scope.value,
            owner=_owner(ctx),
            webhook=input.webhook,
            secret=input.secret,
            label=input.label,
        )
        return WatchPayload(watch=Watch.of(record), client_mutation_id=input.client_mutation_id)

    @strawberry.mutation(description="Stop a watch (its past alerts stay).")
    def unwatch(
        self,
        info: Info,
        input: Annotated[
            UnwatchInput, strawberry.argument(description="The watch, and the client mutation id.")
        ],
    ) -> WatchPayload:
        ctx = info.context
        ctx.require(Right.CHECK)
        ctx.writing = True
        record = _service(ctx).unwatch(str(input.watch_id), owner=_owner(ctx))
        return WatchPayload(watch=Watch.of(record), client_mutation_id=input.client_mutation_id)

    @strawberry.mutation(
        description="Report what was done with a decision (反馈): kept with its dataVersion."
    )
    def record_feedback(
        self,
        info: Info,
        input: Annotated[
            FeedbackInput,
            strawberry.argument(description="The report, and the client mutation id."),
        ],
    ) -> RecordFeedbackPayload:
        ctx = info.context
        ctx.require(Right.CHECK)
        ctx.writing = True
        record = _service(ctx).record_feedback(
            subject=str(input.subject_id),
            measure=str(input.measure.value if isinstance(input.measure, Enum) else input.measure),
            agency=str(input.agency_id),
            date=input.date,
            matter=input.matter,
            case_number=input.case_number,
            data_version=input.data_version,
            by=_owner(ctx),
            client_id=input.client_mutation_id,
        )
        return RecordFeedbackPayload(
            feedback=Feedback.of(record), client_mutation_id=input.client_mutation_id
        )

    @strawberry.mutation(description="The addressee confirms a notice (→ ACKNOWLEDGED).")
    def acknowledge_notification(
        self,
        info: Info,
        input: Annotated[
            AcknowledgeNotificationInput,
            strawberry.argument(description="The notice, and the client mutation id."),
        ],
    ) -> AcknowledgeNotificationPayload:
        ctx = info.context
        ctx.require(Right.READ)
        ctx.writing = True
        record = _service(ctx).acknowledge(
            str(input.notification_id), by=_owner(ctx), note=input.note
        )
        return AcknowledgeNotificationPayload(
            notification=Notification.of(record, ctx.today),
            client_mutation_id=input.client_mutation_id,
        )


@strawberry.type(description="Live feeds, over WebSocket (graphql-transport-ws).")
class Subscription:
    @strawberry.subscription(
        description="Changes as they are committed (of these parties, or of all), over "
        "WebSocket (graphql-transport-ws). Roles: investigator, steward."
    )
    async def decision_changed(
        self,
        info: Info,
        subject_ids: Annotated[
            list[strawberry.ID] | None,
            strawberry.argument(description="Only the changes of these parties (default: all)."),
        ] = None,
        since: Annotated[
            str | None,
            strawberry.argument(
                description="Resume after this dataVersion (a reconnecting client misses "
                "nothing); default: changes from now on."
            ),
        ] = None,
    ) -> AsyncGenerator[Change, None]:
        ctx = info.context
        ctx.require(Right.READ)
        service = _service(ctx)
        subjects = [str(s) for s in subject_ids] if subject_ids is not None else None
        loop = asyncio.get_running_loop()
        if since is None:
            since = await loop.run_in_executor(None, ctx.store.data_version)
        after = 0
        while True:
            page = await loop.run_in_executor(
                None,
                functools.partial(
                    service.changes, since, first=MAX_PAGE, after_seq=after, subjects=subjects
                ),
            )
            for record in page.records:
                after = record.seq
                yield Change.of(record)
            if not page.has_next:
                # changes may come from another process (a load): the store is looked at again
                await asyncio.sleep(SUBSCRIPTION_POLL_S)
