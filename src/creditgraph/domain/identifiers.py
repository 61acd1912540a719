"""Identifiers of the social credit system, validated with reasons.

- Unified social credit code (统一社会信用代码), GB 32100-2015.
- Organisation code (组织机构代码) inside it, GB 11714-1997.
- Resident identity number (公民身份号码), GB 11643-1999.

Each validator raises :class:`InvalidIdentifier` whose message says exactly
what is wrong, so an import error can name the fix.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time
from operator import mul

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
_USCC_CHARS = frozenset(USCC_ALPHABET)
_USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]

# Registration authorities (登记管理部门代码) of GB 32100-2015 table 1 and later assignments.
USCC_AUTHORITIES = frozenset("123456789ANY")

# The two-digit province prefixes of administrative division codes (GB/T 2260), plus
# "10" which national-level registrations use in place of a division.
_PROVINCE_TABLE = (
    "10 11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82"
)
PROVINCE_PREFIXES = frozenset(_PROVINCE_TABLE.split())
_ADDRESS_PROVINCES = PROVINCE_PREFIXES - {"10"}  # identity numbers: real divisions only

_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
_RESIDENT_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
_RESIDENT_CHECK = "10X98765432"


class InvalidIdentifier(ValueError):
    """An identifier that fails its standard; the message says why."""


# map() over C-level getters: an import checks hundreds of thousands of codes
def uscc_check_character(first17: str) -> str:
    """The 18th character of a unified social credit code (mod-31 check)."""
    if len(first17) != 17:
        raise ValueError(f"expected the first 17 characters, got {len(first17)}")
    total = sum(map(mul, map(_USCC_VALUE.__getitem__, first17), _USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


_ORG_VALUE = {ch: int(ch, 36) for ch in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


# the check character for each value of the weighted sum mod 11: 11 - r, with 10 → X and 11 → 0
_ORG_CHECK = tuple({10: "X", 11: "0"}.get(11 - r, str(11 - r)) for r in range(11))


def organisation_code_check_character(body8: str) -> str:
    """The 9th character of an organisation code (GB 11714 mod-11 check)."""
    if len(body8) != 8:
        raise ValueError(f"expected the 8-character body, got {len(body8)}")
    try:
        total = sum(map(mul, map(_ORG_VALUE.__getitem__, body8), _ORG_WEIGHTS))
    except KeyError:  # outside 0-9 A-Z: the general rule
        total = sum(map(mul, map(_org_value, body8), _ORG_WEIGHTS))
    return _ORG_CHECK[total % 11]


def _org_value(ch: str) -> int:
    value = _ORG_VALUE.get(ch)
    return value if value is not None else ord(ch) - ord("A") + 10


def validate_uscc(code: str) -> str:
    """Return the code when it is a valid unified social credit code, else raise."""
    if len(code) != 18:
        raise InvalidIdentifier(f"a unified social credit code has 18 characters, got {len(code)}")
    for pos, ch in enumerate(code if not _USCC_CHARS.issuperset(code) else "", start=1):
        if ch not in _USCC_VALUE:
            hint = " (lower case is not allowed)" if ch.upper() in _USCC_VALUE else ""
            raise InvalidIdentifier(
                f"character {pos} {ch!r} is not allowed: the alphabet is 0-9 and "
                f"A-H J-N P-R T-U W-Y (no I, O, S, V, Z){hint}"
            )
    if code[0] not in USCC_AUTHORITIES:
        raise InvalidIdentifier(
            f"character 1 (registration authority) {code[0]!r} is not an assigned authority code "
            f"(one of {''.join(sorted(USCC_AUTHORITIES))})"
        )
    if code[1] == "0":
        raise InvalidIdentifier("character 2 (entity type) '0' is not an assigned entity type")
    division = code[2:8]
    if not division.isdigit():
        raise InvalidIdentifier(
            f"characters 3-8 (administrative division) must be digits, got {division!r}"
        )
    if division[:2] not in PROVINCE_PREFIXES:
        raise InvalidIdentifier(
            f"characters 3-8 (administrative division) {division!r} do not start with a "
            "province code"
        )
    org_check = organisation_code_check_character(code[8:16])
    if code[16] != org_check:
        raise InvalidIdentifier(
            f"character 17 (organisation code check character) should be {org_check}, "
            f"got {code[16]}"
        )
    check = uscc_check_character(code[:17])
    if code[17] != check:
        raise InvalidIdentifier(f"check character should be {check}, got {code[17]}")
    return code


def is_uscc(code: str) -> bool:
    try:
        validate_uscc(code)
    except InvalidIdentifier:
        return False
    return True


def uscc_province(code: str) -> str:
    """The two-digit province prefix of a code's division (useful for partitioning)."""
    return code[2:4]


_RESIDENT_ASCII_OFFSET = ord("0") * sum(_RESIDENT_WEIGHTS)


