"""The Maven-built Neo4j test server starts, answers Cypher and goes away cleanly."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import neo4j
import pytest

from support.neo4j_server import URL_ENV_VAR, Neo4jServer, Neo4jUnavailable, start_neo4j

pytestmark = pytest.mark.neo4j


def _start_or_skip() -> Neo4jServer:
    try:
        return start_neo4j()
    except Neo4jUnavailable as exc:
        message = str(exc)
    # CI must never go green without having exercised Neo4j.
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _accepts_connections(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def test_harness_serves_neo4j_5_26_community_and_stops() -> None:
    server = _start_or_skip()
    with server:
        address = urlsplit(server.url)
        assert address.scheme == "bolt"
        assert address.hostname is not None and address.port is not None

        driver = neo4j.GraphDatabase.driver(server.url, auth=None)
        with driver, driver.session() as session:
            # Rolled back so that an external server (URL_ENV_VAR) is left untouched.
            with session.begin_transaction() as tx:
                probe = tx.run("CREATE (n:Probe {x: 1}) RETURN n.x AS x").single(strict=True)
                assert probe["x"] == 1
                tx.rollback()
            components = session.run(
                "CALL dbms.components() YIELD name, versions, edition "
                "RETURN name, versions, edition"
            ).data()

    kernel = next(c for c in components if c["name"] == "Neo4j Kernel")
    assert kernel["versions"][0].startswith("5.26"), kernel
    assert kernel["edition"] == "community", kernel

    if not os.environ.get(URL_ENV_VAR):
        assert not _accepts_connections(address.hostname, address.port)
    server.stop()  # idempotent
