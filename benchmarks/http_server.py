"""``creditgraph serve`` as the benchmark runs it, plus the competitor on the same service.

``python -m benchmarks.http_server STORE_URL PORT`` serves exactly the app ``creditgraph
serve`` builds (same settings, access policy, uvicorn configuration) with one route added:
``POST /bench/check``, a plain ``async`` FastAPI route calling the same
``Decisions.check_appointment`` and returning the decision JSON — what a developer would
write without GraphQL. When the REST endpoint ``/v1/checks/appointment`` exists, the
benchmark measures that instead.
"""

from __future__ import annotations

import datetime as dt
import sys

import orjson
from fastapi import Request
from fastapi.responses import Response

from creditgraph.api.app import create_app, create_state
from creditgraph.api.commands import _open, _policy, _run_until_stopped, _settings


def main(argv: list[str]) -> None:
    store_url, port = argv[0], int(argv[1])
    settings = _settings()
    policy = _policy(settings, "127.0.0.1")
    state = create_state(_open(store_url, settings), settings, policy)
    app = create_app(state, close_store=True)
    decisions = state.decisions

    @app.post("/bench/check")
    async def check(request: Request) -> Response:
        body = orjson.loads(await request.body())
        decision = decisions.check_appointment(
            body["person"],
            body["role"],
            enterprise_id=body.get("enterprise"),
            on=dt.date.fromisoformat(body["on"]),
        )
        return Response(orjson.dumps(decision.to_json()), media_type="application/json")

    _run_until_stopped(app, "127.0.0.1", port)


if __name__ == "__main__":
    main(sys.argv[1:])