def resident_id_check_character(first17: str) -> str:
    if len(first17) != 17:
        raise ValueError(f"expected the first 17 digits, got {len(first17)}")
    if first17.isascii() and first17.isdigit():  # the usual case: byte values, no int() per digit
        total = sum(map(mul, first17.encode("ascii"), _RESIDENT_WEIGHTS)) - _RESIDENT_ASCII_OFFSET
    else:
        total = sum(map(mul, map(int, first17), _RESIDENT_WEIGHTS))
    return _RESIDENT_CHECK[total % 11]


_TODAY = (0, dt.date.min)  # (the second, the local date then)


def _today() -> dt.date:
    """date.today(), remembered for the rest of the second: an import checks a number per
    person record, and the clock read costs more than the rest of the check."""
    global _TODAY
    second = int(time.time())
    if _TODAY[0] != second:
        _TODAY = (second, dt.date.fromtimestamp(second))
    return _TODAY[1]


def validate_resident_id(number: str, *, today: dt.date | None = None) -> str:
    """Return the number (upper-case X) when it is a valid identity number, else raise."""
    number = number.upper()
    if len(number) != 18:
        raise InvalidIdentifier(f"a resident identity number has 18 characters, got {len(number)}")
    if not number[:17].isdigit():
        raise InvalidIdentifier("characters 1-17 of a resident identity number must be digits")
    if number[17] not in "0123456789X":
        raise InvalidIdentifier("character 18 of a resident identity number must be a digit or X")
    if number[:2] not in _ADDRESS_PROVINCES:
        raise InvalidIdentifier(
            f"characters 1-6 (address code) {number[:6]!r} do not start with a province code"
        )
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdentifier(
            f"characters 7-14 (birth date) {number[6:14]!r} are not a calendar date"
        ) from None
    if birth > (today or _today()):
        raise InvalidIdentifier(f"birth date {birth.isoformat()} is in the future")
    if birth.year < 1880:
        raise InvalidIdentifier(f"birth date {birth.isoformat()} is before 1880: not plausible")
    check = resident_id_check_character(number[:17])
    if number[17] != check:
        raise InvalidIdentifier(f"check character should be {check}, got {number[17]}")
    return number


def protect_resident_id(number: str, key: bytes) -> tuple[str, str]:
    """The stored forms of an identity number: a keyed hash for matching, a masked display.

    The clear number is never stored: the keyed hash (HMAC-SHA256) lets two records of the
    same person match without revealing the number; the masked form keeps the address
    code and the last four characters, enough for a person to recognise their own.
    """
    number = number.upper()
    digest = hmac.digest(key, number.encode("ascii"), "sha256").hex()  # = hmac.new(…).hexdigest()
    return digest, mask_resident_id(number)


def key_fingerprint(key: bytes) -> str:
    """Names a hashing key without revealing it, so hashes made with another key are caught."""
    return hashlib.sha256(b"creditgraph id key\x00" + key).hexdigest()[:16]


def mask_resident_id(number: str) -> str:
    """The display form (graph_schema/identity.yaml, ``display``): fewer digits than the
    published lists show, so the display form narrows a number down as little as possible."""
    from creditgraph.identity.masks import display_mask  # identity builds on this module

    return display_mask(number)


_OLD_NUMBER_DATE = "19"  # 15-digit numbers (before 1999) write the birth year in two digits


def contains_resident_id(text: str) -> bool:
    """Whether text carries something that is, or was mistyped from, an identity number: a run
    of 17 digits and a digit or X, or of 15 digits (the pre-1999 form), that starts with a
    province code and holds a calendar birth date — whatever its check character says."""
    run = 0
    for end, ch in enumerate(text + " "):
        if ch.isascii() and ch.isdigit():
            run += 1
            continue
        if ch in "Xx" and run == 17:
            run += 1
            end += 1
        start = end - run
        # digits between lower-case hex letters are part of a hash (p:3fa2…), not a number
        in_hex = (start > 0 and text[start - 1] in _HEX_LETTERS) or (
            end < len(text) and text[end] in _HEX_LETTERS
        )
        if run >= 15 and not in_hex and _holds_number(text[start:end]):
            return True
        run = 0
    return False


_HEX_LETTERS = frozenset("abcdef")


def _holds_number(digits: str) -> bool:
    for width, year_digits in ((18, 4), (15, 2)):
        for start in range(0, len(digits) - width + 1):
            part = digits[start : start + width]
            if part[:2] not in _ADDRESS_PROVINCES:
                continue
            born = part[6 : 6 + year_digits + 4]
            year = born[:year_digits] if year_digits == 4 else _OLD_NUMBER_DATE + born[:2]
            try:
                dt.date(int(year), int(born[year_digits : year_digits + 2]), int(born[-2:]))
            except ValueError:
                continue
            return True
    return False
