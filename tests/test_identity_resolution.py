"""Published entries resolved to registry persons: a court's dishonest-debtor list shows a
name and a masked number; a registry person reached through it is REVIEW until a steward
judges the pair, and a same-name stranger whose number contradicts the mask is never touched.
Every scenario runs on both stores."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from creditgraph.domain.model import Certainty, Verdict
from creditgraph.identity.resolution import judge, resolution_queue, resolve_entry
from creditgraph.ingest.loader import load
from creditgraph.schema import default_schema
from creditgraph.store.base import GraphStore
from creditgraph.store.embedded import EmbeddedStore
from helpers_import import cli, resident_id, write_jsonl
from scenario import check, event, lines, load_records, person
from support.stores import TEST_ID_KEY

ON = dt.date(2024, 5, 1)
# 张伟, born 1981-03-02 in 新郑市 (河南): the registry knows his full number
ZHANG_WEI = resident_id("410184", "19810302", "251")
# another 张伟, same county and year, whose last digits differ: the mask rules him out
STRANGER = resident_id("410184", "19810911", "377")
LISTED_MASK = ZHANG_WEI[:10] + "****" + ZHANG_WEI[14:]  # the court's first-10 + last-4 form


def _registry() -> list[dict]:
    return [
        person("p:zhang-wei-410184", "张伟", id_number=ZHANG_WEI),
        person("p:zhang-wei-stranger", "张伟", id_number=STRANGER),
    ]


def _court_list(**extra: object) -> list[dict]:
    return [
        person(
            "lp:court-dishonest:a1",
            "張偉",  # the list writes the name in traditional characters
            id_number_masked=LISTED_MASK,
            sex="男",
            birth_year=1981,
            province="河南",
            provenance={"source": "court-dishonest", "file": "list.csv", "row": 2},
            **extra,
        ),
        event(
            "ev:court:a1",
            "DISHONEST_DEBTOR_LISTED",
            "lp:court-dishonest:a1",
            "2023-09-01",
            provenance={"source": "court-dishonest", "case_number": "(2023)豫0184执1234号"},
            ground="unpaid_debt",  # 有履行能力而拒不履行: meets 公司法 第一百七十八条第一款第五项
        ),
    ]


def test_dishonest_debtor_listed_by_masked_number_reaches_the_compatible_person_as_review(
    any_store: GraphStore,
) -> None:
    load_records(any_store, _registry())
    load_records(any_store, _court_list())

    decision = check(any_store, "p:zhang-wei-410184", "DIRECTOR", on="2024-05-01")

    assert decision.decision is Verdict.REVIEW
    (reason,) = decision.reasons
    assert reason.restriction.certainty is Certainty.UNCONFIRMED
    assert reason.restriction.event_id == "ev:court:a1"
    assert [step.rel for step in reason.restriction.path if step.rel] == ["POSSIBLY_SAME_PERSON"]
    resolution = resolve_entry(any_store, any_store.node("lp:court-dishonest:a1"))  # type: ignore[arg-type]
    assert resolution.outcome == "MATCHED"
    (candidate,) = resolution.candidates
    assert candidate.person == "p:zhang-wei-410184"
    assert any("birth year 1981 agrees" in e for e in candidate.evidence)


def test_same_name_stranger_whose_number_contradicts_the_mask_is_never_reached(
    any_store: GraphStore,
) -> None:
    load_records(any_store, _registry())
    load_records(any_store, _court_list())

    assert (
        check(any_store, "p:zhang-wei-stranger", "DIRECTOR", on="2024-05-01").decision
        is Verdict.ALLOW
    )


def test_registry_person_loaded_after_the_list_is_reached_as_well(any_store: GraphStore) -> None:
    load_records(any_store, [*_court_list()])
    load_records(any_store, _registry())

    assert (
        check(any_store, "p:zhang-wei-410184", "DIRECTOR", on="2024-05-01").decision
        is Verdict.REVIEW
    )


def test_list_row_contradicting_its_own_mask_is_refused_and_nothing_is_loaded(
    store: GraphStore,
) -> None:
    records = _court_list()
    records[0] = {**records[0], "sex": "女"}  # the mask's 17th digit says male

    result = load(lines(records), store)

    first = result.errors[0]
    assert (first.line, first.field) == (1, "sex")
    assert first.reason.startswith("女 disagrees with id_number_masked")
    assert store.node("lp:court-dishonest:a1") is None


def test_list_row_whose_birth_year_contradicts_the_persons_number_reaches_nobody(
    any_store: GraphStore,
) -> None:
    load_records(any_store, _registry())
    records = _court_list()
    # a 双公示-style mask hides the birth date; the row's 年龄 says 1982
    records[0] = {
        **records[0],
        "id_number_masked": ZHANG_WEI[:6] + "*" * 10 + ZHANG_WEI[16:],
        "birth_year": 1982,
    }
    load_records(any_store, records)

    assert (
        check(any_store, "p:zhang-wei-410184", "DIRECTOR", on="2024-05-01").decision
        is Verdict.ALLOW
    )


def test_steward_judging_the_pair_the_same_person_turns_review_into_deny(
    any_store: GraphStore,
) -> None:
    load_records(any_store, _registry())
    load_records(any_store, _court_list())

    judge(
        any_store,
        "lp:court-dishonest:a1",
        "p:zhang-wei-410184",
        "same",
        why="执行裁定书载明的身份证号与登记一致",
        judged_by="steward-1",
        on=ON,
    )

    decision = check(any_store, "p:zhang-wei-410184", "DIRECTOR", on="2024-05-01")
    assert decision.decision is Verdict.DENY
    assert decision.reasons[0].restriction.certainty is Certainty.CONFIRMED
    assert resolution_queue(any_store, on=ON) == []


def test_a_pair_given_person_first_is_the_same_judgement(any_store: GraphStore) -> None:
    # CONTRACT: judge ENTRY_OR_PERSON_ID PERSON_ID — the steward may name the person first
    load_records(any_store, _registry())
    load_records(any_store, _court_list())

    resolution, _ = judge(
        any_store,
        "p:zhang-wei-410184",
        "lp:court-dishonest:a1",
        "same",
        why="执行裁定书载明的身份证号与登记一致",
        judged_by="steward-1",
        on=ON,
    )

    assert resolution.entry.id == "lp:court-dishonest:a1"
    decision = check(any_store, "p:zhang-wei-410184", "DIRECTOR", on="2024-05-01")
    assert decision.decision is Verdict.DENY
    assert decision.reasons[0].restriction.certainty is Certainty.CONFIRMED


def test_judgement_different_survives_a_reload_of_the_list(any_store: GraphStore) -> None:
    load_records(any_store, _registry())
    load_records(any_store, _court_list())
    assert [r.entry.id for r in resolution_queue(any_store, on=ON)] == ["lp:court-dishonest:a1"]

    judge(
        any_store,
        "lp:court-dishonest:a1",
        "p:zhang-wei-410184",
        "different",
        why="申请人提供了户籍证明",
        judged_by="steward-1",
        on=ON,
    )
    load_records(any_store, _court_list())  # the court publishes its list again

    assert (
        check(any_store, "p:zhang-wei-410184", "DIRECTOR", on="2024-05-01").decision
        is Verdict.ALLOW
    )
    assert resolution_queue(any_store, on=ON) == []


def test_judgement_different_survives_export_and_load_into_a_new_store(
    store: GraphStore, tmp_path
) -> None:
    load_records(store, _registry())
    load_records(store, _court_list())
    judge(
        store,
        "lp:court-dishonest:a1",
        "p:zhang-wei-410184",
        "different",
        why=None,
        judged_by="steward-1",
        on=ON,
    )
    exported = list(store.export())
    assert not any(r.get("rel") in ("SAME_PERSON", "POSSIBLY_SAME_PERSON") for r in exported)

    from creditgraph.schema import default_schema
    from support.stores import TEST_ID_KEY

    moved = EmbeddedStore(tmp_path / "moved.db", default_schema(), id_key=TEST_ID_KEY)
    try:
        result = load(lines(exported), moved)
        assert not result.errors, result.errors
        assert (
            check(moved, "p:zhang-wei-410184", "DIRECTOR", on="2024-05-01").decision
            is Verdict.ALLOW
        )
        load(lines(_court_list()), moved)
        assert (
            check(moved, "p:zhang-wei-410184", "DIRECTOR", on="2024-05-01").decision
            is Verdict.ALLOW
        )
    finally:
        moved.close()


def test_incremental_resolution_equals_a_full_recompute(any_store: GraphStore) -> None:
    load_records(any_store, _court_list())
    load_records(any_store, _registry())
    judge(
        any_store,
        "lp:court-dishonest:a1",
        "p:zhang-wei-410184",
        "unsure",
        why=None,
        judged_by="steward-1",
        on=ON,
    )
    incremental = sorted(r.to_stored_json() for r in any_store.restrictions())

    any_store.recompute()

    assert sorted(r.to_stored_json() for r in any_store.restrictions()) == incremental
    assert any(r.subject == "p:zhang-wei-410184" for r in any_store.restrictions())


def test_mask_showing_little_with_two_same_name_holders_is_ambiguous_and_both_are_review(
    any_store: GraphStore,
) -> None:
    twin = resident_id("410184", "19850302", "061")  # same first six and last two digits
    registry = [*_registry(), person("p:zhang-wei-twin", "张伟", id_number=twin)]
    load_records(any_store, registry)
    shared = ZHANG_WEI[:6] + "*" * 10 + ZHANG_WEI[16:]
    assert twin[:6] + "*" * 10 + twin[16:] == shared, "the scenario needs two compatible numbers"
    records = _court_list()
    records[0] = {**records[0], "id_number_masked": shared, "birth_year": None}
    load_records(any_store, [{k: v for k, v in r.items() if v is not None} for r in records])

    resolution = resolve_entry(any_store, any_store.node("lp:court-dishonest:a1"))  # type: ignore[arg-type]
    assert resolution.outcome == "AMBIGUOUS"
    assert {c.person for c in resolution.candidates} == {"p:zhang-wei-410184", "p:zhang-wei-twin"}
    for pid in ("p:zhang-wei-410184", "p:zhang-wei-twin"):
        assert check(any_store, pid, "DIRECTOR", on="2024-05-01").decision is Verdict.REVIEW

    judge(
        any_store,
        "lp:court-dishonest:a1",
        "p:zhang-wei-twin",
        "different",
        why=None,
        judged_by="steward-1",
        on=ON,
    )
    after = resolve_entry(any_store, any_store.node("lp:court-dishonest:a1"))  # type: ignore[arg-type]
    assert (after.outcome, [c.person for c in after.candidates]) == (
        "MATCHED",
        ["p:zhang-wei-410184"],
    )
    assert (
        check(any_store, "p:zhang-wei-twin", "DIRECTOR", on="2024-05-01").decision is Verdict.ALLOW
    )


def test_cli_judge_takes_exactly_one_verdict_and_records_it(tmp_path: Path) -> None:
    # two verdicts at once used to record whichever flag came last: a steward's slip must
    # be refused, not turned into a durable judgement
    store = tmp_path / "s.db"
    data = write_jsonl(tmp_path / "d.jsonl", [*_registry(), *_court_list()])
    env = {"CREDITGRAPH_ID_KEY": TEST_ID_KEY}
    assert cli("load", data, "--store", store, env=env).exit_code == 0
    pair = ["judge", "lp:court-dishonest:a1", "p:zhang-wei-410184", "--store", str(store)]

    for flags in (["--same", "--different"], ["--different", "--same"], []):
        refused = cli(*pair, *flags, env=env)
        assert refused.exit_code == 2, flags
        assert "give one of --same, --different, --unsure" in refused.stderr
    assert not any(e.kind == "IDENTITY_JUDGED" for e in _stored_events(store))  # nothing recorded

    judged = cli(*pair, "--same", "--why", "户籍证明", env=env)
    assert judged.exit_code == 0, judged.output
    assert "CONFIRMED" in judged.stdout
    (verdict,) = [e for e in _stored_events(store) if e.kind == "IDENTITY_JUDGED"]
    assert verdict.props["verdict"] == "same"


def _stored_events(path: Path) -> list:
    opened = EmbeddedStore(path, default_schema(), id_key=TEST_ID_KEY)
    try:
        return opened.events()
    finally:
        opened.close()
