"""Office bans (任职限制): Company Law (2023) Art. 178 and the serious-violation list."""

from __future__ import annotations

import pytest

from creditgraph.store.base import GraphStore
from scenario import (
    check,
    enterprise,
    event,
    link,
    load_records,
    person,
    uscc,
    verdict,
)

E1, E2 = uscc("revoked trading co"), uscc("second revoked co")
OTHER = uscc("unrelated co")
ROLES = ("LEGAL_REPRESENTATIVE", "DIRECTOR", "SUPERVISOR", "MANAGER")


def revoked_enterprise(
    revoked_on: str = "2021-06-30",
    responsible: list[str] | None = None,
    rep_from: str = "2016-01-01",
    rep_to: str | None = None,
) -> list[dict]:
    ev = event("ev:1", "LICENSE_REVOKED", E1, revoked_on, document="沪市监案〔2021〕123号")
    if responsible is not None:
        ev["responsible"] = responsible
    return [
        enterprise(E1, "上海某某贸易有限公司"),
        person("p:zhang-san-1", "张三"),
        link("LEGAL_REPRESENTATIVE", "p:zhang-san-1", E1, rep_from, rep_to),
        ev,
    ]


def test_legal_rep_of_revoked_enterprise_barred_through_third_anniversary(
    any_store: GraphStore,
) -> None:
    load_records(any_store, revoked_enterprise(responsible=["p:zhang-san-1"]))
    for role in ROLES:
        assert verdict(check(any_store, "p:zhang-san-1", role, "2021-06-30")) == "DENY"
        assert verdict(check(any_store, "p:zhang-san-1", role, "2024-06-30")) == "DENY"
        assert verdict(check(any_store, "p:zhang-san-1", role, "2024-07-01")) == "ALLOW"
    assert verdict(check(any_store, "p:zhang-san-1", "DIRECTOR", "2021-06-29")) == "ALLOW"

    decision = check(any_store, "p:zhang-san-1", "DIRECTOR", "2024-05-01").to_json()
    assert decision["decision"] == "DENY"
    (reason,) = decision["reasons"]
    assert reason == {
        "measure": "BAR_DIRECTOR",
        "rule": "company-law-178-4",
        # the text in force on the revocation date (公司法(2023) applies from 2024-07-01)
        "legal_basis": "公司法(2018) 第一百四十六条第一款第四项",
        "from": "2021-06-30",
        "until": "2024-06-30",
        "certainty": "CONFIRMED",
        "event": {"id": "ev:1", "kind": "LICENSE_REVOKED", "subject": E1, "date": "2021-06-30"},
        "path": [
            {"node": "p:zhang-san-1"},
            {"rel": "LEGAL_REPRESENTATIVE", "valid_from": "2016-01-01", "valid_to": None},
            {"node": E1},
        ],
    }


def test_bar_from_leap_day_ends_on_twenty_eighth_of_february(any_store: GraphStore) -> None:
    load_records(any_store, revoked_enterprise("2020-02-29", responsible=["p:zhang-san-1"]))
    assert verdict(check(any_store, "p:zhang-san-1", "MANAGER", "2023-02-28")) == "DENY"
    assert verdict(check(any_store, "p:zhang-san-1", "MANAGER", "2023-03-01")) == "ALLOW"


def test_ordered_closure_bars_the_legal_rep_like_a_revocation(any_store: GraphStore) -> None:
    records = revoked_enterprise(responsible=["p:zhang-san-1"])
    records[-1]["kind"] = "ORDERED_CLOSED"
    load_records(any_store, records)
    assert verdict(check(any_store, "p:zhang-san-1", "SUPERVISOR", "2022-01-01")) == "DENY"


def test_legal_rep_who_left_the_day_before_revocation_is_not_reached(any_store: GraphStore) -> None:
    load_records(any_store, revoked_enterprise(rep_to="2021-06-29", responsible=None))
    assert verdict(check(any_store, "p:zhang-san-1", "DIRECTOR", "2022-01-01")) == "ALLOW"
    assert any_store.restrictions(subject="p:zhang-san-1") == []


