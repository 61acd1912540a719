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
from creditgraph.rules.engine import GraphView, root_event
from creditgraph.schema import GraphSchema


class MaintenanceView(GraphView, Protocol):
    def events_on(self, subject_ids: Iterable[str]) -> set[str]: ...

    def neighbours(self, node_ids: Iterable[str]) -> set[str]: ...


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
    hops = longest_path(schema)
    if hops:
        reached = set(changed_link_ends)
        frontier = set(reached)
        for _ in range(hops - 1):
            frontier = view.neighbours(frontier) - reached
            reached |= frontier
        subjects |= reached
    candidates = view.events_on(subjects) if subjects else set()
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
