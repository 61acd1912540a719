"""CREDITGRAPH_AUDIT_SYNC: the audit log synced to disk within a stated bound instead of once
per answer (issue 10 item 23 allows it with the bound stated and tested; issue 14 item 4).

What an operator is promised (README, creditgraph.api.audit): by default an answer leaves
once the audit of the persons it shows is on disk. With the setting at S seconds an answer
leaves once its entries are committed to the operating system — a crash or a kill of the
server loses none of them (a test below kills one) — and the log is on disk at most S
seconds after the first entry not yet synced (the tests with a stopped clock below)."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import cast

import httpx
import pytest
from api_support import KEYS, new_store
from test_commands import _env, _running

from creditgraph.api import audit, log_syncer
from creditgraph.api.audit import AuditWriter
from creditgraph.api.log_syncer import LogSyncer
from creditgraph.schema import default_schema
from creditgraph.store import embedded
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


def _on_file(store_path: Path) -> int:
    """Audit entries as another process reads them from the audit log beside the store."""
    other = sqlite3.connect(embedded.audit_database_path(store_path))
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


# ---- the event loop's own commits (with a bound, on the embedded store) ------------------


def test_a_loop_turns_requests_share_one_commit_made_by_the_loop(store: EmbeddedStore) -> None:
    threads: list[int] = []
    sizes: list[int] = []
    appended = store.append_audit_now

    def watched(entries: Sequence[AuditEntry]) -> bool:
        threads.append(threading.get_ident())
        sizes.append(len(entries))
        return appended(entries)

    store.append_audit_now = watched
    writer = AuditWriter(store, sync_within=30, clock=StoppedClock())
    writer.start()  # the thread is there, and is not needed

    async def three_requests() -> None:
        await asyncio.gather(*(writer.written(_entries(1)) for _ in range(3)))

    try:
        asyncio.run(three_requests())
        assert threads == [threading.get_ident()]  # on the loop (this thread), not the writer's
        assert sizes == [3]  # the three requests of the turn, in one commit
        assert _on_file(store.path) == 3  # committed: another process reads them
    finally:
        writer.stop()


def test_behind_another_writer_the_loop_hands_its_entries_to_the_thread(
    store: EmbeddedStore,
) -> None:
    # A load (here: another connection holding SQLite's write lock) must not stall the loop:
    # after a few tries a fraction of a millisecond apart, the thread waits for the store.
    writer = AuditWriter(store, sync_within=30, clock=StoppedClock())
    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    writer.start()
    try:

        async def one_request() -> float:
            loop = asyncio.get_running_loop()
            started = loop.time()
            waiting = asyncio.ensure_future(writer.written(_entries(2)))
            await asyncio.sleep(0)  # the loop turn: its commit finds the store busy
            await asyncio.sleep(0)
            assert not waiting.done()
            turned = loop.time() - started  # the loop was not held up by the busy store
            loop.call_later(0.05, other.execute, "ROLLBACK")  # the other writer is done
            await waiting
            return turned

        assert asyncio.run(one_request()) < 1.0
        assert _on_file(store.path) == 2
    finally:
        writer.stop()
        other.close()


def test_the_loops_commits_are_folded_into_the_store_by_the_next_sync(
    store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The loop's commits leave the write-ahead log to grow (no checkpoint on the loop); the
    # writer's sync folds it into the store once it is past its limit (here: at once).
    monkeypatch.setattr(embedded, "WAL_LIMIT_BYTES", 0)
    store._audit_db().execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the new log's own pages
    assert store.append_audit_now(_entries(50))
    assert _in_store_file(store.path, tmp_path) == 0  # only in the log so far
    store.sync_audit()
    assert _in_store_file(store.path, tmp_path) == 50
    assert _on_file(store.path) == 50


def _in_store_file(path: Path, tmp_path: Path) -> int:
    """Audit entries in the audit log's own file, without its write-ahead log."""
    copy = tmp_path / "copy.db"
    shutil.copyfile(embedded.audit_database_path(path), embedded.audit_database_path(copy))
    return _on_file(copy)


# ---- the audit log beside the store ------------------------------------------------------


def test_auditing_an_answer_leaves_the_stores_readers_their_page_cache(
    store: EmbeddedStore,
) -> None:
    # SQLite has a connection drop its cached pages at its next read whenever another
    # connection committed to the database: with the audit log in the store, the audit of
    # each answer did that to the next check. The audit log is a database of its own now.
    reader = store._conn
    before = reader.execute("PRAGMA data_version").fetchone()[0]
    assert store.append_audit_now(_entries(2))
    store.append_audit(_entries(1))
    assert reader.execute("PRAGMA data_version").fetchone()[0] == before
    assert _on_file(store.path) == 3
    writer = sqlite3.connect(store.path)  # a load's commit, by contrast, is seen
    with writer:
        writer.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'version'")
    writer.close()
    assert reader.execute("PRAGMA data_version").fetchone()[0] != before


