"""Incremental maintenance is exact: it always equals a full recompute."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from creditgraph.domain.model import Certainty
from creditgraph.schema import default_schema
from creditgraph.store.base import GraphStore
from creditgraph.store.embedded import EmbeddedStore
from helpers_import import resident_id
from scenario import (
    agency,
    check,
    eligibility,
    enterprise,
    event,
    link,
    load_records,
    person,
    restriction_snapshot,
    uscc,
    verdict,
)
from support.stores import Neo4jTestServer

E1, E2 = uscc("incremental one"), uscc("incremental two")


def test_back_filled_historical_link_reaches_the_legal_rep_of_an_earlier_revocation(
    any_store: GraphStore,
) -> None:
    load_records(
        any_store,
        [
            enterprise(E1, "某某贸易有限公司"),
            person("p:zhang", "张三"),
            event("ev:1", "LICENSE_REVOKED", E1, "2021-06-30", responsible=["p:zhang"]),
        ],
    )
    assert verdict(check(any_store, "p:zhang", "DIRECTOR", "2022-01-01")) == "ALLOW"
    result = load_records(
        any_store, [link("LEGAL_REPRESENTATIVE", "p:zhang", E1, "2016-01-01", "2021-12-31")]
    )
    assert result.report.restrictions > 0
    assert verdict(check(any_store, "p:zhang", "DIRECTOR", "2022-01-01")) == "DENY"


def test_corrected_end_date_showing_departure_before_revocation_lifts_the_bar(
    any_store: GraphStore,
) -> None:
    load_records(
        any_store,
        [
            enterprise(E1, "某某贸易有限公司"),
            person("p:zhang", "张三"),
            link("LEGAL_REPRESENTATIVE", "p:zhang", E1, "2016-01-01"),
            event("ev:1", "LICENSE_REVOKED", E1, "2021-06-30", responsible=["p:zhang"]),
        ],
    )
    assert verdict(check(any_store, "p:zhang", "DIRECTOR", "2022-01-01")) == "DENY"
    result = load_records(
        any_store, [link("LEGAL_REPRESENTATIVE", "p:zhang", E1, "2016-01-01", "2020-12-31")]
    )
    assert result.report.updated["link"] == 1
    assert verdict(check(any_store, "p:zhang", "DIRECTOR", "2022-01-01")) == "ALLOW"
    assert any_store.restrictions(subject="p:zhang") == []


def test_responsibility_established_later_turns_review_into_deny(any_store: GraphStore) -> None:
    base = [
        enterprise(E1, "某某贸易有限公司"),
        person("p:zhang", "张三"),
        link("LEGAL_REPRESENTATIVE", "p:zhang", E1, "2016-01-01"),
    ]
    load_records(any_store, [*base, event("ev:1", "LICENSE_REVOKED", E1, "2021-06-30")])
    assert verdict(check(any_store, "p:zhang", "DIRECTOR", "2022-01-01")) == "REVIEW"
    load_records(
        any_store, [event("ev:1", "LICENSE_REVOKED", E1, "2021-06-30", responsible=["p:zhang"])]
    )
    assert verdict(check(any_store, "p:zhang", "DIRECTOR", "2022-01-01")) == "DENY"


def test_enterprise_becoming_soe_creates_the_notification_duty(any_store: GraphStore) -> None:
    from scenario import agency

    load_records(
        any_store,
        [
            agency("g:sasac", "国资委"),
            enterprise(E1, "某某集团", kind="company"),
            link("SUPERIOR_OF", "g:sasac", E1, "2010-01-01"),
            event("ev:p", "ADMINISTRATIVE_PENALTY", E1, "2024-01-01", severity="minor"),
        ],
    )
    assert any_store.restrictions(subject="g:sasac") == []
    load_records(any_store, [enterprise(E1, "某某集团", kind="soe")])
    assert [r.measure for r in any_store.restrictions(subject="g:sasac")] == [
        "NOTIFY_SUPERIOR_AND_AUDIT"
    ]


# ---- what a changed link re-derives: the events whose rules read it, and no others -----------


def test_official_appointed_before_a_bribery_record_loaded_later_owes_the_agency_notice(
    any_store: GraphStore,
) -> None:
    load_records(
        any_store,
        [
            person("p:li", "李四"),
            agency("g:bureau", "某某市自然资源局"),
            event("ev:bribe", "BRIBERY_RECORD", "p:li", "2024-03-01"),
        ],
    )
    assert any_store.restrictions(subject="g:bureau") == []
    # the personnel file arrives later: he was an official of the bureau on the record's day
    load_records(any_store, [link("OFFICIAL_OF", "p:li", "g:bureau", "2018-01-01")])

    (duty,) = any_store.restrictions(subject="g:bureau")
    assert (duty.measure, duty.event_id) == ("NOTIFY_EMPLOYER_AND_DISCIPLINE", "ev:bribe")


def test_branch_registered_after_its_head_office_was_listed_is_bound_as_well(
    any_store: GraphStore,
) -> None:
    load_records(
        any_store,
        [
            enterprise(E1, "某某建设集团有限公司"),
            enterprise(E2, "某某建设集团有限公司第一分公司"),
            event("ev:ban", "PROCUREMENT_BANNED", E1, "2024-02-01", until="2027-01-31"),
        ],
    )
    assert any_store.restrictions(subject=E2) == []
    load_records(any_store, [link("BRANCH_OF", E2, E1, "2020-05-01")])

    assert {r.event_id for r in any_store.restrictions(subject=E2)} == {"ev:ban"}
    assert verdict(eligibility(any_store, E2, "GOV_PROCUREMENT", "2024-06-01")) == "DENY"


def test_office_ending_at_one_enterprise_re_derives_its_sanctions_and_no_others(
    any_store: GraphStore,
) -> None:
    """The director's sanction and his other company's are read through no link of the
    office that changed: re-deriving them would only cost time."""
    load_records(
        any_store,
        [
            enterprise(E1, "甲公司"),
            enterprise(E2, "乙公司"),
            person("p:zhang", "张三"),
            link("DIRECTOR", "p:zhang", E1, "2016-01-01"),
            link("DIRECTOR", "p:zhang", E2, "2016-01-01"),
            event("ev:e1", "LICENSE_REVOKED", E1, "2022-03-01", responsible=["p:zhang"]),
            event("ev:e2", "LICENSE_REVOKED", E2, "2023-03-01", responsible=["p:zhang"]),
            event("ev:self", "CONSUMPTION_RESTRICTED", "p:zhang", "2023-05-01"),
        ],
    )
    before = restriction_snapshot(any_store)

    ended = load_records(any_store, [link("DIRECTOR", "p:zhang", E1, "2016-01-01", "2025-06-30")])
    holding = load_records(any_store, [link("SHAREHOLDER", "p:zhang", E2, "2016-01-01")])

    assert ended.report.events_rederived == 1  # ev:e1, on the enterprise the office was at
    assert holding.report.events_rederived == 0  # no rule reads a shareholding
    assert restriction_snapshot(any_store) == before  # he left after the revocation


def test_entry_resolved_to_an_official_reaches_his_agency_once_the_office_is_known(
    any_store: GraphStore,
) -> None:
    """An event on a published entry starts its rules at the persons the entry was resolved
    to as well: an office of such a person, loaded later, is read by that event."""
    number = resident_id("410184", "19810302", "251")
    entry = "lp:court-dishonest:z1"
    load_records(
        any_store,
        [
            person("p:zhang-wei", "张伟", id_number=number),
            agency("g:bureau", "某某市自然资源局"),
        ],
    )
    load_records(
        any_store,
        [
            person(
                entry, "張偉", id_number_masked=number[:10] + "****" + number[14:],
                sex="男", birth_year=1981, province="河南",
                provenance={"source": "court-dishonest", "row": 2},
            ),
            event("ev:entry", "DISHONEST_DEBTOR_LISTED", entry, "2023-09-01", ground="unpaid_debt"),
        ],
    )  # fmt: skip
    assert any_store.restrictions(subject="g:bureau") == []
    load_records(any_store, [link("OFFICIAL_OF", "p:zhang-wei", "g:bureau", "2019-01-01")])

    (duty,) = any_store.restrictions(subject="g:bureau")
    assert (duty.event_id, duty.certainty) == ("ev:entry", Certainty.UNCONFIRMED)
    incremental = restriction_snapshot(any_store)
    any_store.recompute()
    assert restriction_snapshot(any_store) == incremental


# ---- property: any sequence of imports, maintained incrementally, equals a recompute ------------

PEOPLE = ("p:a", "p:b", "p:c")
ENTERPRISES = (E1, E2)
BRANCH = uscc("incremental branch")
AGENCY = "g:sasac"
DAYS = [dt.date(2019, 1, 1) + dt.timedelta(days=d) for d in range(0, 6 * 365, 97)]
# every kind of link a rule reads (offices, a branch's head office, an official's agency,
# a public body's superior) and one no rule reads (a shareholding)
LINKS = (
    *((rel, PEOPLE, ENTERPRISES) for rel in ("LEGAL_REPRESENTATIVE", "PRINCIPAL", "DIRECTOR")),
    ("ACTUAL_CONTROLLER", PEOPLE, ENTERPRISES),
    ("SHAREHOLDER", PEOPLE, ENTERPRISES),
    ("BRANCH_OF", (BRANCH,), ENTERPRISES),
    ("OFFICIAL_OF", PEOPLE, (AGENCY,)),
    ("SUPERIOR_OF", (AGENCY,), ENTERPRISES),
)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


@st.composite
def link_records(draw: st.DrawFn) -> dict:
    start = draw(st.sampled_from([None, *DAYS]))
    end = draw(st.sampled_from([None, *DAYS]))
    if start and end and end < start:
        start, end = end, start
    rel, sources, targets = draw(st.sampled_from(LINKS))
    return link(
        rel,
        draw(st.sampled_from(sources)),
        draw(st.sampled_from(targets)),
        _iso(start),
        _iso(end),
    )


@st.composite
def event_records(draw: st.DrawFn) -> dict:
    number = draw(st.integers(0, 5))
    kind = draw(
        st.sampled_from(
            [
                "LICENSE_REVOKED",
                "CONSUMPTION_RESTRICTED",
                "SERIOUS_VIOLATION_LISTED",
                "JOINT_PUNISHMENT_LISTED",
            ]
        )
    )
    responsible = draw(st.sampled_from([None, [], ["p:a"], ["p:a", "p:b"]]))
    fields = {} if responsible is None else {"responsible": responsible}
    # on either enterprise, and now and then on a person (an official's sanction reaches
    # the agency employing them): each number keeps one subject, as an event id does
    subject = (E1, E2, "p:a")[number % 3]
    if subject == "p:a":
        kind = {
            "LICENSE_REVOKED": "BRIBERY_RECORD",
            "SERIOUS_VIOLATION_LISTED": "CRIMINAL_CONVICTION",
        }.get(kind, kind)
        fields = {}
    return event(
        f"ev:{number}",
        kind,
        subject,
        draw(st.sampled_from(DAYS)).isoformat(),
        **fields,
    )


@st.composite
def lift_records(draw: st.DrawFn) -> dict:
    target = draw(st.integers(0, 5))
    kind = draw(
        st.sampled_from(["CREDIT_REPAIRED", "DELISTED", "OBJECTION_UPHELD", "DECISION_REVOKED"])
    )
    return event(
        f"lift:{draw(st.integers(0, 3))}",
        kind,
        (E1, E2, "p:a")[target % 3],
        draw(st.sampled_from(DAYS)).isoformat(),
        lifts=f"ev:{target}",
    )


def _base() -> list[dict]:
    return [
        *(person(p, "张三") for p in PEOPLE),
        enterprise(E1, "甲公司"),
        enterprise(E2, "乙公司", kind="soe"),
        enterprise(BRANCH, "甲公司第一分公司"),
        agency(AGENCY, "某某市国有资产监督管理委员会"),
    ]


def _apply(store: GraphStore, records: list[dict], cuts: list[int]) -> None:
    load_records(store, _base())
    position = 0
    for size in cuts * 4:
        chunk = records[position : position + size]
        position += size
        if not chunk:
            break
        # a batch may be rejected (e.g. a lift whose target is not loaded yet, or an
        # event id reused with another subject): it then writes nothing at all
        load_records(store, chunk, skip_invalid=True)


SEQUENCES = (
    st.lists(st.one_of(link_records(), event_records(), lift_records()), min_size=1, max_size=12),
    st.lists(st.integers(1, 4), min_size=1, max_size=6),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(*SEQUENCES)
def test_incremental_maintenance_equals_full_recompute(
    records: list[dict], cuts: list[int]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = EmbeddedStore(Path(folder) / "s.db", default_schema(), id_key="k")
        try:
            _apply(store, records, cuts)
            incremental = restriction_snapshot(store)
            store.recompute()
            assert restriction_snapshot(store) == incremental
        finally:
            store.close()


@pytest.mark.neo4j
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(*SEQUENCES)
def test_neo4j_maintains_exactly_what_the_embedded_store_does(
    neo4j_server: Neo4jTestServer, records: list[dict], cuts: list[int]
) -> None:
    """Fewer examples than the embedded property (each costs a dozen Neo4j transactions)."""
    neo4j_server.empty()
    neo4j = neo4j_server.open()
    with tempfile.TemporaryDirectory() as folder:
        embedded = EmbeddedStore(Path(folder) / "s.db", default_schema(), id_key="k")
        try:
            _apply(embedded, records, cuts)
            _apply(neo4j, records, cuts)
            incremental = restriction_snapshot(neo4j)
            assert incremental == restriction_snapshot(embedded)
            neo4j.recompute()
            assert restriction_snapshot(neo4j) == incremental
        finally:
            embedded.close()
            neo4j.close()
