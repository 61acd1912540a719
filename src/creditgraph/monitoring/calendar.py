"""Changes the calendar makes: a restriction or incentive that begins on a later day, or
runs out (its ``until`` is the last day it applies — 民法典 第二百零一条/第二百零三条
count a period to the end of its last day — so the answer changes on ``until`` + 1).

No write happens on those days, so :func:`creditgraph.monitoring.react.react` never sees
them. :class:`Calendar` looks, once a day, at the watched parties (the targets of active
watches and the office holders of watched enterprises) whose restrictions begin or end
after the day it last ran and no later than today, and puts a change into the feed for
each whose standing differs — with its alerts and removal notices, the same outbox the
writes use.

Exactly once per crossing: the day the step ran is kept as a ``calendar`` record written in
the same transaction as the changes it found, and that transaction also raises the data
version — only if it is still the one the changes were judged at. A second run the same day,
or a run racing another process, finds the day done; a run killed before its commit left
nothing and is simply done again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from creditgraph.domain.model import Link, Restriction
from creditgraph.monitoring.react import (
    ALERT,
    ALL,
    CHANGE,
    NOTICE,
    OFFICE_HOLDERS,
    SUBJECT,
    WATCH,
    attach_inboxes,
    change_kind,
    change_record,
    describe,
    outbox,
    standing,
)
from creditgraph.store.base import IN, GraphStore, MonitorRecord, StoreError

CALENDAR = "calendar"  # the monitor records that say through which day the step has run
ACTIVE = "ACTIVE"
log = logging.getLogger("creditgraph.monitoring")


@dataclass(frozen=True)
class CalendarRun:
    """What one run of the calendar step did."""

    today: dt.date
    since: dt.date | None  # the day it last ran (None: never — only today is looked at)
    changes: int
    alerts: int
    notices: int
    data_version: str
    already_done: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "since": self.since.isoformat() if self.since else None,
            "changes": self.changes,
            "alerts": self.alerts,
            "notices": self.notices,
            "data_version": self.data_version,
            "already_done": self.already_done,
        }


def crossings(r: Restriction, after: dt.date, through: dt.date) -> list[tuple[dt.date, str]]:
    """The days in (after, through] on which the restriction begins or has run out."""
    found = []
    if after < r.start <= through:
        found.append((r.start, "begins"))
    if r.until is not None:
        ended = r.until + dt.timedelta(days=1)
        if after < ended <= through and r.start <= r.until:
            found.append((ended, "ran out"))
    return found


class _Outbox:
    """The store read as :class:`creditgraph.monitoring.react.OutboxView`, with the active
    watches read once."""

    def __init__(self, store: GraphStore, watches: Sequence[MonitorRecord]) -> None:
        self.store = store
        self.by_target: dict[str, list[MonitorRecord]] = defaultdict(list)
        for w in watches:
            if w.subject:
                self.by_target[w.subject].append(w)

    def links_of(self, node_id: str, rels: frozenset[str], direction: str) -> list[Link]:
        return self.store.links([node_id], rels=rels, direction=direction)

    def watches_on(self, targets: Sequence[str]) -> list[MonitorRecord]:
        return [w for t in targets for w in self.by_target.get(t, ())]


class Calendar:
    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.schema = store.schema

    def last_run(self) -> dt.date | None:
        days = [dt.date.fromisoformat(r.id) for r in self.store.monitor_records(CALENDAR)]
        return max(days) if days else None

    def run(self, today: dt.date, *, attempts: int = 5) -> CalendarRun:
        """Judge the days after the last run through ``today``; write what changed."""
        for _ in range(attempts):
            version = self.store.data_version()
            since = self.last_run()
            if since is not None and since >= today:
                return CalendarRun(today, since, 0, 0, 0, version, already_done=True)
            after = since or today - dt.timedelta(days=1)
            new_version = int(version) + 1
            records = self._judge(after, today, new_version)
            changes = sum(1 for r in records if r.kind == CHANGE)
            cursor = MonitorRecord(
                kind=CALENDAR,
                id=today.isoformat(),
                subject=None,
                status=None,
                version=new_version if changes else int(version),
                data={"since": after.isoformat(), "through": today.isoformat(), "changes": changes},
            )
            if not changes:
                # nothing to tell: only the day is recorded, the data version stays
                self.store.add_monitor_records([cursor])
                return CalendarRun(today, since, 0, 0, 0, version)
            if self.store.publish_monitor_records([*records, cursor], expected_version=version):
                return CalendarRun(
                    today,
                    since,
                    changes,
                    sum(1 for r in records if r.kind == ALERT),
                    sum(1 for r in records if r.kind == NOTICE),
                    str(new_version),
                )
            # a write came in between: judge again on what it left
        raise StoreError(
            f"the calendar step for {today.isoformat()} gave way to other writes {attempts} "
            "times; run it again"
        )

    def _watched(self, watches: Sequence[MonitorRecord], today: dt.date) -> list[str]:
        """The parties the watches cover today: their targets, and the office holders of the
        enterprises watched with scope OFFICE_HOLDERS or ALL."""
        direct = {w.subject for w in watches if w.subject and w.data.get("scope") in (SUBJECT, ALL)}
        enterprises = sorted(
            {
                w.subject
                for w in watches
                if w.subject and w.data.get("scope") in (OFFICE_HOLDERS, ALL)
            }
        )
        holders: set[str] = set()
        if enterprises:
            roles = frozenset(self.schema.roles) & frozenset(self.schema.links)
            holders = {
                link.src
                for link in self.store.links(enterprises, rels=roles, direction=IN, as_of=today)
            }
        return sorted(direct | holders)

    def _judge(self, after: dt.date, today: dt.date, version: int) -> list[MonitorRecord]:
        watches = self.store.monitor_records(WATCH, statuses=[ACTIVE])
        if not watches:
            return []
        parties = self._watched(watches, today)
        if not parties:
            return []
        on: dict[str, list[Restriction]] = defaultdict(list)
        for r in self.store.restrictions(subjects=parties):
            on[r.subject].append(r)
        crossing = {
            s: [(r, day, how) for r in rs for day, how in crossings(r, after, today)]
            for s, rs in on.items()
        }
        crossing = {s: c for s, c in crossing.items() if c}
        if not crossing:
            return []
        reported = self._reported_between(sorted(crossing), after, today)
        nodes = self.store.nodes(sorted(crossing))
        changes: dict[str, MonitorRecord] = {}
        touched: dict[str, tuple[list[Restriction], list[Restriction]]] = {}
        for subject in sorted(crossing):
            restrictions = on[subject]
            # what the party was last told: a write since the last run reported its
            # standing on the day of the write; else the standing on the last run's day
            last = reported.get(subject)
            before = last.data["after"] if last else standing(restrictions, self.schema, after)
            now = standing(restrictions, self.schema, today)
            if _same(before, now):
                continue
            passed = crossing[subject]
            added = _unique(r for r, _, _ in passed if r.in_force_on(today))
            lifted = _unique(r for r, _, _ in passed if not r.in_force_on(today))
            kind = change_kind(before, now)
            changes[subject] = change_record(
                subject,
                nodes.get(subject),
                kind,
                (before, now),
                (added, lifted),
                _reason(kind, passed),
                version=version,
                today=today,
                cause="calendar",
            )
            touched[subject] = ([], added)
        if not changes:
            return []
        view = _Outbox(self.store, watches)
        records = list(changes.values())
        records.extend(outbox(view, self.schema, changes, touched, version=version, today=today))
        return attach_inboxes(view, records)

    def _reported_between(
        self, subjects: Sequence[str], after: dt.date, today: dt.date
    ) -> dict[str, MonitorRecord]:
        """Per party, the latest change in the feed judged in (after, today], if any."""
        latest: dict[str, MonitorRecord] = {}
        first, last = after.isoformat(), today.isoformat()
        for record in self.store.monitor_records(CHANGE, subjects=subjects):
            if record.subject and first < record.data.get("on", "") <= last:
                latest[record.subject] = record  # seq order: the last one wins
        return latest


def _same(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    keys = ("decision", "measures", "incentives", "incentives_withheld")
    return all(list(a.get(k, [])) == list(b.get(k, [])) for k in keys)


def _unique(restrictions: Any) -> list[Restriction]:
    return list({r.id: r for r in restrictions}.values())


def _reason(kind: str, passed: Sequence[tuple[Restriction, dt.date, str]]) -> str:
    parts = []
    for r, day, how in sorted(passed, key=lambda p: (p[1], p[0].id)):
        if how == "begins":
            parts.append(f"begins {day.isoformat()}: {describe(r)}")
        else:
            assert r.until is not None
            parts.append(
                f"ran out {day.isoformat()} (last day {r.until.isoformat()}): {describe(r)}"
            )
    return f"{kind} (calendar): " + "; ".join(parts)


# --- the server's daily run ---------------------------------------------------------------


def seconds_to_next_day(now: dt.datetime) -> float:
    """From ``now`` to just after the next midnight (local time, as ``dt.date.today``)."""
    tomorrow = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(0, 0, 5))
    return max(1.0, (tomorrow - now).total_seconds())


async def _wait_for_next_day() -> None:
    await asyncio.sleep(seconds_to_next_day(dt.datetime.now()))


class DailyCalendar:
    """The calendar step inside ``creditgraph serve``: once at start, then once a day, as
    an asyncio task (the store work runs in a thread). ``today`` and ``wait`` are given by
    tests, which drive the days themselves."""

    def __init__(
        self,
        store: GraphStore,
        *,
        today: Callable[[], dt.date],
        wait: Callable[[], Awaitable[None]] = _wait_for_next_day,
        on_run: Callable[[CalendarRun], None] | None = None,
    ) -> None:
        self.calendar = Calendar(store)
        self.today = today
        self.wait = wait
        self.on_run = on_run
        self.task: asyncio.Task[None] | None = None
        # its own thread, so that stopping can wait for a run in flight: the server closes
        # the store right after (a Neo4j run left going would hang the process's exit)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="creditgraph-calendar")

    async def run_forever(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            day = self.today()
            try:
                done = await loop.run_in_executor(self._pool, self.calendar.run, day)
            except StoreError as exc:  # the store is back later: the next day judges both
                log.warning("calendar step for %s: %s", day.isoformat(), exc)
            else:
                if done.changes:
                    log.info(
                        "calendar step for %s: %d changes, %d alerts",
                        day.isoformat(),
                        done.changes,
                        done.alerts,
                    )
                if self.on_run is not None:
                    self.on_run(done)
            await self.wait()

    def start(self) -> None:
        """Start the task on the running event loop (the server's lifespan)."""
        if self.task is None:
            self.task = asyncio.get_running_loop().create_task(
                self.run_forever(), name="creditgraph-calendar"
            )

    def stop(self) -> None:
        """Cancel the task and wait for a run in flight to commit or fail."""
        if self.task is not None:
            self.task.cancel()
            self.task = None
        self._pool.shutdown(wait=True)


class Workers:
    """The server's monitoring workers, started and stopped together by its lifespan: the
    outbox deliverer (a thread) and the daily calendar step (an asyncio task)."""

    def __init__(self, deliverer: Any, calendar: DailyCalendar) -> None:
        self.deliverer = deliverer
        self.calendar = calendar

    def start(self) -> None:
        self.calendar.start()
        self.deliverer.start()

    def wake(self) -> None:
        self.deliverer.wake()

    def stop(self) -> None:
        self.calendar.stop()
        self.deliverer.stop()
