"""Legal fidelity (issue 11): each principle as scenarios a credit officer would recognise,
with boundary days, on both stores."""

from __future__ import annotations

import pytest

from creditgraph.service.decisions import Decisions
from creditgraph.store.base import GraphStore
from scenario import (
    agency,
    check,
    day,
    eligibility,
    enterprise,
    event,
    link,
    load_records,
    person,
    uscc,
    verdict,
)

E1, E2 = uscc("fidelity trading co"), uscc("fidelity other co")
HEAD, BRANCH = uscc("fidelity head office"), uscc("fidelity branch")
OFFICES = ("LEGAL_REPRESENTATIVE", "DIRECTOR", "SUPERVISOR", "MANAGER")


def revocation(on: str = "2021-06-30") -> list[dict]:
    return [
        enterprise(E1, "某某贸易有限公司"),
        person("p:zhang", "张三"),
        link("LEGAL_REPRESENTATIVE", "p:zhang", E1, "2016-01-01"),
        event("ev:1", "LICENSE_REVOKED", E1, on, responsible=["p:zhang"]),
    ]


# --- 1. two kinds of consequence --------------------------------------------------------------


@pytest.mark.pins("gpl-77-procurement-ban", "joint-punishment-entity")
def test_repair_ends_the_procurement_credit_measure_but_not_the_decided_ban(
    any_store: GraphStore,
) -> None:
    records = [
        enterprise(E1, "某某建设工程有限公司"),
        event("ev:ban", "PROCUREMENT_BANNED", E1, "2024-03-01", until="2026-02-28"),
        event("ev:j", "JOINT_PUNISHMENT_LISTED", E1, "2024-03-01"),
        event("ev:r1", "CREDIT_REPAIRED", E1, "2025-01-10", lifts="ev:ban"),
        event("ev:r2", "CREDIT_REPAIRED", E1, "2025-01-10", lifts="ev:j"),
    ]
    load_records(any_store, records)
    decision = eligibility(any_store, E1, "GOV_PROCUREMENT", "2025-01-10")
    assert verdict(decision) == "DENY"
    assert {r.restriction.rule for r in decision.reasons} == {"gpl-77-procurement-ban"}
    assert verdict(eligibility(any_store, E1, "GOV_PROCUREMENT", "2026-02-28")) == "DENY"
    assert verdict(eligibility(any_store, E1, "GOV_PROCUREMENT", "2026-03-01")) == "ALLOW"
    # the joint punishment measure ended the day before the repair
    assert verdict(eligibility(any_store, E1, "GOV_FUNDING", "2025-01-09")) == "DENY"
    assert verdict(eligibility(any_store, E1, "GOV_FUNDING", "2025-01-10")) == "ALLOW"


def test_delisting_does_not_end_the_company_law_bar_on_the_legal_rep(any_store: GraphStore) -> None:
    load_records(
        any_store, [*revocation(), event("ev:d", "DELISTED", E1, "2022-01-01", lifts="ev:1")]
    )
    assert verdict(check(any_store, "p:zhang", "MANAGER", "2024-06-30")) == "DENY"


def test_objection_upheld_voids_even_the_statutory_bar(any_store: GraphStore) -> None:
    load_records(
        any_store,
        [*revocation(), event("ev:o", "OBJECTION_UPHELD", E1, "2022-01-01", lifts="ev:1")],
    )
    assert verdict(check(any_store, "p:zhang", "DIRECTOR", "2021-07-01")) == "ALLOW"


# --- 2. lifting can name persons; consumption restriction follows the decision ----------------


def consumption_order() -> list[dict]:
    return [
        enterprise(E1, "某某置业有限公司"),
        person("p:old", "刘前任"),
        person("p:new", "黄现任"),
        person("p:ctrl", "林实控"),
        link("LEGAL_REPRESENTATIVE", "p:old", E1, "2015-01-01", "2023-06-30"),
        link("LEGAL_REPRESENTATIVE", "p:new", E1, "2023-07-01"),
        link("ACTUAL_CONTROLLER", "p:ctrl", E1, "2015-01-01"),
        event("ev:x", "CONSUMPTION_RESTRICTED", E1, "2022-10-01"),
    ]


