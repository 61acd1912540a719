"""CREDITGRAPH_AUDIT_SYNC: the audit log synced to disk within a stated bound instead of once
per answer (issue 10 item 23 allows it with the bound stated and tested; issue 14 item 4).

What an operator is promised (README, creditgraph.api.audit): by default an answer leaves
once the audit of the persons it shows is on disk. With the setting at S seconds an answer
leaves once its entries are committed to the operating system — a crash or a kill of the
server loses none of them (the last test kills one) — and the log is on disk at most S
seconds after the first entry not yet synced (the tests with a stopped clock below)."""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import cast

import httpx
import pytest
from api_support import KEYS, new_store
from test_commands import _env, _running

from creditgraph.api.audit import AuditWriter
from creditgraph.schema import default_schema
from creditgraph.store.base import AuditEntry, GraphStore
from creditgraph.store.embedded import EmbeddedStore


class Recording:
    """The store's audit calls, in order, passed on to a real store."""

    def __init__(self, store: EmbeddedStore) -> None:
        self.store = store
        self.calls: list[tuple[str, int, bool]] = []
        self.synced = threading.Event()

    def append_audit(self, entries: Sequence[AuditEntry], *, sync: bool = True) -> None:
        self.calls.append(("append", len(entries), sync))
        self.store.append_audit(entries, sync=sync)

    def sync_audit(self) -> None:
        self.calls.append(("sync", 0, True))
        self.store.sync_audit()
        self.synced.set()


class StoppedClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _entries(n: int) -> list[AuditEntry]:
    return [
        AuditEntry("2026-12-03T10:00:00+00:00", "k-approval", "approval", "checkAppointment",
                   (f"p:{i}",), "appointment review")
        for i in range(n)
    ]  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    opened = new_store(tmp_path / "store.db")
    yield opened
    opened.close()


def _on_file(path: Path) -> int:
    """Audit entries as another process reads them from the file."""
    other = sqlite3.connect(path)
    try:
        return int(other.execute("SELECT count(*) FROM audit").fetchone()[0])
    finally:
        other.close()


def test_by_default_every_batch_is_on_disk_before_its_answers_leave(store: EmbeddedStore) -> None:
    recording = Recording(store)
    writer = AuditWriter(cast(GraphStore, recording))

    writer.record(_entries(3))

    assert recording.calls == [("append", 3, True)]
    assert _on_file(store.path) == 3


def test_with_a_bound_entries_are_committed_unsynced_and_synced_once_half_of_it_passed(
    store: EmbeddedStore,
) -> None:
    recording = Recording(store)
    clock = StoppedClock()
    writer = AuditWriter(cast(GraphStore, recording), sync_within=0.4, clock=clock)
    writer.start()
    try:
        writer.record(_entries(2))  # returns once committed: readable by another process
        assert _on_file(store.path) == 2
        # the clock stands still: however often the writer looks, no sync is due yet
        assert recording.calls == [("append", 2, False)]
        assert writer.tick <= 0.4 / 4  # it looks at least four times within the bound

        clock.now += 0.2  # half the bound: due at the writer's next look
        assert recording.synced.wait(30)
        assert recording.calls == [("append", 2, False), ("sync", 0, True)]
    finally:
        writer.stop()
    assert recording.calls[-1] == ("sync", 0, True)  # nothing newer was left to sync


def test_stopping_syncs_what_is_not_yet_on_disk(store: EmbeddedStore) -> None:
    recording = Recording(store)
    writer = AuditWriter(cast(GraphStore, recording), sync_within=30, clock=StoppedClock())
    writer.start()
    writer.record(_entries(1))
    assert [c[0] for c in recording.calls] == ["append"]

    writer.stop()  # a graceful shutdown, long before the bound

    assert [c[0] for c in recording.calls] == ["append", "sync"]


def test_without_a_writer_thread_entries_are_synced_at_once(store: EmbeddedStore) -> None:
    recording = Recording(store)
    writer = AuditWriter(cast(GraphStore, recording), sync_within=30, clock=StoppedClock())

    writer.record(_entries(2))

    assert recording.calls == [("append", 2, False), ("sync", 0, True)]


def test_an_unsynced_audit_commit_leaves_every_other_write_synced(store: EmbeddedStore) -> None:
    store.append_audit(_entries(1), sync=False)

    level = store._conn.execute("PRAGMA synchronous").fetchone()[0]
    assert level == 2  # FULL again: a load or a mutation after it is on disk when it returns
    store.sync_audit()
    assert _on_file(store.path) == 1


def test_a_killed_server_has_every_answered_check_in_its_audit(tmp_path: Path) -> None:
    """A bound far longer than the test, so no periodic sync happens: what the answers
    promised survives the kill because it was committed to the operating system."""
    path = tmp_path / "served.db"
    new_store(path).close()
    keys = ",".join(f"{key}={role}" for role, key in KEYS.items())
    env = _env(
        CREDITGRAPH_API_KEYS=keys, CREDITGRAPH_TODAY="2026-06-30", CREDITGRAPH_AUDIT_SYNC="60"
    )
    approval = {"Authorization": f"Bearer {KEYS['approval']}", "X-Purpose": "kill test"}
    check = {"person": "p:zhang-wei", "role": "DIRECTOR", "on": "2026-06-30"}
    with _running("serve", ["--store", str(path)], env) as (process, url):
        with httpx.Client(base_url=url, headers=approval, timeout=30) as http:
            decisions = {
                http.post("/v1/checks/appointment", json=check).json()["decision"]
                for _ in range(40)
            }
        assert decisions == {"DENY"}
        os.kill(process.pid, signal.SIGKILL)
        process.wait()

    store = EmbeddedStore(path, default_schema(), id_key="test-key", create=False)
    try:
        audited = [e for e in store.audit_entries(limit=1000) if e.purpose == "kill test"]
    finally:
        store.close()
    assert len(audited) == 40 and {e.ids for e in audited} == {("p:zhang-wei",)}
