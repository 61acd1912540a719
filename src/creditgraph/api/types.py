"""The GraphQL object types. Each wraps a domain value (``record``) and shows it in the
contract's vocabulary; privacy (no persons for the public role, identity numbers for
stewards only) and the audit of persons shown are applied where values are resolved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import strawberry
from strawberry.scalars import JSON

from creditgraph.api import paging
from creditgraph.api.access import Right
from creditgraph.api.context import PERSON, ApiContext
from creditgraph.api.enums import (
    AccessRight,
    AccessRoleName,
    Activity,
    AgencyLevel,
    Certainty_,
    ConflictRelation,
    Direction,
    Effect,
    EnterpriseKind,
    EnterpriseStatus,
    EventKind,
    Measure,
    NodeType,
    OwnerReason,
    Rel,
    RestrictionStatus,
    Role,
    Verdict_,
    node_type_name,
)
from creditgraph.domain import model
from creditgraph.ingest.records import EVENT_COMMON
from creditgraph.service import investigation as inv
from creditgraph.service.decisions import Decision as DomainDecision
from creditgraph.service.decisions import Reason as DomainReason
from creditgraph.service.errors import LimitExceeded
from creditgraph.store.base import BOTH, IN, OUT, AuditEntry

if TYPE_CHECKING:
    Info = strawberry.Info[ApiContext, None]
else:
    Info = strawberry.Info

MAX_LINKS_PER_NODE = 1000
T = TypeVar("T")
E = TypeVar("E")
_FIRST = f"Page forwards: at most this many (max {paging.MAX_PAGE})."
_AFTER = "Page forwards: the items after this cursor."
_LAST = f"Page backwards: at most this many, the last ones (max {paging.MAX_PAGE})."
_BEFORE = "Page backwards: the items before this cursor."
_DIRECTIONS = {"BOTH": BOTH, "IN": IN, "OUT": OUT}


# --- the Node and Party interfaces ------------------------------------------------------------

AsOf = Annotated[dt.date | None, strawberry.argument(description="Only links holding on this day.")]
Rels = Annotated[list[Rel] | None, strawberry.argument(description="Only links of these kinds.")]
LinkDirection = Annotated[
    Direction | None,
    strawberry.argument(description="Links from the party, to it, or both (default)."),
]
PathDirection = Annotated[
    Direction | None,
    strawberry.argument(
        description="OUT: the links pointing along the path (from the subject's side towards "
        "the event's subject); IN: those pointing back; both (default)."
    ),
]
LinksFirst = Annotated[
    int, strawberry.argument(description=f"At most this many links (max {MAX_LINKS_PER_NODE}).")
]
ActiveOn = Annotated[
    dt.date | None, strawberry.argument(description="Only those in force this day.")
]
First = Annotated[int | None, strawberry.argument(description=_FIRST)]
After = Annotated[str | None, strawberry.argument(description=_AFTER)]
Last = Annotated[int | None, strawberry.argument(description=_LAST)]
Before = Annotated[str | None, strawberry.argument(description=_BEFORE)]


def _check_links_first(first: int) -> None:
    if first < 0 or first > MAX_LINKS_PER_NODE:
        raise LimitExceeded(
            f"first may be at most {MAX_LINKS_PER_NODE}, got {first}",
            limit="first",
            maximum=MAX_LINKS_PER_NODE,
            value=first,
        )


def _in_display_order(ctx: ApiContext, links: list[model.Link], party_id: str) -> list[model.Link]:
    """Current links first, then by kind (graph_schema order), latest start, other end."""
    order = {rel: i for i, rel in enumerate(ctx.store.schema.links)}
    links.sort(
        key=lambda link: (
            link.valid_to is not None,
            order.get(link.rel, 99),
            -(link.valid_from or dt.date.min).toordinal(),
            link.other(party_id),
        )
    )
    return links


def paged(
    kind: str,
    items: Sequence[T],
    edges_of: Callable[[Sequence[T], list[str]], list[E]],
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    default: int,
) -> tuple[list[E], PageInfo, int]:
    """The page Relay's algorithm gives over ``items`` (api/paging.py): its edges, made by
    ``edges_of`` from the page's items and their cursors, the page info and the total."""
    w = paging.window(
        kind, len(items), first=first, after=after, last=last, before=before, default=default
    )
    cursors = [paging.cursor(kind, position) for position in range(w.start + 1, w.end + 1)]
    edges = edges_of(items[w.start : w.end], cursors)
    return edges, _page_info(w, edges), w.total


