"""The investigator workbench in a real browser (Playwright driving Debian's Chromium) on
the demo scenario, the way an investigator on an offline network uses it: search 華信,
open the enterprise, read its relationship graph, expand it, turn the date back before
the revocation, find how two people connect, penetrate an ownership chain with a
cross-holding, and download the credit report. Every request that would leave the
server's origin is aborted and counted: the test fails if there is one.

Screenshots of each page are written to docs/screenshots/ (the README shows one).
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from api_support import HUB_SIZE, KEYS, NOMINEE, new_store, nominee_hub, run, serving, state_for

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM = os.environ.get("CREDITGRAPH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
IN_CI = os.environ.get("CI", "").lower() == "true"

HUAXIN = "91310000MA1HX0012Q"  # 上海华信贸易有限公司, licence revoked 2024-03-15
MINGYUAN = "91310115MA1MY0020J"  # 上海明远科技有限公司, where 张伟 became a director
DINGSHENG_SHIYE = "91310115MA1DH0046X"  # held 60% by 鼎盛控股, and holding 10% of it back
ZHANG_WEI = "p:zhang-wei"  # legal representative of 华信: barred from 2024-03-15
PURPOSE = "案件 2026-017 核查"
ZHANG_WEI_NUMBER = "310101197805120138"
# 张伟 as a court's list of dishonest debtors publishes him: traditional characters and a
# masked number compatible with his — the same person, until a steward says so UNCONFIRMED
LISTED_ZHANG = "lp:court-dishonest:zw"
LISTED_RECORDS = [
    {
        "type": "person",
        "id": LISTED_ZHANG,
        "name": "張偉",
        "id_number_masked": ZHANG_WEI_NUMBER[:10] + "****" + ZHANG_WEI_NUMBER[14:],
    },
    {
        "type": "event",
        "id": "ev:court:zw",
        "kind": "DISHONEST_DEBTOR_LISTED",
        "subject": LISTED_ZHANG,
        "date": "2026-01-05",
    },
]

playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:  # one per thread: the browsers share it
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Any) -> Iterator[Any]:
    launched = launch(playwright)
    yield launched
    launched.close()


def launch(p: Any, *args: str) -> Any:
    if not Path(CHROMIUM).exists():
        message = (
            f"Chromium not found at {CHROMIUM} (scripts/test installs it: apt-get install chromium)"
        )
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", *args])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    # the demo scenario, plus a nominee legal representative of 120 shells (a hub)
    store = new_store(tmp_path_factory.mktemp("workbench") / "demo.db", nominee_hub())
    state = state_for(store, keys=KEYS, public=True)
    with serving(state) as url:
        yield url, state
    store.close()


class Offline:
    """Every request to a host other than the loopback server is aborted and remembered."""

    def __init__(self) -> None:
        self.blocked: list[str] = []

    def __call__(self, route: Any) -> None:
        host = urlsplit(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()


@pytest.fixture
def page(browser: Any) -> Iterator[tuple[Any, Offline]]:
    yield from offline_page(browser, "zh-CN")


def offline_page(browser: Any, locale: str) -> Iterator[tuple[Any, Offline]]:
    context = browser.new_context(
        viewport={"width": 1400, "height": 900}, accept_downloads=True, locale=locale
    )
    offline = Offline()
    context.route("**/*", offline)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    yield opened, offline
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Any, url: str, key: str) -> None:
    page.goto(f"{url}/")
    page.fill("#api-key", key)
    page.fill("#purpose", PURPOSE)
    page.click("#start")


def graph_ready(page: Any) -> None:
    page.wait_for_selector("body[data-graph-ready='1']")


def redraw(page: Any) -> None:
    """Forget that a graph was drawn, so graph_ready waits for the next one (a change of the
    URL's hash redraws in the same page, where the flag of the last drawing is still set)."""
    page.evaluate("document.body.dataset.graphReady = ''")


def cy(page: Any, script: str) -> Any:
    return page.evaluate(f"(() => {{ const cy = window.__cy; {script} }})()")


# Parties lying on a link they are not on, in model coordinates: the picture then shows a chain
# that does not exist (张伟-2 → 华信 → 明远 where the link is 张伟-2 → 明远).
ON_A_LINK_NOT_THEIRS = """
  const close = [];
  cy.edges('[rel]').forEach((e) => {
    const a = e.source().position(), b = e.target().position();
    const dx = b.x - a.x, dy = b.y - a.y, len2 = dx * dx + dy * dy;
    cy.nodes('[type]').forEach((n) => {
      if (n.same(e.source()) || n.same(e.target())) return;
      const p = n.position();
      const u = len2 ? Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2)) : 0;
      const d = Math.hypot(a.x + u * dx - p.x, a.y + u * dy - p.y);
      if (d < 20) close.push([e.id(), n.id(), Math.round(d)]);
    });
  });
  return close;
"""


def test_investigator_follows_huaxin_from_search_to_credit_report(
    page: tuple[Any, Offline], server: tuple[str, Any]
) -> None:
    tab, offline = page
    url, state = server
    sign_in(tab, url, KEYS["investigator"])

    # heard on the phone: the pinyin initials of 华信贸易, after the city the name starts with
    tab.fill("#q", "hxmy")
    tab.press("#q", "Enter")
    tab.wait_for_selector("ul.results")
    assert tab.locator("ul.results a.party").all_inner_texts() == ["上海华信贸易有限公司"]
    shot(tab, "search-pinyin")
    tab.goto(f"{url}/#/search")
    tab.wait_for_selector("ul.results", state="detached")

    # search in traditional characters finds the enterprise registered in simplified ones
    tab.fill("#q", "華信")
    tab.press("#q", "Enter")
    tab.wait_for_selector("ul.results")
    assert "上海华信贸易有限公司" in tab.inner_text("ul.results")
    shot(tab, "search")

    tab.click("ul.results a.party")
    tab.wait_for_selector("#party-name")
    assert tab.inner_text("#party-name") == "上海华信贸易有限公司"
    assert "政府采购法 第二十二条" in tab.inner_text("main")
    # a revoked enterprise may not bid: the verdict says why (the registry's status, a fact
    # no restriction below lists)
    assert "已吊销、关闭或注销" in tab.inner_text("#decisions")
    # the authority that revoked the licence by its name, not its id
    events = tab.inner_text("#events")
    assert "上海市市场监督管理局" in events and "g:sh-amr" not in events
    shot(tab, "credit-file")

    # the relationship graph: its legal representative, who is barred, and the board he sits on
    tab.click("header nav a:has-text('关系图谱')")
    graph_ready(tab)
    assert cy(tab, f"return cy.getElementById('{ZHANG_WEI}').nonempty();")
    assert (
        cy(
            tab,
            f'return cy.edges(\'[rel = "LEGAL_REPRESENTATIVE"][source = "{ZHANG_WEI}"]\').length;',
        )
        == 1
    )
    assert (
        cy(
            tab,
            f'return cy.edges(\'[rel = "DIRECTOR"][source = "{ZHANG_WEI}"][target = "{MINGYUAN}"]\').length;',
        )
        == 1
    )
    assert cy(tab, f"return cy.getElementById('{ZHANG_WEI}').hasClass('sanctioned');")
    shot(tab, "graph")

    # clicking 明远 expands it: its own legal representative (the other 张伟) appears
    assert not cy(tab, "return cy.getElementById('p:zhang-wei-2').nonempty();")
    box = tab.locator("#cy").bounding_box()
    x, y = cy(
        tab, f"const p = cy.getElementById('{MINGYUAN}').renderedPosition(); return [p.x, p.y];"
    )
    tab.mouse.click(box["x"] + x, box["y"] + y)
    tab.wait_for_selector("body[data-expanded='1']")
    assert cy(tab, "return cy.getElementById('p:zhang-wei-2').nonempty();")
    # each party one link further out than its neighbour nearest the centre (an id that
    # starts with a digit once put every party 3 links away), none drawn across a link not
    # its own, and the count below the graph is the graph's
    assert cy(tab, f"return cy.getElementById('{ZHANG_WEI}').data('distance');") == 1
    assert cy(tab, f"return cy.getElementById('{MINGYUAN}').data('distance');") == 2
    assert cy(tab, ON_A_LINK_NOT_THEIRS) == []
    shown = cy(tab, "return [cy.nodes('[type]').length, cy.edges('[rel]').length];")
    assert tab.inner_text("#graph-status") == f"主体 {shown[0]} · 关系 {shown[1]}"
    shot(tab, "graph-expanded")

    # as it stood before the revocation: nobody marked, and no directorship yet
    redraw(tab)
    tab.fill("#as-of", "2024-01-01")
    tab.dispatch_event("#as-of", "change")
    tab.wait_for_url("**asOf=2024-01-01**")
    graph_ready(tab)
    assert cy(tab, f"return cy.getElementById('{ZHANG_WEI}').nonempty();")
    assert not cy(tab, f"return cy.getElementById('{ZHANG_WEI}').hasClass('sanctioned');")
    assert not cy(tab, f"return cy.getElementById('{HUAXIN}').hasClass('sanctioned');")
    assert cy(tab, "return cy.edges('[rel = \"DIRECTOR\"]').length;") == 0
    shot(tab, "graph-as-of-2024-01-01")

    # a hand-edited link (depth=abc, 30 February, an unknown link kind) draws the defaults,
    # not the server's refusal of the values
    redraw(tab)
    tab.goto(f"{url}/#/graph/{HUAXIN}?depth=abc&asOf=2023-02-30&rels=NOPE")
    graph_ready(tab)
    assert cy(tab, f"return cy.getElementById('{MINGYUAN}').nonempty();")  # depth 2, all kinds
    assert "出错" not in tab.inner_text("main")

    # 找关系 before asking: nothing drawn, so nothing to export (not an empty file)
    tab.goto(f"{url}/#/paths")
    tab.click("#export-png")
    tab.wait_for_selector(".toast:has-text('没有可导出的内容')")
    tab.wait_for_selector(".toast", state="detached")  # gone by itself, before the next page

    # 找关系: how the barred director and the official are connected, with the links' dates
    tab.goto(f"{url}/#/paths?from={ZHANG_WEI}&to=p:wu-gang&k=3")
    tab.wait_for_selector("body[data-paths-ready='1']")
    paths = tab.inner_text("#path-list")
    assert "张伟" in paths and "吴刚" in paths and "上海明远科技有限公司" in paths
    assert "2025-05-01" in paths  # the day 张伟 joined 明远's board
    shot(tab, "paths")

    # the subsidiary's credit file says which way each holding runs: 60 % held by 鼎盛控股,
    # 10 % of 鼎盛控股 held by it (without the direction, 110 % of its owners)
    tab.goto(f"{url}/#/party/{DINGSHENG_SHIYE}")
    tab.wait_for_selector("#links .tl-label")
    labels = tab.locator("#links .tl-label").all_inner_texts()
    assert "股东 60% ← 上海鼎盛控股有限公司" in labels, labels
    assert "股东 10% → 上海鼎盛控股有限公司" in labels, labels

    # 股权穿透 of a person: said to be for enterprises, not the API's refusal in English
    tab.goto(f"{url}/#/ownership/{ZHANG_WEI}")
    tab.wait_for_selector("#ownership-none")
    assert "股权穿透只适用于企业" in tab.inner_text("#ownership-info")

    # 股权穿透: the holding and its subsidiary hold each other
    tab.goto(f"{url}/#/ownership/{DINGSHENG_SHIYE}")
    tab.wait_for_selector("body[data-ownership-ready='1']")
    assert cy(tab, "return cy.nodes('.cross').length;") >= 1
    assert "上海鼎盛控股有限公司" in tab.inner_text("#cycles")
    owners = tab.inner_text("#ownership-info")
    assert "李强" in owners and "27%" in owners  # 45% of the 60% holder
    assert cy(tab, "return cy.nodes('.beneficial').length;") >= 2
    shot(tab, "ownership")
    # its export names the parties by their ids, not by the chains the tree draws them under
    with tab.expect_download() as download_info:
        tab.click("#export-csv")
    rows = Path(download_info.value.path()).read_bytes().decode("utf-8-sig").splitlines()[1:]
    assert rows and not any(">" in row.split(",")[0] + row.split(",")[3] for row in rows)
    assert any(row.startswith("p:li-qiang,李强,SHAREHOLDER,") for row in rows), rows

    tab.goto(f"{url}/#/risk/{MINGYUAN}")
    tab.wait_for_selector("body[data-risk-ready='1']")
    assert "张伟" in tab.inner_text("#risk")
    assert "公司法" in tab.inner_text("#risk")
    # the suspected related parties side by side, not drawn on top of each other
    overlapping = cy(
        tab,
        """const boxes = cy.nodes().map((n) => n.boundingBox());
        return boxes.some((a, i) => boxes.some((b, j) => i < j && a.x1 < b.x2 && b.x1 < a.x2
          && a.y1 < b.y2 && b.y1 < a.y2));""",
    )
    assert cy(tab, "return cy.nodes().length;") >= 2 and not overlapping
    shot(tab, "risk")

    # the credit report of the barred director, with the legal basis in the PDF's text
    tab.goto(f"{url}/#/party/{ZHANG_WEI}")
    tab.wait_for_selector("#party-name")
    with tab.expect_download() as download_info:
        tab.click("#report")
    pdf = Path(download_info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    # the revocation (2024-03-15) predates 公司法(2023): the bar cites the text then in force
    assert "公司法(2018) 第一百四十六条第一款第四项" in text
    assert PURPOSE in text
    assert "310101197805120138" not in text  # the identity number never in clear

    tab.click("#lang")
    tab.wait_for_selector("header nav a:has-text('Credit file')")
    shot(tab, "credit-file-english")

    state.audit.flush()
    audited = state.store.audit_entries(limit=500)
    assert any(
        e.operation == "creditReport" and ZHANG_WEI in e.ids and e.purpose == PURPOSE
        for e in audited
    )
    assert any(e.operation == "neighborhood" and e.purpose == PURPOSE for e in audited)
    assert offline.blocked == []


def test_graphiql_opens_from_the_package_with_the_demo_examples(
    page: tuple[Any, Offline], server: tuple[str, Any]
) -> None:
    tab, offline = page
    url, _ = server
    tab.goto(f"{url}/graphql")
    tab.wait_for_selector(".graphiql-container")
    tab.wait_for_selector("text=checkAppointment")
    assert "kShortestPaths" in tab.inner_text(".graphiql-editors")
    shot(tab, "graphiql")
    assert offline.blocked == []


def test_steward_finds_a_person_by_identity_number_and_sees_it_masked_only(
    page: tuple[Any, Offline], server: tuple[str, Any]
) -> None:
    tab, offline = page
    url, _ = server
    sign_in(tab, url, KEYS["steward"])
    # by name, the two 张伟 are told apart by their offices (and, for a steward, the number)
    tab.fill("#q", "张伟")
    tab.press("#q", "Enter")
    tab.wait_for_selector("ul.results")
    found = {
        item.locator("a.party").get_attribute("href"): item.inner_text()
        for item in tab.locator("ul.results li").all()
    }
    ours = next(text for href, text in found.items() if href.endswith("/p%3Azhang-wei"))
    theirs = next(text for href, text in found.items() if href.endswith("/p%3Azhang-wei-2"))
    assert "法定代表人 · 上海华信贸易有限公司" in ours and "310************138" in ours
    assert "法定代表人 · 上海明远科技有限公司" in theirs
    tab.goto(f"{url}/#/search")
    tab.wait_for_selector("ul.results", state="detached")

    number = "310101197805120138"  # 张伟 of 华信, not his namesake p:zhang-wei-2
    tab.fill("#q", number)
    tab.press("#q", "Enter")
    tab.wait_for_selector("ul.results")
    assert tab.locator("ul.results li").count() == 1
    assert ZHANG_WEI in tab.inner_text("ul.results")
    tab.click("ul.results a.party")
    tab.wait_for_selector("#party-name")
    shown = tab.inner_text("main")
    assert "身份证号 (脱敏)" in shown and number not in shown
    assert number not in tab.content()
    assert offline.blocked == []


def test_public_role_sees_enterprises_only(
    page: tuple[Any, Offline], server: tuple[str, Any]
) -> None:
    tab, offline = page
    url, _ = server
    sign_in(tab, url, "")  # anonymous: the public role
    tab.fill("#q", "张伟")
    tab.press("#q", "Enter")
    tab.wait_for_selector("#results p, ul.results")
    assert "张伟" not in tab.inner_text("#results")
    tab.goto(f"{url}/#/party/{HUAXIN}")
    tab.wait_for_selector("#party-name")
    assert "张伟" not in tab.inner_text("main")  # its legal representative is a person
    assert "关系图谱" not in tab.inner_text("header nav")
    assert offline.blocked == []


def test_hub_is_capped_with_more_node_filtered_by_link_kind_and_exported(
    page: tuple[Any, Offline], server: tuple[str, Any]
) -> None:
    tab, offline = page
    url, _ = server
    sign_in(tab, url, KEYS["investigator"])
    tab.goto(f"{url}/#/graph/{NOMINEE}?depth=1")
    graph_ready(tab)
    shown = cy(tab, "return cy.nodes('[type = \"ENTERPRISE\"]').length;")
    assert shown == 30
    assert (
        cy(tab, f"return cy.getElementById('more:{NOMINEE}').data('label');")
        == f"+{HUB_SIZE - 30} 更多"
    )
    shot(tab, "graph-hub")
    # a click on "+90 更多" draws the rest of the hub's links
    box = tab.locator("#cy").bounding_box()
    x, y = cy(
        tab, f"const p = cy.getElementById('more:{NOMINEE}').renderedPosition(); return [p.x, p.y];"
    )
    tab.mouse.click(box["x"] + x, box["y"] + y)
    tab.wait_for_selector("body[data-expanded='1']")
    assert cy(tab, "return cy.nodes('[type = \"ENTERPRISE\"]').length;") == HUB_SIZE
    assert cy(tab, f"return cy.getElementById('more:{NOMINEE}').empty();")

    # only holdings: 华信's graph keeps its shareholder and drops the legal representatives
    redraw(tab)
    tab.goto(f"{url}/#/graph/{HUAXIN}?depth=1&rels=SHAREHOLDER")
    graph_ready(tab)
    assert cy(tab, "return cy.edges('[rel = \"LEGAL_REPRESENTATIVE\"]').length;") == 0
    assert cy(tab, "return cy.edges('[rel = \"SHAREHOLDER\"]').length;") == 1
    assert tab.inner_text("#rels-summary") == "股东"  # says what is drawn, not 全部关系
    # unticking every kind asks for one, rather than quietly drawing them all
    tab.click("#rels-summary")
    tab.uncheck("details.rels input[value='SHAREHOLDER']")
    tab.click("#apply-rels")
    tab.wait_for_selector(".toast:has-text('请至少选择一种关系')")
    assert "rels=SHAREHOLDER" in tab.url

    redraw(tab)
    tab.goto(f"{url}/#/graph/{HUAXIN}?depth=2")
    graph_ready(tab)
    exported = {}
    for button in ("export-png", "export-csv", "export-graphml"):
        with tab.expect_download() as download_info:
            tab.click(f"#{button}")
        exported[button] = Path(download_info.value.path()).read_bytes()
    assert exported["export-png"].startswith(b"\x89PNG")
    csv_text = exported["export-csv"].decode("utf-8-sig")
    assert csv_text.splitlines()[0] == "from,from_name,rel,to,to_name,valid_from,valid_to,share"
    assert (
        f"{ZHANG_WEI},张伟,LEGAL_REPRESENTATIVE,{HUAXIN},上海华信贸易有限公司,2020-01-01,,"
        in csv_text
    )
    from xml.etree import ElementTree

    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    graphml = ElementTree.fromstring(exported["export-graphml"])
    ids = {n.get("id") for n in graphml.iterfind(".//g:node", ns)}
    assert {HUAXIN, ZHANG_WEI, MINGYUAN} <= ids
    assert len(graphml.findall(".//g:edge", ns)) == len(csv_text.splitlines()) - 1
    assert offline.blocked == []


def test_credit_file_of_a_hub_pages_its_links_with_load_more(
    page: tuple[Any, Offline], server: tuple[str, Any]
) -> None:
    tab, offline = page
    url, _ = server
    sign_in(tab, url, KEYS["investigator"])
    tab.goto(f"{url}/#/party/{NOMINEE}")
    tab.wait_for_selector("#party-name")
    # the nominee represents 120 shells: the file reads them 50 at a time
    assert tab.locator("#links .tl-row").count() == 50
    assert tab.inner_text("#more-links") == f"加载更多 (已显示 50 / {HUB_SIZE})"
    shot(tab, "credit-file-paged")
    tab.click("#more-links")
    tab.wait_for_function("document.querySelectorAll('#links .tl-row').length === 100")
    tab.click("#more-links")
    tab.wait_for_function(f"document.querySelectorAll('#links .tl-row').length === {HUB_SIZE}")
    assert tab.locator("#more-links").count() == 0  # everything is shown
    names = tab.locator("#links .tl-label a").all_inner_texts()
    assert len(names) == len(set(names)) == HUB_SIZE  # each shell once: the pages do not overlap
    assert offline.blocked == []


REPEAT_OFFENDER = "e:repeat-offender"  # 上海屡罚商贸有限公司: 60 general penalties, one a month


@pytest.fixture
def penalised_server(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    records: list[dict[str, Any]] = [
        {"type": "enterprise", "id": REPEAT_OFFENDER, "name": "上海屡罚商贸有限公司"}
    ]
    for i in range(60):
        records.append(
            {
                "type": "event",
                "id": f"ev:pen-{i:02d}",
                "kind": "ADMINISTRATIVE_PENALTY",
                "subject": REPEAT_OFFENDER,
                "date": f"{2021 + i // 12}-{i % 12 + 1:02d}-15",
                "severity": "general",
            }
        )
    store = new_store(tmp_path / "penalised.db", records)
    state = state_for(store, keys=KEYS)
    with serving(state) as url:
        yield url, state
    store.close()


def test_credit_file_pages_sixty_penalties_and_their_measures_with_load_more(
    page: tuple[Any, Offline], penalised_server: tuple[str, Any]
) -> None:
    tab, offline = page
    url, state = penalised_server
    measures = len(state.store.restrictions(subject=REPEAT_OFFENDER))
    assert measures > 50  # a page and more
    sign_in(tab, url, KEYS["investigator"])
    tab.goto(f"{url}/#/party/{REPEAT_OFFENDER}")
    tab.wait_for_selector("#party-name")
    for kind, total in (("events", 60), ("restrictions", measures)):
        assert tab.locator(f"#{kind} tbody tr").count() == 50
        assert tab.inner_text(f"#more-{kind}") == f"加载更多 (已显示 50 / {total})"
        tab.click(f"#more-{kind}")
        tab.wait_for_function(f"document.querySelectorAll('#{kind} tbody tr').length === {total}")
        assert tab.locator(f"#more-{kind}").count() == 0
    dates = tab.locator("#events tbody tr td:first-child").all_inner_texts()
    assert dates == sorted(dates) and len(set(dates)) == 60  # oldest first, each once
    assert offline.blocked == []


@pytest.fixture
def listed_server(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    store = new_store(tmp_path / "listed.db", LISTED_RECORDS)
    state = state_for(store, keys=KEYS)
    with serving(state) as url:
        yield url, state
    store.close()


def test_steward_judges_a_court_list_entry_the_same_person_from_its_credit_file(
    page: tuple[Any, Offline], listed_server: tuple[str, Any]
) -> None:
    tab, offline = page
    url, state = listed_server
    sign_in(tab, url, KEYS["investigator"])
    tab.goto(f"{url}/#/party/{LISTED_ZHANG}")
    tab.wait_for_selector("#resolution")
    assert "待确认" in tab.inner_text("#resolution")
    assert tab.locator("#resolution .judging").count() == 0  # investigators may not judge

    tab.click("header button:has-text('退出')")
    sign_in(tab, url, KEYS["steward"])
    tab.goto(f"{url}/#/party/{LISTED_ZHANG}")
    tab.wait_for_selector("#resolution .judging")
    row = tab.locator(f"#resolution .judging[data-person='{ZHANG_WEI}']")
    assert row.locator("button").all_inner_texts() == ["是同一人", "不是同一人", "无法确定"]
    # without a reason nothing is recorded: the box asks for one
    row.locator("button[data-verdict='SAME']").click()
    assert row.locator("input.why").evaluate("el => el.validationMessage") == "请填写理由"

    row.locator("input.why").fill("出生日期与户籍地均一致, 经执行法院核实")
    shot(tab, "judge-match")
    row.locator("button[data-verdict='SAME']").click()
    tab.wait_for_selector("#resolution td:has-text('已确认')")
    judged = tab.inner_text("#resolution")
    assert "同一人" in judged and "出生日期与户籍地均一致" in judged
    assert ZHANG_WEI_NUMBER not in tab.content()

    answer = run(
        state,
        f'{{ person(id: "{LISTED_ZHANG}") {{ resolution {{ candidates {{ person certainty verdict }} }} }} }}',
        key=KEYS["steward"],
    )
    assert answer.data["person"]["resolution"]["candidates"] == [
        {"person": ZHANG_WEI, "certainty": "CONFIRMED", "verdict": "SAME"}
    ]
    assert offline.blocked == []


@pytest.fixture(scope="module")
def english_browser(playwright: Any) -> Iterator[Any]:
    launched = launch(playwright, "--lang=en-US")
    yield launched
    launched.close()


def test_days_are_written_year_month_day_in_an_english_browser(
    english_browser: Any, server: tuple[str, Any]
) -> None:
    url, _ = server
    for tab, offline in offline_page(english_browser, "en-US"):
        # the browser really is American: its own date format puts the month first
        assert tab.evaluate("new Date(2024, 0, 31).toLocaleDateString()") == "1/31/2024"
        sign_in(tab, url, KEYS["investigator"])
        tab.goto(f"{url}/#/graph/{HUAXIN}?depth=1&asOf=2024-01-01")
        graph_ready(tab)
        day = tab.locator("#as-of")
        assert day.input_value() == "2024-01-01"
        assert day.get_attribute("placeholder") == "YYYY-MM-DD"
        assert tab.locator("input[type=date]").evaluate_all(
            "els => els.every(el => getComputedStyle(el).opacity === '0')"
        )
        shot(tab, "as-of-en-US")

        # typed the Chinese way, the day is rewritten and the graph redrawn for it
        redraw(tab)
        day.fill("2023年6月1日")
        day.dispatch_event("change")
        tab.wait_for_url("**asOf=2023-06-01**")
        graph_ready(tab)
        assert tab.locator("#as-of").input_value() == "2023-06-01"

        # a day that does not exist is refused where it was typed, the graph stays
        tab.locator("#as-of").fill("2023-02-30")
        tab.locator("#as-of").dispatch_event("change")
        assert "YYYY-MM-DD" in tab.locator("#as-of").evaluate("el => el.validationMessage")
        assert "asOf=2023-06-01" in tab.url

        # the calendar hands its pick over as YYYY-MM-DD
        redraw(tab)
        tab.locator("#as-of ~ input[type=date]").evaluate(
            "el => { el.value = '2022-12-31'; el.dispatchEvent(new Event('change')); }"
        )
        tab.wait_for_url("**asOf=2022-12-31**")
        graph_ready(tab)
        assert tab.locator("#as-of").input_value() == "2022-12-31"
        assert offline.blocked == []


def pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
