"""The credit report (信用报告) of a party as a PDF: basic facts, offices and holdings,
restrictions with their legal basis, events with repairs and objections, the decisions in
force, the relationship picture, and the data version, day and purpose it was made for.

Rendered on the server with WeasyPrint (HTML and CSS to PDF, through Pango), because:
- it needs nothing from the reader's browser (printing to PDF from a browser is not
  something the server can test or make the same for everyone), and the PDF is the same
  whoever downloads it;
- its text is real text (searchable, copyable, checkable in tests), with the CJK font
  subset embedded from the server's fonts (Debian: ``fonts-noto-cjk``), so it reads
  offline;
- it is a pip dependency; the system libraries it loads (Pango) are in every Debian
  desktop or server image that has fonts (``libpango-1.0-0``).

Everything is read through the service layer and the store interface; the persons the
report shows are written to the audit log by the caller (``shown_persons``).
"""

from __future__ import annotations

import datetime as dt
import html
import math
from dataclasses import dataclass

from creditgraph.domain.model import Event, Link, Node, Restriction
from creditgraph.schema import GraphSchema
from creditgraph.service import investigation as inv
from creditgraph.service.decisions import Decision, Decisions
from creditgraph.service.errors import UnknownId
from creditgraph.store.base import GraphStore

PERSON, ENTERPRISE = "person", "enterprise"
PICTURE_LIMIT = 24  # parties drawn around the subject: beyond that a picture stops informing


NODE_TYPES = {ENTERPRISE: "企业", PERSON: "自然人", "agency": "机关"}
WORDS = {
    "active": "存续",
    "revoked": "吊销",
    "closed": "关闭",
    "cancelled": "注销",
    "bankrupt": "破产",
    "company": "公司",
    "soe": "国有企业",
    "public_institution": "事业单位",
    "social_organization": "社会组织",
    "individual_business": "个体工商户",
    "other": "其他",
}


# the report is read in Chinese: the verdicts and certainties in words, as the workbench shows them
VERDICTS = {"ALLOW": "允许", "REVIEW": "需审查", "DENY": "禁止"}
CERTAINTIES = {"CONFIRMED": "已确认", "UNCONFIRMED": "待确认"}


class RendererUnavailable(RuntimeError):
    """WeasyPrint or the system libraries it loads are missing."""


@dataclass(frozen=True)
class CreditReport:
    node: Node
    on: dt.date
    data_version: str
    purpose: str | None
    principal: str
    links: tuple[Link, ...]
    names: dict[str, Node]
    restrictions: tuple[Restriction, ...]
    events: tuple[Event, ...]
    decisions: tuple[tuple[str, Decision], ...]
    picture: inv.Subgraph
    sanctioned: frozenset[str]  # parties of the picture under a measure in force that day

    @property
    def shown_persons(self) -> set[str]:
        return {i for i, n in self.names.items() if n.type == PERSON}


