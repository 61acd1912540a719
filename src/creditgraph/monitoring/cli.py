"""The monitoring sub-commands of ``creditgraph``: grade, changes, watch, notices, feedback,
monitor (the calendar step).

Registered by ``creditgraph.cli``, whose store handling and exit codes they share (2 for
input the caller can fix, 1 for an unreachable store). ``creditgraph.cli`` is imported
when a command runs, not when this module is: it imports this module itself.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from creditgraph.monitoring.calendar import Calendar
from creditgraph.monitoring.grades import Grades
from creditgraph.monitoring.service import SCOPES, Monitoring, public_watch
from creditgraph.settings import today
from creditgraph.store.base import GraphStore

F = TypeVar("F", bound=Callable[..., Any])


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


@contextmanager
def _opened(store_url: str) -> Iterator[GraphStore]:
    from creditgraph.cli import _opened as opened

    with opened(store_url) as store:
        yield store


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.command()
@click.argument("subject_id")
@click.option("--on", "on", type=DATE, help="The day of the grade (default today).")
@_json_option
@_store_option
def grade(subject_id: str, on: dt.date | None, as_json: bool, store_url: str) -> None:
    """The credit grade (A–D) of an enterprise on a day, with its reasons and inspection ratio."""
    with _opened(store_url) as store:
        graded = Grades(store).grade(subject_id, as_of=on or today())
        if as_json:
            _print_json(graded.to_json())
            return
        click.echo(
            f"{graded.grade}  {subject_id} on {graded.as_of}: {graded.title} "
            f"(inspection ratio {graded.inspection_ratio:g})"
        )
        for reason in graded.reasons:
            click.echo(f"  - {reason.text}")


@click.command()
@click.option("--since", required=True, help='A dataVersion (a decision\'s, or "0" for all).')
@click.option("--first", type=click.IntRange(1, 10_000), default=1000, show_default=True)
@click.option("--subject", "subjects", multiple=True, help="Only changes of these parties.")
@_json_option
@_store_option
def changes(
    since: str, first: int, subjects: tuple[str, ...], as_json: bool, store_url: str
) -> None:
    """Changes of parties' restrictions committed after a data version, oldest first."""
    with _opened(store_url) as store:
        page = Monitoring(store).changes(since, first=first, subjects=list(subjects) or None)
        if as_json:
            _print_json(
                {
                    "changes": [{"id": c.id, **c.data} for c in page.records],
                    "has_more": page.has_next,
                    "data_version": store.data_version(),
                }
            )
            return
        for c in page.records:
            d = c.data
            click.echo(
                f"v{c.version} {d['subject']} {d['change']}: {d['before']['decision']} → "
                f"{d['after']['decision']} — {d['reason']}"
            )
        if page.has_next:
            click.echo(f"… more: rerun with --first larger than {first}")


@click.command()
@click.argument("target")
@click.option("--scope", type=click.Choice(SCOPES), default="SUBJECT", show_default=True)
@click.option("--owner", default=lambda: os.environ.get("USER", "cli"), show_default="$USER")
@click.option("--webhook", help="POST alerts here (HMAC-signed with the secret).")
@click.option(
    "--secret",
    envvar="CREDITGRAPH_WEBHOOK_SECRET",
    help="Signing secret (env CREDITGRAPH_WEBHOOK_SECRET).",
)
@click.option(
    "--inbox", is_flag=True, help="The webhook is TARGET's own: notices addressed to it go there."
)
@_json_option
@_store_option
def watch(
    target: str,
    scope: str,
    owner: str,
    webhook: str | None,
    secret: str | None,
    inbox: bool,
    as_json: bool,
    store_url: str,
) -> None:
    """Watch a party (or every office holder of an enterprise): its changes become alerts."""
    with _opened(store_url) as store:
        record = Monitoring(store).watch(
            target, scope=scope, owner=owner, webhook=webhook, secret=secret, inbox=inbox
        )
        if as_json:
            _print_json({"id": record.id, **public_watch(record)})
        else:
            click.echo(f"{record.id}: watching {target} ({scope}) for {owner}")


