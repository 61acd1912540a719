"""Store schema versions and migrations, on both stores (issue 10, item 11).

A store records the layout version it was written with; one from an older creditgraph is
refused with the command that upgrades it, one from a newer creditgraph is refused outright,
and ``migrate`` upgrades an older one keeping every record."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from creditgraph.ingest.loader import load
from creditgraph.migrations import CURRENT, SchemaVersionError
from creditgraph.schema import default_schema
from creditgraph.store.base import GraphStore, StoreError
from creditgraph.store.embedded import EmbeddedStore
from helpers_import import USCC_A, enterprise, event, link, person
from scenario import agency
from support.stores import TEST_ID_KEY, Neo4jTestServer

RECORDS = [
    enterprise(USCC_A, "上海某某贸易有限公司"),
    person("p:zhang-san-1", "张三"),
    link("LEGAL_REPRESENTATIVE", "p:zhang-san-1", USCC_A, "2016-01-01"),
    event("ev:1", "LICENSE_REVOKED", USCC_A, "2021-06-30", responsible=["p:zhang-san-1"]),
]

Reopen = Callable[..., GraphStore]
Versioned = tuple[GraphStore, Callable[[int | None], None], Reopen, str]


@pytest.fixture
def versioned(any_store: GraphStore, request: pytest.FixtureRequest) -> Versioned:
    """The store, how to fake its recorded version, how to open it again, and its address."""
    import json

    lines = [("r", i + 1, json.dumps(r, ensure_ascii=False)) for i, r in enumerate(RECORDS)]
    assert not load(lines, any_store).errors
    if isinstance(any_store, EmbeddedStore):
        path = any_store.path

        def set_version(version: int | None) -> None:
            conn = sqlite3.connect(path)
            with conn:
                conn.execute("DELETE FROM meta WHERE key = 'schema_version'")
                if version is not None:
                    conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(version),))
            conn.close()

        def reopen(**options: bool) -> GraphStore:
            return EmbeddedStore(path, default_schema(), id_key=TEST_ID_KEY, **options)

        return any_store, set_version, reopen, str(path)
    server: Neo4jTestServer = request.getfixturevalue("neo4j_server")
    return any_store, server.set_schema_version, server.open, server.url


def test_a_new_store_records_the_current_version(any_store: GraphStore) -> None:
    assert any_store.schema_version() == CURRENT


def test_a_store_from_before_versions_is_refused_with_the_migrate_command(
    versioned: Versioned,
) -> None:
    _, set_version, reopen, where = versioned
    set_version(None)

    with pytest.raises(SchemaVersionError) as refused:
        reopen()

    assert f"creditgraph migrate --store {where}" in str(refused.value)
    assert isinstance(refused.value, StoreError)  # the CLI's exit code 1


def test_migrate_brings_an_older_store_to_the_current_version_keeping_its_records(
    versioned: Versioned,
) -> None:
    store, set_version, reopen, _ = versioned
    before = list(store.export(restrictions=True))
    set_version(None)

    migrating = reopen(migrating=True)
    try:
        steps = migrating.migrate()
    finally:
        migrating.close()
    reopened = reopen()
    try:
        assert [s.split(":")[0] for s in steps] == [str(v) for v in range(1, CURRENT + 1)]
        assert reopened.schema_version() == CURRENT
        assert list(reopened.export(restrictions=True)) == before
        assert reopened.migrate() == []
    finally:
        reopened.close()


def test_a_store_from_a_newer_creditgraph_is_refused_even_for_migration(
    versioned: Versioned,
) -> None:
    _, set_version, reopen, _ = versioned
    set_version(CURRENT + 1)

    for options in ({}, {"migrating": True}):
        with pytest.raises(SchemaVersionError, match="written by a newer creditgraph"):
            reopen(**options)


def test_only_a_creating_open_makes_a_store_where_there_is_none(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no store there"):
        EmbeddedStore(tmp_path / "typo.db", default_schema(), create=False)
    assert not (tmp_path / "typo.db").exists()


@pytest.mark.neo4j
def test_an_empty_neo4j_database_is_not_a_store_unless_creating(
    neo4j_server: Neo4jTestServer,
) -> None:
    neo4j_server.empty()

    with pytest.raises(StoreError, match="no creditgraph store in this database"):
        neo4j_server.open(create=False)
    created = neo4j_server.open()
    try:
        assert created.schema_version() == CURRENT
    finally:
        created.close()


def test_new_embedded_stores_have_16_kib_pages_and_older_ones_keep_their_4_kib(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page size is fixed once a store holds anything: a store an older creditgraph made
    with SQLite's 4 KiB pages keeps them, opens, answers and takes writes as before; both
    fold their write-ahead log into the store every 64 MiB."""
    import json

    from creditgraph.store import embedded

    lines = [("r", i + 1, json.dumps(r, ensure_ascii=False)) for i, r in enumerate(RECORDS)]
    later = [("r2", 1, json.dumps(person("p:li-si-1", "李四"), ensure_ascii=False))]

    def opened(name: str) -> EmbeddedStore:
        return EmbeddedStore(tmp_path / name, default_schema(), id_key=TEST_ID_KEY)

    with monkeypatch.context() as before:
        before.setattr(embedded, "PAGE_BYTES", 4_096)  # what creditgraph made until now
        older = opened("older.db")
        assert not load(lines, older).errors
        older.close()
    new = opened("new.db")
    older = opened("older.db")
    try:
        assert not load(lines, new).errors
        assert not load(later, new).errors
        assert not load(later, older).errors  # writes go on in the older layout

        def pragma(store: EmbeddedStore, name: str) -> int:
            return int(store._conn.execute(f"PRAGMA {name}").fetchone()[0])

        assert pragma(new, "page_size") == 16_384
        assert pragma(older, "page_size") == 4_096
        assert pragma(new, "wal_autocheckpoint") * 16_384 == 64 * 2**20
        assert pragma(older, "wal_autocheckpoint") * 4_096 == 64 * 2**20
        assert list(older.export(restrictions=True)) == list(new.export(restrictions=True))
        assert older.node("p:li-si-1") == new.node("p:li-si-1") is not None
    finally:
        new.close()
        older.close()


