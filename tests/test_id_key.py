"""Moving a store keeps identity-number matching working, or says why it cannot."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from creditgraph.identity.keys import MissingIdKey
from creditgraph.ingest.loader import load
from creditgraph.schema import default_schema
from creditgraph.store.embedded import EmbeddedStore
from scenario import enterprise, lines, load_records, person

ID_NUMBER = "11010519491231002X"


def _exported_person(tmp_path: Path) -> list[dict]:
    source = EmbeddedStore(tmp_path / "source.db", default_schema(), id_key="source-key")
    try:
        load_records(source, [person("p:zhang", "张三", id_number=ID_NUMBER)])
        return [r for r in source.export() if r["type"] == "person"]
    finally:
        source.close()


def test_export_carries_the_protected_number_never_the_clear_one(tmp_path: Path) -> None:
    (record,) = _exported_person(tmp_path)
    assert "id_number" not in record
    assert record["id_number_masked"] == "110************02X"
    assert len(record["id_number_hash"]) == 64 and record["id_number_key"]


def test_protected_numbers_move_to_a_store_with_the_same_key_and_still_match(
    tmp_path: Path,
) -> None:
    exported = _exported_person(tmp_path)
    target = EmbeddedStore(tmp_path / "target.db", default_schema(), id_key="source-key")
    try:
        load_records(target, exported)
        load_records(target, [person("p:zhang-again", "张三", id_number=ID_NUMBER)])
        # the same number: the later id is an alias of the moved person
        (moved,) = target.nodes(["p:zhang", "p:zhang-again"]).values()
        assert (moved.id, moved.props["aliases"]) == ("p:zhang", ["p:zhang-again"])
    finally:
        target.close()


def test_protected_numbers_made_with_another_key_are_refused_with_the_fix(tmp_path: Path) -> None:
    exported = _exported_person(tmp_path)
    target = EmbeddedStore(tmp_path / "target.db", default_schema(), id_key="another-key")
    try:
        result = load(lines(exported), target)
        (error,) = result.errors
        assert error.field == "id_number_key"
        assert "CREDITGRAPH_ID_KEY" in error.reason
        assert target.stats(dt.date(2026, 11, 23))["nodes"] == {}
    finally:
        target.close()


def test_a_load_without_identity_numbers_never_stretches_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a day's file of changes names no number: the key's scrypt is a cost it need not pay
    store = EmbeddedStore(tmp_path / "s.db", default_schema(), id_key="the-key")
    asked: list[bytes] = []
    real = store.id_key
    monkeypatch.setattr(store, "id_key", lambda: asked.append(real()) or real())
    try:
        load_records(store, [person("p:li", "李四"), enterprise("e:a", "甲公司")])
        assert asked == []
        load_records(store, [person("p:zhang", "张三", id_number=ID_NUMBER)])
        assert len(asked) == 1  # asked once, when the first number needed it
        (stored,) = store.nodes(["p:zhang"]).values()
        assert stored.props["id_masked"] == "110************02X"
    finally:
        store.close()


def test_a_number_without_a_key_is_still_refused_with_the_fix(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "s.db", default_schema())
    try:
        with pytest.raises(MissingIdKey, match="CREDITGRAPH_ID_KEY"):
            load(lines([person("p:zhang", "张三", id_number=ID_NUMBER)]), store)
        assert load(lines([person("p:li", "李四")]), store).errors == []
    finally:
        store.close()


def test_an_export_loaded_without_a_key_stops_on_the_configuration_not_on_each_person(
    tmp_path: Path,
) -> None:
    # a store moved with export | load into a process given no key: one line naming the
    # variables (exit 1 at the CLI), not an error per person with an empty key fingerprint
    exported = _exported_person(tmp_path)
    target = EmbeddedStore(tmp_path / "target.db", default_schema())
    try:
        with pytest.raises(MissingIdKey, match="CREDITGRAPH_ID_KEY_FILE"):
            load(lines(exported), target)
        assert target.stats(dt.date(2026, 11, 23))["nodes"] == {}
    finally:
        target.close()
