"""Investigators' questions through the schema (in process, strawberry's execute_sync, and
FastAPI's TestClient): who is linked to X and since when, how A and B connect, who really
owns E, what risk sits nearby, and where an official's family meets his agency's work."""

from __future__ import annotations

import warnings
from typing import Any, cast

from api_support import (
    BARRED,
    CLOSED,
    DISTRICT_AMR,
    HOLDING,
    HUB_SIZE,
    KEYS,
    MINGYUAN,
    NAMESAKE,
    NOMINEE,
    OFFICIAL,
    OPERATING,
    RELATIVE,
    REPAIRED,
    REVOKED,
    CountingStore,
    codes,
    run,
    state_for,
)

from creditgraph.api.app import create_app
from creditgraph.store.base import GraphStore
from creditgraph.store.embedded import EmbeddedStore


def data(result: Any) -> Any:
    assert result.errors is None, result.errors
    return result.data


def test_nominee_hub_neighborhood_reports_truncated_counts(demo_store: EmbeddedStore) -> None:
    state = state_for(demo_store)
    answer = data(
        run(
            state,
            f"""{{ neighborhood(id: "{NOMINEE}", depth: 2, perNodeLimit: 10)
        {{ root nodes {{ id type }} links {{ rel from to validFrom }} truncated {{ node total shown }} }} }}""",
        )
    )
    hood = answer["neighborhood"]
    assert hood["truncated"] == [{"node": NOMINEE, "total": HUB_SIZE, "shown": 10}]
    assert len(hood["links"]) == 10 and len(hood["nodes"]) == 11
    assert hood["nodes"][0] == {"id": NOMINEE, "type": "PERSON"}


def test_neighborhood_follows_only_the_link_kinds_asked_and_the_day_asked(
    demo_store: EmbeddedStore,
) -> None:
    state = state_for(demo_store)
    before = data(
        run(
            state,
            f"""{{ neighborhood(id: "{REVOKED}", rels: [LEGAL_REPRESENTATIVE],
        asOf: "2018-06-01") {{ nodes {{ id }} links {{ from validTo }} }} }}""",
        )
    )
    assert [n["id"] for n in before["neighborhood"]["nodes"]] == [REVOKED, "p:chen-jing"]
    ever = data(
        run(
            state,
            f"""{{ neighborhood(id: "{REVOKED}", rels: [LEGAL_REPRESENTATIVE])
        {{ nodes {{ id }} }} }}""",
        )
    )
    assert {n["id"] for n in ever["neighborhood"]["nodes"]} == {REVOKED, "p:chen-jing", BARRED}


def test_historical_legal_representatives_are_kept_and_filterable_by_date(
    demo_store: EmbeddedStore,
) -> None:
    state = state_for(demo_store)
    query = """query ($id: ID!, $on: Date) { enterprise(id: $id) {
        legalRepresentatives(asOf: $on) { source { id name } validFrom validTo } } }"""
    history = data(run(state, query, {"id": REVOKED}))["enterprise"]["legalRepresentatives"]
    assert [(r["source"]["id"], r["validFrom"], r["validTo"]) for r in history] == [
        (BARRED, "2020-01-01", None),
        ("p:chen-jing", "2015-03-02", "2019-12-31"),
    ]
    in_2018 = data(run(state, query, {"id": REVOKED, "on": "2018-01-01"}))["enterprise"][
        "legalRepresentatives"
    ]
    assert [r["source"]["name"] for r in in_2018] == ["陈静"]


