"""GSXT 严重违法失信名单: the published 列入原因 decides the bar on the legal representative.

企业信息公示暂行条例 第十七条第二款 bars the legal representative of an enterprise listed because
it stayed three years in the abnormal-operation list; a listing for a serious violation
(工商总局令第83号 第五条第一款第(二)项起, 总局令第44号) carries no such bar; wording the
mapping does not know is REVIEW, never DENY. Rows in the wording GSXT publishes, on both stores.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from creditgraph.store.base import GraphStore
from helpers_import import jsonl
from scenario import uscc
from sources_helpers import GSXT, row, write_csv
from support.store_cli import StoreCli

BUILDER = uscc("河南某某建筑工程有限公司", "410100")
OTHER = uscc("郑州某某商贸有限公司", "410100")
BAR = "BAR_LEGAL_REPRESENTATIVE_OF_OTHER_ENTERPRISES"


@pytest.fixture
def store_cli(any_store: GraphStore, request: pytest.FixtureRequest, tmp_path: Path) -> StoreCli:
    return StoreCli.of(any_store, request, tmp_path)


def _registry(store_cli: StoreCli, tmp_path: Path) -> None:
    registry = tmp_path / "registry.jsonl"
    registry.write_text(
        jsonl(
            [
                {"type": "enterprise", "id": BUILDER, "name": "河南某某建筑工程有限公司"},
                {"type": "enterprise", "id": OTHER, "name": "郑州某某商贸有限公司"},
                {"type": "person", "id": "p:li-jianguo", "name": "李建国"},
                {"type": "link", "rel": "LEGAL_REPRESENTATIVE", "from": "p:li-jianguo",
                 "to": BUILDER, "valid_from": "2015-04-01", "valid_to": None},
            ]
        ),
        encoding="utf-8",
    )  # fmt: skip
    assert store_cli.load(registry).exit_code == 0


def _listed(store_cli: StoreCli, tmp_path: Path, kind: str, reason: str) -> dict[str, Any]:
    """The builder listed on 2024-01-10 with this 列入原因; the decision on its legal
    representative taking the chair of another enterprise half a year later."""
    _registry(store_cli, tmp_path)
    path = write_csv(
        tmp_path / "gsxt.csv",
        GSXT,
        [
            row(
                GSXT,
                企业名称="河南某某建筑工程有限公司",
                统一社会信用代码=BUILDER,
                名录类别=kind,
                列入原因=reason,
                列入日期="2024年1月10日",
                列入决定书文号="豫市监严〔2024〕3号",
                列入作出决定机关="河南省市场监督管理局",
            )
        ],
    )
    result = store_cli.load(path, options=["--source", "gsxt-lists"])
    assert result.exit_code == 0, result.output
    return json.loads(
        store_cli.run(
            "check", "p:li-jianguo", "--role", "LEGAL_REPRESENTATIVE", "--enterprise", OTHER,
            "--on", "2024-07-01", "--json",
        ).stdout
    )  # fmt: skip


@pytest.mark.parametrize(
    "reason",
    [
        "被列入经营异常名录届满3年仍未履行相关义务的",
        "列入经营异常名录届满三年仍未履行公示义务",
        "被列入经营异常名录届满３年仍未履行相关义务的",  # full-width digit, as some provinces publish
    ],
)
def test_serious_list_for_an_expired_abnormal_listing_bars_the_legal_rep_elsewhere(
    store_cli: StoreCli, tmp_path: Path, reason: str
) -> None:
    decision = _listed(store_cli, tmp_path, "严重违法失信名单", reason)
    assert decision["decision"] == "DENY"
    (bar,) = [r for r in decision["reasons"] if r["measure"] == BAR]
    assert bar["rule"] == "serious-violation-legal-rep"
    assert bar["certainty"] == "CONFIRMED"
    assert bar["event"]["kind"] == "SERIOUS_VIOLATION_LISTED"
    assert bar["event"]["subject"] == BUILDER
    assert "第十七条第二款" in bar["legal_basis"]
    assert bar["until"] == "2027-01-10"
    (listing,) = [e for e in store_cli.export() if e["type"] == "event"]
    assert listing["ground"] == "abnormal_expired" and listing["reason"] == reason


@pytest.mark.parametrize(
    "reason",
    [
        "因不正当竞争行为两年内受到行政处罚三次以上的",
        "提交虚假材料或者采取其他欺诈手段隐瞒重要事实，取得公司变更或者注销登记，被撤销登记的",
        "因商标侵权行为五年内受到两次以上行政处罚的",
    ],
)
def test_serious_list_for_a_serious_violation_does_not_bar_the_legal_rep_elsewhere(
    store_cli: StoreCli, tmp_path: Path, reason: str
) -> None:
    decision = _listed(store_cli, tmp_path, "严重违法失信企业名单(黑名单)", reason)
    assert decision["decision"] == "ALLOW", decision
    (listing,) = [e for e in store_cli.export() if e["type"] == "event"]
    assert listing["ground"] == "serious_violation"


def test_serious_list_with_a_reason_the_mapping_does_not_know_is_review_with_the_reason(
    store_cli: StoreCli, tmp_path: Path
) -> None:
    decision = _listed(store_cli, tmp_path, "严重违法失信名单", "未按规定报送年度报告")
    assert decision["decision"] == "REVIEW"
    (bar,) = [r for r in decision["reasons"] if r["measure"] == BAR]
    assert bar["certainty"] == "UNCONFIRMED"
    assert "列入事由不明" in bar["note"]
    (listing,) = [e for e in store_cli.export() if e["type"] == "event"]
    assert "ground" not in listing and listing["reason"] == "未按规定报送年度报告"


def test_abnormal_operation_listing_keeps_its_reason_and_has_no_ground(
    store_cli: StoreCli, tmp_path: Path
) -> None:
    decision = _listed(store_cli, tmp_path, "经营异常名录", "通过登记的住所或者经营场所无法联系的")
    assert not [r for r in decision["reasons"] if r["measure"] == BAR]
    (listing,) = [e for e in store_cli.export() if e["type"] == "event"]
    assert listing["kind"] == "ABNORMAL_OPERATION_LISTED"
    assert listing["reason"] == "通过登记的住所或者经营场所无法联系的"
    assert "ground" not in listing and "列入原因" not in (listing.get("provenance") or {})
