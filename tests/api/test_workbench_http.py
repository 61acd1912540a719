"""The workbench over HTTP without a browser: pages and assets come from the package and
name no other origin, GraphiQL opens with the demo examples, the graph-analysis fields
answer on the demo scenario with the caller's rights, and the credit report PDF carries the
legal basis, respects the role and is audited."""

from __future__ import annotations

import io
import re

import httpx
import pytest
from api_support import (
    BARRED,
    HOLDING,
    KEYS,
    MINGYUAN,
    OFFICIAL,
    OPERATING,
    REVOKED,
    Live,
    codes,
    run,
    state_for,
)

from creditgraph.store.embedded import EmbeddedStore
from creditgraph.web import STATIC
from creditgraph.web.examples import EXAMPLES

# addresses front-end bundles commonly load from; none may appear in what the server sends
# (the browser test aborts and counts any request that leaves the origin all the same)
CDN = re.compile(
    r"//(unpkg\.com|cdn\.jsdelivr\.net|cdnjs\.cloudflare\.com|fonts\.googleapis\.com"
    r"|fonts\.gstatic\.com|esm\.sh)"
)


def test_workbench_page_and_assets_come_from_the_server(live: Live) -> None:
    page = httpx.get(f"{live.url}/", timeout=30)
    assert page.status_code == 200 and 'lang="zh-CN"' in page.text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/") or s.startswith("data:") for s in sources)
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for asset, kind in (
        ("workbench.js", "javascript"),
        ("workbench.css", "css"),
        ("graphiql.js", "javascript"),
        ("graphiql.css", "css"),
    ):
        response = httpx.get(f"{live.url}/static/{asset}", timeout=30)
        assert response.status_code == 200 and kind in response.headers["content-type"]
        assert not CDN.search(response.text), f"{asset} names a CDN"


def test_graphiql_is_served_from_the_package_with_the_demo_examples(live: Live) -> None:
    page = httpx.get(f"{live.url}/graphql", headers={"Accept": "text/html"}, timeout=30)
    assert page.status_code == 200
    assert not CDN.search(page.text)
    assert re.findall(r'src="([^"]+)"', page.text) == ["/static/graphiql.js"]
    assert 'checkAppointment(personId: \\"p:zhang-wei\\"' in page.text
    assert "kShortestPaths" in page.text
    # queries in the URL still work (GET with a query, no HTML wanted)
    answer = httpx.get(
        f"{live.url}/graphql",
        params={"query": "{ viewer { role } }"},
        headers={"Authorization": f"Bearer {KEYS['investigator']}"},
        timeout=30,
    )
    assert answer.json()["data"]["viewer"]["role"] == "investigator"


def test_every_graphiql_example_runs_on_the_demo_scenario(demo_store: EmbeddedStore) -> None:
    state = state_for(demo_store, keys=KEYS)
    from creditgraph.web.examples import _operations

    for _, text in EXAMPLES:
        for operation in _operations(text):
            result = run(state, operation, key=KEYS["steward"])
            assert not result.errors, (operation, result.errors)


def test_barred_director_ties_huaxin_and_mingyuan_into_a_suspected_related_group(
    demo_store: EmbeddedStore,
) -> None:
    state = state_for(demo_store, keys=KEYS)
    result = run(
        state,
        f"""{{ relatedGroups(id: "{REVOKED}") {{ groups {{
        enterprises {{ id }} ties {{ kind via {{ id }} }} }} }} }}""",
        key=KEYS["investigator"],
        purpose="案件 1",
    )
    assert not result.errors, result.errors
    first = result.data["relatedGroups"]["groups"][0]
    assert {e["id"] for e in first["enterprises"]} == {REVOKED, MINGYUAN}
    assert first["ties"] == [{"kind": "SHARED_OFFICER", "via": {"id": BARRED}}]
    state.audit.flush()
    assert any(
        e.operation == "relatedGroups" and BARRED in e.ids and e.purpose == "案件 1"
        for e in demo_store.audit_entries(limit=50)
    )


def test_ownership_tree_and_cycle_show_the_dingsheng_cross_holding(
    demo_store: EmbeddedStore,
) -> None:
    state = state_for(demo_store, keys=KEYS)
    result = run(
        state,
        f"""{{
      ownershipTree(enterpriseId: "{OPERATING}") {{ chain effectiveShare crossHolding link {{ rel }} }}
      ownershipCycles(id: "{OPERATING}") {{ nodes links {{ share }} }} }}""",
        key=KEYS["investigator"],
    )
    assert not result.errors, result.errors
    tree = {tuple(b["chain"]): b for b in result.data["ownershipTree"]}
    assert tree[(OPERATING, HOLDING, "p:li-qiang")]["effectiveShare"] == pytest.approx(0.27)
    assert tree[(OPERATING, HOLDING, OPERATING)]["crossHolding"] is True
    assert result.data["ownershipCycles"] == [
        {"nodes": [HOLDING, OPERATING], "links": [{"share": 0.6}, {"share": 0.1}]}
    ]


