"""The Neo4j store gives the embedded store's answers, record for record.

The same records go into both stores, in the same batches; then every reading the
GraphStore interface offers — stats, restrictions, links as of a day, events, search,
export — must be identical, and so must the created/updated/unchanged counts of
every write. The data: a hand-made credit scenario touching every rule and every
kind of lift, the real registry sample (shared/data/registry_sample), and a small
synthetic registry.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from creditgraph.domain.model import Link, Node
from creditgraph.ingest.loader import load
from creditgraph.schema import default_schema
from creditgraph.store import StoreError
from creditgraph.store import neo4j as neo4j_module
from creditgraph.store.base import AuditEntry, Batch, GraphStore
from creditgraph.store.cypher import CypherLibrary
from creditgraph.store.embedded import EmbeddedStore
from creditgraph.store.neo4j import DEFERRABLE_INDEXES, Neo4jStore, _connection, _made_ahead
from scenario import enterprise, event, lines, link, person, restriction_snapshot, uscc
from store_datasets import DATASETS, E1, E2, E3, Record, credit_scenario, dataset
from support.stores import TEST_ID_KEY, Neo4jTestServer

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def both(tmp_path: Path, neo4j_store: GraphStore) -> Iterator[tuple[GraphStore, GraphStore]]:
    embedded = EmbeddedStore(tmp_path / "parity.db", default_schema(), id_key=TEST_ID_KEY)
    yield embedded, neo4j_store
    embedded.close()


def _load(store: GraphStore, records: list[Record], batch_size: int) -> dict[str, Any]:
    result = load(lines(records), store, batch_size=batch_size)
    assert not result.errors, result.errors[:5]
    r = result.report
    return {  # (a count of zero and no count are the same)
        "created": +r.created,
        "updated": +r.updated,
        "unchanged": +r.unchanged,
        "restrictions": r.restrictions,
        "events_rederived": r.events_rederived,
    }


def _link_key(link: Any) -> tuple[str, ...]:
    return (link.rel, link.src, link.dst, str(link.valid_from), str(link.valid_to), str(link.share))


def assert_same_answers(a: GraphStore, b: GraphStore) -> None:
    assert a.stats(TODAY) == b.stats(TODAY)
    assert [r.to_json(TODAY) for r in a.restrictions()] == [
        r.to_json(TODAY) for r in b.restrictions()
    ]
    assert a.events() == b.events()
    assert list(a.export(restrictions=True, today=TODAY)) == list(
        b.export(restrictions=True, today=TODAY)
    )
    records = list(a.export())
    ids = [r["id"] for r in records if r["type"] in ("enterprise", "person", "agency")]
    for day in (None, dt.date(2016, 1, 1), dt.date(2021, 6, 30), TODAY):
        for direction in ("both", "in", "out"):
            assert sorted(map(_link_key, a.links(ids, as_of=day, direction=direction))) == sorted(
                map(_link_key, b.links(ids, as_of=day, direction=direction))
            ), (day, direction)
        assert sorted(
            map(_link_key, a.links(ids[:7], rels=["LEGAL_REPRESENTATIVE", "SHAREHOLDER"]))
        ) == sorted(map(_link_key, b.links(ids[:7], rels=["LEGAL_REPRESENTATIVE", "SHAREHOLDER"])))
    for subject in ids[:40]:
        for day in (None, dt.date(2022, 1, 1), TODAY):
            assert a.restrictions(subject=subject, active_on=day) == b.restrictions(
                subject=subject, active_on=day
            )
        assert a.events(subject=subject) == b.events(subject=subject)
    assert a.restrictions(subjects=ids[:25]) == b.restrictions(subjects=ids[:25])
    assert a.events(subjects=ids[:25]) == b.events(subjects=ids[:25])
    assert a.nodes(ids[:50]) == b.nodes(ids[:50])
    assert a.node_types([*ids[:50], "ev:1", "nobody"]) == b.node_types(
        [*ids[:50], "ev:1", "nobody"]
    )
    names = [r["name"] for r in records if "name" in r][:15]
    for text in ["有限公司", "上海", "张", "abc", "", *(n[:2] for n in names), *ids[:3]]:
        for offset in (0, 3):
            assert [n.id for n in a.search(text, limit=10, offset=offset)] == [
                n.id for n in b.search(text, limit=10, offset=offset)
            ], text


@pytest.mark.neo4j
@pytest.mark.parametrize("name", DATASETS)
def test_same_records_give_the_same_answers_on_both_stores(
    name: str, tmp_path: Path, both: tuple[GraphStore, GraphStore]
) -> None:
    records = dataset(name, tmp_path)
    embedded, neo4j = both
    # small batches: what a later batch brings re-derives what earlier ones derived
    assert _load(embedded, records, 700) == _load(neo4j, records, 700)
    assert_same_answers(embedded, neo4j)
    assert embedded.recompute().restrictions == neo4j.recompute().restrictions
    assert_same_answers(embedded, neo4j)


@pytest.mark.neo4j
def test_changes_are_counted_and_maintained_alike(both: tuple[GraphStore, GraphStore]) -> None:
    embedded, neo4j = both
    records = credit_scenario()
    for store in both:
        _load(store, records, 1000)
    changes = [
        # a corrected end date: the legal rep left before the revocation
        link("LEGAL_REPRESENTATIVE", "p:zhang", E1, "2016-01-01", "2020-12-31"),
        # the same link again: unchanged
        link("DIRECTOR", "p:zhang", E2, "2019-01-01"),
        # a renamed person, an enterprise that became an SOE, a property dropped
        person("p:li", "李肆"),
        enterprise(E2, "上海另一貿易有限公司", kind="soe"),
        enterprise(E1, "上海某某贸易有限公司", status="revoked"),
        # responsibility established later; an objection to the repair's revocation
        event("ev:9", "LICENSE_REVOKED", E2, "2024-06-30", responsible=["p:wang"]),
        event("ev:o2", "OBJECTION_UPHELD", E2, "2025-01-01", lifts="ev:x"),
    ]
    assert _load(embedded, changes, 3) == _load(neo4j, changes, 3)
    assert_same_answers(embedded, neo4j)
    again = _load(embedded, changes, 50)
    assert again == _load(neo4j, changes, 50)
    assert not again["created"] and not again["updated"]


@pytest.mark.neo4j
def test_re_deriving_writes_only_the_restrictions_that_changed(neo4j_store: Neo4jStore) -> None:
    """A re-derived event whose restrictions come out as stored leaves them in place (Neo4j
    writes, and logs, nothing for them); one derived otherwise is replaced."""
    records = [
        enterprise(E1, "上海某某贸易有限公司"),
        person("p:zhang", "张三"),
        person("p:li", "李四"),
        link("LEGAL_REPRESENTATIVE", "p:zhang", E1, "2016-01-01"),
        link("DIRECTOR", "p:li", E1, "2017-01-01"),
        event("ev:r", "LICENSE_REVOKED", E1, "2021-06-30", responsible=["p:zhang", "p:li"]),
    ]
    _load(neo4j_store, records, 100)

    def stored() -> dict[str, tuple[str, str]]:
        rows = neo4j_store._read(
            "MATCH (r:Restriction) RETURN r.id AS id, r.subject AS subject, "
            "elementId(r) AS element, r.data AS data"
        )
        return {f"{row['subject']} {row['id']}": (row["element"], row["data"]) for row in rows}

    before = stored()
    # 李四 left the board after the revocation: ev:r is re-derived, its restrictions the same
    _load(neo4j_store, [link("DIRECTOR", "p:li", E1, "2017-01-01", "2022-12-31")], 100)
    assert stored() == before
    # 张三 had left before it: his bars go, the enterprise's own stays where it was
    _load(
        neo4j_store, [link("LEGAL_REPRESENTATIVE", "p:zhang", E1, "2016-01-01", "2020-12-31")], 100
    )
    after = stored()
    assert not [key for key in after if key.startswith("p:zhang ")]
    kept = {key: value for key, value in before.items() if key.startswith(f"{E1} ")}
    assert kept and {key: after[key] for key in kept} == kept


@pytest.mark.neo4j
def test_listing_many_debtors_reads_their_representatives_and_branches_a_level_at_a_time(
    both: tuple[GraphStore, GraphStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Thirty enterprises listed as dishonest debtors in one file: the consumption
    restriction reaches each legal representative, the listing each branch, and the
    removal notices read each representative's offices — on Neo4j in a few statements per
    level of the rules, not one per party (a batch of 3,200 changes took 185)."""
    import creditgraph.store.neo4j as neo4j_module

    registry: list[Record] = []
    listings: list[Record] = []
    for i in range(30):
        head, branch = uscc(f"head{i}"), uscc(f"branch{i}")
        registry += [
            enterprise(head, f"某某{i}贸易有限公司"),
            enterprise(branch, f"某某{i}贸易有限公司分公司"),
            person(f"p:rep{i}", f"法定代表人{i}"),
            link("LEGAL_REPRESENTATIVE", f"p:rep{i}", head, "2018-01-01"),
            link("BRANCH_OF", branch, head, "2019-01-01"),
            link("DIRECTOR", f"p:rep{i}", uscc(f"head{(i + 1) % 30}"), "2020-01-01"),
        ]
        listings.append(event(f"ev:{i}", "DISHONEST_DEBTOR_LISTED", head, "2026-01-10"))
    embedded, neo4j = both
    for store in both:
        _load(store, registry, 1000)
    statements: list[str] = []
    run = neo4j_module._CypherView._run

    def counted(view: Any, name: str, **params: Any) -> Any:
        statements.append(name)
        return run(view, name, **params)

    monkeypatch.setattr(neo4j_module._CypherView, "_run", counted)
    assert _load(embedded, listings, 1000) == _load(neo4j, listings, 1000)
    adjacency = [name for name in statements if "adjacency" in name]
    assert len(adjacency) <= 6, adjacency
    snapshot = restriction_snapshot(neo4j)
    assert snapshot == restriction_snapshot(embedded)
    reached = {r["subject"] for r in snapshot}
    assert {"p:rep0", "p:rep29", uscc("branch0"), uscc("branch29")} <= reached


