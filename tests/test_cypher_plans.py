"""The Neo4j statements a load and a check run find their nodes by index seeks, whatever
Neo4j's statistics say at the moment they are planned.

Right after a first load's nodes are written, Neo4j still counts the id index as empty
(it samples it again later, in the background). A statement planned in that window could
choose to read the whole index instead of seeking in it — "free" on an empty index — and
keep that plan: a first load of 100,000 links then spent minutes per batch of links (half
the runs of 3 Dec 2026 stopped for 4–9 minutes in one statement, with 54,000 index entries
read per row). So every statement under ``cypher/import``, ``cypher/propagation`` and
``cypher/queries`` that matches a node by ``id`` (or an event by ``lifts``) says so with
``USING INDEX SEEK``, and the link statements reach a link's far end only through the
link. MERGE is exempt: Neo4j always merges through the uniqueness constraint's index.
The traversal statements (``cypher/traversal``) are planned around their path searches
and are left to the planner.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CYPHER = Path(__file__).resolve().parent.parent / "cypher"
CHECKED = ("import", "propagation", "queries")
NODE_BY_KEY = re.compile(r"(MERGE\s+)?\((\w*):(Entity|Event)\s*\{(id|lifts):")


def _statements() -> list[Path]:
    return sorted(path for folder in CHECKED for path in (CYPHER / folder).glob("*.cypher"))


def _code(path: Path) -> str:
    return "\n".join(
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if not line.lstrip().startswith("//")
    )


@pytest.mark.parametrize("path", _statements(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_node_found_by_its_key_is_found_by_an_index_seek(path: Path) -> None:
    code = _code(path)
    for match in NODE_BY_KEY.finditer(code):
        merge, variable, label, key = match.groups()
        if merge:
            continue
        assert variable, f"{path.name}: {match.group(0)} has no variable to hint"
        hint = f"USING INDEX SEEK {variable}:{label}({key})"
        assert hint in code, f"{path.name}: {match.group(0)}… without {hint}"


def test_the_rule_sees_the_statements_a_load_runs() -> None:
    # the test above would pass on an empty folder: the statements it guards are there
    names = {f"{p.parent.name}/{p.stem}" for p in _statements()}
    assert {"import/links_existing", "import/links_create", "import/nodes_existing"} <= names
    assert "USING INDEX SEEK" in _code(CYPHER / "import" / "links_existing.cypher")


@pytest.mark.parametrize("name", ["links_existing", "links_delete"])
def test_a_links_far_end_is_reached_through_the_link(name: str) -> None:
    code = _code(CYPHER / "import" / f"{name}.cypher")
    assert re.search(r"MATCH \(a\)-\[r:\$\(row\.rel\)\]->\(b\)", code)
    assert "b:Entity" not in code  # no label, so no index the planner could read b from
