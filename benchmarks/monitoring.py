"""Benchmark of the reward-and-punishment loop (not a test):
``python -m benchmarks.monitoring --size M [--store PATH] [--watch-share 0.1] [--probes 200]``.

1. Generates a synthetic registry (``creditgraph.synth``) and loads its nodes and links.
2. Watches a share of the enterprises (scope ALL: the enterprise and its office holders)
   with a webhook to a de-duplicating receiver on 127.0.0.1, and starts the outbox worker.
3. Loads the events (sanctions, lifts, rewards) while the worker delivers: alerts produced
   per second of loading, alerts delivered per second from the start of the load until the
   outbox is empty, and how long delivery ran on after the load committed.
4. Probes: single-event writes on watched office holders, one at a time; the latency from
   the write's commit to the receiver getting the alert (p50/p95/p99; goal p99 ≤ 1 s).

Prints one JSON object with the figures and the machine's load average.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from creditgraph.domain.model import Event
from creditgraph.ingest.loader import load, read_lines
from creditgraph.monitoring.delivery import Deliverer
from creditgraph.monitoring.react import ALERT, PENDING
from creditgraph.monitoring.service import Monitoring
from creditgraph.schema import default_schema
from creditgraph.store.base import Batch
from creditgraph.store.embedded import EmbeddedStore
from creditgraph.synth.generator import generate

SECRET = "benchmark-webhook-secret"


class Receiver:
    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["content-length"]))
                key = self.headers["idempotency-key"]
                with receiver.changed:
                    receiver.arrived.setdefault(key, time.monotonic())
                    receiver.changed.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, keys: set[str], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self.changed:
            while not keys <= self.arrived.keys():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.changed.wait(left)
        return True


def _split(path: Path, folder: Path) -> tuple[Path, Path]:
    graph, events = folder / "graph.jsonl", folder / "events.jsonl"
    with (
        path.open(encoding="utf-8") as source,
        graph.open("w", encoding="utf-8") as g,
        events.open("w", encoding="utf-8") as e,
    ):
        for line in source:
            (e if '"type":"event"' in line else g).write(line)
    return graph, events


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(prog="python -m benchmarks.monitoring")
    p.add_argument("--size", default="M")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--watch-share", type=float, default=0.1)
    p.add_argument("--probes", type=int, default=200)
    p.add_argument("--folder", type=Path, default=None)
    args = p.parse_args(argv)
    folder = args.folder or Path(tempfile.mkdtemp(prefix="creditgraph-bench-monitoring-"))
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / f"synth-{args.size}-{args.seed}.jsonl"
    if not data.exists():
        generate(data, args.size, seed=args.seed)
    graph, events = _split(data, folder)
    db = folder / "store.db"
    for leftover in folder.glob("store.db*"):
        leftover.unlink()
    store = EmbeddedStore(db, default_schema(), id_key="benchmark")
    started = time.perf_counter()
    result = load(read_lines([str(graph)]), store)
    assert not result.errors, result.errors[:3]
    graph_seconds = time.perf_counter() - started

    receiver = Receiver()
    monitoring = Monitoring(store)
    enterprises = store.node_ids("enterprise", limit=10**9)
    step = max(1, round(1 / args.watch_share))
    watched = enterprises[::step]
    for enterprise in watched:
        monitoring.watch(
            enterprise, scope="ALL", owner="bench", webhook=receiver.url, secret=SECRET
        )
    deliverer = Deliverer(store, poll_interval=0.05, batch=1000)
    deliverer.start()

    started = time.perf_counter()
    result = load(read_lines([str(events)]), store)
    assert not result.errors, result.errors[:3]
    load_seconds = time.perf_counter() - started
    alerts = {a.id for a in store.monitor_records(ALERT) if a.status is not None}
    delivered_all = receiver.wait_for(alerts, timeout=3600)
    drain_seconds = time.perf_counter() - started

    # probes: one new sanction at a time on a watched enterprise's office holder
    holders = [
        link.src
        for link in store.links(watched[:2000], rels=store.schema.roles, direction="in")
        if link.valid_to is None
    ]
    latencies = []
    today = store.today()
    for n, person in enumerate(dict.fromkeys(holders)):
        if n >= args.probes:
            break
        before = {a.id for a in store.monitor_records(ALERT, subjects=[person])}
        store.write(
            Batch(
                events=[
                    Event(
                        f"ev:probe-{n}",
                        "CRIMINAL_CONVICTION",
                        person,
                        today,
                        {"sentence_end": today.isoformat()},
                    )
                ]
            )
        )
        committed = time.monotonic()
        deliverer.wake()
        new = {a.id for a in store.monitor_records(ALERT, subjects=[person])} - before
        if not new:
            continue
        if receiver.wait_for(new, timeout=30):
            latencies.append(max(receiver.arrived[k] for k in new) - committed)
    deliverer.stop()
    # the receiver's 2xx comes before the worker marks the alert SENT: counted once it stopped
    pending = len(store.monitor_records(ALERT, statuses=[PENDING]))
    latencies.sort()

    def quantile(q: float) -> float | None:
        if not latencies:
            return None
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000, 1)

    figures = {
        "size": args.size,
        "events_loaded": sum(1 for _ in events.open(encoding="utf-8")),
        "graph_load_s": round(graph_seconds, 1),
        "watched_enterprises": len(watched),
        "event_load_s": round(load_seconds, 2),
        "alerts_produced": len(alerts),
        "alerts_produced_per_s": round(len(alerts) / load_seconds, 1),
        "all_delivered": delivered_all and pending == 0,
        "alerts_delivered_per_s": round(len(alerts) / drain_seconds, 1),
        # a load is one transaction per batch: its alerts exist from its commit on
        "delivery_after_load_s": round(drain_seconds - load_seconds, 2),
        "probe_writes": len(latencies),
        "commit_to_webhook_ms": {
            "p50": quantile(0.5),
            "p95": quantile(0.95),
            "p99": quantile(0.99),
            "max": round(latencies[-1] * 1000, 1) if latencies else None,
            "mean": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
        },
        "load_average": os.getloadavg(),
    }
    store.close()
    print(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
