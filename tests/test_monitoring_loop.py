"""The joint reward-and-punishment loop on both stores: incentives and their veto, credit
commitments, credit grades, watches and alerts, notices of duties and removals, feedback."""

from __future__ import annotations

import datetime as dt

import pytest

from creditgraph.monitoring.grades import Grades
from creditgraph.monitoring.react import ALERT, CHANGE, NOTICE, OFFICE_HOLDERS, PENDING
from creditgraph.monitoring.service import Monitoring
from creditgraph.service.errors import InvalidArgument, UnknownId
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
)

TODAY = "2026-06-01"
E = uscc("monitoring-enterprise")
OTHER = uscc("monitoring-other")


def _pin(store: GraphStore) -> Monitoring:
    store.pinned_today = day(TODAY)  # type: ignore[attr-defined]
    return Monitoring(store, today=lambda: day(TODAY))


def _base(store: GraphStore) -> None:
    load_records(
        store,
        [
            enterprise(E, "清远某某制造有限公司"),
            enterprise(OTHER, "清远另一贸易有限公司"),
            person("p:director", "李四"),
            person("p:bystander", "王五"),
            agency("g:court", "清远市中级人民法院"),
            agency("g:amr", "清远市市场监督管理局"),
            link("DIRECTOR", "p:director", E, "2025-01-01"),
            link("MANAGER", "p:bystander", OTHER, "2025-01-01"),
        ],
    )


def _alerts(store: GraphStore) -> list:
    return store.monitor_records(ALERT)


def test_director_barred_mid_term_alerts_the_enterprise_watcher_once_and_asks_removal(
    any_store: GraphStore,
) -> None:
    monitoring = _pin(any_store)
    _base(any_store)
    watch = monitoring.watch(E, scope=OFFICE_HOLDERS, owner="hr-system")
    assert any_store.monitor_records(ALERT) == []
    load_records(
        any_store,
        [
            event(
                "ev:debtor",
                "DISHONEST_DEBTOR_LISTED",
                "p:director",
                "2026-05-20",
                authority="g:court",
                ground="unpaid_debt",
                until="2028-05-20",  # the listing's term, as the court set it
            )
        ],
    )
    alerts = _alerts(any_store)
    assert len(alerts) == 1
    (alert,) = alerts
    assert alert.data["watch"] == watch.id
    assert alert.subject == "p:director"
    assert alert.data["via"] == {"role": "DIRECTOR", "enterprise": E}
    change = alert.data["change"]
    assert change["change"] == "RESTRICTED"
    assert change["before"]["decision"] == "ALLOW"
    assert change["after"]["decision"] == "DENY"
    assert "BAR_DIRECTOR" in change["after"]["measures"]
    assert "company-law-178-5" in change["reason"]
    assert alert.status == "FEED_ONLY"  # no webhook: read from the feed
    notices = [n for n in any_store.monitor_records(NOTICE) if n.data["notice"] == "REMOVAL"]
    assert len(notices) == 1
    (notice,) = notices
    assert notice.subject == E and notice.status == PENDING
    assert notice.data["person"] == "p:director" and notice.data["role"] == "DIRECTOR"
    assert notice.data["legal_basis"] == "公司法(2023) 第一百七十八条第三款"
    # a bystander's enterprise is not watched: its changes reach the feed, not the watcher
    load_records(
        any_store,
        [
            event(
                "ev:other",
                "DISHONEST_DEBTOR_LISTED",
                "p:bystander",
                "2026-05-21",
                ground="unpaid_debt",
                until="2028-05-21",
            )
        ],
    )
    assert len(_alerts(any_store)) == 1
    feed = monitoring.changes("0", first=10)
    assert [c.subject for c in feed.records] == ["p:director", "p:bystander"]


