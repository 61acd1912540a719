"""What a request must pass before creditgraph does any work for it.

Parsing, validating and coercing a GraphQL request costs CPU and memory in proportion to
what the caller sends, and none of it needs the caller to be known: so an anonymous caller
could make the server spend seconds and gigabytes on requests it would then refuse. Here,
in this order and before any of that:

1. **who** — on a server with API keys, a request to the API without a recognised key is
   answered 401 from its headers alone (introspection included: the schema is part of what
   keys protect). The GraphiQL page itself, a static file, stays reachable.
2. **how much** — a body over ``CREDITGRAPH_MAX_BODY_BYTES`` is refused with 413 as soon as
   its declared length, or the bytes received so far, pass the limit (it is never held whole).
3. **what shape** — :func:`check_variables`: JSON variables nested deeper, or with longer
   lists, than any operation accepts are refused before they are coerced.
4. **how big once expanded** — :class:`BudgetedValidation`: fragments spreading fragments can
   make a 200-token document stand for millions of fields, and validation walks them all;
   the expanded size is counted in linear time and bounded before validation runs. Unknown
   fragments and fragment cycles are reported here too (a coded validation error, where
   validation rules would otherwise fail on them unexpectedly).
"""

from __future__ import annotations

import ctypes
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any

import orjson
from graphql import (
    DefinitionNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from strawberry.extensions import ParserCache, ValidationCache

from creditgraph.api.access import AccessPolicy, key_from_headers
from creditgraph.service.errors import ServiceError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# the largest operation, counted as fields after expanding every fragment spread: the
# biggest legitimate query (a neighbourhood with every field of every type) is a few hundred
MAX_EXPANDED_FIELDS = 5_000
# JSON variables: deeper than any input type nests; longer than the longest list accepted
# (importRecords' 10,000 records); more values in all than such a list holds
MAX_VARIABLE_DEPTH = 32
MAX_VARIABLE_LIST = 10_000
MAX_VARIABLE_VALUES = 500_000

# the API and the credit report; the health, readiness and metrics endpoints, the REST docs
# and the workbench's static assets are open (they show no data)
GUARDED_PREFIXES = ("/graphql", "/v1/", "/report/")
# after a request this large, freed memory is handed back to the system (see below)
_LARGE_BODY = 1024 * 1024
# Query texts longer than this are parsed and validated every time, never cached: the caches
# are bounded in entries, not in bytes, and one text may be as long as the body limit (a
# string literal is one token). Real operations are a few hundred characters.
MAX_CACHED_QUERY_CHARS = 16_384


class RequestGuard:
    """ASGI middleware: authentication and the body limit, before the application reads
    anything of the request."""

    def __init__(self, app: ASGIApp, *, policy: AccessPolicy, max_body_bytes: int) -> None:
        self.app = app
        self.policy = policy
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(GUARDED_PREFIXES):
            await self.app(scope, receive, send)
            return
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in scope.get("headers", [])
        }
        preflight = scope.get("method") == "OPTIONS" and "access-control-request-method" in headers
        if not self.policy.open_local and not preflight and not _graphiql_page(scope, headers):
            try:
                self.policy.identify(key_from_headers(headers))
            except ServiceError as exc:
                await _error(scope, send, 401, exc.code, str(exc))
                return
        if scope.get("method") in {"GET", "HEAD", "OPTIONS"}:
            await self.app(scope, receive, send)
            return
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body_bytes):
            await self._too_large(scope, send, declared)
            return
        body = bytearray()
        try:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                body += message.get("body", b"")
                if len(body) > self.max_body_bytes:
                    await self._too_large(scope, send, None)
                    return
                if not message.get("more_body", False):
                    break
            await self.app(scope, _replay(bytes(body), receive), send)
        finally:
            # also after a refusal: a streamed body is held up to the limit before it is
            # refused (that was 8 MiB of RSS kept after each hostile round)
            if len(body) > _LARGE_BODY:
                del body
                _release_memory()

    async def _too_large(self, scope: Scope, send: Send, declared: str | None) -> None:
        asked = f", got {declared} bytes" if declared and declared.isdigit() else ""
        await _error(
            scope,
            send,
            413,
            "LIMIT_EXCEEDED",
            f"the request body may be at most {self.max_body_bytes} bytes{asked} "
            "(CREDITGRAPH_MAX_BODY_BYTES; split an import into several calls)",
            limit="body",
        )


def _release_memory() -> None:
    """Return the heap's free pages to the system. A large request (an import, a batch of
    checks) decodes into many small objects; once they are freed, glibc keeps the pages for
    reuse, and the server's RSS would stay at its high-water mark after every hostile or
    large request. malloc_trim gives them back (a few ms, only after large bodies)."""
    global _TRIM
    if _TRIM is None:
        try:
            _TRIM = ctypes.CDLL(None).malloc_trim
        except (OSError, AttributeError):  # not glibc
            _TRIM = False
    if _TRIM:
        _TRIM(0)


_TRIM: Any = None


