"""Stores for the tests: the Neo4j test server wrapper shared by conftest.py and the tests.

(Import from here, not from ``conftest``: tests/api has a conftest.py of its own.)
"""

from __future__ import annotations

import os
from pathlib import Path

from creditgraph.schema import default_schema
from creditgraph.store.base import GraphStore

SHARED = Path(__file__).resolve().parents[3] / "shared"
TEST_ID_KEY = "test-key"


class Neo4jTestServer:
    """The session's Neo4j, with a way to empty it between tests."""

    def __init__(self, url: str) -> None:
        import neo4j

        self.url = url
        # an external server (CREDITGRAPH_TEST_NEO4J_URL) may need credentials
        self.user, self.password = os.environ.get("NEO4J_USER"), os.environ.get("NEO4J_PASSWORD")
        auth = (
            neo4j.basic_auth(self.user or "neo4j", self.password or "")
            if self.user or self.password
            else None
        )
        self._driver = neo4j.GraphDatabase.driver(url, auth=auth)

    def empty(self) -> None:
        """Delete every node and relationship; constraints and indexes stay (they are
        created idempotently, and re-creating them per test would cost seconds)."""
        self._driver.execute_query("MATCH (n) DETACH DELETE n")

    def open(self, *, create: bool = True, migrating: bool = False) -> GraphStore:
        from creditgraph.store.neo4j import Neo4jStore

        return Neo4jStore(
            self.url,
            default_schema(),
            user=self.user,
            password=self.password,
            id_key=TEST_ID_KEY,
            create=create,
            migrating=migrating,
        )

    def set_schema_version(self, version: int | None) -> None:
        """Make the store look as if written by another creditgraph (None: before versions)."""
        self._driver.execute_query(
            "MATCH (m:CreditgraphMeta {key: 'store'}) SET m.schema_version = $version",
            version=version,
        )

    def remove_property(self, name: str) -> None:
        """Make the nodes look as if written before a property was added (migration tests)."""
        self._driver.execute_query(f"MATCH (n:Entity) REMOVE n.`{name}`")

    def execute(self, statement: str) -> None:
        """Run one statement (migration tests: make the graph look as an older layout left it)."""
        self._driver.execute_query(statement)

    def close(self) -> None:
        self._driver.close()
