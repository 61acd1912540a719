"""The investigator workbench and GraphiQL, served from the package.

The front end is built with npm from ``web/`` at development time (``web/build.mjs``) into
``static/`` here, so ``pip install .`` alone serves a working UI and no request leaves
the server's origin. ``SOURCE_HASH`` records the sources the committed build came from;
``tests/test_web_build.py`` fails when they have changed since.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from creditgraph.web.examples import graphiql_document

STATIC = Path(__file__).resolve().parent / "static"
# The front-end sources, in a repository checkout (not in an installed wheel).
SOURCES = Path(__file__).resolve().parents[3] / "web"


def index_html() -> str:
    return (STATIC / "index.html").read_text(encoding="utf-8")


def graphiql_html() -> str:
    examples = {"query": graphiql_document()}
    # "</" would end the <script> element the examples sit in
    text = json.dumps(examples, ensure_ascii=False).replace("</", "<\\/")
    return (STATIC / "graphiql.html").read_text(encoding="utf-8").replace("{{EXAMPLES}}", text)


def recorded_source_hash() -> str:
    return (STATIC / "SOURCE_HASH").read_text(encoding="utf-8").strip()


def source_hash(root: Path = SOURCES) -> str:
    """The hash web/build.mjs records (``sourceHash`` there): every source file's path and
    bytes, in path order."""
    files = ["package.json", "package-lock.json", "build.mjs"]
    files += [p.relative_to(root).as_posix() for p in (root / "src").rglob("*") if p.is_file()]
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update((root / name).read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()
