"""Shared fixtures: a fresh store per test.

`store` is the embedded store; scenario suites that must hold on every backend use
`any_store`, parametrised over the embedded store and Neo4j. The Neo4j server
(tests/support/neo4j_server.py: Neo4j 5.26 Community from Maven Central, or the
server named by CREDITGRAPH_TEST_NEO4J_URL — which the tests empty) is started once
per test session and stopped at its end; every test gets an empty database.

When Neo4j cannot be started, its tests are skipped with the reason — except in CI
(CI=true), where they fail: CI must never go green without having run them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from creditgraph.schema import default_schema
from creditgraph.store.base import GraphStore
from creditgraph.store.embedded import EmbeddedStore
from support.stores import SHARED, TEST_ID_KEY, Neo4jTestServer

__all__ = ["SHARED", "TEST_ID_KEY"]

IN_CI = os.environ.get("CI", "").lower() == "true"

# No property test may fail because the machine is busy (2 cores shared by a CI runner, a
# Neo4j server and the suite): no deadline, no "too slow" health check, and in CI a fixed
# derandomised run so a red build is reproducible. HYPOTHESIS_PROFILE=dev keeps the defaults.
hypothesis_settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
hypothesis_settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.register_profile("dev")
hypothesis_settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if IN_CI else "default")
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[GraphStore]:
    opened = EmbeddedStore(tmp_path / "store.db", default_schema(), id_key=TEST_ID_KEY)
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def neo4j_server() -> Iterator[Neo4jTestServer]:
    from support.neo4j_server import Neo4jUnavailable, start_neo4j

    try:
        server = start_neo4j()
    except Neo4jUnavailable as exc:
        if IN_CI:
            pytest.fail(f"Neo4j is required in CI: {exc}", pytrace=False)
        pytest.skip(f"Neo4j tests skipped: {exc}")
    test_server = Neo4jTestServer(server.url)
    try:
        yield test_server
    finally:
        test_server.close()
        server.stop()


@pytest.fixture
def neo4j_store(neo4j_server: Neo4jTestServer) -> Iterator[GraphStore]:
    neo4j_server.empty()
    opened = neo4j_server.open()
    yield opened
    opened.close()


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """The same scenario on every store: the embedded store, then Neo4j."""
    if request.param == "embedded":
        opened: GraphStore = EmbeddedStore(
            tmp_path / "store.db", default_schema(), id_key=TEST_ID_KEY
        )
    else:
        server: Neo4jTestServer = request.getfixturevalue("neo4j_server")
        server.empty()
        opened = server.open()
    yield opened
    opened.close()
