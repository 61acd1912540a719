"""What a change of restrictions means, computed inside the store's write transaction.

A store calls :func:`react` after re-deriving events, with the restrictions those events
had before and have now. The records returned (change-feed entries, alerts, notices) are
written by the store in the same transaction as the restrictions: a transactional outbox.
A crash after the commit leaves them pending for the delivery worker; a crash before it
leaves neither the change nor its alerts.

"Standing" is a subject's position as of a day without a particular role or activity in
mind: DENY while a confirmed measure bars it from anything, REVIEW while a measure puts
something under review or an unconfirmed one would bar it, else ALLOW; with the measures
and incentives in force. Changes are judged on the day of the write (``today``); a bar
that merely starts or runs out with the calendar is not a write and raises no alert.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from creditgraph.domain.model import Certainty, Link, Node, Restriction, Verdict
from creditgraph.monitoring.config import supervision
from creditgraph.rules.engine import GraphView
from creditgraph.schema import GraphSchema
from creditgraph.store.base import OUT, MonitorRecord

CHANGE, ALERT, NOTICE, WATCH, FEEDBACK = "change", "alert", "notice", "watch", "feedback"
# watch scopes: the party itself, every office holder of an enterprise, or both
SUBJECT, OFFICE_HOLDERS, ALL = "SUBJECT", "OFFICE_HOLDERS", "ALL"
# outbox statuses: PENDING waits for delivery (or, without a webhook, for the feed reader);
# SENT was accepted by the receiver; ACKNOWLEDGED (notices) was confirmed by the addressee
PENDING, SENT, ACKNOWLEDGED, FEED_ONLY = "PENDING", "SENT", "ACKNOWLEDGED", "FEED_ONLY"
# a notice whose restriction was voided, ended early or is no longer derived: nothing is
# due any more (never overdue); the notice keeps why
WITHDRAWN = "WITHDRAWN"
# delivery gave up on the message (creditgraph.monitoring.delivery); it stays listed
FAILED = "FAILED"
# every status a notice takes is in one of these two: a notice something is still due on
# (a withdrawal reads only these, not every notice ever sent), and one nothing more is due on
# (never overdue)
OPEN_NOTICE = (PENDING, SENT, FAILED)
CLOSED = (ACKNOWLEDGED, WITHDRAWN)


class ReactView(GraphView, Protocol):
    def restrictions_of(
        self, subjects: Sequence[str], known: Mapping[str, Restriction]
    ) -> list[Restriction]:
        """Every restriction now on these subjects (inside the transaction); those in
        ``known`` (just derived) are taken from it rather than read back."""
        ...

    def nodes_of(self, node_ids: Sequence[str]) -> Mapping[str, Node]: ...

    def watches_on(self, targets: Sequence[str]) -> list[MonitorRecord]:
        """The active watches on these parties."""
        ...

    def open_notices(self, restriction_ids: Sequence[str]) -> list[MonitorRecord]:
        """The notices announcing one of these restrictions that are not acknowledged nor
        withdrawn, OPEN_NOTICE (inside the transaction)."""
        ...


def _signature(r: Restriction) -> tuple[Any, ...]:
    return (r.measure, r.start, r.until, r.certainty, r.ended_by, r.voided_by)


def standing(
    restrictions: Iterable[Restriction], schema: GraphSchema, today: dt.date
) -> dict[str, Any]:
    """A subject's standing that day (see the module docstring), as JSON."""
    in_force = [r for r in restrictions if r.in_force_on(today)]
    verdict = Verdict.ALLOW
    measures, incentives = set(), set()
    vetoed = False
    for r in in_force:
        measure = schema.measures.get(r.measure)
        if measure is None:
            continue
        if measure.incentive:
            incentives.add(r.measure)
            continue
        measures.add(r.measure)
        bars = bool(measure.bars_roles or measure.bars_activities)
        confirmed = r.certainty is Certainty.CONFIRMED
        if bars and confirmed:
            verdict = Verdict.DENY
            vetoed = True
        elif verdict is Verdict.ALLOW and (
            bars or measure.review_roles or measure.review_activities
        ):
            verdict = Verdict.REVIEW
        if measure.vetoes_incentives and confirmed:
            vetoed = True
    return {
        "decision": verdict.value,
        "measures": sorted(measures),
        "incentives": [] if vetoed else sorted(incentives),
        "incentives_withheld": sorted(incentives) if vetoed else [],
    }


