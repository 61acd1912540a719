"""Neo4j writes have a deadline (issue 10, item 27): a write behind another writer gives up
with the embedded store's error instead of hanging, and writes nothing.

The other writer is a transaction that holds the store's writer lock (what a running load or
a server's mutation holds); each test knows it holds it because the locking statement has
returned, and releases it only after the blocked write has given up — so a write that waited
for the lock to be released would never return, and the test would not pass.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest

from creditgraph.domain.model import Event, Node
from creditgraph.schema import default_schema
from creditgraph.store.base import Batch, StoreError
from creditgraph.store.neo4j import Neo4jStore
from support.stores import TEST_ID_KEY, Neo4jTestServer

pytestmark = pytest.mark.neo4j

GAVE_UP = "another writer held the store for more than 1 s"


@pytest.fixture
def store(neo4j_server: Neo4jTestServer) -> Iterator[Neo4jStore]:
    """A store whose writes wait at most 1 s (the enterprise is written with the default)."""
    neo4j_server.empty()
    setup = Neo4jStore(neo4j_server.url, default_schema(), id_key=TEST_ID_KEY)
    setup.write(Batch(nodes=[Node("e:huaxin", "enterprise", "华信贸易有限公司", {})]))
    setup.close()
    opened = Neo4jStore(neo4j_server.url, default_schema(), id_key=TEST_ID_KEY, write_timeout_s=1.0)
    yield opened
    opened.close()


@pytest.fixture
def writer_holding(neo4j_server: Neo4jTestServer, store: Neo4jStore) -> Iterator[None]:
    """Another writer in the middle of its transaction: it holds the writer lock."""
    with neo4j.GraphDatabase.driver(neo4j_server.url) as driver, driver.session() as session:
        tx = session.begin_transaction()
        locked = tx.run(
            "MATCH (m:CreditgraphMeta {key: 'store'}) SET m.locked_at = datetime() RETURN m"
        ).single()
        assert locked is not None  # the lock is held from here on
        yield
        assert not tx.closed()  # the blocked write gave up while the lock was still held
        tx.rollback()


SANCTION = Event(
    "ev:huaxin-dishonest",
    "DISHONEST_DEBTOR_LISTED",
    "e:huaxin",
    dt.date(2024, 3, 1),
    {"filed_on": "2024-01-15", "ground": "unpaid_debt"},
)


def test_an_event_recorded_behind_another_writer_gives_up_at_the_deadline_and_writes_nothing(
    store: Neo4jStore, writer_holding: None
) -> None:
    with pytest.raises(StoreError, match=GAVE_UP) as failure:
        store.write(Batch(events=[SANCTION]))

    assert "nothing was written" in str(failure.value)
    assert store.event(SANCTION.id) is None


def test_the_event_is_recorded_once_the_other_writer_is_done(
    store: Neo4jStore, neo4j_server: Neo4jTestServer
) -> None:
    patient = Neo4jStore(neo4j_server.url, default_schema(), id_key=TEST_ID_KEY)
    with (
        neo4j.GraphDatabase.driver(neo4j_server.url) as driver,
        driver.session() as session,
        session.begin_transaction() as tx,
    ):
        tx.run("MATCH (m:CreditgraphMeta {key: 'store'}) SET m.locked_at = datetime()")
        with pytest.raises(StoreError, match=GAVE_UP):
            store.write(Batch(events=[SANCTION]))
        tx.rollback()

    report = patient.write(Batch(events=[SANCTION]))
    patient.close()

    assert report.created["event"] == 1
    assert store.event(SANCTION.id) == SANCTION


def test_a_bulk_batch_behind_another_writer_waits_no_longer_than_a_small_write(
    store: Neo4jStore, writer_holding: None
) -> None:
    # a load's batch may work longer than the deadline, but not wait longer for the lock
    persons = [Node(f"p:bulk-{i:05d}", "person", "王五", {}) for i in range(20_000)]

    with pytest.raises(StoreError, match=GAVE_UP):
        store.write(Batch(nodes=persons))

    assert store.node("p:bulk-00000") is None


def test_a_load_behind_another_writer_exits_1_with_the_embedded_stores_message(
    store: Neo4jStore, writer_holding: None, neo4j_server: Neo4jTestServer, tmp_path: Path
) -> None:
    data = tmp_path / "persons.jsonl"
    data.write_text(
        json.dumps({"type": "person", "id": "p:li-si", "name": "李四"}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    env = {**os.environ, "CREDITGRAPH_ID_KEY": TEST_ID_KEY, "CREDITGRAPH_WRITE_TIMEOUT": "1"}

    result = subprocess.run(
        [sys.executable, "-m", "creditgraph.cli", "load", str(data), "--store", neo4j_server.url],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )

    assert result.returncode == 1, result.stdout + result.stderr
    assert GAVE_UP in result.stderr
    assert "Traceback" not in result.stderr
    assert store.node("p:li-si") is None
