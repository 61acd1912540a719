"""The API as its clients use it: the real server on a loopback port, spoken to over HTTP with
the gql client (approval systems, investigators, data stewards) and httpx (health, headers,
GraphiQL)."""

from __future__ import annotations

import json

import httpx
import pytest
from api_support import (
    BARRED,
    CLOSED,
    DISTRICT_AMR,
    KEYS,
    MINGYUAN,
    NAMESAKE,
    NOMINEE,
    OBJECTION,
    OPERATING,
    REVOKED,
    TODAY,
    Live,
    ask,
    client,
    new_store,
    post,
    serving,
    state_for,
)
from click.testing import CliRunner
from gql.transport.exceptions import TransportQueryError

from creditgraph.cli import main

DECISION_FIELDS = """decision on dataVersion until person role enterprise
  reasons { measure rule legalBasis from until certainty
            event { id kind subject date } path { node rel validFrom validTo } }"""


def _codes(error: TransportQueryError) -> list[str]:
    return [e["extensions"]["code"] for e in error.errors or []]


def _camel(decision: dict[str, object]) -> dict[str, object]:
    """The CLI's JSON decision in the GraphQL field names."""

    def step(s: dict[str, object]) -> dict[str, object]:
        if "node" in s:
            return {"node": s["node"], "rel": None, "validFrom": None, "validTo": None}
        return {
            "node": None,
            "rel": s["rel"],
            "validFrom": s["valid_from"],
            "validTo": s["valid_to"],
        }

    return {
        "decision": decision["decision"],
        "on": decision["on"],
        "dataVersion": decision["data_version"],
        "person": decision["person"],
        "role": decision["role"],
        "enterprise": decision["enterprise"],
        "reasons": [
            {
                "measure": r["measure"],
                "rule": r["rule"],
                "legalBasis": r["legal_basis"],
                "from": r["from"],
                "until": r["until"],
                "certainty": r["certainty"],
                "event": r["event"],
                "path": [step(s) for s in r["path"]],
            }
            for r in decision["reasons"]
        ],  # type: ignore[attr-defined]
    }


# --- the server -------------------------------------------------------------------------------


