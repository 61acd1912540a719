"""Valid identifiers for synthetic records, built with the validators' own check functions.

Credit codes are unique by construction, not by a set of those already issued:
the organisation-code body is a seeded permutation of the enterprise's index,
so ten million codes cost no memory.
"""

from __future__ import annotations

import datetime as dt
from math import gcd

from creditgraph.domain.identifiers import (
    USCC_ALPHABET,
    organisation_code_check_character,
    resident_id_check_character,
    uscc_check_character,
)

# Organisation codes issued together with credit codes (from October 2015) read "MA" + 6
# characters of the credit-code alphabet; older ones are 8 digits.
_NEW_SPACE = 31**6
_OLD_SPACE = 10**8
UNIFIED_CODES_FROM = dt.date(2015, 10, 1)


class CodeIssuer:
    """Issues unified social credit codes, one per enterprise index, never twice."""

    def __init__(self, seed: int) -> None:
        self._new = _affine(seed, _NEW_SPACE)
        self._old = _affine(seed * 7 + 3, _OLD_SPACE)

    def uscc(self, index: int, authority_and_type: str, division: str, established: dt.date) -> str:
        if established >= UNIFIED_CODES_FROM:
            a, b = self._new
            value = (index * a + b) % _NEW_SPACE
            chars = []
            for _ in range(6):
                value, digit = divmod(value, 31)
                chars.append(USCC_ALPHABET[digit])
            body = "MA" + "".join(reversed(chars))
        else:
            a, b = self._old
            body = f"{(index * a + b) % _OLD_SPACE:08d}"
        first17 = authority_and_type + division + body + organisation_code_check_character(body)
        return first17 + uscc_check_character(first17)


def _affine(seed: int, space: int) -> tuple[int, int]:
    """A multiplier coprime to the space and an offset: index ↦ (index·a + b) mod space is a bijection."""
    a = (seed * 2_654_435_761 + 1_000_003) % space or 1
    while gcd(a, space) != 1:
        a += 1
    b = (seed * 40_503 + 12_345) % space
    return a, b


def resident_id(area: str, birth: dt.date, sequence: int) -> str:
    """An identity number: six-digit address code, birth date, three-digit sequence, check."""
    first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_character(first17)
