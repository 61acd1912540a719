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

# Only a name's first characters are read: nobody types the pinyin of the 65th.
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


@lru_cache(maxsize=4096)
def _initial(reading: str) -> str:
    return reading[0] if reading.islower() else reading


@lru_cache(maxsize=65536)
def _character(char: str) -> tuple[str, str, tuple[tuple[str, str], ...]] | None:
    """A Han character outside a phrase: (its most common reading, that reading's initial,
    (reading, initial) of the other readings indexed); None for any other character."""
    readings = _readings(char)
    if not readings:
        return None
    first = readings[0]
    return first, _initial(first), tuple((other, _initial(other)) for other in readings[1:])


@lru_cache(maxsize=65536)
def _phrase(text: str) -> tuple[str, str] | None:
    """(full pinyin, initials) of a phrase of pypinyin's phrase dictionary: one reading."""
    heard = _dictionaries()[1].get(text)
    if heard is None or len(heard) != len(text):
        return None
    readings = [_toneless(syllable[0]) for syllable in heard]
    return "".join(readings), "".join(_initial(reading) for reading in readings)


@lru_cache(maxsize=65536)
def pinyin_keys(normalised_name: str) -> tuple[str, ...]:
    """The keys a name is found under (see the module text); () for a name without Han
    characters, which search already matches as it is written."""
    name = normalised_name[:MAX_NAME_READ]
    starts = _dictionaries()[2]
    # The name is read left to right in units, by forward maximum matching: a phrase of the
    # dictionary, else a Han character, a Latin/digit run, or a sign (which reads as
    # nothing). Each unit adds its first reading to the full pinyin and the initials; a
    # character with a second reading adds a variant: that reading in the unit's place.
    fulls: list[str] = []
    initials: list[str] = []
    # (where the unit is in the full pinyin, its end there, the same in the initials,
    # the other reading, its initial)
    variants: list[tuple[int, int, int, int, str, str]] = []
    full_at = initials_at = 0
    latin = False
    i, size = 0, len(name)
    while i < size:
        character = _character(name[i])
        if character is None:
            end = i
            while end < size and name[end].isalnum() and not _readings(name[end]):
                end += 1
            if end == i:  # a sign
                i += 1
                continue
            run = name[i:end].upper()  # its initial is the whole run
            reading, initial = run, _initial(run)
            i, latin = end, True
        else:
            phrase = None
            if name[i : i + 2] in starts:
                for length in range(min(_MAX_PHRASE, size - i), 1, -1):
                    phrase = _phrase(name[i : i + length])
                    if phrase is not None:
                        i += length
                        break
            if phrase is not None:
                reading, initial = phrase
            else:
                reading, initial, others = character
                for other, other_initial in others:
                    variants.append(
                        (
                            full_at,
                            full_at + len(reading),
                            initials_at,
                            initials_at + len(initial),
                            other,
                            other_initial,
                        )
                    )
                i += 1
        fulls.append(reading)
        initials.append(initial)
        full_at += len(reading)
        initials_at += len(initial)
    whole, whole_initials = "".join(fulls), "".join(initials)
    if whole == whole.upper():  # readings are lower case, Latin runs upper: no Han character
        return ()
    keys = {whole, whole_initials}
    for start, end, initial_start, initial_end, other, other_initial in variants:
        keys.add(whole[:start] + other + whole[end:])
        keys.add(whole_initials[:initial_start] + other_initial + whole_initials[initial_end:])
    if latin:  # readings are lower case already
        keys = {key.lower() for key in keys}
    return tuple(sorted(keys))


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
