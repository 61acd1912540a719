"""Eligibility for activities, consumption restrictions, publication and notification duties."""

from __future__ import annotations

import pytest

from creditgraph.store.base import GraphStore
from scenario import (
    agency,
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

SUPPLIER = uscc("supplier co")
SOE = uscc("state owned co")


def supplier(*events: dict) -> list[dict]:
    return [enterprise(SUPPLIER, "某某建设工程有限公司"), *events]


@pytest.mark.pins("gpl-77-procurement-ban")
def test_procurement_ban_runs_through_its_last_day(any_store: GraphStore) -> None:
    load_records(
        any_store,
        supplier(event("ev:p", "PROCUREMENT_BANNED", SUPPLIER, "2023-03-01", until="2025-02-28")),
    )
    assert verdict(eligibility(any_store, SUPPLIER, "GOV_PROCUREMENT", "2025-02-28")) == "DENY"
    assert verdict(eligibility(any_store, SUPPLIER, "GOV_PROCUREMENT", "2025-03-01")) == "ALLOW"
    assert verdict(eligibility(any_store, SUPPLIER, "BIDDING", "2024-01-01")) == "ALLOW"


def test_supplier_with_bribery_record_refused_procurement_for_three_years(
    any_store: GraphStore,
) -> None:
    load_records(any_store, supplier(event("ev:b", "BRIBERY_RECORD", SUPPLIER, "2022-09-15")))
    decision = eligibility(any_store, SUPPLIER, "GOV_PROCUREMENT", "2025-09-15")
    assert verdict(decision) == "DENY"
    assert decision.reasons[0].restriction.rule == "bribery-procurement-3y"
    assert verdict(eligibility(any_store, SUPPLIER, "GOV_PROCUREMENT", "2025-09-16")) == "ALLOW"


@pytest.mark.pins("gpl-22-serious-penalty")
def test_serious_penalty_is_a_major_violation_record_for_procurement(any_store: GraphStore) -> None:
    load_records(
        any_store,
        supplier(
            # 较大数额罚款: 200万元以上 (财库〔2022〕3号)
            event(
                "ev:m",
                "ADMINISTRATIVE_PENALTY",
                SUPPLIER,
                "2024-01-05",
                severity="serious",
                fine_wan_yuan=250,
            ),
            event("ev:g", "ADMINISTRATIVE_PENALTY", SUPPLIER, "2024-02-05", severity="general"),
        ),
    )
    decision = eligibility(any_store, SUPPLIER, "GOV_PROCUREMENT", "2026-01-01")
    assert verdict(decision) == "DENY"
    assert {r.restriction.event_id for r in decision.reasons} == {"ev:m"}


@pytest.mark.pins("bidding-law-53-54")
def test_bidding_ban_bars_bidding_only(any_store: GraphStore) -> None:
    load_records(
        any_store,
        supplier(event("ev:bid", "BIDDING_BANNED", SUPPLIER, "2024-06-01", until="2026-05-31")),
    )
    assert verdict(eligibility(any_store, SUPPLIER, "BIDDING", "2026-05-31")) == "DENY"
    assert verdict(eligibility(any_store, SUPPLIER, "BIDDING", "2026-06-01")) == "ALLOW"
    assert verdict(eligibility(any_store, SUPPLIER, "GOV_PROCUREMENT", "2025-01-01")) == "ALLOW"


@pytest.mark.pins(
    "penalty-publication-minor", "penalty-publication-general", "penalty-publication-serious"
)
def test_penalty_publication_window_follows_severity(any_store: GraphStore) -> None:
    load_records(
        any_store,
        supplier(
            event("ev:minor", "ADMINISTRATIVE_PENALTY", SUPPLIER, "2024-11-30", severity="minor"),
            event(
                "ev:general", "ADMINISTRATIVE_PENALTY", SUPPLIER, "2024-01-31", severity="general"
            ),
            event(
                "ev:serious", "ADMINISTRATIVE_PENALTY", SUPPLIER, "2023-05-10", severity="serious"
            ),
        ),
    )
    windows = {
        r.event_id: (r.start.isoformat(), r.until.isoformat() if r.until else None)
        for r in any_store.restrictions(subject=SUPPLIER, measure="PENALTY_PUBLICATION")
    }
    assert windows == {
        "ev:minor": ("2024-11-30", "2025-02-28"),
        "ev:general": ("2024-01-31", "2025-01-31"),
        "ev:serious": ("2023-05-10", "2026-05-10"),
    }


@pytest.mark.pins("joint-punishment-entity")
def test_joint_punishment_reaches_entity_and_its_legal_rep_and_controller(
    any_store: GraphStore,
) -> None:
    records = supplier(
        person("p:boss", "陈老板"),
        person("p:ctrl", "林实控"),
        person("p:dir", "何董事"),
        link("LEGAL_REPRESENTATIVE", "p:boss", SUPPLIER, "2019-01-01"),
        link("ACTUAL_CONTROLLER", "p:ctrl", SUPPLIER, "2019-01-01"),
        link("DIRECTOR", "p:dir", SUPPLIER, "2019-01-01"),
        event("ev:j", "JOINT_PUNISHMENT_LISTED", SUPPLIER, "2024-03-01"),
    )
    load_records(any_store, records)
    assert verdict(eligibility(any_store, SUPPLIER, "BIDDING", "2024-03-01")) == "DENY"
    for pid in ("p:boss", "p:ctrl"):
        decision = eligibility(any_store, pid, "GOV_FUNDING", "2025-01-01")
        assert verdict(decision) == "DENY"
        assert decision.reasons[0].restriction.rule == "joint-punishment-responsible"
    assert any_store.restrictions(subject="p:dir") == []


@pytest.mark.pins("key-attention-entity")
def test_key_attention_list_puts_approvals_under_review_not_denial(any_store: GraphStore) -> None:
    load_records(any_store, supplier(event("ev:k", "KEY_ATTENTION_LISTED", SUPPLIER, "2025-01-01")))
    decision = eligibility(any_store, SUPPLIER, "GOV_PROCUREMENT", "2025-06-01")
    assert verdict(decision) == "REVIEW"
    assert decision.reasons[0].restriction.certainty.value == "CONFIRMED"
    assert decision.reasons[0].effect == "review"


@pytest.mark.pins("consumption-restriction-responsible")
def test_consumption_restriction_follows_the_current_legal_rep(any_store: GraphStore) -> None:
    records = supplier(
        person("p:old", "刘前任"),
        person("p:new", "黄现任"),
        person("p:cfo", "郑财务"),
        link("LEGAL_REPRESENTATIVE", "p:old", SUPPLIER, "2015-01-01", "2023-06-30"),
        link("LEGAL_REPRESENTATIVE", "p:new", SUPPLIER, "2023-07-01"),
        event("ev:x", "CONSUMPTION_RESTRICTED", SUPPLIER, "2022-10-01", responsible=["p:cfo"]),
    )
    load_records(any_store, records)
    # the former legal rep is not released when he leaves (法发〔2019〕35号 第17条) …
    assert verdict(eligibility(any_store, "p:old", "HIGH_CONSUMPTION", "2023-06-30")) == "DENY"
    assert verdict(eligibility(any_store, "p:old", "HIGH_CONSUMPTION", "2023-07-01")) == "DENY"
    # … his successor is restricted from his first day, though appointed after the order
    assert verdict(eligibility(any_store, "p:new", "HIGH_CONSUMPTION", "2023-06-30")) == "ALLOW"
    assert verdict(eligibility(any_store, "p:new", "HIGH_CONSUMPTION", "2023-07-01")) == "DENY"
    # the directly responsible person named in the order is restricted too
    decision = eligibility(any_store, "p:cfo", "HIGH_CONSUMPTION", "2024-01-01")
    assert verdict(decision) == "DENY"
    assert decision.reasons[0].restriction.path[1].rel == "NAMED_RESPONSIBLE"
    # a consumption restriction is not dishonest-debtor status: no office ban
    assert verdict(check(any_store, "p:new", "DIRECTOR", "2024-01-01")) == "ALLOW"


@pytest.mark.pins("notify-superior-of-public-body")
def test_violation_by_soe_is_notified_to_its_superior_unit(any_store: GraphStore) -> None:
    records = [
        agency("g:sasac", "某某市国有资产监督管理委员会"),
        enterprise(SOE, "某某市城市建设投资集团有限公司", kind="soe"),
        link("SUPERIOR_OF", "g:sasac", SOE, "2010-01-01"),
        event("ev:soe", "ADMINISTRATIVE_PENALTY", SOE, "2024-04-01", severity="general"),
    ]
    load_records(any_store, records)
    (duty,) = any_store.restrictions(subject="g:sasac")
    assert duty.measure == "NOTIFY_SUPERIOR_AND_AUDIT"
    assert duty.event_id == "ev:soe"


def test_private_company_violation_creates_no_notification_duty(any_store: GraphStore) -> None:
    records = [
        agency("g:sasac", "某某市国有资产监督管理委员会"),
        enterprise(SOE, "某某民营有限公司", kind="company"),
        link("SUPERIOR_OF", "g:sasac", SOE, "2010-01-01"),
        event("ev:soe", "ADMINISTRATIVE_PENALTY", SOE, "2024-04-01", severity="general"),
    ]
    load_records(any_store, records)
    assert any_store.restrictions(subject="g:sasac") == []


@pytest.mark.pins("notify-employer-of-official")
def test_official_convicted_is_notified_to_employer_and_discipline_inspection(
    any_store: GraphStore,
) -> None:
    records = [
        agency("g:bureau", "某某区住房和城乡建设局"),
        person("p:official", "马科长"),
        link("OFFICIAL_OF", "p:official", "g:bureau", "2012-01-01"),
        event(
            "ev:conv", "CRIMINAL_CONVICTION", "p:official", "2024-02-01", sentence_end="2027-01-31"
        ),
    ]
    load_records(any_store, records)
    (duty,) = any_store.restrictions(subject="g:bureau")
    assert duty.measure == "NOTIFY_EMPLOYER_AND_DISCIPLINE"
    assert [s.to_json() for s in duty.path] == [
        {"node": "g:bureau"},
        {"rel": "OFFICIAL_OF", "valid_from": "2012-01-01", "valid_to": None},
        {"node": "p:official"},
    ]
