"""Single-check documents run by their plan (creditgraph.api.check_execution) answer exactly
as graphql-core's executor does: the same data, the same errors with the same paths and
codes, the same audit entries — and a document or a request the plan does not cover goes
to graphql-core."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_support import BARRED, KEYS, NAMESAKE, OPERATING, new_store, state_for
from strawberry.http import process_result

from creditgraph.api import schema as schema_module
from creditgraph.api.context import ApiContext, ApiState
from creditgraph.api.schema import _check_plan, schema

CHECK = (
    "query Check($p: ID!, $r: Role!, $on: Date) "
    "{ checkAppointment(personId: $p, role: $r, on: $on) { decision } }"
)
TWO = (
    'query { a: checkAppointment(personId: "' + BARRED + '", role: DIRECTOR) '
    "{ decision on dataVersion until person role enterprise __typename } "
    'b: checkEligibility(subjectId: "' + OPERATING + '", activity: BIDDING, on: "2026-06-30") '
    "{ kind: __typename verdict: decision subject activity } }"
)
NAMED = (
    "query One($p: ID!) { checkAppointment(personId: $p, role: SUPERVISOR) { decision } } "
    'query Other { checkEligibility(subjectId: "' + OPERATING + '", activity: GOV_FUNDING) '
    "{ decision } }"
)
NESTED = (
    'query { checkAppointment(personId: "' + BARRED + '", role: DIRECTOR) '
    "{ decision reasons { measure legalBasis } } }"
)

# (document, operation name, variables, how: run by its plan, or graphql-core after the
# plan found the variables do not coerce plainly, or no plan for the document)
PLAN, FALLBACK, NO_PLAN = "plan", "fallback", "no plan"
CASES: list[tuple[str, str | None, dict[str, Any] | None, str]] = [
    (CHECK, None, {"p": BARRED, "r": "DIRECTOR", "on": "2026-06-30"}, PLAN),
    (CHECK, None, {"p": BARRED, "r": "DIRECTOR"}, PLAN),  # $on left out: the argument too
    (CHECK, None, {"p": NAMESAKE, "r": "MANAGER", "on": None}, PLAN),  # $on null
    (CHECK, "Check", {"p": BARRED, "r": "SUPERVISOR", "on": "2019-01-01"}, PLAN),
    (CHECK, None, {"p": "p:nobody", "r": "DIRECTOR"}, PLAN),  # the resolver's error
    (CHECK, None, {"p": 123, "r": "DIRECTOR"}, PLAN),  # an ID given as a number
    (CHECK, None, {"p": BARRED, "r": "NOPE"}, FALLBACK),  # refused by Role
    (CHECK, None, {"p": BARRED}, FALLBACK),  # a required variable missing
    (CHECK, None, {"p": None, "r": "DIRECTOR"}, FALLBACK),  # a required variable null
    (CHECK, None, {"p": BARRED, "r": "DIRECTOR", "on": "2026-13-01"}, FALLBACK),  # not a day
    (TWO, None, None, PLAN),
    (NAMED, "One", {"p": BARRED}, PLAN),
    (NAMED, "Other", None, PLAN),
    (NESTED, None, None, NO_PLAN),  # an object inside: graphql-core runs it
]


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiState]:
    store = new_store(Path(tmp_path_factory.mktemp("plan")) / "s.db")
    try:
        yield state_for(store, keys=KEYS)
    finally:
        store.close()


def _answer(
    state: ApiState, query: str, operation: str | None, variables: dict[str, Any] | None
) -> tuple[Any, list[Any], dict[str, str]]:
    context = ApiContext.for_key(state, KEYS["approval"], purpose="plan test")
    result = schema._execute_check(query, variables, context, None, operation)
    audited = [dataclasses.replace(entry, at="") for entry in context.audit_entries()]
    return process_result(result), audited, dict(context.root_fields)


@pytest.mark.parametrize(("query", "operation", "variables", "how"), CASES)
def test_a_planned_check_answers_as_graphql_core_does(
    state: ApiState,
    monkeypatch: pytest.MonkeyPatch,
    query: str,
    operation: str | None,
    variables: dict[str, Any] | None,
    how: str,
) -> None:
    assert (_check_plan(query, operation) is None) == (how == NO_PLAN)
    used: list[bool] = []
    execute_plan = schema_module.execute_plan

    def noting(*args: Any, **kwargs: Any) -> Any:
        result = execute_plan(*args, **kwargs)
        used.append(result is not None)
        return result

    monkeypatch.setattr(schema_module, "execute_plan", noting)
    by_plan = _answer(state, query, operation, variables)
    monkeypatch.setattr(schema_module, "_check_plan", lambda *_: None)
    by_graphql_core = _answer(state, query, operation, variables)

    assert by_plan == by_graphql_core
    assert used == {PLAN: [True], FALLBACK: [False], NO_PLAN: []}[how]
    answer = by_plan[0]
    assert answer.get("data") is not None or answer.get("errors")  # a real answer either way


def test_the_benchmark_check_is_planned_and_denies_the_barred_director(
    state: ApiState, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(*_: Any, **__: Any) -> Any:
        raise AssertionError("graphql-core's executor ran")

    monkeypatch.setattr(schema_module, "execute", refused)
    answer, audited, _ = _answer(
        state, CHECK, None, {"p": BARRED, "r": "DIRECTOR", "on": "2026-06-30"}
    )
    assert answer == {"data": {"checkAppointment": {"decision": "DENY"}}}
    assert [entry.ids for entry in audited] == [(BARRED,)]
