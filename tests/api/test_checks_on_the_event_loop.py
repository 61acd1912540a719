"""A single check on the embedded store is answered on the event loop (its three index
lookups take microseconds; a thread hand-off took longer than the check), while anything
that may take long — traversals, batches, a store across the network — still runs in a
worker under the request deadline."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, cast

from api_support import BARRED, new_store, post, serving, state_for

from creditgraph.api.schema import _inline_operation
from creditgraph.store.base import GraphStore


class ThreadNoting:
    """The embedded store, noting which thread read restrictions and links."""

    def __init__(self, inner: GraphStore, in_process: bool) -> None:
        self._inner = inner
        self.schema = inner.schema
        self.in_process = in_process
        self.threads: dict[str, set[str]] = {}

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._inner, name)
        if not callable(target):
            return target

        def call(*args: Any, **kwargs: Any) -> Any:
            self.threads.setdefault(name, set()).add(threading.current_thread().name)
            return target(*args, **kwargs)

        return call


CHECK = '{ checkAppointment(personId: "' + BARRED + '", role: DIRECTOR) { decision } }'
HOOD = '{ neighborhood(id: "' + BARRED + '", depth: 1) { nodes { id } } }'


def test_a_director_check_runs_on_the_event_loop_and_a_neighbourhood_in_a_worker(
    tmp_path: Path,
) -> None:
    store = new_store(tmp_path / "s.db")
    noted = ThreadNoting(store, in_process=True)
    try:
        with serving(state_for(cast(GraphStore, noted))) as url:
            assert post(url, CHECK).json() == {"data": {"checkAppointment": {"decision": "DENY"}}}
            assert post(url, HOOD).json()["data"]["neighborhood"]["nodes"]
        assert noted.threads["restrictions"] == {"test-uvicorn"}  # the server's loop thread
        assert all(t.startswith("creditgraph") for t in noted.threads["ranked_links"])
    finally:
        store.close()


def test_a_check_on_a_store_across_the_network_still_goes_to_a_worker(tmp_path: Path) -> None:
    store = new_store(tmp_path / "s.db")
    noted = ThreadNoting(store, in_process=False)
    try:
        with serving(state_for(cast(GraphStore, noted))) as url:
            assert post(url, CHECK).json() == {"data": {"checkAppointment": {"decision": "DENY"}}}
        assert all(t.startswith("creditgraph") for t in noted.threads["restrictions"])
    finally:
        store.close()


def test_only_operations_made_of_single_checks_skip_the_worker() -> None:
    assert _inline_operation(CHECK, None)
    assert _inline_operation(
        'query A { checkEligibility(subjectId: "x", activity: BIDDING) { decision } } '
        'query B { neighborhood(id: "x") { root } }',
        "A",
    )
    assert not _inline_operation(
        'query A { checkEligibility(subjectId: "x", activity: BIDDING) { decision } } '
        'query B { neighborhood(id: "x") { root } }',
        "B",
    )
    assert not _inline_operation(CHECK.replace("{ decision } }", "{ decision } } ") + HOOD, None)
    assert not _inline_operation("{ checkAppointment(personId: ", None)
    assert not _inline_operation(
        '{ ...F } fragment F on Query { checkAppointment(personId: "x", role: DIRECTOR) '
        "{ decision } }",
        None,
    )
