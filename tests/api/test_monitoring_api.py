"""GraphQL for the reward-and-punishment loop: the change feed, watches (Relay input/payload),
credit grades, incentives on decisions, notices and their acknowledgement, feedback, and
the decisionChanged subscription over a real WebSocket."""

from __future__ import annotations

import json
from pathlib import Path

from api_support import BARRED, KEYS, MINGYUAN, codes, new_store, run, serving, state_for
from websockets.sync.client import connect

from creditgraph.ingest.loader import load
from scenario import event, lines, link

SUBSCRIBE = """subscription ($ids: [ID!], $since: String) {
  decisionChanged(subjectIds: $ids, since: $since) {
    subject change before { decision } after { decision measures } reason dataVersion } }"""


def test_watch_then_feed_then_feedback_through_graphql(tmp_path: Path) -> None:
    store = new_store(tmp_path / "s.db")
    state = state_for(store, keys=KEYS)
    since = store.data_version()
    watched = run(
        state,
        """mutation ($input: WatchInput!) { watch(input: $input) {
             clientMutationId watch { id target scope owner active webhook } } }""",
        {"input": {"subjectId": MINGYUAN, "scope": "OFFICE_HOLDERS", "clientMutationId": "m1"}},
        key=KEYS["approval"],
    )
    assert watched.errors is None, watched.errors
    payload = watched.data["watch"]
    assert payload["clientMutationId"] == "m1"
    assert payload["watch"]["scope"] == "OFFICE_HOLDERS" and payload["watch"]["active"]
    # a steward records an event on a person who sits on MINGYUAN's board
    recorded = run(
        state,
        """mutation ($who: ID!) { recordEvent(event: {id: "ev:loop-1",
             kind: DISHONEST_DEBTOR_LISTED, subject: $who, date: "2026-06-10",
             details: {until: "2028-06-10", ground: "unpaid_debt"}}) { written } }""",
        {"who": BARRED},
        key=KEYS["steward"],
    )
    assert recorded.errors is None, recorded.errors
    feed = run(
        state,
        """query ($since: String!) { changes(since: $since, first: 10) {
             dataVersion pageInfo { hasNextPage endCursor }
             edges { cursor node { subject change before { decision } after { decision }
                                   added { measure rule legalBasis } reason } } } }""",
        {"since": since},
        key=KEYS["investigator"],
    )
    assert feed.errors is None, feed.errors
    (edge,) = feed.data["changes"]["edges"]
    assert edge["node"]["subject"] == BARRED and edge["node"]["change"] == "RESTRICTED"
    assert {"DISHONEST_DEBTOR"} <= {a["measure"] for a in edge["node"]["added"]}
    assert feed.data["changes"]["dataVersion"] == store.data_version()
    alerts = run(
        state,
        """query ($w: ID!) { alerts(watchId: $w) { id status viaRole viaEnterprise
             change { subject change after { decision } } } }""",
        {"w": payload["watch"]["id"]},
        key=KEYS["approval"],
    )
    assert alerts.errors is None, alerts.errors
    (alert,) = alerts.data["alerts"]
    assert alert["status"] == "FEED_ONLY"
    assert (alert["viaRole"], alert["viaEnterprise"]) == ("DIRECTOR", MINGYUAN)
    assert alert["change"]["subject"] == BARRED
    # the approval system may not read the whole feed
    assert codes(run(state, '{ changes(since: "0") { dataVersion } }', key=KEYS["approval"])) == [
        "FORBIDDEN"
    ]
    reported = run(
        state,
        """mutation ($input: FeedbackInput!) { recordFeedback(input: $input) {
             clientMutationId feedback { id measure agency dataVersion caseNumber } } }""",
        {
            "input": {
                "subjectId": BARRED,
                "measure": "BAR_DIRECTOR",
                "agencyId": "g:pd-amr",
                "date": "2026-06-11",
                "matter": "董事任职备案",
                "caseNumber": "浦市监备〔2026〕8号",
                "dataVersion": store.data_version(),
                "clientMutationId": "fb-1",
            }
        },
        key=KEYS["approval"],
    )
    assert reported.errors is None, reported.errors
    assert reported.data["recordFeedback"]["feedback"]["dataVersion"] == store.data_version()
    counts = run(state, "{ feedbackCounts { measure agency month count } }", key=KEYS["steward"])
    assert counts.data["feedbackCounts"] == [
        {"measure": "BAR_DIRECTOR", "agency": "g:pd-amr", "month": "2026-06", "count": 1}
    ]
    store.close()


