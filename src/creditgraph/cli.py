"""The ``creditgraph`` command (CONTRACT.md, "Package and commands").

Exit codes: 0 success, 1 operational failure (store unreachable…), 2 invalid input.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, TypeVar

import click

from creditgraph.api.commands import demo, serve
from creditgraph.identity import stored_or_alias
from creditgraph.schema import SchemaError, default_schema
from creditgraph.service.decisions import Decision, Decisions
from creditgraph.service.errors import ServiceError, missing
from creditgraph.settings import SettingsError, load_settings, today
from creditgraph.store import GraphStore, StoreError, StoreUrlError, open_store

F = TypeVar("F", bound=Callable[..., Any])

EXIT_FAILURE, EXIT_INVALID = 1, 2


def _store_option(func: F) -> F:
    return click.option(
        "--store",
        "store_url",
        envvar="CREDITGRAPH_STORE",
        default="./creditgraph.db",
        show_default=True,
        help="Embedded store path, or bolt://… / neo4j://… for a Neo4j server "
        "(env CREDITGRAPH_STORE).",
    )(func)


def _json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON.")(func)


class _Date(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: Any, ctx: Any) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            if len(value) != 10:
                raise ValueError
            return dt.date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date in the form YYYY-MM-DD", param, ctx)


DATE = _Date()


def _fail(message: str, code: int) -> None:
    click.echo(f"creditgraph: {message}", err=True)
    sys.exit(code)


@contextmanager
def _opened(
    store_url: str, *, create: bool = False, migrating: bool = False
) -> Iterator[GraphStore]:
    """The store, for a command; only the commands that fill a store may ``create`` one."""
    settings = load_settings()
    try:
        store = open_store(store_url, settings=settings, create=create, migrating=migrating)
    except SchemaError as exc:
        _fail(f"rules or schema: {exc}", EXIT_INVALID)
    except StoreUrlError as exc:
        _fail(str(exc), EXIT_INVALID)
    except StoreError as exc:
        _fail(str(exc), EXIT_FAILURE)
    try:
        yield store
    except ServiceError as exc:
        _fail(str(exc), EXIT_INVALID)
    except StoreError as exc:
        _fail(str(exc), EXIT_FAILURE)
    finally:
        store.close()


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="creditgraph")
def main() -> None:
    """creditgraph — a dated credit relationship graph with cited, time-windowed penalty propagation."""
    try:
        load_settings()  # every variable checked before any command does anything
    except SettingsError as exc:
        _fail(str(exc), EXIT_INVALID)


@main.command()
@click.argument("files", nargs=-1, required=True)
@click.option(
    "--skip-invalid", is_flag=True, help="Import the valid records and report the rejected lines."
)
@click.option(
    "--batch-size",
    type=click.IntRange(1),
    default=50_000,
    show_default=True,
    help="Records per atomic, durable batch (a store may take fewer at a time: Neo4j "
    "10,000 nodes or links, 2,000 events).",
)
@click.option(
    "--source",
    "source",
    metavar="NAME",
    help="Read published lists (CSV or XLSX) through graph_schema/sources/NAME.yaml "
    "(court-dishonest, consumption-restriction, penalty, gsxt-lists, registry, or a city's own "
    "in $CREDITGRAPH_SOURCES) instead of JSON Lines.",
)
@click.option(
    "--encoding",
    metavar="ENCODING",
    help="With --source: the CSV files' encoding (default: detected, UTF-8 with or without "
    "BOM, else GB18030/GBK).",
)
@_store_option
def load(
    files: tuple[str, ...],
    skip_invalid: bool,
    batch_size: int,
    source: str | None,
    encoding: str | None,
    store_url: str,
) -> None:
    """Import JSON Lines files (FILE may be - for standard input), or with --source NAME
    published lists in their own columns."""
    if encoding and not source:
        _fail("--encoding applies to --source files (JSON Lines are UTF-8)", EXIT_INVALID)
    for path in files:
        if path == "-" and source:
            _fail("--source reads files, not standard input", EXIT_INVALID)
        if path != "-":
            try:
                open(path, "rb").close()
            except OSError as exc:
                _fail(f"{path}: cannot read: {exc.strerror}", EXIT_INVALID)
    # a failed load must not leave behind the store it created: an empty store at that path
    # would answer every check from no data (ALLOW) where a mistyped path is refused
    fresh = "://" not in store_url and not os.path.lexists(store_url)
    try:
        _load_into(store_url, files, skip_invalid, batch_size, source, encoding)
    except BaseException as exc:  # an exit with an error code, an interrupt, a crash
        if fresh:
            _discard_if_empty(store_url)
        if isinstance(exc, KeyboardInterrupt):  # each batch is atomic, and a reload idempotent
            _fail(
                "interrupted: the batches written before stay in the store; loading the same "
                "files again completes the load",
                EXIT_FAILURE,
            )
        raise


def _discard_if_empty(store_url: str) -> None:
    """Remove the embedded store a failed command created, if it holds nothing."""
    try:
        store = open_store(store_url, settings=load_settings(), create=False)
    except (StoreError, SettingsError):
        return
    try:
        empty = not any(store.stats(today())["nodes"].values())
    finally:
        store.close()
    if empty:
        from creditgraph.store.embedded import remove_store_files

        remove_store_files(store_url)


def _load_into(
    store_url: str,
    files: tuple[str, ...],
    skip_invalid: bool,
    batch_size: int,
    source: str | None,
    encoding: str | None,
) -> None:
    from creditgraph.ingest.loader import load as load_records
    from creditgraph.ingest.loader import read_lines

    with _opened(store_url, create=True) as store:
        if source:
            result = _load_source(source, files, store, encoding, skip_invalid, batch_size)
        else:
            result = load_records(
                read_lines(files),
                store,
                skip_invalid=skip_invalid,
                batch_size=batch_size,
                progress=True,
            )
        for warning in result.warnings:
            click.echo(f"warning: {warning}", err=True)
        for error in result.errors[:1000]:
            click.echo(str(error), err=True)
        if len(result.errors) > 1000:
            click.echo(f"… and {len(result.errors) - 1000} more errors", err=True)
        if result.errors and not skip_invalid:
            what = "row(s) or record(s)" if source else "record(s)"
            _fail(
                f"{len(result.errors)} invalid {what}: nothing was imported "
                "(fix them, or use --skip-invalid)",
                EXIT_INVALID,
            )
        report = result.report
        kinds = sorted(set(report.created) | set(report.updated) | set(report.unchanged))
        for kind in kinds:
            click.echo(
                f"{kind}: {report.created[kind]} created, {report.updated[kind]} updated, "
                f"{report.unchanged[kind]} unchanged"
            )
        click.echo(
            f"restrictions derived: {report.restrictions} "
            f"(from {report.events_rederived} event(s) re-derived)"
        )
        if result.errors:
            listed = "listed above" if len(result.errors) <= 1000 else "the first 1000 listed above"
            click.echo(f"rejected: {len(result.errors)} record(s) ({listed})")
        checkpoint = getattr(store, "checkpoint", None)
        if checkpoint is not None:
            checkpoint()


def _load_source(
    source: str,
    files: tuple[str, ...],
    store: GraphStore,
    encoding: str | None,
    skip_invalid: bool,
    batch_size: int,
) -> Any:
    from creditgraph.sources.loading import load_source
    from creditgraph.sources.reading import SourceFileError

    try:
        loaded = load_source(
            source,
            files,
            store,
            encoding=encoding,
            skip_invalid=skip_invalid,
            batch_size=batch_size,
            progress=True,
        )
    except SourceFileError as exc:
        _fail(str(exc), EXIT_INVALID)
    except SchemaError as exc:
        _fail(f"source {source}: {exc}", EXIT_INVALID)
    for path, used in loaded.encodings.items():
        click.echo(f"{path}: {used or 'xlsx'}", err=True)
    click.echo(f"rows read: {loaded.rows}")
    return loaded.result


def _print_decision(decision: Decision, as_json: bool) -> None:
    if as_json:
        _print_json(decision.to_json())
        return
    what = f"as {decision.role}" if decision.activity is None else f"for {decision.activity}"
    who = decision.subject or "(no registry person holds that number)"
    click.echo(f"{decision.decision.value}  {who} {what} on {decision.on}")
    for reason in decision.reasons:
        r = reason.restriction
        until = r.until.isoformat() if r.until else "until lifted"
        click.echo(f"  - {r.measure} {r.start} → {until} [{r.certainty.value}] rule {r.rule}")
        click.echo(f"    {r.legal_basis}")
        if reason.is_fact:
            click.echo(f"    fact  {r.event_kind} of {r.event_subject}")
        else:
            click.echo(
                f"    event {r.event_id} {r.event_kind} on {r.event_subject} ({r.event_date})"
            )
        click.echo(f"    path  {_path_text(r.to_json(dt.date.min)['path'])}")
        if r.note:
            click.echo(f"    why review: {r.note}")
        if reason.record_state:
            click.echo(f"    record: {reason.record_state} (objection {r.objection})")
        if reason.identity is not None:
            click.echo(f"    via   {reason.identity.entry} [{reason.identity.certainty.value}]")
            for line in reason.identity.evidence:
                click.echo(f"          - {line}")


def _path_text(path: list[dict[str, Any]]) -> str:
    parts = []
    for step in path:
        if "node" in step:
            parts.append(step["node"])
        else:
            span = f"{step.get('valid_from') or '?'}..{step.get('valid_to') or ''}"
            parts.append(f"-[{step['rel']} {span}]-")
    return " ".join(parts)


@main.command()
@click.argument("person_id", required=False)
@click.option(
    "--id-number",
    help="Check by resident identity number instead of PERSON_ID (never printed back).",
)
@click.option("--name", help="The name that goes with --id-number.")
@click.option("--role", required=True, type=click.Choice(list(default_schema().roles)))
@click.option("--enterprise", "enterprise_id", help="The enterprise of the appointment.")
@click.option("--on", "on", type=DATE, help="The day asked about (default today).")
@_json_option
@_store_option
def check(
    person_id: str | None,
    id_number: str | None,
    name: str | None,
    role: str,
    enterprise_id: str | None,
    on: dt.date | None,
    as_json: bool,
    store_url: str,
) -> None:
    """May PERSON_ID (or the holder of --id-number) be appointed to ROLE on a day? ALLOW,
    REVIEW or DENY, with reasons. By identity number, published entries compatible with
    the number (and name) are weighed too: REVIEW, naming the entry and the evidence."""
    if (person_id is None) == (id_number is None):
        _fail("give exactly one of PERSON_ID and --id-number", EXIT_INVALID)
    if name is not None and id_number is None:
        _fail("--name goes with --id-number", EXIT_INVALID)
    with _opened(store_url) as store:
        decisions = Decisions(store)
        if id_number is not None:
            decision = decisions.check_appointment_by_number(
                id_number, role, name=name, enterprise_id=enterprise_id, on=on or today()
            )
        else:
            assert person_id is not None
            decision = decisions.check_appointment(
                person_id, role, enterprise_id=enterprise_id, on=on or today()
            )
        _print_decision(decision, as_json)


@main.command()
@click.argument("entry_id")
@click.argument("person_id")
@click.option("--same", is_flag=True, help="They are the same person.")
@click.option("--different", is_flag=True, help="They are not.")
@click.option("--unsure", is_flag=True, help="Cannot tell: keep it under review.")
@click.option("--why", help="The reason (the document seen, the call made).")
@click.option("--by", "judged_by", default=None, help="Who judges (default: $USER).")
@_json_option
@_store_option
def judge(
    entry_id: str,
    person_id: str,
    same: bool,
    different: bool,
    unsure: bool,
    why: str | None,
    judged_by: str | None,
    as_json: bool,
    store_url: str,
) -> None:
    """Record a steward's verdict on a published entry (lp:…) and a registry person.

    --same confirms the reach (REVIEW becomes DENY where a measure bars); --different
    removes it for good (re-loading the list does not bring it back); --unsure keeps it
    under review. Durable, exported with the graph; re-derives in the same transaction."""
    # one verdict: two would leave the record to whichever flag came last
    given = [
        name
        for name, flag in (("same", same), ("different", different), ("unsure", unsure))
        if flag
    ]
    if len(given) != 1:
        _fail("give one of --same, --different, --unsure", EXIT_INVALID)
    (verdict,) = given
    from creditgraph.identity.resolution import judge as record_judgement

    who = judged_by or os.environ.get("USER") or "steward"
    with _opened(store_url) as store:
        resolution, report = record_judgement(
            store, entry_id, person_id, verdict, why=why, judged_by=who, on=today()
        )
        if as_json:
            _print_json({**resolution.to_json(), "restrictions_derived": report.restrictions})
            return
        click.echo(f"{entry_id}: {resolution.outcome}")
        for candidate in resolution.candidates:
            click.echo(f"  candidate {candidate.person} [{candidate.certainty.value}]")
            for line in candidate.evidence:
                click.echo(f"    - {line}")
        for person, reason in resolution.excluded:
            click.echo(f"  excluded {person}: {reason}")


@main.command("resolution-queue")
@click.option("--on", "on", type=DATE, help="Measures in force on this day (default today).")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@_json_option
@_store_option
def resolution_queue_command(on: dt.date | None, limit: int, as_json: bool, store_url: str) -> None:
    """Published entries still to be judged, most consequential first, with the evidence."""
    from creditgraph.identity.resolution import resolution_queue

    with _opened(store_url) as store:
        found = resolution_queue(store, on=on or today(), limit=limit)
        if as_json:
            _print_json([r.to_json() for r in found])
            return
        for resolution in found:
            click.echo(f"{resolution.entry.id} {resolution.entry.name}: {resolution.outcome}")
            for candidate in resolution.candidates:
                click.echo(f"  candidate {candidate.person} [{candidate.certainty.value}]")
                for line in candidate.evidence:
                    click.echo(f"    - {line}")


@main.command()
@click.argument("subject_id")
@click.option("--activity", required=True, type=click.Choice(list(default_schema().activities)))
@click.option("--on", "on", type=DATE, help="The day asked about (default today).")
@_json_option
@_store_option
def eligibility(
    subject_id: str, activity: str, on: dt.date | None, as_json: bool, store_url: str
) -> None:
    """May SUBJECT_ID take part in an activity on a day?"""
    with _opened(store_url) as store:
        decision = Decisions(store).check_eligibility(subject_id, activity, on=on or today())
        _print_decision(decision, as_json)


@main.command()
@click.option("--subject", help="Only restrictions on this subject.")
@click.option("--on", "on", type=DATE, help="Only those in force on this day.")
@_json_option
@_store_option
def restrictions(subject: str | None, on: dt.date | None, as_json: bool, store_url: str) -> None:
    """Derived restrictions, with their status as of today."""
    with _opened(store_url) as store:
        if subject is not None:
            node = stored_or_alias(store, subject)  # an alias: its person's restrictions
            if node is None:
                raise missing(subject)
            subject = node.id
        found = store.restrictions(subject=subject, active_on=on)
        now = today()
        if as_json:
            _print_json([r.to_json(now) for r in found])
            return
        for r in found:
            until = r.until.isoformat() if r.until else "open"
            click.echo(
                f"{r.status_on(now).value:6} {r.subject} {r.measure} {r.start}..{until} "
                f"[{r.certainty.value}] {r.rule} ← {r.event_id}"
            )


@main.command("subject-access")
@click.argument("subject_id")
@_store_option
def subject_access(subject_id: str, store_url: str) -> None:
    """A person's or enterprise's own credit record (信用信息主体查询本人信息), as JSON: its
    links, events (repaired, void or under objection, marked), and restrictions."""
    from creditgraph.subject_access import subject_record

    with _opened(store_url) as store:
        _print_json(subject_record(store, subject_id, today()))


@main.command()
@click.option("--on", "on", type=DATE, help="The day (default today).")
@_json_option
@_store_option
def conflicts(on: dt.date | None, as_json: bool, store_url: str) -> None:
    """People holding an office that an active restriction bars: an appointment made while
    barred is void (APPOINTMENT_VOID); a bar arising during the term means removal (MUST_REMOVE)."""
    with _opened(store_url) as store:
        day = on or today()
        found = Decisions(store).conflicts(on=day)
        if as_json:
            _print_json([c.to_json(day) for c in found])
            return
        for c in found:
            r = c.restriction
            click.echo(
                f"{c.kind}: {c.link.src} is {c.link.rel} of {c.link.dst} but {r.measure} "
                f"({r.rule}, until {r.until or 'lifted'}) ← {r.event_id}; {c.legal_basis}"
            )
        click.echo(f"{len(found)} conflict(s) on {day}")


@main.command()
@_json_option
@_store_option
def stats(as_json: bool, store_url: str) -> None:
    """Counts of nodes by kind, links by rel, events by kind, restrictions by status."""
    with _opened(store_url) as store:
        counts = store.stats(today())
        if as_json:
            _print_json(counts)
            return
        for section, values in counts.items():
            click.echo(f"{section}: {sum(values.values())}")
            for key, value in sorted(values.items()):
                click.echo(f"  {key}: {value}")


@main.command()
@_store_option
def recompute(store_url: str) -> None:
    """Derive every restriction again from the events (equals incremental maintenance)."""
    from tqdm import tqdm

    with _opened(store_url) as store:
        bar = tqdm(desc="recompute", unit=" events", file=sys.stderr, disable=None)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        started = dt.datetime.now()
        report = store.recompute(progress)
        bar.close()
        seconds = (dt.datetime.now() - started).total_seconds()
        click.echo(
            f"recomputed {report.restrictions} restrictions from "
            f"{report.events_rederived} events in {seconds:.2f} s"
        )


@main.command()
@click.option(
    "--restrictions",
    "with_restrictions",
    is_flag=True,
    help="Also write the derived restrictions (type: restriction; not re-importable).",
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Default: stdout."
)
@_store_option
def export(with_restrictions: bool, output: str | None, store_url: str) -> None:
    """Write the whole graph as contract JSON Lines (so `export | load` moves a store)."""
    with _opened(store_url) as store, ExitStack() as stack:
        handle = stack.enter_context(_output(output)) if output else sys.stdout
        for record in store.export(restrictions=with_restrictions, today=today()):
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def _output(path: str) -> Any:
    """The output file, opened before any work: a missing folder is an operational failure
    named in one line, not a traceback after the work is done."""
    try:
        return open(path, "w", encoding="utf-8")
    except OSError as exc:
        _fail(f"{path}: cannot write: {exc.strerror or exc}", EXIT_FAILURE)


@main.command()
@_store_option
def init(store_url: str) -> None:
    """Create the store (and, on Neo4j, its constraints and indexes) if needed."""
    with _opened(store_url, create=True) as store:
        click.echo(f"store ready: {store_url} (data version {store.data_version()})")


@main.command()
@_store_option
def migrate(store_url: str) -> None:
    """Upgrade a store written by an older creditgraph to this version's layout."""
    from creditgraph.migrations import CURRENT

    with _opened(store_url, migrating=True) as store:
        before = store.schema_version()
        steps = store.migrate()
        for step in steps:
            click.echo(f"migrated to schema version {step}")
        if not steps:
            click.echo(f"{store_url}: already at schema version {CURRENT} (was {before})")
        else:
            click.echo(f"{store_url}: now at schema version {CURRENT}")


