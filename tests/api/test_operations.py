"""What an operator relies on: readiness, Prometheus metrics, a request id on every response
and log line, CORS only when configured, and no audit entry lost when the server stops."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path
from typing import Any

import httpx
from api_support import BARRED, KEYS, NAMESAKE, OPERATING, Live, new_store, serving, state_for
from prometheus_client.parser import text_string_to_metric_families

from creditgraph.api.operations import JsonFormatter, request_id
from creditgraph.store.base import StoreError

APPROVAL = {"Authorization": f"Bearer {KEYS['approval']}"}
CHECK = '{ checkAppointment(personId: "p:zhang-wei", role: DIRECTOR) { decision } }'


def samples(url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = httpx.get(f"{url}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(found: dict[Any, float], name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


# --- readiness ------------------------------------------------------------------------------------


def test_readyz_reports_a_reachable_store_with_a_current_schema(live: Live) -> None:
    response = httpx.get(f"{live.url}/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["schemaVersion"] == body["expectedSchemaVersion"]
    assert body["dataVersion"] == live.store.data_version()


def test_readyz_is_503_for_a_store_of_another_schema_version(tmp_path: Path) -> None:
    store = new_store(tmp_path / "old.db")
    with sqlite3.connect(tmp_path / "old.db") as conn:  # as a store written by an older release
        conn.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    try:
        with serving(state_for(store, keys=KEYS)) as url:
            response = httpx.get(f"{url}/readyz")
            alive = httpx.get(f"{url}/healthz")
    finally:
        store.close()
    assert response.status_code == 503
    assert response.json()["status"] == "unready"
    assert "creditgraph migrate" in response.json()["schema"]
    assert alive.status_code == 200  # alive, but not ready for traffic


class _Unreachable:
    """A store whose server has gone away (Neo4j restarting, a volume unmounted)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.schema = inner.schema
        self.down = False

    def __getattr__(self, name: str) -> Any:
        if self.down:
            raise StoreError("connection refused")
        return getattr(self._inner, name)

    def data_version(self) -> str:
        if self.down:
            raise StoreError("connection refused")
        return str(self._inner.data_version())


def test_readyz_is_503_while_the_store_is_unreachable(tmp_path: Path) -> None:
    inner = new_store(tmp_path / "s.db")
    store = _Unreachable(inner)
    try:
        with serving(state_for(store, keys=KEYS)) as url:  # type: ignore[arg-type]
            assert httpx.get(f"{url}/readyz").status_code == 200
            store.down = True
            response = httpx.get(f"{url}/readyz")
            alive = httpx.get(f"{url}/healthz")
            store.down = False
    finally:
        inner.close()
    assert response.status_code == 503
    assert response.json()["store"].startswith("unreachable")
    # still alive: restarting the API would not bring the store back
    assert alive.status_code == 200
    assert alive.json()["store"].startswith("unreachable") and alive.json()["dataVersion"] is None


# --- metrics --------------------------------------------------------------------------------------


def test_metrics_count_requests_by_operation_and_code(live: Live) -> None:
    before = samples(live.url)
    httpx.post(
        f"{live.url}/v1/checks/appointment",
        json={"person": BARRED, "role": "DIRECTOR"},
        headers=APPROVAL,
    )
    httpx.post(
        f"{live.url}/v1/checks/appointment",
        json={"person": "p:nobody", "role": "DIRECTOR"},
        headers=APPROVAL,
    )
    httpx.post(f"{live.url}/graphql", json={"query": CHECK}, headers=APPROVAL)
    httpx.post(
        f"{live.url}/graphql", json={"query": CHECK}, headers={"Authorization": "Bearer wrong"}
    )
    after = samples(live.url)
    rest_op = "POST /v1/checks/appointment"
    for name, labels in [
        ("creditgraph_requests_total", {"operation": rest_op, "code": "OK"}),
        ("creditgraph_requests_total", {"operation": rest_op, "code": "NOT_FOUND"}),
        ("creditgraph_requests_total", {"operation": "checkAppointment", "code": "OK"}),
        # a bad key is refused before the body is parsed (creditgraph.api.guard): counted
        # under the path, as no operation has been read
        ("creditgraph_requests_total", {"operation": "POST /graphql", "code": "UNAUTHENTICATED"}),
        ("creditgraph_request_seconds_count", {"operation": rest_op}),
    ]:
        assert value(after, name, **labels) - value(before, name, **labels) >= 1, (name, labels)
    assert value(after, "creditgraph_store_seconds_count", call="restrictions") > value(
        before, "creditgraph_store_seconds_count", call="restrictions"
    )
    assert ("creditgraph_audit_queue_depth", frozenset()) in after


def test_scanner_paths_and_methods_do_not_grow_the_metric_labels(live: Live) -> None:
    # methods uvicorn's HTTP parser (httptools, with uvicorn[standard]) lets through but the
    # API does not use: an invented token such as SCAN0 is refused by the parser itself
    for i, method in enumerate(["PROPFIND", "MKCOL", "PURGE", "LOCK", "UNLOCK"]):
        httpx.get(f"{live.url}/wp-admin/{i}.php")
        httpx.request(method, f"{live.url}/healthz")
    found = samples(live.url)
    operations = {
        dict(labels).get("operation")
        for name, labels in found
        if name == "creditgraph_requests_total"
    }
    assert not any(op and ("wp-admin" in op or "PROPFIND" in op) for op in operations)
    assert (
        value(
            found,
            "creditgraph_requests_total",
            operation="OTHER /healthz",
            code="METHOD_NOT_ALLOWED",
        )
        >= 5
    )
    assert value(found, "creditgraph_requests_total", operation="other", code="NOT_FOUND") >= 5