def test_legal_rep_who_left_on_the_revocation_day_is_reached(any_store: GraphStore) -> None:
    load_records(any_store, revoked_enterprise(rep_to="2021-06-30", responsible=["p:zhang-san-1"]))
    assert verdict(check(any_store, "p:zhang-san-1", "DIRECTOR", "2022-01-01")) == "DENY"


def test_legal_rep_appointed_after_revocation_is_not_reached(any_store: GraphStore) -> None:
    load_records(any_store, revoked_enterprise(rep_from="2021-07-01", responsible=None))
    assert verdict(check(any_store, "p:zhang-san-1", "DIRECTOR", "2022-01-01")) == "ALLOW"


def test_unknown_personal_responsibility_gives_review_not_allow_or_deny(
    any_store: GraphStore,
) -> None:
    load_records(any_store, revoked_enterprise(responsible=None))
    decision = check(any_store, "p:zhang-san-1", "LEGAL_REPRESENTATIVE", "2022-01-01")
    assert verdict(decision) == "REVIEW"
    assert [r.restriction.certainty.value for r in decision.reasons] == ["UNCONFIRMED"]
    assert "个人责任不明" in decision.to_json()["reasons"][0]["note"]
    assert (
        verdict(check(any_store, "p:zhang-san-1", "LEGAL_REPRESENTATIVE", "2024-07-01")) == "ALLOW"
    )


def test_responsibility_found_in_someone_else_does_not_reach_the_legal_rep(
    any_store: GraphStore,
) -> None:
    records = [*revoked_enterprise(responsible=["p:li-si"]), person("p:li-si", "李四")]
    load_records(any_store, records)
    assert verdict(check(any_store, "p:zhang-san-1", "DIRECTOR", "2022-01-01")) == "ALLOW"
    # the rule needs the office: being named responsible without holding it reaches nobody
    assert verdict(check(any_store, "p:li-si", "DIRECTOR", "2022-01-01")) == "ALLOW"


def test_link_with_unknown_start_cannot_prove_the_office_and_gives_review(
    any_store: GraphStore,
) -> None:
    load_records(any_store, revoked_enterprise(rep_from=None, responsible=["p:zhang-san-1"]))
    assert verdict(check(any_store, "p:zhang-san-1", "DIRECTOR", "2022-01-01")) == "REVIEW"


def test_legal_rep_of_two_revoked_enterprises_has_two_reasons_longest_window_governs(
    any_store: GraphStore,
) -> None:
    records = [
        *revoked_enterprise("2021-06-30", responsible=["p:zhang-san-1"]),
        enterprise(E2, "上海另一贸易有限公司"),
        link("LEGAL_REPRESENTATIVE", "p:zhang-san-1", E2, "2018-05-01"),
        event("ev:2", "LICENSE_REVOKED", E2, "2022-03-15", responsible=["p:zhang-san-1"]),
    ]
    load_records(any_store, records)
    decision = check(any_store, "p:zhang-san-1", "DIRECTOR", "2023-01-01")
    assert verdict(decision) == "DENY"
    assert [r.restriction.event_id for r in decision.reasons] == ["ev:2", "ev:1"]
    assert decision.until is not None and decision.until.isoformat() == "2025-03-15"
    assert verdict(check(any_store, "p:zhang-san-1", "DIRECTOR", "2024-12-31")) == "DENY"
    assert verdict(check(any_store, "p:zhang-san-1", "DIRECTOR", "2025-03-16")) == "ALLOW"


def test_same_name_on_two_ids_is_never_merged(any_store: GraphStore) -> None:
    records = [*revoked_enterprise(responsible=["p:zhang-san-1"]), person("p:zhang-san-2", "张三")]
    load_records(any_store, records)
    assert verdict(check(any_store, "p:zhang-san-1", "DIRECTOR", "2022-01-01")) == "DENY"
    assert verdict(check(any_store, "p:zhang-san-2", "DIRECTOR", "2022-01-01")) == "ALLOW"


