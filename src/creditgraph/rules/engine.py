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
from dataclasses import dataclass, replace
from typing import Protocol

from creditgraph.domain.model import (
    RESTRICTION_ID_PREFIX,
    Certainty,
    Event,
    Link,
    Node,
    PathStep,
    Restriction,
)
from creditgraph.domain.periods import day_before
from creditgraph.identity import is_listed
from creditgraph.rules.rulebook import Rule
from creditgraph.schema import GraphSchema

# Persons named in an event's `responsible` are reached through the decision
# itself, not a registry link; their path shows this pseudo-link.
NAMED_IN_DECISION = "NAMED_RESPONSIBLE"
BRANCH_OF = "BRANCH_OF"
# reach modes whose links bound the measure's window (start, and for during_window its end)
WINDOWED = ("during_window", "since_event")


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
    objection: Event | None = None  # an objection under review (异议处理中)


def standing_lifts(event: Event, view: GraphView, schema: GraphSchema) -> list[Event]:
    """The lifts of an event that stand: a lift itself voided by an upheld objection does not
    count, nor an objection that was rejected."""
    standing = []
    for lift in view.lifting_events(event.id):
        if _is_voided(lift, view, schema, depth=0):
            continue
        if schema.events[lift.kind].lifting == "flag" and any(
            schema.events[answer.kind].lifting == "close"
            and not _is_voided(answer, view, schema, depth=0)
            for answer in view.lifting_events(lift.id)
        ):
            continue
        standing.append(lift)
    return standing


def lifting_for(rule: Rule, target: str, lifts: Sequence[Event]) -> Lifting:
    """What the standing lifts do to one rule's consequence for one reached party: the rule's
    kind says which lifting kinds end or void it, and a lift naming the persons it releases
    applies to them alone."""
    found: dict[str, list[Event]] = {"end": [], "void": [], "flag": []}
    for lift in lifts:
        effect = rule.lifting_effect(lift.kind)
        if effect not in found:
            continue
        releases = lift.releases
        if releases is not None and target not in releases:
            continue
        found[effect].append(lift)

    def first(events: list[Event]) -> Event | None:
        return min(events, key=lambda e: (e.date, e.id)) if events else None

    return Lifting(first(found["end"]), first(found["void"]), first(found["flag"]))


