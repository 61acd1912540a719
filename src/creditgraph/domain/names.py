"""Name normalisation for matching.

Names arrive in simplified and traditional characters, with full-width forms
and stray spaces. Matching compares normalised forms; it never merges two
people because their names match (same-name people are common).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

_SPACES = re.compile(r"\s+")
# Minority names are written with a separating dot in several code points. The table is
# applied after NFKC, which has already turned the full-width "．" into "." and "･" into "・".
_NAME_DOTS = str.maketrans({"・": "·", "•": "·", "‧": "·", ".": "·"})
# A second pass may still change a once-normalised name (OpenCC maps 薴→苧 and 苧→苎;
# removing a space can put a combining mark next to a letter NFKC then composes).
_MAX_PASSES = 5


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def normalise_name(name: str) -> str:
    """The matching form: NFKC, traditional → simplified, no whitespace, case-folded.

    Idempotent: the steps are repeated until the name no longer changes.
    """
    text = _normalise_once(name)
    for _ in range(_MAX_PASSES):
        again = _normalise_once(text)
        if again == text:
            break
        text = again
    return text


def _normalise_once(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).translate(_NAME_DOTS)
    text = _SPACES.sub("", text)
    return unicodedata.normalize("NFKC", _t2s().convert(text).casefold())


def display_name(name: str) -> str:
    """The stored display form: the name as given, trimmed, inner runs of spaces collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", name)).strip()
