"""Alerts leave through the outbox: signed, retried with backoff, and — across a kill -9 of
the server in the middle of a delivery — neither lost nor processed twice by a receiver
that de-duplicates on the idempotency key."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from creditgraph.monitoring.delivery import Deliverer, verify
from creditgraph.monitoring.react import ALERT, PENDING, SENT
from creditgraph.monitoring.service import Monitoring
from creditgraph.schema import default_schema
from creditgraph.store.base import GraphStore
from creditgraph.store.embedded import EmbeddedStore
from scenario import agency, enterprise, event, link, load_records, person, uscc
from support.ports import free_port
from support.stores import TEST_ID_KEY

SECRET = "a-shared-secret-for-tests"
E = uscc("outbox-enterprise")


class Receiver:
    """A webhook receiver on 127.0.0.1 that verifies signatures and de-duplicates by key."""

    def __init__(
        self,
        *,
        hold_first: bool = False,
        fail_first: int = 0,
        on_receive: Callable[[str], None] | None = None,
    ) -> None:
        self.received: list[str] = []  # every delivery's idempotency key, repeats included
        self.processed: dict[str, dict[str, str]] = {}  # each key once: what it processed
        self.bad_signatures = 0
        self.first_arrived = threading.Event()
        self.release_first = threading.Event()
        self.all_processed = threading.Event()
        self.expected = 0
        self.hold_first = hold_first
        self.fail_first = fail_first
        self.on_receive = on_receive  # runs before the answer (what happens meanwhile)
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                key = self.headers["idempotency-key"]
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver.lock:
                    receiver.received.append(key)
                    first = len(receiver.received) == 1
                    failing = len(receiver.received) <= receiver.fail_first
                if not verify(SECRET, headers, body):
                    receiver.bad_signatures += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                if receiver.on_receive is not None:
                    receiver.on_receive(key)
                if first and receiver.hold_first:
                    receiver.first_arrived.set()
                    receiver.release_first.wait(60)  # the sender is killed meanwhile
                    return
                if failing:
                    self.send_response(503)
                    self.end_headers()
                    return
                with receiver.lock:
                    receiver.processed.setdefault(key, headers)  # a repeat changes nothing
                    if receiver.expected and len(receiver.processed) >= receiver.expected:
                        receiver.all_processed.set()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    @contextmanager
    def running(self) -> Iterator[Receiver]:
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.release_first.set()
            self.server.shutdown()
            self.server.server_close()


def _scenario(store: GraphStore, webhook: str) -> list[str]:
    """Three directors of a watched enterprise become barred: three alerts in the outbox."""
    store.pinned_today = dt.date(2026, 6, 1)  # type: ignore[attr-defined]
    people = [f"p:director-{i}" for i in range(3)]
    load_records(
        store,
        [
            enterprise(E, "清远某某集团有限公司"),
            *(person(p, f"董事{i}") for i, p in enumerate(people)),
            *(link("DIRECTOR", p, E, "2024-01-01") for p in people),
        ],
    )
    Monitoring(store).watch(
        E, scope="OFFICE_HOLDERS", owner="board-office", webhook=webhook, secret=SECRET
    )
    load_records(
        store,
        [
            event(
                f"ev:{i}",
                "DISHONEST_DEBTOR_LISTED",
                p,
                "2026-05-20",
                ground="unpaid_debt",
                until="2028-05-20",
            )
            for i, p in enumerate(people)
        ],
    )
    return sorted(a.id for a in store.monitor_records(ALERT))


def test_webhook_delivery_is_signed_and_retried_with_backoff(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store.db", default_schema(), id_key=TEST_ID_KEY)
    now = [1000.0]
    with Receiver(fail_first=1).running() as receiver:
        keys = _scenario(store, receiver.url)
        deliverer = Deliverer(store, clock=lambda: now[0], base_delay=2.0)
        try:
            assert deliverer.deliver_due() == 2  # the first answer was 503
            failed = [a for a in store.monitor_records(ALERT) if a.status != SENT]
            assert len(failed) == 1
            assert failed[0].data["attempts"] == 1 and failed[0].data["last_error"] == "HTTP 503"
            assert failed[0].data["next_attempt"] == 1002.0
            assert deliverer.deliver_due() == 0  # not due before its backoff has passed
            now[0] = 1002.0
            assert deliverer.deliver_due() == 1
        finally:
            deliverer.stop()
        assert sorted(receiver.processed) == keys
        assert receiver.bad_signatures == 0
        assert all(a.status == SENT for a in store.monitor_records(ALERT))
        payload_keys = {h["idempotency-key"] for h in receiver.processed.values()}
        assert payload_keys == set(keys)
    store.close()


def _serve(store_url: str, **settings: str) -> subprocess.Popen[bytes]:
    """`creditgraph serve` on the store; ``settings``: more CREDITGRAPH_* variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITGRAPH_")}
    env.update(CREDITGRAPH_ID_KEY=TEST_ID_KEY, CREDITGRAPH_DELIVERY_POLL="0.05", **settings)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "creditgraph.cli",
            "serve",
            "--store",
            store_url,
            "--host",
            "127.0.0.1",
            "--port",
            str(free_port()),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store_at(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Callable[[], GraphStore], str]]:
    """(open the store, its URL for `creditgraph serve`) on each store."""
    if request.param == "embedded":
        path = tmp_path / "store.db"
        yield (lambda: EmbeddedStore(path, default_schema(), id_key=TEST_ID_KEY)), str(path)
        return
    server = request.getfixturevalue("neo4j_server")
    server.empty()
    yield server.open, server.url