def gather(
    store: GraphStore,
    node_id: str,
    *,
    on: dt.date,
    sees_persons: bool,
    purpose: str | None,
    principal: str,
) -> CreditReport:
    """What the report shows, read for a caller who may or may not see persons: a public
    caller gets enterprises only, and no restriction whose path runs through a person."""
    node = store.node(node_id)
    if node is None or (node.type == PERSON and not sees_persons):
        raise UnknownId(f"unknown id {node_id!r}")
    links = [
        link
        for link in store.links([node_id])
        if link.rel not in ("SUPERVISES", "SUPERIOR_OF") or node.type != ENTERPRISE
    ]
    picture = inv.neighborhood(store, node_id, depth=1, as_of=on, per_node_limit=PICTURE_LIMIT)
    ids = {node_id} | {end for link in links for end in (link.src, link.dst)} | set(picture.nodes)
    restrictions = store.restrictions(subject=node_id)
    ids |= {s.node for r in restrictions for s in r.path if s.node is not None}
    events = store.events(subject=node_id)
    ids |= {str(e.props["authority"]) for e in events if e.props.get("authority")}
    names = store.nodes(ids)
    if not sees_persons:
        names = {i: n for i, n in names.items() if n.type != PERSON}
        links = [link for link in links if link.src in names and link.dst in names]
        restrictions = [
            r for r in restrictions if all(s.node in names for s in r.path if s.node is not None)
        ]
        picture = _without_persons(picture, names)
    in_force = store.restrictions(subjects=sorted(picture.nodes), active_on=on)
    sanctioned = frozenset(r.subject for r in in_force if r.subject in picture.nodes)
    decisions = Decisions(store)
    checks: list[tuple[str, Decision]] = []
    if node.type == PERSON:
        for role, label in store.schema.roles.items():
            checks.append((label, decisions.check_appointment(node_id, role, on=on)))
    for activity, label in store.schema.activities.items():
        checks.append((label, decisions.check_eligibility(node_id, activity, on=on)))
    return CreditReport(
        node=node,
        on=on,
        data_version=store.data_version(),
        purpose=purpose,
        principal=principal,
        links=tuple(sorted(links, key=lambda k: (k.valid_from or dt.date.min, k.rel))),
        names=names,
        restrictions=tuple(sorted(restrictions, key=lambda r: (r.start, r.measure))),
        events=tuple(events),
        decisions=tuple(checks),
        picture=picture,
        sanctioned=sanctioned,
    )


def _without_persons(picture: inv.Subgraph, names: dict[str, Node]) -> inv.Subgraph:
    return inv.Subgraph(
        root=picture.root,
        depth=picture.depth,
        as_of=picture.as_of,
        nodes={i: n for i, n in picture.nodes.items() if i in names},
        distance={i: d for i, d in picture.distance.items() if i in names},
        links=[k for k in picture.links if k.src in names and k.dst in names],
        truncated=[],
    )


# --- HTML ---------------------------------------------------------------------------------------

