"""One benchmark step in a process of its own, so its peak memory is its own.

``python -m benchmarks.worker STEP JSON_ARGS`` runs a step and prints, as its last
line, ``RESULT {json}`` with the timings and ``peak_rss_bytes`` (the process's
maximum resident set size). The orchestrator (``benchmarks.run``) starts one
worker per step; nothing here is imported by creditgraph itself.
"""

from __future__ import annotations

import contextlib
import cProfile
import datetime as dt
import functools
import gc
import io
import json
import os
import pstats
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

# The day decisions are asked about: the generator's horizon, so results do not drift with the
# calendar. Dates in the mix are spread over the years the sanctions cover.
TODAY = dt.date(2026, 10, 31)
ROLES = [
    ("LEGAL_REPRESENTATIVE", 40),
    ("DIRECTOR", 25),
    ("SUPERVISOR", 15),
    ("MANAGER", 15),
    ("PRINCIPAL", 5),
]
SANCTIONED_SHARE = 0.3  # of the persons checked: approval systems mostly see clean people


def peak_rss() -> int:
    # Linux reports kilobytes
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def current_rss() -> int:
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The q-quantile (0–1) by the nearest-rank method."""
    if not sorted_values:
        return float("nan")
    rank = max(0, min(len(sorted_values) - 1, round(q * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


def latency_summary(samples_ns: list[int]) -> dict[str, float]:
    values = sorted(samples_ns)
    return {
        "n": len(values),
        "p50_ms": percentile(values, 0.50) / 1e6,
        "p95_ms": percentile(values, 0.95) / 1e6,
        "p99_ms": percentile(values, 0.99) / 1e6,
        "max_ms": values[-1] / 1e6 if values else float("nan"),
        "mean_ms": statistics.fmean(values) / 1e6 if values else float("nan"),
    }


# -- stores ---------------------------------------------------------------------------------


def reset_store(url: str) -> None:
    """An empty store at ``url``: files removed (embedded) or every node deleted (Neo4j)."""
    if "://" not in url:
        _remove_store_files(url)
        return
    from neo4j import GraphDatabase

    from creditgraph.settings import load_settings

    settings = load_settings()
    auth = (settings.neo4j_user, settings.neo4j_password or "") if settings.neo4j_user else None
    with GraphDatabase.driver(url, auth=auth) as driver, driver.session() as session:
        # 1,000 parties per transaction: the rows batched are the outer MATCH's (a subquery
        # that matches everything itself is one transaction, which outgrew the harness
        # server's transaction memory, 537 MiB of a 768 MB heap, after an M import)
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 1000 ROWS").consume()


def _remove_store_files(path: str) -> None:
    """An embedded store's files, and the key file stores kept beside them before (an old
    benchmark folder may still hold one)."""
    from creditgraph.store.embedded import remove_store_files

    remove_store_files(path)
    with contextlib.suppress(FileNotFoundError):
        os.remove(path + ".key")


def store_size(url: str) -> int | None:
    if "://" in url:
        return None
    return sum(os.path.getsize(url + s) for s in ("", "-wal") if os.path.exists(url + s))


def person_ids(data_path: str) -> list[str]:
    found = []
    with open(data_path, encoding="utf-8") as handle:
        for line in handle:
            if '"type":"person"' in line or '"type": "person"' in line:
                found.append(json.loads(line)["id"])
    return found


def graph_records(data_path: str) -> Iterator[dict[str, Any]]:
    with open(data_path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


# -- steps ----------------------------------------------------------------------------------


def step_generate(path: str, size: str, seed: int) -> dict[str, Any]:
    from creditgraph.synth import generate

    started = time.perf_counter()
    summary = generate(path, size, seed)
    return {"seconds": time.perf_counter() - started, "summary": summary.to_json()}


class _TimedStore:
    """The store, with the time spent in ``write`` (per kind of batch) and lookups measured."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self.schema = store.schema  # read once per record by the loader: no __getattr__ detour
        self.write_seconds: dict[str, float] = {"nodes": 0.0, "links": 0.0, "events": 0.0}
        self.lookup_seconds = 0.0
        self.batches = 0
        self.rss_before_first_write: int | None = None
        self.first_write_at: float | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def node_types(self, node_ids: Any) -> Any:
        started = time.perf_counter()
        try:
            return self._store.node_types(node_ids)
        finally:
            self.lookup_seconds += time.perf_counter() - started

    def write(self, batch: Any) -> Any:
        if self.first_write_at is None:
            self.first_write_at = time.perf_counter()
            self.rss_before_first_write = current_rss()
        kind = "nodes" if batch.nodes else "links" if batch.links else "events"
        started = time.perf_counter()
        report = self._store.write(batch)
        self.write_seconds[kind] += time.perf_counter() - started
        self.batches += 1
        return report


