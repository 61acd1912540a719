"""A first load into an empty embedded store writes its node and link batches without the
store's secondary indexes and makes them once at the end (store.embedded: _defer_indexes,
settle). Whatever happens, the store answers the same: the finished load has every index
and owes none, and a load that dies half-way leaves the batches it committed, answers
correctly from them, and is completed by running it again."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from creditgraph.ingest.loader import load, read_lines
from creditgraph.schema import default_schema
from creditgraph.store import embedded
from creditgraph.store.base import AuditEntry, Batch, WriteReport
from creditgraph.store.embedded import EmbeddedStore
from helpers_import import store_contents

KEY = "first-load-test-key"
DEFERRED = {"nodes_by_norm_name", "links_by_dst", "identity_keys_by_id"}
BATCH = 300  # a few node batches, many link batches, as a registry's first load has


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from creditgraph.synth import generate

    path = tmp_path_factory.mktemp("first-load") / "registry.jsonl"
    generate(str(path), 3_000, 17)
    return path


@pytest.fixture(autouse=True)
def small_bulk() -> Iterator[None]:
    # the threshold scaled down with the batches, so that a test-sized load takes the path
    with mock.patch.object(embedded, "BULK_MIN_ROWS", BATCH // 2):
        yield


def _open(path: Path) -> EmbeddedStore:
    return EmbeddedStore(path, default_schema(), id_key=KEY)


def _indexes(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    finally:
        conn.close()


def _owed(path: Path) -> bool:
    conn = sqlite3.connect(path)
    try:
        return (
            conn.execute("SELECT 1 FROM meta WHERE key = 'indexes_deferred'").fetchone() is not None
        )
    finally:
        conn.close()


def _reference(tmp_path: Path, registry: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The same load with every index kept throughout (the way before the deferral)."""
    with mock.patch.object(embedded, "BULK_MIN_ROWS", 10**9):
        store = _open(tmp_path / "reference.db")
        try:
            result = load(read_lines([str(registry)]), store, batch_size=BATCH)
        finally:
            store.close()
    assert not result.errors and result.report.restrictions > 0
    return store_contents(tmp_path / "reference.db")


def test_a_first_load_writes_without_the_indexes_and_ends_with_all_of_them(
    tmp_path: Path, registry: Path
) -> None:
    path = tmp_path / "store.db"
    store = _open(path)
    seen: list[tuple[str, bool, set[str]]] = []
    write = store.write

    def watched(batch: Batch) -> WriteReport:
        report = write(batch)
        kind = "events" if batch.events else "links" if batch.links else "nodes"
        seen.append((kind, _owed(path), _indexes(path) & DEFERRED))
        return report

    try:
        with mock.patch.object(store, "write", watched):
            result = load(read_lines([str(registry)]), store, batch_size=BATCH)
    finally:
        store.close()
    assert not result.errors
    # node and link batches went in while the indexes were owed; the events' batch (whose
    # derivation reads links by their target) found them made
    assert [kind for kind, owed, made in seen if owed and not made][:1] == ["nodes"]
    assert all(owed and not made for kind, owed, made in seen if kind != "events")
    events = [(owed, made) for kind, owed, made in seen if kind == "events"]
    assert events and all(state == (False, DEFERRED) for state in events)
    assert _indexes(path) >= DEFERRED and not _owed(path)
    assert store_contents(path) == _reference(tmp_path, registry)


def test_a_first_load_without_events_makes_its_indexes_when_its_batches_are_written(
    tmp_path: Path, registry: Path
) -> None:
    only_graph = tmp_path / "graph.jsonl"
    with registry.open(encoding="utf-8") as source, only_graph.open("w", encoding="utf-8") as out:
        out.writelines(line for line in source if '"type": "event"' not in line)
    store = _open(tmp_path / "store.db")
    try:
        result = load(read_lines([str(only_graph)]), store, batch_size=BATCH)
    finally:
        store.close()
    assert not result.errors and result.report.created["link"] > 1_000
    assert _indexes(tmp_path / "store.db") >= DEFERRED and not _owed(tmp_path / "store.db")


