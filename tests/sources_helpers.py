"""Published files as officers receive them: CSV in GBK or UTF-8 (with BOM), XLSX."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

from click.testing import Result

COURT = [
    "被执行人姓名/名称",
    "身份证号码/组织机构代码",
    "性别",
    "年龄",
    "法定代表人或者负责人姓名",
    "执行法院",
    "省份",
    "案号",
    "立案时间",
    "发布时间",
    "执行依据文号",
    "做出执行依据单位",
    "生效法律文书确定的义务",
    "被执行人的履行情况",
    "失信被执行人行为具体情形",
]
RESTRICTION = [
    "被限制人姓名/名称",
    "身份证号码/统一社会信用代码",
    "关联企业名称",
    "关联企业统一社会信用代码",
    "执行法院",
    "案号",
    "立案时间",
    "发布时间",
]
PENALTY = [
    "行政相对人名称",
    "行政相对人类别",
    "统一社会信用代码",
    "法定代表人",
    "法定代表人证件类型",
    "法定代表人证件号码",
    "行政处罚决定书文号",
    "违法行为类型",
    "违法事实",
    "处罚依据",
    "处罚类别",
    "处罚内容",
    "罚款金额(万元)",
    "处罚决定日期",
    "处罚有效期",
    "公示截止期",
    "处罚机关",
    "处罚机关统一社会信用代码",
    "数据来源单位",
]
GSXT = [
    "企业名称",
    "统一社会信用代码",
    "名录类别",
    "列入原因",
    "列入日期",
    "列入决定书文号",
    "列入作出决定机关",
    "移出原因",
    "移出日期",
    "移出决定书文号",
    "移出作出决定机关",
]
REGISTRY = [
    "企业名称",
    "统一社会信用代码",
    "登记状态",
    "企业类型",
    "成立日期",
    "姓名",
    "身份证号码",
    "职务",
    "任职起始日期",
    "任职终止日期",
    "认缴出资比例",
]


def row(header: Sequence[str], **cells: str) -> list[str]:
    """A row in the header's order from column → value (others empty)."""
    unknown = set(cells) - set(header)
    assert not unknown, f"not in the header: {unknown}"
    return [cells.get(column, "") for column in header]


def write_csv(
    path: Path, header: Sequence[str], rows: Sequence[Sequence[str]], encoding: str = "utf-8"
) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(header))
    for cells in rows:
        sheet.append([c if c != "" else None for c in cells])
    book.save(path)
    return path


def mask(number: str, visible: Sequence[tuple[int, int]]) -> str:
    """The number with only the 1-based inclusive position ranges ``visible`` shown."""
    shown = {i for start, end in visible for i in range(start, end + 1)}
    return "".join(c if i + 1 in shown else "*" for i, c in enumerate(number))


FIRST10_LAST4 = ((1, 10), (15, 18))

_ERROR = re.compile(r"^(?P<file>.+?):(?P<row>\d+): (?P<column>[^:]+): (?P<reason>.+)$")


def row_errors(result: Result) -> list[tuple[str, int, str, str]]:
    """(file name, row, column, reason) of every error line the load printed."""
    found = []
    for line in result.stderr.splitlines():
        match = _ERROR.match(line)
        if match and not line.startswith("creditgraph:"):
            found.append(
                (
                    Path(match["file"]).name,
                    int(match["row"]),
                    match["column"],
                    match["reason"],
                )
            )
    return found
