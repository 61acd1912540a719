"""Shared fixtures: a fresh store per test.

`store` is the embedded store; scenario suites that must hold on every backend use
`any_store`, parametrised over the embedded store and (when available) Neo4j.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from creditgraph.schema import default_schema
from creditgraph.store.base import GraphStore
from creditgraph.store.embedded import EmbeddedStore

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[GraphStore]:
    opened = EmbeddedStore(tmp_path / "store.db", default_schema(), id_key="test-key")
    yield opened
    opened.close()
