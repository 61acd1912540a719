"""A slow question must not hang the server: past CREDITGRAPH_REQUEST_TIMEOUT the caller gets a
TIMEOUT error at once, the worker stops at its next check, and the server keeps answering."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

import httpx
from api_support import BARRED, CountingStore, codes, new_store, post, run, serving, state_for

from creditgraph.store.base import GraphStore


class GatedStore(CountingStore):
    """A store whose breadth-first level read (``ranked_links``) waits for a gate: the test
    orders events (entered, answered, released) instead of measuring durations."""

    def __init__(self, inner: GraphStore) -> None:
        super().__init__(inner)
        self.entered = threading.Event()
        self.gate = threading.Event()

    def __getattr__(self, name: str) -> Any:
        call = super().__getattr__(name)
        if name != "ranked_links":
            return call

        def gated(*args: Any, **kwargs: Any) -> Any:
            self.entered.set()
            assert self.gate.wait(timeout=30), "the test never opened the gate"
            return call(*args, **kwargs)

        return gated


def test_long_neighborhood_times_out_without_hanging_the_worker(tmp_path: Path) -> None:
    store = new_store(tmp_path / "s.db")
    slow = GatedStore(store)
    state = state_for(cast(GraphStore, slow), request_timeout_s=0.6)
    # one worker thread: a task submitted after the slow request runs once its worker is done
    state.executor = ThreadPoolExecutor(max_workers=1)
    try:
        with serving(state) as url:
            answers: dict[str, Any] = {}
            answered = threading.Event()

            def ask_slow() -> None:
                answers["response"] = post(
                    url, f'{{ neighborhood(id: "{BARRED}", depth: 3) {{ nodes {{ id }} }} }}'
                )
                answered.set()

            asker = threading.Thread(target=ask_slow)
            asker.start()
            assert slow.entered.wait(timeout=10)  # the worker is inside the first level
            # the event loop is not blocked: /healthz answers while the slow request is still
            # held inside the store (its worker cannot have finished: the gate is closed)
            assert httpx.get(f"{url}/healthz", timeout=5).status_code == 200
            assert not slow.gate.is_set()
            # answered at the deadline, while the worker is still held in the first level
            # (not when the levels would have ended)
            assert answered.wait(timeout=10)
            assert not slow.gate.is_set()
            response = answers["response"]
            assert response.status_code == 200
            error = response.json()["errors"][0]
            assert error["extensions"] == {"code": "TIMEOUT", "limit": "time", "max": 0.6}
            assert "0.6 s" in error["message"]
            slow.gate.set()
            # once the worker is free (the single worker runs this after it), it has stopped at
            # its deadline check after the first level: no second level was read
            state.executor.submit(lambda: None).result(timeout=10)
            assert slow.count("ranked_links") == 1
            quick = post(
                url, '{ checkAppointment(personId: "p:zhang-wei", role: DIRECTOR) { decision } }'
            )
            assert quick.json() == {"data": {"checkAppointment": {"decision": "DENY"}}}
            asker.join(timeout=10)
    finally:
        slow.gate.set()
        store.close()


def test_deadline_also_stops_in_process_execution(tmp_path: Path) -> None:
    store = new_store(tmp_path / "s.db")
    slow = CountingStore(store, delay={"links_within": 0.4})  # the store's traversal: 0.4 s
    try:
        state = state_for(cast(GraphStore, slow), request_timeout_s=0.3)
        result = run(
            state,
            f'{{ paths(fromId: "{BARRED}", toId: "p:nominee-none", maxHops: 6) {{ length }} }}',
        )
        assert codes(result) == ["NOT_FOUND"]
        result = run(state, f'{{ exposure(id: "{BARRED}", depth: 3) {{ distance }} }}')
        assert codes(result) == ["TIMEOUT"]
    finally:
        store.close()


def test_fan_out_and_batch_caps_are_enforced(tmp_path: Path) -> None:
    store = new_store(tmp_path / "s.db")
    try:
        state = state_for(store)
        too_many = run(state, f'{{ neighborhood(id: "{BARRED}", perNodeLimit: 5000) {{ root }} }}')
        assert codes(too_many) == ["LIMIT_EXCEEDED"]
        batch = [{"personId": "p:zhang-wei", "role": "DIRECTOR"}] * 1001
        too_big = run(
            state,
            "query ($r: [AppointmentRequest!]!) { checkAppointments(requests: $r) { decision } }",
            {"r": batch},
        )
        assert codes(too_big) == ["LIMIT_EXCEEDED"]
        assert "at most 1000 checks" in too_big.errors[0].message
    finally:
        store.close()
