"""The reviewer's table (docs/rules.md): every rule, its citations with the dates they are in
force, what lifts it and how, and the scenario tests that pin it — generated from
``graph_schema/`` and the tests, so it cannot drift (a test regenerates and compares).

    python -m creditgraph.rules.table > docs/rules.md

A test pins a rule when it names the rule's id, or carries ``@pytest.mark.pins("rule-id")``.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from pathlib import Path

from creditgraph.rules.rulebook import Citation, Rule
from creditgraph.schema import GraphSchema, default_schema

# tests of the rules-file format name rule ids without pinning what the rules do
NOT_SCENARIOS = frozenset({"test_local_rules.py", "test_reviewer_table.py"})

EFFECT_WORDS = {
    "end": "ends it the day before",
    "void": "voids it from the start",
    "none": "does not shorten it",
    "flag": "marks it 异议处理中",
    "close": "closes the objection",
}


def pinning_tests(tests_dir: Path, rule_ids: Iterable[str]) -> dict[str, list[str]]:
    """rule id → the tests (file::name) that name it or are marked as pinning it."""
    ids = set(rule_ids)
    found: dict[str, set[str]] = {i: set() for i in ids}
    for path in sorted(tests_dir.rglob("test_*.py")):
        if path.name in NOT_SCENARIOS:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef) or not node.name.startswith("test_"):
                continue
            named = {
                c.value
                for c in ast.walk(node)
                if isinstance(c, ast.Constant) and isinstance(c.value, str) and c.value in ids
            }
            for rule_id in named:
                found[rule_id].add(f"{path.relative_to(tests_dir.parent).as_posix()}::{node.name}")
    return {i: sorted(t) for i, t in found.items()}


def _dates(citation: Citation) -> str:
    start = citation.start.isoformat() if citation.start else "…"
    end = citation.end.isoformat() if citation.end else "…"
    return f"{start} – {end}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(schema: GraphSchema, tests: dict[str, list[str]]) -> str:
    lifting_kinds = sorted(k for k, e in schema.events.items() if e.lifting)
    out = [
        "# Rules: a reviewer's table",
        "",
        "Generated from `graph_schema/` and the tests by `python -m creditgraph.rules.table > "
        "docs/rules.md`; `tests/test_reviewer_table.py` fails when this file drifts. Each reason "
        "cites the text in force on its event date.",
        "",
        "## Kinds of consequence and what lifts them",
        "",
        "| kind | meaning | " + " | ".join(lifting_kinds) + " |",
        "|---|---|" + "---|" * len(lifting_kinds),
    ]
    for kind, effects in schema.consequences.items():
        cells = [EFFECT_WORDS[effects[k]] for k in lifting_kinds]
        description = schema.consequence_descriptions.get(kind, "")
        out.append(f"| `{kind}` | {_cell(description)} | " + " | ".join(cells) + " |")
    out += ["", "## Rules", ""]
    for rule in schema.rules:
        out += _rule(rule, schema, lifting_kinds, tests.get(rule.id, []))
    out += _office(schema)
    return "\n".join(out) + "\n"


def _rule(rule: Rule, schema: GraphSchema, lifting_kinds: list[str], tests: list[str]) -> list[str]:
    reach = (
        " → ".join(f"{'/'.join(sorted(step.rels))} ({step.direction})" for step in rule.path)
        or "the subject itself"
    )
    if rule.branches:
        reach += " and its branches (BRANCH_OF)"
    window = ", else ".join(
        "open (until lifted)"
        if end.kind == "open"
        else f"the date in `{end.field}`"
        if end.kind == "field"
        else f"{end.years or ''}{'y' if end.years else ''}{end.months or ''}{'m' if end.months else ''}"
        f" from `{end.field}`"
        for end in rule.window
    )
    lines = [
        f"### `{rule.id}` — {rule.title}",
        "",
        f"- **kind**: `{rule.kind}`; **trigger**: {', '.join(sorted(rule.events))} on "
        f"{', '.join(rule.subject)}" + (f" where {dict(rule.where)}" if rule.where else ""),
        f"- **reaches**: {reach}; held `{rule.held}`"
        + ("; personal responsibility required" if rule.responsible_required else "")
        + ("; persons named responsible" if rule.named else ""),
        f"- **measures**: {', '.join(rule.measures)}; **window**: {window}",
    ]
    for fact in rule.facts:
        condition = f"in {sorted(fact.values)}" if fact.values else f"≥ {fact.at_least:g}"
        lines.append(
            f"- **rests on** `{fact.field}` {condition}: unknown → {fact.unknown}, "
            f"otherwise → {fact.otherwise}" + (f" ({_cell(fact.why)})" if fact.why else "")
        )
    if rule.spare_minors:
        lines.append("- **minors**: a lapse of a person under 18 on the event date derives nothing")
    lines += ["", "| in force | legal basis |", "|---|---|"]
    lines += [f"| {_dates(c)} | {_cell(c.text)} |" for c in rule.citations]
    effects = "; ".join(f"{k}: {EFFECT_WORDS[rule.lifting_effect(k)]}" for k in lifting_kinds)
    lines += [
        "",
        f"- **lifting**: {effects}",
        f"- **lifted by** (the text): {_cell(rule.lifted_by)}",
        f"- **seed**: {_cell(rule.seed)}",
        "- **pinned by**: " + (", ".join(f"`{t}`" for t in tests) if tests else "—"),
        "",
    ]
    return lines


def _office(schema: GraphSchema) -> list[str]:
    office = schema.office
    if office is None:
        return []
    out = ["## Office rules not derived from events (`graph_schema/office.yaml`)", ""]
    sections = [
        (
            f"Civil capacity: under {office.deny_under} DENY, under {office.review_under} REVIEW",
            office.capacity_basis,
        ),
        (
            "Registry status revoked/closed/cancelled: no procurement, bidding, funding",
            office.closed_basis,
        ),
        (
            "Legal reps of an enterprise the registry shows revoked/closed: REVIEW",
            office.rep_review_basis,
        ),
        ("Conflict: appointment made while barred is void", office.appointment_void),
        ("Conflict: bar arising during the term, the company must remove", office.must_remove),
    ]
    for title, citations in sections:
        out += [f"### {title}", "", "| in force | legal basis |", "|---|---|"]
        out += [f"| {_dates(c)} | {_cell(c.text)} |" for c in citations]
        out.append("")
    out += [f"Minors' minor lapses: {_cell(office.minors_basis)}", ""]
    return out


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    tests_dir = Path(args[0]) if args else Path.cwd() / "tests"
    schema = default_schema()
    tests = pinning_tests(tests_dir, (r.id for r in schema.rules))
    sys.stdout.write(render(schema, tests))


if __name__ == "__main__":
    main()
