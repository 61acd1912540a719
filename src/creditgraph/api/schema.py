"""The GraphQL schema, built once per process, and how it runs a request.

- Cost limits: query depth, aliases and tokens (strawberry's QueryDepthLimiter,
  MaxAliasesLimiter and MaxTokensLimiter rules, built once so validation results stay
  cached), plus the hop, depth and fan-out caps of the service layer.
- Each request runs in a worker thread (the stores are synchronous) under the request
  deadline: past CREDITGRAPH_REQUEST_TIMEOUT the caller gets a TIMEOUT error at once, and
  the worker stops at its next deadline check instead of running on. The exception: a
  single check (``checkAppointment``, ``checkEligibility``) on a store that answers in
  process (the embedded store: three index lookups, tens of microseconds) runs on the
  event loop itself — handing it to a thread and back cost more than the check.
- Every error leaves with an ``extensions.code``; an unexpected one is logged and its text
  is not shown (it could carry personal data).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Iterable, Iterator
from functools import lru_cache
from typing import Any, cast

import strawberry
from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    ValidationContext,
    Visitor,
    execute,
    parse,
    validate,
    visit,
)
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema._graphql_core import execution_context_class_kwargs
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, ExecutionResult

from creditgraph.api.check_execution import (
    CheckPlan,
    execute_plan,
    plan_checks,
    single_operation,
)
from creditgraph.api.context import ApiContext
from creditgraph.api.guard import (
    MAX_CACHED_QUERY_CHARS,
    BudgetedValidation,
    SmallQueryParserCache,
    operation_budget_error,
)
from creditgraph.api.monitoring import MonitoringMutation, MonitoringQuery, Subscription
from creditgraph.api.operations import in_request_context
from creditgraph.api.query import Mutation, Query
from creditgraph.api.scalars import SCALARS, InvalidDate
from creditgraph.api.types import Agency, Enterprise, Person
from creditgraph.identity.keys import ID_KEY_NOT_CONFIGURED, MissingIdKey
from creditgraph.service.errors import LimitExceeded, ServiceError
from creditgraph.service.investigation import DeadlineExceeded
from creditgraph.store.base import StoreError

log = logging.getLogger("creditgraph.api")

MAX_QUERY_DEPTH = 10
MAX_ALIASES = 20
MAX_TOKENS = 2000
# distinct query texts whose parsed (and validated) documents are kept, each cache
CACHED_DOCUMENTS = 256


class _CodedContext:
    """The validation context as a limit rule sees it: the rule's error leaves coded as
    LIMIT_EXCEEDED with the limit's name, its maximum and the value found, set where the
    error is raised rather than recognised later by its English text."""

    def __init__(self, context: ValidationContext, limit: str, maximum: int) -> None:
        self._context = context
        self._limit = limit
        self._maximum = maximum

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)

    def report_error(self, error: GraphQLError) -> None:
        extensions: dict[str, Any] = {
            "code": LimitExceeded.code,
            "limit": self._limit,
            "max": self._maximum,
        }
        if self._limit == "aliases":
            extensions["value"] = _alias_count(self._context.document)
        error.extensions = {**(error.extensions or {}), **extensions}
        self._context.report_error(error)


def _alias_count(document: DocumentNode) -> int:
    count = 0

    class Count(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            nonlocal count
            count += node.alias is not None

    visit(document, Count())
    return count


def _coded(rules: Iterable[type[ASTValidationRule]], limit: str, maximum: int) -> list[Any]:
    coded = []
    for rule in rules:

        class Coded(rule):  # type: ignore[valid-type,misc]
            def __init__(self, context: ValidationContext, _rule: Any = rule) -> None:
                _rule.__init__(self, _CodedContext(context, limit, maximum))

        coded.append(Coded)
    return coded


# The rules are built once: a fresh rule class per request would defeat the validation cache.
_LIMIT_RULES = [
    *_coded(
        QueryDepthLimiter(max_depth=MAX_QUERY_DEPTH).validation_rules, "depth", MAX_QUERY_DEPTH
    ),
    *_coded(
        MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules, "aliases", MAX_ALIASES
    ),
]

# graphql-core's parser stops a document over the token budget with a syntax error, the only
# sign of which is its text; those two messages are the parser's, not a rule's.
_PARSER_LIMITS = (
    ("tokens. Parsing aborted", "tokens", MAX_TOKENS),
    ("Document contains more than", "tokens", MAX_TOKENS),
    ("Source contains more than", "size", None),
)


def _cause(error: GraphQLError) -> BaseException | None:
    cause: BaseException | None = error.original_error
    while isinstance(cause, GraphQLError) and cause.original_error is not None:
        cause = cause.original_error
    return cause


def _code(error: GraphQLError) -> tuple[str, dict[str, Any]]:
    cause = _cause(error)
    if isinstance(cause, ServiceError):
        return cause.code, dict(cause.details)
    if isinstance(cause, InvalidDate):
        return "INVALID_ARGUMENT", {}
    if isinstance(cause, MissingIdKey):  # the server's configuration, named (no secret)
        return ID_KEY_NOT_CONFIGURED, {}
    if isinstance(cause, StoreError):
        return "STORE_UNAVAILABLE", {}
    if cause is not None and not isinstance(cause, GraphQLError):
        return "INTERNAL_SERVER_ERROR", {}
    if isinstance(error, GraphQLSyntaxError) or error.message.startswith("Syntax Error"):
        for text, limit, maximum in _PARSER_LIMITS:
            if text in error.message:
                found = {"limit": limit} if maximum is None else {"limit": limit, "max": maximum}
                return LimitExceeded.code, found
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
    error.extensions = {
        "code": DeadlineExceeded.code,
        "limit": "time",
        "max": context.deadline.seconds,
    }
    return ExecutionResult(data=None, errors=[error])


# Fields answered in microseconds on an in-process store: run without a thread hand-off.
INLINE_FIELDS = frozenset({"checkAppointment", "checkEligibility"})


@lru_cache(maxsize=2 * CACHED_DOCUMENTS)
def _inline_operation(query: str, operation_name: str | None) -> bool:
    """Whether the operation asks only for single checks (parsed once per query text)."""
    try:
        document = parse(query, max_tokens=MAX_TOKENS)
    except GraphQLSyntaxError:
        return False  # the regular path reports it
    operation = single_operation(document, operation_name)  # None with fragments too
    if operation is None or operation.operation.value != "query":
        return False
    selections = operation.selection_set.selections
    return bool(selections) and all(
        isinstance(node, FieldNode) and node.name.value in INLINE_FIELDS for node in selections
    )


@lru_cache(maxsize=2 * CACHED_DOCUMENTS)
def _checked_document(query: str) -> DocumentNode | None:
    """A query parsed and validated once (the schema's own rules and the cost limits);
    None when it is not valid — the regular path then answers it with the errors."""
    try:
        document = parse(query, max_tokens=MAX_TOKENS)
    except GraphQLSyntaxError:
        return None
    if operation_budget_error(document.definitions) is not None:
        return None  # over the fields budget: refused, before validation, by the regular path
    context = schema._create_execution_context(query=query, allowed_operation_types=())
    if validate(schema._schema, document, [*context.validation_rules, *_LIMIT_RULES]):
        return None
    return document


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
        if (
            query is not None
            and getattr(context_value.store, "in_process", False)
            and len(query) <= MAX_CACHED_QUERY_CHARS  # a longer text is never a bare check
            and _inline_operation(query, operation_name)
        ):
            result = self._execute_check(
                query, variable_values, context_value, root_value, operation_name
            )
            # the persons it shows are durably audited before the answer leaves; the loop
            # serves other requests while the audit thread waits for the disk
            return await _audited_on_loop(context_value, result)
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(
            context_value.state.executor,
            in_request_context(
                lambda: self.execute_sync(  # audited, durably, before the answer is released
                    query,
                    variable_values,
                    context_value,
                    root_value,
                    operation_name,
                    allowed_operation_types,
                    operation_extensions,
                )
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

    def _execute_check(
        self,
        query: str,
        variable_values: dict[str, Any] | None,
        context_value: ApiContext,
        root_value: Any,
        operation_name: str | None,
    ) -> ExecutionResult:
        """A single check on the event loop: its document parsed and validated once per
        query text, then executed directly by graphql-core (strawberry's per-request
        extension hooks only parse and validate, which the cache already did)."""
        document = _checked_document(query)
        if document is None:  # the regular path reports the errors (audited by the caller)
            return strawberry.Schema.execute_sync(
                self, query, variable_values, context_value, root_value, operation_name
            )
        _note_root_fields(context_value, document)
        context_value.operation_label = ",".join(sorted(set(context_value.root_fields.values())))
        plan = _check_plan(query, operation_name)
        planned = (
            None
            if plan is None
            else execute_plan(
                plan,
                self._schema,
                variable_values,
                context_value,
                root_value,
                cast(Any, optimized_is_awaitable),
            )
        )
        if planned is not None:  # else variables that graphql-core words the errors of
            if planned.errors:
                self.process_errors(list(planned.errors))
            return ExecutionResult(data=planned.data, errors=planned.errors)
        result = execute(
            self._schema,
            document,
            root_value=root_value,
            context_value=context_value,
            variable_values=variable_values,
            operation_name=operation_name,
            is_awaitable=cast(Any, optimized_is_awaitable),
            **execution_context_class_kwargs(self.execution_context_class),
        )
        assert not isinstance(result, Awaitable)  # the check resolvers are synchronous
        if result.errors:
            self.process_errors(list(result.errors))
        return ExecutionResult(data=result.data, errors=result.errors)


def _discard(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()  # retrieved, so asyncio does not log "never retrieved"


async def _audited_on_loop(context: ApiContext, result: ExecutionResult) -> ExecutionResult:
    """:func:`_audited` for a result made on the event loop."""
    try:
        context.touch_shown(context.root_fields, result.data)
        await context.state.audit.written(context.audit_entries())
    except StoreError as exc:
        return _withheld(exc)
    return result


def _withheld(exc: StoreError) -> ExecutionResult:
    log.error("answer withheld: %s", exc)
    error = GraphQLError(str(exc))
    error.extensions = {"code": "AUDIT_UNAVAILABLE"}
    return ExecutionResult(data=None, errors=[error])


def _audited(context: Any, result: ExecutionResult) -> ExecutionResult:
    """The result, once the persons it shows are in the audit log for good; withheld (an
    error instead) when the audit log cannot be written."""
    if not isinstance(context, ApiContext):
        return result
    try:
        context.touch_shown(context.root_fields, result.data)
        context.state.audit.record(context.audit_entries())
    except StoreError as exc:
        return _withheld(exc)
    return result


class _RootFields(SchemaExtension):
    """Tells the context which root field each response key answers (for the audit)."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        document = self.execution_context.graphql_document
        if isinstance(context, ApiContext) and document is not None:
            _note_root_fields(context, document)
        yield


@lru_cache(maxsize=2 * CACHED_DOCUMENTS)
def _check_plan(query: str, operation_name: str | None) -> CheckPlan | None:
    """How a valid single-check document runs without graphql-core's executor (see
    creditgraph.api.check_execution); None for any other document."""
    document = _checked_document(query)
    if document is None:
        return None
    return plan_checks(schema._schema, document, operation_name, INLINE_FIELDS)


def _note_root_fields(context: ApiContext, document: DocumentNode) -> None:
    """Which root field each response key answers (for the audit); on the fast path, where
    no extension runs, also the request's metrics label (as :class:`OperationLabel`)."""
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            for selection in definition.selection_set.selections:
                if isinstance(selection, FieldNode):
                    key = selection.alias.value if selection.alias else selection.name.value
                    context.root_fields[key] = selection.name.value


class OperationLabel(SchemaExtension):
    """Names the request for the metrics by the root fields it asks for: names the schema
    defines (the document has been validated), so the label set stays bounded."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        document = self.execution_context.graphql_document
        if isinstance(context, ApiContext) and document is not None:
            names: set[str] = set()
            for definition in document.definitions:
                if isinstance(definition, OperationDefinitionNode):
                    names.update(
                        s.name.value
                        for s in definition.selection_set.selections
                        if isinstance(s, FieldNode)
                    )
            if names:
                context.operation_label = ",".join(sorted(names))
        yield


def _merged(name: str, types: tuple[type, ...]) -> type:
    """``merge_types``, keeping the first type's description (merge_types drops it)."""
    merged: Any = merge_types(name, types)
    merged.__strawberry_definition__.description = cast(
        Any, types[0]
    ).__strawberry_definition__.description
    return cast(type, merged)


def build_schema() -> CreditGraphSchema:
    # the monitoring fields live in their own module (creditgraph.api.monitoring)
    query = _merged("Query", (Query, MonitoringQuery))
    mutation = _merged("Mutation", (Mutation, MonitoringMutation))
    return CreditGraphSchema(
        query=query,
        mutation=mutation,
        subscription=Subscription,
        types=[Enterprise, Person, Agency],
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
            lambda: AddValidationRules(_LIMIT_RULES),
            lambda: SmallQueryParserCache(maxsize=CACHED_DOCUMENTS),
            lambda: BudgetedValidation(
                maxsize=CACHED_DOCUMENTS
            ),  # the fields budget, then validation
            _RootFields,
            OperationLabel,
        ],
        config=StrawberryConfig(scalar_map=SCALARS),
    )