def test_find_relationship_returns_every_shortest_path_with_dated_links(
    demo_store: EmbeddedStore,
) -> None:
    state = state_for(demo_store)
    answer = data(
        run(
            state,
            f"""{{ paths(fromId: "{BARRED}", toId: "{HOLDING}")
        {{ length nodes {{ id }} hops {{ from to links {{ rel validFrom share }} }} }} }}""",
        )
    )
    found = [[n["id"] for n in p["nodes"]] for p in answer["paths"]]
    # 张伟 → 明远 ← 浦东局 → 鼎盛实业 → 鼎盛控股, through the official or the supervisor
    assert all(p["length"] == 4 for p in answer["paths"])
    assert [BARRED, MINGYUAN, DISTRICT_AMR, OPERATING, HOLDING] in found
    assert [BARRED, MINGYUAN, OFFICIAL, DISTRICT_AMR, OPERATING] not in found
    hop = answer["paths"][0]["hops"][0]
    assert hop["from"] == BARRED and hop["links"] == [
        {"rel": "DIRECTOR", "validFrom": "2025-05-01", "share": None}
    ]


def test_no_path_within_max_hops_is_an_empty_answer(demo_store: EmbeddedStore) -> None:
    state = state_for(demo_store)
    assert (
        data(
            run(
                state,
                f'{{ paths(fromId: "{BARRED}", toId: "{NOMINEE}", maxHops: 6) {{ length }} }}',
            )
        )["paths"]
        == []
    )
    assert (
        data(
            run(
                state,
                f'{{ paths(fromId: "{BARRED}", toId: "{HOLDING}", maxHops: 3) {{ length }} }}',
            )
        )["paths"]
        == []
    )


def test_beneficial_owner_through_two_level_chain_with_cycle(demo_store: EmbeddedStore) -> None:
    state = state_for(demo_store)
    answer = data(
        run(
            state,
            f"""{{ beneficialOwners(enterpriseId: "{OPERATING}")
        {{ person {{ id }} effectiveShare reasons incomplete chains {{ nodes share control }} }} }}""",
        )
    )
    owners = {o["person"]["id"]: o for o in answer["beneficialOwners"]}
    # 刘洋 40% directly; 李强 and 王芳 45% of the holding, which holds 60%: 27% each; the holding's
    # 10% cross-holding back from 鼎盛实业 adds nothing (a chain never revisits a party)
    assert {p: (o["effectiveShare"], o["reasons"]) for p, o in owners.items()} == {
        "p:liu-yang": (0.4, ["EQUITY"]),
        "p:li-qiang": (0.27, ["EQUITY"]),
        "p:wang-fang": (0.27, ["EQUITY"]),
        "p:zhao-min": (0.0, ["CONTROL"]),  # actual controller of the majority holder
    }
    assert owners["p:li-qiang"]["chains"] == [
        {"nodes": ["p:li-qiang", HOLDING, OPERATING], "share": 0.27, "control": False}
    ]
    assert owners["p:zhao-min"]["chains"][0]["control"] is True


def test_raising_the_threshold_leaves_only_the_larger_owners(demo_store: EmbeddedStore) -> None:
    state = state_for(demo_store)
    answer = data(
        run(
            state,
            f'{{ beneficialOwners(enterpriseId: "{OPERATING}", threshold: 0.3) '
            "{ person { id } reasons } }",
        )
    )
    assert [(o["person"]["id"], o["reasons"]) for o in answer["beneficialOwners"]] == [
        ("p:liu-yang", ["EQUITY"]),
        ("p:zhao-min", ["CONTROL"]),
    ]


def test_exposure_lists_sanctioned_parties_within_two_links_with_paths(
    demo_store: EmbeddedStore,
) -> None:
    state = state_for(demo_store)
    answer = data(
        run(
            state,
            f"""{{ exposure(id: "{MINGYUAN}", depth: 2) {{ node {{ id }} distance
        active events {{ id kind }} restrictions {{ measure until }} path {{ nodes {{ id }} }} }} }}""",
        )
    )
    found = {e["node"]["id"]: e for e in answer["exposure"]}
    assert set(found) == {BARRED, REVOKED, OPERATING}
    assert found[REVOKED]["events"] == [{"id": "ev:hx-2024-revoked", "kind": "LICENSE_REVOKED"}]
    assert [n["id"] for n in found[REVOKED]["path"]["nodes"]] == [MINGYUAN, BARRED, REVOKED]
    assert {r["measure"] for r in found[BARRED]["restrictions"]} >= {"BAR_DIRECTOR"}
    assert found[BARRED]["distance"] == 1 and found[BARRED]["events"] == []