def test_credit_grade_incentives_and_notices_through_graphql(tmp_path: Path) -> None:
    store = new_store(
        tmp_path / "s.db",
        [event("ev:red", "RED_LISTED", MINGYUAN, "2026-01-10", authority="g:pd-amr")],
    )
    state = state_for(store, keys=KEYS)
    graded = run(
        state,
        'query ($e: ID!) { creditGrade(subjectId: $e, asOf: "2026-03-01") { grade '
        "inspectionRatio reasons { condition restriction { measure rule } } } }",
        {"e": MINGYUAN},
        key=KEYS["investigator"],
    )
    assert graded.errors is None, graded.errors
    assert graded.data["creditGrade"]["grade"] == "A"
    decision = run(
        state,
        'query ($e: ID!) { checkEligibility(subjectId: $e, activity: BIDDING, on: "2026-03-01") '
        "{ decision incentives { measure rule effect } incentivesWithheld { measure } } }",
        {"e": MINGYUAN},
        key=KEYS["approval"],
    )
    assert decision.errors is None, decision.errors
    incentives = decision.data["checkEligibility"]["incentives"]
    assert "ACCEPT_WITH_GAPS" in {i["measure"] for i in incentives}
    assert {i["effect"] for i in incentives} == {"INCENTIVE"}
    listing = run(
        state,
        '{ creditGrades(grade: "A", asOf: "2026-03-01") { edges { node { subject grade } } } }',
        key=KEYS["investigator"],
    )
    assert [e["node"]["subject"] for e in listing.data["creditGrades"]["edges"]] == [MINGYUAN]
    # a barred director sitting on MINGYUAN's board: a removal notice to MINGYUAN
    store.pinned_today = store.today().replace(year=2026, month=6, day=30)  # type: ignore[attr-defined]
    result = load(
        lines(
            [
                event(
                    "ev:dd",
                    "DISHONEST_DEBTOR_LISTED",
                    BARRED,
                    "2026-06-20",
                    ground="unpaid_debt",
                    until="2028-06-20",
                )
            ]
        ),
        store,
    )
    assert not result.errors
    notices = run(
        state,
        "query ($e: ID!) { notifications(addresseeId: $e) "
        "{ id notice status person role legalBasis overdue } }",
        {"e": MINGYUAN},
        key=KEYS["investigator"],
    )
    assert notices.errors is None, notices.errors
    removal = [n for n in notices.data["notifications"] if n["notice"] == "REMOVAL"]
    assert removal and removal[0]["person"] == BARRED and removal[0]["status"] == "PENDING"
    acked = run(
        state,
        """mutation ($input: AcknowledgeNotificationInput!) {
             acknowledgeNotification(input: $input) { clientMutationId notification { status } } }""",
        {"input": {"notificationId": removal[0]["id"], "clientMutationId": "ack-1"}},
        key=KEYS["investigator"],
    )
    assert acked.errors is None, acked.errors
    assert acked.data["acknowledgeNotification"] == {
        "clientMutationId": "ack-1",
        "notification": {"status": "ACKNOWLEDGED"},
    }
    store.close()


def test_decision_changed_subscription_over_websocket(tmp_path: Path) -> None:
    store = new_store(tmp_path / "s.db")
    state = state_for(store)  # open local mode on loopback
    since = store.data_version()
    with serving(state) as base_url:
        url = base_url.replace("http://", "ws://") + "/graphql"
        with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            ws.send(json.dumps({"type": "connection_init"}))
            assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
            ws.send(
                json.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {
                            "query": SUBSCRIBE,
                            "variables": {"ids": [BARRED], "since": since},
                        },
                    }
                )
            )
            result = load(
                lines(
                    [
                        event(
                            "ev:sub",
                            "DISHONEST_DEBTOR_LISTED",
                            BARRED,
                            "2026-06-20",
                            ground="unpaid_debt",
                            until="2028-06-20",
                        )
                    ]
                ),
                store,
            )
            assert not result.errors
            message = json.loads(ws.recv(timeout=20))
            assert message["type"] == "next", message
            change = message["payload"]["data"]["decisionChanged"]
            assert change["subject"] == BARRED
            assert change["after"]["decision"] == "DENY"
            assert "DISHONEST_DEBTOR" in change["after"]["measures"]
            ws.send(json.dumps({"id": "1", "type": "complete"}))
    store.close()


def test_a_notice_whose_delivery_failed_is_listed_by_that_status(tmp_path: Path) -> None:
    # the steward follows up by other means the notices no webhook accepted
    store = new_store(
        tmp_path / "s.db",
        [
            {"type": "agency", "id": "g:bureau", "name": "清远市某局"},
            {"type": "agency", "id": "g:superior", "name": "清远市人民政府"},
            link("SUPERIOR_OF", "g:superior", "g:bureau", "2020-01-01"),
            event("ev:p", "ADMINISTRATIVE_PENALTY", "g:bureau", "2026-05-01", severity="general"),
        ],
    )
    state = state_for(store, keys=KEYS)
    (notice,) = store.monitor_records("notice", subjects=["g:superior"])
    store.update_monitor_records(
        [("notice", notice.id, "FAILED", notice.data)], expected_status="PENDING"
    )
    query = (
        "query ($e: ID!, $s: String) { notifications(addresseeId: $e, status: $s) { id status } }"
    )
    failed = run(state, query, {"e": "g:superior", "s": "FAILED"}, key=KEYS["investigator"])
    assert failed.errors is None, failed.errors
    assert failed.data["notifications"] == [{"id": notice.id, "status": "FAILED"}]
    pending = run(state, query, {"e": "g:superior", "s": "PENDING"}, key=KEYS["investigator"])
    assert pending.data["notifications"] == []
    wrong = run(state, query, {"e": "g:superior", "s": "LOST"}, key=KEYS["investigator"])
    assert wrong.errors and "FAILED" in wrong.errors[0].message
    store.close()
