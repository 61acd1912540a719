"""Propagation rules as data: the parsed form of ``graph_schema/rules/*.yaml``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from creditgraph.domain.model import Event, Node
from creditgraph.domain.periods import period_last_day

if TYPE_CHECKING:
    from creditgraph.schema import GraphSchema

HELD = ("event_date", "before_event", "during_window")


@dataclass(frozen=True)
class Step:
    rels: frozenset[str]
    direction: str  # "in": follow links pointing at the node; "out": links leaving it


@dataclass(frozen=True)
class WindowEnd:
    """One way of computing the last day of a measure; a rule tries them in order."""

    kind: str  # "period" | "field" | "open"
    field: str = "date"
    years: int = 0
    months: int = 0
    days: int = 0

    def last_day(self, event: Event) -> tuple[bool, dt.date | None]:
        """(applies, last day) — a period or field end applies only when its date is present."""
        if self.kind == "open":
            return True, None
        anchor = event.date_field(self.field)
        if anchor is None:
            return False, None
        if self.kind == "field":
            return True, anchor
        return True, period_last_day(anchor, years=self.years, months=self.months, days=self.days)


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    events: frozenset[str]
    subject: tuple[str, ...]  # "enterprise", or "enterprise.soe" for a kind of enterprise
    where: Mapping[str, Any]
    path: tuple[Step, ...]
    held: str
    responsible_required: bool
    named: bool
    measures: tuple[str, ...]
    window: tuple[WindowEnd, ...]
    legal_basis: str
    seed: str
    lifted_by: str
    source: str
    # the rule looks through an id field of the event at the record it names (a breach at
    # the commitment it breaks) and requires `refers_where` of that record
    refers_field: str | None = None
    refers_where: Mapping[str, Any] | None = None

    def refers_match(self, referenced: Event | None) -> bool:
        if self.refers_field is None:
            return True
        if referenced is None:
            return False
        return all(referenced.props.get(k) == v for k, v in (self.refers_where or {}).items())

    def fires_on(self, event: Event, subject: Node) -> bool:
        if event.kind not in self.events:
            return False
        if not any(
            token == subject.type or token == f"{subject.type}.{subject.kind}"
            for token in self.subject
        ):
            return False
        return all(event.props.get(key) == value for key, value in self.where.items())

    def last_day(self, event: Event) -> tuple[dt.date | None, bool]:
        """(last day or None for open-ended, whether the end is known)."""
        for end in self.window:
            applies, day = end.last_day(event)
            if applies:
                return day, True
        return None, False


def parse_rule(schema: GraphSchema, path: Path, raw: Mapping[str, Any]) -> Rule:
    from creditgraph.schema import SchemaError

    where = f"{path}: rule {raw.get('id', '?')}"

    def fail(message: str) -> SchemaError:
        return SchemaError(f"{where}: {message}")

    for key in ("id", "trigger", "reach", "measures", "window", "legal_basis"):
        if key not in raw:
            raise fail(f"missing {key!r}")
    trigger, reach = raw["trigger"], raw["reach"]
    events = frozenset(trigger.get("events") or ())
    if not events or not events <= schema.events.keys():
        raise fail(f"trigger.events {sorted(events - schema.events.keys())} are not event kinds")
    subject = tuple(
        trigger.get("subject")
        or sorted({t for e in events for t in schema.events[e].subject_types})
    )
    for token in subject:
        node_type, _, kind = token.partition(".")
        if node_type not in schema.nodes:
            raise fail(f"trigger.subject {token!r}: unknown node type")
        kinds = schema.nodes[node_type].properties.get("kind")
        if kind and (kinds is None or kind not in kinds.values):
            raise fail(f"trigger.subject {token!r}: unknown kind of {node_type}")
    steps = []
    for step in reach.get("path") or ():
        rels = frozenset(step.get("rels") or ())
        if not rels or not rels <= schema.links.keys():
            raise fail(f"reach.path rels {sorted(rels - schema.links.keys())} are not link kinds")
        if step.get("direction") not in ("in", "out"):
            raise fail("reach.path direction must be in or out")
        steps.append(Step(rels, step["direction"]))
    held = reach.get("held", "event_date")
    if held not in HELD:
        raise fail(f"reach.held must be one of {HELD}")
    measures = tuple(raw["measures"])
    unknown = [m for m in measures if m not in schema.measures]
    if unknown:
        raise fail(f"measures {unknown} are not declared in measures.yaml or the rules file")
    window = []
    for end in raw["window"].get("end") or ():
        if end == "open":
            window.append(WindowEnd("open"))
        elif "field" in end:
            window.append(WindowEnd("field", field=end["field"]))
        elif {"years", "months", "days"} & end.keys():
            window.append(
                WindowEnd(
                    "period",
                    field=end.get("from", "date"),
                    years=int(end.get("years", 0)),
                    months=int(end.get("months", 0)),
                    days=int(end.get("days", 0)),
                )
            )
        else:
            raise fail(f"window.end entry {end!r} is not open, {{field: …}} or a period")
    if not window:
        raise fail("window.end is empty")
    refers = trigger.get("refers")
    if refers is not None:
        field_name = refers.get("field") if isinstance(refers, dict) else None
        specs = [schema.events[e].properties.get(str(field_name)) for e in events]
        if not field_name or any(s is None or "event" not in s.refers for s in specs):
            raise fail(
                "trigger.refers.field must be a property that names an event "
                "(refers: [event]) on every trigger event kind"
            )
    return Rule(
        id=str(raw["id"]),
        title=str(raw.get("title", "")),
        events=events,
        subject=subject,
        where=dict(trigger.get("where") or {}),
        path=tuple(steps),
        held=held,
        responsible_required=reach.get("responsible") == "required",
        named=bool(reach.get("named", False)),
        measures=measures,
        window=tuple(window),
        legal_basis=str(raw["legal_basis"]),
        seed=str(raw.get("seed", "")),
        lifted_by=str(raw.get("lifted_by", "")),
        source=path.name,
        refers_field=str(refers["field"]) if refers else None,
        refers_where=dict(refers.get("where") or {}) if refers else None,
    )
