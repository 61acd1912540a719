"""Graph analysis with networkx (creditgraph.service.analysis) on small graphs an
investigator would draw: enterprises run by the same nominee, holdings in a circle,
detours between two parties, and the holders above an enterprise. On both stores: the
analysis reads the graph through the store interface only."""

from __future__ import annotations

import datetime as dt

import pytest

from creditgraph.service import analysis
from creditgraph.service.errors import InvalidArgument, UnknownId
from creditgraph.store.base import GraphStore
from test_investigation import ent, given, lnk, per


@pytest.fixture
def store(any_store: GraphStore) -> GraphStore:
    return any_store


def test_enterprises_sharing_a_director_are_one_suspected_related_group(store: GraphStore) -> None:
    given(
        store,
        [
            ent("e:a"),
            ent("e:b"),
            ent("e:c"),
            per("p:nominee"),
            per("p:other"),
            lnk("LEGAL_REPRESENTATIVE", "p:nominee", "e:a"),
            lnk("DIRECTOR", "p:nominee", "e:b"),
            lnk("LEGAL_REPRESENTATIVE", "p:other", "e:c"),
            # a shareholding person is not an officer: e:c stays outside the group
            lnk("SHAREHOLDER", "p:other", "e:a", share=0.1),
        ],
    )
    found = analysis.related_groups(store, "e:a", depth=2)
    assert [g.enterprises for g in found.groups] == [("e:a", "e:b")]
    (tie,) = found.groups[0].ties
    assert (tie.kind, tie.via) == (analysis.SHARED_OFFICER, "p:nominee")
    assert {link.rel for link in tie.links} == {"LEGAL_REPRESENTATIVE", "DIRECTOR"}


def test_officer_who_left_before_the_day_asked_no_longer_ties_the_enterprises(
    store: GraphStore,
) -> None:
    given(
        store,
        [
            ent("e:a"),
            ent("e:b"),
            per("p:x"),
            lnk("DIRECTOR", "p:x", "e:a", "2015-01-01", "2019-12-31"),
            lnk("DIRECTOR", "p:x", "e:b", "2021-01-01"),
        ],
    )
    assert analysis.related_groups(store, "e:a", as_of=dt.date(2018, 1, 1)).groups == ()
    assert [g.enterprises for g in analysis.related_groups(store, "e:b").groups] == [("e:a", "e:b")]


def test_holding_between_enterprises_ties_them_into_a_group(store: GraphStore) -> None:
    given(
        store,
        [
            ent("e:parent"),
            ent("e:sub"),
            ent("e:sub2"),
            lnk("SHAREHOLDER", "e:parent", "e:sub", share=0.6),
            lnk("SHAREHOLDER", "e:parent", "e:sub2", share=1.0),
        ],
    )
    (group,) = analysis.related_groups(store, "e:sub", depth=2).groups
    assert group.enterprises == ("e:parent", "e:sub", "e:sub2")
    assert {t.kind for t in group.ties} == {analysis.HOLDING}


def test_two_enterprises_holding_each_other_are_an_ownership_cycle(store: GraphStore) -> None:
    given(
        store,
        [
            ent("e:hold"),
            ent("e:ops"),
            per("p:owner"),
            lnk("SHAREHOLDER", "p:owner", "e:hold", share=0.9),
            lnk("SHAREHOLDER", "e:hold", "e:ops", share=0.6),
            lnk("SHAREHOLDER", "e:ops", "e:hold", share=0.1),
        ],
    )
    (cycle,) = analysis.ownership_cycles(store, "e:ops")
    assert cycle.nodes == ("e:hold", "e:ops")
    assert [(link.src, link.dst, link.share) for link in cycle.links] == [
        ("e:hold", "e:ops", 0.6),
        ("e:ops", "e:hold", 0.1),
    ]


def test_a_chain_of_holdings_without_a_circle_has_no_cycle(store: GraphStore) -> None:
    given(
        store,
        [
            ent("e:1"),
            ent("e:2"),
            ent("e:3"),
            lnk("SHAREHOLDER", "e:1", "e:2", share=0.5),
            lnk("SHAREHOLDER", "e:2", "e:3", share=0.5),
        ],
    )
    assert analysis.ownership_cycles(store, "e:2") == []


def test_k_shortest_paths_give_the_shortest_connection_then_the_detour(store: GraphStore) -> None:
    given(
        store,
        [
            per("p:a"),
            per("p:b"),
            ent("e:direct"),
            ent("e:x"),
            ent("e:y"),
            lnk("DIRECTOR", "p:a", "e:direct"),
            lnk("SUPERVISOR", "p:b", "e:direct"),
            lnk("LEGAL_REPRESENTATIVE", "p:a", "e:x"),
            lnk("SHAREHOLDER", "e:x", "e:y", share=0.3),
            lnk("MANAGER", "p:b", "e:y", "2021-03-01"),
        ],
    )
    found = analysis.k_shortest_paths(store, "p:a", "p:b", k=5, max_hops=4)
    assert [p.nodes for p in found] == [("p:a", "e:direct", "p:b"), ("p:a", "e:x", "e:y", "p:b")]
    assert found[1].hops[2].links[0].valid_from == dt.date(2021, 3, 1)
    # the detour is three links long: with two hops allowed only the shortest remains
    assert [p.length for p in analysis.k_shortest_paths(store, "p:a", "p:b", max_hops=2)] == [2]
    # on a day before the manager took office, only the direct connection existed
    early = analysis.k_shortest_paths(store, "p:a", "p:b", as_of=dt.date(2020, 6, 1))
    assert [p.length for p in early] == [2]


def test_k_shortest_paths_reject_bad_arguments(store: GraphStore) -> None:
    given(store, [per("p:a")])
    with pytest.raises(InvalidArgument):
        analysis.k_shortest_paths(store, "p:a", "p:a")
    with pytest.raises(InvalidArgument):
        analysis.k_shortest_paths(store, "p:a", "p:b", k=0)
    with pytest.raises(UnknownId):
        analysis.k_shortest_paths(store, "p:a", "p:nobody")


def test_ownership_tree_multiplies_shares_and_marks_the_cross_holding(store: GraphStore) -> None:
    given(
        store,
        [
            ent("e:target"),
            ent("e:holdco"),
            per("p:founder"),
            per("p:controller"),
            lnk("SHAREHOLDER", "e:holdco", "e:target", share=0.6),
            lnk("SHAREHOLDER", "e:target", "e:holdco", share=0.1),
            lnk("SHAREHOLDER", "p:founder", "e:holdco", share=0.5),
            lnk("ACTUAL_CONTROLLER", "p:controller", "e:holdco"),
        ],
    )
    tree = {b.chain: b for b in analysis.ownership_tree(store, "e:target")}
    assert tree[("e:target", "e:holdco")].effective_share == pytest.approx(0.6)
    assert tree[("e:target", "e:holdco", "p:founder")].effective_share == pytest.approx(0.3)
    # control is not equity: no share along that branch
    assert tree[("e:target", "e:holdco", "p:controller")].effective_share is None
    circle = tree[("e:target", "e:holdco", "e:target")]
    assert circle.cross_holding and circle.level == 2
    # the circle is cut where it closes: nothing is listed above the repeated enterprise
    assert not any(len(chain) > 3 for chain in tree)


def test_ownership_tree_is_for_enterprises(store: GraphStore) -> None:
    given(store, [per("p:a")])
    with pytest.raises(InvalidArgument):
        analysis.ownership_tree(store, "p:a")
    with pytest.raises(UnknownId):
        analysis.ownership_tree(store, "e:nobody")
