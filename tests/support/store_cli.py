"""``creditgraph load``/``stats``/``export`` against either store, for the import tests.

The import tests are parametrised over ``any_store`` and run the real CLI with
``--store`` naming that store: the embedded store's file, or the Neo4j server's bolt
URL. On Neo4j every command also runs, first, on an embedded *twin* store that has
received the same commands, and must end with the same exit code and print exactly the
same standard output and error: so each import case checks on Neo4j both what the test
asserts and that Neo4j gives the embedded store's error lines, created/updated/unchanged
counts, stats and export, character for character.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from creditgraph.store.base import GraphStore
from creditgraph.store.embedded import EmbeddedStore
from helpers_import import cli
from support.stores import TEST_ID_KEY, Neo4jTestServer

# the key `any_store` hashes identity numbers with, so exports compare across stores
_ENV = {"CREDITGRAPH_ID_KEY": TEST_ID_KEY}


class StoreCli:
    """The CLI against one store (``url``), mirrored on an embedded ``twin`` if given."""

    def __init__(self, url: str, twin: Path | None = None) -> None:
        self.url = url
        self.twin = twin

    @classmethod
    def of(cls, store: GraphStore, request: pytest.FixtureRequest, tmp_path: Path) -> StoreCli:
        """The CLI against ``any_store``: its file, or Neo4j with a twin in ``tmp_path``."""
        if isinstance(store, EmbeddedStore):
            return cls(str(store.path))
        server: Neo4jTestServer = request.getfixturevalue("neo4j_server")
        # the twin exists from the start, as the Neo4j database does (a failed first load
        # removes the embedded store it would have created)
        twin = tmp_path / "embedded-twin.db"
        made = cli("init", "--store", twin, env=_ENV)
        assert made.exit_code == 0, made.output
        return cls(server.url, twin=twin)

    @property
    def on_neo4j(self) -> bool:
        return self.twin is not None

    def run(self, *args: str | Path, input: str | bytes | None = None) -> Result:
        """``creditgraph ARGS --store URL``; on Neo4j, the twin must answer alike (it runs
        first, so a file the command writes is the one the store under test wrote)."""
        expected = None
        if self.twin is not None:
            expected = cli(*args, "--store", self.twin, input=input, env=_ENV)
        result = cli(*args, "--store", self.url, input=input, env=_ENV)
        if expected is not None:
            assert (result.exit_code, result.stdout, result.stderr) == (
                expected.exit_code,
                expected.stdout,
                expected.stderr,
            ), f"Neo4j and the embedded store differ on: creditgraph {' '.join(map(str, args))}"
        return result

    def load(
        self, *files: str | Path, options: Iterable[str] = (), input: str | bytes | None = None
    ) -> Result:
        return self.run("load", *files, *options, input=input)

    def stats(self) -> dict[str, dict[str, int]]:
        result = self.run("stats", "--json")
        assert result.exit_code == 0, result.output
        counts: dict[str, dict[str, int]] = json.loads(result.stdout)
        return counts

    def export(self) -> list[dict[str, Any]]:
        result = self.run("export")
        assert result.exit_code == 0, result.output
        return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
