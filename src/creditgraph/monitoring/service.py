"""Watches, the change feed, notices and feedback: the service the API and CLI call."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from creditgraph.domain.identifiers import contains_resident_id
from creditgraph.domain.model import Event, Node
from creditgraph.identity import canonical_node, stored_or_alias
from creditgraph.monitoring.react import (
    ACKNOWLEDGED,
    ALERT,
    ALL,
    CHANGE,
    CLOSED,
    FEEDBACK,
    NOTICE,
    OFFICE_HOLDERS,
    SUBJECT,
    WATCH,
)
from creditgraph.rules.engine import standing_lifts
from creditgraph.service.errors import InvalidArgument, UnknownId
from creditgraph.store.base import GraphStore, MonitorRecord

SCOPES = (SUBJECT, OFFICE_HOLDERS, ALL)
ACTIVE, REMOVED = "ACTIVE", "REMOVED"
MIN_SECRET = 16
MAX_TEXT = 500


@dataclass(frozen=True)
class Page:
    records: list[MonitorRecord]
    has_next: bool


def _text(name: str, value: str | None, *, required: bool = True) -> str | None:
    if value is None or not value.strip():
        if required:
            raise InvalidArgument(f"{name}: required")
        return None
    if len(value) > MAX_TEXT:
        raise InvalidArgument(f"{name}: at most {MAX_TEXT} characters")
    return value.strip()


def party(store: GraphStore, node_id: str, field: str = "subjectId") -> Node:
    """The node an id names — an alias gives its person — or UnknownId (an id that holds an
    identity number is never repeated back)."""
    node = stored_or_alias(store, node_id)
    if node is None:
        if contains_resident_id(node_id):
            raise InvalidArgument(f"{field}: that id holds a resident identity number")
        raise UnknownId(f"{field}: unknown id {node_id!r}")
    return node


class Monitoring:
    def __init__(self, store: GraphStore, *, today: Callable[[], dt.date] = dt.date.today) -> None:
        self.store = store
        self.today = today

    # watches -------------------------------------------------------------------
    def watch(
        self,
        target: str,
        *,
        scope: str = SUBJECT,
        owner: str,
        webhook: str | None = None,
        secret: str | None = None,
        label: str | None = None,
        inbox: bool = False,
    ) -> MonitorRecord:
        """``inbox``: the webhook is the party's own, and receives the notices addressed to
        it (duties to notify, removal notices) as well as alerts."""
        node = party(self.store, target)
        target = node.id
        if scope not in SCOPES:
            raise InvalidArgument(f"scope: {scope!r} is not one of {', '.join(SCOPES)}")
        if scope != SUBJECT and node.type != "enterprise":
            raise InvalidArgument(
                f"scope: {scope} watches an enterprise's office holders; "
                f"{target!r} is a {node.type}"
            )
        if webhook is not None:
            parts = urlsplit(webhook)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise InvalidArgument("webhook: must be an http:// or https:// URL")
            if secret is None or len(secret) < MIN_SECRET:
                raise InvalidArgument(
                    f"secret: a webhook needs a signing secret of at least {MIN_SECRET} characters"
                )
        elif secret is not None:
            raise InvalidArgument("secret: only a webhook is signed; give webhook as well")
        if inbox and (webhook is None or scope != SUBJECT):
            raise InvalidArgument("inbox: a party's inbox is a webhook watch on the party itself")
        # one watch per owner, party, scope and endpoint: watching again re-activates it
        key = hashlib.sha1(
            f"{owner}|{target}|{scope}|{webhook or ''}|{inbox}".encode()
        ).hexdigest()[:20]
        record = MonitorRecord(
            kind=WATCH,
            id="w:" + key,
            subject=target,
            status=ACTIVE,
            data={
                "target": target,
                "scope": scope,
                "owner": owner,
                "webhook": webhook,
                "secret": secret,
                "label": _text("label", label, required=False),
                "inbox": inbox,
                "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            },
        )
        if not self.store.add_monitor_records([record]):
            updated = self.store.update_monitor_record(
                WATCH, record.id, status=ACTIVE, data=record.data
            )
            assert updated is not None
            return updated
        (stored,) = self.store.monitor_records(WATCH, ids=[record.id])
        return stored

    def unwatch(self, watch_id: str, *, owner: str | None = None) -> MonitorRecord:
        found = self.store.monitor_records(WATCH, ids=[watch_id])
        if not found or (owner is not None and found[0].data.get("owner") != owner):
            raise UnknownId(f"unknown watch {watch_id!r}")
        updated = self.store.update_monitor_record(
            WATCH, watch_id, status=REMOVED, data=found[0].data
        )
        assert updated is not None
        return updated

    def watches(self, *, owner: str | None = None) -> list[MonitorRecord]:
        found = self.store.monitor_records(WATCH, statuses=[ACTIVE])
        return [w for w in found if owner is None or w.data.get("owner") == owner]

    # the change feed -------------------------------------------------------------
    def changes(
        self,
        since: str,
        *,
        first: int,
        after_seq: int = 0,
        subjects: list[str] | None = None,
    ) -> Page:
        """Changes committed after data version ``since``, oldest first."""
        try:
            version = int(since)
        except ValueError:
            raise InvalidArgument(
                f'since: {since!r} is not a dataVersion (a decision\'s dataVersion, or "0")'
            ) from None
        if subjects is not None:  # an alias names its person's changes
            known = self.store.node_types(subjects)
            subjects = [
                s if s in known or (holder := canonical_node(self.store, s)) is None else holder.id
                for s in subjects
            ]
        found = self.store.monitor_records(
            CHANGE,
            subjects=subjects,
            after_seq=after_seq,
            min_version=version + 1,
            limit=first + 1,
        )
        return Page(found[:first], len(found) > first)

    def own_watch(self, watch_id: str, *, owner: str) -> MonitorRecord:
        """One of the owner's active watches, or UnknownId (another's is not shown to exist)."""
        for w in self.watches(owner=owner):
            if w.id == watch_id:
                return w
        raise UnknownId(f"unknown watch {watch_id!r}")

    def alerts_of(self, watch_id: str, *, owner: str) -> list[MonitorRecord]:
        """Every alert of one of the owner's watches, oldest first."""
        self.own_watch(watch_id, owner=owner)
        return [a for a in self.store.monitor_records(ALERT) if a.data.get("watch") == watch_id]

    def alerts(self, *, watch_id: str | None = None, after_seq: int = 0, first: int = 100) -> Page:
        found = [
            a
            for a in self.store.monitor_records(ALERT, after_seq=after_seq)
            if watch_id is None or a.data.get("watch") == watch_id
        ]
        return Page(found[:first], len(found) > first)

    # notices ---------------------------------------------------------------------
    def notices(
        self,
        *,
        addressee: str | None = None,
        statuses: list[str] | None = None,
        overdue_on: dt.date | None = None,
    ) -> list[MonitorRecord]:
        found = self.store.monitor_records(
            NOTICE, subjects=[addressee] if addressee else None, statuses=statuses
        )
        if overdue_on is not None:
            day = overdue_on.isoformat()
            found = [n for n in found if n.status not in CLOSED and n.due and n.due < day]
        return found

    def acknowledge(self, notice_id: str, *, by: str, note: str | None = None) -> MonitorRecord:
        found = self.store.monitor_records(NOTICE, ids=[notice_id])
        if not found:
            raise UnknownId(f"unknown notice {notice_id!r}")
        notice = found[0]
        if notice.status in CLOSED:
            # acknowledging twice, or a notice withdrawn meanwhile: nothing changes
            return notice
        data = {
            **notice.data,
            "acknowledged_by": by,
            "acknowledged_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "acknowledgement_note": _text("note", note, required=False),
        }
        updated = self.store.update_monitor_record(
            NOTICE, notice_id, status=ACKNOWLEDGED, data=data
        )
        assert updated is not None
        return updated

    # feedback (反馈) ----------------------------------------------------------------
    def record_feedback(
        self,
        *,
        subject: str,
        measure: str,
        agency: str,
        date: dt.date,
        matter: str,
        case_number: str | None,
        data_version: str,
        by: str,
        client_id: str | None = None,
    ) -> MonitorRecord:
        subject = party(self.store, subject).id
        body = self.store.node(agency)
        if body is None or body.type != "agency":
            raise UnknownId(f"agencyId: {agency!r} is not a known agency")
        if measure not in self.store.schema.measures:
            raise InvalidArgument(f"measure: {measure!r} is not a measure")
        try:
            if int(data_version) < 0 or int(data_version) > int(self.store.data_version()):
                raise ValueError
        except ValueError:
            raise InvalidArgument(
                f"dataVersion: {data_version!r} is not a data version of this store "
                "(give the dataVersion of the decision acted on)"
            ) from None
        # the same report sent twice (a retry) is recorded once
        record_id = "f:" + (
            hashlib.sha1(f"{by}|{client_id}".encode()).hexdigest()[:20]
            if client_id
            else uuid.uuid4().hex[:20]
        )
        record = MonitorRecord(
            kind=FEEDBACK,
            id=record_id,
            subject=subject,
            status=None,
            version=int(data_version),
            data={
                "subject": subject,
                "measure": measure,
                "agency": agency,
                "date": date.isoformat(),
                "matter": _text("matter", matter),
                "case_number": _text("caseNumber", case_number, required=False),
                "data_version": data_version,
                "reported_by": by,
                "recorded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            },
        )
        self.store.add_monitor_records([record])
        (stored,) = self.store.monitor_records(FEEDBACK, ids=[record_id])
        return stored

    def feedback_counts(self) -> list[dict[str, Any]]:
        """Counts of feedback by measure, agency and month (the published 反馈 statistics)."""
        counts: Counter[tuple[str, str, str]] = Counter()
        for f in self.store.monitor_records(FEEDBACK):
            counts[(f.data["measure"], f.data["agency"], f.data["date"][:7])] += 1
        return [
            {"measure": m, "agency": a, "month": month, "count": n}
            for (m, a, month), n in sorted(counts.items())
        ]

    # credit commitments ---------------------------------------------------------------
    def commitments(self, subject: str, *, on: dt.date) -> list[dict[str, Any]]:
        """A party's commitments and how each was performed, as of a day."""
        subject = party(self.store, subject).id
        events = self.store.events(subject=subject)
        breaches: dict[str, list[Event]] = {}
        for e in events:
            if e.kind == "COMMITMENT_BREACHED" and e.date <= on:
                breaches.setdefault(str(e.props.get("commitment")), []).append(e)
        found = []
        for c in events:
            if c.kind != "CREDIT_COMMITMENT" or c.date > on:
                continue
            standing = [
                b
                for b in breaches.get(c.id, [])
                if not is_void(b, _StoreView(self.store), self.store.schema)
            ]
            deadline = c.props.get("deadline")
            if standing:
                status = "BREACHED"
            elif deadline and deadline < on.isoformat():
                status = "KEPT"
            else:
                status = "IN_FORCE"
            found.append(
                {
                    "id": c.id,
                    "subject": subject,
                    "matter": c.props.get("matter"),
                    "date": c.date.isoformat(),
                    "authority": c.props.get("authority"),
                    "entails": c.props.get("entails"),
                    "deadline": deadline,
                    "status": status,
                    "breaches": [{"id": b.id, "date": b.date.isoformat()} for b in standing],
                }
            )
        return found


def is_void(event: Event, view: Any, schema: Any) -> bool:
    """Whether an upheld objection or a revoked decision that stands voids the event."""
    return any(
        schema.events[lift.kind].lifting == "void" for lift in standing_lifts(event, view, schema)
    )


class _StoreView:
    """The store read as a GraphView (for lifting: is a breach voided?)."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store

    def node(self, node_id: str) -> Any:
        return self.store.node(node_id)

    def links_of(self, node_id: str, rels: frozenset[str], direction: str) -> Any:
        return self.store.links([node_id], rels=rels, direction=direction)

    def event(self, event_id: str) -> Event | None:
        return self.store.event(event_id)

    def lifting_events(self, event_id: str) -> list[Event]:
        return self.store.lifting_events(event_id)


def public_watch(watch: MonitorRecord) -> Mapping[str, Any]:
    """A watch as callers see it: the signing secret never leaves the store."""
    return {k: v for k, v in watch.data.items() if k != "secret"}
