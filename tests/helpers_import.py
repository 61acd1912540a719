"""Shared helpers for the import tests: contract records, valid codes, and the real CLI.

Everything goes through ``creditgraph.cli:main`` (click's CliRunner), the way a data
steward runs ``creditgraph load``; the store is a fresh embedded store per test.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from creditgraph.cli import main
from creditgraph.domain.identifiers import (
    PROVINCE_PREFIXES,
    USCC_ALPHABET,
    organisation_code_check_character,
    resident_id_check_character,
    uscc_check_character,
)

# The worked examples of CONTRACT.md: a real-format USCC and the GB 11643 sample number.
USCC_A = "91310000MA1FL5LX4N"
ID_NUMBER_A = "11010519491231002X"

# Variables that would make a test depend on the machine it runs on.
_CLEAN_ENV: dict[str, str | None] = {
    "CREDITGRAPH_STORE": None,
    "CREDITGRAPH_ID_KEY": "cli-test-key",  # never a key beside the store: one is required
    "CREDITGRAPH_ID_KEY_FILE": None,
    "CREDITGRAPH_RULES": None,
    "CREDITGRAPH_TODAY": None,
}

ERROR_LINE = re.compile(r"^(?P<file>.+):(?P<line>\d+): (?P<field>[\w-]+): (?P<reason>.+)$")


def uscc(
    seed: str | int, *, division: str = "310000", authority: str = "9", entity_type: str = "1"
) -> str:
    """A valid unified social credit code derived from ``seed`` (distinct seeds, distinct codes)."""
    digest = hashlib.sha256(str(seed).encode("utf-8")).digest()
    body = "".join(USCC_ALPHABET[b % len(USCC_ALPHABET)] for b in digest[:8])
    first16 = authority + entity_type + division + body
    first17 = first16 + organisation_code_check_character(body)
    return first17 + uscc_check_character(first17)


def resident_id(address: str, birth: str, sequence: str) -> str:
    """A valid identity number: 6-digit address code, YYYYMMDD birth date, 3-digit sequence."""
    first17 = address + birth + sequence
    return first17 + resident_id_check_character(first17)


def province_prefixes() -> list[str]:
    return sorted(PROVINCE_PREFIXES)


# contract records (CONTRACT.md, "Import records") -----------------------------------------
def enterprise(
    node_id: str = USCC_A, name: str = "上海某某贸易有限公司", **extra: Any
) -> dict[str, Any]:
    return {"type": "enterprise", "id": node_id, "name": name, **extra}


def person(node_id: str = "p:zhang-san-1", name: str = "张三", **extra: Any) -> dict[str, Any]:
    return {"type": "person", "id": node_id, "name": name, **extra}


def agency(
    node_id: str = "g:sh-amr", name: str = "上海市市场监督管理局", **extra: Any
) -> dict[str, Any]:
    return {"type": "agency", "id": node_id, "name": name, **extra}


def link(
    rel: str, src: str, dst: str, valid_from: str | None = "2016-01-01", **extra: Any
) -> dict[str, Any]:
    return {"type": "link", "rel": rel, "from": src, "to": dst, "valid_from": valid_from, **extra}


def event(event_id: str, kind: str, subject: str, date: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "event",
        "id": event_id,
        "kind": kind,
        "subject": subject,
        "date": date,
        **extra,
    }


def jsonl(records: Iterable[Mapping[str, Any] | str]) -> str:
    """JSON Lines text; a ``str`` item is written as the raw line (for malformed input)."""
    return "".join(
        (r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records
    )


def write_jsonl(path: Path, records: Iterable[Mapping[str, Any] | str]) -> Path:
    path.write_text(jsonl(records), encoding="utf-8")
    return path


# the CLI ----------------------------------------------------------------------------------
def cli(
    *args: str | Path, input: str | bytes | None = None, env: Mapping[str, str | None] | None = None
) -> Result:
    """Run ``creditgraph ARGS`` in-process; unexpected exceptions propagate (a crash is a bug)."""
    runner = CliRunner()
    return runner.invoke(
        main,
        [str(a) for a in args],
        input=input,
        env={**_CLEAN_ENV, **(env or {})},
        catch_exceptions=False,
    )


def load(
    store: Path, *files: str | Path, options: Iterable[str] = (), input: str | bytes | None = None
) -> Result:
    return cli("load", *files, *options, "--store", store, input=input)


def stats(store: Path) -> dict[str, dict[str, int]]:
    result = cli("stats", "--json", "--store", store)
    assert result.exit_code == 0, result.output
    counts: dict[str, dict[str, int]] = json.loads(result.stdout)
    return counts


def export(store: Path) -> list[dict[str, Any]]:
    result = cli("export", "--store", store)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


EMPTY_STATS: dict[str, dict[str, int]] = {
    "nodes": {},
    "links": {},
    "events": {},
    "restrictions": {},
}


def record_errors(result: Result) -> list[tuple[str, int, str, str]]:
    """The ``file:line: field: reason`` lines a load printed, parsed."""
    found = []
    for text in result.stderr.splitlines():
        match = ERROR_LINE.match(text)
        if match and not text.startswith("creditgraph:"):
            found.append((match["file"], int(match["line"]), match["field"], match["reason"]))
    return found


def load_counts(stdout: str) -> dict[str, tuple[int, int, int]]:
    """``kind: N created, N updated, N unchanged`` lines of a load's output, parsed."""
    counts = {}
    for match in re.finditer(
        r"^(\w+): (\d+) created, (\d+) updated, (\d+) unchanged$", stdout, re.MULTILINE
    ):
        counts[match[1]] = (int(match[2]), int(match[3]), int(match[4]))
    return counts


def store_contents(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row an embedded store holds of the graph, its derivations and its search keys,
    sorted: two stores answer alike when these are equal."""
    conn = sqlite3.connect(path)
    try:
        return {
            table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall())
            for table in ("nodes", "links", "events", "restrictions", "identity_keys", "name_keys")
        }
    finally:
        conn.close()
