"""The benchmark suite's own rules: the identity key it gives its workers, and one table and
plot from runs made apart (the embedded store at M and L, Neo4j by someone else)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from benchmarks import report, run

from creditgraph.identity.keys import KEY_FILE_VARIABLE, KEY_VARIABLE, MissingIdKey
from creditgraph.store import open_store


def test_a_run_without_a_key_gives_its_workers_a_throwaway_one_and_the_product_still_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    monkeypatch.delenv(KEY_FILE_VARIABLE, raising=False)
    store = open_store(str(tmp_path / "before.db"))
    with pytest.raises(MissingIdKey):
        store.id_key()  # what the lead met: the suite failed at its first import
    store.close()

    said = run.throwaway_id_key()

    assert "throwaway" in said
    first = run.os.environ[KEY_VARIABLE]
    assert len(first) == 64
    monkeypatch.delenv(KEY_VARIABLE)
    run.throwaway_id_key()
    assert run.os.environ[KEY_VARIABLE] != first  # random per run, never a fixed secret


def test_a_key_the_caller_gave_is_the_one_the_workers_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_VARIABLE, "the-operators-own-key")
    assert run.throwaway_id_key() == "the caller's"
    assert run.os.environ[KEY_VARIABLE] == "the-operators-own-key"


def _results(store: str, sizes: dict[str, tuple[int, float, int]], load: float) -> dict[str, Any]:
    """A run's results.json as the runner writes it: per size (links, import s, peak RSS)."""
    machine = {
        "cpu": "AMD EPYC",
        "cores": 2,
        "cores_usable": 2,
        "memory_bytes": 24 * 2**30,
        "os": "Linux",
        "python": "3.11.7",
        "sqlite": "3.40.1",
        "filesystem": "ext4",
        "load_average": [load, load, load],
        "commit": "abc1234",
        "uncommitted_changes": False,
    }
    summary = {"nodes": {"person": 1}, "events": {"SANCTION": 1}, "bytes": 2**20}
    return {
        "command": f"python -m benchmarks.run --stores {store}",
        "started": "2026-12-03T13:00:00",
        "finished": "2026-12-03T14:00:00",
        "machine": machine,
        "sizes": {
            label: {
                "links": links,
                "generate": {
                    "seconds": 1.0,
                    "peak_rss_bytes": 2**20,
                    "summary": {**summary, "links": {"OFFICER": links}},
                },
            }
            for label, (links, _, _) in sizes.items()
        },
        "runs": {
            store: {
                label: {
                    "links": links,
                    "import": {
                        "seconds": seconds,
                        "peak_rss_bytes": rss,
                        "load_average": {"before": [load], "after": [load]},
                    },
                    "traversal": {"hubs": {"degrees": [915 if links < 5e6 else 2048]}},
                }
                for label, (links, seconds, rss) in sizes.items()
            }
        },
        "skipped": [],
    }


def test_runs_made_apart_become_one_table_with_the_growth_from_m_to_l(tmp_path: Path) -> None:
    embedded_m = tmp_path / "m.json"
    embedded_l = tmp_path / "l.json"
    neo4j = tmp_path / "neo4j.json"
    embedded_m.write_text(
        json.dumps(_results("embedded", {"M": (1_000_000, 40.0, 900 * 2**20)}, 1.0))
    )
    embedded_l.write_text(
        json.dumps(_results("embedded", {"L": (10_000_000, 500.0, 9_000 * 2**20)}, 12.0))
    )
    neo4j.write_text(json.dumps(_results("neo4j", {"M": (1_000_000, 150.0, 700 * 2**20)}, 3.0)))

    out = tmp_path / "combined"
    assert report.main([str(embedded_m), str(embedded_l), str(neo4j), "--out", str(out)]) == 0

    text = (out / "results.md").read_text(encoding="utf-8")
    assert "## embedded store" in text and "## neo4j store" in text
    assert "Growth M → L (links × 10.0), measured:" in text
    # import time ×12.5 for ×10 the links; the biggest hub's links grow too
    assert "| import: wall time (s) | 40.0 | 500.0 | 12.50 |" in text
    assert "| links of the biggest hub | 915 | 2,048 | 2.24 |" in text
    # L was measured: nothing is an estimate
    assert "estimated" not in text
    if importlib.util.find_spec("matplotlib") is not None:
        assert (out / "scaling.png").stat().st_size > 0


