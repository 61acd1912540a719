"""One HTTP server alone on a store, GraphQL ``checkAppointment`` under 4 clients: the way
to compare two versions of the server (or two audit durabilities) by alternating runs,
without the second server ``benchmarks.run``'s HTTP case starts beside the first.

    python -m benchmarks.http_alone STORE REGISTRY.jsonl [--audit-sync S] [--rounds 3]

The store is one ``benchmarks.run`` loaded (e.g. ``benchmarks/out/data/embedded-M.db``) and
REGISTRY the file it was loaded from (the checks ask about its persons). Prints one line per
round (requests per second, p50 and p99 in ms, the server's CPU a request: its workers'
and their audit syncing processes' too) and then the median round."""

from __future__ import annotations

import argparse
from typing import Any

import httpx
import orjson

from benchmarks.http_server import served
from benchmarks.load import free_port, request_bytes, under_load
from benchmarks.worker import (
    _check_body,
    _check_requests,
    _load_summary,
    child_pids,
    cpu_seconds,
    latency_summary,
)
from creditgraph.store import open_store


def measure(
    store_url: str,
    data_path: str,
    *,
    requests: int = 20_000,
    warmup: int = 2_000,
    rounds: int = 3,
    clients: int = 4,
    workers: int = 2,
    audit_sync: float | None = None,
    seed: int = 7,
) -> list[dict[str, Any]]:
    """Each round as the load generator measured it (requests per second, failed requests,
    the samples), with its p50 and p99 in ms."""
    store = open_store(store_url)
    try:
        checks, _ = _check_requests(store, data_path, warmup + requests, seed)
    finally:
        store.close()
    payloads = [
        request_bytes("/graphql", orjson.dumps(_check_body(person, role, day)))
        for person, role, _, day in checks
    ]
    settings = {"CREDITGRAPH_AUDIT_SYNC": f"{audit_sync:g}"} if audit_sync else {}
    port = free_port()
    found = []
    with served(store_url, port, workers=workers, settings=settings) as (_, server_pid):
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            client.get("/healthz").raise_for_status()
        under_load(port, payloads[:warmup], clients)
        for _ in range(rounds):
            before = tree_cpu_seconds(server_pid)
            result = under_load(port, payloads[warmup:], clients)
            cpu = tree_cpu_seconds(server_pid) - before
            latency = latency_summary(result["samples_ns"])
            found.append(
                {
                    **result,
                    "p50_ms": latency["p50_ms"],
                    "p99_ms": latency["p99_ms"],
                    "server_cpu_ms_per_request": 1000 * cpu / result["requests"],
                }
            )
    return found


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds used so far by ``pid`` and every process below it (the server, its
    workers, and each worker's audit syncing process): a steadier figure than throughput
    on a shared machine, for telling two versions apart."""
    total, pids = 0.0, [pid]
    while pids:
        current = pids.pop()
        total += cpu_seconds(current)
        pids += child_pids(current)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store")
    parser.add_argument("registry")
    parser.add_argument("--audit-sync", type=float, default=None, help="CREDITGRAPH_AUDIT_SYNC")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=20_000, help="per round")
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    options = parser.parse_args()
    rounds = measure(
        options.store,
        options.registry,
        requests=options.requests,
        rounds=options.rounds,
        workers=options.workers,
        audit_sync=options.audit_sync,
    )
    for found in rounds:
        print(
            f"{found['requests_per_second']:,.0f} req/s, p50 {found['p50_ms']:.2f} ms, "
            f"p99 {found['p99_ms']:.2f} ms, {found['failures']} failed, "
            f"{found['server_cpu_ms_per_request']:.3f} ms of server CPU a request"
        )
    # the median round by throughput, as benchmarks.run reports it
    print(f"median round: {_load_summary(rounds)['requests_per_second']:,.0f} req/s")


if __name__ == "__main__":
    main()
