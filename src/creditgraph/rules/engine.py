"""Derivation of restrictions from events: who a sanction reaches, for how long, and why.

The engine is written against :class:`GraphView`, a four-method reading
interface, so the same code derives restrictions inside a transaction of the
embedded store or of Neo4j. Derivation is a pure function of an event, the
events that lift it, and the graph around its subject: maintaining it
incrementally (re-deriving the events a change can reach) gives exactly what a
full recompute gives.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from creditgraph.domain.model import Certainty, Event, Link, Node, PathStep, Restriction
from creditgraph.domain.periods import day_before
from creditgraph.rules.rulebook import Rule
from creditgraph.schema import GraphSchema

# Persons named in an event's `responsible` are reached through the decision
# itself, not a registry link; their path shows this pseudo-link.
NAMED_IN_DECISION = "NAMED_RESPONSIBLE"


class GraphView(Protocol):
    """What derivation needs to read; the stores implement it (inside a write transaction)."""

    def node(self, node_id: str) -> Node | None: ...

    def links_of(self, node_id: str, rels: frozenset[str], direction: str) -> Sequence[Link]: ...

    def event(self, event_id: str) -> Event | None: ...

    def lifting_events(self, event_id: str) -> Sequence[Event]: ...


@dataclass(frozen=True)
class Lifting:
    ended_by: Event | None = None
    voided_by: Event | None = None


def effective_lifting(event: Event, view: GraphView, schema: GraphSchema) -> Lifting:
    """The lifts that stand: a lift that was itself voided by an upheld objection does not count."""
    ended: list[Event] = []
    voided: list[Event] = []
    for lift in view.lifting_events(event.id):
        if _is_voided(lift, view, schema, depth=0):
            continue
        effect = schema.events[lift.kind].lifting
        (voided if effect == "void" else ended).append(lift)

    def first(events: list[Event]) -> Event | None:
        return min(events, key=lambda e: (e.date, e.id)) if events else None

    return Lifting(ended_by=first(ended), voided_by=first(voided))


def _is_voided(event: Event, view: GraphView, schema: GraphSchema, depth: int) -> bool:
    if depth > 16:  # a chain of objections to objections this long is a data error; stop
        return False
    return any(
        schema.events[lift.kind].lifting == "void" and not _is_voided(lift, view, schema, depth + 1)
        for lift in view.lifting_events(event.id)
    )


def root_event(event: Event, view: GraphView, schema: GraphSchema) -> Event | None:
    """The sanction a lifting event ultimately concerns (following lifts of lifts)."""
    seen = set()
    while schema.events[event.kind].lifting and event.lifts and event.id not in seen:
        seen.add(event.id)
        target = view.event(event.lifts)
        if target is None:
            return None
        event = target
    return None if schema.events[event.kind].lifting else event


@dataclass(frozen=True)
class _Reach:
    target: str
    path: tuple[PathStep, ...]  # from the event subject outwards
    certainty: Certainty
    start: dt.date | None  # the overlap of the links' holding periods (during_window only)
    end: dt.date | None
    end_known: bool


def derive(event: Event, view: GraphView, schema: GraphSchema) -> list[Restriction]:
    """Every restriction the rules derive from one event, with its lifting applied."""
    if schema.events[event.kind].lifting:
        return []
    subject = view.node(event.subject)
    if subject is None:
        return []
    lifting = effective_lifting(event, view, schema)
    identity = {
        rel: Certainty(link.identity) for rel, link in schema.links.items() if link.identity
    }
    derived: dict[tuple[str, str, str, dt.date], Restriction] = {}
    for rule in schema.rules:
        if not rule.fires_on(event, subject):
            continue
        last_day, end_known = rule.last_day(event)
        for reach in _reach(rule, event, subject, view, last_day, identity):
            start = max(event.date, reach.start) if reach.start else event.date
            until = _earlier(last_day, reach.end) if reach.end_known else last_day
            if until is not None and until < start:
                continue
            certainty = reach.certainty if end_known else Certainty.UNCONFIRMED
            for measure in rule.measures:
                restriction = _restriction(
                    rule, event, measure, reach, start, until, certainty, lifting
                )
                key = (rule.id, reach.target, measure, start)
                if key not in derived or _better(restriction, derived[key]):
                    derived[key] = restriction
    return sorted(derived.values(), key=lambda r: r.id)


def _restriction(
    rule: Rule,
    event: Event,
    measure: str,
    reach: _Reach,
    start: dt.date,
    until: dt.date | None,
    certainty: Certainty,
    lifting: Lifting,
) -> Restriction:
    effective_until = until
    ended_by = None
    if lifting.ended_by is not None:
        cut = day_before(lifting.ended_by.date)
        if until is None or cut < until:
            effective_until, ended_by = cut, lifting.ended_by.id
    key = f"{rule.id}|{event.id}|{reach.target}|{measure}|{start.isoformat()}"
    return Restriction(
        id="r:" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:20],
        subject=reach.target,
        measure=measure,
        rule=rule.id,
        legal_basis=rule.legal_basis,
        event_id=event.id,
        event_kind=event.kind,
        event_subject=event.subject,
        event_date=event.date,
        path=tuple(reversed(reach.path)),
        start=start,
        until=effective_until,
        certainty=certainty,
        scheduled_until=until,
        ended_by=ended_by,
        voided_by=lifting.voided_by.id if lifting.voided_by else None,
    )


def _better(candidate: Restriction, current: Restriction) -> bool:
    """Of two paths to the same restriction keep the confirmed one, then the longer window."""

    def rank(r: Restriction) -> tuple[bool, dt.date, str]:
        return (
            r.certainty is Certainty.CONFIRMED,
            r.until or dt.date.max,
            "".join(str(s.to_json()) for s in r.path),
        )

    return rank(candidate) > rank(current)


def _identities(subject: Node, view: GraphView, identity: Mapping[str, Certainty]) -> list[_Reach]:
    """The subject itself, and the persons a listed person was resolved to: an identity
    link lends its certainty (a masked number alone: UNCONFIRMED) to all that follows."""
    found = [
        _Reach(subject.id, (PathStep(node=subject.id),), Certainty.CONFIRMED, None, None, False)
    ]
    if not identity or subject.type != "person":
        return found
    for link in view.links_of(subject.id, frozenset(identity), "out"):
        step = PathStep(rel=link.rel, valid_from=link.valid_from, valid_to=link.valid_to)
        found.append(
            _Reach(
                link.dst,
                (PathStep(node=subject.id), step, PathStep(node=link.dst)),
                identity[link.rel],
                None,
                None,
                False,
            )
        )
    return found


def _reach(
    rule: Rule,
    event: Event,
    subject: Node,
    view: GraphView,
    last_day: dt.date | None,
    identity: Mapping[str, Certainty],
) -> Iterable[_Reach]:
    frontier = _identities(subject, view, identity)
    for step in rule.path:
        following = []
        for reach in frontier:
            for link in view.links_of(reach.target, step.rels, step.direction):
                held = _held(rule.held, link, event.date, last_day)
                if held is None:
                    continue
                certainty, start, end = held
                other = link.src if step.direction == "in" else link.dst
                following.append(
                    _Reach(
                        other,
                        (
                            *reach.path,
                            PathStep(
                                rel=link.rel, valid_from=link.valid_from, valid_to=link.valid_to
                            ),
                            PathStep(node=other),
                        ),
                        _weaker(reach.certainty, certainty),
                        _later(reach.start, start),
                        _earlier(reach.end, end) if reach.end_known else end,
                        reach.end_known or rule.held == "during_window",
                    )
                )
        frontier = following
    responsible = event.responsible
    for reach in frontier:
        if rule.responsible_required and rule.path:
            if responsible is None:
                reach = _Reach(
                    reach.target,
                    reach.path,
                    Certainty.UNCONFIRMED,
                    reach.start,
                    reach.end,
                    reach.end_known,
                )
            elif reach.target not in responsible:
                continue
        yield reach
    if rule.named and responsible:
        for person in responsible:
            yield _Reach(
                person,
                (PathStep(node=subject.id), PathStep(rel=NAMED_IN_DECISION), PathStep(node=person)),
                Certainty.CONFIRMED,
                None,
                None,
                False,
            )


def _held(
    held: str, link: Link, day: dt.date, last_day: dt.date | None
) -> tuple[Certainty, dt.date | None, dt.date | None] | None:
    """Whether a link counts for a rule: None if not, else (certainty, overlap start, end).

    A link whose start is unknown cannot prove the role was held on the date the rule
    needs: it still counts, but only as UNCONFIRMED, so the decision is REVIEW.
    """
    unknown_start = link.valid_from is None
    certainty = Certainty.UNCONFIRMED if unknown_start else Certainty.CONFIRMED
    if held == "event_date":
        if not link.holds_on(day):
            return None
        return certainty, None, None
    if held == "before_event":
        if link.valid_from is not None and link.valid_from > day:
            return None
        if unknown_start and link.valid_to is not None and link.valid_to <= day:
            certainty = Certainty.CONFIRMED
        return certainty, None, None
    # during_window: the measure covers the days the link holds within the window
    if link.valid_to is not None and link.valid_to < day:
        return None
    if last_day is not None and link.valid_from is not None and link.valid_from > last_day:
        return None
    return certainty, link.valid_from, link.valid_to


def _weaker(a: Certainty, b: Certainty) -> Certainty:
    return Certainty.UNCONFIRMED if Certainty.UNCONFIRMED in (a, b) else Certainty.CONFIRMED


def _later(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    return b if a is None else a if b is None else max(a, b)


def _earlier(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    return b if a is None else a if b is None else min(a, b)
