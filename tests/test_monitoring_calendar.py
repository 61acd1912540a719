"""The calendar step on both stores: a watched party's answer changes when a bar runs out
(the day after its last day, 民法典 第二百零三条) or a bar recorded ahead of time begins —
with no write — and the watcher is told once, whatever the step is run how often."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import signal
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from creditgraph.cli import main
from creditgraph.monitoring.calendar import CALENDAR, Calendar, DailyCalendar, Workers
from creditgraph.monitoring.react import ALERT, NOTICE, OFFICE_HOLDERS
from creditgraph.monitoring.service import Monitoring
from creditgraph.schema import default_schema
from creditgraph.store.base import GraphStore, StoreError
from creditgraph.store.embedded import EmbeddedStore
from scenario import day, enterprise, event, link, load_records, person, uscc
from support.stores import TEST_ID_KEY
from test_local_rules import FOOD_RULES
from test_outbox_delivery import SECRET, Receiver, _serve

E = uscc("calendar revoked co")
OTHER = uscc("calendar other co")


def _revoked_in_2021(store: GraphStore) -> None:
    """张三 was legal representative of a firm whose licence was revoked on 2021-06-30: barred
    from the offices of 公司法 第一百七十八条第一款第四项 for three years — through 2024-06-30."""
    load_records(
        store,
        [
            enterprise(E, "上海某某贸易有限公司"),
            enterprise(OTHER, "上海另一有限公司"),
            person("p:zhang", "张三"),
            link("LEGAL_REPRESENTATIVE", "p:zhang", E, "2016-01-01"),
            event("ev:revoked", "LICENSE_REVOKED", E, "2021-06-30", responsible=["p:zhang"]),
        ],
    )


def _listed_from_2026_07_01() -> dict:
    """A court's listing of the director as a dishonest debtor, effective 2026-07-01 for two
    years (公司法 第一百七十八条第一款第五项 bars him from office meanwhile)."""
    return event(
        "ev:debtor",
        "DISHONEST_DEBTOR_LISTED",
        "p:director",
        "2026-07-01",
        ground="unpaid_debt",
        until="2028-06-30",
    )


def _alerts(store: GraphStore) -> list:
    return store.monitor_records(ALERT)


def test_three_year_bar_from_2021_06_30_alerts_the_watcher_on_2024_07_01_not_before(
    any_store: GraphStore,
) -> None:
    any_store.pinned_today = day("2024-06-01")  # type: ignore[attr-defined]
    _revoked_in_2021(any_store)
    watch = Monitoring(any_store).watch("p:zhang", owner="bank")
    calendar = Calendar(any_store)
    assert calendar.run(day("2024-06-01")).changes == 0  # the first run: only today judged
    assert calendar.run(day("2024-06-30")).changes == 0  # the last day of the bar
    assert _alerts(any_store) == []
    version = any_store.data_version()

    done = calendar.run(day("2024-07-01"))

    assert (done.changes, done.alerts, done.since) == (1, 1, day("2024-06-30"))
    # a change the calendar made is a write of its own: a reader at the old version sees it
    assert int(any_store.data_version()) == int(version) + 1
    (change,) = Monitoring(any_store).changes(version, first=10).records
    assert change.subject == "p:zhang" and change.data["on"] == "2024-07-01"
    assert change.data["change"] == "RESTORED"
    assert change.data["before"]["decision"] == "DENY"
    assert "BAR_LEGAL_REPRESENTATIVE" in change.data["before"]["measures"]
    assert change.data["after"]["decision"] == "ALLOW"
    assert change.data["after"]["measures"] == []
    assert {m["until"] for m in change.data["lifted"]} == {"2024-06-30"}
    assert "ran out 2024-07-01 (last day 2024-06-30)" in change.data["reason"]
    assert "company-law-178-4" in change.data["reason"]
    (alert,) = _alerts(any_store)
    assert alert.data["watch"] == watch.id and alert.data["change"] == change.data

    # run again the same day, or the next: nothing more
    again = calendar.run(day("2024-07-01"))
    assert again.already_done and again.changes == 0
    assert calendar.run(day("2024-07-02")).changes == 0
    assert len(_alerts(any_store)) == 1
    assert len(Monitoring(any_store).changes(version, first=10).records) == 1
    assert any_store.data_version() == str(int(version) + 1)


def test_a_step_that_missed_days_reports_the_expiry_once_when_it_runs_again(
    any_store: GraphStore,
) -> None:
    any_store.pinned_today = day("2024-06-01")  # type: ignore[attr-defined]
    _revoked_in_2021(any_store)
    Monitoring(any_store).watch(
        "p:zhang", owner="bank", webhook="https://bank.example/hook", secret="s" * 16
    )
    calendar = Calendar(any_store)
    calendar.run(day("2024-06-20"))
    version = any_store.data_version()
    # the server was down from 2024-06-21 to 2024-07-09
    done = calendar.run(day("2024-07-10"))
    assert (done.changes, done.alerts) == (1, 1)
    (change,) = Monitoring(any_store).changes(version, first=10).records
    assert change.data["on"] == "2024-07-10"
    assert "ran out 2024-07-01 (last day 2024-06-30)" in change.data["reason"]
    # waiting in the outbox for the webhook, like a write's alert
    (alert,) = _alerts(any_store)
    assert alert.status == "PENDING" and alert.data["webhook"] == "https://bank.example/hook"


def test_calendar_step_killed_before_its_commit_is_done_again_and_told_once(
    any_store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    any_store.pinned_today = day("2024-06-01")  # type: ignore[attr-defined]
    _revoked_in_2021(any_store)
    Monitoring(any_store).watch("p:zhang", owner="bank")
    calendar = Calendar(any_store)
    calendar.run(day("2024-06-30"))
    publish = any_store.publish_monitor_records

    def killed(*args: object, **kwargs: object) -> bool:
        raise StoreError("the connection to the store was lost")

    monkeypatch.setattr(any_store, "publish_monitor_records", killed)
    with pytest.raises(StoreError):
        calendar.run(day("2024-07-01"))
    assert _alerts(any_store) == []
    assert calendar.last_run() == day("2024-06-30")  # the day is not recorded as done

    monkeypatch.setattr(any_store, "publish_monitor_records", publish)
    assert calendar.run(day("2024-07-01")).alerts == 1
    assert calendar.run(day("2024-07-01")).alerts == 0
    assert len(_alerts(any_store)) == 1
    assert [r.id for r in any_store.monitor_records(CALENDAR)] == ["2024-06-30", "2024-07-01"]


def test_calendar_step_gives_way_to_a_write_between_judging_and_committing(
    any_store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two processes: a load commits while the step judges. The step judges again on what
    the load left and the watcher is told once, by the change that tells it right."""
    any_store.pinned_today = day("2024-06-01")  # type: ignore[attr-defined]
    _revoked_in_2021(any_store)
    Monitoring(any_store).watch("p:zhang", owner="bank")
    calendar = Calendar(any_store)
    calendar.run(day("2024-06-30"))
    version = any_store.data_version()
    judge = calendar._judge
    calls = []

    def judged_while_a_load_commits(*args: object) -> list:
        found = judge(*args)  # type: ignore[arg-type]
        if not calls:
            load_records(any_store, [person("p:other", "李四")])  # another process's write
        calls.append(found)
        return found

    monkeypatch.setattr(calendar, "_judge", judged_while_a_load_commits)
    done = calendar.run(day("2024-07-01"))
    assert len(calls) == 2 and done.changes == 1
    assert len(_alerts(any_store)) == 1
    (change,) = Monitoring(any_store).changes(version, first=10).records
    assert change.subject == "p:zhang"
    assert change.version == int(any_store.data_version()) == int(version) + 2


