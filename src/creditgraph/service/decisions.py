"""Decisions for approval systems: may this person be appointed, may this subject take part.

A decision is DENY when a confirmed measure in force that day bars the role or
activity, REVIEW when one would bar it but a fact it depends on is unknown (or
the measure calls for strict review), and ALLOW otherwise — always with the
reasons: measure, rule, legal basis, window, source event and the path it travelled.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from creditgraph.domain.identifiers import (
    InvalidIdentifier,
    protect_resident_id,
    validate_resident_id,
)
from creditgraph.domain.model import Certainty, Link, Node, Restriction, Verdict
from creditgraph.domain.names import normalise_name
from creditgraph.identity import is_listed
from creditgraph.identity.masks import blind_indexes, compatible
from creditgraph.identity.resolution import explain, judgements
from creditgraph.schema import GraphSchema
from creditgraph.service.errors import InvalidArgument, missing
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


@dataclass(frozen=True)
class Reason:
    restriction: Restriction
    effect: str  # "bar" | "review"
    identity: Identity | None = None  # present when it reached through a published entry

    def to_json(self) -> dict[str, Any]:
        data = self.restriction.to_json(dt.date.min)
        found = {
            "measure": data["measure"],
            "rule": data["rule"],
            "legal_basis": data["legal_basis"],
            "from": data["from"],
            "until": data["until"],
            "certainty": data["certainty"],
            "event": data["event"],
            "path": data["path"],
        }
        if self.identity is not None:
            found["identity"] = self.identity.to_json()
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
        }


@dataclass(frozen=True)
class Conflict:
    """A person holding an office that an active restriction bars (公司法 第一百七十八条第三款)."""

    restriction: Restriction
    link: Link

    def to_json(self, today: dt.date) -> dict[str, Any]:
        return {
            "person": self.link.src,
            "role": self.link.rel,
            "enterprise": self.link.dst,
            "since": self.link.valid_from.isoformat() if self.link.valid_from else None,
            "restriction": self.restriction.to_json(today),
        }


class Decisions:
    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.schema: GraphSchema = store.schema

    def _require(self, node_id: str, node_type: str | None = None) -> str:
        """The id of the node (an alias gives its person's id), or UnknownId."""
        node = self.store.node(node_id) or canonical_node(self.store, node_id)
        if node is None:
            raise missing(node_id)  # the API's wording; an id holding a number is not repeated
        if node_type is not None and node.type != node_type:
            raise InvalidArgument(f"{node_id!r} is a {node.type}, not a {node_type}")
        return node.id

    def check_appointment(
        self, person_id: str, role: str, *, enterprise_id: str | None = None, on: dt.date
    ) -> Decision:
        if role not in self.schema.roles:
            raise InvalidArgument(f"role {role!r} is not one of {', '.join(self.schema.roles)}")
        person_id = self._require(person_id, "person")
        if enterprise_id is not None:
            enterprise_id = self._require(enterprise_id, "enterprise")
        reasons = self._reasons(person_id, on, role=role)
        return Decision(
            _verdict(reasons),
            person_id,
            on,
            reasons,
            self.store.data_version(),
            role=role,
            enterprise=enterprise_id,
        )

    def check_eligibility(self, subject_id: str, activity: str, *, on: dt.date) -> Decision:
        if activity not in self.schema.activities:
            raise InvalidArgument(
                f"activity {activity!r} is not one of {', '.join(self.schema.activities)}"
            )
        subject_id = self._require(subject_id)
        reasons = self._reasons(subject_id, on, activity=activity)
        return Decision(
            _verdict(reasons), subject_id, on, reasons, self.store.data_version(), activity=activity
        )

    def check_appointments(
        self, requests: Sequence[tuple[str, str, str | None, dt.date]]
    ) -> list[Decision]:
        return [self.check_appointment(p, r, enterprise_id=e, on=d) for p, r, e, d in requests]

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
            enterprise_id = self._require(enterprise_id, "enterprise")
        holder, entries = persons_holding(self.store, number, name)
        reasons = list(self._reasons(holder.id, on, role=role)) if holder else []
        for entry, identity in entries:
            for restriction in self.store.restrictions(subject=entry.id, active_on=on):
                effect = self._effect(restriction, role=role)
                if effect is not None:
                    unconfirmed = replace(restriction, certainty=Certainty.UNCONFIRMED)
                    reasons.append(Reason(unconfirmed, "review", identity))
        reasons.sort(key=_reason_order)
        return Decision(
            _verdict(reasons),
            holder.id if holder else None,
            on,
            tuple(reasons),
            self.store.data_version(),
            role=role,
            enterprise=enterprise_id,
        )

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
        self, subject_id: str, on: dt.date, *, role: str | None = None, activity: str | None = None
    ) -> tuple[Reason, ...]:
        reasons = []
        identity_rels = self.schema.identity_rels()
        for restriction in self.store.restrictions(subject=subject_id, active_on=on):
            effect = self._effect(restriction, role=role, activity=activity)
            if effect is None:
                continue
            identity = None
            if any(step.rel in identity_rels for step in restriction.path):
                identity = _identity_of(self.store, restriction, subject_id)
            reasons.append(Reason(restriction, effect, identity))
        reasons.sort(key=_reason_order)
        return tuple(reasons)

    def conflicts(self, *, on: dt.date) -> list[Conflict]:
        barred: dict[str, list[tuple[Restriction, frozenset[str]]]] = {}
        for restriction in self.store.restrictions(active_on=on):
            measure = self.schema.measures.get(restriction.measure)
            if measure and measure.bars_roles and restriction.certainty is Certainty.CONFIRMED:
                barred.setdefault(restriction.subject, []).append((restriction, measure.bars_roles))
        found = []
        links = self.store.links(barred, rels=self.schema.roles, direction=OUT, as_of=on)
        for link in sorted(links, key=lambda link: (link.src, link.dst, link.rel)):
            for restriction, roles in barred.get(link.src, ()):
                # the office in the sanctioned enterprise itself is the cause, not a breach
                if link.rel in roles and link.dst != restriction.event_subject:
                    found.append(Conflict(restriction, link))
        return found


def _without_digits(text: str) -> str:
    """An identity number's validation message, with any part of the number taken out."""
    return re.sub(r"'?[0-9X*-]{4,}'?", "…", text)


def _identity_of(store: GraphStore, restriction: Restriction, person_id: str) -> Identity | None:
    entry = restriction.event_subject
    candidate = explain(store, entry, person_id)
    if candidate is None:
        return None
    return Identity(entry, candidate.certainty, candidate.evidence)


def canonical_node(store: GraphStore, node_id: str) -> Node | None:
    """The person an alias id (a later id of the same identity number) stands for."""
    found = store.persons_by_identity(["a:" + node_id], limit=1)
    return found[0] if found else None


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
