"""Reading a load's input and parsing it into rows — on every core when the load is large.

The input is read in blocks of whole lines; each block is parsed on its own (by a pool of
worker processes once the load passes :data:`PARALLEL_MIN_LINES`, else in this process) into
a :class:`~creditgraph.ingest.records.ParsedChunk`, and the chunks come back in input order,
so errors, duplicates and everything derived from the order are exactly what parsing line
by line in one process gives.

Lines are numbered as reading them line by line numbers them: in a file, as Python's text
mode does (universal newlines: ``\\n``, ``\\r\\n`` and a lone ``\\r`` each end a line), on
standard input at each ``\\n``. Blank lines are skipped, and a line whose bytes are not UTF-8
is rejected on its own with the JSON parser's message for it.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO, TextIO

import orjson

from creditgraph.ingest.records import (
    LINE_BITS,
    IdProtection,
    ParsedChunk,
    RecordError,
    RecordParser,
    position,
)
from creditgraph.schema import GraphSchema

BLOCK_BYTES = 1 << 20  # about 9,000 lines of a typical registry file
PARALLEL_MIN_LINES = 20_000  # below this a pool costs more than it saves
GENERIC_CHUNK_LINES = 5_000


@dataclass(frozen=True, slots=True)
class Block:
    """Whole lines of one input: ``first_line`` is the number of the first of them, ``lines``
    how many line breaks there are; ``universal``: a lone ``\\r`` ends a line too."""

    file: str
    segment: int
    first_line: int
    lines: int
    data: bytes
    universal: bool


class LineSource:
    """The lines of files (``-`` is standard input), as (file name, line number, text) for every
    non-blank line when iterated; the loader reads them in blocks instead (:meth:`blocks`)."""

    def __init__(self, paths: Sequence[str], stdin: TextIO | None = None) -> None:
        self.paths = list(paths)
        self.stdin = stdin

    def __iter__(self) -> Iterator[tuple[str, int, str]]:
        for path in self.paths:
            if path == "-":
                stream = self.stdin or sys.stdin
                binary = getattr(stream, "buffer", None)
                lines = (b.decode("utf-8", "surrogateescape") for b in binary) if binary else stream
                yield from _numbered("<stdin>", lines)
                continue
            with open(path, encoding="utf-8", errors="surrogateescape") as handle:
                yield from _numbered(path, handle)

    def blocks(self) -> Iterator[Block]:
        for segment, path in enumerate(self.paths):
            if path == "-":
                stream = self.stdin or sys.stdin
                binary = getattr(stream, "buffer", None)
                if binary is not None:
                    yield from _blocks("<stdin>", segment, binary, universal=False)
                else:  # a text stream: the same bytes a binary one would have given
                    text = stream.read()
                    data = text.encode("utf-8", "surrogateescape")
                    yield from _blocks("<stdin>", segment, _BytesReader(data), universal=False)
                continue
            with open(path, "rb") as handle:
                yield from _blocks(path, segment, handle, universal=True)


_BOM = b"\xef\xbb\xbf"


def _numbered(name: str, handle: Iterable[str]) -> Iterator[tuple[str, int, str]]:
    for number, text in enumerate(handle, start=1):
        if number == 1:
            text = text.removeprefix("\ufeff")
        if text.strip():
            yield name, number, text


class _BytesReader:
    def __init__(self, data: bytes) -> None:
        self._data = data
        self._at = 0

    def read(self, size: int) -> bytes:
        chunk = self._data[self._at : self._at + size]
        self._at += len(chunk)
        return chunk


def _blocks(
    name: str, segment: int, handle: BinaryIO | _BytesReader, *, universal: bool
) -> Iterator[Block]:
    line = 1
    rest = b""
    first = True
    while True:
        data = handle.read(BLOCK_BYTES)
        if not data:
            break
        if first:
            # a byte-order mark (Windows editors write one) is not part of line 1's record
            first = False
            data = data.removeprefix(_BOM)
        if rest:
            data = rest + data
        # cut after the last line break; a final "\r" may be the first half of "\r\n"
        cut = data.rfind(b"\n")
        if universal:
            cut = max(cut, data.rfind(b"\r", 0, len(data) - 1))
        if cut < 0:
            rest = data
            continue
        block, rest = data[: cut + 1], data[cut + 1 :]
        breaks = _line_breaks(block, universal)
        yield Block(name, segment, line, breaks, block, universal)
        line += breaks
    if rest:
        yield Block(name, segment, line, _line_breaks(rest, universal), rest, universal)


def _line_breaks(data: bytes, universal: bool) -> int:
    if not universal or b"\r" not in data:
        return data.count(b"\n")
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


def parse_block(parser: RecordParser, block: Block) -> ParsedChunk:
    data = block.data
    if block.universal and b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    lines = data.split(b"\n")
    last = len(lines) - 1  # the text after the last break: no line at all, or an unended one
    chunk = ParsedChunk()
    file, base = block.file, position(block.segment, block.first_line)
    loads, parse = orjson.loads, parser.parse
    for offset, raw in enumerate(lines):
        if not raw:
            continue
        try:
            obj = loads(raw)
        except orjson.JSONDecodeError:
            # exactly what the line's text gives: blank after all, or the parser's message
            text = raw.decode("utf-8", "surrogateescape") + ("\n" if offset < last else "")
            if not text.strip():
                continue
            try:
                obj = loads(text)
            except orjson.JSONDecodeError as exc:
                chunk.errors.append(_json_error(file, block.first_line + offset, exc))
                continue
        parse(obj, file, block.first_line + offset, base + offset, chunk)
    return parser.finish(chunk)


def _json_error(file: str, line: int, exc: orjson.JSONDecodeError) -> RecordError:
    return RecordError(file, line, "json", f"not valid JSON: {exc.msg} at column {exc.colno}")


def parse_lines(
    lines: Iterable[tuple[str, int, str]], parser: RecordParser, files: list[str]
) -> Iterator[ParsedChunk]:
    """Parse (file, line, text) tuples in this process; ``files`` gets each segment's file.

    A new segment starts where the file changes or the line numbers do not increase, so
    positions keep the input's order."""
    chunk = ParsedChunk()
    count = 0
    current: str | None = None
    previous = 0
    loads, parse = orjson.loads, parser.parse
    for file, number, text in lines:
        if file != current or number <= previous:
            files.append(file)
            current = file
        previous = number
        try:
            obj = loads(text)
        except orjson.JSONDecodeError as exc:
            chunk.errors.append(_json_error(file, number, exc))
        else:
            parse(obj, file, number, position(len(files) - 1, number), chunk)
        count += 1
        if count >= GENERIC_CHUNK_LINES:
            yield parser.finish(chunk)
            chunk, count = ParsedChunk(), 0
    yield parser.finish(chunk)