def test_healthz_answers_with_the_data_version(live: Live) -> None:
    response = httpx.get(f"{live.url}/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["dataVersion"] == live.store.data_version()


def test_graphiql_is_served_to_a_browser(live: Live) -> None:
    response = httpx.get(f"{live.url}/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


# --- approval systems --------------------------------------------------------------------------


def test_approval_system_gets_the_same_deny_as_the_cli_with_rule_basis_path_and_end(
    live: Live,
) -> None:
    answer = ask(
        client(live.url, KEYS["approval"]),
        f"""query ($p: ID!, $on: Date) {{ checkAppointment(personId: $p, role: DIRECTOR,
                     on: $on) {{ {DECISION_FIELDS} }} }}""",
        {"p": BARRED, "on": TODAY},
    )
    decision = answer["checkAppointment"]
    assert decision["decision"] == "DENY"
    assert decision["until"] == "2027-03-15"  # three years from the revocation, inclusive
    cli = CliRunner().invoke(
        main,
        ["check", BARRED, "--role", "DIRECTOR", "--on", TODAY, "--json", "--store", str(live.path)],
    )
    assert cli.exit_code == 0, cli.output
    expected = _camel(json.loads(cli.output))
    assert {k: decision[k] for k in expected} == expected


def test_same_name_person_is_not_barred(live: Live) -> None:
    answer = ask(
        client(live.url, KEYS["approval"]),
        f'{{ checkAppointment(personId: "{NAMESAKE}", role: DIRECTOR) {{ decision reasons '
        "{ rule } } }",
    )
    assert answer["checkAppointment"] == {"decision": "ALLOW", "reasons": []}


def test_batch_of_checks_answers_in_the_order_asked(live: Live) -> None:
    requests = [
        {"personId": NAMESAKE, "role": "DIRECTOR"},
        {"personId": BARRED, "role": "LEGAL_REPRESENTATIVE", "enterpriseId": MINGYUAN},
        {"personId": "p:huang-lei", "role": "MANAGER"},
        {"personId": BARRED, "role": "DIRECTOR", "on": "2027-03-16"},
    ]
    answer = ask(
        client(live.url, KEYS["approval"]),
        "query ($r: [AppointmentRequest!]!) { checkAppointments(requests: $r) "
        "{ person role enterprise on decision } }",
        {"r": requests},
    )
    got = answer["checkAppointments"]
    assert [d["decision"] for d in got] == ["ALLOW", "DENY", "REVIEW", "ALLOW"]
    assert [d["person"] for d in got] == [r["personId"] for r in requests]
    assert got[1]["enterprise"] == MINGYUAN and got[3]["on"] == "2027-03-16"


def test_batch_with_an_unknown_person_names_the_request(live: Live) -> None:
    with pytest.raises(TransportQueryError) as caught:
        ask(
            client(live.url, KEYS["approval"]),
            '{ checkAppointments(requests: [{personId: "p:zhang-wei", role: DIRECTOR}, '
            '{personId: "p:ghost", role: DIRECTOR}]) { decision } }',
        )
    assert _codes(caught.value) == ["NOT_FOUND"]
    assert caught.value.errors[0]["message"].startswith("requests[1]:")


def test_bidding_ban_denies_bids_through_its_last_day(live: Live) -> None:
    query = (
        'query ($on: Date) { checkEligibility(subjectId: "' + OPERATING + '", '
        "activity: BIDDING, on: $on) { decision until subject activity reasons { rule } } }"
    )
    on_last_day = ask(client(live.url, KEYS["approval"]), query, {"on": "2027-02-28"})
    after = ask(client(live.url, KEYS["approval"]), query, {"on": "2027-03-01"})
    assert on_last_day["checkEligibility"]["decision"] == "DENY"
    assert on_last_day["checkEligibility"]["until"] == "2027-02-28"
    assert after["checkEligibility"]["decision"] == "ALLOW"


def test_upheld_objection_leaves_nothing_to_deny(live: Live) -> None:
    answer = ask(
        client(live.url, KEYS["approval"]),
        f'{{ a: checkEligibility(subjectId: "{OBJECTION}", activity: GOV_PROCUREMENT) '
        '{ decision } b: checkAppointment(personId: "p:zhou-jie", role: '
        "LEGAL_REPRESENTATIVE) { decision } }",
    )
    assert answer == {"a": {"decision": "ALLOW"}, "b": {"decision": "ALLOW"}}


# --- who may ask what --------------------------------------------------------------------------


def test_approval_key_can_check_but_not_query_neighborhood(live: Live) -> None:
    with pytest.raises(TransportQueryError) as caught:
        ask(client(live.url, KEYS["approval"]), f'{{ neighborhood(id: "{BARRED}") {{ root }} }}')
    assert _codes(caught.value) == ["FORBIDDEN"]
    assert "zhang" not in caught.value.errors[0]["message"]


def test_the_key_may_come_as_x_api_key(live: Live) -> None:
    answer = ask(
        client(live.url, KEYS["investigator"], header="x-api-key"), "{ viewer { role principal } }"
    )
    assert answer["viewer"]["role"] == "investigator"
    assert KEYS["investigator"] not in answer["viewer"]["principal"]


def test_unknown_key_is_refused_even_where_public_reads_are_open(live: Live) -> None:
    response = post(live.url, "{ viewer { role } }", key="not-a-key")
    # refused from the headers, before the operation is parsed (creditgraph.api.guard)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_public_caller_sees_enterprises_and_their_events_but_no_person(live: Live) -> None:
    public = client(live.url)
    answer = ask(
        public,
        f"""{{ enterprise(id: "{REVOKED}") {{ name status
        links {{ rel from to }} legalRepresentatives {{ from }}
        events {{ kind date responsible }} restrictions {{ subject measure path {{ node }} }} }} }}""",
    )
    enterprise = answer["enterprise"]
    assert enterprise["status"] == "revoked"
    assert enterprise["links"] == [] and enterprise["legalRepresentatives"] == []
    assert enterprise["events"] == [
        {"kind": "LICENSE_REVOKED", "date": "2024-03-15", "responsible": None}
    ]
    assert {r["subject"] for r in enterprise["restrictions"]} == {REVOKED}
    restrictions = ask(public, "{ restrictions(first: 500) { edges { node { subject } } } }")
    subjects = {e["node"]["subject"] for e in restrictions["restrictions"]["edges"]}
    assert subjects and not any(s.startswith("p:") for s in subjects)
    # the same answer as for nobody at all
    assert ask(public, f'{{ node(id: "{BARRED}") {{ name }} }}') == {"node": None}
    assert ask(public, '{ node(id: "p:nobody") { name } }') == {"node": None}
    with pytest.raises(TransportQueryError) as caught:
        ask(public, f'{{ restrictions(subjectId: "{BARRED}") {{ totalCount }} }}')
    assert _codes(caught.value) == ["NOT_FOUND"]
    with pytest.raises(TransportQueryError) as caught:
        ask(public, f'{{ person(id: "{BARRED}") {{ name }} }}')
    assert _codes(caught.value) == ["FORBIDDEN"]


def test_public_caller_searching_a_person_name_gets_nothing(live: Live) -> None:
    answer = ask(client(live.url), '{ search(query: "张伟") { edges { node { id } } } }')
    assert answer["search"]["edges"] == []
    found = ask(client(live.url), '{ search(query: "華信") { edges { node { id type } } } }')
    assert found["search"]["edges"] == [{"node": {"id": REVOKED, "type": "ENTERPRISE"}}]


def test_approval_caller_searching_a_person_name_gets_nothing(live: Live) -> None:
    with pytest.raises(TransportQueryError) as caught:
        ask(client(live.url, KEYS["approval"]), '{ search(query: "张伟") { edges { cursor } } }')
    assert _codes(caught.value) == ["FORBIDDEN"]
    assert caught.value.data is None
    assert "张伟" not in caught.value.errors[0]["message"]


def test_steward_sees_masked_id_numbers_and_investigator_does_not(live: Live) -> None:
    query = f'{{ person(id: "{BARRED}") {{ name idNumberMasked }} }}'
    steward = ask(client(live.url, KEYS["steward"]), query)
    investigator = ask(client(live.url, KEYS["investigator"]), query)
    assert steward["person"] == {"name": "张伟", "idNumberMasked": "310************138"}
    assert investigator["person"] == {"name": "张伟", "idNumberMasked": None}
    assert "310101197805120138" not in json.dumps(steward)


# --- errors and limits -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ('{ enterprise(id: "91310000MA1HX0012R") { name } }', "INVALID_ARGUMENT"),
        ('{ enterprise(id: "e:nowhere") { name } }', "NOT_FOUND"),
        (
            '{ checkAppointment(personId: "p:zhang-wei", role: DIRECTOR, on: "2024-13-01") '
            "{ decision } }",
            "INVALID_ARGUMENT",
        ),
        ('{ neighborhood(id: "p:zhang-wei", depth: 4) { root } }', "LIMIT_EXCEEDED"),
        (
            '{ paths(fromId: "p:zhang-wei", toId: "p:wu-gang", maxHops: 7) { length } }',
            "LIMIT_EXCEEDED",
        ),
        ('{ search(query: "上海", first: 100000) { edges { cursor } } }', "LIMIT_EXCEEDED"),
        ('{ restrictions(after: "bm90LWEtY3Vyc29y") { totalCount } }', "INVALID_ARGUMENT"),
        ("{ checkAppointment(personId: ", "GRAPHQL_PARSE_FAILED"),
        ("{ noSuchField }", "GRAPHQL_VALIDATION_FAILED"),
    ],
)
def test_errors_a_caller_can_fix_come_back_with_a_code_never_a_500(
    live: Live, query: str, code: str
) -> None:
    response = post(live.url, query, key=KEYS["investigator"])
    assert response.status_code == 200, response.text
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == [code]


