"""Throw-away Neo4j 5.26 Community server for the test suite.

The server is the Maven project in ``tests/neo4j_harness`` (``org.neo4j.test:neo4j-harness``
run in-process by a tiny launcher), so tests need Java 17+ and Maven but no Docker.
Set ``CREDITGRAPH_TEST_NEO4J_URL`` to use an already running server instead.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO

from neo4j import GraphDatabase
from neo4j.exceptions import DriverError, Neo4jError, ServiceUnavailable

URL_ENV_VAR = "CREDITGRAPH_TEST_NEO4J_URL"
# Memory of the throw-away server: small for the test suite; a benchmark at size L sets more
# (e.g. HEAP=4g, PAGE_CACHE_MIB=6144), as a real deployment sizes its page cache to the store.
HEAP_ENV_VAR = "CREDITGRAPH_TEST_NEO4J_HEAP"
PAGE_CACHE_ENV_VAR = "CREDITGRAPH_TEST_NEO4J_PAGE_CACHE_MIB"

HARNESS_DIR = Path(__file__).resolve().parent.parent / "neo4j_harness"
POM = HARNESS_DIR / "pom.xml"
SOURCE_DIR = HARNESS_DIR / "src"
TARGET_DIR = HARNESS_DIR / "target"
JAR = TARGET_DIR / "neo4j-harness-launcher-1.0.0.jar"
CLASSPATH_FILE = TARGET_DIR / "classpath.txt"
MAIN_CLASS = "creditgraph.harness.Neo4jHarnessMain"

JVM_OPTIONS = [
    "-Xms256m",
    "-XX:+ExitOnOutOfMemoryError",
    # As the packaged Neo4j does: lets the page cache and Netty use JDK internals (no fallbacks).
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
]

BUILD_TIMEOUT = 900.0  # a cold build downloads ~240 jars from Maven Central
STOP_TIMEOUT = 30.0
OUTPUT_TAIL_LINES = 40
BOLT_URL_PREFIX = "BOLT_URL="
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")  # Maven 3.8 emits colour resets even with -B


class Neo4jUnavailable(RuntimeError):
    """Java/Maven is missing, or the Neo4j launcher could not be built or started."""


class Neo4jServer:
    """A running test server (or an external one from ``CREDITGRAPH_TEST_NEO4J_URL``)."""

    def __init__(
        self,
        url: str,
        process: subprocess.Popen[str] | None = None,
        workdir: Path | None = None,
    ) -> None:
        self.url = url
        self._process = process
        self._workdir = workdir
        self._lock = threading.Lock()
        self._stopped = process is None
        if process is not None:
            atexit.register(self.stop)

    def stop(self) -> None:
        """Shut the server down (idempotent); a no-op for an external server."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            atexit.unregister(self.stop)
            assert self._process is not None
            _terminate(self._process)
            if self._workdir is not None:
                shutil.rmtree(self._workdir, ignore_errors=True)

    def __enter__(self) -> Neo4jServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"Neo4jServer(url={self.url!r})"


def start_neo4j(timeout: float = 240.0) -> Neo4jServer:
    """Start a fresh, empty Neo4j and return once it accepts Bolt connections.

    ``timeout`` bounds the server start-up; building the launcher (only needed after
    ``pom.xml`` or the Java source changed) has its own, longer limit.
    """
    external_url = os.environ.get(URL_ENV_VAR)
    if external_url:
        return Neo4jServer(external_url)

    java = shutil.which("java")
    mvn = shutil.which("mvn")
    missing = [name for name, path in (("java", java), ("mvn", mvn)) if path is None]
    if missing:
        raise Neo4jUnavailable(
            f"Cannot start the test Neo4j: {' and '.join(missing)} not found on PATH. "
            f"Install a JDK 17+ and Maven 3.8+, or set {URL_ENV_VAR} to a running server."
        )
    assert java is not None and mvn is not None

    _build_launcher_if_needed(mvn)
    return _launch(java, timeout)


