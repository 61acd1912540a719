"""Masked identity numbers as published lists print them: compatibility, the blind indexes
that compare masks without numbers in clear, and the masks a list must never get away with."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditgraph.domain.identifiers import InvalidIdentifier, validate_resident_id
from creditgraph.identity.masks import (
    HIDDEN,
    blind_compatible,
    blind_indexes,
    compatible,
    identity_rules,
    validate_mask,
)
from helpers_import import resident_id
from scenario import lines, person
from test_identifiers import valid_resident_ids

KEY = b"test key"
PATTERNS = identity_rules().patterns


def _mask(number: str, visible: frozenset[int]) -> str:
    return "".join(ch if i in visible else HIDDEN for i, ch in enumerate(number))


masks_of = st.sampled_from(PATTERNS)


@given(valid_resident_ids(), masks_of, st.sets(st.integers(0, 17)))
def test_a_number_is_compatible_with_every_mask_of_itself(
    number: str, pattern, extra: set[int]
) -> None:
    # any mask a publisher could print: a declared pattern, showing perhaps a little more
    visible = pattern.visible | frozenset(extra)
    if len(visible) == 18:
        visible -= {7}
    mask = validate_mask(_mask(number, visible))
    assert compatible(number, mask)
    assert blind_compatible(blind_indexes(KEY, number), blind_indexes(KEY, mask))


@given(valid_resident_ids(), masks_of, st.data())
def test_a_single_character_change_in_a_visible_position_never_is(
    number: str, pattern, data: st.DataObject
) -> None:
    position = data.draw(st.sampled_from(sorted(pattern.visible)))
    replacement = data.draw(st.sampled_from([c for c in "0123456789X" if c != number[position]]))
    if replacement == "X" and position != 17:
        replacement = "0" if number[position] != "0" else "1"
    changed = number[:position] + replacement + number[position + 1 :]
    mask = _mask(changed, pattern.visible)

    assert not compatible(number, mask)
    # the stored comparison agrees whenever the changed mask is itself a possible mask
    try:
        validate_mask(mask)
    except InvalidIdentifier:
        return
    assert not blind_compatible(blind_indexes(KEY, number), blind_indexes(KEY, mask))


@given(valid_resident_ids())
def test_blind_indexes_never_contain_the_number_or_its_visible_parts(number: str) -> None:
    for index in blind_indexes(KEY, number).values():
        assert number[:6] not in index and number[-4:] not in index


def test_blind_indexes_depend_on_the_key() -> None:
    number = resident_id("410184", "19810302", "251")
    assert blind_indexes(b"one", number) != blind_indexes(b"two", number)


NUMBER = resident_id("412728", "19810304", "251")


@pytest.mark.parametrize(
    ("mask", "reason"),
    [
        (NUMBER[:10] + "***" + NUMBER[14:], "has 18 characters"),  # one star short
        ("320***********123", "has 18 characters"),  # as printed in CONTRACT.md: 17
        (NUMBER[:10] + "**A*" + NUMBER[14:], "character 13 'A'"),
        (NUMBER[:10] + "****" + NUMBER[14:17] + "Y", "character 18 'Y'"),
        ("X" + NUMBER[1:10] + "****" + NUMBER[14:], "character 1 'X'"),
        ("99" + NUMBER[2:10] + "****" + NUMBER[14:], "not a province code"),
        (NUMBER[:6] + "2999****" + NUMBER[14:], "birth year"),
        (NUMBER[:10] + "13**" + NUMBER[14:], "birth month"),
        (NUMBER[:6] + "19810230" + NUMBER[14:17] + "*", "not a calendar date"),
        (NUMBER, "nothing is hidden"),
        ("41" + "*" * 16, "no declared masking pattern"),
    ],
)
def test_impossible_masks_are_refused_with_the_reason(mask: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier, match=reason):
        validate_mask(mask)


def test_full_width_stars_and_digits_from_a_spreadsheet_are_read_as_ascii() -> None:
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in NUMBER[:10]) + "＊＊＊＊" + NUMBER[14:]
    assert validate_mask(full_width) == NUMBER[:10] + "****" + NUMBER[14:]


def test_wrong_check_character_in_a_list_row_is_refused_and_nothing_loads(store) -> None:  # type: ignore[no-untyped-def]
    from creditgraph.ingest.loader import load

    wrong = NUMBER[:17] + ("0" if NUMBER[17] != "0" else "1")
    bad_mask = NUMBER[:10] + "***" + NUMBER[14:]
    result = load(
        lines(
            [
                person("lp:court:1", "王强", id_number=wrong),
                person("lp:court:2", "王强", id_number_masked=bad_mask),
            ]
        ),
        store,
    )
    assert [(e.line, e.field) for e in result.errors] == [(1, "id_number"), (2, "id_number_masked")]
    assert "check character" in result.errors[0].reason
    assert wrong not in str(result.errors[0])
    assert store.stats(__import__("datetime").date(2024, 1, 1))["nodes"] == {}
    with pytest.raises(InvalidIdentifier):
        validate_resident_id(wrong)
