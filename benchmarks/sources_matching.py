"""Published lists against a synthetic registry: how well entries reach the right person, and
how fast rows are read, resolved and loaded.

    python -m benchmarks.sources_matching --size S          # a quick look (≈ 1 min)
    python -m benchmarks.sources_matching --size M          # the figures in the README
    python -m benchmarks.sources_matching --size M --reuse --phases   # where the time goes

The registry and its lists come from ``creditgraph generate OUT --sources DIR`` (seed 7), so
every row's true party is known (``truth.csv``). The registry is loaded into a fresh embedded
store, then each list with ``load --source`` as an officer would (the load resolves listed
persons as it writes). Then, per masking pattern, over the person rows of the lists:

- **precision of CONFIRMED reaches**: of the registry persons an entry's event reaches with
  certainty CONFIRMED, the share that are the entry's true person (must be 100 %);
- **wrong reaches of strangers**: registry persons reached at all (CONFIRMED or UNCONFIRMED)
  by an entry whose true party is a same-name stranger (must be 0);
- **recall of CONFIRMED+REVIEW**: entries whose true person is reached, either way;
- **rows/s**: data rows of each list divided by the wall time of its load (read, decode,
  convert, validate, write, derive, resolve).

It prints a table and writes ``OUT/sources-SIZE.json``. Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import json
import os
import pstats
import shutil
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from creditgraph.domain.model import Certainty
from creditgraph.ingest.loader import load, read_lines
from creditgraph.ingest.records import IdProtection
from creditgraph.schema import default_schema
from creditgraph.sources.loading import CHUNK_ROWS, load_source, open_tables, rows_of
from creditgraph.sources.mapping import load_mapping
from creditgraph.sources.rows import RowConverter
from creditgraph.store.embedded import EmbeddedStore
from creditgraph.synth.generator import generate
from creditgraph.synth.sources import STRANGER, write_sources

KEY = "benchmark-sources-key"
LISTS = [
    ("court-dishonest", "court-dishonest.csv"),
    ("consumption-restriction", "consumption-restriction.csv"),
    ("penalty", "penalty.xlsx"),
    ("gsxt-lists", "gsxt-lists.csv"),
    ("registry", "registry.csv"),
]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", default="S", help="S, M, L or a number of links")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--rows", type=int, help="person rows per list (default: generator's)")
    p.add_argument("--out", default="benchmarks/out", type=Path)
    p.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the registry and its loaded store from an earlier run of this size "
        "(the lists are written again, with --rows)",
    )
    p.add_argument(
        "--phases",
        action="store_true",
        help="profile each load (cProfile: slower, the shares are what counts) and print the "
        "time of each phase: where the rows/s go",
    )
    return p.parse_args(argv)


# the phases of a load --source, by the function that does each (cumulative time); nested
# phases are shown indented under the one that contains them
PHASES = [
    # the loader reads the converted rows as it validates them: conversion is inside
    ("validate records", "ingest/loader.py", "parse_all", 0),
    ("read + convert rows", "sources/rows.py", "convert", 1),
    ("resolve new entries before the write", "identity/resolution.py", "links_ahead", 0),
    ("store write", "store/embedded.py", "write", 0),
    ("derive restrictions (rules engine)", "rules/engine.py", "derive", 1),
    ("find what to re-derive", "rules/maintenance.py", "events_to_rederive", 1),
    ("restriction rows (JSON)", "store/embedded.py", "_restriction_row", 1),
    ("monitoring (change feed, alerts)", "monitoring/react.py", "react", 1),
    ("resolve after the write", "identity/resolution.py", "resolve", 0),
]


def phases(profile: cProfile.Profile) -> dict[str, float]:
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    found: dict[str, float] = {}
    for label, path, function, _ in PHASES:
        found[label] = round(
            sum(
                cumulative
                for (file, _, name), (_, _, _, cumulative, _) in stats.items()
                if name == function and file.endswith(path)
            ),
            2,
        )
    return found


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    work = args.out / f"sources-{args.size}"
    work.mkdir(parents=True, exist_ok=True)
    registry = work / "registry.jsonl"
    lists = work / "lists"
    db, saved = work / "store.db", work / "store-registry.db"
    reuse = args.reuse and saved.exists() and registry.exists()
    started = time.perf_counter()
    if not reuse:
        generate(registry, args.size, args.seed)
    written = write_sources(registry, lists, args.seed, args.rows)
    generated = time.perf_counter() - started
    for leftover in work.glob("store.db*"):
        leftover.unlink()
    registry_seconds = None
    if reuse:
        shutil.copyfile(saved, db)  # the registry as loaded by an earlier run
    store = EmbeddedStore(db, default_schema(), id_key=KEY)
    try:
        if not reuse:
            started = time.perf_counter()
            base = load(read_lines([str(registry)]), store)
            registry_seconds = round(time.perf_counter() - started, 1)
            assert not base.errors, base.errors[:5]
            store.close()
            shutil.copyfile(db, saved)
            store = EmbeddedStore(db, default_schema(), id_key=KEY)
        loads: dict[str, dict[str, Any]] = {}
        for source, name in LISTS:
            converting = convert_only(store, source, lists / name)
            profile = cProfile.Profile() if args.phases else None
            started = time.perf_counter()
            if profile is not None:
                profile.enable()
            loaded = load_source(source, [str(lists / name)], store)
            if profile is not None:
                profile.disable()
            seconds = time.perf_counter() - started
            loads[source] = {
                "rows": loaded.rows,
                "seconds": round(seconds, 3),
                "rows_per_s": round(loaded.rows / seconds) if seconds else None,
                "errors": [str(e) for e in loaded.result.errors[:5]],
                "convert_rows_per_s": converting,
                "load_average": [round(x, 1) for x in os.getloadavg()],
            }
            if profile is not None:
                loads[source]["phases_s"] = phases(profile)
        matching = evaluate(store, lists / "truth.csv")
    finally:
        store.close()
    result = {
        "size": args.size,
        "seed": args.seed,
        "generated_s": round(generated, 1),
        "registry_load_s": registry_seconds,
        "list_rows": written.rows,
        "strangers": written.strangers,
        "loads": loads,
        "matching": matching,
        "load_average": os.getloadavg(),
    }
    (args.out / f"sources-{args.size}.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    print_table(result)
    return result


def convert_only(store: EmbeddedStore, source: str, path: Path) -> int:
    """Rows/s of reading and converting alone (decode, map, resolve enterprises, ids): the
    sources layer's own cost, before the loader validates and writes."""
    mapping = load_mapping(source, store.schema)
    ((table, positions),) = open_tables([str(path)], mapping, None)
    converter = RowConverter(mapping, store, IdProtection.of(store))
    started = time.perf_counter()
    count = 0
    chunk: list[Any] = []
    for row in rows_of(table, positions):
        chunk.append(row)
        if len(chunk) >= CHUNK_ROWS:
            count += len(converter.convert(chunk))
            chunk = []
    count += len(converter.convert(chunk))
    seconds = time.perf_counter() - started
    return round(count / seconds) if seconds else 0