@click.command()
@click.option("--addressee", help="Only notices to this agency or enterprise.")
@click.option(
    "--overdue", is_flag=True, help="Only those past due, neither acknowledged nor withdrawn."
)
@_json_option
@_store_option
def notices(addressee: str | None, overdue: bool, as_json: bool, store_url: str) -> None:
    """Notices: derived duties to notify, and removal notices, with their status (a notice
    whose restriction was voided or ended early is WITHDRAWN, with the reason)."""
    with _opened(store_url) as store:
        found = Monitoring(store).notices(
            addressee=addressee, overdue_on=today() if overdue else None
        )
        if as_json:
            _print_json([{"id": n.id, "status": n.status, "due": n.due, **n.data} for n in found])
            return
        for n in found:
            click.echo(f"{n.id} → {n.subject}: {n.data.get('title')} [{n.status}, due {n.due}]")
            if n.data.get("withdrawn_reason"):
                click.echo(f"  withdrawn: {n.data['withdrawn_reason']}")


@click.command()
@click.argument("subject_id", required=False)
@click.option("--measure", help="The measure applied (e.g. BAR_GOV_PROCUREMENT).")
@click.option("--agency", "agency_id", help="The agency that applied it.")
@click.option("--date", "day", type=DATE, help="When it was applied.")
@click.option("--matter", help="The matter (e.g. 政府采购资格审查).")
@click.option("--case-number", help="The agency's case or file number.")
@click.option("--data-version", help="The dataVersion of the decision acted on.")
@click.option("--reported-by", default=lambda: os.environ.get("USER", "cli"), show_default="$USER")
@click.option("--counts", is_flag=True, help="Print counts by measure, agency and month instead.")
@_json_option
@_store_option
def feedback(
    subject_id: str | None,
    measure: str | None,
    agency_id: str | None,
    day: dt.date | None,
    matter: str | None,
    case_number: str | None,
    data_version: str | None,
    reported_by: str,
    counts: bool,
    as_json: bool,
    store_url: str,
) -> None:
    """Report what was done with a decision (反馈), or print the feedback counts."""
    with _opened(store_url) as store:
        monitoring = Monitoring(store)
        if counts:
            rows = monitoring.feedback_counts()
            if as_json:
                _print_json(rows)
            for row in [] if as_json else rows:
                click.echo(f"{row['month']}  {row['agency']}  {row['measure']}: {row['count']}")
            return
        missing = [
            name
            for name, value in (
                ("SUBJECT_ID", subject_id),
                ("--measure", measure),
                ("--agency", agency_id),
                ("--date", day),
                ("--matter", matter),
                ("--data-version", data_version),
            )
            if value is None
        ]
        if missing:
            raise click.UsageError(f"missing {', '.join(missing)} (or give --counts)")
        assert subject_id and measure and agency_id and day and matter and data_version
        record = monitoring.record_feedback(
            subject=subject_id,
            measure=measure,
            agency=agency_id,
            date=day,
            matter=matter,
            case_number=case_number,
            data_version=data_version,
            by=reported_by,
        )
        if as_json:
            _print_json({"id": record.id, **record.data})
        else:
            click.echo(f"{record.id}: feedback recorded (data version {data_version})")


@click.command()
@click.option(
    "--today", "day", type=DATE, help="The day to judge (default today, or CREDITGRAPH_TODAY)."
)
@_json_option
@_store_option
def monitor(day: dt.date | None, as_json: bool, store_url: str) -> None:
    """The calendar step: changes of watched parties made by the calendar alone (a bar that
    begins, or runs out after its last day) since the step last ran, into the feed and the
    outbox. `creditgraph serve` runs it at start and once a day; running it twice for a day
    changes nothing."""
    with _opened(store_url) as store:
        done = Calendar(store).run(day or today())
        if as_json:
            _print_json(done.to_json())
            return
        if done.already_done:
            click.echo(f"calendar: {done.today} was already judged (last run {done.since})")
            return
        since = done.since.isoformat() if done.since else "never (only today judged)"
        click.echo(
            f"calendar: {done.today} judged (last run {since}): {done.changes} changes, "
            f"{done.alerts} alerts, {done.notices} notices (data version {done.data_version})"
        )


COMMANDS: tuple[click.Command, ...] = (grade, changes, watch, notices, feedback, monitor)
