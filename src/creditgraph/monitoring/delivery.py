"""The outbox worker: delivers pending alerts and notices to their webhooks.

Each message is POSTed as JSON with

- ``Idempotency-Key``: the message id, the same on every attempt — the receiver keeps the
  keys it has processed and ignores a repeat;
- ``X-Creditgraph-Timestamp`` and ``X-Creditgraph-Signature: sha256=HEX``, the HMAC-SHA256
  of ``TIMESTAMP.BODY`` under the watch's secret, so the receiver can tell the message
  came from creditgraph and is recent.

A message is marked SENT only after the receiver answered 2xx (the outcomes of a pass are
written together): a crash (``kill -9``) in between leaves it PENDING and it is sent again,
with the same key, when the server restarts — at-least-once delivery that a
de-duplicating receiver turns into exactly-once processing. A failure is retried with exponential backoff
(``base_delay`` · 2^(attempt−1), capped at ``max_delay``); after ``max_attempts`` the
message is FAILED and stays listed with its last error.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from creditgraph.monitoring.react import ALERT, FAILED, NOTICE, PENDING, SENT, WATCH
from creditgraph.store.base import GraphStore, MonitorRecord, StoreError

log = logging.getLogger("creditgraph.monitoring")


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, headers: Mapping[str, str], body: bytes) -> bool:
    """What a receiver does with a delivery (also used by the tests' receiver)."""
    given = headers.get("x-creditgraph-signature", "")
    timestamp = headers.get("x-creditgraph-timestamp", "")
    return hmac.compare_digest(given, signature(secret, timestamp, body))


def payload(message: MonitorRecord) -> dict[str, Any]:
    data = {k: v for k, v in message.data.items() if k not in _INTERNAL}
    return {"id": message.id, "type": message.kind, "version": message.version, **data}


_INTERNAL = frozenset({"webhook", "attempts", "next_attempt", "last_error", "sent_at"})


class Deliverer:
    def __init__(
        self,
        store: GraphStore,
        *,
        clock: Callable[[], float] = time.time,
        base_delay: float = 1.0,
        max_delay: float = 300.0,
        max_attempts: int = 12,
        timeout: float = 5.0,
        poll_interval: float = 0.2,
        batch: int = 200,
        workers: int = 8,
    ) -> None:
        self.store = store
        self.clock = clock
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_attempts = max_attempts
        self.poll_interval = poll_interval
        self.batch = batch
        self._client = httpx.Client(timeout=timeout)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="creditgraph-post")
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._secrets: dict[str, str | None] = {}

    def deliver_due(self) -> int:
        """One pass: every pending message due now is attempted once; how many were sent.

        Messages of different watches go out in parallel, those of one watch (to its
        webhook) one after the other in outbox order; the outcomes are written in one transaction at the end
        of the pass (a crash before it means those messages are sent again, same keys)."""
        now = self.clock()
        queues: dict[tuple[str, str], list[MonitorRecord]] = {}
        for kind in (ALERT, NOTICE):
            for message in self.store.monitor_records(kind, statuses=[PENDING], limit=self.batch):
                webhook = message.data.get("webhook")
                due = message.data.get("next_attempt")
                if webhook and (due is None or due <= now):
                    key = (str(webhook), str(message.data.get("watch")))
                    queues.setdefault(key, []).append(message)
        if not queues:
            return 0
        for watch_id in {watch for _, watch in queues}:
            self._secret(watch_id)  # read once, here: the posting threads only send
        outcomes = list(self._pool.map(self._post_all, queues.items()))
        updates = [u for outcome in outcomes for u in outcome]
        # only messages still PENDING: one withdrawn meanwhile (its restriction voided)
        # stays WITHDRAWN, whatever the receiver answered
        self.store.update_monitor_records(updates, expected_status=PENDING)
        return sum(1 for _, _, status, _ in updates if status == SENT)

    def _post_all(
        self, item: tuple[tuple[str, str], list[MonitorRecord]]
    ) -> list[tuple[str, str, str | None, dict[str, Any]]]:
        (webhook, _), messages = item
        outcomes = []
        for message in messages:
            if self._stop.is_set():
                break
            outcomes.append(self._attempt(message, webhook))
        return outcomes

    def _secret(self, watch_id: str | None) -> str | None:
        if watch_id is None:
            return None
        if watch_id not in self._secrets:
            found = self.store.monitor_records(WATCH, ids=[watch_id])
            self._secrets[watch_id] = found[0].data.get("secret") if found else None
        return self._secrets[watch_id]

    def _attempt(
        self, message: MonitorRecord, webhook: str
    ) -> tuple[str, str, str | None, dict[str, Any]]:
        body = json.dumps(payload(message), ensure_ascii=False, sort_keys=True).encode("utf-8")
        timestamp = str(int(self.clock()))
        headers = {
            "content-type": "application/json",
            "idempotency-key": message.id,
            "x-creditgraph-timestamp": timestamp,
        }
        secret = self._secrets.get(str(message.data.get("watch")))
        if secret:
            headers["x-creditgraph-signature"] = signature(secret, timestamp, body)
        attempts = int(message.data.get("attempts", 0)) + 1
        error: str | None
        try:
            response = self._client.post(webhook, content=body, headers=headers)
            error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        if error is None:
            data = {
                **message.data,
                "attempts": attempts,
                "sent_at": self.clock(),
                "last_error": None,
            }
            return message.kind, message.id, SENT, data
        delay = min(self.max_delay, self.base_delay * 2 ** (attempts - 1))
        status = FAILED if attempts >= self.max_attempts else PENDING
        log.warning(
            "delivery of %s to its webhook failed (%s), attempt %d", message.id, error, attempts
        )
        data = {
            **message.data,
            "attempts": attempts,
            "next_attempt": self.clock() + delay,
            "last_error": error,
        }
        return message.kind, message.id, status, data

    # the background thread ------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="creditgraph-outbox", daemon=True
            )
            self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        self._pool.shutdown(wait=True)
        self._client.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                sent = self.deliver_due()
            except StoreError as exc:  # the store is back later; the outbox keeps the messages
                log.warning("outbox: %s", exc)
                sent = 0
            if not sent:
                self._wake.wait(self.poll_interval)
                self._wake.clear()
