"""Identity over GraphQL: an approval system checks an applicant by 身份证号 and name; a data
steward judges a published entry; the number never comes back, nor reaches the audit log."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from api_support import KEYS, codes, new_store, run, state_for

from creditgraph.api.commands import WithoutQueryStrings
from creditgraph.api.context import ApiContext
from creditgraph.api.schema import schema
from helpers_import import resident_id

BARRED_NUMBER = "310101197805120138"  # p:zhang-wei of the demo scenario, barred as director
LISTED = resident_id("412728", "19810304", "251")  # in no registry; on a court's list (masked)
COURT_ENTRY = {
    "type": "person",
    "id": "lp:court-dishonest:9f2",
    "name": "王强",
    "id_number_masked": LISTED[:10] + "****" + LISTED[14:],
}
COURT_LISTING = {
    "type": "event",
    "id": "ev:court:9f2",
    "kind": "DISHONEST_DEBTOR_LISTED",
    "subject": "lp:court-dishonest:9f2",
    "date": "2026-01-05",
}
CHECK = """query ($n: String!, $name: String) {
  checkAppointment(idNumber: $n, name: $name, role: DIRECTOR) {
    decision person subject reasons { certainty identity { entry certainty evidence } } } }"""


def _state(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = new_store(tmp_path / "s.db", [COURT_ENTRY, COURT_LISTING])
    return state_for(store, keys=KEYS)


def test_approval_system_checks_an_applicant_by_identity_number(tmp_path: Path) -> None:
    state = _state(tmp_path)
    context = ApiContext.for_key(state, KEYS["approval"], purpose="任职审查")

    result = schema.execute_sync(
        CHECK, variable_values={"n": BARRED_NUMBER, "name": "张伟"}, context_value=context
    )

    assert result.errors is None, result.errors
    answer = result.data["checkAppointment"]
    assert (answer["decision"], answer["person"]) == ("DENY", "p:zhang-wei")
    assert BARRED_NUMBER not in json.dumps(answer)
    (entry,) = context.audit_entries()
    assert entry.operation == "checkAppointment by identity number"
    assert entry.ids == ("p:zhang-wei",)
    assert BARRED_NUMBER not in repr(entry)


def test_number_nobody_holds_but_a_court_list_shows_masked_is_review(tmp_path: Path) -> None:
    state = _state(tmp_path)

    result = run(state, CHECK, {"n": LISTED, "name": "王强"}, key=KEYS["approval"])

    answer = result.data["checkAppointment"]
    assert (answer["decision"], answer["person"], answer["subject"]) == ("REVIEW", None, None)
    (reason,) = answer["reasons"]
    assert reason["identity"]["entry"] == "lp:court-dishonest:9f2"
    assert reason["identity"]["certainty"] == "UNCONFIRMED"
    assert LISTED not in json.dumps(answer)


def test_batch_mixes_ids_and_identity_numbers_in_order(tmp_path: Path) -> None:
    state = _state(tmp_path)
    query = """query ($n: String!) { checkAppointments(requests: [
        {personId: "p:zhang-wei-2", role: DIRECTOR},
        {idNumber: $n, name: "王强", role: DIRECTOR}]) { decision person } }"""

    result = run(state, query, {"n": LISTED}, key=KEYS["approval"])

    assert result.data["checkAppointments"] == [
        {"decision": "ALLOW", "person": "p:zhang-wei-2"},
        {"decision": "REVIEW", "person": None},
    ]


def test_exactly_one_of_person_id_and_id_number(tmp_path: Path) -> None:
    state = _state(tmp_path)
    both = run(
        state,
        '{ checkAppointment(personId: "p:zhang-wei", idNumber: "x", role: DIRECTOR) { decision } }',
        key=KEYS["approval"],
    )
    neither = run(state, "{ checkAppointment(role: DIRECTOR) { decision } }", key=KEYS["approval"])
    assert codes(both) == codes(neither) == ["INVALID_ARGUMENT"]


def test_mistyped_identity_number_is_a_client_error_that_does_not_repeat_it(
    tmp_path: Path,
) -> None:
    state = _state(tmp_path)
    mistyped = BARRED_NUMBER[:17] + "9"
    result = run(state, CHECK, {"n": mistyped}, key=KEYS["approval"])
    assert codes(result) == ["INVALID_ARGUMENT"]
    assert "check character" in result.errors[0].message
    assert mistyped not in result.errors[0].message
    assert mistyped[:10] not in result.errors[0].message


def test_person_by_identity_number_for_investigators_only(tmp_path: Path) -> None:
    state = _state(tmp_path)
    query = "query ($n: String!) { person(idNumber: $n) { id name aliases } }"
    found = run(state, query, {"n": BARRED_NUMBER}, key=KEYS["investigator"])
    refused = run(state, query, {"n": BARRED_NUMBER}, key=KEYS["approval"])
    assert found.data["person"] == {"id": "p:zhang-wei", "name": "张伟", "aliases": []}
    assert codes(refused) == ["FORBIDDEN"]


def test_steward_judges_a_listed_entry_and_the_queue_empties(tmp_path: Path) -> None:
    listed_as_zhang = {
        "type": "person",
        "id": "lp:court-dishonest:zw",
        "name": "張偉",
        "id_number_masked": BARRED_NUMBER[:10] + "****" + BARRED_NUMBER[14:],
    }
    listing = {**COURT_LISTING, "id": "ev:court:zw", "subject": "lp:court-dishonest:zw"}
    store = new_store(tmp_path / "s.db", [listed_as_zhang, listing])
    state = state_for(store, keys=KEYS)
    queue = "{ resolutionQueue { entry outcome candidates { person certainty evidence } } }"

    entry = run(
        state,
        '{ person(id: "lp:court-dishonest:zw") { listed resolution { outcome candidates { person } } } }',
        key=KEYS["investigator"],
    ).data["person"]
    assert entry == {
        "listed": True,
        "resolution": {"outcome": "MATCHED", "candidates": [{"person": "p:zhang-wei"}]},
    }
    before = run(state, queue, key=KEYS["investigator"]).data["resolutionQueue"]
    assert [(e["entry"], e["outcome"]) for e in before] == [("lp:court-dishonest:zw", "MATCHED")]
    assert before[0]["candidates"][0]["person"] == "p:zhang-wei"

    mutation = """mutation { judgeMatch(a: "lp:court-dishonest:zw", b: "p:zhang-wei",
        verdict: DIFFERENT, why: "出生日期不同") { outcome excluded { person reason } } }"""
    refused = run(state, mutation, key=KEYS["investigator"])
    judged = run(state, mutation, key=KEYS["steward"])

    assert codes(refused) == ["FORBIDDEN"]
    assert judged.errors is None, judged.errors
    assert judged.data["judgeMatch"]["outcome"] == "NEW"
    assert "出生日期不同" in judged.data["judgeMatch"]["excluded"][0]["reason"]
    assert run(state, queue, key=KEYS["steward"]).data["resolutionQueue"] == []


def test_access_log_lines_carry_no_query_string() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/graphql?query={BARRED_NUMBER}", "1.1", 200),
        None,
    )
    assert WithoutQueryStrings().filter(record)
    assert BARRED_NUMBER not in record.getMessage()
    assert "GET /graphql?…" in record.getMessage()
