"""The audit trail of reads that touch persons: who, when, which operation, which persons,
and the purpose the caller declared (``X-Purpose``).

Entries are queued by the request and written by one background thread in batches
(``store.append_audit``), so an approval check pays a queue append, not a disk sync.
``flush`` writes everything queued so far (the ``auditLog`` query and shutdown call it);
a crash can lose at most the last ``interval`` seconds of entries.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from creditgraph.store.base import AuditEntry, GraphStore

log = logging.getLogger("creditgraph.audit")


class AuditWriter:
    def __init__(self, store: GraphStore, *, interval: float = 0.2, max_batch: int = 500) -> None:
        self.store = store
        self.interval = interval
        self.max_batch = max_batch
        self._pending: list[AuditEntry] = []
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

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
            self.flush()  # no writer thread (in-process use): write at once
        elif full:
            self._wake.set()

    def depth(self) -> int:
        """Entries accepted and not yet written."""
        with self._lock:
            return len(self._pending)

    def flush(self) -> None:
        with self._write_lock:
            with self._lock:
                batch, self._pending = self._pending, []
            if batch:
                try:
                    self.store.append_audit(batch)
                except Exception:
                    with self._lock:  # keep them for the next attempt
                        self._pending[:0] = batch
                    raise

    def stop(self) -> None:
        """Write what is queued and stop the thread (server shutdown)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.flush()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # the store is unreachable: retry on the next tick
                log.exception("could not write the audit log; will retry")
