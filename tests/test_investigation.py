"""The investigators' algorithms (creditgraph.service.investigation) on small graphs an
investigator would draw on a whiteboard: hubs, diamonds, cross-holdings, controllers behind
holding companies, voided listings, and an official's relatives."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any, cast

import pytest

from creditgraph.ingest.loader import load
from creditgraph.service import investigation as inv
from creditgraph.service.errors import InvalidArgument, LimitExceeded, UnknownId
from creditgraph.store.base import GraphStore

DAY = dt.date(2026, 6, 30)


def ent(eid: str, name: str | None = None) -> dict[str, Any]:
    return {"type": "enterprise", "id": eid, "name": name or f"{eid} 有限公司"}


def per(pid: str, name: str = "张三") -> dict[str, Any]:
    return {"type": "person", "id": pid, "name": name}


def agy(gid: str) -> dict[str, Any]:
    return {"type": "agency", "id": gid, "name": f"{gid} 市场监督管理局"}


def lnk(
    rel: str,
    src: str,
    dst: str,
    valid_from: str | None = "2020-01-01",
    valid_to: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "type": "link",
        "rel": rel,
        "from": src,
        "to": dst,
        "valid_from": valid_from,
        "valid_to": valid_to,
        **extra,
    }


def evt(eid: str, kind: str, subject: str, date: str, **extra: Any) -> dict[str, Any]:
    return {"type": "event", "id": eid, "kind": kind, "subject": subject, "date": date, **extra}


def given(store: GraphStore, records: Sequence[dict[str, Any]]) -> GraphStore:
    result = load(
        [("t", i + 1, json.dumps(r, ensure_ascii=False)) for i, r in enumerate(records)], store
    )
    assert not result.errors, result.errors
    return store


@pytest.fixture
def store(any_store: GraphStore) -> GraphStore:
    """Every scenario runs on the embedded store and on Neo4j: the algorithms use only the
    store interface, so both must give the same answers."""
    return any_store


class Counting:
    """The store, counting how often each read is made."""

    def __init__(self, inner: GraphStore) -> None:
        self._inner = inner
        self.schema = inner.schema
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._inner, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return target(*args, **kwargs)

        return call


# --- neighbourhood ----------------------------------------------------------------------------


def test_nominee_hub_neighborhood_reports_truncated_counts(store: GraphStore) -> None:
    shells = [f"e:shell-{i}" for i in range(500)]
    given(
        store,
        [
            per("p:nominee", "钱多多"),
            *(ent(s) for s in shells),
            *(lnk("LEGAL_REPRESENTATIVE", "p:nominee", s) for s in shells),
        ],
    )
    counting = Counting(store)
    hood = inv.neighborhood(cast(GraphStore, counting), "p:nominee", depth=2, per_node_limit=30)
    assert hood.truncated == [inv.Truncation("p:nominee", 500, 30)]
    assert len(hood.nodes) == 31 and len(hood.links) == 30
    # one call for both levels (the second read ahead with the first), not one per company
    assert counting.calls.count("ranked_links") == 1
    assert "links" not in counting.calls


def test_neighborhood_of_depth_zero_is_the_party_alone(store: GraphStore) -> None:
    given(store, [per("p:a"), ent("e:x"), lnk("DIRECTOR", "p:a", "e:x")])
    hood = inv.neighborhood(store, "p:a", depth=0)
    assert list(hood.nodes) == ["p:a"] and hood.links == [] and hood.truncated == []


def test_neighborhood_limits(store: GraphStore) -> None:
    given(store, [per("p:a")])
    with pytest.raises(LimitExceeded):
        inv.neighborhood(store, "p:a", depth=4)
    with pytest.raises(UnknownId):
        inv.neighborhood(store, "p:nobody")
    with pytest.raises(InvalidArgument):
        inv.neighborhood(store, "p:a", rels=["FRIEND_OF"])


# --- connecting paths ---------------------------------------------------------------------------


def _diamond(store: GraphStore) -> None:
    # A and B sit on two boards together, and are also joined by a longer chain
    given(
        store,
        [
            per("p:a", "甲"),
            per("p:b", "乙"),
            ent("e:x1"),
            ent("e:x2"),
            ent("e:y"),
            ent("e:z"),
            lnk("DIRECTOR", "p:a", "e:x1"),
            lnk("SUPERVISOR", "p:b", "e:x1"),
            lnk("SHAREHOLDER", "p:a", "e:x2", share=0.3),
            lnk("LEGAL_REPRESENTATIVE", "p:b", "e:x2"),
            lnk("MANAGER", "p:a", "e:y"),
            lnk("SHAREHOLDER", "e:y", "e:z", share=0.5),
            lnk("DIRECTOR", "p:b", "e:z"),
        ],
    )


def test_paths_meet_in_the_middle_and_return_every_shortest_one(store: GraphStore) -> None:
    _diamond(store)
    counting = Counting(store)
    found = inv.paths(cast(GraphStore, counting), "p:a", "p:b", max_hops=6)
    assert [p.nodes for p in found] == [("p:a", "e:x1", "p:b"), ("p:a", "e:x2", "p:b")]
    assert [link.rel for hop in found[0].hops for link in hop.links] == ["DIRECTOR", "SUPERVISOR"]
    assert counting.calls.count("shortest_paths") == 1  # the store searches in one call
    assert "nodes" not in counting.calls  # a chain found names both ends: none looked up
    # no chain: then whether the ends exist is asked, and an unknown one is said so
    given(store, [per("p:alone", "丙")])
    assert inv.paths(store, "p:a", "p:alone", max_hops=6) == []
    for a, b in (("p:a", "p:nobody"), ("p:nobody", "p:b")):
        with pytest.raises(UnknownId, match="p:nobody"):
            inv.paths(store, a, b, max_hops=6)


def test_paths_take_links_either_way_and_respect_the_day(store: GraphStore) -> None:
    given(
        store,
        [
            per("p:a"),
            per("p:b"),
            ent("e:old"),
            ent("e:new"),
            ent("e:mid"),
            lnk("DIRECTOR", "p:a", "e:old", "2010-01-01", "2015-12-31"),
            lnk("DIRECTOR", "p:b", "e:old", "2012-01-01", "2015-12-31"),
            lnk("MANAGER", "p:a", "e:new", "2020-01-01"),
            lnk("SHAREHOLDER", "e:new", "e:mid", "2020-01-01", share=0.6),
            lnk("LEGAL_REPRESENTATIVE", "p:b", "e:mid", "2021-01-01"),
        ],
    )
    ever = inv.paths(store, "p:a", "p:b")
    assert [p.nodes for p in ever] == [("p:a", "e:old", "p:b")]
    today = inv.paths(store, "p:a", "p:b", as_of=DAY)
    assert [p.nodes for p in today] == [("p:a", "e:new", "e:mid", "p:b")]
    assert inv.paths(store, "p:a", "p:b", as_of=dt.date(2019, 1, 1)) == []


def test_paths_are_capped(store: GraphStore) -> None:
    _diamond(store)
    with pytest.raises(LimitExceeded):
        inv.paths(store, "p:a", "p:b", max_hops=7)
    with pytest.raises(InvalidArgument):
        inv.paths(store, "p:a", "p:a")
    assert len(inv.paths(store, "p:a", "p:b", first=1)) == 1


# --- beneficial owners -----------------------------------------------------------------------------


def test_beneficial_owner_through_two_level_chain_with_cycle(store: GraphStore) -> None:
    given(
        store,
        [
            per("p:1", "周一"),
            per("p:2", "吴二"),
            ent("e:hold"),
            ent("e:target"),
            lnk("SHAREHOLDER", "p:1", "e:hold", share=0.6),
            lnk("SHAREHOLDER", "p:2", "e:hold", share=0.4),
            lnk("SHAREHOLDER", "e:hold", "e:target", share=0.5),
            lnk("SHAREHOLDER", "e:target", "e:hold", share=0.3),  # cross-holding: a cycle
            lnk("SHAREHOLDER", "p:2", "e:target", share=0.1),
        ],
    )
    owners = {o.person: o for o in inv.beneficial_owners(store, "e:target", as_of=DAY)}
    assert owners["p:1"].effective_share == pytest.approx(0.3)  # 0.6 × 0.5
    assert owners["p:2"].effective_share == pytest.approx(0.3)  # 0.4 × 0.5 + 0.1
    assert [c.nodes for c in owners["p:2"].chains] == [
        ("p:2", "e:hold", "e:target"),
        ("p:2", "e:target"),
    ]
    assert all(len(set(c.nodes)) == len(c.nodes) for o in owners.values() for c in o.chains)
    # p:1 controls the holding (60%), but half of the target is not a majority: no control
    assert owners["p:1"].reasons == ("EQUITY",)


def test_small_stakes_summed_over_chains_reach_the_threshold(store: GraphStore) -> None:
    given(
        store,
        [
            per("p:x"),
            ent("e:h"),
            ent("e:t"),
            lnk("SHAREHOLDER", "p:x", "e:t", share=0.2),
            lnk("SHAREHOLDER", "p:x", "e:h", share=0.5),
            lnk("SHAREHOLDER", "e:h", "e:t", share=0.2),
        ],
    )
    [owner] = inv.beneficial_owners(store, "e:t", as_of=DAY)
    assert owner.effective_share == pytest.approx(0.3) and owner.reasons == ("EQUITY",)
    assert inv.beneficial_owners(store, "e:t", as_of=DAY, threshold=0.31) == []


def test_actual_controller_behind_a_majority_held_subsidiary(store: GraphStore) -> None:
    given(
        store,
        [
            per("p:boss", "实控人"),
            per("p:minor"),
            ent("e:parent"),
            ent("e:t"),
            ent("e:other"),
            lnk("ACTUAL_CONTROLLER", "p:boss", "e:parent"),
            lnk("SHAREHOLDER", "e:parent", "e:t", share=0.6),
            lnk("SHAREHOLDER", "e:other", "e:t", share=0.4),
            lnk("ACTUAL_CONTROLLER", "p:minor", "e:other"),
        ],
    )
    owners = {o.person: o for o in inv.beneficial_owners(store, "e:t", as_of=DAY)}
    assert set(owners) == {"p:boss"}  # a minority holder's controller controls nothing here
    assert owners["p:boss"].reasons == ("CONTROL",)
    assert owners["p:boss"].chains[0].control


def test_unknown_share_makes_the_owner_a_lower_bound(store: GraphStore) -> None:
    given(
        store,
        [
            per("p:x"),
            ent("e:h"),
            ent("e:t"),
            lnk("SHAREHOLDER", "p:x", "e:t", share=0.3),
            lnk("SHAREHOLDER", "p:x", "e:h"),  # share not reported
            lnk("SHAREHOLDER", "e:h", "e:t", share=0.2),
        ],
    )
    [owner] = inv.beneficial_owners(store, "e:t", as_of=DAY)
    assert owner.effective_share == pytest.approx(0.3) and owner.incomplete


def test_a_stake_sold_before_the_day_no_longer_counts(store: GraphStore) -> None:
    given(
        store,
        [
            per("p:x"),
            per("p:y"),
            ent("e:t"),
            lnk("SHAREHOLDER", "p:x", "e:t", "2015-01-01", "2022-12-31", share=0.9),
            lnk("SHAREHOLDER", "p:y", "e:t", "2023-01-01", share=0.9),
        ],
    )
    assert [o.person for o in inv.beneficial_owners(store, "e:t", as_of=DAY)] == ["p:y"]
    assert [o.person for o in inv.beneficial_owners(store, "e:t", as_of=dt.date(2020, 1, 1))] == [
        "p:x"
    ]


def test_beneficial_owners_read_the_chains_in_one_store_call(store: GraphStore) -> None:
    records: list[dict[str, Any]] = [ent("e:l0")]
    for level in range(1, 5):
        records += [
            ent(f"e:l{level}"),
            lnk("SHAREHOLDER", f"e:l{level}", f"e:l{level - 1}", share=0.9),
        ]
    records += [per("p:top"), lnk("SHAREHOLDER", "p:top", "e:l4", share=1.0)]
    given(store, records)
    counting = Counting(store)
    [owner] = inv.beneficial_owners(cast(GraphStore, counting), "e:l0", as_of=DAY)
    assert owner.effective_share == pytest.approx(0.9**4)
    assert counting.calls.count("ownership_links") == 1 and "links" not in counting.calls


def test_ownership_is_followed_ten_levels_up_and_no_further(store: GraphStore) -> None:
    # a chain of wholly owned holding companies, e:l10 holding e:l9 with p:near
    records: list[dict[str, Any]] = [ent("e:l0")]
    for level in range(1, 11):
        share = 0.5 if level == 10 else 1.0
        records += [
            ent(f"e:l{level}"),
            lnk("SHAREHOLDER", f"e:l{level}", f"e:l{level - 1}", share=share),
        ]
    records += [
        per("p:near", "近某"),
        per("p:far", "远某"),
        lnk("SHAREHOLDER", "p:near", "e:l9", "2020-01-01", "2025-12-31", share=0.5),
        lnk("SHAREHOLDER", "p:far", "e:l10", share=1.0),
    ]
    given(store, records)
    # p:near is ten links up: found; p:far, eleven links up, is past the levels read
    [owner] = inv.beneficial_owners(store, "e:l0", as_of=dt.date(2025, 6, 30))
    assert owner.person == "p:near" and owner.effective_share == pytest.approx(0.5)
    # once p:near has sold, nobody within ten levels is a natural person
    assert inv.beneficial_owners(store, "e:l0", as_of=DAY) == []
    [owner] = inv.beneficial_owners(store, "e:l1", as_of=DAY)
    assert owner.person == "p:far"


def test_ownership_refuses_at_one_holder_past_the_cap_and_not_before(
    store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    given(
        store,
        [
            ent("e:widely-held"),
            *(per(f"p:{i}", f"股东{i}") for i in range(30)),
            *(lnk("SHAREHOLDER", f"p:{i}", "e:widely-held", share=0.01) for i in range(25)),
            # five stakes sold before the day asked about
            *(
                lnk(
                    "SHAREHOLDER", f"p:{i}", "e:widely-held", "2020-01-01", "2025-12-31", share=0.01
                )
                for i in range(25, 30)
            ),
        ],
    )
    monkeypatch.setattr(inv, "MAX_PARTIES", 26)  # the enterprise and 25 holders
    assert inv.beneficial_owners(store, "e:widely-held", as_of=DAY) == []
    with pytest.raises(LimitExceeded):
        inv.beneficial_owners(store, "e:widely-held", as_of=dt.date(2025, 6, 30))
    monkeypatch.setattr(inv, "MAX_PARTIES", 25)
    with pytest.raises(LimitExceeded):
        inv.beneficial_owners(store, "e:widely-held", as_of=DAY)


# --- exposure ---------------------------------------------------------------------------------------


def test_exposure_reports_sanctions_nearby_but_not_voided_or_repaired_ones(
    store: GraphStore,
) -> None:
    given(
        store,
        [
            ent("e:me"),
            per("p:rep"),
            ent("e:bad"),
            ent("e:cleared"),
            ent("e:repaired"),
            lnk("LEGAL_REPRESENTATIVE", "p:rep", "e:me"),
            lnk("DIRECTOR", "p:rep", "e:bad"),
            lnk("DIRECTOR", "p:rep", "e:cleared"),
            lnk("DIRECTOR", "p:rep", "e:repaired"),
            evt("ev:bad", "DISHONEST_DEBTOR_LISTED", "e:bad", "2026-01-10"),
            evt("ev:listed", "SERIOUS_VIOLATION_LISTED", "e:cleared", "2025-09-01"),
            evt("ev:objection", "OBJECTION_UPHELD", "e:cleared", "2025-10-01", lifts="ev:listed"),
            evt("ev:pen", "ADMINISTRATIVE_PENALTY", "e:repaired", "2025-08-01", severity="general"),
            evt("ev:fix", "CREDIT_REPAIRED", "e:repaired", "2026-02-01", lifts="ev:pen"),
        ],
    )
    found = {e.node: e for e in inv.exposure(store, "e:me", depth=2, as_of=DAY)}
    assert set(found) == {"e:bad"}
    assert [e.id for e in found["e:bad"].events] == ["ev:bad"]
    assert found["e:bad"].path.nodes == ("e:me", "p:rep", "e:bad")
    assert found["e:bad"].distance == 2 and found["e:bad"].active
    before_repair = {
        e.node for e in inv.exposure(store, "e:me", depth=2, as_of=dt.date(2026, 1, 15))
    }
    assert before_repair == {"e:bad", "e:repaired"}


def test_exposure_refuses_rather_than_silently_skipping_a_huge_neighbourhood(
    store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    given(
        store,
        [
            per("p:hub"),
            *(ent(f"e:{i}") for i in range(30)),
            *(lnk("DIRECTOR", "p:hub", f"e:{i}") for i in range(30)),
        ],
    )
    monkeypatch.setattr(inv, "MAX_PARTIES", 20)
    with pytest.raises(LimitExceeded):
        inv.exposure(store, "p:hub", depth=1, as_of=DAY)


def test_exposure_refuses_at_one_party_past_the_cap_counting_only_links_that_hold(
    store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    given(
        store,
        [
            per("p:hub"),
            *(ent(f"e:{i}") for i in range(30)),
            *(lnk("DIRECTOR", "p:hub", f"e:{i}") for i in range(25)),
            *(
                lnk("DIRECTOR", "p:hub", f"e:{i}", "2020-01-01", "2025-12-31")
                for i in range(25, 30)
            ),
            evt("ev:listed", "DISHONEST_DEBTOR_LISTED", "e:3", "2026-01-10"),
        ],
    )
    monkeypatch.setattr(inv, "MAX_PARTIES", 26)  # the hub and its 25 boards on the day
    [found] = inv.exposure(store, "p:hub", depth=2, as_of=DAY)
    assert (found.node, found.distance) == ("e:3", 1)
    with pytest.raises(LimitExceeded):
        inv.exposure(store, "p:hub", depth=1, as_of=dt.date(2025, 6, 30))
    monkeypatch.setattr(inv, "MAX_PARTIES", 25)
    with pytest.raises(LimitExceeded):
        inv.exposure(store, "p:hub", depth=1, as_of=DAY)
    # depth 0 is the party itself: never too wide
    assert inv.exposure(store, "p:hub", depth=0, as_of=DAY) == []


# --- conflicts of interest ------------------------------------------------------------------------


def _agencies(store: GraphStore) -> None:
    given(
        store,
        [
            agy("g:a"),
            agy("g:b"),
            per("p:official", "王局长"),
            per("p:wife", "李某"),
            per("p:brother", "王某"),
            ent("e:watched"),
            ent("e:elsewhere"),
            lnk("OFFICIAL_OF", "p:official", "g:a", "2019-01-01"),
            lnk("SUPERVISES", "g:a", "e:watched"),
            lnk("SUPERVISES", "g:b", "e:elsewhere"),
            # the kinship is recorded from the relative's side this time
            lnk("RELATIVE_OF", "p:wife", "p:official", None),
            lnk("RELATIVE_OF", "p:official", "p:brother", None),
            lnk("SHAREHOLDER", "p:wife", "e:watched", share=0.35),
            lnk("DIRECTOR", "p:brother", "e:elsewhere"),
        ],
    )


def test_relative_holding_shares_in_a_supervised_enterprise_is_a_conflict(
    store: GraphStore,
) -> None:
    _agencies(store)
    [conflict] = inv.interest_conflicts(store, agency="g:a", as_of=DAY)
    assert (conflict.official, conflict.holder, conflict.enterprise) == (
        "p:official",
        "p:wife",
        "e:watched",
    )
    assert conflict.relation == "RELATIVE" and conflict.holding.share == 0.35
    assert conflict.path.nodes == ("p:official", "g:a", "e:watched", "p:wife", "p:official")
    # the brother's board seat is at an enterprise another agency supervises: no conflict
    assert inv.interest_conflicts(store, official="p:official", as_of=DAY) == [conflict]


def test_no_conflict_before_the_official_took_office(store: GraphStore) -> None:
    _agencies(store)
    assert inv.interest_conflicts(store, agency="g:a", as_of=dt.date(2018, 6, 1)) == []
    with pytest.raises(InvalidArgument):
        inv.interest_conflicts(store, as_of=DAY)
    with pytest.raises(InvalidArgument):
        inv.interest_conflicts(store, agency="p:official", as_of=DAY)


# --- deadline ---------------------------------------------------------------------------------------


def test_a_passed_deadline_stops_the_search_with_timeout_code(store: GraphStore) -> None:
    _diamond(store)
    deadline = inv.Deadline(0.0)
    with pytest.raises(inv.DeadlineExceeded) as caught:
        inv.paths(store, "p:a", "p:b", deadline=deadline)
    assert caught.value.code == "TIMEOUT"
