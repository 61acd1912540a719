"""`creditgraph serve` and `creditgraph demo` as a newcomer and an operator run them: the demo
in one command, the refusal to expose an open server, and a clean stop on Ctrl-C / SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from api_support import KEYS, ask, client, new_store
from click.testing import CliRunner

from creditgraph.api.commands import demo, serve
from creditgraph.schema import default_schema
from creditgraph.store.embedded import EmbeddedStore
from support.ports import free_port

_ENV_CLEARED = (
    "CREDITGRAPH_API_KEYS",
    "CREDITGRAPH_PUBLIC",
    "CREDITGRAPH_TODAY",
    "CREDITGRAPH_STORE",
    "CREDITGRAPH_RULES",
    "CREDITGRAPH_REQUEST_TIMEOUT",
)


def _env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _ENV_CLEARED}
    env.update(values)
    return env


@contextmanager
def _running(
    command: str, args: list[str], env: dict[str, str], *, start_within: float = 30
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """The command in a child process, until its /healthz answers; stopped (and checked) after."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import sys; from creditgraph.api.commands import {command}; {command}(sys.argv[1:])",
            *args,
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_within
        while True:
            if process.poll() is not None:
                raise AssertionError(f"{command} exited early:\n{process.stdout.read()}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{command} did not start")
            time.sleep(0.1)
        yield process, url
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _stop(process: subprocess.Popen[str], how: signal.Signals) -> str:
    process.send_signal(how)
    output, _ = process.communicate(timeout=20)
    assert process.returncode == 0, output
    return output


def test_demo_shows_every_feature_in_one_command_and_stops_cleanly() -> None:
    with _running("demo", [], _env()) as (process, url):
        investigator = client(url)  # open local mode: no key needed on loopback
        check = ask(
            investigator,
            '{ checkAppointment(personId: "p:zhang-wei", role: DIRECTOR) '
            "{ decision until reasons { rule } } }",
        )
        assert check["checkAppointment"]["decision"] == "DENY"
        owners = ask(
            investigator,
            '{ beneficialOwners(enterpriseId: "91310115MA1DH0046X") { person { name } reasons } }',
        )
        assert len(owners["beneficialOwners"]) == 4
        conflicts = ask(investigator, '{ interestConflicts(agencyId: "g:pd-amr") { relation } }')
        assert {c["relation"] for c in conflicts["interestConflicts"]} == {"SELF", "RELATIVE"}
        output = _stop(process, signal.SIGINT)
    assert "open local mode" in output
    assert "checkAppointment(personId" in output  # example queries are printed
    assert f"{url}/graphql" in output
    store = re.search(r"demo store (\S+):", output)
    assert store is not None and not Path(store.group(1)).exists()  # the temporary store is gone


def test_serve_with_keys_requires_a_key_and_stops_on_sigterm(tmp_path: Path) -> None:
    path = tmp_path / "served.db"
    new_store(path).close()
    keys = ",".join(f"{key}={role}" for role, key in KEYS.items())
    env = _env(CREDITGRAPH_API_KEYS=keys, CREDITGRAPH_TODAY="2026-06-30")
    with _running("serve", ["--store", str(path)], env) as (process, url):
        anonymous = httpx.post(f"{url}/graphql", json={"query": "{ viewer { role } }"}).json()
        assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        approval = ask(
            client(url, KEYS["approval"]),
            '{ checkAppointment(personId: "p:zhang-wei", role: DIRECTOR) { decision } }',
        )
        assert approval == {"checkAppointment": {"decision": "DENY"}}
        output = _stop(process, signal.SIGTERM)
    assert "API keys required (3 configured: approval, investigator, steward)" in output


