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
indexed: pypinyin lists up to five per character, and a company name would get dozens of
keys. The full pinyin is indexed in its first reading and in every variant differing from
it in one character; the initials in every combination, up to :data:`MAX_INITIALS` (the
first reading first).
"""

from __future__ import annotations

import itertools
import unicodedata
from functools import lru_cache

# At most this many initials keys per name: 行 alone has two initials (x, h), 重 three; a
# long name with many heteronyms would otherwise give thousands.
MAX_INITIALS = 32
# Readings indexed per character outside a phrase (see the module text).
_READINGS_KEPT = 2
# Phrases longer than this are rare in names and cost lookups for every character.
_MAX_PHRASE = 4


@lru_cache(maxsize=1)
def _dictionaries() -> tuple[dict[int, str], dict[str, list[list[str]]]]:
    # imported on first use: the phrase dictionary takes ~0.3 s and 30 MB to load, which
    # commands that never write names should not pay
    from pypinyin.phrases_dict import phrases_dict
    from pypinyin.pinyin_dict import pinyin_dict

    return pinyin_dict, phrases_dict


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


def _tokens(name: str) -> list[tuple[str, ...]]:
    """Per Han character its readings, the name's own first; a Latin/digit run as one
    reading in upper case (so that its initial is the whole run)."""
    phrases = _dictionaries()[1]
    tokens: list[tuple[str, ...]] = []
    i = 0
    while i < len(name):
        char = name[i]
        readings = _readings(char)
        if not readings:
            run = i
            while run < len(name) and not _readings(name[run]) and name[run].isalnum():
                run += 1
            if run > i:
                tokens.append((name[i:run].upper(),))
                i = run
            else:
                i += 1  # a sign: dropped
            continue
        for size in range(min(_MAX_PHRASE, len(name) - i), 1, -1):
            phrase = phrases.get(name[i : i + size])
            if phrase is not None and len(phrase) == size:
                tokens.extend((_toneless(heard[0]),) for heard in phrase)
                i += size
                break
        else:
            tokens.append(readings)
            i += 1
    return tokens


@lru_cache(maxsize=65536)
def pinyin_keys(normalised_name: str) -> tuple[str, ...]:
    """The keys a name is found under (see the module text); () for a name without Han
    characters, which search already matches as it is written."""
    if not any(_readings(c) for c in normalised_name):
        return ()
    tokens = _tokens(normalised_name)
    best = [readings[0] for readings in tokens]
    full = {"".join(best)}
    for at, readings in enumerate(tokens):
        for other in readings[1:]:
            full.add("".join([*best[:at], other, *best[at + 1 :]]))
    initials = [
        tuple(dict.fromkeys(r if not r.islower() else r[0] for r in readings))
        for readings in tokens
    ]
    combinations = itertools.islice(itertools.product(*initials), MAX_INITIALS)
    keys = full | {"".join(letters) for letters in combinations}
    return tuple(sorted(key.lower() for key in keys))


def could_be_pinyin(normalised_text: str) -> bool:
    """Whether a search text may be read as pinyin (Latin letters, perhaps with digits, as
    in ``tclkj``): only then are the keys worth looking at."""
    return normalised_text.isascii() and normalised_text.isalnum() and not normalised_text.isdigit()


__all__ = ["MAX_INITIALS", "could_be_pinyin", "pinyin_keys"]
