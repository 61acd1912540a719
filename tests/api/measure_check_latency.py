"""Measure checkAppointment as an approval system sees it: over HTTP on loopback, against
`creditgraph serve` in its own process, on a synthetic registry of a few thousand parties.

    python tests/api/measure_check_latency.py [--size S] [--requests 3000] [--threads 4]

Prints p50/p99 latency of sequential requests (one keep-alive connection), requests per
second with several concurrent clients, and the latency of a 100-check batch.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from creditgraph.ingest.loader import load, read_lines
from creditgraph.schema import default_schema
from creditgraph.store.embedded import EmbeddedStore
from creditgraph.synth.generator import generate

CHECK = """query ($p: ID!, $on: Date) { checkAppointment(personId: $p, role: DIRECTOR, on: $on) {
  decision until dataVersion reasons { measure rule legalBasis from until certainty
  event { id kind subject date } path { node rel validFrom validTo } } } }"""
BATCH = """query ($r: [AppointmentRequest!]!) { checkAppointments(requests: $r) {
  person decision until reasons { rule until } } }"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="S")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="creditgraph-measure-"))
    data, db = folder / "registry.jsonl", folder / "registry.db"
    summary = generate(data, args.size, seed=7)
    store = EmbeddedStore(db, default_schema(), id_key="measure")
    load(read_lines([str(data)]), store)
    counts = store.stats(time.localtime and __import__("datetime").date.today())
    barred = sorted({r.subject for r in store.restrictions() if r.subject.startswith("p:")})
    persons = [
        json.loads(line)["id"]
        for line in data.read_text("utf-8").splitlines()
        if '"type": "person"' in line or '"type":"person"' in line
    ]
    store.close()
    print(
        f"store: {sum(counts['nodes'].values())} nodes {dict(counts['nodes'])}, "
        f"{sum(counts['links'].values())} links, {sum(counts['events'].values())} events, "
        f"{sum(counts['restrictions'].values())} restrictions; "
        f"{len(barred)} persons with restrictions (generated {summary.records} records)"
    )

    port = _port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITGRAPH_")}
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from creditgraph.api.commands import serve; serve(sys.argv[1:])",
            "--store",
            str(db),
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        rng = random.Random(1)
        subjects = [
            rng.choice(barred) if rng.random() < 0.5 else rng.choice(persons)
            for _ in range(args.requests)
        ]
        verdicts: dict[str, int] = {}
        with httpx.Client(base_url=url, timeout=10) as http:
            for person in subjects[:300]:  # warm-up: caches, connections
                http.post("/graphql", json={"query": CHECK, "variables": {"p": person}})
            latencies = []
            for person in subjects:
                started = time.perf_counter()
                response = http.post("/graphql", json={"query": CHECK, "variables": {"p": person}})
                latencies.append(time.perf_counter() - started)
                verdict = response.json()["data"]["checkAppointment"]["decision"]
                verdicts[verdict] = verdicts.get(verdict, 0) + 1
            batch = [{"personId": p, "role": "DIRECTOR"} for p in subjects[:100]]
            batch_times = []
            for _ in range(20):
                started = time.perf_counter()
                http.post("/graphql", json={"query": BATCH, "variables": {"r": batch}})
                batch_times.append(time.perf_counter() - started)
        print(
            f"sequential checkAppointment, {len(latencies)} requests, one keep-alive "
            f"connection: p50 {1000 * statistics.median(latencies):.2f} ms, "
            f"p99 {1000 * _percentile(latencies, 0.99):.2f} ms, "
            f"{len(latencies) / sum(latencies):.0f} req/s; verdicts {verdicts}"
        )
        print(f"checkAppointments batch of 100: p50 {1000 * statistics.median(batch_times):.1f} ms")

        done = [0] * args.threads
        stop = time.perf_counter() + args.seconds

        def hammer(index: int) -> None:
            with httpx.Client(base_url=url, timeout=10) as http:
                i = index
                while time.perf_counter() < stop:
                    http.post(
                        "/graphql",
                        json={"query": CHECK, "variables": {"p": subjects[i % len(subjects)]}},
                    )
                    done[index] += 1
                    i += args.threads

        threads = [threading.Thread(target=hammer, args=(i,)) for i in range(args.threads)]
        began = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - began
        print(
            f"{args.threads} concurrent clients for {elapsed:.1f} s: "
            f"{sum(done) / elapsed:.0f} req/s (server: one process; {os.cpu_count()} CPUs "
            "shared with the clients)"
        )
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
