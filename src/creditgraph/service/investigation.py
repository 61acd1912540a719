"""Association queries for investigators: who is linked to X, how A and B connect, who
really owns E, which sanctioned parties sit near X, and whose relatives hold office in the
enterprises an agency supervises.

Every algorithm here reads the graph through the traversal operations of
:class:`~creditgraph.store.base.GraphStore` (``ranked_links``, ``shortest_paths``,
``links_within``, ``ownership_links``, ``conflict_links``), which each store answers in its
own best way — the embedded store level by level over its indexes, Neo4j in Cypher. What
the answers mean stays here: every traversal is capped (depth, hops, fan-out, parties
visited), takes the day asked about, and checks a :class:`Deadline`, so a query over a hub
stops with a clear error instead of hanging; the caps bound what the stores read.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from creditgraph.domain.model import Event, Link, Node, Restriction
from creditgraph.domain.names import normalise_name
from creditgraph.service.errors import InvalidArgument, LimitExceeded, UnknownId
from creditgraph.store.base import GraphStore, RankedLinks, TooWide

MAX_DEPTH = 3
MAX_HOPS = 6
DEFAULT_PER_NODE_LIMIT = 50
MAX_PER_NODE_LIMIT = 1000
# Parties one query may visit: beyond this the question is too wide to answer usefully
# (narrow it with rels or asOf) and its cost no longer fits an interactive request.
MAX_PARTIES = 5000
MAX_PATHS = 100
# Parties a bidirectional path search may visit on both sides together.
MAX_SEARCH_PARTIES = 8 * MAX_PARTIES
MAX_OWNERSHIP_LEVELS = 10
MAX_OWNERSHIP_CHAINS = 10_000
# PBOC/SAMR 受益所有人信息管理办法 (2024) 第六条: 直接或者间接拥有25%以上股权.
BENEFICIAL_OWNER_THRESHOLD = 0.25
# Relative tolerance for summed shares (0.5 * 0.5 must reach a 0.25 threshold).
_SHARE_EPSILON = 1e-9

SHAREHOLDER, ACTUAL_CONTROLLER = "SHAREHOLDER", "ACTUAL_CONTROLLER"
OFFICIAL_OF, SUPERVISES, RELATIVE_OF = "OFFICIAL_OF", "SUPERVISES", "RELATIVE_OF"


class DeadlineExceeded(LimitExceeded):
    """The request ran past its time limit (CREDITGRAPH_REQUEST_TIMEOUT)."""

    code = "TIMEOUT"


class Deadline:
    """A point in time after which work for a request must stop (checked between store calls)."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self._at = None if seconds is None else time.monotonic() + seconds

    def remaining(self) -> float | None:
        return None if self._at is None else self._at - time.monotonic()

    def expired(self) -> bool:
        return self._at is not None and time.monotonic() >= self._at

    def check(self) -> None:
        if self.expired():
            raise DeadlineExceeded(
                f"the request ran past its time limit of {self.seconds:g} s "
                "(narrow the query: fewer hops, a lower depth, rels or asOf)"
            )


NO_DEADLINE = Deadline(None)


# --- results ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Truncation:
    """A party whose links were not all shown: ``total`` links, ``shown`` of them kept."""

    node: str
    total: int
    shown: int


@dataclass(frozen=True)
class Subgraph:
    root: str
    depth: int
    as_of: dt.date | None
    nodes: dict[str, Node]
    distance: dict[str, int]
    links: list[Link]
    truncated: list[Truncation]


@dataclass(frozen=True)
class Hop:
    """One step of a path: from one party to the next, by every link joining them."""

    src: str
    dst: str
    links: tuple[Link, ...]


@dataclass(frozen=True)
class ConnectingPath:
    nodes: tuple[str, ...]
    hops: tuple[Hop, ...]

    @property
    def length(self) -> int:
        return len(self.hops)


@dataclass(frozen=True)
class OwnershipChain:
    """Links from a person down to the enterprise, each holder holding the next."""

    nodes: tuple[str, ...]
    links: tuple[Link, ...]
    share: float | None  # product of the shares; None when a share is unknown or not equity
    control: bool  # every link is actual control or a majority holding


