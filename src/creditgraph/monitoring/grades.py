"""Credit grades for graded supervision (信用分级分类监管, seed 003 §(七)).

The grade of an enterprise on a day follows from what is in force on it that day, by the
conditions in ``graph_schema/supervision/grades.yaml``; each grade comes with the facts
that gave it (its reasons) and the random-inspection ratio configured for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from creditgraph.domain.model import Certainty, Event, Restriction
from creditgraph.domain.periods import period_last_day
from creditgraph.monitoring.config import GradeSpec, supervision
from creditgraph.monitoring.service import _StoreView, is_void, party
from creditgraph.service.decisions import Decisions, Reason
from creditgraph.service.errors import InvalidArgument
from creditgraph.store.base import GraphStore


@dataclass(frozen=True)
class GradeReason:
    condition: str  # measures_in_force | events_within | incentives_in_force | always
    text: str
    restriction: Restriction | None = None
    event: Event | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"condition": self.condition, "text": self.text}
        if self.restriction is not None:
            data["restriction"] = Reason(self.restriction, "grade").to_json()
        if self.event is not None:
            data["event"] = {
                "id": self.event.id,
                "kind": self.event.kind,
                "subject": self.event.subject,
                "date": self.event.date.isoformat(),
            }
        return data


@dataclass(frozen=True)
class CreditGrade:
    subject: str
    grade: str
    title: str
    inspection_ratio: float
    as_of: dt.date
    reasons: tuple[GradeReason, ...]
    data_version: str

    def to_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "grade": self.grade,
            "title": self.title,
            "inspection_ratio": self.inspection_ratio,
            "as_of": self.as_of.isoformat(),
            "reasons": [r.to_json() for r in self.reasons],
            "data_version": self.data_version,
        }


class Grades:
    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.config = supervision(store.schema)

    def grade(self, subject: str, *, as_of: dt.date) -> CreditGrade:
        node = party(self.store, subject)
        if node.type != "enterprise":
            raise InvalidArgument(f"{subject!r} is a {node.type}: grades are for enterprises")
        version = self.store.data_version()
        in_force = [
            r
            for r in self.store.restrictions(subject=subject, active_on=as_of)
            if r.certainty is Certainty.CONFIRMED
        ]
        events: list[Event] | None = None
        decision = Decisions(self.store).check_eligibility(
            subject, next(iter(self.store.schema.activities)), on=as_of
        )
        for spec in self.config.grades:
            reasons: list[GradeReason] = []
            for condition in spec.when:
                if "measures_in_force" in condition:
                    wanted = set(condition["measures_in_force"])
                    reasons.extend(
                        GradeReason(
                            "measures_in_force",
                            f"{r.measure} in force ({r.rule}; {r.legal_basis})",
                            restriction=r,
                        )
                        for r in in_force
                        if r.measure in wanted
                    )
                if "events_within" in condition:
                    if events is None:
                        events = self._standing_events(subject, as_of)
                    reasons.extend(self._events_within(condition["events_within"], events, as_of))
                if condition.get("incentives_in_force"):
                    reasons.extend(
                        GradeReason(
                            "incentives_in_force",
                            f"{r.restriction.measure} in force ({r.restriction.rule})",
                            restriction=r.restriction,
                        )
                        for r in decision.incentives
                    )
                if condition.get("always") and not reasons:
                    reasons.append(
                        GradeReason("always", f"no condition of a grade above {spec.grade} holds")
                    )
            if reasons:
                return _grade(subject, spec, as_of, reasons, version)
        raise AssertionError("the last grade holds always (checked when the config is read)")

    def _standing_events(self, subject: str, as_of: dt.date) -> list[Event]:
        view = _StoreView(self.store)
        return [
            e
            for e in self.store.events(subject=subject)
            if e.date <= as_of and not is_void(e, view, self.store.schema)
        ]

    def _events_within(
        self, spec: dict[str, Any], events: Sequence[Event], as_of: dt.date
    ) -> Iterator[GradeReason]:
        kinds, where = set(spec.get("kinds") or ()), spec.get("where") or {}
        years = int(spec.get("years", 1))
        for e in events:
            if e.kind not in kinds or any(e.props.get(k) != v for k, v in where.items()):
                continue
            if period_last_day(e.date, years=years) >= as_of:
                yield GradeReason(
                    "events_within", f"{e.kind} {e.id} on {e.date} (within {years} years)", event=e
                )

    def listing(
        self, grade: str, *, as_of: dt.date, first: int, after: str = ""
    ) -> tuple[list[CreditGrade], str | None]:
        """Enterprises of a grade, in id order, after ``after``; (page, cursor of the last
        one when there are more)."""
        if grade not in {g.grade for g in self.config.grades}:
            raise InvalidArgument(f"grade: {grade!r} is not one of the configured grades")
        # only a party with a restriction in force or a graded event can be anything but
        # the default grade: the others need not be graded one by one
        candidates = self._candidates(as_of)
        default = self.config.grades[-1]
        found: list[CreditGrade] = []
        if grade != default.grade:
            types = self.store.node_types(sorted(candidates))
            ids = sorted(i for i in candidates if types.get(i) == "enterprise" and i > after)
            for node_id in ids:
                graded = self.grade(node_id, as_of=as_of)
                if graded.grade == grade:
                    found.append(graded)
                    if len(found) > first:
                        return found[:first], found[first - 1].subject
            return found, None
        version = self.store.data_version()
        cursor = after
        while True:
            ids = self.store.node_ids("enterprise", after=cursor, limit=1000)
            if not ids:
                return found, None
            for node_id in ids:
                cursor = node_id
                graded = (
                    self.grade(node_id, as_of=as_of)
                    if node_id in candidates
                    else _grade(
                        node_id,
                        default,
                        as_of,
                        [GradeReason("always", f"no condition of a grade above {grade} holds")],
                        version,
                    )
                )
                if graded.grade == grade:
                    found.append(graded)
                    if len(found) > first:
                        return found[:first], found[first - 1].subject

    def _candidates(self, as_of: dt.date) -> set[str]:
        subjects = {r.subject for r in self.store.restrictions(active_on=as_of)}
        for spec in self.config.grades:
            for condition in spec.when:
                for kind in (condition.get("events_within") or {}).get("kinds") or ():
                    subjects.update(
                        e.subject for e in self.store.events(kind=kind) if e.date <= as_of
                    )
        return subjects


def _grade(
    subject: str, spec: GradeSpec, as_of: dt.date, reasons: list[GradeReason], version: str
) -> CreditGrade:
    return CreditGrade(
        subject, spec.grade, spec.title, spec.inspection_ratio, as_of, tuple(reasons), version
    )
