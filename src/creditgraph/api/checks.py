"""The checks for approval systems as every interface runs them — the GraphQL fields and the
REST endpoints alike: the same right, the same limits, the same audit entry, the same
decision from the service layer. Only the shape of the answer differs (GraphQL types, or
the CLI's decision JSON)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from creditgraph.api.access import Right
from creditgraph.api.context import PERSON, ApiContext, missing
from creditgraph.domain.identifiers import InvalidIdentifier, validate_resident_id
from creditgraph.service.decisions import Decision
from creditgraph.service.errors import (
    InvalidArgument,
    LimitExceeded,
    ServiceError,
    UnknownId,
)

MAX_BATCH_CHECKS = 1000

# How the audit names a check asked by identity number (the number itself is never written).
BY_NUMBER = "by identity number"
NO_HOLDER = "(no person holds the number)"


@dataclass(frozen=True)
class AppointmentAsk:
    """One appointment check: the person by id, or by identity number (and name)."""

    role: str
    person_id: str | None = None
    enterprise_id: str | None = None
    on: dt.date | None = None
    id_number: str | None = None
    name: str | None = None


def unknown(ctx: ApiContext, exc: UnknownId, *ids: str | None) -> ServiceError:
    """The error for the first id the store does not hold, explained (an identity number
    given as an id, an invalid credit code) rather than a bare "unknown id"."""
    for node_id in ids:
        if node_id is not None and ctx.node(node_id) is None:
            return missing(node_id)
    return exc


def check_appointment(
    ctx: ApiContext, ask: AppointmentAsk, *, operation: str, key: str | None = None
) -> Decision:
    ctx.require(Right.CHECK)
    decision = _appointment(ctx, ask)
    _audit(ctx, [(ask, decision)], operation=operation, key=key or operation)
    return decision


def check_appointments(
    ctx: ApiContext, asks: Sequence[AppointmentAsk], *, operation: str, key: str | None = None
) -> list[Decision]:
    """The checks in the order asked; an error names the request (``requests[3]: …``)."""
    ctx.require(Right.CHECK)
    if len(asks) > MAX_BATCH_CHECKS:
        raise LimitExceeded(
            f"at most {MAX_BATCH_CHECKS} checks per call, got {len(asks)}: split the batch",
            limit="requests",
            maximum=MAX_BATCH_CHECKS,
            value=len(asks),
        )
    if not asks:
        return []
    if any(a.id_number is not None for a in asks):
        decisions = []
        for index, ask in enumerate(asks):
            try:
                decisions.append(_appointment(ctx, ask))
            except ServiceError as exc:
                raise _indexed(exc, index) from None
    else:
        for index, ask in enumerate(asks):
            try:
                _person_of(ask)
            except ServiceError as exc:
                raise _indexed(exc, index) from None
        asked = [(str(a.person_id), a.role, a.enterprise_id, a.on or ctx.today) for a in asks]
        try:
            decisions = ctx.state.decisions.check_appointments(asked)
        except ServiceError as exc:
            index = exc.details.get("index", 0)
            if isinstance(exc, UnknownId):
                exc = unknown(ctx, exc, asked[index][0], asked[index][2])
            raise _indexed(exc, index) from None
    _audit(ctx, list(zip(asks, decisions, strict=True)), operation=operation, key=key or operation)
    return decisions


def check_eligibility(
    ctx: ApiContext,
    subject_id: str,
    activity: str,
    on: dt.date | None,
    *,
    operation: str,
    key: str | None = None,
) -> Decision:
    ctx.require(Right.CHECK)
    subject = ctx.node(subject_id)
    if subject is None:
        raise missing(subject_id)
    # an alias stands for its person: the decision and the audit name the person
    decision = ctx.state.decisions.check_eligibility(subject.id, activity, on=on or ctx.today)
    if subject.type == PERSON:
        ctx.touch_operation(key or operation, operation, [subject.id])
    return decision


def _audit(
    ctx: ApiContext,
    answered: Sequence[tuple[AppointmentAsk, Decision]],
    *,
    operation: str,
    key: str,
) -> None:
    """One audit entry for the checks asked by id (the persons resolved: an alias gives its
    person), one for those asked by identity number: it says so, and names the person
    holding the number or the published entries weighed — never the number."""
    by_id = {d.subject or str(a.person_id) for a, d in answered if a.id_number is None}
    ctx.touch_operation(key, operation, by_id)
    by_number: set[str] = set()
    for ask, decision in answered:
        if ask.id_number is None:
            continue
        entries = {r.identity.entry for r in decision.reasons if r.identity is not None}
        by_number.update(entries)
        if decision.subject:
            by_number.add(decision.subject)
        elif not entries:
            by_number.add(NO_HOLDER)
    ctx.touch_operation(f"{key} {BY_NUMBER}", f"{operation} {BY_NUMBER}", by_number)


def _person_of(ask: AppointmentAsk) -> str | None:
    if (ask.person_id is None) == (ask.id_number is None):
        raise InvalidArgument(
            "give the person either by id (person) or by identity number (idNumber, with "
            "name), exactly one of the two"
        )
    if ask.name is not None and ask.id_number is None:
        raise InvalidArgument("name goes with idNumber: a person asked by id needs no name")
    return ask.person_id


def _appointment(ctx: ApiContext, ask: AppointmentAsk) -> Decision:
    person = _person_of(ask)
    on = ask.on or ctx.today
    if person is None:
        return _by_id_number(ctx, ask, on)
    try:
        return ctx.state.decisions.check_appointment(
            person, ask.role, enterprise_id=ask.enterprise_id, on=on
        )
    except UnknownId as exc:
        raise unknown(ctx, exc, person, ask.enterprise_id) from None


def _by_id_number(ctx: ApiContext, ask: AppointmentAsk, on: dt.date) -> Decision:
    assert ask.id_number is not None
    try:
        number = validate_resident_id(ask.id_number.strip())
    except InvalidIdentifier:
        # the validator's message quotes parts of the number: say why without them
        raise InvalidArgument(
            "idNumber is not a valid resident identity number (GB 11643): check its 18 "
            "characters, the birth date and the check character"
        ) from None
    return ctx.state.decisions.check_appointment_by_number(
        number, ask.role, name=ask.name, enterprise_id=ask.enterprise_id, on=on
    )


def _indexed(exc: ServiceError, index: int) -> ServiceError:
    error = type(exc)(f"requests[{index}]: {exc}")
    error.details = {**exc.details, "index": index}
    return error
