"""One call, one transaction (issue 10, items 21 and 22), on both stores.

An ``importRecords`` or ``recordEvent`` call is one load whose records fit one batch: if
anything fails while it is written — here the events' write, after the nodes and links were
sent — nothing of the call is stored. And a rejected record takes no part in checking the
others: its id and type are as if it had never been in the file."""

from __future__ import annotations

import json
from typing import Any

import pytest

from creditgraph.ingest.loader import load
from creditgraph.store.base import GraphStore
from helpers_import import USCC_A, enterprise, event, link, person


def _lines(records: list[dict[str, Any]]) -> list[tuple[str, int, str]]:
    return [("records", i + 1, json.dumps(r, ensure_ascii=False)) for i, r in enumerate(records)]


CALL = [
    enterprise(USCC_A, "上海某某贸易有限公司"),
    person("p:zhang-san-1", "张三"),
    link("LEGAL_REPRESENTATIVE", "p:zhang-san-1", USCC_A, "2016-01-01"),
    event("ev:1", "LICENSE_REVOKED", USCC_A, "2021-06-30", responsible=["p:zhang-san-1"]),
]


class _Crash(Exception):
    pass


def test_an_import_call_that_fails_while_writing_its_events_leaves_nothing_behind(
    any_store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: Any, **kwargs: Any) -> Any:
        raise _Crash("the process died while writing the events")

    monkeypatch.setattr(any_store, "_upsert_events", crash)
    version = any_store.data_version()

    with pytest.raises(_Crash):
        load(_lines(CALL), any_store, batch_size=len(CALL))  # as importRecords calls it

    assert any_store.node(USCC_A) is None
    assert any_store.node("p:zhang-san-1") is None
    assert any_store.links([USCC_A]) == []
    assert any_store.data_version() == version


def test_an_import_call_is_written_in_one_transaction(
    any_store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes: list[int] = []
    write = any_store.write

    def counted(batch: Any) -> Any:
        writes.append(len(batch))
        return write(batch)

    monkeypatch.setattr(any_store, "write", counted)

    result = load(_lines(CALL), any_store, batch_size=len(CALL))

    assert not result.errors and writes == [len(CALL)]
    assert [r.measure for r in any_store.restrictions(subject="p:zhang-san-1")]


def test_a_rejected_record_does_not_lend_its_type_to_an_id_defined_validly_elsewhere(
    any_store: GraphStore,
) -> None:
    records = [
        person("e:huaxin", ""),  # rejected (empty name): it must not make e:huaxin a person
        enterprise("e:huaxin", "上海华信贸易有限公司"),
        person("p:zhang-san-1", "张三"),
        link("DIRECTOR", "p:zhang-san-1", "e:huaxin", "2020-01-01"),
        enterprise("e:dingsheng", "上海鼎盛实业有限公司", status="bogus"),  # rejected
        person("e:dingsheng", "李四"),
        link("RELATIVE_OF", "p:zhang-san-1", "e:dingsheng", "2020-01-01"),
    ]

    result = load(_lines(records), any_store, skip_invalid=True)

    assert [(e.line, e.field) for e in result.errors] == [(1, "name"), (5, "status")]
    assert result.report.created["link"] == 2
    node = any_store.node("e:huaxin")
    assert node is not None and node.type == "enterprise"
    node = any_store.node("e:dingsheng")
    assert node is not None and node.type == "person"