# the pool -----------------------------------------------------------------------------------
def workers_available() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def parse_source(
    source: LineSource, parser: RecordParser, files: list[str], *, workers: int | None = None
) -> Iterator[tuple[ParsedChunk, int]]:
    """(chunk, lines read) for the blocks of ``source`` in order; ``files`` gets each segment's
    file name. In a pool of processes when the input is large and there is more than one core."""
    blocks = source.blocks()
    ahead: list[Block] = []
    lines = 0
    for block in blocks:
        ahead.append(block)
        lines += block.lines
        if lines >= PARALLEL_MIN_LINES:
            break
    workers = workers_available() if workers is None else workers
    if lines < PARALLEL_MIN_LINES or workers < 2 or not _can_fork():
        # a large load works its names' pinyin keys out as it parses (as the workers do); a
        # small one leaves them to the store, which needs those of the nodes it writes only
        parser.name_keys = lines >= PARALLEL_MIN_LINES
        for block in _chained(ahead, blocks):
            _record_file(files, block)
            yield parse_block(parser, block), block.lines
        return
    # (a process pool rather than multiprocessing.Pool: a worker killed, say by the OOM
    # killer, fails the load instead of leaving it waiting forever for that block)
    with ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_start_worker,
        initargs=(parser.schema, parser.protect, os.getpid()),
    ) as pool:
        pending: deque[tuple[Future[ParsedChunk], int]] = deque()
        try:
            for block in _chained(ahead, blocks):
                _record_file(files, block)
                pending.append((pool.submit(_parse_in_worker, block), block.lines))
                if len(pending) >= 3 * workers:  # read ahead no further than this
                    future, count = pending.popleft()
                    yield future.result(), count
            while pending:
                future, count = pending.popleft()
                yield future.result(), count
        finally:
            for future, _ in pending:
                future.cancel()


def _can_fork() -> bool:
    """Whether worker processes can be forked from this one: on Linux, with no thread but this
    one — another thread could hold a lock at the fork that the child would wait on forever —
    except tqdm's progress monitor, which holds only tqdm's lock and writes only to the
    terminal, neither of which a worker uses. (The other ways to start a process re-run the
    main module, which a script without a ``__main__`` guard does not survive.)"""
    if sys.platform != "linux":
        return False
    main = threading.main_thread()
    return (
        all(thread is main or thread.name == "tqdm_monitor" for thread in threading.enumerate())
        and threading.current_thread() is main
    )


def _chained(ahead: list[Block], rest: Iterator[Block]) -> Iterator[Block]:
    yield from ahead
    yield from rest


def _record_file(files: list[str], block: Block) -> None:
    while len(files) <= block.segment:
        files.append(block.file)


_WORKER_PARSER: RecordParser | None = None
_PR_SET_PDEATHSIG = 1


def _die_with(parent: int) -> None:
    """Have the kernel kill this worker when the load that started it dies: a ``kill -9`` of
    the load must not leave workers blocked forever on a queue nobody reads."""
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: workers then end when their pipe breaks
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _start_worker(schema: GraphSchema, protect: IdProtection, parent: int) -> None:
    global _WORKER_PARSER
    _die_with(parent)
    _WORKER_PARSER = RecordParser(schema, protect, name_keys=True)
    gc.disable()  # parsing makes no reference cycles; each chunk is freed as it is sent


def _parse_in_worker(block: Block) -> ParsedChunk:
    assert _WORKER_PARSER is not None
    return parse_block(_WORKER_PARSER, block)


def split_position(pos: int) -> tuple[int, int]:
    """(segment, line) of a position."""
    return pos >> LINE_BITS, pos & ((1 << LINE_BITS) - 1)
