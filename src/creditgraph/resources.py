"""Where the declarative files live: in the wheel, or at the top of a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"creditgraph's {name}/ folder is missing from the installation")


def schema_dir() -> Path:
    return _find("graph_schema")


def cypher_dir() -> Path:
    return _find("cypher")


def demo_file() -> Path:
    return _PACKAGE / "demo" / "scenario.jsonl"
