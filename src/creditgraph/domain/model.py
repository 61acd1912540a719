"""The records of the graph: nodes, dated links, events and derived restrictions.

These are plain values shared by every layer: the importer produces them, the
stores persist them, the rules engine reads and derives them, the API shows them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import orjson

# Restriction ids are derived (``r:`` + a hash of the rule, subject and path); imported ids
# may not start with it, so that one id names one object whatever its type (Relay's node).
RESTRICTION_ID_PREFIX = "r:"


class Certainty(StrEnum):
    CONFIRMED = "CONFIRMED"
    UNCONFIRMED = "UNCONFIRMED"


class Status(StrEnum):
    ACTIVE = "ACTIVE"
    ENDED = "ENDED"
    VOID = "VOID"


class Verdict(StrEnum):
    ALLOW = "ALLOW"
    REVIEW = "REVIEW"
    DENY = "DENY"


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    type: str  # enterprise | person | agency
    name: str
    props: Mapping[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str | None:
        """The enterprise kind (company, soe, …); None for persons and agencies."""
        return self.props.get("kind")


@dataclass(frozen=True, slots=True)
class Link:
    rel: str
    src: str
    dst: str
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    share: float | None = None

    @property
    def key(self) -> tuple[str, str, str, dt.date | None]:
        """The natural key: a re-loaded link with the same key updates, never duplicates."""
        return (self.rel, self.src, self.dst, self.valid_from)

    def holds_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )

    def other(self, node_id: str) -> str:
        return self.dst if node_id == self.src else self.src


def link_order(link: Link) -> tuple[str, str, str, dt.date]:
    """The natural key as a sort key (an unknown start first): one order of links whatever
    order a store gives them in."""
    return (link.rel, link.src, link.dst, link.valid_from or dt.date.min)


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    kind: str
    subject: str
    date: dt.date
    props: Mapping[str, Any] = field(default_factory=dict)

    @property
    def lifts(self) -> str | None:
        return self.props.get("lifts")

    @property
    def releases(self) -> tuple[str, ...] | None:
        """The persons a lifting event applies to; None means everyone the lifted event reached."""
        value = self.props.get("releases")
        return None if value is None else tuple(value)

    @property
    def responsible(self) -> tuple[str, ...] | None:
        """Persons found personally responsible; None means unknown, not nobody."""
        value = self.props.get("responsible")
        return None if value is None else tuple(value)

    def date_field(self, name: str) -> dt.date | None:
        if name == "date":
            return self.date
        value = self.props.get(name)
        return dt.date.fromisoformat(value) if isinstance(value, str) else value


@dataclass(frozen=True, slots=True)
class PathStep:
    """One element of a provenance path: a node, or the link between two nodes."""

    node: str | None = None
    rel: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    def to_json(self) -> dict[str, Any]:
        if self.node is not None:
            return {"node": self.node}
        return {
            "rel": self.rel,
            "valid_from": _iso(self.valid_from),
            "valid_to": _iso(self.valid_to),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PathStep:
        if "node" in data:
            return cls(node=data["node"])
        return cls(
            rel=data["rel"],
            valid_from=_date(data.get("valid_from")),
            valid_to=_date(data.get("valid_to")),
        )


@dataclass(frozen=True, slots=True)
class Restriction:
    """A measure derived from an event by a rule, with its provenance and window."""

    id: str
    subject: str
    measure: str
    rule: str
    legal_basis: str
    event_id: str
    event_kind: str
    event_subject: str
    event_date: dt.date
    path: tuple[PathStep, ...]
    start: dt.date
    until: dt.date | None  # last day it applies (inclusive); None = open-ended
    certainty: Certainty
    scheduled_until: dt.date | None = None  # the window before any early end
    ended_by: str | None = None  # the CREDIT_REPAIRED / DELISTED event that ended it early
    voided_by: str | None = None  # the OBJECTION_UPHELD / DECISION_REVOKED event that voided it
    kind: str | None = None  # the consequence kind of its rule (consequences.yaml)
    note: str | None = None  # why it is UNCONFIRMED, when a fact it rests on is unknown
    objection: str | None = None  # an OBJECTION_FILED event still under review (异议处理中)
    objection_since: dt.date | None = None
    repaired_by: str | None = None  # a standing credit repair: its details are no longer published

    def objection_pending_on(self, day: dt.date) -> bool:
        return self.objection_since is not None and self.objection_since <= day

    def in_force_on(self, day: dt.date) -> bool:
        return (
            self.voided_by is None
            and self.start <= day
            and (self.until is None or day <= self.until)
        )

    def status_on(self, today: dt.date) -> Status:
        if self.voided_by is not None:
            return Status.VOID
        if self.until is not None and (self.until < today or self.until < self.start):
            return Status.ENDED
        return Status.ACTIVE

    def to_stored_json(self) -> str:
        """The form the stores keep: everything but the status, which depends on the day read."""
        data = self.to_json(dt.date.min)
        del data["status"]
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_stored_json(cls, text: str) -> Restriction:
        raw = read_stored_json(text)
        return cls(
            id=raw["id"],
            subject=raw["subject"],
            measure=raw["measure"],
            rule=raw["rule"],
            legal_basis=raw["legal_basis"],
            event_id=raw["event"]["id"],
            event_kind=raw["event"]["kind"],
            event_subject=raw["event"]["subject"],
            event_date=dt.date.fromisoformat(raw["event"]["date"]),
            path=tuple(PathStep.from_json(step) for step in raw["path"]),
            start=dt.date.fromisoformat(raw["from"]),
            until=_date(raw["until"]),
            certainty=Certainty(raw["certainty"]),
            scheduled_until=_date(raw.get("scheduled_until")),
            ended_by=raw.get("ended_by"),
            voided_by=raw.get("voided_by"),
            kind=raw.get("kind"),
            note=raw.get("note"),
            objection=raw.get("objection"),
            objection_since=_date(raw.get("objection_since")),
            repaired_by=raw.get("repaired_by"),
        )

    def to_json(self, today: dt.date) -> dict[str, Any]:
        return {
            "id": self.id,
            "subject": self.subject,
            "measure": self.measure,
            "from": self.start.isoformat(),
            "until": _iso(self.until),
            "rule": self.rule,
            "legal_basis": self.legal_basis,
            "event": {
                "id": self.event_id,
                "kind": self.event_kind,
                "subject": self.event_subject,
                "date": self.event_date.isoformat(),
            },
            "path": [step.to_json() for step in self.path],
            "certainty": self.certainty.value,
            "status": self.status_on(today).value,
            "scheduled_until": _iso(self.scheduled_until),
            "ended_by": self.ended_by,
            "voided_by": self.voided_by,
            "kind": self.kind,
            "note": self.note,
            "objection": self.objection,
            "objection_since": _iso(self.objection_since),
            "repaired_by": self.repaired_by,
        }


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _date(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def read_stored_json(text: str) -> Any:
    """JSON a store kept: orjson reads it in a fraction of json's time (a check reads a node's
    properties and its restrictions); json reads what orjson refuses, such as an integer over
    64 bits or a NaN that an older creditgraph's json.dumps wrote."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
