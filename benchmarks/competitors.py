"""The competitors creditgraph is measured against, in the same run: hand-written Cypher on
the same Neo4j server (benchmarks/handwritten/), and a plain FastAPI route on the same
service for the HTTP checks (benchmarks.http_server)."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HANDWRITTEN = Path(__file__).resolve().parent / "handwritten"
BATCH = 10_000


def cypher(name: str) -> str:
    return (HANDWRITTEN / f"{name}.cypher").read_text(encoding="utf-8")


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _batches(data_path: str) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Rows per kind in file order, BATCH at a time (nodes, then links, then events)."""
    labels = {"enterprise": "Enterprise", "person": "Person", "agency": "Agency"}
    pending: dict[str, list[dict[str, Any]]] = {"nodes": [], "links": [], "events": []}
    order = ("nodes", "links", "events")
    with open(data_path, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            r = json.loads(line)
            kind = r["type"]
            if kind in labels:
                props = {k: v for k, v in r.items() if k not in ("type", "id", "name")}
                pending["nodes"].append(
                    {
                        "id": r["id"],
                        "label": labels[kind],
                        "type": kind,
                        "name": r["name"],
                        "props": json.dumps(props, ensure_ascii=False, sort_keys=True),
                    }
                )
            elif kind == "link":
                pending["links"].append(
                    {
                        "rel": r["rel"],
                        "src": r["from"],
                        "dst": r["to"],
                        # MERGE needs a key that is never null: the start, or '' when unknown
                        "key": r.get("valid_from") or "",
                        "valid_from": _day(r.get("valid_from")),
                        "valid_to": _day(r.get("valid_to")),
                        "share": r.get("share"),
                    }
                )
            elif kind == "event":
                props = {
                    k: v for k, v in r.items() if k not in ("type", "id", "kind", "subject", "date")
                }
                pending["events"].append(
                    {
                        "id": r["id"],
                        "kind": r["kind"],
                        "subject": r["subject"],
                        "date": _day(r["date"]),
                        "lifts": r.get("lifts"),
                        "props": json.dumps(props, ensure_ascii=False, sort_keys=True),
                    }
                )
    # a hand-written import loads nodes before the links that need them
    for kind in order:
        rows = pending[kind]
        for start in range(0, len(rows), BATCH):
            yield kind, rows[start : start + BATCH]


def handwritten_import(url: str, data_path: str, auth: Any = None) -> dict[str, Any]:
    """Batched ``UNWIND … MERGE`` on labelled nodes with a uniqueness constraint, one
    transaction per batch of 10,000 rows: what a Neo4j user would write for a bulk load."""
    from neo4j import GraphDatabase

    statements = {kind: cypher(f"import_{kind}") for kind in ("nodes", "links", "events")}
    seconds: dict[str, float] = {"nodes": 0.0, "links": 0.0, "events": 0.0}
    started = time.perf_counter()
    rows = 0
    with GraphDatabase.driver(url, auth=auth) as driver, driver.session() as session:
        session.run(
            "CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE"
        ).consume()
        session.run(
            "CREATE CONSTRAINT event_id IF NOT EXISTS FOR (e:Event) REQUIRE e.id IS UNIQUE"
        ).consume()
        session.run("CALL db.awaitIndexes(300)").consume()
        for kind, batch in _batches(data_path):
            t0 = time.perf_counter()
            if kind == "links":
                # one statement per link kind, the type written out: a dynamic type in MERGE
                # was measured ~15x slower on a first load (Neo4j 5.26)
                by_rel: dict[str, list[dict[str, Any]]] = {}
                for row in batch:
                    by_rel.setdefault(row["rel"], []).append(row)

                def work(tx: Any, parts: dict[str, list[dict[str, Any]]] = by_rel) -> None:
                    for rel, part in parts.items():
                        tx.run(statements["links"].replace("__REL__", rel), rows=part).consume()

                session.execute_write(work)
            else:

                def write_rows(tx: Any, part: list[dict[str, Any]] = batch, k: str = kind) -> None:
                    tx.run(statements[k], rows=part).consume()

                session.execute_write(write_rows)
            seconds[kind] += time.perf_counter() - t0
            rows += len(batch)
    return {"seconds": time.perf_counter() - started, "rows": rows, "phase_seconds": seconds}
