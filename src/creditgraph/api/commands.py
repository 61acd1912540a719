"""``creditgraph serve`` and ``creditgraph demo`` (registered in creditgraph.cli with
``main.add_command``).

Exit codes as for every command: 0 success, 1 operational failure (store unreachable,
port taken), 2 invalid input (bad arguments, unsafe binding, bad CREDITGRAPH_API_KEYS).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import shlex
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from creditgraph.api.access import AccessConfigError, AccessPolicy
from creditgraph.schema import SchemaError
from creditgraph.settings import Settings, load_settings
from creditgraph.store import GraphStore, StoreError, StoreUrlError, open_store

F = TypeVar("F", bound=Callable[..., Any])

EXIT_FAILURE, EXIT_INVALID = 1, 2
# The day the demo scenario is told about: its bars, bans and repairs all read well then.
DEMO_TODAY = dt.date(2026, 6, 30)


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"creditgraph: {message}", err=True)
    sys.exit(code)


def _address_options(func: F) -> F:
    func = click.option(
        "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="TCP port."
    )(func)
    return click.option(
        "--host",
        default="127.0.0.1",
        show_default=True,
        help="Address to bind. Any address other than loopback needs API keys "
        "(CREDITGRAPH_API_KEYS).",
    )(func)


def _settings() -> Settings:
    try:
        return load_settings()
    except ValueError as exc:
        _fail(str(exc), EXIT_INVALID)


def _policy(settings: Settings, host: str) -> AccessPolicy:
    try:
        return AccessPolicy.configure(settings.api_keys, public=settings.public_access, host=host)
    except AccessConfigError as exc:
        _fail(str(exc), EXIT_INVALID)


def _open(store_url: str, settings: Settings, *, create: bool = False) -> GraphStore:
    try:
        return open_store(store_url, settings=settings, create=create)
    except SchemaError as exc:
        _fail(f"rules or schema: {exc}", EXIT_INVALID)
    except StoreUrlError as exc:
        _fail(str(exc), EXIT_INVALID)
    except StoreError as exc:
        _fail(str(exc), EXIT_FAILURE)


def _describe_access(policy: AccessPolicy) -> str:
    if policy.open_local:
        return (
            "open local mode: no API keys are configured, so every caller on this machine "
            'has every right (set CREDITGRAPH_API_KEYS="KEY=approval,KEY2=steward,…" to '
            "require keys)"
        )
    roles = sorted({role.value for role in policy.keys.values()})
    public = "; anonymous callers get the public role" if policy.public else ""
    return f"API keys required ({len(policy.keys)} configured: {', '.join(roles)}){public}"


def _serve(
    store: GraphStore,
    settings: Settings,
    policy: AccessPolicy,
    host: str,
    port: int,
    banner: list[str],
    *,
    workers: int = 1,
    store_url: str | None = None,
) -> None:
    _check_address(host, port)
    shown = f"[{host}]" if ":" in host else host
    click.echo(
        f"creditgraph: GraphQL at http://{shown}:{port}/graphql (GraphiQL in a browser), "
        f"health at http://{shown}:{port}/healthz"
    )
    click.echo(f"creditgraph: {_describe_access(policy)}")
    for line in banner:
        click.echo(line)
    try:
        if workers > 1 and store_url is not None:
            click.echo(f"creditgraph: {workers} worker processes")
            _serve_workers(store, settings, store_url, host, port, workers)
        else:
            _run_until_stopped(_single_app(store, settings, policy), host, port)
    except OSError as exc:  # the port is taken, the address is not ours…
        _fail(f"cannot serve on {host}:{port}: {exc.strerror or exc}", EXIT_FAILURE)
    except SystemExit as exc:
        # uvicorn logs a failed bind and exits 3, a code the contract does not have
        if exc.code not in (0, None):
            _fail(f"cannot serve on {host}:{port} (see the error above)", EXIT_FAILURE)
        raise
    click.echo("creditgraph: stopped")


def _serve_workers(
    store: GraphStore, settings: Settings, store_url: str, host: str, port: int, workers: int
) -> None:
    """``workers`` processes answer (see creditgraph.api.serving); this one delivers the
    outbox and runs the daily calendar step, once for the whole server."""
    from creditgraph.api.serving import ParentWorkers, run_workers, worker_environment

    monitoring = ParentWorkers(store, settings)
    monitoring.start()
    try:
        with worker_environment(store_url, host):
            run_workers("creditgraph.api.serving:worker_app", host, port, workers)
    finally:
        monitoring.stop()
        store.close()


def _single_app(store: GraphStore, settings: Settings, policy: AccessPolicy) -> Any:
    from creditgraph.api.app import create_app, create_state
    from creditgraph.monitoring.calendar import DailyCalendar, Workers
    from creditgraph.monitoring.delivery import Deliverer

    state = create_state(store, settings, policy)
    # the outbox: alerts and notices committed with their changes are delivered from here,
    # including those a previous server left undelivered
    # and the calendar step (bars that begin or run out) runs now and then once a day
    state.deliverer = Workers(
        Deliverer(store, poll_interval=settings.delivery_poll_s),
        DailyCalendar(store, today=state.today),
    )
    return create_app(state, close_store=True)


def _check_address(host: str, port: int) -> None:
    """Bind the address once before starting: a taken port is one line and exit 1."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        _fail(f"cannot serve on {host}:{port}: {exc.strerror or exc}", EXIT_FAILURE)