def test_upheld_objection_produces_a_restored_alert(any_store: GraphStore) -> None:
    monitoring = _pin(any_store)
    _base(any_store)
    load_records(
        any_store,
        [
            event(
                "ev:debtor",
                "DISHONEST_DEBTOR_LISTED",
                "p:director",
                "2026-05-20",
                ground="unpaid_debt",
                until="2028-05-20",
            )
        ],
    )
    since = any_store.data_version()
    monitoring.watch("p:director", owner="bank")
    load_records(
        any_store,
        [event("ev:objection", "OBJECTION_UPHELD", "p:director", "2026-05-25", lifts="ev:debtor")],
    )
    (alert,) = _alerts(any_store)
    change = alert.data["change"]
    assert change["change"] == "RESTORED"
    assert change["before"]["decision"] == "DENY" and change["after"]["decision"] == "ALLOW"
    assert all(lifted["voided_by"] == "ev:objection" for lifted in change["lifted"])
    assert "voided by ev:objection" in change["reason"]
    feed = monitoring.changes(since, first=10)
    assert [c.data["change"] for c in feed.records] == ["RESTORED"]


def test_red_listed_enterprise_gets_accept_with_gaps_until_a_serious_penalty_vetoes_it(
    any_store: GraphStore,
) -> None:
    _pin(any_store)
    _base(any_store)
    load_records(any_store, [event("ev:red", "RED_LISTED", E, "2026-01-10", authority="g:amr")])
    decision = eligibility(any_store, E, "GOV_PROCUREMENT", "2026-03-01")
    assert decision.decision.value == "ALLOW"
    granted = {r.restriction.measure for r in decision.incentives}
    assert {"ACCEPT_WITH_GAPS", "GREEN_CHANNEL", "PRIORITY_HANDLING"} <= granted
    assert decision.to_json()["incentives"][0]["rule"] == "red-list-incentives"
    load_records(
        any_store,
        [event("ev:fine", "ADMINISTRATIVE_PENALTY", E, "2026-04-01", severity="serious")],
    )
    # an activity the penalty itself does not bar: the veto alone withholds the incentives
    vetoed = eligibility(any_store, E, "HIGH_CONSUMPTION", "2026-04-02")
    assert vetoed.decision.value == "ALLOW"
    assert vetoed.incentives == ()
    withheld = {r.restriction.rule: r.restriction.measure for r in vetoed.incentives_withheld}
    assert withheld["incentive-veto-serious-penalty"] == "INCENTIVES_SUSPENDED"
    # before the penalty the incentives stood
    assert eligibility(any_store, E, "GOV_PROCUREMENT", "2026-03-31").incentives


def test_incentive_never_outweighs_a_bar(any_store: GraphStore) -> None:
    _base(any_store)
    load_records(
        any_store,
        [
            event("ev:honour", "HONOUR_AWARDED", "p:director", "2026-01-10"),
            event(
                "ev:debt",
                "DISHONEST_DEBTOR_LISTED",
                "p:director",
                "2026-02-01",
                ground="unpaid_debt",
                until="2028-02-01",
            ),
        ],
    )
    decision = check(any_store, "p:director", "DIRECTOR", "2026-03-01")
    assert decision.decision.value == "DENY"
    assert decision.incentives == ()
    assert "company-law-178-5" in {r.restriction.rule for r in decision.incentives_withheld}


def test_breached_commitment_turns_into_the_restriction_it_entails(any_store: GraphStore) -> None:
    monitoring = _pin(any_store)
    _base(any_store)
    load_records(
        any_store,
        [
            event(
                "ev:promise",
                "CREDIT_COMMITMENT",
                E,
                "2026-01-05",
                authority="g:amr",
                matter="容缺受理 — 三十日内补正消防验收材料",
                entails="procurement_ban",
                deadline="2026-02-04",
            ),
            event(
                "ev:kept",
                "CREDIT_COMMITMENT",
                E,
                "2025-01-05",
                authority="g:amr",
                matter="按期报送年报",
                entails="credit_record",
                deadline="2025-06-30",
            ),
        ],
    )
    assert eligibility(any_store, E, "GOV_PROCUREMENT", "2026-03-01").decision.value == "ALLOW"
    load_records(
        any_store,
        [event("ev:breach", "COMMITMENT_BREACHED", E, "2026-02-10", commitment="ev:promise")],
    )
    decision = eligibility(any_store, E, "GOV_PROCUREMENT", "2026-03-01")
    assert decision.decision.value == "DENY"
    assert {r.restriction.rule for r in decision.reasons} == {
        "commitment-breach-procurement-ban",
        "commitment-breach-record",
    }
    shown = {c["id"]: c for c in monitoring.commitments(E, on=day("2026-03-01"))}
    assert shown["ev:promise"]["status"] == "BREACHED"
    assert shown["ev:promise"]["breaches"] == [{"id": "ev:breach", "date": "2026-02-10"}]
    assert shown["ev:kept"]["status"] == "KEPT"


