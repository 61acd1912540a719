"""The conventions GraphQL clients rely on (Relay, Apollo, code generators): ids unique across
types, node/nodes that answer null for what is not there, connections that page both ways,
mutations with one input and a clientMutationId, enums for closed vocabularies, and coded
errors that give the limit and the value asked for."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from api_support import (
    BARRED,
    DISTRICT_AMR,
    HUB_SIZE,
    KEYS,
    NOMINEE,
    REVOKED,
    codes,
    run,
    state_for,
)

from creditgraph.api.schema import schema
from creditgraph.store.embedded import EmbeddedStore


def data(result: Any) -> Any:
    assert not result.errors, result.errors
    return result.data


@pytest.fixture
def state(demo_store: EmbeddedStore) -> Any:
    return state_for(demo_store)


# --- node and nodes -----------------------------------------------------------------------------


def test_node_fetches_each_kind_of_party_by_its_id(state: Any) -> None:
    answer = data(run(state, f"""{{
        e: node(id: "{REVOKED}") {{ __typename id }}
        p: node(id: "{BARRED}") {{ __typename id }}
        g: node(id: "{DISTRICT_AMR}") {{ __typename id }} }}"""))
    assert answer == {"e": {"__typename": "Enterprise", "id": REVOKED},
                      "p": {"__typename": "Person", "id": BARRED},
                      "g": {"__typename": "Agency", "id": DISTRICT_AMR}}


def test_node_of_an_unknown_id_is_null_not_an_error(state: Any) -> None:
    assert data(run(state, '{ node(id: "e:never-registered") { id } }')) == {"node": None}


def test_nodes_answers_in_the_order_asked_with_null_for_the_unknown(state: Any) -> None:
    answer = data(run(state, f"""{{ nodes(ids: ["{BARRED}", "e:nowhere", "{REVOKED}"]) {{
        __typename id }} }}"""))
    assert answer["nodes"] == [{"__typename": "Person", "id": BARRED}, None,
                               {"__typename": "Enterprise", "id": REVOKED}]


def test_public_caller_gets_null_for_a_person_exactly_as_for_nobody(demo_store: EmbeddedStore
                                                                    ) -> None:
    state = state_for(demo_store, keys=KEYS, public=True)
    answer = data(run(state, f'{{ a: node(id: "{BARRED}") {{ id }} '
                             f'b: nodes(ids: ["{BARRED}", "p:nobody"]) {{ id }} }}'))
    assert answer == {"a": None, "b": [None, None]}


def test_identity_number_given_as_node_id_is_an_error_not_null(state: Any) -> None:
    result = run(state, '{ node(id: "11010519491231002X") { id } }')
    assert codes(result) == ["INVALID_ARGUMENT"]
    assert "11010519491231002X" not in str(result.errors)


def test_event_by_id_and_unknown_event_is_null(state: Any) -> None:
    answer = data(run(state, """{ a: event(id: "ev:hx-2024-revoked") { kind subject document }
                                 b: event(id: "ev:none") { id } }"""))
    assert answer["a"] == {"kind": "LICENSE_REVOKED", "subject": REVOKED,
                           "document": "沪市监案〔2024〕45号"}
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
    answer = data(run(state, f"""{{
      enterprise(id: "{REVOKED}") {{ __typename id
        events {{ __typename id }}
        restrictions {{ __typename id event {{ __typename id }} }} }}
      checkAppointment(personId: "{BARRED}", role: DIRECTOR) {{
        reasons {{ event {{ __typename id kind date }} }} }}
      person(id: "{BARRED}") {{ __typename id
        restrictions {{ __typename id event {{ __typename id }} }} }} }}"""))
    found: dict[str, set[str]] = defaultdict(set)
    _typed_ids(answer, found)
    assert "ev:hx-2024-revoked" in found
    assert {i: t for i, t in found.items() if len(t) > 1} == {}


def test_reason_event_gives_the_recorded_event_in_full(state: Any) -> None:
    answer = data(run(state, f"""{{ checkAppointment(personId: "{BARRED}", role: DIRECTOR) {{
        reasons {{ event {{ id authority document responsible }} }} }} }}"""))
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
    events = data(run(state, f"""{{ node(id: "{REVOKED}") {{ eventsConnection(first: 1) {{
        pageInfo {{ endCursor }} }} }} }}"""))
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
    answer = data(run(state, f"""{{ enterprise(id: "{REVOKED}") {{
        eventsConnection {{ totalCount edges {{ node {{ id kind }} }} }}
        restrictionsConnection(last: 1) {{ totalCount edges {{ node {{ measure }} }}
                                           pageInfo {{ hasPreviousPage }} }}
        restrictions {{ measure }} }} }}"""))["enterprise"]
    assert answer["eventsConnection"]["edges"] == [
        {"node": {"id": "ev:hx-2024-revoked", "kind": "LICENSE_REVOKED"}}]
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
    back = data(run(state, query, {"last": 2, "before": newest_first[3]["cursor"]},
                    key=steward))["auditLog"]
    assert [e["cursor"] for e in back["edges"]] == [e["cursor"] for e in newest_first[1:3]]
    assert back["pageInfo"]["hasPreviousPage"]


# --- mutations --------------------------------------------------------------------------------


NEW_ENTERPRISE = {"type": "enterprise", "id": "e:new-shop", "name": "上海新开小店",
                  "status": "active", "kind": "individual_business"}


def test_import_with_input_returns_client_mutation_id_and_the_written_parties(state: Any) -> None:
    answer = data(run(state, """mutation($input: ImportRecordsInput!) {
        importRecords(input: $input) { ok clientMutationId
          nodes { __typename id name ... on Enterprise { status kind } } } }""",
                      {"input": {"records": [NEW_ENTERPRISE], "clientMutationId": "m-1"}}))
    assert answer["importRecords"] == {
        "ok": True, "clientMutationId": "m-1",
        "nodes": [{"__typename": "Enterprise", "id": "e:new-shop", "name": "上海新开小店",
                   "status": "active", "kind": "individual_business"}]}


def test_deprecated_import_arguments_still_work(state: Any) -> None:
    answer = data(run(state, """mutation($records: [JSON!]) {
        importRecords(records: $records, skipInvalid: true) { ok accepted clientMutationId
          errors { index field } } }""",
                      {"records": [NEW_ENTERPRISE, {"type": "enterprise", "id": "e:x"}]}))
    result = answer["importRecords"]
    assert (result["ok"], result["accepted"], result["clientMutationId"]) == (False, 1, None)
    assert [e["index"] for e in result["errors"]] == [1]


def test_rejected_import_returns_no_written_objects(state: Any) -> None:
    answer = data(run(state, """mutation($input: ImportRecordsInput!) {
        importRecords(input: $input) { ok written nodes { id } } }""",
                      {"input": {"records": [NEW_ENTERPRISE, {"type": "enterprise"}]}}))
    assert answer["importRecords"] == {"ok": False, "written": False, "nodes": []}


def test_record_event_with_input_and_with_the_deprecated_argument(state: Any) -> None:
    penalty = {"id": "ev:new-penalty", "kind": "ADMINISTRATIVE_PENALTY", "subject": REVOKED,
               "date": "2026-05-01", "details": {"severity": "minor"}}
    answer = data(run(state, """mutation($input: RecordEventInput!) {
        recordEvent(input: $input) { ok clientMutationId events { id kind details } } }""",
                      {"input": {"event": penalty, "clientMutationId": "m-2"}}))
    assert answer["recordEvent"] == {"ok": True, "clientMutationId": "m-2", "events": [
        {"id": "ev:new-penalty", "kind": "ADMINISTRATIVE_PENALTY",
         "details": {"severity": "minor"}}]}
    old = data(run(state, """mutation($event: EventInput) { recordEvent(event: $event) { ok } }""",
                   {"event": {**penalty, "id": "ev:new-penalty-2"}}))
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
        ("Enterprise", "status", "EnterpriseStatus",
         {"active", "revoked", "closed", "cancelled", "bankrupt"}),
        ("Enterprise", "kind", "EnterpriseKind",
         {"company", "soe", "public_institution", "social_organization", "individual_business",
          "other"}),
        ("Agency", "level", "AgencyLevel",
         {"national", "province", "city", "county", "township", "other"}),
        ("Reason", "effect", "Effect", {"BAR", "REVIEW", "INCENTIVE", "VETO", "GRADE"}),
    ],
)
def test_closed_vocabularies_are_enums_with_the_contract_values(
    state: Any, type_name: str, field: str, enum: str, values: set[str]
) -> None:
    answer = data(run(state, f"""{{ t: __type(name: "{type_name}") {{
        fields {{ name type {{ name kind ofType {{ name kind }} }} }} }}
        e: __type(name: "{enum}") {{ enumValues {{ name }} }} }}"""))
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
    for query in ('{ node(id: "x") { nosuchfield } }', "{ node(", '{ nodes(ids: {a: 1}) { id } }',
                  '{ restrictions(after: "bogus") { totalCount } }'):
        result = run(state, query)
        assert result.errors, query
        assert all(e.extensions and e.extensions.get("code") for e in result.errors), query


def test_query_limits_are_coded_where_they_are_raised_with_the_maximum(state: Any) -> None:
    aliases = "{ " + " ".join(f"a{i}: viewer {{ role }}" for i in range(25)) + " }"
    result = run(state, aliases)
    assert result.errors[0].extensions == {"code": "LIMIT_EXCEEDED", "limit": "aliases",
                                           "max": 20, "value": 25}
    deep = '{ node(id: "p:zhang-wei") { ' + "links { source { " * 5 + "name" + " } }" * 5 + " } }"
    extensions = run(state, deep).errors[0].extensions
    assert (extensions["code"], extensions["limit"], extensions["max"]) == (
        "LIMIT_EXCEEDED", "depth", 10)
