"""A batch of appointment checks is answered from what the batch reads once, for every
caller (CLI, REST and GraphQL all go through Decisions.check_appointments), with the same
decisions one-by-one checks give."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from creditgraph.ingest.loader import load
from creditgraph.service.decisions import Decisions
from creditgraph.store.base import GraphStore
from scenario import enterprise, event, lines, link, person, uscc

FIRM, OTHER = uscc("batch revoked"), uscc("batch closed")


class Counting:
    def __init__(self, inner: GraphStore) -> None:
        self._inner = inner
        self.schema = inner.schema
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._inner, name)
        if name == "reading":  # opens a read transaction: it reads nothing
            return target

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return target(*args, **kwargs)

        return call


def test_a_thousand_checks_read_the_store_three_times_and_match_single_checks(
    any_store: GraphStore,
) -> None:
    people = [f"p:{i}" for i in range(40)]
    records = [
        enterprise(FIRM, "上海被吊销贸易有限公司"),
        enterprise(OTHER, "上海责令关闭有限公司"),
    ]
    records += [person(p, "张三") for p in people]
    records += [link("LEGAL_REPRESENTATIVE", p, FIRM, "2016-01-01") for p in people[:10]]
    records += [link("LEGAL_REPRESENTATIVE", p, OTHER, "2016-01-01") for p in people[10:15]]
    # responsibility established for some at FIRM; at OTHER nobody knows yet (REVIEW)
    records.append(
        event("ev:revoked", "LICENSE_REVOKED", FIRM, "2021-06-30", responsible=people[:5])
    )
    records.append(event("ev:closed", "ORDERED_CLOSED", OTHER, "2021-06-30"))
    result = load(lines(records), any_store)
    assert not result.errors
    days = (dt.date(2021, 1, 1), dt.date(2022, 3, 1), dt.date(2024, 6, 30), dt.date(2024, 7, 1))
    roles = ("DIRECTOR", "LEGAL_REPRESENTATIVE", "PRINCIPAL")
    requests = [
        (people[i % 40], roles[i % 3], FIRM if i % 7 == 0 else None, days[i % 4])
        for i in range(1000)
    ]
    counting = Counting(any_store)
    batch = Decisions(cast(GraphStore, counting)).check_appointments(requests)
    # the parties, their restrictions per day asked about, the legal-rep links of the
    # batch with their enterprises and those enterprises' events, the data version — never
    # one read per check
    assert counting.calls.count("restrictions") == len(days)
    assert len(counting.calls) <= len(days) + 5, counting.calls
    single = Decisions(any_store)
    assert batch == [
        single.check_appointment(p, r, enterprise_id=e, on=d) for p, r, e, d in requests
    ]
    assert {d.decision.value for d in batch} == {"ALLOW", "DENY", "REVIEW"}
