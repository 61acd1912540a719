"""Notices are withdrawn, not left to fall overdue, when the restriction they announce is
gone: its event voided (异议成立, 决定撤销) or the restriction ended early — on both stores."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from creditgraph.monitoring.delivery import Deliverer
from creditgraph.monitoring.react import (
    CHANGE,
    FAILED,
    NOTICE,
    PENDING,
    SENT,
    WITHDRAWN,
    changed_subjects,
)
from creditgraph.monitoring.service import Monitoring
from creditgraph.schema import default_schema
from creditgraph.store.base import GraphStore
from creditgraph.store.embedded import EmbeddedStore
from scenario import agency, day, enterprise, event, link, load_records, person, uscc
from support.stores import TEST_ID_KEY
from test_outbox_delivery import SECRET, Receiver

E = uscc("notice-withdrawal-enterprise")


def _pin(store: GraphStore) -> Monitoring:
    store.pinned_today = day("2026-06-01")  # type: ignore[attr-defined]
    return Monitoring(store, today=lambda: day("2026-06-01"))


def _penalised_bureau(store: GraphStore) -> None:
    """A bureau penalised on 2026-05-01: its superior must be notified (NOTIFY_SUPERIOR_AND_AUDIT,
    due in 15 days)."""
    load_records(
        store,
        [
            agency("g:bureau", "清远市某局"),
            agency("g:superior", "清远市人民政府"),
            link("SUPERIOR_OF", "g:superior", "g:bureau", "2020-01-01"),
            event("ev:p", "ADMINISTRATIVE_PENALTY", "g:bureau", "2026-05-01", severity="general"),
        ],
    )


def test_duty_notice_is_withdrawn_when_the_penalty_is_voided_by_an_upheld_objection(
    any_store: GraphStore,
) -> None:
    monitoring = _pin(any_store)
    _penalised_bureau(any_store)
    (notice,) = monitoring.notices(addressee="g:superior")
    assert notice.status == PENDING and notice.due == "2026-05-16"
    version = any_store.data_version()

    load_records(
        any_store,
        [event("ev:obj", "OBJECTION_UPHELD", "g:bureau", "2026-05-20", lifts="ev:p")],
    )

    (withdrawn,) = monitoring.notices(addressee="g:superior")
    assert withdrawn.id == notice.id and withdrawn.status == WITHDRAWN
    assert "NOTIFY_SUPERIOR_AND_AUDIT" in withdrawn.data["withdrawn_reason"]
    assert "voided by ev:obj" in withdrawn.data["withdrawn_reason"]
    assert withdrawn.data["status_before"] == PENDING
    # never overdue, and acknowledging it changes nothing
    assert monitoring.notices(overdue_on=day("2026-06-01")) == []
    assert monitoring.acknowledge(notice.id, by="g:superior").status == WITHDRAWN
    (change,) = [
        c
        for c in any_store.monitor_records(CHANGE, min_version=int(version) + 1)
        if c.data["notices_withdrawn"]
    ]
    assert change.subject == "g:superior"
    assert change.data["notices_withdrawn"] == [
        {"id": notice.id, "reason": withdrawn.data["withdrawn_reason"]}
    ]


def test_removal_notice_is_withdrawn_when_the_debtor_listing_is_voided(
    any_store: GraphStore,
) -> None:
    monitoring = _pin(any_store)
    load_records(
        any_store,
        [
            enterprise(E, "清远某某制造有限公司"),
            person("p:director", "李四"),
            agency("g:court", "清远市中级人民法院"),
            link("DIRECTOR", "p:director", E, "2025-01-01"),
            event(
                "ev:debtor",
                "DISHONEST_DEBTOR_LISTED",
                "p:director",
                "2026-05-20",
                authority="g:court",
                ground="unpaid_debt",
                until="2028-05-20",
            ),
        ],
    )
    (removal,) = [n for n in any_store.monitor_records(NOTICE) if n.data["notice"] == "REMOVAL"]
    assert removal.subject == E and removal.status == PENDING
    load_records(
        any_store,
        [event("ev:obj", "OBJECTION_UPHELD", "p:director", "2026-05-25", lifts="ev:debtor")],
    )
    (after,) = [n for n in any_store.monitor_records(NOTICE) if n.data["notice"] == "REMOVAL"]
    assert after.status == WITHDRAWN
    assert "voided by ev:obj" in after.data["withdrawn_reason"]
    assert monitoring.notices(addressee=E, overdue_on=day("2026-12-31")) == []
    change = any_store.monitor_records(CHANGE, subjects=["p:director"])[-1]
    assert change.data["change"] == "RESTORED"
    assert [n["id"] for n in change.data["notices_withdrawn"]] == [removal.id]


def test_acknowledged_notice_stays_acknowledged_when_its_restriction_is_voided(
    any_store: GraphStore,
) -> None:
    monitoring = _pin(any_store)
    _penalised_bureau(any_store)
    (notice,) = monitoring.notices(addressee="g:superior")
    monitoring.acknowledge(notice.id, by="g:superior")
    load_records(
        any_store,
        [event("ev:obj", "OBJECTION_UPHELD", "g:bureau", "2026-05-20", lifts="ev:p")],
    )
    (kept,) = monitoring.notices(addressee="g:superior")
    assert kept.status == "ACKNOWLEDGED" and "withdrawn_reason" not in kept.data


@pytest.mark.parametrize("delivered", [SENT, FAILED])
def test_a_delivered_or_undeliverable_notice_is_withdrawn_when_its_restriction_is_voided(
    any_store: GraphStore, delivered: str
) -> None:
    # the superior received it (SENT), or its webhook never answered (FAILED): either way it
    # is still due, so a voided penalty withdraws it
    monitoring = _pin(any_store)
    _penalised_bureau(any_store)
    (notice,) = monitoring.notices(addressee="g:superior")
    any_store.update_monitor_records(
        [(NOTICE, notice.id, delivered, notice.data)], expected_status=PENDING
    )
    load_records(
        any_store,
        [event("ev:obj", "OBJECTION_UPHELD", "g:bureau", "2026-05-20", lifts="ev:p")],
    )
    (withdrawn,) = monitoring.notices(addressee="g:superior")
    assert withdrawn.status == WITHDRAWN and withdrawn.data["status_before"] == delivered
    assert "voided by ev:obj" in withdrawn.data["withdrawn_reason"]


def test_notice_withdrawn_while_its_delivery_is_under_way_stays_withdrawn(
    any_store: GraphStore,
) -> None:
    """The superior body's inbox receives the duty notice; before it answers, the objection
    is upheld and the notice withdrawn. The receiver's 204 does not make it SENT again."""
    monitoring = _pin(any_store)
    objection = [event("ev:obj", "OBJECTION_UPHELD", "g:bureau", "2026-05-20", lifts="ev:p")]
    with Receiver(on_receive=lambda key: load_records(any_store, objection)).running() as inbox:
        load_records(
            any_store,
            [
                agency("g:bureau", "清远市某局"),
                agency("g:superior", "清远市人民政府"),
                link("SUPERIOR_OF", "g:superior", "g:bureau", "2020-01-01"),
            ],
        )
        monitoring.watch(
            "g:superior", owner="steward", webhook=inbox.url, secret=SECRET, inbox=True
        )
        load_records(
            any_store,
            [event("ev:p", "ADMINISTRATIVE_PENALTY", "g:bureau", "2026-05-01", severity="general")],
        )
        (notice,) = monitoring.notices(addressee="g:superior")
        assert notice.status == PENDING
        deliverer = Deliverer(any_store)
        try:
            # the inbox accepted both: the alert of the superior's change and the notice …
            assert deliverer.deliver_due() == 2
        finally:
            deliverer.stop()
        assert notice.id in inbox.processed
    (after,) = monitoring.notices(addressee="g:superior")
    assert after.status == WITHDRAWN  # … but it had been withdrawn meanwhile
    assert "voided by ev:obj" in after.data["withdrawn_reason"]


def test_only_the_subjects_whose_restrictions_changed_are_reported_on(tmp_path: Path) -> None:
    # a re-derivation mostly derives again what is stored; the outbox (and the reads of the
    # offices it makes) concerns only the subjects whose restrictions changed
    store = EmbeddedStore(tmp_path / "s.db", default_schema(), id_key=TEST_ID_KEY)
    try:
        _penalised_bureau(store)
        load_records(
            store,
            [
                agency("g:other", "清远市另一局"),
                event(
                    "ev:q", "ADMINISTRATIVE_PENALTY", "g:other", "2026-05-02", severity="general"
                ),
            ],
        )
        stored = store.restrictions()
    finally:
        store.close()
    assert {r.subject for r in stored} >= {"g:bureau", "g:other"}
    assert changed_subjects(stored, list(stored)) == set()
    bureau = next(r for r in stored if r.subject == "g:bureau")
    ended = dataclasses.replace(bureau, until=day("2026-05-31"))
    assert changed_subjects(stored, [ended if r.id == bureau.id else r for r in stored]) == {
        "g:bureau"
    }
    other = next(r for r in stored if r.subject == "g:other")
    assert changed_subjects(stored, [r for r in stored if r.id != other.id]) == {"g:other"}