def summary(r: Restriction) -> dict[str, Any]:
    return {
        "id": r.id,
        "measure": r.measure,
        "rule": r.rule,
        "legal_basis": r.legal_basis,
        "from": r.start.isoformat(),
        "until": r.until.isoformat() if r.until else None,
        "certainty": r.certainty.value,
        "event": {
            "id": r.event_id,
            "kind": r.event_kind,
            "subject": r.event_subject,
            "date": r.event_date.isoformat(),
        },
        "ended_by": r.ended_by,
        "voided_by": r.voided_by,
    }


def change_kind(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    added = set(after["measures"]) - set(before["measures"])
    removed = set(before["measures"]) - set(after["measures"])
    if added:
        return "RESTRICTED"
    if removed:
        return "RESTORED"
    if set(after["incentives"]) - set(before["incentives"]):
        return "INCENTIVE_GRANTED"
    if set(before["incentives"]) - set(after["incentives"]):
        return "INCENTIVE_WITHDRAWN"
    return "UPDATED"


def describe(r: Restriction) -> str:
    return f"{r.measure} ({r.rule}; {r.legal_basis}) from {r.event_kind} {r.event_id}"


def _reason(kind: str, added: list[Restriction], lifted: list[Restriction]) -> str:
    parts = [f"new: {describe(r)}" for r in added]
    for r in lifted:
        how = (
            f"voided by {r.voided_by}"
            if r.voided_by
            else f"ended by {r.ended_by}"
            if r.ended_by
            else "no longer derived"
        )
        parts.append(f"lifted: {describe(r)}, {how}")
    return f"{kind}: " + "; ".join(parts) if parts else kind


def key(*parts: str) -> str:
    return hashlib.sha1("|".join(parts).encode("utf-8")).hexdigest()[:24]


def _touched(
    before_by_id: Mapping[str, Restriction], after_by_id: Mapping[str, Restriction]
) -> dict[str, tuple[list[Restriction], list[Restriction]]]:
    """Per subject whose restrictions changed: (as they were, as they are) of those that did."""
    touched: dict[str, tuple[list[Restriction], list[Restriction]]] = defaultdict(lambda: ([], []))
    for rid, r in after_by_id.items():
        previous = before_by_id.get(rid)
        if previous is None or _signature(previous) != _signature(r):
            touched[r.subject][1].append(r)
            if previous is not None:
                touched[r.subject][0].append(previous)
    for rid, r in before_by_id.items():
        if rid not in after_by_id:
            touched[r.subject][0].append(r)
    return touched


def changed_subjects(old: Sequence[Restriction], new: Sequence[Restriction]) -> set[str]:
    """The subjects :func:`react` reports on: those with a restriction added, gone or
    changed (a re-derivation mostly derives what was stored, which reports nothing)."""
    return set(_touched({r.id: r for r in old}, {r.id: r for r in new}))


def react(
    view: ReactView,
    schema: GraphSchema,
    old: Sequence[Restriction],
    new: Sequence[Restriction],
    *,
    version: int,
    today: dt.date,
) -> list[MonitorRecord]:
    """The change-feed entries, alerts and notices a re-derivation produces."""
    before_by_id = {r.id: r for r in old}
    after_by_id = {r.id: r for r in new}
    touched = _touched(before_by_id, after_by_id)
    if not touched:
        return []
    subjects = sorted(touched)
    now_on: dict[str, list[Restriction]] = defaultdict(list)
    for r in view.restrictions_of(subjects, after_by_id):
        now_on[r.subject].append(r)
    nodes = view.nodes_of(subjects)

    records: list[MonitorRecord] = []
    changes: dict[str, MonitorRecord] = {}
    withdrawn: dict[str, list[Restriction]] = {}
    config = supervision(schema)
    for subject in subjects:
        was, became = touched[subject]
        current = now_on.get(subject, [])
        replaced = {r.id for r in became} | {r.id for r in was}
        previous_set = [r for r in current if r.id not in replaced] + [
            before_by_id[i] for i in replaced if i in before_by_id
        ]
        before = standing(previous_set, schema, today)
        after = standing(current, schema, today)
        added = [
            r
            for r in became
            if r.in_force_on(today)
            and not ((prev := before_by_id.get(r.id)) and prev.in_force_on(today))
        ]
        # the lifted ones as they are now: their ended_by / voided_by say why
        lifted = [
            r
            for r in became
            if r.id in before_by_id
            and before_by_id[r.id].in_force_on(today)
            and not r.in_force_on(today)
        ] + [r for r in was if r.id not in after_by_id and r.in_force_on(today)]
        kind = change_kind(before, after)
        node = nodes.get(subject)
        gone = [r for r in became if _newly_gone(r, before_by_id.get(r.id))] + [
            r for r in was if r.id not in after_by_id
        ]
        withdrawn[subject] = gone
        change = change_record(
            subject,
            node,
            kind,
            (before, after),
            (added, lifted),
            _reason(kind, added, lifted),
            version=version,
            today=today,
        )
        changes[subject] = change
        records.append(change)
        records.extend(_duty_notices(became, before_by_id, config.duty_notices, version))

    if any(withdrawn.values()):
        records.extend(_withdrawals(view, changes, withdrawn, version, after_by_id))
    records.extend(outbox(view, schema, changes, touched, version=version, today=today))
    return attach_inboxes(view, records)


def change_record(
    subject: str,
    node: Node | None,
    kind: str,
    standings: tuple[Mapping[str, Any], Mapping[str, Any]],
    measures: tuple[Sequence[Restriction], Sequence[Restriction]],
    reason: str,
    *,
    version: int,
    today: dt.date,
    cause: str | None = None,
) -> MonitorRecord:
    """A change-feed entry: the standings (before, after) and the measures (added, lifted).
    ``cause`` "calendar": no write made it (:mod:`creditgraph.monitoring.calendar`)."""
    before, after = standings
    added, lifted = measures
    data: dict[str, Any] = {
        "subject": subject,
        "subject_type": node.type if node else None,
        "subject_name": node.name if node else None,
        "change": kind,
        "before": before,
        "after": after,
        "added": [summary(r) for r in added],
        "lifted": [summary(r) for r in lifted],
        "reason": reason,
        "data_version": str(version),
        "on": today.isoformat(),
        "notices_withdrawn": [],
    }
    if cause is not None:
        data["cause"] = cause
    return MonitorRecord(
        kind=CHANGE,
        id=f"{version}:{subject}",
        subject=subject,
        status=None,
        version=version,
        data=data,
    )


def _newly_gone(now: Restriction, before: Restriction | None) -> bool:
    """Voided, or ended early (repaired, delisted), by this write."""
    if before is None:
        return False
    return (now.voided_by is not None and before.voided_by is None) or (
        now.ended_by is not None and before.ended_by is None
    )


def announced(record: MonitorRecord) -> str | None:
    """The id of the restriction a notice announces (the store indexes notices by it)."""
    if record.kind != NOTICE:
        return None
    restriction = record.data.get("restriction")
    return str(restriction["id"]) if isinstance(restriction, Mapping) else None


def _withdrawals(
    view: ReactView,
    changes: Mapping[str, MonitorRecord],
    gone: Mapping[str, list[Restriction]],
    version: int,
    after_by_id: Mapping[str, Restriction],
) -> list[MonitorRecord]:
    """The open notices announcing a restriction that is gone, as WITHDRAWN (an update of
    the notice: see :func:`outbox_writes`), each named in its subject's change."""
    by_restriction = {r.id: r for rs in gone.values() for r in rs}
    found = []
    for notice in view.open_notices(sorted(by_restriction)):
        rid = announced(notice)
        r = by_restriction.get(rid) if rid is not None else None
        if r is None:
            continue
        if r.voided_by:
            why = f"voided by {r.voided_by}"
        elif r.ended_by:
            why = f"ended early by {r.ended_by}"
        else:
            why = "no longer derived" if rid not in after_by_id else "lifted"
        reason = f"{r.measure} on {r.subject} ({r.rule}; event {r.event_id}) {why}"
        changes[r.subject].data["notices_withdrawn"].append({"id": notice.id, "reason": reason})
        found.append(
            MonitorRecord(
                NOTICE,
                notice.id,
                notice.subject,
                WITHDRAWN,
                {
                    **notice.data,
                    "withdrawn_reason": reason,
                    "withdrawn_version": version,
                    "status_before": notice.status,
                },
                notice.due,
                notice.seq,
                notice.version,
            )
        )
    return found


def outbox_writes(
    records: Sequence[MonitorRecord],
) -> tuple[list[MonitorRecord], list[tuple[str, str, str | None, Mapping[str, Any]]]]:
    """What a store does with :func:`react`'s records: (records to insert, (kind, id, status,
    data) updates). A WITHDRAWN notice is an existing notice changed, never a new one."""
    inserts = [r for r in records if not (r.kind == NOTICE and r.status == WITHDRAWN)]
    updates: list[tuple[str, str, str | None, Mapping[str, Any]]] = [
        (r.kind, r.id, r.status, r.data)
        for r in records
        if r.kind == NOTICE and r.status == WITHDRAWN
    ]
    return inserts, updates


class OutboxView(Protocol):
    def links_of(self, node_id: str, rels: frozenset[str], direction: str) -> Sequence[Link]: ...

    def watches_on(self, targets: Sequence[str]) -> list[MonitorRecord]: ...


def outbox(
    view: OutboxView,
    schema: GraphSchema,
    changes: Mapping[str, MonitorRecord],
    touched: Mapping[str, tuple[Sequence[Restriction], Sequence[Restriction]]],
    *,
    version: int,
    today: dt.date,
) -> list[MonitorRecord]:
    """What the changes of the feed send out: removal notices for the persons newly barred
    from an office they hold, and an alert per watch that covers a changed party (also
    used by the calendar's changes, :mod:`creditgraph.monitoring.calendar`)."""
    records: list[MonitorRecord] = []
    subjects = sorted(changes)
    office = _offices(
        view,
        schema,
        [s for s in subjects if changes[s].data.get("subject_type") == "person"],
        today,
    )
    records.extend(
        _removal_notices(changes, touched, office, schema, supervision(schema), version, today)
    )
    targets = sorted(set(subjects) | {link.dst for held in office.values() for link in held})
    watches = view.watches_on(targets) if targets else []
    by_target: dict[str, list[MonitorRecord]] = defaultdict(list)
    for watch in watches:
        if watch.subject:
            by_target[watch.subject].append(watch)
    for subject, change in changes.items():
        reached: dict[str, dict[str, Any]] = {}
        for watch in by_target.get(subject, ()):
            if watch.data.get("scope") in (SUBJECT, ALL):
                reached.setdefault(watch.id, {"watch": watch, "via": None})
        for link in office.get(subject, ()):
            for watch in by_target.get(link.dst, ()):
                if watch.data.get("scope") in (OFFICE_HOLDERS, ALL):
                    reached.setdefault(
                        watch.id,
                        {"watch": watch, "via": {"role": link.rel, "enterprise": link.dst}},
                    )
        for hit in reached.values():
            watch = hit["watch"]
            webhook = watch.data.get("webhook")
            records.append(
                MonitorRecord(
                    kind=ALERT,
                    id=key(watch.id, change.id),
                    subject=subject,
                    status=PENDING if webhook else FEED_ONLY,
                    version=version,
                    data={
                        "watch": watch.id,
                        "owner": watch.data.get("owner"),
                        "webhook": webhook,
                        "via": hit["via"],
                        "change": change.data,
                        "attempts": 0,
                        "next_attempt": None,
                    },
                )
            )
    return records


def attach_inboxes(view: OutboxView, records: Sequence[MonitorRecord]) -> list[MonitorRecord]:
    """The notices given the webhook of their addressee's inbox watch, if it has one."""
    # a notice goes to the addressee's own endpoint: an inbox watch (registered by a steward
    # for the agency or enterprise itself); a third party watching the same party gets
    # alerts, never the notices meant for it
    addressees = sorted({r.subject for r in records if r.kind == NOTICE and r.subject})
    hooks: dict[str, MonitorRecord] = {}
    if addressees:
        for watch in view.watches_on(addressees):
            if watch.data.get("webhook") and watch.subject and watch.data.get("inbox"):
                hooks.setdefault(watch.subject, watch)
    return [
        MonitorRecord(
            r.kind,
            r.id,
            r.subject,
            r.status,
            {**r.data, "webhook": hooks[r.subject].data["webhook"], "watch": hooks[r.subject].id},
            r.due,
            r.seq,
            r.version,
        )
        if r.kind == NOTICE and r.subject in hooks
        else r
        for r in records
    ]


def _duty_notices(
    became: Sequence[Restriction],
    before_by_id: Mapping[str, Restriction],
    duties: Mapping[str, Any],
    version: int,
) -> list[MonitorRecord]:
    notices = []
    for r in became:
        spec = duties.get(r.measure)
        if spec is None or r.voided_by is not None or r.id in before_by_id:
            continue
        notices.append(
            MonitorRecord(
                kind=NOTICE,
                id="n:" + r.id,
                subject=r.subject,
                status=PENDING,
                due=(r.event_date + dt.timedelta(days=spec.due_days)).isoformat(),
                version=version,
                data={
                    "notice": "NOTIFICATION_DUTY",
                    "addressee": r.subject,
                    "title": spec.title,
                    "measure": r.measure,
                    "restriction": summary(r),
                    "concerning": r.event_subject,
                    "attempts": 0,
                    "next_attempt": None,
                },
            )
        )
    return notices


def _offices(
    view: OutboxView, schema: GraphSchema, persons: Sequence[str], today: dt.date
) -> dict[str, list[Link]]:
    """The offices (role links) each changed person holds today."""
    roles = frozenset(schema.roles) & frozenset(schema.links)
    held: dict[str, list[Link]] = {}
    for subject in persons:
        links = [link for link in view.links_of(subject, roles, OUT) if link.holds_on(today)]
        if links:
            held[subject] = sorted(links, key=lambda link: (link.dst, link.rel))
    return held


def _removal_notices(
    changes: Mapping[str, MonitorRecord],
    touched: Mapping[str, tuple[Sequence[Restriction], Sequence[Restriction]]],
    office: Mapping[str, list[Link]],
    schema: GraphSchema,
    config: Any,
    version: int,
    today: dt.date,
) -> list[MonitorRecord]:
    notices = []
    for person, links in office.items():
        if person not in changes:
            continue
        by_rel: dict[str, list[Link]] = defaultdict(list)
        for link in links:
            by_rel[link.rel].append(link)
        for r in touched[person][1]:
            measure = schema.measures.get(r.measure)
            if (
                measure is None
                or not measure.bars_roles & by_rel.keys()
                or r.certainty is not Certainty.CONFIRMED
                or not r.in_force_on(today)
            ):
                continue
            for link in (k for rel in sorted(measure.bars_roles) for k in by_rel.get(rel, ())):
                # the office in the sanctioned enterprise itself is the cause, not a breach
                if link.dst == r.event_subject:
                    continue
                notices.append(
                    MonitorRecord(
                        kind=NOTICE,
                        id="n:removal:" + key(r.id, link.rel, link.dst, person),
                        subject=link.dst,
                        status=PENDING,
                        due=(today + dt.timedelta(days=config.removal.due_days)).isoformat(),
                        version=version,
                        data={
                            "notice": "REMOVAL",
                            "addressee": link.dst,
                            "title": config.removal.title,
                            "legal_basis": config.removal.legal_basis,
                            "person": person,
                            "role": link.rel,
                            "since": link.valid_from.isoformat() if link.valid_from else None,
                            "measure": r.measure,
                            "restriction": summary(r),
                            "attempts": 0,
                            "next_attempt": None,
                        },
                    )
                )
    return notices
