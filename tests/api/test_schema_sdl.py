"""The published schema: checked in as schema.graphql, generated from the code, whose enums are
generated from graph_schema/ — so a new role, measure or link kind reaches the API without
anyone typing it again."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from api_support import codes, new_store, run, state_for

from creditgraph.api.sdl import sdl
from creditgraph.schema import default_schema

ROOT = Path(__file__).resolve().parents[2]


def test_checked_in_schema_graphql_matches_the_code() -> None:
    checked_in = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert checked_in == sdl(), (
        "schema.graphql is out of date: regenerate it with "
        "`python -m creditgraph.api.sdl > schema.graphql`"
    )


def _enum_values(name: str, tmp_path: Path) -> list[str]:
    store = new_store(tmp_path / "s.db")
    try:
        result = run(
            state_for(store),
            "query ($n: String!) { __type(name: $n) { enumValues { name } } }",
            {"n": name},
        )
    finally:
        store.close()
    assert result.errors is None
    return [v["name"] for v in result.data["__type"]["enumValues"]]


@pytest.mark.parametrize(
    ("enum", "values"),
    [
        ("Role", lambda s: list(s.roles)),
        ("Activity", lambda s: list(s.activities)),
        ("Measure", lambda s: list(s.measures)),
        ("Rel", lambda s: list(s.links)),
        ("EventKind", lambda s: list(s.events)),
    ],
)
def test_enums_are_the_graph_schema_vocabulary(enum: str, values: object, tmp_path: Path) -> None:
    assert _enum_values(enum, tmp_path) == values(default_schema())  # type: ignore[operator]


def test_a_local_rules_file_adds_its_measure_and_activity_to_the_api(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "food.yaml").write_text(
        "activities:\n  FOOD_LICENCE: 申请食品经营许可\n"
        "measures:\n  BAR_FOOD_BUSINESS:\n    bars: {activities: [FOOD_LICENCE]}\n"
        "    description: 食品安全严重违法从业禁止\n",
        encoding="utf-8",
    )
    env = {**os.environ, "CREDITGRAPH_RULES": str(rules)}
    printed = subprocess.run(
        [sys.executable, "-m", "creditgraph.api.sdl"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert '"""食品安全严重违法从业禁止"""\n  BAR_FOOD_BUSINESS' in printed
    assert "FOOD_LICENCE" in printed


def test_date_scalar_rejects_a_thirteenth_month_with_a_clear_message(tmp_path: Path) -> None:
    store = new_store(tmp_path / "s.db")
    try:
        state = state_for(store)
        for on in ("2024-13-01", "2024-02-30", "20240101", "2024-1-1"):
            result = run(
                state,
                'query ($on: Date) { checkAppointment(personId: "p:zhang-wei", '
                "role: DIRECTOR, on: $on) { decision } }",
                {"on": on},
            )
            assert codes(result) == ["INVALID_ARGUMENT"], on
            assert repr(on) in result.errors[0].message
        literal = run(
            state,
            '{ checkAppointment(personId: "p:zhang-wei", role: DIRECTOR, '
            'on: "2024-13-01") { decision } }',
        )
        assert literal.errors[0].message == (
            "invalid Date: '2024-13-01' is not a calendar date: month must be in 1..12"
        )
    finally:
        store.close()