def test_bar_recorded_ahead_of_time_alerts_when_it_begins_and_asks_removal(
    any_store: GraphStore,
) -> None:
    """A court lists a director as a dishonest debtor with effect from 2026-07-01, recorded on
    2026-06-01. The write tells the watchers nothing has changed yet; the day it begins, the
    enterprise watching its office holders is alerted and asked to remove him
    (公司法 第一百七十八条第三款)."""
    any_store.pinned_today = day("2026-06-01")  # type: ignore[attr-defined]
    load_records(
        any_store,
        [
            enterprise(OTHER, "上海另一有限公司"),
            person("p:director", "李四"),
            link("DIRECTOR", "p:director", OTHER, "2025-01-01"),
        ],
    )
    watch = Monitoring(any_store).watch(OTHER, scope=OFFICE_HOLDERS, owner="hr-system")
    calendar = Calendar(any_store)
    calendar.run(day("2026-06-01"))
    load_records(
        any_store,
        [_listed_from_2026_07_01()],
    )
    written = [a.data["change"] for a in _alerts(any_store)]
    assert [c["after"]["decision"] for c in written] == ["ALLOW"]  # not yet in force
    assert [n for n in any_store.monitor_records(NOTICE) if n.data["notice"] == "REMOVAL"] == []
    assert calendar.run(day("2026-06-30")).changes == 0

    done = calendar.run(day("2026-07-01"))

    assert (done.changes, done.alerts, done.notices) == (1, 1, 1)
    alert = _alerts(any_store)[-1]
    assert alert.data["watch"] == watch.id
    assert alert.data["via"] == {"role": "DIRECTOR", "enterprise": OTHER}
    change = alert.data["change"]
    assert change["change"] == "RESTRICTED" and change["after"]["decision"] == "DENY"
    assert "BAR_DIRECTOR" in change["after"]["measures"]
    assert "begins 2026-07-01" in change["reason"]
    (removal,) = [n for n in any_store.monitor_records(NOTICE) if n.data["notice"] == "REMOVAL"]
    assert removal.subject == OTHER and removal.data["person"] == "p:director"
    assert removal.due == "2026-07-31"


