"""Incremental maintenance is exact: it always equals a full recompute."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from creditgraph.schema import default_schema
from creditgraph.store.base import GraphStore
from creditgraph.store.embedded import EmbeddedStore
from scenario import (
    check,
    enterprise,
    event,
    link,
    load_records,
    person,
    restriction_snapshot,
    uscc,
    verdict,
)
from support.stores import Neo4jTestServer

E1, E2 = uscc("incremental one"), uscc("incremental two")


def test_back_filled_historical_link_reaches_the_legal_rep_of_an_earlier_revocation(
    any_store: GraphStore,
) -> None:
    load_records(
        any_store,
        [
            enterprise(E1, "某某贸易有限公司"),
            person("p:zhang", "张三"),
            event("ev:1", "LICENSE_REVOKED", E1, "2021-06-30", responsible=["p:zhang"]),
        ],
    )
    assert verdict(check(any_store, "p:zhang", "DIRECTOR", "2022-01-01")) == "ALLOW"
    result = load_records(
        any_store, [link("LEGAL_REPRESENTATIVE", "p:zhang", E1, "2016-01-01", "2021-12-31")]
    )
    assert result.report.restrictions > 0
    assert verdict(check(any_store, "p:zhang", "DIRECTOR", "2022-01-01")) == "DENY"


def test_corrected_end_date_showing_departure_before_revocation_lifts_the_bar(
    any_store: GraphStore,
) -> None:
    load_records(
        any_store,
        [
            enterprise(E1, "某某贸易有限公司"),
            person("p:zhang", "张三"),
            link("LEGAL_REPRESENTATIVE", "p:zhang", E1, "2016-01-01"),
            event("ev:1", "LICENSE_REVOKED", E1, "2021-06-30", responsible=["p:zhang"]),
        ],
    )
    assert verdict(check(any_store, "p:zhang", "DIRECTOR", "2022-01-01")) == "DENY"
    result = load_records(
        any_store, [link("LEGAL_REPRESENTATIVE", "p:zhang", E1, "2016-01-01", "2020-12-31")]
    )
    assert result.report.updated["link"] == 1
    assert verdict(check(any_store, "p:zhang", "DIRECTOR", "2022-01-01")) == "ALLOW"
    assert any_store.restrictions(subject="p:zhang") == []


def test_responsibility_established_later_turns_review_into_deny(any_store: GraphStore) -> None:
    base = [
        enterprise(E1, "某某贸易有限公司"),
        person("p:zhang", "张三"),
        link("LEGAL_REPRESENTATIVE", "p:zhang", E1, "2016-01-01"),
    ]
    load_records(any_store, [*base, event("ev:1", "LICENSE_REVOKED", E1, "2021-06-30")])
    assert verdict(check(any_store, "p:zhang", "DIRECTOR", "2022-01-01")) == "REVIEW"
    load_records(
        any_store, [event("ev:1", "LICENSE_REVOKED", E1, "2021-06-30", responsible=["p:zhang"])]
    )
    assert verdict(check(any_store, "p:zhang", "DIRECTOR", "2022-01-01")) == "DENY"


def test_enterprise_becoming_soe_creates_the_notification_duty(any_store: GraphStore) -> None:
    from scenario import agency

    load_records(
        any_store,
        [
            agency("g:sasac", "国资委"),
            enterprise(E1, "某某集团", kind="company"),
            link("SUPERIOR_OF", "g:sasac", E1, "2010-01-01"),
            event("ev:p", "ADMINISTRATIVE_PENALTY", E1, "2024-01-01", severity="minor"),
        ],
    )
    assert any_store.restrictions(subject="g:sasac") == []
    load_records(any_store, [enterprise(E1, "某某集团", kind="soe")])
    assert [r.measure for r in any_store.restrictions(subject="g:sasac")] == [
        "NOTIFY_SUPERIOR_AND_AUDIT"
    ]


# ---- property: any sequence of imports, maintained incrementally, equals a recompute ------------

PEOPLE = ("p:a", "p:b", "p:c")
ENTERPRISES = (E1, E2)
DAYS = [dt.date(2019, 1, 1) + dt.timedelta(days=d) for d in range(0, 6 * 365, 97)]
ROLE_RELS = ("LEGAL_REPRESENTATIVE", "PRINCIPAL", "ACTUAL_CONTROLLER", "DIRECTOR", "SUPERIOR_OF")


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


@st.composite
def link_records(draw: st.DrawFn) -> dict:
    start = draw(st.sampled_from([None, *DAYS]))
    end = draw(st.sampled_from([None, *DAYS]))
    if start and end and end < start:
        start, end = end, start
    rel = draw(st.sampled_from(ROLE_RELS[:4]))
    return link(
        rel,
        draw(st.sampled_from(PEOPLE)),
        draw(st.sampled_from(ENTERPRISES)),
        _iso(start),
        _iso(end),
    )


@st.composite
def event_records(draw: st.DrawFn) -> dict:
    number = draw(st.integers(0, 5))
    kind = draw(
        st.sampled_from(
            [
                "LICENSE_REVOKED",
                "CONSUMPTION_RESTRICTED",
                "SERIOUS_VIOLATION_LISTED",
                "JOINT_PUNISHMENT_LISTED",
            ]
        )
    )
    responsible = draw(st.sampled_from([None, [], ["p:a"], ["p:a", "p:b"]]))
    fields = {} if responsible is None else {"responsible": responsible}
    return event(
        f"ev:{number}",
        kind,
        E1 if number % 2 else E2,
        draw(st.sampled_from(DAYS)).isoformat(),
        **fields,
    )


@st.composite
def lift_records(draw: st.DrawFn) -> dict:
    target = draw(st.integers(0, 5))
    kind = draw(
        st.sampled_from(["CREDIT_REPAIRED", "DELISTED", "OBJECTION_UPHELD", "DECISION_REVOKED"])
    )
    return event(
        f"lift:{draw(st.integers(0, 3))}",
        kind,
        E1 if target % 2 else E2,
        draw(st.sampled_from(DAYS)).isoformat(),
        lifts=f"ev:{target}",
    )


def _base() -> list[dict]:
    return [
        *(person(p, "张三") for p in PEOPLE),
        enterprise(E1, "甲公司"),
        enterprise(E2, "乙公司", kind="soe"),
    ]


def _apply(store: GraphStore, records: list[dict], cuts: list[int]) -> None:
    load_records(store, _base())
    position = 0
    for size in cuts * 4:
        chunk = records[position : position + size]
        position += size
        if not chunk:
            break
        # a batch may be rejected (e.g. a lift whose target is not loaded yet, or an
        # event id reused with another subject): it then writes nothing at all
        load_records(store, chunk, skip_invalid=True)


SEQUENCES = (
    st.lists(st.one_of(link_records(), event_records(), lift_records()), min_size=1, max_size=12),
    st.lists(st.integers(1, 4), min_size=1, max_size=6),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(*SEQUENCES)
def test_incremental_maintenance_equals_full_recompute(
    records: list[dict], cuts: list[int]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = EmbeddedStore(Path(folder) / "s.db", default_schema(), id_key="k")
        try:
            _apply(store, records, cuts)
            incremental = restriction_snapshot(store)
            store.recompute()
            assert restriction_snapshot(store) == incremental
        finally:
            store.close()


@pytest.mark.neo4j
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(*SEQUENCES)
def test_neo4j_maintains_exactly_what_the_embedded_store_does(
    neo4j_server: Neo4jTestServer, records: list[dict], cuts: list[int]
) -> None:
    """Fewer examples than the embedded property (each costs a dozen Neo4j transactions)."""
    neo4j_server.empty()
    neo4j = neo4j_server.open()
    with tempfile.TemporaryDirectory() as folder:
        embedded = EmbeddedStore(Path(folder) / "s.db", default_schema(), id_key="k")
        try:
            _apply(embedded, records, cuts)
            _apply(neo4j, records, cuts)
            incremental = restriction_snapshot(neo4j)
            assert incremental == restriction_snapshot(embedded)
            neo4j.recompute()
            assert restriction_snapshot(neo4j) == incremental
        finally:
            embedded.close()
            neo4j.close()
