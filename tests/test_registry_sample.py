"""The registry sample (real Chinese registry data around the Nanchang and Nanjing bridge
companies) goes through the real ``creditgraph load`` and comes out as the registry
says: every company and person, every office and shareholding, and same-name people
kept apart."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from helpers_import import export, load, load_counts, stats
from registry_sample import RELATIONS, read_csv, write_jsonl

SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "data" / "registry_sample"

# rows of edges.csv, spelled out
NANCHANG_BRIDGE = (
    "e:45ae43e9d3c7bc818bc3741ca775ce80c3265e404055f7894fc26136"  # 南昌海兴城市桥梁有限公司
)
WU_MINGQING = "p:46908aff3ce5681f73433c75e2606455f983158269c73bc5aa5b4f63"  # 吴明清, its chairman
WU_MINGQING_2 = "p:f8b7eac301feedb8304ad829b9c4d8491cc92139a171298bd9393c29"  # another 吴明清
ZHONGHAI_VENTURE = (
    "e:1d3230c14493d42fbc98b4d9a9b21a79d10dee69d0b10797b6652468"  # 中海创业投资（深圳）
)
HK_INFRASTRUCTURE = (
    "e:2f1ee17d109b74c16ee5162286472c1b74dd07171c1b383c28bd211f"  # 香港中海基建有限公司
)
HAIFENGDE = "e:31956eccb516368e52469106aa22c622e9adaea68647cde05673f5a4"  # 深圳海丰德投资有限公司
HUANGGU_POWER = "e:0edb337d5e87f0c0f8d0137fb2c0ef7479b052dfef4c83d6cffd53d9"  # 沈阳皇姑热电有限公司


@pytest.fixture(scope="module")
def sample() -> Path:
    if not (SAMPLE / "nodes.csv").exists() or not (SAMPLE / "edges.csv").exists():
        pytest.skip(f"registry sample not found at {SAMPLE}")
    return SAMPLE


@pytest.fixture(scope="module")
def loaded(sample: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("registry")
    data = write_jsonl(sample, folder / "registry.jsonl")
    store = folder / "s.db"
    result = load(store, data)
    assert result.exit_code == 0, result.output
    return {"store": store, "data": data, "output": result.stdout, "records": export(store)}


def _links(records: list[dict[str, Any]], **match: Any) -> list[dict[str, Any]]:
    return [
        r for r in records if r["type"] == "link" and all(r.get(k) == v for k, v in match.items())
    ]


def test_every_company_and_person_of_the_registry_is_a_node(
    sample: Path, loaded: dict[str, Any]
) -> None:
    by_type = Counter(row["type"] for row in read_csv(sample / "nodes.csv"))
    counts = stats(loaded["store"])
    assert counts["nodes"] == {"enterprise": by_type["company"], "person": by_type["person"]}
    # the README's documented totals
    assert counts["nodes"] == {"enterprise": 41, "person": 52}
    assert sum(counts["nodes"].values()) == 93


def test_every_registry_relation_is_a_link_of_the_matching_kind(
    sample: Path, loaded: dict[str, Any]
) -> None:
    by_relation = Counter(RELATIONS[row["relation"]] for row in read_csv(sample / "edges.csv"))
    counts = stats(loaded["store"])
    assert counts["links"] == dict(by_relation)
    assert counts["links"] == {
        "DIRECTOR": 57,
        "SHAREHOLDER": 37,
        "SUPERVISOR": 11,
        "LEGAL_REPRESENTATIVE": 7,
        "MANAGER": 5,
    }
    assert sum(counts["links"].values()) == 117


def test_first_load_creates_everything_and_a_second_changes_nothing(
    loaded: dict[str, Any],
) -> None:
    assert load_counts(loaded["output"]) == {
        "enterprise": (41, 0, 0),
        "person": (52, 0, 0),
        "link": (117, 0, 0),
    }
    again = load(loaded["store"], loaded["data"])
    assert again.exit_code == 0, again.output
    assert load_counts(again.stdout) == {
        "enterprise": (0, 0, 41),
        "person": (0, 0, 52),
        "link": (0, 0, 117),
    }


def test_legal_representative_of_the_nanchang_bridge_company_is_its_chairman(
    loaded: dict[str, Any],
) -> None:
    records = loaded["records"]
    names = {r["id"]: r["name"] for r in records if r["type"] != "link"}
    assert names[NANCHANG_BRIDGE] == "南昌海兴城市桥梁有限公司"
    representatives = _links(records, rel="LEGAL_REPRESENTATIVE", to=NANCHANG_BRIDGE)
    assert [(r["from"], names[r["from"]]) for r in representatives] == [(WU_MINGQING, "吴明清")]
    assert _links(records, rel="DIRECTOR", **{"from": WU_MINGQING, "to": NANCHANG_BRIDGE})


def test_shareholding_percentages_become_fractions_with_their_dates(
    loaded: dict[str, Any],
) -> None:
    records = loaded["records"]
    hong_kong = _links(
        records, rel="SHAREHOLDER", **{"from": HK_INFRASTRUCTURE, "to": NANCHANG_BRIDGE}
    )
    assert [(r["share"], r["valid_from"], r["valid_to"]) for r in hong_kong] == [
        (pytest.approx(0.5524), "2003-03-29", None)
    ]
    # 0.31 % of 沈阳皇姑热电, with no date on the registry record
    small = _links(records, rel="SHAREHOLDER", **{"from": HAIFENGDE, "to": HUANGGU_POWER})
    assert [(r["share"], r["valid_from"]) for r in small] == [(pytest.approx(0.0031), None)]


def test_shareholdings_without_a_percentage_are_kept_without_a_share(
    sample: Path,
    loaded: dict[str, Any],
) -> None:
    without = sum(
        1
        for row in read_csv(sample / "edges.csv")
        if row["relation"] == "shareholder_of" and not row["share_percentage"]
    )
    assert without > 0
    stored = [r for r in _links(loaded["records"], rel="SHAREHOLDER") if "share" not in r]
    assert len(stored) == without


@pytest.mark.parametrize("name", ["吴明清", "郭汝基", "张海峰", "童义和", "高升"])
def test_people_sharing_a_name_stay_separate_people(
    sample: Path, loaded: dict[str, Any], name: str
) -> None:
    in_registry = [row["id"] for row in read_csv(sample / "nodes.csv") if row["label"] == name]
    stored = [r["id"] for r in loaded["records"] if r["type"] == "person" and r["name"] == name]
    assert len(in_registry) >= 2
    assert sorted(stored) == sorted("p:" + i for i in in_registry)


def test_offices_stay_with_the_right_namesake(loaded: dict[str, Any]) -> None:
    # two different 吴明清 are legal representatives of two different companies
    records = loaded["records"]
    venture = {r["from"] for r in _links(records, rel="LEGAL_REPRESENTATIVE", to=ZHONGHAI_VENTURE)}
    assert WU_MINGQING_2 in venture
    assert not _links(
        records, rel="LEGAL_REPRESENTATIVE", **{"from": WU_MINGQING_2, "to": NANCHANG_BRIDGE}
    )
    assert not _links(records, **{"from": WU_MINGQING_2, "to": NANCHANG_BRIDGE})
