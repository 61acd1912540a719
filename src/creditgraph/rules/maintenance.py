"""Which events a change can reach, so incremental maintenance re-derives exactly those.

An event's restrictions depend on the event, the events lifting it, its subject node, and
the links its rules read on their way out from the subject (:func:`~creditgraph.rules.engine.derive`):
the subject's identity links, then each step of a rule's path, then a head office's
branches. So:

- a changed node re-derives the events on it;
- a changed link re-derives the events whose derivation reads it: for each place some
  rule reads links of its kind, the end it is read from, walked back along the rule's
  path to the subjects it starts at (and to the published entries resolved to those) —
  an office ending at one enterprise re-derives the sanctions on that enterprise, not
  those on the officer's other enterprises, which no rule reads it for;
- a changed identity link re-derives the events on the published entry and those naming
  it responsible;
- a changed event re-derives the sanction at the root of its lifting chain.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from creditgraph.domain.model import Event
from creditgraph.identity import is_listed
from creditgraph.rules.engine import BRANCH_OF, GraphView, root_event
from creditgraph.schema import GraphSchema

ChangedLink = tuple[str, str, str]  # (src, rel, dst)


class MaintenanceView(GraphView, Protocol):
    def events_on(self, subject_ids: Iterable[str]) -> set[str]: ...

    def linked(self, node_ids: Iterable[str], rels: frozenset[str], direction: str) -> set[str]:
        """The other ends of the links of kinds ``rels`` entering (``in``) or leaving
        (``out``) these nodes."""
        ...

    def events_naming(self, person_ids: Iterable[str]) -> set[str]:
        """Events whose ``responsible`` names one of these persons."""
        ...


_OPPOSITE = {"in": "out", "out": "in"}


@dataclass(frozen=True)
class Reader:
    """One place a rule reads links of some kinds: from which end of the link (``src`` or
    ``dst``), and the way back from that node to the event's subject — the rule's earlier
    steps, nearest first, each as (kinds, direction to follow)."""

    end: str
    back: tuple[tuple[frozenset[str], str], ...]


def link_readers(schema: GraphSchema) -> dict[str, set[Reader]]:
    """For each link kind, where the rules read it (identity links are read apart)."""
    readers: dict[str, set[Reader]] = defaultdict(set)
    for rule in schema.rules:
        back: tuple[tuple[frozenset[str], str], ...] = ()
        for step in rule.path:
            # a step "in" reads the links entering the node it stands on: their dst
            reader = Reader("dst" if step.direction == "in" else "src", back)
            for rel in step.rels:
                readers[rel].add(reader)
            back = ((step.rels, _OPPOSITE[step.direction]), *back)
        if rule.branches:  # the branches of the node the path ends on: BRANCH_OF entering it
            readers[BRANCH_OF].add(Reader("dst", back))
    return readers


def events_to_rederive(
    view: MaintenanceView,
    schema: GraphSchema,
    changed_nodes: Iterable[str],
    changed_links: Iterable[ChangedLink],
    changed_events: Iterable[Event],
) -> set[str]:
    subjects = set(changed_nodes)
    changed_events = list(changed_events)
    if any(rule.refers_field for rule in schema.rules):
        # an event no rule fires on may still be read by one through a reference (the
        # commitment a breach names): the events on its subject are re-derived with it
        fired = {kind for rule in schema.rules for kind in rule.events}
        lifting = schema.lifting_kinds()
        subjects |= {
            e.subject for e in changed_events if e.kind not in fired and e.kind not in lifting
        }
    identity = schema.identity_rels()
    readers = link_readers(schema)
    # the nodes a rule reads a changed link from, grouped by the way back to the subject
    read_from: dict[tuple[tuple[frozenset[str], str], ...], set[str]] = defaultdict(set)
    entries: set[str] = set()
    for src, rel, dst in changed_links:
        if rel in identity:
            # read from the published entry: by its own events, and by the events naming
            # it responsible (which reach the persons it was resolved to)
            subjects.add(src)
            if is_listed(src):
                entries.add(src)
            continue
        for reader in readers.get(rel, ()):
            read_from[reader.back].add(src if reader.end == "src" else dst)
    starts: set[str] = set()
    for back, nodes in read_from.items():
        for rels, direction in back:
            if not nodes:
                break
            nodes = view.linked(nodes, rels, direction)
        starts |= nodes
    if identity and starts:
        # a rule's path starts at the subject and at the persons a published entry (the
        # subject) was resolved to: those entries' events read the same links
        starts |= view.linked(starts, identity, "in")
    subjects |= starts
    candidates = view.events_on(subjects) if subjects else set()
    if entries:
        candidates |= view.events_naming(sorted(entries))
    roots: set[str] = set()
    for event_id in candidates:
        event = view.event(event_id)
        if event is not None:
            root = root_event(event, view, schema)
            if root is not None:
                roots.add(root.id)
    for event in changed_events:
        root = root_event(event, view, schema)
        if root is not None:
            roots.add(root.id)
    return roots