@dataclass(frozen=True)
class Owner:
    person: str
    effective_share: float  # summed over the chains whose shares are all known
    reasons: tuple[str, ...]  # EQUITY and/or CONTROL
    chains: tuple[OwnershipChain, ...]
    incomplete: bool  # a chain with an unknown share: effective_share is a lower bound


@dataclass(frozen=True)
class Exposure:
    node: str
    distance: int
    path: ConnectingPath
    events: tuple[Event, ...]  # sanction events on the party, neither voided nor ended
    restrictions: tuple[Restriction, ...]  # measures on the party in force that day

    @property
    def active(self) -> bool:
        return bool(self.restrictions)


@dataclass(frozen=True)
class InterestConflict:
    official: str
    agency: str
    holder: str  # the official, or the relative holding the role or shares
    enterprise: str
    office: Link  # official -OFFICIAL_OF-> agency
    supervision: Link  # agency -SUPERVISES-> enterprise
    holding: Link  # holder -ROLE|SHAREHOLDER|ACTUAL_CONTROLLER-> enterprise
    kinship: Link | None  # official -RELATIVE_OF- holder, when the holder is a relative
    path: ConnectingPath = field(compare=False)

    @property
    def relation(self) -> str:
        return "SELF" if self.kinship is None else "RELATIVE"


# --- helpers ------------------------------------------------------------------------------


def require_node(store: GraphStore, node_id: str, node_type: str | None = None) -> Node:
    node = store.node(node_id)
    if node is None:
        raise UnknownId(f"unknown id {node_id!r}")
    if node_type is not None and node.type != node_type:
        raise InvalidArgument(f"{node_id!r} is a {node.type}, not a {node_type}")
    return node


def _bounded(name: str, value: int, low: int, high: int) -> int:
    if value < low:
        raise InvalidArgument(f"{name} must be at least {low}, got {value}")
    if value > high:
        raise LimitExceeded(
            f"{name} may be at most {high}, got {value}", limit=name, maximum=high, value=value
        )
    return value


def _check_rels(store: GraphStore, rels: Iterable[str] | None) -> frozenset[str] | None:
    if rels is None:
        return None
    chosen = frozenset(rels)
    unknown = chosen - store.schema.links.keys()
    if unknown:
        raise InvalidArgument(f"unknown link kinds {sorted(unknown)}")
    return chosen


# --- neighbourhood ------------------------------------------------------------------------