@main.command()
@click.argument("output", default="-")
@click.option(
    "--size",
    default="S",
    show_default=True,
    help="S (≈10k links), M (≈1M), L (≈10M) or a number of links.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same bytes.")
@click.option(
    "--sources",
    "sources_dir",
    metavar="DIR",
    help="Also write the published lists about this registry (court-dishonest, "
    "consumption-restriction, penalty, gsxt-lists, registry) into DIR, with truth.csv "
    "naming each row's true party. Needs OUTPUT to be a file.",
)
@click.option(
    "--source-rows",
    type=click.IntRange(1),
    help="Person rows per list (default: one per ten persons with an identity number).",
)
def generate(
    output: str, size: str, seed: int, sources_dir: str | None, source_rows: int | None
) -> None:
    """Write a synthetic registry with the shape of a real one, as contract JSON Lines.

    OUTPUT is a file path, or - for standard output.
    """
    from creditgraph.synth.generator import generate as generate_registry

    if sources_dir and output == "-":
        _fail("--sources reads the registry back: give OUTPUT as a file, not -", EXIT_INVALID)

    try:
        summary = generate_registry(
            sys.stdout if output == "-" else output, size, seed, progress=output != "-"
        )
    except ValueError as exc:
        _fail(str(exc), EXIT_INVALID)
    except OSError as exc:  # a missing folder, a full disk: the operator's to fix
        _fail(f"{exc.filename or output}: cannot write: {exc.strerror or exc}", EXIT_FAILURE)
    if output != "-":
        click.echo(
            f"{output}: {summary.total_nodes} nodes, {summary.total_links} links, "
            f"{sum(summary.events.values())} events in {summary.seconds:.1f} s",
            err=True,
        )
    if sources_dir:
        from creditgraph.synth.sources import write_sources

        written = write_sources(output, sources_dir, seed, source_rows)
        for name, count in sorted(written.rows.items()):
            click.echo(f"{sources_dir}/{name}: {count} rows", err=True)
        patterns = ", ".join(f"{p} {n}" for p, n in sorted(written.patterns.items()))
        click.echo(
            f"person rows by pattern: {patterns}; same-name strangers: {written.strangers}",
            err=True,
        )


main.add_command(serve)
main.add_command(demo)

# the monitoring commands use the options above, so they are imported once these exist
from creditgraph.monitoring.cli import COMMANDS as _MONITORING_COMMANDS  # noqa: E402

for _command in _MONITORING_COMMANDS:
    main.add_command(_command)

if __name__ == "__main__":  # pragma: no cover
    main()