def _links_page(
    info: Info,
    links: Sequence[model.Link],
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> LinkConnection:
    edges, page_info, total = paged(
        "link",
        _visible_links(info.context, links),
        lambda page, cursors: [
            LinkEdge(node=view, cursor=cursor)
            for view, cursor in zip(links_view(info, page), cursors, strict=False)
        ],
        first=first,
        after=after,
        last=last,
        before=before,
        default=200,
    )
    return LinkConnection(edges=edges, page_info=page_info, total_count=total)


def _events_page(
    events: Sequence[model.Event],
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> EventConnection:
    edges, page_info, total = paged(
        "event",
        events,
        lambda page, cursors: [
            EventEdge(node=Event(record=e), cursor=c) for e, c in zip(page, cursors, strict=True)
        ],
        first=first,
        after=after,
        last=last,
        before=before,
        default=50,
    )
    return EventConnection(edges=edges, page_info=page_info, total_count=total)


def _restrictions_page(
    restrictions: Sequence[model.Restriction],
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> RestrictionConnection:
    edges, page_info, total = paged(
        "party-restriction",
        restrictions,
        lambda page, cursors: [
            RestrictionEdge(node=Restriction(record=r), cursor=c)
            for r, c in zip(page, cursors, strict=True)
        ],
        first=first,
        after=after,
        last=last,
        before=before,
        default=50,
    )
    return RestrictionConnection(edges=edges, page_info=page_info, total_count=total)


def party_events(ctx: ApiContext, subject: str) -> list[model.Event]:
    """A party's events as the caller may see them: a repaired record (and the lifts naming
    it) only for stewards."""
    ctx.deadline.check()
    events = ctx.store.events(subject=subject)
    if not sees_repaired(ctx):
        hidden = repaired_records(ctx.store.schema, events)
        events = [e for e in events if e.id not in hidden and e.lifts not in hidden]
    return events


def visible_events(ctx: ApiContext, events: Iterable[model.Event]) -> list[model.Event]:
    """Events the caller may see wherever they are asked for by id: on a party it may see
    (persons' only with persons' right) and, for all but stewards, not a repaired record nor
    a lift naming one — as in a party's `events`. Persons they are on are audited by the
    caller's field. Two store reads at most, whatever the number of events."""
    events = list(events)
    subjects = ctx.fetch_nodes({e.subject for e in events})
    shown = [e for e in events if ctx.visible(subjects.get(e.subject))]
    if shown and not sees_repaired(ctx):
        ctx.deadline.check()
        # lifts are on the lifted event's subject: the subjects' own events tell
        everything = ctx.store.events(subjects=sorted({e.subject for e in shown}))
        hidden = repaired_records(ctx.store.schema, everything)
        shown = [e for e in shown if e.id not in hidden and e.lifts not in hidden]
    return shown


# The party implementations, shared by Node (where the party-only fields are deprecated) and
# Party (where they are not): one resolver each, declared twice.


def _party_id(self: Party) -> strawberry.ID:
    return strawberry.ID(self.record.id)


def _party_name(self: Party) -> str:
    return self.record.name


def _party_type(self: Party) -> NodeType:
    return node_type_name(self.record.type)


def _party_links(
    self: Party,
    info: Info,
    as_of: AsOf = None,
    rels: Rels = None,
    direction: LinkDirection = None,
    first: LinksFirst = 200,
) -> list[Link]:
    _check_links_first(first)
    ctx = info.context
    ctx.deadline.check()
    if ctx.sees_persons and (direction or "BOTH") == "BOTH":
        # a hub's first links, read without reading the rest
        ranked = ctx.store.ranked_links([self.record.id], rels=rels, as_of=as_of, limit=first)
        return links_view(info, ranked[self.record.id].links)
    links = ctx.store.links(
        [self.record.id], rels=rels, direction=_DIRECTIONS[direction or "BOTH"], as_of=as_of
    )
    # hidden links are left out before `first` is applied: a short page would tell the public
    # role that links to persons were among the first
    shown = _visible_links(ctx, _in_display_order(ctx, links, self.record.id))
    return links_view(info, shown[:first])


def _party_link_count(
    self: Party,
    info: Info,
    as_of: AsOf = None,
    rels: Rels = None,
    direction: LinkDirection = None,
) -> int:
    ctx = info.context
    ctx.deadline.check()
    if ctx.sees_persons and (direction or "BOTH") == "BOTH":
        # counted by the store (an index count), not by reading every link
        ranked = ctx.store.ranked_links([self.record.id], rels=rels, as_of=as_of, limit=1)
        return ranked[self.record.id].total
    links = ctx.store.links(
        [self.record.id], rels=rels, direction=_DIRECTIONS[direction or "BOTH"], as_of=as_of
    )
    if ctx.sees_persons:
        return len(links)
    nodes = ctx.fetch_nodes({link.other(self.record.id) for link in links})
    return sum(1 for link in links if ctx.visible(nodes.get(link.other(self.record.id))))


def _party_events(self: Party, info: Info) -> list[Event]:
    return [Event(record=e) for e in party_events(info.context, self.record.id)]


def _party_restrictions(self: Party, info: Info, active_on: ActiveOn = None) -> list[Restriction]:
    ctx = info.context
    ctx.deadline.check()
    found = ctx.store.restrictions(subject=self.record.id, active_on=active_on)
    return [Restriction(record=r) for r in visible_restrictions(ctx, found)]


def _party_links_connection(
    self: Party,
    info: Info,
    as_of: AsOf = None,
    rels: Rels = None,
    direction: LinkDirection = None,
    first: First = None,
    after: After = None,
    last: Last = None,
    before: Before = None,
) -> LinkConnection:
    ctx = info.context
    ctx.deadline.check()
    found = ctx.store.links(
        [self.record.id], rels=rels, direction=_DIRECTIONS[direction or "BOTH"], as_of=as_of
    )
    found = _in_display_order(ctx, found, self.record.id)
    return _links_page(info, found, first, after, last, before)


def _party_events_connection(
    self: Party,
    info: Info,
    first: First = None,
    after: After = None,
    last: Last = None,
    before: Before = None,
) -> EventConnection:
    return _events_page(party_events(info.context, self.record.id), first, after, last, before)


def _party_restrictions_connection(
    self: Party,
    info: Info,
    active_on: ActiveOn = None,
    first: First = None,
    after: After = None,
    last: Last = None,
    before: Before = None,
) -> RestrictionConnection:
    ctx = info.context
    ctx.deadline.check()
    found = visible_restrictions(
        ctx, ctx.store.restrictions(subject=self.record.id, active_on=active_on)
    )
    return _restrictions_page(found, first, after, last, before)


_D_ID = (
    "The global id: unique across every type with an id (a party's or an event's import id; "
    "r:… for a restriction, a prefix imports may not use)."
)
_D_NAME = "The name as registered."
_D_TYPE = "Enterprise, person or agency (and EVENT or RESTRICTION on Node)."
_D_LINKS = (
    "The party's links over time — ended ones included (e.g. former legal representatives) "
    "unless asOf is given, in which case only those holding that day. Links to persons are "
    "hidden from the public role."
)
_D_LINK_COUNT = "How many links `links` would list without `first` (a hub has more than one page)."
_D_EVENTS = (
    "Credit events recorded on the party, oldest first. A record whose credit was repaired is "
    "no longer published: only stewards see it (and the data subject, through subjectAccess)."
)
_D_RESTRICTIONS = "Measures derived for the party; with activeOn, only those in force that day."
_D_LINKS_CONNECTION = (
    "The party's links as a Relay connection, in the order of `links`: current ones first, "
    "then by kind and latest start. No cap: page with first/after or last/before."
)
_D_EVENTS_CONNECTION = (
    "Credit events recorded on the party, oldest first, as a Relay connection (repaired "
    "records as in `events`)."
)
_D_RESTRICTIONS_CONNECTION = (
    "Measures derived for the party, ordered by id, as a Relay connection; with activeOn, "
    "only those in force that day."
)


def _on_party(field: str) -> str:
    return (
        f"A party's field: select it with `... on Party {{ {field} }}`. On an Event or a "
        "Restriction it has the meaning that type describes."
    )


@strawberry.interface(
    description="Any object with a global id (Relay's Node): a party (Enterprise, Person, "
    "Agency — see Party), an Event or a Restriction. Ids are unique across types, and "
    "node(id:) / nodes(ids:) fetch any of them. The party fields kept here (links, events, "
    "restrictions, …) are deprecated on Node in favour of Party; each type gives them a "
    "documented meaning."
)
class Node:
    id = strawberry.field(resolver=_party_id, description=_D_ID)
    name = strawberry.field(
        resolver=_party_name,
        description="A readable name: a party's registered name; for an event or a "
        "restriction, its kind or measure (graph_schema's Chinese label) and dates.",
    )
    type = strawberry.field(
        resolver=_party_type,
        description="What the object is: ENTERPRISE, PERSON, AGENCY, EVENT or RESTRICTION.",
    )
    links = strawberry.field(
        resolver=_party_links, description=_D_LINKS, deprecation_reason=_on_party("links")
    )
    link_count = strawberry.field(
        resolver=_party_link_count,
        description=_D_LINK_COUNT,
        deprecation_reason=_on_party("linkCount"),
    )
    events = strawberry.field(
        resolver=_party_events, description=_D_EVENTS, deprecation_reason=_on_party("events")
    )
    restrictions = strawberry.field(
        resolver=_party_restrictions,
        description=_D_RESTRICTIONS,
        deprecation_reason=_on_party("restrictions"),
    )
    links_connection = strawberry.field(
        resolver=_party_links_connection,
        description=_D_LINKS_CONNECTION,
        deprecation_reason=_on_party("linksConnection"),
    )
    events_connection = strawberry.field(
        resolver=_party_events_connection,
        description=_D_EVENTS_CONNECTION,
        deprecation_reason=_on_party("eventsConnection"),
    )
    restrictions_connection = strawberry.field(
        resolver=_party_restrictions_connection,
        description=_D_RESTRICTIONS_CONNECTION,
        deprecation_reason=_on_party("restrictionsConnection"),
    )


@strawberry.interface(description="A party of the graph: an enterprise, a person or an agency.")
class Party(Node):
    record: strawberry.Private[model.Node]

    id = strawberry.field(
        resolver=_party_id,
        description="The import id (a unified social credit code for most enterprises); "
        "unique across every type with an id.",
    )
    name = strawberry.field(resolver=_party_name, description=_D_NAME)
    type = strawberry.field(resolver=_party_type, description="Enterprise, person or agency.")
    links = strawberry.field(resolver=_party_links, description=_D_LINKS)
    link_count = strawberry.field(resolver=_party_link_count, description=_D_LINK_COUNT)
    events = strawberry.field(resolver=_party_events, description=_D_EVENTS)
    restrictions = strawberry.field(resolver=_party_restrictions, description=_D_RESTRICTIONS)
    links_connection = strawberry.field(
        resolver=_party_links_connection, description=_D_LINKS_CONNECTION
    )
    events_connection = strawberry.field(
        resolver=_party_events_connection, description=_D_EVENTS_CONNECTION
    )
    restrictions_connection = strawberry.field(
        resolver=_party_restrictions_connection, description=_D_RESTRICTIONS_CONNECTION
    )


@strawberry.type(description="A market entity (企业/市场主体).")
class Enterprise(Party):
    @strawberry.field(description="Active, revoked, closed, cancelled or bankrupt.")
    def status(self) -> EnterpriseStatus | None:
        return self.record.props.get("status")

    @strawberry.field(
        description="Company, soe, public_institution, social_organization, "
        "individual_business or other."
    )
    def kind(self) -> EnterpriseKind | None:
        return self.record.props.get("kind")

    @strawberry.field(description="The day it was established (成立日期), when known.")
    def established(self) -> dt.date | None:
        value = self.record.props.get("established")
        return dt.date.fromisoformat(value) if value else None

    @strawberry.field(
        description="Legal representatives (法定代表人), former ones included "
        "unless asOf is given; latest first."
    )
    def legal_representatives(
        self,
        info: Info,
        as_of: Annotated[
            dt.date | None, strawberry.argument(description="Only the one(s) holding on this day.")
        ] = None,
    ) -> list[Link]:
        ctx = info.context
        ctx.deadline.check()
        links = ctx.store.links(
            [self.record.id], rels=["LEGAL_REPRESENTATIVE"], direction=IN, as_of=as_of
        )
        links.sort(
            key=lambda link: (
                link.valid_to is not None,
                -(link.valid_from or dt.date.min).toordinal(),
                link.src,
            )
        )
        return links_view(info, links)


@strawberry.type(
    description="A natural person. The identity number is stored only as a keyed "
    "hash and a masked form."
)
class Person(Party):
    @strawberry.field(
        description="The masked identity number (e.g. 110************02X; for a published "
        "entry, the list's own mask); null unless the caller is a data steward."
    )
    def id_number_masked(self, info: Info) -> str | None:
        if not info.context.may(Right.SEE_ID_NUMBERS):
            return None
        return self.record.props.get("id_masked")

    @strawberry.field(
        description="Later ids of the same person (the same identity number filed under "
        "another id); each resolves to this person."
    )
    def aliases(self) -> list[strawberry.ID]:
        return [strawberry.ID(a) for a in self.record.props.get("aliases") or ()]

    @strawberry.field(description="True for a person known only from a published list (lp:…).")
    def listed(self) -> bool:
        return self.record.id.startswith("lp:")

    @strawberry.field(
        description="For a published entry (lp:…): the registry persons it may be, with the "
        "evidence and certainty; null for a registry person."
    )
    def resolution(self, info: Info) -> ResolutionEntry | None:
        if not self.record.id.startswith("lp:"):
            return None
        from creditgraph.identity.resolution import resolve_entry

        found = resolve_entry(info.context.store, self.record)
        info.context.touch(info, [c.person for c in found.candidates])
        return ResolutionEntry.of(found)


@strawberry.type(
    description="A government body, or the supervising unit of public institutions and SOEs."
)
class Agency(Party):
    @strawberry.field(description="National, province, city, county, township or other.")
    def level(self) -> AgencyLevel | None:
        return self.record.props.get("level")


def node_view(info: Info, node: model.Node | None) -> Node | None:
    """The GraphQL object for a party, or None when the caller may not see it."""
    ctx = info.context
    if node is None or not ctx.visible(node):
        return None
    if node.type == PERSON:
        ctx.touch(info, [node.id])
        return Person(record=node)
    if node.type == "agency":
        return Agency(record=node)
    return Enterprise(record=node)


def nodes_view(info: Info, nodes: Iterable[model.Node]) -> list[Node]:
    shown = [n for n in nodes if info.context.visible(n)]
    info.context.touch_nodes(info, shown)
    return [view for n in shown if (view := node_view(info, n)) is not None]


# --- links and paths --------------------------------------------------------------------------


@strawberry.type(
    description="A dated link. validFrom is the first day it holds, validTo the "
    "last (inclusive); null validTo: still holds; null validFrom: start unknown."
)
class Link:
    record: strawberry.Private[model.Link]

    @strawberry.field(description="The kind of link.")
    def rel(self) -> Rel:
        return self.record.rel

    @strawberry.field(name="from", description="The id of the party the link goes from.")
    def from_(self) -> strawberry.ID:
        return strawberry.ID(self.record.src)

    @strawberry.field(description="The id of the party the link goes to.")
    def to(self) -> strawberry.ID:
        return strawberry.ID(self.record.dst)

    @strawberry.field(description="The first day it holds; null when unknown.")
    def valid_from(self) -> dt.date | None:
        return self.record.valid_from

    @strawberry.field(description="The last day it holds (inclusive); null while it still holds.")
    def valid_to(self) -> dt.date | None:
        return self.record.valid_to

    @strawberry.field(description="The fraction of equity held (SHAREHOLDER links), 0.6 for 60%.")
    def share(self) -> float | None:
        return self.record.share

    @strawberry.field(description="The party the link goes from.")
    def source(self, info: Info) -> Node | None:
        return node_view(info, info.context.node(self.record.src))

    @strawberry.field(description="The party the link goes to.")
    def target(self, info: Info) -> Node | None:
        return node_view(info, info.context.node(self.record.dst))


def _visible_links(ctx: ApiContext, links: Sequence[model.Link]) -> list[model.Link]:
    """The links whose two ends the caller may see (read in one store call)."""
    if ctx.sees_persons:
        return list(links)
    nodes = ctx.fetch_nodes([end for link in links for end in (link.src, link.dst)])
    return [
        link
        for link in links
        if ctx.visible(nodes.get(link.src)) and ctx.visible(nodes.get(link.dst))
    ]


def _page_info(w: paging.Window, edges: Sequence[Any]) -> PageInfo:
    return PageInfo(
        has_next_page=w.has_next_page,
        has_previous_page=w.has_previous_page,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )


def links_view(info: Info, links: Sequence[model.Link]) -> list[Link]:
    """Links whose two ends the caller may see (the ends are read in one store call)."""
    ctx = info.context
    nodes = ctx.fetch_nodes([end for link in links for end in (link.src, link.dst)])
    shown = [
        link
        for link in links
        if ctx.visible(nodes.get(link.src)) and ctx.visible(nodes.get(link.dst))
    ]
    ctx.touch(
        info, {end for link in shown for end in (link.src, link.dst) if nodes[end].type == PERSON}
    )
    return [Link(record=link) for link in shown]


@strawberry.type(description="One step of a path: every link joining two consecutive parties.")
class Hop:
    record: strawberry.Private[inv.Hop]

    @strawberry.field(name="from", description="The party this hop starts from.")
    def from_(self) -> strawberry.ID:
        return strawberry.ID(self.record.src)

    @strawberry.field(description="The party this hop reaches.")
    def to(self) -> strawberry.ID:
        return strawberry.ID(self.record.dst)

    @strawberry.field(description="The links joining the two parties (either direction).")
    def links(self) -> list[Link]:
        return [Link(record=link) for link in self.record.links]


@strawberry.type(description="A chain of parties, each linked to the next.")
class Path:
    record: strawberry.Private[inv.ConnectingPath]

    @strawberry.field(description="The number of hops.")
    def length(self) -> int:
        return self.record.length

    @strawberry.field(description="The parties in order, from the first to the last.")
    def nodes(self, info: Info) -> list[Node]:
        found = info.context.fetch_nodes(self.record.nodes)
        return nodes_view(info, [found[i] for i in self.record.nodes if i in found])

    @strawberry.field(description="The steps, each with every link joining its two parties.")
    def hops(self) -> list[Hop]:
        return [Hop(record=hop) for hop in self.record.hops]


@strawberry.type(description="A party whose links were not all shown (a hub).")
class Truncation:
    node: strawberry.ID = strawberry.field(description="The party whose links were cut.")
    total: int = strawberry.field(description="How many links it has.")
    shown: int = strawberry.field(description="How many of them are in the subgraph.")


@strawberry.type(description="The parties around one party and the links between them.")
class Subgraph:
    record: strawberry.Private[inv.Subgraph]

    @strawberry.field(description="The party asked about.")
    def root(self) -> strawberry.ID:
        return strawberry.ID(self.record.root)

    @strawberry.field(description="How many links out from the root.")
    def depth(self) -> int:
        return self.record.depth

    @strawberry.field(description="The day asked about; null: links of any time.")
    def as_of(self) -> dt.date | None:
        return self.record.as_of

    @strawberry.field(description="Every party, the root first, then by distance.")
    def nodes(self, info: Info) -> list[Node]:
        record = self.record
        ordered = sorted(record.nodes.values(), key=lambda n: (record.distance[n.id], n.id))
        info.context.remember(ordered)
        return nodes_view(info, ordered)

    @strawberry.field(description="The links between the parties shown.")
    def links(self, info: Info) -> list[Link]:
        info.context.remember(self.record.nodes.values())
        return links_view(info, self.record.links)

    @strawberry.field(
        description="Parties with more links than perNodeLimit: how many they have "
        "and how many are shown."
    )
    def truncated(self) -> list[Truncation]:
        return [
            Truncation(node=strawberry.ID(t.node), total=t.total, shown=t.shown)
            for t in self.record.truncated
        ]

    @strawberry.field(
        description="The parties of the subgraph under a measure in force on the day "
        "(default: asOf, else today), read in one call — what a picture marks as sanctioned."
    )
    def under_measure(
        self,
        info: Info,
        on: Annotated[
            dt.date | None, strawberry.argument(description="The day asked about (default today).")
        ] = None,
    ) -> list[strawberry.ID]:
        ctx = info.context
        ctx.deadline.check()
        day = on or self.record.as_of or ctx.today
        found = ctx.store.restrictions(subjects=sorted(self.record.nodes), active_on=day)
        marked = {r.subject for r in visible_restrictions(ctx, found)}
        return [strawberry.ID(n) for n in self.record.nodes if n in marked]


# --- events, restrictions, decisions ---------------------------------------------------------


@strawberry.type(
    description="A credit event recorded on a subject — also the source event of a measure "
    "(one type for both, so a client cache holds one object per event id)."
)
class Event(Node):
    record: strawberry.Private[model.Event]
    # False for the source event of a reason: id, kind, subject and date are known from the
    # restriction; the rest is read from the store only if asked for
    complete: strawberry.Private[bool] = True

    def _full(self, info: Info) -> model.Event:
        if not self.complete:
            info.context.deadline.check()
            self.record = info.context.store.event(self.record.id) or self.record
            self.complete = True
        return self.record

    @strawberry.field(
        description="The import id of the event; unique across every type with an id (the "
        "loader refuses an event id that is a party's, and the r: prefix)."
    )
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.record.id)

    @strawberry.field(
        description="A readable label: the kind's Chinese label (graph_schema/events.yaml), "
        "the date and the decision document when recorded — 吊销营业执照 2021-06-30 "
        "沪市监案〔2021〕123号."
    )
    def name(self, info: Info) -> str:
        return event_label(info.context.store.schema, self._full(info))

    @strawberry.field(description="EVENT.")
    def type(self) -> NodeType:
        return EVENT_TYPE

    @strawberry.field(
        description="Always empty: an event has no links of its own (its subject's are on "
        "the subject: node(id: subject))."
    )
    def links(
        self,
        as_of: AsOf = None,
        rels: Rels = None,
        direction: LinkDirection = None,
        first: LinksFirst = 200,
    ) -> list[Link]:
        _check_links_first(first)
        return []

    @strawberry.field(description="0: an event has no links of its own.")
    def link_count(
        self, as_of: AsOf = None, rels: Rels = None, direction: LinkDirection = None
    ) -> int:
        return 0

    @strawberry.field(
        description="Always empty: the event this one lifts is `lifts`, the subject's other "
        "events are on the subject."
    )
    def events(self) -> list[Event]:
        return []

    @strawberry.field(
        description="The restrictions this event caused, as the caller may see them (the "
        "public role: only those on enterprises reached without a person), ordered by id; "
        "with activeOn, only those in force that day."
    )
    def restrictions(self, info: Info, active_on: ActiveOn = None) -> list[Restriction]:
        return [Restriction(record=r) for r in self._caused(info, active_on)]

    @strawberry.field(description="Always empty (see links), as a Relay connection.")
    def links_connection(
        self,
        info: Info,
        as_of: AsOf = None,
        rels: Rels = None,
        direction: LinkDirection = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> LinkConnection:
        return _links_page(info, [], first, after, last, before)

    @strawberry.field(description="Always empty (see events), as a Relay connection.")
    def events_connection(
        self,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> EventConnection:
        return _events_page([], first, after, last, before)

    @strawberry.field(
        description="The restrictions this event caused (as in `restrictions`), as a Relay "
        "connection."
    )
    def restrictions_connection(
        self,
        info: Info,
        active_on: ActiveOn = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> RestrictionConnection:
        return _restrictions_page(self._caused(info, active_on), first, after, last, before)

    def _caused(self, info: Info, active_on: dt.date | None) -> list[model.Restriction]:
        ctx = info.context
        ctx.deadline.check()
        found = ctx.store.restrictions(event_id=self.record.id, active_on=active_on)
        return visible_restrictions(ctx, found)

    @strawberry.field(description="What happened (the contract's event kind).")
    def kind(self) -> EventKind:
        return self.record.kind

    @strawberry.field(description="The id of the party the event is recorded on.")
    def subject(self) -> strawberry.ID:
        return strawberry.ID(self.record.subject)

    @strawberry.field(description="The day of the decision or listing.")
    def date(self) -> dt.date:
        return self.record.date

    @strawberry.field(description="The agency that decided it.")
    def authority(self, info: Info) -> strawberry.ID | None:
        value = self._full(info).props.get("authority")
        return None if value is None else strawberry.ID(value)

    @strawberry.field(description="The decision document (文号).")
    def document(self, info: Info) -> str | None:
        return self._full(info).props.get("document")

    @strawberry.field(description="A free-text note recorded with the event.")
    def note(self, info: Info) -> str | None:
        return self._full(info).props.get("note")

    @strawberry.field(
        description="The persons found personally responsible; null when unknown "
        "(not 'nobody'), and for the public role."
    )
    def responsible(self, info: Info) -> list[strawberry.ID] | None:
        persons = self._full(info).responsible
        if persons is None or not info.context.sees_persons:
            return None
        info.context.touch(info, persons)
        return [strawberry.ID(p) for p in persons]

    @strawberry.field(
        description="The event this one lifts (repair, delisting, objection upheld, "
        "decision revoked)."
    )
    def lifts(self, info: Info) -> strawberry.ID | None:
        value = self._full(info).lifts
        return None if value is None else strawberry.ID(value)

    @strawberry.field(description="The kind's own fields (severity, until, sentence_end, …).")
    def details(self, info: Info) -> JSON:
        props = self._full(info).props
        return JSON({k: v for k, v in props.items() if k not in EVENT_COMMON})


@strawberry.type(description="One step of a provenance path: a party, or the link to the next.")
class PathStep:
    node: strawberry.ID | None = strawberry.field(
        default=None, description="A party's id (a party step)."
    )
    rel: Rel | None = strawberry.field(default=None, description="The kind of link (a link step).")
    valid_from: dt.date | None = strawberry.field(
        default=None, description="The link's first day (a link step)."
    )
    valid_to: dt.date | None = strawberry.field(
        default=None, description="The link's last day (a link step)."
    )


def _steps(path: Iterable[model.PathStep]) -> list[PathStep]:
    return [
        PathStep(node=strawberry.ID(s.node))
        if s.node is not None
        else PathStep(rel=s.rel, valid_from=s.valid_from, valid_to=s.valid_to)
        for s in path
    ]


def _event_ref(r: model.Restriction) -> Event:
    return Event(
        record=model.Event(r.event_id, r.event_kind, r.event_subject, r.event_date),
        complete=False,
    )


@strawberry.type(
    description="A measure derived from an event by a rule, with its window and provenance."
)
class Restriction(Node):
    record: strawberry.Private[model.Restriction]

    @strawberry.field(
        description="The restriction's id (r: and a hash, derived); unique across every type "
        "with an id (imports may not use the r: prefix)."
    )
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.record.id)

    @strawberry.field(
        description="A readable label: the measure's Chinese label (graph_schema/measures.yaml) "
        "and its window — 不得担任董事 2021-06-30 至 2024-06-30, or 限制高消费 2021-06-30 起 "
        "when open-ended."
    )
    def name(self, info: Info) -> str:
        return restriction_label(info.context.store.schema, self.record)

    @strawberry.field(description="RESTRICTION.")
    def type(self) -> NodeType:
        return RESTRICTION_TYPE

    @strawberry.field(
        description="The links of its propagation path (how the measure travelled from the "
        "event's subject to this subject), in path order from the subject; asOf, rels and "
        "direction filter them (OUT: pointing along the path)."
    )
    def links(
        self,
        info: Info,
        as_of: AsOf = None,
        rels: Rels = None,
        direction: PathDirection = None,
        first: LinksFirst = 200,
    ) -> list[Link]:
        _check_links_first(first)
        return links_view(info, self._path_links(info, as_of, rels, direction)[:first])

    @strawberry.field(description="How many links `links` lists without `first`.")
    def link_count(
        self,
        info: Info,
        as_of: AsOf = None,
        rels: Rels = None,
        direction: PathDirection = None,
    ) -> int:
        found = self._path_links(info, as_of, rels, direction)
        return len(_visible_links(info.context, found))

    @strawberry.field(
        description="The event it rests on, then the events that ended, voided or repaired "
        "it (endedBy, voidedBy, repairedBy), when any."
    )
    def events(self, info: Info) -> list[Event]:
        return [Event(record=e) for e in self._events(info)]

    @strawberry.field(description="Always empty: a measure derives no measures.")
    def restrictions(self, active_on: ActiveOn = None) -> list[Restriction]:
        return []

    @strawberry.field(description="The links of its path (as in `links`), as a Relay connection.")
    def links_connection(
        self,
        info: Info,
        as_of: AsOf = None,
        rels: Rels = None,
        direction: PathDirection = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> LinkConnection:
        found = self._path_links(info, as_of, rels, direction)
        return _links_page(info, found, first, after, last, before)

    @strawberry.field(description="Its events (as in `events`), as a Relay connection.")
    def events_connection(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> EventConnection:
        return _events_page(self._events(info), first, after, last, before)

    @strawberry.field(description="Always empty (see restrictions), as a Relay connection.")
    def restrictions_connection(
        self,
        active_on: ActiveOn = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> RestrictionConnection:
        return _restrictions_page([], first, after, last, before)

    def _path_links(
        self,
        info: Info,
        as_of: dt.date | None,
        rels: Sequence[str] | None,
        direction: str | None,
    ) -> list[model.Link]:
        ctx = info.context
        ctx.deadline.check()
        along = path_links(ctx, self.record)
        wanted = {OUT: True, IN: False}.get(_DIRECTIONS[direction or "BOTH"])
        return [
            link
            for link, forwards in along
            if (as_of is None or link.holds_on(as_of))
            and (rels is None or link.rel in rels)
            and (wanted is None or forwards == wanted)
        ]

    def _events(self, info: Info) -> list[model.Event]:
        ctx = info.context
        ctx.deadline.check()
        r = self.record
        ids = [r.event_id, *(i for i in (r.ended_by, r.voided_by, r.repaired_by) if i)]
        found = ctx.store.events_by_id(ids)
        events = [found[i] for i in dict.fromkeys(ids) if i in found]
        subjects = ctx.fetch_nodes({e.subject for e in events})
        return [e for e in events if ctx.visible(subjects.get(e.subject))]

    @strawberry.field(description="The id of the party under the measure.")
    def subject(self) -> strawberry.ID:
        return strawberry.ID(self.record.subject)

    @strawberry.field(description="The measure imposed.")
    def measure(self) -> Measure:
        return self.record.measure

    @strawberry.field(name="from", description="The first day it applies.")
    def from_(self) -> dt.date:
        return self.record.start

    @strawberry.field(description="The last day it applies (inclusive); null: until lifted.")
    def until(self) -> dt.date | None:
        return self.record.until

    @strawberry.field(description="The rule's id (graph_schema/rules).")
    def rule(self) -> str:
        return self.record.rule

    @strawberry.field(description="The provision, as cited.")
    def legal_basis(self) -> str:
        return self.record.legal_basis

    @strawberry.field(description="CONFIRMED, or UNCONFIRMED when a fact it depends on is unknown.")
    def certainty(self) -> Certainty_:
        return self.record.certainty.value

    @strawberry.field(description="The source event.")
    def event(self) -> Event:
        return _event_ref(self.record)

    @strawberry.field(
        description="The links the measure travelled, from the subject to the event's subject."
    )
    def path(self) -> list[PathStep]:
        return _steps(self.record.path)

    @strawberry.field(description="ACTIVE, ENDED or VOID as of today.")
    def status(self, info: Info) -> RestrictionStatus:
        return self.record.status_on(info.context.today).value

    @strawberry.field(description="The window's last day before any early end.")
    def scheduled_until(self) -> dt.date | None:
        return self.record.scheduled_until

    @strawberry.field(description="The repair or delisting event that ended it early.")
    def ended_by(self) -> strawberry.ID | None:
        return None if self.record.ended_by is None else strawberry.ID(self.record.ended_by)

    @strawberry.field(description="The objection or revocation that voided it.")
    def voided_by(self) -> strawberry.ID | None:
        return None if self.record.voided_by is None else strawberry.ID(self.record.voided_by)

    @strawberry.field(
        description="The credit repair after which its record is no longer published."
    )
    def repaired_by(self) -> strawberry.ID | None:
        return None if self.record.repaired_by is None else strawberry.ID(self.record.repaired_by)

    @strawberry.field(
        description="The kind of consequence (statutory_bar, decided_term, court_measure, "
        "credit_measure, duty): what repair, delisting or an objection does to it."
    )
    def kind(self) -> str | None:
        return self.record.kind

    @strawberry.field(description="Why it is UNCONFIRMED, when a fact it rests on is unknown.")
    def note(self) -> str | None:
        return self.record.note

    @strawberry.field(
        description="An objection filed against its record and not yet decided (异议处理中)."
    )
    def objection(self) -> strawberry.ID | None:
        return None if self.record.objection is None else strawberry.ID(self.record.objection)


EVENT_TYPE = "EVENT"
RESTRICTION_TYPE = "RESTRICTION"


def schema_label(description: str) -> str:
    """The Chinese label at the head of a graph_schema description (before its gloss)."""
    head = description
    for mark in ("(", "（", ":", "：", "—", ",", "，"):
        head = head.split(mark, 1)[0]
    return head.strip() or description


def event_label(schema: Any, event: model.Event) -> str:
    kind = schema.events.get(event.kind)
    parts = [schema_label(kind.description) if kind else event.kind, event.date.isoformat()]
    document = event.props.get("document")
    if document:
        parts.append(str(document))
    return " ".join(parts)


def restriction_label(schema: Any, r: model.Restriction) -> str:
    measure = schema.measures.get(r.measure)
    label = schema_label(measure.description) if measure else r.measure
    if r.until is None:
        return f"{label} {r.start.isoformat()} 起"
    return f"{label} {r.start.isoformat()} 至 {r.until.isoformat()}"


def path_links(ctx: ApiContext, r: model.Restriction) -> list[tuple[model.Link, bool]]:
    """The stored links a restriction's path names, in path order from its subject, each with
    whether it points along the path (towards the event's subject). One store read."""
    steps = r.path
    hops = [
        (steps[i - 1].node, steps[i], steps[i + 1].node)
        for i in range(1, len(steps) - 1)
        if steps[i].node is None and steps[i - 1].node and steps[i + 1].node
    ]
    if not hops:
        return []
    stored = ctx.store.links(
        {n for a, _, b in hops for n in (a, b) if n is not None},
        rels={step.rel for _, step, _ in hops if step.rel is not None},
    )
    by_key: dict[tuple[Any, ...], model.Link] = {
        (link.rel, link.src, link.dst, link.valid_from, link.valid_to): link for link in stored
    }
    found: list[tuple[model.Link, bool]] = []
    for a, step, b in hops:
        for src, dst, forwards in ((a, b, True), (b, a, False)):
            link = by_key.get((step.rel, src, dst, step.valid_from, step.valid_to))
            if link is not None:
                found.append((link, forwards))
                break
    return found


def sees_repaired(ctx: ApiContext) -> bool:
    """Stewards keep the history of repaired records; public reads and investigators do not
    (信用修复: 停止公示、终止共享)."""
    return ctx.may(Right.WRITE)


def repaired_records(schema: Any, events: Sequence[model.Event]) -> set[str]:
    """The events of one subject whose credit was repaired by a lift still standing (lifts
    are always on the lifted event's subject, so the subject's own events tell)."""
    voided = {e.lifts for e in events if e.lifts and schema.events[e.kind].lifting == "void"}
    return {
        e.lifts for e in events if e.lifts and schema.events[e.kind].hides and e.id not in voided
    }


def visible_restrictions(
    ctx: ApiContext, restrictions: Sequence[model.Restriction]
) -> list[model.Restriction]:
    """For the public role, only restrictions on enterprises whose path shows no person; for
    everyone but stewards, none from a repaired record."""
    if not sees_repaired(ctx):
        restrictions = [r for r in restrictions if r.repaired_by is None]
    if ctx.sees_persons or not restrictions:
        return list(restrictions)
    ids = {r.subject for r in restrictions} | {
        s.node for r in restrictions for s in r.path if s.node is not None
    }
    types = ctx.store.node_types(ids)
    return [
        r
        for r in restrictions
        if types.get(r.subject) == "enterprise"
        and all(types.get(s.node) != PERSON for s in r.path if s.node is not None)
    ]


@strawberry.type(
    description="Why a check is not ALLOW: the measure, its rule and legal basis, "
    "its window, the source event and the path that carried it."
)
class Reason:
    measure: Measure = strawberry.field(description="The measure imposed.")
    rule: str = strawberry.field(description="The rule's id (graph_schema/rules).")
    legal_basis: str = strawberry.field(
        description="The provision, as cited (e.g. 公司法(2023) 第一百七十八条第一款第四项)."
    )
    from_: dt.date = strawberry.field(name="from", description="The first day the measure applies.")
    until: dt.date | None = strawberry.field(
        description="The last day the measure applies (inclusive); null: until lifted."
    )
    certainty: Certainty_ = strawberry.field(
        description="CONFIRMED, or UNCONFIRMED when a fact it depends on is unknown (REVIEW)."
    )
    effect: Effect = strawberry.field(
        description="BAR (the measure bars it) or REVIEW (strict review); for incentives "
        "INCENTIVE, for the reasons incentives are withheld VETO or BAR, in grades GRADE."
    )
    event: Event | None = strawberry.field(
        description="The source event; null when the reason is a registry or identity fact "
        "(see fact)."
    )
    path: list[PathStep] = strawberry.field(
        description="How the measure reached the party: parties and the links between them."
    )
    restriction_id: strawberry.ID = strawberry.field(
        description="The restriction this reason comes from."
    )
    fact: str | None = strawberry.field(
        default=None,
        description="REGISTRY_STATUS or BIRTH_DATE when the reason rests on a fact, not an event.",
    )
    note: str | None = strawberry.field(
        default=None, description="Why the reason is UNCONFIRMED: the fact that is unknown."
    )
    record_state: str | None = strawberry.field(
        default=None,
        description="OBJECTION_UNDER_REVIEW while an objection to the cited record is undecided.",
    )
    identity: IdentityEvidence | None = strawberry.field(
        default=None,
        description="Present when the measure reached the person through a published entry "
        "(a name and a masked identity number): the entry, the evidence, the certainty.",
    )

    @classmethod
    def of(cls, reason: DomainReason) -> Reason:
        r = reason.restriction
        identity = reason.identity
        return cls(
            identity=None
            if identity is None
            else IdentityEvidence(
                entry=strawberry.ID(identity.entry),
                certainty=identity.certainty.value,
                evidence=list(identity.evidence),
            ),
            measure=r.measure,
            rule=r.rule,
            legal_basis=r.legal_basis,
            from_=r.start,
            until=r.until,
            certainty=r.certainty.value,
            effect=reason.effect.upper(),
            event=None if reason.is_fact else _event_ref(r),
            path=_steps(r.path),
            restriction_id=strawberry.ID(r.id),
            fact=r.event_kind if reason.is_fact else None,
            note=r.note,
            record_state=reason.record_state,
        )


@strawberry.type(
    description="Why a published entry (a person known from a list by name and masked "
    "number) is taken to be the person checked."
)
class IdentityEvidence:
    entry: strawberry.ID = strawberry.field(description="The published entry (lp:…).")
    certainty: Certainty_ = strawberry.field(
        description="CONFIRMED (a steward judged them the same) or UNCONFIRMED (masked number "
        "and name only: REVIEW)."
    )
    evidence: list[str] = strawberry.field(description="The facts the match rests on.")


@strawberry.type(description="The answer of a check: ALLOW, REVIEW or DENY, with the reasons.")
class Decision:
    # built eagerly, as plain fields: the check path is the one approval systems wait on
    decision: Verdict_ = strawberry.field(description="ALLOW, REVIEW or DENY.")
    reasons: list[Reason] = strawberry.field(description="Why, strongest first: empty for ALLOW.")
    on: dt.date = strawberry.field(description="The day asked about.")
    data_version: str = strawberry.field(
        description="The store's data version the answer was computed on (log it with the "
        "decision)."
    )
    until: dt.date | None = strawberry.field(
        description="The last day a DENY holds; null when open-ended or not denied."
    )
    person: strawberry.ID | None = strawberry.field(
        description="The person checked (appointments); asked by identity number, the person "
        "holding it, or null when no registry person does."
    )
    role: Role | None = strawberry.field(description="The office asked about (appointments).")
    enterprise: strawberry.ID | None = strawberry.field(
        description="The enterprise of the appointment, when given."
    )
    subject: strawberry.ID | None = strawberry.field(
        description="The party checked; null for a check by an identity number no person holds."
    )
    activity: Activity | None = strawberry.field(
        description="The activity asked about (eligibility)."
    )
    incentives: list[Reason] = strawberry.field(
        description="守信激励 in force that day (容缺受理, 绿色通道, …): shown, never part of "
        "the verdict — an incentive outweighs no bar."
    )
    incentives_withheld: list[Reason] = strawberry.field(
        description="Why the incentives in force are withheld: a bar, or a 一票否决 measure."
    )

    @classmethod
    def of(cls, d: DomainDecision) -> Decision:
        appointment = d.activity is None
        return cls(
            decision=d.decision.value,
            reasons=[Reason.of(r) for r in d.reasons],
            incentives=[Reason.of(r) for r in d.incentives],
            incentives_withheld=[Reason.of(r) for r in d.incentives_withheld],
            on=d.on,
            data_version=d.data_version,
            until=d.until,
            person=strawberry.ID(d.subject) if appointment and d.subject else None,
            role=d.role,
            enterprise=None if d.enterprise is None else strawberry.ID(d.enterprise),
            subject=strawberry.ID(d.subject) if d.subject else None,
            activity=d.activity,
        )


# --- investigations ----------------------------------------------------------------------------


@strawberry.type(description="A chain of holdings from a person down to the enterprise.")
class OwnershipChain:
    record: strawberry.Private[inv.OwnershipChain]

    @strawberry.field(description="Party ids from the person down to the enterprise.")
    def nodes(self) -> list[strawberry.ID]:
        return [strawberry.ID(n) for n in self.record.nodes]

    @strawberry.field(description="The holdings, from the person down to the enterprise.")
    def links(self) -> list[Link]:
        return [Link(record=link) for link in self.record.links]

    @strawberry.field(
        description="The product of the shares along the chain; null for a control "
        "chain or when a share is unknown."
    )
    def share(self) -> float | None:
        return self.record.share

    @strawberry.field(description="Every link is actual control or a majority holding.")
    def control(self) -> bool:
        return self.record.control


@strawberry.type(description="A beneficial owner (受益所有人).")
class Owner:
    record: strawberry.Private[inv.Owner]

    @strawberry.field(description="The natural person.")
    def person(self, info: Info) -> Person:
        node = info.context.node(self.record.person)
        view = node_view(info, node)
        assert isinstance(view, Person)
        return view

    @strawberry.field(description="Summed over the chains whose shares are all known.")
    def effective_share(self) -> float:
        return self.record.effective_share

    @strawberry.field(description="Why they are a beneficial owner.")
    def reasons(self) -> list[OwnerReason]:
        return list(self.record.reasons)

    @strawberry.field(description="A chain has an unknown share: effectiveShare is a lower bound.")
    def incomplete(self) -> bool:
        return self.record.incomplete

    @strawberry.field(description="The chains of holdings from them down to the enterprise.")
    def chains(self) -> list[OwnershipChain]:
        return [OwnershipChain(record=c) for c in self.record.chains]


@strawberry.type(
    description="A sanctioned party, or one under a measure, near the party asked about (关联风险)."
)
class Exposure:
    record: strawberry.Private[inv.Exposure]

    @strawberry.field(description="The sanctioned party, or the party under a measure.")
    def node(self, info: Info) -> Node:
        view = node_view(info, info.context.node(self.record.node))
        assert view is not None
        return view

    @strawberry.field(description="Links between it and the party asked about.")
    def distance(self) -> int:
        return self.record.distance

    @strawberry.field(description="It has a measure in force on the day asked about.")
    def active(self) -> bool:
        return self.record.active

    @strawberry.field(description="A shortest path from the party asked about.")
    def path(self) -> Path:
        return Path(record=self.record.path)

    @strawberry.field(description="Its sanction events, neither voided nor ended.")
    def events(self) -> list[Event]:
        return [Event(record=e) for e in self.record.events]

    @strawberry.field(description="Its measures in force on the day asked about.")
    def restrictions(self) -> list[Restriction]:
        return [Restriction(record=r) for r in self.record.restrictions]


@strawberry.type(
    description="An official, or a relative, holding office or shares in an "
    "enterprise the official's agency supervises."
)
class InterestConflict:
    record: strawberry.Private[inv.InterestConflict]

    def _node(self, info: Info, node_id: str) -> Any:
        view = node_view(info, info.context.node(node_id))
        assert view is not None
        return view

    @strawberry.field(description="The official whose agency supervises the enterprise.")
    def official(self, info: Info) -> Person:
        return self._node(info, self.record.official)

    @strawberry.field(description="The official's agency.")
    def agency(self, info: Info) -> Agency:
        return self._node(info, self.record.agency)

    @strawberry.field(description="Who holds the role or shares: the official or a relative.")
    def holder(self, info: Info) -> Person:
        return self._node(info, self.record.holder)

    @strawberry.field(description="Whether the holder is the official or a relative.")
    def relation(self) -> ConflictRelation:
        return self.record.relation

    @strawberry.field(description="The supervised enterprise.")
    def enterprise(self, info: Info) -> Enterprise:
        return self._node(info, self.record.enterprise)

    @strawberry.field(description="The office: official -OFFICIAL_OF-> agency.")
    def office(self) -> Link:
        return Link(record=self.record.office)

    @strawberry.field(description="The supervision: agency -SUPERVISES-> enterprise.")
    def supervision(self) -> Link:
        return Link(record=self.record.supervision)

    @strawberry.field(description="The holding: holder -role or SHAREHOLDER-> enterprise.")
    def holding(self) -> Link:
        return Link(record=self.record.holding)

    @strawberry.field(
        description="The kinship: official -RELATIVE_OF- holder; null when the holder is the official."
    )
    def kinship(self) -> Link | None:
        return None if self.record.kinship is None else Link(record=self.record.kinship)

    @strawberry.field(
        description="The whole path: official → agency → enterprise → holder (→ official)."
    )
    def path(self) -> Path:
        return Path(record=self.record.path)


# --- connections ------------------------------------------------------------------------------


@strawberry.type(description="Where a page is in its list (Relay).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page.")
    has_previous_page: bool = strawberry.field(description="Items precede this page.")
    start_cursor: str | None = strawberry.field(
        description="The cursor of the first item of this page."
    )
    end_cursor: str | None = strawberry.field(
        description="The cursor of the last item of this page."
    )


@strawberry.type(description="A party and its cursor.")
class NodeEdge:
    node: Node = strawberry.field(description="The party.")
    cursor: str = strawberry.field(description="Where this party is in the list.")


@strawberry.type(description="A page of parties (Relay connection).")
class NodeConnection:
    edges: list[NodeEdge] = strawberry.field(description="The parties of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page is in the list.")
    count: strawberry.Private[Callable[[], int]]

    @strawberry.field(
        description="How many parties the whole list holds, counting only those the caller "
        "may see (asking for it reads every match)."
    )
    def total_count(self) -> int:
        return self.count()


@strawberry.type(description="A restriction and its cursor.")
class RestrictionEdge:
    node: Restriction = strawberry.field(description="The restriction.")
    cursor: str = strawberry.field(description="Where this restriction is in the list.")


@strawberry.type(description="A page of restrictions (Relay connection), ordered by id.")
class RestrictionConnection:
    edges: list[RestrictionEdge] = strawberry.field(description="The restrictions of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page is in the list.")
    total_count: int = strawberry.field(description="How many restrictions the whole list holds.")


@strawberry.type(description="A link and its cursor.")
class LinkEdge:
    node: Link = strawberry.field(description="The link.")
    cursor: str = strawberry.field(description="Where this link is in the list.")


@strawberry.type(description="A page of a party's links (Relay connection).")
class LinkConnection:
    edges: list[LinkEdge] = strawberry.field(description="The links of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page is in the list.")
    total_count: int = strawberry.field(description="How many links the whole list holds.")


@strawberry.type(description="An event and its cursor.")
class EventEdge:
    node: Event = strawberry.field(description="The event.")
    cursor: str = strawberry.field(description="Where this event is in the list.")


@strawberry.type(description="A page of a party's events (Relay connection).")
class EventConnection:
    edges: list[EventEdge] = strawberry.field(description="The events of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page is in the list.")
    total_count: int = strawberry.field(description="How many events the whole list holds.")


@strawberry.type(description="A read that showed persons.")
class AuditLogEntry:
    record: strawberry.Private[AuditEntry]

    @strawberry.field(description="When (UTC, ISO 8601).")
    def at(self) -> str:
        return self.record.at

    @strawberry.field(description="Who: the caller's key fingerprint (never the key), or local.")
    def principal(self) -> str:
        return self.record.principal

    @strawberry.field(description="The caller's access role.")
    def role(self) -> AccessRoleName:
        return self.record.role

    @strawberry.field(description="The GraphQL field read (checkAppointment, neighborhood, …).")
    def operation(self) -> str:
        return self.record.operation

    @strawberry.field(description="The persons it showed.")
    def ids(self) -> list[strawberry.ID]:
        return [strawberry.ID(i) for i in self.record.ids]

    @strawberry.field(description="The X-Purpose header the caller sent.")
    def purpose(self) -> str | None:
        return self.record.purpose


@strawberry.type(description="An audit entry and its cursor.")
class AuditLogEdge:
    node: AuditLogEntry = strawberry.field(description="The entry.")
    cursor: str = strawberry.field(description="Where this entry is in the log.")


@strawberry.type(description="The audit log, newest first (Relay connection).")
class AuditLogConnection:
    edges: list[AuditLogEdge] = strawberry.field(description="The entries of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page is in the log.")


# --- writes -----------------------------------------------------------------------------------


@strawberry.type(description="A rejected record: its position in the list, the field and why.")
class RecordError:
    index: int = strawberry.field(description="0-based position in the records given.")
    field: str = strawberry.field(description="The field at fault.")
    message: str = strawberry.field(description="Why it was rejected, and how to fix it.")


@strawberry.type(description="A count of records of one kind.")
class KindCount:
    kind: str = strawberry.field(
        description="A record kind (enterprise, person, agency, link, event)."
    )
    count: int = strawberry.field(description="How many.")


@strawberry.type(
    description="What an import did. With errors and skipInvalid false, nothing was written."
)
class ImportResult:
    ok: bool = strawberry.field(description="Every record was valid.")
    written: bool = strawberry.field(description="The valid records were written.")
    accepted: int = strawberry.field(description="How many records were valid.")
    errors: list[RecordError] = strawberry.field(description="The rejected records.")
    created: list[KindCount] = strawberry.field(description="New records, by kind.")
    updated: list[KindCount] = strawberry.field(description="Changed records, by kind.")
    unchanged: list[KindCount] = strawberry.field(
        description="Records already stored as given, by kind (a re-import is idempotent)."
    )
    restrictions_derived: int = strawberry.field(
        description="Restrictions derived by the events written."
    )
    events_rederived: int = strawberry.field(
        description="Stored events whose measures were derived again (a lifting event, a "
        "changed link)."
    )
    data_version: str = strawberry.field(description="The store's data version afterwards.")
    client_mutation_id: str | None = strawberry.field(
        default=None, description="The clientMutationId given in the input, unchanged."
    )
    written_party_ids: strawberry.Private[tuple[str, ...]] = ()
    written_event_ids: strawberry.Private[tuple[str, ...]] = ()

    @strawberry.field(
        description="The parties the call wrote (created, updated or unchanged), as they are "
        "now — for client caches. Empty when nothing was written."
    )
    def nodes(self, info: Info) -> list[Node]:
        if not self.written:
            return []
        found = info.context.fetch_nodes(self.written_party_ids)
        return nodes_view(info, (found[i] for i in self.written_party_ids if i in found))

    @strawberry.field(
        description="The events the call wrote, as they are now. Empty when nothing was written."
    )
    def events(self, info: Info) -> list[Event]:
        if not self.written:
            return []
        ctx = info.context
        ctx.deadline.check()
        shown = []
        for event_id in self.written_event_ids:
            event = ctx.store.event(event_id)
            if event is not None and ctx.visible(ctx.node(event.subject)):
                shown.append(Event(record=event))
        return shown


@strawberry.input(description="One credit event (the contract's event record).")
class EventInput:
    id: strawberry.ID = strawberry.field(
        description="A stable id for the event (e.g. ev:2024-001)."
    )
    kind: EventKind = strawberry.field(description="What happened.")
    subject: strawberry.ID = strawberry.field(description="The id of the party it is recorded on.")
    date: dt.date = strawberry.field(description="The day of the decision or listing.")
    authority: strawberry.ID | None = strawberry.field(
        default=None, description="The agency that decided it."
    )
    document: str | None = strawberry.field(
        default=None, description="The decision document (文号)."
    )
    note: str | None = strawberry.field(default=None, description="A free-text note.")
    responsible: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Persons found personally responsible; omit when unknown."
    )
    lifts: strawberry.ID | None = strawberry.field(
        default=None, description="For lifting kinds: the event lifted."
    )
    releases: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="For lifting kinds: the persons it releases (a court releasing a former "
        "legal representative); omit when it applies to everyone reached.",
    )
    details: JSON | None = strawberry.field(
        default=None,
        description="The kind's own fields, as in the import record: "
        '{"severity": "serious"}, {"until": "2027-02-28"}, {"sentence_end": "…"}.',
    )


@strawberry.input(description="The input of importRecords.")
class ImportRecordsInput:
    records: list[JSON] = strawberry.field(
        description='Contract import records: JSON objects such as {"type": "enterprise", "id": …}.'
    )
    skip_invalid: bool = strawberry.field(
        default=False,
        description="Write the valid records and report the rest (default: with any error "
        "nothing is written).",
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="Any string; returned unchanged in the result."
    )


@strawberry.input(description="The input of recordEvent.")
class RecordEventInput:
    event: EventInput = strawberry.field(description="The event to record.")
    client_mutation_id: str | None = strawberry.field(
        default=None, description="Any string; returned unchanged in the result."
    )


@strawberry.input(
    description="One appointment to check: the person by personId, or by idNumber (+ name)."
)
class AppointmentRequest:
    role: Role = strawberry.field(description="The office asked about.")
    person_id: strawberry.ID | None = strawberry.field(
        default=None, description="The person's id (or give idNumber)."
    )
    id_number: str | None = strawberry.field(
        default=None,
        description="The resident identity number (GB 11643) instead of personId; never "
        "echoed back.",
    )
    name: str | None = strawberry.field(
        default=None, description="The name that goes with idNumber (compared, normalised)."
    )
    enterprise_id: strawberry.ID | None = strawberry.field(
        default=None, description="The enterprise of the appointment, when known."
    )
    on: dt.date | None = strawberry.field(
        default=None, description="The day asked about (default today)."
    )


@strawberry.enum(description="A steward's verdict on a published entry and a person.")
class MatchVerdict(Enum):
    SAME = strawberry.enum_value("SAME", description="the entry is this person")
    DIFFERENT = strawberry.enum_value(
        "DIFFERENT", description="the entry is not this person: never reached again"
    )
    UNSURE = strawberry.enum_value("UNSURE", description="not decided: stays under review")


@strawberry.enum(description="How a published entry resolves to registry persons.")
class ResolutionOutcome(Enum):
    MATCHED = strawberry.enum_value("MATCHED", description="one compatible registry person")
    AMBIGUOUS = strawberry.enum_value(
        "AMBIGUOUS", description="several compatible registry persons: a steward decides"
    )
    NEW = strawberry.enum_value("NEW", description="no compatible registry person")


@strawberry.type(description="A registry person a published entry may be, and why.")
class MatchCandidate:
    person: strawberry.ID = strawberry.field(description="The registry person.")
    certainty: Certainty_ = strawberry.field(
        description="CONFIRMED (judged the same) or UNCONFIRMED (masked number and name)."
    )
    evidence: list[str] = strawberry.field(description="The facts the match rests on.")
    verdict: MatchVerdict | None = strawberry.field(description="A steward's verdict, if any.")


@strawberry.type(description="A ruled-out person and why (a contradicting fact, a verdict).")
class ExcludedCandidate:
    person: strawberry.ID = strawberry.field(description="The registry person ruled out.")
    reason: str = strawberry.field(description="Why (a contradicting fact, a verdict).")


@strawberry.type(
    description="How a published entry (a person known from a list by name and masked "
    "identity number) resolves: MATCHED (one candidate), AMBIGUOUS (several), NEW (none)."
)
class ResolutionEntry:
    entry: strawberry.ID = strawberry.field(description="The published entry's id.")
    name: str = strawberry.field(description="The name as published.")
    outcome: ResolutionOutcome = strawberry.field(description="MATCHED, AMBIGUOUS or NEW.")
    candidates: list[MatchCandidate] = strawberry.field(
        description="The registry persons it may be, with the evidence."
    )
    excluded: list[ExcludedCandidate] = strawberry.field(
        description="The persons ruled out, and why."
    )

    @classmethod
    def of(cls, r: Any) -> ResolutionEntry:
        return cls(
            entry=strawberry.ID(r.entry.id),
            name=r.entry.name,
            outcome=ResolutionOutcome(r.outcome),
            candidates=[
                MatchCandidate(
                    person=strawberry.ID(c.person),
                    certainty=c.certainty.value,
                    evidence=list(c.evidence),
                    verdict=MatchVerdict(c.verdict.upper()) if c.verdict else None,
                )
                for c in r.candidates
            ],
            excluded=[ExcludedCandidate(person=strawberry.ID(p), reason=w) for p, w in r.excluded],
        )


@strawberry.type(description="Who is asking, as the server sees it.")
class Viewer:
    principal: str = strawberry.field(
        description="The caller's label (a key fingerprint, never the key), or local."
    )
    role: AccessRoleName = strawberry.field(description="The caller's access role.")
    rights: list[AccessRight] = strawberry.field(description="What the role may do.")
    open_local_mode: bool = strawberry.field(
        description="No API keys are configured: every local caller has every right."
    )


__all__ = [
    "Agency",
    "AppointmentRequest",
    "AuditLogConnection",
    "Decision",
    "Enterprise",
    "EventInput",
    "Exposure",
    "IdentityEvidence",
    "ImportResult",
    "InterestConflict",
    "MatchVerdict",
    "Node",
    "NodeConnection",
    "Owner",
    "Path",
    "Person",
    "ResolutionEntry",
    "RestrictionConnection",
    "Subgraph",
    "Viewer",
]