def test_bad_date_message_says_what_is_wrong(live: Live) -> None:
    response = post(
        live.url,
        'query ($on: Date) { checkAppointment(personId: "p:zhang-wei", '
        "role: DIRECTOR, on: $on) { decision } }",
        {"on": "2024-13-01"},
        key=KEYS["approval"],
    )
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "INVALID_ARGUMENT"
    assert "'2024-13-01' is not a calendar date: month must be in 1..12" in error["message"]


def test_query_too_deep_too_many_aliases_or_tokens_is_refused(live: Live) -> None:
    deep = '{ node(id: "p:zhang-wei") { ' + "links { source { " * 5 + "name" + " } }" * 5 + " } }"
    aliases = "{ " + " ".join(f"a{i}: viewer {{ role }}" for i in range(25)) + " }"
    tokens = "{ " + " ".join("viewer { role }" for _ in range(800)) + " }"
    for query, limit in ((deep, "depth"), (aliases, "aliases"), (tokens, "tokens")):
        response = post(live.url, query, key=KEYS["investigator"])
        assert response.status_code == 200
        error = response.json()["errors"][0]
        assert (error["extensions"]["code"], error["extensions"]["limit"]) == (
            "LIMIT_EXCEEDED",
            limit,
        )


def test_nominee_hub_neighborhood_reports_truncated_counts_over_http(live: Live) -> None:
    answer = ask(
        client(live.url, KEYS["investigator"]),
        f'{{ neighborhood(id: "{NOMINEE}", perNodeLimit: 25) '
        "{ nodes { id } truncated { node total shown } } }",
    )
    assert answer["neighborhood"]["truncated"] == [{"node": NOMINEE, "total": 120, "shown": 25}]
    assert len(answer["neighborhood"]["nodes"]) == 26


