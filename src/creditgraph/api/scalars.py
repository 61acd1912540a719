"""Custom scalars: ``Date`` (an ISO calendar day, checked strictly) and ``JSON``."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import strawberry
from strawberry.types.scalar import ScalarDefinition

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class InvalidDate(ValueError):
    """A Date argument that is not a real calendar day in the form YYYY-MM-DD."""


def parse_date(value: Any) -> dt.date:
    if not isinstance(value, str):
        raise InvalidDate(f"a Date is a string YYYY-MM-DD, got {type(value).__name__}")
    if not _ISO_DAY.fullmatch(value):
        raise InvalidDate(f"{value!r} is not a date in the form YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidDate(f"{value!r} is not a calendar date: {exc}") from None


def serialize_date(value: dt.date) -> str:
    return value.isoformat()


DATE: ScalarDefinition = strawberry.scalar(
    name="Date",
    description="A calendar day, ISO 8601 YYYY-MM-DD (2024-06-30). Dates are days in "
    "China Standard Time; periods are inclusive of their last day.",
    serialize=serialize_date,
    parse_value=parse_date,
)

SCALARS: dict[object, ScalarDefinition] = {dt.date: DATE}
