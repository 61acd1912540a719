"""Relay connection paging over an ordered list: ``first``/``after`` forwards, ``last``/
``before`` backwards. A cursor names a position in the list (opaque to clients, tagged with
the field it came from so a cursor of one list is refused by another)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
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
    w = lazy_window(
        kind,
        lambda n: min(n, total),
        first=first,
        after=after,
        last=last,
        before=before,
        default=default,
    )
    return Window(w.start, w.end, total)


def lazy_window(
    kind: str,
    count_upto: Callable[[int], int],
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    default: int,
) -> Window:
    """:func:`window` over a list whose length is found only as far as needed:
    ``count_upto(n)`` is ``min(n, length)``, reading the list that far. Only ``last`` without
    ``before`` reads it to its end. The window's ``total`` is then what is known: its end,
    plus one when more follow."""
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
    after_at = position(kind, after, "after") or 0
    before_at = position(kind, before, "before")
    start = count_upto(after_at)
    if before_at is not None:
        end = max(count_upto(before_at - 1), start)
    elif last is not None:
        end = max(count_upto(EVERYTHING), start)
    else:
        end = None
    if last is not None:
        assert end is not None
        start = max(start, end - last)
    else:
        size = default if first is None else first
        end = count_upto(start + size) if end is None else min(end, start + size)
    return Window(start, end, count_upto(end + 1))


EVERYTHING = 10**18  # beyond any list's length (positions in cursors have at most 12 digits)
