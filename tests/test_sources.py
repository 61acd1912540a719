"""Published sources as a credit officer receives them (`creditgraph load --source NAME`):
the court's dishonest-debtor list in GBK, a 双公示 penalty workbook, the GSXT lists, a
consumption-restriction list, a registry extract — and the files that must be refused.

What a load does to a store runs on both stores through the real CLI (``StoreCli``: on
Neo4j every command must also print exactly what the embedded store prints)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from creditgraph.domain.identifiers import mask_resident_id, organisation_code_check_character
from creditgraph.domain.names import normalise_name
from creditgraph.store.base import GraphStore
from helpers_import import cli, export, jsonl, resident_id
from scenario import uscc
from sources_helpers import (
    COURT,
    FIRST10_LAST4,
    GSXT,
    PENALTY,
    REGISTRY,
    RESTRICTION,
    mask,
    row,
    row_errors,
    write_csv,
    write_xlsx,
)
from support.store_cli import StoreCli
from support.stores import TEST_ID_KEY

TRADER = uscc("上海某某贸易有限公司")
BUILDER = uscc("河南某某建筑工程有限公司", "410100")
# the debtor of the court list: born 1981 in 滑县 (412728), listed with region + year + last four
ZHANG_WEI = resident_id("412728", "19810315", "251")
ZHANG_WEI_MASK = mask(ZHANG_WEI, FIRST10_LAST4)
# a same-name stranger from the same county, born the same year: another mask
STRANGER = resident_id("412728", "19811102", "137")
STRANGER_MASK = mask(STRANGER, FIRST10_LAST4)
ENV = {"CREDITGRAPH_ID_KEY": TEST_ID_KEY}


@pytest.fixture
def store_cli(any_store: GraphStore, request: pytest.FixtureRequest, tmp_path: Path) -> StoreCli:
    return StoreCli.of(any_store, request, tmp_path)


def by_type(records: list[dict[str, Any]], record_type: str) -> list[dict[str, Any]]:
    return [r for r in records if r["type"] == record_type]


def court_list(tmp_path: Path, encoding: str = "gbk") -> Path:
    return write_csv(
        tmp_path / "失信被执行人.csv",
        COURT,
        [
            row(
                COURT,
                **{
                    "被执行人姓名/名称": "张伟",
                    "身份证号码/组织机构代码": ZHANG_WEI_MASK,
                    "性别": "男",
                    "年龄": "43",
                    "执行法院": "滑县人民法院",
                    "省份": "河南",
                    "案号": "（2024）豫0526执1234号",
                    "立案时间": "2024/3/1",
                    "发布时间": "2024年5月6日",
                    "被执行人的履行情况": "全部未履行",
                    "失信被执行人行为具体情形": "有履行能力而拒不履行生效法律文书确定义务",
                },
            ),
            row(
                COURT,
                **{
                    "被执行人姓名/名称": "张伟",
                    "身份证号码/组织机构代码": STRANGER_MASK,
                    "性别": "男",
                    "年龄": "42",
                    "执行法院": "滑县人民法院",
                    "省份": "河南",
                    "案号": "（2024）豫0526执2077号",
                    "立案时间": "2024-04-02",
                    "发布时间": "2024-06-01",
                },
            ),
            row(
                COURT,
                **{
                    "被执行人姓名/名称": "河南某某建筑工程有限公司",
                    "身份证号码/组织机构代码": BUILDER,
                    "法定代表人或者负责人姓名": "李建国",
                    "执行法院": "郑州市中级人民法院",
                    "省份": "河南",
                    "案号": "（2023）豫01执567号",
                    "立案时间": "2023-01-05",
                    "发布时间": "2023-02-01",
                    "执行依据文号": "（2022）豫01民初88号",
                },
            ),
        ],
        encoding,
    )


# the court's list ---------------------------------------------------------------------------
def test_court_list_in_gbk_lists_masked_debtors_as_listed_persons_with_provenance(
    store_cli: StoreCli, tmp_path: Path
) -> None:
    result = store_cli.load(court_list(tmp_path), options=["--source", "court-dishonest"])
    assert result.exit_code == 0, result.output
    assert "gb18030" in result.stderr  # the encoding found, said
    records = store_cli.export()
    persons = {p["id_number_masked"]: p for p in by_type(records, "person")}
    # two same-name people from one county, born the same year: two listed persons, never one
    assert set(persons) == {ZHANG_WEI_MASK, STRANGER_MASK}
    debtor = persons[ZHANG_WEI_MASK]
    assert debtor["id"].startswith("lp:court-dishonest:")
    assert debtor["name"] == "张伟" and debtor["sex"] == "男"
    assert debtor["provenance"] == {
        "source": "court-dishonest",
        "file": "失信被执行人.csv",
        "row": 2,
        "case_number": "（2024）豫0526执1234号",  # as published
        # the age as published and the day it was true (a birth year from it could be one
        # year late, and identity compares birth years exactly)
        "age": 43,
        "listed_on": "2024-05-06",
    }
    assert "birth_year" not in debtor
    events = {e["subject"]: e for e in by_type(records, "event")}
    listing = events[debtor["id"]]
    assert listing["kind"] == "DISHONEST_DEBTOR_LISTED"
    assert listing["date"] == "2024-05-06" and listing["filed_on"] == "2024-03-01"
    assert listing["document"] == "（2024）豫0526执1234号"
    assert listing["provenance"]["row"] == 2
    courts = {a["id"]: a["name"] for a in by_type(records, "agency")}
    assert courts[listing["authority"]] == "滑县人民法院"
    # the enterprise debtor: created under its code, its legal representative kept for
    # the identity engineer's corroboration, the execution basis kept as provenance
    company = events[BUILDER]
    assert company["legal_representative_name"] == "李建国"
    assert company["provenance"]["执行依据文号"] == "（2022）豫01民初88号"
    assert {e["id"] for e in by_type(records, "enterprise")} == {BUILDER}


def test_court_list_reaches_the_registry_person_for_review_and_never_the_same_name_stranger(
    store_cli: StoreCli, tmp_path: Path
) -> None:
    registry = tmp_path / "registry.jsonl"
    registry.write_text(
        jsonl(
            [
                {"type": "enterprise", "id": TRADER, "name": "上海某某贸易有限公司"},
                {"type": "person", "id": "p:zhang-wei", "name": "张伟", "id_number": ZHANG_WEI},
                {"type": "link", "rel": "DIRECTOR", "from": "p:zhang-wei", "to": TRADER,
                 "valid_from": "2018-01-01", "valid_to": None},
            ]
        ),
        encoding="utf-8",
    )  # fmt: skip
    assert store_cli.load(registry).exit_code == 0
    result = store_cli.load(court_list(tmp_path), options=["--source", "court-dishonest"])
    assert result.exit_code == 0, result.output
    decision = json.loads(
        store_cli.run("check", "p:zhang-wei", "--role", "DIRECTOR", "--on", "2024-07-01", "--json")
        .stdout
    )  # fmt: skip
    # the masked number and the name alone: review, never a silent deny
    assert decision["decision"] == "REVIEW"
    events = {e["subject"]: e for e in by_type(store_cli.export(), "event")}
    listed = {p["id_number_masked"]: p["id"] for p in by_type(store_cli.export(), "person")
              if "id_number_masked" in p}  # fmt: skip
    cited = {r["event"]["id"] for r in decision["reasons"]}
    assert cited == {events[listed[ZHANG_WEI_MASK]]["id"]}
    # the stranger's entry (same name, county and birth year) reaches nobody
    assert events[listed[STRANGER_MASK]]["id"] not in cited


def test_shared_feed_with_the_full_number_lists_the_registry_person_itself(
    store_cli: StoreCli, tmp_path: Path
) -> None:
    registry = tmp_path / "registry.jsonl"
    registry.write_text(
        jsonl([{"type": "person", "id": "p:zhang-wei", "name": "张伟", "id_number": ZHANG_WEI}]),
        encoding="utf-8",
    )
    assert store_cli.load(registry).exit_code == 0
    path = write_csv(
        tmp_path / "court-shared.csv",
        COURT,
        [row(COURT, **{"被执行人姓名/名称": "张伟", "身份证号码/组织机构代码": ZHANG_WEI,
                       "案号": "(2024)豫0526执9号", "发布时间": "2024-05-06",
                       "失信被执行人行为具体情形": "有履行能力而拒不履行生效法律文书确定义务"})],
    )  # fmt: skip
    result = store_cli.load(path, options=["--source", "court-dishonest"])
    assert result.exit_code == 0, result.output
    records = store_cli.export()
    assert [p["id"] for p in by_type(records, "person")] == ["p:zhang-wei"]  # no second person
    (listing,) = by_type(records, "event")
    assert listing["subject"] == "p:zhang-wei"
    decision = json.loads(
        store_cli.run("check", "p:zhang-wei", "--role", "DIRECTOR", "--on", "2024-07-01", "--json")
        .stdout
    )  # fmt: skip
    assert decision["decision"] == "DENY"
    assert ZHANG_WEI not in store_cli.run("export").stdout


def test_court_list_loaded_twice_changes_nothing(store_cli: StoreCli, tmp_path: Path) -> None:
    path = court_list(tmp_path)
    first = store_cli.load(path, options=["--source", "court-dishonest"])
    assert first.exit_code == 0, first.output
    before = store_cli.export()
    again = store_cli.load(path, options=["--source", "court-dishonest"])
    assert again.exit_code == 0, again.output
    assert "0 created, 0 updated" in again.stdout
    assert " created" not in again.stdout.replace("0 created", "")
    assert store_cli.export() == before


def test_court_list_in_utf8_with_bom_reads_the_same(store_cli: StoreCli, tmp_path: Path) -> None:
    (tmp_path / "gbk").mkdir()
    (tmp_path / "bom").mkdir()
    gbk = court_list(tmp_path / "gbk")
    bom = court_list(tmp_path / "bom", encoding="utf-8-sig")
    assert store_cli.load(gbk, options=["--source", "court-dishonest"]).exit_code == 0
    before = store_cli.export()
    result = store_cli.load(bom, options=["--source", "court-dishonest"])
    assert result.exit_code == 0, result.output
    assert "utf-8-sig" in result.stderr
    assert store_cli.export() == before  # same file name and rows: the same records


def test_enterprise_debtor_found_by_its_organisation_code(
    store_cli: StoreCli, tmp_path: Path
) -> None:
    registry = tmp_path / "registry.jsonl"
    registry.write_text(
        jsonl([{"type": "enterprise", "id": TRADER, "name": "上海某某贸易有限公司"}]),
        encoding="utf-8",
    )
    assert store_cli.load(registry).exit_code == 0
    org_code = f"{TRADER[8:16]}-{TRADER[16]}"  # the old code, as older court rows show it
    path = write_csv(
        tmp_path / "court.csv",
        COURT,
        [
            row(
                COURT,
                **{
                    "被执行人姓名/名称": "上海某某贸易公司",  # a looser name than the registry's
                    "身份证号码/组织机构代码": org_code,
                    "执行法院": "上海市第一中级人民法院",
                    "案号": "(2019)沪01执9号",
                    "发布时间": "2019-08-01",
                },
            )
        ],
    )
    result = store_cli.load(path, options=["--source", "court-dishonest"])
    assert result.exit_code == 0, result.output
    records = store_cli.export()
    assert [e["id"] for e in by_type(records, "enterprise")] == [TRADER]  # none created
    assert [e["subject"] for e in by_type(records, "event")] == [TRADER]


def test_registry_registration_number_lets_a_later_list_find_the_enterprise(
    store_cli: StoreCli, tmp_path: Path
) -> None:
    header = [*REGISTRY, "注册号", "住所"]
    extract = write_csv(
        tmp_path / "登记.csv",
        header,
        [
            row(
                header,
                企业名称="上海某某贸易有限公司",
                统一社会信用代码=TRADER,
                注册号="310000000123456",
                住所="上海市浦东新区某某路1号",
            )
        ],
    )
    assert store_cli.load(extract, options=["--source", "registry"]).exit_code == 0
    court = write_csv(
        tmp_path / "court.csv",
        COURT,
        [
            row(
                COURT,
                **{
                    "被执行人姓名/名称": "上海某某商贸有限公司",  # renamed since
                    "身份证号码/组织机构代码": "310000000123456",
                    "执行法院": "上海市第一中级人民法院",
                    "案号": "(2015)沪01执1号",
                    "发布时间": "2015-08-01",
                },
            )
        ],
    )
    result = store_cli.load(court, options=["--source", "court-dishonest"])
    assert result.exit_code == 0, result.output
    records = store_cli.export()
    assert [e["id"] for e in by_type(records, "enterprise")] == [TRADER]
    trader = by_type(records, "enterprise")[0]
    assert trader["reg_code"] == "310000000123456"
    assert trader["provenance"]["住所"] == "上海市浦东新区某某路1号"  # a column no mapping reads
    assert [e["subject"] for e in by_type(records, "event")] == [TRADER]


def test_list_without_code_finds_the_enterprise_by_its_exact_normalised_name(
    store_cli: StoreCli, tmp_path: Path
) -> None:
    registry = tmp_path / "registry.jsonl"
    registry.write_text(
        jsonl([{"type": "enterprise", "id": TRADER, "name": "上海某某贸易有限公司"}]),
        encoding="utf-8",
    )
    assert store_cli.load(registry).exit_code == 0
    lists = write_csv(
        tmp_path / "异常名录.csv",
        GSXT,
        [
            row(
                GSXT,
                企业名称="上海某某貿易有限公司 ",  # traditional 貿, a stray space
                名录类别="经营异常名录",
                列入原因="通过登记的住所或者经营场所无法联系",
                列入日期="2022/7/1",
                列入决定书文号="沪市监异〔2022〕1号",
                列入作出决定机关="上海市市场监督管理局",
            )
        ],
    )
    result = store_cli.load(lists, options=["--source", "gsxt-lists"])
    assert result.exit_code == 0, result.output
    records = store_cli.export()
    assert [e["id"] for e in by_type(records, "enterprise")] == [TRADER]
    (listing,) = by_type(records, "event")
    assert listing["subject"] == TRADER and listing["kind"] == "ABNORMAL_OPERATION_LISTED"
    assert listing["reason"] == "通过登记的住所或者经营场所无法联系"


def test_two_enterprises_sharing_a_name_are_not_guessed_between(
    store_cli: StoreCli, tmp_path: Path
) -> None:
    other = uscc("another 上海某某贸易有限公司", "320000")
    registry = tmp_path / "registry.jsonl"
    registry.write_text(
        jsonl(
            [
                {"type": "enterprise", "id": TRADER, "name": "上海某某贸易有限公司"},
                {"type": "enterprise", "id": other, "name": "上海某某贸易有限公司"},
            ]
        ),
        encoding="utf-8",
    )
    assert store_cli.load(registry).exit_code == 0
    lists = write_csv(
        tmp_path / "gsxt.csv",
        GSXT,
        [
            row(
                GSXT,
                企业名称="上海某某贸易有限公司",
                名录类别="严重违法失信名单",
                列入日期="2022-07-01",
                列入决定书文号="沪市监严〔2022〕3号",
            )
        ],
    )
    result = store_cli.load(lists, options=["--source", "gsxt-lists"])
    assert result.exit_code == 2
    ((file, line, column, reason),) = row_errors(result)
    assert (file, line, column) == ("gsxt.csv", 2, "企业名称")
    assert TRADER in reason and other in reason and "统一社会信用代码" not in reason
    assert "unified social credit code" in reason
    assert by_type(store_cli.export(), "event") == []


# 双公示 penalties -----------------------------------------------------------------------------
def penalty_workbook(tmp_path: Path) -> Path:
    import datetime as dt

    return write_xlsx(
        tmp_path / "双公示-行政处罚.xlsx",
        PENALTY,
        [
            # a row as the workbook holds it: the fine a number, the decision date a datetime
            [
                "上海某某贸易有限公司",
                "法人及非法人组织",
                TRADER,
                "王五",
                "身份证",
                ZHANG_WEI,
                "沪市监处〔2024〕12号",
                "虚假宣传",
                f"当事人(法定代表人身份证{ZHANG_WEI})发布虚假广告",
                "《中华人民共和国广告法》第五十五条",
                "罚款;没收违法所得",
                "罚款五万元",
                5,
                dt.datetime(2024, 3, 12),  # Excel keeps dates as datetimes
                "",
                "2025/3/12",
                "上海市市场监督管理局",
                "",
                "上海市市场监督管理局",
            ]
        ],
    )


def test_penalty_workbook_records_the_fine_and_publication_deadline(
    store_cli: StoreCli, tmp_path: Path
) -> None:
    result = store_cli.load(penalty_workbook(tmp_path), options=["--source", "penalty"])
    assert result.exit_code == 0, result.output
    records = store_cli.export()
    (penalty,) = by_type(records, "event")
    assert penalty["subject"] == TRADER
    # 罚款 with 没收违法所得: a general penalty (信用修复管理办法), whichever comes first
    assert penalty["kind"] == "ADMINISTRATIVE_PENALTY" and penalty["severity"] == "general"
    assert penalty["fine_wan_yuan"] == 5
    assert penalty["publication_until"] == "2025-03-12"
    assert penalty["date"] == "2024-03-12"
    assert penalty["legal_representative_name"] == "王五"
    assert penalty["provenance"]["处罚依据"] == "《中华人民共和国广告法》第五十五条"
    restrictions = store_cli.run("restrictions", "--subject", TRADER, "--json")
    (published,) = json.loads(restrictions.stdout)
    assert published["measure"] == "PENALTY_PUBLICATION"
    assert (published["from"], published["until"]) == ("2024-03-12", "2025-03-12")


def test_penalty_workbook_keeps_no_identity_number_in_clear(
    store_cli: StoreCli, tmp_path: Path
) -> None:
    result = store_cli.load(penalty_workbook(tmp_path), options=["--source", "penalty"])
    assert result.exit_code == 0, result.output
    exported = store_cli.run("export").stdout
    assert ZHANG_WEI not in exported
    (penalty,) = by_type(store_cli.export(), "event")
    assert penalty["provenance"]["法定代表人证件号码"] == mask_resident_id(ZHANG_WEI)
    assert mask_resident_id(ZHANG_WEI) in penalty["provenance"]["违法事实"]


def test_penalty_revoking_the_licence_records_a_licence_revocation(
    store_cli: StoreCli, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "penalty.csv",
        PENALTY,
        [
            row(
                PENALTY,
                行政相对人名称="河南某某建筑工程有限公司",
                行政相对人类别="法人及非法人组织",
                统一社会信用代码=BUILDER,
                法定代表人="李建国",
                行政处罚决定书文号="郑市监处〔2021〕77号",
                处罚类别="罚款、吊销营业执照",
                处罚决定日期="2021-06-30",
                处罚机关="郑州市市场监督管理局",
            )
        ],
    )
    result = store_cli.load(path, options=["--source", "penalty"])
    assert result.exit_code == 0, result.output
    (revoked,) = by_type(store_cli.export(), "event")
    assert revoked["kind"] == "LICENSE_REVOKED" and revoked["subject"] == BUILDER
    assert "severity" not in revoked
    assert revoked["legal_representative_name"] == "李建国"


# the GSXT lists ------------------------------------------------------------------------------
def test_removal_from_the_serious_violation_list_ends_its_measures(
    store_cli: StoreCli, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "严重违法失信名单.csv",
        GSXT,
        [
            row(
                GSXT,
                企业名称="河南某某建筑工程有限公司",
                统一社会信用代码=BUILDER,
                名录类别="严重违法失信名单",
                列入原因="被列入经营异常名录届满3年仍未履行相关义务",
                列入日期="2020年1月6日",
                列入决定书文号="豫市监严〔2020〕5号",
                列入作出决定机关="河南省市场监督管理局",
                移出原因="信用修复",
                移出日期="2022年3月1日",
                移出决定书文号="豫市监移〔2022〕9号",
                移出作出决定机关="河南省市场监督管理局",
            )
        ],
    )
    result = store_cli.load(path, options=["--source", "gsxt-lists"])
    assert result.exit_code == 0, result.output
    events = {e["kind"]: e for e in by_type(store_cli.export(), "event")}
    listing, removal = events["SERIOUS_VIOLATION_LISTED"], events["DELISTED"]
    assert removal["lifts"] == listing["id"] and removal["date"] == "2022-03-01"
    assert removal["reason"] == "信用修复"
    restrictions = json.loads(store_cli.run("restrictions", "--json").stdout)
    assert restrictions and {r["status"] for r in restrictions} == {"ENDED"}
    assert {r["until"] for r in restrictions if r["subject"] == BUILDER} <= {"2022-02-28"}


# consumption restriction ---------------------------------------------------------------------
def test_consumption_restriction_names_the_enterprise_the_order_was_made_against(
    store_cli: StoreCli, tmp_path: Path
) -> None:
    registry = tmp_path / "registry.jsonl"
    registry.write_text(
        jsonl([{"type": "enterprise", "id": TRADER, "name": "上海某某贸易有限公司"}]),
        encoding="utf-8",
    )
    assert store_cli.load(registry).exit_code == 0
    path = write_csv(
        tmp_path / "限制消费.csv",
        RESTRICTION,
        [
            row(
                RESTRICTION,
                **{
                    "被限制人姓名/名称": "王五",
                    "身份证号码/统一社会信用代码": mask(ZHANG_WEI, ((1, 10), (17, 18))),
                    "关联企业名称": "上海某某贸易有限公司",
                    "关联企业统一社会信用代码": TRADER,
                    "执行法院": "上海市第一中级人民法院",
                    "案号": "(2024)沪01执100号",
                    "发布时间": "2024-09-09",
                },
            )
        ],
    )
    result = store_cli.load(path, options=["--source", "consumption-restriction"])
    assert result.exit_code == 0, result.output
    records = store_cli.export()
    (order,) = by_type(records, "event")
    (restricted,) = by_type(records, "person")
    assert order["kind"] == "CONSUMPTION_RESTRICTED" and order["subject"] == restricted["id"]
    assert order["related_enterprise"] == TRADER
    assert restricted["id_number_masked"] == ZHANG_WEI[:10] + "******" + ZHANG_WEI[-2:]


# the registry ---------------------------------------------------------------------------------
def test_registry_extract_builds_offices_shares_and_statuses(
    store_cli: StoreCli, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "登记信息.csv",
        REGISTRY,
        [
            row(
                REGISTRY,
                企业名称="上海某某贸易有限公司",
                统一社会信用代码=TRADER,
                登记状态="存续",
                企业类型="有限责任公司(自然人投资或控股)",
                成立日期="2015/3/2",
                姓名="张伟",
                身份证号码=ZHANG_WEI,
                职务="董事长兼总经理",
                任职起始日期="2016-01-01",
                认缴出资比例="60%",
            ),
            row(
                REGISTRY,
                企业名称="上海某某贸易有限公司",
                统一社会信用代码=TRADER,
                姓名="李四",
                职务="监事",
                任职起始日期="2016年1月1日",
                任职终止日期="2019年12月31日",
            ),
            row(
                REGISTRY,
                企业名称="上海某某贸易有限公司",
                统一社会信用代码=TRADER,
                姓名="上海某某投资管理有限公司",
                职务="股东",
                认缴出资比例="40",
            ),
        ],
        "gb18030",
    )
    result = store_cli.load(path, options=["--source", "registry"])
    assert result.exit_code == 0, result.output
    records = store_cli.export()
    trader = next(e for e in by_type(records, "enterprise") if e["id"] == TRADER)
    assert (trader["status"], trader["kind"], trader["established"]) == (
        "active",
        "company",
        "2015-03-02",
    )
    names = {n["id"]: n["name"] for n in records if n["type"] != "link" and "name" in n}
    links = {(names[lk["from"]], lk["rel"], lk.get("share")) for lk in by_type(records, "link")}
    assert links == {
        ("张伟", "DIRECTOR", None),
        ("张伟", "MANAGER", None),
        ("张伟", "SHAREHOLDER", 0.6),
        ("李四", "SUPERVISOR", None),
        ("上海某某投资管理有限公司", "SHAREHOLDER", 0.4),
    }
    zhang = next(p for p in by_type(records, "person") if p["name"] == "张伟")
    assert ZHANG_WEI not in json.dumps(zhang, ensure_ascii=False) and ZHANG_WEI not in zhang["id"]
    ended = next(lk for lk in by_type(records, "link") if lk["rel"] == "SUPERVISOR")
    assert (ended["valid_from"], ended["valid_to"]) == ("2016-01-01", "2019-12-31")


# bad input ------------------------------------------------------------------------------------
def test_header_missing_a_required_column_names_it_and_the_expected_header(
    tmp_path: Path,
) -> None:
    header = [c for c in COURT if c != "案号"]
    path = write_csv(tmp_path / "court.csv", header, [row(header, **{"被执行人姓名/名称": "张伟"})])
    result = cli("load", path, "--source", "court-dishonest", "--store", tmp_path / "s.db", env=ENV)
    assert result.exit_code == 2
    assert "court.csv:1: header: missing required column 案号" in result.stderr
    assert (
        "court-dishonest source expects the header 被执行人姓名/名称, 身份证号码/组织机构代码"
        in result.stderr
    )


def test_undecodable_file_names_the_encodings_tried_and_the_option(tmp_path: Path) -> None:
    path = court_list(tmp_path, "utf-8")
    path.write_bytes(path.read_bytes() + b"\xff\xff,broken\r\n")
    store = tmp_path / "s.db"
    result = cli("load", path, "--source", "court-dishonest", "--store", store, env=ENV)
    assert result.exit_code == 2
    assert ":5: cannot be decoded as UTF-8" in result.stderr
    assert "GB18030/GBK" in result.stderr and "--encoding" in result.stderr
    assert not store.exists()  # nothing imported, and no empty store left to answer from


def test_encoding_option_reads_a_file_detection_refuses(tmp_path: Path) -> None:
    # Excel's "Unicode text" export is UTF-16: neither UTF-8 nor GB18030 decodes it
    path = write_csv(
        tmp_path / "court-utf16.csv",
        COURT,
        [
            row(
                COURT,
                **{
                    "被执行人姓名/名称": "臺灣某某貿易有限公司",
                    "身份证号码/组织机构代码": TRADER,
                    "案号": "(2020)沪01执3号",
                    "发布时间": "2020-01-02",
                },
            )
        ],
        "utf-16",
    )
    store = tmp_path / "s.db"
    refused = cli("load", path, "--source", "court-dishonest", "--store", store, env=ENV)
    assert refused.exit_code == 2
    assert "court-utf16.csv:1: cannot be decoded as UTF-8" in refused.stderr
    assert "--encoding" in refused.stderr
    result = cli(
        "load",
        path,
        "--source",
        "court-dishonest",
        "--encoding",
        "utf-16",
        "--store",
        store,
        env=ENV,
    )
    assert result.exit_code == 0, result.output
    export = cli("export", "--store", store, env=ENV).stdout
    assert "臺灣某某貿易有限公司" in export


def test_bad_cells_are_listed_by_row_and_column_and_nothing_is_imported(tmp_path: Path) -> None:
    bad_code = TRADER[:-1] + ("0" if TRADER[-1] != "0" else "1")
    path = write_csv(
        tmp_path / "gsxt.csv",
        GSXT,
        [
            row(
                GSXT,
                企业名称="甲公司",
                统一社会信用代码=bad_code,
                名录类别="经营异常名录",
                列入日期="2022-07-01",
                列入决定书文号="文1",
            ),
            row(
                GSXT,
                企业名称="乙公司",
                名录类别="经营异常名录",
                列入日期="2022/13/01",
                列入决定书文号="文2",
            ),
            row(
                GSXT,
                企业名称="丙公司",
                名录类别="黑名单",
                列入日期="2022-07-01",
                列入决定书文号="文3",
            ),
            row(
                GSXT,
                企业名称="丁公司",
                名录类别="经营异常名录",
                列入日期="2022-07-01",
                列入决定书文号="文4",
            ),
        ],
    )
    store = tmp_path / "s.db"
    result = cli("load", path, "--source", "gsxt-lists", "--store", store, env=ENV)
    assert result.exit_code == 2
    errors = row_errors(result)
    assert [(f, r, c) for f, r, c, _ in errors] == [
        ("gsxt.csv", 2, "统一社会信用代码"),
        ("gsxt.csv", 3, "列入日期"),
        ("gsxt.csv", 4, "名录类别"),
    ]
    assert "GB 32100" in errors[0][3] and "check character should be" in errors[0][3]
    assert "'2022/13/01' is not a calendar day" in errors[1][3]
    assert "'黑名单' is not in the vocabulary 名录类别 of gsxt-lists.yaml" in errors[2][3]
    assert "nothing was imported" in result.stderr
    assert not store.exists()  # no empty store left to answer from
    partial = cli(
        "load", path, "--source", "gsxt-lists", "--skip-invalid", "--store", store, env=ENV
    )
    assert partial.exit_code == 0, partial.output
    assert "rejected: 3" in partial.stdout
    names = [
        r["name"]
        for r in map(json.loads, cli("export", "--store", store, env=ENV).stdout.splitlines())
        if r["type"] == "enterprise"
    ]
    assert names == ["丁公司"]


def test_impossible_masked_number_is_refused_with_its_column(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "court.csv",
        COURT,
        [
            row(
                COURT,
                **{
                    "被执行人姓名/名称": "张伟",
                    "身份证号码/组织机构代码": "41272819A1****2515",
                    "案号": "(2024)豫0526执1号",
                    "发布时间": "2024-05-06",
                },
            ),
        ],
    )
    result = cli("load", path, "--source", "court-dishonest", "--store", tmp_path / "s.db", env=ENV)
    assert result.exit_code == 2
    ((_, line, column, reason),) = row_errors(result)
    assert (line, column) == (2, "身份证号码/组织机构代码")
    assert "impossible characters 'A'" in reason


# a city's own feed ---------------------------------------------------------------------------
CITY_FEED = """
source: sz-food-safety
title: 深圳市食品安全严重失信主体名单
header: [主体名称, 统一社会信用代码, 认定日期, 认定文书号, 认定部门]
required: [主体名称, 认定日期, 认定文书号]
case_number: 认定文书号
party: {name: 主体名称, uscc: 统一社会信用代码, type: enterprise}
event: {kind: KEY_ATTENTION_LISTED, date: 认定日期, document: 认定文书号, authority: 认定部门}
"""


def test_city_adds_its_own_feed_with_a_mapping_file(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "sz-food-safety.yaml").write_text(CITY_FEED, encoding="utf-8")
    header = ["主体名称", "统一社会信用代码", "认定日期", "认定文书号", "认定部门"]
    path = write_csv(
        tmp_path / "food.csv",
        header,
        [
            [
                "深圳某某餐饮管理有限公司",
                uscc("深圳某某餐饮", "440300"),
                "2025/6/1",
                "深市监食〔2025〕1号",
                "深圳市市场监督管理局",
            ]
        ],
    )
    store = tmp_path / "s.db"
    env = {**ENV, "CREDITGRAPH_SOURCES": str(sources)}
    result = cli("load", path, "--source", "sz-food-safety", "--store", store, env=env)
    assert result.exit_code == 0, result.output
    (listing,) = [
        r
        for r in map(json.loads, cli("export", "--store", store, env=env).stdout.splitlines())
        if r["type"] == "event"
    ]
    assert listing["kind"] == "KEY_ATTENTION_LISTED"
    assert listing["provenance"]["source"] == "sz-food-safety"
    unknown = cli("load", path, "--source", "sz-food-safety", "--store", store, env=ENV)
    assert unknown.exit_code == 2
    assert "no source named 'sz-food-safety'" in unknown.stderr


def test_city_mapping_naming_an_unknown_event_kind_is_refused(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "sz-food-safety.yaml").write_text(
        CITY_FEED.replace("KEY_ATTENTION_LISTED", "FOOD_BLACKLISTED"), encoding="utf-8"
    )
    path = write_csv(tmp_path / "food.csv", ["主体名称"], [["x"]])
    env = {**ENV, "CREDITGRAPH_SOURCES": str(sources)}
    result = cli("load", path, "--source", "sz-food-safety", "--store", tmp_path / "s.db", env=env)
    assert result.exit_code == 2
    assert "sz-food-safety.yaml: event.kind: 'FOOD_BLACKLISTED' is not one of" in result.stderr


def test_organisation_code_with_a_wrong_check_character_is_refused(tmp_path: Path) -> None:
    body = TRADER[8:16]
    wrong = "0" if organisation_code_check_character(body) != "0" else "1"
    path = write_csv(
        tmp_path / "court.csv",
        COURT,
        [
            row(
                COURT,
                **{
                    "被执行人姓名/名称": "上海某某贸易有限公司",
                    "身份证号码/组织机构代码": f"{body}-{wrong}",
                    "案号": "(2019)沪01执9号",
                    "发布时间": "2019-08-01",
                },
            )
        ],
    )
    result = cli("load", path, "--source", "court-dishonest", "--store", tmp_path / "s.db", env=ENV)
    assert result.exit_code == 2
    ((_, _, column, reason),) = row_errors(result)
    assert column == "身份证号码/组织机构代码" and "GB 11714" in reason


# the real registry sample (shared/data/registry_sample) as a registry extract ----------------
SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "data" / "registry_sample"
DEFAULT_OFFICE = {
    "director_of": "董事",
    "supervisor_of": "监事",
    "manager_of": "经理",
    "legal_representative_of": "法定代表人",
    "shareholder_of": "股东",
}


def sample_extract(tmp_path: Path) -> tuple[Path, list[dict[str, str]], dict[str, dict[str, str]]]:
    """The sample's edges as the rows of a registry extract: one per enterprise and party,
    职务 as the registry wrote it (the Chinese part of the position), 认缴出资比例 in percent."""
    import csv

    with (SAMPLE / "nodes.csv").open(encoding="utf-8", newline="") as handle:
        nodes = {n["id"]: n for n in csv.DictReader(handle)}
    with (SAMPLE / "edges.csv").open(encoding="utf-8", newline="") as handle:
        edges = list(csv.DictReader(handle))
    rows = []
    for edge in edges:
        office = edge["positions"].split("|")[-1] or DEFAULT_OFFICE[edge["relation"]]
        rows.append(
            row(
                REGISTRY,
                企业名称=nodes[edge["target"]]["label"],
                登记状态="存续",
                企业类型="有限责任公司",
                姓名=nodes[edge["source"]]["label"],
                职务=office,
                任职起始日期=edge["share_date"],
                认缴出资比例=edge["share_percentage"],
            )
        )
    return write_csv(tmp_path / "registry_sample.csv", REGISTRY, rows, "utf-8-sig"), edges, nodes


@pytest.mark.skipif(not SAMPLE.is_dir(), reason="shared/data/registry_sample is not here")
def test_real_registry_sample_loads_through_the_registry_source(
    store_cli: StoreCli, tmp_path: Path
) -> None:
    path, edges, nodes = sample_extract(tmp_path)
    result = store_cli.load(path, options=["--source", "registry"])
    assert result.exit_code == 0, result.output
    records = store_cli.export()
    enterprises = by_type(records, "enterprise")
    companies = {n["label"] for n in nodes.values() if n["type"] == "company"}
    # every company of the sample once — the corporate shareholders found by name, not doubled;
    # 南京交通建设(集团)传媒广告有限公司 is in the sample with half- and full-width brackets:
    # one name, so one enterprise
    assert sorted(normalise_name(e["name"]) for e in enterprises) == sorted(
        {normalise_name(c) for c in companies}
    )
    assert len(enterprises) == len(companies) - 1
    # persons are known by name within one enterprise only: a same-name director of another
    # company (吴明清, 郭汝基… appear under several ids in the sample) is not merged by name
    officers = {
        (e["target"], nodes[e["source"]]["label"])
        for e in edges
        if nodes[e["source"]]["type"] == "person"
    }
    assert len(by_type(records, "person")) == len(officers)
    names = {r["id"]: r["name"] for r in records if r["type"] != "link" and "name" in r}
    links = by_type(records, "link")
    shares = set(
        (normalise_name(names[lk["from"]]), normalise_name(names[lk["to"]]), lk.get("share"))
        for lk in links
        if lk["rel"] == "SHAREHOLDER"
    )
    expected = set(
        (
            normalise_name(nodes[e["source"]]["label"]),
            normalise_name(nodes[e["target"]]["label"]),
            round(float(e["share_percentage"]) / 100, 6) if e["share_percentage"] else None,
        )
        for e in edges
        if e["relation"] == "shareholder_of"
    )
    assert shares == expected
    # 董事长兼总经理: one row, two offices
    both = [e for e in edges if e["positions"].endswith("董事长兼总经理")]
    assert both
    person = nodes[both[0]["source"]]["label"]
    held = {lk["rel"] for lk in links if names[lk["from"]] == person}
    assert {"DIRECTOR", "MANAGER"} <= held
    again = store_cli.load(path, options=["--source", "registry"])
    assert again.exit_code == 0 and "created" in again.stdout
    assert all(
        line.split(": ")[1].startswith("0 created, 0 updated")
        for line in again.stdout.splitlines()
        if " created, " in line
    )


def test_workbook_with_a_title_row_above_the_header_loads(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["上海市行政处罚信息公示 (2024年3月)"])  # the title publishers put on top
    sheet.append(PENALTY)
    sheet.append(
        row(
            PENALTY,
            行政相对人名称="上海某某贸易有限公司",
            行政相对人类别="法人及非法人组织",
            统一社会信用代码=TRADER,
            行政处罚决定书文号="沪市监处〔2024〕13号",
            处罚类别="警告",
            处罚决定日期="2024-03-20",
        )
    )
    path = tmp_path / "titled.xlsx"
    book.save(path)
    store = tmp_path / "s.db"
    result = cli("load", path, "--source", "penalty", "--store", store, env=ENV)
    assert result.exit_code == 0, result.output
    (penalty,) = [
        r
        for r in map(json.loads, cli("export", "--store", store, env=ENV).stdout.splitlines())
        if r["type"] == "event"
    ]
    assert penalty["severity"] == "minor" and penalty["provenance"]["row"] == 3


def test_a_listed_person_whose_id_hash_is_all_digits_loads(tmp_path: Path) -> None:
    # one court-list row in ~38,000 hashes to digits only; that id was then refused as one
    # holding a (pre-1999) identity number, and with it the whole list (a real row below)
    path = write_csv(
        tmp_path / "court.csv",
        COURT,
        [
            [
                "马丽华",
                "150************682",
                "女",
                "33",
                "",
                "赤峰市中级人民法院",
                "内蒙古自治区",
                "（2023）蒙04执23849号",
                "2023/1/10",
                "2023年7月16日",
                "",
                "",
                "支付货款及利息",
                "全部未履行",
                "有履行能力而拒不履行生效法律文书确定义务",
            ]
        ],
        "utf-8",
    )
    store = tmp_path / "s.db"
    result = cli("load", path, "--source", "court-dishonest", "--store", store, env=ENV)
    assert result.exit_code == 0, result.output
    exported = export(store)
    (listed,) = by_type(exported, "person")
    assert listed["id"].startswith("lp:court-dishonest:") and listed["id"].endswith("f")
    assert listed["name"] == "马丽华"


def _registry_workbook(
    tmp_path: Path, person: str, role: str, column: str, value: object, number_format: str = ""
) -> Path:
    """A registry extract of one row in XLSX whose ``column`` Excel holds as the number
    ``value`` (shown with ``number_format``), as a clerk typing into a number cell leaves it."""
    path = write_xlsx(
        tmp_path / "登记信息.xlsx",
        REGISTRY,
        [
            row(
                REGISTRY,
                企业名称="上海某某贸易有限公司",
                统一社会信用代码=TRADER,
                姓名=person,
                职务=role,
            )
        ],
    )
    from openpyxl import load_workbook

    book = load_workbook(path)
    cell = book.active.cell(row=2, column=REGISTRY.index(column) + 1, value=value)
    if number_format:
        cell.number_format = number_format
    book.save(path)
    return path


def test_an_identity_number_excel_stored_as_a_number_is_refused_not_mangled(
    tmp_path: Path,
) -> None:
    # Excel keeps 15 digits of a number: 360402196210098960 typed into a number cell comes
    # back with other last digits, which may still pass the check digit — another person
    path = _registry_workbook(tmp_path, "张伟", "董事", "身份证号码", 360402196210098960)
    result = cli("load", path, "--source", "registry", "--store", tmp_path / "s.db", env=ENV)
    assert result.exit_code == 2
    assert ":2: 身份证号码: a number of 16 or more digits" in result.stderr
    assert "Format the column as text" in result.stderr
    assert not (tmp_path / "s.db").exists()


def test_a_share_excel_shows_as_a_percentage_is_that_percentage(tmp_path: Path) -> None:
    # 60 % in a cell formatted as a percentage is 0.6 in the file: not 0.6 %
    path = _registry_workbook(
        tmp_path, "上海某某投资管理有限公司", "股东", "认缴出资比例", 0.6, "0%"
    )
    store = tmp_path / "s.db"
    result = cli("load", path, "--source", "registry", "--store", store, env=ENV)
    assert result.exit_code == 0, result.output
    exported = export(store)
    (holding,) = [r for r in by_type(exported, "link") if r["rel"] == "SHAREHOLDER"]
    assert holding["share"] == pytest.approx(0.6)


def test_a_column_named_twice_is_refused_naming_both(tmp_path: Path) -> None:
    # the later copy used to win silently: every listing date became its value
    header = [*GSXT, "列入日期"]
    path = write_csv(tmp_path / "gsxt.csv", header, [], "utf-8")
    result = cli("load", path, "--source", "gsxt-lists", "--store", tmp_path / "s.db", env=ENV)
    assert result.exit_code == 2
    position = GSXT.index("列入日期") + 1
    assert (
        f"column '列入日期' appears twice (columns {position} and {len(header)})" in result.stderr
    )