def neighborhood(
    store: GraphStore,
    root: str,
    *,
    depth: int = 1,
    rels: Iterable[str] | None = None,
    as_of: dt.date | None = None,
    per_node_limit: int = DEFAULT_PER_NODE_LIMIT,
    deadline: Deadline = NO_DEADLINE,
) -> Subgraph:
    """The parties within ``depth`` links of ``root`` and the links between them.

    A party with more links than ``per_node_limit`` (a nominee legal representative of
    hundreds of shells) is expanded only that far; it is reported in ``truncated`` with how
    many links it has and how many are shown, so the caller knows the picture is partial.
    """
    _bounded("depth", depth, 0, MAX_DEPTH)
    _bounded("perNodeLimit", per_node_limit, 1, MAX_PER_NODE_LIMIT)
    chosen = _check_rels(store, rels)
    if depth == 0:
        require_node(store, root)
    read: dict[str, RankedLinks] = {}
    distance = {root: 0}
    kept: dict[tuple[str, str, str, dt.date], Link] = {}
    kept_by_node: dict[str, int] = {}
    truncated: list[Truncation] = []
    frontier = [root]
    for level in range(depth):
        if not frontier:
            break
        deadline.check()
        # a party's first perNodeLimit links are enough: at most `shown` of them are
        # already kept (the link it was reached by), and those count as shown
        unread = [node_id for node_id in frontier if node_id not in read]
        if unread:
            # one level on is read with this one (a server store: in the same round trip)
            read.update(
                store.ranked_links(
                    unread, rels=chosen, as_of=as_of, limit=per_node_limit, ahead=level + 1 < depth
                )
            )
        following: list[str] = []
        for node_id in frontier:
            first = read[node_id]
            shown = kept_by_node.get(node_id, 0)
            for link in first.links:
                if _key(link) in kept:
                    continue
                if shown >= per_node_limit:
                    break
                other = link.other(node_id)
                if other not in distance and len(distance) >= MAX_PARTIES:
                    break
                kept[_key(link)] = link
                for end in {link.src, link.dst}:
                    kept_by_node[end] = kept_by_node.get(end, 0) + 1
                shown += 1
                if other not in distance:
                    distance[other] = level + 1
                    following.append(other)
            if shown < first.total:
                truncated.append(Truncation(node_id, first.total, shown))
        frontier = following
    if truncated:
        # a link cut at a hub may still be shown, reached from its other end one level on
        shown_by_node: dict[str, int] = {}
        for link in kept.values():
            for end in {link.src, link.dst}:
                shown_by_node[end] = shown_by_node.get(end, 0) + 1
        truncated = [
            Truncation(t.node, t.total, shown_by_node.get(t.node, 0))
            for t in truncated
            if shown_by_node.get(t.node, 0) < t.total
        ]
    nodes = {
        node_id: ranked.node
        for node_id, ranked in read.items()
        if node_id in distance and ranked.node is not None
    }
    unread_nodes = [node_id for node_id in distance if node_id not in nodes]
    if unread_nodes:
        # the store may have read a party at the far end of a shown link already
        on_the_way = {n.id: n for ranked in read.values() for n in ranked.others}
        for node_id in unread_nodes:
            if node_id in on_the_way:
                nodes[node_id] = on_the_way[node_id]
        unread_nodes = [node_id for node_id in unread_nodes if node_id not in nodes]
    if unread_nodes:
        nodes.update(store.nodes(unread_nodes))
    if root not in nodes:
        raise UnknownId(f"unknown id {root!r}")
    return Subgraph(
        root=root,
        depth=depth,
        as_of=as_of,
        nodes={node_id: nodes[node_id] for node_id in distance if node_id in nodes},
        distance=distance,
        links=list(kept.values()),
        truncated=truncated,
    )


def _key(link: Link) -> tuple[str, str, str, dt.date]:
    return (link.rel, link.src, link.dst, link.valid_from or dt.date.min)


# --- connecting paths -----------------------------------------------------------------------


class _Reached:
    """Breadth-first from one party over links already read: distances, and the links
    each party was first reached by (for the shortest path back)."""

    def __init__(self, start: str, links: Iterable[Link]) -> None:
        self.start = start
        by_node: dict[str, list[Link]] = {}
        for link in links:
            for end in {link.src, link.dst}:
                by_node.setdefault(end, []).append(link)
        self.distance = {start: 0}
        self.parents: dict[str, dict[str, list[Link]]] = {}
        frontier = [start]
        while frontier:
            following: list[str] = []
            for node in frontier:
                depth = self.distance[node]
                for link in by_node.get(node, ()):
                    other = link.other(node)
                    seen = self.distance.get(other)
                    if seen is not None and seen <= depth:
                        continue
                    if seen is None:
                        self.distance[other] = depth + 1
                        following.append(other)
                    self.parents.setdefault(other, {}).setdefault(node, []).append(link)
            frontier = following

    def path_to(self, node_id: str) -> ConnectingPath:
        """The shortest path from the start, through the first parent in id order each step."""
        nodes = [node_id]
        while nodes[-1] != self.start:
            nodes.append(min(self.parents[nodes[-1]]))
        nodes.reverse()
        hops = [Hop(a, b, tuple(sorted(self.parents[b][a], key=_key))) for a, b in pairwise(nodes)]
        return ConnectingPath(tuple(nodes), tuple(hops))


