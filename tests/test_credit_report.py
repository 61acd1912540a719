"""The credit report (信用报告) read from either store: what it says about the barred legal
representative of 华信 and about 华信 itself, for an investigator and for the public."""

from __future__ import annotations

import datetime as dt

import pytest

from creditgraph import report
from creditgraph.ingest.loader import load
from creditgraph.resources import demo_file
from creditgraph.service.errors import UnknownId
from creditgraph.store.base import GraphStore

DAY = dt.date(2026, 6, 30)


@pytest.fixture
def demo(any_store: GraphStore) -> GraphStore:
    lines = demo_file().read_text("utf-8").splitlines()
    result = load(
        [("demo", i + 1, line) for i, line in enumerate(lines) if line.strip()], any_store
    )
    assert not result.errors, result.errors
    return any_store


def test_report_of_barred_legal_representative_cites_company_law_with_window_and_path(
    demo: GraphStore,
) -> None:
    made = report.gather(
        demo, "p:zhang-wei", on=DAY, sees_persons=True, purpose="案件 7", principal="local"
    )
    html = report.render_html(made, demo.schema)
    # the revocation (2024-03-15) predates 公司法(2023) (in force 2024-07-01): the text then in force
    assert "公司法(2018) 第一百四十六条第一款第四项" in html
    assert "2024-03-15 – 2027-03-15" in html
    assert "张伟 —法定代表人→ 上海华信贸易有限公司" in html
    assert "案件 7" in html and made.data_version in html
    assert "禁止" in html and "上海明远科技有限公司" in html  # his directorship since 2025
    assert "DENY</td>" not in html and "CONFIRMED" not in html  # read in Chinese
    assert made.sanctioned == {"p:zhang-wei", "91310000MA1HX0012Q"}
    assert "p:zhang-wei" in made.shown_persons


def test_report_before_the_revocation_shows_no_measure_in_force(demo: GraphStore) -> None:
    made = report.gather(
        demo,
        "p:zhang-wei",
        on=dt.date(2024, 1, 1),
        sees_persons=True,
        purpose=None,
        principal="local",
    )
    assert made.sanctioned == frozenset()
    assert all(d.decision.value == "ALLOW" for _, d in made.decisions)


def test_public_report_of_an_enterprise_names_no_person(demo: GraphStore) -> None:
    made = report.gather(
        demo, "91310000MA1HX0012Q", on=DAY, sees_persons=False, purpose=None, principal="anonymous"
    )
    html = report.render_html(made, demo.schema)
    assert "政府采购法 第二十二条第一款第五项" in html
    assert "张伟" not in html and "陈静" not in html
    assert made.shown_persons == set()
    with pytest.raises(UnknownId):
        report.gather(
            demo, "p:zhang-wei", on=DAY, sees_persons=False, purpose=None, principal="anonymous"
        )


def test_report_renders_as_pdf_with_its_text(demo: GraphStore) -> None:
    pytest.importorskip("weasyprint")
    import io

    from pypdf import PdfReader

    made = report.gather(
        demo, "91310115MA1DH0046X", on=DAY, sees_persons=True, purpose=None, principal="local"
    )
    pdf = report.render_pdf(made, demo.schema)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "上海鼎盛实业有限公司" in text and "招标投标法" in text
    assert "2027-02-28" in text  # the bidding ban's last day
