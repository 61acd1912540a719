"""Reading published files: CSV in whatever encoding a publisher used, and XLSX.

Encodings are told apart deterministically rather than guessed: a file that decodes as UTF-8
(with or without a byte-order mark) is UTF-8 — GBK text almost never does, since its
two-byte sequences break UTF-8's continuation rules at once — and anything else is tried as
GB18030, the superset of GBK and GB2312 that Chinese government sites publish in. ``--encoding``
overrides both. The whole file is checked before its first row is used, so an undecodable
byte deep inside a large file is reported before anything is imported.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DETECTED = ("utf-8-sig", "gb18030")
_BLOCK = 1 << 20


class SourceFileError(ValueError):
    """A file that cannot be read as a table: the message names the file (and row)."""


@lru_cache(maxsize=4096)
def header_key(text: str) -> str:
    """Headers as compared: full-width brackets and stray spaces do not make another column."""
    return "".join(unicodedata.normalize("NFKC", text).split())


@dataclass
class Table:
    """A file's header and its rows (row number as the publisher's viewer shows it, cells)."""

    path: str
    header: list[str]
    rows: Iterator[tuple[int, list[Any]]]
    encoding: str | None  # None for XLSX
    size: int  # bytes, for progress


def open_table(path: str, encoding: str | None = None, required: Iterable[str] = ()) -> Table:
    """The file's header — the first row holding every ``required`` column, so that title
    rows above it are skipped — and its rows."""
    wanted = frozenset(header_key(c) for c in required)
    file = Path(path)
    try:
        size = file.stat().st_size
    except OSError as exc:
        raise SourceFileError(f"{path}: cannot read: {exc.strerror}") from None
    suffix = file.suffix.lower()
    if suffix == ".xls":
        raise SourceFileError(
            f"{path}: the old binary Excel format (.xls) is not read: save it as .xlsx or CSV"
        )
    if suffix in (".xlsx", ".xlsm") or _is_zip(file):
        return _xlsx(path, size, wanted)
    return _csv(path, size, encoding, wanted)


def _is_zip(file: Path) -> bool:
    with file.open("rb") as handle:
        return handle.read(4) == b"PK\x03\x04"


def detect_encoding(path: str, encoding: str | None = None) -> str:
    """The encoding the whole file decodes in: ``encoding`` if given, else UTF-8 or GB18030."""
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise SourceFileError(
                f"--encoding: {encoding!r} is not an encoding Python knows"
            ) from None
        problem = _undecodable(path, encoding)
        if problem:
            raise SourceFileError(
                f"{path}:{problem[0]}: cannot be decoded as {encoding}: {problem[1]}"
            )
        return encoding
    first_problem: tuple[int, str] | None = None
    for candidate in DETECTED:
        problem = _undecodable(path, candidate)
        if problem is None:
            return candidate
        first_problem = first_problem or problem
    assert first_problem is not None
    raise SourceFileError(
        f"{path}:{first_problem[0]}: cannot be decoded as UTF-8 ({first_problem[1]}) nor as "
        f"GB18030/GBK: give the file's encoding with --encoding (e.g. --encoding big5)"
    )


def _undecodable(path: str, encoding: str) -> tuple[int, str] | None:
    """(line, what is wrong) for the first byte that does not decode; None when all do."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    line = 1
    with open(path, "rb") as handle:
        while True:
            block = handle.read(_BLOCK)
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                return line + exc.object[: exc.start].count(b"\n"), (
                    f"byte {exc.object[exc.start : exc.start + 1].hex()} is not valid"
                )
            if not block:
                return None
            line += block.count(b"\n")


_TITLE_ROWS = 10  # rows above the header a publisher may add (a title, a date of export)