@pytest.mark.neo4j
def test_audit_entries_read_back_newest_first_on_both_stores(
    both: tuple[GraphStore, GraphStore],
) -> None:
    entries = [
        AuditEntry("2026-11-23T08:00:00Z", f"key{i}", "investigator", "neighborhood", ids, None)
        for i, ids in enumerate([("p:zhang",), (), ("e:1", "e:2")])
    ] + [AuditEntry("2026-11-23T09:00:00Z", "k", "steward", "person", ("p:li",), "复核")]
    for store in both:
        store.append_audit(entries[:3])
        store.append_audit(entries[3:])
    a, b = both
    assert a.audit_entries(limit=10) == b.audit_entries(limit=10)
    assert a.audit_entries(limit=2, offset=1) == b.audit_entries(limit=2, offset=1)
    assert b.audit_entries(limit=1)[0].purpose == "复核"


@pytest.mark.neo4j
def test_data_version_changes_with_every_write_that_changes_data(neo4j_store: GraphStore) -> None:
    before = neo4j_store.data_version()
    _load(neo4j_store, credit_scenario()[:6], 100)
    after = neo4j_store.data_version()
    assert after != before
    _load(neo4j_store, credit_scenario()[:6], 100)  # nothing new
    assert neo4j_store.data_version() == after


