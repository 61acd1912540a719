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


def _zh_labels(table: str) -> set[str]:
    import re

    text = (SOURCES / "src" / "workbench" / "i18n.js").read_text(encoding="utf-8")
    block = text[text.index(f"const {table} = {{") :]
    return set(re.findall(r"\b([A-Z][A-Z0-9_]+):", block[: block.index("};")]))


def test_the_workbench_names_every_measure_event_and_link_of_the_schema_in_chinese() -> None:
    # an investigator reading 严重违法失信名单 should not meet SERIOUS_VIOLATION_LISTING: a
    # measure, event kind or link kind added to graph_schema/ needs its label here too
    if not (SOURCES / "package.json").is_file():
        pytest.skip("no web/ sources here (an installed package)")
    from creditgraph.schema import default_schema

    schema = default_schema()
    assert set(schema.measures) <= _zh_labels("MEASURES_ZH")
    assert set(schema.events) <= _zh_labels("EVENTS_ZH")
    assert set(schema.links) <= _zh_labels("RELS_ZH") | _zh_labels("DERIVED_RELS_ZH")