def _find_header(
    numbered: Iterator[tuple[int, list[Any]]], wanted: frozenset[str]
) -> tuple[list[str], list[tuple[int, list[Any]]]] | None:
    """(the header, the data rows read past it) — the first row holding every ``wanted``
    column within the first few, else the first non-empty row (whose missing columns are
    then reported)."""
    seen: list[tuple[int, list[Any]]] = []
    for number, cells in numbered:
        if not any(_cell(c) for c in cells):
            continue
        seen.append((number, cells))
        if wanted <= {header_key(_cell(c)) for c in cells}:
            return [_cell(c) for c in cells], []
        if len(seen) >= _TITLE_ROWS:
            break
    if not seen:
        return None
    return [_cell(c) for c in seen[0][1]], seen[1:]


def _csv(path: str, size: int, encoding: str | None, wanted: frozenset[str]) -> Table:
    chosen = detect_encoding(path, encoding)
    handle = open(path, encoding=chosen, newline="")  # noqa: SIM115 - closed when the rows end
    reader = csv.reader(handle)

    def numbered() -> Iterator[tuple[int, list[Any]]]:
        previous = 0
        try:
            for cells in reader:
                start, previous = previous + 1, reader.line_num
                yield start, cells
        except csv.Error as exc:
            raise SourceFileError(f"{path}:{previous + 1}: not a CSV row: {exc}") from None

    lines = numbered()
    found = _find_header(lines, wanted)
    if found is None:
        handle.close()
        raise SourceFileError(f"{path}: the file is empty (no header row)")
    header, early = found

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            yield from early
            for number, cells in lines:
                if any(c.strip() for c in cells):
                    yield number, cells
        finally:
            handle.close()

    return Table(path, [h.lstrip("\ufeff") for h in header], rows(), chosen, size)


def _xlsx(path: str, size: int, wanted: frozenset[str]) -> Table:
    import openpyxl  # only a load of a workbook needs it

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SourceFileError(f"{path}: not an XLSX workbook: {exc}") from None
    sheet = book.worksheets[0]
    lines = (
        (number, [_value(c) for c in row]) for number, row in enumerate(sheet.iter_rows(), start=1)
    )
    found = _find_header(lines, wanted)
    if found is None:
        book.close()
        raise SourceFileError(f"{path}: the first sheet is empty (no header row)")
    header, early = found
    while header and not header[-1]:
        header.pop()

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, cells in itertools.chain(early, lines):
                if any(c not in (None, "") for c in cells):
                    _whole_numbers(path, number, header, cells)
                    yield number, cells
        finally:
            book.close()

    return Table(path, header, rows(), None, size)


# Excel keeps 15 significant digits of a number: an identity number or a code typed into a
# cell formatted as a number has lost its last digits (and may still pass a check digit)
_EXCEL_DIGITS = 10**15


def _is_number(value: Any) -> bool:
    """A cell Excel holds as a number (openpyxl gives int or float; a bool is no number)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _whole_numbers(path: str, number: int, header: list[str], cells: list[Any]) -> None:
    for i, value in enumerate(cells):
        if _is_number(value) and abs(value) >= _EXCEL_DIGITS:
            column = header[i] if i < len(header) else f"column {i + 1}"
            raise SourceFileError(
                f"{path}:{number}: {column}: a number of 16 or more digits, stored as a number "
                "in Excel, which keeps only 15: its last digits are lost. Format the column as "
                "text and enter the values again"
            )


def _cell(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _value(cell: Any) -> Any:
    """A cell as the mapping reads it: text, a number, or a date (Excel stores datetimes). A
    number shown as a percentage is a fraction in the file (60 % is 0.6): it is read as the
    text the publisher sees, so that a share column reads it as 60 %, not 0.6 %."""
    value = cell.value
    if isinstance(value, dt.datetime):
        return value.date()
    if _is_number(value) and "%" in (getattr(cell, "number_format", "") or ""):
        return f"{round(value * 100, 10):g}%"
    return value


def write_csv_text(header: list[str], rows: list[list[str]]) -> str:
    """A CSV document (for tests and the generator): the header, then the rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()
