"""Unified social credit codes (GB 32100-2015) and resident identity numbers (GB 11643-1999).

A registry clerk who mistypes one character of a code must be told so, and told
which character is wrong: the check characters exist for exactly that.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditgraph.domain.identifiers import (
    PROVINCE_PREFIXES,
    USCC_ALPHABET,
    USCC_AUTHORITIES,
    InvalidIdentifier,
    is_uscc,
    mask_resident_id,
    organisation_code_check_character,
    protect_resident_id,
    resident_id_check_character,
    uscc_check_character,
    validate_resident_id,
    validate_uscc,
)
from helpers_import import ID_NUMBER_A, USCC_A, resident_id

# Codes published by the enterprises themselves (business licences on their websites).
REAL_USCCS = [
    USCC_A,
    "914403001922038216",  # 华为技术有限公司
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
    "91330100716105852F",  # 阿里巴巴(中国)有限公司
]
ID_DIGITS = "0123456789X"


def _rejected(code: str, validator=validate_uscc) -> str:
    with pytest.raises(InvalidIdentifier) as info:
        validator(code)
    return str(info.value)


def _with_checks(first16: str) -> str:
    """Complete 16 characters with a correct organisation check and a correct USCC check."""
    first17 = first16 + organisation_code_check_character(first16[8:16])
    return first17 + uscc_check_character(first17)


# unified social credit code: known codes and exact reasons ---------------------------------
@pytest.mark.parametrize("code", REAL_USCCS)
def test_published_enterprise_codes_are_valid(code: str) -> None:
    assert validate_uscc(code) == code
    assert is_uscc(code)


def test_check_character_of_the_contract_example_is_n() -> None:
    assert uscc_check_character(USCC_A[:17]) == USCC_A[17]
    assert organisation_code_check_character(USCC_A[8:16]) == USCC_A[16]


def test_uscc_with_wrong_check_character_names_the_expected_one() -> None:
    wrong = USCC_A[:17] + "A"
    assert _rejected(wrong) == f"check character should be {USCC_A[17]}, got A"


@pytest.mark.parametrize("code", [USCC_A[:17], USCC_A + "0", "", USCC_A[:10]])
def test_uscc_of_wrong_length_says_how_many_characters_it_has(code: str) -> None:
    assert _rejected(code) == (f"a unified social credit code has 18 characters, got {len(code)}")


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_uscc_with_forbidden_letter_names_the_position_and_the_letter(letter: str) -> None:
    code = USCC_A[:9] + letter + USCC_A[10:]
    message = _rejected(code)
    assert message.startswith(f"character 10 '{letter}' is not allowed")
    assert "no I, O, S, V, Z" in message
    assert "lower case" not in message


def test_uscc_in_lower_case_is_rejected_with_the_lower_case_hint() -> None:
    message = _rejected(USCC_A.lower())
    assert message.startswith("character 9 'm' is not allowed")
    assert message.endswith("(lower case is not allowed)")


def test_uscc_with_unassigned_registration_authority_is_rejected() -> None:
    unassigned = next(ch for ch in USCC_ALPHABET if ch not in USCC_AUTHORITIES)
    message = _rejected(_with_checks(unassigned + USCC_A[1:16]))
    assert message.startswith(f"character 1 (registration authority) '{unassigned}'")


def test_uscc_with_entity_type_zero_is_rejected() -> None:
    message = _rejected(_with_checks("90" + USCC_A[2:16]))
    assert message == "character 2 (entity type) '0' is not an assigned entity type"


def test_uscc_whose_division_starts_with_no_province_is_rejected_even_with_correct_checks() -> None:
    unknown = next(f"{n:02d}" for n in range(100) if f"{n:02d}" not in PROVINCE_PREFIXES)
    code = _with_checks("91" + unknown + "0000" + USCC_A[8:16])
    assert _rejected(code) == (
        f"characters 3-8 (administrative division) '{unknown}0000' do not start with a "
        "province code"
    )


def test_uscc_with_letters_in_the_division_is_rejected() -> None:
    code = _with_checks("9131A000" + USCC_A[8:16])
    assert _rejected(code) == (
        "characters 3-8 (administrative division) must be digits, got '31A000'"
    )


def test_uscc_with_wrong_organisation_check_names_the_expected_one() -> None:
    expected = USCC_A[16]
    wrong = next(ch for ch in "0123456789X" if ch != expected)
    # the 18th character is recomputed, so only the organisation code check is wrong
    first17 = USCC_A[:16] + wrong
    code = first17 + uscc_check_character(first17)
    assert _rejected(code) == (
        f"character 17 (organisation code check character) should be {expected}, got {wrong}"
    )


# unified social credit code: properties ------------------------------------------------------
_ORG_BODY_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@st.composite
def valid_usccs(draw: st.DrawFn) -> str:
    authority = draw(st.sampled_from(sorted(USCC_AUTHORITIES)))
    entity_type = draw(st.sampled_from(USCC_ALPHABET[1:]))
    province = draw(st.sampled_from(sorted(PROVINCE_PREFIXES)))
    rest = draw(st.text("0123456789", min_size=4, max_size=4))
    body = draw(st.text(_ORG_BODY_ALPHABET, min_size=8, max_size=8))
    first17 = authority + entity_type + province + rest + body
    first17 += organisation_code_check_character(body)
    return first17 + uscc_check_character(first17)


@given(valid_usccs())
def test_every_code_built_by_the_standard_validates(code: str) -> None:
    assert validate_uscc(code) == code


@given(valid_usccs())
def test_every_single_character_substitution_of_a_valid_code_is_detected(code: str) -> None:
    # The mod-31 check with weights 3^i (all non-zero mod 31) over an alphabet of exactly 31
    # values changes its check character whenever one of the first 17 characters changes.
    for position in range(18):
        for replacement in USCC_ALPHABET:
            if replacement == code[position]:
                continue
            mistyped = code[:position] + replacement + code[position + 1 :]
            assert not is_uscc(mistyped), (position, mistyped)
    # and the clerk is told what the check character should have been
    for replacement in USCC_ALPHABET.replace(code[17], ""):
        assert _rejected(code[:17] + replacement) == (
            f"check character should be {code[17]}, got {replacement}"
        )


@given(valid_usccs(), st.integers(min_value=0, max_value=15))
def test_swapping_two_neighbouring_characters_of_a_code_is_detected(code: str, i: int) -> None:
    # weights 3^i and 3^(i+1) differ mod 31, so adjacent transpositions change the check
    swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
    if swapped != code:
        assert not is_uscc(swapped)


# resident identity number: known numbers and exact reasons ------------------------------
def test_standard_sample_identity_number_is_valid() -> None:
    assert validate_resident_id(ID_NUMBER_A) == ID_NUMBER_A


def test_lower_case_x_is_accepted_and_returned_upper_case() -> None:
    assert validate_resident_id(ID_NUMBER_A.lower()) == ID_NUMBER_A


def test_identity_number_with_wrong_check_character_names_the_expected_one() -> None:
    assert _rejected(ID_NUMBER_A[:17] + "1", validate_resident_id) == (
        "check character should be X, got 1"
    )


@pytest.mark.parametrize("number", [ID_NUMBER_A[:17], ID_NUMBER_A + "0", "110105491231002"])
def test_identity_number_of_wrong_length_is_rejected(number: str) -> None:
    assert _rejected(number, validate_resident_id) == (
        f"a resident identity number has 18 characters, got {len(number)}"
    )


def test_identity_number_with_a_letter_inside_is_rejected() -> None:
    assert _rejected("1101051949123100AX", validate_resident_id) == (
        "characters 1-17 of a resident identity number must be digits"
    )


def test_identity_number_with_unknown_address_code_is_rejected() -> None:
    number = resident_id("990105", "19491231", "002")
    assert _rejected(number, validate_resident_id) == (
        "characters 1-6 (address code) '990105' do not start with a province code"
    )


def test_national_prefix_10_is_not_an_address_code() -> None:
    number = resident_id("100105", "19491231", "002")
    assert "address code" in _rejected(number, validate_resident_id)


@pytest.mark.parametrize("birth", ["19490229", "19000229", "19491301", "19490431", "19490100"])
def test_identity_number_with_impossible_birth_date_is_rejected(birth: str) -> None:
    # 1949 and 1900 are not leap years (1900: divisible by 100, not by 400)
    number = resident_id("110105", birth, "002")
    assert _rejected(number, validate_resident_id) == (
        f"characters 7-14 (birth date) '{birth}' are not a calendar date"
    )


def test_identity_number_born_on_29_february_of_a_leap_year_is_valid() -> None:
    number = resident_id("110105", "20000229", "002")
    assert validate_resident_id(number) == number


def test_identity_number_born_in_the_future_is_rejected_as_such() -> None:
    today = dt.date(2024, 5, 1)
    born_tomorrow = resident_id("110105", "20240502", "002")
    assert _rejected(born_tomorrow, lambda n: validate_resident_id(n, today=today)) == (
        "birth date 2024-05-02 is in the future"
    )
    born_today = resident_id("110105", "20240501", "002")
    assert validate_resident_id(born_today, today=today) == born_today


def test_identity_number_born_before_1880_is_rejected() -> None:
    number = resident_id("110105", "18791231", "002")
    message = _rejected(number, validate_resident_id)
    assert message.startswith("birth date 1879-12-31 is")
    assert "1880" in message


# resident identity number: properties ----------------------------------------------------
@st.composite
def valid_resident_ids(draw: st.DrawFn) -> str:
    province = draw(st.sampled_from(sorted(PROVINCE_PREFIXES - {"10"})))
    county = draw(st.text("0123456789", min_size=4, max_size=4))
    birth = draw(st.dates(min_value=dt.date(1880, 1, 1), max_value=dt.date(2020, 12, 31)))
    sequence = draw(st.text("0123456789", min_size=3, max_size=3))
    return resident_id(province + county, birth.strftime("%Y%m%d"), sequence)


@given(valid_resident_ids())
def test_every_identity_number_built_by_the_standard_validates(number: str) -> None:
    assert validate_resident_id(number) == number


@given(valid_resident_ids())
def test_every_single_character_substitution_of_an_identity_number_is_detected(number: str) -> None:
    # mod 11-2: weights 2^(17-i) mod 11 are all non-zero and digits differ by less than 11
    for position in range(18):
        for replacement in ID_DIGITS:
            if replacement == number[position]:
                continue
            mistyped = number[:position] + replacement + number[position + 1 :]
            with pytest.raises(InvalidIdentifier):
                validate_resident_id(mistyped)


@given(valid_resident_ids(), st.integers(min_value=0, max_value=15))
def test_swapping_two_neighbouring_digits_of_an_identity_number_is_detected(
    number: str, i: int
) -> None:
    swapped = number[:i] + number[i + 1] + number[i] + number[i + 2 :]
    if swapped != number:
        with pytest.raises(InvalidIdentifier):
            validate_resident_id(swapped)


@given(st.text("0123456789", min_size=17, max_size=17))
def test_identity_check_character_is_what_makes_the_sum_one_mod_11(first17: str) -> None:
    # GB 11643: sum(a_i * W_i) over all 18 positions ≡ 1 (mod 11), with X standing for 10
    check = resident_id_check_character(first17)
    weights = [2 ** (17 - i) for i in range(18)]
    values = [int(c) for c in first17] + [10 if check == "X" else int(check)]
    assert sum(v * w for v, w in zip(values, weights, strict=True)) % 11 == 1


# protecting identity numbers -----------------------------------------------------------
@given(valid_resident_ids(), st.binary(min_size=1, max_size=64), st.binary(min_size=1, max_size=64))
def test_hash_of_an_identity_number_depends_on_the_store_key(
    number: str, key: bytes, other_key: bytes
) -> None:
    digest, _ = protect_resident_id(number, key)
    assert protect_resident_id(number, key)[0] == digest  # deterministic: records can match
    if other_key != key:
        assert protect_resident_id(number, other_key)[0] != digest


@given(valid_resident_ids(), valid_resident_ids())
def test_different_identity_numbers_hash_differently(first: str, second: str) -> None:
    if first != second:
        assert protect_resident_id(first, b"k")[0] != protect_resident_id(second, b"k")[0]


def test_lower_case_x_and_upper_case_x_are_the_same_person() -> None:
    assert protect_resident_id(ID_NUMBER_A.lower(), b"k") == protect_resident_id(ID_NUMBER_A, b"k")


@given(valid_resident_ids(), st.binary(min_size=1, max_size=64))
def test_protected_forms_hide_the_birth_date_and_the_number(number: str, key: bytes) -> None:
    digest, masked = protect_resident_id(number, key)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert number not in digest
    # fewer digits than published lists show: the first three and the last three
    assert masked == number[:3] + "*" * 12 + number[15:]
    assert number[3:15] not in masked
    assert mask_resident_id(number) == masked
