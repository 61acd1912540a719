"""Masked identity numbers: validation, compatibility, and the keyed blind indexes that let
the store compare a published mask with numbers it does not hold in clear.

A mask such as ``4127281981****2515`` is a set of positional constraints; it is *compatible*
with a full number when every visible character is equal (CONTRACT.md, "Masked identity
numbers"). The masking patterns are data (``graph_schema/identity.yaml``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any

import yaml

from creditgraph.domain.identifiers import PROVINCE_PREFIXES, InvalidIdentifier
from creditgraph.resources import schema_dir

HIDDEN = "*"
LENGTH = 18
# Blind indexes are truncated: 64 bits tell numbers apart within any registry, and a shorter
# index would tell an attacker holding an export (but not the key) nothing more.
BLIND_HEX = 16


@dataclass(frozen=True)
class MaskPattern:
    name: str
    visible: frozenset[int]  # 0-based positions
    example: str = ""

    @cached_property
    def getter(self) -> Callable[[str], Any]:
        return itemgetter(*sorted(self.visible))

    @cached_property
    def byte_getter(self) -> Callable[[bytes], Any]:
        """The visible bytes of an ASCII text's bytes, as ``bytes()`` takes them: a tuple
        of ints, or for one position a one-byte slice."""
        positions = sorted(self.visible)
        if len(positions) == 1:
            return itemgetter(slice(positions[0], positions[0] + 1))
        return itemgetter(*positions)

    @cached_property
    def prefix(self) -> bytes:
        return f"blind\x00{self.name}\x00".encode("ascii")

    def project(self, text: str) -> str:
        return "".join(self.getter(text))


@dataclass(frozen=True)
class IdentityRules:
    """The masking patterns creditgraph compares on, and the form it displays numbers in."""

    display: frozenset[int]
    patterns: tuple[MaskPattern, ...]
    provinces: Mapping[str, str]  # code → name as lists write it (河南, 内蒙古)
    # key → every pattern keyed (see _keyed_patterns): what a full number's indexes use
    keyed_all: dict[bytes, tuple[tuple[str, Callable[[bytes], Any], Any], ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def province_code(self, text: str) -> str | None:
        """A province as a list writes it (河南, 河南省, 41) → its two-digit code."""
        text = unicodedata.normalize("NFKC", text).strip()
        if text in self.provinces:
            return text
        for code, name in self.provinces.items():
            if text.startswith(name):
                return code
        return None

    def covered(self, visible: Iterable[int]) -> tuple[MaskPattern, ...]:
        """The declared patterns whose visible positions a mask shows in full."""
        shown = frozenset(visible)
        return tuple(p for p in self.patterns if p.visible <= shown)


def _positions(path: Path, where: str, ranges: Any) -> frozenset[int]:
    found: set[int] = set()
    for pair in ranges or ():
        first, last = int(pair[0]), int(pair[1])
        if not 1 <= first <= last <= LENGTH:
            raise ValueError(f"{path}: {where}: range {pair} is not within 1-{LENGTH}")
        found.update(range(first - 1, last))
    return frozenset(found)


@lru_cache(maxsize=4)
def identity_rules(root: Path | None = None) -> IdentityRules:
    path = (root or schema_dir()) / "identity.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    patterns = tuple(
        MaskPattern(
            name, _positions(path, f"patterns.{name}", spec["visible"]), str(spec.get("example"))
        )
        for name, spec in (raw.get("patterns") or {}).items()
    )
    if not patterns:
        raise ValueError(f"{path}: no masking patterns declared")
    provinces = {str(code): str(name) for code, name in (raw.get("provinces") or {}).items()}
    return IdentityRules(
        _positions(path, "display", raw["display"]["visible"]), patterns, provinces
    )


def display_mask(number: str, rules: IdentityRules | None = None) -> str:
    """How a full number is shown to a caller allowed to see it masked."""
    return "".join(
        number[a:b] if shown else HIDDEN * (b - a)
        for a, b, shown in _runs((rules or identity_rules()).display)
    )


@lru_cache(maxsize=8)
def _runs(shown: frozenset[int]) -> tuple[tuple[int, int, bool], ...]:
    """The display form as runs of shown and hidden positions (a few slices per number)."""
    runs: list[tuple[int, int, bool]] = []
    for i in range(LENGTH):
        visible = i in shown
        if runs and runs[-1][2] == visible:
            runs[-1] = (runs[-1][0], i + 1, visible)
        else:
            runs.append((i, i + 1, visible))
    return tuple(runs)


def normalise_mask(text: str) -> str:
    """Full-width digits and stars (＊, ×) as published in Chinese spreadsheets → ASCII."""
    text = unicodedata.normalize("NFKC", text.strip()).upper()
    return text.replace("×", HIDDEN)


def validate_mask(text: str, *, today: dt.date | None = None) -> str:
    """The mask in its normal form when it can stand for an identity number, else raise
    :class:`InvalidIdentifier` saying which character is impossible and why."""
    mask = normalise_mask(text)
    if len(mask) != LENGTH:
        raise InvalidIdentifier(
            f"a masked identity number has {LENGTH} characters (digits, X and * for hidden), "
            f"got {len(mask)}"
        )
    for pos, ch in enumerate(mask, start=1):
        if ch == HIDDEN:
            continue
        if pos < LENGTH and not (ch.isascii() and ch.isdigit()):
            raise InvalidIdentifier(f"character {pos} {ch!r} must be a digit or * (hidden)")
        if pos == LENGTH and ch not in "0123456789X":
            raise InvalidIdentifier(f"character {pos} {ch!r} must be a digit, X or * (hidden)")
    if HIDDEN not in mask:
        raise InvalidIdentifier("nothing is hidden: a full number belongs in id_number")
    if HIDDEN not in mask[:2] and mask[:2] not in PROVINCE_PREFIXES - {"10"}:
        raise InvalidIdentifier(f"characters 1-2 {mask[:2]!r} are not a province code")
    year, month, day = mask[6:10], mask[10:12], mask[12:14]
    if HIDDEN not in year:
        latest = (today or dt.date.today()).year
        if not 1880 <= int(year) <= latest:
            raise InvalidIdentifier(f"characters 7-10 (birth year) {year} are not plausible")
    if HIDDEN not in month and not 1 <= int(month) <= 12:
        raise InvalidIdentifier(f"characters 11-12 (birth month) {month} are not a month")
    if HIDDEN not in day and not 1 <= int(day) <= 31:
        raise InvalidIdentifier(f"characters 13-14 (birth day) {day} are not a day")
    if HIDDEN not in mask[6:14]:
        try:
            dt.date(int(year), int(month), int(day))
        except ValueError:
            raise InvalidIdentifier(
                f"characters 7-14 (birth date) {mask[6:14]} are not a calendar date"
            ) from None
    if not identity_rules().covered(visible_positions(mask)):
        names = ", ".join(p.name for p in identity_rules().patterns)
        raise InvalidIdentifier(
            f"shows too little to compare: no declared masking pattern ({names}) is visible in "
            "it (declare the list's pattern in graph_schema/identity.yaml)"
        )
    return mask


def visible_positions(mask: str) -> frozenset[int]:
    return frozenset(i for i, ch in enumerate(mask) if ch != HIDDEN)


def compatible(number: str, mask: str) -> bool:
    """Every visible character of the mask equals the number's (both in normal form)."""
    return len(number) == len(mask) and all(
        m in (HIDDEN, n) for n, m in zip(number, mask, strict=True)
    )


