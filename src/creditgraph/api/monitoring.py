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
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from creditgraph.api.access import Right
from creditgraph.api.context import ApiContext
from creditgraph.api.enums import Measure
from creditgraph.api.types import PageInfo, Reason
from creditgraph.domain.model import Restriction
from creditgraph.monitoring.grades import CreditGrade as DomainGrade
from creditgraph.monitoring.grades import Grades
from creditgraph.monitoring.react import ACKNOWLEDGED, PENDING, SENT
from creditgraph.monitoring.service import Monitoring, public_watch
from creditgraph.service.decisions import Reason as DomainReason
from creditgraph.service.errors import InvalidArgument, UnknownId
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


# --- the change feed ---------------------------------------------------------------------


@strawberry.type(
    description="A party's standing on a day, without a particular role or "
    "activity in mind: DENY while a confirmed measure bars it from anything."
)
class Standing:
    decision: str
    measures: list[str]
    incentives: list[str]
    incentives_withheld: list[str]

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
    restriction_id: strawberry.ID
    measure: str
    rule: str
    legal_basis: str
    from_: dt.date = strawberry.field(name="from")
    until: dt.date | None
    certainty: str
    event_id: strawberry.ID
    event_kind: str
    ended_by: strawberry.ID | None
    voided_by: strawberry.ID | None

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


@strawberry.type(description="A change of a party's restrictions, committed in one write.")
class Change:
    id: strawberry.ID
    subject: strawberry.ID
    subject_type: str | None
    subject_name: str | None
    change: str = strawberry.field(
        description="RESTRICTED, RESTORED, INCENTIVE_GRANTED, INCENTIVE_WITHDRAWN or UPDATED."
    )
    before: Standing
    after: Standing
    added: list[ChangedMeasure]
    lifted: list[ChangedMeasure]
    reason: str
    data_version: str = strawberry.field(description="The write that made the change.")
    on: dt.date = strawberry.field(description="The day the standings are judged on.")

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
        )


@strawberry.type
class ChangeEdge:
    node: Change
    cursor: str


@strawberry.type(description="A change delivered to a watch (in the outbox).")
class Alert:
    id: strawberry.ID = strawberry.field(description="Also the webhook's Idempotency-Key.")
    watch_id: strawberry.ID
    status: str = strawberry.field(description="PENDING, SENT, FAILED, or FEED_ONLY (no webhook).")
    via_role: str | None = strawberry.field(description="The office through which it reached.")
    via_enterprise: strawberry.ID | None
    change: Change

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


@strawberry.type
class ChangeConnection:
    edges: list[ChangeEdge]
    page_info: PageInfo
    data_version: str = strawberry.field(
        description="The store's data version now: pass it as `since` to read on from here."
    )


# --- grades ------------------------------------------------------------------------------


@strawberry.type
class GradeReason:
    condition: str
    text: str
    restriction: Reason | None
    event_id: strawberry.ID | None


@strawberry.type(description="The credit grade of an enterprise on a day (seed 003 §(七)).")
class CreditGrade:
    subject: strawberry.ID
    grade: str
    title: str
    inspection_ratio: float = strawberry.field(
        description="The share of the grade's enterprises drawn in a random inspection."
    )
    as_of: dt.date
    reasons: list[GradeReason]
    data_version: str

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


@strawberry.type
class CreditGradeEdge:
    node: CreditGrade
    cursor: str


@strawberry.type
class CreditGradeConnection:
    edges: list[CreditGradeEdge]
    page_info: PageInfo


# --- watches, notices, feedback, commitments ------------------------------------------------


@strawberry.type(description="A watch: changes of the parties it covers become alerts.")
class Watch:
    id: strawberry.ID
    target: strawberry.ID
    scope: WatchScope
    owner: str
    webhook: str | None
    label: str | None
    inbox: bool
    active: bool

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
    id: strawberry.ID
    addressee: strawberry.ID
    notice: str = strawberry.field(description="NOTIFICATION_DUTY or REMOVAL.")
    title: str
    status: str = strawberry.field(description="PENDING, SENT or ACKNOWLEDGED.")
    due: dt.date | None
    measure: str | None
    person: strawberry.ID | None
    role: str | None
    legal_basis: str | None
    acknowledged_by: str | None
    overdue: bool

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
            overdue=record.status != ACKNOWLEDGED and due is not None and due < today,
        )


@strawberry.type(description="What an approval system did with a decision (反馈).")
class Feedback:
    id: strawberry.ID
    subject: strawberry.ID
    measure: str
    agency: strawberry.ID
    date: dt.date
    matter: str
    case_number: str | None
    data_version: str

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


@strawberry.type
class FeedbackCount:
    measure: str
    agency: strawberry.ID
    month: str
    count: int


@strawberry.type
class CommitmentBreach:
    id: strawberry.ID
    date: dt.date


@strawberry.type(description="A credit commitment (信用承诺) and how it was performed.")
class Commitment:
    id: strawberry.ID
    matter: str
    date: dt.date
    authority: strawberry.ID | None
    entails: str
    deadline: dt.date | None
    status: str = strawberry.field(description="IN_FORCE, KEPT or BREACHED.")
    breaches: list[CommitmentBreach]


