"""Lifting: credit repair and delisting end measures; an upheld objection or revoked decision voids them."""

from __future__ import annotations

import pytest

from creditgraph.store.base import GraphStore
from scenario import (
    check,
    eligibility,
    enterprise,
    event,
    link,
    load_records,
    person,
    uscc,
    verdict,
)

E1 = uscc("lifting co")


def revoked() -> list[dict]:
    return [
        enterprise(E1, "某某贸易有限公司"),
        person("p:zhang", "张三"),
        link("LEGAL_REPRESENTATIVE", "p:zhang", E1, "2016-01-01"),
        event("ev:1", "LICENSE_REVOKED", E1, "2021-06-30", responsible=["p:zhang"]),
        event("ev:2", "ADMINISTRATIVE_PENALTY", E1, "2020-03-02", severity="general"),
    ]


def test_credit_repair_ends_publication_the_day_before_repair_and_keeps_history(
    any_store: GraphStore,
) -> None:
    load_records(
        any_store, [*revoked(), event("ev:r", "CREDIT_REPAIRED", E1, "2020-07-01", lifts="ev:2")]
    )
    (publication,) = any_store.restrictions(subject=E1, measure="PENALTY_PUBLICATION")
    assert publication.until is not None and publication.until.isoformat() == "2020-06-30"
    assert publication.scheduled_until is not None
    assert publication.scheduled_until.isoformat() == "2021-03-02"
    assert publication.ended_by == "ev:r"
    assert publication.to_json(publication.event_date)["status"] == "ACTIVE"
    assert publication.status_on(publication.until).value == "ACTIVE"
    assert publication.to_json(publication.until.replace(day=1, month=7))["status"] == "ENDED"


def test_upheld_objection_voids_everything_derived_as_if_never_listed(
    any_store: GraphStore,
) -> None:
    load_records(
        any_store, [*revoked(), event("ev:o", "OBJECTION_UPHELD", E1, "2022-01-10", lifts="ev:1")]
    )
    # a decision on a date before the objection no longer cites the voided revocation either
    assert verdict(check(any_store, "p:zhang", "DIRECTOR", "2021-12-01")) == "ALLOW"
    assert verdict(eligibility(any_store, E1, "GOV_PROCUREMENT", "2021-12-01")) == "ALLOW"
    voided = any_store.restrictions(event_id="ev:1")
    assert voided and {r.status_on(r.start).value for r in voided} == {"VOID"}
    assert {r.voided_by for r in voided} == {"ev:o"}


@pytest.mark.parametrize("order", ["repair-then-objection", "objection-then-repair"])
def test_repair_and_objection_on_one_event_void_it_in_either_order(
    any_store: GraphStore, order: str
) -> None:
    repair = event("ev:r", "CREDIT_REPAIRED", E1, "2022-02-01", lifts="ev:1")
    objection = event("ev:o", "OBJECTION_UPHELD", E1, "2022-03-01", lifts="ev:1")
    load_records(any_store, revoked())
    first, second = (repair, objection) if order == "repair-then-objection" else (objection, repair)
    load_records(any_store, [first])
    load_records(any_store, [second])
    statuses = {r.status_on(r.start).value for r in any_store.restrictions(event_id="ev:1")}
    assert statuses == {"VOID"}
    assert verdict(check(any_store, "p:zhang", "DIRECTOR", "2021-07-01")) == "ALLOW"


@pytest.mark.pins("company-law-178-4")
def test_credit_repair_does_not_shorten_the_company_law_bar(any_store: GraphStore) -> None:
    # 信用修复管理办法: "除法律法规另有规定外" — repair stops publication and credit measures,
    # not a disqualification the Company Law imposes for three years
    load_records(
        any_store, [*revoked(), event("ev:r", "CREDIT_REPAIRED", E1, "2022-02-01", lifts="ev:1")]
    )
    assert verdict(check(any_store, "p:zhang", "DIRECTOR", "2022-02-01")) == "DENY"
    assert verdict(check(any_store, "p:zhang", "DIRECTOR", "2024-06-30")) == "DENY"
    assert verdict(check(any_store, "p:zhang", "DIRECTOR", "2024-07-01")) == "ALLOW"
    (bar,) = any_store.restrictions(subject="p:zhang", measure="BAR_DIRECTOR")
    assert bar.ended_by is None and bar.kind == "statutory_bar"


def joint_listing() -> list[dict]:
    return [*revoked(), event("ev:j", "JOINT_PUNISHMENT_LISTED", E1, "2021-01-04")]


@pytest.mark.pins("joint-punishment-entity")
def test_repair_ends_joint_punishment_from_the_repair_date(any_store: GraphStore) -> None:
    load_records(
        any_store,
        [*joint_listing(), event("ev:r", "CREDIT_REPAIRED", E1, "2022-02-01", lifts="ev:j")],
    )
    assert verdict(eligibility(any_store, E1, "GOV_FUNDING", "2022-01-31")) == "DENY"
    assert verdict(eligibility(any_store, E1, "GOV_FUNDING", "2022-02-01")) == "ALLOW"


def test_objection_against_the_repair_restores_the_full_window(any_store: GraphStore) -> None:
    load_records(
        any_store,
        [
            *joint_listing(),
            event("ev:r", "CREDIT_REPAIRED", E1, "2022-02-01", lifts="ev:j"),
            event("ev:o", "DECISION_REVOKED", E1, "2022-05-01", lifts="ev:r"),
        ],
    )
    assert verdict(eligibility(any_store, E1, "GOV_FUNDING", "2024-06-30")) == "DENY"


def test_revoking_the_decision_of_a_lift_loaded_first_is_applied_when_the_lift_arrives(
    any_store: GraphStore,
) -> None:
    load_records(any_store, joint_listing())
    load_records(any_store, [event("ev:r", "CREDIT_REPAIRED", E1, "2022-02-01", lifts="ev:j")])
    assert verdict(eligibility(any_store, E1, "GOV_FUNDING", "2023-01-01")) == "ALLOW"
    load_records(any_store, [event("ev:o", "DECISION_REVOKED", E1, "2022-05-01", lifts="ev:r")])
    assert verdict(eligibility(any_store, E1, "GOV_FUNDING", "2023-01-01")) == "DENY"