@pytest.mark.pins("consumption-restriction-responsible", "consumption-restriction-self")
def test_former_legal_rep_stays_restricted_after_leaving_until_a_court_releases_him(
    any_store: GraphStore,
) -> None:
    load_records(any_store, consumption_order())
    assert verdict(eligibility(any_store, "p:old", "HIGH_CONSUMPTION", "2024-01-01")) == "DENY"
    assert verdict(eligibility(any_store, "p:new", "HIGH_CONSUMPTION", "2023-06-30")) == "ALLOW"
    assert verdict(eligibility(any_store, "p:new", "HIGH_CONSUMPTION", "2023-07-01")) == "DENY"
    # 法发〔2019〕35号 第17条: he proves he no longer controls the debtor; the court releases him
    load_records(
        any_store,
        [event("ev:rel", "DELISTED", E1, "2024-03-15", lifts="ev:x", releases=["p:old"])],
    )
    assert verdict(eligibility(any_store, "p:old", "HIGH_CONSUMPTION", "2024-03-14")) == "DENY"
    assert verdict(eligibility(any_store, "p:old", "HIGH_CONSUMPTION", "2024-03-15")) == "ALLOW"
    # the others stay restricted, the enterprise too
    for party in ("p:new", "p:ctrl", E1):
        assert verdict(eligibility(any_store, party, "HIGH_CONSUMPTION", "2024-03-15")) == "DENY"


def test_release_naming_a_non_person_is_refused_at_import(store: GraphStore) -> None:
    from creditgraph.ingest.loader import load
    from scenario import lines

    load_records(store, consumption_order())
    result = load(
        lines([event("ev:rel", "DELISTED", E1, "2024-03-15", lifts="ev:x", releases=[E1])]), store
    )
    assert [str(e) for e in result.errors] == [
        f"scenario.jsonl:1: releases: {E1!r} is an enterprise; DELISTED needs person here"
    ]


# --- 3. serious illegal-and-dishonest list ----------------------------------------------------


def serious_listing(**fields: object) -> list[dict]:
    return [
        enterprise(E1, "某某食品有限公司"),
        enterprise(E2, "某某餐饮管理有限公司"),
        person("p:wu", "吴十"),
        link("LEGAL_REPRESENTATIVE", "p:wu", E1, "2017-01-01"),
        event(
            "ev:s",
            "SERIOUS_VIOLATION_LISTED",
            E1,
            "2022-05-20",
            ground="abnormal_expired",
            **fields,
        ),
    ]


@pytest.mark.pins("serious-violation-legal-rep")
def test_serious_violation_bars_legal_rep_of_other_enterprises_only(any_store: GraphStore) -> None:
    load_records(any_store, serious_listing())
    assert verdict(check(any_store, "p:wu", "LEGAL_REPRESENTATIVE", "2025-05-20", E2)) == "DENY"
    assert verdict(check(any_store, "p:wu", "LEGAL_REPRESENTATIVE", "2025-05-21", E2)) == "ALLOW"
    # staying on as legal rep of the listed enterprise itself is not what the bar forbids
    assert verdict(check(any_store, "p:wu", "LEGAL_REPRESENTATIVE", "2023-01-01", E1)) == "ALLOW"
    reason = check(any_store, "p:wu", "PRINCIPAL", "2024-06-01", E2).reasons[0].restriction
    assert reason.legal_basis == "企业信息公示暂行条例(国务院令第654号) 第十七条第二款"