# --- the audit trail ---------------------------------------------------------------------------


def test_reads_touching_persons_are_audited_with_purpose_for_stewards(live: Live) -> None:
    purpose = "案件 2026-118 关联方核查"
    ask(
        client(live.url, KEYS["investigator"], purpose=purpose),
        f'{{ paths(fromId: "{BARRED}", toId: "p:wu-gang") {{ length }} '
        f'e: enterprise(id: "{OPERATING}") {{ name }} }}',
    )
    ask(
        client(live.url, KEYS["approval"], purpose=purpose),
        f'{{ checkAppointment(personId: "{NAMESAKE}", role: DIRECTOR) {{ decision }} }}',
    )
    log = ask(
        client(live.url, KEYS["steward"]),
        "{ auditLog(first: 50) { edges { node { principal role operation ids purpose } } } }",
    )
    mine = [e["node"] for e in log["auditLog"]["edges"] if e["node"]["purpose"] == purpose]
    assert {(e["role"], e["operation"]) for e in mine} == {
        ("investigator", "paths"),
        ("approval", "checkAppointment"),
    }
    paths_entry = next(e for e in mine if e["operation"] == "paths")
    assert paths_entry["ids"] == sorted([BARRED, "p:wu-gang"])
    assert all(KEYS[role] not in e["principal"] for e in mine for role in KEYS)
    with pytest.raises(TransportQueryError) as caught:
        ask(client(live.url, KEYS["investigator"]), "{ auditLog { edges { cursor } } }")
    assert _codes(caught.value) == ["FORBIDDEN"]


def test_enterprise_only_reads_leave_no_audit_entry(live: Live) -> None:
    purpose = "enterprise only"
    ask(
        client(live.url, KEYS["investigator"], purpose=purpose),
        f'{{ checkEligibility(subjectId: "{OPERATING}", activity: BIDDING) {{ decision }} '
        f'enterprise(id: "{CLOSED}") {{ name }} }}',
    )
    log = ask(
        client(live.url, KEYS["steward"]), "{ auditLog(first: 100) { edges { node { purpose } } } }"
    )
    assert all(e["node"]["purpose"] != purpose for e in log["auditLog"]["edges"])


