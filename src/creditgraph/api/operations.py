"""What an operator needs from a running server: a request id on every request and response,
one structured JSON log line per request, Prometheus metrics, and readiness.

- ``X-Request-Id``: taken from the caller when it is a plain token (a gateway's trace id),
  else made here; returned on every response and written on every log line of the request,
  including lines logged from the worker thread that ran it.
- Metrics (``/metrics``, Prometheus text format): requests by operation and code, request
  latency by operation, store call latency by call, and the audit queue depth. Operations are
  the GraphQL root fields asked for, or the REST endpoint — never a caller-chosen string, so
  the label set stays bounded.
- Log lines carry the path without its query string: a GET query can hold an identity number.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import itertools
import json
import logging
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import orjson
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from creditgraph.api.audit import AuditWriter

REQUEST_ID_HEADER = "x-request-id"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "creditgraph_request_id", default=None
)
access_log = logging.getLogger("creditgraph.http")
# Set for the workers of `serve --workers N` (creditgraph.api.serving): prometheus_client
# reads it at import and keeps every process's values in files in that folder.
MULTIPROCESS_METRICS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

# Paths answered by the server itself; anything else is counted as "other" so that a
# scanner's random paths cannot grow the label set.
KNOWN_PATHS = frozenset(
    {
        "/graphql",
        "/healthz",
        "/readyz",
        "/metrics",
        "/openapi.json",
        "/docs",
        "/v1/checks/appointment",
        "/v1/checks/appointments",
        "/v1/checks/eligibility",
    }
)
# Any token is a valid HTTP method: a label takes only these, the rest count as OTHER.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class Metrics:
    """The server's Prometheus metrics, in a registry of its own (one per app: tests and
    embedders may run several apps in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "creditgraph_requests",
            "Requests answered, by operation (GraphQL root fields or REST endpoint) and code "
            "(OK, or the error's code).",
            ["operation", "code"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "creditgraph_request_seconds",
            "Time from request to response, by operation.",
            ["operation"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.store_latency = Histogram(
            "creditgraph_store_seconds",
            "Time spent in store calls, by call.",
            ["call"],
            buckets=(
                0.0001,
                0.00025,
                0.0005,
                0.001,
                0.0025,
                0.005,
                0.01,
                0.025,
                0.05,
                0.1,
                0.25,
                0.5,
                1,
                5,
            ),
            registry=self.registry,
        )
        # the children of the request metrics by (operation, code): looked up once, not
        # through labels() on every request (its validation and lock cost more than the count)
        self._per_request: dict[tuple[str, str], tuple[Any, Any]] = {}
        # a worker of `serve --workers N` (creditgraph.api.serving): every process writes its
        # values to the server's metrics folder, and /metrics sums them
        self.multiprocess = bool(os.environ.get(MULTIPROCESS_METRICS_VARIABLE))
        self.audit_queue = Gauge(
            "creditgraph_audit_queue_depth",
            "Audit entries accepted and not yet written to the store.",
            registry=self.registry,
            multiprocess_mode="livesum",
        )

    def count_request(self, operation: str, code: str, seconds: float) -> None:
        children = self._per_request.get((operation, code))
        if children is None:  # the label set is bounded (see KNOWN_PATHS): so is this dict
            children = self._per_request[operation, code] = (
                self.requests.labels(operation, code),
                self.latency.labels(operation),
            )
        children[0].inc()
        children[1].observe(seconds)

    def watch_audit(self, audit: AuditWriter) -> None:
        if self.multiprocess:  # read from the files, not asked for: the writer reports it
            audit.on_depth = self.audit_queue.set
        else:
            self.audit_queue.set_function(lambda: float(audit.depth()))

    def exposition(self) -> tuple[bytes, str]:
        if self.multiprocess:
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


_UNTIMED = frozenset({"reading"})  # opens a read transaction: no store call to time


class TimedStore:
    """The store with every call timed into ``creditgraph_store_seconds``; everything else
    passes through unchanged."""

    def __init__(self, inner: Any, metrics: Metrics) -> None:
        self._inner = inner
        self._metrics = metrics
        self._wrapped: dict[str, Callable[..., Any]] = {}

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._inner, name)
        if not callable(target) or name.startswith("_") or name in _UNTIMED:
            return target
        wrapped = self._wrapped.get(name)
        if wrapped is None:
            histogram = self._metrics.store_latency.labels(name)

            def wrapped(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return getattr(self._inner, name)(*args, **kwargs)
                finally:
                    histogram.observe(time.perf_counter() - started)

            self._wrapped[name] = wrapped
        return wrapped


def in_request_context(function: Callable[[], Any]) -> Callable[[], Any]:
    """``function`` run with the request's context variables (its request id), for a
    worker thread: an executor does not carry them over by itself."""
    context = contextvars.copy_context()
    return lambda: context.run(function)


def set_label(scope: Scope, *, operation: str | None = None, code: str | None = None) -> None:
    """Name the operation and outcome of this request for the metrics and the log line."""
    state = scope.setdefault("state", {})
    if operation is not None:
        state["creditgraph_operation"] = operation
    if code is not None:
        state["creditgraph_code"] = code


class RequestMiddleware:
    """Request id, timing, metrics and the access log line (a plain ASGI middleware: it adds
    microseconds to an approval check, not a second task per request)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = _header(scope, REQUEST_ID_HEADER)
        rid = given if given and _REQUEST_ID.fullmatch(given) else _new_request_id()
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"
                ]
                headers.append((b"x-request-id", rid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            state = scope.get("state") or {}
            path = scope.get("path", "")
            method = scope.get("method", "")
            operation = state.get("creditgraph_operation") or (
                f"{method if method in KNOWN_METHODS else 'OTHER'} {path}"
                if path in KNOWN_PATHS
                else "other"
            )
            code = state.get("creditgraph_code") or ("OK" if status < 400 else f"HTTP_{status}")
            self.metrics.count_request(operation, code, elapsed)
            access_log.info(
                "request",
                extra={
                    "http": {
                        "request_id": rid,
                        "method": scope.get("method"),
                        "path": path,  # never the query string
                        "status": status,
                        "operation": operation,
                        "code": code,
                        "duration_ms": round(elapsed * 1000, 3),
                    }
                },
            )
            request_id.reset(token)


# 32 hex characters like a uuid4: 64 random bits per process, then a counter — unique
# without a system call per request (os.urandom was 3 % of a check's server time)
_PROCESS_ID = secrets.token_hex(8)
_REQUEST_COUNT = itertools.count()


def _new_request_id() -> str:
    return f"{_PROCESS_ID}{next(_REQUEST_COUNT):016x}"


def _header(scope: Scope, name: str) -> str | None:
    wanted = name.encode()
    for key, value in scope.get("headers", []):
        if key.lower() == wanted:
            try:
                return str(value.decode("ascii"))
            except UnicodeDecodeError:
                return None
    return None


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the request id when the line
    belongs to a request, and any structured fields the line carries."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = request_id.get()
        if rid is not None:
            entry["request_id"] = rid
        http = getattr(record, "http", None)
        if isinstance(http, dict):
            entry.update(http)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        # orjson: a tenth of json.dumps' time, on the event loop for every request; json
        # for what it refuses (a lone surrogate in a message, an integer over 64 bits)
        try:
            return orjson.dumps(entry, default=str).decode()
        except orjson.JSONEncodeError:
            return json.dumps(entry, ensure_ascii=False, default=str)


def log_config(level: str = "INFO") -> dict[str, Any]:
    """uvicorn's logging configuration with every line as JSON. uvicorn's own access log is
    off: the request line above replaces it (with the request id and without query
    strings)."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {"default": handler},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "creditgraph": {"handlers": ["default"], "level": level, "propagate": False},
        },
    }


def readiness(store: Any) -> tuple[bool, dict[str, Any]]:
    """Is the store reachable, and is its schema the one this build writes?"""
    from creditgraph.store.base import StoreError

    checks: dict[str, Any] = {}
    try:
        checks["dataVersion"] = store.data_version()
        checks["store"] = "ok"
    except StoreError as exc:
        return False, {"store": f"unreachable: {exc}"}
    from creditgraph import migrations

    probe = getattr(store, "schema_version", None)
    if probe is None:
        checks["schema"] = "not recorded by this kind of store"
        return True, checks
    try:
        recorded, expected = probe(), migrations.CURRENT  # the store versions of ops
    except StoreError as exc:
        return False, {"store": f"unreachable: {exc}"}
    checks["schemaVersion"] = recorded
    checks["expectedSchemaVersion"] = expected
    if recorded != expected:
        checks["schema"] = (
            f"the store's schema version is {recorded}, this server needs {expected}: "
            "run `creditgraph migrate`"
        )
        return False, checks
    checks["schema"] = "ok"
    return True, checks


def cors_headers() -> Iterable[str]:
    return ("Authorization", "Content-Type", "X-API-Key", "X-Purpose", "X-Request-Id")
