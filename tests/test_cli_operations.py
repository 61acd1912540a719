"""The CLI never misleads an operator (issue 10, items 10–14 and 27): bad settings, a
mistyped store path, a missing output folder, an unknown subject, a store of another
schema version, a writer holding the store — each a one-line message and the contract's
exit code, never a traceback and never an empty answer that looks like a real one."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result

from creditgraph.migrations import CURRENT
from creditgraph.service.errors import missing
from helpers_import import (
    USCC_A,
    enterprise,
    event,
    link,
    person,
    write_jsonl,
)
from helpers_import import cli as run_cli

RECORDS = [
    enterprise(USCC_A, "上海某某贸易有限公司"),
    person("p:zhang-san-1", "张三"),
    link("LEGAL_REPRESENTATIVE", "p:zhang-san-1", USCC_A, "2016-01-01"),
    event("ev:1", "LICENSE_REVOKED", USCC_A, "2021-06-30", responsible=["p:zhang-san-1"]),
]


def cli(*args: str | Path, env: dict[str, str | None] | None = None) -> Result:
    return run_cli(*args, env=env)


@pytest.fixture
def loaded(tmp_path: Path) -> Path:
    db = tmp_path / "store.db"
    result = cli("load", write_jsonl(tmp_path / "r.jsonl", RECORDS), "--store", db)
    assert result.exit_code == 0, result.output
    return db


def _one_line_error(result: Result) -> str:
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# item 10: settings ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("CREDITGRAPH_TODAY", "2024-13-01", "a date YYYY-MM-DD"),
        ("CREDITGRAPH_TODAY", "20240101", "a date YYYY-MM-DD"),
        ("CREDITGRAPH_REQUEST_TIMEOUT", "ten", "seconds"),
        ("CREDITGRAPH_REQUEST_TIMEOUT", "-1", "seconds"),
        ("CREDITGRAPH_WRITE_TIMEOUT", "0", "seconds"),
        ("CREDITGRAPH_API_KEYS", "secret-key-without-role", "KEY=ROLE"),
        ("CREDITGRAPH_API_KEYS", "k1=approval,k2=admin", "ROLE one of approval"),
        ("CREDITGRAPH_STORE", "http://graph.example/db", "bolt:// / neo4j:// URL"),
        ("CREDITGRAPH_PUBLIC", "maybe", "1/true/yes"),
        ("CREDITGRAPH_MAX_BODY_BYTES", "lots", "number of bytes"),
        ("CREDITGRAPH_AUDIT_SYNC", "61", "every answer waits for its audit's disk sync"),
        ("CREDITGRAPH_AUDIT_SYNC", "-1", "seconds"),
        ("CREDITGRAPH_AUDIT_SYNC", "nan", "seconds"),
    ],
)
def test_a_bad_setting_is_refused_in_one_line_naming_the_variable_and_the_form(
    loaded: Path, variable: str, value: str, expected: str
) -> None:
    result = cli("stats", "--store", loaded, env={variable: value})

    assert result.exit_code == 2
    line = _one_line_error(result)
    assert line.startswith(f"creditgraph: {variable}: ")
    assert expected in line


def test_a_bad_api_key_setting_does_not_repeat_the_secret(loaded: Path) -> None:
    result = cli("stats", "--store", loaded, env={"CREDITGRAPH_API_KEYS": "s3cr3t-value"})

    assert result.exit_code == 2
    assert "s3cr3t-value" not in result.output


def test_serve_refuses_a_bad_timeout_before_binding(loaded: Path) -> None:
    result = cli(
        "serve", "--store", loaded, "--port", "0", env={"CREDITGRAPH_REQUEST_TIMEOUT": "soon"}
    )

    assert result.exit_code == 2
    assert "CREDITGRAPH_REQUEST_TIMEOUT" in _one_line_error(result)


# item 12: only load, init and demo create a store ---------------------------------------------
READ_COMMANDS = [
    ("stats",),
    ("restrictions",),
    ("conflicts",),
    ("export",),
    ("recompute",),
    ("check", "p:zhang-san-1", "--role", "DIRECTOR"),
    ("eligibility", USCC_A, "--activity", "BIDDING"),
    ("serve", "--port", "0"),
]


@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: c[0])
def test_a_mistyped_store_path_is_an_error_naming_it_and_creates_nothing(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    typo = tmp_path / "creditgrpah.db"

    result = cli(*command, "--store", typo)

    assert result.exit_code == 1
    line = _one_line_error(result)
    assert str(typo) in line and "no store there" in line
    assert not typo.exists()
    assert list(tmp_path.iterdir()) == []


def test_init_and_load_create_the_store(tmp_path: Path) -> None:
    assert cli("init", "--store", tmp_path / "a.db").exit_code == 0
    assert (tmp_path / "a.db").exists()
    data = write_jsonl(tmp_path / "r.jsonl", RECORDS)
    assert cli("load", data, "--store", tmp_path / "b.db").exit_code == 0
    assert cli("stats", "--store", tmp_path / "b.db").exit_code == 0


# item 13: operational errors are one line, exit 1 ---------------------------------------------
def test_export_into_a_missing_folder_is_an_operational_error(loaded: Path, tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "out.jsonl"

    result = cli("export", "-o", target, "--store", loaded)

    assert result.exit_code == 1
    assert str(target) in _one_line_error(result)


def test_generate_into_a_missing_folder_is_an_operational_error(tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "registry.jsonl"

    result = cli("generate", target, "--size", "200")

    assert result.exit_code == 1
    assert "cannot write" in _one_line_error(result)


@pytest.mark.parametrize(
    "bad_id",
    ["91310000MA1FL5LX4X", "p:nobody", "11010519491231002X"],
    ids=["invalid-code", "unknown-id", "identity-number"],
)
def test_the_cli_explains_a_bad_id_in_the_apis_words(loaded: Path, bad_id: str) -> None:
    result = cli("eligibility", bad_id, "--activity", "BIDDING", "--store", loaded)

    assert result.exit_code == 2
    assert _one_line_error(result) == f"creditgraph: {missing(bad_id)}"


# item 14 ---------------------------------------------------------------------------------------
def test_activity_lists_its_choices_like_role(loaded: Path) -> None:
    result = cli("eligibility", USCC_A, "--activity", "TENDERING", "--store", loaded)

    assert result.exit_code == 2
    assert "GOV_PROCUREMENT" in result.output and "BIDDING" in result.output


def test_restrictions_of_an_unknown_subject_is_an_error_not_an_empty_list(loaded: Path) -> None:
    result = cli("restrictions", "--subject", "p:zhang-san-2", "--json", "--store", loaded)

    assert result.exit_code == 2
    assert "unknown id 'p:zhang-san-2'" in _one_line_error(result)
    assert result.stdout == ""


def test_restrictions_of_a_known_subject_without_any_is_an_empty_list(
    tmp_path: Path, loaded: Path
) -> None:
    extra = write_jsonl(tmp_path / "x.jsonl", [person("p:li-si", "李四")])
    assert cli("load", extra, "--store", loaded).exit_code == 0

    result = cli("restrictions", "--subject", "p:li-si", "--json", "--store", loaded)

    assert result.exit_code == 0
    assert result.stdout.strip() == "[]"


# item 11: schema versions ----------------------------------------------------------------------
def _set_embedded_version(db: Path, version: int | None) -> None:
    conn = sqlite3.connect(db)
    with conn:
        if version is None:
            conn.execute("DELETE FROM meta WHERE key = 'schema_version'")
        else:
            conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))
    conn.close()


def test_a_store_from_before_versions_is_refused_with_the_command_to_run(loaded: Path) -> None:
    _set_embedded_version(loaded, None)

    result = cli("stats", "--store", loaded)

    assert result.exit_code == 1
    assert f"creditgraph migrate --store {loaded}" in _one_line_error(result)


def test_migrate_upgrades_an_older_store_and_keeps_its_data(loaded: Path) -> None:
    before = cli("export", "--store", loaded).stdout
    _set_embedded_version(loaded, None)

    migrated = cli("migrate", "--store", loaded)

    assert migrated.exit_code == 0, migrated.output
    assert f"now at schema version {CURRENT}" in migrated.stdout
    assert cli("export", "--store", loaded).stdout == before
    again = cli("migrate", "--store", loaded)
    assert again.exit_code == 0 and "already at schema version" in again.stdout


def test_a_store_from_a_newer_creditgraph_is_refused_even_by_migrate(loaded: Path) -> None:
    _set_embedded_version(loaded, CURRENT + 1)

    for command in (("stats",), ("migrate",), ("load", "-")):
        result = cli(*command, "--store", loaded)
        assert result.exit_code == 1
        assert "written by a newer creditgraph" in _one_line_error(result)


# item 27: read-only commands never wait for the write lock; writes have a deadline ------------
@pytest.fixture
def writer_holding(loaded: Path) -> Iterator[Path]:
    """Another process's writer in the middle of a long transaction."""
    other = sqlite3.connect(loaded, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO meta VALUES ('held-by-test', 'x')")
    yield loaded
    other.execute("ROLLBACK")
    other.close()


# with a deadline of 1 s, a command that took the write lock would fail with exit 1
BUSY = {"CREDITGRAPH_WRITE_TIMEOUT": "1"}


@pytest.mark.parametrize(
    "command",
    [("stats",), ("restrictions",), ("export",), ("check", "p:zhang-san-1", "--role", "DIRECTOR")],
    ids=lambda c: c[0],
)
def test_read_only_commands_answer_while_another_process_writes(
    writer_holding: Path, command: tuple[str, ...]
) -> None:
    result = cli(*command, "--store", writer_holding, env=BUSY)

    assert result.exit_code == 0, result.output


def test_a_load_behind_another_writer_gives_up_at_its_deadline_and_writes_nothing(
    writer_holding: Path, tmp_path: Path
) -> None:
    data = write_jsonl(tmp_path / "x.jsonl", [person("p:li-si", "李四")])

    result = cli("load", data, "--store", writer_holding, env=BUSY)

    assert result.exit_code == 1
    assert "another writer held the store for more than 1 s" in _one_line_error(result)


def test_a_byte_order_mark_on_line_one_is_not_part_of_the_record(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "bom.jsonl", RECORDS)
    data.write_bytes(b"\xef\xbb\xbf" + data.read_bytes())

    result = cli("load", data, "--store", tmp_path / "s.db")

    assert result.exit_code == 0, result.output
    assert "enterprise: 1 created" in result.stdout


def test_a_load_truncates_the_write_ahead_log_while_a_server_stays_attached(
    tmp_path: Path, loaded: Path
) -> None:
    server = sqlite3.connect(loaded)  # a reader that keeps the store open, as `serve` does
    server.execute("SELECT count(*) FROM nodes").fetchone()
    more = [person(f"p:person-{i}", "王五") for i in range(3000)]
    result = cli("load", write_jsonl(tmp_path / "more.jsonl", more), "--store", loaded)
    try:
        assert result.exit_code == 0, result.output
        assert Path(f"{loaded}-wal").stat().st_size == 0
        assert server.execute("SELECT count(*) FROM nodes").fetchone() == (3002,)
    finally:
        server.close()


def test_serving_on_a_port_in_use_is_one_line_and_exit_1(loaded: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = cli("serve", "--store", loaded, "--port", str(port))

    assert result.exit_code == 1
    assert f"cannot serve on 127.0.0.1:{port}" in _one_line_error(result)


@pytest.mark.parametrize(
    "command",
    [("stats",), ("check", "p:a", "--role", "DIRECTOR"), ("changes", "--since", "0"), ("serve",)],
)
def test_a_store_url_of_an_unknown_scheme_is_invalid_input(command: tuple[str, ...]) -> None:
    # the caller's typo (http:// for bolt://), not an unreachable store: exit 2, one line
    result = cli(*command, "--store", "http://graph.example:7687")

    assert result.exit_code == 2
    line = _one_line_error(result)
    assert "unknown store URL scheme" in line and "bolt://" in line
