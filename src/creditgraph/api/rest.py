"""REST for approval gateways that cannot speak GraphQL: plain JSON over HTTP.

``POST /v1/checks/appointment``, ``/v1/checks/appointments`` and ``/v1/checks/eligibility``
answer with exactly the decision object ``creditgraph check --json`` prints (CONTRACT.md,
"Decisions"). They run through :mod:`creditgraph.api.checks`, as the GraphQL fields do: the
same roles, limits, audit and deadline. Errors are ``{"error": {"code", "message", …}}`` with
the HTTP status of their class; the code is the one GraphQL puts in ``extensions.code``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route

from creditgraph.api import checks
from creditgraph.api.access import key_from_headers
from creditgraph.api.context import PURPOSE_HEADER, ApiContext, ApiState, purpose_text
from creditgraph.api.enums import Activity, Role
from creditgraph.api.operations import in_request_context, set_label
from creditgraph.identity.keys import ID_KEY_NOT_CONFIGURED, MissingIdKey
from creditgraph.service.errors import ServiceError
from creditgraph.service.investigation import DeadlineExceeded
from creditgraph.store.base import StoreError

STATUS = {
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "INVALID_ARGUMENT": 422,
    "LIMIT_EXCEEDED": 422,
    "TIMEOUT": 504,
    "STORE_UNAVAILABLE": 503,
    ID_KEY_NOT_CONFIGURED: 503,
}

HTTP_CODES = {400: "BAD_REQUEST", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

_DAY = "The day asked about, YYYY-MM-DD (default: today)."


def _iso_day(value: Any) -> Any:
    """A day exactly as the CLI takes it: YYYY-MM-DD (no timestamps, no other forms)."""
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("give the day as YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value} is not a calendar date") from None


Day = Annotated[dt.date | None, BeforeValidator(_iso_day), Field(description=_DAY)]


class AppointmentCheck(BaseModel):
    """One appointment check: the person by creditgraph id (``person``), or by identity
    number and name (``idNumber``, ``name``) — exactly one of the two."""

    model_config = ConfigDict(
        extra="forbid",
        use_enum_values=True,
        # exactly one of person and idNumber: said in the schema too, so that generated
        # clients and fuzzers know it
        json_schema_extra={
            "oneOf": [
                {"required": ["person"], "properties": {"person": {"type": "string"}}},
                {"required": ["idNumber"], "properties": {"idNumber": {"type": "string"}}},
            ]
        },
    )

    person: str | None = Field(None, description="The person's creditgraph id.")
    idNumber: str | None = Field(
        None,
        description="The resident identity number (GB 11643: 17 digits and a check "
        "character), instead of `person`. Never echoed back, logged or audited in clear.",
        pattern=r"^[0-9]{17}[0-9Xx]$",
    )
    name: str | None = Field(None, description="The applicant's name, with `idNumber`.")
    role: Role = Field(description="The office: LEGAL_REPRESENTATIVE, DIRECTOR, … .")
    enterprise: str | None = Field(None, description="The enterprise of the appointment.")
    on: Day = None

    def ask(self) -> checks.AppointmentAsk:
        return checks.AppointmentAsk(
            role=str(self.role),
            person_id=self.person,
            enterprise_id=self.enterprise,
            on=self.on,
            id_number=self.idNumber,
            name=self.name,
        )


class AppointmentChecks(BaseModel):
    """Many appointment checks; the decisions come back in the order asked."""

    model_config = ConfigDict(extra="forbid")

    requests: list[AppointmentCheck] = Field(
        description=f"At most {checks.MAX_BATCH_CHECKS} checks (LIMIT_EXCEEDED beyond)."
    )


class EligibilityCheck(BaseModel):
    """May this party take part in an activity on a day?"""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)

    subject: str = Field(description="The enterprise's or person's creditgraph id.")
    activity: Activity = Field(description="GOV_PROCUREMENT, BIDDING, … .")
    on: Day = None


class IdentityOut(BaseModel):
    """How a reason reached the person through a published entry (its masked number)."""

    entry: str = Field(description="The published entry (lp:…) the measure is on.")
    certainty: str = Field(description="CONFIRMED (judged the same) or UNCONFIRMED (REVIEW).")
    evidence: list[str] = Field(description="Why the entry reaches the person.")


class Reason(BaseModel):
    measure: str
    rule: str
    legal_basis: str | None
    from_: str | None = Field(alias="from")
    until: str | None
    certainty: str
    event: dict[str, Any] | None = Field(
        description="The source event; null when the reason is a fact (a registry status, "
        "the birth date)."
    )
    path: list[dict[str, Any]]
    identity: IdentityOut | None = Field(
        None, description="Present when the measure reached the person through a published entry."
    )
    note: str | None = Field(None, description="What a reviewer should know, when there is any.")
    record_state: str | None = Field(
        None,
        description="OBJECTION_UNDER_REVIEW while an objection to the cited record is undecided.",
    )
    objection: str | None = Field(
        None, description="The objection (OBJECTION_FILED event id), with record_state."
    )


class DecisionOut(BaseModel):
    """The decision object of CONTRACT.md: the same JSON as `creditgraph check --json`
    (appointments: person, role, enterprise; eligibility: subject, activity)."""

    decision: str = Field(description="ALLOW, REVIEW or DENY.")
    person: str | None = None
    role: str | None = None
    enterprise: str | None = None
    subject: str | None = None
    activity: str | None = None
    on: str
    reasons: list[Reason]
    data_version: str
    incentives: list[Reason] = Field(
        description="守信激励 in force that day (same fields as reasons); never part of the verdict."
    )
    incentives_withheld: list[Reason] = Field(
        description="Why incentives in force are withheld: a bar, or a 一票否决 measure."
    )


class DecisionsOut(BaseModel):
    decisions: list[DecisionOut]


class ErrorDetail(BaseModel):
    code: str = Field(description="The same code as GraphQL's extensions.code.")
    message: str
    limit: str | None = Field(None, description="The limit exceeded: requests, time, … .")
    max: Any | None = Field(None, description="The most the limit allows.")
    value: Any | None = Field(None, description="What was asked for.")
    index: int | None = Field(None, description="In a batch: the request at fault.")


class ErrorOut(BaseModel):
    error: ErrorDetail


_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": description}
    for status, description in (
        (400, "The body cannot be read (BAD_REQUEST)."),
        (401, "No API key, or one not recognised (UNAUTHENTICATED)."),
        (403, "The key's role may not run checks (FORBIDDEN)."),
        (404, "An id the store does not hold (NOT_FOUND)."),
        (
            422,
            "Invalid input (INVALID_ARGUMENT), over a limit (LIMIT_EXCEEDED, with limit, max and value).",
        ),
        (
            503,
            "The store is unreachable (STORE_UNAVAILABLE), or a check by idNumber on a server given no identity-number key (ID_KEY_NOT_CONFIGURED).",
        ),
        (504, "Past the request time limit (TIMEOUT)."),
    )
}


def error_response(code: str, message: str, **details: Any) -> Response:
    body = {"error": {"code": code, "message": message, **details}}
    return Response(
        orjson.dumps(body), status_code=STATUS.get(code, 400), media_type="application/json"
    )


def _json(value: Any) -> Response:
    return Response(orjson.dumps(value), media_type="application/json")


async def _run(
    request: Request, operation: str, work: Callable[[ApiContext], T], *, single: bool = False
) -> T | Response:
    """``work`` under the request deadline, its persons audited as for GraphQL; a caller's
    error as a coded response. A ``single`` check on a store that answers in process runs
    on the event loop (microseconds: a thread hand-off would cost more than the check, as
    for GraphQL's checkAppointment); anything else in a worker thread (the stores are
    synchronous)."""
    state: ApiState = request.app.state.creditgraph
    set_label(request.scope, operation=operation)
    purpose = request.headers.get(PURPOSE_HEADER)
    ctx = ApiContext.for_key(
        state,
        key_from_headers(request.headers),
        purpose=purpose_text(purpose) if purpose else None,
    )
    loop = asyncio.get_running_loop()
    try:
        if single and getattr(state.store, "in_process", False):
            result = work(ctx)
        else:
            future = loop.run_in_executor(state.executor, in_request_context(lambda: work(ctx)))
            remaining = ctx.deadline.remaining()
            try:
                result = await asyncio.wait_for(
                    asyncio.shield(future), None if remaining is None else max(remaining, 0)
                )
            except TimeoutError:
                future.add_done_callback(_discard)
                set_label(request.scope, code=DeadlineExceeded.code)
                return error_response(
                    DeadlineExceeded.code,
                    f"the request ran past its time limit of {ctx.deadline.seconds:g} s",
                    limit="time",
                    max=ctx.deadline.seconds,
                )
    except ServiceError as exc:
        set_label(request.scope, code=exc.code)
        return error_response(exc.code, str(exc), **exc.details)
    except MissingIdKey as exc:  # a check by identity number on a server given no key
        set_label(request.scope, code=ID_KEY_NOT_CONFIGURED)
        return error_response(ID_KEY_NOT_CONFIGURED, str(exc))
    except StoreError:
        set_label(request.scope, code="STORE_UNAVAILABLE")
        return error_response("STORE_UNAVAILABLE", "the store is unreachable; try again later")
    try:  # durable before the answer leaves, as for GraphQL (see creditgraph.api.audit)
        await state.audit.written(ctx.audit_entries())
    except StoreError as exc:
        set_label(request.scope, code="AUDIT_UNAVAILABLE")
        return error_response("AUDIT_UNAVAILABLE", str(exc))
    set_label(request.scope, code="OK")
    return result


def _discard(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


router = APIRouter(prefix="/v1/checks", tags=["checks for approval systems"], responses=_ERRORS)


async def _appointment(body: AppointmentCheck, request: Request) -> Response:
    operation = "POST /v1/checks/appointment"
    answer = await _run(
        request,
        operation,
        lambda ctx: checks.check_appointment(ctx, body.ask(), operation=operation).to_json(),
        single=True,
    )
    return answer if isinstance(answer, Response) else _json(answer)


async def _appointments(body: AppointmentChecks, request: Request) -> Response:
    operation = "POST /v1/checks/appointments"
    asks = [r.ask() for r in body.requests]
    answer = await _run(
        request,
        operation,
        lambda ctx: {
            "decisions": [
                d.to_json() for d in checks.check_appointments(ctx, asks, operation=operation)
            ]
        },
    )
    return answer if isinstance(answer, Response) else _json(answer)


async def _eligibility(body: EligibilityCheck, request: Request) -> Response:
    operation = "POST /v1/checks/eligibility"
    answer = await _run(
        request,
        operation,
        lambda ctx: checks.check_eligibility(
            ctx, body.subject, str(body.activity), body.on, operation=operation
        ).to_json(),
        single=True,
    )
    return answer if isinstance(answer, Response) else _json(answer)


# What /openapi.json documents. The requests themselves are answered by the routes of
# :func:`_fast_route`, placed in front of these: the same models and answers, without
# FastAPI's per-request dependency resolution, the body parsed and validated in one pass.
@router.post(
    "/appointment",
    response_model=DecisionOut,
    summary="May this person be appointed to this role?",
    description="ALLOW, REVIEW or DENY with the reasons — the same object as "
    "`creditgraph check --json` and GraphQL `checkAppointment`. Roles: approval, "
    "investigator, steward (`Authorization: Bearer KEY` or `X-API-Key`). Audited.",
)
async def appointment(body: AppointmentCheck, request: Request) -> Any:
    return await _appointment(body, request)


@router.post(
    "/appointments",
    response_model=DecisionsOut,
    summary="Many appointment checks in one call, answered in the order asked.",
    description=f"At most {checks.MAX_BATCH_CHECKS} requests; an error names the request "
    "(`requests[3]: …`, `index` in the error body) and no decision is returned.",
)
async def appointments(body: AppointmentChecks, request: Request) -> Any:
    return await _appointments(body, request)


@router.post(
    "/eligibility",
    response_model=DecisionOut,
    summary="May this party take part in an activity (procurement, bidding, …)?",
    description="The same object as `creditgraph eligibility --json` and GraphQL "
    "`checkEligibility`.",
)
async def eligibility(body: EligibilityCheck, request: Request) -> Any:
    return await _eligibility(body, request)


def _invalid(request: Request, errors: Sequence[Any]) -> Response:
    """Invalid bodies as coded errors. Pydantic's own error list is not passed on: it echoes
    the input, which may hold an identity number."""
    problems = []
    for error in errors:
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        problems.append(f"{where or 'body'}: {error.get('msg', 'invalid')}")
    set_label(request.scope, code="INVALID_ARGUMENT")
    return error_response("INVALID_ARGUMENT", "; ".join(problems) or "invalid request body")


def _fast_route(
    path: str, model: type[M], answer: Callable[[M, Request], Awaitable[Response]]
) -> Route:
    """A POST route reading its JSON body straight into ``model`` (pydantic's JSON parser:
    the same checks and messages as FastAPI's)."""

    async def endpoint(request: Request) -> Response:
        media = request.headers.get("content-type", "application/json").split(";")[0].strip()
        if media != "application/json" and not media.endswith("+json"):
            # as FastAPI: only a JSON body is read as JSON — and text/plain is what a browser
            # may send cross-origin without asking first
            return _invalid(request, [{"loc": (), "msg": "send the body as application/json"}])
        try:
            body = model.model_validate_json(await request.body())
        except ValidationError as exc:
            return _invalid(request, exc.errors(include_input=False))
        return await answer(body, request)

    return Route(path, endpoint, methods=["POST"])


def install(app: FastAPI) -> None:
    """The REST routes (the fast ones first), and invalid bodies answered as coded
    errors."""

    async def invalid_body(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return _invalid(request, exc.errors())

    async def http_error(request: Request, exc: Exception) -> Response:
        # the framework's own refusals (unreadable body, unknown path, wrong method) in the
        # same coded shape as every other error
        assert isinstance(exc, StarletteHTTPException)
        code = HTTP_CODES.get(exc.status_code, f"HTTP_{exc.status_code}")
        set_label(request.scope, code=code)
        body = {"error": {"code": code, "message": str(exc.detail)}}
        return Response(
            orjson.dumps(body),
            status_code=exc.status_code,
            media_type="application/json",
            headers=exc.headers,
        )

    app.add_exception_handler(RequestValidationError, invalid_body)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.include_router(router)
    prefix = router.prefix
    app.router.routes[:0] = [
        _fast_route(f"{prefix}/appointment", AppointmentCheck, _appointment),
        _fast_route(f"{prefix}/appointments", AppointmentChecks, _appointments),
        _fast_route(f"{prefix}/eligibility", EligibilityCheck, _eligibility),
    ]