def _resolve_checks_thinly(built: CreditGraphSchema) -> None:
    """The check fields resolve without strawberry's per-argument conversion layer.

    graphql-core has already coerced every argument to the Python value the resolver takes
    (an enum member, a date, a string); for these fields strawberry's layer only renames
    them (personId → person_id) and walks each value's type again — measured, a third of
    GraphQL's cost on top of the check itself. The resolvers are the fields' own; fields
    with permission classes or extensions would keep strawberry's layer.
    """
    definition = cast(Any, Query).__strawberry_definition__
    for field in definition.fields:
        name = built.config.name_converter.get_graphql_name(field)
        if name not in INLINE_FIELDS or field.base_resolver is None:
            continue
        if field.extensions or field.permission_classes:
            continue
        function = field.base_resolver.wrapped_func
        renamed = {
            built.config.name_converter.get_graphql_name(argument): argument.python_name
            for argument in field.arguments
        }

        def resolve(
            root: Any, info: Any, _f: Any = function, _names: dict[str, str] = renamed, **args: Any
        ) -> Any:
            return _f(root, info, **{_names[k]: v for k, v in args.items()})

        built._schema.query_type.fields[name].resolve = resolve  # type: ignore[union-attr]


schema = build_schema()
_resolve_checks_thinly(schema)
