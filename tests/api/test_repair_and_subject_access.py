"""What repair and objection do to what is shown (issue 11, point 12): after a credit repair,
public reads and investigators no longer see the repaired record; stewards and the data
subject keep the history, marked repaired."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from api_support import KEYS, run, state_for

from creditgraph.schema import default_schema
from creditgraph.store.embedded import EmbeddedStore
from scenario import enterprise, event, load_records, person, uscc
from support.stores import TEST_ID_KEY

SUPPLIER = uscc("repaired supplier")
RECORDS = [
    enterprise(SUPPLIER, "某某建材有限公司"),
    person("p:chen", "陈某", id_number="11010519491231002X"),
    event("ev:p", "ADMINISTRATIVE_PENALTY", SUPPLIER, "2025-01-06", severity="general"),
    event("ev:k", "KEY_ATTENTION_LISTED", SUPPLIER, "2025-02-01"),
    event("ev:r", "CREDIT_REPAIRED", SUPPLIER, "2025-05-06", lifts="ev:p"),
    event("ev:f", "OBJECTION_FILED", SUPPLIER, "2025-03-01", lifts="ev:k"),
]
EVENTS = f'{{ enterprise(id: "{SUPPLIER}") {{ events {{ id }} restrictions {{ event {{ id }} repairedBy }} }} }}'


@pytest.fixture
def store(tmp_path: Path) -> Any:
    opened = EmbeddedStore(tmp_path / "s.db", default_schema(), id_key=TEST_ID_KEY)
    load_records(opened, RECORDS)
    yield opened
    opened.close()


def _seen(store: EmbeddedStore, key: str | None) -> tuple[set[str], set[str]]:
    state = state_for(store, keys=KEYS, public=True)
    result = run(state, EVENTS, key=key)
    assert result.errors is None, result.errors
    found = result.data["enterprise"]
    return {e["id"] for e in found["events"]}, {r["event"]["id"] for r in found["restrictions"]}


def test_repaired_penalty_is_hidden_from_public_reads_and_investigators(
    store: EmbeddedStore,
) -> None:
    for key in (None, KEYS["investigator"]):
        events, restricted_by = _seen(store, key)
        assert events == {"ev:k", "ev:f"}
        assert restricted_by == {"ev:k"}


def test_steward_keeps_the_history_marked_repaired(store: EmbeddedStore) -> None:
    events, _ = _seen(store, KEYS["steward"])
    assert events == {"ev:p", "ev:k", "ev:r", "ev:f"}
    state = state_for(store, keys=KEYS)
    result = run(state, EVENTS, key=KEYS["steward"])
    marks = {r["event"]["id"]: r["repairedBy"] for r in result.data["enterprise"]["restrictions"]}
    assert marks["ev:p"] == "ev:r" and marks["ev:k"] is None


def test_subject_access_gives_the_whole_record_with_its_states(store: EmbeddedStore) -> None:
    state = state_for(store, keys=KEYS)
    query = f'{{ subjectAccess(id: "{SUPPLIER}") }}'
    result = run(state, query, key=KEYS["steward"])
    assert result.errors is None, result.errors
    record = result.data["subjectAccess"]
    states = {e["id"]: e["state"] for e in record["events"]}
    assert states == {
        "ev:p": "REPAIRED",
        "ev:k": "OBJECTION_UNDER_REVIEW",
        "ev:r": None,
        "ev:f": None,
    }
    # an investigator may not read the data subject's file
    denied = run(state, query, key=KEYS["investigator"])
    assert [e.extensions["code"] for e in denied.errors] == ["FORBIDDEN"]


def test_subject_access_of_a_person_shows_the_identity_number_masked_only(
    store: EmbeddedStore,
) -> None:
    state = state_for(store, keys=KEYS)
    result = run(state, '{ subjectAccess(id: "p:chen") }', key=KEYS["steward"])
    subject = result.data["subjectAccess"]["subject"]
    assert subject["birth_date"] == "1949-12-31"
    assert "*" in subject["id_number_masked"]
    assert "11010519491231002X" not in str(result.data)
    assert not {"id_hash", "id_key", "id_number_hash"} & subject.keys()


def test_steward_records_a_release_of_one_person_through_record_event(tmp_path: Path) -> None:
    opened = EmbeddedStore(tmp_path / "r.db", default_schema(), id_key=TEST_ID_KEY)
    try:
        load_records(
            opened,
            [
                enterprise(SUPPLIER, "某某置业有限公司"),
                person("p:old", "刘前任"),
                {
                    "type": "link",
                    "rel": "LEGAL_REPRESENTATIVE",
                    "from": "p:old",
                    "to": SUPPLIER,
                    "valid_from": "2015-01-01",
                    "valid_to": "2023-06-30",
                },
                event("ev:x", "CONSUMPTION_RESTRICTED", SUPPLIER, "2022-10-01"),
            ],
        )
        state = state_for(opened, keys=KEYS)
        mutation = (
            'mutation { recordEvent(event: {id: "ev:rel", kind: DELISTED, subject: "'
            + SUPPLIER
            + '", date: "2024-03-15", lifts: "ev:x", releases: ["p:old"]}) { ok errors { message } } }'
        )
        result = run(state, mutation, key=KEYS["steward"])
        assert result.errors is None and result.data["recordEvent"]["ok"], result
        (released,) = opened.restrictions(subject="p:old")
        assert released.until is not None and released.until.isoformat() == "2024-03-14"
        (entity,) = opened.restrictions(subject=SUPPLIER)
        assert entity.until is None  # the enterprise itself stays restricted
    finally:
        opened.close()
