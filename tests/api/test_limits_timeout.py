"""A slow question must not hang the server: past CREDITGRAPH_REQUEST_TIMEOUT the caller gets a
TIMEOUT error at once, the worker stops at its next check, and the server keeps answering."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, cast

import httpx
from api_support import BARRED, CountingStore, codes, new_store, post, run, serving, state_for

from creditgraph.store.base import GraphStore


def test_long_neighborhood_times_out_without_hanging_the_worker(tmp_path: Path) -> None:
    store = new_store(tmp_path / "s.db")
    slow = CountingStore(store, delay={"links": 0.5})  # each breadth-first level takes 0.5 s
    state = state_for(cast(GraphStore, slow), request_timeout_s=0.6)
    try:
        with serving(state) as url:
            answers: dict[str, Any] = {}

            def ask_slow() -> None:
                started = time.monotonic()
                answers["response"] = post(
                    url, f'{{ neighborhood(id: "{BARRED}", depth: 3) {{ nodes {{ id }} }} }}'
                )
                answers["seconds"] = time.monotonic() - started

            asker = threading.Thread(target=ask_slow)
            asker.start()
            time.sleep(0.1)
            health_started = time.monotonic()
            assert httpx.get(f"{url}/healthz", timeout=5).status_code == 200
            assert time.monotonic() - health_started < 0.4  # the event loop is not blocked
            asker.join(timeout=10)
            response = answers["response"]
            assert response.status_code == 200
            error = response.json()["errors"][0]
            assert error["extensions"] == {"code": "TIMEOUT", "limit": "time"}
            assert "0.6 s" in error["message"]
            # answered at the deadline, not when the three levels would have ended (1.5 s)
            assert answers["seconds"] < 1.2
            time.sleep(1.5)
            # the worker stopped at its deadline check after the second level: no third call
            assert slow.count("links") == 2
            quick = post(
                url, '{ checkAppointment(personId: "p:zhang-wei", role: DIRECTOR) { decision } }'
            )
            assert quick.json() == {"data": {"checkAppointment": {"decision": "DENY"}}}
    finally:
        store.close()


def test_deadline_also_stops_in_process_execution(tmp_path: Path) -> None:
    store = new_store(tmp_path / "s.db")
    slow = CountingStore(store, delay={"links": 0.2})
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
