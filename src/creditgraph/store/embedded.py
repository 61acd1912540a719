"""The embedded store: SQLite (WAL) as the system of record and the traversal index.

Why SQLite and not a graph held in memory: every committed batch is durable the
moment ``write`` returns (WAL, synchronous=FULL), a ``kill -9`` leaves exactly the
committed batches, the store opens in milliseconds whatever its size, readers
(the API server) and a writer (a ``creditgraph load``) work at the same time, and
adjacency is a B-tree range scan on ``(src, rel)`` / ``(dst, rel)`` covering
indexes, so a traversal costs per node visited, not per graph size. networkx
is not needed at run time: investigation queries walk the store itself.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from operator import itemgetter
from pathlib import Path
from typing import Any

from creditgraph import migrations
from creditgraph.disk import sync_file
from creditgraph.domain.model import Event, Link, Node, Restriction, read_stored_json
from creditgraph.domain.names import normalise_names
from creditgraph.domain.pinyin import could_be_pinyin, key_text
from creditgraph.identity import identity_keys
from creditgraph.identity.keys import MISSING_KEY, MissingIdKey, derive_id_key, resolve_secret
from creditgraph.ingest.records import (
    event_to_record,
    link_to_record,
    node_to_record,
    props_json,
)
from creditgraph.monitoring.react import (
    NOTICE,
    OPEN_NOTICE,
    WATCH,
    announced,
    outbox_writes,
    react,
)
from creditgraph.rules.engine import derive
from creditgraph.rules.maintenance import ChangedLink, events_to_rederive
from creditgraph.schema import GraphSchema
from creditgraph.store.base import (
    BOTH,
    IN,
    OUT,
    AuditEntry,
    Batch,
    Budget,
    ConflictLinks,
    FoundPath,
    MonitorRecord,
    RankedLinks,
    StoreError,
    WriteReport,
    display_order,
    rel_ranks,
)
from creditgraph.traversal import levelwise

_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (
    id TEXT PRIMARY KEY, type TEXT NOT NULL, name TEXT NOT NULL, norm_name TEXT NOT NULL,
    props TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS nodes_by_norm_name ON nodes (norm_name);
CREATE TABLE IF NOT EXISTS links (
    src TEXT NOT NULL, rel TEXT NOT NULL, dst TEXT NOT NULL,
    valid_from TEXT NOT NULL,  -- '' when the start is unknown (NULLs would defeat the key)
    valid_to TEXT, share REAL,
    PRIMARY KEY (src, rel, dst, valid_from)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS links_by_dst ON links (dst, rel, src, valid_from, valid_to, share);
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, subject TEXT NOT NULL, date TEXT NOT NULL,
    lifts TEXT, props TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_subject ON events (subject);
CREATE INDEX IF NOT EXISTS events_by_lifts ON events (lifts) WHERE lifts IS NOT NULL;
CREATE TABLE IF NOT EXISTS restrictions (
    id TEXT PRIMARY KEY, subject TEXT NOT NULL, measure TEXT NOT NULL, rule TEXT NOT NULL,
    event_id TEXT NOT NULL, start TEXT NOT NULL, until TEXT, certainty TEXT NOT NULL,
    voided_by TEXT, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS restrictions_by_subject ON restrictions (subject);
CREATE INDEX IF NOT EXISTS restrictions_by_event ON restrictions (event_id);
CREATE TABLE IF NOT EXISTS monitor (
    kind TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL, version INTEGER NOT NULL,
    subject TEXT, status TEXT, due TEXT, data TEXT NOT NULL,
    restriction TEXT,
    PRIMARY KEY (kind, id)
);
CREATE INDEX IF NOT EXISTS monitor_by_seq ON monitor (kind, seq);
CREATE INDEX IF NOT EXISTS monitor_by_subject ON monitor (kind, subject);
CREATE INDEX IF NOT EXISTS monitor_by_status ON monitor (kind, status, seq);
CREATE TABLE IF NOT EXISTS identity_keys (
    key TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (key, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS identity_keys_by_id ON identity_keys (id);
CREATE TABLE IF NOT EXISTS name_keys (id TEXT PRIMARY KEY, keys TEXT NOT NULL) WITHOUT ROWID;
"""
# The audit log is a database of its own beside the store (STORE-audit): a commit to the
# store makes every other connection to it drop its page cache at its next read, and the
# audit of every answer a server gives would do that to the very next check (measured at
# M: 192-207 µs of CPU an audited check against 73-90 with the log apart). Apart, the
# audit commits also no longer wait behind a load's batches, nor a load behind them.
_AUDIT_DDL = """
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, principal TEXT NOT NULL, role TEXT NOT NULL,
    operation TEXT NOT NULL, ids TEXT NOT NULL, purpose TEXT
);
"""
AUDIT_PAGE_BYTES = 4_096  # a commit writes whole pages to the log: the entries are small

_LINK_COLUMNS = "rel, src, dst, valid_from, valid_to, share"


def _statements(script: str) -> list[str]:
    return [part.strip() for part in script.split(";") if part.strip()]


# A first load into an empty store writes its node and link batches without these secondary
# indexes and makes them once at the end: one sort and a B-tree built bottom-up instead of
# random inserts all over the index in every batch (about half the node and link writing
# time at size M). Reads stay correct without them, only slower; the meta row says they
# are still to be made, so a load that dies leaves that to the next write (see _writing).
_DEFERRABLE = ("nodes_by_norm_name", "links_by_dst", "identity_keys_by_id")
_DEFERRED_INDEXES = {
    name: statement
    for statement in _statements(_DDL)
    for name in _DEFERRABLE
    if statement.startswith(f"CREATE INDEX IF NOT EXISTS {name} ")
}
BULK_MIN_ROWS = 10_000  # below this, dropping and making the indexes costs more than it saves
# The write-ahead log: folded into the store once it holds this many pages (see _connect), and
# cut back to this size when it starts over.
PAGE_BYTES = 16_384
WAL_AUTOCHECKPOINT_BYTES = 64 * 2**20
WAL_LIMIT_BYTES = 64 * 2**20


class _WouldWait(Exception):
    """An audit commit asked not to wait (``_audit_writer(now=True)``) found another
    thread's or process's under way."""


def _lay_out_version_1(conn: sqlite3.Connection) -> None:
    """record the schema version; create the tables and indexes missing from stores
    written before versions were recorded"""
    for statement in _statements(_DDL):
        conn.execute(statement)
    conn.execute("INSERT OR IGNORE INTO meta VALUES ('version', '0')")


def _index_identity_keys(conn: sqlite3.Connection) -> None:
    """index the identity keys of the persons already stored (stores written before persons
    were found by identity number)"""
    for statement in _statements(_DDL):
        conn.execute(statement)  # the identity_keys table
    if conn.execute("SELECT 1 FROM meta WHERE key = 'identity_keys'").fetchone() is None:
        rows = conn.execute(
            "SELECT id, type, name, norm_name, props FROM nodes WHERE type = 'person'"
        ).fetchall()
        _index_identity(conn, rows)
        conn.execute("INSERT INTO meta VALUES ('identity_keys', '1')")


def _lay_out_monitoring(conn: sqlite3.Connection) -> None:
    """create the monitoring outbox (changes, alerts, notices, watches, feedback)"""
    for statement in _statements(_DDL):
        conn.execute(statement)  # the monitor table and its indexes


def _index_pinyin_names(conn: sqlite3.Connection) -> None:
    """index the pinyin keys of the names already stored (search by initials: hxkj)"""
    for statement in _statements(_DDL):
        conn.execute(statement)  # the name_keys table
    conn.execute("DELETE FROM name_keys")  # a resumed step starts over
    rows = conn.execute("SELECT id, type, name, norm_name FROM nodes")
    while chunk := rows.fetchmany(10_000):
        _index_names(conn, chunk, fresh=True)


# (not in _DDL: the earlier steps lay that out on stores whose monitor table has no such column)
_NOTICES_BY_RESTRICTION = (
    "CREATE INDEX IF NOT EXISTS monitor_by_restriction ON monitor (restriction) "
    "WHERE restriction IS NOT NULL"
)


def _index_notices_by_restriction(conn: sqlite3.Connection) -> None:
    """index the notices by the restriction they announce: a write that lifts a restriction
    reads only the notices announcing it, not every open one"""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(monitor)")}
    if "restriction" not in columns:
        conn.execute("ALTER TABLE monitor ADD COLUMN restriction TEXT")
    conn.execute(
        "UPDATE monitor SET restriction = json_extract(data, '$.restriction.id') "
        "WHERE kind = ? AND restriction IS NULL",
        (NOTICE,),
    )
    conn.execute(_NOTICES_BY_RESTRICTION)


def _move_audit_apart(conn: sqlite3.Connection) -> None:
    """move the audit log into a database of its own beside the store (STORE-audit): the
    audit of every answer no longer makes the store's readers drop their page caches"""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'audit'").fetchone() is None:
        return
    path = Path(conn.execute("PRAGMA database_list").fetchone()[2])
    rows = conn.execute(
        "SELECT id, at, principal, role, operation, ids, purpose FROM audit ORDER BY id"
    ).fetchall()
    apart = _open_audit_database(audit_database_path(path), timeout=30.0)
    try:
        apart.execute("BEGIN IMMEDIATE")
        # the same ids: a step interrupted after this commit copies nothing twice
        apart.executemany("INSERT OR IGNORE INTO audit VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        apart.execute("COMMIT")
    finally:
        apart.close()
    conn.execute("DROP TABLE audit")


# the step producing each version (see creditgraph.migrations)
_MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _lay_out_version_1,
    2: _index_identity_keys,
    3: _lay_out_monitoring,
    migrations.PINYIN_NAME_KEYS: _index_pinyin_names,
    migrations.AUDIT_APART: _move_audit_apart,
    migrations.NOTICES_BY_RESTRICTION: _index_notices_by_restriction,
}