def step_import(
    store_url: str, data_path: str, links: int, profile_to: str | None = None
) -> dict[str, Any]:
    from creditgraph.ingest.loader import load, read_lines
    from creditgraph.store import open_store

    reset_store(store_url)
    store = open_store(store_url)
    baseline = current_rss()
    timed = _TimedStore(store)
    profiler = cProfile.Profile() if profile_to else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    result = load(read_lines([data_path]), timed)
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - started
    store.close()
    report = result.report
    out: dict[str, Any] = {
        "seconds": seconds,
        "links": links,
        "links_per_second": links / seconds,
        "records": result.accepted,
        "records_per_second": result.accepted / seconds,
        "errors": len(result.errors),
        "first_errors": [str(e) for e in result.errors[:5]],
        "created": {k: v for k, v in sorted(report.created.items())},
        "restrictions": report.restrictions,
        "read_and_validate_seconds": (timed.first_write_at or started) - started,
        "reference_lookup_seconds": timed.lookup_seconds,
        "write_seconds": dict(timed.write_seconds),
        "batches": timed.batches,
        "baseline_rss_bytes": baseline,
        "rss_after_validation_bytes": timed.rss_before_first_write,
        "store_bytes": store_size(store_url),
    }
    if profiler and profile_to:
        profiler.dump_stats(profile_to + ".pstats")
        out["profile"] = _profile_text(profiler, profile_to + ".txt")
    return out


def step_reload(store_url: str, data_path: str, links: int) -> dict[str, Any]:
    """An incremental load: the same file again into the loaded store (every record there)."""
    from creditgraph.ingest.loader import load, read_lines
    from creditgraph.store import open_store

    store = open_store(store_url)
    started = time.perf_counter()
    result = load(read_lines([data_path]), store)
    seconds = time.perf_counter() - started
    store.close()
    return {
        "seconds": seconds,
        "links_per_second": links / seconds,
        "errors": len(result.errors),
        "unchanged": sum(result.report.unchanged.values()),
        "created": sum(result.report.created.values()),
    }


def step_import_handwritten(store_url: str, data_path: str, links: int) -> dict[str, Any]:
    """The competitor: hand-written batched UNWIND … MERGE, into an empty database, then again
    over itself (the incremental case); the database is emptied afterwards."""
    from benchmarks.competitors import handwritten_import
    from creditgraph.settings import load_settings

    settings = load_settings()
    auth = (settings.neo4j_user, settings.neo4j_password) if settings.neo4j_user else None
    reset_store(store_url)
    first = handwritten_import(store_url, data_path, auth)
    again = handwritten_import(store_url, data_path, auth)
    reset_store(store_url)
    return {
        "seconds": first["seconds"],
        "links_per_second": links / first["seconds"],
        "phase_seconds": first["phase_seconds"],
        "reload_seconds": again["seconds"],
        "reload_links_per_second": links / again["seconds"],
    }