def _build_launcher_if_needed(mvn: str) -> None:
    TARGET_DIR.mkdir(exist_ok=True)
    # Serialise builds between concurrent test processes (e.g. pytest-xdist workers).
    with _exclusive_lock(TARGET_DIR / ".build.lock"):
        if not _build_is_stale():
            return
        command = [mvn, "-B", "-q", "-Dstyle.color=never", "-f", str(POM), "package"]
        try:
            result = subprocess.run(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
                timeout=BUILD_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            output = exc.output or ""
            if isinstance(output, bytes):
                output = output.decode(errors="replace")
            raise Neo4jUnavailable(
                f"Building the Neo4j launcher timed out after {BUILD_TIMEOUT:.0f} s "
                f"({' '.join(command)}). Maven output tail:\n{_tail(output)}"
            ) from None
        if result.returncode != 0 or not (JAR.is_file() and CLASSPATH_FILE.is_file()):
            raise Neo4jUnavailable(
                f"Building the Neo4j launcher failed (exit code {result.returncode}): "
                f"{' '.join(command)}\nMaven output tail:\n{_tail(result.stdout)}"
            )
        # Maven leaves outputs whose content did not change untouched; mark them as fresh.
        for output in (JAR, CLASSPATH_FILE):
            os.utime(output)


def _build_is_stale() -> bool:
    if not (JAR.is_file() and CLASSPATH_FILE.is_file()):
        return True
    inputs = [POM, *(p for p in SOURCE_DIR.rglob("*") if p.is_file())]
    newest_input = max(p.stat().st_mtime for p in inputs)
    if min(JAR.stat().st_mtime, CLASSPATH_FILE.stat().st_mtime) <= newest_input:
        return True
    # The classpath points into ~/.m2, which may have been cleaned since the last build.
    return not all(Path(entry).exists() for entry in _classpath_entries())


def _classpath_entries() -> list[str]:
    return [e for e in CLASSPATH_FILE.read_text().strip().split(os.pathsep) if e]


def _launch(java: str, timeout: float) -> Neo4jServer:
    deadline = time.monotonic() + timeout
    # Private java.io.tmpdir: the harness puts its store there and log4j leaves files behind.
    workdir = Path(tempfile.mkdtemp(prefix="creditgraph-neo4j-"))
    classpath = os.pathsep.join([str(JAR), *_classpath_entries()])
    command = [
        java,
        *JVM_OPTIONS,
        *_memory_options(),
        f"-Djava.io.tmpdir={workdir}",
        "-cp",
        classpath,
        MAIN_CLASS,
    ]
    try:
        process = subprocess.Popen(
            command,
            # The launcher exits when its stdin reaches EOF, i.e. when we (or our process) go away.
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
    except OSError as exc:
        shutil.rmtree(workdir, ignore_errors=True)
        raise Neo4jUnavailable(f"Cannot run {java}: {exc}") from exc

    stderr_tail: collections.deque[str] = collections.deque(maxlen=OUTPUT_TAIL_LINES)
    stdout_lines: queue.Queue[str | None] = queue.Queue()
    stderr_pump = _drain(process.stderr, stderr_tail.append)
    _drain(process.stdout, stdout_lines.put, on_eof=lambda: stdout_lines.put(None))
    server = Neo4jServer("", process, workdir)

    def fail(reason: str) -> Neo4jUnavailable:
        server.stop()
        stderr_pump.join(timeout=5)
        return Neo4jUnavailable(
            f"The test Neo4j did not start: {reason} (launcher exit code {process.returncode}).\n"
            f"Java output tail:\n{_tail(''.join(stderr_tail))}"
        )

    url = ""
    while not url:
        try:
            line = stdout_lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise fail(f"no {BOLT_URL_PREFIX} line within {timeout:.0f} s") from None
        if line is None:
            raise fail(f"the launcher closed its stdout before printing {BOLT_URL_PREFIX}")
        if line.startswith(BOLT_URL_PREFIX):
            url = line[len(BOLT_URL_PREFIX) :].strip()
    server.url = url

    while True:
        try:
            with GraphDatabase.driver(url, auth=None) as driver:
                driver.verify_connectivity()
            return server
        except (ServiceUnavailable, OSError) as exc:
            if process.poll() is not None or time.monotonic() >= deadline:
                raise fail(f"{url} did not accept driver connections: {exc!r}") from exc
            time.sleep(0.2)
        except (Neo4jError, DriverError) as exc:
            raise fail(f"{url} rejected the driver: {exc!r}") from exc


def _drain(
    stream: IO[str] | None,
    sink: Callable[[str], object],
    on_eof: Callable[[], object] | None = None,
) -> threading.Thread:
    def pump() -> None:
        if stream is not None:
            with contextlib.suppress(ValueError, OSError):
                for line in stream:
                    sink(line)
        if on_eof is not None:
            on_eof()

    thread = threading.Thread(target=pump, name="neo4j-harness-output", daemon=True)
    thread.start()
    return thread


def _terminate(process: subprocess.Popen[str]) -> None:
    if process.stdin is not None:
        with contextlib.suppress(OSError):
            process.stdin.close()
    try:
        process.wait(timeout=STOP_TIMEOUT)
        return
    except subprocess.TimeoutExpired:
        process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def _exclusive_lock(path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # not POSIX: no concurrent-build protection
        yield
        return
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _tail(output: str, lines: int = OUTPUT_TAIL_LINES) -> str:
    output = _ANSI_ESCAPE.sub("", output)
    text = "\n".join(output.rstrip().splitlines()[-lines:])
    return text or "(no output)"


def _memory_options() -> list[str]:
    """The heap and page cache asked for in the environment (see HEAP_ENV_VAR)."""
    heap = os.environ.get(HEAP_ENV_VAR, "768m")
    if not re.fullmatch(r"[1-9][0-9]*[mMgG]", heap):
        raise Neo4jUnavailable(f"{HEAP_ENV_VAR}={heap!r}: expected a size such as 768m or 4g")
    page_cache = os.environ.get(PAGE_CACHE_ENV_VAR, "256")
    if not page_cache.isdigit() or int(page_cache) < 8:
        raise Neo4jUnavailable(f"{PAGE_CACHE_ENV_VAR}={page_cache!r}: expected MiB, at least 8")
    return [f"-Xmx{heap}", f"-Dcreditgraph.pagecache.mib={int(page_cache)}"]
