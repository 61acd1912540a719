"""The benchmark suite: ``python -m benchmarks.run --sizes S,M [--stores embedded] [--out benchmarks/out]``.

For each size it generates a synthetic registry (``creditgraph.synth``), then for each
store imports it with the real loader and measures start-up, ``check`` latency, a
batch of checks, traversal (networkx baseline; the investigation service when
present) and a full recompute — each heavy step in its own process, so peak memory
is per step. Results go to ``results.json``, ``results.md`` and ``scaling.png``.

Noise: warm-up before timed calls, several rounds, medians; the machine and its load
average are recorded with the results, since a shared machine moves the numbers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import secrets
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from benchmarks import machine, report
from benchmarks.cases import CASES, STORES, Context, StepFailed, importable, run_worker

IMPORT_TARGET_LINKS_PER_SECOND = 50_000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("--sizes", default="S,M", help="comma-separated: S, M, L or numbers of links")
    p.add_argument("--stores", default="embedded", help="comma-separated: embedded, neo4j")
    p.add_argument("--out", default="benchmarks/out", type=Path)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument(
        "--neo4j-url",
        default=os.environ.get("CREDITGRAPH_BENCH_NEO4J_URL"),
        help="bolt:// URL of a Neo4j server the suite may wipe (env CREDITGRAPH_BENCH_NEO4J_URL), "
        "or 'harness': start the test suite's throw-away server (Java 17+ and Maven)",
    )
    p.add_argument(
        "--reuse-data",
        action="store_true",
        help="keep an already generated file of the same size and seed (generation not re-timed)",
    )
    p.add_argument("--check-calls", type=int, default=10_000, help="timed check calls per round")
    p.add_argument("--check-rounds", type=int, default=3)
    p.add_argument("--check-warmup", type=int, default=2_000)
    p.add_argument("--batch-reps", type=int, default=5)
    p.add_argument("--startup-reps", type=int, default=5)
    p.add_argument("--recompute-reps", type=int, default=3)
    p.add_argument("--traversal-roots", type=int, default=1_000)
    p.add_argument("--traversal-pairs", type=int, default=300)
    p.add_argument("--api-calls", type=int, default=2_000)
    p.add_argument(
        "--api-load-calls",
        type=int,
        default=20_000,
        help="requests per round of the 4-client HTTP load (GraphQL and REST, 3 rounds each)",
    )
    p.add_argument(
        "--api-workers",
        type=int,
        default=os.cpu_count() or 1,
        help="server processes for the HTTP case (`creditgraph serve --workers N`; default: "
        "one per CPU core)",
    )
    p.add_argument(
        "--networkx-max-links",
        type=int,
        default=3_000_000,
        help="skip the networkx baseline above this many links (it holds the graph in memory)",
    )
    p.add_argument(
        "--profile",
        choices=("auto", "always", "never"),
        default="auto",
        help=f"cProfile the import (auto: when below {IMPORT_TARGET_LINKS_PER_SECOND:,} links/s)",
    )
    p.add_argument(
        "--profile-size", default=None, help="size to profile (default: the largest run ≤ M)"
    )
    p.add_argument(
        "--skip",
        default="",
        help="comma-separated cases not to run (e.g. api,reload), listed as skipped at your request",
    )
    p.add_argument("--step-timeout", type=float, default=4 * 3600)
    p.add_argument(
        "--cases",
        default=None,
        help="comma-separated cases to run, e.g. api (default: all); with --reuse-data the "
        "store the import built earlier in the same --out is read",
    )
    return p.parse_args(argv)


def size_links(size: str) -> tuple[str, int]:
    from creditgraph.synth import parse_size

    return parse_size(size)


def log(message: str) -> None:
    print(f"[{dt.datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def throwaway_id_key() -> str:
    """Where the workers' identity key comes from; a throwaway one when the caller gave none.

    The product refuses to hash identity numbers without a key kept apart from the store, and
    rightly so. The benchmark's stores are synthetic and deleted or rebuilt by every run, so a
    random key for this run's own workers (set in their environment only, never written down)
    protects nothing less — and the product's rule stays as it is.
    """
    from creditgraph.identity.keys import KEY_FILE_VARIABLE, KEY_VARIABLE

    if os.environ.get(KEY_VARIABLE) or os.environ.get(KEY_FILE_VARIABLE):
        return "the caller's"
    os.environ[KEY_VARIABLE] = secrets.token_hex(32)
    log(
        f"no {KEY_VARIABLE} or {KEY_FILE_VARIABLE} given: this run's workers use a throwaway "
        "random key (the stores are synthetic and rebuilt by every run)"
    )
    return "a throwaway random key for this run (none was given)"


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    id_key = throwaway_id_key()
    out: Path = options.out
    data_dir = out / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    sizes = [size_links(s) for s in options.sizes.split(",") if s.strip()]
    sizes.sort(key=lambda s: s[1])
    stores = [s.strip() for s in options.stores.split(",") if s.strip()]
    results: dict[str, Any] = {
        "started": dt.datetime.now().isoformat(timespec="seconds"),
        "command": " ".join(
            ["python -m benchmarks.run", *(argv if argv is not None else sys.argv[1:])]
        ),
        "options": {k: str(v) for k, v in vars(options).items() if k != "neo4j_url"},
        "machine": machine.describe(),
        "id_key": id_key,
        "sizes": {},
        "runs": {store: {} for store in stores},
        "skipped": [],
    }
    server = start_neo4j_harness(options) if "neo4j" in stores else None
    try:
        run_sizes(results, sizes, stores, options)
    finally:
        if server is not None:
            server.stop()
    results["estimates"] = report.estimate(results, target="L")
    results["profile"] = maybe_profile(results, sizes, options, out)
    results["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    save(results, out)
    report.write_markdown(results, out / "results.md")
    plotted = report.write_plot(results, out / "scaling.png")
    log(
        f"wrote {out / 'results.json'}, {out / 'results.md'}"
        + (f", {out / 'scaling.png'}" if plotted else " (no plot: matplotlib not installed)")
    )
    return 0


def run_sizes(
    results: dict[str, Any],
    sizes: list[tuple[str, int]],
    stores: list[str],
    options: argparse.Namespace,
) -> None:
    for label, links in sizes:
        data_path = options.out / "data" / f"registry-{label}-seed{options.seed}.jsonl"
        results["sizes"][label] = {
            "target_links": links,
            "data": str(data_path),
            "generate": generate(data_path, label, options),
        }
        actual_links = results["sizes"][label]["generate"]["summary"]["links"]
        total_links = sum(actual_links.values())
        results["sizes"][label]["links"] = total_links
        for store in stores:
            run_store(results, store, label, total_links, str(data_path), options)
            save(results, options.out)


def start_neo4j_harness(options: argparse.Namespace) -> Any:
    """The test suite's throw-away Neo4j, when ``--neo4j-url harness`` asks for it."""
    if options.neo4j_url != "harness":
        return None
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from support.neo4j_server import start_neo4j

    log("starting the test harness Neo4j (tests/support/neo4j_server.py)")
    server = start_neo4j()
    options.neo4j_url = server.url
    return server