def test_properties_an_older_creditgraph_wrote_with_json_dumps_still_read(
    tmp_path: Path,
) -> None:
    """Stores are read with orjson; what it refuses and Python's json.dumps once wrote (an
    integer over 64 bits, NaN) is read as before."""
    import json

    store = EmbeddedStore(tmp_path / "s.db", default_schema(), id_key=TEST_ID_KEY)
    try:
        lines = [("r", i + 1, json.dumps(r, ensure_ascii=False)) for i, r in enumerate(RECORDS)]
        assert not load(lines, store).errors
        written = {"registered_capital": 10**20, "score": float("nan"), "name_seen": "某某"}
        with store._writing() as conn:
            conn.execute(
                "UPDATE nodes SET props = ? WHERE id = ?",
                (json.dumps(written, ensure_ascii=False), USCC_A),
            )
        node = store.node(USCC_A)
        assert node is not None
        assert node.props["registered_capital"] == 10**20
        assert node.props["score"] != node.props["score"]  # NaN
        assert node.props["name_seen"] == "某某"
        restriction = store.restrictions(subject="p:zhang-san-1")[0]
        assert restriction.event_id == "ev:1"
    finally:
        store.close()


def test_migrating_an_embedded_store_moves_its_audit_log_beside_it(tmp_path: Path) -> None:
    """Version 5: the audit log leaves the store for a database of its own (STORE-audit),
    every entry kept in its order; a step interrupted after copying copies nothing twice."""
    import json

    from creditgraph.migrations import AUDIT_APART
    from creditgraph.store import embedded
    from creditgraph.store.base import AuditEntry

    path = tmp_path / "s.db"
    store = EmbeddedStore(path, default_schema(), id_key=TEST_ID_KEY)
    lines = [("r", i + 1, json.dumps(r, ensure_ascii=False)) for i, r in enumerate(RECORDS)]
    assert not load(lines, store).errors
    store.close()
    entries = [
        AuditEntry(f"2026-12-0{day}T10:00:00+00:00", "k", "approval", "checkAppointment",
                   (f"p:{day}",), "appointment review" if day % 2 else None)
        for day in range(1, 6)
    ]  # fmt: skip
    conn = sqlite3.connect(path)
    with conn:  # the store as version 4 laid it out: the log in the store
        conn.execute(
            "CREATE TABLE audit (id INTEGER PRIMARY KEY, at TEXT NOT NULL, principal TEXT "
            "NOT NULL, role TEXT NOT NULL, operation TEXT NOT NULL, ids TEXT NOT NULL, "
            "purpose TEXT)"
        )
        conn.executemany(
            "INSERT INTO audit (at, principal, role, operation, ids, purpose) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(e.at, e.principal, e.role, e.operation, json.dumps(e.ids), e.purpose)
             for e in entries],
        )  # fmt: skip
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (AUDIT_APART - 1,))
    conn.close()
    with pytest.raises(SchemaVersionError, match="creditgraph migrate"):
        EmbeddedStore(path, default_schema(), id_key=TEST_ID_KEY)

    # interrupted: the entries copied, the store's table not yet dropped
    real_drop = embedded._move_audit_apart

    class Interrupted(Exception):
        pass

    def copies_then_dies(c: sqlite3.Connection) -> None:
        c.execute("SAVEPOINT before_drop")
        real_drop(c)
        c.execute("ROLLBACK TO before_drop")  # the DROP undone, the copy (another file) kept
        raise Interrupted

    migrating = EmbeddedStore(path, default_schema(), id_key=TEST_ID_KEY, migrating=True)
    try:
        embedded._MIGRATIONS[AUDIT_APART] = copies_then_dies
        with pytest.raises(Interrupted):
            migrating.migrate()
    finally:
        embedded._MIGRATIONS[AUDIT_APART] = real_drop
    assert migrating.migrate()[0] == (
        f"{AUDIT_APART}: move the audit log into a database of its own beside the store "
        "(STORE-audit): the audit of every answer no longer makes the store's readers drop "
        "their page caches"
    )
    migrating.close()

    store = EmbeddedStore(path, default_schema(), id_key=TEST_ID_KEY)
    try:
        assert store.audit_entries(limit=10) == entries[::-1]  # newest first, none twice
        tables = {r[0] for r in store._conn.execute("SELECT name FROM sqlite_master")}
        assert "audit" not in tables
        store.append_audit(entries[:1])
        assert store.audit_entries(limit=1) == entries[:1]
    finally:
        store.close()


