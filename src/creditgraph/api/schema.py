"""The GraphQL schema, built once per process, and how it runs a request.

- Cost limits: query depth, aliases and tokens (strawberry's QueryDepthLimiter,
  MaxAliasesLimiter and MaxTokensLimiter rules, built once so validation results stay
  cached), plus the hop, depth and fan-out caps of the service layer.
- Each request runs in a worker thread (the stores are synchronous) under the request
  deadline: past CREDITGRAPH_REQUEST_TIMEOUT the caller gets a TIMEOUT error at once, and
  the worker stops at its next deadline check instead of running on.
- Every error leaves with an ``extensions.code``; an unexpected one is logged and its text
  is not shown (it could carry personal data).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Iterator
from typing import Any

import strawberry
from graphql import FieldNode, GraphQLError, GraphQLSyntaxError, OperationDefinitionNode
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext, ExecutionResult

from creditgraph.api.context import ApiContext
from creditgraph.api.guard import BudgetedValidation
from creditgraph.api.query import Mutation, Query
from creditgraph.api.scalars import SCALARS, InvalidDate
from creditgraph.api.types import Agency, Enterprise, Person
from creditgraph.service.errors import ServiceError
from creditgraph.service.investigation import DeadlineExceeded
from creditgraph.store.base import StoreError

log = logging.getLogger("creditgraph.api")

MAX_QUERY_DEPTH = 10
MAX_ALIASES = 20
MAX_TOKENS = 2000

# The rules are built once: a fresh rule class per request would defeat the validation cache.
_LIMIT_RULES = [
    *QueryDepthLimiter(max_depth=MAX_QUERY_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
]

_LIMIT_MESSAGES = (
    ("exceeds maximum operation depth", "depth"),
    ("aliases found. Allowed:", "aliases"),
    ("tokens. Parsing aborted", "tokens"),
    ("Document contains more than", "tokens"),
    ("Source contains more than", "size"),
)


def _cause(error: GraphQLError) -> BaseException | None:
    cause: BaseException | None = error.original_error
    while isinstance(cause, GraphQLError) and cause.original_error is not None:
        cause = cause.original_error
    return cause


def _code(error: GraphQLError) -> tuple[str, dict[str, Any]]:
    cause = _cause(error)
    if isinstance(cause, ServiceError):
        return cause.code, {}
    if isinstance(cause, InvalidDate):
        return "INVALID_ARGUMENT", {}
    if isinstance(cause, StoreError):
        return "STORE_UNAVAILABLE", {}
    if cause is not None and not isinstance(cause, GraphQLError):
        return "INTERNAL_SERVER_ERROR", {}
    for text, limit in _LIMIT_MESSAGES:
        if text in error.message:
            return "LIMIT_EXCEEDED", {"limit": limit}
    if isinstance(error, GraphQLSyntaxError) or error.message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED", {}
    return "GRAPHQL_VALIDATION_FAILED", {}


def classify_errors(errors: Iterable[GraphQLError]) -> None:
    """Give every error its code; hide the text of unexpected ones after logging them."""
    for error in errors:
        if error.extensions and "code" in error.extensions:
            continue
        code, extra = _code(error)
        cause = _cause(error)
        if isinstance(cause, InvalidDate):
            # graphql-core wraps the scalar's message twice; say it once, and where
            where = (
                error.message.split(" has invalid value")[0]
                if error.message.startswith("Variable")
                else "invalid Date"
            )
            error.message = f"{where}: {cause}"
        if code == "INTERNAL_SERVER_ERROR":
            log.error("unexpected error in %s", error.path, exc_info=error.original_error)
            error.message = "internal error (logged on the server)"
        error.extensions = {**(error.extensions or {}), "code": code, **extra}


def _timeout_result(context: ApiContext) -> ExecutionResult:
    error = GraphQLError(
        str(
            DeadlineExceeded(
                f"the request ran past its time limit of {context.deadline.seconds:g} s (narrow the "
                "query: fewer hops, a lower depth, rels or asOf)"
            )
        )
    )
    error.extensions = {"code": DeadlineExceeded.code, "limit": "time"}
    return ExecutionResult(data=None, errors=[error])


class CreditGraphSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        classify_errors(errors)

    def execute_sync(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Any = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        result = super().execute_sync(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed_operation_types,
            operation_extensions,
        )
        return _audited(context_value, result)

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Any = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        if not isinstance(context_value, ApiContext):
            return await super().execute(
                query,
                variable_values,
                context_value,
                root_value,
                operation_name,
                allowed_operation_types,
                operation_extensions,
            )
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(
            context_value.state.executor,
            lambda: self.execute_sync(  # audited, durably, before the answer is released
                query,
                variable_values,
                context_value,
                root_value,
                operation_name,
                allowed_operation_types,
                operation_extensions,
            ),
        )
        while True:
            remaining = context_value.deadline.remaining()
            done, _ = await asyncio.wait(
                {future},
                timeout=None if context_value.writing or remaining is None else max(remaining, 0),
            )
            if done:
                return future.result()
            if not context_value.writing:
                # the worker stops at its next deadline check; the caller need not wait for it
                future.add_done_callback(_discard)
                return _timeout_result(context_value)


def _discard(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()  # retrieved, so asyncio does not log "never retrieved"


def _audited(context: Any, result: ExecutionResult) -> ExecutionResult:
    """The result, once the persons it shows are in the audit log for good; withheld (an
    error instead) when the audit log cannot be written."""
    if not isinstance(context, ApiContext):
        return result
    try:
        context.touch_shown(context.root_fields, result.data)
        context.state.audit.record(context.audit_entries())
    except StoreError as exc:
        log.error("answer withheld: %s", exc)
        error = GraphQLError(str(exc))
        error.extensions = {"code": "AUDIT_UNAVAILABLE"}
        return ExecutionResult(data=None, errors=[error])
    return result


class _RootFields(SchemaExtension):
    """Tells the context which root field each response key answers (for the audit)."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        operation = self.execution_context.graphql_document
        if isinstance(context, ApiContext) and operation is not None:
            for definition in operation.definitions:
                if isinstance(definition, OperationDefinitionNode):
                    for selection in definition.selection_set.selections:
                        if isinstance(selection, FieldNode):
                            key = selection.alias.value if selection.alias else selection.name.value
                            context.root_fields[key] = selection.name.value
        yield


def build_schema() -> CreditGraphSchema:
    return CreditGraphSchema(
        query=Query,
        mutation=Mutation,
        types=[Enterprise, Person, Agency],
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
            lambda: AddValidationRules(_LIMIT_RULES),
            lambda: ParserCache(maxsize=256),
            lambda: BudgetedValidation(maxsize=256),  # the budget, then validation
            _RootFields,
        ],
        config=StrawberryConfig(scalar_map=SCALARS),
    )


schema = build_schema()
