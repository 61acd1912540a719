"""`creditgraph export | creditgraph load` moves a store, and nothing is lost.

An export is contract JSON Lines (nodes, links, events in load order); loading it
into an empty store — embedded or Neo4j — and exporting again gives the same
records, and the same restrictions are derived from them. Identity numbers travel
only in their protected form (keyed hash and mask), never in the clear.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from creditgraph.ingest.loader import load
from creditgraph.schema import default_schema
from creditgraph.store.base import GraphStore
from creditgraph.store.embedded import EmbeddedStore
from scenario import lines
from store_datasets import DATASETS, Record, dataset
from support.stores import TEST_ID_KEY, Neo4jTestServer

TODAY = dt.date(2026, 11, 23)


def _embedded(path: Path) -> GraphStore:
    return EmbeddedStore(path, default_schema(), id_key=TEST_ID_KEY)


def _load(store: GraphStore, records: list[Record]) -> None:
    result = load(lines(records, "export.jsonl"), store, batch_size=500)
    assert not result.errors, result.errors[:5]


def _snapshot(store: GraphStore) -> dict[str, Any]:
    return {
        "records": list(store.export()),
        "restrictions": [r.to_json(TODAY) for r in store.restrictions()],
        "stats": store.stats(TODAY),
    }


@pytest.mark.parametrize("name", DATASETS)
def test_embedded_export_loaded_into_a_new_embedded_store_exports_the_same(
    name: str, tmp_path: Path
) -> None:
    source = _embedded(tmp_path / "source.db")
    target = _embedded(tmp_path / "target.db")
    try:
        _load(source, dataset(name, tmp_path))
        before = _snapshot(source)
        _load(target, before["records"])
        assert _snapshot(target) == before
    finally:
        source.close()
        target.close()


@pytest.mark.neo4j
@pytest.mark.parametrize("name", DATASETS)
def test_embedded_export_loaded_into_neo4j_exports_the_same(
    name: str, tmp_path: Path, neo4j_store: GraphStore
) -> None:
    source = _embedded(tmp_path / "source.db")
    try:
        _load(source, dataset(name, tmp_path))
        before = _snapshot(source)
    finally:
        source.close()
    _load(neo4j_store, before["records"])
    assert _snapshot(neo4j_store) == before
    # and back: Neo4j's export loaded into a fresh embedded store
    back = _embedded(tmp_path / "back.db")
    try:
        _load(back, list(neo4j_store.export()))
        assert _snapshot(back) == before
    finally:
        back.close()


def test_export_carries_identity_numbers_only_in_protected_form(tmp_path: Path) -> None:
    store = _embedded(tmp_path / "s.db")
    try:
        _load(store, dataset("credit-scenario", tmp_path))
        text = "\n".join(json.dumps(r, ensure_ascii=False) for r in store.export())
    finally:
        store.close()
    assert "11010519491231002X" not in text
    (zhang,) = [json.loads(line) for line in text.splitlines() if '"p:zhang"' in line[:40]]
    assert {"id_number_hash", "id_number_masked"} <= set(zhang)


def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CREDITGRAPH_ID_KEY": TEST_ID_KEY, "CREDITGRAPH_TODAY": TODAY.isoformat()}
    return subprocess.run(
        [sys.executable, "-m", "creditgraph.cli", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env=env,
        timeout=300,
    )


@pytest.mark.neo4j
@pytest.mark.slow
def test_export_piped_into_load_moves_an_embedded_store_to_neo4j_and_back(
    tmp_path: Path, neo4j_server: Neo4jTestServer
) -> None:
    neo4j_server.empty()
    source, back = str(tmp_path / "source.db"), str(tmp_path / "back.db")
    data = tmp_path / "records.jsonl"
    data.write_text(
        "".join(
            json.dumps(r, ensure_ascii=False) + "\n" for r in dataset("credit-scenario", tmp_path)
        ),
        encoding="utf-8",
    )
    assert _cli("load", str(data), "--store", source).returncode == 0
    exported = _cli("export", "--store", source)
    assert exported.returncode == 0, exported.stderr
    moved = _cli("load", "-", "--store", neo4j_server.url, stdin=exported.stdout)
    assert moved.returncode == 0, moved.stderr
    again = _cli("export", "--store", neo4j_server.url)
    assert again.returncode == 0 and again.stdout == exported.stdout
    to_file = _cli("export", "-o", str(tmp_path / "neo4j.jsonl"), "--store", neo4j_server.url)
    assert to_file.returncode == 0, to_file.stderr
    assert _cli("load", str(tmp_path / "neo4j.jsonl"), "--store", back).returncode == 0
    assert (
        _cli("export", "--restrictions", "--store", back).stdout
        == _cli("export", "--restrictions", "--store", source).stdout
    )
