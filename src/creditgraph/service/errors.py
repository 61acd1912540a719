"""Errors a caller can fix; each carries a stable code (GraphQL ``extensions.code``, the REST
error body's ``code``) and, where it helps the caller, details such as the limit and the value
asked for. The API classifies errors by these types, never by their English text."""

from __future__ import annotations

from typing import Any

from creditgraph.domain.identifiers import (
    InvalidIdentifier,
    contains_resident_id,
    validate_resident_id,
    validate_uscc,
)


class ServiceError(ValueError):
    code = "BAD_REQUEST"

    def __init__(self, message: str = "", **details: Any) -> None:
        super().__init__(message)
        self.details: dict[str, Any] = details


class UnknownId(ServiceError):
    code = "NOT_FOUND"


class InvalidArgument(ServiceError):
    code = "INVALID_ARGUMENT"


class LimitExceeded(ServiceError):
    """A request over a size or cost limit. ``limit`` names it (``depth``, ``first``,
    ``requests``, ``time``…), ``max`` is the most allowed and ``value`` what was asked for,
    so a client can adjust without parsing the message."""

    code = "LIMIT_EXCEEDED"

    def __init__(
        self, message: str = "", *, limit: str | None = None, maximum: Any = None, value: Any = None
    ) -> None:
        details = {
            k: v for k, v in (("limit", limit), ("max", maximum), ("value", value)) if v is not None
        }
        super().__init__(message)
        self.details = details


def missing(node_id: str) -> ServiceError:
    """The error for an id the store does not hold: an invalid code says why it is invalid.

    One wording for the CLI and the API, so a steward and a client read the same reason."""
    if ":" not in node_id and len(node_id) == 18 and node_id.isalnum():
        try:
            validate_resident_id(node_id)
        except InvalidIdentifier:
            pass
        else:
            return InvalidArgument(
                "that is a resident identity number: ask by identity number (--id-number, "
                "idNumber in checkAppointment and person), never as an id"
            )
        try:
            validate_uscc(node_id)
        except InvalidIdentifier as exc:
            return InvalidArgument(f"{node_id!r} is not a valid unified social credit code: {exc}")
    if contains_resident_id(node_id):  # an id carrying a number: never repeated back
        return InvalidArgument(
            "that id holds a resident identity number: ask by identity number "
            "(--id-number, idNumber) instead"
        )
    return UnknownId(f"unknown id {node_id!r}")
