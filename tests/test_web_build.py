"""The workbench's built assets are committed into the package (so `pip install .` needs no
Node.js); this fails when they are older than their sources in web/: rebuild with
`cd web && npm ci && npm run build` and commit src/creditgraph/web/static."""

from __future__ import annotations

import pytest

from creditgraph.web import SOURCES, recorded_source_hash, source_hash


def test_committed_workbench_build_matches_its_sources() -> None:
    if not (SOURCES / "package.json").is_file():
        pytest.skip("no web/ sources here (an installed package)")
    assert recorded_source_hash() == source_hash(), (
        "src/creditgraph/web/static is older than web/: run `cd web && npm ci && npm run build` "
        "and commit the result"
    )
