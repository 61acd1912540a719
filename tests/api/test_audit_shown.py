"""Every person an answer shows is audited, whatever the query's shape, and the audit is
durable before the answer leaves the server (issue 10, item 23)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from api_support import DISTRICT_AMR, KEYS, OPERATING, new_store, run, serving, state_for

from creditgraph.schema import default_schema
from creditgraph.store.embedded import EmbeddedStore, audit_database_path

OFFICIAL = "p:official-convicted"
# a district official convicted of bribery: the rule notify-employer-of-official puts a
# measure on his agency, whose path and event name him
CONVICTED_OFFICIAL = [
    {"type": "person", "id": OFFICIAL, "name": "钱某某"},
    {
        "type": "link",
        "rel": "OFFICIAL_OF",
        "from": OFFICIAL,
        "to": DISTRICT_AMR,
        "valid_from": "2018-01-01",
    },
    {
        "type": "event",
        "id": "ev:official-bribery",
        "kind": "CRIMINAL_CONVICTION",
        "subject": OFFICIAL,
        "date": "2025-09-01",
        "sentence_end": "2026-03-01",
    },
]

AGENCY_RESTRICTIONS = f"""{{ restrictions(subjectId: "{DISTRICT_AMR}") {{ edges {{ node {{
    measure path {{ node }} }} }} }} }}"""


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    opened = new_store(tmp_path / "store.db", CONVICTED_OFFICIAL)
    yield opened
    opened.close()


def _audited(store: EmbeddedStore, purpose: str) -> list[tuple[str, tuple[str, ...]]]:
    """The audit entries as a second process reads them from the file (nothing flushed)."""
    other = EmbeddedStore(store.path, default_schema(), id_key="test-key", create=False)
    try:
        entries = other.audit_entries(limit=1000)
    finally:
        other.close()
    return [(e.operation, e.ids) for e in entries if e.purpose == purpose]


def test_restrictions_on_an_agency_naming_a_convicted_official_are_audited(
    store: EmbeddedStore,
) -> None:
    state = state_for(store, keys=KEYS)

    result = run(state, AGENCY_RESTRICTIONS, key=KEYS["investigator"], purpose="agency review")

    assert result.errors is None
    shown = {
        step["node"]
        for e in result.data["restrictions"]["edges"]
        for step in e["node"]["path"]
        if step["node"]
    }
    assert OFFICIAL in shown
    assert _audited(store, "agency review") == [("restrictions", (OFFICIAL,))]


def test_an_answer_without_persons_leaves_no_entry(store: EmbeddedStore) -> None:
    state = state_for(store, keys=KEYS)

    run(
        state,
        f'{{ enterprise(id: "{OPERATING}") {{ name }} }}',
        key=KEYS["investigator"],
        purpose="enterprise only",
    )

    assert _audited(store, "enterprise only") == []


def test_the_audit_entry_is_in_the_store_when_the_answer_arrives(store: EmbeddedStore) -> None:
    state = state_for(store, keys=KEYS)
    with serving(state) as url:
        response = httpx.post(
            f"{url}/graphql",
            json={"query": AGENCY_RESTRICTIONS},
            headers={"Authorization": f"Bearer {KEYS['investigator']}", "X-Purpose": "durable"},
            timeout=30,
        )
        assert response.status_code == 200 and "errors" not in response.json()
        # read while the server still runs: no shutdown flush has happened
        assert _audited(store, "durable") == [("restrictions", (OFFICIAL,))]


def test_an_answer_is_withheld_when_its_audit_cannot_be_written(store: EmbeddedStore) -> None:
    state = state_for(store, keys=KEYS, write_timeout_s=1.0)
    headers = {"Authorization": f"Bearer {KEYS['investigator']}"}
    with serving(state) as url:
        store._audit_db()  # the audit log beside the store, made
        # another process's long write to the audit log
        other = sqlite3.connect(audit_database_path(store.path), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            withheld = httpx.post(
                f"{url}/graphql", json={"query": AGENCY_RESTRICTIONS}, headers=headers, timeout=30
            ).json()
            public_fact = httpx.post(
                f"{url}/graphql",
                json={"query": f'{{ enterprise(id: "{OPERATING}") {{ name }} }}'},
                headers=headers,
                timeout=30,
            ).json()
        finally:
            other.execute("ROLLBACK")
            other.close()

    assert withheld["data"] is None
    assert [e["extensions"]["code"] for e in withheld["errors"]] == ["AUDIT_UNAVAILABLE"]
    assert OFFICIAL not in str(withheld)
    assert public_fact["data"]["enterprise"]["name"]


def test_reading_the_audit_log_does_not_add_to_it(store: EmbeddedStore) -> None:
    state = state_for(store, keys=KEYS)
    run(state, AGENCY_RESTRICTIONS, key=KEYS["investigator"], purpose="agency review")
    query = "{ auditLog(first: 10) { edges { node { operation ids } } } }"

    first = run(state, query, key=KEYS["steward"]).data
    second = run(state, query, key=KEYS["steward"]).data

    assert first == second
