"""Where a day's file of changes spends its time on Neo4j, statement by statement.

    python -m benchmarks.neo4j_changes_profile registry.jsonl [--files 4] [--handwritten]

Loads the registry into a fresh test-harness Neo4j (``creditgraph load``, in an interpreter of
its own), then ``--files`` files of 3,200 changes (:mod:`benchmarks.changes`, seeds 101, 102…,
written beside the registry unless there), each on a connection of its own, with
``Neo4jStore.on_statement`` recording every statement and commit. Per file it prints the
load's seconds split into:

- reads before the write transaction (the reference check and identity merging: which ids
  are stored, and as what),
- the transaction's statements: the client's seconds and the server's own (its summary's
  ``result_available_after + result_consumed_after``),
- the commit,
- the rest: Python (reading and validating, the rules engine, the outbox) and the driver.

Then each statement's median over the files (but the first, which a fresh server plans).
With ``--handwritten`` the hand-written ``UNWIND … MERGE`` import
(:func:`benchmarks.competitors.handwritten_import`) loads the registry and the same files
into another fresh server, and each file's ratio is printed: the figure issue 14 item 2
sets at 1.5×. (:mod:`benchmarks.neo4j_load_pairs` measures it in ABBA pairs; this says
why it is what it is.)
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.changes import registry_changes
from benchmarks.neo4j_load_pairs import _in_own_process, harness_server


@dataclass
class Statement:
    name: str
    seconds: float
    server_ms: int
    rows: int
    ended: float  # time.perf_counter() when the client had its last record


def _wall(statements: list[Statement]) -> float:
    """The seconds during which at least one of these statements ran (two halves of a
    lookup run at once: their seconds overlap)."""
    total, reached = 0.0, float("-inf")
    for start, end in sorted((s.ended - s.seconds, s.ended) for s in statements):
        if end > reached:
            total += end - max(start, reached)
            reached = end
    return total


@dataclass
class Profile:
    seconds: float = 0.0
    statements: list[Statement] = field(default_factory=list)

    def split(self) -> dict[str, float]:
        """The load's seconds by part (see the module text)."""
        start = next(
            (i for i, s in enumerate(self.statements) if s.name == "import/lock_writer"),
            len(self.statements),
        )
        before = self.statements[:start]
        inside = [s for s in self.statements[start:] if s.name != "COMMIT"]
        commit = sum(s.seconds for s in self.statements if s.name == "COMMIT")
        parts = {
            "reads before": _wall(before),
            "statements": _wall(inside),
            "of which server": sum(s.server_ms for s in inside) / 1000,
            "commit": commit,
        }
        parts["rest"] = self.seconds - parts["reads before"] - parts["statements"] - commit
        return parts

    def purposes(self) -> dict[str, tuple[float, float]]:
        """The load's statements by what ``creditgraph load`` promises (CONTRACT.md), as
        (client seconds, the server's own): what the hand-written import does too (the
        graph's nodes, links and events, with what was stored of them to tell created from
        updated), and what it does not — the reference check before the transaction, the
        derivation of restrictions, the outbox (every statement after the version bump),
        the commit of it all, and the rest (Python)."""
        start = next(
            (i for i, s in enumerate(self.statements) if s.name == "import/lock_writer"),
            len(self.statements),
        )
        bump = next(
            (i for i, s in enumerate(self.statements) if s.name == "import/bump_version"),
            len(self.statements),
        )
        groups: dict[str, list[Statement]] = defaultdict(list)
        for i, s in enumerate(self.statements):
            if s.name == "COMMIT":
                continue
            if i < start:
                groups["reference check"].append(s)
            elif s.name.startswith("import/"):
                groups["graph"].append(s)
            elif i < bump:
                groups["derivation"].append(s)
            else:
                groups["outbox"].append(s)
        parts = {
            name: (_wall(groups[name]), sum(s.server_ms for s in groups[name]) / 1000)
            for name in PURPOSES[:4]
        }
        commit = sum(s.seconds for s in self.statements if s.name == "COMMIT")
        parts["commit"] = (commit, commit)
        split = self.split()
        parts["rest"] = (split["rest"], 0.0)
        return parts


# purposes(), in the order printed
PURPOSES = ("graph", "reference check", "derivation", "outbox", "commit", "rest")


def _names() -> dict[str, str]:
    """Statement text → its file's name under cypher/ (as the store names it)."""
    from creditgraph.schema import default_schema
    from creditgraph.store.cypher import CypherLibrary

    library = CypherLibrary(default_schema())
    names = {}
    for path in sorted(library.root.rglob("*.cypher")):
        name = path.relative_to(library.root).with_suffix("").as_posix()
        try:
            names[library[name]] = name
        except (KeyError, ValueError):  # a template with blanks to fill, or a schema file
            continue
    return names


