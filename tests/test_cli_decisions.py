"""The decision commands as an approval officer runs them (CONTRACT.md, "Decisions")."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from creditgraph.cli import main
from scenario import enterprise, event, link, person, uscc

E1, E2 = uscc("cli revoked co"), uscc("cli other co")


def _store_with_revocation(tmp_path: Path) -> tuple[CliRunner, str]:
    records = [
        enterprise(E1, "上海某某贸易有限公司"),
        enterprise(E2, "上海另一有限公司"),
        person("p:zhang-san-1", "张三"),
        link("LEGAL_REPRESENTATIVE", "p:zhang-san-1", E1, "2016-01-01"),
        link("DIRECTOR", "p:zhang-san-1", E2, "2019-01-01"),
        event("ev:1", "LICENSE_REVOKED", E1, "2021-06-30", responsible=["p:zhang-san-1"]),
    ]
    data = tmp_path / "records.jsonl"
    data.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    runner = CliRunner()
    db = str(tmp_path / "s.db")
    result = runner.invoke(main, ["load", "--store", db, str(data)])
    assert result.exit_code == 0, result.output
    assert "restrictions derived: 5" in result.output
    return runner, db


def test_check_json_is_the_contract_decision_object(tmp_path: Path) -> None:
    runner, db = _store_with_revocation(tmp_path)
    result = runner.invoke(
        main,
        [
            "check",
            "p:zhang-san-1",
            "--role",
            "DIRECTOR",
            "--on",
            "2024-05-01",
            "--json",
            "--store",
            db,
        ],
    )
    assert result.exit_code == 0, result.output
    decision = json.loads(result.output)
    assert list(decision) == [
        "decision",
        "person",
        "role",
        "enterprise",
        "on",
        "reasons",
        "data_version",
    ]
    assert decision["decision"] == "DENY" and decision["on"] == "2024-05-01"
    assert decision["reasons"][0]["until"] == "2024-06-30"


def test_eligibility_json_names_subject_and_activity(tmp_path: Path) -> None:
    runner, db = _store_with_revocation(tmp_path)
    result = runner.invoke(
        main,
        [
            "eligibility",
            E1,
            "--activity",
            "GOV_PROCUREMENT",
            "--on",
            "2023-01-01",
            "--json",
            "--store",
            db,
        ],
    )
    assert result.exit_code == 0, result.output
    decision = json.loads(result.output)
    assert (decision["decision"], decision["subject"], decision["activity"]) == (
        "DENY",
        E1,
        "GOV_PROCUREMENT",
    )


def test_restrictions_json_lists_status_and_provenance(tmp_path: Path) -> None:
    runner, db = _store_with_revocation(tmp_path)
    result = runner.invoke(
        main, ["restrictions", "--subject", "p:zhang-san-1", "--json", "--store", db]
    )
    rows = json.loads(result.output)
    assert {r["measure"] for r in rows} == {
        "BAR_LEGAL_REPRESENTATIVE",
        "BAR_DIRECTOR",
        "BAR_SUPERVISOR",
        "BAR_MANAGER",
    }
    for row in rows:
        assert {
            "id",
            "subject",
            "measure",
            "from",
            "until",
            "rule",
            "legal_basis",
            "event",
            "path",
            "certainty",
            "status",
        } <= set(row)
        assert row["status"] == "ENDED"  # the window closed on 2024-06-30
    in_force = json.loads(
        runner.invoke(main, ["restrictions", "--on", "2024-06-30", "--json", "--store", db]).output
    )
    assert len(in_force) == 5
    assert (
        json.loads(
            runner.invoke(
                main, ["restrictions", "--on", "2024-07-01", "--json", "--store", db]
            ).output
        )
        == []
    )


def test_conflicts_lists_directorship_held_elsewhere_while_barred(tmp_path: Path) -> None:
    runner, db = _store_with_revocation(tmp_path)
    result = runner.invoke(main, ["conflicts", "--on", "2022-01-01", "--json", "--store", db])
    (conflict,) = json.loads(result.output)
    assert (conflict["person"], conflict["role"], conflict["enterprise"]) == (
        "p:zhang-san-1",
        "DIRECTOR",
        E2,
    )
    assert conflict["restriction"]["measure"] == "BAR_DIRECTOR"


def test_unknown_person_and_bad_date_exit_with_code_two(tmp_path: Path) -> None:
    runner, db = _store_with_revocation(tmp_path)
    unknown = runner.invoke(main, ["check", "p:nobody", "--role", "DIRECTOR", "--store", db])
    assert unknown.exit_code == 2 and "unknown id 'p:nobody'" in unknown.output
    bad_date = runner.invoke(
        main, ["check", "p:zhang-san-1", "--role", "DIRECTOR", "--on", "2024-13-01", "--store", db]
    )
    assert bad_date.exit_code == 2 and "YYYY-MM-DD" in bad_date.output


def test_recompute_reproduces_the_same_restrictions(tmp_path: Path) -> None:
    runner, db = _store_with_revocation(tmp_path)
    before = runner.invoke(main, ["restrictions", "--json", "--store", db]).output
    result = runner.invoke(main, ["recompute", "--store", db])
    assert result.exit_code == 0 and "recomputed 5 restrictions" in result.output
    assert runner.invoke(main, ["restrictions", "--json", "--store", db]).output == before


def test_subject_access_prints_the_own_record_and_conflicts_say_why(tmp_path: Path) -> None:
    runner, db = _store_with_revocation(tmp_path)
    result = runner.invoke(main, ["subject-access", "--store", db, "p:zhang-san-1"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert record["subject"]["id"] == "p:zhang-san-1"
    assert {r["measure"] for r in record["restrictions"]} >= {"BAR_DIRECTOR"}
    unknown = runner.invoke(main, ["subject-access", "--store", db, "p:nobody"])
    assert unknown.exit_code == 2 and "p:nobody" in unknown.output
    conflicts = runner.invoke(main, ["conflicts", "--store", db, "--on", "2022-01-01", "--json"])
    (conflict,) = json.loads(conflicts.output)
    # a directorship held since 2019, before the 2021 bar: the company must remove him
    assert conflict["kind"] == "MUST_REMOVE"
    assert conflict["legal_basis"].startswith("公司法(2018) 第一百四十六条第三款")
