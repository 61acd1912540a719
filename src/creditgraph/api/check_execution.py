"""A single-check GraphQL document executed without graphql-core's general executor.

An approval system sends the same few documents thousands of times a second, e.g.
``query($p: ID!, $r: Role!, $on: Date) { checkAppointment(personId: $p, role: $r, on: $on)
{ decision } }``. For such a document graphql-core spends more on its own work than the check
costs (measured at size M on one core: 372 µs a request against 160–200 µs for the check
itself): it coerces each variable against a type it reads again from the document, builds an
execution context, collects fields and completes each value through a chain of calls. Here a
document of that shape is read once into a :class:`CheckPlan` (the variable types, the
resolvers and the leaf fields looked up), and each request runs the plan: the variables
coerced by their types' own ``parse_value``, the root fields' resolvers called, the leaves
serialised by their types — the same functions graphql-core would call, in the same order.

The shape: one query operation without directives; root fields only among ``INLINE_FIELDS``
(single checks), without directives; each asks only for scalar or enum fields of the object it
returns (or ``__typename``), without arguments or directives. Any other document, and any
request whose variables do not coerce plainly (a missing or null required value, a value
its type refuses, a list, an input object), goes to graphql-core, which words the errors.
``tests/api/test_check_execution.py`` holds both ways to the same answers and errors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    Undefined,
    VariableNode,
    default_field_resolver,
    get_nullable_type,
    located_error,
    type_from_ast,
    value_from_ast,
)
from graphql.pyutils import Path, inspect

_Leaf = GraphQLScalarType | GraphQLEnumType


class _NullInside(Exception):
    """A required leaf failed (its error recorded): the object it belongs to is null."""


@dataclass(frozen=True)
class _Variable:
    name: str
    type: _Leaf
    required: bool


@dataclass(frozen=True)
class _Argument:
    out_name: str
    variable: str | None  # the variable that gives it, or None for a literal
    literal: Any  # the literal's coerced value (Undefined when a variable gives it)
    default: Any  # the argument's default value (Undefined: none)
    required: bool


@dataclass(frozen=True)
class _LeafField:
    key: str
    name: str
    node: FieldNode
    field: GraphQLField | None  # None: __typename
    type: _Leaf | None
    required: bool


@dataclass(frozen=True)
class _RootField:
    key: str
    name: str
    node: FieldNode
    field: GraphQLField
    object_type: GraphQLObjectType
    required: bool
    arguments: tuple[_Argument, ...]
    leaves: tuple[_LeafField, ...]


@dataclass(frozen=True)
class CheckPlan:
    operation: OperationDefinitionNode
    variables: tuple[_Variable, ...]
    roots: tuple[_RootField, ...]


def single_operation(
    document: DocumentNode, operation_name: str | None
) -> OperationDefinitionNode | None:
    """The operation a request runs, when the document holds operations only (no fragments)
    and exactly one of them is the one named (or, unnamed, the only one)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != len(document.definitions):
        return None
    chosen = [
        op
        for op in operations
        if operation_name is None or (op.name is not None and op.name.value == operation_name)
    ]
    return chosen[0] if len(chosen) == 1 else None


def plan_checks(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    root_fields: frozenset[str],
) -> CheckPlan | None:
    """The plan of a validated document of the shape above, or None (graphql-core runs it)."""
    operation = single_operation(document, operation_name)
    query_type = schema.query_type
    if (
        operation is None
        or operation.operation != OperationType.QUERY
        or operation.directives
        or query_type is None
    ):
        return None
    variables: list[_Variable] = []
    for definition in operation.variable_definitions or ():
        if definition.default_value is not None or definition.directives:
            return None
        declared = type_from_ast(schema, definition.type)
        required = isinstance(declared, GraphQLNonNull)
        named = declared.of_type if isinstance(declared, GraphQLNonNull) else declared
        if not isinstance(named, GraphQLScalarType | GraphQLEnumType):
            return None  # a list or an input object: graphql-core coerces it
        variables.append(_Variable(definition.variable.name.value, named, required))
    roots: list[_RootField] = []
    keys: set[str] = set()
    for selection in operation.selection_set.selections:
        root = _root_field(schema, query_type, selection, root_fields)
        if root is None or root.key in keys:
            return None
        keys.add(root.key)
        roots.append(root)
    return CheckPlan(operation, tuple(variables), tuple(roots)) if roots else None


