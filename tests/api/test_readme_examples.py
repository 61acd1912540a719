"""The README's GraphQL examples are the API a newcomer tries first: each one must run as written."""

from __future__ import annotations

from pathlib import Path

import pytest
from api_support import KEYS, run, state_for

from creditgraph.store.embedded import EmbeddedStore

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_operations() -> list[str]:
    text = README.read_text(encoding="utf-8")
    block = (
        text.split("One example per operation:", 1)[1].split("```graphql", 1)[1].split("```", 1)[0]
    )
    operations, current, depth = [], "", 0
    for line in block.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        current += line + "\n"
        depth += line.count("{") - line.count("}")
        if depth == 0:
            operations.append(current)
            current = ""
    return operations


def test_readme_has_an_example_of_every_contract_operation() -> None:
    text = "".join(readme_operations())
    for name in (
        "checkAppointment(",
        "checkAppointments(",
        "checkEligibility(",
        "enterprise(",
        "person(",
        "node(",
        "search(",
        "neighborhood(",
        "paths(",
        "beneficialOwners(",
        "exposure(",
        "restrictions(",
        "interestConflicts(",
        "importRecords(",
        "recordEvent(",
    ):
        assert name in text, name


@pytest.mark.parametrize(
    "operation", readme_operations(), ids=lambda op: op.split("(")[0].strip("{ \n")
)
def test_readme_example_runs_against_the_demo_scenario(
    demo_store: EmbeddedStore, operation: str
) -> None:
    result = run(state_for(demo_store, keys=KEYS), operation, key=KEYS["steward"])
    assert result.errors is None, result.errors
    assert result.data
