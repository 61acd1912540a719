"""Convert the registry sample (shared/data/registry_sample: nodes.csv, edges.csv, a real
Chinese business-registry subgraph exported by Sayari) into contract JSON Lines.

The sample has no unified social credit codes, so enterprises get ``e:`` + the node id
and persons ``p:`` + the node id; same-name persons keep their own ids (never merged).
``share_percentage`` becomes ``share`` (percent / 100; left out when missing or above 100)
and ``share_date``, when present, becomes ``valid_from``.

    python tests/registry_sample.py ../shared/data/registry_sample > registry.jsonl
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

RELATIONS = {
    "legal_representative_of": "LEGAL_REPRESENTATIVE",
    "director_of": "DIRECTOR",
    "supervisor_of": "SUPERVISOR",
    "manager_of": "MANAGER",
    "shareholder_of": "SHAREHOLDER",
}
NODE_TYPES = {"company": ("enterprise", "e:"), "person": ("person", "p:")}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def node_ids(nodes: list[dict[str, str]]) -> dict[str, str]:
    """Sample node id → contract id."""
    return {row["id"]: NODE_TYPES[row["type"]][1] + row["id"] for row in nodes}


def share(percentage: str) -> float | None:
    if not percentage.strip():
        return None
    value = float(percentage)
    if not 0 < value <= 100:
        return None
    return round(value / 100, 6)


def convert(sample: Path) -> Iterator[dict[str, Any]]:
    nodes = read_csv(sample / "nodes.csv")
    ids = node_ids(nodes)
    for row in nodes:
        record_type, _ = NODE_TYPES[row["type"]]
        yield {"type": record_type, "id": ids[row["id"]], "name": row["label"]}
    for row in read_csv(sample / "edges.csv"):
        record: dict[str, Any] = {
            "type": "link",
            "rel": RELATIONS[row["relation"]],
            "from": ids[row["source"]],
            "to": ids[row["target"]],
            "valid_from": row["share_date"] or None,
            "valid_to": None,
        }
        if record["rel"] == "SHAREHOLDER":
            fraction = share(row["share_percentage"])
            if fraction is not None:
                record["share"] = fraction
        yield record


def write_jsonl(sample: Path, out: Path) -> Path:
    with out.open("w", encoding="utf-8") as handle:
        for record in convert(sample):
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return out


if __name__ == "__main__":
    for record in convert(Path(sys.argv[1])):
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