def test_credit_grades_follow_what_is_in_force(any_store: GraphStore) -> None:
    _base(any_store)
    grades = Grades(any_store)
    assert grades.grade(E, as_of=day("2026-03-01")).grade == "B"
    load_records(any_store, [event("ev:red", "RED_LISTED", E, "2026-01-10")])
    graded = grades.grade(E, as_of=day("2026-03-01"))
    assert graded.grade == "A" and graded.inspection_ratio == 0.02
    assert graded.reasons[0].restriction is not None
    load_records(any_store, [event("ev:abn", "ABNORMAL_OPERATION_LISTED", E, "2026-04-01")])
    assert grades.grade(E, as_of=day("2026-04-02")).grade == "C"
    load_records(
        any_store,
        [
            event(
                "ev:dd",
                "DISHONEST_DEBTOR_LISTED",
                E,
                "2026-05-01",
                ground="unpaid_debt",
                until="2028-05-01",
            )
        ],
    )
    worst = grades.grade(E, as_of=day("2026-05-02"))
    assert worst.grade == "D" and worst.inspection_ratio == 0.5
    assert grades.grade(E, as_of=day("2026-03-01")).grade == "A"  # as of a date
    page, _ = grades.listing("D", as_of=day("2026-05-02"), first=10)
    assert [g.subject for g in page] == [E]
    page, _ = grades.listing("B", as_of=day("2026-05-02"), first=10)
    assert [g.subject for g in page] == [OTHER]
    with pytest.raises(InvalidArgument):
        grades.grade("p:director", as_of=day("2026-05-02"))


def test_notification_duty_becomes_a_notice_to_the_agency_until_acknowledged(
    any_store: GraphStore,
) -> None:
    monitoring = _pin(any_store)
    load_records(
        any_store,
        [
            agency("g:bureau", "清远市某局"),
            agency("g:superior", "清远市人民政府"),
            link("SUPERIOR_OF", "g:superior", "g:bureau", "2020-01-01"),
            event("ev:p", "ADMINISTRATIVE_PENALTY", "g:bureau", "2026-05-01", severity="general"),
        ],
    )
    (notice,) = monitoring.notices(addressee="g:superior")
    assert notice.status == PENDING and notice.due == "2026-05-16"
    assert notice.data["measure"] == "NOTIFY_SUPERIOR_AND_AUDIT"
    assert monitoring.notices(overdue_on=day("2026-05-16")) == []
    assert [n.id for n in monitoring.notices(overdue_on=day("2026-05-17"))] == [notice.id]
    acked = monitoring.acknowledge(notice.id, by="g:superior")
    assert acked.status == "ACKNOWLEDGED"
    assert monitoring.notices(overdue_on=day("2026-05-17")) == []
    with pytest.raises(UnknownId):
        monitoring.acknowledge("n:nothing", by="x")


