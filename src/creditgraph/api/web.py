"""HTTP routes of the workbench: the page at ``/``, its built assets at ``/static``,
GraphiQL (bundled, with creditgraph's examples) at ``GET /graphql``, and the credit report
PDF at ``/report/{id}.pdf``. Every asset comes from the installed package: no page the
server sends loads anything from another origin."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from strawberry.fastapi import GraphQLRouter

from creditgraph import report as credit_report
from creditgraph.api.access import Right, key_from_headers
from creditgraph.api.context import ApiState
from creditgraph.service.errors import ServiceError, UnknownId
from creditgraph.store.base import AuditEntry, StoreError
from creditgraph.web import STATIC, graphiql_html, index_html

# Pages change with each release but their assets keep their names: revalidate every time.
NO_CACHE = {"Cache-Control": "no-cache"}
SECURITY_HEADERS = {
    # the pages may load only from this origin: a stray CDN reference fails loudly
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; "
    "style-src 'self' 'unsafe-inline'; font-src 'self' data:; script-src 'self' 'unsafe-eval'; "
    "worker-src 'self' blob:",
    "X-Content-Type-Options": "nosniff",
}


class LocalGraphiQLRouter(GraphQLRouter[Any, Any]):
    """strawberry's GraphQL router, with GraphiQL from the package instead of a CDN."""

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(graphiql_html(), headers={**NO_CACHE, **SECURITY_HEADERS})


def _error(message: str, status: int, code: str) -> JSONResponse:
    return JSONResponse({"error": message, "code": code}, status_code=status)


def install(app: FastAPI, state: ApiState, purpose_of: Any) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def workbench() -> HTMLResponse:
        return HTMLResponse(index_html(), headers={**NO_CACHE, **SECURITY_HEADERS})

    @app.get("/report/{node_id}.pdf", include_in_schema=False)
    async def report(request: Request, node_id: str, asOf: str | None = None) -> Response:
        try:
            principal = state.policy.identify(key_from_headers(request.headers))
        except ServiceError as exc:
            return _error(str(exc), 401, exc.code)
        if not principal.may(Right.READ_PUBLIC):
            return _error(
                f"the {principal.role.value} role may not read credit files", 403, "FORBIDDEN"
            )
        try:
            on = dt.date.fromisoformat(asOf) if asOf else state.today()
        except ValueError:
            return _error(f"asOf: {asOf!r} is not a date (YYYY-MM-DD)", 400, "BAD_USER_INPUT")
        purpose = purpose_of(request)
        loop = asyncio.get_running_loop()

        def make() -> tuple[bytes, set[str]]:
            made = credit_report.gather(
                state.store,
                node_id,
                on=on,
                sees_persons=principal.may(Right.READ),
                purpose=purpose,
                principal=principal.name,
            )
            return credit_report.render_pdf(made, state.store.schema), made.shown_persons

        try:
            pdf, persons = await loop.run_in_executor(state.executor, make)
        except UnknownId:
            return _error(f"unknown id {node_id!r}", 404, "NOT_FOUND")
        except credit_report.RendererUnavailable as exc:
            return _error(str(exc), 503, "UNAVAILABLE")
        except StoreError as exc:
            return _error(str(exc), 503, "UNAVAILABLE")
        if persons:
            at = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
            entry = AuditEntry(
                at,
                principal.name,
                principal.role.value,
                "creditReport",
                tuple(sorted(persons)),
                purpose,
            )
            try:  # durable before the report leaves (see creditgraph.api.audit)
                await state.audit.written([entry])
            except StoreError as exc:
                return _error(str(exc), 503, "AUDIT_UNAVAILABLE")
        filename = f"credit-report-{on.isoformat()}.pdf"
        return Response(
            pdf,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"; '
                f"filename*=UTF-8''{quote('信用报告-' + on.isoformat() + '.pdf')}",
                "Cache-Control": "no-store",
            },
        )