@pytest.mark.pins("serious-violation-legal-rep")
@pytest.mark.parametrize(("ground", "expected"), [("serious_violation", "ALLOW"), (None, "REVIEW")])
def test_legal_rep_bar_follows_a_listing_for_the_expired_abnormal_operation_ground(
    any_store: GraphStore, ground: str | None, expected: str
) -> None:
    records = serious_listing()
    del records[-1]["ground"]
    if ground:
        records[-1]["ground"] = ground
    load_records(any_store, records)
    assert verdict(check(any_store, "p:wu", "LEGAL_REPRESENTATIVE", "2023-01-01", E2)) == expected
    # the listing's own measures do not depend on the ground
    assert verdict(eligibility(any_store, E1, "BIDDING", "2023-01-01")) == "REVIEW"


@pytest.mark.pins("serious-violation-entity")
def test_serious_violation_listing_is_a_factor_for_the_buyer_not_a_ban(
    any_store: GraphStore,
) -> None:
    load_records(any_store, serious_listing())
    decision = eligibility(any_store, E1, "GOV_PROCUREMENT", "2025-05-20")
    assert verdict(decision) == "REVIEW"
    assert decision.reasons[0].effect == "review"
    # listed for three years: 2022-05-20 through 2025-05-20
    assert verdict(eligibility(any_store, E1, "BIDDING", "2025-05-21")) == "ALLOW"


@pytest.mark.pins("serious-violation-entity")
def test_serious_violation_listing_extended_by_the_authority_runs_to_its_new_end(
    any_store: GraphStore,
) -> None:
    load_records(any_store, serious_listing(until="2026-05-20"))
    assert verdict(eligibility(any_store, E1, "BIDDING", "2026-05-20")) == "REVIEW"
    assert verdict(eligibility(any_store, E1, "BIDDING", "2026-05-21")) == "ALLOW"


@pytest.mark.pins("serious-violation-legal-rep")
def test_listing_after_the_2024_revision_cites_order_777(any_store: GraphStore) -> None:
    records = serious_listing()
    records[-1]["date"] = "2024-05-01"
    load_records(any_store, records)
    reason = check(any_store, "p:wu", "LEGAL_REPRESENTATIVE", "2024-06-01", E2).reasons[0]
    assert "国务院令第777号修订" in reason.restriction.legal_basis


# --- 4. registry facts ------------------------------------------------------------------------


def test_legal_rep_of_enterprise_revoked_in_the_registry_without_a_dated_event_gets_review(
    any_store: GraphStore,
) -> None:
    load_records(
        any_store,
        [
            enterprise(E1, "某某贸易有限公司", status="revoked"),
            person("p:li", "李四"),
            link("LEGAL_REPRESENTATIVE", "p:li", E1, "2016-01-01"),
        ],
    )
    decision = check(any_store, "p:li", "DIRECTOR", "2025-01-01")
    assert verdict(decision) == "REVIEW"
    (reason,) = decision.to_json()["reasons"]
    assert reason["rule"] == "registry-status-legal-rep"
    assert reason["certainty"] == "UNCONFIRMED" and reason["event"] is None
    assert "吊销" in reason["note"]


def test_revoked_closed_or_cancelled_enterprise_cannot_bid(any_store: GraphStore) -> None:
    records = [
        enterprise(uscc(f"status {s}"), "某某有限公司", status=s)
        for s in ("revoked", "closed", "cancelled", "active", "bankrupt")
    ]
    load_records(any_store, records)
    verdicts = {
        r["status"]: verdict(eligibility(any_store, r["id"], "BIDDING", "2025-01-01"))
        for r in records
    }
    assert verdicts == {
        "revoked": "DENY",
        "closed": "DENY",
        "cancelled": "DENY",
        "active": "ALLOW",
        "bankrupt": "ALLOW",
    }
    decision = eligibility(any_store, records[0]["id"], "GOV_PROCUREMENT", "2024-07-01")
    assert decision.reasons[0].restriction.legal_basis.startswith("公司法(2023) 第二百二十九条")