def test_exposure_ignores_voided_listings_and_repaired_penalties(demo_store: EmbeddedStore) -> None:
    state = state_for(demo_store)
    objection = data(run(state, '{ exposure(id: "p:zhou-jie", depth: 1) { node { id } } }'))
    assert objection["exposure"] == []  # the serious-violation listing was voided
    before_repair = data(
        run(
            state,
            f'{{ exposure(id: "{REPAIRED}", depth: 0, '
            'asOf: "2025-12-31") { active events { kind } } }',
        )
    )
    after_repair = data(
        run(state, f'{{ exposure(id: "{REPAIRED}", depth: 0) {{ node {{ id }} }} }}')
    )
    assert before_repair["exposure"] == [
        {"active": True, "events": [{"kind": "ADMINISTRATIVE_PENALTY"}]}
    ]
    assert after_repair["exposure"] == []


def test_official_and_relative_holding_office_in_supervised_enterprises(
    demo_store: EmbeddedStore,
) -> None:
    state = state_for(demo_store)
    answer = data(
        run(
            state,
            f"""{{ interestConflicts(officialId: "{OFFICIAL}") {{ relation
        official {{ id }} agency {{ id }} holder {{ id name }} enterprise {{ id }}
        holding {{ rel share }} supervision {{ from to }} kinship {{ from to }} path {{ nodes {{ id }} }} }} }}""",
        )
    )
    conflicts = {c["relation"]: c for c in answer["interestConflicts"]}
    assert conflicts["SELF"]["enterprise"]["id"] == MINGYUAN
    assert conflicts["SELF"]["holding"] == {"rel": "SHAREHOLDER", "share": 0.05}
    relative = conflicts["RELATIVE"]
    assert (relative["holder"]["id"], relative["enterprise"]["id"]) == (RELATIVE, OPERATING)
    assert relative["holding"]["rel"] == "SUPERVISOR"
    assert [n["id"] for n in relative["path"]["nodes"]] == [
        OFFICIAL,
        DISTRICT_AMR,
        OPERATING,
        RELATIVE,
        OFFICIAL,
    ]
    before_office = data(
        run(
            state,
            f'{{ interestConflicts(officialId: "{OFFICIAL}", asOf: "2018-01-01") {{ relation }} }}',
        )
    )
    assert before_office["interestConflicts"] == []


def test_search_ignores_script_width_and_spaces_and_finds_codes(demo_store: EmbeddedStore) -> None:
    state = state_for(demo_store)

    def ids(text: str) -> list[str]:
        answer = data(
            run(
                state,
                "query ($q: String!) { search(query: $q) { edges { node { id } } } }",
                {"q": text},
            )
        )
        return [e["node"]["id"] for e in answer["search"]["edges"]]

    assert ids("華信貿易") == [REVOKED]  # traditional characters
    assert ids(" 华信　贸易 ") == [REVOKED]  # stray and full-width spaces
    assert ids(CLOSED.lower()) == [CLOSED]  # a code, in any case
    assert set(ids("张伟")) == {BARRED, NAMESAKE}  # namesakes are two people, never merged


