"""Benchmark of the calendar step (not a test):
``python -m benchmarks.calendar_step --store PATH --first 2026-10-01 --days 10``.

On a store with watches (e.g. the one ``benchmarks.monitoring`` leaves behind: size M,
15 015 enterprises watched with scope ALL), for each day in turn, interleaved:

- ``calendar``: :class:`creditgraph.monitoring.calendar.Calendar` judges the day (the
  watched parties whose restrictions begin or run out that day) and writes the changes,
  alerts and notices;
- ``recheck`` (the competitor: what a client without the step would run): every watched
  office holder checked for DIRECTOR on the day before and on the day, with the batched
  check (``Decisions.check_appointments``: three store reads for the whole batch), and the
  verdicts compared.

The store is copied first (the step writes). Prints one JSON object with the seconds per
day of each, what each found, and the machine's load average.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from creditgraph.monitoring.calendar import Calendar
from creditgraph.monitoring.react import WATCH
from creditgraph.schema import default_schema
from creditgraph.service.decisions import Decisions
from creditgraph.store.base import IN
from creditgraph.store.embedded import EmbeddedStore


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, help="An embedded store with watches.")
    parser.add_argument("--first", default="2026-10-01", help="The first day judged.")
    parser.add_argument("--days", type=int, default=10)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="calendar-bench-"))
    path = folder / "store.db"
    shutil.copy(args.store, path)
    store = EmbeddedStore(path, default_schema(), migrating=True)
    store.migrate()  # a store left by an older creditgraph is brought up to date first
    try:
        first = dt.date.fromisoformat(args.first)
        watches = store.monitor_records(WATCH, statuses=["ACTIVE"])
        enterprises = sorted({w.subject for w in watches if w.subject})
        roles = frozenset(store.schema.roles) & frozenset(store.schema.links)
        holders = sorted(
            {link.src for link in store.links(enterprises, rels=roles, direction=IN, as_of=first)}
        )
        calendar = Calendar(store)
        calendar.run(first - dt.timedelta(days=1))  # the cursor: the day before the first
        decisions = Decisions(store)
        rows: list[dict[str, Any]] = []
        for n in range(args.days):
            day = first + dt.timedelta(days=n)
            started = time.perf_counter()
            done = calendar.run(day)
            step_s = time.perf_counter() - started
            started = time.perf_counter()
            before = decisions.check_appointments(
                [(p, "DIRECTOR", None, day - dt.timedelta(days=1)) for p in holders]
            )
            after = decisions.check_appointments([(p, "DIRECTOR", None, day) for p in holders])
            changed = sum(1 for b, a in zip(before, after, strict=True) if b.decision != a.decision)
            recheck_s = time.perf_counter() - started
            rows.append(
                {
                    "day": day.isoformat(),
                    "calendar_s": round(step_s, 3),
                    "calendar_changes": done.changes,
                    "calendar_alerts": done.alerts,
                    "recheck_s": round(recheck_s, 3),
                    "recheck_verdicts_changed": changed,
                    "load_average": [round(x, 2) for x in os.getloadavg()],
                }
            )
            print(json.dumps(rows[-1]), flush=True)
        print(
            json.dumps(
                {
                    "watches": len(watches),
                    "watched_enterprises": len(enterprises),
                    "office_holders": len(holders),
                    "days": args.days,
                    "calendar_s_median": statistics.median(r["calendar_s"] for r in rows),
                    "recheck_s_median": statistics.median(r["recheck_s"] for r in rows),
                    "calendar_changes": sum(r["calendar_changes"] for r in rows),
                    "calendar_alerts": sum(r["calendar_alerts"] for r in rows),
                    "recheck_verdicts_changed": sum(r["recheck_verdicts_changed"] for r in rows),
                    "load_average": [round(x, 2) for x in os.getloadavg()],
                },
                indent=2,
            )
        )
    finally:
        store.close()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