def _graphiql_page(scope: Scope, headers: dict[str, str]) -> bool:
    """GET /graphql from a browser with no operation in the URL: the GraphiQL page."""
    return (
        scope.get("method") == "GET"
        and b"query=" not in scope.get("query_string", b"")
        and "text/html" in headers.get("accept", "")
    )


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # then whatever comes next (a disconnect)

    return replayed


async def _error(
    scope: Scope, send: Send, status: int, code: str, message: str, **extensions: Any
) -> None:
    """A refusal in the shape of the endpoint asked: a GraphQL response for /graphql, the REST
    error object (``{"error": {"code", "message", …}}``) elsewhere; its code labels the
    request's metrics (see creditgraph.api.operations.set_label)."""
    scope.setdefault("state", {})["creditgraph_code"] = code
    if str(scope.get("path", "")).startswith("/graphql"):
        body = orjson.dumps(
            {
                "data": None,
                "errors": [{"message": message, "extensions": {"code": code, **extensions}}],
            }
        )
    else:
        body = orjson.dumps({"error": {"code": code, "message": message, **extensions}})
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b'Bearer realm="creditgraph"'))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


# the variables -------------------------------------------------------------------------------
class VariablesRejected(ValueError):
    code = "LIMIT_EXCEEDED"


def check_variables(variables: Any) -> None:
    """Refuse variables no operation accepts, walking them once without recursion."""
    values = 0
    stack: list[tuple[Any, int]] = [(variables, 0)]
    while stack:
        value, depth = stack.pop()
        values += 1
        if values > MAX_VARIABLE_VALUES:
            raise VariablesRejected(
                f"the variables hold more than {MAX_VARIABLE_VALUES} values: split the call"
            )
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            if len(value) > MAX_VARIABLE_LIST:
                raise VariablesRejected(
                    f"a list in the variables may hold at most {MAX_VARIABLE_LIST} items, "
                    f"got {len(value)}: split the call"
                )
            children = value
        else:
            continue
        if depth >= MAX_VARIABLE_DEPTH:
            raise VariablesRejected(
                f"the variables are nested more than {MAX_VARIABLE_DEPTH} levels deep"
            )
        stack.extend((child, depth + 1) for child in children)


# the operation, expanded ---------------------------------------------------------------------
class SmallQueryParserCache(ParserCache):
    """Parsing cached per query text, for texts up to :data:`MAX_CACHED_QUERY_CHARS`."""

    def on_parse(self) -> Iterator[None]:
        if len(self.execution_context.query or "") > MAX_CACHED_QUERY_CHARS:
            yield  # strawberry parses it, uncached
            return
        yield from super().on_parse()


class BudgetedValidation(ValidationCache):
    """Validation (cached), preceded by the budget: each operation's fields counted with every
    fragment expanded (each fragment counted once, so the count takes time linear in the
    document). An operation over :data:`MAX_EXPANDED_FIELDS`, a spread of an unknown
    fragment or a fragment cycle is refused without validating it."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        error = operation_budget_error(document.definitions) if document is not None else None
        if error is None:
            if len(context.query or "") > MAX_CACHED_QUERY_CHARS:
                yield  # strawberry validates it, uncached
                return
            yield from super().on_validate()
            return
        context.pre_execution_errors = [error]
        yield


def operation_budget_error(
    definitions: tuple[DefinitionNode, ...] | list[Any],
) -> GraphQLError | None:
    fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
    sizes: dict[str, int] = {}
    for definition in definitions:
        if not isinstance(definition, OperationDefinitionNode | FragmentDefinitionNode):
            continue
        try:
            size = _expanded(definition.selection_set, fragments, sizes, set())
        except _BudgetError as exc:
            return exc.error
        if size > MAX_EXPANDED_FIELDS:
            error = GraphQLError(
                f"the operation expands to more than {MAX_EXPANDED_FIELDS} fields "
                f"({size} with its fragments spread): ask for less, or page",
            )
            error.extensions = {"code": "LIMIT_EXCEEDED", "limit": "fields"}
            return error
    return None


class _BudgetError(Exception):
    def __init__(self, message: str, code: str = "GRAPHQL_VALIDATION_FAILED") -> None:
        super().__init__(message)
        self.error = GraphQLError(message)
        self.error.extensions = {"code": code}


def _expanded(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    sizes: dict[str, int],
    open_fragments: set[str],
) -> int:
    if selection_set is None:
        return 0
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            total += 1 + _expanded(selection.selection_set, fragments, sizes, open_fragments)
        elif isinstance(selection, InlineFragmentNode):
            total += _expanded(selection.selection_set, fragments, sizes, open_fragments)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name not in sizes:
                fragment = fragments.get(name)
                if fragment is None:
                    raise _BudgetError(f'Unknown fragment "{name}".')
                if name in open_fragments:
                    raise _BudgetError(f'Cannot spread fragment "{name}" within itself.')
                open_fragments.add(name)
                sizes[name] = _expanded(fragment.selection_set, fragments, sizes, open_fragments)
                open_fragments.discard(name)
            total += sizes[name]
        if total > MAX_EXPANDED_FIELDS:
            return total  # enough to refuse; the rest need not be counted
    return total
