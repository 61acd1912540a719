"""The HTTP server: the investigator workbench at ``/``, GraphQL at ``/graphql`` (GraphiQL
in a browser, served from the package), the credit report PDF at ``/report/{id}.pdf``, and
``/healthz``."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from urllib.parse import unquote

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.exceptions import MissingQueryError
from strawberry.http import process_result
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from creditgraph.api.access import AccessPolicy, key_from_headers
from creditgraph.api.audit import AuditWriter
from creditgraph.api.context import ApiContext, ApiState
from creditgraph.api.guard import RequestGuard, VariablesRejected, check_variables
from creditgraph.api.schema import schema
from creditgraph.api.web import LocalGraphiQLRouter
from creditgraph.api.web import install as install_web
from creditgraph.settings import Settings
from creditgraph.store.base import GraphStore, StoreError

PURPOSE_HEADER = "x-purpose"
POST_OPERATIONS = frozenset({OperationType.QUERY, OperationType.MUTATION})
MAX_PURPOSE = 500


def _bad_request(message: str, status: int = 400, code: str = "BAD_REQUEST") -> Response:
    error = {"message": message, "extensions": {"code": code}}
    return Response(
        orjson.dumps({"data": None, "errors": [error]}),
        status_code=status,
        media_type="application/json",
    )


def purpose_text(header: str) -> str:
    """The X-Purpose header as text: HTTP headers are ASCII, so a purpose in Chinese arrives
    percent-encoded (案件 → %E6%A1%88%E4%BB%B6) or as raw UTF-8 bytes; both are decoded."""
    try:
        text = header.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        text = header
    return unquote(text)[:MAX_PURPOSE]


def _purpose_of(request: Request) -> str | None:
    purpose = request.headers.get(PURPOSE_HEADER)
    return purpose_text(purpose) if purpose else None


def create_state(
    store: GraphStore, settings: Settings, policy: AccessPolicy, *, workers: int | None = None
) -> ApiState:
    workers = workers or min(32, (os.cpu_count() or 2) * 4)
    return ApiState(
        store=store,
        settings=settings,
        policy=policy,
        audit=AuditWriter(store, timeout=settings.write_timeout_s),
        executor=ThreadPoolExecutor(max_workers=workers, thread_name_prefix="creditgraph"),
    )


def create_app(state: ApiState, *, close_store: bool = False) -> FastAPI:
    """The FastAPI application over one store. The audit writer runs while the app runs;
    on shutdown the queued audit entries are written and the workers stopped."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state.audit.start()
        try:
            yield
        finally:
            state.audit.stop()
            if isinstance(state.executor, ThreadPoolExecutor):
                state.executor.shutdown(wait=False, cancel_futures=True)
            if close_store:
                state.store.close()

    async def get_context(request: Request) -> ApiContext:
        purpose = request.headers.get(PURPOSE_HEADER)
        return ApiContext.for_key(
            state,
            key_from_headers(request.headers),
            purpose=purpose_text(purpose) if purpose else None,
        )

    app = FastAPI(
        title="creditgraph",
        description="A dated credit relationship graph: checks for approval systems, "
        "association queries for investigators. GraphQL at /graphql.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.creditgraph = state
    # who and how much, before anything reads the request (see creditgraph.api.guard)
    app.add_middleware(
        RequestGuard, policy=state.policy, max_body_bytes=state.settings.max_body_bytes
    )

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
        return Response(orjson.dumps(process_result(result)), media_type="application/json")

    app.router.routes.append(Route("/graphql", graphql_post, methods=["POST"]))
    # GET: GraphiQL in a browser (from the package), and queries in the URL
    app.include_router(LocalGraphiQLRouter(schema, context_getter=get_context), prefix="/graphql")
    install_web(app, state, _purpose_of)

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        try:
            version = state.store.data_version()
        except StoreError as exc:
            return JSONResponse({"status": "unavailable", "error": str(exc)}, status_code=503)
        return JSONResponse(
            {"status": "ok", "dataVersion": version, "openLocalMode": state.policy.open_local}
        )

    return app
