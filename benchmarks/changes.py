"""A file of changes to a registry, for the incremental-load benchmarks.

    python -m benchmarks.changes registry.jsonl changes.jsonl [--count 3200] [--seed 7]

What a day's registry feed brings, in these shares of ``--count`` records:

- 40 % offices and holdings that ended: an existing link again, with ``valid_to``;
- 25 % new offices: a person already in the registry made DIRECTOR of an enterprise;
- 20 % enterprises whose status changed (one active made revoked, one revoked made active…);
- 15 % new events: an existing event's kind, authority and document on another party of the
  same type, under a new id.

Every record refers only to parties of the registry, so the file loads on its own after it.
Same registry, count and seed: same bytes.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path
from typing import Any

import orjson

SHARES = {"ended": 0.40, "appointed": 0.25, "status": 0.20, "events": 0.15}
_NEXT_STATUS = {
    "active": "revoked",
    "revoked": "active",
    "cancelled": "active",
    "closed": "active",
    "bankrupt": "active",
}
_DAY = "2026-06-30"  # after every date the generator writes, before today


def registry_changes(data: Path, out: Path, *, count: int = 3200, seed: int = 7) -> int:
    """Write ``count`` changes to the registry ``data`` into ``out``; returns how many."""
    links: list[dict[str, Any]] = []
    enterprises: list[dict[str, Any]] = []
    persons: list[str] = []
    events: list[dict[str, Any]] = []
    event_ids: set[str] = set()
    with data.open("rb") as handle:
        for line in handle:
            if not line.strip():
                continue
            record = orjson.loads(line)
            kind = record.get("type")
            if kind == "link":
                if record.get("valid_to") is None and (record.get("valid_from") or "") < _DAY:
                    links.append(record)
            elif kind == "enterprise":
                enterprises.append(record)
            elif kind == "person":
                persons.append(record["id"])
            elif kind == "event":
                event_ids.add(record["id"])
                if "lifts" not in record:  # a lift names one event: not one to copy
                    events.append(record)
    if not (links and enterprises and persons and events):
        raise SystemExit(f"{data}: needs links, enterprises, persons and events to change")
    pick = random.Random(seed)
    wanted = {name: round(count * share) for name, share in SHARES.items()}
    wanted["ended"] += count - sum(wanted.values())
    changes: list[dict[str, Any]] = []
    for link in pick.sample(links, min(wanted["ended"], len(links))):
        changes.append({**link, "valid_to": _DAY})
    for _ in range(wanted["appointed"]):
        changes.append(
            {
                "type": "link",
                "rel": "DIRECTOR",
                "from": pick.choice(persons),
                "to": pick.choice(enterprises)["id"],
                "valid_from": _DAY,
            }
        )
    for enterprise in pick.sample(enterprises, min(wanted["status"], len(enterprises))):
        status = _NEXT_STATUS.get(enterprise.get("status", "active"), "active")
        changes.append({**enterprise, "status": status})
    person_ids = set(persons)
    enterprise_ids = [e["id"] for e in enterprises]
    known = person_ids.union(enterprise_ids)
    # on a person or an enterprise (not an official's agency): another of the same type
    events = [e for e in events if e["subject"] in known]
    for number in range(wanted["events"]):
        template = pick.choice(events)
        event_id = f"ev:change-{seed}-{number:06d}"
        while event_id in event_ids:
            event_id += "x"
        others = persons if template["subject"] in person_ids else enterprise_ids
        event = {**template, "id": event_id, "subject": pick.choice(others)}
        changes.append(event)
    with out.open("wb") as handle:
        for change in changes:
            handle.write(orjson.dumps(change) + b"\n")
    return len(changes)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("data", type=Path, help="a registry file (creditgraph generate)")
    p.add_argument("out", type=Path, help="where to write the changes")
    p.add_argument("--count", type=int, default=3200)
    p.add_argument("--seed", type=int, default=7)
    options = p.parse_args(argv)
    written = registry_changes(options.data, options.out, count=options.count, seed=options.seed)
    print(f"{options.out}: {written} changes to {options.data}")


if __name__ == "__main__":
    main()