def paths(
    store: GraphStore,
    source: str,
    target: str,
    *,
    max_hops: int = 4,
    as_of: dt.date | None = None,
    rels: Iterable[str] | None = None,
    first: int = 10,
    deadline: Deadline = NO_DEADLINE,
) -> list[ConnectingPath]:
    """The shortest chains of links joining two parties (找关系), links taken either way.

    Every shortest path is returned (up to ``first``, in the order of their parties' ids),
    each hop with all the links joining its two parties on the day asked about.
    """
    _bounded("maxHops", max_hops, 1, MAX_HOPS)
    _bounded("first", first, 1, MAX_PATHS)
    chosen = _check_rels(store, rels)
    if source == target:
        raise InvalidArgument("fromId and toId are the same party")

    def require_ends() -> None:
        found = store.nodes([source, target])
        for node_id in (source, target):
            if node_id not in found:
                raise UnknownId(f"unknown id {node_id!r}")

    # A chain found names both ends, so only an empty answer (or a search too wide) asks
    # whether they exist: one round trip less for a path found (on Neo4j at M, p50 3.1 ->
    # 2.5 ms). An unknown end has no links, so its search ends at once.
    deadline.check()
    try:
        chains = store.shortest_paths(
            source,
            target,
            max_hops=max_hops,
            rels=chosen,
            as_of=as_of,
            first=first,
            max_parties=MAX_SEARCH_PARTIES,
            budget=deadline,
        )
    except TooWide:
        require_ends()
        raise LimitExceeded(
            f"the search between {source!r} and {target!r} reached more than "
            f"{MAX_SEARCH_PARTIES} parties before the two ends met: lower maxHops, or "
            "narrow it with rels or asOf",
            limit="parties",
            maximum=MAX_SEARCH_PARTIES,
        ) from None
    if not chains:
        require_ends()
    return [
        ConnectingPath(
            chain.nodes,
            tuple(
                Hop(a, b, tuple(sorted(links, key=_key)))
                for (a, b), links in zip(pairwise(chain.nodes), chain.hops, strict=True)
            ),
        )
        for chain in chains
    ]


# --- beneficial owners ------------------------------------------------------------------------


def beneficial_owners(
    store: GraphStore,
    enterprise: str,
    *,
    threshold: float = BENEFICIAL_OWNER_THRESHOLD,
    as_of: dt.date,
    deadline: Deadline = NO_DEADLINE,
) -> list[Owner]:
    """Natural persons who own or control ``enterprise`` on ``as_of``.

    EQUITY: the effective share — the product of the shares along each chain of
    SHAREHOLDER links, summed over the chains — reaches ``threshold``. A chain never visits
    a party twice, so cross-holdings (A holds B holds A) end instead of looping.
    CONTROL: a chain of control links reaches the enterprise, where a control link is an
    ACTUAL_CONTROLLER link or a majority (more than half) holding — control through the
    entities one controls.
    """
    if not 0 < threshold <= 1:
        raise InvalidArgument(f"threshold must be in (0, 1] (0.25 for 25%), got {threshold}")
    require_node(store, enterprise, "enterprise")
    deadline.check()
    try:
        holdings = store.ownership_links(
            enterprise,
            rels=(SHAREHOLDER, ACTUAL_CONTROLLER),
            levels=MAX_OWNERSHIP_LEVELS,
            as_of=as_of,
            max_parties=MAX_PARTIES,
            budget=deadline,
        )
    except TooWide:
        raise LimitExceeded(
            f"the ownership of {enterprise!r} reaches more than {MAX_PARTIES} parties",
            limit="parties",
            maximum=MAX_PARTIES,
        ) from None
    holders: dict[str, list[Link]] = {}
    seen = {enterprise}
    for link in holdings:
        holders.setdefault(link.dst, []).append(link)
        seen.add(link.src)
    for links in holders.values():
        links.sort(key=_key)
    types = store.node_types(seen)
    chains: dict[str, list[OwnershipChain]] = {}
    count = 0

    def walk(
        node: str,
        below: list[Link],
        visited: list[str],
        share: float | None,
        equity: bool,
        control: bool,
    ) -> None:
        nonlocal count
        for link in holders.get(node, ()):
            holder = link.src
            if holder in visited:
                continue  # a cross-holding: the chain would loop
            is_equity = equity and link.rel == SHAREHOLDER
            is_control = control and (
                link.rel == ACTUAL_CONTROLLER or (link.share is not None and link.share > 0.5)
            )
            if not is_equity and not is_control:
                continue
            product = share * link.share if share is not None and link.share is not None else None
            chain_links = [link, *below]
            if types.get(holder) == "person":
                count += 1
                if count > MAX_OWNERSHIP_CHAINS:
                    raise LimitExceeded(
                        f"the ownership of {enterprise!r} has more than {MAX_OWNERSHIP_CHAINS} "
                        "chains",
                        limit="chains",
                        maximum=MAX_OWNERSHIP_CHAINS,
                        value=count,
                    )
                chains.setdefault(holder, []).append(
                    OwnershipChain(
                        nodes=(holder, *reversed(visited)),
                        links=tuple(chain_links),
                        share=product if is_equity else None,
                        control=is_control,
                    )
                )
            else:
                if count % 256 == 0:
                    deadline.check()
                walk(holder, chain_links, [*visited, holder], product, is_equity, is_control)

    walk(enterprise, [], [enterprise], 1.0, True, True)
    owners = []
    for person, person_chains in chains.items():
        equity_chains = [
            c
            for c in person_chains
            if c.links[0].rel == SHAREHOLDER and all(link.rel == SHAREHOLDER for link in c.links)
        ]
        effective = sum(c.share for c in equity_chains if c.share is not None)
        incomplete = any(c.share is None for c in equity_chains)
        reasons = []
        if effective >= threshold - _SHARE_EPSILON:
            reasons.append("EQUITY")
        if any(c.control for c in person_chains):
            reasons.append("CONTROL")
        if reasons:
            owners.append(
                Owner(
                    person=person,
                    effective_share=round(effective, 12),
                    reasons=tuple(reasons),
                    chains=tuple(sorted(person_chains, key=lambda c: (-(c.share or 0.0), c.nodes))),
                    incomplete=incomplete,
                )
            )
    owners.sort(key=lambda o: (-o.effective_share, o.person))
    return owners