@pytest.mark.neo4j
def test_id_key_is_never_kept_in_the_database_it_protects(neo4j_server: Neo4jTestServer) -> None:
    from creditgraph.identity.keys import MissingIdKey, derive_id_key

    neo4j_server.empty()
    unconfigured = Neo4jStore(neo4j_server.url, default_schema())
    configured = Neo4jStore(neo4j_server.url, default_schema(), id_key="from-settings")
    try:
        with pytest.raises(MissingIdKey, match="CREDITGRAPH_ID_KEY"):
            unconfigured.id_key()
        # stretched from the secret (scrypt), never the secret itself
        assert configured.id_key() == derive_id_key("from-settings") != b"from-settings"
    finally:
        for store in (unconfigured, configured):
            store.close()


@pytest.mark.neo4j
def test_constraints_and_indexes_are_created_once(neo4j_store: Neo4jStore) -> None:
    assert neo4j_store.ensure_schema() == []  # the fixture's connect created them all
    library = CypherLibrary(default_schema())
    wanted = {n for n, _ in library.statements("schema/constraints")}
    wanted |= {n for n, _ in library.statements("schema/indexes")}
    assert {"entity_id", "event_id", "restriction_id", "entity_norm_name"} <= wanted


@pytest.mark.neo4j
def test_a_link_to_a_missing_node_fails_the_whole_batch(neo4j_store: GraphStore) -> None:
    with pytest.raises(StoreError, match="refer to nodes that are not in the store"):
        neo4j_store.write(
            Batch(nodes=[Node("p:a", "person", "甲")], links=[Link("DIRECTOR", "p:a", E1)])
        )
    assert neo4j_store.node("p:a") is None  # one transaction: nothing was written


