"""The GraphQL API over Neo4j answers exactly as over the embedded store.

The bundled demo scenario plus the nominee hub is loaded into both stores; every operation
below runs in process against both, with the same caller, and the two responses — data and
errors — must be identical (but for ``dataVersion``, each store's own counter, and the
audit entries' timestamps). Each test also checks that what it compares is not trivial.
One test serves the Neo4j-backed API with the real server and asks over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
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
    OBJECTION,
    OFFICIAL,
    OPERATING,
    REPAIRED,
    REVOKED,
    TODAY,
    ask,
    client,
    demo_records,
    lines,
    new_store,
    nominee_hub,
    run,
    serving,
    state_for,
)

from creditgraph.api.context import ApiState
from creditgraph.ingest.loader import load
from creditgraph.store.base import GraphStore
from support.stores import Neo4jTestServer

pytestmark = pytest.mark.neo4j

DECISION = """decision on until person role enterprise subject activity dataVersion
  reasons { measure rule legalBasis from until certainty effect restrictionId
            event { id kind subject date } path { node rel validFrom validTo } }"""
LINK = "rel from to validFrom validTo share"


@pytest.fixture(scope="module")
def neo4j_demo(neo4j_server: Neo4jTestServer) -> Iterator[GraphStore]:
    neo4j_server.empty()
    store = neo4j_server.open()
    result = load(lines([*demo_records(), *nominee_hub()]), store)
    assert not result.errors, result.errors
    yield store
    store.close()


@pytest.fixture(scope="module")
def states(
    neo4j_demo: GraphStore, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, ApiState]]:
    """The API over each store (the same keys), for the whole module: the tests run in order
    and the audit log read last holds what the earlier ones touched, in both stores."""
    embedded = new_store(tmp_path_factory.mktemp("api-on-neo4j") / "demo.db", nominee_hub())
    both = {
        "embedded": state_for(embedded, keys=KEYS, public=True),
        "neo4j": state_for(neo4j_demo, keys=KEYS, public=True),
    }
    yield both
    for state in both.values():
        if state.executor is not None:
            state.executor.shutdown(wait=False)
    embedded.close()


def _comparable(value: Any) -> Any:
    """The response without what is each store's own: the data version."""
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items() if k != "dataVersion"}
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    return value


def same(
    states: dict[str, ApiState],
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    key: str | None = KEYS["investigator"],
    purpose: str | None = None,
    errors: bool = False,
) -> Any:
    """Run ``query`` on both stores; the responses must be identical. Returns the data."""
    answers = {}
    for name, state in states.items():
        result = run(state, query, variables, key=key, purpose=purpose)
        answers[name] = {
            "data": _comparable(result.data),
            "errors": [(e.message, e.extensions) for e in result.errors or []],
        }
    assert answers["neo4j"] == answers["embedded"]
    assert bool(answers["neo4j"]["errors"]) == errors, answers["neo4j"]["errors"]
    return answers["neo4j"]["data"]


# --- decisions ---------------------------------------------------------------------------------


def test_appointment_checks_give_the_same_decisions_and_reasons(
    states: dict[str, ApiState],
) -> None:
    query = f"""query ($p: ID!, $role: Role!, $e: ID, $on: Date) {{
        checkAppointment(personId: $p, role: $role, enterpriseId: $e, on: $on) {{ {DECISION} }} }}"""
    deny = same(states, query, {"p": BARRED, "role": "DIRECTOR", "on": TODAY}, key=KEYS["approval"])
    decision = deny["checkAppointment"]
    assert decision["decision"] == "DENY" and decision["until"] == "2027-03-15"
    assert decision["reasons"] and all(r["path"] for r in decision["reasons"])
    for variables in (
        {"p": NAMESAKE, "role": "DIRECTOR"},
        {"p": BARRED, "role": "LEGAL_REPRESENTATIVE", "e": MINGYUAN, "on": "2027-03-16"},
        {"p": "p:huang-lei", "role": "MANAGER"},
        {"p": "p:zhou-jie", "role": "LEGAL_REPRESENTATIVE"},
        {"p": BARRED, "role": "SUPERVISOR", "on": "2024-03-14"},  # the day before revocation
    ):
        same(states, query, variables, key=KEYS["approval"])
    same(states, query, {"p": "p:ghost", "role": "DIRECTOR"}, key=KEYS["approval"], errors=True)

    requests = [
        {"personId": p, "role": role, "on": on}
        for p in (BARRED, NAMESAKE, "p:huang-lei", "p:li-qiang", "p:sun-li", "p:zhou-jie")
        for role in ("DIRECTOR", "LEGAL_REPRESENTATIVE", "MANAGER")
        for on in ("2023-01-01", TODAY, "2030-01-01")
    ]
    batch = same(
        states,
        f"query ($r: [AppointmentRequest!]!) {{ checkAppointments(requests: $r) {{ {DECISION} }} }}",
        {"r": requests},
        key=KEYS["approval"],
    )
    verdicts = {d["decision"] for d in batch["checkAppointments"]}
    assert verdicts == {"ALLOW", "REVIEW", "DENY"}


