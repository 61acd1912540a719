"""The benchmark's own server harness (benchmarks/http_server.py): it must keep answering
for as long as the benchmark asks. The server writes a JSON log line per request; the
harness once piped that log to a pipe nobody read, and the server stopped at the 222nd
request when the pipe's 64 KiB filled — the `api` case failed with a ReadTimeout on an
idle machine."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from creditgraph.cli import main
from support.stores import TEST_ID_KEY

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "src" / "creditgraph" / "demo" / "scenario.jsonl"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.http_server import served  # noqa: E402
from benchmarks.load import free_port  # noqa: E402


@pytest.fixture
def demo_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo scenario loaded into a store; the served child inherits the identity key."""
    monkeypatch.setenv("CREDITGRAPH_ID_KEY", TEST_ID_KEY)
    store = tmp_path / "bench.db"
    loaded = CliRunner().invoke(main, ["load", str(DEMO), "--store", str(store)])
    assert loaded.exit_code == 0, loaded.output
    return store


def test_benchmark_server_answers_past_a_pipe_full_of_access_log_lines(demo_store: Path) -> None:
    store = demo_store
    port = free_port()
    # 600 log lines of ~250 bytes: more than twice what a pipe holds
    with served(str(store), port) as (_ready, pid):
        assert pid > 0
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            statuses = {client.get("/healthz").status_code for _ in range(600)}
            ping = client.post("/bench/ping", content=b"{}")
    assert statuses == {200}
    assert ping.json() == {"decision": "ALLOW"}


def test_one_server_alone_answers_every_check_of_each_round(demo_store: Path) -> None:
    """benchmarks/http_alone.py, with which alternated runs compare two server versions."""
    from benchmarks.http_alone import measure

    rounds = measure(str(demo_store), str(DEMO), requests=120, warmup=20, rounds=2, workers=1)

    assert len(rounds) == 2
    assert [r["failures"] for r in rounds] == [0, 0]
    assert all(r["requests_per_second"] > 0 and r["p50_ms"] <= r["p99_ms"] for r in rounds)