@pytest.mark.slow
def test_kill_9_mid_delivery_loses_no_alert_and_each_is_processed_once(
    store_at: tuple[Callable[[], GraphStore], str],
) -> None:
    open_store, url = store_at
    store = open_store()
    with Receiver(hold_first=True).running() as receiver:
        keys = _scenario(store, receiver.url)
        store.close()
        receiver.expected = len(keys)
        server = _serve(url)
        try:
            # the server is killed while the receiver holds its first delivery unanswered
            assert receiver.first_arrived.wait(120), "the server delivered nothing"
            server.send_signal(signal.SIGKILL)
            server.wait(30)
        finally:
            if server.poll() is None:
                server.kill()
        interrupted = receiver.received[0]
        assert interrupted not in receiver.processed
        restarted = _serve(url)
        try:
            assert receiver.all_processed.wait(120), f"processed {sorted(receiver.processed)}"
        finally:
            restarted.send_signal(signal.SIGTERM)
            restarted.wait(30)
        assert sorted(receiver.processed) == keys  # none lost, each processed once
        assert receiver.received.count(interrupted) == 2  # sent again, with the same key
        assert receiver.bad_signatures == 0
    reopened = open_store()
    assert {a.status for a in reopened.monitor_records(ALERT)} == {SENT}
    reopened.close()


def test_duty_notice_goes_pending_sent_acknowledged_through_the_agencys_inbox(
    tmp_path: Path,
) -> None:
    store = EmbeddedStore(tmp_path / "store.db", default_schema(), id_key=TEST_ID_KEY)
    monitoring = Monitoring(store)
    with Receiver().running() as receiver:
        load_records(
            store,
            [
                agency("g:bureau", "清远市某局"),
                agency("g:superior", "清远市人民政府"),
                link("SUPERIOR_OF", "g:superior", "g:bureau", "2020-01-01"),
            ],
        )
        # a bank watching the superior body gets alerts, never the notices meant for it
        monitoring.watch("g:superior", owner="bank", webhook=receiver.url + "/bank", secret=SECRET)
        monitoring.watch(
            "g:superior", owner="steward", webhook=receiver.url, secret=SECRET, inbox=True
        )
        load_records(
            store,
            [event("ev:p", "ADMINISTRATIVE_PENALTY", "g:bureau", "2026-05-01", severity="general")],
        )
        (notice,) = monitoring.notices(addressee="g:superior")
        assert notice.status == PENDING and notice.data["webhook"] == receiver.url
        deliverer = Deliverer(store)
        try:
            deliverer.deliver_due()
        finally:
            deliverer.stop()
        assert receiver.processed[notice.id]["idempotency-key"] == notice.id
        (sent,) = monitoring.notices(addressee="g:superior")
        assert sent.status == SENT
        acked = monitoring.acknowledge(notice.id, by="g:superior")
        assert acked.status == "ACKNOWLEDGED" and acked.data["acknowledged_by"] == "g:superior"
    store.close()
