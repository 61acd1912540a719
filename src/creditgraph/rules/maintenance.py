"""Which events a change can reach, so incremental maintenance re-derives exactly those.

An event's restrictions depend on the event, the events lifting it, its subject
node, and the links within the longest rule path of its subject. So:
a changed node re-derives the events on it; a changed link re-derives the
events on subjects within (longest path − 1) links of either end; a changed
event re-derives the sanction at the root of its lifting chain.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from creditgraph.domain.model import Event
from creditgraph.identity import is_listed
from creditgraph.rules.engine import GraphView, root_event
from creditgraph.schema import GraphSchema


class MaintenanceView(GraphView, Protocol):
    def events_on(self, subject_ids: Iterable[str]) -> set[str]: ...

    def neighbours(self, node_ids: Iterable[str]) -> set[str]: ...

    def events_naming(self, person_ids: Iterable[str]) -> set[str]:
        """Events whose ``responsible`` names one of these persons."""
        ...


def longest_path(schema: GraphSchema) -> int:
    # an identity link (a listed person resolved to a registry person) is one more hop
    # before any rule path: a sanction on the listed person starts from the person
    longest = max((rule.hops() for rule in schema.rules), default=0)
    return longest + 1 if schema.identity_rels() else longest


def events_to_rederive(
    view: MaintenanceView,
    schema: GraphSchema,
    changed_nodes: Iterable[str],
    changed_link_ends: Iterable[str],
    changed_events: Iterable[Event],
) -> set[str]:
    subjects = set(changed_nodes)
    changed_link_ends = set(changed_link_ends)
    if any(rule.refers_field for rule in schema.rules):
        # an event no rule fires on may still be read by one through a reference (the
        # commitment a breach names): the events on its subject are re-derived with it
        fired = {kind for rule in schema.rules for kind in rule.events}
        lifting = schema.lifting_kinds()
        subjects |= {
            e.subject for e in changed_events if e.kind not in fired and e.kind not in lifting
        }
    hops = longest_path(schema)
    if hops:
        reached = set(changed_link_ends)
        frontier = set(reached)
        for _ in range(hops - 1):
            frontier = view.neighbours(frontier) - reached
            reached |= frontier
        subjects |= reached
    candidates = view.events_on(subjects) if subjects else set()
    if schema.identity_rels():
        # an event naming a published entry responsible reaches the persons the entry was
        # resolved to: a changed identity link of the entry changes what it derives
        entries = sorted({i for i in changed_link_ends if is_listed(i)})
        if entries:
            candidates |= view.events_naming(entries)
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
