"""The association queries give the same answers on both stores, now that each store
answers the traversals in its own way (the embedded store level by level over its
indexes, Neo4j in Cypher): neighbourhoods with and without hubs cut, every shortest path,
beneficial owners, exposure and interest conflicts, on every day asked about."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from creditgraph.ingest.loader import load
from creditgraph.schema import default_schema
from creditgraph.service import investigation as inv
from creditgraph.service.errors import ServiceError
from creditgraph.store.base import GraphStore, Link, TooWide, display_order, rel_ranks
from creditgraph.store.embedded import EmbeddedStore
from scenario import enterprise, lines, link, person
from store_datasets import dataset
from support.stores import TEST_ID_KEY

DAYS = (None, dt.date(2019, 6, 30), dt.date(2026, 11, 23))


@pytest.fixture
def both(tmp_path: Path, neo4j_store: GraphStore) -> Iterator[tuple[GraphStore, GraphStore]]:
    embedded = EmbeddedStore(tmp_path / "parity.db", default_schema(), id_key=TEST_ID_KEY)
    yield embedded, neo4j_store
    embedded.close()


def _given(store: GraphStore, records: list[dict[str, Any]]) -> None:
    result = load(lines(records), store)
    assert not result.errors, result.errors[:5]


def _answer(query: Any, store: GraphStore, *args: Any, **kwargs: Any) -> Any:
    """The answer, or the kind of error and its message: refusing alike is answering alike."""
    try:
        return query(store, *args, **kwargs)
    except ServiceError as exc:
        return (type(exc).__name__, str(exc))


@pytest.mark.neo4j
@pytest.mark.parametrize("name", ["credit-scenario", "synthetic-registry"])
def test_investigators_get_the_same_answers_from_both_stores(
    name: str, tmp_path: Path, both: tuple[GraphStore, GraphStore]
) -> None:
    records = dataset(name, tmp_path)
    embedded, neo4j = both
    _given(embedded, records)
    _given(neo4j, records)

    def same(query: Any, *args: Any, **kwargs: Any) -> None:
        expected = _answer(query, embedded, *args, **kwargs)
        assert _answer(query, neo4j, *args, **kwargs) == expected, (query.__name__, args, kwargs)

    rng = random.Random(5)
    parties = [r["id"] for r in records if r["type"] in ("enterprise", "person", "agency")]
    firms = [r["id"] for r in records if r["type"] == "enterprise"]
    agencies = [r["id"] for r in records if r["type"] == "agency"]
    roots = rng.sample(parties, min(25, len(parties)))
    for day in DAYS:
        on = day or dt.date(2026, 11, 23)
        for root in roots:
            for depth, limit in ((1, 50), (2, 3), (2, 50)):
                same(inv.neighborhood, root, depth=depth, as_of=day, per_node_limit=limit)
            same(inv.exposure, root, depth=2, as_of=on)
        for a, b in zip(roots, reversed(roots), strict=True):
            if a != b:
                same(inv.paths, a, b, max_hops=6, as_of=day, first=10)
                same(inv.paths, a, b, max_hops=3, as_of=day, first=2)
        for firm in rng.sample(firms, min(15, len(firms))):
            same(inv.beneficial_owners, firm, as_of=on)
        for agency in agencies[:10]:
            same(inv.interest_conflicts, agency=agency, as_of=on)


def _read(traversal: Any, *args: Any, **kwargs: Any) -> Any:
    """The links a breadth-first read gives, in one order, or that it was too wide."""
    try:
        found: list[Link] = traversal(*args, budget=inv.NO_DEADLINE, **kwargs)
    except TooWide as exc:
        return ("too wide", exc.parties)
    return sorted(found, key=lambda x: (x.rel, x.src, x.dst, str(x.valid_from)))


@pytest.mark.neo4j
@pytest.mark.parametrize("name", ["credit-scenario", "synthetic-registry"])
def test_exposure_and_ownership_read_the_same_links_at_every_depth_cap_and_day(
    name: str, tmp_path: Path, both: tuple[GraphStore, GraphStore]
) -> None:
    """What exposure and beneficial owners are computed from, read directly: Neo4j's one
    statement per search against the embedded store's level-by-level reads, with caps on
    either side of the number of parties reached (the refusal must come at the same count)."""
    records = dataset(name, tmp_path)
    embedded, neo4j = both
    _given(embedded, records)
    _given(neo4j, records)
    rng = random.Random(11)
    parties = [r["id"] for r in records if r["type"] in ("enterprise", "person", "agency")]
    firms = [r["id"] for r in records if r["type"] == "enterprise"]
    refused = answered = 0
    for day in DAYS:
        for root in rng.sample(parties, min(15, len(parties))):
            for depth in (0, 1, 2, 3):
                for cap in (1, 4, 12, 60, 5000):
                    expected = _read(
                        embedded.links_within, root, depth=depth, as_of=day, max_parties=cap
                    )
                    got = _read(neo4j.links_within, root, depth=depth, as_of=day, max_parties=cap)
                    assert got == expected, (root, depth, day, cap)
                    refused += isinstance(expected, tuple)
                    answered += bool(expected) and not isinstance(expected, tuple)
            narrowed = _read(
                neo4j.links_within, root, depth=2, rels=["SHAREHOLDER"], as_of=day, max_parties=60
            )
            assert narrowed == _read(
                embedded.links_within,
                root,
                depth=2,
                rels=["SHAREHOLDER"],
                as_of=day,
                max_parties=60,
            )
        for firm in rng.sample(firms, min(15, len(firms))):
            for levels in (1, 2, 10):
                for cap in (1, 2, 5, 5000):
                    kwargs: dict[str, Any] = {
                        "rels": ("SHAREHOLDER", "ACTUAL_CONTROLLER"),
                        "levels": levels,
                        "as_of": day,
                        "max_parties": cap,
                    }
                    expected = _read(embedded.ownership_links, firm, **kwargs)
                    assert _read(neo4j.ownership_links, firm, **kwargs) == expected, (
                        firm,
                        kwargs,
                    )
                    refused += isinstance(expected, tuple)
                    answered += bool(expected) and not isinstance(expected, tuple)
    # the comparison means something only if both outcomes were seen
    assert refused and answered, (refused, answered)


def _hub(store: GraphStore) -> None:
    firms = [f"e:f{i:03d}" for i in range(120)]
    records: list[dict[str, Any]] = [person("p:hub", "钱多多"), person("p:peer", "孙二")]
    records += [enterprise(f) for f in firms]
    for i, firm in enumerate(firms):
        # offices that still hold and ones that ended, of three kinds, some renewed
        rel = ("LEGAL_REPRESENTATIVE", "DIRECTOR", "SHAREHOLDER")[i % 3]
        ended = "2020-12-31" if i % 4 == 0 else None
        extra = {"share": 0.5} if rel == "SHAREHOLDER" else {}
        records.append(link(rel, "p:hub", firm, "2015-01-01", ended, **extra))
        if i % 10 == 0:
            records.append(link(rel, "p:hub", firm, "2022-01-01", None, **extra))
    records.append(link("RELATIVE_OF", "p:peer", "p:hub", None))
    _given(store, records)


def test_a_hubs_first_links_are_those_a_full_listing_would_show_first(
    any_store: GraphStore,
) -> None:
    _hub(any_store)
    ranks = rel_ranks(any_store.schema)
    for day in (None, dt.date(2019, 1, 1), dt.date(2023, 1, 1)):
        every = sorted(any_store.links(["p:hub"], as_of=day), key=display_order(ranks, "p:hub"))
        for limit in (1, 7, 40, 500):
            ranked = any_store.ranked_links(["p:hub", "p:peer"], as_of=day, limit=limit)
            assert ranked["p:hub"].total == len(every)
            assert ranked["p:hub"].links == every[:limit], (day, limit)
            assert ranked["p:peer"].total == 1
    # some kinds only (Neo4j counts them from the hub's degrees when no day is asked about)
    for rels in (["DIRECTOR"], ["RELATIVE_OF", "SHAREHOLDER"], []):
        every = sorted(any_store.links(["p:hub"], rels=rels), key=display_order(ranks, "p:hub"))
        ranked = any_store.ranked_links(["p:hub", "p:peer"], rels=rels, limit=5)
        assert ranked["p:hub"].total == len(every), rels
        assert ranked["p:hub"].links == every[:5], rels
        assert ranked["p:peer"].total == ("RELATIVE_OF" in rels)


def test_the_embedded_store_reads_a_hubs_shown_links_and_only_counts_the_rest(
    tmp_path: Path,
) -> None:
    store = EmbeddedStore(tmp_path / "hub.db", default_schema(), id_key=TEST_ID_KEY)
    _hub(store)
    statements: list[str] = []
    conn: sqlite3.Connection = store._conn
    conn.set_trace_callback(statements.append)
    hood = inv.neighborhood(store, "p:hub", depth=1, per_node_limit=10)
    conn.set_trace_callback(None)
    assert hood.truncated == [inv.Truncation("p:hub", 133, 10)]
    reads = [s for s in statements if "FROM links" in s]
    # every read of the hub's links is capped; the only uncapped one counts
    assert reads and all("LIMIT" in s or "count(*)" in s for s in reads), reads
    store.close()
