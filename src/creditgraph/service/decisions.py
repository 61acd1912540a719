"""Decisions for approval systems: may this person be appointed, may this subject take part.

A decision is DENY when a confirmed measure in force that day bars the role or
activity, REVIEW when one would bar it but a fact it depends on is unknown (or
the measure calls for strict review), and ALLOW otherwise — always with the
reasons: measure, rule, legal basis, window, source event and the path it travelled.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

from creditgraph.domain.identifiers import (
    InvalidIdentifier,
    protect_resident_id,
    validate_resident_id,
)
from creditgraph.domain.model import (
    Certainty,
    Event,
    Link,
    Node,
    PathStep,
    Restriction,
    Verdict,
)
from creditgraph.domain.names import normalise_name
from creditgraph.identity import is_listed, stored_or_alias
from creditgraph.identity.masks import blind_indexes, compatible
from creditgraph.identity.resolution import explain, judgements
from creditgraph.rules.office import age_on, last_day_under
from creditgraph.rules.rulebook import cite
from creditgraph.schema import GraphSchema
from creditgraph.service.errors import InvalidArgument, ServiceError, missing
from creditgraph.store.base import IN, OUT, GraphStore


@dataclass(frozen=True)
class Identity:
    """How a reason reached the person through a published entry: the entry, what its
    resolution rests on, and whether a steward confirmed it."""

    entry: str
    certainty: Certainty
    evidence: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "entry": self.entry,
            "certainty": self.certainty.value,
            "evidence": list(self.evidence),
        }


# Events that date a revocation or closure the registry status records.
CLOSURE_EVENTS = frozenset({"LICENSE_REVOKED", "ORDERED_CLOSED"})
# Reasons that rest on a fact of the registry or of the identity number, not on an event.
FACT_KINDS = frozenset({"REGISTRY_STATUS", "BIRTH_DATE"})
OBJECTION_UNDER_REVIEW = "OBJECTION_UNDER_REVIEW"


@dataclass(frozen=True)
class Reason:
    restriction: Restriction
    effect: str  # "bar" | "review" | "incentive" | "veto"
    identity: Identity | None = None  # present when it reached through a published entry
    on: dt.date | None = None

    @property
    def is_fact(self) -> bool:
        return self.restriction.event_kind in FACT_KINDS

    @property
    def record_state(self) -> str | None:
        """异议处理中: the record the reason cites is under an objection not yet decided."""
        r = self.restriction
        pending = r.objection_pending_on(self.on) if self.on else r.objection is not None
        return OBJECTION_UNDER_REVIEW if pending else None

    def to_json(self) -> dict[str, Any]:
        data = self.restriction.to_json(dt.date.min)
        found = {
            "measure": data["measure"],
            "rule": data["rule"],
            "legal_basis": data["legal_basis"],
            "from": data["from"],
            "until": data["until"],
            "certainty": data["certainty"],
            "event": None if self.is_fact else data["event"],
            "path": data["path"],
        }
        if self.identity is not None:
            found["identity"] = self.identity.to_json()
        # present only when they say something, so a plain reason reads as before
        if self.restriction.note:
            found["note"] = self.restriction.note
        if self.record_state:
            found["record_state"] = self.record_state
            found["objection"] = self.restriction.objection
        return found


@dataclass(frozen=True)
class Decision:
    decision: Verdict
    subject: str | None  # None: asked by identity number, and no person holds it
    on: dt.date
    reasons: tuple[Reason, ...]
    data_version: str
    role: str | None = None
    enterprise: str | None = None
    activity: str | None = None
    # 守信激励 in force that day; never part of the verdict (an incentive outweighs no bar)
    incentives: tuple[Reason, ...] = ()
    # why incentives in force are withheld: a bar (DENY) or a 一票否决 measure
    incentives_withheld: tuple[Reason, ...] = ()

    @property
    def until(self) -> dt.date | None:
        """The last day a DENY holds (None when open-ended or not denied)."""
        bars = [
            r.restriction.until
            for r in self.reasons
            if r.effect == "bar" and r.restriction.certainty is Certainty.CONFIRMED
        ]
        if not bars or any(u is None for u in bars):
            return None
        return max(u for u in bars if u is not None)

    def to_json(self) -> dict[str, Any]:
        head: dict[str, Any] = {"decision": self.decision.value}
        if self.activity is None:
            head.update(person=self.subject, role=self.role, enterprise=self.enterprise)
        else:
            head.update(subject=self.subject, activity=self.activity)
        return {
            **head,
            "on": self.on.isoformat(),
            "reasons": [r.to_json() for r in self.reasons],
            "data_version": self.data_version,
            # CONTRACT.md: Decision gains incentives (same fields as reasons)
            "incentives": [r.to_json() for r in self.incentives],
            "incentives_withheld": [r.to_json() for r in self.incentives_withheld],
        }


APPOINTMENT_VOID = "APPOINTMENT_VOID"
MUST_REMOVE = "MUST_REMOVE"


@dataclass(frozen=True)
class Conflict:
    """A person holding an office that an active restriction bars: appointed while barred, the
    appointment is void (公司法 第一百七十八条第二款); barred during the term, the company must
    remove him (第三款). An office whose start is unknown cannot be told apart: MUST_REMOVE, the
    duty that holds either way, with the appointment's validity left to review."""

    restriction: Restriction
    link: Link
    kind: str = MUST_REMOVE
    legal_basis: str = ""

    def to_json(self, today: dt.date) -> dict[str, Any]:
        return {
            "person": self.link.src,
            "role": self.link.rel,
            "enterprise": self.link.dst,
            "since": self.link.valid_from.isoformat() if self.link.valid_from else None,
            "kind": self.kind,
            "legal_basis": self.legal_basis,
            "restriction": self.restriction.to_json(today),
        }


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _one_version(
    check: Callable[Concatenate[Decisions, _P], _R],
) -> Callable[Concatenate[Decisions, _P], _R]:
    """A check reads one version of the store, the one its answer names: a load committing
    while it reads shows in the next check, not in half of this one (where the store can
    say so: the embedded store's ``reading``, one SQLite read transaction)."""

    @functools.wraps(check)
    def one_version(self: Decisions, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        reading = getattr(self.store, "reading", None)
        if reading is None:
            return check(self, *args, **kwargs)
        with reading():
            return check(self, *args, **kwargs)

    return one_version


class Decisions:
    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.schema: GraphSchema = store.schema

    def _require(self, node_id: str, node_type: str | None = None) -> Node:
        """The node (an alias gives its person), or UnknownId."""
        node = stored_or_alias(self.store, node_id)
        if node is None:
            raise missing(node_id)  # the API's wording; an id holding a number is not repeated
        if node_type is not None and node.type != node_type:
            raise InvalidArgument(f"{node_id!r} is a {node.type}, not a {node_type}")
        return node

    @_one_version
    def check_appointment(
        self, person_id: str, role: str, *, enterprise_id: str | None = None, on: dt.date
    ) -> Decision:
        if role not in self.schema.roles:
            raise InvalidArgument(f"role {role!r} is not one of {', '.join(self.schema.roles)}")
        person = self._require(person_id, "person")
        person_id = person.id
        if enterprise_id is not None:
            enterprise_id = self._require(enterprise_id, "enterprise").id
        in_force = self.store.restrictions(subject=person_id, active_on=on)
        reasons = _ordered(
            (
                *self._reasons(in_force, person_id, on, role=role, enterprise_id=enterprise_id),
                *self._office_facts(person, role, on),
            )
        )
        incentives, withheld = self._incentives(in_force, reasons)
        return Decision(
            _verdict(reasons),
            person_id,
            on,
            reasons,
            self.store.data_version(),
            role=role,
            enterprise=enterprise_id,
            incentives=incentives,
            incentives_withheld=withheld,
        )

    @_one_version
    def check_eligibility(self, subject_id: str, activity: str, *, on: dt.date) -> Decision:
        if activity not in self.schema.activities:
            raise InvalidArgument(
                f"activity {activity!r} is not one of {', '.join(self.schema.activities)}"
            )
        subject = self._require(subject_id)
        subject_id = subject.id
        in_force = self.store.restrictions(subject=subject_id, active_on=on)
        reasons = _ordered(
            (
                *self._reasons(in_force, subject_id, on, activity=activity),
                *self._registry_status(subject, activity, on),
            )
        )
        incentives, withheld = self._incentives(in_force, reasons)
        return Decision(
            _verdict(reasons),
            subject_id,
            on,
            reasons,
            self.store.data_version(),
            activity=activity,
            incentives=incentives,
            incentives_withheld=withheld,
        )

    @_one_version
    def check_appointments(
        self, requests: Sequence[tuple[str, str, str | None, dt.date]]
    ) -> list[Decision]:
        """The checks in the order asked. Every person, enterprise and restriction is read
        once for the whole batch, so N checks cost three store calls. An error names the
        request by its index (``requests[3]: unknown id …``)."""
        if not requests:
            return []
        batch = self.prefetched(requests)
        answers = []
        for index, (person, role, enterprise, day) in enumerate(requests):
            try:
                answers.append(
                    batch.check_appointment(person, role, enterprise_id=enterprise, on=day)
                )
            except ServiceError as exc:
                exc.details["index"] = index  # the caller names the request it came from
                raise
        return answers

    def prefetched(self, requests: Sequence[tuple[str, str, str | None, dt.date]]) -> Decisions:
        """Decisions over what these requests need, read once: N checks cost three store
        calls instead of 3N (on Neo4j, three round trips instead of 3N)."""
        return Decisions(cast(GraphStore, _Prefetched(self.store, requests)))

    @_one_version
    def check_appointment_by_number(
        self,
        id_number: str,
        role: str,
        *,
        name: str | None = None,
        enterprise_id: str | None = None,
        on: dt.date,
    ) -> Decision:
        """The decision for whoever holds an identity number: the registry person holding it
        (if any), and the published entries compatible with it (REVIEW: a masked number and
        a name are a candidate, not a certainty). The number is never echoed back."""
        if role not in self.schema.roles:
            raise InvalidArgument(f"role {role!r} is not one of {', '.join(self.schema.roles)}")
        try:
            number = validate_resident_id(id_number)
        except InvalidIdentifier as exc:
            raise InvalidArgument(f"idNumber: {_without_digits(str(exc))}") from None
        if enterprise_id is not None:
            enterprise_id = self._require(enterprise_id, "enterprise").id
        holder, entries = persons_holding(self.store, number, name)
        in_force = self.store.restrictions(subject=holder.id, active_on=on) if holder else []
        reasons = (
            [
                *self._reasons(in_force, holder.id, on, role=role, enterprise_id=enterprise_id),
                *self._office_facts(holder, role, on),
            ]
            if holder
            else []
        )
        for entry, identity in entries:
            for restriction in self.store.restrictions(subject=entry.id, active_on=on):
                effect = self._effect(restriction, role=role)
                if effect is not None:
                    unconfirmed = replace(restriction, certainty=Certainty.UNCONFIRMED)
                    reasons.append(Reason(unconfirmed, "review", identity, on))
        reasons.sort(key=_reason_order)
        # incentives are the registry person's own; a published entry grants none
        incentives, withheld = self._incentives(in_force, tuple(reasons)) if holder else ((), ())
        return Decision(
            _verdict(reasons),
            holder.id if holder else None,
            on,
            tuple(reasons),
            self.store.data_version(),
            role=role,
            enterprise=enterprise_id,
            incentives=incentives,
            incentives_withheld=withheld,
        )

    def _incentives(
        self, in_force: Sequence[Restriction], reasons: Sequence[Reason]
    ) -> tuple[tuple[Reason, ...], tuple[Reason, ...]]:
        """(incentives granted, why the incentives in force are withheld): 一票否决 by a
        confirmed vetoing measure in force, or by the DENY itself."""
        incentives, vetoes = [], []
        for restriction in in_force:
            measure = self.schema.measures.get(restriction.measure)
            if measure is None:
                continue
            if measure.incentive:
                incentives.append(Reason(restriction, "incentive"))
            elif measure.vetoes_incentives and restriction.certainty is Certainty.CONFIRMED:
                vetoes.append(Reason(restriction, "veto"))
        if not incentives:
            return (), ()
        if _verdict(reasons) is Verdict.DENY:
            vetoes.extend(r for r in reasons if r.effect == "bar")
        if vetoes:
            return (), tuple(sorted(vetoes, key=_reason_order))
        return tuple(sorted(incentives, key=_reason_order)), ()

    def _effect(
        self, restriction: Restriction, *, role: str | None = None, activity: str | None = None
    ) -> str | None:
        measure = self.schema.measures.get(restriction.measure)
        if measure is None:
            return None
        bars = role in measure.bars_roles if role else activity in measure.bars_activities
        reviews = role in measure.review_roles if role else activity in measure.review_activities
        return "bar" if bars else "review" if reviews else None

    def _reasons(
        self,
        in_force: Sequence[Restriction],
        subject_id: str,
        on: dt.date,
        *,
        role: str | None = None,
        activity: str | None = None,
        enterprise_id: str | None = None,
    ) -> tuple[Reason, ...]:
        reasons = []
        identity_rels = self.schema.identity_rels()
        for restriction in in_force:
            effect = self._effect(restriction, role=role, activity=activity)
            if effect is None:
                continue
            measure = self.schema.measures[restriction.measure]
            if (
                measure.except_event_subject
                and enterprise_id is not None
                and enterprise_id == restriction.event_subject
            ):
                continue  # a bar on *other* enterprises does not reach the listed one
            identity = None
            if any(step.rel in identity_rels for step in restriction.path):
                identity = _identity_of(self.store, restriction, subject_id, identity_rels)
            reasons.append(Reason(restriction, effect, identity, on))
        return _ordered(reasons)

    def _office_facts(self, person: Node, role: str, on: dt.date) -> list[Reason]:
        return [*self._capacity(person, role, on), *self._registry_reps(person.id, role, on)]

    def _capacity(self, person: Node, role: str, on: dt.date) -> list[Reason]:
        """公司法 第一百七十八条第一款第一项: without full civil capacity, no office."""
        office = self.schema.office
        person_id = person.id
        birth = person.props.get("birth_date")
        if office is None or not birth or role not in office.capacity_roles:
            return []
        born = dt.date.fromisoformat(birth)
        age = age_on(born, on)
        if age >= office.review_under:
            return []
        confirmed = age < office.deny_under
        last = last_day_under(born, office.deny_under if confirmed else office.review_under)
        fact = Restriction(
            id=f"fact:capacity:{person_id}",
            subject=person_id,
            measure="NO_FULL_CIVIL_CAPACITY",
            rule="capacity-civil-code-17-22",
            legal_basis=office.capacity_basis_on(on),
            event_id=f"fact:birth_date:{person_id}",
            event_kind="BIRTH_DATE",
            event_subject=person_id,
            event_date=born,
            path=(PathStep(node=person_id),),
            start=born,
            until=last,
            certainty=Certainty.CONFIRMED if confirmed else Certainty.UNCONFIRMED,
            note=None if confirmed else office.capacity_review_why,
        )
        return [Reason(fact, "bar", on=on)]

    def _registry_reps(self, person_id: str, role: str, on: dt.date) -> list[Reason]:
        """Legal representatives of an enterprise the registry shows revoked or closed, with no
        dated event: the Art. 178(4) bar may apply, its date and responsibility are unknown."""
        office = self.schema.office
        measures = [
            m
            for m in ("BAR_LEGAL_REPRESENTATIVE", "BAR_DIRECTOR", "BAR_SUPERVISOR", "BAR_MANAGER")
            if role in self.schema.measures[m].bars_roles
        ]
        if office is None or not measures:
            return []
        links = [
            link
            for link in self.store.links([person_id], rels=["LEGAL_REPRESENTATIVE"], direction=OUT)
            if link.valid_from is None or link.valid_from <= on
        ]
        if not links:
            return []
        enterprises = self.store.nodes({link.dst for link in links})
        closed = {
            eid
            for eid, node in enterprises.items()
            if node.props.get("status") in office.rep_review_statuses
        }
        if not closed:
            return []
        # a dated revocation or closure derives the bar itself, with its window
        closed -= self._dated_closures(closed).keys()
        found = []
        for link in links:
            if link.dst not in closed:
                continue
            status = enterprises[link.dst].props.get("status")
            for measure in measures:
                fact = Restriction(
                    id=f"fact:registry:{link.dst}:{person_id}:{measure}",
                    subject=person_id,
                    measure=measure,
                    rule="registry-status-legal-rep",
                    legal_basis=office.rep_review_basis_on(on),
                    event_id=f"fact:status:{link.dst}",
                    event_kind="REGISTRY_STATUS",
                    event_subject=link.dst,
                    event_date=on,
                    path=(
                        PathStep(node=person_id),
                        PathStep(rel=link.rel, valid_from=link.valid_from, valid_to=link.valid_to),
                        PathStep(node=link.dst),
                    ),
                    start=link.valid_from or on,
                    until=None,
                    certainty=Certainty.UNCONFIRMED,
                    note=f"{office.rep_review_why} (登记状态: {status})",
                )
                found.append(Reason(fact, "bar", on=on))
        return found

    def _registry_status(self, node: Node, activity: str, on: dt.date) -> list[Reason]:
        """A revoked, closed or cancelled enterprise may only liquidate: it cannot supply,
        bid or receive funding."""
        office = self.schema.office
        subject_id = node.id
        if office is None or node.type != "enterprise":
            return []
        status = node.props.get("status")
        if status not in office.closed_statuses or activity not in office.closed_activities:
            return []
        dated = self._dated_closures({subject_id}).get(subject_id)
        if dated is not None and on < dated:
            return []  # the registry status took effect on a known day, after the day asked
        fact = Restriction(
            id=f"fact:status:{subject_id}",
            subject=subject_id,
            measure="DISSOLVED_OR_TERMINATED",
            rule="registry-status-dissolved",
            legal_basis=office.closed_basis_on(on),
            event_id=f"fact:status:{subject_id}",
            event_kind="REGISTRY_STATUS",
            event_subject=subject_id,
            event_date=dated or on,
            path=(PathStep(node=subject_id),),
            start=dated or on,
            until=None,
            certainty=Certainty.CONFIRMED,
        )
        return [Reason(fact, "bar", on=on)]

    def _dated_closures(self, enterprise_ids: set[str]) -> dict[str, dt.date]:
        """The first standing revocation or closure date of each enterprise that has one."""
        found: dict[str, dt.date] = {}
        for e in self.store.events(subjects=sorted(enterprise_ids)):
            if e.kind in CLOSURE_EVENTS and not self._voided(e):
                found[e.subject] = min(e.date, found.get(e.subject, e.date))
        return found

    def _voided(self, event: Event) -> bool:
        return any(
            self.schema.events[lift.kind].lifting == "void"
            for lift in self.store.lifting_events(event.id)
        )

    def conflicts(self, *, on: dt.date) -> list[Conflict]:
        barred: dict[str, list[tuple[Restriction, frozenset[str]]]] = {}
        for restriction in self.store.restrictions(active_on=on):
            measure = self.schema.measures.get(restriction.measure)
            if measure and measure.bars_roles and restriction.certainty is Certainty.CONFIRMED:
                barred.setdefault(restriction.subject, []).append((restriction, measure.bars_roles))
        found = []
        office = self.schema.office
        links = self.store.links(barred, rels=self.schema.roles, direction=OUT, as_of=on)
        for link in sorted(links, key=lambda link: (link.src, link.dst, link.rel)):
            for restriction, roles in barred.get(link.src, ()):
                # the office in the sanctioned enterprise itself is the cause, not a breach
                if link.rel in roles and link.dst != restriction.event_subject:
                    appointed = link.valid_from
                    if appointed is not None and appointed >= restriction.start:
                        kind, day, texts = APPOINTMENT_VOID, appointed, office.appointment_void
                    else:
                        kind, day, texts = MUST_REMOVE, restriction.start, office.must_remove
                    found.append(Conflict(restriction, link, kind, cite(texts, day)))
        return found


def _without_digits(text: str) -> str:
    """An identity number's validation message, with any part of the number taken out."""
    return re.sub(r"'?[0-9X*-]{4,}'?", "…", text)


def _identity_of(
    store: GraphStore,
    restriction: Restriction,
    person_id: str,
    identity_rels: Iterable[str],
) -> Identity | None:
    # the path runs from the person reached back to the event's subject: the identity link
    # stands between the person and the published entry (the subject itself, or an entry
    # the decision named responsible)
    entry = restriction.event_subject
    path = restriction.path
    rels = set(identity_rels)
    for i, step in enumerate(path):
        if step.rel in rels and 0 < i < len(path) - 1:
            person_id = path[i - 1].node or person_id
            entry = path[i + 1].node or entry
            break
    candidate = explain(store, entry, person_id)
    if candidate is None:
        return None
    return Identity(entry, candidate.certainty, candidate.evidence)


def person_by_number(store: GraphStore, id_number: str) -> Node | None:
    """The registry person holding a full identity number (validated first), or None."""
    try:
        number = validate_resident_id(id_number)
    except InvalidIdentifier as exc:
        raise InvalidArgument(f"idNumber: {_without_digits(str(exc))}") from None
    digest, _ = protect_resident_id(number, store.id_key())
    found = store.persons_by_identity(["h:" + digest], limit=1)
    return found[0] if found else None


def persons_holding(
    store: GraphStore, number: str, name: str | None
) -> tuple[Node | None, list[tuple[Node, Identity]]]:
    """(the registry person holding a full number, the published entries compatible with it
    that do not already reach that person through resolution)."""
    key = store.id_key()
    digest, _ = protect_resident_id(number, key)
    holders = store.persons_by_identity(["h:" + digest])
    holder = holders[0] if holders else None
    keys = [f"b:{pattern}:{index}" for pattern, index in blind_indexes(key, number).items()]
    wanted = normalise_name(name) if name else normalise_name(holder.name) if holder else None
    resolved: set[str] = set()
    if holder is not None:
        rels = store.schema.identity_rels()
        resolved = {link.src for link in store.links([holder.id], rels=rels, direction=IN)}
    found: list[tuple[Node, Identity]] = []
    for entry in store.persons_by_identity(keys):
        masked = entry.props.get("id_masked")
        if not is_listed(entry.id) or entry.props.get("id_hash") or entry.id in resolved:
            continue
        if not isinstance(masked, str) or not compatible(number, masked):
            continue  # the blind index compares a pattern; the number in hand compares all
        evidence = [f"masked number {masked} compatible with the number asked about"]
        if wanted is not None:
            if normalise_name(entry.name) != wanted:
                continue  # a compatible mask under another name is another person
            evidence.append(f"name {entry.name} equal to the name asked about (normalised)")
        else:
            evidence.append("no name given: compared by number only")
        if holder is not None:
            verdict = judgements(store, entry.id).get(holder.id)
            if verdict is not None and verdict.props["verdict"] == "different":
                continue
        found.append((entry, Identity(entry.id, Certainty.UNCONFIRMED, tuple(evidence))))
    return holder, found


def _ordered(reasons: Iterable[Reason]) -> tuple[Reason, ...]:
    return tuple(sorted(reasons, key=_reason_order))


def _reason_order(reason: Reason) -> tuple[Any, ...]:
    r = reason.restriction
    return (
        reason.effect != "bar",
        r.certainty is not Certainty.CONFIRMED,
        -(r.until or dt.date.max).toordinal(),
        r.rule,
        r.measure,
        r.id,
    )


def _verdict(reasons: Sequence[Reason]) -> Verdict:
    if any(r.effect == "bar" and r.restriction.certainty is Certainty.CONFIRMED for r in reasons):
        return Verdict.DENY
    return Verdict.REVIEW if reasons else Verdict.ALLOW


def by_person(requests: Sequence[tuple[str, str, str | None, dt.date]]) -> set[str]:
    return {person for person, _, _, _ in requests}


LEGAL_REPRESENTATIVE = "LEGAL_REPRESENTATIVE"


class _Prefetched:
    """The store as a batch of checks sees it: the persons, enterprises and restrictions of
    every request read up front, one call each, and the registry facts a check weighs; what a
    batch does not prefetch (an alias's person, identity resolution's reads) goes to the store."""

    def __init__(self, store: GraphStore, requests: Sequence[tuple[str, str, str | None, dt.date]]):
        self.schema = store.schema
        self._store = store
        ids = {p for p, _, _, _ in requests} | {e for _, _, e, _ in requests if e is not None}
        self._nodes = store.nodes(ids)
        self._restrictions: dict[tuple[str, dt.date], list[Restriction]] = {}
        by_day: dict[dt.date, set[str]] = {}
        for person, _, _, day in requests:
            by_day.setdefault(day, set()).add(person)
        for day, persons in by_day.items():
            for r in store.restrictions(subjects=sorted(persons), active_on=day):
                self._restrictions.setdefault((r.subject, day), []).append(r)
        # the registry facts a check weighs (公司法 第一百七十八条第一款第四项 when the registry
        # shows a revoked or closed enterprise): the legal-rep links of the batch, read once
        self._events: dict[str, list[Any]] = {}
        self._lifts: dict[str, list[Any]] = {}
        self._links: dict[str, list[Any]] = {}
        self._persons = by_person(requests)
        for link in store.links(sorted(self._persons), rels=[LEGAL_REPRESENTATIVE], direction=OUT):
            self._links.setdefault(link.src, []).append(link)
        wanted = {link.dst for links in self._links.values() for link in links} - self._nodes.keys()
        if wanted:
            self._nodes.update(store.nodes(wanted))
        office = store.schema.office
        closed = sorted(
            node_id
            for node_id in wanted
            if office is not None
            and (node := self._nodes.get(node_id)) is not None
            and node.props.get("status") in office.rep_review_statuses
        )
        if closed:
            self.events(subjects=closed)
        self._version = store.data_version()

    def node(self, node_id: str) -> Any:
        found = self._nodes.get(node_id)
        return found if found is not None else self._store.node(node_id)

    def reading(self) -> AbstractContextManager[None]:
        # the batch's checks: inside the batch's own read (see _one_version)
        return nullcontext()

    def __getattr__(self, name: str) -> Any:
        # what a batch does not prefetch (identity resolution's reads) goes to the store
        return getattr(self._store, name)

    def nodes(self, node_ids: Iterable[str]) -> dict[str, Any]:
        ids = list(node_ids)
        found = {i: self._nodes[i] for i in ids if i in self._nodes}
        missing = [i for i in ids if i not in found]
        if missing:  # identity resolution's reads (a person a steward judged the same)
            found.update(self._store.nodes(missing))
        return found

    def links(self, node_ids: Iterable[str], **kwargs: Any) -> list[Any]:
        ids = list(node_ids)
        prefetched = kwargs == {"rels": [LEGAL_REPRESENTATIVE], "direction": OUT}
        if prefetched and self._persons.issuperset(ids):
            return [link for node_id in ids for link in self._links.get(node_id, [])]
        return self._store.links(ids, **kwargs)  # identity resolution's reads, aliases

    # read only for enterprises the registry shows revoked or closed: all of them in one call
    def events(self, *, subjects: Sequence[str], **kwargs: Any) -> list[Any]:
        if kwargs:  # identity resolution's reads (the judgements on entries)
            return self._store.events(subjects=subjects, **kwargs)
        missing = [s for s in subjects if s not in self._events]
        if missing:
            for subject in missing:
                self._events[subject] = []
            for event in self._store.events(subjects=missing):
                self._events[event.subject].append(event)
        return [e for s in subjects for e in self._events[s]]

    def lifting_events(self, event_id: str) -> list[Any]:
        if event_id not in self._lifts:
            self._lifts[event_id] = self._store.lifting_events(event_id)
        return self._lifts[event_id]

    def restrictions(
        self, *, subject: str | None = None, active_on: dt.date | None = None, **_: Any
    ) -> list[Restriction]:
        assert subject is not None and active_on is not None
        if subject not in self._nodes:  # an alias, resolved to its person: not prefetched
            return self._store.restrictions(subject=subject, active_on=active_on)
        return self._restrictions.get((subject, active_on), [])

    def persons_by_identity(self, keys: Sequence[str], *, limit: int | None = None) -> Any:
        return self._store.persons_by_identity(keys, limit=limit)

    def data_version(self) -> str:
        return self._version