def test_a_write_on_the_day_a_bar_begins_has_told_the_watcher_already(
    any_store: GraphStore,
) -> None:
    """The listing is recorded on the day it takes effect: the write's alert says so, and
    the calendar step that evening has nothing to add."""
    any_store.pinned_today = day("2026-07-01")  # type: ignore[attr-defined]
    load_records(any_store, [person("p:director", "李四")])
    Monitoring(any_store).watch("p:director", owner="bank")
    calendar = Calendar(any_store)
    calendar.run(day("2026-06-30"))
    load_records(
        any_store,
        [_listed_from_2026_07_01()],
    )
    (alert,) = _alerts(any_store)
    assert alert.data["change"]["change"] == "RESTRICTED"
    assert calendar.run(day("2026-07-01")).changes == 0
    assert len(_alerts(any_store)) == 1


def test_unwatched_parties_raise_no_calendar_alert_and_no_version(any_store: GraphStore) -> None:
    any_store.pinned_today = day("2024-06-01")  # type: ignore[attr-defined]
    _revoked_in_2021(any_store)
    calendar = Calendar(any_store)
    calendar.run(day("2024-06-30"))
    version = any_store.data_version()
    done = calendar.run(day("2024-07-01"))
    assert (done.changes, done.alerts) == (0, 0)
    assert any_store.data_version() == version
    assert calendar.last_run() == day("2024-07-01")


def test_monitor_command_runs_the_calendar_step_once_per_day(tmp_path: Path) -> None:
    records = [
        enterprise(E, "上海某某贸易有限公司"),
        person("p:zhang", "张三"),
        link("LEGAL_REPRESENTATIVE", "p:zhang", E, "2016-01-01"),
        event("ev:revoked", "LICENSE_REVOKED", E, "2021-06-30", responsible=["p:zhang"]),
    ]
    data = tmp_path / "records.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    db = str(tmp_path / "s.db")
    runner = CliRunner()
    assert runner.invoke(main, ["load", "--store", db, str(data)]).exit_code == 0
    assert (
        runner.invoke(main, ["watch", "p:zhang", "--owner", "bank", "--store", db]).exit_code == 0
    )

    def monitor(today: str) -> dict:
        result = runner.invoke(main, ["monitor", "--today", today, "--json", "--store", db])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    assert monitor("2024-06-30")["changes"] == 0
    ran = monitor("2024-07-01")
    assert (ran["changes"], ran["alerts"], ran["since"]) == (1, 1, "2024-06-30")
    assert monitor("2024-07-01")["already_done"] is True
    text = runner.invoke(main, ["changes", "--since", "0", "--store", db])
    assert "p:zhang RESTORED: DENY → ALLOW" in text.output
    bad = runner.invoke(main, ["monitor", "--today", "2024-13-01", "--store", db])
    assert bad.exit_code == 2 and "is not a date" in bad.output


def test_server_runs_the_calendar_step_at_start_and_each_day(tmp_path: Path) -> None:
    """The daily task, driven by the test: each 'day' is released by the test, not slept."""
    store = EmbeddedStore(tmp_path / "s.db", default_schema(), id_key=TEST_ID_KEY)
    store.pinned_today = day("2024-06-01")
    _revoked_in_2021(store)
    Monitoring(store).watch("p:zhang", owner="bank")
    days = iter([day("2024-06-30"), day("2024-07-01"), day("2024-07-02")])
    today = {"day": next(days)}

    async def scenario() -> list:
        runs: list = []
        ran = asyncio.Queue[None]()
        next_day = asyncio.Event()

        async def wait() -> None:
            await next_day.wait()
            next_day.clear()
            today["day"] = next(days)

        daily = DailyCalendar(
            store,
            today=lambda: today["day"],
            wait=wait,
            on_run=lambda run: (runs.append(run), ran.put_nowait(None)),
        )

        class Deliverer:  # the outbox worker is not what this test looks at
            started = stopped = False

            def start(self) -> None:
                self.started = True

            def stop(self) -> None:
                self.stopped = True

        workers = Workers(Deliverer(), daily)
        workers.start()  # as the server's lifespan does, on its event loop
        await ran.get()  # the run at start
        for _ in range(2):
            next_day.set()
            await ran.get()
        workers.stop()
        assert workers.deliverer.started and workers.deliverer.stopped
        return runs

    try:
        runs = asyncio.run(scenario())
    finally:
        store.close()
    assert [(r.today, r.changes, r.alerts) for r in runs] == [
        (dt.date(2024, 6, 30), 0, 0),
        (dt.date(2024, 7, 1), 1, 1),
        (dt.date(2024, 7, 2), 0, 0),
    ]


