"""Decisions for approval systems: may this person be appointed, may this subject take part.

A decision is DENY when a confirmed measure in force that day bars the role or
activity, REVIEW when one would bar it but a fact it depends on is unknown (or
the measure calls for strict review), and ALLOW otherwise — always with the
reasons: measure, rule, legal basis, window, source event and the path it travelled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from creditgraph.domain.model import Certainty, Link, Restriction, Verdict
from creditgraph.schema import GraphSchema
from creditgraph.service.errors import InvalidArgument, missing
from creditgraph.store.base import OUT, GraphStore


@dataclass(frozen=True)
class Reason:
    restriction: Restriction
    effect: str  # "bar" | "review"

    def to_json(self) -> dict[str, Any]:
        data = self.restriction.to_json(dt.date.min)
        return {
            "measure": data["measure"],
            "rule": data["rule"],
            "legal_basis": data["legal_basis"],
            "from": data["from"],
            "until": data["until"],
            "certainty": data["certainty"],
            "event": data["event"],
            "path": data["path"],
        }


@dataclass(frozen=True)
class Decision:
    decision: Verdict
    subject: str
    on: dt.date
    reasons: tuple[Reason, ...]
    data_version: str
    role: str | None = None
    enterprise: str | None = None
    activity: str | None = None

    @property
    def until(self) -> dt.date | None:
        """The last day a DENY holds (None when open-ended or not denied)."""
        bars = [
            r.restriction.until
            for r in self.reasons
            if r.effect == "bar" and r.restriction.certainty is Certainty.CONFIRMED
        ]
        if not bars or any(u is None for u in bars):
            return None
        return max(u for u in bars if u is not None)

    def to_json(self) -> dict[str, Any]:
        head: dict[str, Any] = {"decision": self.decision.value}
        if self.activity is None:
            head.update(person=self.subject, role=self.role, enterprise=self.enterprise)
        else:
            head.update(subject=self.subject, activity=self.activity)
        return {
            **head,
            "on": self.on.isoformat(),
            "reasons": [r.to_json() for r in self.reasons],
            "data_version": self.data_version,
        }


@dataclass(frozen=True)
class Conflict:
    """A person holding an office that an active restriction bars (公司法 第一百七十八条第三款)."""

    restriction: Restriction
    link: Link

    def to_json(self, today: dt.date) -> dict[str, Any]:
        return {
            "person": self.link.src,
            "role": self.link.rel,
            "enterprise": self.link.dst,
            "since": self.link.valid_from.isoformat() if self.link.valid_from else None,
            "restriction": self.restriction.to_json(today),
        }


class Decisions:
    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.schema: GraphSchema = store.schema

    def _require(self, node_id: str, node_type: str | None = None) -> None:
        node = self.store.node(node_id)
        if node is None:
            raise missing(node_id)
        if node_type is not None and node.type != node_type:
            raise InvalidArgument(f"{node_id!r} is a {node.type}, not a {node_type}")

    def check_appointment(
        self, person_id: str, role: str, *, enterprise_id: str | None = None, on: dt.date
    ) -> Decision:
        if role not in self.schema.roles:
            raise InvalidArgument(f"role {role!r} is not one of {', '.join(self.schema.roles)}")
        self._require(person_id, "person")
        if enterprise_id is not None:
            self._require(enterprise_id, "enterprise")
        reasons = self._reasons(person_id, on, role=role)
        return Decision(
            _verdict(reasons),
            person_id,
            on,
            reasons,
            self.store.data_version(),
            role=role,
            enterprise=enterprise_id,
        )

    def check_eligibility(self, subject_id: str, activity: str, *, on: dt.date) -> Decision:
        if activity not in self.schema.activities:
            raise InvalidArgument(
                f"activity {activity!r} is not one of {', '.join(self.schema.activities)}"
            )
        self._require(subject_id)
        reasons = self._reasons(subject_id, on, activity=activity)
        return Decision(
            _verdict(reasons), subject_id, on, reasons, self.store.data_version(), activity=activity
        )

    def check_appointments(
        self, requests: Sequence[tuple[str, str, str | None, dt.date]]
    ) -> list[Decision]:
        return [self.check_appointment(p, r, enterprise_id=e, on=d) for p, r, e, d in requests]

    def _reasons(
        self, subject_id: str, on: dt.date, *, role: str | None = None, activity: str | None = None
    ) -> tuple[Reason, ...]:
        reasons = []
        for restriction in self.store.restrictions(subject=subject_id, active_on=on):
            measure = self.schema.measures.get(restriction.measure)
            if measure is None:
                continue
            bars = role in measure.bars_roles if role else activity in measure.bars_activities
            reviews = (
                role in measure.review_roles if role else activity in measure.review_activities
            )
            if bars or reviews:
                reasons.append(Reason(restriction, "bar" if bars else "review"))
        reasons.sort(key=_reason_order)
        return tuple(reasons)

    def conflicts(self, *, on: dt.date) -> list[Conflict]:
        barred: dict[str, list[tuple[Restriction, frozenset[str]]]] = {}
        for restriction in self.store.restrictions(active_on=on):
            measure = self.schema.measures.get(restriction.measure)
            if measure and measure.bars_roles and restriction.certainty is Certainty.CONFIRMED:
                barred.setdefault(restriction.subject, []).append((restriction, measure.bars_roles))
        found = []
        links = self.store.links(barred, rels=self.schema.roles, direction=OUT, as_of=on)
        for link in sorted(links, key=lambda link: (link.src, link.dst, link.rel)):
            for restriction, roles in barred.get(link.src, ()):
                # the office in the sanctioned enterprise itself is the cause, not a breach
                if link.rel in roles and link.dst != restriction.event_subject:
                    found.append(Conflict(restriction, link))
        return found


def _reason_order(reason: Reason) -> tuple[Any, ...]:
    r = reason.restriction
    return (
        reason.effect != "bar",
        r.certainty is not Certainty.CONFIRMED,
        -(r.until or dt.date.max).toordinal(),
        r.rule,
        r.measure,
        r.id,
    )


def _verdict(reasons: Sequence[Reason]) -> Verdict:
    if any(r.effect == "bar" and r.restriction.certainty is Certainty.CONFIRMED for r in reasons):
        return Verdict.DENY
    return Verdict.REVIEW if reasons else Verdict.ALLOW
