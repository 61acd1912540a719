"""The workbench's search box by pinyin, through the schema on the demo scenario: an
investigator types the initials of a name heard on the phone; the public role, which sees
enterprises only, never reaches a person through the pinyin of a name."""

from __future__ import annotations

from typing import Any

from api_support import BARRED, KEYS, NAMESAKE, REVOKED, run, state_for

from creditgraph.store.embedded import EmbeddedStore

SEARCH = "query ($q: String!) { search(query: $q) { edges { node { id type } } } }"


def found(state: Any, text: str, key: str | None) -> list[str]:
    answer = run(state, SEARCH, {"q": text}, key=key)
    assert answer.errors is None, answer.errors
    return [edge["node"]["id"] for edge in answer.data["search"]["edges"]]


def test_investigator_finds_huaxin_trading_by_the_initials_after_its_city(
    demo_store: EmbeddedStore,
) -> None:
    state = state_for(demo_store, keys=KEYS)
    assert found(state, "hxmy", KEYS["investigator"]) == [REVOKED]  # 上海华信贸易有限公司
    assert found(state, "shanghaihuaxin", KEYS["investigator"]) == [REVOKED]


def test_person_initials_reach_persons_only_for_roles_that_see_persons(
    demo_store: EmbeddedStore,
) -> None:
    state = state_for(demo_store, keys=KEYS, public=True)
    assert {BARRED, NAMESAKE} <= set(found(state, "zhangwei", KEYS["investigator"]))
    assert found(state, "zhangwei", None) == []  # anonymous: the public role
