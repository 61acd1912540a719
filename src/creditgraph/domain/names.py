"""Name normalisation for matching.

Names arrive in simplified and traditional characters, with full-width forms
and stray spaces. Matching compares normalised forms; it never merges two
people because their names match (same-name people are common).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

import opencc

_SPACES = re.compile(r"\s+")
# Minority names are written with a separating dot in several code points. The table is
# applied after NFKC, which has already turned the full-width "．" into "." and "･" into "・".
_NAME_DOTS = str.maketrans({"・": "·", "•": "·", "‧": "·", ".": "·"})
# A second pass may still change a once-normalised name (OpenCC maps 薴→苧 and 苧→苎;
# removing a space can put a combining mark next to a letter NFKC then composes).
_MAX_PASSES = 5
_DOTS = re.compile("[" + "".join(map(chr, _NAME_DOTS)) + "]")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def normalise_name(name: str) -> str:
    """The matching form: NFKC, traditional → simplified, no whitespace, case-folded.

    Idempotent: the steps are repeated until the name no longer changes.
    """
    text = _normalise_once(name)
    if text == name:
        return text  # a fixed point already: the passes below would all give it back
    for _ in range(_MAX_PASSES):
        again = _normalise_once(text)
        if again == text:
            break
        text = again
    return text


def _normalise_once(name: str) -> str:
    return _after_t2s(_t2s().convert(_before_t2s(name)))


def _before_t2s(name: str) -> str:
    # the same as _SPACES.sub("", ...) and .translate(_NAME_DOTS), at a fraction of the cost:
    # str.split() splits at exactly the characters r"\s" matches
    return "".join(_DOTS.sub("·", unicodedata.normalize("NFKC", name)).split())


def _after_t2s(text: str) -> str:
    return unicodedata.normalize("NFKC", text.casefold())


def normalise_names(names: Iterable[str]) -> list[str]:
    """:func:`normalise_name` of each name — the same results, for a fraction of the cost.

    An import normalises hundreds of thousands of distinct names; OpenCC costs far more per
    call than per character, so each pass converts all the names at once, joined by line
    breaks (a normalised name holds no whitespace, so a break can only be a separator).
    """
    names = list(names)
    texts = [_after_t2s(text) for text in _t2s_all([_before_t2s(name) for name in names])]
    # a name the first pass gives back unchanged is a fixed point: no more passes for it
    pending: Sequence[int] = [i for i, text in enumerate(texts) if text != names[i]]
    for _ in range(_MAX_PASSES):
        if not pending:
            break
        again = [_after_t2s(t) for t in _t2s_all([_before_t2s(texts[i]) for i in pending])]
        still = []
        for i, text in zip(pending, again, strict=True):
            if text != texts[i]:
                texts[i] = text
                still.append(i)
        pending = still
    return texts


def _t2s_all(texts: list[str]) -> list[str]:
    if len(texts) > 1:
        joined = "\n".join(texts)
        if "\x00" not in joined:
            try:
                converted = _t2s().convert(joined).split("\n")
            except UnicodeError:
                converted = []  # the name that cannot be converted raises below, on its own
            if len(converted) == len(texts):
                return converted
    convert = _t2s().convert
    return [convert(text) for text in texts]


def display_name(name: str) -> str:
    """The stored display form: the name as given, trimmed, inner runs of spaces collapsed."""
    return " ".join(unicodedata.normalize("NFC", name).split())  # = _SPACES.sub(" ", …).strip()
