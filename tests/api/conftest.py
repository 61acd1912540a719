"""Fixtures for the API tests: a live server over the demo scenario (plus a nominee hub),
with the three keyed roles and anonymous public access; stopped when the module ends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_support import KEYS, Live, new_store, nominee_hub, serving, state_for

from creditgraph.store.embedded import EmbeddedStore


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    path = tmp_path_factory.mktemp("live") / "demo.db"
    store = new_store(path, nominee_hub())
    state = state_for(store, keys=KEYS, public=True)
    with serving(state) as url:
        yield Live(url, store, state, path)
    store.close()


@pytest.fixture
def demo_store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    store = new_store(tmp_path / "demo.db", nominee_hub())
    yield store
    store.close()
