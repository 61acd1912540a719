"""Search by pinyin, on both stores: investigators type the initials (``hxkj``) or the
pinyin (``huaxin``) of a name they heard, not its characters. Ranked after every match by
characters: the exact name, then names starting with the text, then pinyin."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

import pytest

from creditgraph.domain.pinyin import pinyin_keys
from creditgraph.ingest.loader import load
from creditgraph.migrations import PINYIN_NAME_KEYS
from creditgraph.schema import default_schema
from creditgraph.service import investigation as inv
from creditgraph.store.base import GraphStore
from creditgraph.store.embedded import EmbeddedStore
from helpers_import import enterprise, event, person, uscc
from support.stores import TEST_ID_KEY, Neo4jTestServer

HUAXIN_TECH = uscc("huaxin-tech")  # 华信科技有限公司
HUAXIN_SH = uscc("huaxin-sh")  # 上海华信贸易有限公司
CQ_BANK = uscc("cq-bank")  # 重庆银行股份有限公司
LATIN_EXACT = uscc("latin-exact")  # hxkj
LATIN_PREFIX = uscc("latin-prefix")  # hxkj咨询服务有限公司
TCL = uscc("tcl")  # TCL科技集团股份有限公司


def _load(store: GraphStore, records: Sequence[dict[str, Any]]) -> None:
    lines = [("t.jsonl", i + 1, json.dumps(r, ensure_ascii=False)) for i, r in enumerate(records)]
    assert not load(lines, store).errors


@pytest.fixture
def registry(any_store: GraphStore) -> GraphStore:
    _load(
        any_store,
        [
            enterprise(HUAXIN_TECH, "華信科技有限公司"),  # registered in traditional characters
            enterprise(HUAXIN_SH, "上海华信贸易有限公司"),
            enterprise(CQ_BANK, "重庆银行股份有限公司"),
            enterprise(LATIN_EXACT, "HXKJ"),
            enterprise(LATIN_PREFIX, "hxkj咨询服务有限公司"),
            enterprise(TCL, "TCL科技集团股份有限公司"),
            person("p:shan", "单伟"),
            person("p:zhang-wei", "张伟"),
        ],
    )
    return any_store


def found(store: GraphStore, text: str, *, limit: int = 20, offset: int = 0) -> list[str]:
    return [node.id for node in inv.search(store, text, limit=limit, offset=offset)]


def test_initials_find_the_enterprise_an_investigator_heard_of(registry: GraphStore) -> None:
    assert HUAXIN_TECH in found(registry, "hxkj")
    assert found(registry, "HXKJYXGS")[-1] == HUAXIN_TECH  # a whole key, in capitals


def test_full_pinyin_finds_the_name_from_its_first_syllables(registry: GraphStore) -> None:
    assert found(registry, "huaxin") == [HUAXIN_TECH, HUAXIN_SH]  # the key's beginning first
    assert found(registry, "Hua Xin Ke Ji") == [HUAXIN_TECH]  # spaces are ignored


def test_a_name_starting_with_its_city_is_found_by_the_initials_after_it(
    registry: GraphStore,
) -> None:
    assert found(registry, "hxmy") == [HUAXIN_SH]
    assert found(registry, "shanghaihuaxin") == [HUAXIN_SH]


def test_exact_name_ranks_before_a_name_prefix_before_pinyin_initials(
    registry: GraphStore,
) -> None:
    assert found(registry, "hxkj") == [LATIN_EXACT, LATIN_PREFIX, HUAXIN_TECH]


def test_pages_continue_through_the_pinyin_matches(registry: GraphStore) -> None:
    everything = found(registry, "hxkj")
    pages = [found(registry, "hxkj", limit=1, offset=i) for i in range(len(everything) + 1)]
    assert [ids[0] for ids in pages if ids] == everything and pages[-1] == []


def test_a_phrase_gives_the_reading_of_the_bank(registry: GraphStore) -> None:
    # 银行 is yínháng and 重庆 chóngqìng, though 行 alone reads xíng and 重 zhòng
    assert found(registry, "cqyh") == [CQ_BANK]
    assert found(registry, "chongqingyinhang") == [CQ_BANK]
    assert found(registry, "zqyx") == []


def test_a_surname_with_two_common_readings_is_found_under_both(registry: GraphStore) -> None:
    assert found(registry, "dw") == found(registry, "chanwei") == ["p:shan"]


def test_latin_letters_in_a_name_are_kept_whole_in_its_initials(registry: GraphStore) -> None:
    assert found(registry, "tclkjjt") == [TCL]
    assert found(registry, "tclkeji") == [TCL]


def test_characters_still_match_as_before(registry: GraphStore) -> None:
    assert found(registry, "华信") == [HUAXIN_TECH, HUAXIN_SH]
    assert found(registry, "张伟") == ["p:zhang-wei"]


def test_a_renamed_enterprise_is_no_longer_found_by_its_old_initials(
    registry: GraphStore,
) -> None:
    _load(registry, [enterprise(HUAXIN_TECH, "明远科技有限公司")])

    assert HUAXIN_TECH not in found(registry, "hxkj")
    assert found(registry, "mykj") == [HUAXIN_TECH]


def test_an_enterprise_renamed_to_a_name_without_pinyin_loses_its_old_keys(
    registry: GraphStore,
) -> None:
    _load(registry, [enterprise(HUAXIN_TECH, "9527")])

    assert HUAXIN_TECH not in found(registry, "hxkj")
    assert HUAXIN_TECH not in found(registry, "huaxin")
    assert found(registry, "9527") == [HUAXIN_TECH]


def test_a_renamed_enterprise_with_a_penalty_on_record_is_found_by_its_new_initials(
    registry: GraphStore,
) -> None:
    # with events stored, a load re-derives what changed: the keys follow the changed rows
    _load(
        registry,
        [event("ev:pen", "ADMINISTRATIVE_PENALTY", HUAXIN_TECH, "2025-03-01", severity="general")],
    )
    _load(
        registry,
        [enterprise(HUAXIN_TECH, "明远科技有限公司"), enterprise(TCL, "TCL科技集团股份有限公司")],
    )

    assert HUAXIN_TECH not in found(registry, "hxkj")
    assert found(registry, "mykj") == [HUAXIN_TECH]
    assert found(registry, "tclkj") == [TCL]  # unchanged in the same load: its keys stay


def test_an_enterprise_whose_status_changed_is_still_found_by_its_initials(
    registry: GraphStore,
) -> None:
    # the same name: the store keeps the keys it has rather than working them out again
    # (with an event stored, as the registry's daily changes find it: each changed row is
    # tracked for re-derivation)
    _load(
        registry,
        [event("ev:pen", "ADMINISTRATIVE_PENALTY", HUAXIN_TECH, "2025-03-01", severity="general")],
    )
    _load(registry, [enterprise(HUAXIN_TECH, "華信科技有限公司", status="revoked")])

    assert HUAXIN_TECH in found(registry, "hxkj")
    assert found(registry, "huaxinkeji") == [HUAXIN_TECH]
    (node,) = inv.search(registry, "huaxinkeji", limit=5)
    assert node.props["status"] == "revoked"


def test_text_that_is_no_pinyin_does_not_reach_the_keys(registry: GraphStore) -> None:
    assert found(registry, "hx科技") == []
    assert found(registry, "2024") == []


def test_keys_hold_initials_and_full_pinyin_of_simplified_names() -> None:
    keys = set(pinyin_keys("华信科技有限公司"))
    assert {"hxkjyxgs", "huaxinkejiyouxiangongsi"} <= keys
    assert pinyin_keys("hxkj") == ()  # no Han character: the name itself is matched


def test_each_second_reading_is_a_key_in_its_place_alone_never_combined() -> None:
    # 单 also reads chán, 强 also jiàng: a variant per character, at that character only
    # (a Latin run keeps its letters, in lower case, whole in the initials)
    assert set(pinyin_keys("TCL单强")) == {
        "tcldanqiang",
        "tcldq",
        "tclchanqiang",
        "tclcq",
        "tcldanjiang",
        "tcldj",
    }


def test_migrate_fills_the_pinyin_keys_of_a_store_written_before_them(
    any_store: GraphStore, request: pytest.FixtureRequest
) -> None:
    _load(any_store, [enterprise(HUAXIN_TECH, "华信科技有限公司")])
    if isinstance(any_store, EmbeddedStore):
        path = any_store.path
        any_store.close()
        conn = sqlite3.connect(path)
        with conn:  # as version 3 left it: no name_keys table at all
            conn.execute("DROP TABLE name_keys")
            conn.execute(
                "UPDATE meta SET value = ? WHERE key = 'schema_version'",
                (str(PINYIN_NAME_KEYS - 1),),
            )
        conn.close()

        def reopen(**options: bool) -> GraphStore:
            return EmbeddedStore(path, default_schema(), id_key=TEST_ID_KEY, **options)

    else:
        server: Neo4jTestServer = request.getfixturevalue("neo4j_server")
        server.remove_property("name_keys")
        server.set_schema_version(PINYIN_NAME_KEYS - 1)
        reopen = server.open

    migrating = reopen(migrating=True)
    try:
        steps = migrating.migrate()
    finally:
        migrating.close()
    store = reopen()
    try:
        assert steps[0].startswith(f"{PINYIN_NAME_KEYS}: index the pinyin keys")
        assert found(store, "hxkj") == [HUAXIN_TECH]
    finally:
        store.close()
