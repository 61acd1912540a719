"""results.json → results.md (tables) and scaling.png (how each cost grows with the graph)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MiB = 2**20


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    get: Callable[[dict[str, Any]], float | None]
    fmt: str = "{:.3g}"
    # extensive: grows at least linearly with the graph (whole-graph work, memory): an
    # estimate never extrapolates it sub-linearly, whatever fixed costs did to small sizes
    extensive: bool = False
    plot: bool = True
    # whose figure it is when not the store's own: a competitor measured in the same run
    by: str | None = None


def _at(*path: str) -> Callable[[dict[str, Any]], float | None]:
    def get(run: dict[str, Any]) -> float | None:
        value: Any = run
        for key in path:
            if not isinstance(value, dict) or key not in value:
                return None
            value = value[key]
        return float(value) if isinstance(value, int | float) else None

    return get


def _ratio(
    numerator: Callable[[dict[str, Any]], float | None],
    denominator: Callable[[dict[str, Any]], float | None],
    scale: float = 1.0,
) -> Callable[[dict[str, Any]], float | None]:
    def get(run: dict[str, Any]) -> float | None:
        a, b = numerator(run), denominator(run)
        return None if a is None or not b else a / b * scale

    return get


def _sum(
    *getters: Callable[[dict[str, Any]], float | None],
) -> Callable[[dict[str, Any]], float | None]:
    def get(run: dict[str, Any]) -> float | None:
        values = [g(run) for g in getters]
        return None if all(v is None for v in values) else sum(v or 0.0 for v in values)

    return get


_links = _at("links")


def _hub_degrees(run: dict[str, Any]) -> list[float]:
    traversal = run.get("traversal")
    hubs = traversal.get("hubs", {}) if isinstance(traversal, dict) else {}
    return [float(d) for d in hubs.get("degrees", [])]


def _diff(run: dict[str, Any], a: str, b: str) -> float | None:
    imp = run.get("import")
    if not isinstance(imp, dict) or a not in imp or b not in imp:
        return None
    return float(imp[a] - imp[b])


METRICS: list[Metric] = [
    Metric("import_s", "import: wall time (s)", _at("import", "seconds"), "{:.1f}", True),
    Metric(
        "import_lps",
        "import: links/s",
        _ratio(_links, _at("import", "seconds")),
        "{:,.0f}",
        plot=False,
    ),
    Metric(
        "import_validate_s",
        "import: read + validate before the first write (s)",
        _at("import", "read_and_validate_seconds"),
        "{:.1f}",
        True,
        plot=False,
    ),
    Metric(
        "import_write_s",
        "import: store.write total (s)",
        _sum(
            _at("import", "write_seconds", "nodes"),
            _at("import", "write_seconds", "links"),
            _at("import", "write_seconds", "events"),
        ),
        "{:.1f}",
        True,
        plot=False,
    ),
    Metric(
        "import_rss",
        "import: peak RSS (MiB)",
        _ratio(_at("import", "peak_rss_bytes"), lambda r: MiB),
        "{:,.0f}",
        True,
    ),
    Metric(
        "import_bpl",
        "import: peak RSS per link (bytes)",
        _ratio(_at("import", "peak_rss_bytes"), _links),
        "{:,.0f}",
        plot=False,
    ),
    Metric(
        "import_net_bpl",
        "import: (peak − baseline RSS) per link (bytes)",
        _ratio(lambda r: _diff(r, "peak_rss_bytes", "baseline_rss_bytes"), _links),
        "{:,.0f}",
        plot=False,
    ),
    Metric(
        "store_bpl",
        "store on disk per link (bytes)",
        _ratio(_at("import", "store_bytes"), _links),
        "{:,.0f}",
        plot=False,
    ),
    Metric(
        "startup_s",
        "start-up: fresh process → open → 1 check (s)",
        _at("startup", "process_seconds"),
        "{:.2f}",
    ),
    Metric(
        "open_ms",
        "start-up: open_store (ms)",
        _ratio(_at("startup", "open_seconds"), lambda r: 1e-3),
        "{:.1f}",
        plot=False,
    ),
    Metric(
        "first_check_ms",
        "start-up: first check (ms)",
        _ratio(_at("startup", "first_check_seconds"), lambda r: 1e-3),
        "{:.1f}",
        plot=False,
    ),
    Metric("check_p50", "check p50 (ms)", _at("checks", "p50_ms"), "{:.3f}"),
    Metric("check_p99", "check p99 (ms)", _at("checks", "p99_ms"), "{:.3f}"),
    Metric(
        "batch_s", "1,000 checks in one batch (s)", _at("checks", "batch_seconds_median"), "{:.3f}"
    ),
    Metric("recompute_s", "full recompute (s)", _at("recompute", "seconds_median"), "{:.2f}", True),
    Metric(
        "nx_build_s",
        "networkx: build MultiDiGraph (s)",
        _at("traversal", "networkx", "build_seconds"),
        "{:.1f}",
        True,
        plot=False,
    ),
    Metric(
        "nx_rss",
        "networkx: graph memory (MiB)",
        _ratio(_at("traversal", "networkx", "build_rss_bytes"), lambda r: MiB),
        "{:,.0f}",
        True,
        plot=False,
    ),
    Metric(
        "nx_bfs_p50",
        "networkx BFS depth 2 p50 (ms)",
        _at("traversal", "networkx", "bfs2", "p50_ms"),
        "{:.3f}",
        plot=False,
    ),
    Metric(
        "nx_bfs_p95",
        "networkx BFS depth 2 p95 (ms)",
        _at("traversal", "networkx", "bfs2", "p95_ms"),
        "{:.3f}",
    ),
    Metric(
        "nx_paths_p95",
        "networkx paths ≤6 hops p95 (ms)",
        _at("traversal", "networkx", "paths6", "p95_ms"),
        "{:.3f}",
        plot=False,
    ),
    Metric(
        "inv_nb_p50",
        "investigation neighborhood depth 2 p50 (ms)",
        _at("traversal", "investigation", "neighborhood2", "p50_ms"),
        "{:.2f}",
        plot=False,
    ),
    Metric(
        "inv_nb_p95",
        "investigation neighborhood depth 2 p95 (ms)",
        _at("traversal", "investigation", "neighborhood2", "p95_ms"),
        "{:.2f}",
    ),
    Metric(
        "inv_paths_p50",
        "investigation paths maxHops 6 p50 (ms)",
        _at("traversal", "investigation", "paths6", "p50_ms"),
        "{:.2f}",
        plot=False,
    ),
    Metric(
        "inv_paths_p95",
        "investigation paths maxHops 6 p95 (ms)",
        _at("traversal", "investigation", "paths6", "p95_ms"),
        "{:.2f}",
    ),
    Metric(
        "api_p50",
        "API checkAppointment p50 (ms)",
        _at("api", "checks", "p50_ms"),
        "{:.2f}",
        plot=False,
    ),
    Metric("api_p99", "API checkAppointment p99 (ms)", _at("api", "checks", "p99_ms"), "{:.2f}"),
    Metric(
        "api_rps",
        "API checkAppointment requests/s (4 clients)",
        _at("api", "under_load", "requests_per_second"),
        "{:,.0f}",
        plot=False,
    ),
    Metric(
        "api_load_p99",
        "API checkAppointment p99 under 4 clients (ms)",
        _at("api", "under_load", "latency", "p99_ms"),
        "{:.2f}",
        plot=False,
    ),
    Metric(
        "api_batch_s",
        "API checkAppointments, 1,000 in one request (s)",
        _at("api", "batch_1000", "seconds_median"),
        "{:.3f}",
        plot=False,
    ),
    Metric(
        "api_nb_p95",
        "API neighborhood depth 2 p95 (ms)",
        _at("api", "neighborhood2", "p95_ms"),
        "{:.2f}",
        plot=False,
    ),
    Metric(
        "api_paths_p95",
        "API paths maxHops 6 p95 (ms)",
        _at("api", "paths6", "p95_ms"),
        "{:.2f}",
        plot=False,
    ),
]
METRICS += [
    Metric(
        "reload_s",
        "incremental load: the same file again (s)",
        _at("reload", "seconds"),
        "{:.1f}",
        True,
    ),
    Metric(
        "import_hand_s",
        "hand-written UNWIND … MERGE import (s)",
        _at("import_handwritten", "seconds"),
        "{:.1f}",
        True,
        by="hand-written Cypher",
    ),
    Metric(
        "import_vs_hand",
        "import: creditgraph ÷ hand-written (×)",
        _ratio(_at("import", "seconds"), _at("import_handwritten", "seconds")),
        "{:.2f}",
        plot=False,
    ),
    Metric(
        "reload_hand_s",
        "hand-written import of the same file again (s)",
        _at("import_handwritten", "reload_seconds"),
        "{:.1f}",
        True,
        by="hand-written Cypher",
    ),
    Metric(
        "reload_vs_hand",
        "incremental load: creditgraph ÷ hand-written (×)",
        _ratio(_at("reload", "seconds"), _at("import_handwritten", "reload_seconds")),
        "{:.2f}",
        plot=False,
    ),
    Metric(
        "hand_nb_p95",
        "hand-written Cypher neighbourhood depth 2 p95 (ms)",
        _at("traversal", "investigation", "handwritten", "neighborhood2", "p95_ms"),
        "{:.2f}",
        by="hand-written Cypher",
    ),
    Metric(
        "nb_vs_hand",
        "neighborhood depth 2 p95: creditgraph ÷ hand-written (×)",
        _ratio(
            _at("traversal", "investigation", "neighborhood2", "p95_ms"),
            _at("traversal", "investigation", "handwritten", "neighborhood2", "p95_ms"),
        ),
        "{:.2f}",
        plot=False,
    ),
    Metric(
        "hand_paths_p95",
        "hand-written Cypher paths ≤6 hops p95 (ms)",
        _at("traversal", "investigation", "handwritten", "paths6", "p95_ms"),
        "{:.2f}",
        by="hand-written Cypher",
    ),
    Metric(
        "paths_vs_hand",
        "paths maxHops 6 p95: creditgraph ÷ hand-written (×)",
        _ratio(
            _at("traversal", "investigation", "paths6", "p95_ms"),
            _at("traversal", "investigation", "handwritten", "paths6", "p95_ms"),
        ),
        "{:.2f}",
        plot=False,
    ),
    Metric(
        "hub_degree",
        "links of the biggest hub",
        lambda run: max(_hub_degrees(run), default=None),
        "{:,.0f}",
        plot=False,
    ),
    Metric(
        "hub_nb_p95",
        "neighborhood depth 1 of the 10 biggest hubs p95 (ms)",
        _at("traversal", "investigation", "hub_neighborhood1", "p95_ms"),
        "{:.2f}",
    ),
    Metric(
        "rest_rps",
        "REST check requests/s (4 clients, same service)",
        _at("api", "under_load_rest", "requests_per_second"),
        "{:,.0f}",
        plot=False,
    ),
    Metric(
        "api_rps_vs_rest",
        "GraphQL ÷ REST throughput (×)",
        _at("api", "graphql_over_rest_throughput"),
        "{:.2f}",
        plot=False,
    ),
    Metric(
        "api_load_p99_rest",
        "REST check p99 under 4 clients (ms)",
        _at("api", "under_load_rest", "latency", "p99_ms"),
        "{:.2f}",
        plot=False,
    ),
]
_BY_KEY = {m.key: m for m in METRICS}


def http_summary(api: dict[str, Any]) -> str:
    """Each path of the HTTP case: throughput, p50/p99, and server CPU per request."""
    parts = []
    for key, name in (
        ("under_load", "GraphQL"),
        ("under_load_rest", "REST"),
        ("under_load_audit_sync_1s", "GraphQL, audit synced within 1 s"),
        ("under_load_rest_audit_sync_1s", "REST, audit synced within 1 s"),
        ("under_load_plain_route", "plain route (no audit)"),
        ("under_load_ping", "bare ASGI"),
    ):
        run = api.get(key)
        if not run:
            continue
        rps = run["requests_per_second"]
        cpu = run.get("server_cpu_share")
        per_request = f", {cpu / rps * 1000:.2f} ms server CPU per request" if cpu else ""
        parts.append(
            f"{name} {rps:,.0f} req/s (rounds {', '.join(f'{r:,.0f}' for r in run['rounds_requests_per_second'])}), "
            f"p50 / p99 {run['latency']['p50_ms']:.2f} / {run['latency']['p99_ms']:.2f} ms{per_request}"
        )
    workers = api.get("server_workers", 1)
    return f"server with {workers} worker process{'es' if workers > 1 else ''}: " + "; ".join(parts)


def estimate(results: dict[str, Any], target: str = "L") -> dict[str, Any]:
    """Each metric at ``target`` from the two largest measured sizes, by their log-log slope."""
    from creditgraph.synth import SIZES

    if target in results["sizes"]:
        return {}
    goal = SIZES[target]
    estimates: dict[str, Any] = {}
    for store in results["runs"]:
        measured = [
            (n, r) for n, r in merged_runs(results, store) if r.get("import", {}).get("seconds")
        ]
        if len(measured) < 2:
            continue
        (n1, r1), (n2, r2) = measured[-2], measured[-1]
        values: dict[str, float] = {}
        slopes: dict[str, float] = {}
        for metric in [*METRICS, *_EXTRA.values()]:
            a, b = metric.get(r1), metric.get(r2)
            if a is None or b is None or a <= 0 or b <= 0:
                continue
            slope = math.log(b / a) / math.log(n2 / n1)
            if metric.extensive:
                slope = max(slope, 1.0)
            slopes[metric.key] = round(slope, 3)
            values[metric.key] = b * (goal / n2) ** slope
        if "import_s" in values:
            values["import_lps"] = goal / values["import_s"]
        if "import_rss" in values:
            values["import_bpl"] = values["import_rss"] * MiB / goal
        estimates[store] = {
            "size": target,
            "links": goal,
            "from": [n1, n2],
            "values": values,
            "slopes": slopes,
        }
    return estimates


def merged_runs(results: dict[str, Any], store: str) -> list[tuple[int, dict[str, Any]]]:
    """(links, the store's run at a size with that size's generation merged in), by size."""
    merged = []
    for label, run in results["runs"][store].items():
        generation = results["sizes"].get(label, {}).get("generate")
        merged.append((run["links"], {**run, "generate": generation}))
    return sorted(merged, key=lambda item: item[0])


def write_markdown(results: dict[str, Any], path: Path) -> None:
    m = results["machine"]
    lines = [
        "# creditgraph benchmarks",
        "",
        f"`{results['command']}` — {results['started']} → {results.get('finished') or '…'}",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores ({m['cores_usable']} usable), "
        f"{(m['memory_bytes'] or 0) / 2**30:.1f} GiB RAM, {m['os']}; Python {m['python']}, "
        f"SQLite {m['sqlite']}; {m['filesystem']}; load average at start {m['load_average']}; "
        f"commit {m['commit']}{' + uncommitted changes' if m['uncommitted_changes'] else ''}.",
        "",
        f"Identity key: {results.get('id_key', 'the caller’s')}.",
        "",
        "Sizes:",
        "",
        "| size | links | nodes | events | file (MiB) | generation (s) | generation peak RSS (MiB) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, size in results["sizes"].items():
        g = size["generate"]
        s = g["summary"]
        lines.append(
            f"| {label} | {sum(s['links'].values()):,} | {sum(s['nodes'].values()):,} | "
            f"{sum(s['events'].values()):,} | {s['bytes'] / MiB:,.0f} | {g['seconds']:.1f} | "
            f"{g['peak_rss_bytes'] / MiB:,.0f} |"
        )
    for store, by_size in results["runs"].items():
        labels = list(by_size)
        est = results.get("estimates", {}).get(store)
        header = [*labels, *([f"{est['size']} (estimated)"] if est else [])]
        lines += [
            "",
            f"## {store} store",
            "",
            "| | " + " | ".join(header) + " |",
            "|---|" + "---:|" * len(header),
        ]
        for metric in METRICS:
            row = [metric.get(by_size[label]) for label in labels]
            estimated = est["values"].get(metric.key) if est else None
            if all(v is None for v in row) and estimated is None:
                continue
            cells = ["–" if v is None else metric.fmt.format(v) for v in row]
            if est:
                cells.append("–" if estimated is None else "≈" + metric.fmt.format(estimated))
            lines.append(f"| {metric.label} | " + " | ".join(cells) + " |")
        for label in labels:
            checks = by_size[label].get("checks", {})
            if checks.get("decisions"):
                lines.append("")
                lines.append(
                    f"{label}: checks decided {checks['decisions']} over "
                    f"{checks['sanctioned_persons']:,} sanctioned of {checks['persons']:,} persons "
                    f"(30 % of calls on sanctioned persons); {len(checks['rounds'])} rounds of "
                    f"{checks['calls_per_round']:,} after warm-up, medians of the rounds."
                )
        for label in labels:
            api = by_size[label].get("api", {})
            if api.get("under_load"):
                lines.append("")
                lines.append(f"{label}: HTTP under 4 clients — {http_summary(api)}")
        for label in labels:
            t = by_size[label].get("traversal", {})
            inv, nx = t.get("investigation"), t.get("networkx")
            if inv and nx:
                lines.append("")
                lines.append(
                    f"{label}: traversal over {t['roots']:,} roots (half of them event subjects) and "
                    f"{t['pairs']:,} pairs (80 % at 2–6 hops): neighborhood depth 2 returned "
                    f"{inv['neighborhood2_parties_mean'] or 0:.1f} parties on average against "
                    f"networkx's {nx['bfs2_parties_mean']:.1f} (perNodeLimit {inv['per_node_limit']} "
                    f"truncates hubs); paths found {inv['paths6_found']} / networkx "
                    f"{nx['paths6_found']}, same shortest length on "
                    f"{inv.get('paths6_same_length_as_networkx', '?')} of {t['pairs']} pairs; "
                    f"limits exceeded: {inv['neighborhood2_limit_exceeded']} neighborhoods, "
                    f"{inv['paths6_limit_exceeded']} path searches."
                )
            elif inv and t.get("networkx_skipped"):
                hubs = t.get("hubs", {}).get("degrees") or [0]
                lines.append("")
                lines.append(
                    f"{label}: traversal over {t['roots']:,} roots (half of them event subjects) and "
                    f"{t['pairs']:,} pairs (80 % at 2–6 hops); {t['networkx_skipped']}. "
                    f"Neighborhood depth 2 returned {inv['neighborhood2_parties_mean'] or 0:.1f} "
                    f"parties on average; paths found {inv['paths6_found']} / "
                    f"{t['adjacency']['paths6_found']} within 6 hops, same shortest length on "
                    f"{inv.get('paths6_same_length_as_networkx', '?')} of {t['pairs']} pairs; the "
                    f"10 biggest hubs have {min(hubs):,}–{max(hubs):,} links; limits exceeded: "
                    f"{inv['neighborhood2_limit_exceeded']} neighborhoods, "
                    f"{inv['paths6_limit_exceeded']} path searches."
                )
        if len(labels) >= 2:
            a, b = labels[-2], labels[-1]
            n_a, n_b = by_size[a]["links"], by_size[b]["links"]
            lines += [
                "",
                f"Growth {a} → {b} (links × {n_b / n_a:.1f}), measured:",
                "",
                f"| | {a} | {b} | {b} ÷ {a} |",
                "|---|---:|---:|---:|",
            ]
            for metric in METRICS:
                va, vb = metric.get(by_size[a]), metric.get(by_size[b])
                if va is None or vb is None or va <= 0:
                    continue
                lines.append(
                    f"| {metric.label} | {metric.fmt.format(va)} | {metric.fmt.format(vb)} | "
                    f"{vb / va:.2f} |"
                )
        for label in labels:
            load = [
                (case, r["load_average"]["before"][0], r["load_average"]["after"][0])
                for case, r in by_size[label].items()
                if isinstance(r, dict) and "load_average" in r
            ]
            if load:
                lines.append("")
                lines.append(
                    f"{label}: load average (1 min) before → after each case: "
                    + ", ".join(f"{c} {x:.1f}→{y:.1f}" for c, x, y in load)
                )
        if est:
            lines += [
                "",
                f"{est['size']} is estimated, not measured: each metric extrapolated from "
                f"{est['from'][0]:,} and {est['from'][1]:,} links along its log-log slope "
                "(whole-graph costs and memory at least linearly).",
            ]
    failed = [
        (store, label, case, r["failed"])
        for store, by_size in results["runs"].items()
        for label, run in by_size.items()
        for case, r in run.items()
        if isinstance(r, dict) and "failed" in r
    ]
    if failed or results["skipped"]:
        lines += ["", "## Skipped and failed", ""]
        for s in results["skipped"]:
            lines.append(f"- {s['store']} / {s['size']} / {s['case']}: skipped — {s['reason']}")
        for store, label, case, why in failed:
            lines.append(f"- {store} / {label} / {case}: failed — `{why.strip().splitlines()[-1]}`")
    profile = results.get("profile")
    if profile:
        prof = profile["profiled"].get("profile", {})
        lines += [
            "",
            f"## Import profile ({profile['size']}, cProfile)",
            "",
            f"Unprofiled {profile['unprofiled_links_per_second'] or 0:,.0f} links/s; "
            f"full listing in `{prof.get('text')}`.",
            "",
            "| function | calls | own time (s) | cumulative (s) |",
            "|---|---:|---:|---:|",
        ]
        for row in prof.get("top_tottime", [])[:15]:
            lines.append(
                f"| `{row['function']}` | {row['calls']:,} | {row['tottime_s']:.2f} | "
                f"{row['cumtime_s']:.2f} |"
            )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# Panels of the plot, one per kind of figure; in each, one colour per store (or competitor).
PANELS: list[tuple[str, str, list[str]]] = [
    ("loading the graph", "seconds", ["import_s", "reload_s", "import_hand_s", "reload_hand_s"]),
    ("memory while importing", "MiB", ["import_rss"]),
    ("an approval check", "milliseconds", ["check_p50", "check_p99", "api_p99"]),
    (
        "investigation queries (p95)",
        "milliseconds",
        [
            "inv_nb_p95",
            "inv_paths_p95",
            "hub_nb_p95",
            "hand_nb_p95",
            "hand_paths_p95",
            "nx_bfs_p95",
        ],
    ),
]
_EXTRA: dict[str, Metric] = {
    "generate_s": Metric("generate_s", "generate", _at("generate", "seconds"), extensive=True),
    "generate_rss": Metric(
        "generate_rss",
        "generate: peak RSS",
        _ratio(_at("generate", "peak_rss_bytes"), lambda r: MiB),
    ),
    "batch_ms": Metric(
        "batch_ms",
        "1,000 checks, batch",
        _ratio(_at("checks", "batch_seconds_median"), lambda r: 1e-3),
    ),
    "startup_ms": Metric(
        "startup_ms",
        "start-up (process → 1 check)",
        _ratio(_at("startup", "process_seconds"), lambda r: 1e-3),
    ),
}
_EXTRA["nx_bfs_p95"] = Metric(
    "nx_bfs_p95",
    "BFS depth 2 p95",
    _at("traversal", "networkx", "bfs2", "p95_ms"),
    by="networkx (in memory)",
)
COLOURS = {
    "embedded": "#1f77b4",
    "neo4j": "#d62728",
    "hand-written Cypher": "#2ca02c",
    "networkx (in memory)": "#7f7f7f",
}
MARKERS = ["o", "s", "^", "D", "v", "P"]


def _value(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def _count(value: float, _pos: Any = None) -> str:
    """10000 → 10k, 1000000 → 1M: axis labels a reader takes in at a glance."""
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= size:
            return f"{value / size:g}{suffix}"
    return f"{value:g}"


def write_plot(results: dict[str, Any], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import FuncFormatter
    except ImportError:
        return False
    # a panel none of the runs measured (e.g. runs without the traversal case) is left out,
    # not drawn empty
    panels = [panel for panel in PANELS if _measured(results, panel[2])]
    if not panels:
        return False
    columns = 2 if len(panels) > 1 else 1
    rows = math.ceil(len(panels) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(6.5 * columns, 6.4 * rows), squeeze=False)
    for ax in axes.flat[len(panels) :]:
        ax.set_visible(False)
    for ax, (title, unit, keys) in zip(axes.flat, panels, strict=False):
        drawn: set[tuple[str, str]] = set()
        labelled: list[tuple[float, float]] = []  # the end labels placed, to keep them apart
        for store in results["runs"]:
            for index, key in enumerate(keys):
                metric = _EXTRA.get(key) or _BY_KEY[key]
                owner = metric.by or store
                if (owner, key) in drawn:
                    continue  # a competitor measured once per run, not once per store
                points = _points(results, store, metric)
                if not points:
                    continue
                drawn.add((owner, key))
                colour = COLOURS.get(owner, "#9467bd")
                marker = MARKERS[index % len(MARKERS)]
                name = f"{owner}: {metric.label}" if metric.by else f"{store}: {metric.label}"
                ax.plot(
                    *zip(*points, strict=True),
                    marker=marker,
                    color=colour,
                    linestyle="-",
                    label=name,
                )
                x_last, y_last = points[-1]
                near = [
                    y
                    for x, y in labelled
                    if x == x_last and abs(math.log10(y) - math.log10(y_last)) < 0.03
                ]
                # a label already close by: this one goes above it if its figure is larger
                shift = 9 * len(near) * (1 if near and y_last > max(near) else -1)
                labelled.append((x_last, y_last))
                ax.annotate(  # the largest size's figure, readable without the grid
                    _value(y_last),
                    (x_last, y_last),
                    fontsize=7,
                    color=colour,
                    xytext=(5, -3 + shift),
                    textcoords="offset points",
                )
                est = results.get("estimates", {}).get(store)
                if est and key in est["values"] and metric.by is None:
                    x, y = est["links"], est["values"][key]
                    ax.plot(
                        [points[-1][0], x],
                        [points[-1][1], y],
                        linestyle=":",
                        marker=marker,
                        markevery=[1],  # the measured end stays solid
                        markerfacecolor="white",
                        color=colour,
                    )
                    ax.annotate(
                        f"estimated {_value(y)}",
                        (x, y),
                        fontsize=7,
                        color=colour,
                        xytext=(4, 4),
                        textcoords="offset points",
                    )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(title, fontsize=11)
        ax.set_xlabel("links in the graph", fontsize=9)
        ax.set_ylabel(unit, fontsize=9)
        ax.xaxis.set_major_formatter(FuncFormatter(_count))
        plain = FuncFormatter(lambda v, _p: f"{v:g}")  # 2000, not 2×10³
        ax.yaxis.set_major_formatter(plain)
        ax.yaxis.set_minor_formatter(plain)
        ax.grid(True, which="major", alpha=0.35)
        ax.tick_params(labelsize=8)
        ax.margins(x=0.15)
        if ax.lines:
            # below the panel, outside the data
            ax.legend(fontsize=7.5, loc="upper center", bbox_to_anchor=(0.5, -0.13), frameon=False)
    m = results["machine"]
    loads = _import_loads(results)
    fig.suptitle(
        "creditgraph: cost as the graph grows — one colour per store, one marker per figure, "
        "measured points solid"
        + (" (hollow, dotted: estimated)" if results.get("estimates") else "")
        + f"\n{m['cpu']}, {m['cores']} cores shared with other work, Python {m['python']}, "
        f"SQLite {m['sqlite']}; load average (1 min) around each import: {loads}",
        fontsize=10,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.96))  # the two title lines above the panels' own
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return True


def _points(results: dict[str, Any], store: str, metric: Metric) -> list[tuple[int, float]]:
    """(links, value) of every size where ``store`` measured ``metric``."""
    return [
        (n, v)
        for n, run in merged_runs(results, store)
        if (v := metric.get(run)) is not None and v > 0
    ]


def _measured(results: dict[str, Any], keys: Sequence[str]) -> bool:
    return any(
        _points(results, store, _EXTRA.get(key) or _BY_KEY[key])
        for store in results["runs"]
        for key in keys
    )


def _import_loads(results: dict[str, Any]) -> str:
    found = []
    for store, by_size in results["runs"].items():
        for label, run in by_size.items():
            load = run.get("import", {}).get("load_average") if isinstance(run, dict) else None
            if load:
                found.append(f"{store} {label} {load['before'][0]:.0f}→{load['after'][0]:.0f}")
    return ", ".join(found) or "not recorded"


def combine(paths: list[Path]) -> dict[str, Any]:
    """Several runs' results.json as one: each store's sizes from whichever run measured them
    (a later file wins for the same store and size) — e.g. the embedded run and the Neo4j run,
    made apart on a shared machine, in one table and one plot. The machine is the first run's;
    each case keeps its own load average."""
    import json

    merged: dict[str, Any] | None = None
    for path in paths:
        run = json.loads(path.read_text(encoding="utf-8"))
        if merged is None:
            merged = {**run, "runs": {}, "sizes": {}, "skipped": [], "command": []}
        merged["command"].append(run["command"])
        merged["sizes"].update(run["sizes"])
        merged["skipped"] += run["skipped"]
        for store, by_size in run["runs"].items():
            merged["runs"].setdefault(store, {}).update(by_size)
        merged["finished"] = run.get("finished", merged.get("finished"))
    if merged is None:
        raise ValueError("no results to combine")
    merged["command"] = " ; ".join(merged["command"])
    merged["sizes"] = dict(sorted(merged["sizes"].items(), key=lambda kv: kv[1]["links"]))
    for store, by_size in merged["runs"].items():
        merged["runs"][store] = dict(sorted(by_size.items(), key=lambda kv: kv[1]["links"]))
    merged["estimates"] = estimate(merged, target="L")
    return merged


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json

    p = argparse.ArgumentParser(
        prog="python -m benchmarks.report",
        description="results.md and scaling.png from one or more runs' results.json",
    )
    p.add_argument("results", nargs="+", type=Path)
    p.add_argument("--out", type=Path, required=True, help="folder for the combined outputs")
    p.add_argument("--plot", type=Path, help="where the plot goes (default OUT/scaling.png)")
    options = p.parse_args(argv)
    results = combine(options.results)
    options.out.mkdir(parents=True, exist_ok=True)
    (options.out / "results.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    write_markdown(results, options.out / "results.md")
    write_plot(results, options.plot or options.out / "scaling.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
