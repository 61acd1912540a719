"""The conventions GraphQL clients rely on (Relay, Apollo, code generators): ids unique across
types, node/nodes that answer null for what is not there, connections that page both ways,
mutations with one input and a clientMutationId, enums for closed vocabularies, and coded
errors that give the limit and the value asked for."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from api_support import (
    BARRED,
    CLOSED,
    DISTRICT_AMR,
    HOLDING,
    HUB_SIZE,
    KEYS,
    NOMINEE,
    OBJECTION,
    OPERATING,
    REPAIRED,
    REVOKED,
    CountingStore,
    codes,
    demo_records,
    lines,
    new_store,
    nominee_hub,
    run,
    state_for,
)

from creditgraph.api.schema import schema
from creditgraph.ingest.loader import load
from creditgraph.store.base import GraphStore
from creditgraph.store.embedded import EmbeddedStore


def data(result: Any) -> Any:
    assert not result.errors, result.errors
    return result.data


@pytest.fixture
def state(demo_store: EmbeddedStore) -> Any:
    return state_for(demo_store)


# --- node and nodes -----------------------------------------------------------------------------


def test_node_fetches_each_kind_of_party_by_its_id(state: Any) -> None:
    answer = data(
        run(
            state,
            f"""{{
        e: node(id: "{REVOKED}") {{ __typename id }}
        p: node(id: "{BARRED}") {{ __typename id }}
        g: node(id: "{DISTRICT_AMR}") {{ __typename id }} }}""",
        )
    )
    assert answer == {
        "e": {"__typename": "Enterprise", "id": REVOKED},
        "p": {"__typename": "Person", "id": BARRED},
        "g": {"__typename": "Agency", "id": DISTRICT_AMR},
    }


def test_node_of_an_unknown_id_is_null_not_an_error(state: Any) -> None:
    assert data(run(state, '{ node(id: "e:never-registered") { id } }')) == {"node": None}


def test_nodes_answers_in_the_order_asked_with_null_for_the_unknown(state: Any) -> None:
    answer = data(
        run(
            state,
            f"""{{ nodes(ids: ["{BARRED}", "e:nowhere", "{REVOKED}"]) {{
        __typename id }} }}""",
        )
    )
    assert answer["nodes"] == [
        {"__typename": "Person", "id": BARRED},
        None,
        {"__typename": "Enterprise", "id": REVOKED},
    ]


def test_public_caller_gets_null_for_a_person_exactly_as_for_nobody(
    demo_store: EmbeddedStore,
) -> None:
    state = state_for(demo_store, keys=KEYS, public=True)
    answer = data(
        run(
            state,
            f'{{ a: node(id: "{BARRED}") {{ id }} '
            f'b: nodes(ids: ["{BARRED}", "p:nobody"]) {{ id }} }}',
        )
    )
    assert answer == {"a": None, "b": [None, None]}


def test_identity_number_given_as_node_id_is_an_error_not_null(state: Any) -> None:
    for field in ("node", "event", "restriction"):
        result = run(state, f'{{ {field}(id: "11010519491231002X") {{ id }} }}')
        assert codes(result) == ["INVALID_ARGUMENT"], field
        assert "11010519491231002X" not in str(result.errors)


def test_event_by_id_and_unknown_event_is_null(state: Any) -> None:
    answer = data(
        run(
            state,
            """{ a: event(id: "ev:hx-2024-revoked") { kind subject document }
                                 b: event(id: "ev:none") { id } }""",
        )
    )
    assert answer["a"] == {
        "kind": "LICENSE_REVOKED",
        "subject": REVOKED,
        "document": "沪市监案〔2024〕45号",
    }
    assert answer["b"] is None


# --- ids unique across types ---------------------------------------------------------------------


def _typed_ids(value: Any, found: dict[str, set[str]]) -> None:
    if isinstance(value, dict):
        if "__typename" in value and "id" in value:
            found[value["id"]].add(value["__typename"])
        for item in value.values():
            _typed_ids(item, found)
    elif isinstance(value, list):
        for item in value:
            _typed_ids(item, found)


def test_every_id_names_one_type_across_events_reasons_restrictions_and_parties(
    state: Any,
) -> None:
    # what a Relay store normalises: the same event reached as a party's event and as the
    # source of a decision's reason must be one object of one type
    answer = data(
        run(
            state,
            f"""{{
      enterprise(id: "{REVOKED}") {{ __typename id
        events {{ __typename id }}
        restrictions {{ __typename id event {{ __typename id }} }} }}
      checkAppointment(personId: "{BARRED}", role: DIRECTOR) {{
        reasons {{ event {{ __typename id kind date }} }} }}
      person(id: "{BARRED}") {{ __typename id
        restrictions {{ __typename id event {{ __typename id }} }} }} }}""",
        )
    )
    found: dict[str, set[str]] = defaultdict(set)
    _typed_ids(answer, found)
    assert "ev:hx-2024-revoked" in found
    assert {i: t for i, t in found.items() if len(t) > 1} == {}


def test_reason_event_gives_the_recorded_event_in_full(state: Any) -> None:
    answer = data(
        run(
            state,
            f"""{{ checkAppointment(personId: "{BARRED}", role: DIRECTOR) {{
        reasons {{ event {{ id authority document responsible }} }} }} }}""",
        )
    )
    event = answer["checkAppointment"]["reasons"][0]["event"]
    assert event["id"] == "ev:hx-2024-revoked"
    assert event["document"] == "沪市监案〔2024〕45号"
    assert event["authority"] == "g:sh-amr"
    assert BARRED in event["responsible"]


# --- connections ------------------------------------------------------------------------------


LINKS_PAGE = """query($first: Int, $after: String, $last: Int, $before: String) {{
  node(id: "{party}") {{ linksConnection(first: $first, after: $after, last: $last,
                                          before: $before) {{
    totalCount edges {{ cursor node {{ from to rel }} }}
    pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} }} }} }}"""


def _links_page(state: Any, **variables: Any) -> Any:
    query = LINKS_PAGE.format(party=NOMINEE)
    return data(run(state, query, variables))["node"]["linksConnection"]


def test_nominee_hub_links_page_forwards_past_the_old_cap_in_the_order_of_links(
    state: Any,
) -> None:
    everything = data(run(state, f'{{ node(id: "{NOMINEE}") {{ links(first: 1000) {{ to }} }} }}'))
    expected = [link["to"] for link in everything["node"]["links"]]
    seen: list[str] = []
    after = None
    while True:
        page = _links_page(state, first=50, after=after)
        assert page["totalCount"] == HUB_SIZE
        seen += [e["node"]["to"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == expected
    assert len(seen) == HUB_SIZE


def test_nominee_hub_links_page_backwards_from_the_end(state: Any) -> None:
    forwards = [e["node"]["to"] for e in _links_page(state, first=500)["edges"]]
    seen: list[str] = []
    before = None
    pages = 0
    while True:
        page = _links_page(state, last=50, before=before)
        seen = [e["node"]["to"] for e in page["edges"]] + seen
        pages += 1
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert seen == forwards
    assert pages == 3  # 50 + 50 + 20


def test_first_and_last_together_are_refused(state: Any) -> None:
    result = run(state, LINKS_PAGE.format(party=NOMINEE), {"first": 5, "last": 5})
    assert codes(result) == ["INVALID_ARGUMENT"]


def test_cursor_of_another_list_is_refused(state: Any) -> None:
    events = data(
        run(
            state,
            f"""{{ node(id: "{REVOKED}") {{ eventsConnection(first: 1) {{
        pageInfo {{ endCursor }} }} }} }}""",
        )
    )
    cursor = events["node"]["eventsConnection"]["pageInfo"]["endCursor"]
    result = run(state, LINKS_PAGE.format(party=NOMINEE), {"first": 5, "after": cursor})
    assert codes(result) == ["INVALID_ARGUMENT"]


def test_restrictions_page_backwards_and_forwards_to_the_same_list(state: Any) -> None:
    query = """query($first: Int, $after: String, $last: Int, $before: String) {
      restrictions(first: $first, after: $after, last: $last, before: $before) {
        totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage } } }"""
    everything = data(run(state, query, {"first": 500}))["restrictions"]
    ids = [e["node"]["id"] for e in everything["edges"]]
    assert len(ids) >= 3
    last_two = data(run(state, query, {"last": 2}))["restrictions"]
    assert [e["node"]["id"] for e in last_two["edges"]] == ids[-2:]
    assert last_two["pageInfo"]["hasPreviousPage"] and not last_two["pageInfo"]["hasNextPage"]
    before = last_two["edges"][0]["cursor"]
    earlier = data(run(state, query, {"last": 500, "before": before}))["restrictions"]
    assert [e["node"]["id"] for e in earlier["edges"]] == ids[:-2]


def test_party_events_and_restrictions_as_connections(state: Any) -> None:
    answer = data(
        run(
            state,
            f"""{{ enterprise(id: "{REVOKED}") {{
        eventsConnection {{ totalCount edges {{ node {{ id kind }} }} }}
        restrictionsConnection(last: 1) {{ totalCount edges {{ node {{ measure }} }}
                                           pageInfo {{ hasPreviousPage }} }}
        restrictions {{ measure }} }} }}""",
        )
    )["enterprise"]
    assert answer["eventsConnection"]["edges"] == [
        {"node": {"id": "ev:hx-2024-revoked", "kind": "LICENSE_REVOKED"}}
    ]
    total = answer["restrictionsConnection"]["totalCount"]
    assert total == len(answer["restrictions"])
    assert len(answer["restrictionsConnection"]["edges"]) == min(1, total)


def test_audit_log_pages_backwards_to_newer_entries(demo_store: EmbeddedStore) -> None:
    state = state_for(demo_store, keys=KEYS)
    for _ in range(4):
        run(state, f'{{ person(id: "{BARRED}") {{ name }} }}', key=KEYS["investigator"])
    query = """query($first: Int, $after: String, $last: Int, $before: String) {
      auditLog(first: $first, after: $after, last: $last, before: $before) {
        edges { cursor node { at operation } } pageInfo { hasNextPage hasPreviousPage } } }"""
    steward = KEYS["steward"]
    newest_first = data(run(state, query, {"first": 4}, key=steward))["auditLog"]["edges"]
    assert len(newest_first) == 4
    back = data(run(state, query, {"last": 2, "before": newest_first[3]["cursor"]}, key=steward))[
        "auditLog"
    ]
    assert [e["cursor"] for e in back["edges"]] == [e["cursor"] for e in newest_first[1:3]]
    assert back["pageInfo"]["hasPreviousPage"]


# --- mutations --------------------------------------------------------------------------------


NEW_ENTERPRISE = {
    "type": "enterprise",
    "id": "e:new-shop",
    "name": "上海新开小店",
    "status": "active",
    "kind": "individual_business",
}


def test_import_with_input_returns_client_mutation_id_and_the_written_parties(state: Any) -> None:
    answer = data(
        run(
            state,
            """mutation($input: ImportRecordsInput!) {
        importRecords(input: $input) { ok clientMutationId
          nodes { __typename id name ... on Enterprise { status kind } } } }""",
            {"input": {"records": [NEW_ENTERPRISE], "clientMutationId": "m-1"}},
        )
    )
    assert answer["importRecords"] == {
        "ok": True,
        "clientMutationId": "m-1",
        "nodes": [
            {
                "__typename": "Enterprise",
                "id": "e:new-shop",
                "name": "上海新开小店",
                "status": "active",
                "kind": "individual_business",
            }
        ],
    }


def test_deprecated_import_arguments_still_work(state: Any) -> None:
    answer = data(
        run(
            state,
            """mutation($records: [JSON!]) {
        importRecords(records: $records, skipInvalid: true) { ok accepted clientMutationId
          errors { index field } } }""",
            {"records": [NEW_ENTERPRISE, {"type": "enterprise", "id": "e:x"}]},
        )
    )
    result = answer["importRecords"]
    assert (result["ok"], result["accepted"], result["clientMutationId"]) == (False, 1, None)
    assert [e["index"] for e in result["errors"]] == [1]


def test_rejected_import_returns_no_written_objects(state: Any) -> None:
    answer = data(
        run(
            state,
            """mutation($input: ImportRecordsInput!) {
        importRecords(input: $input) { ok written nodes { id } } }""",
            {"input": {"records": [NEW_ENTERPRISE, {"type": "enterprise"}]}},
        )
    )
    assert answer["importRecords"] == {"ok": False, "written": False, "nodes": []}


def test_record_event_with_input_and_with_the_deprecated_argument(state: Any) -> None:
    penalty = {
        "id": "ev:new-penalty",
        "kind": "ADMINISTRATIVE_PENALTY",
        "subject": REVOKED,
        "date": "2026-05-01",
        "details": {"severity": "minor"},
    }
    answer = data(
        run(
            state,
            """mutation($input: RecordEventInput!) {
        recordEvent(input: $input) { ok clientMutationId events { id kind details } } }""",
            {"input": {"event": penalty, "clientMutationId": "m-2"}},
        )
    )
    assert answer["recordEvent"] == {
        "ok": True,
        "clientMutationId": "m-2",
        "events": [
            {
                "id": "ev:new-penalty",
                "kind": "ADMINISTRATIVE_PENALTY",
                "details": {"severity": "minor"},
            }
        ],
    }
    old = data(
        run(
            state,
            """mutation($event: EventInput) { recordEvent(event: $event) { ok } }""",
            {"event": {**penalty, "id": "ev:new-penalty-2"}},
        )
    )
    assert old == {"recordEvent": {"ok": True}}


def test_mutation_with_both_input_and_old_arguments_is_refused(state: Any) -> None:
    result = run(state, """mutation { importRecords(input: {records: []}, records: []) { ok } }""")
    assert codes(result) == ["INVALID_ARGUMENT"]


def test_old_mutation_arguments_are_marked_deprecated_in_the_schema() -> None:
    sdl = schema.as_str()
    assert 'records: [JSON!] = null @deprecated(reason: "Use input' in sdl
    assert 'event: EventInput = null @deprecated(reason: "Use input' in sdl


# --- enums ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_name", "field", "enum", "values"),
    [
        (
            "Enterprise",
            "status",
            "EnterpriseStatus",
            {"active", "revoked", "closed", "cancelled", "bankrupt"},
        ),
        (
            "Enterprise",
            "kind",
            "EnterpriseKind",
            {
                "company",
                "soe",
                "public_institution",
                "social_organization",
                "individual_business",
                "other",
            },
        ),
        (
            "Agency",
            "level",
            "AgencyLevel",
            {"national", "province", "city", "county", "township", "other"},
        ),
        ("Reason", "effect", "Effect", {"BAR", "REVIEW", "INCENTIVE", "VETO", "GRADE"}),
    ],
)
def test_closed_vocabularies_are_enums_with_the_contract_values(
    state: Any, type_name: str, field: str, enum: str, values: set[str]
) -> None:
    answer = data(
        run(
            state,
            f"""{{ t: __type(name: "{type_name}") {{
        fields {{ name type {{ name kind ofType {{ name kind }} }} }} }}
        e: __type(name: "{enum}") {{ enumValues {{ name }} }} }}""",
        )
    )
    field_type = next(f["type"] for f in answer["t"]["fields"] if f["name"] == field)
    named = field_type["ofType"] or field_type
    assert (named["name"], named["kind"]) == (enum, "ENUM")
    assert {v["name"] for v in answer["e"]["enumValues"]} == values


def test_enterprise_status_is_served_as_imported(state: Any) -> None:
    answer = data(run(state, f'{{ enterprise(id: "{REVOKED}") {{ status kind }} }}'))
    assert answer == {"enterprise": {"status": "revoked", "kind": "company"}}


# --- errors -----------------------------------------------------------------------------------


def test_depth_over_the_limit_gives_the_limit_and_the_depth_asked(state: Any) -> None:
    result = run(state, f'{{ neighborhood(id: "{BARRED}", depth: 7) {{ nodes {{ id }} }} }}')
    assert codes(result) == ["LIMIT_EXCEEDED"]
    extensions = result.errors[0].extensions
    assert (extensions["limit"], extensions["max"], extensions["value"]) == ("depth", 3, 7)


def test_page_size_over_the_limit_gives_the_limit_and_the_size_asked(state: Any) -> None:
    result = run(state, LINKS_PAGE.format(party=NOMINEE), {"first": 100_000})
    assert codes(result) == ["LIMIT_EXCEEDED"]
    extensions = result.errors[0].extensions
    assert (extensions["limit"], extensions["max"], extensions["value"]) == ("first", 500, 100_000)


def test_every_error_has_a_code(state: Any) -> None:
    for query in (
        '{ node(id: "x") { nosuchfield } }',
        "{ node(",
        "{ nodes(ids: {a: 1}) { id } }",
        '{ restrictions(after: "bogus") { totalCount } }',
    ):
        result = run(state, query)
        assert result.errors, query
        assert all(e.extensions and e.extensions.get("code") for e in result.errors), query


def test_query_limits_are_coded_where_they_are_raised_with_the_maximum(state: Any) -> None:
    aliases = "{ " + " ".join(f"a{i}: viewer {{ role }}" for i in range(25)) + " }"
    result = run(state, aliases)
    assert result.errors[0].extensions == {
        "code": "LIMIT_EXCEEDED",
        "limit": "aliases",
        "max": 20,
        "value": 25,
    }
    deep = '{ node(id: "p:zhang-wei") { ' + "links { source { " * 5 + "name" + " } }" * 5 + " } }"
    extensions = run(state, deep).errors[0].extensions
    assert (extensions["code"], extensions["limit"], extensions["max"]) == (
        "LIMIT_EXCEEDED",
        "depth",
        10,
    )


# --- node for everything: parties, events, restrictions (Relay's global object identification) --


CONVICTED = "p:huang-lei"  # legal rep of the closed 恒通建材; convicted in the scenario below
CONVICTION = {
    "type": "event",
    "id": "ev:hl-2023-conviction",
    "kind": "CRIMINAL_CONVICTION",
    "subject": CONVICTED,
    "date": "2023-01-10",
    "category": "economic_order",
    "sentence_end": "2024-01-10",
}
# persons whose names contain the shells' word: matches of a search the public role must not
# be told about (they rank before the shells: shorter names)
SHELL_NAMESAKES = [
    {"type": "person", "id": f"p:kongke-{i}", "name": f"空壳{'甲乙丙丁戊'[i]}"} for i in range(5)
]


@pytest.fixture
def relay_store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    store = new_store(tmp_path / "relay.db", [*nominee_hub(), CONVICTION, *SHELL_NAMESAKES])
    yield store
    store.close()


def _restriction_ids(store: GraphStore, **where: Any) -> list[str]:
    return [r.id for r in store.restrictions(**where)]


def test_node_round_trips_the_id_of_a_party_an_event_and_a_restriction(state: Any) -> None:
    restriction = data(
        run(
            state,
            f"""{{ person(id: "{BARRED}") {{
        restrictions {{ id }} }} }}""",
        )
    )["person"]["restrictions"][0]["id"]
    for object_id, typename in (
        (REVOKED, "Enterprise"),
        ("ev:hx-2024-revoked", "Event"),
        (restriction, "Restriction"),
    ):
        answer = data(
            run(
                state, "query($id: ID!) { node(id: $id) { __typename id type } }", {"id": object_id}
            )
        )["node"]
        assert answer["__typename"] == typename
        assert answer["id"] == object_id
        assert answer["type"] == typename.upper()


def test_no_two_objects_of_different_types_share_an_id_across_parties_events_restrictions(
    state: Any,
) -> None:
    # the Relay/Apollo store invariant, over one response holding every kind of object with an
    # id, reached each way a client reaches them
    restriction_ids = [r.id for r in state.store.restrictions()]
    ids = [
        REVOKED,
        BARRED,
        DISTRICT_AMR,
        "ev:hx-2024-revoked",
        "ev:dh-2026-bidding",
        *restriction_ids,
    ]
    answer = data(
        run(
            state,
            """query($ids: [ID!]!) {
      nodes(ids: $ids) { __typename id
        ... on Party { events { __typename id }
                       restrictions { __typename id event { __typename id } } }
        ... on Event { restrictions { __typename id } }
        ... on Restriction { events { __typename id } } } }""",
            {"ids": ids},
        )
    )
    assert [n["id"] for n in answer["nodes"]] == ids
    found: dict[str, set[str]] = defaultdict(set)
    _typed_ids(answer, found)
    assert {"Enterprise", "Person", "Agency", "Event", "Restriction"} <= set().union(
        *found.values()
    )
    assert {i: t for i, t in found.items() if len(t) > 1} == {}


def test_restriction_of_a_barred_legal_representative_by_id_with_its_path_and_event(
    state: Any,
) -> None:
    # 公司法 第一百七十八条第一款第四项: the bar reaches 张伟 through his LEGAL_REPRESENTATIVE link
    # to the revoked 华信; as a Node, its links are that path and its events the revocation
    restriction = next(
        r for r in state.store.restrictions(subject=BARRED) if r.measure == "BAR_DIRECTOR"
    )
    answer = data(
        run(
            state,
            """query($id: ID!) {
      restriction(id: $id) { id measure subject }
      node(id: $id) { name ... on Restriction {
        links { rel from to } linkCount
        forwards: links(direction: OUT) { rel }
        backwards: links(direction: IN) { rel }
        events { id kind } restrictions { id }
        linksConnection(last: 1) { totalCount edges { node { rel } } } } } }""",
            {"id": restriction.id},
        )
    )
    assert answer["restriction"] == {
        "id": restriction.id,
        "measure": "BAR_DIRECTOR",
        "subject": BARRED,
    }
    node = answer["node"]
    assert node["name"] == f"不得担任董事 {restriction.start} 至 {restriction.until}"
    assert node["links"] == [{"rel": "LEGAL_REPRESENTATIVE", "from": BARRED, "to": REVOKED}]
    assert node["linkCount"] == 1
    assert node["forwards"] == [{"rel": "LEGAL_REPRESENTATIVE"}] and node["backwards"] == []
    assert node["events"] == [{"id": "ev:hx-2024-revoked", "kind": "LICENSE_REVOKED"}]
    assert node["restrictions"] == []
    assert node["linksConnection"]["totalCount"] == 1


def test_event_as_a_node_names_itself_and_lists_the_restrictions_it_caused(state: Any) -> None:
    answer = data(
        run(
            state,
            """{ node(id: "ev:hx-2024-revoked") { name type
        ... on Event { kind links { rel } linkCount events { id } restrictions { id }
                       restrictionsConnection(first: 1) { totalCount } } } }""",
        )
    )["node"]
    caused = _restriction_ids(state.store, event_id="ev:hx-2024-revoked")
    assert answer["name"] == "吊销营业执照 2024-03-15 沪市监案〔2024〕45号"
    assert answer["type"] == "EVENT"
    assert (answer["links"], answer["linkCount"], answer["events"]) == ([], 0, [])
    assert [r["id"] for r in answer["restrictions"]] == caused and len(caused) >= 2
    assert answer["restrictionsConnection"]["totalCount"] == len(caused)


def test_voided_listing_restriction_lists_the_upheld_objection_among_its_events(
    state: Any,
) -> None:
    # 异议成立: the listing of 远航物流 is void; its restriction names both events
    voided = state.store.restrictions(subject=OBJECTION)[0]
    assert voided.voided_by == "ev:yh-2025-objection"
    answer = data(
        run(
            state,
            "query($id: ID!) { node(id: $id) { ... on Restriction { status "
            "events { id } eventsConnection { totalCount } } } }",
            {"id": voided.id},
        )
    )["node"]
    assert answer["status"] == "VOID"
    assert [e["id"] for e in answer["events"]] == ["ev:yh-2025-listed", "ev:yh-2025-objection"]
    assert answer["eventsConnection"]["totalCount"] == 2


def test_public_caller_gets_null_for_a_conviction_and_a_bar_on_a_person(
    relay_store: EmbeddedStore,
) -> None:
    state = state_for(relay_store, keys=KEYS, public=True)
    on_person = relay_store.restrictions(subject=BARRED)[0].id
    on_enterprise = relay_store.restrictions(subject=CLOSED)[0].id
    query = """query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"""
    ids = ["ev:hl-2023-conviction", on_person, on_enterprise, "ev:hx-2024-revoked"]
    public = data(run(state, query, {"ids": ids}))["nodes"]
    assert public == [
        None,
        None,
        {"__typename": "Restriction", "id": on_enterprise},
        {"__typename": "Event", "id": "ev:hx-2024-revoked"},
    ]
    investigator = data(run(state, query, {"ids": ids}, key=KEYS["investigator"]))["nodes"]
    assert [n["__typename"] for n in investigator] == [
        "Event",
        "Restriction",
        "Restriction",
        "Event",
    ]


def test_investigator_reading_a_conviction_or_a_bar_by_id_is_audited(
    relay_store: EmbeddedStore,
) -> None:
    state = state_for(relay_store, keys=KEYS)
    bar = relay_store.restrictions(subject=BARRED)[0].id
    run(
        state,
        f'{{ conviction: node(id: "ev:hl-2023-conviction") {{ id }} '
        f'bar: restriction(id: "{bar}") {{ id }} }}',
        key=KEYS["investigator"],
    )
    log = data(
        run(
            state,
            "{ auditLog(first: 10) { edges { node { operation ids } } } }",
            key=KEYS["steward"],
        )
    )["auditLog"]["edges"]
    shown = {e["node"]["operation"]: set(e["node"]["ids"]) for e in log}
    assert shown["node"] == {CONVICTED}
    assert shown["restriction"] == {BARRED}


def test_repaired_penalty_is_null_by_id_except_for_stewards(demo_store: EmbeddedStore) -> None:
    # 信用修复: a repaired record stops being published, whichever way it is asked for
    state = state_for(demo_store, keys=KEYS, public=True)
    query = """{ a: node(id: "ev:hm-2025-penalty") { id } b: event(id: "ev:hm-2025-penalty") { id }
      c: node(id: "ev:hm-2026-repaired") { id }
      d: enterprise(id: "REPAIRED") { eventsConnection { totalCount } events { id } } }"""
    query = query.replace("REPAIRED", REPAIRED)
    for key in (None, KEYS["investigator"]):
        answer = data(run(state, query, key=key))
        assert (answer["a"], answer["b"], answer["c"]) == (None, None, None)
        assert answer["d"] == {"eventsConnection": {"totalCount": 0}, "events": []}
    steward = data(run(state, query, key=KEYS["steward"]))
    assert steward["a"] == steward["b"] == {"id": "ev:hm-2025-penalty"}
    assert steward["d"]["eventsConnection"]["totalCount"] == 2


def test_unknown_restriction_id_is_null(state: Any) -> None:
    assert data(
        run(
            state,
            '{ a: node(id: "r:0000000000") { id } b: restriction(id: "r:0000000000") { id } }',
        )
    ) == {"a": None, "b": None}


def test_party_fields_on_node_are_deprecated_in_favour_of_party() -> None:
    node = schema._schema.type_map["Node"]
    party = schema._schema.type_map["Party"]
    deprecated = {name for name, f in node.fields.items() if f.deprecation_reason}
    assert deprecated == {
        "links",
        "linkCount",
        "events",
        "restrictions",
        "linksConnection",
        "eventsConnection",
        "restrictionsConnection",
    }
    assert all("... on Party" in node.fields[n].deprecation_reason for n in deprecated)
    assert not any(f.deprecation_reason for f in party.fields.values())
    assert set(party.fields) == set(node.fields)
    for name in ("Enterprise", "Person", "Agency"):
        assert {i.name for i in schema._schema.type_map[name].interfaces} == {"Node", "Party"}
    for name in ("Event", "Restriction"):
        assert {i.name for i in schema._schema.type_map[name].interfaces} == {"Node"}


def test_workbench_party_query_through_node_still_works(state: Any) -> None:
    # the workbench's and README's shape, written before Party existed
    answer = data(
        run(
            state,
            f"""{{ node(id: "{REVOKED}") {{ id name type
        links {{ rel from to }} linkCount events {{ id }} restrictions {{ measure }} }} }}""",
        )
    )
    node = answer["node"]
    assert (node["name"], node["type"]) == ("上海华信贸易有限公司", "ENTERPRISE")
    assert node["linkCount"] == len(node["links"]) >= 3
    assert node["events"] == [{"id": "ev:hx-2024-revoked"}]


# --- search pages both ways; the public role is told only about what it sees -------------------


SEARCH_PAGE = """query($q: String!, $first: Int, $after: String, $last: Int, $before: String) {
  search(query: $q, first: $first, after: $after, last: $last, before: $before) {
    totalCount edges { cursor node { __typename id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""


def _search(state: Any, key: str | None = None, **variables: Any) -> Any:
    return data(run(state, SEARCH_PAGE, {"q": "空壳", **variables}, key=key))["search"]


def _search_forwards(state: Any, key: str | None, size: int) -> list[str]:
    seen: list[str] = []
    after = None
    while True:
        page = _search(state, key, first=size, after=after)
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]


def _search_backwards(state: Any, key: str | None, size: int) -> list[str]:
    seen: list[str] = []
    before = None
    while True:
        page = _search(state, key, last=size, before=before)
        seen = [e["node"]["id"] for e in page["edges"]] + seen
        if not page["pageInfo"]["hasPreviousPage"]:
            return seen
        before = page["pageInfo"]["startCursor"]


def _positions(page: Any) -> list[int]:
    import base64

    return [
        int(base64.urlsafe_b64decode(e["cursor"] + "==").decode().split(":")[1])
        for e in page["edges"]
    ]


def test_shell_company_search_pages_forwards_and_backwards_to_the_same_list(
    any_store: GraphStore,
) -> None:
    result = load(lines([*demo_records(), *nominee_hub(), *SHELL_NAMESAKES]), any_store)
    assert not result.errors, result.errors
    state = state_for(any_store, keys=KEYS)
    investigator = KEYS["investigator"]
    forwards = _search_forwards(state, investigator, 40)
    assert len(forwards) == HUB_SIZE + len(SHELL_NAMESAKES) == len(set(forwards))
    assert _search_backwards(state, investigator, 40) == forwards
    assert _search(state, investigator, first=1)["totalCount"] == len(forwards)
    last = _search(state, investigator, last=3)
    assert [e["node"]["id"] for e in last["edges"]] == forwards[-3:]
    assert not last["pageInfo"]["hasNextPage"] and last["pageInfo"]["hasPreviousPage"]


def test_public_search_cursors_and_counts_do_not_reveal_hidden_persons(
    relay_store: EmbeddedStore,
) -> None:
    # five persons named 空壳… rank before the 120 shell companies: the public role must not be
    # able to tell they exist, from positions, counts or page flags
    state = state_for(relay_store, keys=KEYS, public=True)
    first = _search(state, first=10)
    assert all(e["node"]["__typename"] == "Enterprise" for e in first["edges"])
    assert _positions(first) == list(range(1, 11))
    assert first["totalCount"] == HUB_SIZE
    assert not first["pageInfo"]["hasPreviousPage"]
    forwards = _search_forwards(state, None, 50)
    assert len(forwards) == HUB_SIZE and all(i.startswith("e:shell-") for i in forwards)
    assert _search_backwards(state, None, 50) == forwards
    tail = _search(state, last=5)
    assert _positions(tail) == list(range(HUB_SIZE - 4, HUB_SIZE + 1))
    # without the persons, the public answers are the same: nothing depends on them
    investigator = _search(state, KEYS["investigator"], first=10)
    assert investigator["totalCount"] == HUB_SIZE + len(SHELL_NAMESAKES)


def test_public_search_answers_equal_those_of_a_store_without_the_hidden_persons(
    relay_store: EmbeddedStore,
    tmp_path: Path,
) -> None:
    without = new_store(tmp_path / "without.db", [*nominee_hub(), CONVICTION])
    try:
        for variables in ({"first": 7}, {"last": 9}, {"first": 120}, {"last": 1}):
            with_persons = _search(state_for(relay_store, keys=KEYS, public=True), **variables)
            plain = _search(state_for(without, keys=KEYS, public=True), **variables)
            assert with_persons == plain, variables
    finally:
        without.close()


def test_public_links_page_is_full_though_links_to_persons_come_first(
    demo_store: EmbeddedStore,
) -> None:
    # 鼎盛实业's legal representative, shareholder and supervisor are persons and come first in
    # the display order; a page of the public role's `links` must not come back short because
    # of them (that would tell how many were hidden)
    state = state_for(demo_store, keys=KEYS, public=True)
    answer = data(
        run(
            state,
            f"""{{ enterprise(id: "{OPERATING}") {{
        two: links(first: 2) {{ rel from to }} all: links(first: 1000) {{ rel from to }}
        linkCount linksConnection(first: 2) {{ totalCount edges {{ node {{ rel from to }} }} }}
        }} }}""",
        )
    )["enterprise"]
    visible_ends = {OPERATING, HOLDING, DISTRICT_AMR}
    assert all({link["from"], link["to"]} <= visible_ends for link in answer["all"])
    assert len(answer["two"]) == 2
    assert (
        answer["two"]
        == answer["all"][:2]
        == [e["node"] for e in answer["linksConnection"]["edges"]]
    )
    assert answer["linkCount"] == len(answer["all"]) == answer["linksConnection"]["totalCount"]
    investigator = data(
        run(
            state,
            f"""{{ enterprise(id: "{OPERATING}") {{
        links(first: 2) {{ from }} }} }}""",
            key=KEYS["investigator"],
        )
    )["enterprise"]
    assert any(link["from"].startswith("p:") for link in investigator["links"])


def test_nodes_of_many_parties_events_and_restrictions_reads_each_kind_once(
    demo_store: EmbeddedStore,
) -> None:
    # a client cache refetching 60 objects by id: one read per kind of object and for the
    # visibility checks, not one per id
    counting = CountingStore(demo_store)
    state = state_for(cast(GraphStore, counting), keys=KEYS)
    restriction_ids = [r.id for r in demo_store.restrictions()]
    event_ids = [e.id for e in demo_store.events()]
    party_ids = [f"e:shell-{i:03d}" for i in range(20)]
    ids = [*party_ids, *event_ids, *restriction_ids, "r:unknown", "ev:unknown"]
    for key in (KEYS["investigator"], KEYS["steward"]):
        counting.reset()
        answer = data(
            run(
                state,
                "query($ids: [ID!]!) { nodes(ids: $ids) { __typename } }",
                {"ids": ids},
                key=key,
            )
        )["nodes"]
        assert [n and n["__typename"] for n in answer[: len(party_ids)]] == ["Enterprise"] * 20
        assert {n["__typename"] for n in answer[len(party_ids) : -2] if n} == {
            "Event",
            "Restriction",
        }
        assert answer[-2:] == [None, None]
        calls = counting.calls
        assert calls[:3] == ["nodes", "events_by_id", "restrictions_by_id"], calls
        assert "event" not in calls and "restrictions" not in calls, calls
        # the events' subjects, the repaired check (not for stewards), the restrictions'
        # person subjects, the unknown id's alias lookup, the audit's look at the answer
        assert len(calls) <= 9 and calls.count("nodes") == 2, calls


def test_node_round_trips_a_party_an_event_and_a_restriction_on_either_store(
    any_store: GraphStore,
) -> None:
    result = load(lines(demo_records()), any_store)
    assert not result.errors, result.errors
    state = state_for(any_store, keys=KEYS, public=True)
    bar = next(r for r in any_store.restrictions(subject=BARRED) if r.measure == "BAR_DIRECTOR")
    on_enterprise = any_store.restrictions(subject=CLOSED)[0]
    ids = [REVOKED, "ev:hx-2024-revoked", bar.id, on_enterprise.id]
    query = """query($ids: [ID!]!) { nodes(ids: $ids) { __typename id name
        ... on Restriction { links { rel from to } events { id } } } }"""
    investigator = data(run(state, query, {"ids": ids}, key=KEYS["investigator"]))["nodes"]
    assert [(n["__typename"], n["id"]) for n in investigator] == [
        ("Enterprise", REVOKED),
        ("Event", "ev:hx-2024-revoked"),
        ("Restriction", bar.id),
        ("Restriction", on_enterprise.id),
    ]
    assert investigator[2]["links"] == [
        {"rel": "LEGAL_REPRESENTATIVE", "from": BARRED, "to": REVOKED}
    ]
    assert investigator[2]["events"] == [{"id": "ev:hx-2024-revoked"}]
    assert investigator[2]["name"] == f"不得担任董事 {bar.start} 至 {bar.until}"
    public = data(run(state, query, {"ids": ids}))["nodes"]
    assert [n and n["id"] for n in public] == [
        REVOKED,
        "ev:hx-2024-revoked",
        None,
        on_enterprise.id,
    ]