def test_the_audit_of_answers_does_not_wait_behind_a_load(store: EmbeddedStore) -> None:
    # A load (another process) holds the store's write lock for a batch at a time: the
    # event loop's audit commits go on, in the log beside the store.
    load = sqlite3.connect(store.path, isolation_level=None)
    load.execute("BEGIN IMMEDIATE")
    try:
        assert store.append_audit_now(_entries(2))
        store.append_audit(_entries(1))
        assert _on_file(store.path) == 3
    finally:
        load.execute("ROLLBACK")
        load.close()


def test_an_audit_log_held_past_the_write_timeout_is_reported_as_such(tmp_path: Path) -> None:
    from creditgraph.store.base import StoreError
    from support.stores import TEST_ID_KEY

    store = EmbeddedStore(
        tmp_path / "store.db", default_schema(), id_key=TEST_ID_KEY, write_timeout_s=0.2
    )
    store._audit_db()  # the audit log beside the store, made
    other = sqlite3.connect(embedded.audit_database_path(store.path), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process's audit commit that does not end
    try:
        assert not store.append_audit_now(_entries(1))  # the loop: not now, to the thread
        with pytest.raises(StoreError, match="another writer held its audit log for more than"):
            store.append_audit(_entries(1))
    finally:
        other.execute("ROLLBACK")
        other.close()
    store.append_audit(_entries(1))
    assert _on_file(store.path) == 1
    store.close()


def test_a_store_nothing_was_audited_in_gets_no_audit_file_from_a_read(
    store: EmbeddedStore,
) -> None:
    assert store.audit_entries(limit=10) == []
    assert not embedded.audit_database_path(store.path).exists()


# ---- the default durability: the loop commits, a process of its own syncs --------------
# (creditgraph.api.log_syncer; the loop syncs itself only while there is no such process)

# A syncing process that waits, before each sync, for a byte on a FIFO the test writes to:
# the test decides when "the disk" is done.
_GATED = """
import os, sys
from pathlib import Path
from creditgraph.disk import sync_file
gate = os.open(sys.argv[2], os.O_RDONLY)
while os.read(0, 64):
    os.read(gate, 1)
    sync_file(Path(sys.argv[1]))
    os.write(1, b"+\\n")
"""


class Syncers:
    """The syncing processes of a test's writers (each LogSyncer made), with a command and
    a clock of the test's choosing."""

    def __init__(
        self,
        monkeypatch: pytest.MonkeyPatch,
        command: Callable[[Path], list[str]] | None = None,
        clock: StoppedClock | None = None,
    ) -> None:
        self.made: list[LogSyncer] = []

        def make(path: Path) -> LogSyncer:
            syncer = LogSyncer(
                path, command=command(path) if command else None, clock=clock or StoppedClock()
            )
            self.made.append(syncer)
            return syncer

        monkeypatch.setattr(audit, "LogSyncer", make)


def _loop_syncs(store: EmbeddedStore) -> list[int]:
    """The syncs the loop makes itself, as they happen (asyncio.run's loop runs in this
    thread; the writer thread's syncs, folding the log, are not counted)."""
    on: list[int] = []
    synced, loop_thread = store.sync_audit_log, threading.get_ident()

    def watched() -> int:
        if threading.get_ident() == loop_thread:
            on.append(loop_thread)
        return synced()

    store.sync_audit_log = watched  # type: ignore[method-assign]
    return on


class HeldDisk:
    """The gated syncing process of a test's writers: each byte written to ``fd`` lets one
    sync go."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        gate = tmp_path / "disk"
        os.mkfifo(gate)
        self.fd = os.open(gate, os.O_RDWR)  # (on Linux a FIFO so opened waits for no other end)
        self.syncers = Syncers(
            monkeypatch, lambda path: [sys.executable, "-c", _GATED, str(path), str(gate)]
        )

    def lets_one_sync_go(self) -> None:
        os.write(self.fd, b"1")


@pytest.fixture
def held_disk(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[HeldDisk]:
    held = HeldDisk(monkeypatch, tmp_path)
    yield held
    os.close(held.fd)


def test_by_default_the_loop_answers_on_while_another_process_syncs_the_log(
    store: EmbeddedStore, held_disk: HeldDisk
) -> None:
    on_loop = _loop_syncs(store)
    writer = AuditWriter(store, clock=StoppedClock())  # no bound: every answer synced
    writer.start()

    async def two_batches() -> None:
        first = asyncio.ensure_future(writer.written(_entries(2)))
        for _ in range(3):  # the request's turn, then its batch's commit and sync asked for
            await asyncio.sleep(0)
        assert _on_file(store.path) == 2  # committed: another process reads them
        # the disk is busy with that sync: the loop goes on, and commits another request
        second = asyncio.ensure_future(writer.written(_entries(1)))
        for _ in range(3):
            await asyncio.sleep(0)
        assert _on_file(store.path) == 3
        assert not first.done() and not second.done()  # nothing leaves before its sync
        held_disk.lets_one_sync_go()  # the first sync ends
        await first
        assert not second.done()  # committed after that sync began: it waits for the next
        held_disk.lets_one_sync_go()
        await second

    try:
        asyncio.run(two_batches())
    finally:
        writer.stop()
    assert on_loop == []  # the loop never synced
    assert len(held_disk.syncers.made) == 1


def test_an_answer_waiting_for_its_sync_when_the_writer_stops_is_synced_and_let_go(
    store: EmbeddedStore, held_disk: HeldDisk
) -> None:
    on_loop = _loop_syncs(store)
    writer = AuditWriter(store, clock=StoppedClock(), timeout=5)
    writer.start()

    async def stopped_mid_sync() -> None:
        waiting = asyncio.ensure_future(writer.written(_entries(1)))
        for _ in range(3):
            await asyncio.sleep(0)
        assert not waiting.done()
        held_disk.lets_one_sync_go()  # the process may finish; the loop hears nothing more
        writer.stop()  # (a server stops its writer on its loop, as here)
        await waiting  # synced by stop, not left to time out

    asyncio.run(stopped_mid_sync())
    assert on_loop == [threading.get_ident()]  # stop's own sync, on this thread
    assert _on_file(store.path) == 1


def test_a_failed_sync_withholds_the_answers(
    store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # the real syncing process, on a file the kernel cannot sync (a FIFO: EINVAL)
    fifo = tmp_path / "not-a-log"
    os.mkfifo(fifo)
    Syncers(monkeypatch, lambda _: [sys.executable, "-m", "creditgraph.api.log_syncer", str(fifo)])
    writer = AuditWriter(store, clock=StoppedClock())
    writer.start()
    try:
        with pytest.raises(audit.AuditUnavailable, match=r"could not be synced.*Invalid argument"):
            asyncio.run(writer.written(_entries(1)))
    finally:
        writer.stop()


def test_while_the_syncing_process_is_gone_the_loop_syncs_until_another_is_started(
    store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    clock = StoppedClock()
    syncers = Syncers(monkeypatch, clock=clock)
    on_loop = _loop_syncs(store)
    writer = AuditWriter(store, clock=clock)
    writer.start()
    try:
        asyncio.run(writer.written(_entries(1)))
        assert on_loop == [] and len(syncers.made) == 1
        first = syncers.made[0].pid
        assert first is not None
        os.kill(first, signal.SIGKILL)  # the OOM killer, say

        # dead or dying: either way the answer leaves, synced by the loop, and it is said
        asyncio.run(writer.written(_entries(1)))
        asyncio.run(writer.written(_entries(1)))
        assert len(on_loop) == 2
        assert "syncing process is gone" in caplog.text
        assert syncers.made[0].pid is None

        clock.now += log_syncer.RESTART_AFTER  # a new process for the next sync
        asyncio.run(writer.written(_entries(1)))
        assert len(on_loop) == 2
        assert syncers.made[0].pid not in (None, first)
    finally:
        writer.stop()
    assert _on_file(store.path) == 4


def test_stopping_the_writer_ends_its_syncing_process(
    store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    syncers = Syncers(monkeypatch)
    writer = AuditWriter(store, clock=StoppedClock())
    writer.start()
    asyncio.run(writer.written(_entries(1)))
    pid = syncers.made[0].pid
    assert pid is not None and Path(f"/proc/{pid}").exists()
    writer.stop()
    assert not Path(f"/proc/{pid}").exists()  # ended and reaped, not left a zombie


def test_the_syncing_process_answers_each_request_with_a_line(tmp_path: Path) -> None:
    log_file = tmp_path / "store.db-wal"
    log_file.write_bytes(b"frames")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)

    def answers(path: Path, requests: int) -> list[bytes]:
        to_child, requests_in = os.pipe()
        answers_out, from_child = os.pipe()
        child = threading.Thread(target=log_syncer.serve, args=(path, to_child, from_child))
        child.start()
        got = []
        for _ in range(requests):
            os.write(requests_in, b"s")
            got.append(os.read(answers_out, 4096))
        os.close(requests_in)  # its input closes: it ends
        child.join()
        for fd in (to_child, answers_out, from_child):
            os.close(fd)
        return got

    assert answers(log_file, 2) == [b"+\n", b"+\n"]
    assert answers(tmp_path / "no-log-yet", 1) == [b"+\n"]  # nothing unsynced there
    (failed,) = answers(fifo, 1)
    assert failed.startswith(b"-") and b"Invalid argument" in failed and failed.endswith(b"\n")