def profile_file(url: str, path: Path, names: dict[str, str]) -> Profile:
    from creditgraph.ingest.loader import load, read_lines
    from creditgraph.store import open_store
    from creditgraph.store.neo4j import Neo4jStore

    profile = Profile()

    def record(statement: str, seconds: float, summary: Any, rows: int) -> None:
        name = names.get(statement) or statement.strip().splitlines()[0][:60]
        server = (
            (summary.result_available_after or 0) + (summary.result_consumed_after or 0)
            if summary is not None
            else 0
        )
        profile.statements.append(Statement(name, seconds, server, rows, time.perf_counter()))

    store = open_store(url)
    if not isinstance(store, Neo4jStore):
        raise SystemExit(f"{url}: not a Neo4j store")
    try:
        store.on_statement = record
        started = time.perf_counter()
        result = load(read_lines([str(path)]), store)
        profile.seconds = time.perf_counter() - started
    finally:
        store.close()
    if result.errors:
        raise SystemExit(f"{path}: {len(result.errors)} record errors, e.g. {result.errors[0]}")
    return profile


def statement_table(profiles: list[Profile]) -> list[str]:
    """Each statement's median over the profiles: client s (summed over its runs, which
    may overlap), server s, rows, times run."""
    per: dict[str, list[tuple[float, int, int, int]]] = defaultdict(list)
    for profile in profiles:
        summed: dict[str, list[int | float]] = defaultdict(lambda: [0.0, 0, 0, 0])
        for s in profile.statements:
            entry = summed[s.name]
            entry[0] += s.seconds
            entry[1] += s.server_ms
            entry[2] += s.rows
            entry[3] += 1
        for name, (seconds, server, rows, count) in summed.items():
            per[name].append((float(seconds), int(server), int(rows), int(count)))
    lines = [f"{'client s':>9} {'server s':>9} {'rows':>6} {'runs':>4}  statement"]
    for name, values in sorted(
        per.items(), key=lambda item: -statistics.median(v[0] for v in item[1])
    ):
        seconds = statistics.median(v[0] for v in values)
        server = statistics.median(v[1] for v in values) / 1000
        rows = statistics.median(v[2] for v in values)
        count = statistics.median(v[3] for v in values)
        lines.append(f"{seconds:9.3f} {server:9.3f} {rows:6.0f} {count:4.0f}  {name}")
    return lines


def purpose_table(profiles: list[Profile]) -> list[str]:
    """:meth:`Profile.purposes`' medians over the profiles: client s, server s."""
    lines = [f"{'client s':>9} {'server s':>9}  part"]
    split = [profile.purposes() for profile in profiles]
    for name in PURPOSES:
        client = statistics.median(parts[name][0] for parts in split)
        server = statistics.median(parts[name][1] for parts in split)
        lines.append(f"{client:9.3f} {server:9.3f}  {name}")
    return lines


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("data", type=Path, help="a registry file (creditgraph generate --size M)")
    p.add_argument("--files", type=int, default=4, help="files of changes to load (≥ 2)")
    p.add_argument("--handwritten", action="store_true", help="the competitor too, for ratios")
    options = p.parse_args(argv)
    if options.files < 2:
        p.error("--files must be at least 2: the first file is the one a fresh server plans")
    files = []
    for seed in range(101, 101 + options.files):
        path = options.data.with_name(f"{options.data.stem}.changes-{seed}.jsonl")
        if not path.exists():
            registry_changes(options.data, path, seed=seed)
        files.append(path)
    names = _names()

    server = harness_server()
    try:
        print(f"registry: {_in_own_process('ours', server.url, str(options.data)):.1f} s")
        profiles = []
        for path in files:
            before = os.getloadavg()[0]
            profile = profile_file(server.url, path, names)
            profiles.append(profile)
            parts = ", ".join(f"{k} {v:.3f}" for k, v in profile.split().items())
            print(
                f"{path.name}: {profile.seconds:.3f} s ({parts}; "
                f"load {before:.1f} -> {os.getloadavg()[0]:.1f})",
                flush=True,
            )
    finally:
        server.stop()
    print("\nper statement, median over the files after the first:")
    for line in statement_table(profiles[1:]):
        print(line)
    print("\nby what the load promises, median over the files after the first:")
    for line in purpose_table(profiles[1:]):
        print(line)

    if options.handwritten:
        from benchmarks.competitors import handwritten_import

        server = harness_server()
        try:
            registry = _in_own_process("hand", server.url, str(options.data))
            print(f"\nhand-written registry: {registry:.1f} s")
            ratios = []
            for path, profile in zip(files, profiles, strict=True):
                hand = float(handwritten_import(server.url, str(path))["seconds"])
                ratios.append(profile.seconds / hand)
                print(f"{path.name}: hand-written {hand:.3f} s, ours {ratios[-1]:.2f}x")
        finally:
            server.stop()
        print(
            f"ratio: first file {ratios[0]:.2f}x, the others median "
            f"{statistics.median(ratios[1:]):.2f}x"
        )


if __name__ == "__main__":
    main()
