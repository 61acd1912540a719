"""A check reads one version of the store — the one its answer names (``dataVersion``) — even
while a load commits (issue 14: the embedded store's checks run in one read transaction)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from creditgraph.ingest.loader import load
from creditgraph.schema import default_schema
from creditgraph.service.decisions import Decisions
from creditgraph.store.embedded import EmbeddedStore
from helpers_import import USCC_A, enterprise, event, link, person
from support.stores import TEST_ID_KEY

PERSON = "p:zhang-san-1"
ON = dt.date(2022, 6, 30)
RECORDS = [
    enterprise(USCC_A, "上海某某贸易有限公司"),
    person(PERSON, "张三"),
    link("LEGAL_REPRESENTATIVE", PERSON, USCC_A, "2016-01-01"),
    event("ev:1", "LICENSE_REVOKED", USCC_A, "2021-06-30", responsible=[PERSON]),
]


@pytest.fixture
def store(tmp_path: Path) -> Any:
    opened = EmbeddedStore(tmp_path / "s.db", default_schema(), id_key=TEST_ID_KEY)
    lines = [("r", i + 1, json.dumps(r, ensure_ascii=False)) for i, r in enumerate(RECORDS)]
    assert not load(lines, opened).errors
    yield opened
    opened.close()


def _a_load_commits(path: Path) -> None:
    """Another process's load: the legal representative's link retracted, the version moved."""
    other = sqlite3.connect(path)
    with other:
        other.execute("DELETE FROM links WHERE src = ?", (PERSON,))
        other.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'version'")
    other.close()


def test_a_check_answers_as_of_the_version_it_began_reading(
    store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    version = store.data_version()
    restrictions = store.restrictions

    def and_a_load_commits_meanwhile(**kwargs: Any) -> Any:
        found = restrictions(**kwargs)
        _a_load_commits(store.path)
        return found

    monkeypatch.setattr(store, "restrictions", and_a_load_commits_meanwhile)
    decisions = Decisions(store)

    decision = decisions.check_appointment(PERSON, "DIRECTOR", on=ON)

    assert decision.decision == "DENY"  # the revoked enterprise's legal representative
    assert decision.data_version == version  # its reads saw none of the load
    monkeypatch.setattr(store, "restrictions", restrictions)
    assert store.data_version() != version  # which did commit: the next check sees it
    assert decisions.check_appointment(PERSON, "DIRECTOR", on=ON).data_version != version


def test_a_batch_of_checks_answers_as_of_one_version(
    store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    version = store.data_version()
    links = store.links

    def and_a_load_commits_meanwhile(*args: Any, **kwargs: Any) -> Any:
        found = links(*args, **kwargs)
        _a_load_commits(store.path)
        return found

    monkeypatch.setattr(store, "links", and_a_load_commits_meanwhile)

    answers = Decisions(store).check_appointments(
        [(PERSON, "DIRECTOR", None, ON), (PERSON, "SUPERVISOR", None, ON)]
    )

    assert [a.data_version for a in answers] == [version, version]