def _profile_text(profiler: cProfile.Profile, path: str, top: int = 40) -> dict[str, Any]:
    sections = {}
    for order in ("cumulative", "tottime"):
        buffer = io.StringIO()
        stats = pstats.Stats(profiler, stream=buffer)
        stats.strip_dirs().sort_stats(order).print_stats(top)
        sections[order] = buffer.getvalue()
    Path(path).write_text(
        "\n".join(f"==== sorted by {k} ====\n{v}" for k, v in sections.items()), encoding="utf-8"
    )
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    rows = []
    for (file, line, func), (_, calls, tottime, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append(
            {
                "function": f"{Path(file).name}:{line}({func})",
                "calls": calls,
                "tottime_s": round(tottime, 3),
                "cumtime_s": round(cumtime, 3),
            }
        )
    return {
        "total_seconds": total,
        "top_tottime": sorted(rows, key=lambda r: -r["tottime_s"])[:25],
        "top_cumtime": sorted(rows, key=lambda r: -r["cumtime_s"])[:25],
        "text": path,
    }


def step_startup(store_url: str, person: str) -> dict[str, Any]:
    """From a fresh interpreter: import, open the store, answer one check."""
    started = time.perf_counter()
    from creditgraph.service.decisions import Decisions
    from creditgraph.store import open_store

    imported = time.perf_counter()
    store = open_store(store_url)
    opened = time.perf_counter()
    decision = Decisions(store).check_appointment(person, "DIRECTOR", on=TODAY)
    answered = time.perf_counter()
    store.close()
    return {
        "import_seconds": imported - started,
        "open_seconds": opened - imported,
        "first_check_seconds": answered - opened,
        "in_process_seconds": answered - started,
        "decision": decision.decision.value,
    }


def _check_requests(
    store: Any, data_path: str, count: int, seed: int
) -> tuple[list[Any], dict[str, int]]:
    persons = person_ids(data_path)
    bars_roles = {name for name, m in store.schema.measures.items() if m.bars_roles}
    sanctioned = sorted(
        {
            r.subject
            for r in store.restrictions()
            if r.subject.startswith("p:") and r.measure in bars_roles
        }
    )
    rng = random.Random(seed)
    roles = [r for r, _ in ROLES]
    weights = [w for _, w in ROLES]
    first, last = dt.date(2015, 1, 1).toordinal(), TODAY.toordinal()
    requests = []
    for _ in range(count):
        pool = sanctioned if sanctioned and rng.random() < SANCTIONED_SHARE else persons
        day = TODAY if rng.random() < 0.7 else dt.date.fromordinal(rng.randint(first, last))
        requests.append((rng.choice(pool), rng.choices(roles, weights)[0], None, day))
    return requests, {"persons": len(persons), "sanctioned_persons": len(sanctioned)}


def step_checks(
    store_url: str,
    data_path: str,
    calls: int,
    warmup: int,
    rounds: int,
    batch: int,
    batch_reps: int,
    seed: int,
) -> dict[str, Any]:
    from creditgraph.service.decisions import Decisions
    from creditgraph.store import open_store

    store = open_store(store_url)
    decisions = Decisions(store)
    requests, population = _check_requests(store, data_path, warmup + calls * rounds, seed)
    for person, role, enterprise, day in requests[:warmup]:
        decisions.check_appointment(person, role, enterprise_id=enterprise, on=day)
    per_round: list[dict[str, float]] = []
    verdicts: Counter[str] = Counter()
    everything: list[int] = []
    clock = time.perf_counter_ns
    for k in range(rounds):
        chunk = requests[warmup + k * calls : warmup + (k + 1) * calls]
        samples = []
        for person, role, enterprise, day in chunk:
            started = clock()
            decision = decisions.check_appointment(person, role, enterprise_id=enterprise, on=day)
            samples.append(clock() - started)
            verdicts[decision.decision.value] += 1
        per_round.append(latency_summary(samples))
        everything.extend(samples)
    batch_seconds: list[float] = []
    rng = random.Random(seed + 1)
    for _ in range(batch_reps):
        chosen = rng.sample(requests, batch)
        batch_started = time.perf_counter()
        decisions.check_appointments(chosen)
        batch_seconds.append(time.perf_counter() - batch_started)
    store.close()
    return {
        **population,
        "calls_per_round": calls,
        "rounds": per_round,
        "p50_ms": statistics.median(r["p50_ms"] for r in per_round),
        "p99_ms": statistics.median(r["p99_ms"] for r in per_round),
        "all": latency_summary(everything),
        "decisions": dict(verdicts),
        "batch_size": batch,
        "batch_seconds": batch_seconds,
        "batch_seconds_median": statistics.median(batch_seconds),
    }


def step_recompute(store_url: str, reps: int) -> dict[str, Any]:
    from creditgraph.store import open_store

    store = open_store(store_url)
    seconds, restrictions = [], None
    for _ in range(reps):
        started = time.perf_counter()
        report = store.recompute()
        seconds.append(time.perf_counter() - started)
        restrictions = report.restrictions
        events = report.events_rederived
    store.close()
    return {
        "seconds": seconds,
        "seconds_median": statistics.median(seconds),
        "restrictions": restrictions,
        "events": events,
    }


# -- traversal: networkx baseline and the investigation service --------------------------------


def _nx_graph(data_path: str) -> tuple[Any, list[str], dict[str, Any]]:
    import networkx as nx

    before = current_rss()
    started = time.perf_counter()
    graph = nx.MultiDiGraph()
    subjects = []
    for r in graph_records(data_path):
        kind = r["type"]
        if kind == "link":
            graph.add_edge(
                r["from"],
                r["to"],
                key=r["rel"],
                valid_from=r.get("valid_from"),
                valid_to=r.get("valid_to"),
                share=r.get("share"),
            )
        elif kind == "event":
            subjects.append(r["subject"])
        else:
            graph.add_node(r["id"], type=kind, name=r["name"])
    return (
        graph,
        subjects,
        {
            "build_seconds": time.perf_counter() - started,
            "build_rss_bytes": current_rss() - before,
            "nodes": graph.number_of_nodes(),
            "edges": graph.number_of_edges(),
        },
    )


def _nx_within(graph: Any, root: str, depth: int, cap: int | None = None) -> list[list[str]]:
    """Breadth-first layers around ``root``, links taken either way (what an investigator sees)."""
    succ, pred = graph._succ, graph._pred
    seen, frontier, layers = {root}, [root], [[root]]
    for _ in range(depth):
        following = []
        for node in frontier:
            for other in (*succ[node], *pred[node]):
                if other not in seen:
                    seen.add(other)
                    following.append(other)
        if not following:
            break
        layers.append(following)
        if cap is not None and len(seen) > cap:
            break
        frontier = following
    return layers


def _nx_path(graph: Any, source: str, target: str, max_hops: int) -> list[str] | None:
    """A shortest path of at most ``max_hops`` links, bidirectional breadth-first search."""
    succ, pred = graph._succ, graph._pred
    parents: list[dict[str, str | None]] = [{source: None}, {target: None}]
    frontiers = [[source], [target]]
    hops = 0
    while hops < max_hops and frontiers[0] and frontiers[1]:
        side = 0 if len(frontiers[0]) <= len(frontiers[1]) else 1
        mine, theirs = parents[side], parents[1 - side]
        following = []
        for node in frontiers[side]:
            for other in (*succ[node], *pred[node]):
                if other in mine:
                    continue
                mine[other] = node
                if other in theirs:
                    return _join(parents, other, side)
                following.append(other)
        frontiers[side] = following
        hops += 1
    return None


def _join(parents: list[dict[str, str | None]], middle: str, side: int) -> list[str]:
    def walk(table: dict[str, str | None], node: str | None) -> list[str]:
        chain = []
        while node is not None:
            chain.append(node)
            node = table[node]
        return chain

    front, back = walk(parents[0], middle), walk(parents[1], middle)
    return list(reversed(front)) + back[1:]


class _Adjacency:
    """The graph as plain neighbour lists — what the traversal case needs of networkx (roots,
    pairs at a distance, the biggest hubs, shortest lengths) in a fraction of its memory, for
    sizes above ``--networkx-max-links`` (networkx holds ≈900 MiB per million links). Shaped
    like the ``_succ``/``_pred`` the BFS helpers read: every link is in ``_succ`` both ways."""

    def __init__(self, data_path: str) -> None:
        import orjson

        before = current_rss()
        started = time.perf_counter()
        adjacency: dict[str, list[str]] = {}
        self.subjects: list[str] = []
        links = 0
        ids: dict[str, str] = {}  # one string per id, however many links name it
        with open(data_path, "rb") as handle:
            for line in handle:
                if not line.strip():
                    continue
                r = orjson.loads(line)
                kind = r["type"]
                if kind == "link":
                    a, b = ids.setdefault(r["from"], r["from"]), ids.setdefault(r["to"], r["to"])
                    adjacency.setdefault(a, []).append(b)
                    adjacency.setdefault(b, []).append(a)
                    links += 1
                elif kind == "event":
                    self.subjects.append(r["subject"])
                else:
                    node = ids.setdefault(r["id"], r["id"])
                    adjacency.setdefault(node, [])
        self._succ = adjacency
        self._pred: Any = _NoLinks()
        self.nodes = list(adjacency)
        self.build = {
            "build_seconds": time.perf_counter() - started,
            "build_rss_bytes": current_rss() - before,
            "nodes": len(adjacency),
            "edges": links,
        }

    @property
    def degree(self) -> list[tuple[str, int]]:
        return [(node, len(others)) for node, others in self._succ.items()]


class _NoLinks(dict[str, tuple[()]]):
    def __missing__(self, key: str) -> tuple[()]:
        return ()


def step_traversal(
    store_url: str,
    data_path: str,
    roots: int,
    pairs: int,
    seed: int,
    investigation: bool,
    networkx: bool = True,
) -> dict[str, Any]:
    """Roots, pairs and hubs drawn from the graph held in memory — by networkx, which is also
    timed as the baseline, or (``networkx`` False, a graph too big for it) by plain neighbour
    lists, which are not timed: they only choose the questions and know the shortest lengths."""
    if networkx:
        graph, subjects, build = _nx_graph(data_path)
        nodes = list(graph.nodes)
        degree = graph.degree
    else:
        lean = _Adjacency(data_path)
        graph, subjects, build, nodes = lean, lean.subjects, lean.build, lean.nodes
        degree = dict(lean.degree)
    rng = random.Random(seed)
    # investigators start from parties with a record as often as from anyone else
    chosen_roots = [
        rng.choice(subjects) if subjects and rng.random() < 0.5 else rng.choice(nodes)
        for _ in range(roots)
    ]
    chosen_pairs = []
    for _ in range(pairs):
        a = rng.choice(chosen_roots)
        if rng.random() < 0.8:
            layers = _nx_within(graph, a, rng.randint(2, 6), cap=20_000)
            b = rng.choice(layers[-1]) if len(layers) > 2 else rng.choice(nodes)
        else:
            b = rng.choice(nodes)
        if b != a:
            chosen_pairs.append((a, b))
    found = [_nx_path(graph, a, b, 6) for a, b in chosen_pairs]
    hubs = [node for node, _ in sorted(dict(degree).items(), key=lambda nd: (-nd[1], nd[0]))[:10]]
    hub_degrees = [degree[h] for h in hubs]
    out: dict[str, Any] = {
        "hubs": {"ids": hubs, "degrees": hub_degrees},
        "roots": len(chosen_roots),
        "pairs": len(chosen_pairs),
    }
    if networkx:
        out["networkx"] = _nx_timed(graph, build, chosen_roots, chosen_pairs)
        out["peak_rss_after_networkx_bytes"] = peak_rss()
    else:
        out["adjacency"] = {**build, "paths6_found": sum(1 for f in found if f)}
        out["networkx_skipped"] = (
            f"networkx not run: {build['edges']:,} links exceed --networkx-max-links; roots, "
            "pairs, hubs and shortest lengths come from plain neighbour lists (not timed)"
        )
    del graph
    gc.collect()
    if investigation:
        lengths = [None if f is None else len(f) - 1 for f in found]
        out["investigation"] = _investigation(store_url, chosen_roots, chosen_pairs, lengths, hubs)
    return out


def _nx_timed(
    graph: Any, build: dict[str, Any], roots: list[str], pairs: list[tuple[str, str]]
) -> dict[str, Any]:
    """networkx's own BFS depth 2 and paths over the same roots and pairs: the baseline."""
    for root in roots[:50]:
        _nx_within(graph, root, 2)
    clock = time.perf_counter_ns
    bfs_samples, reached = [], []
    for root in roots:
        started = clock()
        layers = _nx_within(graph, root, 2)
        bfs_samples.append(clock() - started)
        reached.append(sum(len(layer) for layer in layers))
    path_samples, found = [], []
    for a, b in pairs:
        started = clock()
        found.append(_nx_path(graph, a, b, 6))
        path_samples.append(clock() - started)
    return {
        **build,
        "bfs2": latency_summary(bfs_samples),
        "bfs2_parties_mean": statistics.fmean(reached),
        "paths6": latency_summary(path_samples),
        "paths6_found": sum(1 for f in found if f),
    }


class _Handwritten:
    """The hand-written Cypher a Neo4j user would run for the same questions (same server)."""

    def __init__(self, store: Any) -> None:
        from benchmarks.competitors import cypher

        self._store = store
        self._neighborhood = cypher("neighborhood")
        self._paths = cypher("paths")
        # a user names the link kinds in a variable-length pattern (events hang off parties too)
        self._exposure = cypher("exposure").replace(
            "__RELS__", "|".join(sorted(store.schema.links))
        )
        self._owners = cypher("owners")

    def _run(self, statement: str, **params: Any) -> list[Any]:
        driver = self._store._driver
        with driver.session(database=self._store._database) as session:
            return list(session.run(statement, params))

    def neighborhood(self, root: str, cap: int) -> int:
        rows = self._run(self._neighborhood, id=root, cap=cap)
        return len(rows[0]["nodes"]) if rows else 0

    def paths(self, a: str, b: str, first: int) -> int | None:
        rows = self._run(self._paths, source=a, target=b, first=first)
        return len(rows[0]["ids"]) - 1 if rows else None

    def exposure(self, root: str, as_of: dt.date) -> int:
        rows = self._run(self._exposure, root=root, as_of=as_of)
        return len(rows[0]["links"]) if rows else 0

    def owners(self, enterprise: str, as_of: dt.date) -> int:
        rows = self._run(self._owners, enterprise=enterprise, as_of=as_of)
        return len(rows[0]["links"]) if rows else 0


_READS_DAY = dt.date(2026, 6, 30)


def _breadth_first_reads(
    store: Any, handwritten: _Handwritten | None, roots: list[str]
) -> dict[str, Any]:
    """What exposure (depth 2) and beneficial owners read — the store's one traversal call
    each — timed over the same roots, the hand-written statement right after each call on
    Neo4j, with the number of links each found compared (a refusal counts as no answer)."""
    from creditgraph.service import investigation as inv
    from creditgraph.store.base import TooWide

    types = store.node_types(roots)
    firms = [root for root in roots if types.get(root) == "enterprise"]
    kinds = ("SHAREHOLDER", "ACTUAL_CONTROLLER")
    clock = time.perf_counter_ns

    def within(root: str) -> int | None:
        try:
            return len(
                store.links_within(
                    root,
                    depth=2,
                    as_of=_READS_DAY,
                    max_parties=inv.MAX_PARTIES,
                    budget=inv.NO_DEADLINE,
                )
            )
        except TooWide:
            return None

    def owned(firm: str) -> int | None:
        try:
            return len(
                store.ownership_links(
                    firm,
                    rels=kinds,
                    levels=inv.MAX_OWNERSHIP_LEVELS,
                    as_of=_READS_DAY,
                    max_parties=inv.MAX_PARTIES,
                    budget=inv.NO_DEADLINE,
                )
            )
        except TooWide:
            return None

    out: dict[str, Any] = {"as_of": _READS_DAY.isoformat()}
    for name, ours, theirs, chosen in (
        ("exposure2", within, handwritten.exposure if handwritten else None, roots),
        ("owners", owned, handwritten.owners if handwritten else None, firms),
    ):
        for root in chosen[:30]:  # warm both: page cache and query plans
            ours(root)
            if theirs:
                theirs(root, _READS_DAY)
        samples: list[int] = []
        hand_samples: list[int] = []
        same = refused = 0
        for root in chosen:
            started = clock()
            found = ours(root)
            samples.append(clock() - started)
            refused += found is None
            if theirs:
                started = clock()
                expected = theirs(root, _READS_DAY)
                hand_samples.append(clock() - started)
                same += found == expected
        out[name] = latency_summary(samples)
        out[f"{name}_roots"] = len(chosen)
        out[f"{name}_refused_too_wide"] = refused
        if theirs:
            out[f"{name}_handwritten"] = latency_summary(hand_samples)
            out[f"{name}_same_links_as_handwritten"] = same
    return out


def _investigation(
    store_url: str,
    roots: list[str],
    pairs: list[tuple[str, str]],
    nx_lengths: list[int | None],
    hubs: list[str],
) -> dict[str, Any]:
    """Timed over the same roots and pairs as networkx; shortest lengths compared with it. On
    Neo4j, the hand-written Cypher for the same question runs right after each call."""
    from creditgraph.service import investigation as inv
    from creditgraph.service.errors import LimitExceeded
    from creditgraph.store import open_store

    store = open_store(store_url)
    handwritten = _Handwritten(store) if "://" in store_url else None
    cap = inv.DEFAULT_PER_NODE_LIMIT
    for root in roots[:50]:
        with contextlib.suppress(LimitExceeded):
            inv.neighborhood(store, root, depth=2)
        if handwritten:
            handwritten.neighborhood(root, cap)
    samples: list[int] = []
    hand_samples: list[int] = []
    parties, limited = [], 0
    for root in roots:
        started = time.perf_counter_ns()
        try:
            subgraph = inv.neighborhood(store, root, depth=2)
            parties.append(len(subgraph.nodes))
        except LimitExceeded:
            limited += 1
        samples.append(time.perf_counter_ns() - started)
        if handwritten:
            started = time.perf_counter_ns()
            handwritten.neighborhood(root, cap)
            hand_samples.append(time.perf_counter_ns() - started)
    # the parties with the most links: a neighbourhood that reads only what it shows costs
    # the same whatever a hub's size
    hub_samples: list[int] = []
    for _round in range(5):
        for hub in hubs:
            started = time.perf_counter_ns()
            with contextlib.suppress(LimitExceeded):
                inv.neighborhood(store, hub, depth=1)
            hub_samples.append(time.perf_counter_ns() - started)
    path_samples: list[int] = []
    hand_path_samples: list[int] = []
    found, path_limited, agree, hand_agree = 0, 0, 0, 0
    for (a, b), expected in zip(pairs, nx_lengths, strict=True):
        started = time.perf_counter_ns()
        length = None
        try:
            result = inv.paths(store, a, b, max_hops=6)
            if result:
                found += 1
                length = result[0].length
        except LimitExceeded:
            path_limited += 1
        path_samples.append(time.perf_counter_ns() - started)
        agree += length == expected
        if handwritten:
            started = time.perf_counter_ns()
            hand_length = handwritten.paths(a, b, 10)
            hand_path_samples.append(time.perf_counter_ns() - started)
            hand_agree += hand_length == length
    reads = _breadth_first_reads(store, handwritten, roots)
    store.close()
    extra: dict[str, Any] = {"breadth_first_reads": reads}
    if handwritten:
        extra["handwritten"] = {
            "neighborhood2": latency_summary(hand_samples),
            "paths6": latency_summary(hand_path_samples),
            "paths6_same_length_as_creditgraph": hand_agree,
        }
    return {
        **extra,
        "hub_neighborhood1": latency_summary(hub_samples),
        "neighborhood2": latency_summary(samples),
        "neighborhood2_parties_mean": statistics.fmean(parties) if parties else None,
        "neighborhood2_limit_exceeded": limited,
        "paths6": latency_summary(path_samples),
        "paths6_found": found,
        "paths6_limit_exceeded": path_limited,
        "paths6_same_length_as_networkx": agree,
        "per_node_limit": inv.DEFAULT_PER_NODE_LIMIT,
    }


# -- the HTTP API ---------------------------------------------------------------------------

_CHECK_QUERY = (
    "query Check($p: ID!, $r: Role!, $on: Date) "
    "{ checkAppointment(personId: $p, role: $r, on: $on) { decision } }"
)


def step_api_checks(
    store_url: str,
    data_path: str,
    calls: int,
    warmup: int,
    seed: int,
    load_calls: int = 20_000,
    workers: int = 1,
) -> dict[str, Any]:
    """The app ``creditgraph serve --workers N`` runs, in a child process
    (benchmarks.http_server): checkAppointment over HTTP one at a time, then 4 clients at
    once from this process — GraphQL and the plain REST route on the same service,
    interleaved, 3 rounds each."""
    import httpx
    import orjson

    from benchmarks.http_server import served
    from benchmarks.load import free_port, request_bytes, under_load
    from creditgraph.store import open_store

    store = open_store(store_url)
    requests, population = _check_requests(store, data_path, warmup + max(calls, load_calls), seed)
    store.close()
    port, synced_port = free_port(), free_port()
    fsync_before = _fsync_latency(Path(data_path).parent)
    # beside it, the same server with its audit synced to disk within a second rather than
    # before every answer (CREDITGRAPH_AUDIT_SYNC): what that trade buys — on a copy of an
    # embedded store, as a deployment runs one server per store: on one file each server's
    # sync of the write-ahead log would also write the other's unsynced pages
    within_1s = {"CREDITGRAPH_AUDIT_SYNC": "1"}
    with (
        _store_copy(store_url) as synced_url,
        served(store_url, port, workers=workers) as (ready, server_pid),
        served(synced_url, synced_port, workers=workers, settings=within_1s) as (_, synced_pid),
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client,
    ):
        samples: list[int] = []
        verdicts: Counter[str] = Counter()
        errors = 0
        for k, (person, role, _, day) in enumerate(requests[: warmup + calls]):
            body = {
                "query": _CHECK_QUERY,
                "variables": {"p": person, "r": role, "on": day.isoformat()},
            }
            t0 = time.perf_counter_ns()
            response = client.post("/graphql", json=body)
            elapsed = time.perf_counter_ns() - t0
            data = response.json()
            if data.get("errors"):
                errors += 1
            elif k >= warmup:
                verdicts[data["data"]["checkAppointment"]["decision"]] += 1
            if k >= warmup:
                samples.append(elapsed)
        rest_path, rest_body = _rest_route(client, requests[0])
        timed = requests[warmup : warmup + load_calls]
        payloads = {
            "graphql": [
                request_bytes("/graphql", orjson.dumps(_check_body(p, r, d)))
                for p, r, _, d in timed
            ],
            "rest": [
                request_bytes(rest_path, orjson.dumps(rest_body(p, r, d))) for p, r, _, d in timed
            ],
            # the same service without the audit, limits and roles, and then no work at all:
            # what the machine allows with the load generator beside the server
            "plain_route": [
                request_bytes("/bench/check", orjson.dumps(rest_body(p, r, d)))
                for p, r, _, d in timed
            ],
            "ping": [request_bytes("/bench/ping", b"{}")] * len(timed),
        }
        # (name, payloads, port, server): the synced-within-1-s server answers the same two
        paths = [(name, sent, port, server_pid) for name, sent in payloads.items()]
        paths[2:2] = [
            (f"{name}_audit_sync_1s", payloads[name], synced_port, synced_pid)
            for name in ("graphql", "rest")
        ]
        # warm every path, then alternate: a busy spell on the machine hits them alike
        for _, sent, at, _ in paths:
            under_load(at, sent[:2000], clients=4)
        rounds: dict[str, list[dict[str, Any]]] = {name: [] for name, *_ in paths}
        for _round in range(3):
            for name, sent, at, pid in paths:
                rounds[name].append(_with_cpu(pid, functools.partial(under_load, at, sent, 4)))
        loaded = {name: _load_summary(runs) for name, runs in rounds.items()}
        loaded["rest"]["route"] = rest_path
        batch = _api_batch(client, requests[warmup : warmup + 1000])
        traversal = _api_traversal(client, requests, seed)
    return {
        **population,
        "server_workers": workers,
        "server_ready_seconds": ready,
        "checks": latency_summary(samples),
        "decisions": dict(verdicts),
        "errors": errors,
        "under_load": loaded["graphql"],
        "under_load_rest": loaded["rest"],
        "under_load_plain_route": loaded["plain_route"],
        "under_load_ping": loaded["ping"],
        "under_load_audit_sync_1s": loaded["graphql_audit_sync_1s"],
        "under_load_rest_audit_sync_1s": loaded["rest_audit_sync_1s"],
        "graphql_over_rest_throughput": (
            loaded["graphql"]["requests_per_second"] / loaded["rest"]["requests_per_second"]
        ),
        "fsync_ms_before_after": [fsync_before, _fsync_latency(Path(data_path).parent)],
        "batch_1000": batch,
        **traversal,
    }


@contextlib.contextmanager
def _store_copy(store_url: str) -> Iterator[str]:
    """A copy of an embedded store beside it (SQLite's online backup), removed afterwards;
    a Neo4j URL as it is."""
    from creditgraph.store.embedded import audit_database_path

    if "://" in store_url:
        yield store_url
        return
    copy = f"{store_url}.copy-{os.getpid()}"
    audit_logs = (audit_database_path(Path(store_url)), audit_database_path(Path(copy)))
    for source_path, target_path in ((Path(store_url), Path(copy)), audit_logs):
        if not source_path.exists():  # nothing audited yet: no audit log to copy
            continue
        source, target = sqlite3.connect(source_path), sqlite3.connect(target_path)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        # on disk before the servers start: its hundreds of MB written back meanwhile would
        # slow every disk sync of the measured audit
        descriptor = os.open(target_path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    try:
        yield copy
    finally:
        _remove_store_files(copy)


def cpu_seconds(pid: int) -> float:
    """The CPU seconds process ``pid`` has used so far (user and system); 0 for a process that
    has just ended."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def child_pids(pid: int) -> list[int]:
    """The processes ``pid`` started that still run (none for a process that has ended)."""
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _with_cpu(server_pid: int, run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``run``, with the CPU seconds the server and the load generator (this process) spent
    on it, per second of wall time: on 2 cores the two together can use at most 2."""

    def server_cpu() -> float:  # the server and its worker processes
        return sum(map(cpu_seconds, [server_pid, *child_pids(server_pid)]))

    server_before, own_before = server_cpu(), time.process_time()
    result = run()
    result["server_cpu_share"] = (server_cpu() - server_before) / result["seconds"]
    result["load_generator_cpu_share"] = (time.process_time() - own_before) / result["seconds"]
    return result


def _fsync_latency(folder: Path, count: int = 200) -> dict[str, float]:
    """p50/p99 of one small append and fsync beside the store: the floor under an audited
    check, whose audit entry is durable (one commit, one sync) before the answer leaves."""
    samples = []
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".fsync-probe-") as probe:
        for _ in range(count):
            probe.write(b"x" * 200)
            probe.flush()
            started = time.perf_counter_ns()
            os.fsync(probe.fileno())
            samples.append(time.perf_counter_ns() - started)
    summary = latency_summary(samples)
    return {"p50_ms": summary["p50_ms"], "p99_ms": summary["p99_ms"]}


def _load_summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The median round by throughput, its latencies; every round's throughput kept."""
    ordered = sorted(runs, key=lambda r: r["requests_per_second"])
    middle = ordered[len(ordered) // 2]
    return {
        "clients": middle["clients"],
        "requests": middle["requests"],
        "requests_per_second": middle["requests_per_second"],
        "rounds_requests_per_second": [r["requests_per_second"] for r in runs],
        "latency": latency_summary(middle["samples_ns"]),
        "failures": sum(r["failures"] for r in runs),
        "first_failure": next((r["first_failure"] for r in runs if r["first_failure"]), None),
        **{
            share: middle[share]
            for share in ("server_cpu_share", "load_generator_cpu_share")
            if share in middle
        },
    }


def _rest_route(client: Any, sample: Any) -> tuple[str, Callable[..., dict[str, Any]]]:
    """The REST check endpoint when the server has one, else the benchmark's plain route."""
    person, role, _, day = sample

    def contract(p: str, r: str, d: dt.date) -> dict[str, Any]:
        return {"person": p, "role": r, "on": d.isoformat()}

    probe = client.post("/v1/checks/appointment", json=contract(person, role, day))
    if probe.status_code == 200:
        return "/v1/checks/appointment", contract
    return "/bench/check", contract


def _check_body(person: str, role: str, day: dt.date) -> dict[str, Any]:
    return {"query": _CHECK_QUERY, "variables": {"p": person, "r": role, "on": day.isoformat()}}


_BATCH_QUERY = (
    "query Batch($r: [AppointmentRequest!]!) { checkAppointments(requests: $r) { decision } }"
)


def _api_batch(client: Any, requests: list[Any], reps: int = 5) -> dict[str, Any]:
    """One checkAppointments call of (up to) 1,000 requests; median of ``reps``."""
    body = {
        "query": _BATCH_QUERY,
        "variables": {
            "r": [{"personId": p, "role": r, "on": day.isoformat()} for p, r, _, day in requests]
        },
    }
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        answer = client.post("/graphql", json=body).json()
        times.append(time.perf_counter() - t0)
        if answer.get("errors"):
            raise RuntimeError(f"batch failed: {answer['errors'][:1]}")
    return {"requests": len(requests), "seconds_median": statistics.median(times)}


_NEIGHBORHOOD_QUERY = (
    "query N($id: ID!) { neighborhood(id: $id, depth: 2, perNodeLimit: 50) "
    "{ nodes { id } links { rel } truncated { node total } } }"
)
_PATHS_QUERY = (
    "query P($a: ID!, $b: ID!) { paths(fromId: $a, toId: $b, maxHops: 6, first: 5) { length } }"
)


def _api_traversal(client: Any, requests: list[Any], seed: int, count: int = 200) -> dict[str, Any]:
    """neighborhood depth 2 and paths maxHops 6 over HTTP, on persons from the check mix."""
    rng = random.Random(seed + 1)
    persons = [p for p, _, _, _ in requests]
    out: dict[str, Any] = {}
    for name, query, make in (
        ("neighborhood2", _NEIGHBORHOOD_QUERY, lambda: {"id": rng.choice(persons)}),
        ("paths6", _PATHS_QUERY, lambda: {"a": rng.choice(persons), "b": rng.choice(persons)}),
    ):
        samples, errors = [], 0
        for _ in range(count):
            t0 = time.perf_counter_ns()
            answer = client.post("/graphql", json={"query": query, "variables": make()}).json()
            samples.append(time.perf_counter_ns() - t0)
            errors += bool(answer.get("errors"))
        out[name] = {**latency_summary(samples), "errors": errors}
    return out


STEPS: dict[str, Callable[..., dict[str, Any]]] = {
    "generate": step_generate,
    "import": step_import,
    "startup": step_startup,
    "checks": step_checks,
    "recompute": step_recompute,
    "traversal": step_traversal,
    "api_checks": step_api_checks,
    "reload": step_reload,
    "import_handwritten": step_import_handwritten,
}


def main(argv: list[str]) -> None:
    step, args = argv[0], json.loads(argv[1]) if len(argv) > 1 else {}
    result = STEPS[step](**args)
    result["peak_rss_bytes"] = peak_rss()
    sys.stdout.write("RESULT " + json.dumps(result, default=str) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