def test_dated_revocation_makes_the_enterprise_ineligible_from_that_day(
    any_store: GraphStore,
) -> None:
    records = revocation()
    records[0]["status"] = "revoked"
    load_records(any_store, records)
    assert verdict(eligibility(any_store, E1, "GOV_FUNDING", "2021-06-29")) == "ALLOW"
    assert verdict(eligibility(any_store, E1, "GOV_FUNDING", "2021-06-30")) == "DENY"
    # the dated event derives the bar on the legal rep; no registry REVIEW is added
    reasons = check(any_store, "p:zhang", "DIRECTOR", "2022-01-01").reasons
    assert {r.restriction.rule for r in reasons} == {"company-law-178-4"}


@pytest.mark.pins("bidding-law-53-54")
def test_ban_on_the_head_office_reaches_its_branch(any_store: GraphStore) -> None:
    records = [
        enterprise(HEAD, "某某建设集团有限公司"),
        enterprise(BRANCH, "某某建设集团有限公司广州分公司"),
        link("BRANCH_OF", BRANCH, HEAD, "2018-01-01"),
        event("ev:bid", "BIDDING_BANNED", HEAD, "2024-06-01", until="2026-05-31"),
    ]
    load_records(any_store, records)
    decision = eligibility(any_store, BRANCH, "BIDDING", "2026-05-31")
    assert verdict(decision) == "DENY"
    assert [s.rel for s in decision.reasons[0].restriction.path if s.rel] == ["BRANCH_OF"]
    assert verdict(eligibility(any_store, BRANCH, "BIDDING", "2026-06-01")) == "ALLOW"


# --- 5. capacity ------------------------------------------------------------------------------


def resident_id(birth: str, seq: str = "001") -> str:
    from creditgraph.domain.identifiers import resident_id_check_character

    first17 = "110105" + birth.replace("-", "") + seq
    return first17 + resident_id_check_character(first17)


def test_capacity_under_sixteen_denies_sixteen_and_seventeen_review(any_store: GraphStore) -> None:
    load_records(any_store, [person("p:teen", "少年", id_number=resident_id("2008-06-15"))])
    # 16 full years are reached the day after the 16th birthday (Civil Code Arts. 201–202)
    assert verdict(check(any_store, "p:teen", "DIRECTOR", "2024-06-15")) == "DENY"
    review = check(any_store, "p:teen", "DIRECTOR", "2024-06-16")
    assert verdict(review) == "REVIEW"
    assert "劳动收入" in review.to_json()["reasons"][0]["note"]
    assert verdict(check(any_store, "p:teen", "LEGAL_REPRESENTATIVE", "2026-06-15")) == "REVIEW"
    assert verdict(check(any_store, "p:teen", "LEGAL_REPRESENTATIVE", "2026-06-16")) == "ALLOW"


@pytest.mark.pins("penalty-publication-minor")
def test_minors_minor_lapse_is_not_published(any_store: GraphStore) -> None:
    load_records(
        any_store,
        [
            person("p:teen", "少年", id_number=resident_id("2008-06-15")),
            person("p:adult", "成年", id_number=resident_id("1990-01-01", "002")),
            event("ev:m1", "ADMINISTRATIVE_PENALTY", "p:teen", "2026-06-15", severity="minor"),
            event("ev:m2", "ADMINISTRATIVE_PENALTY", "p:teen", "2026-06-16", severity="minor"),
            event("ev:m3", "ADMINISTRATIVE_PENALTY", "p:adult", "2026-06-15", severity="minor"),
        ],
    )
    published = {r.event_id for r in any_store.restrictions(measure="PENALTY_PUBLICATION")}
    assert published == {"ev:m2", "ev:m3"}


# --- 6. conviction category -------------------------------------------------------------------


