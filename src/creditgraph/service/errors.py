"""Errors a caller can fix; each carries a stable code (GraphQL ``extensions.code``)."""

from __future__ import annotations


class ServiceError(ValueError):
    code = "BAD_REQUEST"


class UnknownId(ServiceError):
    code = "NOT_FOUND"


class InvalidArgument(ServiceError):
    code = "INVALID_ARGUMENT"


class LimitExceeded(ServiceError):
    code = "LIMIT_EXCEEDED"
