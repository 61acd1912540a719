"""Neo4j bulk load against the hand-written import, in ABBA pairs (issue 14 item 2).

    python -m benchmarks.neo4j_load_pairs registry.jsonl [changes.jsonl [next.jsonl]] --pairs 4

Each load gets a fresh test-harness Neo4j (tests/support/neo4j_server.py: 768 MB heap,
256 MiB page cache — the same settings for both importers): the first load into the empty
database, the same file again, then a file of changes, then another (without them,
:mod:`benchmarks.changes` writes 3,200 beside the registry with seeds 7 and 8: ended and new
offices, status changes, new events). The first file of changes is the first a fresh server
sees: Neo4j plans the statements the loads before it never ran (creditgraph's re-derivation
and outbox); the next one is a day's file on a server that has seen one, as in service.
Pair 0 runs the competitor first,
pair 1 creditgraph first, and so on, so neither always meets the warmer machine. One JSON
line per load (seconds and the load average before/after each step) on stdout and in
``--out``; then each step's ratio per pair and their median.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.changes import registry_changes
from benchmarks.competitors import handwritten_import

STEPS = ("first", "again", "changes", "next_changes")


def _ours(url: str, path: str) -> float:
    from creditgraph.ingest.loader import load, read_lines
    from creditgraph.store import open_store

    store = open_store(url)
    try:
        started = time.perf_counter()
        result = load(read_lines([path]), store)
        seconds = time.perf_counter() - started
    finally:
        store.close()
    if result.errors:
        raise SystemExit(f"{path}: {len(result.errors)} record errors, e.g. {result.errors[0]}")
    return seconds


def _hand(url: str, path: str) -> float:
    return float(handwritten_import(url, path)["seconds"])


def _in_own_process(who: str, url: str, path: str) -> float:
    """The seconds one import took, run in a fresh interpreter (see the module text)."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.neo4j_load_pairs", "--one", who, url, path],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{who} import of {path} failed:\n{done.stderr[-3000:]}")
    return float(done.stdout.split()[-1])


def harness_server() -> Any:
    """A fresh, empty test-harness Neo4j (tests/support/neo4j_server.py); stop() it."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from support.neo4j_server import start_neo4j

    return start_neo4j()


def one_load(who: str, pair: int, data: str, changes: str, next_changes: str) -> dict[str, Any]:
    server = harness_server()
    try:
        record: dict[str, Any] = {"who": who, "pair": pair, "started": time.strftime("%H:%M:%S")}
        for step, path in zip(STEPS, (data, data, changes, next_changes), strict=True):
            before = os.getloadavg()[0]
            record[step] = round(_in_own_process(who, server.url, path), 2)
            record[f"{step}_load"] = [round(before, 1), round(os.getloadavg()[0], 1)]
        return record
    finally:
        server.stop()


def summary(records: list[dict[str, Any]]) -> list[str]:
    pairs: dict[int, dict[str, dict[str, Any]]] = {}
    for record in records:
        pairs.setdefault(record["pair"], {})[record["who"]] = record
    lines = []
    for step in STEPS:
        ratios = [
            p["ours"][step] / p["hand"][step]
            for p in pairs.values()
            if len(p) == 2 and step in p["ours"] and step in p["hand"]
        ]
        if ratios:
            lines.append(
                f"{step}: median {statistics.median(ratios):.2f}x, "
                f"{min(ratios):.2f}-{max(ratios):.2f}x over {len(ratios)} pairs "
                f"({', '.join(f'{r:.2f}' for r in ratios)})"
            )
    return lines


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--one"]:  # one import, in this fresh interpreter: print its seconds
        who, url, path = argv[1:4]
        print(f"{(_ours if who == 'ours' else _hand)(url, path):.3f}")
        return
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("data", help="a registry file (e.g. creditgraph generate --size 100000)")
    p.add_argument(
        "changes",
        nargs="?",
        help="a file of changes to that registry (default: benchmarks.changes makes one)",
    )
    p.add_argument(
        "next_changes",
        nargs="?",
        help="another, loaded after it (default: benchmarks.changes with seed 8)",
    )
    p.add_argument("--pairs", type=int, default=4)
    p.add_argument("--out", type=Path, default=Path("benchmarks/out/neo4j-load-pairs.jsonl"))
    options = p.parse_args(argv)
    options.out.parent.mkdir(parents=True, exist_ok=True)
    data = Path(options.data)
    for name, suffix, seed in (("changes", ".changes", 7), ("next_changes", ".changes-8", 8)):
        if getattr(options, name) is None:
            made = data.with_name(data.stem + suffix + ".jsonl")
            written = registry_changes(data, made, seed=seed)
            setattr(options, name, str(made))
            print(f"{made}: {written} changes (benchmarks.changes, seed {seed})", flush=True)
    records = []
    with options.out.open("a", encoding="utf-8") as out:
        for pair in range(options.pairs):
            for who in ("hand", "ours") if pair % 2 == 0 else ("ours", "hand"):
                record = one_load(who, pair, options.data, options.changes, options.next_changes)
                records.append(record)
                line = json.dumps(record)
                print(line, flush=True)
                out.write(line + "\n")
                out.flush()
    for line in summary(records):
        print(line)


if __name__ == "__main__":
    main()