def test_eligibility_checks_give_the_same_decisions(states: dict[str, ApiState]) -> None:
    query = f"""query ($s: ID!, $a: Activity!, $on: Date) {{
        checkEligibility(subjectId: $s, activity: $a, on: $on) {{ {DECISION} }} }}"""
    found = set()
    for subject in (OPERATING, CLOSED, REVOKED, OBJECTION, REPAIRED, BARRED, HOLDING):
        for activity in ("GOV_PROCUREMENT", "BIDDING", "HIGH_CONSUMPTION", "GOV_FUNDING"):
            for on in (TODAY, "2027-02-28", "2027-03-01"):
                answer = same(
                    states, query, {"s": subject, "a": activity, "on": on}, key=KEYS["approval"]
                )
                found.add(answer["checkEligibility"]["decision"])
    assert found == {"ALLOW", "DENY"}


# --- parties and their links over time ---------------------------------------------------------


def test_search_finds_the_same_parties_in_the_same_order(states: dict[str, ApiState]) -> None:
    query = """query ($q: String!, $first: Int, $after: String) {
        search(query: $q, first: $first, after: $after) {
          edges { cursor node { id name type } } pageInfo { hasNextPage endCursor } } }"""
    for text in (
        "華信貿易",
        " 华信　贸易 ",
        CLOSED.lower(),
        "张伟",
        "上海",
        "鼎盛",
        "p:wu",
        "无此名",
    ):
        same(states, query, {"q": text})
    assert len(same(states, query, {"q": "上海"})["search"]["edges"]) == 20
    # every page of the hub's 120 shells, and what the public sees of a person's name
    seen: list[str] = []
    after = None
    while True:
        page = same(states, query, {"q": "空壳", "first": 50, "after": after})["search"]
        seen.extend(e["node"]["id"] for e in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(set(seen)) == HUB_SIZE
    assert same(states, query, {"q": "张伟"}, key=None)["search"]["edges"] == []


def test_enterprises_and_persons_with_their_links_over_time(states: dict[str, ApiState]) -> None:
    party = f"""id name type linkCount links {{ {LINK} source {{ id }} target {{ id }} }}
        events {{ id kind subject date authority document note responsible lifts details }}
        restrictions {{ id subject measure status from until certainty }}"""
    enterprise = f"""query ($id: ID!, $on: Date) {{ enterprise(id: $id) {{ {party} status kind
        established legalRepresentatives {{ {LINK} source {{ id name }} }}
        asOf: legalRepresentatives(asOf: $on) {{ {LINK} }}
        linksThen: links(asOf: $on) {{ {LINK} }} owners: links(rels: [SHAREHOLDER], direction: IN)
        {{ {LINK} }} active: restrictions(activeOn: $on) {{ id }} }} }}"""
    revoked = same(states, enterprise, {"id": REVOKED, "on": "2018-01-01"})["enterprise"]
    assert [(r["source"]["id"], r["validTo"]) for r in revoked["legalRepresentatives"]] == [
        (BARRED, None),
        ("p:chen-jing", "2019-12-31"),
    ]
    assert revoked["events"] and revoked["restrictions"]
    for subject in (MINGYUAN, HOLDING, OPERATING, REPAIRED, OBJECTION, CLOSED):
        for on in ("2018-01-01", TODAY):
            same(states, enterprise, {"id": subject, "on": on})
    same(states, enterprise, {"id": REVOKED, "on": TODAY}, key=None)  # the public view

    person = f"""query ($id: ID!, $on: Date) {{ person(id: $id) {{ {party} idNumberMasked
        linksThen: links(asOf: $on) {{ {LINK} }} active: restrictions(activeOn: $on) {{ id }} }} }}"""
    barred = same(states, person, {"id": BARRED, "on": TODAY}, key=KEYS["steward"])["person"]
    assert barred["idNumberMasked"] and barred["links"] and barred["restrictions"]
    for subject in (NAMESAKE, OFFICIAL, "p:zheng-hong", "p:li-qiang", "p:zhou-jie"):
        same(states, person, {"id": subject, "on": "2020-06-30"})
    hub = same(
        states,
        f'{{ person(id: "{NOMINEE}") {{ linkCount links(first: 5) {{ {LINK} }} }} }}',
    )["person"]
    assert hub["linkCount"] == HUB_SIZE and len(hub["links"]) == 5
    same(
        states,
        f"""{{ node(id: "{CLOSED}") {{ __typename id name ... on Enterprise {{ status }} }}
            agency(id: "{DISTRICT_AMR}") {{ {party} level }}
            a: agency(id: "g:sh-amr") {{ linkCount(rels: [SUPERVISES]) }} }}""",
    )
    same(states, '{ enterprise(id: "e:nowhere") { name } }', errors=True)


# --- association queries -----------------------------------------------------------------------


def test_neighborhoods_with_truncation(states: dict[str, ApiState]) -> None:
    query = f"""query ($id: ID!, $depth: Int!, $limit: Int!, $on: Date, $rels: [Rel!]) {{
        neighborhood(id: $id, depth: $depth, perNodeLimit: $limit, asOf: $on, rels: $rels) {{
          root nodes {{ id type name }} links {{ {LINK} }} truncated {{ node total shown }} }} }}"""
    hub = same(states, query, {"id": NOMINEE, "depth": 2, "limit": 10})["neighborhood"]
    assert hub["truncated"] == [{"node": NOMINEE, "total": HUB_SIZE, "shown": 10}]
    assert len(hub["links"]) == 10
    wide = same(states, query, {"id": MINGYUAN, "depth": 3, "limit": 50})["neighborhood"]
    assert len(wide["nodes"]) > 10
    for variables in (
        {"id": REVOKED, "depth": 2, "limit": 3},
        {
            "id": REVOKED,
            "depth": 1,
            "limit": 50,
            "rels": ["LEGAL_REPRESENTATIVE"],
            "on": "2018-06-01",
        },
        {"id": DISTRICT_AMR, "depth": 2, "limit": 2},
        {"id": OFFICIAL, "depth": 3, "limit": 5, "on": TODAY},
    ):
        same(states, query, variables)


def test_paths_between_parties(states: dict[str, ApiState]) -> None:
    query = f"""query ($a: ID!, $b: ID!, $hops: Int!, $on: Date, $first: Int!) {{
        paths(fromId: $a, toId: $b, maxHops: $hops, asOf: $on, first: $first) {{
          length nodes {{ id }} hops {{ from to links {{ {LINK} }} }} }} }}"""
    paths = same(states, query, {"a": BARRED, "b": HOLDING, "hops": 4, "first": 10})["paths"]
    assert paths and all(p["length"] == 4 for p in paths)
    for variables in (
        {"a": BARRED, "b": HOLDING, "hops": 4, "first": 1},
        {"a": BARRED, "b": HOLDING, "hops": 3, "first": 10},
        {"a": OFFICIAL, "b": "p:zheng-hong", "hops": 6, "first": 10},
        {"a": REVOKED, "b": OPERATING, "hops": 6, "first": 10, "on": "2018-01-01"},
        {"a": NOMINEE, "b": "e:shell-007", "hops": 2, "first": 10},
        {"a": BARRED, "b": NOMINEE, "hops": 6, "first": 10},
    ):
        same(states, query, variables)


def test_beneficial_owners_and_exposure(states: dict[str, ApiState]) -> None:
    owners = """query ($e: ID!, $t: Float!, $on: Date) {
        beneficialOwners(enterpriseId: $e, threshold: $t, asOf: $on) {
          person { id } effectiveShare reasons incomplete chains { nodes share control } } }"""
    operating = same(states, owners, {"e": OPERATING, "t": 0.25})["beneficialOwners"]
    assert {o["person"]["id"] for o in operating} >= {"p:liu-yang", "p:li-qiang", "p:zhao-min"}
    for enterprise in (HOLDING, MINGYUAN, REVOKED):
        for threshold in (0.05, 0.25):
            same(states, owners, {"e": enterprise, "t": threshold, "on": "2020-01-01"})
            same(states, owners, {"e": enterprise, "t": threshold})
    same(states, owners, {"e": BARRED, "t": 0.25}, errors=True)

    exposure = f"""query ($id: ID!, $depth: Int!, $on: Date) {{
        exposure(id: $id, depth: $depth, asOf: $on) {{ node {{ id }} distance active
          events {{ id kind }} restrictions {{ id measure until }}
          path {{ length nodes {{ id }} hops {{ links {{ {LINK} }} }} }} }} }}"""
    near = same(states, exposure, {"id": MINGYUAN, "depth": 2})["exposure"]
    assert {e["node"]["id"] for e in near} == {BARRED, REVOKED, OPERATING}
    for variables in (
        {"id": MINGYUAN, "depth": 3},
        {"id": REPAIRED, "depth": 0, "on": "2025-12-31"},
        {"id": "p:zhou-jie", "depth": 1},
        {"id": HOLDING, "depth": 2, "on": "2024-06-01"},
    ):
        same(states, exposure, variables)


def test_restrictions_connection_pages_alike(states: dict[str, ApiState]) -> None:
    query = """query ($after: String, $s: ID, $m: Measure, $on: Date, $first: Int) {
        restrictions(subjectId: $s, measure: $m, activeOn: $on, first: $first, after: $after) {
          totalCount edges { cursor node { id subject measure status from until certainty rule
            event { id kind } path { node rel validFrom validTo } } }
          pageInfo { hasNextPage hasPreviousPage endCursor } } }"""
    ids: list[str] = []
    after = None
    while True:
        page = same(states, query, {"after": after, "first": 4})["restrictions"]
        ids.extend(e["node"]["id"] for e in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(ids) == page["totalCount"] == len(set(ids)) > 8
    for variables in (
        {"s": BARRED, "m": "BAR_DIRECTOR", "on": "2027-03-15"},
        {"s": BARRED, "on": "2027-03-16"},
        {"on": TODAY, "first": 500},
        {"m": "BAR_GOV_PROCUREMENT"},
    ):
        same(states, query, variables)
    same(states, query, {"first": 500}, key=None)  # the public view: no person


def test_interest_conflicts(states: dict[str, ApiState]) -> None:
    query = f"""query ($agency: ID, $official: ID, $on: Date) {{
        interestConflicts(agencyId: $agency, officialId: $official, asOf: $on) {{
          relation official {{ id }} agency {{ id }} holder {{ id name }} enterprise {{ id }}
          office {{ {LINK} }} supervision {{ {LINK} }} holding {{ {LINK} }} kinship {{ {LINK} }}
          path {{ nodes {{ id }} }} }} }}"""
    found = same(states, query, {"agency": DISTRICT_AMR})["interestConflicts"]
    assert {c["relation"] for c in found} == {"SELF", "RELATIVE"}
    for variables in (
        {"official": OFFICIAL},
        {"official": OFFICIAL, "on": "2018-01-01"},
        {"agency": "g:sh-amr", "on": TODAY},
    ):
        same(states, query, variables)


# --- writes and the audit trail ----------------------------------------------------------------


def test_import_with_invalid_records_is_refused_alike(states: dict[str, ApiState]) -> None:
    records = [
        {"type": "person", "id": "p:never", "name": "不应写入"},
        {
            "type": "link",
            "rel": "DIRECTOR",
            "from": "p:never",
            "to": "e:missing",
            "valid_from": "2020-01-01",
        },
        {"type": "enterprise", "id": "91310000MA1HX0012R", "name": "校验位错误"},
        {"type": "link", "rel": "LEGAL_REPRESENTATIVE", "from": REVOKED, "to": MINGYUAN},
        {
            "type": "event",
            "id": "ev:x",
            "kind": "DELISTED",
            "subject": OPERATING,
            "date": "2026-01-01",
            "lifts": "ev:hx-2024-revoked",
        },
        {"type": "person", "id": CLOSED, "name": "冒用代码"},
    ]
    mutation = """mutation ($r: [JSON!]!, $skip: Boolean!) {
        importRecords(records: $r, skipInvalid: $skip) {
          ok written accepted errors { index field message }
          created { kind count } updated { kind count } unchanged { kind count }
          restrictionsDerived eventsRederived dataVersion } }"""
    refused = same(states, mutation, {"r": records, "skip": False}, key=KEYS["steward"])
    result = refused["importRecords"]
    assert (result["ok"], result["written"]) == (False, False)
    assert [(e["index"], e["field"]) for e in result["errors"]] == [
        (1, "to"),
        (2, "id"),
        (3, "from"),
        (4, "subject"),
        (5, "id"),
    ]
    # records already stored, with a bad one skipped: nothing changes, nothing is written
    again = [*demo_records()[:4], records[2]]
    skipped = same(states, mutation, {"r": again, "skip": True}, key=KEYS["steward"])
    assert [e["index"] for e in skipped["importRecords"]["errors"]] == [4]
    assert skipped["importRecords"]["unchanged"]
    same(states, mutation, {"r": records, "skip": False}, key=KEYS["investigator"], errors=True)


def test_audit_log_holds_the_same_entries(states: dict[str, ApiState]) -> None:
    purpose = "案件 2026-118 关联方核查"
    same(
        states,
        f'{{ paths(fromId: "{BARRED}", toId: "{OFFICIAL}") {{ length }} '
        f'p: person(id: "{NAMESAKE}") {{ name }} }}',
        purpose=purpose,
    )
    for person in ("p:li-qiang", "p:zheng-hong", BARRED):  # one entry each, newest last
        same(states, f'{{ person(id: "{person}") {{ name }} }}', key=KEYS["steward"])
    query = """query ($first: Int, $after: String) { auditLog(first: $first, after: $after) {
        edges { cursor node { at principal role operation ids purpose } }
        pageInfo { hasNextPage endCursor } } }"""
    entries = []
    after = None
    for _ in range(3):  # newest first, in pages of two
        answers = [
            run(state, query, {"first": 2, "after": after}, key=KEYS["steward"])
            for state in states.values()
        ]
        assert all(a.errors is None for a in answers), [a.errors for a in answers]
        embedded, neo4j = (a.data["auditLog"] for a in answers)
        for log in (embedded, neo4j):
            for edge in log["edges"]:
                assert edge["node"].pop("at")  # when: each store's own clock
        assert neo4j == embedded
        entries.extend(edge["node"] for edge in neo4j["edges"])
        after = neo4j["pageInfo"]["endCursor"]
    assert [(e["role"], e["operation"], e["ids"], e["purpose"]) for e in entries[:3]] == [
        ("steward", "person", [BARRED], None),
        ("steward", "person", ["p:zheng-hong"], None),
        ("steward", "person", ["p:li-qiang"], None),
    ]
    assert {(e["role"], e["purpose"]) for e in entries[3:5]} == {("investigator", purpose)}
    assert {i for e in entries[3:5] for i in e["ids"]} == {NAMESAKE, BARRED, OFFICIAL}


# --- over HTTP -----------------------------------------------------------------------------------


def test_checks_over_http_on_neo4j_match_the_embedded_store(
    states: dict[str, ApiState], neo4j_demo: GraphStore
) -> None:
    query = f"""query ($p: ID!, $on: Date) {{ checkAppointment(personId: $p, role: DIRECTOR,
        on: $on) {{ {DECISION} }} }}"""
    state = state_for(neo4j_demo, keys=KEYS)  # its own state: the server stops its workers
    with serving(state) as url:
        for person in (BARRED, NAMESAKE, "p:huang-lei"):
            variables = {"p": person, "on": TODAY}
            answer = ask(client(url, KEYS["approval"]), query, variables)
            in_process = run(states["embedded"], query, variables, key=KEYS["approval"])
            assert in_process.errors is None
            assert _comparable(answer) == _comparable(in_process.data)
            if person == BARRED:
                assert answer["checkAppointment"]["decision"] == "DENY"
                assert answer["checkAppointment"]["reasons"]