# --- exposure ---------------------------------------------------------------------------------


def exposure(
    store: GraphStore,
    root: str,
    *,
    depth: int = 2,
    as_of: dt.date,
    rels: Iterable[str] | None = None,
    deadline: Deadline = NO_DEADLINE,
) -> list[Exposure]:
    """Sanctioned parties and measures in force within ``depth`` links of ``root`` (关联风险).

    A party is reported when it has a sanction event that is neither voided (objection
    upheld, decision revoked) nor ended (credit repaired, delisted) on ``as_of``, or a
    measure in force that day; each with the shortest path from ``root``. Unlike
    ``neighborhood`` nothing is left out on hubs: a risk scan that silently skipped
    parties would be worse than one that says it is too wide.
    """
    _bounded("depth", depth, 0, MAX_DEPTH)
    chosen = _check_rels(store, rels)
    require_node(store, root)
    deadline.check()
    try:
        links = store.links_within(
            root, depth=depth, rels=chosen, as_of=as_of, max_parties=MAX_PARTIES, budget=deadline
        )
    except TooWide:
        raise LimitExceeded(
            f"{root!r} has more than {MAX_PARTIES} parties within {depth} links: "
            "lower depth, or narrow it with rels or asOf",
            limit="parties",
            maximum=MAX_PARTIES,
        ) from None
    reached = _Reached(root, links)
    deadline.check()
    parties = sorted(reached.distance)
    events = _open_sanctions(store, store.events(subjects=parties), as_of)
    in_force: dict[str, list[Restriction]] = {}
    for restriction in store.restrictions(subjects=parties, active_on=as_of):
        in_force.setdefault(restriction.subject, []).append(restriction)
    found = []
    for party in parties:
        party_events = events.get(party, [])
        party_restrictions = in_force.get(party, [])
        if not party_events and not party_restrictions:
            continue
        found.append(
            Exposure(
                node=party,
                distance=reached.distance[party],
                path=reached.path_to(party),
                events=tuple(party_events),
                restrictions=tuple(party_restrictions),
            )
        )
    found.sort(key=lambda e: (not e.active, e.distance, e.node))
    return found


