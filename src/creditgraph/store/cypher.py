"""The Cypher statements of the Neo4j store, read by name from the ``cypher/`` folder.

A name is the file's path below ``cypher/`` without ``.cypher`` (``queries/search``).
Values always travel as parameters. The only text ever put into a statement is a
link kind or node label declared in ``graph_schema/`` — for the few statements that
need a static relationship type or label to use an index or the count store (see
``cypher/README.md``) — and :meth:`CypherLibrary.render` refuses anything else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from creditgraph.resources import cypher_dir
from creditgraph.schema import GraphSchema

_NAME = re.compile(r"^[a-z_]+/[a-z_]+$")
_IDENTIFIER = re.compile(r"^[A-Z][A-Za-z0-9_]*$")
_PLACEHOLDER = re.compile(r"__(REL|LABEL|HOPS|RELS)__")
# A quantifier's bound must be a literal in Cypher; the service caps hops at 6, ownership
# levels at 10.
_MAX_HOPS = 10
# Filled templates a library keeps (each a few kB): every set of link kinds a caller may ask
# about is a filling of its own.
_FILLED_KEPT = 1_024
_COMMENT = re.compile(r"^\s*//.*$", re.MULTILINE)
_SCHEMA_NAME = re.compile(r"^\s*CREATE\s+(?:\w+\s+)?(?:INDEX|CONSTRAINT)\s+(\w+)", re.IGNORECASE)


class CypherLibrary:
    """The statements in ``cypher/``, cached, with schema-checked placeholders."""

    def __init__(self, schema: GraphSchema, root: Path | None = None) -> None:
        self.root = root or cypher_dir()
        self._rels = frozenset(schema.links)
        self._labels = frozenset(kind.label for kind in schema.nodes.values())
        self._texts: dict[str, str] = {}
        # filled templates by their fillings: a neighbourhood renders ranked_links for every
        # call (16 µs a fill, against 0.3 µs to look one up); a few hundred at most in use
        self._filled: dict[tuple[Any, ...], str] = {}

    def _read(self, name: str) -> str:
        text = self._texts.get(name)
        if text is None:
            if not _NAME.match(name):
                raise KeyError(f"{name!r} is not a statement name like 'queries/search'")
            path = self.root / f"{name}.cypher"
            try:
                text = path.read_text(encoding="utf-8").strip()
            except FileNotFoundError:
                raise KeyError(f"{path}: no such Cypher statement") from None
            self._texts[name] = text
        return text

    def __getitem__(self, name: str) -> str:
        text = self._read(name)
        if _PLACEHOLDER.search(text):
            raise KeyError(f"{name} has a placeholder: use render()")
        return text

    def render(
        self,
        name: str,
        *,
        rel: str | None = None,
        label: str | None = None,
        hops: int | None = None,
        rels: Sequence[str] | None = None,
    ) -> str:
        """The statement with ``__REL__`` / ``__LABEL__`` filled from the schema's names,
        ``__RELS__`` with link kinds of the schema as a type alternation (``A|B``: Neo4j
        counts such links from a node's degrees, where ``$any($rels)`` reads each one), and
        ``__HOPS__`` (a path quantifier's upper bound) with a small whole number."""
        # (the type of hops in the key: True == 1, and True is refused)
        key = (name, rel, label, type(hops), hops, None if rels is None else tuple(rels))
        filled = self._filled.get(key)
        if filled is None:
            filled = self._fill(name, rel, label, hops, rels)
            if len(self._filled) >= _FILLED_KEPT:
                self._filled.clear()
            self._filled[key] = filled
        return filled

    def _fill(
        self,
        name: str,
        rel: str | None,
        label: str | None,
        hops: int | None,
        rels: Sequence[str] | None,
    ) -> str:
        text = self._read(name)
        values = {"REL": (rel, self._rels), "LABEL": (label, self._labels)}

        def fill(match: re.Match[str]) -> str:
            if match.group(1) == "RELS":
                if not rels or any(r not in self._rels or not _IDENTIFIER.match(r) for r in rels):
                    raise ValueError(
                        f"{name}: __RELS__ must be link kinds declared in graph_schema/, "
                        f"not {rels!r}"
                    )
                return "|".join(rels)
            if match.group(1) == "HOPS":
                if type(hops) is not int or not 1 <= hops <= _MAX_HOPS:
                    raise ValueError(
                        f"{name}: __HOPS__ must be a whole number from 1 to {_MAX_HOPS}, "
                        f"not {hops!r}"
                    )
                return str(hops)
            value, allowed = values[match.group(1)]
            if value is None or value not in allowed or not _IDENTIFIER.match(value):
                raise ValueError(
                    f"{name}: {match.group(0)} must be a {match.group(1).lower()} declared in "
                    f"graph_schema/, not {value!r}"
                )
            return value

        return _PLACEHOLDER.sub(fill, text)

    def statements(self, name: str, **fill: str) -> list[tuple[str, str]]:
        """The ``;``-separated statements of a schema file, each with the name it creates."""
        text = _COMMENT.sub("", self.render(name, rel=fill.get("rel"), label=fill.get("label")))
        found = []
        for statement in (s.strip() for s in text.split(";")):
            if not statement:
                continue
            match = _SCHEMA_NAME.match(statement)
            if match is None:
                raise ValueError(f"{name}: every schema statement must name what it creates")
            found.append((match.group(1), statement))
        return found
