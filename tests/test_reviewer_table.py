"""docs/rules.md is generated from graph_schema/ and the tests: it must not drift, and every
rule must be pinned by at least one scenario."""

from __future__ import annotations

from pathlib import Path

from creditgraph.rules.table import pinning_tests, render
from creditgraph.schema import default_schema

ROOT = Path(__file__).resolve().parents[1]


def test_reviewer_table_in_docs_is_what_the_schema_and_tests_generate() -> None:
    schema = default_schema()
    expected = render(schema, pinning_tests(ROOT / "tests", (r.id for r in schema.rules)))
    actual = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert actual == expected, (
        "docs/rules.md is out of date: run `python -m creditgraph.rules.table > docs/rules.md`"
    )


def test_every_rule_is_pinned_by_a_scenario() -> None:
    schema = default_schema()
    pinned = pinning_tests(ROOT / "tests", (r.id for r in schema.rules))
    assert [rule_id for rule_id, tests in pinned.items() if not tests] == []


def test_every_built_in_rule_declares_its_kind_of_consequence() -> None:
    import yaml

    raw = yaml.safe_load((ROOT / "graph_schema" / "rules" / "national.yaml").read_text("utf-8"))
    assert [r["id"] for r in raw["rules"] if "kind" not in r] == []