# --- request ids and logs -------------------------------------------------------------------------


def test_every_response_carries_a_request_id(live: Live) -> None:
    ids = {
        httpx.get(f"{live.url}/healthz").headers["x-request-id"],
        httpx.post(f"{live.url}/graphql", json={"query": CHECK}, headers=APPROVAL).headers[
            "x-request-id"
        ],
        httpx.post(
            f"{live.url}/v1/checks/eligibility", json={"subject": OPERATING}, headers=APPROVAL
        ).headers["x-request-id"],  # a 422 too
    }
    assert len(ids) == 3 and all(ids)


def test_a_gateways_trace_id_is_kept_and_a_hostile_one_replaced(live: Live) -> None:
    kept = httpx.get(f"{live.url}/healthz", headers={"X-Request-Id": "gw-2026.06.30-0001"})
    assert kept.headers["x-request-id"] == "gw-2026.06.30-0001"
    hostile = httpx.get(f"{live.url}/healthz", headers={"X-Request-Id": "a\tb" + "x" * 200})
    assert hostile.headers["x-request-id"] != "a\tb" + "x" * 200
    assert len(hostile.headers["x-request-id"]) == 32


class _Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_request_log_line_is_json_with_the_request_id_and_no_query_string(live: Live) -> None:
    # a handler on the logger itself: `serve` configures it not to propagate to the root
    logger = logging.getLogger("creditgraph.http")
    captured, level = _Captured(), logger.level
    logger.addHandler(captured)
    logger.setLevel(logging.INFO)
    number = "11010519491231002X"
    try:
        response = httpx.get(
            f"{live.url}/graphql",
            params={"query": f'{{ search(query: "{number}") {{ edges {{ cursor }} }} }}'},
            headers={"X-Request-Id": "trace-42", **APPROVAL},
        )
    finally:
        logger.removeHandler(captured)
        logger.setLevel(level)
    assert response.headers["x-request-id"] == "trace-42"
    lines = [json.loads(JsonFormatter().format(r)) for r in captured.records]
    line = next(entry for entry in lines if entry.get("request_id") == "trace-42")
    assert (line["method"], line["path"], line["status"]) == ("GET", "/graphql", 200)
    assert isinstance(line["duration_ms"], float)
    assert all(number not in json.dumps(entry) for entry in lines)


def test_log_lines_from_a_request_carry_its_id() -> None:
    token = request_id.set("req-7")
    try:
        record = logging.LogRecord("creditgraph.api", logging.ERROR, __file__, 1, "boom", (), None)
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id.reset(token)
    assert (line["request_id"], line["level"], line["message"]) == ("req-7", "error", "boom")


# --- CORS -----------------------------------------------------------------------------------------


def _preflight(url: str, origin: str) -> httpx.Response:
    return httpx.options(
        f"{url}/graphql",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )


def test_cors_is_off_by_default(live: Live) -> None:
    response = _preflight(live.url, "https://workbench.example")
    assert "access-control-allow-origin" not in response.headers
    post = httpx.post(
        f"{live.url}/graphql",
        json={"query": CHECK},
        headers={"Origin": "https://workbench.example", **APPROVAL},
    )
    assert "access-control-allow-origin" not in post.headers


def test_cors_preflight_is_answered_for_a_configured_origin_only(tmp_path: Path) -> None:
    store = new_store(tmp_path / "s.db")
    allowed = "https://credit.sh.gov.example"
    try:
        with serving(state_for(store, keys=KEYS, cors_origins=(allowed,))) as url:
            ok = _preflight(url, allowed)
            other = _preflight(url, "https://evil.example")
            post = httpx.post(
                f"{url}/v1/checks/appointment",
                json={"person": NAMESAKE, "role": "DIRECTOR"},
                headers={"Origin": allowed, **APPROVAL},
            )
    finally:
        store.close()
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == allowed
    assert "authorization" in ok.headers["access-control-allow-headers"].lower()
    assert "POST" in ok.headers["access-control-allow-methods"]
    assert other.headers.get("access-control-allow-origin") != "https://evil.example"
    assert post.headers["access-control-allow-origin"] == allowed
    assert "x-request-id" in post.headers["access-control-expose-headers"].lower()


def test_cors_origins_setting_reads_a_comma_separated_list() -> None:
    from creditgraph.settings import load_settings

    settings = load_settings({"CREDITGRAPH_CORS_ORIGINS": "https://a.example, https://b.example"})
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert load_settings({}).cors_origins == ()


# --- graceful shutdown ----------------------------------------------------------------------------


def test_stopping_the_server_loses_no_audit_entry(tmp_path: Path) -> None:
    # the audit is durable before an answer leaves (creditgraph.api.audit): by the time a
    # check is answered its entry is in the store, so there is no queue for a shutdown to lose
    store = new_store(tmp_path / "s.db")
    state = state_for(store, keys=KEYS)
    state.audit.interval = 3600  # nothing is written by the timer: only what answers wait for
    try:
        with serving(state) as url:
            for _ in range(3):
                response = httpx.post(
                    f"{url}/v1/checks/appointment",
                    json={"person": BARRED, "role": "DIRECTOR"},
                    headers={**APPROVAL, "X-Purpose": "shutdown-test"},
                )
                assert response.status_code == 200
            assert state.audit.depth() == 0
            answered = [e for e in store.audit_entries(limit=100) if e.purpose == "shutdown-test"]
            assert len(answered) == 3
        entries = [e for e in store.audit_entries(limit=100) if e.purpose == "shutdown-test"]
    finally:
        store.close()
    assert len(entries) == 3
    assert all(e.ids == (BARRED,) for e in entries)
