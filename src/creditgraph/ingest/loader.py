"""Loading contract JSON Lines into a store.

Validation is all-or-nothing over the whole load: every record is parsed and
every reference resolved (against the load itself and the store) before
anything is written; with errors, nothing is imported unless ``skip_invalid``.
Writing then goes in batches, each one atomic and durable — nodes, then links,
then sanctions, then the events lifting them — so a load that is killed leaves
a consistent store holding the batches committed so far, and running the same
load again completes it (re-loading is idempotent).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

import orjson
from tqdm import tqdm

from creditgraph.domain.model import Event, Link, Node
from creditgraph.ingest.records import IdProtection, ParsedRecord, RecordError, parse_record
from creditgraph.store.base import Batch, GraphStore, WriteReport

DEFAULT_BATCH_SIZE = 50_000


@dataclass
class LoadResult:
    errors: list[RecordError] = field(default_factory=list)
    accepted: int = 0
    report: WriteReport = field(default_factory=WriteReport)
    written: bool = False


def read_lines(paths: Sequence[str], stdin: TextIO | None = None) -> Iterator[tuple[str, int, str]]:
    """(file name, line number, text) for every non-blank line; ``-`` reads standard input.

    Bytes that are not UTF-8 are kept as surrogate escapes rather than raised here, so the
    JSON parser rejects that one line and the error names the file and the line.
    """
    for path in paths:
        if path == "-":
            stream = stdin or sys.stdin
            binary = getattr(stream, "buffer", None)
            lines = (b.decode("utf-8", "surrogateescape") for b in binary) if binary else stream
            yield from _numbered("<stdin>", lines)
            continue
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            yield from _numbered(path, handle)


def _numbered(name: str, handle: Iterable[str]) -> Iterator[tuple[str, int, str]]:
    for number, text in enumerate(handle, start=1):
        if text.strip():
            yield name, number, text


def parse_lines(
    lines: Iterable[tuple[str, int, str]], store: GraphStore, *, progress: bool = False
) -> tuple[list[ParsedRecord], list[RecordError]]:
    key = store.id_key()

    protect = IdProtection(key)

    records: list[ParsedRecord] = []
    errors: list[RecordError] = []
    seen: dict[tuple[Any, ...], ParsedRecord] = {}
    for file, number, text in tqdm(
        lines,
        desc="reading",
        unit=" lines",
        disable=not progress or None,
        file=sys.stderr,
        mininterval=0.5,
    ):
        try:
            obj = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            errors.append(
                RecordError(
                    file, number, "json", f"not valid JSON: {exc.msg} at column {exc.colno}"
                )
            )
            continue
        parsed = parse_record(obj, store.schema, file, number, protect)
        if isinstance(parsed, RecordError):
            errors.append(parsed)
            continue
        earlier = seen.get(parsed.key)
        if earlier is not None:
            if earlier.record != parsed.record:
                errors.append(
                    RecordError(
                        file,
                        number,
                        "id" if parsed.key[0] != "link" else "valid_from",
                        f"conflicts with the record at {earlier.file}:{earlier.line} "
                        "(same id or link key, different content)",
                    )
                )
            continue
        seen[parsed.key] = parsed
        records.append(parsed)
    return records, errors


def check_references(
    records: list[ParsedRecord], store: GraphStore, *, skip_invalid: bool
) -> tuple[list[ParsedRecord], list[RecordError]]:
    """Resolve every reference against the load and the store; drop what cannot stand."""
    errors: list[RecordError] = []
    live = list(records)
    stored: dict[str, str] | None = None
    rejected: dict[str, ParsedRecord] = {}
    while True:
        defined: dict[str, tuple[str, ParsedRecord]] = {}
        failed: list[RecordError] = []
        for parsed in live:
            r = parsed.record
            if isinstance(r, Node | Event):
                own = "event" if isinstance(r, Event) else r.type
                earlier = defined.get(r.id)
                if earlier is not None and earlier[0] != own:
                    # a node and an event under one id: blame the record that reuses it, not
                    # the links and events that refer to it
                    failed.append(
                        RecordError(
                            parsed.file,
                            parsed.line,
                            "id",
                            f"{r.id!r} is already the id of {_a(earlier[0])} at "
                            f"{earlier[1].file}:{earlier[1].line}",
                        )
                    )
                    continue
                defined[r.id] = (own, parsed)
        if stored is None:
            if store.data_version() == "0":
                stored = {}  # nothing was ever written: no need to send every id to the store
            else:
                wanted = {ref.target for p in live for ref in p.references}
                wanted |= defined.keys()
                stored = store.node_types(wanted)
        for parsed in live:
            failed.extend(_reference_errors(parsed, defined, stored, store, rejected))
        errors.extend(failed)
        if not failed or not skip_invalid:
            return live, errors
        bad = {(e.file, e.line) for e in failed}
        for parsed in live:
            if (parsed.file, parsed.line) in bad and isinstance(parsed.record, Node | Event):
                rejected.setdefault(parsed.record.id, parsed)
        live = [p for p in live if (p.file, p.line) not in bad]


def _reference_errors(
    parsed: ParsedRecord,
    defined: dict[str, tuple[str, ParsedRecord]],
    stored: dict[str, str],
    store: GraphStore,
    rejected: dict[str, ParsedRecord],
) -> Iterator[RecordError]:
    record = parsed.record
    if isinstance(record, Node | Event):
        own = "event" if isinstance(record, Event) else record.type
        if record.id in stored and stored[record.id] != own:
            yield RecordError(
                parsed.file,
                parsed.line,
                "id",
                f"{record.id!r} is already {_a(stored[record.id])} in the store",
            )
    for ref in parsed.references:
        found = defined.get(ref.target)
        target_type = found[0] if found else stored.get(ref.target)
        if target_type is None:
            dropped = rejected.get(ref.target)
            reason = (
                f"{ref.target!r} is defined at {dropped.file}:{dropped.line}, which was rejected"
                if dropped
                else f"unknown id {ref.target!r}: not defined in this load nor in the store"
            )
            yield RecordError(parsed.file, parsed.line, ref.field, reason)
        elif target_type not in ref.types:
            what = record.rel if isinstance(record, Link) else getattr(record, "kind", "record")
            yield RecordError(
                parsed.file,
                parsed.line,
                ref.field,
                f"{ref.target!r} is {_a(target_type)}; {what} needs "
                f"{' or '.join(sorted(ref.types))} here",
            )
        elif ref.field == "lifts" and isinstance(record, Event):
            lifted = found[1].record if found else store.event(ref.target)
            if isinstance(lifted, Event) and lifted.subject != record.subject:
                yield RecordError(
                    parsed.file,
                    parsed.line,
                    "subject",
                    f"{record.id} lifts {lifted.id}, which is on {lifted.subject!r}, "
                    f"not {record.subject!r}",
                )


def _a(kind: str) -> str:
    return f"an {kind}" if kind[:1] in "aeiou" else f"a {kind}"


def plan_batches(records: list[ParsedRecord], batch_size: int) -> Iterator[Batch]:
    nodes = [p.record for p in records if isinstance(p.record, Node)]
    links = [p.record for p in records if isinstance(p.record, Link)]
    events = {p.record.id: p.record for p in records if isinstance(p.record, Event)}

    def depth(event: Event, seen: frozenset[str] = frozenset()) -> int:
        target = events.get(event.lifts) if event.lifts else None
        if target is None or event.id in seen:
            return 0 if not event.lifts else 1
        return 1 + depth(target, seen | {event.id})

    ordered = sorted(events.values(), key=lambda e: (depth(e), e.date, e.id))
    for phase in (nodes, links, ordered):
        for start in range(0, len(phase), batch_size):
            chunk = phase[start : start + batch_size]
            batch = Batch()
            for record in chunk:
                if isinstance(record, Node):
                    batch.nodes.append(record)
                elif isinstance(record, Link):
                    batch.links.append(record)
                else:
                    batch.events.append(record)
            yield batch


def load(
    lines: Iterable[tuple[str, int, str]],
    store: GraphStore,
    *,
    skip_invalid: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: bool = False,
    on_batch: Callable[[WriteReport], None] | None = None,
) -> LoadResult:
    records, errors = parse_lines(lines, store, progress=progress)
    records, reference_errors = check_references(records, store, skip_invalid=skip_invalid)
    result = LoadResult(errors=sorted(errors + reference_errors), accepted=len(records))
    if result.errors and not skip_invalid:
        result.accepted = 0
        return result
    bar = tqdm(
        total=len(records),
        desc="writing",
        unit=" records",
        disable=not progress or None,
        file=sys.stderr,
        mininterval=0.5,
    )
    with bar:
        for batch in plan_batches(records, batch_size):
            report = store.write(batch)
            result.report.add(report)
            bar.update(len(batch))
            if on_batch:
                on_batch(report)
    result.written = True
    return result