def _root_field(
    schema: GraphQLSchema, query_type: GraphQLObjectType, node: Any, root_fields: frozenset[str]
) -> _RootField | None:
    if not isinstance(node, FieldNode) or node.directives or node.selection_set is None:
        return None
    name = node.name.value
    field = query_type.fields.get(name)
    if name not in root_fields or field is None:
        return None
    required = isinstance(field.type, GraphQLNonNull)
    object_type = get_nullable_type(field.type)
    if not isinstance(object_type, GraphQLObjectType):
        return None
    arguments = []
    given = {argument.name.value: argument.value for argument in node.arguments or ()}
    for arg_name, arg in field.args.items():
        value = given.pop(arg_name, None)
        out_name = arg.out_name or arg_name
        arg_required = isinstance(arg.type, GraphQLNonNull)
        if isinstance(value, VariableNode):
            arguments.append(
                _Argument(out_name, value.name.value, Undefined, arg.default_value, arg_required)
            )
        elif value is not None:
            literal = value_from_ast(value, arg.type)
            if literal is Undefined:
                return None
            arguments.append(_Argument(out_name, None, literal, Undefined, arg_required))
        elif arg.default_value is not Undefined:
            arguments.append(_Argument(out_name, None, arg.default_value, Undefined, False))
        elif arg_required:
            return None
    if given:
        return None
    leaves = []
    keys: set[str] = set()
    for selection in node.selection_set.selections:
        leaf = _leaf_field(object_type, selection)
        if leaf is None or leaf.key in keys:
            return None
        keys.add(leaf.key)
        leaves.append(leaf)
    key = node.alias.value if node.alias else name
    return _RootField(
        key, name, node, field, object_type, required, tuple(arguments), tuple(leaves)
    )


def _leaf_field(object_type: GraphQLObjectType, node: Any) -> _LeafField | None:
    if not isinstance(node, FieldNode) or node.directives or node.arguments:
        return None
    if node.selection_set is not None:
        return None
    name = node.name.value
    key = node.alias.value if node.alias else name
    if name == "__typename":
        return _LeafField(key, name, node, None, None, True)
    field = object_type.fields.get(name)
    if field is None:
        return None
    required = isinstance(field.type, GraphQLNonNull)
    leaf_type = get_nullable_type(field.type)
    if not isinstance(leaf_type, GraphQLScalarType | GraphQLEnumType):
        return None
    return _LeafField(key, name, node, field, leaf_type, required)


def execute_plan(
    plan: CheckPlan,
    schema: GraphQLSchema,
    variable_values: Mapping[str, Any] | None,
    context_value: Any,
    root_value: Any,
    is_awaitable: Callable[[Any], bool],
) -> ExecutionResult | None:
    """The result of the plan for these variables, or None when they do not coerce plainly
    (graphql-core then runs the document and reports why)."""
    given = variable_values or {}
    coerced: dict[str, Any] = {}
    for variable in plan.variables:
        value = given.get(variable.name, Undefined)
        if value is Undefined or value is None:
            if variable.required:
                return None
            if value is None:
                coerced[variable.name] = None
            continue
        try:
            parsed = variable.type.parse_value(value)
        except Exception:
            return None
        if parsed is Undefined:
            return None
        coerced[variable.name] = parsed
    query_type = schema.query_type
    data: dict[str, Any] | None = {}
    errors: list[GraphQLError] = []
    # every root field's arguments first: a request handed to graphql-core must not have
    # run a resolver (a check notes its persons for the audit) before
    arguments = []
    for root in plan.roots:
        args = _arguments(root, coerced)
        if args is None:
            return None
        arguments.append(args)
    for root, args in zip(plan.roots, arguments, strict=True):
        path = Path(None, root.key, query_type.name if query_type else None)
        info = _info(root.name, root.node, root.field, query_type, path, schema, plan, root_value,
                     coerced, context_value, is_awaitable)  # fmt: skip
        try:
            source = root.field.resolve(root_value, info, **args)  # type: ignore[misc]
            completed = _complete(root, source, path, info, errors)
            if completed is None and root.required:
                raise TypeError(
                    f"Cannot return null for non-nullable field {query_type}.{root.name}."
                )
        except _NullInside:  # a required leaf failed: its error is in, the object is null
            if root.required:
                data = None
                break
            completed = None
        except Exception as exc:
            errors.append(located_error(exc, [root.node], path.as_list()))
            if root.required:
                data = None
                break
            completed = None
        assert data is not None
        data[root.key] = completed
    return ExecutionResult(data=data, errors=errors or None)