@pytest.mark.pins("company-law-178-2")
@pytest.mark.parametrize(
    ("category", "expected"),
    [("bribery", "DENY"), ("political_rights", "DENY"), ("other", "ALLOW"), (None, "REVIEW")],
)
def test_only_convictions_of_the_listed_categories_bar_office(
    any_store: GraphStore, category: str | None, expected: str
) -> None:
    fields = {"sentence_end": "2020-03-31"}
    if category:
        fields["category"] = category
    load_records(
        any_store,
        [
            person("p:qian", "钱七"),
            event("ev:c", "CRIMINAL_CONVICTION", "p:qian", "2018-04-10", **fields),
        ],
    )
    assert verdict(check(any_store, "p:qian", "DIRECTOR", "2025-03-31")) == expected
    # five years after the sentence was served, whatever the category
    assert verdict(check(any_store, "p:qian", "DIRECTOR", "2025-04-01")) == "ALLOW"


@pytest.mark.pins("company-law-178-2-bribery")
def test_bribery_conviction_record_bars_office_and_unknown_sentence_end_is_review(
    any_store: GraphStore,
) -> None:
    load_records(
        any_store,
        [
            person("p:xu", "徐行贿"),
            person("p:he", "何行贿"),
            event("ev:b1", "BRIBERY_RECORD", "p:xu", "2019-05-01", sentence_end="2021-04-30"),
            event("ev:b2", "BRIBERY_RECORD", "p:he", "2019-05-01"),
        ],
    )
    assert verdict(check(any_store, "p:xu", "MANAGER", "2026-04-30")) == "DENY"
    assert verdict(check(any_store, "p:xu", "MANAGER", "2026-05-01")) == "ALLOW"
    decision = check(any_store, "p:he", "MANAGER", "2030-01-01")
    assert verdict(decision) == "REVIEW"
    assert "不明" in decision.to_json()["reasons"][0]["note"]


# --- 7. dishonest-debtor ground ---------------------------------------------------------------


@pytest.mark.pins("company-law-178-5", "dishonest-debtor-person")
@pytest.mark.parametrize(
    ("ground", "expected"),
    [("unpaid_debt", "DENY"), ("obstruction", "REVIEW"), ("evasion", "REVIEW"), (None, "REVIEW")],
)
def test_dishonest_debtor_bars_office_only_for_an_unpaid_debt(
    any_store: GraphStore, ground: str | None, expected: str
) -> None:
    fields = {"ground": ground} if ground else {}
    load_records(
        any_store,
        [
            person("p:zhou", "周九"),
            event("ev:d", "DISHONEST_DEBTOR_LISTED", "p:zhou", "2024-01-10", **fields),
        ],
    )
    decision = check(any_store, "p:zhou", "DIRECTOR", "2024-01-10")
    assert verdict(decision) == expected
    # the credit measures of the listing do not depend on the ground
    assert verdict(eligibility(any_store, "p:zhou", "HIGH_CONSUMPTION", "2024-01-10")) == "DENY"
    if expected == "REVIEW":
        assert "第一条" in decision.to_json()["reasons"][0]["note"]


# --- 8. notification duties; agencies as dishonest debtors ------------------------------------


@pytest.mark.pins("notify-superior-of-public-body")
@pytest.mark.parametrize(
    "sanction",
    [
        event("ev:s", "BIDDING_BANNED", "SUBJECT", "2024-04-01", until="2025-03-31"),
        event("ev:s", "PROCUREMENT_BANNED", "SUBJECT", "2024-04-01", until="2025-03-31"),
        event("ev:s", "ORDERED_CLOSED", "SUBJECT", "2024-04-01"),
        event("ev:s", "DISHONEST_DEBTOR_LISTED", "SUBJECT", "2024-04-01"),
        event("ev:s", "ADMINISTRATIVE_PENALTY", "SUBJECT", "2024-04-01", severity="minor"),
    ],
    ids=lambda e: e["kind"],
)
def test_every_sanction_of_an_soe_is_notified_to_its_superior(
    any_store: GraphStore, sanction: dict
) -> None:
    soe = uscc("notified soe")
    load_records(
        any_store,
        [
            agency("g:sasac", "某某市国有资产监督管理委员会"),
            enterprise(soe, "某某市城市建设投资集团有限公司", kind="soe"),
            link("SUPERIOR_OF", "g:sasac", soe, "2010-01-01"),
            {**sanction, "subject": soe},
        ],
    )
    (duty,) = any_store.restrictions(subject="g:sasac")
    assert duty.measure == "NOTIFY_SUPERIOR_AND_AUDIT" and duty.kind == "duty"