def test_notices_written_before_version_6_are_withdrawn_once_migrated(
    versioned: Versioned, request: pytest.FixtureRequest
) -> None:
    """Version 6 indexes each notice by the restriction it announces, and a write that lifts a
    restriction reads only those notices: the migration must index the notices already sent,
    or a lift would leave them PENDING, falling overdue."""
    from creditgraph.migrations import NOTICES_BY_RESTRICTION
    from creditgraph.monitoring.react import NOTICE, PENDING, WITHDRAWN

    store, set_version, reopen, _ = versioned
    records = [
        agency("g:bureau", "清远市某局"),
        agency("g:superior", "清远市人民政府"),
        link("SUPERIOR_OF", "g:superior", "g:bureau", "2020-01-01"),
        event("ev:p", "ADMINISTRATIVE_PENALTY", "g:bureau", "2026-05-01", severity="general"),
    ]
    lines = [("r", i + 1, json.dumps(r, ensure_ascii=False)) for i, r in enumerate(records)]
    assert not load(lines, store).errors
    (notice,) = store.monitor_records(NOTICE)
    assert notice.status == PENDING
    store.close()
    # the store as version 5 left it: notices without the restriction they announce
    if isinstance(store, EmbeddedStore):
        conn = sqlite3.connect(store.path)
        with conn:
            conn.execute("DROP INDEX monitor_by_restriction")
            conn.execute("ALTER TABLE monitor DROP COLUMN restriction")
        conn.close()
    else:
        server: Neo4jTestServer = request.getfixturevalue("neo4j_server")
        server.execute("MATCH (r:MonitorRecord) REMOVE r.restriction")
    set_version(NOTICES_BY_RESTRICTION - 1)

    migrating = reopen(migrating=True)
    try:
        assert [step.split(":")[0] for step in migrating.migrate()] == [str(NOTICES_BY_RESTRICTION)]
    finally:
        migrating.close()
    reopened = reopen()
    try:
        lift = event("ev:obj", "OBJECTION_UPHELD", "g:bureau", "2026-05-20", lifts="ev:p")
        assert not load([("r", 1, json.dumps(lift))], reopened).errors
        (withdrawn,) = reopened.monitor_records(NOTICE)
        assert withdrawn.id == notice.id and withdrawn.status == WITHDRAWN
    finally:
        reopened.close()