def blind_indexes(key: bytes, text: str, rules: IdentityRules | None = None) -> dict[str, str]:
    """Pattern name → keyed index of its visible positions, for every declared pattern the
    text shows in full: all of them for a full number, those a mask covers for a mask."""
    rules = rules or identity_rules()
    if HIDDEN in text:
        keyed_patterns = _keyed_patterns(key, rules.covered(visible_positions(text)))
    else:  # a full number, hundreds of thousands in an import: no cache key to hash
        keyed_patterns = rules.keyed_all.get(key) or rules.keyed_all.setdefault(
            key, _keyed_patterns(key, rules.patterns)
        )
    data = text.encode("ascii")
    found = {}
    for name, getter, keyed in keyed_patterns:
        mac = keyed.copy()
        mac.update(bytes(getter(data)))
        found[name] = mac.hexdigest()
    return found


@lru_cache(maxsize=16)
def _keyed_patterns(
    key: bytes, patterns: tuple[MaskPattern, ...]
) -> tuple[tuple[str, Callable[[bytes], Any], Any], ...]:
    """Per pattern, keyed BLAKE2b (a MAC in one C call; 8 bytes) that has already absorbed the
    key and the pattern's prefix: an import computes six per person, and copying this state
    costs less than keying a new one — the indexes are the same bytes either way."""
    keyed = []
    for p in patterns:
        mac = hashlib.blake2b(key=key[:64], digest_size=BLIND_HEX // 2)
        mac.update(p.prefix)
        keyed.append((p.name, p.byte_getter, mac))
    return tuple(keyed)


def blind_compatible(person: Mapping[str, str], entry: Mapping[str, str]) -> bool:
    """Whether a mask's blind indexes agree with a full number's on every pattern both have
    (and they share one): the stored form of :func:`compatible`."""
    shared = person.keys() & entry.keys()
    return bool(shared) and all(person[name] == entry[name] for name in shared)


def corroboration(number: str) -> dict[str, Any]:
    """What a full number says about its holder, kept as person properties: birth date and
    year, sex (odd 17th digit: male), province code — the facts published lists also show."""
    return {
        "birth_date": f"{number[6:10]}-{number[10:12]}-{number[12:14]}",
        "birth_year": int(number[6:10]),
        "sex": "男" if int(number[16]) % 2 else "女",
        "province": number[:2],
    }


def mask_corroboration(mask: str) -> dict[str, Any]:
    """What a published mask itself says (birth year, sex, province) where it shows it."""
    found: dict[str, Any] = {}
    if HIDDEN not in mask[6:10]:
        found["birth_year"] = int(mask[6:10])
    if mask[16] != HIDDEN:
        found["sex"] = "男" if int(mask[16]) % 2 else "女"
    if HIDDEN not in mask[:2]:
        found["province"] = mask[:2]
    return found
