"""Office rules that are not derived from events (``graph_schema/office.yaml``).

Civil capacity read from the birth date, what a registry status says when no dated
event records it, and the citations for an office held against a bar.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from creditgraph.domain.periods import period_last_day
from creditgraph.rules.rulebook import Citation, cite, parse_citations


@dataclass(frozen=True)
class OfficeRules:
    capacity_roles: frozenset[str]
    deny_under: int
    review_under: int
    capacity_review_why: str
    capacity_basis: tuple[Citation, ...]
    minors_under: int
    minors_basis: str
    closed_statuses: frozenset[str]  # eligibility DENY
    closed_activities: frozenset[str]
    closed_basis: tuple[Citation, ...]
    rep_review_statuses: frozenset[str]  # legal representatives REVIEW
    rep_review_why: str
    rep_review_basis: tuple[Citation, ...]
    appointment_void: tuple[Citation, ...]
    must_remove: tuple[Citation, ...]

    def capacity_basis_on(self, day: dt.date) -> str:
        return cite(self.capacity_basis, day)

    def closed_basis_on(self, day: dt.date) -> str:
        return cite(self.closed_basis, day)

    def rep_review_basis_on(self, day: dt.date) -> str:
        return cite(self.rep_review_basis, day)


def parse_office(
    path: Path, raw: Mapping[str, Any], roles: Mapping[str, str], activities: Mapping[str, str]
) -> OfficeRules:
    from creditgraph.schema import SchemaError

    def fail(message: str) -> SchemaError:
        return SchemaError(f"{path}: {message}")

    try:
        capacity, minors = raw["capacity"], raw["minors"]
        status, conflicts = raw["registry_status"], raw["conflicts"]
        eligibility, reps = status["eligibility"], status["legal_representatives"]
    except (KeyError, TypeError) as exc:
        raise fail(f"missing section {exc}") from None
    unknown = set(capacity["roles"]) - roles.keys()
    unknown |= set(eligibility["activities"]) - activities.keys()
    if unknown:
        raise fail(f"unknown roles or activities {sorted(unknown)}")
    return OfficeRules(
        capacity_roles=frozenset(capacity["roles"]),
        deny_under=int(capacity["deny_under"]),
        review_under=int(capacity["review_under"]),
        capacity_review_why=str(capacity.get("review_why", "")),
        capacity_basis=parse_citations(capacity["legal_basis"], fail, "capacity.legal_basis"),
        minors_under=int(minors["under"]),
        minors_basis=str(minors.get("basis", "")),
        closed_statuses=frozenset(eligibility["statuses"]),
        closed_activities=frozenset(eligibility["activities"]),
        closed_basis=parse_citations(eligibility["legal_basis"], fail, "eligibility.legal_basis"),
        rep_review_statuses=frozenset(reps["statuses"]),
        rep_review_why=str(reps.get("review_why", "")),
        rep_review_basis=parse_citations(reps["legal_basis"], fail, "legal_representatives"),
        appointment_void=parse_citations(conflicts["appointment_void"], fail, "appointment_void"),
        must_remove=parse_citations(conflicts["must_remove"], fail, "must_remove"),
    )


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Full years (周岁) of age on ``day``. Counted as the Civil Code counts periods (Arts.
    201–202: the day of birth is not counted, a year ends on the corresponding day), so N full
    years are reached the day after the N-th birthday — as the SPC counts 周岁 in criminal law
    (法释〔2006〕1号 第二条: 从周岁生日的第二天起算)."""
    years = day.year - birth_date.year
    if day <= period_last_day(birth_date, years=years):
        years -= 1
    return max(years, 0)


def last_day_under(birth_date: dt.date, years: int) -> dt.date:
    """The last day a person is under ``years`` full years of age (the birthday itself)."""
    return period_last_day(birth_date, years=years)