def case_numbers(store: EmbeddedStore, source: str, path: Path) -> dict[int, str]:
    """Row number → the case number as published, read as the loader reads the file."""
    mapping = load_mapping(source, store.schema)
    ((table, positions),) = open_tables([str(path)], mapping, None)
    column = mapping.case_number or ""
    return {row.number: row.text(column) for row in rows_of(table, positions)}


def evaluate(store: EmbeddedStore, truth_path: Path) -> dict[str, dict[str, Any]]:
    """Per masking pattern: confirmed reaches right/wrong, stranger reaches, recall."""
    with truth_path.open(encoding="utf-8", newline="") as handle:
        truth = [
            r
            for r in csv.DictReader(handle)
            if r["party"] == "person" and r["source"] != "registry"
        ]
    # an entry is its file, row and case number: a store may hold an earlier delivery of a
    # file with the same name
    cases = {
        (name, number): str(case)
        for source, name in LISTS[:2]
        for number, case in case_numbers(store, source, truth_path.parent / name).items()
    }
    by_row: dict[tuple[str, int, str], str] = {}
    for kind in ("DISHONEST_DEBTOR_LISTED", "CONSUMPTION_RESTRICTED"):
        for event in store.events(kind=kind):
            provenance = event.props.get("provenance") or {}
            where = (provenance.get("file", ""), int(provenance.get("row", 0)))
            by_row[(*where, str(provenance.get("case_number")))] = event.id
    stats: dict[str, Counter[str]] = defaultdict(Counter)
    for row in truth:
        counts = stats[row["pattern"]]
        where = (row["file"], int(row["row"]))
        event_id = by_row.get((*where, cases.get(where, "")))
        if event_id is None:
            counts["not_loaded"] += 1
            continue
        reached: dict[str, Certainty] = {}
        found = store.restrictions(event_id=event_id)
        types = store.node_types({r.subject for r in found})
        for restriction in found:
            if restriction.subject.startswith("lp:") or types.get(restriction.subject) != "person":
                continue  # the entry itself, or the agency employing the person (notified)
            best = reached.get(restriction.subject)
            if best is not Certainty.CONFIRMED:
                reached[restriction.subject] = restriction.certainty
        counts["rows"] += 1
        if row["truth"] == STRANGER:
            counts["strangers"] += 1
            counts["stranger_reaches"] += len(reached)
            continue
        counts["true_rows"] += 1
        for person, certainty in reached.items():
            right = person == row["truth"]
            if certainty is Certainty.CONFIRMED:
                counts["confirmed_right" if right else "confirmed_wrong"] += 1
            elif not right:
                counts["review_wrong"] += 1
        certainty_of_truth = reached.get(row["truth"])
        if certainty_of_truth is Certainty.CONFIRMED:
            counts["recall_confirmed"] += 1
        elif certainty_of_truth is not None:
            counts["recall_review"] += 1
    report: dict[str, dict[str, Any]] = {}
    for pattern, c in sorted(stats.items()):
        confirmed = c["confirmed_right"] + c["confirmed_wrong"]
        report[pattern] = {
            **dict(c),
            "precision_confirmed": c["confirmed_right"] / confirmed if confirmed else None,
            "recall": (c["recall_confirmed"] + c["recall_review"]) / c["true_rows"]
            if c["true_rows"]
            else None,
        }
    return report


