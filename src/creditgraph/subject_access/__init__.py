"""Subject access: a person or enterprise obtains its own credit record (seed 004 §四(一):
信用信息主体权益保护; 个人信息保护法 第四十五条 for a natural person).

The data subject sees its whole history — a repaired record stays in it, marked repaired, as
does a void one, marked void, and an objection under review — which public reads and
investigators no longer see. The identity number appears only masked.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from creditgraph.domain.model import link_order
from creditgraph.identity import stored_or_alias
from creditgraph.ingest.records import event_to_record, link_to_record
from creditgraph.service.errors import UnknownId
from creditgraph.store.base import GraphStore

# what a node record keeps of a protected identity number: the masked form only
_HIDDEN_PROPS = frozenset({"id_hash", "id_key"})


def subject_record(store: GraphStore, subject_id: str, today: dt.date) -> dict[str, Any]:
    """Everything the store holds about one party, with each record's state."""
    node = stored_or_alias(store, subject_id)  # an alias: its person's record
    if node is None:
        raise UnknownId(f"unknown id {subject_id!r}")
    subject_id = node.id
    schema = store.schema
    party: dict[str, Any] = {"type": node.type, "id": node.id, "name": node.name}
    for key, value in node.props.items():
        if key == "id_masked":
            party["id_number_masked"] = value
        elif key not in _HIDDEN_PROPS:
            party[key] = value
    events = store.events(subject=subject_id)
    lifts_of: dict[str, list[str]] = {}
    for e in events:
        if e.lifts:
            lifts_of.setdefault(e.lifts, []).append(e.id)
    kinds = {e.id: e.kind for e in events}

    def effects(event_id: str) -> set[str]:
        return {schema.events[kinds[i]].lifting or "" for i in lifts_of.get(event_id, [])}

    def state(event_id: str) -> str | None:
        voided = any(
            schema.events[kinds[i]].lifting == "void" and "void" not in effects(i)
            for i in lifts_of.get(event_id, [])
        )
        if voided:
            return "VOID"
        if any(
            schema.events[kinds[i]].hides and "void" not in effects(i)
            for i in lifts_of.get(event_id, [])
        ):
            return "REPAIRED"
        if any(
            schema.events[kinds[i]].lifting == "flag" and "close" not in effects(i)
            for i in lifts_of.get(event_id, [])
        ):
            return "OBJECTION_UNDER_REVIEW"
        return None

    return {
        "subject": party,
        # in one order on every store (each gives a party's links in its own)
        "links": [
            link_to_record(link) for link in sorted(store.links([subject_id]), key=link_order)
        ],
        "events": [{**event_to_record(e), "state": state(e.id)} for e in events],
        "restrictions": [r.to_json(today) for r in store.restrictions(subject=subject_id)],
        "as_of": today.isoformat(),
        "data_version": store.data_version(),
    }
