"""Data sets the store parity and export tests load into every store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scenario import agency, enterprise, event, link, person, uscc
from support.stores import SHARED

E1, E2, E3, SOE = uscc("parity one"), uscc("parity two"), uscc("parity three"), uscc("parity soe")
REGISTRY_SAMPLE = SHARED / "data" / "registry_sample"

Record = dict[str, Any]


def credit_scenario() -> list[Record]:
    """Every rule fires and every kind of lift applies somewhere in here."""
    return [
        agency("g:amr", "上海市市场监督管理局", level="province"),
        agency("g:sasac", "國有資產監督管理委員會", level="province"),
        enterprise(E1, "上海某某贸易有限公司", status="revoked", established="2015-03-02"),
        enterprise(E2, "上海另一貿易有限公司"),
        enterprise(E3, "ＡＢＣ科技（上海）有限公司", kind="company"),
        enterprise(SOE, "上海某某集团有限公司", kind="soe"),
        person("p:zhang", "张三", id_number="11010519491231002X"),
        person("p:li", "李四"),
        person("p:wang", "王五"),
        person("p:zhao", "赵六"),
        link("LEGAL_REPRESENTATIVE", "p:zhang", E1, "2016-01-01"),
        link("DIRECTOR", "p:zhang", E2, "2019-01-01"),
        link("LEGAL_REPRESENTATIVE", "p:li", E2, None, "2022-12-31"),
        link("LEGAL_REPRESENTATIVE", "p:wang", E2, "2023-01-01"),
        link("SHAREHOLDER", "p:wang", E3, "2018-05-01", share=0.6),
        link("SHAREHOLDER", E2, E3, "2018-05-01", "2024-02-29", share=0.4),
        link("ACTUAL_CONTROLLER", "p:zhao", E2, "2020-01-01"),
        link("PRINCIPAL", "p:zhao", SOE, "2010-01-01"),
        link("SUPERIOR_OF", "g:sasac", SOE, "2010-01-01"),
        link("OFFICIAL_OF", "p:li", "g:amr", "2012-01-01", "2020-12-31"),
        link("SUPERVISES", "g:amr", E2, "2015-01-01"),
        link("RELATIVE_OF", "p:li", "p:wang"),
        event("ev:1", "LICENSE_REVOKED", E1, "2021-06-30", responsible=["p:zhang"]),
        event("ev:2", "ADMINISTRATIVE_PENALTY", E2, "2020-03-02", severity="general"),
        event("ev:3", "CONSUMPTION_RESTRICTED", E2, "2022-06-01"),
        event("ev:4", "SERIOUS_VIOLATION_LISTED", E2, "2023-03-01"),
        event("ev:5", "JOINT_PUNISHMENT_LISTED", SOE, "2024-01-10"),
        event("ev:6", "DISHONEST_DEBTOR_LISTED", "p:li", "2022-01-10"),
        event("ev:7", "PROCUREMENT_BANNED", E3, "2024-03-01", until="2025-02-28"),
        event("ev:8", "ADMINISTRATIVE_PENALTY", SOE, "2024-05-01", severity="minor"),
        event("ev:9", "LICENSE_REVOKED", E2, "2024-06-30"),
        event("ev:r", "CREDIT_REPAIRED", E2, "2020-07-01", lifts="ev:2"),
        event("ev:d", "DELISTED", "p:li", "2024-03-01", lifts="ev:6"),
        event("ev:o", "OBJECTION_UPHELD", E2, "2023-05-06", lifts="ev:4"),
        event("ev:x", "DECISION_REVOKED", E2, "2021-01-01", lifts="ev:r"),
    ]


def registry_sample() -> list[Record]:
    from registry_sample import convert

    records = list(convert(REGISTRY_SAMPLE))
    firms = [r["id"] for r in records if r["type"] == "enterprise"]
    # the sample has no sanctions: revoke a few of its enterprises to make it propagate
    return records + [
        event(f"ev:rs{i}", "LICENSE_REVOKED", firm, "2021-06-30")
        for i, firm in enumerate(firms[:8])
    ]


def synthetic_registry(tmp_path: Path) -> list[Record]:
    from creditgraph.synth.generator import generate

    path = tmp_path / "synthetic.jsonl"
    generate(path, size=2_000, seed=11)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


DATASETS = ["credit-scenario", "registry-sample", "synthetic-registry"]


def dataset(name: str, tmp_path: Path) -> list[Record]:
    if name == "credit-scenario":
        return credit_scenario()
    if name == "registry-sample":
        if not REGISTRY_SAMPLE.is_dir():
            pytest.skip(f"{REGISTRY_SAMPLE} is not present")
        return registry_sample()
    return synthetic_registry(tmp_path)
