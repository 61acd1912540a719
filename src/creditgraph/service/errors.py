"""Errors a caller can fix; each carries a stable code (GraphQL ``extensions.code``)."""

from __future__ import annotations

from creditgraph.domain.identifiers import (
    InvalidIdentifier,
    contains_resident_id,
    validate_resident_id,
    validate_uscc,
)


class ServiceError(ValueError):
    code = "BAD_REQUEST"


class UnknownId(ServiceError):
    code = "NOT_FOUND"


class InvalidArgument(ServiceError):
    code = "INVALID_ARGUMENT"


class LimitExceeded(ServiceError):
    code = "LIMIT_EXCEEDED"


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