@pytest.mark.pins("dishonest-debtor-entity", "notify-superior-of-public-body")
def test_agency_listed_as_dishonest_debtor_is_accepted_and_notified(any_store: GraphStore) -> None:
    load_records(
        any_store,
        [
            agency("g:city", "某某市人民政府"),
            agency("g:town", "某某镇人民政府", level="township"),
            link("SUPERIOR_OF", "g:city", "g:town", "2000-01-01"),
            event("ev:d", "DISHONEST_DEBTOR_LISTED", "g:town", "2024-09-01"),
        ],
    )
    assert verdict(eligibility(any_store, "g:town", "GOV_FUNDING", "2024-09-01")) == "DENY"
    (duty,) = any_store.restrictions(subject="g:city")
    assert "第八条" in duty.legal_basis


# --- 9. the law in force on the day -----------------------------------------------------------


@pytest.mark.pins("company-law-178-4")
@pytest.mark.parametrize(
    ("revoked_on", "basis"),
    [
        ("2022-02-28", "公司法(2018) 第一百四十六条第一款第四项"),
        (
            "2024-06-30",
            "公司法(2018) 第一百四十六条第一款第四项; 市场主体登记管理条例 第十二条第四项",
        ),
        (
            "2024-07-01",
            "公司法(2023) 第一百七十八条第一款第四项; 市场主体登记管理条例 第十二条第四项",
        ),
    ],
)
def test_bar_cites_the_company_law_in_force_on_the_revocation_date(
    any_store: GraphStore, revoked_on: str, basis: str
) -> None:
    load_records(any_store, revocation(revoked_on))
    reason = check(any_store, "p:zhang", "DIRECTOR", revoked_on).reasons[0]
    assert reason.restriction.legal_basis == basis


@pytest.mark.pins("penalty-publication-general")
@pytest.mark.parametrize(
    ("penalised_on", "order"), [("2026-03-31", "令第58号"), ("2026-04-01", "令第36号")]
)
def test_publication_cites_the_repair_order_in_force_on_the_penalty_date(
    any_store: GraphStore, penalised_on: str, order: str
) -> None:
    load_records(
        any_store,
        [
            enterprise(E1),
            event("ev:p", "ADMINISTRATIVE_PENALTY", E1, penalised_on, severity="general"),
        ],
    )
    (publication,) = any_store.restrictions(measure="PENALTY_PUBLICATION")
    assert order in publication.legal_basis


@pytest.mark.pins("gpl-22-serious-penalty", "gpl-22-large-fine")
def test_serious_penalty_without_a_known_fine_is_review_for_procurement(
    any_store: GraphStore,
) -> None:
    load_records(
        any_store,
        [
            enterprise(E1),
            enterprise(E2),
            event("ev:a", "ADMINISTRATIVE_PENALTY", E1, "2024-01-05", severity="serious"),
            event(
                "ev:b",
                "ADMINISTRATIVE_PENALTY",
                E2,
                "2024-01-05",
                severity="general",
                fine_wan_yuan=200,
            ),
        ],
    )
    assert verdict(eligibility(any_store, E1, "GOV_PROCUREMENT", "2025-01-01")) == "REVIEW"
    # exactly 200万元 is a 较大数额罚款 (财库〔2022〕3号: 200万元以上 includes the amount)
    assert verdict(eligibility(any_store, E2, "GOV_PROCUREMENT", "2027-01-05")) == "DENY"
    assert verdict(eligibility(any_store, E2, "GOV_PROCUREMENT", "2027-01-06")) == "ALLOW"


