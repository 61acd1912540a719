"""Pinyin keys of names, so that investigators can type ``hxkj`` or ``huaxin`` for 华信科技.

A name's keys are its initials (``hxkjyxgs``) and its full pinyin without tones
(``huaxinkejiyouxiangongsi``) of the whole normalised name. Search matches a typed text
anywhere in a key, a key's beginning first: most names start with a place (上海华信贸易
is found by ``hxmy`` inside ``shhxmyyxgs``). Runs of Latin letters and digits stay
as they are (``tcl科技`` → ``tclkj``, ``tclkeji``); other signs are dropped.

Readings come from pypinyin's dictionaries, looked up here rather than through
``lazy_pinyin``: that costs about 0.7 ms a name (its word segmentation), an import of a
million parties would pay minutes for it. Phrases of two to four characters found in
pypinyin's phrase dictionary (forward maximum matching) give their reading, so 银行 reads
yínháng and 重庆 chóngqìng.

Heteronyms: a character a phrase covers has the phrase's reading only (银行 is found as
yinhang/yh, never yinxing: no investigator types that). Any other character with several
readings is also found under its second most common one, as pypinyin orders them: 单 under
dān and chán, 强 under qiáng and jiàng. Rarer readings (单 as the surname shàn) are not
indexed: pypinyin lists up to five per character. A name is indexed in its first reading
(full pinyin and initials) and in every variant differing from it in one character — not
in every combination, which for a company name would be dozens of keys: 科技 alone reads
kēji and kēqí.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# Only a name's first characters are read: nobody types the pinyin of the 65th (and the
# suffix cache below recurses once per unit).
MAX_NAME_READ = 64
# Readings indexed per character outside a phrase (see the module text).
_READINGS_KEPT = 2
# Phrases longer than this are rare in names and cost lookups for every character.
_MAX_PHRASE = 4


@lru_cache(maxsize=1)
def _dictionaries() -> tuple[dict[int, str], dict[str, list[list[str]]], frozenset[str]]:
    # imported on first use: the phrase dictionary takes ~0.3 s and 30 MB to load, which
    # commands that never write names should not pay
    from pypinyin.phrases_dict import phrases_dict
    from pypinyin.pinyin_dict import pinyin_dict

    # the two characters phrases start with: most places in a name start none, and one set
    # lookup then saves three in the phrase dictionary
    starts = frozenset(phrase[:2] for phrase in phrases_dict if len(phrase) >= 2)
    return pinyin_dict, phrases_dict, starts


@lru_cache(maxsize=4096)
def _toneless(reading: str) -> str:
    # pypinyin's own toneless style writes ü as v (lv for 绿), as investigators type it
    text = unicodedata.normalize("NFD", reading).replace("u\u0308", "v")
    return "".join(c for c in text if not unicodedata.combining(c))


@lru_cache(maxsize=65536)
def _readings(char: str) -> tuple[str, ...]:
    """The toneless readings of a Han character, the most common first; () for others."""
    found = _dictionaries()[0].get(ord(char))
    if not found:
        return ()
    return tuple(dict.fromkeys(_toneless(r) for r in found.split(",")))[:_READINGS_KEPT]


def _head(name: str) -> tuple[int, list[tuple[str, ...]]]:
    """How many characters the name's first unit takes, and its readings per token: a phrase
    (one reading per character), a Han character (its readings, the most common first), a
    Latin/digit run (itself, in upper case, so that its initial is the whole run) or a sign
    (nothing)."""
    readings = _readings(name[0])
    if not readings:
        run = 0
        while run < len(name) and name[run].isalnum() and not _readings(name[run]):
            run += 1
        return (run, [(name[:run].upper(),)]) if run else (1, [])
    _, phrases, starts = _dictionaries()
    if name[:2] not in starts:
        return 1, [readings]
    for size in range(min(_MAX_PHRASE, len(name)), 1, -1):
        phrase = phrases.get(name[:size])
        if phrase is not None and len(phrase) == size:
            return size, [(_toneless(heard[0]),) for heard in phrase]
    return 1, [readings]


@lru_cache(maxsize=4096)
def _initial(reading: str) -> str:
    return reading[0] if reading.islower() else reading


# (full pinyin, initials) in the first reading, then the variants differing in one token
_Keys = tuple[str, str, tuple[str, ...], tuple[str, ...]]


@lru_cache(maxsize=65536)
def _suffix_keys(name: str) -> _Keys:
    # Forward maximum matching reads a name's rest the same whatever came before it, so the
    # keys of a suffix are those of every name ending with it: company names share long
    # ones (…房地产开发有限公司), and the cache makes an import read each once.
    if not name:
        return "", "", (), ()
    size, tokens = _head(name)
    full, initials, full_variants, initials_variants = _suffix_keys(name[size:])
    if len(tokens) == 1:  # most units: one character, no phrase
        readings = tokens[0]
        best = readings[0]
        head_full, head_initials = best, _initial(best)
        other_full = [other + full for other in readings[1:]]
        other_initials = [_initial(other) + initials for other in readings[1:]]
    else:
        head_full = "".join(readings[0] for readings in tokens)
        head_initials = "".join(_initial(readings[0]) for readings in tokens)
        other_full, other_initials = [], []  # a phrase has one reading
    return (
        head_full + full,
        head_initials + initials,
        (*other_full, *(head_full + v for v in full_variants)),
        (*other_initials, *(head_initials + v for v in initials_variants)),
    )


@lru_cache(maxsize=65536)
def pinyin_keys(normalised_name: str) -> tuple[str, ...]:
    """The keys a name is found under (see the module text); () for a name without Han
    characters, which search already matches as it is written."""
    full, initials, full_variants, initials_variants = _suffix_keys(normalised_name[:MAX_NAME_READ])
    if full == full.upper():  # readings are lower case, Latin runs upper: no Han character
        return ()
    keys = {full, initials, *full_variants, *initials_variants}
    return tuple(sorted(key.lower() for key in keys))


def key_text(normalised_name: str) -> str:
    """The name's keys as stored beside it, ``|k1|k2|`` ("" for a name with none): search
    looks for a typed text anywhere in one row rather than in a row per key."""
    keys = pinyin_keys(normalised_name)
    return "|" + "|".join(keys) + "|" if keys else ""


def could_be_pinyin(normalised_text: str) -> bool:
    """Whether a search text may be read as pinyin (Latin letters, perhaps with digits, as
    in ``tclkj``): only then are the keys worth looking at."""
    return normalised_text.isascii() and normalised_text.isalnum() and not normalised_text.isdigit()


__all__ = ["MAX_NAME_READ", "could_be_pinyin", "key_text", "pinyin_keys"]