def _open_sanctions(
    store: GraphStore, events: Sequence[Event], as_of: dt.date
) -> dict[str, list[Event]]:
    lifting = {kind: spec.lifting for kind, spec in store.schema.events.items() if spec.lifting}
    voided, ended = set(), set()
    for event in events:
        effect = lifting.get(event.kind)
        if effect == "void" and event.lifts:
            # an upheld objection undoes the event from the start, whatever day is asked about
            voided.add(event.lifts)
        elif effect == "end" and event.lifts and event.date <= as_of:
            ended.add(event.lifts)
    open_events: dict[str, list[Event]] = {}
    for event in events:
        if event.kind in lifting or event.date > as_of:
            continue
        if event.id in voided or event.id in ended:
            continue
        open_events.setdefault(event.subject, []).append(event)
    return open_events


# --- conflicts of interest ---------------------------------------------------------------------


def interest_conflicts(
    store: GraphStore,
    *,
    agency: str | None = None,
    official: str | None = None,
    as_of: dt.date,
    deadline: Deadline = NO_DEADLINE,
) -> list[InterestConflict]:
    """Officials of an agency, or their relatives, holding office or shares in enterprises
    that the official's own agency supervises — with the links that make each conflict."""
    if agency is None and official is None:
        raise InvalidArgument("give agencyId, officialId or both")
    if agency is not None:
        require_node(store, agency, "agency")
    if official is not None:
        require_node(store, official, "person")
    deadline.check()
    holding_rels = store.schema.role_rels() | {SHAREHOLDER, ACTUAL_CONTROLLER}
    read = store.conflict_links(
        agency=agency, official=official, as_of=as_of, holding_rels=holding_rels
    )
    offices = [link for link in read.offices if agency is None or link.dst == agency]
    if official is not None:
        offices = [link for link in offices if link.src == official]
    if not offices:
        return []
    officials = sorted({link.src for link in offices})
    supervised: dict[str, list[Link]] = {}
    for link in read.supervisions:
        supervised.setdefault(link.dst, []).append(link)
    if not supervised:
        return []
    kin: dict[str, list[tuple[str, Link | None]]] = {p: [(p, None)] for p in officials}
    for link in sorted(read.kinships, key=_key):
        for end in (link.src, link.dst):
            if end in kin and link.other(end) != end:
                kin[end].append((link.other(end), link))
    holdings: dict[str, list[Link]] = {}
    for link in read.holdings:
        if link.dst in supervised:
            holdings.setdefault(link.src, []).append(link)
    found = []
    for office in sorted(offices, key=_key):
        for holder, kinship in kin[office.src]:
            for holding in sorted(holdings.get(holder, ()), key=_key):
                for supervision in supervised[holding.dst]:
                    if supervision.src != office.dst:
                        continue
                    nodes = [office.src, office.dst, holding.dst, holder]
                    hops = [
                        Hop(office.src, office.dst, (office,)),
                        Hop(office.dst, holding.dst, (supervision,)),
                        Hop(holding.dst, holder, (holding,)),
                    ]
                    if kinship is not None:
                        nodes.append(office.src)
                        hops.append(Hop(holder, office.src, (kinship,)))
                    found.append(
                        InterestConflict(
                            official=office.src,
                            agency=office.dst,
                            holder=holder,
                            enterprise=holding.dst,
                            office=office,
                            supervision=supervision,
                            holding=holding,
                            kinship=kinship,
                            path=ConnectingPath(tuple(nodes), tuple(hops)),
                        )
                    )
    return found


# --- search ------------------------------------------------------------------------------------


MAX_SEARCH_CHARS = 200


def search(store: GraphStore, text: str, *, limit: int, offset: int = 0) -> list[Node]:
    """Parties whose id equals the text or whose name contains it, in any script or width."""
    if len(text) > MAX_SEARCH_CHARS:
        # no party's name or id is this long; normalising and matching it would only cost
        raise LimitExceeded(
            f"the search text may be at most {MAX_SEARCH_CHARS} characters, got {len(text)}"
        )
    wanted = normalise_name(text)
    if not wanted:
        raise InvalidArgument("the search text is empty")
    return store.search(wanted, limit=limit, offset=offset)