CSS = """
@page { size: A4; margin: 18mm 16mm 18mm 16mm;
  @bottom-center { content: "信用报告 · 第 " counter(page) " 页 / 共 " counter(pages) " 页"; font-size: 8pt; color: #666; } }
body { font-family: "Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Micro Hei", sans-serif; font-size: 9.5pt; color: #111; }
h1 { font-size: 17pt; margin: 0 0 2mm; } h2 { font-size: 11.5pt; border-bottom: 1px solid #999; margin: 6mm 0 2mm; padding-bottom: 1mm; break-after: avoid; }
table { width: 100%; border-collapse: collapse; } tr { page-break-inside: avoid; } th, td { border: 0.5pt solid #bbb; padding: 1.2mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #f0f0f0; font-weight: bold; } .meta td { border: none; padding: 0.6mm 1mm; } .muted { color: #666; }
.DENY { color: #b00; font-weight: bold; } .REVIEW { color: #a60; font-weight: bold; } .ALLOW { color: #060; }
svg text { font-family: "Noto Sans CJK SC", sans-serif; }
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _day(value: dt.date | None, open_text: str = "") -> str:
    return value.isoformat() if value else open_text


def _name(report: CreditReport, node_id: str | None) -> str:
    if node_id is None:
        return ""
    node = report.names.get(node_id)
    return node.name if node else node_id


def _path(report: CreditReport, restriction: Restriction, schema: GraphSchema) -> str:
    parts = []
    for step in restriction.path:
        if step.node is not None:
            parts.append(_e(_name(report, step.node)))
        elif step.rel is not None:
            label = (
                schema.links[step.rel].description.split(";")[0]
                if step.rel in schema.links
                else step.rel
            )
            parts.append(f"—{_e(label)}→")
    return " ".join(parts)


def render_html(report: CreditReport, schema: GraphSchema) -> str:
    node = report.node
    facts = [("名称", node.name), ("标识", node.id), ("类型", NODE_TYPES.get(node.type, node.type))]
    for key, label in (("status", "登记状态"), ("kind", "企业类型"), ("established", "成立日期")):
        if node.props.get(key):
            value = str(node.props[key])
            facts.append((label, WORDS.get(value, value)))
    meta = [
        ("报告日期 (as of)", report.on.isoformat()),
        ("数据版本", report.data_version),
        ("查询目的", report.purpose or "(未说明)"),
        ("查询人", report.principal),
    ]
    out = [
        "<html><head><meta charset='utf-8'><style>",
        CSS,
        "</style></head><body>",
        f"<h1>信用报告 · {_e(node.name)}</h1>",
        "<table class='meta'>",
        *(f"<tr><td class='muted'>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in meta),
        "</table>",
        "<h2>一、基本信息</h2><table>",
        *(f"<tr><th style='width:28%'>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in facts),
        "</table>",
        "<h2>二、当前结论</h2><table><tr><th>职务 / 活动</th><th>结论</th><th>至</th><th>依据</th></tr>",
    ]
    for label, decision in report.decisions:
        verdict = decision.decision.value
        bases = "; ".join(dict.fromkeys(r.restriction.legal_basis for r in decision.reasons))
        out.append(
            f"<tr><td>{_e(label)}</td><td class='{verdict}'>{VERDICTS.get(verdict, verdict)}</td>"
            f"<td>{_day(decision.until)}</td><td>{_e(bases)}</td></tr>"
        )
    out.append("</table>")
    out.append("<h2>三、任职与持股</h2>")
    if report.links:
        out.append("<table><tr><th>关系</th><th>对方</th><th>起</th><th>止</th><th>比例</th></tr>")
        for link in report.links:
            other = link.other(node.id)
            label = (
                schema.links[link.rel].description.split(";")[0]
                if link.rel in schema.links
                else link.rel
            )
            share = f"{link.share * 100:.2f}%" if link.share is not None else ""
            arrow = "→" if link.src == node.id else "←"
            out.append(
                f"<tr><td>{arrow} {_e(label)}</td><td>{_e(_name(report, other))}</td>"
                f"<td>{_day(link.valid_from, '不详')}</td><td>{_day(link.valid_to, '至今')}</td>"
                f"<td>{share}</td></tr>"
            )
        out.append("</table>")
    else:
        out.append("<p class='muted'>无</p>")
    out.append("<h2>四、惩戒与限制措施</h2>")
    if report.restrictions:
        out.append(
            "<table><tr><th>措施</th><th>状态</th><th>期间</th><th>规则</th><th>法律依据</th>"
            "<th>确定性</th><th>传导路径</th></tr>"
        )
        for r in report.restrictions:
            measure = (
                schema.measures[r.measure].description
                if r.measure in schema.measures
                else r.measure
            )
            status = {"ACTIVE": "在效", "ENDED": "已结束", "VOID": "已撤销"}.get(
                r.status_on(report.on).value, r.status_on(report.on).value
            )
            out.append(
                f"<tr><td style='width:13%'>{_e(measure)}</td><td style='width:7%'>{status}</td>"
                f"<td>{_day(r.start)} – {_day(r.until, '解除前')}</td><td>{_e(r.rule)}</td>"
                f"<td>{_e(r.legal_basis)}</td><td>{CERTAINTIES.get(r.certainty.value, r.certainty.value)}</td>"
                f"<td>{_path(report, r, schema)}</td></tr>"
            )
        out.append("</table>")
    else:
        out.append("<p class='muted'>无</p>")
    out.append("<h2>五、信用事件、修复与异议</h2>")
    if report.events:
        out.append(
            "<table><tr><th>日期</th><th>事件</th><th>文书号</th><th>决定机关</th><th>说明</th></tr>"
        )
        for event in report.events:
            label = (
                schema.events[event.kind].description if event.kind in schema.events else event.kind
            )
            lifts = event.props.get("lifts")
            note = event.props.get("note") or ""
            if lifts:
                note = f"撤销/修复 {lifts} {note}".strip()
            out.append(
                f"<tr><td>{event.date.isoformat()}</td><td>{_e(label)}</td>"
                f"<td>{_e(event.props.get('document'))}</td>"
                f"<td>{_e(_name(report, event.props.get('authority')))}</td><td>{_e(note)}</td></tr>"
            )
        out.append("</table>")
    else:
        out.append("<p class='muted'>无</p>")
    out.append(f"<h2>六、关系图谱 (截至 {report.on.isoformat()}, 一度关系)</h2>")
    out.append(_picture_svg(report, schema))
    out.append(
        "<p class='muted'>本报告由 creditgraph 根据所载数据版本生成; 措施的期间、依据与传导路径"
        "以报告日期为准。</p></body></html>"
    )
    return "".join(out)


def _picture_svg(report: CreditReport, schema: GraphSchema) -> str:
    """A radial drawing of the subject and the parties linked to it that day."""
    picture = report.picture
    others = [i for i in picture.nodes if i != picture.root][:PICTURE_LIMIT]
    width, height, radius = 520, 380, 150
    cx, cy = width / 2, height / 2
    position = {picture.root: (cx, cy)}
    for index, node_id in enumerate(others):
        angle = 2 * math.pi * index / max(1, len(others)) - math.pi / 2
        position[node_id] = (cx + radius * math.cos(angle), cy + radius * 0.8 * math.sin(angle))
    sanctioned = report.sanctioned
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' viewBox='0 0 {width} {height}'>"
    ]
    between: dict[tuple[str, str], list[str]] = {}  # one line per pair, its links' names together
    for link in picture.links:
        if link.src in position and link.dst in position:
            label = schema.links[link.rel].description if link.rel in schema.links else link.rel
            pair = (min(link.src, link.dst), max(link.src, link.dst))
            between.setdefault(pair, []).append(label.split(";")[0].split("/")[0].split(" ")[0])
    for (a, b), labels in between.items():
        (x1, y1), (x2, y2) = position[a], position[b]
        parts.append(
            f"<line x1='{x1:.1f}' y1='{y1:.1f}' x2='{x2:.1f}' y2='{y2:.1f}' stroke='#999' "
            "stroke-width='1'/>"
        )
        parts.append(
            f"<text x='{(x1 + x2) / 2 + 4:.1f}' y='{(y1 + y2) / 2:.1f}' font-size='8' fill='#555'>"
            f"{_e(' / '.join(dict.fromkeys(labels)))}</text>"
        )
    colours = {PERSON: "#f59e0b", ENTERPRISE: "#2563eb"}
    for node_id, (x, y) in position.items():
        node = picture.nodes[node_id]
        stroke = "#dc2626" if node_id in sanctioned else "#fff"
        size = 11 if node_id == picture.root else 8
        parts.append(
            f"<circle cx='{x:.1f}' cy='{y:.1f}' r='{size}' fill='{colours.get(node.type, '#64748b')}' "
            f"stroke='{stroke}' stroke-width='3'/>"
        )
        mark = "⚠ " if node_id in sanctioned else ""
        parts.append(
            f"<text x='{x:.1f}' y='{y + size + 10:.1f}' font-size='9' text-anchor='middle'>"
            f"{_e(mark + node.name)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def render_pdf(report: CreditReport, schema: GraphSchema) -> bytes:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: Pango is not installed
        raise RendererUnavailable(
            "the PDF renderer is not available: install WeasyPrint and Pango "
            f"(Debian: apt-get install libpango-1.0-0 fonts-noto-cjk): {exc}"
        ) from exc
    pdf = HTML(string=render_html(report, schema)).write_pdf()
    assert pdf is not None
    return bytes(pdf)
