"""The audit trail of reads that touch persons: who, when, which operation, which persons,
and the purpose the caller declared (``X-Purpose``).

A request's entries are durable before its answer leaves: :meth:`AuditWriter.record` queues
them and waits until the background thread has committed them (``store.append_audit``, a
durable transaction). The thread writes whatever has queued up meanwhile in one transaction
(group commit), so concurrent checks share one disk sync rather than paying one each. If the
entries cannot be written in time (the store unreachable, or another process holding its
write lock past ``CREDITGRAPH_WRITE_TIMEOUT``), :class:`AuditUnavailable` is raised and the
answer is withheld: a person is never shown without the record of it. A crash can lose
only entries whose answers were never sent.

``CREDITGRAPH_AUDIT_SYNC=S`` (seconds, above 0) trades the disk sync of every batch for
throughput: a batch is committed without it (on the embedded store: SQLite's
synchronous=NORMAL), so the answer leaves once its entries are with the operating system —
a crash or kill of the server still loses none of them — and the writer syncs the log to
disk at most S seconds after the first entry not yet on disk. What a power failure or a
crash of the operating system can lose is bounded by S seconds of entries.

Such a commit takes tens of microseconds on the embedded store, less than waking the writer
thread and being woken by it: there an event loop's requests are committed by the loop
itself, one commit for the requests of one turn of the loop (:meth:`AuditWriter.written`),
and only when the store cannot take the write at once (another writer holds it, or a sync
is under way) does the batch go to the thread, as every batch does otherwise.

With the default durability the loop does the same, and a process of its own syncs the log
to disk while the loop goes on answering (:mod:`creditgraph.api.log_syncer`): the answers of
a batch leave once a sync that began after their commit has ended. Batches committed while a
sync is under way wait for the next one, which starts as soon as that one ends and covers
them all. Should that process be gone (it is started again at most every few seconds), the
loop syncs the log itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from creditgraph.api.log_syncer import LogSyncer
from creditgraph.store.base import AuditEntry, GraphStore, StoreError

log = logging.getLogger("creditgraph.audit")

# A loop's commit that finds the store busy is tried again this many times, this many
# seconds apart, before its batch goes to the writer thread.
LOOP_COMMIT_TRIES = 10
LOOP_COMMIT_RETRY = 0.0003


class AuditUnavailable(StoreError):
    """The audit entries of an answer could not be made durable: the answer is withheld."""


class AuditWriter:
    def __init__(
        self,
        store: GraphStore,
        *,
        interval: float = 0.2,
        max_batch: int = 500,
        timeout: float = 30.0,
        gather: float = 0.001,
        sync_within: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        # 0: every batch synced to disk before its answers leave; above 0: see the module
        self.sync_within = sync_within
        self._clock = clock
        self._unsynced_since: float | None = None
        # without a sync per batch, the thread also wakes often enough to sync within the
        # bound: at most a quarter of it after the sync fell due (half of it)
        self.tick = min(interval, sync_within / 4) if sync_within > 0 else interval
        self.interval = interval
        self.max_batch = max_batch
        self.timeout = timeout
        self.gather = gather
        # check requests of this process that have not asked for their entries to be written
        # yet (see arriving): the writer waits up to ``gather`` seconds for them, so that one
        # disk sync serves them all
        self.in_flight = 0
        self._pending: list[AuditEntry] = []
        # who waits for the batch being filled: a thread's Event, or an event-loop future
        self._waiters: list[threading.Event | asyncio.Future[None]] = []
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # told the queue's depth when it changes (the metrics of a multi-process server)
        self.on_depth: Callable[[int], None] | None = None
        # a store that can commit without waiting (the embedded one: append_audit_now) takes
        # an event loop's entries from the loop (see written) — with the default durability
        # only if it can also sync its log without a checkpoint (sync_audit_log)
        self._sync_log: Callable[[], int] | None = getattr(store, "sync_audit_log", None)
        self._append_now: Callable[[Sequence[AuditEntry]], bool] | None = (
            getattr(store, "append_audit_now", None)
            if sync_within > 0 or self._sync_log is not None
            else None
        )
        self._unfolded = False  # synced loop commits since the thread last folded the log
        self._loop_batches: dict[
            asyncio.AbstractEventLoop, tuple[list[AuditEntry], asyncio.Future[None]]
        ] = {}
        # the default durability's syncs of the loop's commits (see _sync_after): the process
        # that makes them, the loop whose sync is under way, the batches that sync covers and
        # those committed since, which wait for the next
        log_path: Callable[[], Path] | None = getattr(store, "audit_log_path", None)
        self._syncer = (
            LogSyncer(log_path())
            if log_path is not None and self._sync_log is not None and sync_within <= 0
            else None
        )
        self._syncing: asyncio.AbstractEventLoop | None = None
        self._sync_covers: list[asyncio.Future[None]] = []
        self._sync_next: list[asyncio.Future[None]] = []

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="creditgraph-audit", daemon=True)
            self._thread.start()

    def append(self, entries: Sequence[AuditEntry]) -> None:
        if not entries:
            return
        with self._lock:
            self._pending.extend(entries)
            full = len(self._pending) >= self.max_batch
        if self._thread is None:
            self.flush()  # no writer thread (in-process use): write at once, and sync, as
            self.sync()  # there is no thread to do it later
        elif full:
            self._wake.set()

    def record(self, entries: Sequence[AuditEntry]) -> None:
        """Write the entries and return once they are durable (see the module's text)."""
        _arrived(self)
        if not entries:
            return
        if self._thread is None:
            self.append(entries)  # written at once, in this thread
            return
        written = threading.Event()
        with self._lock:
            self._pending.extend(entries)
            self._waiters.append(written)
        self._wake.set()
        if not written.wait(self.timeout):
            raise self._timed_out()

    @contextmanager
    def arriving(self) -> Iterator[None]:
        """A check request being answered on the event loop: counted in :attr:`in_flight`
        until it asks for its entries to be written (:meth:`written`) or ends without."""
        arrival = _Arrival(self)
        with self._lock:
            self.in_flight += 1
        token = _ARRIVING.set(arrival)
        try:
            yield
        finally:
            arrival.arrived()
            _ARRIVING.reset(token)

    async def written(self, entries: Sequence[AuditEntry]) -> None:
        """:meth:`record` for a coroutine on the event loop: returns once the entries are
        durable, without a worker thread waiting for it. The writer thread wakes the loop
        once per batch, whatever the number of requests the batch holds; with the sync
        deferred on a store that commits at once, the loop commits them itself (see the
        module's text)."""
        _arrived(self)
        if not entries:
            return
        if self._thread is None:
            self.append(entries)
            return
        if self._append_now is not None:
            future = self._join_loop_batch(entries)
        else:
            future = asyncio.get_running_loop().create_future()
            with self._lock:
                self._pending.extend(entries)
                self._waiters.append(future)
            self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(future), self.timeout)
        except TimeoutError:
            raise self._timed_out() from None

    def _join_loop_batch(self, entries: Sequence[AuditEntry]) -> asyncio.Future[None]:
        """The future of this loop turn's batch, with ``entries`` in it: the batch is
        committed once the requests ready in this turn have added theirs (call_soon runs
        after them), so they share one commit."""
        loop = asyncio.get_running_loop()
        batch = self._loop_batches.get(loop)
        if batch is None:
            batch = self._loop_batches[loop] = ([], loop.create_future())
            loop.call_soon(self._commit_loop_batch, loop)
        batch[0].extend(entries)
        return batch[1]

    def _commit_loop_batch(self, loop: asyncio.AbstractEventLoop) -> None:
        entries, done = self._loop_batches.pop(loop)
        self._try_loop_commit(loop, entries, done, 0)

    def _try_loop_commit(
        self,
        loop: asyncio.AbstractEventLoop,
        entries: list[AuditEntry],
        done: asyncio.Future[None],
        tries: int,
    ) -> None:
        assert self._append_now is not None
        written = failed = False
        if self._write_lock.acquire(blocking=False):  # else the thread is writing or syncing
            try:
                written = self._append_now(entries)
                if written and self.sync_within > 0 and self._unsynced_since is None:
                    self._unsynced_since = self._clock()
            except Exception:  # not written: the thread retries it, and logs why it cannot
                failed = True
            finally:
                self._write_lock.release()
        if written and self.sync_within <= 0:
            self._sync_after(loop, done)
            return
        if written:
            done.set_result(None)
            return
        if not failed and tries < LOOP_COMMIT_TRIES:
            # another process's commit (tens of µs) or this writer's thread: try again soon,
            # the loop serving other requests meanwhile
            loop.call_later(
                LOOP_COMMIT_RETRY, self._try_loop_commit, loop, entries, done, tries + 1
            )
            return
        with self._lock:  # the store stays busy: the thread waits for it, not the loop
            self._pending.extend(entries)
            self._waiters.append(done)
        self._wake.set()

    def _sync_after(self, loop: asyncio.AbstractEventLoop, done: asyncio.Future[None]) -> None:
        """The default durability for a batch the loop committed: its answers leave once a
        sync of the log that began after the commit has ended — the next one, when one is
        under way (it may have begun before the commit)."""
        if self._syncing is loop:
            self._sync_next.append(done)
        elif self._syncing is None:
            self._start_sync(loop, [done])
        else:  # another loop's sync is under way (a second loop on one writer: tests)
            self._sync_on_loop([done])

    def _start_sync(
        self, loop: asyncio.AbstractEventLoop, batches: list[asyncio.Future[None]]
    ) -> None:
        if self._syncer is not None and self._syncer.request(loop, self._synced):
            self._syncing, self._sync_covers, self._sync_next = loop, batches, []
        else:
            self._sync_on_loop(batches)

    def _synced(self, synced: bool | None, reason: str) -> None:
        """The syncing process's answer (on the loop whose sync it was)."""
        loop, covered, following = self._syncing, self._sync_covers, self._sync_next
        self._syncing, self._sync_covers, self._sync_next = None, [], []
        assert loop is not None
        if synced is None:  # the process is gone: not known to be on disk, the loop syncs
            self._sync_on_loop(covered + following)
            return
        if synced:
            self._unfolded = True  # the thread folds the log into the store (no checkpoint here)
        else:
            log.error("could not sync the audit log: %s", reason)
        _settle(covered, None if synced else reason)
        if following:  # committed while that sync ran: the next one covers them all
            self._start_sync(loop, following)

    def _sync_on_loop(self, batches: list[asyncio.Future[None]]) -> None:
        """The log synced by the loop itself, when no process does it: the answers of
        ``batches`` wait, and so does every other request of the loop."""
        _settle(batches, self._sync_here())

    def _sync_here(self) -> str | None:
        """Sync the log in this thread: None once it is on disk, else why not (logged)."""
        assert self._sync_log is not None
        try:
            self._sync_log()
        except Exception as exc:  # committed, not known to be on disk
            log.exception("could not sync the audit log")
            return str(exc)
        self._unfolded = True  # the thread folds the log into the store (no checkpoint here)
        return None

    def _timed_out(self) -> AuditUnavailable:
        return AuditUnavailable(
            f"the audit log could not be written within {self.timeout:g} s; the answer is "
            "withheld (it showed persons)"
        )

    def depth(self) -> int:
        """Entries accepted and not yet written."""
        with self._lock:
            return len(self._pending)

    def flush(self) -> None:
        with self._write_lock:
            with self._lock:
                batch, self._pending = self._pending, []
                waiters, self._waiters = self._waiters, []
            if self.on_depth is not None and batch:
                self.on_depth(len(batch))  # being written: still not durable
            if batch:
                try:
                    deferred = self.sync_within > 0
                    self.store.append_audit(batch, sync=not deferred)
                    if deferred and self._unsynced_since is None:
                        self._unsynced_since = self._clock()
                except Exception:
                    with self._lock:  # keep them for the next attempt
                        self._pending[:0] = batch
                        self._waiters[:0] = waiters
                    raise
                if self.on_depth is not None:
                    self.on_depth(self.depth())
            _release(waiters)

    def sync(self, *, due_only: bool = False) -> None:
        """Put the entries committed without a disk sync on disk (see the module) — when
        ``due_only``, only once the oldest of them has waited half of ``sync_within``."""
        with self._write_lock:
            since = self._unsynced_since
            if since is None or (due_only and self._clock() - since < self.sync_within / 2):
                return
            self._unsynced_since = None
        # outside the lock, so that the event loop's commits go on meanwhile: what they add
        # from here is marked unsynced afresh, what came before is in the file being synced
        try:
            self.store.sync_audit()
        except BaseException:
            with self._write_lock:
                if self._unsynced_since is None or since < self._unsynced_since:
                    self._unsynced_since = since
            raise

    def stop(self) -> None:
        """Write what is queued and stop the thread (server shutdown)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        if self._syncer is not None:
            self._syncer.close()
            self._sync_abandoned()
        self.flush()
        self.sync()

    def _sync_abandoned(self) -> None:
        """The batches whose sync the stopped process will not report (a server drains its
        requests before it stops, so there are seldom any): synced here, then let go or
        withheld on their loop."""
        loop, waiting = self._syncing, self._sync_covers + self._sync_next
        self._syncing, self._sync_covers, self._sync_next = None, [], []
        if loop is None or not waiting:
            return
        failure = self._sync_here()
        with contextlib.suppress(RuntimeError):  # that loop has closed: nobody waits now
            loop.call_soon_threadsafe(_settle, waiting, failure)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.tick)  # woken by every record(): a batch is what queued
            self._wake.clear()  # up while the previous one was being written
            self._gather()
            try:
                self.flush()
                self.sync(due_only=True)
                if self._unfolded:
                    self._unfolded = False
                    self.store.sync_audit()  # past its limit, the log is folded into the store
            except Exception:  # the store is unreachable: retry on the next tick
                log.exception("could not write the audit log; will retry")

    def _gather(self) -> None:
        """Wait, at most ``gather`` seconds, until every check request in flight waits for
        the audit (PostgreSQL's commit_delay, with its siblings counted rather than
        guessed): a request answered meanwhile on the event loop joins this batch instead
        of paying a disk sync of its own right after."""
        if self.gather <= 0:
            return
        deadline = time.monotonic() + self.gather
        while True:
            with self._lock:
                waiting = len(self._waiters)
            remaining = deadline - time.monotonic()
            if waiting == 0 or self.in_flight <= 0 or remaining <= 0:
                return
            self._wake.wait(remaining)  # the next record() wakes it
            self._wake.clear()


class _Arrival:
    """A request counted in its writer's in_flight until it has arrived (once)."""

    __slots__ = ("pending", "writer")

    def __init__(self, writer: AuditWriter) -> None:
        self.writer = writer
        self.pending = True

    def arrived(self) -> None:
        with self.writer._lock:
            if self.pending:
                self.pending = False
                self.writer.in_flight -= 1