def _is_voided(event: Event, view: GraphView, schema: GraphSchema, depth: int) -> bool:
    if depth > 16:  # a chain of objections to objections this long is a data error; stop
        return False
    return any(
        schema.events[lift.kind].lifting == "void"
        and lift.releases is None
        and not _is_voided(lift, view, schema, depth + 1)
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
    note: str | None = None  # why the reach is less than certain (shown with UNCONFIRMED)


def derive(event: Event, view: GraphView, schema: GraphSchema) -> list[Restriction]:
    """Every restriction the rules derive from one event, with its lifting applied."""
    if schema.events[event.kind].lifting:
        return []
    subject = view.node(event.subject)
    if subject is None:
        return []
    lifts = standing_lifts(event, view, schema)
    repairs = sorted((lift for lift in lifts if schema.events[lift.kind].hides), key=_by_date)
    repaired_by = repairs[0].id if repairs else None
    identity = {
        rel: Certainty(link.identity) for rel, link in schema.links.items() if link.identity
    }
    derived: dict[tuple[str, str, str, dt.date], Restriction] = {}
    for rule in schema.rules:
        if not rule.fires_on(event, subject):
            continue
        if rule.spare_minors and _minor_on(subject, event.date, schema):
            continue
        outcome, note = rule.facts_outcome(event)
        if outcome == "skip":
            continue
        if rule.refers_field is not None:
            named = event.props.get(rule.refers_field)
            if not rule.refers_match(view.event(named) if isinstance(named, str) else None):
                continue
        last_day, end_known = rule.last_day(event)
        if rule.responsible_required and rule.path and event.responsible is None:
            note = _join(note, "决定未认定负有个人责任的人员, 个人责任不明")
        if not end_known:
            note = _join(note, "刑罚执行期满之日或名单期限不明, 限制的终期不能确定")
        for reach in _reach(rule, event, subject, view, last_day, identity):
            start = max(event.date, reach.start) if reach.start else event.date
            until = _earlier(last_day, reach.end) if reach.end_known else last_day
            if until is not None and until < start:
                continue
            certainty = reach.certainty
            if not end_known or outcome == "review":
                certainty = Certainty.UNCONFIRMED
            lifting = lifting_for(rule, reach.target, lifts)
            said = _join(note, reach.note) if reach.note else note
            for measure in rule.measures:
                restriction = _restriction(
                    rule, event, measure, reach, start, until, certainty, lifting, said
                )
                if repaired_by:
                    restriction = replace(restriction, repaired_by=repaired_by)
                key = (rule.id, reach.target, measure, start)
                if key not in derived or _better(restriction, derived[key]):
                    derived[key] = restriction
    return sorted(derived.values(), key=lambda r: r.id)


def _by_date(event: Event) -> tuple[dt.date, str]:
    return (event.date, event.id)


def _minor_on(subject: Node, day: dt.date, schema: GraphSchema) -> bool:
    from creditgraph.rules.office import age_on

    birth = subject.props.get("birth_date")
    if subject.type != "person" or not birth or schema.office is None:
        return False
    return age_on(dt.date.fromisoformat(birth), day) < schema.office.minors_under


def _join(a: str | None, b: str) -> str:
    return b if not a else f"{a}; {b}"


def _restriction(
    rule: Rule,
    event: Event,
    measure: str,
    reach: _Reach,
    start: dt.date,
    until: dt.date | None,
    certainty: Certainty,
    lifting: Lifting,
    note: str | None,
) -> Restriction:
    effective_until = until
    ended_by = None
    if lifting.ended_by is not None:
        cut = day_before(lifting.ended_by.date)
        if until is None or cut < until:
            effective_until, ended_by = cut, lifting.ended_by.id
    key = f"{rule.id}|{event.id}|{reach.target}|{measure}|{start.isoformat()}"
    return Restriction(
        id=RESTRICTION_ID_PREFIX + hashlib.sha1(key.encode("utf-8")).hexdigest()[:20],
        subject=reach.target,
        measure=measure,
        rule=rule.id,
        legal_basis=rule.legal_basis_on(event.date),
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
        kind=rule.kind,
        note=note if certainty is Certainty.UNCONFIRMED else None,
        objection=lifting.objection.id if lifting.objection else None,
        objection_since=lifting.objection.date if lifting.objection else None,
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
                        reach.end_known or rule.held in WINDOWED,
                    )
                )
        frontier = following
    if rule.branches:
        # a branch is not a legal person: what binds its head office binds it (民法典 第七十四条)
        branches = []
        for reach in frontier:
            for link in view.links_of(reach.target, frozenset({BRANCH_OF}), "in"):
                held = _held("during_window", link, event.date, last_day)
                if held is None:
                    continue
                certainty, start, end = held
                branches.append(
                    _Reach(
                        link.src,
                        (
                            *reach.path,
                            PathStep(
                                rel=link.rel, valid_from=link.valid_from, valid_to=link.valid_to
                            ),
                            PathStep(node=link.src),
                        ),
                        _weaker(reach.certainty, certainty),
                        start,
                        end,
                        True,
                    )
                )
        frontier = frontier + branches
    responsible = event.responsible
    # a published entry named responsible stands for the persons it was resolved to, with
    # the identity link's certainty (a steward's "different" left no link: never reached)
    matched = _matched_entries(responsible, view, identity) if responsible else {}
    for reach in frontier:
        if rule.responsible_required and rule.path:
            if responsible is None:
                reach = replace(reach, certainty=Certainty.UNCONFIRMED)
            elif reach.target not in responsible:
                through = matched.get(reach.target)
                if not through:
                    continue
                entry, link = _strongest(through, identity)
                certainty = identity[link.rel]
                reach = replace(
                    reach,
                    certainty=_weaker(reach.certainty, certainty),
                    note=None
                    if certainty is Certainty.CONFIRMED
                    else f"决定认定的负有个人责任的人员为公开名单条目 {entry}, "
                    f"与 {reach.target} 是否同一人未经确认",
                )
        yield reach
    if rule.named and responsible:
        for person in responsible:
            named = (
                PathStep(node=subject.id),
                PathStep(rel=NAMED_IN_DECISION),
                PathStep(node=person),
            )
            yield _Reach(person, named, Certainty.CONFIRMED, None, None, False)
            for link in _identity_links(person, view, identity):
                hop = PathStep(rel=link.rel, valid_from=link.valid_from, valid_to=link.valid_to)
                yield _Reach(
                    link.dst,
                    (*named, hop, PathStep(node=link.dst)),
                    identity[link.rel],
                    None,
                    None,
                    False,
                )


def _identity_links(
    person: str, view: GraphView, identity: Mapping[str, Certainty]
) -> Sequence[Link]:
    if not identity or not is_listed(person):
        return ()
    return view.links_of(person, frozenset(identity), "out")


def _matched_entries(
    responsible: Sequence[str], view: GraphView, identity: Mapping[str, Certainty]
) -> dict[str, list[tuple[str, Link]]]:
    """Registry person → (entry named responsible, identity link) for each entry it matched."""
    found: dict[str, list[tuple[str, Link]]] = {}
    for entry in responsible:
        for link in _identity_links(entry, view, identity):
            found.setdefault(link.dst, []).append((entry, link))
    return found


def _strongest(
    through: Sequence[tuple[str, Link]], identity: Mapping[str, Certainty]
) -> tuple[str, Link]:
    confirmed = [t for t in through if identity[t[1].rel] is Certainty.CONFIRMED]
    return min(confirmed or through, key=lambda t: t[0])


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
    # during_window: the measure covers the days the link holds within the window;
    # since_event: it starts with the office but does not end when the office does
    if link.valid_to is not None and link.valid_to < day:
        return None
    if last_day is not None and link.valid_from is not None and link.valid_from > last_day:
        return None
    return certainty, link.valid_from, link.valid_to if held == "during_window" else None


def _weaker(a: Certainty, b: Certainty) -> Certainty:
    return Certainty.UNCONFIRMED if Certainty.UNCONFIRMED in (a, b) else Certainty.CONFIRMED


def _later(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    return b if a is None else a if b is None else max(a, b)


def _earlier(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    return b if a is None else a if b is None else min(a, b)
