"""The measurements, as cases: each says which stores it applies to, what it needs, and how to run.

Adding a measurement (a Neo4j-specific one, the HTTP API under load…) is adding a
:class:`Case` to :data:`CASES`. A case whose requirements are missing — a module that
does not import yet, a server not given — is skipped with the reason, never failed.
"""

from __future__ import annotations

import importlib
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class StepFailed(RuntimeError):
    pass


def run_worker(step: str, timeout: float, **args: Any) -> tuple[dict[str, Any], float]:
    """Run one step in a fresh interpreter; its RESULT line and the wall time seen from outside."""
    command = [sys.executable, "-m", "benchmarks.worker", step, json.dumps(args)]
    started = time.perf_counter()
    done = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    wall = time.perf_counter() - started
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise StepFailed(f"{step} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT ") :]), wall


@dataclass
class Context:
    """One store at one size: where the data and the store are, and the options."""

    size: str
    links: int
    data_path: str
    store_kind: str  # "embedded" | "neo4j"
    store_url: str
    options: Any  # the parsed command line
    results: dict[str, Any] = field(default_factory=dict)

    def worker(self, step: str, **args: Any) -> dict[str, Any]:
        result, wall = run_worker(step, self.options.step_timeout, **args)
        result["wall_seconds"] = wall
        return result


def importable(module: str) -> bool:
    try:
        importlib.import_module(module)
    except Exception:  # an import error, or a module half-written by a colleague
        return False
    return True


@dataclass
class Case:
    name: str
    stores: tuple[str, ...] = ("embedded", "neo4j")
    requires: tuple[str, ...] = ()

    def skip_reason(self, ctx: Context) -> str | None:
        if ctx.store_kind not in self.stores:
            return f"does not apply to the {ctx.store_kind} store"
        missing = [m for m in self.requires if not importable(m)]
        if missing:
            return f"{', '.join(missing)} not importable"
        if self.name != "import" and ctx.results.get("import", {}).get("errors", 1):
            return "the import did not complete cleanly"
        return None

    def run(self, ctx: Context) -> dict[str, Any]:
        raise NotImplementedError


class Import(Case):
    def run(self, ctx: Context) -> dict[str, Any]:
        # durable, default settings: the loader and store exactly as `creditgraph load` uses them
        return ctx.worker(
            "import", store_url=ctx.store_url, data_path=ctx.data_path, links=ctx.links
        )


class HandwrittenImport(Case):
    """The competitor on the same server: hand-written batched UNWIND … MERGE (first load and
    the same file again), run just before creditgraph's own import of the same file."""

    def skip_reason(self, ctx: Context) -> str | None:
        if ctx.store_kind not in self.stores:
            return f"does not apply to the {ctx.store_kind} store"
        return None

    def run(self, ctx: Context) -> dict[str, Any]:
        return ctx.worker(
            "import_handwritten", store_url=ctx.store_url, data_path=ctx.data_path, links=ctx.links
        )


class Reload(Case):
    """An incremental load: the same file again (every record already there)."""

    def run(self, ctx: Context) -> dict[str, Any]:
        return ctx.worker(
            "reload", store_url=ctx.store_url, data_path=ctx.data_path, links=ctx.links
        )


class Startup(Case):
    """A fresh process opens the store and answers one check (what a restarted server does)."""

    def run(self, ctx: Context) -> dict[str, Any]:
        person = first_person(ctx.data_path)
        reps = ctx.options.startup_reps
        runs = [ctx.worker("startup", store_url=ctx.store_url, person=person) for _ in range(reps)]
        bare = []
        for _ in range(reps):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], check=True)
            bare.append(time.perf_counter() - started)
        median = statistics.median
        return {
            "reps": reps,
            "process_seconds": median(r["wall_seconds"] for r in runs),
            "interpreter_seconds": median(bare),
            "import_seconds": median(r["import_seconds"] for r in runs),
            "open_seconds": median(r["open_seconds"] for r in runs),
            "first_check_seconds": median(r["first_check_seconds"] for r in runs),
            "in_process_seconds": median(r["in_process_seconds"] for r in runs),
            "peak_rss_bytes": max(r["peak_rss_bytes"] for r in runs),
        }


class Checks(Case):
    def run(self, ctx: Context) -> dict[str, Any]:
        o = ctx.options
        return ctx.worker(
            "checks",
            store_url=ctx.store_url,
            data_path=ctx.data_path,
            calls=o.check_calls,
            warmup=o.check_warmup,
            rounds=o.check_rounds,
            batch=1000,
            batch_reps=o.batch_reps,
            seed=o.seed,
        )


class Traversal(Case):
    """networkx BFS/paths as the baseline (up to --networkx-max-links); the investigation
    service when it exists, at every size."""

    def run(self, ctx: Context) -> dict[str, Any]:
        o = ctx.options
        # above --networkx-max-links the store is still measured; networkx is not (its copy of
        # the graph would not fit beside everyone else's work): plain lists choose the questions
        return ctx.worker(
            "traversal",
            store_url=ctx.store_url,
            data_path=ctx.data_path,
            roots=o.traversal_roots,
            pairs=o.traversal_pairs,
            seed=o.seed,
            investigation=importable("creditgraph.service.investigation"),
            networkx=ctx.links <= o.networkx_max_links,
        )


class ApiChecks(Case):
    """checkAppointment over GraphQL against `creditgraph serve`, one request at a time."""

    def skip_reason(self, ctx: Context) -> str | None:
        reason = super().skip_reason(ctx)
        if reason:
            return reason
        from creditgraph.cli import main

        if "serve" not in getattr(main, "commands", {}):
            return "`creditgraph serve` does not exist yet"
        if not importable("httpx"):
            return "httpx not installed (pip install -e .[dev])"
        return None

    def run(self, ctx: Context) -> dict[str, Any]:
        o = ctx.options
        return ctx.worker(
            "api_checks",
            store_url=ctx.store_url,
            data_path=ctx.data_path,
            calls=o.api_calls,
            warmup=min(200, o.api_calls),
            seed=o.seed,
            load_calls=o.api_load_calls,
            workers=o.api_workers,
        )


class Recompute(Case):
    def run(self, ctx: Context) -> dict[str, Any]:
        reps = ctx.options.recompute_reps if ctx.links <= 2_000_000 else 1
        return ctx.worker("recompute", store_url=ctx.store_url, reps=reps)


# In order: the import builds the store every other case reads; recompute rewrites it, so last.
CASES: list[Case] = [
    HandwrittenImport("import_handwritten", stores=("neo4j",)),
    Import("import"),
    Reload("reload"),
    Startup("startup"),
    Checks("checks"),
    Traversal("traversal"),
    ApiChecks("api", requires=("creditgraph.api",)),
    Recompute("recompute"),
]

STORES: dict[str, tuple[str, ...]] = {
    "embedded": ("creditgraph.store.embedded",),
    "neo4j": ("creditgraph.store.neo4j", "neo4j"),
}


def first_person(data_path: str) -> str:
    with open(data_path, encoding="utf-8") as handle:
        for line in handle:
            if '"type":"person"' in line:
                return str(json.loads(line)["id"])
    raise StepFailed(f"{data_path} holds no person")
