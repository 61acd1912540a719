"""Watches, alerts and notices as Relay connections (first/after forwards, last/before
backwards, totalCount), as the approval system and the investigator page through them —
and a notice withdrawn when the listing it announced is voided."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from api_support import BARRED, KEYS, MINGYUAN, OPERATING, REVOKED, codes, new_store, run, state_for

PAGE = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount"


def _watch(state: Any, subject: str) -> str:
    done = run(
        state,
        "mutation ($s: ID!) { watch(input: {subjectId: $s}) { watch { id } } }",
        {"s": subject},
        key=KEYS["approval"],
    )
    assert done.errors is None, done.errors
    return str(done.data["watch"]["watch"]["id"])


def _record(state: Any, event_id: str, kind: str, subject: str, day: str, details: str) -> None:
    done = run(
        state,
        f"""mutation {{ recordEvent(event: {{id: "{event_id}", kind: {kind},
             subject: "{subject}", date: "{day}", details: {details}}}) {{ written }} }}""",
        key=KEYS["steward"],
    )
    assert done.errors is None, done.errors


def test_an_approval_system_pages_through_its_watches_and_a_watchs_alerts(
    tmp_path: Path,
) -> None:
    store = new_store(tmp_path / "s.db")
    state = state_for(store, keys=KEYS)
    ids = [_watch(state, s) for s in (MINGYUAN, BARRED, OPERATING)]
    query = f"""query ($first: Int, $after: String, $last: Int, $before: String) {{
        watchesConnection(first: $first, after: $after, last: $last, before: $before) {{
          edges {{ cursor node {{ id target }} }} {PAGE} }} }}"""
    first = run(state, query, {"first": 2}, key=KEYS["approval"])
    assert first.errors is None, first.errors
    page = first.data["watchesConnection"]
    assert [e["node"]["id"] for e in page["edges"]] == ids[:2]
    assert page["totalCount"] == 3
    assert page["pageInfo"]["hasNextPage"] and not page["pageInfo"]["hasPreviousPage"]
    rest = run(
        state, query, {"first": 2, "after": page["pageInfo"]["endCursor"]}, key=KEYS["approval"]
    )
    assert [e["node"]["id"] for e in rest.data["watchesConnection"]["edges"]] == ids[2:]
    assert not rest.data["watchesConnection"]["pageInfo"]["hasNextPage"]
    back = run(
        state, query, {"last": 1, "before": page["pageInfo"]["endCursor"]}, key=KEYS["approval"]
    )
    assert [e["node"]["id"] for e in back.data["watchesConnection"]["edges"]] == ids[:1]
    # the old list is still there; another caller sees none of these watches
    listed = run(state, "{ watches { id } }", key=KEYS["approval"])
    assert [w["id"] for w in listed.data["watches"]] == ids
    other = run(state, f"{{ watchesConnection {{ {PAGE} }} }}", key=KEYS["investigator"])
    assert other.data["watchesConnection"]["totalCount"] == 0

    # two writes on the watched person: two alerts, paged one at a time
    _record(
        state,
        "ev:c-1",
        "DISHONEST_DEBTOR_LISTED",
        BARRED,
        "2026-06-10",
        '{until: "2028-06-10", ground: "unpaid_debt"}',
    )
    _record(state, "ev:c-2", "OBJECTION_UPHELD", BARRED, "2026-06-20", '{lifts: "ev:c-1"}')
    alerts = (
        """query ($w: ID!, $first: Int, $after: String, $last: Int) {
        alertsConnection(watchId: $w, first: $first, after: $after, last: $last) {
          edges { cursor node { id change { change after { decision } } } } """
        + PAGE
        + " } }"
    )
    one = run(state, alerts, {"w": ids[1], "first": 1}, key=KEYS["approval"])
    assert one.errors is None, one.errors
    conn = one.data["alertsConnection"]
    assert conn["totalCount"] == 2 and conn["pageInfo"]["hasNextPage"]
    assert [e["node"]["change"]["change"] for e in conn["edges"]] == ["RESTRICTED"]
    two = run(
        state,
        alerts,
        {"w": ids[1], "first": 1, "after": conn["pageInfo"]["endCursor"]},
        key=KEYS["approval"],
    )
    assert [e["node"]["change"]["change"] for e in two.data["alertsConnection"]["edges"]] == [
        "RESTORED"
    ]
    latest = run(state, alerts, {"w": ids[1], "last": 1}, key=KEYS["approval"])
    assert latest.data["alertsConnection"]["edges"] == two.data["alertsConnection"]["edges"]
    # a cursor of the watches list is refused here, and another owner's watch is unknown
    refused = run(
        state,
        alerts,
        {"w": ids[1], "after": page["pageInfo"]["endCursor"]},
        key=KEYS["approval"],
    )
    assert codes(refused) and "cursor" in refused.errors[0].message
    unknown = run(state, alerts, {"w": ids[1]}, key=KEYS["investigator"])
    assert codes(unknown) and "unknown watch" in unknown.errors[0].message
    store.close()


def test_removal_notice_withdrawn_when_the_listing_is_voided_shown_in_the_connection(
    tmp_path: Path,
) -> None:
    store = new_store(tmp_path / "s.db")
    state = state_for(store, keys=KEYS)
    since = store.data_version()
    query = """query ($e: ID!, $status: String) {
        notificationsConnection(addresseeId: $e, status: $status, first: 10) {
          edges { node { id notice status overdue withdrawnReason person } } totalCount } }"""
    # the bundled scenario already asks MINGYUAN to remove 张伟 (barred since 2024)
    earlier = run(state, query, {"e": MINGYUAN}, key=KEYS["investigator"])
    known = {e["node"]["id"] for e in earlier.data["notificationsConnection"]["edges"]}
    _record(
        state,
        "ev:w-1",
        "DISHONEST_DEBTOR_LISTED",
        BARRED,
        "2026-06-10",
        '{until: "2028-06-10", ground: "unpaid_debt"}',
    )
    pending = run(state, query, {"e": MINGYUAN}, key=KEYS["investigator"])
    assert pending.errors is None, pending.errors
    (removal,) = [
        e["node"]
        for e in pending.data["notificationsConnection"]["edges"]
        if e["node"]["notice"] == "REMOVAL" and e["node"]["id"] not in known
    ]
    assert removal["status"] == "PENDING" and removal["person"] == BARRED
    _record(state, "ev:w-2", "OBJECTION_UPHELD", BARRED, "2026-06-20", '{lifts: "ev:w-1"}')

    withdrawn = run(state, query, {"e": MINGYUAN, "status": "WITHDRAWN"}, key=KEYS["investigator"])
    assert withdrawn.errors is None, withdrawn.errors
    conn = withdrawn.data["notificationsConnection"]
    assert conn["totalCount"] == 1
    node = conn["edges"][0]["node"]
    assert node["id"] == removal["id"] and not node["overdue"]
    assert "voided by ev:w-2" in node["withdrawnReason"]
    feed = run(
        state,
        """query ($since: String!) { changes(since: $since, first: 10) { edges { node {
             subject change cause noticesWithdrawn { id reason } } } } }""",
        {"since": since},
        key=KEYS["investigator"],
    )
    assert feed.errors is None, feed.errors
    restored = [
        e["node"] for e in feed.data["changes"]["edges"] if e["node"]["change"] == "RESTORED"
    ]
    assert restored and restored[-1]["subject"] == BARRED and restored[-1]["cause"] == "WRITE"
    # 张伟 holds offices in more than one enterprise: each removal notice is withdrawn
    named = {n["id"]: n["reason"] for n in restored[-1]["noticesWithdrawn"]}
    assert removal["id"] in named and named[removal["id"]] == node["withdrawnReason"]
    still = run(state, query, {"e": MINGYUAN, "status": "PENDING"}, key=KEYS["investigator"])
    assert not {e["node"]["id"] for e in still.data["notificationsConnection"]["edges"]} & set(
        named
    )
    assert REVOKED not in {e["node"]["subject"] for e in feed.data["changes"]["edges"]}
    store.close()
