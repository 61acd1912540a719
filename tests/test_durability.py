"""A nightly import killed half-way (``kill -9``, power cut, OOM killer) must leave a store
that opens, holds exactly the batches committed before the kill, and is completed by
running the same load again (CONTRACT.md: loads are atomic per batch and idempotent)."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from creditgraph.store import open_store
from creditgraph.store.embedded import BULK_MIN_ROWS
from helpers_import import load_counts, uscc

pytestmark = pytest.mark.slow

# small batches; and batches large enough for a first load to defer the embedded store's
# secondary indexes (store.embedded.BULK_MIN_ROWS): killed then, it still holds whole batches
BATCHES = (2_000, 10_000)
ENTERPRISES = 20_000
PERSONS = 40_000
LINKS = 200_000
KILL_AFTER_LINK_BATCHES = 2
DEADLINE_S = 50.0


def _records() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Nodes (enterprises, then persons) and links, in file order."""
    enterprises = [uscc(f"enterprise-{i}") for i in range(ENTERPRISES)]
    assert len(set(enterprises)) == ENTERPRISES
    nodes: list[dict[str, Any]] = [
        {"type": "enterprise", "id": code, "name": f"测试企业{i}有限公司"}
        for i, code in enumerate(enterprises)
    ]
    nodes += [{"type": "person", "id": f"p:{i}", "name": f"测试人{i}"} for i in range(PERSONS)]
    links: list[dict[str, Any]] = []
    for i in range(LINKS):
        # link i joins person i % PERSONS to a different enterprise for each pass over them
        person, rounds = i % PERSONS, i // PERSONS
        enterprise = enterprises[(person + rounds * 4_001) % ENTERPRISES]
        record: dict[str, Any] = {
            "type": "link",
            "from": f"p:{person}",
            "to": enterprise,
            "valid_from": f"20{10 + i % 10}-0{1 + i % 9}-1{i % 10}",
        }
        if i % 3 == 0:
            record["rel"] = "LEGAL_REPRESENTATIVE"
        elif i % 3 == 1:
            record["rel"] = "DIRECTOR"
        else:
            record.update(rel="SHAREHOLDER", share=round(0.01 + (i % 90) / 100, 2))
        links.append(record)
    return nodes, links


def _batch_states(nodes: int, links: int, batch: int) -> list[tuple[int, int]]:
    """(nodes, links) committed after each batch of loader.plan_batches: nodes, then links."""
    states = [(0, 0)]
    states += [(min(done, nodes), 0) for done in range(batch, nodes + batch, batch)]
    states += [(nodes, min(done, links)) for done in range(batch, links + batch, batch)]
    return states


def _load_command(data: Path, db: Path, batch: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "creditgraph.cli",
        "load",
        str(data),
        "--batch-size",
        str(batch),
        "--store",
        str(db),
    ]


def _committed_links(db: Path) -> int:
    try:
        reader = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
    except sqlite3.DatabaseError:
        return 0
    try:
        return int(reader.execute("SELECT count(*) FROM links").fetchone()[0])
    except sqlite3.DatabaseError:  # not created yet
        return 0
    finally:
        reader.close()


@pytest.mark.parametrize("batch", BATCHES)
def test_load_killed_mid_way_keeps_whole_batches_and_is_completed_by_running_it_again(
    tmp_path: Path, batch: int
) -> None:
    nodes, links = _records()
    data = tmp_path / "registry.jsonl"
    with data.open("w", encoding="utf-8") as handle:
        for record in (*nodes, *links):
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    db = tmp_path / "s.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITGRAPH_")}

    log = tmp_path / "load.log"
    with log.open("wb") as stderr:
        loading = subprocess.Popen(
            _load_command(data, db, batch), env=env, stdout=subprocess.DEVNULL, stderr=stderr
        )
    try:
        started = time.monotonic()
        while _committed_links(db) < KILL_AFTER_LINK_BATCHES * batch:
            assert loading.poll() is None, (
                "the load ended before it could be killed: "
                + (log.read_text("utf-8", "replace")[-2000:])
            )
            assert time.monotonic() - started < DEADLINE_S, "no link batch committed in time"
            time.sleep(0.02)
        os.kill(loading.pid, signal.SIGKILL)
    finally:
        if loading.poll() is None:
            loading.kill()
        loading.wait()
    assert loading.returncode == -signal.SIGKILL

    # the store opens and is sound
    store = open_store(str(db))
    try:
        counts = store.stats(dt.date.today())
    finally:
        store.close()
    check = sqlite3.connect(db)
    try:
        assert check.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        stored_nodes = {row[0] for row in check.execute("SELECT id FROM nodes")}
        stored_links = set(check.execute("SELECT rel, src, dst, valid_from FROM links"))
        owed = check.execute("SELECT 1 FROM meta WHERE key = 'indexes_deferred'").fetchone()
    finally:
        check.close()
    # large batches went in without the secondary indexes, and the store says they are owed
    assert (owed is not None) == (batch >= BULK_MIN_ROWS)

    # it holds whole batches: a prefix of the nodes in load order, then a prefix of the links
    # in key order (the loader writes them so, each batch adding to the end of the B-tree)
    committed = (sum(counts["nodes"].values()), sum(counts["links"].values()))
    assert committed in _batch_states(len(nodes), len(links), batch)
    assert 0 < committed[1] < len(links), "the kill should land in the middle of the links"
    assert stored_nodes == {r["id"] for r in nodes[: committed[0]]}
    in_key_order = sorted(links, key=lambda r: (r["from"], r["rel"], r["to"], r["valid_from"]))
    assert stored_links == {
        (r["rel"], r["from"], r["to"], r["valid_from"]) for r in in_key_order[: committed[1]]
    }

    # running the same load again completes it, finding the committed records unchanged
    rerun = subprocess.run(
        _load_command(data, db, batch),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert rerun.returncode == 0, rerun.stderr[-2000:]

    reported = load_counts(rerun.stdout)
    kept = Counter(r["type"] for r in nodes[: committed[0]])
    for kind, total in Counter(r["type"] for r in nodes).items():
        assert reported[kind] == (total - kept[kind], 0, kept[kind]), rerun.stdout
    assert reported["link"] == (len(links) - committed[1], 0, committed[1]), rerun.stdout

    store = open_store(str(db))
    try:
        final = store.stats(dt.date.today())
    finally:
        store.close()
    check = sqlite3.connect(db)
    try:
        indexes = {row[0] for row in check.execute("SELECT name FROM sqlite_master")}
        owed = check.execute("SELECT 1 FROM meta WHERE key = 'indexes_deferred'").fetchone()
    finally:
        check.close()
    assert {"links_by_dst", "nodes_by_norm_name", "identity_keys_by_id"} <= indexes
    assert owed is None
    assert final["nodes"] == {"enterprise": ENTERPRISES, "person": PERSONS}
    assert final["links"] == dict(Counter(r["rel"] for r in links))
