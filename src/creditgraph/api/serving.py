"""Serving on every core: ``creditgraph serve --workers N``.

One Python process answers on one core at a time; an approval system's check load wants
the machine. With ``N > 1`` the parent binds the address, starts N worker processes and
hands each connection it accepts to the next worker in turn (:func:`run_workers` says why
not let the workers accept); each worker has its own store connection, audit writer and
caches — SQLite readers do not block each other, and the Neo4j driver pools per process. A
worker that dies is replaced.

What must happen once per server stays in the parent: the outbox deliverer and the daily
calendar step (two workers would each run the day). Metrics are summed over the workers
(prometheus_client's multiprocess mode, in a folder made for this server and removed when
it stops), so ``/metrics`` reads the same whichever worker answers it. Every audit entry is
durable before its answer leaves, as with one process: each worker commits its own.

The workers are started with ``spawn`` (a fresh interpreter: no SQLite connection or thread
is inherited across ``fork``); they learn the store and the address from the environment the
parent sets, and build the app with :func:`worker_app`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import uvicorn

from creditgraph.api.access import AccessPolicy
from creditgraph.api.commands import WithoutQueryStrings
from creditgraph.api.operations import MULTIPROCESS_METRICS_VARIABLE, log_config
from creditgraph.settings import Settings, load_settings
from creditgraph.store import open_store
from creditgraph.store.base import GraphStore

# How long the event loop may keep the GIL while the audit writer thread waits for it, its disk
# sync done (Python's default is 5 ms: a check waited that long for its audit entry to be
# called written). At 0.5 ms, measured over HTTP with 2 workers, 4 clients, alternated:
# GraphQL checks 876 / 689 req/s against 478 / 608, REST 781 / 952 against 491 / 842.
SWITCH_INTERVAL_S = 0.0005

STORE_VARIABLE = "CREDITGRAPH_SERVE_STORE"
HOST_VARIABLE = "CREDITGRAPH_SERVE_HOST"


def worker_app() -> Any:
    """The app of one worker process (a uvicorn factory): the app ``creditgraph serve``
    builds, over this process's own connection to the store, without the once-per-server
    workers (the parent runs those)."""
    from creditgraph.api.app import create_app, create_state

    settings = load_settings()
    policy = AccessPolicy.configure(
        settings.api_keys, public=settings.public_access, host=os.environ[HOST_VARIABLE]
    )
    store = open_store(os.environ[STORE_VARIABLE], settings=settings)
    return create_app(create_state(store, settings, policy), close_store=True)


@contextmanager
def worker_environment(store_url: str, host: str) -> Iterator[None]:
    """The environment the workers start from: the store, the address, and a fresh metrics
    folder of this server's own (removed afterwards)."""
    folder = tempfile.mkdtemp(prefix="creditgraph-metrics-")
    given = {
        STORE_VARIABLE: store_url,
        HOST_VARIABLE: host,
        MULTIPROCESS_METRICS_VARIABLE: folder,
    }
    saved = {k: os.environ.get(k) for k in given}
    os.environ.update(given)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(folder, ignore_errors=True)


class ParentWorkers:
    """The deliverer and the daily calendar step in the parent process, on an event loop of
    their own (the parent's main thread only watches the worker processes)."""

    def __init__(self, store: GraphStore, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, name="creditgraph-monitoring")

    def start(self) -> None:
        self._thread.start()
        self._started.wait()

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join()

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        from creditgraph.monitoring.calendar import DailyCalendar, Workers
        from creditgraph.monitoring.delivery import Deliverer

        settings = self.settings
        workers = Workers(
            Deliverer(self.store, poll_interval=settings.delivery_poll_s),
            DailyCalendar(self.store, today=lambda: settings.today or dt.date.today()),
        )
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        workers.start()
        self._started.set()
        try:
            await self._stop.wait()
        finally:
            workers.stop()


class StoppingServer(uvicorn.Server):
    """Ctrl-C or SIGTERM: finish the requests in flight, write the audit log, exit 0.

    (uvicorn would re-raise the signal after its graceful shutdown, ending the process with
    -15 or a KeyboardInterrupt: an operator's clean stop is not a failure.)"""

    def handle_exit(self, sig: int, frame: Any) -> None:
        super().handle_exit(sig, frame)
        captured = getattr(self, "_captured_signals", None)
        if isinstance(captured, list):
            captured.clear()