def test_director_responsible_for_bankruptcy_barred_three_years_from_liquidation(
    any_store: GraphStore,
) -> None:
    records = [
        enterprise(E1, "某某机械厂", status="bankrupt"),
        person("p:wang", "王五"),
        person("p:zhao", "赵六"),
        # the director left before liquidation was completed; responsibility is what counts
        link("DIRECTOR", "p:wang", E1, "2012-01-01", "2019-12-31"),
        link("MANAGER", "p:zhao", E1, "2012-01-01", "2019-12-31"),
        event("ev:b", "BANKRUPTCY_LIQUIDATED", E1, "2020-08-31", responsible=["p:wang"]),
    ]
    load_records(any_store, records)
    decision = check(any_store, "p:wang", "DIRECTOR", "2023-08-31")
    assert verdict(decision) == "DENY"
    assert decision.reasons[0].restriction.rule == "company-law-178-3"
    assert verdict(check(any_store, "p:wang", "DIRECTOR", "2023-09-01")) == "ALLOW"
    assert verdict(check(any_store, "p:zhao", "DIRECTOR", "2021-01-01")) == "ALLOW"


@pytest.mark.pins("company-law-178-2")
def test_economic_crime_bars_until_five_years_after_the_sentence_is_served(
    any_store: GraphStore,
) -> None:
    records = [
        person("p:qian", "钱七"),
        event(
            "ev:c",
            "CRIMINAL_CONVICTION",
            "p:qian",
            "2015-04-10",
            sentence_end="2019-04-09",
            category="economic_order",
        ),
    ]
    load_records(any_store, records)
    assert verdict(check(any_store, "p:qian", "LEGAL_REPRESENTATIVE", "2016-01-01")) == "DENY"
    assert verdict(check(any_store, "p:qian", "LEGAL_REPRESENTATIVE", "2024-04-09")) == "DENY"
    assert verdict(check(any_store, "p:qian", "LEGAL_REPRESENTATIVE", "2024-04-10")) == "ALLOW"


@pytest.mark.pins("company-law-178-2")
def test_suspended_sentence_bars_until_two_years_after_probation(any_store: GraphStore) -> None:
    records = [
        person("p:sun", "孙八"),
        event(
            "ev:c",
            "CRIMINAL_CONVICTION",
            "p:sun",
            "2018-03-01",
            sentence_end="2020-02-29",
            probation_end="2021-02-28",
            category="graft",
        ),
    ]
    load_records(any_store, records)
    assert verdict(check(any_store, "p:sun", "DIRECTOR", "2023-02-28")) == "DENY"
    assert verdict(check(any_store, "p:sun", "DIRECTOR", "2023-03-01")) == "ALLOW"


@pytest.mark.pins("company-law-178-5")
def test_dishonest_debtor_barred_while_listed_and_released_on_deletion(
    any_store: GraphStore,
) -> None:
    records = [
        person("p:zhou", "周九"),
        event("ev:d", "DISHONEST_DEBTOR_LISTED", "p:zhou", "2022-01-10", ground="unpaid_debt"),
    ]
    load_records(any_store, records)
    decision = check(any_store, "p:zhou", "MANAGER", "2026-01-01")
    assert verdict(decision) == "DENY"
    assert decision.reasons[0].restriction.until is None  # while listed: open-ended
    load_records(any_store, [event("ev:d-del", "DELISTED", "p:zhou", "2026-03-01", lifts="ev:d")])
    assert verdict(check(any_store, "p:zhou", "MANAGER", "2026-02-28")) == "DENY"
    assert verdict(check(any_store, "p:zhou", "MANAGER", "2026-03-01")) == "ALLOW"


@pytest.mark.pins("serious-violation-legal-rep")
def test_serious_violation_list_bars_legal_rep_but_not_directorship(any_store: GraphStore) -> None:
    records = [
        enterprise(E1, "某某食品有限公司"),
        person("p:wu", "吴十"),
        link("LEGAL_REPRESENTATIVE", "p:wu", E1, "2017-01-01"),
        event("ev:s", "SERIOUS_VIOLATION_LISTED", E1, "2022-05-20", ground="abnormal_expired"),
    ]
    load_records(any_store, records)
    assert verdict(check(any_store, "p:wu", "LEGAL_REPRESENTATIVE", "2025-05-20")) == "DENY"
    assert verdict(check(any_store, "p:wu", "PRINCIPAL", "2025-05-20")) == "DENY"
    assert verdict(check(any_store, "p:wu", "LEGAL_REPRESENTATIVE", "2025-05-21")) == "ALLOW"
    assert verdict(check(any_store, "p:wu", "DIRECTOR", "2023-01-01")) == "ALLOW"