# --- 10. impossible lifting refused at import --------------------------------------------------


def _errors(store: GraphStore, records: list[dict]) -> list[str]:
    from creditgraph.ingest.loader import load
    from scenario import lines

    return [str(e) for e in load(lines(records), store).errors]


def test_repair_dated_before_the_event_it_lifts_is_refused(store: GraphStore) -> None:
    errors = _errors(
        store, [*revocation(), event("ev:r", "CREDIT_REPAIRED", E1, "2021-06-29", lifts="ev:1")]
    )
    assert errors == [
        "scenario.jsonl:5: date: ev:r (CREDIT_REPAIRED) is dated 2021-06-29, before ev:1 "
        "(LICENSE_REVOKED, 2021-06-30) which it lifts: a lift cannot precede what it lifts"
    ]
    assert store.restrictions() == []  # atomic: nothing was imported


def test_repair_on_the_event_day_is_accepted(store: GraphStore) -> None:
    assert (
        _errors(
            store, [*revocation(), event("ev:r", "CREDIT_REPAIRED", E1, "2021-06-30", lifts="ev:1")]
        )
        == []
    )


def test_lift_of_another_subjects_event_is_refused(store: GraphStore) -> None:
    errors = _errors(
        store,
        [*revocation(), enterprise(E2), event("ev:r", "DELISTED", E2, "2022-01-01", lifts="ev:1")],
    )
    assert errors == [f"scenario.jsonl:6: subject: ev:r lifts ev:1, which is on {E1!r}, not {E2!r}"]


def test_lift_cycle_is_refused(store: GraphStore) -> None:
    errors = _errors(
        store,
        [
            enterprise(E1),
            event("ev:a", "DECISION_REVOKED", E1, "2022-01-01", lifts="ev:b"),
            event("ev:b", "DECISION_REVOKED", E1, "2022-01-01", lifts="ev:a"),
        ],
    )
    assert errors == [
        "scenario.jsonl:2: lifts: lift cycle: ev:a → ev:b → ev:a: each event would lift the one "
        "that lifts it",
        "scenario.jsonl:3: lifts: lift cycle: ev:b → ev:a → ev:b: each event would lift the one "
        "that lifts it",
    ]


# --- 11. conflicts: appointment void vs must remove -------------------------------------------


def test_conflicts_tell_a_void_appointment_from_a_bar_arising_during_the_term(
    any_store: GraphStore,
) -> None:
    records = [
        *revocation("2024-08-01"),
        enterprise(E2, "某某科技有限公司"),
        enterprise(HEAD, "某某实业有限公司"),
        # a directorship held before the bar arose: the company must remove him
        link("DIRECTOR", "p:zhang", E2, "2020-01-01"),
        # appointed the day the bar arose: the appointment is void
        link("MANAGER", "p:zhang", HEAD, "2024-08-01"),
    ]
    load_records(any_store, records)
    found = {
        c.link.dst: c.to_json(day("2025-01-01"))
        for c in Decisions(any_store).conflicts(on=day("2025-01-01"))
    }
    assert found[E2]["kind"] == "MUST_REMOVE"
    assert found[E2]["legal_basis"].startswith("公司法(2023) 第一百七十八条第三款")
    assert found[HEAD]["kind"] == "APPOINTMENT_VOID"
    assert found[HEAD]["legal_basis"].startswith("公司法(2023) 第一百七十八条第二款")


def test_conflict_arising_before_july_2024_cites_the_2018_company_law(
    any_store: GraphStore,
) -> None:
    records = [*revocation(), enterprise(E2), link("DIRECTOR", "p:zhang", E2, "2019-01-01")]
    load_records(any_store, records)
    (conflict,) = Decisions(any_store).conflicts(on=day("2022-01-01"))
    assert conflict.kind == "MUST_REMOVE"
    assert conflict.legal_basis.startswith("公司法(2018) 第一百四十六条第三款")


