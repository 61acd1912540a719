"""Propagation rules as data: the parsed form of ``graph_schema/rules/*.yaml``."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from creditgraph.domain.model import Event, Node
from creditgraph.domain.periods import period_last_day

if TYPE_CHECKING:
    from creditgraph.schema import GraphSchema

HELD = ("event_date", "before_event", "during_window", "since_event")
FACT_OUTCOMES = ("review", "skip")


@dataclass(frozen=True)
class Citation:
    """A legal text and the days it is in force (inclusive; None = open)."""

    text: str
    start: dt.date | None = None
    end: dt.date | None = None

    def in_force_on(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


def cite(citations: tuple[Citation, ...], day: dt.date) -> str:
    """The text in force on ``day``; before the first text, the earliest one."""
    for citation in citations:
        if citation.in_force_on(day):
            return citation.text
    return min(citations, key=lambda c: c.start or dt.date.min).text


def parse_citations(raw: Any, fail: Callable[[str], Exception], field: str) -> tuple[Citation, ...]:
    if isinstance(raw, str):
        if not raw.strip():
            raise fail(f"{field} is empty")
        return (Citation(raw),)
    if not isinstance(raw, list) or not raw:
        raise fail(f"{field} must be a text or a list of {{text, from, to}}")
    citations = []
    for entry in raw:
        if not isinstance(entry, Mapping) or not str(entry.get("text", "")).strip():
            raise fail(f"{field} entry {entry!r} has no text")
        if set(entry) - {"text", "from", "to"}:
            # a comma inside an unquoted flow-mapping text splits it into a stray key
            raise fail(f"{field} entry {entry!r}: only text, from and to (quote the text)")
        start, end = entry.get("from"), entry.get("to")
        citation = Citation(
            str(entry["text"]),
            dt.date.fromisoformat(str(start)) if start else None,
            dt.date.fromisoformat(str(end)) if end else None,
        )
        if citation.start and citation.end and citation.end < citation.start:
            raise fail(f"{field} entry {citation.text!r} ends before it starts")
        citations.append(citation)
    ordered = sorted(citations, key=lambda c: c.start or dt.date.min)
    for earlier, later in itertools.pairwise(ordered):
        # every day must have exactly one text in force
        if (
            earlier.end is None
            or later.start is None
            or earlier.end + dt.timedelta(1) != later.start
        ):
            raise fail(f"{field}: {earlier.text!r} and {later.text!r} overlap or leave a gap")
    return tuple(ordered)


@dataclass(frozen=True)
class Fact:
    """A fact a rule's consequence rests on: when unknown or not met, skip or review."""

    field: str
    values: frozenset[str] = frozenset()
    at_least: float | None = None
    unknown: str = "review"
    otherwise: str = "skip"
    why: str = ""

    def outcome(self, event: Event) -> str:
        """ "met", "review" or "skip" for this event."""
        value = event.props.get(self.field)
        if value is None:
            return self.unknown
        met = (value in self.values) if self.values else (float(value) >= (self.at_least or 0))
        return "met" if met else self.otherwise


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
    citations: tuple[Citation, ...]
    seed: str
    lifted_by: str
    source: str
    kind: str = "credit_measure"
    lifting: Mapping[str, str] = field(default_factory=dict)  # lifting event kind → effect
    facts: tuple[Fact, ...] = ()
    spare_minors: bool = False
    branches: bool = False

    @property
    def legal_basis(self) -> str:
        """The text in force today (the latest); a restriction cites :meth:`legal_basis_on`."""
        return self.citations[-1].text

    def legal_basis_on(self, day: dt.date) -> str:
        return cite(self.citations, day)

    def hops(self) -> int:
        """Links between the event subject and the farthest node the rule reaches."""
        return len(self.path) + (1 if self.branches else 0)

    def lifting_effect(self, lift_kind: str) -> str:
        return self.lifting.get(lift_kind, "none")

    def fires_on(self, event: Event, subject: Node) -> bool:
        if event.kind not in self.events:
            return False
        if not any(
            token == subject.type or token == f"{subject.type}.{subject.kind}"
            for token in self.subject
        ):
            return False
        return all(
            event.props.get(key) in value
            if isinstance(value, list | tuple)
            else event.props.get(key) == value
            for key, value in self.where.items()
        )

    def facts_outcome(self, event: Event) -> tuple[str, str | None]:
        """("skip" | "met" | "review", the reason a review is needed)."""
        reasons = []
        for fact in self.facts:
            outcome = fact.outcome(event)
            if outcome == "skip":
                return "skip", None
            if outcome == "review":
                reasons.append(fact.why or f"{fact.field} is unknown or does not meet the rule")
        return ("review", "; ".join(reasons)) if reasons else ("met", None)

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
    # a local rules file written before rules declared their kind imposes credit measures
    kind = str(raw.get("kind", "credit_measure"))
    if kind not in schema.consequences:
        raise fail(f"kind {kind!r} is not one of {sorted(schema.consequences)} (consequences.yaml)")
    lifting = dict(schema.consequences[kind])
    for lift, effect in (raw.get("lifting") or {}).items():
        if lift not in lifting or effect not in ("none", schema.events[lift].lifting):
            raise fail(f"lifting {lift}: {effect!r} is not none or that kind's own effect")
        lifting[lift] = effect
    facts = []
    for fact in trigger.get("facts") or ():
        name = str(fact.get("field", ""))
        if not any(name in schema.events[e].properties for e in events):
            raise fail(f"trigger.facts field {name!r} is not a property of {sorted(events)}")
        for key in ("unknown", "otherwise"):
            if fact.get(key, "review") not in FACT_OUTCOMES:
                raise fail(f"trigger.facts {name}: {key} must be one of {FACT_OUTCOMES}")
        if ("in" in fact) == ("at_least" in fact):
            raise fail(f"trigger.facts {name}: give exactly one of in, at_least")
        facts.append(
            Fact(
                name,
                frozenset(map(str, fact.get("in") or ())),
                float(fact["at_least"]) if "at_least" in fact else None,
                fact.get("unknown", "review"),
                fact.get("otherwise", "skip"),
                str(fact.get("why", "")),
            )
        )
    branches = bool(reach.get("branches", False))
    if branches and steps:
        raise fail("reach.branches applies to rules that reach the event subject itself (path: [])")
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
        citations=parse_citations(raw["legal_basis"], fail, "legal_basis"),
        seed=str(raw.get("seed", "")),
        lifted_by=str(raw.get("lifted_by", "")),
        source=path.name,
        kind=kind,
        lifting=lifting,
        facts=tuple(facts),
        spare_minors=bool(trigger.get("spare_minors", False)),
        branches=branches,
    )