# the current request's arrival (see AuditWriter.arriving); a worker thread running the
# request sees the same object through its copy of the request's context
_ARRIVING: contextvars.ContextVar[_Arrival | None] = contextvars.ContextVar(
    "creditgraph_audit_arriving", default=None
)


def _arrived(writer: AuditWriter) -> None:
    arrival = _ARRIVING.get()
    if arrival is not None and arrival.writer is writer:
        arrival.arrived()


def _release(waiters: list[threading.Event | asyncio.Future[None]]) -> None:
    """Tell the waiters of a written batch: threads directly, each event loop with one
    call, so a batch of N requests costs the loop one wake-up, not N."""
    by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
    for waiter in waiters:
        if isinstance(waiter, threading.Event):
            waiter.set()
        else:
            by_loop.setdefault(waiter.get_loop(), []).append(waiter)
    for loop, futures in by_loop.items():
        with contextlib.suppress(RuntimeError):  # that loop has closed: nobody waits now
            loop.call_soon_threadsafe(_resolve, futures)


def _resolve(futures: list[asyncio.Future[None]]) -> None:
    for future in futures:
        if not future.done():
            future.set_result(None)


def _settle(futures: list[asyncio.Future[None]], failure: str | None) -> None:
    """The answers of batches a sync covered: let go, or, when it failed (``failure``, why),
    withheld — committed, not known to be on disk."""
    if failure is None:
        _resolve(futures)
        return
    for future in futures:
        if not future.done():
            future.set_exception(
                AuditUnavailable(f"the audit log could not be synced to disk ({failure})")
            )
