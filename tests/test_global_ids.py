"""One id names one object, whatever its type (Relay's global object identification, which
GraphQL's node(id:) serves): parties and events share the import id space and may not reuse
each other's ids, and ``r:`` is reserved for the restrictions the rules derive. Every case
runs on both stores (``any_store``), through ``creditgraph load`` (exit 2, ``file:line: id:
reason``) and the store's by-id reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from creditgraph.store.base import GraphStore
from helpers_import import (
    USCC_A,
    agency,
    enterprise,
    event,
    link,
    person,
    record_errors,
    write_jsonl,
)
from support.store_cli import StoreCli


@pytest.fixture
def store_cli(any_store: GraphStore, request: pytest.FixtureRequest, tmp_path: Path) -> StoreCli:
    return StoreCli.of(any_store, request, tmp_path)


REVOKED_CASE = [
    enterprise(USCC_A, "上海某某贸易有限公司"),
    person("p:zhang-san-1", "张三"),
    agency("g:sh-amr"),
    link("LEGAL_REPRESENTATIVE", "p:zhang-san-1", USCC_A, "2016-01-01", valid_to=None),
    event(
        "ev:1",
        "LICENSE_REVOKED",
        USCC_A,
        "2021-06-30",
        authority="g:sh-amr",
        responsible=["p:zhang-san-1"],
    ),
]


@pytest.mark.parametrize(
    "record",
    [
        enterprise("r:0123456789abcdef0123", "上海冒名有限公司"),
        person("r:zhang", "张三"),
        agency("r:amr", "某市场监督管理局"),
        event("r:ev-1", "ADMINISTRATIVE_PENALTY", USCC_A, "2021-01-05", severity="minor"),
    ],
    ids=["enterprise", "person", "agency", "event"],
)
def test_an_id_in_the_restrictions_prefix_is_refused_at_its_line(
    tmp_path: Path, store_cli: StoreCli, record: dict[str, object]
) -> None:
    data = write_jsonl(tmp_path / "in.jsonl", [enterprise(USCC_A), record])

    result = store_cli.load(data)

    assert result.exit_code == 2
    errors = record_errors(result)
    assert [(line, field) for _, line, field, _ in errors] == [(2, "id")]
    assert "reserved for derived restrictions" in errors[0][3]
    assert store_cli.stats()["nodes"] == {}


def test_an_event_reusing_a_stored_party_id_is_refused(tmp_path: Path, store_cli: StoreCli) -> None:
    assert store_cli.load(write_jsonl(tmp_path / "a.jsonl", REVOKED_CASE)).exit_code == 0
    clash = event("p:zhang-san-1", "ADMINISTRATIVE_PENALTY", USCC_A, "2022-01-05", severity="minor")

    result = store_cli.load(write_jsonl(tmp_path / "b.jsonl", [clash]))

    assert result.exit_code == 2
    errors = record_errors(result)
    assert [(line, field, reason) for _, line, field, reason in errors] == [
        (1, "id", "'p:zhang-san-1' is already a person in the store")
    ]
    assert store_cli.stats()["events"] == {"LICENSE_REVOKED": 1}


def test_a_party_reusing_a_stored_event_id_is_refused(tmp_path: Path, store_cli: StoreCli) -> None:
    assert store_cli.load(write_jsonl(tmp_path / "a.jsonl", REVOKED_CASE)).exit_code == 0

    result = store_cli.load(write_jsonl(tmp_path / "b.jsonl", [enterprise("ev:1", "上海同号")]))

    assert result.exit_code == 2
    errors = record_errors(result)
    assert [(line, field, reason) for _, line, field, reason in errors] == [
        (1, "id", "'ev:1' is already an event in the store")
    ]
    assert store_cli.stats()["nodes"] == {"agency": 1, "enterprise": 1, "person": 1}


def test_events_and_restrictions_are_read_by_id_in_one_call(
    tmp_path: Path, store_cli: StoreCli, any_store: GraphStore
) -> None:
    assert store_cli.load(write_jsonl(tmp_path / "a.jsonl", REVOKED_CASE)).exit_code == 0
    derived = any_store.restrictions()
    assert len(derived) >= 2  # the 公司法 第一百七十八条 bars on the legal representative
    by_id = any_store.restrictions_by_id([r.id for r in derived] + ["r:not-derived", "ev:1"])
    assert by_id == {r.id: r for r in derived}
    events = any_store.events_by_id(["ev:1", "ev:none", "p:zhang-san-1", derived[0].id])
    assert list(events) == ["ev:1"]
    assert events["ev:1"] == any_store.event("ev:1")
    assert any_store.restrictions_by_id([]) == {} and any_store.events_by_id([]) == {}
