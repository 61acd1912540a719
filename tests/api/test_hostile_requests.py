"""Requests an attacker would send, against the real server (issue 10, items 18, 19, 25, 27).

Who the caller is and how much they send are settled before any parsing, validation or
coercion; what is parsed has a bounded cost once its fragments are expanded; and every
hostile input an anonymous caller can reach comes back as a coded client error — never an
internal error with a traceback in the log."""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Iterator

import httpx
import pytest
from api_support import BARRED, KEYS, Live, new_store, serving, state_for

from creditgraph.api import guard
from creditgraph.api.context import ApiContext
from creditgraph.api.guard import (
    MAX_CACHED_QUERY_CHARS,
    MAX_EXPANDED_FIELDS,
    MAX_VARIABLE_DEPTH,
    MAX_VARIABLE_LIST,
    SmallQueryParserCache,
)
from creditgraph.api.schema import CACHED_DOCUMENTS, _checked_document, _inline_operation, schema

MAX_BODY = 64 * 1024  # a small limit, so the tests send little


def fragment_bomb(levels: int) -> str:
    """Each fragment spreads the previous one twice: 2^levels fields in ~10 tokens a level."""
    parts = ["fragment F0 on Query { __typename }"]
    parts += [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels)]
    return f"query {{ ...F{levels - 1} }} " + " ".join(parts)


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A server with API keys, as deployed for approval systems."""
    path = tmp_path_factory.mktemp("keyed") / "store.db"
    store = new_store(path)
    state = state_for(store, keys=KEYS, host="0.0.0.0", max_body_bytes=MAX_BODY)
    with serving(state) as url:
        yield Live(url, store, state, path)
    store.close()


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A server with API keys that lets anonymous callers read public facts."""
    path = tmp_path_factory.mktemp("public") / "store.db"
    store = new_store(path)
    state = state_for(store, keys=KEYS, public=True, host="0.0.0.0", max_body_bytes=MAX_BODY)
    with serving(state) as url:
        yield Live(url, store, state, path)
    store.close()


def _post(
    url: str, body: object = None, *, key: str | None = None, **kwargs: object
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    headers.update(kwargs.pop("headers", None) or {})  # type: ignore[call-overload]
    if body is not None:
        kwargs["json"] = body
    return httpx.post(f"{url}/graphql", headers=headers, timeout=30, **kwargs)  # type: ignore[arg-type]


def _codes(response: httpx.Response) -> list[str]:
    return [e["extensions"]["code"] for e in response.json().get("errors") or []]


# item 18: authenticate before parsing; bounded validation --------------------------------------
def test_an_anonymous_fragment_bomb_is_refused_before_it_is_parsed(keyed: Live) -> None:
    response = _post(keyed.url, {"query": fragment_bomb(40)})

    assert response.status_code == 401
    assert _codes(response) == ["UNAUTHENTICATED"]


def test_an_anonymous_body_is_not_even_read_past_the_headers(keyed: Live) -> None:
    # over the size limit and not JSON: the missing key is what the caller hears about
    response = _post(keyed.url, content=b"{" * (MAX_BODY * 2))

    assert response.status_code == 401


def test_a_wrong_key_is_refused_like_a_missing_one(keyed: Live) -> None:
    response = _post(keyed.url, {"query": "{ __typename }"}, key="not-a-key")

    assert response.status_code == 401
    assert _codes(response) == ["UNAUTHENTICATED"]


def test_introspection_needs_a_key_when_keys_are_configured(keyed: Live) -> None:
    query = {"query": "{ __schema { queryType { name } } }"}

    assert _post(keyed.url, query).status_code == 401
    answered = _post(keyed.url, query, key=KEYS["approval"])
    assert answered.status_code == 200
    assert answered.json()["data"]["__schema"]["queryType"]["name"] == "Query"


def test_the_graphiql_page_itself_stays_reachable(keyed: Live) -> None:
    response = httpx.get(f"{keyed.url}/graphql", headers={"Accept": "text/html"}, timeout=30)

    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


def test_a_query_in_the_url_needs_a_key_too(keyed: Live) -> None:
    response = httpx.get(f"{keyed.url}/graphql", params={"query": "{ __typename }"}, timeout=30)

    assert response.status_code == 401


@pytest.mark.parametrize("levels", [14, 30, 60])
def test_a_fragment_bomb_from_a_permitted_caller_is_refused_before_validation(
    public: Live, levels: int
) -> None:
    response = _post(public.url, {"query": fragment_bomb(levels)})

    assert response.status_code == 200
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "LIMIT_EXCEEDED", "limit": "fields"}
    assert str(MAX_EXPANDED_FIELDS) in error["message"]


