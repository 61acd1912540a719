"""The workbench benchmark (not a test): time from opening a party to an interactive depth-2
relationship graph, measured in the browser with the Performance API.

    python -m benchmarks.workbench --size M [--store m.db] [--parties 60] [--out benchmarks/out]

The store is generated (``creditgraph.synth``, seed 7) and imported when ``--store`` does not
exist yet. ``creditgraph serve`` runs in its own process on a loopback port; Playwright drives Debian's
Chromium. For each party the page goes to ``#/graph/ID?depth=2`` the way a click on a party
does; the workbench marks ``party-open`` when the page starts and ``graph-interactive``
when the graph is drawn, laid out and answering clicks, and the benchmark reads the
``open-to-interactive`` measure. The first opening (a cold page: scripts parsed, caches
empty) is reported apart. Goal: p95 ≤ 1 s over loopback.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

GOAL_P95_MS = 1000.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.workbench", description=__doc__)
    p.add_argument("--size", default="M", help="S, M, L or a number of links (default M)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--store", type=Path, default=None, help="embedded store to use or create")
    p.add_argument("--parties", type=int, default=60, help="parties opened (default 60)")
    p.add_argument("--out", type=Path, default=Path("benchmarks/out"))
    p.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    return p.parse_args(argv)


def ensure_store(args: argparse.Namespace) -> Path:
    from creditgraph.ingest.loader import load, read_lines
    from creditgraph.schema import default_schema
    from creditgraph.store.embedded import EmbeddedStore
    from creditgraph.synth import generate

    store_path = args.store or args.out / f"workbench-{args.size}.db"
    if store_path.exists():
        return store_path
    args.out.mkdir(parents=True, exist_ok=True)
    data = store_path.with_suffix(".jsonl")
    print(f"generating {args.size} into {data} …", flush=True)
    generate(data, args.size, seed=args.seed)
    print(f"importing into {store_path} …", flush=True)
    store = EmbeddedStore(store_path, default_schema())
    result = load(read_lines([str(data)]), store)
    store.close()
    if result.errors:
        raise SystemExit(f"the generated data did not import: {result.errors[0]}")
    return store_path


def sample_parties(store: Any, count: int, seed: int) -> list[str]:
    """Enterprises with links, drawn at random (the same seed gives the same parties)."""
    rng = random.Random(seed)
    picked: list[str] = []
    seen: set[str] = set()
    for record in store.export():
        if record.get("type") == "link" and record["to"] not in seen and rng.random() < 0.002:
            seen.add(record["to"])
            picked.append(record["to"])
            if len(picked) >= count:
                break
    return picked


@contextmanager
def serving(store_path: Path) -> Iterator[str]:
    """`creditgraph serve` in its own process, as a user runs it (open local mode)."""
    import subprocess
    import sys
    import urllib.request

    from benchmarks.load import free_port

    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "creditgraph.cli",
            "serve",
            "--store",
            str(store_path),
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=2).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("creditgraph serve did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def measure(url: str, parties: list[str], chromium: str) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    timings: list[float] = []
    fetches: list[float] = []  # of which: the GraphQL request until its answer is parsed
    sizes: list[int] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.add_init_script("sessionStorage.setItem('creditgraph.purpose', 'benchmark');")
        page = context.new_page()
        page.goto(f"{url}/#/graph/{parties[0]}?depth=2")
        page.wait_for_selector("body[data-graph-ready='1']", timeout=60_000)
        cold = page.evaluate("performance.getEntriesByName('open-to-interactive')[0].duration")
        for party in parties[1:]:
            page.evaluate("document.body.dataset.graphReady = ''")
            page.evaluate(f"location.hash = '#/graph/{party}?depth=2'")
            page.wait_for_selector("body[data-graph-ready='1']", timeout=60_000)
            timings.append(
                page.evaluate("performance.getEntriesByName('open-to-interactive')[0].duration")
            )
            fetches.append(
                page.evaluate("performance.getEntriesByName('open-to-data')[0].duration")
            )
            sizes.append(page.evaluate("window.__cy.nodes('[type]').length"))
        browser.close()
    ordered = sorted(timings)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "parties": len(timings),
        "cold_first_ms": round(cold, 1),
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(ordered[-1], 1),
        "fetch_p50_ms": round(statistics.median(fetches), 1),
        "fetch_p95_ms": round(
            sorted(fetches)[min(len(fetches) - 1, round(0.95 * (len(fetches) - 1)))], 1
        ),
        "nodes_median": statistics.median(sizes),
        "nodes_max": max(sizes),
        "goal_p95_ms": GOAL_P95_MS,
        "met": p95 <= GOAL_P95_MS,
    }


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    from creditgraph.schema import default_schema
    from creditgraph.store.embedded import EmbeddedStore

    store_path = ensure_store(args)
    store = EmbeddedStore(store_path, default_schema())
    parties = sample_parties(store, args.parties + 1, args.seed)
    store.close()
    with serving(store_path) as url:
        result = measure(url, parties, args.chromium)
    result.update(size=args.size, store=str(store_path), load_average=os.getloadavg())
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "workbench.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
