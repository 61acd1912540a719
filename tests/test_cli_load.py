"""``creditgraph load`` as a data steward runs it: partial imports with --skip-invalid,
re-loading the same delivery, corrections, standard input, unreadable files, and the
promise that a clear identity number never reaches the disk.

What a load does to a store runs on both stores (``store_cli`` over ``any_store``: on
Neo4j every command must also print exactly what the embedded store prints, see
support/store_cli.py); what is about the embedded store's file (a missing input
creates no file, the clear identity number is in no byte of the .db/-wal files — on
Neo4j: in no property) and what fails before any store is opened run on the embedded
store only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from creditgraph.store.base import GraphStore
from helpers_import import (
    EMPTY_STATS,
    ID_NUMBER_A,
    USCC_A,
    agency,
    cli,
    enterprise,
    event,
    jsonl,
    link,
    load,
    load_counts,
    person,
    record_errors,
    resident_id,
    stats,
    uscc,
    write_jsonl,
)
from support.store_cli import StoreCli
from support.stores import Neo4jTestServer

USCC_B = uscc("深圳某某科技有限公司")

DELIVERY: list[dict[str, Any]] = [
    enterprise(USCC_A, "上海某某贸易有限公司", kind="company", established="2015-03-02"),
    enterprise(USCC_B, "深圳某某科技有限公司"),
    person("p:zhang-san-1", "张三", id_number=ID_NUMBER_A),
    person("p:li-si", "李四"),
    agency("g:sh-amr", "上海市市场监督管理局", level="province"),
    link("LEGAL_REPRESENTATIVE", "p:zhang-san-1", USCC_A, "2016-01-01", valid_to=None),
    link("SHAREHOLDER", "p:zhang-san-1", USCC_A, "2016-01-01", share=0.6),
    link("DIRECTOR", "p:li-si", USCC_B, "2019-01-01"),
    link("SHAREHOLDER", USCC_A, USCC_B, None, share=1),
    event(
        "ev:1",
        "LICENSE_REVOKED",
        USCC_A,
        "2021-06-30",
        authority="g:sh-amr",
        responsible=["p:zhang-san-1"],
    ),
    event("ev:2", "ADMINISTRATIVE_PENALTY", USCC_A, "2020-03-02", severity="general"),
    event("ev:3", "OBJECTION_UPHELD", USCC_A, "2020-05-06", lifts="ev:2"),
]


@pytest.fixture
def store_cli(any_store: GraphStore, request: pytest.FixtureRequest, tmp_path: Path) -> StoreCli:
    return StoreCli.of(any_store, request, tmp_path)


# --skip-invalid ----------------------------------------------------------------------------
def test_skip_invalid_imports_the_good_records_and_lists_each_rejected_line(
    tmp_path: Path, store_cli: StoreCli
) -> None:
    data = write_jsonl(
        tmp_path / "delivery.jsonl",
        [
            enterprise(USCC_A),  # 1
            person("p:zhang-san-1", "张三"),  # 2
            person("p:li-si", "李四", id_number=ID_NUMBER_A[:17] + "1"),  # 3 bad number
            agency("g:bad", "某局", level="planet"),  # 4 bad level
            link("DIRECTOR", "p:zhang-san-1", USCC_A, "2019-01-01"),  # 5
            link("DIRECTOR", "p:li-si", USCC_A, "2019-01-01"),  # 6 depends on line 3
            event(
                "ev:1",
                "ADMINISTRATIVE_PENALTY",
                USCC_A,
                "2020-03-02",
                severity="general",
                authority="g:bad",
            ),  # 7 depends on line 4
            event("ev:2", "OBJECTION_UPHELD", USCC_A, "2020-05-06", lifts="ev:1"),  # 8 depends on 7
            event("ev:3", "LICENSE_REVOKED", USCC_A, "2021-06-30"),  # 9
            "{broken",  # 10
        ],
    )

    result = store_cli.load(data, options=["--skip-invalid"])

    assert result.exit_code == 0, result.output
    errors = record_errors(result)
    assert [(line, field) for _, line, field, _ in errors] == [
        (3, "id_number"),
        (4, "level"),
        (6, "from"),
        (7, "authority"),
        (8, "lifts"),
        (10, "json"),
    ]
    reasons = {line: reason for _, line, _, reason in errors}
    assert reasons[6] == "unknown id 'p:li-si': not defined in this load nor in the store"
    assert reasons[7] == "unknown id 'g:bad': not defined in this load nor in the store"
    assert "'ev:1'" in reasons[8]
    assert "rejected: 6 record(s)" in result.stdout
    counts = store_cli.stats()
    assert counts["nodes"] == {"enterprise": 1, "person": 1}
    assert counts["links"] == {"DIRECTOR": 1}
    assert counts["events"] == {"LICENSE_REVOKED": 1}
    assert load_counts(result.stdout)["link"] == (1, 0, 0)


def test_skip_invalid_with_nothing_wrong_reports_no_rejections(
    tmp_path: Path, store_cli: StoreCli
) -> None:
    result = store_cli.load(write_jsonl(tmp_path / "d.jsonl", DELIVERY), options=["--skip-invalid"])
    assert result.exit_code == 0, result.output
    assert "rejected" not in result.output


# re-loading and corrections --------------------------------------------------------------
def test_first_load_reports_what_it_created(tmp_path: Path, store_cli: StoreCli) -> None:
    result = store_cli.load(write_jsonl(tmp_path / "d.jsonl", DELIVERY))

    assert result.exit_code == 0, result.output
    assert load_counts(result.stdout) == {
        "agency": (1, 0, 0),
        "enterprise": (2, 0, 0),
        "event": (3, 0, 0),
        "link": (4, 0, 0),
        "person": (2, 0, 0),
    }
    assert "restrictions derived: " in result.stdout


def test_loading_the_same_delivery_twice_changes_nothing(
    tmp_path: Path, store_cli: StoreCli
) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", DELIVERY)
    assert store_cli.load(data).exit_code == 0
    before = store_cli.stats()
    exported_before = store_cli.export()

    again = store_cli.load(data)

    assert again.exit_code == 0, again.output
    assert load_counts(again.stdout) == {
        "agency": (0, 0, 1),
        "enterprise": (0, 0, 2),
        "event": (0, 0, 3),
        "link": (0, 0, 4),
        "person": (0, 0, 2),
    }
    assert "restrictions derived: 0" in again.stdout
    assert store_cli.stats() == before
    assert store_cli.export() == exported_before


def test_a_corrected_end_date_updates_the_link_instead_of_adding_one(
    tmp_path: Path, store_cli: StoreCli
) -> None:
    assert store_cli.load(write_jsonl(tmp_path / "d.jsonl", DELIVERY)).exit_code == 0
    correction = [
        link("LEGAL_REPRESENTATIVE", "p:zhang-san-1", USCC_A, "2016-01-01", valid_to="2020-12-31"),
        link("DIRECTOR", "p:li-si", USCC_B, "2019-01-01"),
    ]

    result = store_cli.load(write_jsonl(tmp_path / "correction.jsonl", correction))

    assert result.exit_code == 0, result.output
    assert load_counts(result.stdout)["link"] == (0, 1, 1)
    assert store_cli.stats()["links"] == {
        "LEGAL_REPRESENTATIVE": 1,
        "SHAREHOLDER": 2,
        "DIRECTOR": 1,
    }
    representative = [r for r in store_cli.export() if r.get("rel") == "LEGAL_REPRESENTATIVE"]
    assert [(r["valid_from"], r["valid_to"]) for r in representative] == [
        ("2016-01-01", "2020-12-31")
    ]


def test_a_renamed_enterprise_is_updated_in_place(tmp_path: Path, store_cli: StoreCli) -> None:
    assert store_cli.load(write_jsonl(tmp_path / "d.jsonl", DELIVERY)).exit_code == 0

    result = store_cli.load(
        write_jsonl(tmp_path / "rename.jsonl", [enterprise(USCC_B, "深圳某某智能科技有限公司")]),
    )

    assert result.exit_code == 0, result.output
    assert load_counts(result.stdout)["enterprise"] == (0, 1, 0)
    names = {r["id"]: r["name"] for r in store_cli.export() if r["type"] == "enterprise"}
    assert names[USCC_B] == "深圳某某智能科技有限公司"


def test_exported_store_loads_back_into_itself_unchanged(
    tmp_path: Path, store_cli: StoreCli
) -> None:
    assert store_cli.load(write_jsonl(tmp_path / "d.jsonl", DELIVERY)).exit_code == 0
    dump = tmp_path / "export.jsonl"
    assert store_cli.run("export", "--output", dump).exit_code == 0

    result = store_cli.load(dump)

    assert result.exit_code == 0, result.output
    assert all(
        created == updated == 0 for created, updated, _ in load_counts(result.stdout).values()
    )


# standard input and unreadable files ---------------------------------------------------------
def test_dash_reads_the_records_from_standard_input(tmp_path: Path, store_cli: StoreCli) -> None:

    result = store_cli.load("-", input=jsonl(DELIVERY))

    assert result.exit_code == 0, result.output
    assert store_cli.stats()["nodes"] == {"enterprise": 2, "person": 2, "agency": 1}


def test_errors_on_standard_input_are_named_stdin(tmp_path: Path, store_cli: StoreCli) -> None:

    result = store_cli.load("-", input=jsonl([enterprise(USCC_A), link("DIRECTOR", "p:x", USCC_A)]))

    assert result.exit_code == 2
    assert [(f, line, field) for f, line, field, _ in record_errors(result)] == [
        ("<stdin>", 2, "from")
    ]
    assert store_cli.stats() == EMPTY_STATS


def test_missing_file_is_named_and_nothing_is_created(tmp_path: Path) -> None:
    store = tmp_path / "s.db"
    missing = tmp_path / "delivery-2024-05.jsonl"

    result = load(store, missing)

    assert result.exit_code == 2
    assert str(missing) in result.stderr
    assert not store.exists()


def test_missing_second_file_keeps_the_first_out_too(tmp_path: Path) -> None:
    store = tmp_path / "s.db"
    good = write_jsonl(tmp_path / "d.jsonl", DELIVERY)
    missing = tmp_path / "typo.jsonl"

    result = load(store, good, missing)

    assert result.exit_code == 2
    assert str(missing) in result.stderr
    assert not store.exists()


def test_a_failed_first_load_leaves_no_empty_store_to_answer_from(tmp_path: Path) -> None:
    # an empty store left at the path would answer every check ALLOW from no data; without
    # it, a check there is refused as a path that holds no store
    store = tmp_path / "prod.db"
    bad = write_jsonl(tmp_path / "d.jsonl", [link("DIRECTOR", "p:nobody", USCC_A)])

    result = load(store, bad)

    assert result.exit_code == 2
    assert "unknown id 'p:nobody'" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.jsonl"]
    check = cli("check", "p:nobody", "--role", "DIRECTOR", "--store", store)
    assert check.exit_code == 1
    assert "no store there" in check.stderr


def test_an_interrupted_load_says_what_was_kept_and_how_to_finish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ctrl-C during a long load: not a bare "Aborted!", but what it means for the store
    store = tmp_path / "s.db"
    assert load(store, write_jsonl(tmp_path / "d.jsonl", DELIVERY)).exit_code == 0
    import creditgraph.ingest.loader as loader

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(loader, "load", interrupted)
    result = load(store, write_jsonl(tmp_path / "more.jsonl", DELIVERY))

    assert result.exit_code == 1
    assert "interrupted" in result.stderr and "loading the same files again" in result.stderr
    assert store.exists()


def test_a_failed_load_into_a_store_keeps_the_store_and_its_data(tmp_path: Path) -> None:
    store = tmp_path / "s.db"
    assert load(store, write_jsonl(tmp_path / "d.jsonl", DELIVERY)).exit_code == 0
    before = stats(store)
    bad = write_jsonl(tmp_path / "bad.jsonl", [link("DIRECTOR", "p:nobody", USCC_A)])

    assert load(store, bad).exit_code == 2
    assert stats(store) == before


def test_a_directory_given_as_file_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "deliveries"
    folder.mkdir()

    result = load(tmp_path / "s.db", folder)

    assert result.exit_code == 2
    assert str(folder) in result.stderr


def test_file_that_is_not_utf8_names_the_file_and_line(tmp_path: Path, store_cli: StoreCli) -> None:
    data = tmp_path / "gbk.jsonl"
    data.write_bytes(
        (json.dumps(enterprise(USCC_A), ensure_ascii=False) + "\n").encode("utf-8")
        + (json.dumps(person("p:zhang-san-1", "张三"), ensure_ascii=False) + "\n").encode("gbk")
    )

    result = store_cli.load(data)

    assert result.exit_code == 2
    assert f"{data}:2:" in result.stderr
    assert "UTF-8" in result.stderr
    assert store_cli.stats() == EMPTY_STATS


def test_standard_input_that_is_not_utf8_names_stdin_and_line(
    tmp_path: Path, store_cli: StoreCli
) -> None:
    text = jsonl([enterprise(USCC_A), person("p:zhang-san-1", "张三")])

    result = store_cli.load("-", input=text.encode("gb18030"))

    assert result.exit_code == 2
    assert [(f, line) for f, line, _, _ in record_errors(result)] == [
        ("<stdin>", 1),
        ("<stdin>", 2),
    ]
    assert "UTF-8" in result.stderr
    assert store_cli.stats() == EMPTY_STATS


def test_batch_size_of_zero_is_refused_as_invalid_input(tmp_path: Path) -> None:
    result = load(
        tmp_path / "s.db",
        write_jsonl(tmp_path / "d.jsonl", DELIVERY),
        options=["--batch-size", "0"],
    )
    assert result.exit_code == 2


# the identity number stays protected -------------------------------------------------------
def test_clear_identity_number_never_reaches_the_store_files(tmp_path: Path) -> None:
    store = tmp_path / "s.db"
    other_number = resident_id("440305", "19850517", "123")
    records = [*DELIVERY, person("p:wang-wu", "王五", id_number=other_number.lower())]

    result = load(store, write_jsonl(tmp_path / "d.jsonl", records))

    assert result.exit_code == 0, result.output
    files = [p for p in tmp_path.iterdir() if p.name.startswith("s.db")]
    assert store in files
    for path in files:
        raw = path.read_bytes()
        for number in (ID_NUMBER_A, other_number, other_number.lower()):
            assert number.encode("ascii") not in raw, path.name
            assert number[:17].encode("ascii") not in raw, path.name
    assert ID_NUMBER_A not in result.output and other_number not in result.output


def test_clear_identity_number_is_absent_while_the_load_is_open_too(tmp_path: Path) -> None:
    # the -wal file of a store that a server keeps open is not checkpointed away
    import sqlite3

    store = tmp_path / "s.db"
    assert load(store, write_jsonl(tmp_path / "d.jsonl", DELIVERY)).exit_code == 0
    reader = sqlite3.connect(store)
    try:
        reader.execute("SELECT count(*) FROM nodes").fetchone()
        result = load(
            store,
            write_jsonl(
                tmp_path / "more.jsonl",
                [
                    person(
                        "p:zhao-liu", "赵六", id_number=resident_id("310104", "19700101", "005")
                    ),
                ],
            ),
        )
        assert result.exit_code == 0, result.output
        wal = tmp_path / "s.db-wal"
        contents = store.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
        assert resident_id("310104", "19700101", "005").encode("ascii") not in contents
    finally:
        reader.close()


@pytest.mark.neo4j
def test_clear_identity_number_is_in_no_neo4j_property(
    tmp_path: Path, neo4j_server: Neo4jTestServer
) -> None:
    # Neo4j's files are the server's: what the store can answer for is what it writes there
    import neo4j

    neo4j_server.empty()
    other_number = resident_id("440305", "19850517", "123")
    records = [*DELIVERY, person("p:wang-wu", "王五", id_number=other_number.lower())]

    result = StoreCli(neo4j_server.url).load(write_jsonl(tmp_path / "d.jsonl", records))

    assert result.exit_code == 0, result.output
    auth = (
        neo4j.basic_auth(neo4j_server.user or "neo4j", neo4j_server.password or "")
        if neo4j_server.user or neo4j_server.password
        else None
    )
    with neo4j.GraphDatabase.driver(neo4j_server.url, auth=auth) as driver:
        values = [
            str(row["props"])
            for statement in (
                "MATCH (n) RETURN properties(n) AS props",
                "MATCH ()-[r]->() RETURN properties(r) AS props",
            )
            for row in driver.execute_query(statement).records
        ]
    assert any("********" in v for v in values)  # the masked numbers are there
    for number in (ID_NUMBER_A, other_number, other_number.lower()):
        assert not [v for v in values if number[:17] in v]


def test_export_shows_only_the_masked_identity_number(tmp_path: Path, store_cli: StoreCli) -> None:
    assert store_cli.load(write_jsonl(tmp_path / "d.jsonl", DELIVERY)).exit_code == 0

    zhang = next(r for r in store_cli.export() if r["id"] == "p:zhang-san-1")

    assert zhang["id_number_masked"] == ID_NUMBER_A[:3] + "*" * 12 + ID_NUMBER_A[-3:]
    assert "id_number" not in zhang
    assert ID_NUMBER_A not in json.dumps(zhang)


def test_same_identity_number_in_two_loads_is_one_person_with_an_alias(
    tmp_path: Path, store_cli: StoreCli
) -> None:
    # matching across deliveries works on the keyed hash, without the clear number
    first = [person("p:zhang-san-1", "张三", id_number=ID_NUMBER_A)]
    second = [person("p:zhang-san-2", "張三", id_number=ID_NUMBER_A.lower())]
    assert store_cli.load(write_jsonl(tmp_path / "a.jsonl", first)).exit_code == 0
    result = store_cli.load(write_jsonl(tmp_path / "b.jsonl", second))
    assert result.exit_code == 0
    assert "warning" not in result.output  # the same name, in traditional characters

    people = {r["id"]: r for r in store_cli.export() if r["type"] == "person"}

    assert list(people) == ["p:zhang-san-1"]
    assert people["p:zhang-san-1"]["aliases"] == ["p:zhang-san-2"]
    assert store_cli.stats()["nodes"] == {"person": 1}


def test_invalid_identity_number_is_reported_without_echoing_it(
    tmp_path: Path, store_cli: StoreCli
) -> None:
    wrong = ID_NUMBER_A[:17] + "1"
    result = store_cli.load(
        write_jsonl(tmp_path / "d.jsonl", [person("p:li-si", "李四", id_number=wrong)]),
    )
    assert result.exit_code == 2
    assert [(line, field) for _, line, field, _ in record_errors(result)] == [(1, "id_number")]
    assert wrong not in result.output