def generate(data_path: Path, label: str, options: argparse.Namespace) -> dict[str, Any]:
    cached = data_path.with_suffix(".summary.json")
    if options.reuse_data and data_path.exists() and cached.exists():
        log(f"{label}: reusing {data_path}")
        return {**json.loads(cached.read_text()), "reused": True}
    log(f"{label}: generating {data_path.name}")
    result, wall = run_worker(
        "generate", options.step_timeout, path=str(data_path), size=label, seed=options.seed
    )
    result["wall_seconds"] = wall
    cached.write_text(json.dumps(result))
    return result


def run_store(
    results: dict[str, Any],
    store: str,
    label: str,
    links: int,
    data_path: str,
    options: argparse.Namespace,
) -> None:
    runs = results["runs"][store].setdefault(label, {"links": links})
    skipped = results["skipped"]
    missing = [m for m in STORES.get(store, ("?",)) if not importable(m)]
    if store not in STORES or missing:
        reason = (
            f"unknown store {store!r}"
            if store not in STORES
            else f"{', '.join(missing)} not importable"
        )
        skipped.append({"store": store, "size": label, "case": "*", "reason": reason})
        log(f"{label}/{store}: skipped — {reason}")
        return
    if store == "neo4j" and not options.neo4j_url:
        skipped.append(
            {
                "store": store,
                "size": label,
                "case": "*",
                "reason": "no server: give --neo4j-url (it will be wiped)",
            }
        )
        return
    url: str = (
        options.neo4j_url
        if store == "neo4j"
        else str(Path(options.out) / "data" / f"{store}-{label}.db")
    )
    fits = memory_fits(results, store, links)
    skip = {name.strip() for name in options.skip.split(",") if name.strip()}
    ctx = Context(label, links, data_path, store, url, options, runs)
    asked = {c.strip() for c in options.cases.split(",")} if options.cases else None
    if asked is not None and "import" not in asked and (store != "embedded" or Path(url).exists()):
        runs.setdefault("import", {"errors": 0, "store_built_by_an_earlier_run": True})
    for case in CASES:
        if asked is not None and case.name not in asked:
            continue
        why = case.skip_reason(ctx)
        if case.name in skip:
            why = "not run: --skip"
        if why is None and case.name == "import":
            why = fits
        if why:
            skipped.append({"store": store, "size": label, "case": case.name, "reason": why})
            log(f"{label}/{store}/{case.name}: skipped — {why}")
            continue
        log(f"{label}/{store}/{case.name}: running")
        started = time.perf_counter()
        load_before = machine.load_average()
        try:
            runs[case.name] = case.run(ctx)
            runs[case.name]["load_average"] = {
                "before": load_before,
                "after": machine.load_average(),
            }
        except (StepFailed, OSError, ValueError, KeyError) as exc:
            runs[case.name] = {"failed": str(exc)[-2000:]}
            log(f"{label}/{store}/{case.name}: FAILED — {str(exc)[-500:]}")
            traceback.print_exc()
        log(f"{label}/{store}/{case.name}: {time.perf_counter() - started:.1f} s")
        save(results, Path(options.out))