def _recording_writes(
    store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> list[tuple[int, int, int]]:
    """(nodes, links, events) of each write the store is given from now on."""
    written: list[tuple[int, int, int]] = []
    store_write = store.write

    def recording_write(batch: Any) -> Any:
        written.append((len(batch.nodes), len(batch.links), len(batch.events)))
        return store_write(batch)

    monkeypatch.setattr(store, "write", recording_write)
    return written


def _in_parts(total: int, size: int) -> list[int]:
    """The sizes of ``total`` records written ``size`` at a time."""
    return [size] * (total // size) + [total % size] * (total % size > 0)


@pytest.mark.neo4j
def test_a_large_load_gives_neo4j_its_events_in_small_transactions_and_derives_the_same(
    both: tuple[GraphStore, GraphStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    # At 9.8 million links, 50,000 events derived in one transaction went past Neo4j's
    # transaction memory (2.1 GiB of a 3 GiB heap); the store asks for fewer per write.
    embedded, neo4j = both
    assert isinstance(neo4j, Neo4jStore)
    assert neo4j.events_per_write == 2_000
    records = credit_scenario()
    events = sum(1 for r in records if r["type"] == "event")
    monkeypatch.setattr(neo4j, "events_per_write", 2)
    written = _recording_writes(neo4j, monkeypatch)
    # a load of several batches: its events come two at a time, in lifting order
    _load(embedded, records, 10)
    _load(neo4j, records, 10)
    event_batches = [e for n, k, e in written if e]
    assert event_batches == _in_parts(events, 2)
    assert all(n == 0 and k == 0 for n, k, e in written if e)
    assert_same_answers(embedded, neo4j)
    # a call that fits one batch (every importRecords) stays one transaction, whole or not
    written.clear()
    changes = [
        event("ev:9", "LICENSE_REVOKED", E2, "2024-06-30", responsible=["p:wang"]),
        event("ev:o2", "OBJECTION_UPHELD", E2, "2025-01-01", lifts="ev:x"),
        person("p:new", "新人"),
    ]
    _load(embedded, changes, 50)
    _load(neo4j, changes, 50)
    assert written == [(1, 0, 2)]
    assert_same_answers(embedded, neo4j)


@pytest.mark.neo4j
def test_a_large_load_gives_neo4j_its_nodes_and_links_in_smaller_writes_and_stores_the_same(
    both: tuple[GraphStore, GraphStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A first load's links went into Neo4j faster in writes of 10,000 than of 50,000: the
    # store asks for its nodes and links in smaller writes than the load's batch size (the
    # embedded store takes them whole), and stores the same.
    embedded, neo4j = both
    assert isinstance(neo4j, Neo4jStore)
    assert neo4j.rows_per_write == 10_000
    assert getattr(embedded, "rows_per_write", None) is None
    records = credit_scenario()
    nodes = sum(1 for r in records if r["type"] not in ("link", "event"))
    links = sum(1 for r in records if r["type"] == "link")
    monkeypatch.setattr(neo4j, "rows_per_write", 3)
    written = _recording_writes(neo4j, monkeypatch)
    _load(embedded, records, 10)
    _load(neo4j, records, 10)
    node_writes = [n for n, k, e in written if n]
    link_writes = [k for n, k, e in written if k]
    assert node_writes == _in_parts(nodes, 3)
    assert link_writes == _in_parts(links, 3)
    assert all(sum(1 for count in write if count) == 1 for write in written)  # one kind each
    assert_same_answers(embedded, neo4j)


@pytest.mark.neo4j
def test_a_batch_looks_up_what_is_stored_in_two_halves_at_once_and_writes_the_same(
    both: tuple[GraphStore, GraphStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A reload is nearly all lookups of what is stored: a batch of one kind reads half of
    # them in a session beside its transaction, so the server answers on two cores. Every
    # stored node and link must still be found (none created twice, none missed as changed).
    embedded, neo4j = both
    assert isinstance(neo4j, Neo4jStore)
    records = credit_scenario()
    monkeypatch.setattr(neo4j, "rows_per_write", 4)
    monkeypatch.setattr(neo4j, "lookup_split_min", 2)
    beside: list[str] = []
    by_text = {
        neo4j._cypher[name]: name for name in ("import/nodes_existing", "import/links_existing")
    }
    store_read = neo4j._read

    def recording_read(statement: str, /, *, on_leader: bool = False, **params: Any) -> Any:
        if on_leader and statement in by_text:
            beside.append(by_text[statement])
        return store_read(statement, on_leader=on_leader, **params)

    monkeypatch.setattr(neo4j, "_read", recording_read)
    _load(embedded, records, 10)
    _load(neo4j, records, 10)
    # the same file again, with a link ended and an enterprise renamed
    changed = [dict(r) for r in records]
    first_link = next(r for r in changed if r["type"] == "link" and not r.get("valid_to"))
    first_link["valid_to"] = "2025-12-31"
    first_enterprise = next(r for r in changed if r["type"] == "enterprise")
    first_enterprise["name"] += "（更名）"
    beside.clear()
    assert _load(neo4j, changed, 10) == _load(embedded, changed, 10)
    assert {"import/nodes_existing", "import/links_existing"} <= set(beside)
    assert_same_answers(embedded, neo4j)
    # once more, unchanged: every record is found as stored
    report = _load(neo4j, changed, 10)
    assert report["created"] == {} and report["updated"] == {}
    assert sum(report["unchanged"].values()) == len(changed)
    # a write of nodes and links together looks its links up after writing its nodes: in
    # its own transaction only, where the new nodes are seen
    beside.clear()
    together = [
        person("p:together", "同批"),
        link("DIRECTOR", "p:together", E1, "2024-01-01"),
        link("MANAGER", "p:together", E2, "2024-01-01"),
    ]
    assert _load(neo4j, together, 50) == _load(embedded, together, 50)
    assert beside == []
    assert_same_answers(embedded, neo4j)


@pytest.mark.neo4j
def test_a_profile_hears_every_statement_and_commit_and_long_id_lists_go_in_halves(
    both: tuple[GraphStore, GraphStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    # benchmarks.neo4j_changes_profile sets on_statement to see where a load's time goes; a
    # load's first question (what is each id it names?) is read in two halves at once when
    # long, and must answer as one statement does
    embedded, neo4j = both
    assert isinstance(neo4j, Neo4jStore)
    records = credit_scenario()
    _load(embedded, records, 1000)
    _load(neo4j, records, 1000)
    heard: list[tuple[str, float, Any, int]] = []
    neo4j.on_statement = lambda text, seconds, summary, rows: heard.append(
        (text, seconds, summary, rows)
    )
    monkeypatch.setattr(neo4j, "lookup_split_min", 4)
    ids = [r["id"] for r in records if "id" in r] + ["nobody", "ev:nowhere"]
    assert neo4j.node_types(ids) == embedded.node_types(ids)
    asked = [h for h in heard if h[0] == neo4j._cypher["queries/node_types"]]
    assert len(asked) == 2  # the two halves
    heard.clear()
    late = [event("ev:profiled", "LICENSE_REVOKED", E2, "2026-10-01", responsible=["p:zhang"])]
    assert _load(neo4j, late, 10) == _load(embedded, late, 10)
    texts = [h[0] for h in heard]
    assert texts.count("COMMIT") == 1
    assert neo4j._cypher["import/lock_writer"] in texts
    assert neo4j._cypher["propagation/restrictions_create"] in texts
    statements = [h for h in heard if h[0] != "COMMIT"]
    assert all(
        seconds >= 0 and summary.result_available_after is not None
        for _, seconds, summary, _ in statements
    )
    assert_same_answers(embedded, neo4j)


def _index_states(store: Neo4jStore) -> dict[str, str]:
    rows = store._read("SHOW INDEXES YIELD name, state RETURN name, state")
    return {row["name"]: row["state"] for row in rows}


def _index_names(store: Neo4jStore) -> set[str]:
    return set(_index_states(store))


@pytest.mark.neo4j
def test_a_first_load_makes_its_search_indexes_once_its_nodes_and_links_are_in(
    both: tuple[GraphStore, GraphStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Keeping the TEXT indexes while a first load's nodes went in cost half its node
    # batches' time; they are made once the nodes are in (Neo4j fills them while the links
    # go in), and every answer is the embedded store's.
    embedded, neo4j = both
    assert isinstance(neo4j, Neo4jStore)
    deferrable = set(DEFERRABLE_INDEXES)
    assert deferrable <= _index_names(neo4j)
    monkeypatch.setattr(neo4j, "bulk_min_rows", 5)  # the scenario's batches of 10 count as large
    seen: list[tuple[bool, bool, set[str]]] = []  # (events?, nodes?, indexes at the write)
    store_write = neo4j.write

    def watching_write(batch: Any) -> Any:
        report = store_write(batch)
        seen.append((bool(batch.events), bool(batch.nodes), _index_names(neo4j)))
        return report

    monkeypatch.setattr(neo4j, "write", watching_write)
    records = credit_scenario()
    _load(embedded, records, 10)
    _load(neo4j, records, 10)
    node_writes = [names for events, nodes, names in seen if nodes]
    link_writes = [names for events, nodes, names in seen if not (events or nodes)]
    event_writes = [names for events, nodes, names in seen if events]
    assert node_writes and link_writes and event_writes
    assert all(not (deferrable & names) for names in node_writes)  # written without them
    assert all(deferrable <= names for names in link_writes)  # made once the nodes were in
    assert all(deferrable <= names for names in event_writes)
    # and online once the load is over
    states = _index_states(neo4j)
    assert {states[name] for name in deferrable} == {"ONLINE"}
    assert deferrable <= _index_names(neo4j)
    assert_same_answers(embedded, neo4j)  # search included: the indexes are back and filled

    # a load into a store that holds a graph keeps them throughout
    seen.clear()
    _load(neo4j, [person(f"p:more{i}", f"新人{i}") for i in range(12)], 10)
    assert seen and all(deferrable <= names for _, _, names in seen)


@pytest.mark.neo4j
def test_a_registry_person_is_found_by_number_through_its_hash_alone(
    neo4j_store: GraphStore,
) -> None:
    # A number's hash is looked up through the id_hash index; the "|k|" string the TEXT index
    # answers CONTAINS on holds only the other keys (a published entry's blind indexes, alias
    # ids), so a registry person with a number and no alias carries no such string at all.
    numbered = person("p:numbered", "王芳", id_number="11010519491231002X")
    entry = person("lp:wang", "王芳", id_number_masked="110105********002X")
    # the same number twice: the second record becomes the first one's alias
    aliased = person("p:aliased", "李雷", id_number="110105198001010016")
    again = person("p:old-li", "李雷", id_number="110105198001010016")
    result = load(lines([numbered, entry, aliased, again]), neo4j_store)
    assert not result.errors, result.errors
    assert isinstance(neo4j_store, Neo4jStore)
    stored = {
        row["id"]: (row["hash"], row["keys"])
        for row in neo4j_store._read(
            "MATCH (n:Person) RETURN n.id AS id, n.id_hash AS hash, n.id_keys AS keys"
        )
    }
    number_hash = stored["p:numbered"][0]
    assert number_hash and stored["p:numbered"][1] is None
    assert stored["p:aliased"][1] == "|a:p:old-li|"
    assert stored["lp:wang"][1].startswith("|l:listed|b:")
    assert [n.id for n in neo4j_store.persons_by_identity(["h:" + number_hash])] == ["p:numbered"]
    assert [n.id for n in neo4j_store.persons_by_identity(["a:p:old-li"])] == ["p:aliased"]


def test_rows_made_ahead_come_in_order_and_a_failure_reaches_the_caller() -> None:
    # the next part's rows are made in a worker thread while the caller sends this part's
    made = list(_made_ahead(lambda start: list(range(start, start + 3)), range(0, 9, 3)))
    assert made == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]

    def fails_at_the_second(start: int) -> int:
        if start == 1:
            raise ValueError("a bad row")
        return start

    rows = _made_ahead(fails_at_the_second, range(3))
    assert next(rows) == 0
    with pytest.raises(ValueError, match="a bad row"):
        next(rows)


@pytest.mark.neo4j
def test_nodes_written_in_many_parts_keep_their_first_load_order_and_updates(
    neo4j_store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Parts of two rows (CHUNK), each built while the one before is sent: every node is
    # written once, numbered in id order across the parts, and a second batch's changes
    # (a rename, a new label) reach every part.
    monkeypatch.setattr(neo4j_module, "CHUNK", 2)
    persons = [Node(f"p:n{i}", "person", f"某{i}") for i in (4, 0, 3, 1, 2)]
    report = neo4j_store.write(Batch(nodes=persons))
    assert report.created["person"] == 5
    assert isinstance(neo4j_store, Neo4jStore)
    numbered = neo4j_store._read("MATCH (n:Person) RETURN n.id AS id ORDER BY n.seq")
    assert [row["id"] for row in numbered] == [f"p:n{i}" for i in range(5)]
    renamed = [Node(f"p:n{i}", "person", f"某某{i}") for i in range(5)]
    report = neo4j_store.write(Batch(nodes=renamed))
    assert (report.created["person"], report.updated["person"]) == (0, 5)
    found = neo4j_store.nodes([f"p:n{i}" for i in range(5)])
    assert sorted(node.name for node in found.values()) == [f"某某{i}" for i in range(5)]


@pytest.mark.neo4j
def test_the_drivers_debug_log_names_a_writes_rows_without_their_contents(
    neo4j_store: GraphStore, caplog: pytest.LogCaptureFixture
) -> None:
    # The driver formats each statement's parameters for its debug log: a batch's rows are
    # written there as their count, so an operator who turns the log on finds neither a
    # number's hash and blind indexes nor the cost of spelling out 50,000 rows.
    numbered = person("p:numbered", "王芳", id_number="11010519491231002X")
    with caplog.at_level(logging.DEBUG, logger="neo4j"):
        records = [numbered, enterprise(E1, "甲公司"), link("DIRECTOR", "p:numbered", E1)]
        result = load(lines(records), neo4j_store)
    assert not result.errors, result.errors
    stored = neo4j_store.node("p:numbered")
    assert stored is not None and stored.props["id_hash"]
    runs = [r.getMessage() for r in caplog.records if " C: RUN " in r.getMessage()]
    assert any("CREATE (n:Entity" in m for m in runs)
    assert any("<1 rows>" in m for m in runs)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert stored.props["id_hash"] not in logged
    assert not any(blind in logged for blind in stored.props["id_blind"].values())
    assert [(k.src, k.rel) for k in neo4j_store.links(["p:numbered"])] == [
        ("p:numbered", "DIRECTOR")
    ]


def _first_load_of_persons(
    store: GraphStore, monkeypatch: pytest.MonkeyPatch, min_rows: int
) -> list[Node]:
    """Three persons for an empty store that counts a batch of ``min_rows`` as a first load's."""
    assert isinstance(store, Neo4jStore)
    monkeypatch.setattr(store, "bulk_min_rows", min_rows)
    return [Node(f"p:n{i}", "person", f"某{i}") for i in range(3)]


@pytest.mark.neo4j
def test_a_first_load_still_finds_a_link_it_wrote_in_an_earlier_batch(
    neo4j_store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A first load looks for earlier copies only of links whose start already has a link
    # out; a link written by an earlier batch of the same load is updated, never doubled.
    nodes = _first_load_of_persons(neo4j_store, monkeypatch, 3)
    nodes.append(Node(E1, "enterprise", "甲公司"))
    first = [Link("DIRECTOR", f"p:n{i}", E1, dt.date(2020, 1, 1)) for i in range(2)]
    neo4j_store.write(Batch(nodes=nodes, links=first))
    assert neo4j_store._indexes_deferred  # the first batch of a first load
    again = [
        Link("DIRECTOR", "p:n0", E1, dt.date(2020, 1, 1), dt.date(2024, 1, 1)),  # ended
        Link("DIRECTOR", "p:n1", E1, dt.date(2020, 1, 1)),  # unchanged
        Link("SUPERVISOR", "p:n2", E1, dt.date(2021, 1, 1)),  # new, from a start without
    ]
    report = neo4j_store.write(Batch(links=again))
    assert (report.created["link"], report.updated["link"], report.unchanged["link"]) == (1, 1, 1)
    held = neo4j_store.links(["p:n0", "p:n1", "p:n2"])
    assert sorted((k.src, k.rel, str(k.valid_to)) for k in held) == [
        ("p:n0", "DIRECTOR", "2024-01-01"),
        ("p:n1", "DIRECTOR", "None"),
        ("p:n2", "SUPERVISOR", "None"),
    ]
    neo4j_store.settle()


@pytest.mark.neo4j
def test_a_first_load_finds_a_link_another_writer_wrote_between_its_batches(
    neo4j_server: Neo4jTestServer, neo4j_store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Between two batches of a first load, another process writes a link the load also
    # brings. The load knows only the links it wrote itself; seeing that the store changed
    # since its last batch, it looks the link up, and ends it rather than doubling it.
    nodes = _first_load_of_persons(neo4j_store, monkeypatch, 3)
    neo4j_store.write(Batch(nodes=[*nodes, Node(E1, "enterprise", "甲公司")]))
    assert neo4j_store._indexes_deferred
    other = neo4j_server.open()
    try:
        other.write(Batch(links=[Link("DIRECTOR", "p:n0", E1, dt.date(2020, 1, 1))]))
    finally:
        other.close()
    ended = Link("DIRECTOR", "p:n0", E1, dt.date(2020, 1, 1), dt.date(2024, 1, 1))
    report = neo4j_store.write(Batch(links=[ended, Link("DIRECTOR", "p:n1", E1)]))
    assert (report.created["link"], report.updated["link"]) == (1, 1)
    held = neo4j_store.links(["p:n0"])
    assert [(k.rel, k.valid_from, k.valid_to) for k in held] == [
        ("DIRECTOR", dt.date(2020, 1, 1), dt.date(2024, 1, 1))
    ]
    neo4j_store.settle()


@pytest.mark.neo4j
def test_a_node_a_first_load_brings_twice_is_updated_not_refused(
    neo4j_store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A first load creates its nodes without looking for stored ones; a node it brings a
    # second time (here: renamed) is caught by the id's constraint and the batch written
    # again the careful way — one node, the new name, counted as updated.
    nodes = _first_load_of_persons(neo4j_store, monkeypatch, 3)
    neo4j_store.write(Batch(nodes=nodes))
    assert neo4j_store._indexes_deferred
    renamed = Node("p:n1", "person", "某某")
    report = neo4j_store.write(Batch(nodes=[renamed, Node("p:n3", "person", "新")]))
    assert (report.created["person"], report.updated["person"]) == (1, 1)
    assert neo4j_store._indexes_deferred  # still a first load
    found = neo4j_store.nodes(["p:n0", "p:n1", "p:n3"])
    assert {node_id: node.name for node_id, node in found.items()} == {
        "p:n0": "某0",
        "p:n1": "某某",
        "p:n3": "新",
    }
    neo4j_store.settle()
    assert [n.id for n in neo4j_store.search("某某", limit=5)] == ["p:n1"]


@pytest.mark.neo4j
def test_a_first_load_that_fails_puts_its_search_indexes_back(
    neo4j_store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    nodes = _first_load_of_persons(neo4j_store, monkeypatch, 2)
    with pytest.raises(StoreError, match="refer to nodes that are not in the store"):
        neo4j_store.write(Batch(nodes=nodes, links=[Link("DIRECTOR", "p:n0", E1)]))
    assert neo4j_store.node("p:n0") is None  # nothing written, and no index left out:
    assert set(DEFERRABLE_INDEXES) <= _index_names(neo4j_store)


@pytest.mark.neo4j
def test_a_first_load_interrupted_with_ctrl_c_puts_its_search_indexes_back(
    neo4j_store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ctrl-C is no Exception: an operator stopping a long first load got its prompt back
    # with the search indexes still missing (until some later connection made them)
    assert isinstance(neo4j_store, Neo4jStore)
    nodes = _first_load_of_persons(neo4j_store, monkeypatch, 2)
    neo4j_store.write(Batch(nodes=nodes))  # the first batch: indexes deferred
    assert neo4j_store._indexes_deferred

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(neo4j_store, "_upsert_nodes", interrupted)
    more = [Node(f"p:m{i}", "person", f"某{i}") for i in range(3)]
    with pytest.raises(KeyboardInterrupt):  # during the second batch of nodes
        neo4j_store.write(Batch(nodes=more))
    assert set(DEFERRABLE_INDEXES) <= _index_names(neo4j_store)


@pytest.mark.neo4j
def test_indexes_a_stopped_first_load_left_out_are_made_by_the_next_connection(
    neo4j_server: Neo4jTestServer,
) -> None:
    neo4j_server.empty()
    store = neo4j_server.open()
    assert isinstance(store, Neo4jStore)
    store._defer_indexes()  # as a first load's first batch does; then the process dies
    assert not (set(DEFERRABLE_INDEXES) & _index_names(store))
    store.close()
    again = neo4j_server.open()
    try:
        assert isinstance(again, Neo4jStore)
        assert set(DEFERRABLE_INDEXES) <= _index_names(again)
        states = _index_states(again)
        assert {states[name] for name in DEFERRABLE_INDEXES} == {"ONLINE"}
    finally:
        again.close()


# ---- connection and statements, no server needed ----------------------------------------


def test_credentials_and_database_come_from_the_url_and_are_never_shown() -> None:
    target, auth, database, shown = _connection(
        "neo4j://reader:s%40cret@db.example:7687/credit", "env-user", "env-password"
    )
    assert (target, database, shown) == (
        "neo4j://db.example:7687",
        "credit",
        "neo4j://db.example:7687/credit",
    )
    assert (auth.principal, auth.credentials) == ("reader", "s@cret")
    _, auth, database, _ = _connection("bolt://localhost:7687", "neo4j", "pw")
    assert (auth.principal, auth.credentials, database) == ("neo4j", "pw", None)
    assert _connection("bolt://127.0.0.1:7687", None, None)[1] is None  # no auth at all
    # a user in the URL and the password in NEO4J_PASSWORD (kept out of the URL)
    _, auth, _, _ = _connection("bolt://reader@db.example:7687", "env-user", "env-password")
    assert (auth.principal, auth.credentials) == ("reader", "env-password")
    _, auth, _, _ = _connection("bolt://reader:@db.example:7687", "env-user", "env-password")
    assert (auth.principal, getattr(auth, "credentials", "")) == ("reader", "")  # given, empty


def test_unreachable_neo4j_is_an_operational_failure_with_exit_code_one() -> None:
    with pytest.raises(StoreError, match="unreachable"):
        Neo4jStore("bolt://127.0.0.1:9", default_schema())
    result = subprocess.run(
        [sys.executable, "-m", "creditgraph.cli", "stats", "--store", "bolt://u:pw@127.0.0.1:9"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "bolt://127.0.0.1:9" in result.stderr and "pw" not in result.stderr


def test_placeholders_take_only_names_declared_in_the_schema() -> None:
    library = CypherLibrary(default_schema())
    assert ":DIRECTOR]" in library.render("queries/stats_links_of_rel", rel="DIRECTOR")
    assert "(n:Person)" in library.render("queries/stats_nodes_of_label", label="Person")
    for bad in ("DIRECTOR]->() DETACH DELETE r //", "director", "Person"):
        with pytest.raises(ValueError, match="declared in graph_schema"):
            library.render("queries/stats_links_of_rel", rel=bad)
    with pytest.raises(KeyError):
        library["queries/stats_links_of_rel"]  # a template is never run unfilled
    # a list of link kinds (counted from a node's degrees): each one declared, none missing
    assert ":DIRECTOR|SHAREHOLDER]" in library.render(
        "traversal/ranked_links", rels=["DIRECTOR", "SHAREHOLDER"]
    )
    for bad_list in ([], ["DIRECTOR", "FRIEND_OF"], ["DIRECTOR]-() DETACH DELETE n //"]):
        with pytest.raises(ValueError, match="declared in graph_schema"):
            library.render("traversal/ranked_links", rels=bad_list)
    # fillings are kept, and a refused one stays refused beside a kept one equal to it
    assert "{1,1}" in library.render("traversal/shortest_paths", hops=1)
    for bad_hops in (True, 0, 11):
        with pytest.raises(ValueError, match="__HOPS__"):
            library.render("traversal/shortest_paths", hops=bad_hops)


def test_every_statement_the_store_names_is_a_file_in_cypher() -> None:
    import re

    source = Path(sys.modules[Neo4jStore.__module__].__file__ or "").read_text(encoding="utf-8")
    library = CypherLibrary(default_schema())
    named = set(re.findall(r'"((?:schema|import|queries|propagation|traversal)/[a-z_]+)"', source))
    assert len(named) > 30
    for name in named:
        assert (library.root / f"{name}.cypher").is_file(), name
    # and no Cypher is written inline
    assert not re.search(r'"\s*(MATCH|MERGE|CREATE|UNWIND|CALL|SHOW|RETURN)\b', source)


# ---- the command line against Neo4j ----------------------------------------------------


def _cli(store: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CREDITGRAPH_ID_KEY": TEST_ID_KEY, "CREDITGRAPH_TODAY": TODAY.isoformat()}
    return subprocess.run(
        [sys.executable, "-m", "creditgraph.cli", *args, "--store", store],
        capture_output=True,
        text=True,
        input=stdin,
        env=env,
        timeout=300,
    )


@pytest.mark.neo4j
@pytest.mark.slow
def test_every_command_works_against_neo4j_and_answers_as_the_embedded_store(
    tmp_path: Path, neo4j_server: Neo4jTestServer
) -> None:
    neo4j_server.empty()
    data = tmp_path / "records.jsonl"
    data.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in credit_scenario()),
        encoding="utf-8",
    )
    stores = {"embedded": str(tmp_path / "cli.db"), "neo4j": neo4j_server.url}
    outputs: dict[str, list[str]] = {}
    for kind, store in stores.items():
        init = _cli(store, "init")
        assert init.returncode == 0 and "store ready" in init.stdout, init.stderr
        loaded = _cli(store, "load", str(data))
        assert loaded.returncode == 0, loaded.stderr
        assert "restrictions derived:" in loaded.stdout
        results = [
            _cli(store, "check", "p:zhang", "--role", "DIRECTOR", "--on", "2022-01-01", "--json"),
            _cli(store, "check", "p:zhao", "--role", "MANAGER", "--on", "2024-02-01"),
            _cli(store, "eligibility", E3, "--activity", "GOV_PROCUREMENT", "--on", "2024-06-01"),
            _cli(store, "restrictions", "--json"),
            _cli(store, "restrictions", "--subject", "p:wang", "--on", "2025-01-01"),
            _cli(store, "stats", "--json"),
            _cli(store, "conflicts", "--on", "2022-01-01", "--json"),
            _cli(store, "recompute"),
            _cli(store, "export", "--restrictions"),
            _cli(store, "check", "p:nobody", "--role", "DIRECTOR"),
        ]
        assert [r.returncode for r in results] == [0] * 9 + [2], [r.stderr for r in results]
        texts = [r.stdout for r in results]
        decision = json.loads(texts[0])
        assert decision["decision"] == "DENY"
        decision.pop("data_version")
        texts[0] = json.dumps(decision)
        texts[7] = texts[7].split(" in ")[0]  # the recompute's duration differs
        outputs[kind] = texts
    assert outputs["embedded"] == outputs["neo4j"]
    assert json.loads(outputs["neo4j"][6])  # the directorship held while barred is a conflict


@pytest.mark.neo4j
def test_neo4j_user_and_password_from_the_environment_are_used(
    neo4j_server: Neo4jTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from creditgraph.settings import load_settings
    from creditgraph.store import open_store

    settings = load_settings(
        {"CREDITGRAPH_STORE": neo4j_server.url, "NEO4J_USER": "neo4j", "NEO4J_PASSWORD": "x"}
    )
    # the test server runs without authentication and accepts any credentials
    opened = open_store(settings=settings)
    try:
        assert isinstance(opened, Neo4jStore)
        assert opened.data_version()
    finally:
        opened.close()


@pytest.mark.neo4j
def test_a_subjects_own_record_is_the_same_on_both_stores_links_in_one_order(
    both: tuple[GraphStore, GraphStore],
) -> None:
    # 信用信息主体查询本人信息: the same JSON whichever store answers (Neo4j gave a party's
    # links in an order of its own)
    from creditgraph.subject_access import subject_record

    embedded, neo4j = both
    records = credit_scenario()
    _load(embedded, records, 1000)
    _load(neo4j, records, 1000)
    today = dt.date(2026, 6, 30)
    parties = [r["id"] for r in records if r["type"] in ("person", "enterprise", "agency")]
    with_links = 0
    for party in parties:
        mine = subject_record(embedded, party, today)
        theirs = subject_record(neo4j, party, today)
        mine.pop("data_version"), theirs.pop("data_version")
        assert mine == theirs, party
        with_links += len(mine["links"]) > 1
    assert with_links >= 3