def _config(app: Any, host: str, port: int, **options: Any) -> uvicorn.Config:
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="info",
        log_config=log_config(),  # one JSON object per line, with the request id
        access_log=False,  # the JSON request line replaces it (and omits query strings)
        timeout_graceful_shutdown=10,
        **options,
    )
    # after Config, which sets up uvicorn's loggers: should the access log be turned back on,
    # a GET query may still carry an identity number
    logging.getLogger("uvicorn.access").addFilter(WithoutQueryStrings())
    return config


def run_one(app: Any, host: str, port: int) -> None:
    """Serve ``app`` from this process until SIGINT/SIGTERM."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    StoppingServer(_config(app, host, port)).run()


def run_workers(app: str, host: str, port: int, workers: int) -> None:
    """Serve the app factory ``app`` ("module:function") from ``workers`` processes until
    SIGINT/SIGTERM, which each worker answers by finishing its requests and writing its
    audit queue. A worker that dies is replaced.

    This process accepts the connections and hands them to the workers in turn (the
    descriptor passed over a Unix socket). Left to the kernel, the workers race for each
    connection, and the one that wakes first takes every connection queued: a gateway
    holding four keep-alive connections was served by one worker in three tries of eight
    while the other idled. Handed out in turn, connections are spread evenly.
    """
    config = _config(app, host, port, factory=True)
    listener = config.bind_socket()
    listener.listen(config.backlog)
    spawn = multiprocessing.get_context("spawn")  # fresh interpreters: nothing inherited
    stop = threading.Event()
    channels: list[socket.socket] = []
    processes: list[Any] = []

    def start(index: int) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        process = spawn.Process(
            target=_worker_main, args=(theirs, app, host, port), name=f"creditgraph-worker-{index}"
        )
        process.start()
        theirs.close()
        if index < len(channels):
            channels[index].close()
            channels[index], processes[index] = ours, process
        else:
            channels.append(ours)
            processes.append(process)

    for index in range(workers):
        start(index)

    def hand_out() -> None:
        turn = 0
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:  # the listener is closed: stopping
                return
            with connection:
                for _ in range(len(channels)):  # the next worker able to take it
                    channel = channels[turn % len(channels)]
                    turn += 1
                    try:
                        socket.send_fds(channel, [b"c"], [connection.fileno()])
                        break
                    except OSError:  # that worker has died; it is being replaced
                        continue

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    dealer = threading.Thread(target=hand_out, name="creditgraph-accept", daemon=True)
    dealer.start()
    try:
        while not stop.wait(0.5):
            for index, process in enumerate(processes):
                if not process.is_alive():
                    logging.getLogger("uvicorn.error").warning(
                        "worker %s exited with %s; starting another", process.pid, process.exitcode
                    )
                    start(index)
    finally:
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        listener.close()
        for process in processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: a graceful stop, the audit queue written
        for process in processes:
            process.join(15)
            if process.is_alive():
                process.kill()
                process.join()
        for channel in channels:
            channel.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class _HandedServer(StoppingServer):
    """A worker's uvicorn server: no listener of its own; it serves the connections the
    parent hands it over ``channel``."""

    def __init__(self, config: uvicorn.Config, channel: socket.socket) -> None:
        super().__init__(config)
        self.channel = channel

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=[])  # the app's lifespan, and no listener
        if self.should_exit:
            return
        loop = asyncio.get_running_loop()
        protocol = functools.partial(
            cast(Any, self.config.http_protocol_class),
            config=self.config,
            server_state=self.server_state,
            app_state=self.lifespan.state,
        )
        self.channel.setblocking(False)
        loop.add_reader(self.channel.fileno(), self._take, loop, protocol)

    def _take(self, loop: asyncio.AbstractEventLoop, protocol: Any) -> None:
        try:
            message, fds, _, _ = socket.recv_fds(self.channel, 16, 16)
        except BlockingIOError:
            return
        if not message:  # the parent has gone: stop taking connections
            loop.remove_reader(self.channel.fileno())
            self.should_exit = True
            return
        for fd in fds:
            connection = socket.socket(fileno=fd)
            loop.create_task(loop.connect_accepted_socket(protocol, connection))

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        with contextlib.suppress(Exception):
            asyncio.get_running_loop().remove_reader(self.channel.fileno())
        await super().shutdown(sockets)


def _worker_main(channel: socket.socket, app: str, host: str, port: int) -> None:
    """A worker process: the app built by the factory, serving handed connections."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    _HandedServer(_config(app, host, port, factory=True), channel).run()
