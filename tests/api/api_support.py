"""Helpers for the API tests: stores holding the bundled demo scenario, the real server on a
loopback port, and clients that talk to it the way approval systems and investigators do."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import uvicorn
from gql import Client
from gql.graphql_request import GraphQLRequest
from gql.transport.httpx import HTTPXTransport

from creditgraph.api.access import AccessPolicy
from creditgraph.api.app import create_app, create_state
from creditgraph.api.context import ApiContext, ApiState
from creditgraph.api.schema import schema
from creditgraph.ingest.loader import load
from creditgraph.resources import demo_file
from creditgraph.schema import default_schema
from creditgraph.settings import Settings
from creditgraph.store.base import GraphStore
from creditgraph.store.embedded import EmbeddedStore

# The day the demo scenario is read on (as `creditgraph demo` does).
TODAY = "2026-06-30"

KEYS = {"approval": "k-approval-1", "investigator": "k-investigator-1", "steward": "k-steward-1"}

# Parties of the bundled scenario (src/creditgraph/demo/scenario.jsonl).
REVOKED = "91310000MA1HX0012Q"  # 上海华信贸易有限公司, licence revoked 2024-03-15
MINGYUAN = "91310115MA1MY0020J"  # 上海明远科技有限公司, the barred person sits on its board
HOLDING = "91310000MA1DH00386"  # 上海鼎盛控股有限公司
OPERATING = "91310115MA1DH0046X"  # 上海鼎盛实业有限公司, 60% held by HOLDING, bidding ban
REPAIRED = "91310104MA1HM00557"  # 上海惠民餐饮管理有限公司, penalty repaired
OBJECTION = "91310115MA1YH0061C"  # 上海远航物流有限公司, listing voided by an upheld objection
CLOSED = "91310112MA1HT007XW"  # 上海恒通建材有限公司, ordered closed, responsibility unknown
BARRED = "p:zhang-wei"  # legal rep of REVOKED, named responsible
NAMESAKE = "p:zhang-wei-2"  # another 张伟
OFFICIAL = "p:wu-gang"  # official of g:pd-amr
RELATIVE = "p:zheng-hong"
DISTRICT_AMR = "g:pd-amr"


def settings(**changes: Any) -> Settings:
    import dataclasses
    import datetime as dt

    base = Settings(today=dt.date.fromisoformat(TODAY), request_timeout_s=10.0)
    return dataclasses.replace(base, **changes)


def lines(
    records: Sequence[Mapping[str, Any]], name: str = "records"
) -> list[tuple[str, int, str]]:
    return [(name, i + 1, json.dumps(r, ensure_ascii=False)) for i, r in enumerate(records)]


def demo_records() -> list[dict[str, Any]]:
    return [
        json.loads(line) for line in demo_file().read_text("utf-8").splitlines() if line.strip()
    ]


def new_store(path: Path, extra: Sequence[Mapping[str, Any]] = ()) -> EmbeddedStore:
    store = EmbeddedStore(path, default_schema(), id_key="test-key")
    result = load(lines([*demo_records(), *extra]), store)
    assert not result.errors, result.errors
    return store


def state_for(
    store: GraphStore,
    *,
    keys: Mapping[str, str] | None = None,
    public: bool = False,
    host: str | None = "127.0.0.1",
    **setting_changes: Any,
) -> ApiState:
    policy = AccessPolicy.configure(
        {key: role for role, key in (keys or {}).items()}, public=public, host=host
    )
    return create_state(store, settings(**setting_changes), policy, workers=4)


def run(
    state: ApiState,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    key: str | None = None,
    purpose: str | None = None,
) -> Any:
    """In process, without HTTP: schema.execute_sync with the caller's context."""
    context = ApiContext.for_key(state, key, purpose=purpose)
    return schema.execute_sync(query, variable_values=variables, context_value=context)


def codes(result: Any) -> list[str]:
    return [e.extensions["code"] for e in result.errors or []]


@contextmanager
def serving(state: ApiState) -> Iterator[str]:
    """The real server (uvicorn) on an ephemeral loopback port, stopped on exit."""
    config = uvicorn.Config(
        create_app(state), host="127.0.0.1", port=0, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="test-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        assert not thread.is_alive(), "the test server did not stop"


def client(
    base_url: str,
    key: str | None = None,
    *,
    purpose: str | None = None,
    header: str = "authorization",
) -> Client:
    headers: dict[str, str] = {}
    if key is not None:
        headers = (
            {"Authorization": f"Bearer {key}"} if header == "authorization" else {"X-API-Key": key}
        )
    if purpose is not None:
        headers["X-Purpose"] = quote(purpose)  # headers are ASCII: percent-encode
    return Client(transport=HTTPXTransport(url=f"{base_url}/graphql", headers=headers, timeout=30))


def ask(gql_client: Client, query: str, variables: dict[str, Any] | None = None) -> Any:
    with gql_client as session:
        return session.execute(GraphQLRequest(query, variable_values=variables))


def post(
    base_url: str,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    key: str | None = None,
    timeout: float = 30,
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(
        f"{base_url}/graphql",
        json={"query": query, "variables": variables or {}},
        headers=headers,
        timeout=timeout,
    )


class CountingStore:
    """A store that counts the calls made to it (to prove reads are set-based)."""

    def __init__(self, inner: GraphStore, delay: Mapping[str, float] | None = None) -> None:
        self._inner = inner
        self.schema = inner.schema
        self.calls: list[str] = []
        self.delay = dict(delay or {})
        self.lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._inner, name)
        if not callable(target) or name == "reading":  # opens a read transaction: no read
            return target

        def call(*args: Any, **kwargs: Any) -> Any:
            with self.lock:
                self.calls.append(name)
            if name in self.delay:
                time.sleep(self.delay[name])
            return target(*args, **kwargs)

        return call

    def count(self, name: str) -> int:
        with self.lock:
            return self.calls.count(name)

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()


NOMINEE = "p:nominee"
HUB_SIZE = 120


def nominee_hub() -> list[dict[str, object]]:
    """A nominee legal representative of 120 shell companies (a typical 挂名法人)."""
    records: list[dict[str, object]] = [{"type": "person", "id": NOMINEE, "name": "钱多多"}]
    for i in range(HUB_SIZE):
        shell = f"e:shell-{i:03d}"
        records.append({"type": "enterprise", "id": shell, "name": f"上海空壳{i:03d}商贸有限公司"})
        records.append(
            {
                "type": "link",
                "rel": "LEGAL_REPRESENTATIVE",
                "from": NOMINEE,
                "to": shell,
                "valid_from": "2020-01-01",
                "valid_to": None,
            }
        )
    return records


@dataclass
class Live:
    url: str
    store: EmbeddedStore
    state: ApiState
    path: Path
