"""A city's own rule is a new rules file with its citation — no code change."""

from __future__ import annotations

from pathlib import Path

import pytest

from creditgraph.schema import SchemaError, load_schema
from creditgraph.store.embedded import EmbeddedStore
from scenario import check, enterprise, event, link, load_records, person, uscc, verdict

FOOD_RULES = """
activities:
  FOOD_LICENCE: 申请食品经营许可
measures:
  BAR_FOOD_BUSINESS:
    bars: {roles: [LEGAL_REPRESENTATIVE, MANAGER], activities: [FOOD_LICENCE]}
    description: 食品安全严重违法的企业法定代表人五年内不得从事食品生产经营管理工作
rules:
  - id: food-safety-law-135
    title: 食品安全严重违法企业法定代表人从业禁止
    trigger: {events: [LICENSE_REVOKED], subject: [enterprise]}
    reach: {path: [{rels: [LEGAL_REPRESENTATIVE], direction: in}], held: event_date}
    measures: [BAR_FOOD_BUSINESS]
    window: {end: [{years: 5}]}
    legal_basis: 食品安全法 第一百三十五条第一款
    seed: 000 §七(四) 食品安全
"""

E1 = uscc("food co")


def test_city_food_safety_rule_added_as_a_file_is_applied(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "food-safety.yaml").write_text(FOOD_RULES, encoding="utf-8")
    store = EmbeddedStore(tmp_path / "s.db", load_schema([rules]), id_key="k")
    try:
        load_records(
            store,
            [
                enterprise(E1, "某某食品有限公司"),
                person("p:chef", "王厨"),
                link("LEGAL_REPRESENTATIVE", "p:chef", E1, "2018-01-01"),
                # responsibility unknown: the Company Law bar is only UNCONFIRMED, the local rule needs none
                event("ev:f", "LICENSE_REVOKED", E1, "2022-01-01"),
            ],
        )
        decision = check(store, "p:chef", "MANAGER", "2026-12-31")
        assert verdict(decision) == "DENY"
        assert decision.reasons[0].restriction.rule == "food-safety-law-135"
        assert decision.reasons[0].restriction.legal_basis == "食品安全法 第一百三十五条第一款"
        assert verdict(check(store, "p:chef", "MANAGER", "2027-01-02")) == "ALLOW"
    finally:
        store.close()


def test_rule_naming_an_unknown_measure_is_rejected_with_file_and_rule(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        FOOD_RULES.replace("measures: [BAR_FOOD_BUSINESS]", "measures: [BAR_NOTHING]"),
        encoding="utf-8",
    )
    with pytest.raises(
        SchemaError, match=r"bad.yaml: rule food-safety-law-135: measures \['BAR_NOTHING'\]"
    ):
        load_schema([tmp_path])


def test_rule_with_a_duplicate_id_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "dup.yaml").write_text(
        FOOD_RULES.replace("food-safety-law-135", "company-law-178-4"), encoding="utf-8"
    )
    with pytest.raises(SchemaError, match="company-law-178-4"):
        load_schema([tmp_path])


# A rule two links deep (a city's, made up for this test): a sanction on an enterprise reaches
# the legal representatives of the enterprises holding shares in it.
SHAREHOLDER_RULES = """
measures:
  NOTIFY_SHAREHOLDER_REPRESENTATIVE:
    description: 通报股东企业的法定代表人
rules:
  - id: test-shareholder-representative
    kind: duty
    title: 测试规则 (两跳)
    trigger: {events: [LICENSE_REVOKED], subject: [enterprise]}
    reach:
      path:
        - {rels: [SHAREHOLDER], direction: in}
        - {rels: [LEGAL_REPRESENTATIVE], direction: in}
      held: event_date
    measures: [NOTIFY_SHAREHOLDER_REPRESENTATIVE]
    window: {end: [open]}
    legal_basis: 测试规则, 无法律依据
    seed: 000 §test
"""


def test_link_read_two_steps_from_the_subject_re_derives_the_event_it_reaches(
    tmp_path: Path,
) -> None:
    """The legal representative of a shareholder, known only after the sanction was loaded,
    is reached: maintenance walks the rule's first step back from the shareholder."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "two-steps.yaml").write_text(SHAREHOLDER_RULES, encoding="utf-8")
    owner, owned = uscc("owner co"), uscc("owned co")
    store = EmbeddedStore(tmp_path / "s.db", load_schema([rules]), id_key="k")
    try:
        load_records(
            store,
            [
                enterprise(owned, "某某贸易有限公司"),
                enterprise(owner, "某某控股有限公司"),
                person("p:rep", "李四"),
                link("SHAREHOLDER", owner, owned, "2015-01-01"),
                event("ev:revoked", "LICENSE_REVOKED", owned, "2022-01-01"),
            ],
        )
        assert store.restrictions(subject="p:rep") == []
        later = load_records(store, [link("LEGAL_REPRESENTATIVE", "p:rep", owner, "2016-01-01")])

        assert later.report.events_rederived == 1
        (notice,) = store.restrictions(subject="p:rep")
        assert (notice.rule, notice.event_id) == ("test-shareholder-representative", "ev:revoked")
        incremental = sorted(r.to_stored_json() for r in store.restrictions())
        store.recompute()
        assert sorted(r.to_stored_json() for r in store.restrictions()) == incremental
    finally:
        store.close()
