"""``creditgraph load --source NAME FILE…``: a published list's rows through the ordinary loader.

Rows are read and converted a chunk at a time and handed on as contract JSON lines carrying
their file and row number, so the loader's validation, atomicity, ``--skip-invalid`` and
idempotence are exactly those of ``creditgraph load``; errors found in a cell are reported
the same way (``file:row: column: reason``) and count as the load's own.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from creditgraph.ingest.loader import DEFAULT_BATCH_SIZE, LoadResult
from creditgraph.ingest.loader import load as load_records
from creditgraph.ingest.records import IdProtection, RecordError
from creditgraph.sources.mapping import SourceMapping, load_mapping
from creditgraph.sources.reading import SourceFileError, Table, header_key, open_table
from creditgraph.sources.rows import Row, RowConverter, field_columns
from creditgraph.store.base import GraphStore

CHUNK_ROWS = 5_000


@dataclass
class SourceLoad:
    result: LoadResult
    rows: int = 0
    encodings: dict[str, str | None] = field(default_factory=dict)  # file → encoding used


def check_header(table: Table, mapping: SourceMapping) -> dict[int, str]:
    """Position in the file → the column name the mapping uses; every required column present."""
    wanted = {header_key(c): c for c in mapping.header}
    positions: dict[int, str] = {}
    first: dict[str, int] = {}
    for i, column in enumerate(table.header):
        key = header_key(column)
        if key:
            if key in first:  # which of the two holds the data? the later would win, silently
                raise SourceFileError(
                    f"{table.path}:1: header: column {column.strip()!r} appears twice (columns "
                    f"{first[key] + 1} and {i + 1}): remove or rename one"
                )
            first[key] = i
            positions[i] = wanted.get(key, column.strip())
    present = {header_key(c) for c in table.header}
    missing = [c for c in mapping.required if header_key(c) not in present]
    if missing:
        raise SourceFileError(
            f"{table.path}:1: header: missing required column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}; the {mapping.name} source expects the header "
            f"{', '.join(mapping.header)} (required: {', '.join(mapping.required)})"
        )
    return positions


def open_tables(
    paths: Sequence[str], mapping: SourceMapping, encoding: str | None
) -> list[tuple[Table, dict[int, str]]]:
    """Every file opened and its header checked before any row is used: a bad file anywhere
    stops the load before anything is read into the store."""
    tables = []
    for path in paths:
        table = open_table(path, encoding, mapping.required)
        tables.append((table, check_header(table, mapping)))
    return tables


def rows_of(table: Table, positions: Mapping[int, str]) -> Iterator[Row]:
    for number, cells in table.rows:
        yield Row(
            table.path,
            number,
            {positions[i]: value for i, value in enumerate(cells) if i in positions},
        )


def load_source(
    name: str,
    paths: Sequence[str],
    store: GraphStore,
    *,
    encoding: str | None = None,
    skip_invalid: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: bool = False,
    env: Mapping[str, str] | None = None,
) -> SourceLoad:
    """Load published files through the source ``name``. Raises :class:`SourceFileError` for a
    file that cannot be read as the source's table (nothing is imported then)."""
    mapping = load_mapping(name, store.schema, env)
    tables = open_tables(paths, mapping, encoding)
    converter = RowConverter(mapping, store, IdProtection.of(store))
    row_errors: list[RecordError] = []
    count = 0

    def lines() -> Iterator[tuple[str, int, str]]:
        nonlocal count
        for table, positions in tables:
            chunk: list[Row] = []
            for row in rows_of(table, positions):
                chunk.append(row)
                if len(chunk) >= CHUNK_ROWS:
                    yield from _converted(chunk)
                    chunk = []
            yield from _converted(chunk)
        for file, number, record in converter.nodes():
            yield file, number, _json(record)

    def _converted(chunk: list[Row]) -> Iterator[tuple[str, int, str]]:
        nonlocal count
        count += len(chunk)
        for row, records in converter.convert(chunk):
            if isinstance(records, BaseException):
                row_errors.append(RecordError(row.file, row.number, records.column, records.reason))
                continue
            for record in records:
                yield row.file, row.number, _json(record)

    result = load_records(
        lines(),
        store,
        skip_invalid=skip_invalid,
        batch_size=batch_size,
        progress=progress,
        input_errors=lambda: row_errors,
    )
    result.errors = _with_columns(result.errors, mapping)
    return SourceLoad(result, count, {t.path: t.encoding for t, _ in tables})


def _json(record: dict[str, Any]) -> str:
    return orjson.dumps(record).decode("utf-8")


def _with_columns(errors: list[RecordError], mapping: SourceMapping) -> list[RecordError]:
    """The loader names contract fields; an officer looks for the file's column."""
    columns = field_columns(mapping)
    return [
        RecordError(e.file, e.line, columns.get(e.field, e.field), e.reason)
        if e.field in columns
        else e
        for e in errors
    ]
