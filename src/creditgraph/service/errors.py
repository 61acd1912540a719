"""Errors a caller can fix; each carries a stable code (GraphQL ``extensions.code``, the REST
error body's ``code``) and, where it helps the caller, details such as the limit and the value
asked for. The API classifies errors by these types, never by their English text."""

from __future__ import annotations

from typing import Any


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