def test_feedback_is_kept_with_the_decision_version_and_counted(any_store: GraphStore) -> None:
    monitoring = Monitoring(any_store)
    _base(any_store)
    version = any_store.data_version()
    for case, when in (("案1", "2026-04-03"), ("案2", "2026-04-20"), ("案3", "2026-05-02")):
        monitoring.record_feedback(
            subject=E,
            measure="BAR_GOV_PROCUREMENT",
            agency="g:amr",
            date=day(when),
            matter="政府采购资格审查",
            case_number=case,
            data_version=version,
            by="procurement",
        )
    monitoring.record_feedback(
        subject=E,
        measure="BAR_GOV_PROCUREMENT",
        agency="g:amr",
        date=day("2026-05-02"),
        matter="政府采购资格审查",
        case_number="案3",
        data_version=version,
        by="procurement",
        client_id="retry-1",
    )
    monitoring.record_feedback(
        subject=E,
        measure="BAR_GOV_PROCUREMENT",
        agency="g:amr",
        date=day("2026-05-02"),
        matter="政府采购资格审查",
        case_number="案3",
        data_version=version,
        by="procurement",
        client_id="retry-1",
    )
    assert monitoring.feedback_counts() == [
        {"measure": "BAR_GOV_PROCUREMENT", "agency": "g:amr", "month": "2026-04", "count": 2},
        {"measure": "BAR_GOV_PROCUREMENT", "agency": "g:amr", "month": "2026-05", "count": 2},
    ]
    with pytest.raises(InvalidArgument):
        monitoring.record_feedback(
            subject=E,
            measure="BAR_GOV_PROCUREMENT",
            agency="g:amr",
            date=day("2026-05-02"),
            matter="x",
            case_number=None,
            data_version="999999",
            by="procurement",
        )


def test_unwatched_party_changes_reach_only_the_feed(any_store: GraphStore) -> None:
    monitoring = _pin(any_store)
    _base(any_store)
    watch = monitoring.watch("p:director", owner="bank")
    monitoring.unwatch(watch.id)
    load_records(
        any_store,
        [
            event(
                "ev:debtor",
                "DISHONEST_DEBTOR_LISTED",
                "p:director",
                "2026-05-20",
                ground="unpaid_debt",
                until="2028-05-20",
            )
        ],
    )
    assert _alerts(any_store) == []
    assert [c.subject for c in any_store.monitor_records(CHANGE)] == ["p:director"]
    assert dt.date.fromisoformat(any_store.monitor_records(CHANGE)[0].data["on"]) == day(TODAY)


def test_commitment_corrected_after_its_breach_rederives_what_the_breach_entails(
    any_store: GraphStore,
) -> None:
    _base(any_store)
    promise = event(
        "ev:promise",
        "CREDIT_COMMITMENT",
        E,
        "2026-01-05",
        authority="g:amr",
        matter="容缺受理 — 三十日内补正材料",
        entails="credit_record",
    )
    load_records(
        any_store,
        [
            promise,
            event("ev:breach", "COMMITMENT_BREACHED", E, "2026-02-10", commitment="ev:promise"),
        ],
    )
    assert eligibility(any_store, E, "GOV_PROCUREMENT", "2026-03-01").decision.value == "REVIEW"
    # the commitment as signed entailed a procurement ban: the breach now bars procurement
    load_records(any_store, [{**promise, "entails": "procurement_ban"}])
    decision = eligibility(any_store, E, "GOV_PROCUREMENT", "2026-03-01")
    assert decision.decision.value == "DENY"
    assert "commitment-breach-procurement-ban" in {r.restriction.rule for r in decision.reasons}


def test_credit_repair_produces_a_restored_change_naming_the_repair(any_store: GraphStore) -> None:
    monitoring = _pin(any_store)
    _base(any_store)
    load_records(any_store, [event("ev:jp", "JOINT_PUNISHMENT_LISTED", E, "2026-01-10")])
    since = any_store.data_version()
    monitoring.watch(E, owner="bank")
    load_records(any_store, [event("ev:repair", "CREDIT_REPAIRED", E, "2026-05-01", lifts="ev:jp")])
    (change,) = monitoring.changes(since, first=10).records
    assert change.data["change"] == "RESTORED"
    assert (
        change.data["before"]["decision"] == "DENY" and change.data["after"]["decision"] == "ALLOW"
    )
    assert {m["ended_by"] for m in change.data["lifted"]} == {"ev:repair"}
    (alert,) = any_store.monitor_records(ALERT)
    assert alert.data["change"]["change"] == "RESTORED"
