"""Persons named responsible by a decision, as identity sees them: a court names the person
under an id later folded into another (same identity number), or names a published entry
(a name and a masked number) rather than a registry person. Either must reach the person the
id or the entry stands for — exactly, for an alias; with the identity link's certainty, for an
entry (UNCONFIRMED → REVIEW, judged the same → DENY, judged different → never). On both
stores; later judgements and later identity links re-derive what they change."""

from __future__ import annotations

import datetime as dt

from creditgraph.domain.model import Certainty, Verdict
from creditgraph.identity.resolution import judge
from creditgraph.service.decisions import Decisions
from creditgraph.store.base import GraphStore
from helpers_import import resident_id
from scenario import (
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

ON = "2024-05-01"
DEBTOR = uscc("henan-debtor-builder", "410100")
REVOKED = uscc("henan-revoked-trader", "410100")
WANG_QIANG = resident_id("410105", "19780214", "033")
ZHANG_WEI = resident_id("410184", "19810302", "251")
STRANGER = resident_id("410184", "19810911", "377")
LISTED_MASK = ZHANG_WEI[:10] + "****" + ZHANG_WEI[14:]
ENTRY = "lp:court-dishonest:a1"


# aliases -------------------------------------------------------------------------------------
def _court_files_wang_qiang_without_his_number() -> list[dict]:
    """The court knows 王强 only under its own id: legal representative of the builder it
    lists as a dishonest debtor, named responsible; and of a trader whose licence was revoked."""
    return [
        enterprise(DEBTOR, "河南某某建筑工程有限公司"),
        enterprise(REVOKED, "河南某某贸易有限公司", status="revoked"),
        person("p:court-0077", "王强"),
        link("LEGAL_REPRESENTATIVE", "p:court-0077", DEBTOR, "2015-04-01"),
        link("LEGAL_REPRESENTATIVE", "p:court-0077", REVOKED, "2016-01-01"),
        event(
            "ev:debtor", "DISHONEST_DEBTOR_LISTED", DEBTOR, "2023-06-01",
            ground="unpaid_debt", responsible=["p:court-0077"],
        ),
        event("ev:revoked", "LICENSE_REVOKED", REVOKED, "2022-03-01", responsible=["p:court-0077"]),
    ]  # fmt: skip


def test_dishonest_debtor_naming_the_later_id_responsible_restricts_the_merged_person(
    any_store: GraphStore,
) -> None:
    load_records(any_store, [person("p:amr-0012", "王强", id_number=WANG_QIANG)])
    load_records(any_store, _court_files_wang_qiang_without_his_number())
    # the court now sends his number: its id becomes an alias of the registry's person
    load_records(any_store, [person("p:court-0077", "王强", id_number=WANG_QIANG)])
    assert any_store.node("p:court-0077") is None

    decision = eligibility(any_store, "p:amr-0012", "HIGH_CONSUMPTION", ON)

    assert decision.decision is Verdict.DENY
    named = [
        r for r in decision.reasons if r.restriction.rule == "consumption-restriction-responsible"
    ]
    assert named, decision.reasons
    for reason in named:
        assert reason.restriction.event_id == "ev:debtor"
        assert reason.restriction.certainty is Certainty.CONFIRMED
    # the alias answers the same, and nothing is derived for an id that is no person any more
    assert eligibility(any_store, "p:court-0077", "HIGH_CONSUMPTION", ON).decision is Verdict.DENY
    assert not any_store.restrictions(subject="p:court-0077")
    (listing,) = [e for e in any_store.events(kind="DISHONEST_DEBTOR_LISTED")]
    assert listing.responsible == ("p:amr-0012",)


def test_revocation_naming_the_later_id_responsible_bars_the_merged_person_as_director(
    any_store: GraphStore,
) -> None:
    load_records(any_store, [person("p:amr-0012", "王强", id_number=WANG_QIANG)])
    load_records(any_store, _court_files_wang_qiang_without_his_number())
    assert check(any_store, "p:amr-0012", "DIRECTOR", ON).decision is Verdict.ALLOW

    load_records(any_store, [person("p:court-0077", "王强", id_number=WANG_QIANG)])

    decision = check(any_store, "p:amr-0012", "DIRECTOR", ON)
    assert decision.decision is Verdict.DENY
    assert {r.restriction.event_id for r in decision.reasons} == {"ev:revoked"}
    incremental = sorted(r.to_stored_json() for r in any_store.restrictions())
    any_store.recompute()
    assert sorted(r.to_stored_json() for r in any_store.restrictions()) == incremental


# published entries named responsible -------------------------------------------------------
def _registry() -> list[dict]:
    return [
        enterprise(DEBTOR, "河南某某建筑工程有限公司"),
        enterprise(REVOKED, "河南某某贸易有限公司", status="revoked"),
        person("p:zhang-wei-410184", "张伟", id_number=ZHANG_WEI),
        person("p:zhang-wei-stranger", "张伟", id_number=STRANGER),
        link("LEGAL_REPRESENTATIVE", "p:zhang-wei-410184", REVOKED, "2016-01-01"),
        link("LEGAL_REPRESENTATIVE", "p:zhang-wei-stranger", REVOKED, "2016-01-01"),
    ]


def _court_names_the_listed_person() -> list[dict]:
    """The court's list shows 張偉 with a masked number; its decisions on the two companies
    name that entry, not a registry person, as responsible."""
    return [
        person(
            ENTRY, "張偉", id_number_masked=LISTED_MASK, sex="男", birth_year=1981,
            province="河南", provenance={"source": "court-dishonest", "row": 2},
        ),
        event(
            "ev:debtor", "DISHONEST_DEBTOR_LISTED", DEBTOR, "2023-06-01",
            ground="unpaid_debt", responsible=[ENTRY],
        ),
        event("ev:revoked", "LICENSE_REVOKED", REVOKED, "2022-03-01", responsible=[ENTRY]),
    ]  # fmt: skip


def _judge(store: GraphStore, person_id: str, verdict: str) -> None:
    judge(store, ENTRY, person_id, verdict, why=None, judged_by="steward-1", on=dt.date(2024, 4, 1))


def test_debtor_naming_a_published_entry_reaches_its_match_for_review_with_the_evidence(
    any_store: GraphStore,
) -> None:
    load_records(any_store, _registry())
    load_records(any_store, _court_names_the_listed_person())

    decision = eligibility(any_store, "p:zhang-wei-410184", "HIGH_CONSUMPTION", ON)

    assert decision.decision is Verdict.REVIEW
    (reason,) = [r for r in decision.reasons if r.restriction.event_id == "ev:debtor"]
    assert reason.restriction.certainty is Certainty.UNCONFIRMED
    rels = [step.rel for step in reason.restriction.path if step.rel]
    assert rels == ["POSSIBLY_SAME_PERSON", "NAMED_RESPONSIBLE"]
    assert reason.identity is not None and reason.identity.entry == ENTRY
    assert any("compatible" in e for e in reason.identity.evidence)
    # the same-name stranger whose number contradicts the mask is never reached
    stranger = eligibility(any_store, "p:zhang-wei-stranger", "HIGH_CONSUMPTION", ON)
    assert stranger.decision is Verdict.ALLOW


def test_revocation_naming_a_published_entry_bars_its_legal_rep_match_for_review_then_deny(
    any_store: GraphStore,
) -> None:
    load_records(any_store, _registry())
    load_records(any_store, _court_names_the_listed_person())

    decision = check(any_store, "p:zhang-wei-410184", "DIRECTOR", ON)
    assert decision.decision is Verdict.REVIEW
    (reason,) = {r.restriction.event_id: r for r in decision.reasons}.values()
    assert reason.restriction.event_id == "ev:revoked"
    assert ENTRY in (reason.restriction.note or "")
    # the stranger also represented the company, but the entry is not him
    assert check(any_store, "p:zhang-wei-stranger", "DIRECTOR", ON).decision is Verdict.ALLOW

    _judge(any_store, "p:zhang-wei-410184", "same")

    decision = check(any_store, "p:zhang-wei-410184", "DIRECTOR", ON)
    assert decision.decision is Verdict.DENY
    assert {r.restriction.event_id for r in decision.reasons} == {"ev:revoked"}
    assert eligibility(any_store, "p:zhang-wei-410184", "HIGH_CONSUMPTION", ON).decision is (
        Verdict.DENY
    )


def test_published_entry_judged_a_different_person_never_reaches_him_through_a_decision(
    any_store: GraphStore,
) -> None:
    load_records(any_store, _registry())
    load_records(any_store, _court_names_the_listed_person())

    _judge(any_store, "p:zhang-wei-410184", "different")

    assert check(any_store, "p:zhang-wei-410184", "DIRECTOR", ON).decision is Verdict.ALLOW
    assert (
        eligibility(any_store, "p:zhang-wei-410184", "HIGH_CONSUMPTION", ON).decision
        is Verdict.ALLOW
    )
    assert not any_store.restrictions(subject="p:zhang-wei-410184")


def test_registry_person_arriving_after_the_decision_is_reached_and_equals_a_recompute(
    any_store: GraphStore,
) -> None:
    load_records(any_store, [r for r in _registry() if r["type"] == "enterprise"])
    load_records(any_store, _court_names_the_listed_person())
    assert not any_store.restrictions(subject="p:zhang-wei-410184")

    load_records(any_store, _registry())  # the identity link is made now: the decisions follow

    assert check(any_store, "p:zhang-wei-410184", "DIRECTOR", ON).decision is Verdict.REVIEW
    assert (
        eligibility(any_store, "p:zhang-wei-410184", "HIGH_CONSUMPTION", ON).decision
        is Verdict.REVIEW
    )
    incremental = sorted(r.to_stored_json() for r in any_store.restrictions())
    any_store.recompute()
    assert sorted(r.to_stored_json() for r in any_store.restrictions()) == incremental


def test_batch_of_checks_explains_a_reach_through_an_entry_like_a_single_check(
    any_store: GraphStore,
) -> None:
    load_records(any_store, _registry())
    load_records(any_store, _court_names_the_listed_person())
    # the entry is itself listed a dishonest debtor: reached through the identity link
    listing = event(
        "ev:entry", "DISHONEST_DEBTOR_LISTED", ENTRY, "2023-09-01", ground="unpaid_debt"
    )
    load_records(any_store, [listing])
    both = [
        (pid, "DIRECTOR", None, day(ON)) for pid in ("p:zhang-wei-410184", "p:zhang-wei-stranger")
    ]

    single = check(any_store, "p:zhang-wei-410184", "DIRECTOR", ON)
    batch = Decisions(any_store).check_appointments(both)

    assert batch[0].to_json() == single.to_json()
    assert any(r.identity is not None and r.identity.entry == ENTRY for r in single.reasons)
    assert batch[1].decision is Verdict.ALLOW

    # a steward's "same" for a pair resolution did not propose: the batch reads the judged
    # person it did not prefetch for the evidence
    _judge(any_store, "p:zhang-wei-stranger", "same")
    batch = Decisions(any_store).check_appointments(both)
    single = check(any_store, "p:zhang-wei-stranger", "DIRECTOR", ON)
    assert batch[1].to_json() == single.to_json()
    assert single.decision is Verdict.DENY
    assert any(r.identity is not None and r.identity.entry == ENTRY for r in single.reasons)
