"""Periods as the Civil Code counts them (Arts. 201–202)."""

from __future__ import annotations

import calendar
import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from creditgraph.domain.periods import day_before, period_last_day


def test_three_years_from_end_of_june_ends_on_the_corresponding_day() -> None:
    assert period_last_day(dt.date(2021, 6, 30), years=3) == dt.date(2024, 6, 30)


def test_three_years_from_leap_day_ends_on_the_last_day_of_february() -> None:
    assert period_last_day(dt.date(2020, 2, 29), years=3) == dt.date(2023, 2, 28)
    assert period_last_day(dt.date(2020, 2, 29), years=4) == dt.date(2024, 2, 29)


def test_three_months_from_the_thirty_first_ends_on_the_months_last_day() -> None:
    assert period_last_day(dt.date(2024, 11, 30), months=3) == dt.date(2025, 2, 28)
    assert period_last_day(dt.date(2023, 11, 30), months=3) == dt.date(2024, 2, 29)


dates = st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2100, 12, 31))


@given(dates, st.integers(0, 20))
def test_a_year_period_ends_on_the_same_day_or_the_months_last_day(
    start: dt.date, years: int
) -> None:
    end = period_last_day(start, years=years)
    assert end.month == start.month and end.year == start.year + years
    assert end.day == min(start.day, calendar.monthrange(end.year, end.month)[1])


@given(dates, st.integers(0, 240))
def test_a_longer_period_never_ends_earlier(start: dt.date, months: int) -> None:
    assert period_last_day(start, months=months) <= period_last_day(start, months=months + 1)
    assert period_last_day(start, months=months) >= start


@given(dates, st.integers(0, 20))
def test_twelve_months_is_one_year(start: dt.date, years: int) -> None:
    assert period_last_day(start, years=years) == period_last_day(start, months=12 * years)


@given(dates, st.integers(0, 3650))
def test_a_period_in_days_ends_that_many_days_later(start: dt.date, days: int) -> None:
    assert (period_last_day(start, days=days) - start).days == days


@given(
    st.dates(),
    st.integers(-3, 10),
    st.integers(-24, 120),
    st.integers(-4000, 4000),
)
def test_period_arithmetic_is_total_at_the_calendars_ends(
    start: dt.date, years: int, months: int, days: int
) -> None:
    # a bar counted from 9999-12-31, or a repair dated 0001-01-01, must never raise
    end = period_last_day(start, years=years, months=months, days=days)
    assert dt.date.min <= end <= dt.date.max
    assert dt.date.min <= day_before(start) <= start


def test_a_three_year_bar_from_the_last_day_of_the_calendar_ends_on_it() -> None:
    assert period_last_day(dt.date(9999, 12, 31), years=3) == dt.date.max
    assert day_before(dt.date.min) == dt.date.min
