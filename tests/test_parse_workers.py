"""``kill -9`` of a load must not leave its parse workers behind (issue 10, item 26).

The load reads standard input from a pipe the test keeps open: once more than
PARALLEL_MIN_LINES lines have arrived the load starts its worker processes and then waits
for more input — a load caught mid-parse, deterministically. The test kills it and waits
for the workers to be gone (they used to block forever on a queue nobody reads)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from creditgraph.ingest.parsing import PARALLEL_MIN_LINES, workers_available

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform != "linux", reason="parse workers are forked on Linux only"),
]


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.update(int(child) for child in text)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in {"Z", "X"}  # a zombie has exited; only its parent's reaping is left


def _wait_for(condition: object, what: str, seconds: float = 60) -> None:
    # polling for an event, not timing it: the bound only keeps a broken build from hanging
    give_up = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > give_up:
            pytest.fail(f"gave up waiting: {what}")
        time.sleep(0.05)


@pytest.mark.skipif(workers_available() < 2, reason="one core: the load parses in-process")
def test_killing_a_load_mid_parse_ends_its_worker_processes(tmp_path: Path) -> None:
    load = subprocess.Popen(
        [sys.executable, "-m", "creditgraph.cli", "load", "-", "--store", str(tmp_path / "s.db")],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "CREDITGRAPH_ID_KEY": "test-key"},
    )
    assert load.stdin is not None
    line = json.dumps({"type": "person", "id": "p:{}", "name": "张三" + "某" * 40}) + "\n"
    lines = 3 * PARALLEL_MIN_LINES  # past the parallel threshold and a few 1 MiB blocks
    workers: set[int] = set()
    try:
        for i in range(lines):
            load.stdin.write(line.replace("{}", str(i)).encode())
        load.stdin.flush()
        _wait_for(lambda: len(_children(load.pid)) >= 2, "the load's worker processes")
        workers = _children(load.pid)

        load.send_signal(signal.SIGKILL)
        load.wait()

        _wait_for(lambda: not any(_alive(w) for w in workers), "the workers to exit")
    finally:
        load.kill()
        load.wait()
        for worker in workers:
            if _alive(worker):
                os.kill(worker, signal.SIGKILL)
