"""Relay connection paging over an ordered list: ``first``/``after`` forwards, ``last``/
``before`` backwards. A cursor names a position in the list (opaque to clients, tagged with
the field it came from so a cursor of one list is refused by another)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from creditgraph.service.errors import InvalidArgument, LimitExceeded

MAX_PAGE = 500


def cursor(kind: str, position: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{position}".encode()).decode().rstrip("=")


def position(kind: str, value: str | None, argument: str) -> int | None:
    """The position a cursor names (1-based: the item at index position-1)."""
    if value is None:
        return None
    try:
        text = base64.urlsafe_b64decode((value + "=" * (-len(value) % 4)).encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    prefix, sep, digits = text.partition(":")
    if prefix != kind or not sep or not digits.isdigit() or len(digits) > 12:
        raise InvalidArgument(f"{argument} is not a cursor returned by this field")
    return int(digits)


@dataclass(frozen=True)
class Window:
    """Items ``start`` up to (not including) ``end`` of a list of ``total``."""

    start: int
    end: int
    total: int

    @property
    def has_previous_page(self) -> bool:
        return self.start > 0

    @property
    def has_next_page(self) -> bool:
        return self.end < self.total


def window(
    kind: str,
    total: int,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    default: int,
) -> Window:
    """The slice Relay's algorithm gives: after/before narrow the list, then first takes from
    its start or last from its end. Neither first nor last: the first ``default`` items."""
    for name, size in (("first", first), ("last", last)):
        if size is not None and size < 0:
            raise InvalidArgument(f"{name} must not be negative, got {size}")
        if size is not None and size > MAX_PAGE:
            raise LimitExceeded(
                f"{name} may be at most {MAX_PAGE}, got {size}",
                limit=name,
                maximum=MAX_PAGE,
                value=size,
            )
    if first is not None and last is not None:
        raise InvalidArgument("give first (forwards) or last (backwards), not both")
    start = min(position(kind, after, "after") or 0, total)
    before_at = position(kind, before, "before")
    end = total if before_at is None else max(min(before_at - 1, total), start)
    if last is not None:
        start = max(start, end - last)
    else:
        end = min(end, start + (default if first is None else first))
    return Window(start, end, total)
