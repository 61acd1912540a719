"""Periods counted as the Civil Code counts them (民法典 第二百零一条、第二百零二条).

The day a period starts is not counted; a period in years or months ends on the
corresponding day of the final month, or on that month's last day where it has
no such day. So a 3-year bar from 2021-06-30 applies through 2024-06-30, and one
from 2020-02-29 through 2023-02-28.
"""

from __future__ import annotations

import calendar
import datetime as dt


def period_last_day(start: dt.date, *, years: int = 0, months: int = 0, days: int = 0) -> dt.date:
    """The last day (inclusive) of a period of the given length that starts on ``start``.

    Total: a period running past the calendar's end ends on its last day (``date.max``), one
    counted back past its start on ``date.min`` — a stored date must never make a derivation
    raise, or every later write touching that subject would fail with it."""
    if years or months:
        total = start.month - 1 + months + 12 * years
        year, month = start.year + total // 12, total % 12 + 1
        if year > dt.MAXYEAR:
            return dt.date.max
        if year < dt.MINYEAR:
            return dt.date.min
        day = min(start.day, calendar.monthrange(year, month)[1])
        start = dt.date(year, month, day)
    return _shifted(start, days)


def day_before(day: dt.date) -> dt.date:
    return _shifted(day, -1)


def _shifted(day: dt.date, days: int) -> dt.date:
    ordinal = day.toordinal() + days
    if ordinal > dt.date.max.toordinal():
        return dt.date.max
    if ordinal < 1:
        return dt.date.min
    return dt.date.fromordinal(ordinal)
