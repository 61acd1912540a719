"""Print the GraphQL schema (SDL): ``python -m creditgraph.api.sdl > schema.graphql``.

The checked-in ``schema.graphql`` is compared with this output by the tests, so the
published schema never drifts from the code (and from ``graph_schema/``).
"""

from __future__ import annotations

import sys


def sdl() -> str:
    from creditgraph.api.schema import schema

    return schema.as_str().rstrip("\n") + "\n"


def main() -> None:
    sys.stdout.write(sdl())


if __name__ == "__main__":
    main()
