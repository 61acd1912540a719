"""Published sources for a synthetic registry, with the truth of every row.

``write_sources(registry, directory, seed)`` reads a registry written by
:func:`creditgraph.synth.generator.generate` and writes, beside a ``truth.csv``, the files a
credit officer would receive about it — each in the columns and the encoding its publisher
uses (CONTRACT.md, "Published sources"):

- ``court-dishonest.csv`` (GBK, as GB18030): persons of the registry under every masking pattern of
  ``graph_schema/identity.yaml`` (and, as a shared feed would, some with the full number),
  same-name **strangers** — same name, same county and birth year as a registry person where
  the pattern shows them, a number no registry person of that name is compatible with — and
  enterprise debtors with their legal representative's name;
- ``consumption-restriction.csv`` (UTF-8 with BOM): legal representatives of registry
  enterprises, restricted with the enterprise named as the related one;
- ``penalty.xlsx``: 双公示 penalties on registry enterprises, with fines and publication ends;
- ``gsxt-lists.csv`` (UTF-8): abnormal-operation and serious-violation listings, some removed;
- ``registry.csv`` (GB18030): a registry extract of some enterprises and their officers.

``truth.csv`` names, for every row of every file, the pattern its number was shown in and
the true party: a registry person id, ``stranger``, or an enterprise id. The same seed and
registry give the same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from creditgraph.domain.identifiers import resident_id_check_character
from creditgraph.identity.masks import HIDDEN, compatible, identity_rules
from creditgraph.synth.regions import CITIES, PROVINCES

FULL = "full"  # a shared (not published) feed: the whole number
STRANGER = "stranger"
TRUTH_HEADER = ["source", "file", "row", "party", "pattern", "truth"]
_LISTED_FROM = dt.date(2016, 1, 1).toordinal()
_LISTED_TO = dt.date(2026, 9, 30).toordinal()


@dataclass
class SourcesSummary:
    directory: str
    rows: dict[str, int] = field(default_factory=dict)  # file → data rows
    patterns: dict[str, int] = field(default_factory=dict)  # pattern → person rows
    strangers: int = 0


@dataclass
class _Registry:
    numbered: list[tuple[str, str, str]] = field(default_factory=list)  # (id, name, number)
    by_name: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # numbers
    numbers: set[str] = field(default_factory=set)
    enterprises: list[tuple[str, str]] = field(default_factory=list)  # (id, name), coded only
    names: dict[str, str] = field(default_factory=dict)  # node id → name
    legal_rep: dict[str, str] = field(default_factory=dict)  # enterprise → current person
    officers: dict[str, list[tuple[str, str, str | None]]] = field(
        default_factory=lambda: defaultdict(list)
    )  # enterprise → (person, rel, valid_from)
    person_number: dict[str, str] = field(default_factory=dict)


def read_registry(path: Path) -> _Registry:
    registry = _Registry()
    with path.open("rb") as handle:
        for line in handle:
            record = orjson.loads(line)
            kind = record["type"]
            if kind == "person":
                registry.names[record["id"]] = record["name"]
                number = record.get("id_number")
                if number:
                    registry.numbered.append((record["id"], record["name"], number))
                    registry.by_name[record["name"]].append(number)
                    registry.numbers.add(number)
                    registry.person_number[record["id"]] = number
            elif kind == "enterprise":
                registry.names[record["id"]] = record["name"]
                if ":" not in record["id"]:
                    registry.enterprises.append((record["id"], record["name"]))
            elif kind == "link" and record["rel"] in _REGISTRY_OFFICES:
                if record["from"].startswith("p:"):
                    registry.officers[record["to"]].append(
                        (record["from"], record["rel"], record.get("valid_from"))
                    )
                if record["rel"] == "LEGAL_REPRESENTATIVE" and record.get("valid_to") is None:
                    registry.legal_rep[record["to"]] = record["from"]
    return registry


_REGISTRY_OFFICES = {
    "LEGAL_REPRESENTATIVE": "法定代表人",
    "DIRECTOR": "董事",
    "SUPERVISOR": "监事",
    "MANAGER": "经理",
}


def write_sources(
    registry_path: str | Path, directory: str | Path, seed: int = 0, rows: int | None = None
) -> SourcesSummary:
    """Write the published files and ``truth.csv`` for the registry; ``rows`` person rows
    per list (default: one for every ten numbered persons, at least 60)."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    registry = read_registry(Path(registry_path))
    if not registry.numbered or not registry.enterprises:
        raise ValueError(f"{registry_path}: no numbered persons or coded enterprises to list")
    writer = _Writer(registry, out, seed, rows or max(60, len(registry.numbered) // 10))
    return writer.run()


class _Writer:
    def __init__(self, registry: _Registry, out: Path, seed: int, rows: int) -> None:
        self.registry = registry
        self.out = out
        self.rows = rows
        self.rng = random.Random(f"creditgraph-synth:{seed}:sources")
        self.patterns = [p.name for p in identity_rules().patterns]
        self.visible = {p.name: p.visible for p in identity_rules().patterns}
        self.truth: list[list[Any]] = []
        self.summary = SourcesSummary(str(out))
        self.case = 0
        self.cities = {c.code: c.name for c in CITIES}
        self.provinces = {p.prefix: p for p in PROVINCES}
        self.s2t = _traditional()

    def run(self) -> SourcesSummary:
        self._court()
        self._restriction()
        self._penalty()
        self._gsxt()
        self._registry_extract()
        truth = io.StringIO()
        csv.writer(truth, lineterminator="\n").writerows([TRUTH_HEADER, *self.truth])
        (self.out / "truth.csv").write_text(truth.getvalue(), encoding="utf-8")
        return self.summary

    # people on lists ----------------------------------------------------------------------
    def _pattern(self, index: int, with_full: bool) -> str:
        choices = [*self.patterns, FULL] if with_full else self.patterns
        return choices[index % len(choices)]

    def _shown(self, number: str, pattern: str) -> str:
        if pattern == FULL:
            return number
        visible = self.visible[pattern]
        return "".join(c if i in visible else HIDDEN for i, c in enumerate(number))

    def _stranger(self, number: str, name: str, pattern: str) -> str | None:
        """A number of someone else: the same county and birth year, a different birthday
        and sequence — compatible with no registry person of the same name."""
        rng = self.rng
        same_name = self.registry.by_name.get(name, [])
        for _ in range(50):
            birth = dt.date(int(number[6:10]), rng.randint(1, 12), rng.randint(1, 28))
            first17 = f"{number[:6]}{birth:%Y%m%d}{rng.randrange(1000):03d}"
            other = first17 + resident_id_check_character(first17)
            shown = self._shown(other, pattern)
            if other in self.registry.numbers:
                continue
            if any(compatible(n, shown) for n in same_name):
                continue
            return other
        return None

    def _person_rows(
        self, count: int, with_full: bool, strangers: bool
    ) -> list[tuple[str, str, str, str, str, int]]:
        """(truth, name as listed, number as shown, pattern, number, listing ordinal)."""
        rng = self.rng
        picked = rng.sample(self.registry.numbered, min(count, len(self.registry.numbered)))
        rows = []
        for i, (person_id, name, number) in enumerate(picked):
            pattern = self._pattern(i, with_full)
            listed = rng.randint(_LISTED_FROM, _LISTED_TO)
            shown_name = self.s2t(name) if self.s2t and rng.random() < 0.1 else name
            rows.append(
                (person_id, shown_name, self._shown(number, pattern), pattern, number, listed)
            )
            if strangers and i % 3 == 0 and pattern != FULL:
                other = self._stranger(number, name, pattern)
                if other is not None:
                    shown = self._shown(other, pattern)
                    rows.append((STRANGER, name, shown, pattern, other, listed))
                    self.summary.strangers += 1
        for row in rows:
            self.summary.patterns[row[3]] = self.summary.patterns.get(row[3], 0) + 1
        return rows

    def _age(self, number: str, listed: dt.date) -> int:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        return listed.year - birth.year - ((listed.month, listed.day) < (birth.month, birth.day))

    def _court_name(self, number_or_code: str, high: bool = False) -> str:
        province = self.provinces.get(number_or_code[:2])
        city = self.cities.get(number_or_code[:4])
        if city and not high:
            return f"{city}中级人民法院"
        return f"{province.name if province else ''}高级人民法院"

    def _case(self, area: str, year: int, kind: str = "执") -> str:
        self.case += 1
        province = self.provinces.get(area[:2])
        abbr = province.abbr if province else "京"
        return f"（{year}）{abbr}{area[2:4]}{kind}{self.case}号"

    # files -----------------------------------------------------------------------------------
    def _court(self) -> None:
        header = [
            "被执行人姓名/名称", "身份证号码/组织机构代码", "性别", "年龄", "法定代表人或者负责人姓名",
            "执行法院", "省份", "案号", "立案时间", "发布时间", "执行依据文号", "做出执行依据单位",
            "生效法律文书确定的义务", "被执行人的履行情况", "失信被执行人行为具体情形",
        ]  # fmt: skip
        rows: list[list[Any]] = []
        for truth, name, shown, pattern, number, listed in self._person_rows(
            self.rows, with_full=True, strangers=True
        ):
            day = dt.date.fromordinal(listed)
            filed = dt.date.fromordinal(listed - self.rng.randint(30, 400))
            province = self.provinces.get(number[:2])
            rows.append(
                [name, shown, _sex(number), str(self._age(number, day)), "",
                 self._court_name(number), province.name.rstrip("省市") if province else "",
                 self._case(number[:6], filed.year), f"{filed.year}/{filed.month}/{filed.day}",
                 f"{day.year}年{day.month}月{day.day}日", "", "", "支付货款及利息",
                 "全部未履行", "有履行能力而拒不履行生效法律文书确定义务"]
            )  # fmt: skip
            self.truth.append(["court-dishonest", "court-dishonest.csv", len(rows) + 1, "person",
                               pattern, truth])  # fmt: skip
        for code, name in self.rng.sample(
            self.registry.enterprises, min(self.rows // 4, len(self.registry.enterprises))
        ):
            rep = self.registry.legal_rep.get(code)
            day = dt.date.fromordinal(self.rng.randint(_LISTED_FROM, _LISTED_TO))
            rows.append(
                [name, code, "", "", self.registry.names.get(rep, "") if rep else "",
                 self._court_name(code[2:8], high=True), "", self._case(code[2:8], day.year),
                 day.isoformat(), day.isoformat(), "", "", "", "部分未履行", "违反财产报告制度"]
            )  # fmt: skip
            self.truth.append(["court-dishonest", "court-dishonest.csv", len(rows) + 1,
                               "enterprise", "uscc", code])  # fmt: skip
        # GB18030 writes every GBK character as GBK does, and a rare name GBK lacks too
        self._csv("court-dishonest.csv", header, rows, "gb18030")

    def _restriction(self) -> None:
        header = ["被限制人姓名/名称", "身份证号码/统一社会信用代码", "关联企业名称",
                  "关联企业统一社会信用代码", "执行法院", "案号", "立案时间", "发布时间"]  # fmt: skip
        reps = [(e, p) for e, p in self.registry.legal_rep.items() if ":" not in e]
        reps = [(e, p) for e, p in reps if p in self.registry.person_number]
        reps.sort()
        rows: list[list[Any]] = []
        for i, (code, person) in enumerate(self.rng.sample(reps, min(self.rows // 2, len(reps)))):
            number = self.registry.person_number[person]
            pattern = self.patterns[i % len(self.patterns)]
            day = dt.date.fromordinal(self.rng.randint(_LISTED_FROM, _LISTED_TO))
            rows.append(
                [self.registry.names[person], self._shown(number, pattern),
                 self.registry.names[code], code, self._court_name(code[2:8]),
                 self._case(code[2:8], day.year), day.isoformat(), day.isoformat()]
            )  # fmt: skip
            self.summary.patterns[pattern] = self.summary.patterns.get(pattern, 0) + 1
            self.truth.append(["consumption-restriction", "consumption-restriction.csv",
                               len(rows) + 1, "person", pattern, person])  # fmt: skip
        self._csv("consumption-restriction.csv", header, rows, "utf-8-sig")

    def _penalty(self) -> None:
        from openpyxl import Workbook

        header = ["行政相对人名称", "行政相对人类别", "统一社会信用代码", "法定代表人", "法定代表人证件类型",
                  "法定代表人证件号码", "行政处罚决定书文号", "违法行为类型", "违法事实", "处罚依据",
                  "处罚类别", "处罚内容", "罚款金额(万元)", "处罚决定日期", "处罚有效期", "公示截止期",
                  "处罚机关", "处罚机关统一社会信用代码", "数据来源单位"]  # fmt: skip
        categories = ["警告", "罚款", "罚款;没收违法所得", "责令停产停业", "吊销营业执照"]
        book = Workbook(write_only=True)
        sheet = book.create_sheet("行政处罚")
        sheet.append(header)
        picked = self.rng.sample(
            self.registry.enterprises, min(self.rows // 2, len(self.registry.enterprises))
        )
        for count, (code, name) in enumerate(picked, start=2):
            rep = self.registry.legal_rep.get(code)
            day = dt.date.fromordinal(self.rng.randint(_LISTED_FROM, _LISTED_TO))
            category = categories[self.rng.randrange(len(categories))]
            fine = round(self.rng.uniform(0.5, 50), 2) if "罚款" in category else None
            until = dt.date.fromordinal(day.toordinal() + 365)
            authority = f"{self.cities.get(code[2:6], '')}市场监督管理局"
            sheet.append(
                [name, "法人及非法人组织", code, self.registry.names.get(rep, "") if rep else "",
                 "身份证", "", f"{authority[:2]}市监处〔{day.year}〕{count}号", "违反广告管理",
                 "发布虚假广告", "《中华人民共和国广告法》第五十五条", category, category, fine,
                 dt.datetime(day.year, day.month, day.day), "", until.isoformat(), authority, "",
                 authority]
            )  # fmt: skip
            self.truth.append(["penalty", "penalty.xlsx", count, "enterprise", "uscc", code])
        book.save(self.out / "penalty.xlsx")
        self.summary.rows["penalty.xlsx"] = len(picked)

    def _gsxt(self) -> None:
        header = ["企业名称", "统一社会信用代码", "名录类别", "列入原因", "列入日期", "列入决定书文号",
                  "列入作出决定机关", "移出原因", "移出日期", "移出决定书文号", "移出作出决定机关"]  # fmt: skip
        rows: list[list[Any]] = []
        picked = self.rng.sample(
            self.registry.enterprises, min(self.rows // 2, len(self.registry.enterprises))
        )
        for code, name in picked:
            serious = self.rng.random() < 0.2
            day = dt.date.fromordinal(self.rng.randint(_LISTED_FROM, _LISTED_TO - 400))
            authority = f"{self.cities.get(code[2:6], '')}市场监督管理局"
            removed = self.rng.random() < 0.3
            out = dt.date.fromordinal(day.toordinal() + self.rng.randint(30, 365))
            rows.append(
                [name, code, "严重违法失信名单" if serious else "经营异常名录",
                 "未按规定报送年度报告", f"{day.year}/{day.month}/{day.day}",
                 self._case(code[2:8], day.year, "市监异"), authority,
                 "补报年度报告" if removed else "", out.isoformat() if removed else "",
                 self._case(code[2:8], out.year, "市监移") if removed else "",
                 authority if removed else ""]
            )  # fmt: skip
            self.truth.append(["gsxt-lists", "gsxt-lists.csv", len(rows) + 1, "enterprise",
                               "uscc", code])  # fmt: skip
        self._csv("gsxt-lists.csv", header, rows, "utf-8")

    def _registry_extract(self) -> None:
        header = ["企业名称", "统一社会信用代码", "登记状态", "企业类型", "成立日期", "姓名", "身份证号码",
                  "职务", "任职起始日期", "任职终止日期", "认缴出资比例"]  # fmt: skip
        rows: list[list[Any]] = []
        coded = [e for e in self.registry.enterprises if self.registry.officers.get(e[0])]
        for code, name in self.rng.sample(coded, min(self.rows // 4, len(coded))):
            for person, rel, since in sorted(self.registry.officers[code]):
                rows.append(
                    [name, code, "存续", "有限责任公司", "", self.registry.names[person],
                     self.registry.person_number.get(person, ""), _REGISTRY_OFFICES[rel],
                     since or "", "", ""]
                )  # fmt: skip
                self.truth.append(["registry", "registry.csv", len(rows) + 1, "person",
                                   FULL if person in self.registry.person_number else "none",
                                   person])  # fmt: skip
        self._csv("registry.csv", header, rows, "gb18030")

    def _csv(self, name: str, header: Sequence[str], rows: list[list[Any]], encoding: str) -> None:
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
        (self.out / name).write_bytes(text.getvalue().encode(encoding))
        self.summary.rows[name] = len(rows)


def _sex(number: str) -> str:
    return "男" if int(number[16]) % 2 else "女"


def _traditional() -> Any:
    """Simplified → traditional, so that some lists spell a name as Hong Kong or Taiwan would."""
    try:
        import opencc

        return opencc.OpenCC("s2t").convert
    except Exception:  # pragma: no cover - opencc is a dependency; a build without s2t data
        return None