def print_table(result: dict[str, Any]) -> None:
    print(f"size {result['size']}: registry loaded in {result['registry_load_s'] or '(reused)'} s")
    print(f"{'list':26} {'rows':>7} {'seconds':>8} {'load rows/s':>12} {'convert rows/s':>15}")
    for source, info in result["loads"].items():
        print(
            f"{source:26} {info['rows']:>7} {info['seconds']:>8} {info['rows_per_s']:>12} "
            f"{info['convert_rows_per_s']:>15}"
        )
        for error in info["errors"]:
            print(f"   ! {error}")
        for label, *_, depth in PHASES if "phases_s" in info else ():
            spent = info["phases_s"][label]
            share = spent / info["seconds"] if info["seconds"] else 0
            print(f"   {'  ' * depth}{label:40} {spent:>7.2f} s {share:>6.0%}")
    print()
    print(
        f"{'pattern':14} {'rows':>6} {'strangers':>9} {'CONFIRMED precision':>20} "
        f"{'stranger reaches':>16} {'recall C+R':>10} {'wrong REVIEW':>12}"
    )
    for pattern, m in result["matching"].items():
        precision = m["precision_confirmed"]
        recall = m["recall"]
        print(
            f"{pattern:14} {m.get('rows', 0):>6} {m.get('strangers', 0):>9} "
            f"{'—' if precision is None else f'{precision:.1%}':>20} "
            f"{m.get('stranger_reaches', 0):>16} "
            f"{'—' if recall is None else f'{recall:.1%}':>10} {m.get('review_wrong', 0):>12}"
        )


if __name__ == "__main__":
    main()
