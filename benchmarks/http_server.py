"""``creditgraph serve`` as the benchmark runs it, plus the competitors on the same service.

``python -m benchmarks.http_server STORE_URL PORT`` serves exactly the app ``creditgraph
serve`` builds (same settings, access policy, uvicorn configuration) with two routes added:

- ``POST /bench/check``: a plain ``async`` FastAPI route calling the same
  ``Decisions.check_appointment`` and returning the decision JSON — what a developer would
  write without GraphQL (and without the audit, the limits and the access roles);
- ``POST /bench/ping``: a bare ASGI answer in front of every middleware — the ceiling of
  uvicorn, the event loop and the load generator on this machine, with no work at all.

:func:`served` starts it in a child process for a benchmark and stops it afterwards.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import Response

from creditgraph.api.app import create_app, create_state
from creditgraph.api.commands import _open, _policy, _run_until_stopped, _settings

_PONG = b'{"decision":"ALLOW"}'


def main(argv: list[str]) -> None:
    store_url, port = argv[0], int(argv[1])
    workers = int(argv[2]) if len(argv) > 2 else 1
    if workers > 1:  # as `creditgraph serve --workers N`, with the routes below in each
        from creditgraph.api.serving import run_workers, worker_environment

        with worker_environment(store_url, "127.0.0.1"):
            run_workers("benchmarks.http_server:bench_app", "127.0.0.1", port, workers)
        return
    settings = _settings()
    policy = _policy(settings, "127.0.0.1")
    state = create_state(_open(store_url, settings), settings, policy)
    _run_until_stopped(_with_bench_routes(create_app(state, close_store=True)), "127.0.0.1", port)


def bench_app() -> Any:
    """A worker process's app (a uvicorn factory) with the benchmark's routes."""
    from creditgraph.api.serving import worker_app

    return _with_bench_routes(worker_app())


def _with_bench_routes(app: Any) -> Any:
    decisions = app.state.creditgraph.decisions

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

    async def with_ping(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/bench/ping":
            while (await receive()).get("more_body"):
                pass
            headers = [(b"content-type", b"application/json"), (b"content-length", b"20")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": _PONG})
            return
        await app(scope, receive, send)

    return with_ping


@contextmanager
def served(
    store_url: str,
    port: int,
    *,
    workers: int = 1,
    start_within: float = 120,
    settings: dict[str, str] | None = None,
) -> Iterator[tuple[float, int]]:
    """The benchmark server running on ``port`` (with the ``CREDITGRAPH_*`` variables of
    ``settings``); yields the seconds it took to answer /healthz and its process id. Its log
    goes to a file, never to an unread pipe: the server writes a line per request, and a
    full pipe would stop it mid-benchmark (it did: 222 requests in)."""
    import httpx

    env = {k: v for k, v in os.environ.items() if k != "CREDITGRAPH_API_KEYS"}
    env.update(settings or {})
    with tempfile.TemporaryFile(prefix="creditgraph-bench-serve-") as log:
        started = time.perf_counter()
        server = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.http_server", store_url, str(port), str(workers)],
            env=env,
            cwd=Path(__file__).resolve().parents[1],  # where `benchmarks` is importable
            stdout=subprocess.DEVNULL,
            stderr=log,
        )

        def log_tail() -> str:
            log.seek(0)
            return log.read().decode("utf-8", "replace")[-2000:]

        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
                while True:
                    if server.poll() is not None:
                        raise RuntimeError(f"server exited: {log_tail()}")
                    if time.perf_counter() - started > start_within:
                        raise RuntimeError(f"server did not answer /healthz: {log_tail()}")
                    try:
                        if client.get("/healthz").status_code == 200:
                            break
                    except httpx.TransportError:
                        time.sleep(0.05)
            yield time.perf_counter() - started, server.pid
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


if __name__ == "__main__":
    main(sys.argv[1:])