# --- 12. objection under review ---------------------------------------------------------------


def test_objection_under_review_is_shown_in_the_decision_until_rejected(
    any_store: GraphStore,
) -> None:
    load_records(
        any_store,
        [*revocation(), event("ev:f", "OBJECTION_FILED", E1, "2022-03-01", lifts="ev:1")],
    )
    before = check(any_store, "p:zhang", "DIRECTOR", "2022-02-28").to_json()["reasons"][0]
    assert "record_state" not in before
    during = check(any_store, "p:zhang", "DIRECTOR", "2022-03-01")
    assert verdict(during) == "DENY"  # an objection does not suspend the bar
    assert during.to_json()["reasons"][0]["record_state"] == "OBJECTION_UNDER_REVIEW"
    load_records(any_store, [event("ev:n", "OBJECTION_REJECTED", E1, "2022-04-01", lifts="ev:f")])
    after = check(any_store, "p:zhang", "DIRECTOR", "2022-03-01").to_json()["reasons"][0]
    assert "record_state" not in after


def test_objection_rejection_must_answer_an_objection(store: GraphStore) -> None:
    errors = _errors(
        store, [*revocation(), event("ev:n", "OBJECTION_REJECTED", E1, "2022-04-01", lifts="ev:1")]
    )
    assert errors == [
        "scenario.jsonl:5: lifts: OBJECTION_REJECTED answers an objection: it must lift a "
        "OBJECTION_FILED event, not ev:1 (LICENSE_REVOKED)"
    ]


def test_repaired_record_is_marked_on_every_restriction_it_derived(any_store: GraphStore) -> None:
    load_records(
        any_store,
        [*revocation(), event("ev:r", "CREDIT_REPAIRED", E1, "2022-02-01", lifts="ev:1")],
    )
    derived = any_store.restrictions(event_id="ev:1")
    assert derived and {r.repaired_by for r in derived} == {"ev:r"}
    # the repair is revoked: the record is published again
    load_records(any_store, [event("ev:x", "DECISION_REVOKED", E1, "2022-03-01", lifts="ev:r")])
    assert {r.repaired_by for r in any_store.restrictions(event_id="ev:1")} == {None}


def test_subject_access_shows_the_repaired_record_marked(any_store: GraphStore) -> None:
    from creditgraph.subject_access import subject_record

    load_records(
        any_store,
        [*revocation(), event("ev:r", "CREDIT_REPAIRED", E1, "2022-02-01", lifts="ev:1")],
    )
    record = subject_record(any_store, E1, day("2026-01-01"))
    assert {e["id"]: e["state"] for e in record["events"]} == {"ev:1": "REPAIRED", "ev:r": None}
    assert record["subject"]["id"] == E1
    assert [link["rel"] for link in record["links"]] == ["LEGAL_REPRESENTATIVE"]


@pytest.mark.pins("gpl-22-major-violation", "abnormal-operation-entity")
def test_revocation_is_a_major_violation_record_and_abnormal_listing_puts_bids_under_review(
    any_store: GraphStore,
) -> None:
    load_records(
        any_store,
        [
            *revocation(),
            enterprise(E2),
            event("ev:a", "ABNORMAL_OPERATION_LISTED", E2, "2025-01-02"),
        ],
    )
    assert verdict(eligibility(any_store, E1, "GOV_PROCUREMENT", "2024-06-30")) == "DENY"
    assert verdict(eligibility(any_store, E1, "GOV_PROCUREMENT", "2024-07-01")) == "ALLOW"
    assert verdict(eligibility(any_store, E2, "BIDDING", "2025-01-01")) == "ALLOW"
    assert verdict(eligibility(any_store, E2, "BIDDING", "2025-01-02")) == "REVIEW"
