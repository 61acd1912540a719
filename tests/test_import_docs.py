"""docs/IMPORT.md, the import format as a reader of the repository finds it (issue 10, item
15), names every node, link and event kind graph_schema/ declares — so a kind added to the
schema cannot go undocumented."""

from __future__ import annotations

from pathlib import Path

from creditgraph.schema import default_schema

DOC = Path(__file__).resolve().parents[1] / "docs" / "IMPORT.md"


def test_the_import_format_page_names_every_kind_in_the_schema() -> None:
    text = DOC.read_text(encoding="utf-8")
    schema = default_schema()
    declared = [*schema.nodes, *schema.links, *schema.events]

    missing = [kind for kind in declared if f"`{kind}`" not in text]

    assert missing == []


def test_the_readme_points_to_the_import_format_inside_the_repository() -> None:
    readme = (DOC.parents[1] / "README.md").read_text(encoding="utf-8")

    assert "docs/IMPORT.md" in readme
    assert "../shared" not in readme
