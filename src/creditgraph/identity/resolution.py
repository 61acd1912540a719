"""Published entries (``lp:`` persons: a name and a masked number) resolved to registry persons.

Why a small deterministic scorer and not a matching library: a candidate must have an
equal normalised name *and* a number compatible with the mask (both hard rules of
CONTRACT.md), and every corroborating fact a list gives — sex, birth year, province — is
decided by the candidate's full number, so it either agrees or rules the candidate out.
There is nothing left to weigh that a probabilistic model (Splink) or a learned judgement
model (nomenklatura) would improve, and both would bring a dependency and scores no
credit officer can audit. What they do well — durable steward judgements — is here as
``IDENTITY_JUDGED`` events, exported and re-applied with the graph.

The outcome of a resolution is kept as identity links from the entry (SAME_PERSON:
CONFIRMED; POSSIBLY_SAME_PERSON: UNCONFIRMED); the evidence is recomputed from the same
stored facts whenever it is shown, so it cannot drift from what the links say.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from creditgraph.domain.model import Certainty, Event, Link, Node
from creditgraph.domain.names import normalise_name
from creditgraph.identity import LISTED_KEY, canonical_node, is_listed
from creditgraph.identity.masks import blind_compatible, identity_rules
from creditgraph.service.errors import InvalidArgument, UnknownId
from creditgraph.store.base import OUT, Batch, GraphStore, WriteReport

MATCHED, AMBIGUOUS, NEW = "MATCHED", "AMBIGUOUS", "NEW"
JUDGED = "IDENTITY_JUDGED"
VERDICTS = ("same", "different", "unsure")
_LINK_OF = {Certainty.CONFIRMED: "SAME_PERSON", Certainty.UNCONFIRMED: "POSSIBLY_SAME_PERSON"}


@dataclass(frozen=True)
class Candidate:
    person: str
    certainty: Certainty
    evidence: tuple[str, ...]
    verdict: str | None = None  # a steward's: same / different / unsure

    def to_json(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "certainty": self.certainty.value,
            "evidence": list(self.evidence),
            "verdict": self.verdict,
        }


@dataclass(frozen=True)
class Resolution:
    entry: Node
    outcome: str  # MATCHED | AMBIGUOUS | NEW
    candidates: tuple[Candidate, ...]
    # persons ruled out, with why (a contradicting fact, a steward's "different")
    excluded: tuple[tuple[str, str], ...] = field(default=())

    @property
    def unconfirmed(self) -> bool:
        return any(c.certainty is Certainty.UNCONFIRMED for c in self.candidates)

    def to_json(self) -> dict[str, Any]:
        return {
            "entry": self.entry.id,
            "name": self.entry.name,
            "masked_number": self.entry.props.get("id_masked"),
            "outcome": self.outcome,
            "candidates": [c.to_json() for c in self.candidates],
            "excluded": [{"person": p, "reason": r} for p, r in self.excluded],
        }


def judgement_id(entry_id: str, person_id: str) -> str:
    """One judgement per pair: judging again replaces the verdict (the latest stands)."""
    return "jd:" + hashlib.sha1(f"{entry_id}\x00{person_id}".encode()).hexdigest()[:20]


def judgements(store: GraphStore, entry_id: str, pending: Sequence[Event] = ()) -> dict[str, Event]:
    found = {e.props["person"]: e for e in store.events(subject=entry_id, kind=JUDGED)}
    found.update((e.props["person"], e) for e in pending if e.subject == entry_id)
    return found


def _birth_year(person: Node) -> int | None:
    born = person.props.get("birth_date")
    return int(born[:4]) if isinstance(born, str) else None


def _compare(
    entry: Node, person: Node, held: Mapping[str, Sequence[Link]]
) -> tuple[list[str], str | None]:
    """(the evidence for the pair, or the reason it is ruled out). ``held``: the person's
    LEGAL_REPRESENTATIVE links, read for the whole batch at once."""
    rules = identity_rules()
    shared = sorted(
        entry.props.get("id_blind", {}).keys() & person.props.get("id_blind", {}).keys()
    )
    evidence = [
        f"masked number {entry.props.get('id_masked')} compatible with the person's number "
        f"(compared on {', '.join(shared)})",
        f"name {entry.name} equal to {person.name} (normalised)",
    ]
    sex = entry.props.get("sex")
    if sex is not None and person.props.get("sex") is not None:
        if person.props["sex"] != sex:
            return evidence, f"the list's sex {sex} contradicts the person's number"
        evidence.append(f"sex {sex} agrees with the person's number")
    province = entry.props.get("province")
    if province is not None and person.props.get("province") is not None:
        shown = rules.provinces.get(province, province)
        if person.props["province"] == province:
            evidence.append(f"province {shown} agrees with the person's number")
        else:
            # a list's 省份 is often the court's, not where the debtor was registered at birth
            evidence.append(f"province {shown} differs from the number's (not decisive)")
    year = entry.props.get("birth_year")
    if year is not None and _birth_year(person) is not None:
        if year != _birth_year(person):
            return evidence, f"the list's birth year {year} contradicts the person's number"
        evidence.append(f"birth year {year} agrees with the person's number")
    enterprise, day = _debtor_of(entry)
    if enterprise is not None and any(
        link.dst == enterprise and (day is None or link.holds_on(day))
        for link in held.get(person.id, ())
    ):
        when = f" on {day.isoformat()}" if day else ""
        evidence.append(f"legal representative of {enterprise}{when}, the listed debtor")
    return evidence, None


def _debtor_of(entry: Node) -> tuple[str | None, dt.date | None]:
    """The debtor enterprise a list names beside the person, and the listing day."""
    provenance = entry.props.get("provenance") or {}
    enterprise = provenance.get("enterprise")
    if not isinstance(enterprise, str):
        return None, None
    listed_on = provenance.get("listed_on")
    return enterprise, dt.date.fromisoformat(listed_on) if isinstance(listed_on, str) else None


def resolve_entry(store: GraphStore, entry: Node, *, pending: Sequence[Event] = ()) -> Resolution:
    """The registry persons a published entry may be, with the evidence and certainty."""
    return resolve_entries(store, [entry], pending=pending)[entry.id]


def resolve_entries(
    store: GraphStore, entries: Sequence[Node], *, pending: Sequence[Event] = ()
) -> dict[str, Resolution]:
    """:func:`resolve_entry` for many entries with a fixed number of store reads (names,
    judgements, the candidates' offices, judged persons), whatever the number of entries: a
    national list resolves tens of thousands of entries per load."""
    if not entries:
        return {}
    ids = sorted({e.id for e in entries})
    verdicts_of: dict[str, dict[str, Event]] = {i: {} for i in ids}
    for judged in store.events(subjects=ids, kind=JUDGED):
        verdicts_of[judged.subject][judged.props["person"]] = judged
    for judged in pending:
        if judged.subject in verdicts_of:
            verdicts_of[judged.subject][judged.props["person"]] = judged
    wanted_of = {e.id: normalise_name(e.name) for e in entries}
    named: dict[str, list[Node]] = {}
    for person in store.persons_named(sorted(set(wanted_of.values()))):
        if not is_listed(person.id) and person.props.get("id_hash"):
            named.setdefault(normalise_name(person.name), []).append(person)
    # an equal normalised name is required: the persons of that name are the candidates, and
    # a same-name person whose number contradicts the mask is never one
    compatible = {
        e.id: [
            p
            for p in named.get(wanted_of[e.id], ())
            if blind_compatible(p.props.get("id_blind") or {}, e.props.get("id_blind") or {})
        ]
        for e in entries
    }
    asking = {p.id for e in entries if _debtor_of(e)[0] is not None for p in compatible[e.id]}
    held: dict[str, list[Link]] = {}
    if asking:
        for link in store.links(sorted(asking), rels={"LEGAL_REPRESENTATIVE"}, direction=OUT):
            held.setdefault(link.src, []).append(link)
    judged_same = {
        person_id
        for verdicts in verdicts_of.values()
        for person_id, judged in verdicts.items()
        if judged.props["verdict"] == "same"
    }
    existing = set(store.nodes(sorted(judged_same))) if judged_same else set()
    return {
        e.id: _resolution(e, compatible[e.id], verdicts_of[e.id], held, existing) for e in entries
    }


def _resolution(
    entry: Node,
    compatible: Sequence[Node],
    verdicts: Mapping[str, Event],
    held: Mapping[str, Sequence[Link]],
    existing: set[str],
) -> Resolution:
    candidates: list[Candidate] = []
    excluded: list[tuple[str, str]] = []
    for person in compatible:
        evidence, ruled_out = _compare(entry, person, held)
        judged = verdicts.get(person.id)
        verdict = judged.props["verdict"] if judged else None
        if ruled_out is not None:
            excluded.append((person.id, ruled_out))
            continue
        if verdict == "different":
            excluded.append((person.id, _judged_text(judged, "not the same person")))
            continue
        certainty = Certainty.CONFIRMED if verdict == "same" else Certainty.UNCONFIRMED
        if judged is not None:
            evidence.append(_judged_text(judged, f"judged {verdict}"))
        candidates.append(Candidate(person.id, certainty, tuple(evidence), verdict))
    # a steward's "same" stands even for a pair the rules did not propose
    proposed = {c.person for c in candidates}
    for person_id, judged in sorted(verdicts.items()):
        same = judged.props["verdict"] == "same" and person_id not in proposed
        if same and person_id in existing:
            candidates.append(
                Candidate(
                    person_id,
                    Certainty.CONFIRMED,
                    (_judged_text(judged, "judged the same person"),),
                    "same",
                )
            )
    confirmed = [c for c in candidates if c.certainty is Certainty.CONFIRMED]
    if confirmed:  # one person is one person: the others cannot be this entry too
        excluded.extend(
            (c.person, f"the entry was judged to be {confirmed[0].person}")
            for c in candidates
            if c.certainty is not Certainty.CONFIRMED
        )
        candidates = confirmed
    outcome = NEW if not candidates else MATCHED if len(candidates) == 1 else AMBIGUOUS
    return Resolution(entry, outcome, tuple(candidates), tuple(excluded))


def _judged_text(judged: Event | None, what: str) -> str:
    if judged is None:
        return what
    by = judged.props.get("judged_by") or "a steward"
    why = judged.props.get("why")
    return f"{what} by {by} on {judged.date.isoformat()}" + (f": {why}" if why else "")


def identity_links(resolution: Resolution) -> list[Link]:
    return [
        Link(_LINK_OF[c.certainty], resolution.entry.id, c.person) for c in resolution.candidates
    ]


def resolution_batch(
    store: GraphStore, entry_ids: Iterable[str], *, pending: Sequence[Event] = ()
) -> Batch:
    """The identity links to add and retract so that they say what resolution finds now."""
    batch = Batch(events=list(pending))
    rels = store.schema.identity_rels()
    found = store.nodes(sorted(set(entry_ids)))
    entries = [
        found[i] for i in sorted(found) if found[i].type == "person" and is_listed(found[i].id)
    ]
    current: dict[str, dict[Any, Link]] = {}
    if entries:
        for link in store.links([e.id for e in entries], rels=rels, direction=OUT):
            current.setdefault(link.src, {})[link.key] = link
    for entry_id, resolution in sorted(resolve_entries(store, entries, pending=pending).items()):
        wanted = {link.key: link for link in identity_links(resolution)}
        now = current.get(entry_id, {})
        batch.links.extend(link for key, link in wanted.items() if key not in now)
        batch.retracted.extend(link for key, link in now.items() if key not in wanted)
    return batch


def links_ahead(
    store: GraphStore, entries: Sequence[Node], pending: Sequence[Event]
) -> tuple[list[Link], set[str]]:
    """The identity links of published entries not stored yet, against the persons stored
    now, and the entries so resolved: written in the same batch as the entries, their events
    are derived once, with the matches, instead of once without and again when
    :func:`resolve` links them. Only what a load writes among the candidates (a registry
    person with a number, a merge) can make the answer differ after the write; the loader
    resolves again then. (Offices written alongside add evidence, never a candidate.)"""
    listed = [e for e in entries if is_listed(e.id)]
    if not listed:
        return [], set()
    stored = store.node_types([e.id for e in listed])
    new = [e for e in listed if e.id not in stored]
    judged = [e for e in pending if e.kind == JUDGED]
    found = resolve_entries(store, new, pending=judged)
    return [link for e in new for link in identity_links(found[e.id])], set(found)


def entries_touched(store: GraphStore, persons: Sequence[Node]) -> set[str]:
    """The published entries whose resolution persons just written can change: the entries
    themselves, and the entries compatible with a registry person's number."""
    touched = {p.id for p in persons if is_listed(p.id)}
    keys = sorted(
        {
            f"b:{pattern}:{index}"
            for p in persons
            if not is_listed(p.id)
            for pattern, index in (p.props.get("id_blind") or {}).items()
        }
    )
    if keys and store.persons_by_identity([LISTED_KEY], limit=1):
        touched.update(p.id for p in store.persons_by_identity(keys) if is_listed(p.id))
    return touched


def resolve(store: GraphStore, persons: Sequence[Node]) -> WriteReport:
    """Bring identity links up to date after persons were written (one transaction)."""
    touched = entries_touched(store, persons)
    if not touched:
        return WriteReport()
    batch = resolution_batch(store, touched)
    if not batch.links and not batch.retracted:
        return WriteReport()
    return store.write(batch)


def judge(
    store: GraphStore,
    entry_id: str,
    person_id: str,
    verdict: str,
    *,
    why: str | None,
    judged_by: str,
    on: dt.date,
) -> tuple[Resolution, WriteReport]:
    """Record a steward's verdict on (entry, person) — given in either order — and re-derive
    in the same transaction."""
    if verdict not in VERDICTS:
        raise InvalidArgument(f"verdict {verdict!r} is not one of {', '.join(VERDICTS)}")
    if is_listed(person_id) and not is_listed(entry_id):
        entry_id, person_id = person_id, entry_id  # the pair given person first
    found = store.nodes([entry_id, person_id])
    if person_id not in found and (holder := canonical_node(store, person_id)) is not None:
        person_id = holder.id  # an alias: the person it stands for
        found[person_id] = holder
    for node_id in (entry_id, person_id):
        if node_id not in found:
            raise UnknownId(f"unknown id {node_id!r}")
        if found[node_id].type != "person":
            raise InvalidArgument(f"{node_id!r} is {found[node_id].type}, not a person")
    if not is_listed(entry_id):
        raise InvalidArgument(
            f"{entry_id!r} is not a published entry (lp:…): judgements pair a listed person "
            "with a registry person"
        )
    if is_listed(person_id):
        raise InvalidArgument(f"{person_id!r} is a published entry, not a registry person")
    props: dict[str, Any] = {"person": person_id, "verdict": verdict, "judged_by": judged_by}
    if why:
        props["why"] = why
    event = Event(judgement_id(entry_id, person_id), JUDGED, entry_id, on, props)
    batch = resolution_batch(store, [entry_id], pending=[event])
    report = store.write(batch)
    return resolve_entry(store, found[entry_id]), report


def resolution_queue(store: GraphStore, *, on: dt.date, limit: int = 100) -> list[Resolution]:
    """Entries still to be judged (AMBIGUOUS, or reaching someone UNCONFIRMED), most
    consequential first: the measures in force hanging on them."""
    entries = [e for e in store.persons_by_identity([LISTED_KEY]) if is_listed(e.id)]
    rels = store.schema.identity_rels()
    linked = {link.src for link in store.links([e.id for e in entries], rels=rels, direction=OUT)}
    resolved = resolve_entries(store, [e for e in entries if e.id in linked])
    pending = sorted(i for i, r in resolved.items() if r.unconfirmed)
    weight: dict[str, int] = dict.fromkeys(pending, 0)
    if pending:
        for restriction in store.restrictions(subjects=pending, active_on=on):
            weight[restriction.subject] += 1
    queue = [(-weight[i], i, resolved[i]) for i in pending]
    queue.sort(key=lambda item: (item[0], item[1]))
    return [resolution for _, _, resolution in queue[:limit]]


def explain(store: GraphStore, entry_id: str, person_id: str) -> Candidate | None:
    """Why an entry reaches a person (for a decision's reason), as resolution sees it now."""
    entry = store.node(entry_id)
    if entry is None:
        return None
    for candidate in resolve_entry(store, entry).candidates:
        if candidate.person == person_id:
            return candidate
    return None