def test_a_size_measured_by_both_runs_is_taken_from_the_later_one(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text(json.dumps(_results("embedded", {"M": (1_000_000, 90.0, 2**30)}, 15.0)))
    second.write_text(json.dumps(_results("embedded", {"M": (1_000_000, 45.0, 2**30)}, 1.0)))

    combined = report.combine([first, second])

    assert combined["runs"]["embedded"]["M"]["import"]["seconds"] == 45.0
    assert " ; " in combined["command"]  # both commands kept: the table says where it came from


def test_the_changes_file_loads_after_its_registry_and_each_kind_of_change_lands(
    tmp_path: Path,
) -> None:
    """benchmarks.changes writes the incremental load the Neo4j pairs measure: it must be
    valid against the registry alone, the same bytes for the same seed, and really change
    what it says (ended offices, new directors, statuses, events)."""
    from benchmarks.changes import registry_changes

    from creditgraph.ingest.loader import load, read_lines
    from creditgraph.synth import generate

    registry = tmp_path / "registry.jsonl"
    generate(registry, "S", 11)
    changes, again = tmp_path / "changes.jsonl", tmp_path / "again.jsonl"
    assert registry_changes(registry, changes, count=200, seed=3) == 200
    registry_changes(registry, again, count=200, seed=3)
    assert changes.read_bytes() == again.read_bytes()
    records = [json.loads(line) for line in changes.read_text(encoding="utf-8").splitlines()]
    kinds = {
        "ended": [r for r in records if r["type"] == "link" and r.get("valid_to")],
        "appointed": [r for r in records if r["type"] == "link" and not r.get("valid_to")],
        "status": [r for r in records if r["type"] == "enterprise"],
        "events": [r for r in records if r["type"] == "event"],
    }
    assert {name: len(found) for name, found in kinds.items()} == {
        "ended": 80,
        "appointed": 50,
        "status": 40,
        "events": 30,
    }

    store = open_store(str(tmp_path / "store.db"))
    try:
        assert not load(read_lines([str(registry)]), store).errors
        before = {r["id"]: store.node(r["id"]) for r in kinds["status"]}
        result = load(read_lines([str(changes)]), store)
        assert not result.errors
        assert result.report.created["event"] == 30
        for record in kinds["status"]:
            node = store.node(record["id"])
            assert node is not None and node.props["status"] == record["status"]
            assert before[record["id"]].props.get("status", "active") != record["status"]
        ended = kinds["ended"][0]
        held = store.links([ended["from"]], rels=[ended["rel"]])
        assert any(
            link.dst == ended["to"]
            and link.valid_to is not None
            and str(link.valid_to) == ended["valid_to"]
            for link in held
        )
        for event in kinds["events"]:
            stored = store.event(event["id"])
            assert stored is not None and stored.subject == event["subject"]
    finally:
        store.close()


def test_the_second_http_server_gets_a_copy_of_an_embedded_store_removed_afterwards(
    tmp_path: Path,
) -> None:
    """Two servers on one store file would each sync the other's unsynced log pages, which
    is what the HTTP case compares: the server with the deferred sync runs on a copy."""
    from benchmarks import worker

    from creditgraph.store.base import AuditEntry

    path = str(tmp_path / "store.db")
    store = open_store(path)
    entry = AuditEntry("2026-12-04T08:00:00+00:00", "k", "approval", "checkAppointment",
                       ("p:1",), "bench")  # fmt: skip
    store.append_audit([entry])
    store.close()

    with worker._store_copy(path) as copy:
        assert copy != path
        copied = open_store(copy)
        try:
            assert copied.audit_entries(limit=10) == [entry]
            copied.append_audit([entry])  # the copy's writes are its own
        finally:
            copied.close()
        original = open_store(path)
        try:
            assert original.audit_entries(limit=10) == [entry]
        finally:
            original.close()
    assert sorted(p.name for p in tmp_path.iterdir() if "copy" in p.name) == []
    with worker._store_copy("bolt://127.0.0.1:7687") as url:
        assert url == "bolt://127.0.0.1:7687"


def test_the_changes_profile_splits_a_load_by_what_it_promises_and_loses_no_second() -> None:
    # benchmarks.neo4j_changes_profile: which of a load's seconds the hand-written import
    # also spends (the graph) and which it does not (reference check, derivation, outbox)
    from benchmarks.neo4j_changes_profile import PURPOSES, Profile, Statement

    def at(name: str, start: float, seconds: float, server_ms: int) -> Statement:
        return Statement(name, seconds, server_ms, 0, start + seconds)

    profile = Profile(
        seconds=2.0,
        statements=[
            at("queries/node_types", 0.0, 0.2, 150),  # two halves at once: 0.2 s of wall
            at("queries/node_types", 0.0, 0.2, 140),
            at("import/lock_writer", 0.3, 0.1, 5),
            at("import/links_update", 0.4, 0.2, 180),
            at("queries/adjacency_in", 0.6, 0.1, 60),  # derivation reads …
            at("propagation/restrictions_create", 0.7, 0.1, 90),
            at("import/bump_version", 0.8, 0.1, 1),
            at("queries/adjacency_out", 0.9, 0.2, 120),  # … and after the bump, the outbox's
            at("monitoring/records_insert", 1.1, 0.1, 70),
            at("COMMIT", 1.2, 0.4, 0),
        ],
    )
    parts = profile.purposes()
    assert list(parts) == list(PURPOSES)
    assert parts["reference check"] == pytest.approx((0.2, 0.29))
    assert parts["graph"] == pytest.approx((0.4, 0.186))
    assert parts["derivation"] == pytest.approx((0.2, 0.15))
    assert parts["outbox"] == pytest.approx((0.3, 0.19))
    assert parts["commit"][0] == pytest.approx(0.4)
    assert sum(client for client, _ in parts.values()) == pytest.approx(profile.seconds)