def _arguments(root: _RootField, coerced: Mapping[str, Any]) -> dict[str, Any] | None:
    args = {}
    for argument in root.arguments:
        if argument.variable is None:
            args[argument.out_name] = argument.literal
            continue
        value = coerced.get(argument.variable, Undefined)
        if value is Undefined:
            if argument.default is not Undefined:
                args[argument.out_name] = argument.default
            elif argument.required:
                return None
            continue
        if value is None and argument.required:
            return None
        args[argument.out_name] = value
    return args


def _complete(
    root: _RootField, source: Any, path: Path, info: GraphQLResolveInfo, errors: list[GraphQLError]
) -> dict[str, Any] | None:
    """The object's leaves, or None (a null, or a null where its type forbids one)."""
    if source is None:
        return None
    completed: dict[str, Any] = {}
    for leaf in root.leaves:
        if leaf.field is None:
            completed[leaf.key] = root.object_type.name
            continue
        leaf_path = path.add_key(leaf.key, root.object_type.name)
        leaf_info = info._replace(
            field_name=leaf.name,
            field_nodes=[leaf.node],
            return_type=leaf.field.type,
            parent_type=root.object_type,
            path=leaf_path,
        )
        try:
            value = (leaf.field.resolve or default_field_resolver)(source, leaf_info)
            if value is None or value is Undefined:
                serialised = None
            else:
                assert leaf.type is not None
                serialised = leaf.type.coerce_output_value(value)
                if serialised is Undefined or serialised is None:
                    raise TypeError(
                        f"Expected `{inspect(leaf.type)}.coerce_output_value("
                        f"{inspect(value)})` to return non-nullable value, returned:"
                        f" {inspect(serialised)}"
                    )
            if serialised is None and leaf.required:
                raise TypeError(
                    "Cannot return null for non-nullable field"
                    f" {root.object_type.name}.{leaf.name}."
                )
        except Exception as exc:
            errors.append(located_error(exc, [leaf.node], leaf_path.as_list()))
            if leaf.required:
                raise _NullInside() from None  # the null goes up to the object
            serialised = None
        completed[leaf.key] = serialised
    return completed


def _info(
    name: str,
    node: FieldNode,
    field: GraphQLField,
    parent_type: GraphQLObjectType | None,
    path: Path,
    schema: GraphQLSchema,
    plan: CheckPlan,
    root_value: Any,
    variables: dict[str, Any],
    context_value: Any,
    is_awaitable: Callable[[Any], bool],
) -> GraphQLResolveInfo:
    return GraphQLResolveInfo(
        name,
        [node],
        field.type,
        parent_type,  # type: ignore[arg-type]
        path,
        schema,
        {},
        root_value,
        plan.operation,
        variables,  # type: ignore[arg-type]
        context_value,
        is_awaitable,  # type: ignore[arg-type]
        None,  # no abort signal: the checks are synchronous
        None,  # type: ignore[arg-type]
    )