def _run_until_stopped(app: Any, host: str, port: int) -> None:
    from creditgraph.api.serving import run_one

    run_one(app, host, port)


class WithoutQueryStrings(logging.Filter):
    """Access-log lines without the query string: GraphQL over GET puts the whole operation,
    variables included (an identity number, a name searched for), in the URL."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path, sep, _ = args[2].partition("?")
            if sep:
                record.args = (*args[:2], path + "?…", *args[3:])
        return True


@click.command()
@click.option(
    "--store",
    "store_url",
    envvar="CREDITGRAPH_STORE",
    default="./creditgraph.db",
    show_default=True,
    help="Embedded store path, or bolt://… / neo4j://… for a Neo4j server (env CREDITGRAPH_STORE).",
)
@_address_options
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Processes answering requests (one per CPU core for a heavy check load; see the "
    "README's performance section).",
)
def serve(store_url: str, host: str, port: int, workers: int) -> None:
    """Serve the GraphQL API (/graphql, GraphiQL in a browser) and /healthz.

    Callers authenticate with 'Authorization: Bearer KEY' or 'X-API-Key: KEY'; keys and
    their roles come from CREDITGRAPH_API_KEYS (e.g. "K1=approval,K2=steward"; roles:
    approval, investigator, steward); CREDITGRAPH_PUBLIC=1 lets anonymous callers read
    public facts. Without keys the server only binds a loopback address (open local mode).
    """
    settings = _settings()
    policy = _policy(settings, host)
    store = _open(store_url, settings)
    _serve(
        store,
        settings,
        policy,
        host,
        port,
        [
            f"creditgraph: store {store_url} (data version {store.data_version()})",
        ],
        workers=workers,
        store_url=store_url,
    )


@click.command()
@click.option(
    "--store",
    "store_url",
    default=None,
    help="Where to create the demo store; it must not exist yet (default: a new "
    "temporary folder, removed on exit).",
)
@_address_options
def demo(store_url: str | None, host: str, port: int) -> None:
    """Create a fresh store with a small bundled scenario and serve it.

    The scenario: a revoked licence whose legal representative is now barred (and sits on
    another board), a same-name person who is not, an enterprise ordered closed with
    responsibility unknown (REVIEW), a repaired penalty, an upheld objection, a bidding ban,
    an ownership chain with a cross-holding, and an official whose relative sits on the
    board of an enterprise his agency supervises.
    """
    from creditgraph.ingest.loader import load, read_lines
    from creditgraph.resources import demo_file

    settings = _settings()
    settings = dataclasses.replace(settings, today=settings.today or DEMO_TODAY)
    key_note: list[str] = []
    if not settings.id_key and not settings.id_key_file:
        # the demo's own key, in creditgraph's config folder: never beside the store
        from creditgraph.identity.keys import KEY_FILE_VARIABLE, config_dir, create_key_file

        key_file = create_key_file(config_dir() / "demo.key")
        settings = dataclasses.replace(settings, id_key_file=str(key_file))
        # a CLI command on the demo store that carries an identity number needs it too
        key_note = [
            f"creditgraph: identity numbers are hashed with the demo's key; for the CLI: "
            f"export {KEY_FILE_VARIABLE}={shlex.quote(str(key_file))}"
        ]
    policy = _policy(settings, host)
    with tempfile.TemporaryDirectory(prefix="creditgraph-demo-") as folder:
        url = store_url or str(Path(folder) / "demo.db")
        if "://" not in url and Path(url).exists():
            _fail(
                f"{url} already exists: the demo needs a fresh store (remove it, or leave out "
                "--store for a temporary one)",
                EXIT_INVALID,
            )
        store = _open(url, settings, create=True)
        if any(store.stats(settings.today or DEMO_TODAY)["nodes"].values()):
            store.close()
            _fail(f"{url} already holds data: the demo needs a fresh store", EXIT_INVALID)
        try:
            result = load(read_lines([str(demo_file())]), store)
        except StoreError as exc:  # its persons carry identity numbers: the key, unusable
            store.close()
            _fail(str(exc), EXIT_FAILURE)
        if result.errors:  # the bundled file is checked by the tests; this is a broken install
            store.close()
            _fail(f"the bundled scenario is invalid: {result.errors[0]}", EXIT_FAILURE)
        nodes = sum(result.report.created.get(k, 0) for k in ("enterprise", "person", "agency"))
        _serve(
            store,
            settings,
            policy,
            host,
            port,
            [
                f"creditgraph: demo store {url}: {nodes} parties, {result.report.created['link']} "
                f"links, {result.report.created['event']} events, {result.report.restrictions} "
                f"restrictions derived",
                f"creditgraph: 'today' is {settings.today} in this demo (set CREDITGRAPH_TODAY to "
                "change it)",
                *key_note,
                "",
                _examples(host, port),
            ],
        )


def _examples(host: str, port: int) -> str:
    from creditgraph.web.examples import banner_text

    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/graphql"
    return f"""Try these in GraphiQL ({url}), or in the workbench at http://{shown}:{port}/ :

{banner_text()}

Or from a shell:
  curl -s {url} -H 'Content-Type: application/json' \\
    -d '{{"query": "{{ checkAppointment(personId: \\"p:zhang-wei\\", role: DIRECTOR) {{ decision until }} }}"}}'
"""