def test_rules_change_then_recompute_alerts_the_watcher_of_a_newly_barred_chef(
    any_store: GraphStore, tmp_path: Path
) -> None:
    """The licence was revoked on 2022-01-01 with nobody found responsible: the Company Law
    bar (three years, and only UNCONFIRMED) is over by 2026-06-01. The city then adopts the food-safety rule (食品安全法 第一百三十五条,
    no responsibility needed) and the store is recomputed: the chef's bank is told he is
    barred, by the recompute itself. A recompute that changes nothing tells nobody."""
    any_store.pinned_today = day("2026-06-01")  # type: ignore[attr-defined]
    food = uscc("food co")
    load_records(
        any_store,
        [
            enterprise(food, "某某食品有限公司"),
            person("p:chef", "王厨"),
            link("LEGAL_REPRESENTATIVE", "p:chef", food, "2018-01-01"),
            event("ev:f", "LICENSE_REVOKED", food, "2022-01-01"),
        ],
    )
    watch = Monitoring(any_store).watch("p:chef", owner="bank")
    version = any_store.data_version()
    any_store.recompute()
    assert Monitoring(any_store).changes(version, first=10).records == []
    assert _alerts(any_store) == []

    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "food-safety.yaml").write_text(FOOD_RULES, encoding="utf-8")
    any_store.schema = default_schema([rules])
    version = any_store.data_version()
    any_store.recompute()

    changes = Monitoring(any_store).changes(version, first=10).records
    assert [c.subject for c in changes] == ["p:chef"]
    (change,) = changes
    assert change.data["change"] == "RESTRICTED"
    assert change.data["before"]["decision"] == "ALLOW"
    assert change.data["after"]["decision"] == "DENY"  # through 2027-01-01
    assert [m["measure"] for m in change.data["added"]] == ["BAR_FOOD_BUSINESS"]
    assert "food-safety-law-135" in change.data["reason"]
    (alert,) = _alerts(any_store)
    assert alert.data["watch"] == watch.id and alert.data["change"] == change.data


def test_stopping_the_server_waits_for_the_calendar_run_in_flight(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server closes the store once its workers are stopped: a calendar run still going
    would write to a closed store (on Neo4j it hung the process's exit)."""
    store = EmbeddedStore(tmp_path / "s.db", default_schema(), id_key=TEST_ID_KEY)
    _revoked_in_2021(store)
    daily = DailyCalendar(store, today=lambda: day("2024-07-01"))
    started, release = threading.Event(), threading.Event()
    order: list[str] = []
    run = daily.calendar.run

    def held(today: dt.date) -> object:
        started.set()
        release.wait()
        done = run(today)
        order.append("run committed")
        return done

    monkeypatch.setattr(daily.calendar, "run", held)

    def stop() -> None:
        daily.stop()
        order.append("stopped")

    async def scenario() -> None:
        daily.start()
        await asyncio.get_running_loop().run_in_executor(None, started.wait)
        stopper = threading.Thread(target=stop)
        stopper.start()
        release.set()
        await asyncio.get_running_loop().run_in_executor(None, stopper.join)

    try:
        asyncio.run(scenario())
        assert order == ["run committed", "stopped"]
        assert Calendar(store).last_run() == day("2024-07-01")
    finally:
        store.close()


@pytest.mark.slow
def test_serve_runs_the_calendar_step_at_start_and_posts_the_alert(tmp_path: Path) -> None:
    """`creditgraph serve` on 2024-07-01, the step last run on 2024-06-30: the bar that ran
    out reaches the bank's webhook without anyone running `creditgraph monitor`."""
    path = tmp_path / "store.db"
    store = EmbeddedStore(path, default_schema(), id_key=TEST_ID_KEY)
    store.pinned_today = day("2024-06-01")
    _revoked_in_2021(store)
    with Receiver().running() as bank:
        bank.expected = 1
        Monitoring(store).watch("p:zhang", owner="bank", webhook=bank.url, secret=SECRET)
        Calendar(store).run(day("2024-06-30"))
        store.close()
        server = _serve(str(path), CREDITGRAPH_TODAY="2024-07-01")
        try:
            assert bank.all_processed.wait(120), "no alert reached the webhook"
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(60)
        (headers,) = bank.processed.values()
    reopened = EmbeddedStore(path, default_schema(), id_key=TEST_ID_KEY)
    try:
        (alert,) = _alerts(reopened)
        assert headers["idempotency-key"] == alert.id and alert.status == "SENT"
        assert alert.data["change"]["cause"] == "calendar"
        assert Calendar(reopened).last_run() == day("2024-07-01")
    finally:
        reopened.close()
