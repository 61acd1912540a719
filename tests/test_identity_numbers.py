"""One person per identity number, and checks by identity number, as approval officers meet
them: the same man filed by two agencies under two ids; an applicant known only by his
身份证号; a number nobody in the registry holds but a court's list does (masked)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from creditgraph.domain.model import Verdict
from creditgraph.service.decisions import Decisions
from creditgraph.store.base import GraphStore
from creditgraph.store.embedded import EmbeddedStore
from helpers_import import cli, resident_id, write_jsonl
from scenario import check, day, enterprise, event, lines, link, load_records, person, uscc

ON = "2024-05-01"
LI_MING = resident_id("310104", "19750612", "031")  # 李明, 上海徐汇
REVOKED = uscc("revoked-trading")
OTHER = uscc("other-board")


def _shanghai_amr() -> list[dict]:
    """The market regulator's file: 李明 was legal representative of a company whose
    licence it revoked, and found personally responsible."""
    return [
        enterprise(REVOKED, "上海某某贸易有限公司", status="revoked"),
        person("p:sh-amr-0031", "李明", id_number=LI_MING),
        link("LEGAL_REPRESENTATIVE", "p:sh-amr-0031", REVOKED, "2016-01-01"),
        event(
            "ev:revoked",
            "LICENSE_REVOKED",
            REVOKED,
            "2022-03-01",
            responsible=["p:sh-amr-0031"],
        ),
    ]


def _tax_bureau() -> list[dict]:
    """The tax bureau files the same man under its own id, as director of another company."""
    return [
        enterprise(OTHER, "上海另一家有限公司"),
        person("p:sh-tax-778", "李明", id_number=LI_MING),
        link("DIRECTOR", "p:sh-tax-778", OTHER, "2023-01-01"),
    ]


def test_same_person_filed_by_two_agencies_under_two_ids_is_one_person(
    any_store: GraphStore,
) -> None:
    load_records(any_store, _shanghai_amr())
    load_records(any_store, _tax_bureau())

    # the tax bureau's id is an alias: the bar on the person reaches it
    decision = check(any_store, "p:sh-tax-778", "DIRECTOR", ON)
    assert decision.decision is Verdict.DENY
    assert decision.subject == "p:sh-amr-0031"
    assert any_store.node("p:sh-tax-778") is None
    held = any_store.node("p:sh-amr-0031")
    assert held is not None and held.props["aliases"] == ["p:sh-tax-778"]
    # the tax bureau's directorship is the person's: never double counted
    stats = any_store.stats(day(ON))
    assert stats["nodes"]["person"] == 1
    offices = any_store.links(["p:sh-amr-0031"], rels={"DIRECTOR"})
    assert [(link.src, link.dst) for link in offices] == [("p:sh-amr-0031", OTHER)]


def test_same_number_twice_in_one_delivery_keeps_the_first_id(any_store: GraphStore) -> None:
    load_records(any_store, [*_shanghai_amr(), *_tax_bureau()])

    assert any_store.node("p:sh-tax-778") is None
    assert check(any_store, "p:sh-tax-778", "DIRECTOR", ON).decision is Verdict.DENY
    assert any_store.stats(day(ON))["nodes"]["person"] == 1


def test_sanction_filed_on_the_alias_reaches_through_the_persons_offices(
    any_store: GraphStore,
) -> None:
    load_records(any_store, _tax_bureau())
    load_records(any_store, _shanghai_amr())  # the revocation names the later id

    decision = check(any_store, "p:sh-amr-0031", "DIRECTOR", ON)
    assert decision.decision is Verdict.DENY
    assert decision.subject == "p:sh-tax-778"  # the tax bureau's id came first


def test_a_later_filing_naming_the_alias_asks_the_store_about_each_id_once(
    any_store: GraphStore,
) -> None:
    """Merging (is a named id an alias?) and the reference check (what type is it?) ask the
    store about the same ids: a load asks once, and still files the link under the person."""
    load_records(any_store, _tax_bureau())
    load_records(any_store, _shanghai_amr())
    asked: Counter[str] = Counter()
    node_types = any_store.node_types

    def counted(ids: Iterable[str]) -> dict[str, str]:
        ids = list(ids)
        asked.update(ids)
        return node_types(ids)

    any_store.node_types = counted  # type: ignore[method-assign]
    load_records(any_store, [link("MANAGER", "p:sh-amr-0031", OTHER, "2024-01-01")])

    assert asked and max(asked.values()) == 1
    (manager,) = any_store.links(["p:sh-tax-778"], rels={"MANAGER"})
    assert manager.dst == OTHER


def test_person_filed_before_the_number_was_known_is_merged_when_it_arrives(
    any_store: GraphStore,
) -> None:
    first_filing = [r for r in _tax_bureau() if r["type"] != "person"]
    load_records(any_store, [person("p:sh-tax-778", "李明"), *first_filing])  # no number yet
    load_records(any_store, _shanghai_amr())
    assert check(any_store, "p:sh-tax-778", "DIRECTOR", ON).decision is Verdict.ALLOW

    load_records(any_store, _tax_bureau())  # the tax bureau now sends the number

    assert any_store.node("p:sh-tax-778") is None
    assert any_store.stats(day(ON))["nodes"]["person"] == 1
    decision = check(any_store, "p:sh-tax-778", "DIRECTOR", ON)
    assert (decision.decision, decision.subject) == (Verdict.DENY, "p:sh-amr-0031")
    directorships = any_store.links(["p:sh-amr-0031"], rels={"DIRECTOR"})
    assert [(link.src, link.dst) for link in directorships] == [("p:sh-amr-0031", OTHER)]
    (conflict,) = Decisions(any_store).conflicts(on=day(ON))
    assert (conflict.link.src, conflict.link.dst) == ("p:sh-amr-0031", OTHER)


def test_different_name_on_the_same_number_is_a_warning_with_file_and_line(
    store: GraphStore,
) -> None:
    load_records(store, _shanghai_amr())

    result = load_records(store, [person("p:court-77", "李名", id_number=LI_MING)])

    (warning,) = result.warnings
    assert (warning.file, warning.line, warning.field) == ("scenario.jsonl", 1, "name")
    assert "李名 differs from 李明" in warning.message
    assert LI_MING not in str(warning)


def test_aliases_survive_export_and_load_into_another_store(
    store: GraphStore, tmp_path: Path
) -> None:
    from creditgraph.ingest.loader import load
    from creditgraph.schema import default_schema
    from support.stores import TEST_ID_KEY

    load_records(store, [*_shanghai_amr(), *_tax_bureau()])
    moved = EmbeddedStore(tmp_path / "moved.db", default_schema(), id_key=TEST_ID_KEY)
    try:
        result = load(lines(list(store.export())), moved)
        assert not result.errors
        assert check(moved, "p:sh-tax-778", "DIRECTOR", ON).decision is Verdict.DENY
        assert moved.stats(day(ON)) == store.stats(day(ON))
        # a later link naming the alias lands on the person
        load_records(moved, [link("SUPERVISOR", "p:sh-tax-778", REVOKED, "2017-01-01")])
        assert moved.links(["p:sh-amr-0031"], rels={"SUPERVISOR"})
    finally:
        moved.close()


def test_check_by_identity_number_answers_for_the_person_holding_it(
    any_store: GraphStore,
) -> None:
    load_records(any_store, [*_shanghai_amr(), *_tax_bureau()])

    decision = Decisions(any_store).check_appointment_by_number(
        LI_MING, "DIRECTOR", name="李明", on=day(ON)
    )

    assert decision.decision is Verdict.DENY
    assert decision.subject == "p:sh-amr-0031"
    assert LI_MING not in json.dumps(decision.to_json(), ensure_ascii=False)


def test_number_nobody_holds_but_a_court_list_shows_masked_is_review(
    any_store: GraphStore,
) -> None:
    stranger = resident_id("412728", "19810304", "251")  # 河南沈丘, not in any registry
    load_records(
        any_store,
        [
            person(
                "lp:court-dishonest:9f2",
                "王强",
                id_number_masked=stranger[:10] + "****" + stranger[14:],
            ),
            event(
                "ev:court:9f2", "DISHONEST_DEBTOR_LISTED", "lp:court-dishonest:9f2", "2023-06-01"
            ),
        ],
    )

    decisions = Decisions(any_store)
    decision = decisions.check_appointment_by_number(stranger, "DIRECTOR", name="王強", on=day(ON))
    other_name = decisions.check_appointment_by_number(
        stranger, "DIRECTOR", name="王刚", on=day(ON)
    )

    assert decision.decision is Verdict.REVIEW
    assert decision.subject is None
    (reason,) = decision.reasons
    assert reason.identity is not None and reason.identity.entry == "lp:court-dishonest:9f2"
    assert decision.to_json()["person"] is None
    assert stranger not in json.dumps(decision.to_json(), ensure_ascii=False)
    assert other_name.decision is Verdict.ALLOW  # a compatible mask under another name


# the command line ---------------------------------------------------------------------------
def run_cli(args: list[str], env: dict[str, str | None] | None = None):  # type: ignore[no-untyped-def]
    return cli(*args, env=env)


def test_cli_check_by_identity_number_never_prints_the_number(tmp_path: Path) -> None:
    store = tmp_path / "s.db"
    data = write_jsonl(tmp_path / "d.jsonl", [*_shanghai_amr(), *_tax_bureau()])
    assert run_cli(["load", str(data), "--store", str(store)]).exit_code == 0

    result = run_cli(
        [
            "check",
            "--id-number",
            LI_MING,
            "--name",
            "李明",
            "--role",
            "DIRECTOR",
            "--on",
            ON,
            "--json",
            "--store",
            str(store),
        ]
    )

    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert (answer["decision"], answer["person"]) == ("DENY", "p:sh-amr-0031")
    assert LI_MING not in result.output


def test_cli_restrictions_of_an_alias_are_the_persons(tmp_path: Path) -> None:
    store = tmp_path / "s.db"
    data = write_jsonl(tmp_path / "d.jsonl", [*_shanghai_amr(), *_tax_bureau()])
    assert run_cli(["load", str(data), "--store", str(store)]).exit_code == 0

    by_alias = run_cli(
        ["restrictions", "--subject", "p:sh-tax-778", "--json", "--store", str(store)]
    )
    by_id = run_cli(["restrictions", "--subject", "p:sh-amr-0031", "--json", "--store", str(store)])

    assert json.loads(by_alias.stdout) == json.loads(by_id.stdout) != []


def test_cli_check_with_a_mistyped_number_is_invalid_input_and_does_not_echo_it(
    tmp_path: Path,
) -> None:
    mistyped = LI_MING[:17] + ("0" if LI_MING[17] != "0" else "1")
    assert run_cli(["init", "--store", str(tmp_path / "s.db")]).exit_code == 0  # a store there
    result = run_cli(
        ["check", "--id-number", mistyped, "--role", "DIRECTOR", "--store", str(tmp_path / "s.db")]
    )
    assert result.exit_code == 2
    assert "check character" in result.output
    assert mistyped not in result.output and mistyped[:10] not in result.output


def test_cli_check_of_an_id_carrying_a_number_does_not_repeat_it(tmp_path: Path) -> None:
    assert run_cli(["init", "--store", str(tmp_path / "s.db")]).exit_code == 0  # a store there
    for asked in (LI_MING, f"p:{LI_MING}"):
        result = run_cli(["check", asked, "--role", "DIRECTOR", "--store", str(tmp_path / "s.db")])
        assert result.exit_code == 2
        assert "--id-number" in result.output
        assert LI_MING not in result.output


def test_person_id_carrying_an_identity_number_is_refused(tmp_path: Path) -> None:
    for bad_id in (f"p:{LI_MING}", "p:310104750612031", f"p:{LI_MING[:17]}9"):
        data = write_jsonl(tmp_path / "d.jsonl", [person(bad_id, "李明")])
        result = run_cli(["load", str(data), "--store", str(tmp_path / "s.db")])
        assert result.exit_code == 2, bad_id
        assert "d.jsonl:1: id: contains what looks like a resident identity number" in result.output


def test_load_without_a_key_names_the_variable_and_writes_nothing(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", _shanghai_amr())
    result = run_cli(
        ["load", str(data), "--store", str(tmp_path / "s.db")], env={"CREDITGRAPH_ID_KEY": None}
    )
    assert result.exit_code == 1
    assert "CREDITGRAPH_ID_KEY" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not list(tmp_path.glob("s.db.key"))  # no key file beside the store, ever


def test_key_file_inside_the_store_folder_is_refused(tmp_path: Path) -> None:
    key_file = tmp_path / "id.key"
    key_file.write_text("a secret")
    data = write_jsonl(tmp_path / "d.jsonl", _shanghai_amr())
    env = {"CREDITGRAPH_ID_KEY": None, "CREDITGRAPH_ID_KEY_FILE": str(key_file)}
    result = run_cli(["load", str(data), "--store", str(tmp_path / "s.db")], env=env)
    assert result.exit_code == 1
    assert "inside the store's folder" in result.output

    outside = tmp_path / "config"
    outside.mkdir()
    (outside / "id.key").write_text("a secret")
    store_dir = tmp_path / "data"
    env["CREDITGRAPH_ID_KEY_FILE"] = str(outside / "id.key")
    result = run_cli(["load", str(data), "--store", str(store_dir / "s.db")], env=env)
    assert result.exit_code == 0, result.output


def test_the_config_folder_keeps_a_key_apart_from_a_store_in_the_home_folder(
    tmp_path: Path,
) -> None:
    # creditgraph's configuration folder ($XDG_CONFIG_HOME/creditgraph) is where the demo
    # keeps its key: a store in the home folder has it below its folder, but not beside it.
    # A store inside the configuration folder itself is beside the key, and refused
    config = tmp_path / "config"
    (config / "creditgraph").mkdir(parents=True)
    key_file = config / "creditgraph" / "demo.key"
    key_file.write_text("a secret")
    data = write_jsonl(tmp_path / "d.jsonl", _shanghai_amr())
    env = {
        "CREDITGRAPH_ID_KEY": None,
        "CREDITGRAPH_ID_KEY_FILE": str(key_file),
        "XDG_CONFIG_HOME": str(config),
    }
    result = run_cli(["load", str(data), "--store", str(tmp_path / "home.db")], env=env)
    assert result.exit_code == 0, result.output
    beside = config / "creditgraph" / "s.db"
    result = run_cli(["load", str(data), "--store", str(beside)], env=env)
    assert result.exit_code == 1
    assert "inside the store's folder" in result.output


def test_an_id_made_of_a_keyed_hash_is_not_taken_for_a_number() -> None:
    from creditgraph.domain.identifiers import contains_resident_id

    # the sources loader names a person by a keyed hash: hex digits can run long
    assert not contains_resident_id("p:a" + LI_MING[:17] + "1f")
    assert contains_resident_id("p:" + LI_MING)
    assert contains_resident_id("p:li-310104750612031")  # a 15-digit (pre-1999) number


def test_an_alias_names_its_person_in_subject_access_judgements_and_the_change_feed(
    any_store: GraphStore,
) -> None:
    # CONTRACT: an alias is resolvable everywhere an id is accepted — the data subject's own
    # record, a steward's verdict on a published entry, the changes a watcher reads
    import datetime as dt

    from creditgraph.identity.resolution import judge
    from creditgraph.monitoring.service import Monitoring
    from creditgraph.subject_access import subject_record

    entry = {
        "type": "person",
        "id": "lp:court:li-ming",
        "name": "李明",
        "id_number_masked": LI_MING[:6] + "*" * 8 + LI_MING[-4:],
    }
    load_records(any_store, [*_shanghai_amr(), *_tax_bureau(), entry])
    today = day(ON)

    assert subject_record(any_store, "p:sh-tax-778", today) == subject_record(
        any_store, "p:sh-amr-0031", today
    )
    feed = Monitoring(any_store).changes("0", first=100, subjects=["p:sh-amr-0031"]).records
    assert feed  # the bar reached the person: a change of their standing
    by_alias = Monitoring(any_store).changes("0", first=100, subjects=["p:sh-tax-778"]).records
    assert [c.id for c in by_alias] == [c.id for c in feed]

    resolution, _ = judge(
        any_store,
        "lp:court:li-ming",
        "p:sh-tax-778",
        "same",
        why="户籍证明",
        judged_by="steward",
        on=dt.date(2026, 6, 30),
    )
    assert [c.person for c in resolution.candidates] == ["p:sh-amr-0031"]
    assert resolution.candidates[0].certainty.value == "CONFIRMED"
