"""A process of its own that puts one file on disk whenever asked: the embedded store's
write-ahead log, for the audit of a server's answers (creditgraph.api.audit).

An event loop that syncs the log itself stops answering for as long as the disk takes; a
thread of its own must take the interpreter's lock back from the busy loop before it can
report, and measured slower than the loop syncing itself. A process has its own
interpreter: the loop writes one byte to its input, goes on answering, and hears back
through a pipe it watches like any socket.

The protocol, one request at a time: any byte on the child's standard input asks for a
sync; it answers one line, ``+`` once the file is on disk (or when there is no such file:
nothing is unsynced there), ``-`` and the reason when the sync failed. The child ends when
its input closes: when the server stops it, or dies.

    python -m creditgraph.api.log_syncer FILE
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from creditgraph.disk import sync_file

log = logging.getLogger("creditgraph.audit")

SYNCED = b"+"
FAILED = b"-"
# a dead process is replaced at most this often (seconds); meanwhile the loop syncs itself
RESTART_AFTER = 5.0
STOP_TIMEOUT = 5.0


def serve(path: Path, requests: int, answers: int) -> None:
    """The child's loop: a sync of ``path`` per read from ``requests``, a line each."""
    while os.read(requests, 64):
        try:
            sync_file(path)
        except OSError as exc:
            reason = " ".join(str(exc).split())  # one line, whatever the message
            os.write(answers, FAILED + reason.encode("utf-8", "replace")[:1000] + b"\n")
        else:
            os.write(answers, SYNCED + b"\n")


def main(argv: Sequence[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else list(argv)
    if len(args) != 1:
        raise SystemExit("usage: python -m creditgraph.api.log_syncer FILE")
    # the server's Ctrl-C reaches its whole process group: the server decides when this ends
    # (it closes the input once its last answers are synced)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    serve(Path(args[0]), sys.stdin.fileno(), sys.stdout.fileno())


# the server's end ---------------------------------------------------------------------------
Answered = Callable[[bool | None, str], None]


class LogSyncer:
    """The server's end of one such process: one sync at a time, answered on an event loop."""

    def __init__(
        self,
        path: Path,
        *,
        command: Sequence[str] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.path = path
        self.command = list(command or [sys.executable, "-m", __name__, str(path)])
        self._clock = clock or time.monotonic
        self._process: subprocess.Popen[bytes] | None = None
        self._started_at = float("-inf")
        self._reading: tuple[asyncio.AbstractEventLoop, int] | None = None  # an answer awaited

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> bool:
        """Start the process; False (and logged) if it cannot be."""
        self._started_at = self._clock()
        try:
            self._process = subprocess.Popen(
                self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0
            )
        except OSError:
            log.exception("could not start the audit log's syncing process; the loop syncs")
            self._process = None
            return False
        return True

    def request(self, loop: asyncio.AbstractEventLoop, answered: Answered) -> bool:
        """Ask for a sync: ``answered(True, "")`` on ``loop`` once the file is on disk,
        ``answered(False, reason)`` if the sync failed, ``answered(None, reason)`` if the
        process is gone. The process starts with the first request; False, and nothing
        asked, when there is none to ask (one that is gone is replaced at most every
        :data:`RESTART_AFTER` seconds)."""
        process = self._process
        if process is None or process.poll() is not None:
            if process is not None:
                self._gone(f"it ended with status {process.returncode}")
            if self._clock() - self._started_at < RESTART_AFTER or not self.start():
                return False
            process = self._process
        assert process is not None and process.stdin is not None and process.stdout is not None
        try:
            os.write(process.stdin.fileno(), b"s")
        except OSError as exc:  # a broken pipe: it died since
            self._gone(str(exc))
            return False
        loop.add_reader(process.stdout.fileno(), self._answer, loop, process, answered)
        self._reading = (loop, process.stdout.fileno())
        return True

    def _answer(
        self, loop: asyncio.AbstractEventLoop, process: subprocess.Popen[bytes], answered: Answered
    ) -> None:
        assert process.stdout is not None
        loop.remove_reader(process.stdout.fileno())
        self._reading = None
        try:
            line = os.read(process.stdout.fileno(), 4096)  # one line, shorter than PIPE_BUF
        except OSError as exc:
            line, reason = b"", str(exc)
        else:
            reason = "it ended"
        if line[:1] == SYNCED:
            answered(True, "")
        elif line[:1] == FAILED:
            answered(False, line[1:].decode("utf-8", "replace").strip())
        else:
            self._gone(reason)
            answered(None, reason)

    def _gone(self, reason: str) -> None:
        log.error(
            "the audit log's syncing process is gone (%s); the loop syncs until it is "
            "started again",
            reason,
        )
        self.close()

    def close(self) -> None:
        """End the process: its input closes, and it ends once its sync under way has."""
        process, self._process = self._process, None
        if process is None:
            return
        if self._reading is not None:  # no answer will come: its loop stops watching
            loop, fd = self._reading
            self._reading = None
            with contextlib.suppress(RuntimeError):  # that loop has closed
                loop.remove_reader(fd)
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:  # stuck in the disk: it cannot be told anything more
            process.kill()
            process.wait()


if __name__ == "__main__":
    main()