def audit_database_path(store_path: Path) -> Path:
    """Where the embedded store at ``store_path`` keeps its audit log."""
    return store_path.with_name(store_path.name + "-audit")


# Every file an embedded store keeps beside its path: SQLite's journal files, the audit log's
# database (audit_database_path) with its own, and the lock the audit's writers take turns on.
STORE_FILE_SUFFIXES = (
    "",
    "-wal",
    "-shm",
    "-journal",
    "-audit",
    "-audit-wal",
    "-audit-shm",
    "-audit.lock",
)


def remove_store_files(path: str | Path) -> None:
    """Remove the embedded store at ``path`` and every file it keeps beside it."""
    for suffix in STORE_FILE_SUFFIXES:
        with suppress(FileNotFoundError):
            os.remove(f"{path}{suffix}")


def _open_wal(path: Path, *, page_bytes: int, timeout: float) -> sqlite3.Connection:
    """A connection to the SQLite database at ``path`` in WAL mode, every commit synced
    (FULL); ``page_bytes`` is the page size of a new file (a file that holds anything keeps
    its own); ``timeout``: how long a write waits for another process's writer."""
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=timeout)
    conn.execute(f"PRAGMA page_size = {page_bytes}")
    if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        conn.execute("PRAGMA journal_mode = WAL")
    # the WAL file is cut back to this size whenever a checkpoint resets it
    conn.execute(f"PRAGMA journal_size_limit = {WAL_LIMIT_BYTES}")
    conn.execute("PRAGMA synchronous = FULL")
    return conn


def _open_audit_database(path: Path, *, timeout: float) -> sqlite3.Connection:
    conn = _open_wal(path, page_bytes=AUDIT_PAGE_BYTES, timeout=timeout)
    for statement in _statements(_AUDIT_DDL):
        conn.execute(statement)
    return conn


