"""Breadth-first traversal reads over ``GraphStore.links``: one set-based read per level.

The embedded store answers the traversal operations of the store interface with these;
they are also the reference the Neo4j store's Cypher is held to (the parity tests).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from itertools import pairwise
from typing import Protocol

from creditgraph.domain.model import Link
from creditgraph.schema import GraphSchema
from creditgraph.store.base import (
    BOTH,
    IN,
    OUT,
    Budget,
    ConflictLinks,
    FoundPath,
    RankedLinks,
    TooWide,
    display_order,
    rel_ranks,
)

OFFICIAL_OF, SUPERVISES, RELATIVE_OF = "OFFICIAL_OF", "SUPERVISES", "RELATIVE_OF"


class LinkReader(Protocol):
    schema: GraphSchema

    def links(
        self,
        node_ids: Iterable[str],
        *,
        rels: Iterable[str] | None = None,
        direction: str = BOTH,
        as_of: dt.date | None = None,
    ) -> list[Link]: ...


def _key(link: Link) -> tuple[str, str, str, dt.date]:
    return (link.rel, link.src, link.dst, link.valid_from or dt.date.min)


def ranked_links(
    store: LinkReader,
    node_ids: Sequence[str],
    *,
    rels: Iterable[str] | None,
    as_of: dt.date | None,
    limit: int,
) -> dict[str, RankedLinks]:
    """Every link read and sorted here: right for nodes known to have few links."""
    wanted = list(dict.fromkeys(node_ids))
    chosen = set(wanted)
    grouped: dict[str, list[Link]] = {node_id: [] for node_id in wanted}
    for link in store.links(wanted, rels=rels, direction=BOTH, as_of=as_of):
        for end in {link.src, link.dst}:
            if end in chosen:
                grouped[end].append(link)
    ranks = rel_ranks(store.schema)
    found = {}
    for node_id, links in grouped.items():
        links.sort(key=display_order(ranks, node_id))
        found[node_id] = RankedLinks(links[:limit], len(links))
    return found


class _Side:
    """One end of a bidirectional search: distances, and the links each party was reached by."""

    def __init__(self, start: str) -> None:
        self.start = start
        self.distance = {start: 0}
        self.parents: dict[str, dict[str, list[Link]]] = {}
        self.frontier = [start]
        self.depth = 0

    def expand(self, links: Iterable[Link]) -> list[str]:
        frontier = set(self.frontier)
        reached: list[str] = []
        for link in links:
            for end in (link.src, link.dst):
                if end not in frontier:
                    continue
                other = link.other(end)
                seen = self.distance.get(other)
                if seen is not None and seen <= self.depth:
                    continue  # reached earlier, or a link inside the frontier: not on a shortest path
                if seen is None:
                    self.distance[other] = self.depth + 1
                    reached.append(other)
                self.parents.setdefault(other, {}).setdefault(end, []).append(link)
        self.depth += 1
        self.frontier = sorted(reached)
        return self.frontier


def shortest_paths(
    store: LinkReader,
    source: str,
    target: str,
    *,
    max_hops: int,
    rels: Iterable[str] | None,
    as_of: dt.date | None,
    first: int,
    max_parties: int,
    budget: Budget,
) -> list[FoundPath]:
    """Breadth-first from both ends at once, always growing the smaller frontier, until
    the two meet: the cost grows with the square root of what a one-sided search visits."""
    chosen = None if rels is None else sorted(set(rels))
    forward, backward = _Side(source), _Side(target)
    meeting: list[str] = []
    while forward.depth + backward.depth < max_hops and forward.frontier and backward.frontier:
        budget.check()
        side, other = (
            (forward, backward)
            if len(forward.frontier) <= len(backward.frontier)
            else (backward, forward)
        )
        reached = side.expand(store.links(side.frontier, rels=chosen, direction=BOTH, as_of=as_of))
        if len(side.distance) + len(other.distance) > max_parties:
            raise TooWide(max_parties)
        meeting = [node for node in reached if node in other.distance]
        if meeting:
            break
    if not meeting:
        return []
    shortest = min(forward.distance[m] + backward.distance[m] for m in meeting)
    middles = {m for m in meeting if forward.distance[m] + backward.distance[m] == shortest}
    # the parties on some shortest path before the middle, each with its successors on one
    children: dict[str, list[str]] = {}
    seen = set(middles)
    level = sorted(middles)
    while level:
        above: set[str] = set()
        for node in level:
            for parent in forward.parents.get(node, {}):
                children.setdefault(parent, []).append(node)
                if parent not in seen:
                    seen.add(parent)
                    above.add(parent)
        level = sorted(above)
    for kids in children.values():
        kids.sort()

    def chains(node: str, before: list[str], past: bool) -> Iterator[list[str]]:
        trail = [*before, node]
        if node == target:
            yield trail
        elif past or node in middles:
            # past the middle: back along the links the target's side was reached by
            for parent in sorted(backward.parents.get(node, {})):
                yield from chains(parent, trail, True)
        else:
            for child in children.get(node, ()):
                yield from chains(child, trail, False)

    found: list[FoundPath] = []
    for nodes in chains(source, [], False):
        hops = []
        for a, b in pairwise(nodes):
            links = forward.parents.get(b, {}).get(a) or backward.parents.get(a, {}).get(b, [])
            hops.append(tuple(sorted(links, key=_key)))
        found.append(FoundPath(tuple(nodes), tuple(hops)))
        if len(found) >= first:
            break
    return found


def links_within(
    store: LinkReader,
    root: str,
    *,
    depth: int,
    rels: Iterable[str] | None,
    as_of: dt.date | None,
    max_parties: int,
    budget: Budget,
) -> list[Link]:
    chosen = None if rels is None else sorted(set(rels))
    seen = {root}
    frontier = [root]
    found: dict[tuple[str, str, str, dt.date], Link] = {}
    for _level in range(depth):
        if not frontier:
            break
        budget.check()
        following: list[str] = []
        for link in store.links(frontier, rels=chosen, direction=BOTH, as_of=as_of):
            found[_key(link)] = link
            for end in (link.src, link.dst):
                if end not in seen:
                    seen.add(end)
                    following.append(end)
        if len(seen) > max_parties:
            raise TooWide(max_parties)
        frontier = following
    return list(found.values())


def ownership_links(
    store: LinkReader,
    enterprise: str,
    *,
    rels: Iterable[str],
    levels: int,
    as_of: dt.date | None,
    max_parties: int,
    budget: Budget,
) -> list[Link]:
    chosen = sorted(set(rels))
    seen = {enterprise}
    frontier = [enterprise]
    found: list[Link] = []
    for _level in range(levels):
        if not frontier:
            break
        budget.check()
        following = []
        for link in store.links(frontier, rels=chosen, direction=IN, as_of=as_of):
            found.append(link)
            if link.src not in seen:
                seen.add(link.src)
                following.append(link.src)
        if len(seen) > max_parties:
            raise TooWide(max_parties)
        frontier = following
    return found


def conflict_links(
    store: LinkReader,
    *,
    agency: str | None,
    official: str | None,
    as_of: dt.date | None,
    holding_rels: Iterable[str],
) -> ConflictLinks:
    start = official if official is not None else agency
    assert start is not None
    offices = [
        link
        for link in store.links(
            [start], rels=(OFFICIAL_OF,), direction=OUT if official is not None else IN, as_of=as_of
        )
        if agency is None or link.dst == agency
    ]
    if not offices:
        return ConflictLinks([], [], [], [])
    officials = sorted({link.src for link in offices})
    agencies = sorted({link.dst for link in offices})
    supervisions = store.links(agencies, rels=(SUPERVISES,), direction=OUT, as_of=as_of)
    if not supervisions:
        return ConflictLinks(offices, [], [], [])
    kinships = store.links(officials, rels=(RELATIVE_OF,), direction=BOTH, as_of=as_of)
    holders = set(officials) | {end for link in kinships for end in (link.src, link.dst)}
    supervised = {link.dst for link in supervisions}
    holdings = [
        link
        for link in store.links(
            sorted(holders), rels=sorted(set(holding_rels)), direction=OUT, as_of=as_of
        )
        if link.dst in supervised
    ]
    return ConflictLinks(offices, supervisions, kinships, holdings)