# --- mutations' inputs and payloads -----------------------------------------------------------


@strawberry.input
class WatchInput:
    subject_id: strawberry.ID
    scope: WatchScope = WatchScope.SUBJECT
    webhook: str | None = strawberry.field(
        default=None, description="Where alerts are POSTed (signed with `secret`)."
    )
    secret: str | None = strawberry.field(
        default=None, description="The HMAC-SHA256 signing secret; never shown again."
    )
    label: str | None = None
    inbox: bool = strawberry.field(
        default=False,
        description="The webhook is the party's own inbox: notices addressed to it are "
        "delivered there too (role: steward).",
    )
    client_mutation_id: str | None = None


@strawberry.type
class WatchPayload:
    watch: Watch
    client_mutation_id: str | None


@strawberry.input
class UnwatchInput:
    watch_id: strawberry.ID
    client_mutation_id: str | None = None


@strawberry.input
class FeedbackInput:
    subject_id: strawberry.ID
    measure: Measure
    agency_id: strawberry.ID
    date: dt.date
    matter: str
    data_version: str = strawberry.field(description="The dataVersion of the decision acted on.")
    case_number: str | None = None
    client_mutation_id: str | None = strawberry.field(
        default=None, description="Sent again on a retry, the report is recorded once."
    )


@strawberry.type
class RecordFeedbackPayload:
    feedback: Feedback
    client_mutation_id: str | None


@strawberry.input
class AcknowledgeNotificationInput:
    notification_id: strawberry.ID
    note: str | None = None
    client_mutation_id: str | None = None


@strawberry.type
class AcknowledgeNotificationPayload:
    notification: Notification
    client_mutation_id: str | None


def _owner(ctx: ApiContext) -> str:
    return ctx.principal.name if ctx.principal else "anonymous"


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
        since: str,
        first: int | None = None,
        after: str | None = None,
        subject_ids: list[strawberry.ID] | None = None,
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
        self, info: Info, subject_id: strawberry.ID, as_of: dt.date | None = None
    ) -> CreditGrade:
        ctx = info.context
        ctx.require(Right.READ_PUBLIC)
        return CreditGrade.of(Grades(ctx.store).grade(str(subject_id), as_of=as_of or ctx.today))

    @strawberry.field(description="The enterprises of one grade on a day, in id order.")
    def credit_grades(
        self,
        info: Info,
        grade: str,
        as_of: dt.date | None = None,
        first: int | None = None,
        after: str | None = None,
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
        watch_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
    ) -> list[Alert]:
        ctx = info.context
        ctx.require(Right.CHECK)
        service = _service(ctx)
        if str(watch_id) not in {w.id for w in service.watches(owner=_owner(ctx))}:
            raise UnknownId(f"unknown watch {str(watch_id)!r}")
        page = service.alerts(watch_id=str(watch_id), after_seq=_seq(after), first=_first(first))
        return [Alert.of(a) for a in page.records]

    @strawberry.field(description="The caller's active watches.")
    def watches(self, info: Info) -> list[Watch]:
        ctx = info.context
        ctx.require(Right.CHECK)
        return [Watch.of(w) for w in _service(ctx).watches(owner=_owner(ctx))]

    @strawberry.field(
        description="Notices addressed to a party (an agency to notify, an enterprise to "
        "remove a barred officer), optionally only those overdue on a day."
    )
    def notifications(
        self,
        info: Info,
        addressee_id: strawberry.ID | None = None,
        status: str | None = None,
        overdue_on: dt.date | None = None,
    ) -> list[Notification]:
        ctx = info.context
        ctx.require(Right.READ)
        if status is not None and status not in (PENDING, SENT, ACKNOWLEDGED):
            raise InvalidArgument("status must be PENDING, SENT or ACKNOWLEDGED")
        found = _service(ctx).notices(
            addressee=str(addressee_id) if addressee_id else None,
            statuses=[status] if status else None,
            overdue_on=overdue_on,
        )
        return [Notification.of(n, ctx.today) for n in found]

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
        self, info: Info, subject_id: strawberry.ID, on: dt.date | None = None
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
    def watch(self, info: Info, input: WatchInput) -> WatchPayload:
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
    def unwatch(self, info: Info, input: UnwatchInput) -> WatchPayload:
        ctx = info.context
        ctx.require(Right.CHECK)
        ctx.writing = True
        record = _service(ctx).unwatch(str(input.watch_id), owner=_owner(ctx))
        return WatchPayload(watch=Watch.of(record), client_mutation_id=input.client_mutation_id)

    @strawberry.mutation(
        description="Report what was done with a decision (反馈): kept with its dataVersion."
    )
    def record_feedback(self, info: Info, input: FeedbackInput) -> RecordFeedbackPayload:
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
        self, info: Info, input: AcknowledgeNotificationInput
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


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Changes as they are committed (of these parties, or of all), over "
        "WebSocket (graphql-transport-ws). Roles: investigator, steward."
    )
    async def decision_changed(
        self,
        info: Info,
        subject_ids: list[strawberry.ID] | None = None,
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