def memory_fits(results: dict[str, Any], store: str, links: int) -> str | None:
    """Refuse an import that the smaller sizes say would not fit in memory (rather than swap)."""
    per_link = [
        r["import"]["peak_rss_bytes"] / r["links"]
        for r in results["runs"][store].values()
        if isinstance(r.get("import"), dict) and "peak_rss_bytes" in r["import"]
    ]
    available = machine.available_memory()
    if not per_link or available is None:
        return None
    needed = max(per_link) * links
    if needed > 0.8 * available:
        return (
            f"would need ≈{needed / 2**30:.1f} GiB at {max(per_link):.0f} bytes/link, "
            f"{available / 2**30:.1f} GiB available"
        )
    return None


def maybe_profile(
    results: dict[str, Any], sizes: list[tuple[str, int]], options: argparse.Namespace, out: Path
) -> dict[str, Any] | None:
    runs = results["runs"].get("embedded", {})
    measured = {
        label: r["import"]["links_per_second"]
        for label, r in runs.items()
        if isinstance(r.get("import"), dict) and "links_per_second" in r["import"]
    }
    if options.profile == "never" or not measured:
        return None
    slow = {k: v for k, v in measured.items() if v < IMPORT_TARGET_LINKS_PER_SECOND}
    if options.profile == "auto" and not slow:
        return None
    if options.profile_size:
        label = size_links(options.profile_size)[0]
    else:
        eligible = [lbl for lbl, n in sizes if n <= 1_000_000 and lbl in measured]
        label = eligible[-1] if eligible else sizes[0][0]
    data_path = results["sizes"][label]["data"]
    url = str(out / "data" / f"profile-{label}.db")
    log(f"profiling the import of {label} (cProfile)")
    result, wall = run_worker(
        "import",
        options.step_timeout,
        store_url=url,
        data_path=data_path,
        links=results["sizes"][label]["links"],
        profile_to=str(out / f"profile-import-{label}"),
    )
    for suffix in ("", "-wal", "-shm", ".key"):
        Path(url + suffix).unlink(missing_ok=True)
    return {
        "size": label,
        "reason": "below target" if slow else "requested",
        "unprofiled_links_per_second": measured.get(label),
        "profiled": result,
        "wall_seconds": wall,
    }


def save(results: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False, default=_num)
    )


def _num(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return str(value)


if __name__ == "__main__":
    sys.exit(main())