def test_k_shortest_paths_list_the_detours_between_the_barred_director_and_the_official(
    demo_store: EmbeddedStore,
) -> None:
    state = state_for(demo_store, keys=KEYS)
    result = run(
        state,
        f"""{{ kShortestPaths(fromId: "{BARRED}", toId: "{OFFICIAL}", k: 3) {{
        length nodes {{ id }} }} }}""",
        key=KEYS["investigator"],
    )
    assert not result.errors, result.errors
    found = result.data["kShortestPaths"]
    assert [p["length"] for p in found] == sorted(p["length"] for p in found)
    assert found[0]["nodes"] == [{"id": BARRED}, {"id": MINGYUAN}, {"id": OFFICIAL}]
    # the detour through the agency that employs him and supervises 明远; the next one (via
    # his relative's board) is five links long, beyond the default maxHops of 4
    assert found[1]["nodes"] == [
        {"id": BARRED},
        {"id": MINGYUAN},
        {"id": "g:pd-amr"},
        {"id": OFFICIAL},
    ]
    assert len(found) == 2
    longer = run(
        state,
        f"""{{ kShortestPaths(fromId: "{BARRED}", toId: "{OFFICIAL}", k: 3,
        maxHops: 5) {{ length }} }}""",
        key=KEYS["investigator"],
    )
    assert [p["length"] for p in longer.data["kShortestPaths"]] == [2, 3, 5]


def test_graph_analysis_needs_the_read_right(demo_store: EmbeddedStore) -> None:
    state = state_for(demo_store, keys=KEYS, public=True)
    for query in (
        f'{{ relatedGroups(id: "{REVOKED}") {{ groups {{ community }} }} }}',
        f'{{ ownershipTree(enterpriseId: "{OPERATING}") {{ level }} }}',
    ):
        assert codes(run(state, query, key=KEYS["approval"])) == ["FORBIDDEN"]
        assert codes(run(state, query)) == ["FORBIDDEN"]
    unknown = run(
        state, '{ ownershipTree(enterpriseId: "e:nobody") { level } }', key=KEYS["investigator"]
    )
    assert codes(unknown) == ["NOT_FOUND"]


def pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def test_credit_report_of_the_barred_director_cites_the_company_law_and_is_audited(
    live: Live,
) -> None:
    response = httpx.get(
        f"{live.url}/report/{BARRED}.pdf",
        params={"asOf": "2026-06-30"},
        headers={
            "Authorization": f"Bearer {KEYS['investigator']}",
            "X-Purpose": "%E6%A1%88%E4%BB%B6%2042",
        },
        timeout=60,
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in (
        "信用报告",
        "张伟",
        "公司法(2018) 第一百四十六条第一款第四项",
        "2027-03-15",
        "上海华信贸易有限公司",
        "案件 42",
        "2026-06-30",
    ):
        assert expected in text, expected
    assert "310101197805120138" not in text
    live.state.audit.flush()
    assert any(
        e.operation == "creditReport" and BARRED in e.ids and e.purpose == "案件 42"
        for e in live.store.audit_entries(limit=200)
    )


def test_credit_report_respects_the_role(live: Live) -> None:
    # the public role: an enterprise's report without the persons behind it
    public = httpx.get(f"{live.url}/report/{REVOKED}.pdf", timeout=60)
    assert public.status_code == 200
    text = pdf_text(public.content)
    assert "上海华信贸易有限公司" in text and "政府采购法" in text and "张伟" not in text
    # …and no person's report at all: to the public a person is unknown
    assert httpx.get(f"{live.url}/report/{BARRED}.pdf", timeout=30).status_code == 404
    approval = httpx.get(
        f"{live.url}/report/{REVOKED}.pdf",
        timeout=30,
        headers={"Authorization": f"Bearer {KEYS['approval']}"},
    )
    assert approval.status_code == 403
    wrong_key = httpx.get(
        f"{live.url}/report/{REVOKED}.pdf",
        timeout=30,
        headers={"Authorization": "Bearer not-a-key"},
    )
    assert wrong_key.status_code == 401
    bad_day = httpx.get(
        f"{live.url}/report/{REVOKED}.pdf",
        params={"asOf": "2026-13-01"},
        timeout=30,
        headers={"Authorization": f"Bearer {KEYS['investigator']}"},
    )
    assert bad_day.status_code == 400 and "asOf" in bad_day.json()["error"]


def test_static_folder_holds_the_built_assets() -> None:
    for name in ("index.html", "graphiql.html", "workbench.js", "graphiql.js", "SOURCE_HASH"):
        assert (STATIC / name).is_file(), name


def test_subgraph_marks_parties_under_a_measure_on_the_day_drawn(
    demo_store: EmbeddedStore,
) -> None:
    state = state_for(demo_store, keys=KEYS)
    query = """query($id: ID!, $on: Date) { neighborhood(id: $id, depth: 1, asOf: $on) {
        underMeasure(on: $on) } }"""
    before = run(state, query, {"id": REVOKED, "on": "2024-01-01"}, key=KEYS["investigator"])
    after = run(state, query, {"id": REVOKED, "on": "2026-06-30"}, key=KEYS["investigator"])
    assert before.data["neighborhood"]["underMeasure"] == []  # before the revocation
    assert set(after.data["neighborhood"]["underMeasure"]) == {REVOKED, BARRED}