def test_search_pages_with_opaque_cursors(demo_store: EmbeddedStore) -> None:
    state = state_for(demo_store)
    query = """query ($after: String) { search(query: "空壳", first: 50, after: $after)
        { edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage endCursor } } }"""
    seen: list[str] = []
    after = None
    while True:
        page = data(run(state, query, {"after": after}))["search"]
        seen.extend(e["node"]["id"] for e in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert "search" not in after  # opaque
    assert len(seen) == len(set(seen)) == HUB_SIZE


def test_restrictions_connection_pages_through_everything_once(demo_store: EmbeddedStore) -> None:
    state = state_for(demo_store)
    query = """query ($after: String) { restrictions(first: 4, after: $after) { totalCount
        edges { cursor node { id subject measure status } }
        pageInfo { hasNextPage endCursor } } }"""
    ids: list[str] = []
    after = None
    while True:
        page = data(run(state, query, {"after": after}))["restrictions"]
        ids.extend(e["node"]["id"] for e in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert ids == sorted(ids) and len(ids) == page["totalCount"] == len(set(ids))
    in_force = data(
        run(
            state,
            f'{{ restrictions(subjectId: "{BARRED}", measure: BAR_DIRECTOR, '
            'activeOn: "2027-03-15") { totalCount edges { node { until status } } } }',
        )
    )
    assert in_force["restrictions"]["totalCount"] == 1
    assert in_force["restrictions"]["edges"][0]["node"] == {
        "until": "2027-03-15",
        "status": "ACTIVE",
    }


def test_node_resolves_to_its_type_with_events_and_restrictions(demo_store: EmbeddedStore) -> None:
    state = state_for(demo_store)
    answer = data(
        run(
            state,
            f"""{{ node(id: "{CLOSED}") {{ __typename id name type
        ... on Enterprise {{ status }} events {{ kind responsible document authority }}
        restrictions(activeOn: "2026-06-30") {{ measure certainty }} }} }}""",
        )
    )
    node = answer["node"]
    assert (node["__typename"], node["type"], node["status"]) == (
        "Enterprise",
        "ENTERPRISE",
        "closed",
    )
    assert node["events"] == [
        {
            "kind": "ORDERED_CLOSED",
            "responsible": None,
            "document": "沪市监案〔2025〕17号",
            "authority": "g:sh-amr",
        }
    ]
    assert node["restrictions"] == [{"measure": "BAR_GOV_PROCUREMENT", "certainty": "CONFIRMED"}]
    agency = data(
        run(
            state,
            f'{{ node(id: "{DISTRICT_AMR}") {{ __typename ... on Agency {{ level }} }} '
            f'agency(id: "{DISTRICT_AMR}") {{ name linkCount(rels: [SUPERVISES]) }} }}',
        )
    )
    assert agency["node"] == {"__typename": "Agency", "level": "county"}
    assert agency["agency"] == {"name": "上海市浦东新区市场监督管理局", "linkCount": 3}


def test_a_hub_lists_one_page_of_links_and_says_how_many_there_are(
    demo_store: EmbeddedStore,
) -> None:
    state = state_for(demo_store)
    answer = data(
        run(state, f'{{ person(id: "{NOMINEE}") {{ linkCount links(first: 5) {{ to }} }} }}')
    )
    assert answer["person"]["linkCount"] == HUB_SIZE and len(answer["person"]["links"]) == 5


def test_batch_of_checks_reads_the_store_a_fixed_number_of_times(demo_store: EmbeddedStore) -> None:
    counting = CountingStore(demo_store)
    state = state_for(cast(GraphStore, counting))
    requests = [
        {"personId": p, "role": "DIRECTOR"}
        for p in [BARRED, NAMESAKE, "p:huang-lei", "p:li-qiang", "p:sun-li"] * 20
    ]
    counting.reset()
    answer = data(
        run(
            state,
            "query ($r: [AppointmentRequest!]!) { checkAppointments(requests: $r) { decision } }",
            {"r": requests},
        )
    )
    assert [d["decision"] for d in answer["checkAppointments"][:5]] == [
        "DENY",
        "ALLOW",
        "REVIEW",
        "ALLOW",
        "ALLOW",
    ]
    assert len(answer["checkAppointments"]) == 100
    # (the audit entry is written separately: batched by the server's audit thread)
    # the registry facts a check weighs (legal-rep links, their enterprises, the dated closures
    # of those the registry shows revoked) are read once per batch, not once per check
    assert sorted(c for c in counting.calls if c != "append_audit") == sorted(
        [
            "nodes",
            "restrictions",
            "links",
            "nodes",
            "events",
            "lifting_events",
            "lifting_events",
            "data_version",
        ]
    )


def test_single_check_reads_the_store_a_fixed_number_of_times(demo_store: EmbeddedStore) -> None:
    counting = CountingStore(demo_store)
    state = state_for(cast(GraphStore, counting))
    counting.reset()
    data(
        run(
            state,
            f'{{ checkAppointment(personId: "{BARRED}", role: DIRECTOR) {{ decision '
            "reasons { rule path { node } } } }",
        )
    )
    # node, restrictions and version; then the registry facts: his legal-rep links, their
    # enterprises, and the dated revocation of the one the registry shows revoked
    # (+ node_types: which ids in the answer are persons, for the audit — issue 10, item 23)
    assert sorted(c for c in counting.calls if c != "append_audit") == [
        "data_version",
        "events",
        "lifting_events",
        "links",
        "node",
        "node_types",
        "nodes",
        "restrictions",
    ]


def test_testclient_speaks_graphql_and_keys(demo_store: EmbeddedStore) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    app = create_app(state_for(demo_store, keys=KEYS))
    with TestClient(app) as http:
        anonymous = http.post("/graphql", json={"query": "{ viewer { role } }"})
        assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        investigator = http.post(
            "/graphql",
            json={"query": "{ viewer { role } }"},
            headers={"Authorization": f"Bearer {KEYS['investigator']}"},
        )
        assert investigator.json() == {"data": {"viewer": {"role": "investigator"}}}
        assert http.get("/healthz").json()["status"] == "ok"


def test_unknown_ids_and_wrong_kinds_are_named(demo_store: EmbeddedStore) -> None:
    state = state_for(demo_store)
    assert codes(run(state, '{ beneficialOwners(enterpriseId: "e:none") { effectiveShare } }')) == [
        "NOT_FOUND"
    ]
    wrong = run(state, f'{{ beneficialOwners(enterpriseId: "{BARRED}") {{ effectiveShare }} }}')
    assert codes(wrong) == ["INVALID_ARGUMENT"]
    assert "is a person, not a enterprise" in wrong.errors[0].message
    assert codes(run(state, "{ interestConflicts { relation } }")) == ["INVALID_ARGUMENT"]
    assert codes(run(state, '{ node(id: "110105194912310021") { id } }')) in (
        ["INVALID_ARGUMENT"],
        ["NOT_FOUND"],
    )


def test_an_explicit_null_argument_means_the_default_as_the_contract_types_them(
    demo_store: EmbeddedStore,
) -> None:
    # CONTRACT.md types the traversal arguments nullable (depth: Int, perNodeLimit: Int,
    # maxHops: Int, first: Int, threshold: Float): a client that sends its unset variables
    # as null gets the default, not a validation error
    state = state_for(demo_store)
    query = """query ($hub: ID!, $from: ID!, $to: ID!, $owned: ID!, $near: ID!,
                      $d: Int, $limit: Int, $hops: Int, $first: Int, $t: Float, $e: Int) {
      neighborhood(id: $hub, depth: $d, perNodeLimit: $limit) { nodes { id } links { rel } }
      paths(fromId: $from, toId: $to, maxHops: $hops, first: $first) { length nodes { id } }
      beneficialOwners(enterpriseId: $owned, threshold: $t) { person { id } effectiveShare }
      exposure(id: $near, depth: $e) { node { id } distance }
    }"""
    ids = {"hub": NOMINEE, "from": BARRED, "to": OPERATING, "owned": OPERATING, "near": MINGYUAN}
    nulls = {**ids, **dict.fromkeys(("d", "limit", "hops", "first", "t", "e"))}
    with_nulls = data(run(state, query, nulls))
    defaults = {**ids, "d": 1, "limit": 50, "hops": 4, "first": 10, "t": 0.25, "e": 2}
    assert with_nulls == data(run(state, query, defaults))
    assert len(with_nulls["neighborhood"]["links"]) == 50  # the hub, cut at the default
    assert with_nulls["paths"] and with_nulls["exposure"]
