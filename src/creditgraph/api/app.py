"""The HTTP server: the investigator workbench at ``/``, GraphQL at ``/graphql`` (GraphiQL
in a browser, served from the package), the credit report PDF at ``/report/{id}.pdf``, and
``/healthz``."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, cast

import orjson
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.requests import HTTPConnection
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from strawberry.exceptions import MissingQueryError
from strawberry.http import process_result
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from creditgraph import __version__
from creditgraph.api import docs, rest
from creditgraph.api.access import AccessPolicy, key_from_headers
from creditgraph.api.audit import AuditWriter
from creditgraph.api.context import PURPOSE_HEADER, ApiContext, ApiState, purpose_text
from creditgraph.api.guard import RequestGuard, VariablesRejected, check_variables
from creditgraph.api.operations import (
    Metrics,
    RequestMiddleware,
    TimedStore,
    cors_headers,
    readiness,
    set_label,
)
from creditgraph.api.schema import schema
from creditgraph.api.web import LocalGraphiQLRouter
from creditgraph.api.web import install as install_web
from creditgraph.settings import Settings
from creditgraph.store.base import GraphStore, StoreError

POST_OPERATIONS = frozenset({OperationType.QUERY, OperationType.MUTATION})


def _bad_request(message: str, status: int = 400, code: str = "BAD_REQUEST") -> Response:
    error = {"message": message, "extensions": {"code": code}}
    return Response(
        orjson.dumps({"data": None, "errors": [error]}),
        status_code=status,
        media_type="application/json",
    )


def _purpose_of(request: Request) -> str | None:
    purpose = request.headers.get(PURPOSE_HEADER)
    return purpose_text(purpose) if purpose else None


def create_state(
    store: GraphStore, settings: Settings, policy: AccessPolicy, *, workers: int | None = None
) -> ApiState:
    workers = workers or min(32, (os.cpu_count() or 2) * 4)
    metrics = Metrics()
    audit = AuditWriter(store, timeout=settings.write_timeout_s, sync_within=settings.audit_sync_s)
    metrics.watch_audit(audit)
    return ApiState(
        store=cast(GraphStore, TimedStore(store, metrics)),
        settings=settings,
        policy=policy,
        audit=audit,
        executor=ThreadPoolExecutor(max_workers=workers, thread_name_prefix="creditgraph"),
        metrics=metrics,
    )


def create_app(state: ApiState, *, close_store: bool = False) -> FastAPI:
    """The FastAPI application over one store. The audit writer runs while the app runs;
    on shutdown the queued audit entries are written and the workers stopped."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state.audit.start()
        if state.deliverer is not None:
            state.deliverer.start()
        try:
            yield
        finally:
            if state.deliverer is not None:
                state.deliverer.stop()
            state.audit.stop()
            if isinstance(state.executor, ThreadPoolExecutor):
                state.executor.shutdown(wait=False, cancel_futures=True)
            if close_store:
                state.store.close()

    async def get_context(request: HTTPConnection) -> ApiContext:
        # HTTPConnection: the same context for a POST, a GET and a WebSocket subscription
        purpose = request.headers.get(PURPOSE_HEADER)
        return ApiContext.for_key(
            state,
            key_from_headers(request.headers),
            purpose=purpose_text(purpose) if purpose else None,
        )

    app = CreditGraphApp(
        title="creditgraph",
        version=__version__,
        description="A dated credit relationship graph: checks for approval systems, "
        "association queries for investigators. GraphQL at /graphql (GraphiQL in a "
        "browser); the REST checks below answer with the same decision objects as "
        "`creditgraph check --json`.",
        lifespan=lifespan,
        docs_url=None,  # served below from packaged assets: no CDN
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.creditgraph = state
    metrics = state.metrics or Metrics()
    rest.install(app)
    docs.install(app)

    async def graphql_post(request: Request) -> Response:
        """POST /graphql with a JSON body — what every GraphQL client sends — answered
        without the framework's dependency injection: the check path stays thin."""
        if "json" not in request.headers.get("content-type", "application/json"):
            return _bad_request("send the operation as application/json", status=415)
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return _bad_request("the request body is not JSON")
        if not isinstance(body, dict):
            return _bad_request(
                "send one operation as a JSON object "
                '{"query": …, "variables": …} (batches are not accepted)'
            )
        query, variables = body.get("query"), body.get("variables")
        operation = body.get("operationName")
        if not isinstance(query, str) or not query.strip():
            return _bad_request('the body has no "query" string')
        if variables is not None and not isinstance(variables, dict):
            return _bad_request('"variables" must be a JSON object')
        try:
            check_variables(variables)
        except VariablesRejected as exc:
            return _bad_request(str(exc), code=exc.code)
        context = await get_context(request)
        set_label(request.scope, operation="graphql")
        try:
            result = await schema.execute(
                query,
                variable_values=variables,
                context_value=context,
                operation_name=operation if isinstance(operation, str) else None,
                allowed_operation_types=POST_OPERATIONS,
            )
        except (CannotGetOperationTypeError, InvalidOperationTypeError, MissingQueryError) as exc:
            return _bad_request(str(exc) or "cannot tell which operation to run")
        set_label(request.scope, operation=context.operation_label, code=_outcome(result))
        return Response(orjson.dumps(process_result(result)), media_type="application/json")

    # first among the routes: the router tries them in order, and this is the busiest
    app.router.routes.insert(0, Route("/graphql", graphql_post, methods=["POST"]))
    app.open_front_door(state, metrics)
    # GET: GraphiQL in a browser (from the package), and queries in the URL
    app.include_router(
        LocalGraphiQLRouter(schema, context_getter=get_context),
        prefix="/graphql",
        include_in_schema=False,
    )
    install_web(app, state, _purpose_of)

    @app.get(
        "/healthz",
        tags=["operations"],
        summary="Alive: the process answers (200 while the store is down: that is /readyz's).",
    )
    def healthz() -> JSONResponse:
        # liveness: an orchestrator restarts a process that fails it, and restarting the API
        # does not bring Neo4j back; the store's state is said, and /readyz answers 503
        body: dict[str, Any] = {"status": "ok", "openLocalMode": state.policy.open_local}
        try:
            body["dataVersion"] = state.store.data_version()
        except StoreError as exc:
            body.update(dataVersion=None, store=f"unreachable: {exc}")
        return JSONResponse(body)

    @app.get(
        "/readyz",
        tags=["operations"],
        summary="Ready: the store is reachable and its schema version is current (503 if not).",
    )
    def readyz() -> JSONResponse:
        ready, checks = readiness(state.store)
        return JSONResponse(
            {"status": "ready" if ready else "unready", **checks}, status_code=200 if ready else 503
        )

    @app.get(
        "/metrics",
        tags=["operations"],
        summary="Prometheus metrics (text format).",
        response_class=Response,
    )
    def metrics_text() -> Response:
        body, media_type = metrics.exposition()
        return Response(body, media_type=media_type)

    return app


class CreditGraphApp(FastAPI):
    """The FastAPI application behind a front door of plain ASGI middlewares.

    Every request passes, outermost first: the request id, timing, metrics and log line
    (:class:`RequestMiddleware`); CORS when origins are configured; who and how much
    (:class:`RequestGuard`). Then a POST to a check endpoint — ``/graphql`` and the REST
    checks, what approval systems call thousands of times a second — goes straight to its
    handler; anything else goes through FastAPI's own stack (error pages, exception
    handlers, routing, dependency injection). Measured: that stack cost an audited check
    more CPU than the check itself.
    """

    _front: Any = None
    _hot: dict[str, Any]

    def open_front_door(self, state: ApiState, metrics: Metrics) -> None:
        """Build the front door; after every route is in place (the hot handlers are the
        routes' own endpoints)."""
        self._hot = {}
        for route in self.router.routes:  # the first route for a path is the one that answers
            if (
                isinstance(route, Route)
                and route.path in HOT_PATHS
                and "POST" in (route.methods or ())
                and route.path not in self._hot
            ):
                self._hot[route.path] = route.endpoint
        front: Any = RequestGuard(
            self._dispatch, policy=state.policy, max_body_bytes=state.settings.max_body_bytes
        )
        if state.settings.cors_origins:
            front = CORSMiddleware(
                front,
                allow_origins=list(state.settings.cors_origins),
                allow_methods=["GET", "POST", "OPTIONS"],
                allow_headers=list(cors_headers()),
                expose_headers=["X-Request-Id"],
                max_age=600,
            )
        self._front = RequestMiddleware(front, metrics=metrics)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._front is None:  # an app built without create_app
            await super().__call__(scope, receive, send)
        else:
            await self._front(scope, receive, send)

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = (
            self._hot.get(scope["path"])
            if scope["type"] == "http" and scope["method"] == "POST"
            else None
        )
        if handler is None:
            await super().__call__(scope, receive, send)
            return
        scope["app"] = self  # what Starlette sets: the handlers read app.state

        async def answer(scope: Scope, receive: Receive, send: Send) -> None:
            response = await handler(Request(scope, receive))
            await response(scope, receive, send)

        with self.state.creditgraph.audit.arriving():  # see AuditWriter._gather
            # an unexpected error: the same 500 answer (and log) as on FastAPI's stack
            await ServerErrorMiddleware(answer)(scope, receive, send)


# The POST endpoints answered through the front door (see CreditGraphApp).
HOT_PATHS = frozenset(
    {
        "/graphql",
        "/v1/checks/appointment",
        "/v1/checks/appointments",
        "/v1/checks/eligibility",
    }
)


def _outcome(result: Any) -> str:
    """The metrics code of a GraphQL result: OK, or its first error's code."""
    for error in result.errors or ():
        code = (error.extensions or {}).get("code")
        if code:
            return str(code)
    return "OK"