# --- writes ------------------------------------------------------------------------------------


def test_steward_imports_records_and_the_next_check_sees_them(tmp_path: object) -> None:
    from pathlib import Path

    store = new_store(Path(str(tmp_path)) / "w.db")
    state = state_for(store, keys=KEYS)
    records = [
        {"type": "person", "id": "p:new-director", "name": "新董事"},
        {
            "type": "link",
            "rel": "LEGAL_REPRESENTATIVE",
            "from": "p:new-director",
            "to": OPERATING,
            "valid_from": "2020-01-01",
        },
    ]
    try:
        with serving(state) as url:
            steward = client(url, KEYS["steward"])
            imported = ask(
                steward,
                "mutation ($r: [JSON!]!) { importRecords(records: $r) "
                "{ ok written accepted created { kind count } errors { index } } }",
                {"r": records},
            )
            assert imported["importRecords"]["ok"] and imported["importRecords"]["written"]
            recorded = ask(
                steward,
                """mutation ($s: ID!) { recordEvent(event: {id: "ev:t-joint",
                kind: JOINT_PUNISHMENT_LISTED, subject: $s, date: "2026-05-01",
                authority: "g:sh-amr"}) { ok restrictionsDerived } }""",
                {"s": OPERATING},
            )
            assert recorded["recordEvent"]["ok"]
            assert recorded["recordEvent"]["restrictionsDerived"] >= 2
            check = ask(
                client(url, KEYS["approval"]),
                '{ checkEligibility(subjectId: "p:new-director", activity: GOV_FUNDING) '
                "{ decision reasons { rule } } }",
            )
            assert check["checkEligibility"]["decision"] == "DENY"
            assert {r["rule"] for r in check["checkEligibility"]["reasons"]} == {
                "joint-punishment-responsible"
            }
            with pytest.raises(TransportQueryError) as caught:
                ask(
                    client(url, KEYS["investigator"]),
                    "mutation ($r: [JSON!]!) { importRecords(records: $r) { ok } }",
                    {"r": records},
                )
            assert _codes(caught.value) == ["FORBIDDEN"]
    finally:
        store.close()


def test_import_with_one_bad_record_writes_nothing_and_names_it(live: Live) -> None:
    version = live.store.data_version()
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
    ]
    answer = ask(
        client(live.url, KEYS["steward"]),
        "mutation ($r: [JSON!]!) { importRecords(records: $r) "
        "{ ok written errors { index field message } dataVersion } }",
        {"r": records},
    )
    result = answer["importRecords"]
    assert (result["ok"], result["written"], result["dataVersion"]) == (False, False, version)
    assert [(e["index"], e["field"]) for e in result["errors"]] == [(1, "to"), (2, "id")]
    assert "check character should be Q" in result["errors"][1]["message"]


def test_interest_conflicts_over_http(live: Live) -> None:
    answer = ask(
        client(live.url, KEYS["investigator"]),
        f'{{ interestConflicts(agencyId: "{DISTRICT_AMR}") {{ relation holder {{ id }} '
        "enterprise { id } } }",
    )
    assert {(c["relation"], c["holder"]["id"]) for c in answer["interestConflicts"]} == {
        ("SELF", "p:wu-gang"),
        ("RELATIVE", "p:zheng-hong"),
    }


def test_open_local_mode_gives_every_right_without_a_key(tmp_path: object) -> None:
    from pathlib import Path

    store = new_store(Path(str(tmp_path)) / "o.db")
    try:
        with serving(state_for(store)) as url:
            answer = ask(client(url), "{ viewer { role openLocalMode } }")
            assert answer["viewer"] == {"role": "steward", "openLocalMode": True}
            assert httpx.get(f"{url}/healthz").json()["openLocalMode"] is True
    finally:
        store.close()