def test_an_operation_within_the_budget_runs(public: Live) -> None:
    response = _post(public.url, {"query": fragment_bomb(8)})

    assert response.status_code == 200
    assert response.json().get("errors") is None


# item 19: body, lists and batches capped before any work ---------------------------------------
def test_a_body_over_the_limit_is_refused_from_its_declared_length(public: Live) -> None:
    response = _post(public.url, {"query": "{ __typename }", "pad": "x" * MAX_BODY})

    assert response.status_code == 413
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "LIMIT_EXCEEDED", "limit": "body"}
    assert str(MAX_BODY) in error["message"]


def test_a_streamed_body_over_the_limit_is_cut_off(public: Live) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"query": "{ __typename }", "pad": "'
        for _ in range(8):
            yield b"x" * (MAX_BODY // 4)
        yield b'"}'

    response = _post(public.url, content=chunks(), headers={"Content-Type": "application/json"})

    assert response.status_code == 413


def test_a_batch_longer_than_any_list_accepted_is_refused_before_coercion(public: Live) -> None:
    requests = [{"personId": "p:x", "role": "DIRECTOR"}] * (MAX_VARIABLE_LIST + 1)
    query = "query($r: [AppointmentRequest!]!) { checkAppointments(requests: $r) { decision } }"
    with serving(state_for(public.store, keys=KEYS, host="0.0.0.0")) as url:  # default body limit
        response = _post(url, {"query": query, "variables": {"r": requests}}, key=KEYS["approval"])

    assert response.status_code == 400
    assert _codes(response) == ["LIMIT_EXCEEDED"]
    assert f"at most {MAX_VARIABLE_LIST} items" in response.json()["errors"][0]["message"]


# item 25: internal errors anonymous callers could reach are coded client errors ----------------
@pytest.fixture
def no_tracebacks(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    with caplog.at_level(logging.ERROR):
        yield
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def test_an_unknown_fragment_is_a_validation_error(public: Live, no_tracebacks: None) -> None:
    response = _post(public.url, {"query": "query { ...Z }"})

    assert _codes(response) == ["GRAPHQL_VALIDATION_FAILED"]
    assert 'Unknown fragment "Z"' in response.json()["errors"][0]["message"]


def test_a_fragment_spreading_itself_is_a_validation_error(
    public: Live, no_tracebacks: None
) -> None:
    query = "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }"

    assert _codes(_post(public.url, {"query": query})) == ["GRAPHQL_VALIDATION_FAILED"]


def test_a_search_text_longer_than_any_name_is_a_limit_error(
    public: Live, no_tracebacks: None
) -> None:
    query = "query($q: String!) { search(query: $q) { edges { cursor } } }"

    response = _post(public.url, {"query": query, "variables": {"q": "华" * 20_000}})

    assert _codes(response) == ["LIMIT_EXCEEDED"]


@pytest.mark.parametrize("position", [2**63, 2**64 + 1, 10**40])
def test_a_cursor_past_any_position_is_an_invalid_argument(
    public: Live, no_tracebacks: None, position: int
) -> None:
    query = 'query($a: String) { search(query: "华信", after: $a) { edges { cursor } } }'

    response = _post(
        public.url, {"query": query, "variables": {"a": _cursor(f"search:{position}")}}
    )

    assert _codes(response) == ["INVALID_ARGUMENT"]


def test_an_audit_cursor_past_any_position_is_an_invalid_argument(
    keyed: Live, no_tracebacks: None
) -> None:
    query = "query($a: String) { auditLog(after: $a) { edges { cursor } } }"

    response = _post(
        keyed.url,
        {"query": query, "variables": {"a": _cursor(f"audit:{2**63}")}},
        key=KEYS["steward"],
    )

    assert _codes(response) == ["INVALID_ARGUMENT"]


@pytest.mark.parametrize("depth", [MAX_VARIABLE_DEPTH + 1, 1000])
def test_json_nested_deeper_than_any_record_is_refused(
    keyed: Live, no_tracebacks: None, depth: int
) -> None:
    query = "mutation($r: [JSON!]!) { importRecords(records: $r) { ok } }"
    body = (
        '{"query": "'
        + query.replace('"', '\\"')
        + '", "variables": {"r": ['
        + "[" * depth
        + "]" * depth
        + "]}}"
    )

    response = _post(
        keyed.url,
        content=body.encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {KEYS['steward']}"},
    )

    assert response.status_code == 400
    assert _codes(response) in (["LIMIT_EXCEEDED"], ["BAD_REQUEST"])


def test_a_literal_nested_too_deeply_is_a_parse_error(public: Live, no_tracebacks: None) -> None:
    query = "mutation { importRecords(records: [" + "{a: " * 600 + "1" + "}" * 600 + "]) { ok } }"

    assert _codes(_post(public.url, {"query": query})) in (
        ["GRAPHQL_PARSE_FAILED"],
        ["LIMIT_EXCEEDED"],
    )


def test_the_store_is_untouched_by_hostile_writes(keyed: Live) -> None:
    before = keyed.store.data_version()
    _post(keyed.url, {"query": fragment_bomb(40)})
    _post(keyed.url, content=b"x" * (MAX_BODY * 2), key=KEYS["steward"])

    assert keyed.store.data_version() == before


# item 19: memory returns to its baseline ---------------------------------------------------------
def test_memory_held_for_a_streamed_body_refused_at_the_limit_is_handed_back(
    public: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a streamed body is held up to the limit before it is refused; past a megabyte the freed
    # heap goes back to the system — after a refusal as after an answer
    released: list[None] = []
    monkeypatch.setattr(guard, "_release_memory", lambda: released.append(None))
    limit = 2 * 1024 * 1024

    def chunks() -> Iterator[bytes]:
        yield b'{"query": "{ __typename }", "pad": "'
        for _ in range(12):
            yield b"x" * (256 * 1024)
        yield b'"}'

    with serving(state_for(public.store, keys=KEYS, host="0.0.0.0", max_body_bytes=limit)) as url:
        small = _post(url, {"query": "{ __typename }"}, key=KEYS["steward"])
        assert small.status_code == 200 and released == []
        refused = _post(
            url, content=chunks(), key=KEYS["steward"], headers={"Content-Type": "application/json"}
        )

    assert refused.status_code == 413
    assert released == [None]


def _cached_texts() -> dict[str, int]:
    return {
        "parsed": SmallQueryParserCache(CACHED_DOCUMENTS)
        .cached_parse_document.cache_info()
        .currsize,
        "bare check?": _inline_operation.cache_info().currsize,
        "check documents": _checked_document.cache_info().currsize,
    }


def test_a_query_text_longer_than_any_real_operation_is_answered_but_never_kept(
    public: Live,
) -> None:
    check = f'{{ long: checkAppointment(personId: "{BARRED}", role: DIRECTOR) {{ decision }} }}'
    other = "{ long: __typename }"  # not a bare check: strawberry's parser cache
    pad = "# " + "x" * MAX_CACHED_QUERY_CHARS + "\n"  # a comment: no tokens
    before = _cached_texts()
    answers = [_post(public.url, {"query": pad + q}, key=KEYS["approval"]) for q in (check, other)]

    assert [a.json()["data"] for a in answers] == [
        {"long": {"decision": "DENY"}},
        {"long": "Query"},
    ]
    assert _cached_texts() == before
    # the same operations in texts of ordinary length are kept
    for query in (check, other):
        assert _post(public.url, {"query": query}, key=KEYS["approval"]).status_code == 200
    grown = {name: after - before[name] for name, after in _cached_texts().items()}
    assert grown == {"parsed": 1, "bare check?": 2, "check documents": 1}


def test_distinct_query_texts_past_the_cache_sizes_leave_them_at_their_bound(
    public: Live,
) -> None:
    for n in range(2 * CACHED_DOCUMENTS + 50):  # an alias each: a scanner's endless texts
        query = f'{{ a{n}: checkAppointment(personId: "{BARRED}", role: DIRECTOR) {{ decision }} }}'
        context = ApiContext.for_key(public.state, KEYS["approval"])
        result = asyncio.run(schema.execute(query, context_value=context))
        assert result.errors is None

    sizes = _cached_texts()
    assert sizes["parsed"] <= CACHED_DOCUMENTS
    assert sizes["bare check?"] == sizes["check documents"] == 2 * CACHED_DOCUMENTS
