"""Name matching: the same enterprise or person written in simplified or traditional
characters, with full-width forms, stray spaces or another dot between the parts of a
minority name, must compare equal — and two different names must not."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from creditgraph.domain.names import display_name, normalise_name


def test_traditional_and_simplified_enterprise_names_match() -> None:
    assert normalise_name("上海某某貿易有限公司") == normalise_name("上海某某贸易有限公司")


def test_traditional_personal_name_matches_its_simplified_form() -> None:
    assert normalise_name("劉建國") == normalise_name("刘建国")


def test_full_width_letters_digits_and_parentheses_match_their_ascii_forms() -> None:
    assert normalise_name("ＡＢＣ１２３（上海）有限公司") == normalise_name("ABC123(上海)有限公司")


def test_latin_letters_match_whatever_their_case() -> None:
    assert normalise_name("TCL科技集团股份有限公司") == normalise_name("tcl科技集团股份有限公司")


@pytest.mark.parametrize(
    "spaced",
    [
        "上海某某贸易 有限公司",
        " 上海某某贸易有限公司 ",
        "上海\u3000某某贸易有限公司",  # ideographic space
        "上海某某\t贸易有限公司",
        "上海某某贸易\u00a0有限公司",  # no-break space
        "上 海 某 某 贸 易 有 限 公 司",
    ],
)
def test_stray_spaces_do_not_prevent_a_match(spaced: str) -> None:
    assert normalise_name(spaced) == normalise_name("上海某某贸易有限公司")


@pytest.mark.parametrize(
    "dot",
    [
        "\u00b7",  # · middle dot, the standard separator
        "\u30fb",  # ・ katakana middle dot (common from Japanese input methods)
        "\uff65",  # ･ half-width katakana middle dot
        "\u2022",  # • bullet
        "\u2027",  # ‧ hyphenation point (Taiwan usage)
        "\uff0e",  # ． full-width full stop
        ".",  # full stop typed on a western keyboard
    ],
)
def test_minority_names_match_whatever_dot_separates_the_parts(dot: str) -> None:
    assert normalise_name(f"买买提{dot}艾力") == normalise_name("买买提·艾力")
    assert normalise_name(f"阿依古丽{dot}吐尔逊") == normalise_name("阿依古丽·吐尔逊")


def test_a_minority_name_does_not_match_the_name_without_its_separator() -> None:
    assert normalise_name("买买提·艾力") != normalise_name("买买提艾力")


@pytest.mark.parametrize(
    ("one", "other"),
    [("张三", "张山"), ("上海某某贸易有限公司", "上海某某贸易有限责任公司"), ("王伟", "汪伟")],
)
def test_different_names_stay_different(one: str, other: str) -> None:
    assert normalise_name(one) != normalise_name(other)


def test_display_name_keeps_the_name_as_given_but_trims_spaces() -> None:
    assert display_name("  上海某某貿易   有限公司 ") == "上海某某貿易 有限公司"


_NAME_CHARACTERS = st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),  # CJK unified ideographs
    st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E),  # full-width forms
    st.sampled_from(list("·・･•‧．. \u3000\t()（）")),
    st.characters(blacklist_categories=("Cs",)),  # anything else a file may hold
)


@given(st.text(_NAME_CHARACTERS, max_size=20))
@example("薴")  # OpenCC t2s maps 薴→苧 and 苧→苎: one pass is not enough
@example("u \u00af")  # NFKC turns ¯ into space + combining macron; dropping the space composes ū
@example("買買提．艾力")
def test_normalising_a_normalised_name_changes_nothing(name: str) -> None:
    once = normalise_name(name)
    assert normalise_name(once) == once


@given(st.text(_NAME_CHARACTERS, max_size=20))
def test_normalised_names_contain_no_whitespace(name: str) -> None:
    assert not any(ch.isspace() for ch in normalise_name(name))