class _Killed(Exception):
    pass


def test_a_first_load_killed_among_its_link_batches_keeps_them_and_a_second_run_completes_it(
    tmp_path: Path, registry: Path
) -> None:
    path = tmp_path / "store.db"
    _killed_among_its_link_batches(path, registry)
    # what was committed is there and answers correctly without the indexes
    assert _owed(path) and not DEFERRED & _indexes(path)
    kept = store_contents(path)
    assert len(kept["links"]) == 2 * BATCH and kept["nodes"] and not kept["events"]
    store = _open(path)  # as the next process would
    try:
        some_link = kept["links"][-1]  # (src, rel, dst, valid_from, valid_to, share)
        into_dst = [link for link in kept["links"] if link[2] == some_link[2]]
        found = store.links([some_link[2]])
        assert sorted((ln.src, ln.rel, ln.dst) for ln in found) == sorted(
            (src, rel, dst) for src, rel, dst, *_ in into_dst
        )
        result = load(read_lines([str(registry)]), store, batch_size=BATCH)  # run it again
    finally:
        store.close()
    assert not result.errors
    assert _indexes(path) >= DEFERRED and not _owed(path)
    assert store_contents(path) == _reference(tmp_path, registry)


def _killed_among_its_link_batches(path: Path, registry: Path) -> None:
    """A first load of ``registry`` into ``path`` that dies at its third batch of links."""
    store = _open(path)
    writes: list[Batch] = []
    write = store.write

    def dies_at_the_third_link_batch(batch: Batch) -> WriteReport:
        if sum(1 for b in writes if b.links) == 2 and batch.links:
            raise _Killed("the load's process was killed")
        writes.append(batch)
        return write(batch)

    with mock.patch.object(store, "write", dies_at_the_third_link_batch), pytest.raises(_Killed):
        load(read_lines([str(registry)]), store, batch_size=BATCH)
    store.close()


def test_a_servers_audit_goes_on_while_a_killed_load_still_owes_its_indexes(
    tmp_path: Path, registry: Path
) -> None:
    # The audit log is a database beside the store: the event loop's commit (microseconds)
    # and the writer thread's both write at once; the indexes stay owed to the store's next
    # write, which makes them.
    path = tmp_path / "store.db"
    _killed_among_its_link_batches(path, registry)
    store = _open(path)
    first, second = (
        AuditEntry("2026-12-03T10:00:00+00:00", "k", "approval", "checkAppointment",
                   (person,), "appointment review")
        for person in ("p:1", "p:2")
    )  # fmt: skip
    try:
        assert store.append_audit_now([first])
        store.append_audit([second])
        assert store.audit_entries(limit=10) == [second, first]
        assert _owed(path)
        store.settle()
    finally:
        store.close()
    assert _indexes(path) >= DEFERRED and not _owed(path)


def test_a_small_first_load_keeps_its_indexes_throughout(tmp_path: Path) -> None:
    """An importRecords call or a small file: dropping and making the indexes would cost more
    than the inserts it saves."""
    path = tmp_path / "store.db"
    store = _open(path)
    lines = [
        ("call", 1, '{"type": "enterprise", "id": "e:1", "name": "上海某某贸易有限公司"}'),
        ("call", 2, '{"type": "person", "id": "p:1", "name": "张三"}'),
        ("call", 3, '{"type": "link", "rel": "DIRECTOR", "from": "p:1", "to": "e:1"}'),
    ]
    seen: list[set[str]] = []
    write = store.write

    def watched(batch: Batch) -> WriteReport:
        report = write(batch)
        seen.append(_indexes(path) & DEFERRED)
        return report

    try:
        with mock.patch.object(store, "write", watched):
            result = load(lines, store)
    finally:
        store.close()
    assert not result.errors
    assert seen == [DEFERRED] and not _owed(path)