def test_serve_with_two_workers_answers_from_both_audits_every_answer_and_sums_metrics(
    tmp_path: Path,
) -> None:
    """An approval system's check load spread over two processes: both answer, every answer
    is in the audit log after a SIGTERM, and /metrics counts the requests of both whichever
    process answers it."""
    path = tmp_path / "served.db"
    new_store(path).close()
    keys = ",".join(f"{key}={role}" for role, key in KEYS.items())
    env = _env(CREDITGRAPH_API_KEYS=keys, CREDITGRAPH_TODAY="2026-06-30")
    approval = {"Authorization": f"Bearer {KEYS['approval']}"}
    check = {"query": '{ checkAppointment(personId: "p:zhang-wei", role: DIRECTOR) { decision } }'}
    with _running("serve", ["--store", str(path), "--workers", "2"], env, start_within=120) as (
        process,
        url,
    ):
        # a request id starts with its process's own prefix (creditgraph.api.operations)
        answering: set[str] = set()
        deadline = time.monotonic() + 120
        while len(answering) < 2:  # the second worker may still be starting
            assert time.monotonic() < deadline, "only one worker process answered"
            answer = httpx.get(f"{url}/healthz", timeout=5)
            answering.add(answer.headers["x-request-id"][:16])

        def one(_: int) -> str:  # a new connection each: either process may accept it
            answer = httpx.post(f"{url}/graphql", json=check, headers=approval, timeout=30)
            return str(answer.json()["data"]["checkAppointment"]["decision"])

        with ThreadPoolExecutor(max_workers=6) as pool:
            assert set(pool.map(one, range(60))) == {"DENY"}
        metrics = httpx.get(f"{url}/metrics", headers=approval, timeout=5).text
        counted = re.search(
            r'^creditgraph_requests_total\{code="OK",operation="checkAppointment"\} (\S+)$',
            metrics,
            re.MULTILINE,
        )
        assert counted is not None, metrics
        assert float(counted.group(1)) == 60
        # a worker killed outright is replaced, and the server answers meanwhile
        workers = [
            int(pid)
            for pid in Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]
        assert len(workers) == 2
        os.kill(workers[0], signal.SIGKILL)
        replaced: set[str] = set()
        while len(replaced) < 2 or answering >= replaced:
            assert time.monotonic() < deadline + 120, "the killed worker was not replaced"
            try:
                answer = httpx.get(f"{url}/healthz", timeout=5)
            except httpx.TransportError:  # handed to the dead worker before it was replaced
                continue
            replaced.add(answer.headers["x-request-id"][:16])
        output = _stop(process, signal.SIGTERM)
    assert "2 worker processes" in output
    assert "creditgraph: stopped" in output
    store = EmbeddedStore(path, default_schema(), id_key="test-key")
    audited = [e for e in store.audit_entries(limit=1000) if e.operation == "checkAppointment"]
    store.close()
    assert len(audited) == 60 and {e.ids for e in audited} == {("p:zhang-wei",)}


def test_serve_refuses_an_outside_address_without_keys(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        serve,
        ["--store", str(tmp_path / "s.db"), "--host", "0.0.0.0"],
        env=dict.fromkeys(_ENV_CLEARED),
    )
    assert result.exit_code == 2
    assert "refusing to serve on 0.0.0.0 without API keys" in result.output
    assert not (tmp_path / "s.db").exists()


def test_serve_rejects_an_unknown_role_in_the_keys(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        serve,
        ["--store", str(tmp_path / "s.db")],
        env={**dict.fromkeys(_ENV_CLEARED), "CREDITGRAPH_API_KEYS": "k1=approval,k2=admin"},
    )
    assert result.exit_code == 2
    # refused as every command refuses it, the keys (secrets) not repeated
    assert "ROLE one of approval, investigator, steward" in result.output
    assert "k1" not in result.output


def test_demo_never_overwrites_an_existing_store(tmp_path: Path) -> None:
    existing = tmp_path / "precious.db"
    existing.write_bytes(b"not to be touched")
    result = CliRunner().invoke(demo, ["--store", str(existing)], env=dict.fromkeys(_ENV_CLEARED))
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert existing.read_bytes() == b"not to be touched"


def test_bundled_scenario_uses_only_valid_codes_and_identity_numbers() -> None:
    from api_support import demo_records

    from creditgraph.domain.identifiers import validate_resident_id, validate_uscc

    records = demo_records()
    enterprises = [r["id"] for r in records if r["type"] == "enterprise"]
    assert enterprises and all(validate_uscc(code) == code for code in enterprises)
    numbers = [r["id_number"] for r in records if r["type"] == "person"]
    assert numbers and all(validate_resident_id(n) for n in numbers)


def test_the_demo_says_how_the_cli_gets_its_key_and_a_check_by_number_then_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the README's walkthrough: demo --store demo.db, then the CLI's check by 身份证号 on it.
    # The demo hashes numbers with its own key (kept in the config folder, not beside the
    # store); a CLI process must be told where it is, and the demo says so
    from creditgraph import cli
    from creditgraph.api import commands

    banners: list[list[str]] = []
    monkeypatch.setattr(
        commands,
        "_serve",
        lambda store, settings, policy, host, port, banner: banners.append(banner),
    )
    env = {
        **dict.fromkeys(_ENV_CLEARED),
        "CREDITGRAPH_ID_KEY": None,
        "CREDITGRAPH_ID_KEY_FILE": None,
    }
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    store = tmp_path / "demo.db"
    result = CliRunner().invoke(demo, ["--store", str(store)], env=env)
    assert result.exit_code == 0, result.output
    (told,) = [line for line in banners[0] if "CREDITGRAPH_ID_KEY_FILE=" in line]
    key_file = told.rsplit("CREDITGRAPH_ID_KEY_FILE=", 1)[1]
    assert Path(key_file) == tmp_path / "config" / "creditgraph" / "demo.key"

    ask = ["check", "--id-number", "310113199001011037", "--name", "吴刚", "--role", "DIRECTOR"]
    ask += ["--on", "2026-06-30", "--store", str(store), "--json"]
    without = CliRunner().invoke(cli.main, ask, env=env)
    assert without.exit_code == 1
    assert "CREDITGRAPH_ID_KEY_FILE" in without.output
    answered = CliRunner().invoke(cli.main, ask, env={**env, "CREDITGRAPH_ID_KEY_FILE": key_file})
    assert answered.exit_code == 0, answered.output
    assert '"decision": "ALLOW"' in answered.output
    assert "p:wu-gang" in answered.output
