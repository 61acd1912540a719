"""A small vocabulary for writing credit scenarios as contract records."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from creditgraph.domain.identifiers import (
    USCC_ALPHABET,
    organisation_code_check_character,
    uscc_check_character,
)
from creditgraph.ingest.loader import LoadResult, load
from creditgraph.service.decisions import Decision, Decisions
from creditgraph.store.base import GraphStore

Record = dict[str, Any]


def uscc(label: str, division: str = "310000") -> str:
    """A valid unified social credit code derived from a label (stable across runs)."""
    digest = hashlib.sha256(label.encode()).digest()
    body = "".join(USCC_ALPHABET[b % 31] for b in digest[:8])
    # org codes use digits and letters; the check character may be X, which the USCC alphabet allows
    first16 = "91" + division + body
    first17 = first16 + organisation_code_check_character(body)
    return first17 + uscc_check_character(first17)


def enterprise(eid: str, name: str = "某某有限公司", **fields: Any) -> Record:
    return {"type": "enterprise", "id": eid, "name": name, **fields}


def person(pid: str, name: str = "张三", **fields: Any) -> Record:
    return {"type": "person", "id": pid, "name": name, **fields}


def agency(gid: str, name: str = "某某市市场监督管理局", **fields: Any) -> Record:
    return {"type": "agency", "id": gid, "name": name, **fields}


def link(
    rel: str,
    src: str,
    dst: str,
    valid_from: str | None = None,
    valid_to: str | None = None,
    **fields: Any,
) -> Record:
    return {
        "type": "link",
        "rel": rel,
        "from": src,
        "to": dst,
        "valid_from": valid_from,
        "valid_to": valid_to,
        **fields,
    }


def event(eid: str, kind: str, subject: str, date: str, **fields: Any) -> Record:
    return {"type": "event", "id": eid, "kind": kind, "subject": subject, "date": date, **fields}


def lines(records: Iterable[Record], name: str = "scenario.jsonl") -> list[tuple[str, int, str]]:
    return [(name, i, json.dumps(r, ensure_ascii=False)) for i, r in enumerate(records, start=1)]


def load_records(
    store: GraphStore, records: Sequence[Record], *, skip_invalid: bool = False
) -> LoadResult:
    result = load(lines(records), store, skip_invalid=skip_invalid)
    if result.errors and not skip_invalid:
        raise AssertionError("scenario records rejected:\n" + "\n".join(map(str, result.errors)))
    return result


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def check(
    store: GraphStore, pid: str, role: str, on: str, enterprise_id: str | None = None
) -> Decision:
    return Decisions(store).check_appointment(pid, role, enterprise_id=enterprise_id, on=day(on))


def eligibility(store: GraphStore, subject: str, activity: str, on: str) -> Decision:
    return Decisions(store).check_eligibility(subject, activity, on=day(on))


def verdict(decision: Decision) -> str:
    return decision.decision.value


def restriction_snapshot(store: GraphStore, today: str = "2026-11-23") -> list[dict[str, Any]]:
    return sorted((r.to_json(day(today)) for r in store.restrictions()), key=lambda r: r["id"])
