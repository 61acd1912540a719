"""Fuzzing and fault injection of the HTTP API (issue 10, items 18–23), against a real
``creditgraph serve`` process on a loopback port:

1. schemathesis over every GraphQL operation (and over the REST operations of
   ``/openapi.json`` when the server has them), with a steward's key and anonymously;
2. a hostile set (fragment bombs, huge and streamed bodies, 100,000-check batches, deep
   JSON, huge cursors and search texts, unknown fragments), anonymously and with a key;
3. the server's RSS before and after (2);
4. ``kill -9`` of the server while mutations run: acknowledged calls lost, calls half applied.

Prints one JSON report. Usage::

    python -m benchmarks.fuzz_api [--examples 50] [--kill-trials 10]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from benchmarks.load import free_port

KEYS = "k-approval=approval,k-investigator=investigator,k-steward=steward"
STEWARD = {"Authorization": "Bearer k-steward"}
DEMO = Path(__file__).resolve().parents[1] / "src" / "creditgraph" / "demo" / "scenario.jsonl"
HANG_SECONDS = 30.0


def _rss_kib(pid: int) -> int:
    return _status(pid, "VmRSS")


def _status(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


class Server:
    def __init__(self, store: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # a line per request: to a file, since a pipe read only at the end fills and stops
        # the server mid-run (see benchmarks.http_server.served)
        self.log = tempfile.TemporaryFile(prefix="creditgraph-fuzz-serve-")  # noqa: SIM115 (closed in stop/kill)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "creditgraph.cli",
                "serve",
                "--store",
                str(store),
                "--port",
                str(self.port),
            ],
            env={
                **os.environ,
                "CREDITGRAPH_API_KEYS": KEYS,
                "CREDITGRAPH_TODAY": "2026-06-30",
                **env,
            },
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        give_up = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > give_up:
                raise RuntimeError("the server did not start")
            time.sleep(0.1)

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        self.log.seek(0)
        text = self.log.read().decode("utf-8", "replace")
        self.log.close()
        return text

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=60)
        self.log.close()


def _demo_store(folder: Path) -> Path:
    store = folder / "demo.db"
    subprocess.run(
        [sys.executable, "-m", "creditgraph.cli", "load", str(DEMO), "--store", str(store)],
        check=True,
        capture_output=True,
    )
    return store


# 1. schemathesis ----------------------------------------------------------------------------
def _register_scalars() -> None:
    import schemathesis
    from hypothesis import strategies as st
    from schemathesis.graphql import nodes

    schemathesis.graphql.scalar(
        "Date",
        st.dates().map(lambda d: nodes.String(d.isoformat()))
        | st.text(max_size=12).map(nodes.String),
    )
    schemathesis.graphql.scalar("JSON", st.text(max_size=40).map(nodes.String))


def fuzz_graphql(url: str, examples: int) -> dict[str, Any]:
    import schemathesis

    _register_scalars()
    schema = schemathesis.graphql.from_url(f"{url}/graphql", headers=STEWARD)
    statuses: Counter[str] = Counter()
    codes: Counter[str] = Counter()
    timing = {"hangs": 0, "slowest": 0.0}

    def record(response: Any, seconds: float | None) -> None:
        if response is None:
            timing["hangs"] += 1
            return
        timing["slowest"] = max(timing["slowest"], seconds or 0.0)
        statuses[str(response.status_code)] += 1
        try:
            for error in response.json().get("errors") or []:
                codes[(error.get("extensions") or {}).get("code", "NO CODE")] += 1
        except ValueError:
            codes["NOT JSON"] += 1

    for operation in _operations(schema):
        for headers in (STEWARD, {}):
            _fuzz_operation(operation, headers, examples, record)
    return {
        "requests": sum(statuses.values()) + int(timing["hangs"]),
        "statuses": dict(statuses),
        "http_500s": sum(v for k, v in statuses.items() if k.startswith("5")),
        "hangs": int(timing["hangs"]),
        "error_codes": dict(codes),
        "slowest_seconds": round(timing["slowest"], 2),
    }


def _fuzz_operation(operation: Any, headers: dict[str, str], examples: int, record: Any) -> None:
    from hypothesis import HealthCheck, given, settings

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        started = time.monotonic()
        try:
            response = case.call(headers=headers, timeout=HANG_SECONDS)
        except Exception as exc:
            if "timed out" in str(exc).lower() or "timeout" in type(exc).__name__.lower():
                record(None, None)
                return
            raise
        record(response, time.monotonic() - started)

    run()


def fuzz_rest(url: str, examples: int) -> dict[str, Any] | None:
    if httpx.get(f"{url}/openapi.json", headers=STEWARD, timeout=10).status_code != 200:
        return None
    import schemathesis
    from hypothesis import HealthCheck, given, settings

    schema = schemathesis.openapi.from_url(f"{url}/openapi.json", headers=STEWARD)
    statuses: Counter[str] = Counter()
    hangs = 0
    for operation in _operations(schema):

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            nonlocal hangs
            try:
                response = case.call(headers=STEWARD, timeout=HANG_SECONDS)
            except Exception as exc:
                if "timed out" in str(exc).lower():
                    hangs += 1
                    return
                raise
            statuses[str(response.status_code)] += 1

        run()
    return {
        "requests": sum(statuses.values()) + hangs,
        "statuses": dict(statuses),
        "http_500s": sum(v for k, v in statuses.items() if k.startswith("5")),
        "hangs": hangs,
    }


# 2. the hostile set ----------------------------------------------------------------------------
def _bomb(levels: int) -> str:
    parts = ["fragment F0 on Query { __typename }"]
    parts += [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels)]
    return f"query {{ ...F{levels - 1} }} " + " ".join(parts)


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def hostile_requests() -> Iterator[tuple[str, dict[str, Any]]]:
    search = "query($q: String!, $a: String) { search(query: $q, after: $a) { edges { cursor } } }"
    batch = "query($r: [AppointmentRequest!]!) { checkAppointments(requests: $r) { decision } }"
    imports = "mutation($r: [JSON!]!) { importRecords(records: $r) { ok } }"
    for levels in (20, 40, 80):
        yield f"fragment bomb {levels}", {"json": {"query": _bomb(levels)}}
    yield "unknown fragment", {"json": {"query": "query { ...Z }"}}
    yield "search text 60,000 chars", {"json": {"query": search, "variables": {"q": "华" * 60_000}}}
    for exponent in (63, 64, 100):
        yield (
            f"cursor 2^{exponent}",
            {
                "json": {
                    "query": search,
                    "variables": {"q": "华", "a": _cursor(f"search:{2**exponent}")},
                }
            },
        )
    yield (
        "100,000 batch checks",
        {
            "json": {
                "query": batch,
                "variables": {"r": [{"personId": "p:zhang-wei", "role": "DIRECTOR"}] * 100_000},
            }
        },
    )
    deep = '{"query": "' + imports + '", "variables": {"r": [' + "[" * 1000 + "]" * 1000 + "]}}"
    yield (
        "JSON 1,000 deep",
        {"content": deep.encode(), "headers": {"Content-Type": "application/json"}},
    )
    yield (
        "55 MB body",
        {
            "content": b'{"query": "{ __typename }", "pad": "' + b"x" * 55_000_000 + b'"}',
            "headers": {"Content-Type": "application/json"},
        },
    )

    def streamed() -> Iterator[bytes]:
        yield b'{"query": "{ __typename }", "pad": "'
        for _ in range(55):
            yield b"x" * 1_000_000
        yield b'"}'

    yield (
        "55 MB streamed body",
        {"content": streamed, "headers": {"Content-Type": "application/json"}},
    )
    yield (
        "literal nested 600 deep",
        {
            "json": {
                "query": "mutation { importRecords(records: ["
                + "{a: " * 600
                + "1"
                + "}" * 600
                + "]) { ok } }"
            }
        },
    )
    yield "introspection", {"json": {"query": "{ __schema { types { name fields { name } } } }"}}


def hostile(url: str, pid: int, rounds: int) -> dict[str, Any]:
    """The hostile set, ``rounds`` times; RSS before (cold, and after one round that starts
    the worker threads and fills the caches once), after each round, and after a settle."""
    cold = _rss_kib(pid)
    before, threads_before = cold, _status(pid, "Threads")
    threads_each_round: list[int] = []
    # RSS less the files mapped (the store's pages, its WAL index): the heap
    anonymous_before, anonymous_each_round = _status(pid, "RssAnon"), []
    seen: dict[str, Any] = {}
    peak = before
    after_each_round: list[int] = []
    for _ in range(rounds):
        for who, headers in (("anonymous", {}), ("steward", STEWARD)):
            for name, request in hostile_requests():
                extra = dict(request)
                if callable(extra.get("content")):
                    extra["content"] = extra["content"]()
                started = time.monotonic()
                try:
                    response = httpx.post(
                        f"{url}/graphql",
                        timeout=HANG_SECONDS,
                        headers={**headers, **extra.pop("headers", {})},
                        **extra,
                    )
                    outcome: Any = response.status_code
                    try:
                        errors = response.json().get("errors") or []
                        code = (errors[0].get("extensions") or {}).get("code") if errors else None
                    except ValueError:
                        code = "NOT JSON"
                except httpx.TimeoutException:
                    outcome, code = "HANG", None
                except httpx.HTTPError as exc:
                    outcome, code = f"connection: {type(exc).__name__}", None
                rss = _rss_kib(pid)
                seen[f"{who}: {name}"] = {
                    "status": outcome,
                    "code": code,
                    "seconds": round(time.monotonic() - started, 2),
                    "rss_after_kib": rss,
                }
                peak = max(peak, rss)
        after_each_round.append(_rss_kib(pid))
        anonymous_each_round.append(_status(pid, "RssAnon"))
        threads_each_round.append(_status(pid, "Threads"))
    after = _rss_kib(pid)
    time.sleep(10)  # a settle: what the allocator and the worker threads give back by idling
    return {
        "rss_before_kib": cold,
        "rss_after_first_round_kib": after_each_round[0] if after_each_round else None,
        "rss_peak_kib": peak,
        "rss_after_kib": after,
        "rss_after_settle_kib": _rss_kib(pid),
        "rss_after_each_round_kib": after_each_round,
        "rss_anonymous_before_kib": anonymous_before,
        "rss_anonymous_after_each_round_kib": anonymous_each_round,
        "threads_before": threads_before,
        "threads_after_each_round": threads_each_round,
        "requests": sum(1 for _ in hostile_requests()) * 2 * rounds,
        "results": seen,
    }


# 4. kill -9 during mutations ---------------------------------------------------------------------
def _call_records(call: int, size: int) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = [
        {"type": "person", "id": f"p:k{call}-{i}", "name": "测试人"} for i in range(size)
    ]
    records += [
        {
            "type": "link",
            "rel": "DIRECTOR",
            "from": f"p:k{call}-{i}",
            "to": "91310115MA1MY0020J",
            "valid_from": "2020-01-01",
        }
        for i in range(size)
    ]
    records.append(
        {
            "type": "event",
            "id": f"ev:k{call}",
            "kind": "BRIBERY_RECORD",
            "subject": f"p:k{call}-0",
            "date": "2025-01-01",
        }
    )
    return records


def kill_trials(folder: Path, demo: Path, trials: int, size: int) -> dict[str, Any]:
    query = "mutation($r: [JSON!]!) { importRecords(records: $r) { ok } }"
    acknowledged_lost = half_applied = acknowledged = 0
    for trial in range(trials):
        store = folder / f"kill-{trial}.db"
        shutil.copy(demo, store)
        server = Server(store)
        done: list[int] = []
        stop = threading.Event()

        def writer(
            server: Server = server,
            done: list[int] = done,
            stop: threading.Event = stop,
            trial: int = trial,
        ) -> None:
            call = 0
            while not stop.is_set():
                call += 1
                records = _call_records(trial * 10_000 + call, size)
                try:
                    response = httpx.post(
                        f"{server.url}/graphql",
                        headers=STEWARD,
                        timeout=30,
                        json={"query": query, "variables": {"r": records}},
                    )
                    if response.json()["data"]["importRecords"]["ok"]:
                        done.append(trial * 10_000 + call)
                except (httpx.HTTPError, ValueError, TypeError, KeyError):
                    return

        thread = threading.Thread(target=writer)
        thread.start()
        time.sleep(random.uniform(0.5, 3.0))
        server.kill()
        stop.set()
        thread.join()
        conn = sqlite3.connect(store)
        present = Counter(
            row[0].split("-")[0]
            for row in conn.execute("SELECT id FROM nodes WHERE id LIKE 'p:k%'")
        )
        events = {row[0] for row in conn.execute("SELECT id FROM events WHERE id LIKE 'ev:k%'")}
        conn.close()
        calls = {int(key[3:]) for key in present} | {int(e[4:]) for e in events} | set(done)
        acknowledged += len(done)
        for call in calls:
            persons = present.get(f"p:k{call}", 0)
            has_event = f"ev:k{call}" in events
            whole = persons == size and has_event
            if call in done and not whole:
                acknowledged_lost += 1
            if (persons or has_event) and not whole:
                half_applied += 1
    return {
        "trials": trials,
        "records_per_call": 2 * size + 1,
        "calls_acknowledged": acknowledged,
        "acknowledged_calls_lost": acknowledged_lost,
        "calls_half_applied": half_applied,
    }


def _operations(schema: Any) -> Iterator[Any]:
    """The schema's operations; one the schema cannot describe stops the run with its error."""
    from schemathesis.core.result import Err

    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        yield result.ok()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--examples", type=int, default=50, help="schemathesis examples per operation and caller"
    )
    parser.add_argument("--hostile-rounds", type=int, default=3)
    parser.add_argument("--kill-trials", type=int, default=10)
    parser.add_argument("--kill-call-size", type=int, default=200)
    parser.add_argument(
        "--parts",
        default="graphql,rest,hostile,kill",
        help="which parts to run, comma-separated: graphql, rest (schemathesis), hostile, kill",
    )
    options = parser.parse_args()
    parts = set(options.parts.split(","))
    folder = Path(tempfile.mkdtemp(prefix="creditgraph-fuzz-"))
    try:
        demo = _demo_store(folder)
        report: dict[str, Any] = {}
        fuzzed = folder / "fuzzed.db"
        shutil.copy(demo, fuzzed)
        server = Server(fuzzed)
        try:
            if "graphql" in parts:
                report["graphql_schemathesis"] = fuzz_graphql(server.url, options.examples)
            if "rest" in parts:
                report["rest_schemathesis"] = fuzz_rest(server.url, options.examples)
            if "hostile" in parts:
                report["hostile"] = hostile(server.url, server.process.pid, options.hostile_rounds)
        finally:
            log = server.stop()
        report["server_log_tracebacks"] = log.count("Traceback")
        if "kill" in parts:
            report["kill_9"] = kill_trials(
                folder, demo, options.kill_trials, options.kill_call_size
            )
        print(json.dumps(report, ensure_ascii=False, indent=2))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