# While the store holds events (or a batch brings some), maintenance must know which nodes
# and links a batch really created or changed: per-connection triggers record them, inside
# SQLite, so a batch needs no read-compare round trip (unchanged rows are filtered by the
# upserts' WHERE clauses). Otherwise — a first load, say — nothing can need re-deriving and
# the triggers are dropped: their mere presence makes every upsert dearer (about 1.6x), and
# the counts come from the statements' row counts instead (see _upsert_nodes).
_CHANGE_TRACKING = """
CREATE TEMP TABLE IF NOT EXISTS touched_nodes (id TEXT, type TEXT, created INTEGER, named INTEGER);
CREATE TEMP TABLE IF NOT EXISTS touched_links (src TEXT, rel TEXT, dst TEXT, created INTEGER);
"""
_TRACKING_TRIGGERS = {
    "nodes_inserted": "CREATE TEMP TRIGGER nodes_inserted AFTER INSERT ON main.nodes "
    "BEGIN INSERT INTO touched_nodes VALUES (NEW.id, NEW.type, 1, 1); END",
    "nodes_updated": "CREATE TEMP TRIGGER nodes_updated AFTER UPDATE ON main.nodes "
    "BEGIN INSERT INTO touched_nodes "
    "VALUES (NEW.id, NEW.type, 0, NEW.norm_name IS NOT OLD.norm_name); END",
    "links_inserted": "CREATE TEMP TRIGGER links_inserted AFTER INSERT ON main.links "
    "BEGIN INSERT INTO touched_links VALUES (NEW.src, NEW.rel, NEW.dst, 1); END",
    "links_updated": "CREATE TEMP TRIGGER links_updated AFTER UPDATE ON main.links "
    "BEGIN INSERT INTO touched_links VALUES (NEW.src, NEW.rel, NEW.dst, 0); END",
}
# rows: (id, type, name, norm_name, props) and (src, rel, dst, valid_from, valid_to, share)
_NODE_UPSERT = (
    "INSERT INTO nodes (id, type, name, norm_name, props) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET type = excluded.type, name = excluded.name, "
    "norm_name = excluded.norm_name, props = excluded.props "
    "WHERE nodes.type IS NOT excluded.type OR nodes.name IS NOT excluded.name "
    "OR nodes.props IS NOT excluded.props"
)
_NODE_INSERT = (
    "INSERT OR IGNORE INTO nodes (id, type, name, norm_name, props) VALUES (?, ?, ?, ?, ?)"
)
_NODE_UPDATE = (  # what the upsert's DO UPDATE does, for rows already there
    "UPDATE nodes SET type = ?2, name = ?3, norm_name = ?4, props = ?5 WHERE id = ?1 "
    "AND (type IS NOT ?2 OR name IS NOT ?3 OR props IS NOT ?5)"
)
_LINK_UPSERT = (
    "INSERT INTO links (src, rel, dst, valid_from, valid_to, share) VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (src, rel, dst, valid_from) DO UPDATE SET valid_to = excluded.valid_to, "
    "share = excluded.share "
    "WHERE links.valid_to IS NOT excluded.valid_to OR links.share IS NOT excluded.share"
)
_LINK_INSERT = (
    "INSERT OR IGNORE INTO links (src, rel, dst, valid_from, valid_to, share) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
_LINK_UPDATE = (
    "UPDATE links SET valid_to = ?5, share = ?6 "
    "WHERE src = ?1 AND rel = ?2 AND dst = ?3 AND valid_from = ?4 "
    "AND (valid_to IS NOT ?5 OR share IS NOT ?6)"
)


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _link(row: Sequence[Any]) -> Link:
    rel, src, dst, valid_from, valid_to, share = row
    return Link(rel, src, dst, _day(valid_from), _day(valid_to), share)


def _node(row: Sequence[Any]) -> Node:
    node_id, node_type, name, props = row
    return Node(node_id, node_type, name, read_stored_json(props))


def _event(row: Sequence[Any]) -> Event:
    event_id, kind, subject, date, props = row
    return Event(event_id, kind, subject, dt.date.fromisoformat(date), read_stored_json(props))


def _restriction_row(r: Restriction) -> tuple[Any, ...]:
    return (
        r.id,
        r.subject,
        r.measure,
        r.rule,
        r.event_id,
        r.start.isoformat(),
        r.until.isoformat() if r.until else None,
        r.certainty.value,
        r.voided_by,
        r.to_stored_json(),
    )


def _json(value: Mapping[str, Any]) -> str:
    return props_json(value)  # orjson, keys sorted: the loader's rows hold the same text


class _SqlView:
    """The graph as one SQLite connection sees it (inside a write: including its own changes)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def node(self, node_id: str) -> Node | None:
        row = self._conn.execute(
            "SELECT id, type, name, props FROM nodes WHERE id = ?", (node_id,)
        ).fetchone()
        return _node(row) if row else None

    def links_of(self, node_id: str, rels: frozenset[str], direction: str) -> list[Link]:
        column = "dst" if direction == IN else "src"
        marks = ",".join("?" * len(rels))
        rows = self._conn.execute(
            f"SELECT {_LINK_COLUMNS} FROM links WHERE {column} = ? AND rel IN ({marks})",
            (node_id, *sorted(rels)),
        ).fetchall()
        return [_link(row) for row in rows]

    def event(self, event_id: str) -> Event | None:
        row = self._conn.execute(
            "SELECT id, kind, subject, date, props FROM events WHERE id = ?", (event_id,)
        ).fetchone()
        return _event(row) if row else None

    def lifting_events(self, event_id: str) -> list[Event]:
        rows = self._conn.execute(
            "SELECT id, kind, subject, date, props FROM events WHERE lifts = ? ORDER BY id",
            (event_id,),
        ).fetchall()
        return [_event(row) for row in rows]

    def events_on(self, subject_ids: Iterable[str]) -> set[str]:
        if self._conn.execute("SELECT 1 FROM events LIMIT 1").fetchone() is None:
            return set()  # e.g. the node and link batches of a first load
        ids = _temp_ids(self._conn, subject_ids)
        return {
            row[0]
            for row in self._conn.execute(
                f"SELECT e.id FROM {ids} t JOIN events e ON e.subject = t.id"
            )
        }

    def restrictions_of(
        self, subjects: Sequence[str], known: Mapping[str, Restriction]
    ) -> list[Restriction]:
        found: list[Restriction] = []
        for start in range(0, len(subjects), 500):
            chunk = subjects[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for rid, data in self._conn.execute(
                f"SELECT id, data FROM restrictions WHERE subject IN ({marks})", chunk
            ):
                r = known.get(rid)
                found.append(r if r is not None else Restriction.from_stored_json(data))
        return found

    def nodes_of(self, node_ids: Sequence[str]) -> dict[str, Node]:
        """The nodes without their properties (type and name are what monitoring shows)."""
        found: dict[str, Node] = {}
        for start in range(0, len(node_ids), 500):
            chunk = node_ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for node_id, node_type, name in self._conn.execute(
                f"SELECT id, type, name FROM nodes WHERE id IN ({marks})", chunk
            ):
                found[node_id] = Node(node_id, node_type, name)
        return found

    def watches_on(self, targets: Sequence[str]) -> list[MonitorRecord]:
        return _monitor_query(
            self._conn,
            WATCH,
            subjects=targets,
            statuses=("ACTIVE",),
            ids=None,
            after_seq=0,
            min_version=None,
            limit=None,
        )

    def open_notices(self, restriction_ids: Sequence[str]) -> list[MonitorRecord]:
        ids = _temp_ids(self._conn, restriction_ids)
        marks = ",".join("?" * len(OPEN_NOTICE))
        return [
            _monitor(row)
            for row in self._conn.execute(
                f"SELECT {_MONITOR_COLUMNS_OF_M} FROM {ids} t JOIN monitor m "
                f"ON m.restriction = t.id WHERE m.kind = ? AND m.status IN ({marks}) "
                "ORDER BY m.seq",
                (NOTICE, *OPEN_NOTICE),
            )
        ]

    def events_naming(self, person_ids: Iterable[str]) -> set[str]:
        return {event.id for event in _events_naming(self._conn, person_ids)}

    def linked(self, node_ids: Iterable[str], rels: frozenset[str], direction: str) -> set[str]:
        ids = _temp_ids(self._conn, node_ids)
        # (dst, rel) and (src, rel) lead both indexes of the links
        near, far = ("dst", "src") if direction == "in" else ("src", "dst")
        kinds = sorted(rels)
        marks = ",".join("?" * len(kinds))
        return {
            r[0]
            for r in self._conn.execute(
                f"SELECT l.{far} FROM {ids} t JOIN links l ON l.{near} = t.id "
                f"AND l.rel IN ({marks})",
                kinds,
            )
        }


_MONITOR_COLUMNS = "kind, id, subject, status, data, due, seq, version"
_MONITOR_COLUMNS_OF_M = ", ".join(f"m.{column}" for column in _MONITOR_COLUMNS.split(", "))


def _monitor(row: Sequence[Any]) -> MonitorRecord:
    kind, record_id, subject, status, data, due, seq, version = row
    return MonitorRecord(kind, record_id, subject, status, json.loads(data), due, seq, version)


def _monitor_query(
    conn: sqlite3.Connection,
    kind: str,
    *,
    subjects: Sequence[str] | None,
    statuses: Sequence[str] | None,
    ids: Sequence[str] | None,
    after_seq: int,
    min_version: int | None,
    limit: int | None,
) -> list[MonitorRecord]:
    clauses, params = ["kind = ?", "seq > ?"], [kind, after_seq]
    for column, values in (("subject", subjects), ("status", statuses), ("id", ids)):
        if values is not None:
            if not values:
                return []
            clauses.append(f"{column} IN ({','.join('?' * len(values))})")
            params.extend(values)
    if min_version is not None:
        clauses.append("version >= ?")
        params.append(min_version)
    tail = f" LIMIT {int(limit)}" if limit is not None else ""
    return [
        _monitor(row)
        for row in conn.execute(
            f"SELECT {_MONITOR_COLUMNS} FROM monitor WHERE {' AND '.join(clauses)} "
            f"ORDER BY seq{tail}",
            params,
        )
    ]


def _update_monitor(
    conn: sqlite3.Connection,
    updates: Sequence[tuple[str, str, str | None, Mapping[str, Any]]],
    *,
    expected_status: str | None = None,
) -> None:
    conn.executemany(
        "UPDATE monitor SET status = ?, data = ? WHERE kind = ? AND id = ? "
        "AND (? IS NULL OR status = ?)",
        [
            (status, _json(data), kind, rid, expected_status, expected_status)
            for kind, rid, status, data in updates
        ],
    )


def _insert_monitor(conn: sqlite3.Connection, records: Sequence[MonitorRecord]) -> int:
    if not records:
        return 0
    (last,) = conn.execute("SELECT coalesce(max(seq), 0) FROM monitor").fetchone()
    rows = [
        (
            r.kind,
            r.id,
            last + i + 1,
            r.version,
            r.subject,
            r.status,
            r.due,
            _json(r.data),
            announced(r),
        )
        for i, r in enumerate(records)
    ]
    return conn.executemany(
        "INSERT OR IGNORE INTO monitor "
        "(kind, id, seq, version, subject, status, due, data, restriction) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    ).rowcount


_HASH_FIELD = '"id_hash":"'


def _person_keys(props: str) -> list[str]:
    """identity_keys of a stored props text; a registry person's only key, its number's hash,
    is read without decoding the JSON (an import indexes hundreds of thousands)."""
    at = props.find(_HASH_FIELD)
    if at >= 0 and '"aliases"' not in props:
        start = at + len(_HASH_FIELD)
        return ["h:" + props[start : props.index('"', start)]]
    return identity_keys(json.loads(props))


def _index_identity(
    conn: sqlite3.Connection, rows: Sequence[Sequence[Any]], *, all_new: bool = False
) -> None:
    """Keep identity_keys in step with the person rows just written (id, type, …, props).
    ``all_new``: every row was just created, so none has keys to remove (a first load's
    hundreds of thousands of persons then cost no DELETE each)."""
    persons = [row for row in rows if row[1] == "person"]
    if not persons:
        return
    if not all_new and conn.execute("SELECT 1 FROM identity_keys LIMIT 1").fetchone() is not None:
        conn.executemany("DELETE FROM identity_keys WHERE id = ?", ((row[0],) for row in persons))
    keys = sorted(  # in key order: B-tree inserts with locality
        (key, row[0])
        for row in persons
        if '"id_' in row[4] or '"aliases"' in row[4]  # most persons of a registry carry none
        for key in _person_keys(row[4])
    )
    conn.executemany("INSERT OR IGNORE INTO identity_keys VALUES (?, ?)", keys)


def _index_names(
    conn: sqlite3.Connection,
    rows: Sequence[Sequence[Any]],
    *,
    fresh: bool = False,
    known: Mapping[str, str] | None = None,
) -> None:
    """Keep name_keys in step with the node rows just written (id, type, name, norm_name, …);
    ``fresh`` when none of them has keys yet; ``known``: the key texts of normalised names
    already worked out (a large load's parse workers do it on the other cores).

    One "|k1|k2|" row per node: search looks for the text anywhere in a key, which no B-tree
    answers, and a row per key with an index by id (to replace a renamed node's) made the
    store 40 % larger."""
    known = known or {}
    keyed: list[tuple[str, str]] = []
    keyless: list[tuple[str]] = []  # a name with no keys (no Han character, no Latin letter)
    for row in rows:
        keys = found if (found := known.get(row[3])) is not None else key_text(row[3])
        if keys:
            keyed.append((row[0], keys))
        else:
            keyless.append((row[0],))
    # a node that has keys replaces its row; only one whose new name has none must lose the
    # row it may have (a first load's later batches no longer look up every node to delete)
    if (
        keyless
        and not fresh
        and conn.execute("SELECT 1 FROM name_keys LIMIT 1").fetchone() is not None
    ):
        conn.executemany("DELETE FROM name_keys WHERE id = ?", keyless)
    keyed.sort()  # in id order: B-tree inserts with locality
    conn.executemany("INSERT OR REPLACE INTO name_keys VALUES (?, ?)", keyed)


def _another_writer(exc: sqlite3.OperationalError) -> bool:
    """Whether SQLite refused a write because another connection holds the database's lock
    (the store's, or its audit log's)."""
    return "locked" in str(exc) or "busy" in str(exc)


def _indexes_deferred(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM meta WHERE key = 'indexes_deferred'").fetchone() is not None


def _holds_no_graph(conn: sqlite3.Connection) -> bool:
    return all(
        conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is None
        for table in ("nodes", "links", "events")
    )


def _defer_indexes(conn: sqlite3.Connection) -> None:
    """Drop the secondary indexes of an empty store for a first load's batches; recorded in
    the same transaction, so that the store never lacks them without saying so."""
    for name in _DEFERRED_INDEXES:
        conn.execute(f"DROP INDEX IF EXISTS {name}")
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('indexes_deferred', '1')")


def _make_deferred_indexes(conn: sqlite3.Connection) -> None:
    for statement in _DEFERRED_INDEXES.values():
        conn.execute(statement)
    conn.execute("DELETE FROM meta WHERE key = 'indexes_deferred'")


def _track_changes(conn: sqlite3.Connection, on: bool) -> None:
    """Create or drop the change-tracking triggers (inside the write's transaction: a rollback
    undoes it, which is why their presence is read rather than remembered)."""
    present = {
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_temp_master WHERE type = 'trigger' AND name IN (?, ?, ?, ?)",
            tuple(_TRACKING_TRIGGERS),
        )
    }
    for name, create in _TRACKING_TRIGGERS.items():
        if on and name not in present:
            conn.execute(create)
        elif not on and name in present:
            conn.execute(f"DROP TRIGGER temp.{name}")


def _events_naming(conn: sqlite3.Connection, person_ids: Iterable[str]) -> list[Event]:
    """Events whose ``responsible`` names one of the persons, in date and id order. (A scan of
    the events holding a ``responsible``: asked only when persons merge or a published
    entry's identity links change.)"""
    ids = _temp_ids(conn, person_ids)
    rows = conn.execute(
        "SELECT DISTINCT e.id, e.kind, e.subject, e.date, e.props FROM events e, "
        "json_each(e.props, '$.responsible') r WHERE e.props LIKE '%\"responsible\"%' "
        f"AND r.value IN (SELECT id FROM {ids}) ORDER BY e.date, e.id"
    ).fetchall()
    return [_event(row) for row in rows]


def _temp_ids(conn: sqlite3.Connection, ids: Iterable[str]) -> str:
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS temp_ids (id TEXT PRIMARY KEY)")
    conn.execute("DELETE FROM temp_ids")
    conn.executemany("INSERT OR IGNORE INTO temp_ids VALUES (?)", ((i,) for i in ids))
    return "temp_ids"


class EmbeddedStore:
    """A :class:`~creditgraph.store.base.GraphStore` in one SQLite file."""

    # reads are in-process index lookups: the API runs single checks without a thread
    in_process = True

    def __init__(
        self,
        path: str | os.PathLike[str],
        schema: GraphSchema,
        *,
        id_key: str | None = None,
        id_key_file: str | None = None,
        create: bool = True,
        migrating: bool = False,
        write_timeout_s: float = 30.0,
    ) -> None:
        self.path = Path(path)
        self.schema = schema
        self._configured_key = id_key
        self._write_timeout = write_timeout_s
        self._key_file = id_key_file
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._audit_lock: int | None = None  # see _audit_turn
        self._audit_lock_in_process = threading.Lock()  # the audit log's writes in this process
        self.audit_path = audit_database_path(self.path)
        self._connections: list[sqlite3.Connection] = []
        self._tracked: set[int] = set()
        self._connections_lock = threading.Lock()
        self.pinned_today: dt.date | None = None
        self._laid_out = False  # the meta table exists (not while a new file is laid out)
        if not create and not self._holds_a_store():
            raise StoreError(
                f"{self.path}: no store there (check --store / CREDITGRAPH_STORE; "
                "`creditgraph init` or `creditgraph load` creates one)"
            )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            stored = self.schema_version()
            if stored is None:  # a new file: lay it out, at the current version
                with self._writing() as conn:
                    for statement in _statements(_DDL):
                        conn.execute(statement)
                    conn.execute(_NOTICES_BY_RESTRICTION)
                    conn.execute(
                        "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?), ('version', '0'), "
                        "('identity_keys', '1')",
                        (str(migrations.CURRENT),),
                    )
            else:
                migrations.check_version(stored, str(self.path), migrating=migrating)
            self._laid_out = stored is None or stored >= 1
            with self._write_lock:
                self._conn.executescript(_CHANGE_TRACKING)  # temp tables: no lock on the store
                self._tracked.add(id(self._conn))
        except sqlite3.DatabaseError as exc:
            self.close()
            raise StoreError(f"{self.path}: not a creditgraph store or unreadable: {exc}") from exc
        except BaseException:
            self.close()
            raise

    def _holds_a_store(self) -> bool:
        try:
            return self.path.is_file() and self.path.stat().st_size > 0
        except OSError:
            return False

    # versions ------------------------------------------------------------------------
    def schema_version(self) -> int | None:
        """The layout version recorded in the store; None for a file with nothing in it
        (read without a write lock, so a read-only command never waits for a writer)."""
        conn = self._conn
        tables = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if not tables:
            return None
        row = (
            conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if "meta" in tables
            else None
        )
        return migrations.parse_version(row[0]) if row else 0

    def migrate(self) -> list[str]:
        """Bring the store to the current layout; the steps run (none when current)."""
        done: list[str] = []
        stored = self.schema_version() or 0
        migrations.check_version(stored, str(self.path), migrating=True)
        for version in range(stored + 1, migrations.CURRENT + 1):
            step = _MIGRATIONS[version]
            with self._writing() as conn:
                step(conn)
                conn.execute(
                    "INSERT INTO meta VALUES ('schema_version', ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (str(version),),
                )
            self._laid_out = True
            done.append(migrations.step_done(version, step))
        return done

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the store and truncate it (after a load: a WAL left
        at hundreds of MB slows every reader and wastes the disk)."""
        # a reader holding an old snapshot makes it fail: the next checkpoint will do it
        with suppress(sqlite3.OperationalError):
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # connections ---------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        # a new store's pages are 16 KiB, not SQLite's 4 KiB: a large load writes a quarter of
        # the pages (each one twice, to the WAL and then into the store), and a lookup walks
        # fewer B-tree levels. A store's page size is fixed once it holds anything (and in WAL
        # mode), so this does nothing to a store that exists.
        conn = _open_wal(self.path, page_bytes=PAGE_BYTES, timeout=self._write_timeout)
        # fold the WAL into the store every 64 MiB rather than every 1,000 pages (SQLite's
        # default, 4 MiB of 4 KiB pages): a load's 50,000-row batch passes 4 MiB, so each
        # commit checkpointed, copying the index pages every batch touches again and again;
        # readers scan at most this much WAL
        (page_bytes,) = conn.execute("PRAGMA page_size").fetchone()
        conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT_BYTES // page_bytes}")
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("PRAGMA cache_size = -262144")  # up to 256 MiB of pages
        conn.execute("PRAGMA temp_store = MEMORY")
        return self._kept(conn)

    def _kept(self, conn: sqlite3.Connection) -> sqlite3.Connection:
        """``conn``, closed with the store (see close)."""
        with self._connections_lock:
            self._connections.append(conn)
        return conn

    @property
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    @contextmanager
    def _writing(self, *, bulk: bool = False) -> Iterator[sqlite3.Connection]:
        """The write transaction. Unless ``bulk`` (a first load's node and link batches), it
        first makes the indexes such a load deferred: every other write (events and their
        derivation, merges, a later load, a load's end) finds them in place."""
        # a write has a deadline: behind another writer (a load, a server's mutation) it
        # gives up with a clear error instead of hanging its caller
        if not self._write_lock.acquire(timeout=self._write_timeout):
            raise self._busy()
        conn = self._conn
        try:
            if id(conn) not in self._tracked:
                conn.executescript(_CHANGE_TRACKING)  # outside any transaction: it commits
                self._tracked.add(id(conn))
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if _another_writer(exc):
                    raise self._busy() from exc
                raise
            try:
                if not bulk and self._laid_out and _indexes_deferred(conn):
                    # in a transaction of their own: built inside the write, their hundreds of
                    # MB of new pages crowd its cache, and derivation then reads from disk
                    _make_deferred_indexes(conn)
                    conn.execute("COMMIT")
                    conn.execute("BEGIN IMMEDIATE")
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            self._write_lock.release()

    def _busy(self, what: str = "the store") -> StoreError:
        return StoreError(
            f"{self.path}: another writer held {what} for more than "
            f"{self._write_timeout:g} s; nothing was written (try again, or raise "
            "CREDITGRAPH_WRITE_TIMEOUT)"
        )

    def close(self) -> None:
        with self._connections_lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()
        if self._audit_lock is not None and self._audit_lock >= 0:
            os.close(self._audit_lock)
        self._audit_lock = None

    def id_key(self) -> bytes:
        # never a key file beside the store: see creditgraph.identity.keys
        secret = resolve_secret(self._configured_key, self._key_file, store_dir=self.path.parent)
        if secret is None:
            raise MissingIdKey(MISSING_KEY)
        return derive_id_key(secret)

    @contextmanager
    def reading(self) -> Iterator[None]:
        """The reads made inside see one version of the store: one SQLite read transaction on
        this thread's connection (inside another, that one). Its statements also skip the
        read lock each would take and give back on its own."""
        conn = self._conn
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN")
        try:
            yield
        finally:
            conn.execute("COMMIT")  # a read transaction: nothing to commit, the snapshot ends

    # writing ----------------------------------------------------------------------
    def settle(self) -> None:
        """Make what a first load deferred (its secondary indexes): the loader calls this
        once its batches are written, and any other write does it first anyway."""
        with self._writing():
            pass

    def write(self, batch: Batch) -> WriteReport:
        report = WriteReport()
        # nodes and links alone may go in without the deferrable indexes: a large first batch
        # into an empty store starts that, the batches after it (the last one may be small)
        # go on with it, anything else ends it
        graph_only = not (batch.events or batch.retracted or batch.deleted_nodes)
        with self._writing(bulk=graph_only) as conn:
            if (
                graph_only
                and len(batch) >= BULK_MIN_ROWS
                and not _indexes_deferred(conn)
                and _holds_no_graph(conn)
            ):
                _defer_indexes(conn)
            # with no event stored or given, there is nothing a change could re-derive
            track = bool(batch.events) or (
                conn.execute("SELECT 1 FROM events LIMIT 1").fetchone() is not None
            )
            _track_changes(conn, track)
            changed_nodes, nodes_written = self._upsert_nodes(conn, batch.nodes, report, track)
            changed_links, links_written = self._upsert_links(conn, batch.links, report, track)
            if batch.retracted:
                removed = self._retract_links(conn, batch.retracted, report)
                changed_links |= removed
                links_written += len(removed)
            changed_events = self._upsert_events(conn, batch.events, report)
            for node_id in batch.deleted_nodes:
                if conn.execute("DELETE FROM nodes WHERE id = ?", (node_id,)).rowcount:
                    conn.execute("DELETE FROM identity_keys WHERE id = ?", (node_id,))
                    conn.execute("DELETE FROM name_keys WHERE id = ?", (node_id,))
                    conn.execute("DELETE FROM restrictions WHERE subject = ?", (node_id,))
                    report.updated["person merged"] += 1
                    changed_nodes.add(node_id)
                    nodes_written += 1
            if nodes_written or links_written or changed_events:
                derived: tuple[list[Restriction], list[Restriction]] = ([], [])
                view = _SqlView(conn)
                if track:
                    to_derive = events_to_rederive(
                        view, self.schema, changed_nodes, changed_links, changed_events
                    )
                    derived = self._rederive(conn, view, sorted(to_derive), report)
                conn.execute(
                    "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'version'"
                )
                if derived[0] or derived[1]:
                    (version,) = conn.execute(
                        "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'version'"
                    ).fetchone()
                    # the outbox: written in this transaction, with the change it reports
                    self._react(conn, view, *derived, version=version)
        return report

    def _react(
        self,
        conn: sqlite3.Connection,
        view: _SqlView,
        old: Sequence[Restriction],
        new: Sequence[Restriction],
        *,
        version: int,
    ) -> None:
        """The outbox: written in the write's transaction, with the change it reports."""
        inserts, updates = outbox_writes(
            react(view, self.schema, old, new, version=version, today=self.today())
        )
        _insert_monitor(conn, inserts)
        _update_monitor(conn, updates)

    def today(self) -> dt.date:
        """The day changes are judged on (tests and benchmarks may pin it)."""
        return self.pinned_today or dt.date.today()

    def _upsert_nodes(
        self, conn: sqlite3.Connection, nodes: list[Node], report: WriteReport, track: bool
    ) -> tuple[set[str], int]:
        """(ids created or changed — only when ``track`` — and how many were written)."""
        if not nodes:
            return set(), 0
        rows: list[tuple[Any, ...]] | None = getattr(nodes, "rows", None)  # from the loader
        if rows is None:
            norms = dict.fromkeys(node.name for node in nodes)
            norms.update(zip(norms, normalise_names(norms), strict=True))
            rows = [
                (node.id, node.type, node.name, norms[node.name], _json(node.props))
                for node in nodes
            ]
        conn.execute("DELETE FROM touched_nodes")
        # one statement per type, so that its row counts are that type's
        by_type: dict[str, list[tuple[Any, ...]]] = {}
        if len(set(map(itemgetter(1), rows))) == 1:
            by_type[rows[0][1]] = sorted(rows)
        else:
            for row in sorted(rows):
                by_type.setdefault(row[1], []).append(row)
        written: Counter[str] = Counter()
        changed: set[str] = set()
        named: set[str] = set()  # created or renamed: their names' keys are (re)made
        persons_created = 0
        for node_type, group in by_type.items():  # in key order: B-tree inserts with locality
            if track:
                written[node_type] = conn.executemany(_NODE_UPSERT, group).rowcount
                continue
            # the rows not there yet, then those there with other values: the same writes
            # as the upsert, counted apart — and a first load has no second pass at all
            created = conn.executemany(_NODE_INSERT, group).rowcount
            updated = conn.executemany(_NODE_UPDATE, group).rowcount if created < len(group) else 0
            report.created[node_type] += created
            report.updated[node_type] += updated
            written[node_type] = created + updated
            if node_type == "person":
                persons_created = created
        if track:
            for node_id, node_type, created, new_name in conn.execute(
                "SELECT id, type, created, named FROM touched_nodes"
            ):
                (report.created if created else report.updated)[node_type] += 1
                changed.add(node_id)
                if new_name:
                    named.add(node_id)
                persons_created += created and node_type == "person"
        for node_type, group in by_type.items():
            report.unchanged[node_type] += len(group) - written[node_type]
        if written.get("person"):
            persons = by_type["person"]
            _index_identity(conn, persons, all_new=persons_created == len(persons))
        known = getattr(nodes, "name_keys", None)  # from the loader
        if track and named:  # only the names of nodes created or renamed (a status change
            # keeps its name's keys: the pinyin dictionaries are not even loaded for it)
            _index_names(conn, [row for row in rows if row[0] in named], known=known)
        elif not track and any(written.values()):
            _index_names(conn, rows, known=known)
        return changed, sum(written.values())

    def _upsert_links(
        self, conn: sqlite3.Connection, links: list[Link], report: WriteReport, track: bool
    ) -> tuple[set[ChangedLink], int]:
        """(the links created or changed, as (src, rel, dst) — only when ``track`` — and how
        many were written)."""
        if not links:
            return set(), 0
        rows: list[tuple[Any, ...]] | None = getattr(links, "rows", None)  # from the loader
        if rows is None:
            rows = [
                (
                    link.src,
                    link.rel,
                    link.dst,
                    link.valid_from.isoformat() if link.valid_from else "",
                    link.valid_to.isoformat() if link.valid_to else None,
                    link.share,
                )
                for link in links
            ]
        conn.execute("DELETE FROM touched_links")
        rows = sorted(rows)  # in key order: B-tree inserts with locality run about 1.6x faster
        changed: set[ChangedLink] = set()
        if track:
            written = conn.executemany(_LINK_UPSERT, rows).rowcount
            for src, rel, dst, created in conn.execute(
                "SELECT src, rel, dst, created FROM touched_links"
            ):
                (report.created if created else report.updated)["link"] += 1
                changed.add((src, rel, dst))
        else:  # as for nodes
            created = conn.executemany(_LINK_INSERT, rows).rowcount
            updated = conn.executemany(_LINK_UPDATE, rows).rowcount if created < len(rows) else 0
            report.created["link"] += created
            report.updated["link"] += updated
            written = created + updated
        report.unchanged["link"] += len(rows) - written
        return changed, written

    def _retract_links(
        self, conn: sqlite3.Connection, links: list[Link], report: WriteReport
    ) -> set[ChangedLink]:
        gone_links: set[ChangedLink] = set()
        for link in links:
            gone = conn.execute(
                "DELETE FROM links WHERE src = ? AND rel = ? AND dst = ? AND valid_from = ?",
                (
                    link.src,
                    link.rel,
                    link.dst,
                    link.valid_from.isoformat() if link.valid_from else "",
                ),
            ).rowcount
            if gone:
                report.updated["link retracted"] += gone
                gone_links.add((link.src, link.rel, link.dst))
        return gone_links

    def _upsert_events(
        self, conn: sqlite3.Connection, events: list[Event], report: WriteReport
    ) -> list[Event]:
        if not events:
            return []
        existing = {
            row[0]: row[1:]
            for row in conn.execute(
                f"SELECT e.id, e.kind, e.subject, e.date, e.props FROM "
                f"{_temp_ids(conn, (e.id for e in events))} t JOIN events e ON e.id = t.id"
            )
        }
        rows, changed = [], []
        for event in events:
            row = (
                event.id,
                event.kind,
                event.subject,
                event.date.isoformat(),
                event.lifts,
                _json(event.props),
            )
            old = existing.get(event.id)
            if old is not None and old == (row[1], row[2], row[3], row[5]):
                report.unchanged["event"] += 1
                continue
            (report.updated if old else report.created)["event"] += 1
            rows.append(row)
            changed.append(event)
            if old is not None:
                # what the old version reached (another subject, another lifted event)
                # must be re-derived as well
                changed.append(_event((event.id, old[0], old[1], old[2], old[3])))
        conn.executemany(
            "INSERT INTO events (id, kind, subject, date, lifts, props) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, subject = excluded.subject, "
            "date = excluded.date, lifts = excluded.lifts, props = excluded.props",
            rows,
        )
        return changed

    def _rederive(
        self,
        conn: sqlite3.Connection,
        view: _SqlView,
        event_ids: Sequence[str],
        report: WriteReport,
    ) -> tuple[list[Restriction], list[Restriction]]:
        """Re-derive the events; (their restrictions before, after) for monitoring."""
        old = [
            Restriction.from_stored_json(row[0])
            for row in conn.execute(
                f"SELECT r.data FROM {_temp_ids(conn, event_ids)} t "
                "JOIN restrictions r ON r.event_id = t.id"
            )
        ]
        conn.executemany("DELETE FROM restrictions WHERE event_id = ?", ((i,) for i in event_ids))
        new: list[Restriction] = []
        for event_id in event_ids:
            event = view.event(event_id)
            if event is not None:
                new.extend(derive(event, view, self.schema))
        rows = [_restriction_row(r) for r in new]
        conn.executemany("INSERT INTO restrictions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        report.events_rederived += len(event_ids)
        report.restrictions += len(rows)
        return old, new

    def recompute(self, progress: Callable[[int, int], None] | None = None) -> WriteReport:
        report = WriteReport()
        with self._writing() as conn:
            # === loop2: what recompute changed reaches the feed and the outbox (a rules
            # change); when it equals incremental maintenance, nothing does
            old = [
                Restriction.from_stored_json(row[0])
                for row in conn.execute("SELECT data FROM restrictions")
            ]
            new: list[Restriction] = []
            # === end loop2 ===
            conn.execute("DELETE FROM restrictions")
            event_ids = [row[0] for row in conn.execute("SELECT id FROM events ORDER BY id")]
            view = _SqlView(conn)
            step = 1000
            for start in range(0, len(event_ids), step):
                chunk = event_ids[start : start + step]
                rows: list[tuple[Any, ...]] = []
                for event_id in chunk:
                    event = view.event(event_id)
                    if event is not None:
                        derived = derive(event, view, self.schema)
                        new.extend(derived)
                        rows.extend(_restriction_row(r) for r in derived)
                conn.executemany(
                    "INSERT INTO restrictions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
                )
                report.restrictions += len(rows)
                if progress:
                    progress(min(start + step, len(event_ids)), len(event_ids))
            report.events_rederived = len(event_ids)
            conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'version'")
            # === loop2 ===
            (version,) = conn.execute(
                "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'version'"
            ).fetchone()
            self._react(conn, view, old, new, version=version)
            # === end loop2 ===
        return report

    # reading -------------------------------------------------------------------------
    def node(self, node_id: str) -> Node | None:
        return _SqlView(self._conn).node(node_id)

    def nodes(self, node_ids: Iterable[str]) -> dict[str, Node]:
        ids = list(dict.fromkeys(node_ids))
        found: dict[str, Node] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._conn.execute(
                f"SELECT id, type, name, props FROM nodes WHERE id IN ({marks})", chunk
            ):
                found[row[0]] = _node(row)
        return found

    def node_types(self, node_ids: Iterable[str]) -> dict[str, str]:
        conn = self._conn
        table = _temp_ids(conn, node_ids)
        types = {
            row[0]: row[1]
            for row in conn.execute(
                f"SELECT n.id, n.type FROM {table} t JOIN nodes n ON n.id = t.id"
            )
        }
        types.update(
            (row[0], "event")
            for row in conn.execute(f"SELECT e.id FROM {table} t JOIN events e ON e.id = t.id")
        )
        return types

    def enterprises_known_as(
        self,
        *,
        org_codes: Iterable[str] = (),
        reg_codes: Iterable[str] = (),
        names: Iterable[str] = (),
    ) -> list[tuple[str, str, str]]:
        conn = self._conn
        found: list[tuple[str, str, str]] = []
        names = list(names)
        if names:
            table = _temp_ids(conn, names)
            found += [
                ("name", row[1], row[0])
                for row in conn.execute(
                    f"SELECT n.id, n.norm_name FROM {table} t CROSS JOIN nodes n "
                    "ON n.norm_name = t.id WHERE n.type = 'enterprise'"
                )
            ]
        # the older codes are props, not indexed: one pass over the enterprises per call
        for how, codes, where in (
            (
                "org_code",
                list(org_codes),
                "json_extract(props, '$.org_code') = t.id OR substr(n.id, 9, 9) = t.id",
            ),
            ("reg_code", list(reg_codes), "json_extract(props, '$.reg_code') = t.id"),
        ):
            if not codes:
                continue
            table = _temp_ids(conn, codes)
            found += [
                (how, row[1], row[0])
                for row in conn.execute(
                    f"SELECT n.id, t.id FROM nodes n JOIN {table} t ON ({where}) "
                    "WHERE n.type = 'enterprise'"
                )
            ]
        return found

    def links(
        self,
        node_ids: Iterable[str],
        *,
        rels: Iterable[str] | None = None,
        direction: str = BOTH,
        as_of: dt.date | None = None,
    ) -> list[Link]:
        ids = list(dict.fromkeys(node_ids))
        rel_list = sorted(set(rels)) if rels is not None else None
        clauses, params_tail = [], []
        if rel_list is not None:
            clauses.append(f"rel IN ({','.join('?' * len(rel_list))})")
            params_tail.extend(rel_list)
        if as_of is not None:
            day = as_of.isoformat()
            clauses.append("valid_from <= ? AND (valid_to IS NULL OR valid_to >= ?)")
            params_tail.extend([day, day])
        extra = "".join(f" AND {c}" for c in clauses)
        found: dict[tuple[Any, ...], Link] = {}
        columns = [c for c, d in (("src", OUT), ("dst", IN)) if direction in (d, BOTH)]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for column in columns:
                for row in self._conn.execute(
                    f"SELECT {_LINK_COLUMNS} FROM links WHERE {column} IN ({marks}){extra}",
                    (*chunk, *params_tail),
                ):
                    found[row[:4]] = _link(row)
        return list(found.values())

    def event(self, event_id: str) -> Event | None:
        return _SqlView(self._conn).event(event_id)

    def events_by_id(self, event_ids: Iterable[str]) -> dict[str, Event]:
        table = _temp_ids(self._conn, event_ids)
        return {
            row[0]: _event(row)
            for row in self._conn.execute(
                f"SELECT e.id, e.kind, e.subject, e.date, e.props FROM {table} t "
                "JOIN events e ON e.id = t.id"
            )
        }

    def restrictions_by_id(self, restriction_ids: Iterable[str]) -> dict[str, Restriction]:
        table = _temp_ids(self._conn, restriction_ids)
        found = (
            Restriction.from_stored_json(row[0])
            for row in self._conn.execute(
                f"SELECT r.data FROM {table} t JOIN restrictions r ON r.id = t.id"
            )
        )
        return {r.id: r for r in found}

    def events(
        self,
        *,
        subject: str | None = None,
        kind: str | None = None,
        subjects: Sequence[str] | None = None,
    ) -> list[Event]:
        clauses: list[str] = []
        params: list[Any] = []
        if subject is not None:
            clauses.append("subject = ?")
            params.append(subject)
        if kind is not None:
            clauses.append("kind = ?")
            params.append(kind)
        if subjects is not None:
            clauses.append(f"subject IN (SELECT id FROM {_temp_ids(self._conn, subjects)})")
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        return [
            _event(row)
            for row in self._conn.execute(
                f"SELECT id, kind, subject, date, props FROM events{where} ORDER BY date, id",
                params,
            ).fetchall()
        ]

    def lifting_events(self, event_id: str) -> list[Event]:
        return _SqlView(self._conn).lifting_events(event_id)

    def events_naming(self, person_ids: Iterable[str]) -> list[Event]:
        return _events_naming(self._conn, person_ids)

    def restrictions(
        self,
        *,
        subject: str | None = None,
        subjects: Sequence[str] | None = None,
        measure: str | None = None,
        active_on: dt.date | None = None,
        event_id: str | None = None,
    ) -> list[Restriction]:
        clauses: list[str] = []
        params: list[Any] = []
        if subject is not None:
            clauses.append("subject = ?")
            params.append(subject)
        if subjects is not None:
            clauses.append(f"subject IN ({','.join('?' * len(subjects))})")
            params.extend(subjects)
        if measure is not None:
            clauses.append("measure = ?")
            params.append(measure)
        if event_id is not None:
            clauses.append("event_id = ?")
            params.append(event_id)
        if active_on is not None:
            day = active_on.isoformat()
            clauses.append("voided_by IS NULL AND start <= ? AND (until IS NULL OR until >= ?)")
            params.extend([day, day])
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        return [
            Restriction.from_stored_json(row[0])
            for row in self._conn.execute(
                f"SELECT data FROM restrictions{where} ORDER BY id", params
            )
        ]

    def persons_by_identity(self, keys: Sequence[str], *, limit: int | None = None) -> list[Node]:
        if not keys:
            return []
        table = _temp_ids(self._conn, keys)
        # CROSS JOIN fixes the join order: from the few keys asked into the key index. With
        # a plain JOIN SQLite (no statistics on the temp table) scanned every identity key
        # per call — 2.8 s per published entry at size M instead of 10 ms.
        rows = self._conn.execute(
            f"SELECT DISTINCT n.id, n.type, n.name, n.props FROM {table} t "
            "CROSS JOIN identity_keys k ON k.key = t.id CROSS JOIN nodes n ON n.id = k.id "
            "ORDER BY n.id LIMIT ?",
            (-1 if limit is None else limit,),
        ).fetchall()
        return [_node(row) for row in rows]

    def persons_named(self, normalised_names: Sequence[str]) -> list[Node]:
        if not normalised_names:
            return []
        table = _temp_ids(self._conn, normalised_names)
        # CROSS JOIN fixes the order (names asked → name index): with a plain JOIN SQLite
        # scanned every node in id order for the ORDER BY (0.5 s per call at size M)
        rows = self._conn.execute(
            f"SELECT n.id, n.type, n.name, n.props FROM {table} t "
            "CROSS JOIN nodes n ON n.norm_name = t.id WHERE n.type = 'person' ORDER BY n.id"
        ).fetchall()
        return [_node(row) for row in rows]

    def search(self, normalised: str, *, limit: int, offset: int = 0) -> list[Node]:
        params = {
            "code": normalised.upper() if len(normalised) == 18 else normalised,
            "q": normalised,
            "q_end": normalised + "\U0010ffff",
            "n": len(normalised),
            "like": "%"
            + normalised.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            + "%",
            "limit": limit,
            "offset": offset,
        }
        # exact id, then exact name, then names starting with the text, then names containing it
        order = (
            "ORDER BY (id = :code) DESC, (norm_name = :q) DESC, "
            "(substr(norm_name, 1, :n) = :q) DESC, length(norm_name), id LIMIT :limit OFFSET :offset"
        )
        columns = "SELECT id, type, name, props FROM nodes"
        # the id and name indexes answer most searches; a full page from them is the same page
        # the scan would give, since names merely containing the text rank after them
        rows = self._conn.execute(
            f"{columns} WHERE id = :code OR (norm_name >= :q AND norm_name < :q_end) {order}",
            params,
        ).fetchall()
        if len(rows) < limit and not could_be_pinyin(normalised):
            rows = self._conn.execute(
                f"{columns} WHERE id = :code OR norm_name LIKE :like ESCAPE '\\' {order}", params
            ).fetchall()
        elif len(rows) < limit:
            # then names whose pinyin holds the text (hxkj, huaxin): a whole key first, then
            # a key's beginning, then anywhere in a key
            rows = self._conn.execute(
                "WITH hits (id, rank) AS ("
                "SELECT id, CASE WHEN id = :code THEN 0 WHEN norm_name = :q THEN 1 "
                "WHEN substr(norm_name, 1, :n) = :q THEN 2 ELSE 3 END FROM nodes "
                "WHERE id = :code OR norm_name LIKE :like ESCAPE '\\' "
                "UNION ALL SELECT id, CASE WHEN instr(keys, '|' || :q || '|') THEN 4 "
                "WHEN instr(keys, '|' || :q) THEN 5 ELSE 6 END FROM name_keys "
                "WHERE instr(keys, :q)) "
                "SELECT n.id, n.type, n.name, n.props FROM "
                "(SELECT id, min(rank) AS rank FROM hits GROUP BY id) h JOIN nodes n ON n.id = h.id "
                "ORDER BY h.rank, length(n.norm_name), n.id LIMIT :limit OFFSET :offset",
                params,
            ).fetchall()
        return [_node(row) for row in rows]

    def stats(self, today: dt.date) -> dict[str, Mapping[str, int]]:
        conn = self._conn
        day = today.isoformat()
        statuses: Counter[str] = Counter()
        rows = conn.execute(
            "SELECT CASE WHEN voided_by IS NOT NULL THEN 'VOID' "
            "WHEN until IS NOT NULL AND (until < ? OR until < start) THEN 'ENDED' ELSE 'ACTIVE' END, "
            "count(*) FROM restrictions GROUP BY 1",
            (day,),
        )
        statuses.update(dict(rows.fetchall()))
        return {
            "nodes": dict(
                conn.execute("SELECT type, count(*) FROM nodes GROUP BY type").fetchall()
            ),
            "links": dict(conn.execute("SELECT rel, count(*) FROM links GROUP BY rel").fetchall()),
            "events": dict(
                conn.execute("SELECT kind, count(*) FROM events GROUP BY kind").fetchall()
            ),
            "restrictions": dict(statuses),
        }

    def data_version(self) -> str:
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        return str(row[0])

    def export(
        self, *, restrictions: bool = False, today: dt.date | None = None
    ) -> Iterator[dict[str, Any]]:
        conn = self._connect()  # a private snapshot: the export sees one consistent state
        try:
            conn.execute("BEGIN")
            for row in conn.execute("SELECT id, type, name, props FROM nodes ORDER BY rowid"):
                yield node_to_record(_node(row))
            derived = self.schema.derived_rels()  # identity links: made again on load
            for row in conn.execute(
                f"SELECT {_LINK_COLUMNS} FROM links ORDER BY src, rel, dst, valid_from"
            ):
                if row[0] not in derived:
                    yield link_to_record(_link(row))
            lifting = self.schema.lifting_kinds()
            events = [
                _event(row)
                for row in conn.execute(
                    "SELECT id, kind, subject, date, props FROM events ORDER BY date, id"
                )
            ]
            # sanctions first, then lifts in chain order, so the file loads in one pass
            for event in sorted(events, key=lambda e: (e.kind in lifting, e.date, e.id)):
                yield event_to_record(event)
            if restrictions:
                day = today or dt.date.today()
                for (data,) in conn.execute("SELECT data FROM restrictions ORDER BY id"):
                    yield {"type": "restriction", **Restriction.from_stored_json(data).to_json(day)}
            conn.execute("COMMIT")
        finally:
            conn.close()
            with self._connections_lock:
                if conn in self._connections:
                    self._connections.remove(conn)

    # monitoring ----------------------------------------------------------------------
    def add_monitor_records(self, records: Sequence[MonitorRecord]) -> int:
        with self._writing() as conn:
            return _insert_monitor(conn, records)

    # === loop2: the calendar's changes (creditgraph.monitoring.calendar) ===
    def publish_monitor_records(
        self,
        records: Sequence[MonitorRecord],
        *,
        expected_version: str,
        updates: Sequence[tuple[str, str, str | None, Mapping[str, Any]]] = (),
    ) -> bool:
        with self._writing() as conn:
            (current,) = conn.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
            if str(current) != expected_version:
                return False
            conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'version'")
            _insert_monitor(conn, records)
            _update_monitor(conn, updates)
        return True

    # === end loop2 ===

    def update_monitor_record(
        self, kind: str, record_id: str, *, status: str | None, data: Mapping[str, Any]
    ) -> MonitorRecord | None:
        with self._writing() as conn:
            conn.execute(
                "UPDATE monitor SET status = ?, data = ? WHERE kind = ? AND id = ?",
                (status, _json(data), kind, record_id),
            )
            row = conn.execute(
                f"SELECT {_MONITOR_COLUMNS} FROM monitor WHERE kind = ? AND id = ?",
                (kind, record_id),
            ).fetchone()
        return _monitor(row) if row else None

    def update_monitor_records(
        self,
        updates: Sequence[tuple[str, str, str | None, Mapping[str, Any]]],
        *,
        expected_status: str | None = None,
    ) -> None:
        if not updates:
            return
        with self._writing() as conn:
            _update_monitor(conn, updates, expected_status=expected_status)

    def monitor_records(
        self,
        kind: str,
        *,
        subjects: Sequence[str] | None = None,
        statuses: Sequence[str] | None = None,
        ids: Sequence[str] | None = None,
        after_seq: int = 0,
        min_version: int | None = None,
        limit: int | None = None,
    ) -> list[MonitorRecord]:
        return _monitor_query(
            self._conn,
            kind,
            subjects=subjects,
            statuses=statuses,
            ids=ids,
            after_seq=after_seq,
            min_version=min_version,
            limit=limit,
        )

    def node_ids(self, node_type: str, *, after: str = "", limit: int) -> list[str]:
        return [
            row[0]
            for row in self._conn.execute(
                "SELECT id FROM nodes WHERE type = ? AND id > ? ORDER BY id LIMIT ?",
                (node_type, after, limit),
            )
        ]

    # audit -------------------------------------------------------------------------
    # In a database of its own (see _AUDIT_DDL), with connections of its own per thread.
    def append_audit(self, entries: Sequence[AuditEntry], *, sync: bool = True) -> None:
        # without sync: WAL frames written, not synced (SQLite's synchronous=NORMAL); a
        # killed process leaves them to the operating system, which keeps them
        with self._audit_writer(now=False) as conn:
            if not sync:
                conn.execute("PRAGMA synchronous = NORMAL")
            try:
                self._insert_audit(conn, entries)
            finally:
                if not sync:
                    conn.execute("PRAGMA synchronous = FULL")

    def append_audit_now(self, entries: Sequence[AuditEntry]) -> bool:
        """``append_audit(entries, sync=False)`` if the audit log takes the write at once;
        else False, and nothing is written. For a caller that must not wait, a server's
        event loop (creditgraph.api.audit): behind another thread's or process's audit
        commit it hands the entries to its writer thread rather than stall every request.
        Nor does its commit fold the log's write-ahead log into it (a checkpoint copies up
        to 64 MiB): :meth:`sync_audit`, on the writer thread, does that."""
        try:
            with self._audit_writer(now=True) as conn:
                self._insert_audit(conn, entries)
        except _WouldWait:
            return False
        return True

    @contextmanager
    def _audit_writer(self, *, now: bool) -> Iterator[sqlite3.Connection]:
        """This thread's audit connection, with the audit log's write turn in this process
        and among processes (:meth:`_audit_turn`). Another writer found: waiting up to the
        write timeout, then the store is busy; ``now``: not waiting, :class:`_WouldWait`."""
        lock = self._audit_lock_in_process
        if not (lock.acquire(blocking=False) if now else lock.acquire(timeout=self._write_timeout)):
            if now:
                raise _WouldWait()
            raise self._busy("its audit log")
        try:
            with self._audit_turn(wait=not now):
                try:
                    yield self._audit_db(now=now)
                except sqlite3.OperationalError as exc:
                    if not _another_writer(exc):
                        raise
                    if now:  # SQLite's lock now or never: no busy wait
                        raise _WouldWait() from exc
                    raise self._busy("its audit log") from exc
        finally:
            lock.release()

    def _audit_db(self, *, now: bool = False) -> sqlite3.Connection:
        """This thread's connection to the audit log; ``now``: the one for
        :meth:`append_audit_now`, set up once the way its commits want it (not synced, no
        checkpoint, no busy wait)."""
        name = "audit_now" if now else "audit"
        conn: sqlite3.Connection | None = getattr(self._local, name, None)
        if conn is None:
            conn = _open_audit_database(self.audit_path, timeout=self._write_timeout)
            if now:
                conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute("PRAGMA wal_autocheckpoint = 0")
                conn.execute("PRAGMA busy_timeout = 0")
            setattr(self._local, name, self._kept(conn))
        return conn

    def sync_audit_log(self) -> int:
        """Put what commits without a sync left in the audit log's write-ahead log on disk,
        and nothing more (no checkpoint: an event loop may call it); that log's size in
        bytes.

        What NORMAL commits left unsynced is in the write-ahead log (a checkpoint syncs the
        log before it copies pages out of it): syncing the log's file puts it on disk. No
        log: everything is in the synced database file."""
        return sync_file(self.audit_log_path())

    def audit_log_path(self) -> Path:
        """The file :meth:`sync_audit_log` syncs (a server may have another process sync it:
        creditgraph.api.log_syncer): the audit log's write-ahead log."""
        return self.audit_path.with_name(self.audit_path.name + "-wal")

    def _insert_audit(self, conn: sqlite3.Connection, entries: Sequence[AuditEntry]) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(
                "INSERT INTO audit (at, principal, role, operation, ids, purpose) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (e.at, e.principal, e.role, e.operation, json.dumps(list(e.ids)), e.purpose)
                    for e in entries
                ],
            )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def sync_audit(self) -> None:
        size = self.sync_audit_log()
        if size > WAL_LIMIT_BYTES:
            # grown past its limit: commits of append_audit_now do not fold it into the log
            # (append_audit's do, past SQLite's wal_autocheckpoint); a passive checkpoint
            # waits for no reader or writer
            self._audit_db().execute("PRAGMA wal_checkpoint(PASSIVE)")

    @contextmanager
    def _audit_turn(self, *, wait: bool = True) -> Iterator[None]:
        """Server processes sharing the store (``serve --workers N``) append the audit of
        every answer they give. Waiting behind SQLite's write lock, a writer sleeps 1, 2, 5,
        10… ms between tries; so they take turns on a lock file beside the store, which the
        kernel hands to the next waiter the moment it is released. (Without a writable
        folder, SQLite's lock alone still keeps them apart.) Unless ``wait``, the turn is
        taken now or :class:`_WouldWait` is raised."""
        if self._audit_lock is None:
            try:
                self._audit_lock = os.open(
                    self.path.with_name(self.path.name + "-audit.lock"), os.O_RDWR | os.O_CREAT
                )
            except OSError:
                self._audit_lock = -1
        if self._audit_lock < 0:
            yield
            return
        try:
            fcntl.flock(self._audit_lock, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _WouldWait() from None
        try:
            yield
        finally:
            fcntl.flock(self._audit_lock, fcntl.LOCK_UN)

    def audit_entries(self, *, limit: int, offset: int = 0) -> list[AuditEntry]:
        if not self.audit_path.exists():  # nothing audited yet: no file made for a read
            return []
        rows = (
            self._audit_db()
            .execute(
                "SELECT at, principal, role, operation, ids, purpose FROM audit "
                "ORDER BY id DESC LIMIT ? OFFSET ?",
                (limit, offset),
            )
            .fetchall()
        )
        return [AuditEntry(r[0], r[1], r[2], r[3], tuple(json.loads(r[4])), r[5]) for r in rows]

    # === traversal (issue 14) =====================================================
    # Level by level over the adjacency indexes (creditgraph.traversal.levelwise): each
    # level one range scan per party, microseconds in-process. Only ranked_links is SQL of
    # its own: a hub's first links are read in index order, the rest only counted.

    def ranked_links(
        self,
        node_ids: Sequence[str],
        *,
        rels: Iterable[str] | None = None,
        as_of: dt.date | None = None,
        limit: int,
        ahead: bool = False,
    ) -> dict[str, RankedLinks]:
        found = self._ranked_links(node_ids, rels=rels, as_of=as_of, limit=limit)
        if ahead:
            # in-process, the next level is simply the next call
            others = {link.other(n) for n, ranked in found.items() for link in ranked.links}
            found.update(
                self._ranked_links(
                    sorted(others - found.keys()), rels=rels, as_of=as_of, limit=limit
                )
            )
        return found

    def _ranked_links(
        self,
        node_ids: Sequence[str],
        *,
        rels: Iterable[str] | None,
        as_of: dt.date | None,
        limit: int,
    ) -> dict[str, RankedLinks]:
        wanted = list(dict.fromkeys(node_ids))
        ranks = rel_ranks(self.schema)
        rel_list = sorted(set(rels)) if rels is not None else sorted(self.schema.links)
        rel_marks = ",".join("?" * len(rel_list))
        window, window_params = "", []
        if as_of is not None:
            window = " AND valid_from <= ? AND (valid_to IS NULL OR valid_to >= ?)"
            window_params = [as_of.isoformat()] * 2
        # (node, holds, rel) -> (direction, count): counted on the covering indexes alone
        groups: dict[str, dict[tuple[bool, str], list[tuple[str, int]]]] = {n: {} for n in wanted}
        totals = dict.fromkeys(wanted, 0)
        conn = self._conn
        for start in range(0, len(wanted), 400):
            chunk = wanted[start : start + 400]
            marks = ",".join("?" * len(chunk))
            for direction, anchor, other in ((OUT, "src", "dst"), (IN, "dst", "src")):
                # a link from a party to itself is counted once, as leaving it
                loop = f" AND {other} != {anchor}" if direction == IN else ""
                for node_id, rel, holds, count in conn.execute(
                    f"SELECT {anchor}, rel, valid_to IS NULL, count(*) FROM links "
                    f"WHERE {anchor} IN ({marks}) AND rel IN ({rel_marks}){window}{loop} "
                    "GROUP BY 1, 2, 3",
                    (*chunk, *rel_list, *window_params),
                ):
                    groups[node_id].setdefault((bool(holds), rel), []).append((direction, count))
                    totals[node_id] += count
        small = [n for n in wanted if totals[n] <= limit]
        found = {
            node_id: RankedLinks(ranked.links, totals[node_id])
            for node_id, ranked in levelwise.ranked_links(
                self, small, rels=rel_list, as_of=as_of, limit=limit
            ).items()
        }
        for node_id in wanted:
            if totals[node_id] > limit:
                found[node_id] = RankedLinks(
                    self._first_links(node_id, groups[node_id], ranks, as_of, limit),
                    totals[node_id],
                )
        return {node_id: found[node_id] for node_id in wanted}

    def _first_links(
        self,
        node_id: str,
        groups: dict[tuple[bool, str], list[tuple[str, int]]],
        ranks: dict[str, int],
        as_of: dt.date | None,
        limit: int,
    ) -> list[Link]:
        """A hub's first ``limit`` links in display order, one group (still holding or not,
        link kind) at a time, each read in index order and stopped at what is still wanted."""
        window, window_params = "", []
        if as_of is not None:
            window = " AND valid_from <= ? AND (valid_to IS NULL OR valid_to >= ?)"
            window_params = [as_of.isoformat()] * 2
        shown: list[Link] = []
        order = display_order(ranks, node_id)
        for holds, rel in sorted(groups, key=lambda g: (not g[0], ranks.get(g[1], len(ranks)))):
            wanted = limit - len(shown)
            if wanted <= 0:
                break
            held = "valid_to IS NULL" if holds else "valid_to IS NOT NULL"
            part: list[Link] = []
            for direction, _count in groups[(holds, rel)]:
                anchor, other = ("src", "dst") if direction == OUT else ("dst", "src")
                loop = f" AND {other} != {anchor}" if direction == IN else ""
                part.extend(
                    _link(row)
                    for row in self._conn.execute(
                        f"SELECT {_LINK_COLUMNS} FROM links WHERE {anchor} = ? AND rel = ? "
                        f"AND {held}{window}{loop} ORDER BY {other}, valid_from DESC LIMIT ?",
                        (node_id, rel, *window_params, wanted),
                    )
                )
            part.sort(key=order)
            shown.extend(part[:wanted])
        return shown

    def shortest_paths(
        self,
        source: str,
        target: str,
        *,
        max_hops: int,
        rels: Iterable[str] | None = None,
        as_of: dt.date | None = None,
        first: int,
        max_parties: int,
        budget: Budget,
    ) -> list[FoundPath]:
        return levelwise.shortest_paths(
            self,
            source,
            target,
            max_hops=max_hops,
            rels=rels,
            as_of=as_of,
            first=first,
            max_parties=max_parties,
            budget=budget,
        )

    def links_within(
        self,
        root: str,
        *,
        depth: int,
        rels: Iterable[str] | None = None,
        as_of: dt.date | None = None,
        max_parties: int,
        budget: Budget,
    ) -> list[Link]:
        return levelwise.links_within(
            self, root, depth=depth, rels=rels, as_of=as_of, max_parties=max_parties, budget=budget
        )

    def ownership_links(
        self,
        enterprise: str,
        *,
        rels: Iterable[str],
        levels: int,
        as_of: dt.date | None,
        max_parties: int,
        budget: Budget,
    ) -> list[Link]:
        return levelwise.ownership_links(
            self,
            enterprise,
            rels=rels,
            levels=levels,
            as_of=as_of,
            max_parties=max_parties,
            budget=budget,
        )

    def conflict_links(
        self,
        *,
        agency: str | None,
        official: str | None,
        as_of: dt.date | None,
        holding_rels: Iterable[str],
    ) -> ConflictLinks:
        return levelwise.conflict_links(
            self, agency=agency, official=official, as_of=as_of, holding_rels=holding_rels
        )
