"""Cells of published lists → contract values, each failure with the reason an officer can act on."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache
from typing import Any

from creditgraph.domain.identifiers import (
    InvalidIdentifier,
    mask_resident_id,
    organisation_code_check_character,
    validate_resident_id,
    validate_uscc,
)


class CellError(ValueError):
    """A cell that cannot be used; ``str()`` is the reason (the caller adds file, row, column)."""


_DATE_FORMS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)
_TIME_TAIL = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")


def text(value: Any) -> str:
    """A cell as text, NFKC-normalised (full-width digits and brackets are ASCII) and trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel keeps 2021 as 2021.0
    return unicodedata.normalize("NFKC", str(value)).strip()


def parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return _date_text(value)  # a list has few distinct days
    return _date_text(text(value))


@lru_cache(maxsize=65536)
def _date_text(value: str) -> dt.date | None:
    cell = text(value)
    if not cell:
        return None
    cell = _TIME_TAIL.sub("", cell)  # 2021-06-30 00:00:00, as spreadsheets export dates
    for form in _DATE_FORMS:
        found = form.match(cell)
        if found:
            year, month, day = map(int, found.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise CellError(f"{cell!r} is not a calendar day") from None
    raise CellError(f"{cell!r} is not a date (YYYY-MM-DD, YYYY/M/D or YYYY年M月D日)")


def parse_number(value: Any) -> float | None:
    if isinstance(value, bool):
        raise CellError(f"{value!r} is not a number")
    if isinstance(value, int | float):
        return float(value)
    cell = text(value).replace(",", "")
    if not cell:
        return None
    try:
        number = float(cell)
    except ValueError:
        raise CellError(f"{cell!r} is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise CellError(f"{cell!r} is not a number")
    if number < 0:
        raise CellError(f"{cell!r} is negative")
    return number


def parse_share(value: Any, *, percent: bool = True) -> float | None:
    """认缴出资比例 as a fraction. With ``percent`` (what the mapping says a plain number is),
    60 and 0.31 are 60 % and 0.31 %; otherwise 0.6 is 60 %. 60% is 60 % either way; 0 or
    empty is no share."""
    cell = text(value)
    with_sign = cell.endswith("%")
    number = parse_number(cell.rstrip("%") if with_sign else value)
    if not number:
        return None
    if with_sign or percent:
        number /= 100
    if number > 1:
        raise CellError(f"{cell!r} is more than 100%")
    return round(number, 8)


def parse_sex(value: Any) -> str | None:
    cell = text(value)
    if cell in ("", "未知", "-"):
        return None
    if cell in ("男", "男性", "M", "m"):
        return "男"
    if cell in ("女", "女性", "F", "f"):
        return "女"
    raise CellError(f"{cell!r} is not 男 or 女")


# What a number column holds, by form. A court list puts a person's masked identity number
# and an enterprise's organisation code in the same column, so the form decides the party.
RESIDENT_ID, MASK, USCC, ORG_CODE, REG_CODE = "resident_id", "mask", "uscc", "org_code", "reg_code"
_MASK_CHARS = frozenset("0123456789X*")
_ORG = re.compile(r"^([0-9A-Z]{8})-?([0-9X])$")


def number_form(value: Any) -> tuple[str, str] | None:
    """(form, the number in its canonical spelling) for a filled cell, or None when empty."""
    cell = "".join(text(value).upper().split())
    if not cell or cell in ("-", "无", "NULL"):
        return None
    if "*" in cell:
        return MASK, parse_mask(cell)
    if len(cell) == 18:
        if cell[:17].isdigit():
            try:
                return RESIDENT_ID, validate_resident_id(cell)
            except InvalidIdentifier as person_error:
                try:
                    return USCC, validate_uscc(cell)
                except InvalidIdentifier:
                    raise CellError(
                        f"not a valid resident identity number (GB 11643): {person_error}"
                    ) from None
        try:
            return USCC, validate_uscc(cell)
        except InvalidIdentifier as exc:
            raise CellError(f"not a valid unified social credit code (GB 32100): {exc}") from None
    found = _ORG.match(cell)
    if found:
        body, check = found.groups()
        expected = organisation_code_check_character(body)
        if check != expected:
            raise CellError(
                f"organisation code check character should be {expected}, got {check} (GB 11714)"
            )
        return ORG_CODE, body + check
    if len(cell) == 15 and cell.isdigit():
        return REG_CODE, cell  # 工商注册号, the enterprise number before the unified code
    raise CellError(
        "is neither an identity number (18 characters, or masked with *), a unified social "
        "credit code (18), an organisation code (9) nor a registration number (15)"
    )


def parse_mask(cell: str) -> str:
    """A published masked identity number: visible digits in place, ``*`` for hidden ones."""
    impossible = sorted(set(cell) - _MASK_CHARS)
    if impossible:
        raise CellError(
            f"masked identity number has impossible characters {''.join(impossible)!r} "
            "(only digits, X and * appear in one)"
        )
    if "X" in cell[:-1]:
        raise CellError("masked identity number has X before its last character")
    if not 15 <= len(cell) <= 18:
        raise CellError(
            f"masked identity number has {len(cell)} characters: an identity number has 18 "
            "(15 for the oldest)"
        )
    return cell


def uscc_or_none(value: Any) -> str | None:
    cell = "".join(text(value).upper().split())
    if not cell or cell in ("-", "无", "NULL"):
        return None
    try:
        return validate_uscc(cell)
    except InvalidIdentifier as exc:
        raise CellError(f"not a valid unified social credit code (GB 32100): {exc}") from None


_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{16}[\dXx](?![0-9A-Za-z])")


def without_id_numbers(cell: str) -> str:
    """Free text kept as provenance, with any full identity number in it masked: the store
    never holds one in clear, even inside 违法事实."""
    if not cell or not any(c.isdigit() for c in cell):
        return cell

    def mask(found: re.Match[str]) -> str:
        try:
            return mask_resident_id(validate_resident_id(found.group(0)))
        except InvalidIdentifier:
            return found.group(0)

    return _ID_LIKE.sub(mask, cell)
