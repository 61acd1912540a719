"""GraphQL fields of the graph analysis (creditgraph.service.analysis): suspected related
groups (疑似关联方), ownership cycles, k shortest paths and the ownership tree (股权穿透).
Each resolver checks the caller's right, calls the service, records the persons it shows
for the audit log, and wraps the result."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from creditgraph.api import checks
from creditgraph.api.access import Right
from creditgraph.api.context import ApiContext, missing
from creditgraph.api.enums import Rel
from creditgraph.api.types import Link, Node, Path, Truncation, node_view, nodes_view
from creditgraph.service import analysis as an
from creditgraph.service.errors import UnknownId

if TYPE_CHECKING:
    Info = strawberry.Info[ApiContext, None]
else:
    Info = strawberry.Info


@strawberry.enum(description="What ties two enterprises of a suspected related group.")
class TieKind(Enum):
    SHARED_OFFICER = strawberry.enum_value(
        "SHARED_OFFICER",
        description="one person in office (董监高, 法定代表人, 实际控制人) in both",
    )
    HOLDING = strawberry.enum_value("HOLDING", description="one holds or controls the other")


@strawberry.type(description="Why two enterprises are in one group.")
class GroupTie:
    record: strawberry.Private[an.GroupTie]

    @strawberry.field(description="One enterprise of the tie.")
    def a(self) -> strawberry.ID:
        return strawberry.ID(self.record.a)

    @strawberry.field(description="The other enterprise.")
    def b(self) -> strawberry.ID:
        return strawberry.ID(self.record.b)

    @strawberry.field(description="What ties them.")
    def kind(self) -> TieKind:
        return TieKind(self.record.kind)

    @strawberry.field(description="The shared person (SHARED_OFFICER).")
    def via(self, info: Info) -> Node | None:
        if self.record.via is None:
            return None
        return node_view(info, info.context.node(self.record.via))

    @strawberry.field(description="The links that make the tie.")
    def links(self) -> list[Link]:
        return [Link(record=link) for link in self.record.links]


@strawberry.type(
    description="Enterprises tied by shared officers or holdings (疑似关联方): a connected "
    "component of those ties, or a community cut out of a large one."
)
class RelatedGroup:
    record: strawberry.Private[an.RelatedGroup]

    @strawberry.field(description="The enterprises of the group.")
    def enterprises(self, info: Info) -> list[Node]:
        found = info.context.fetch_nodes(self.record.enterprises)
        return nodes_view(info, [found[i] for i in self.record.enterprises if i in found])

    @strawberry.field(description="What ties them, pair by pair.")
    def ties(self) -> list[GroupTie]:
        return [GroupTie(record=t) for t in self.record.ties]

    @strawberry.field(description="A Louvain community of a larger component.")
    def community(self) -> bool:
        return self.record.community


@strawberry.type(description="The suspected related groups around a party.")
class RelatedGroups:
    record: strawberry.Private[an.RelatedGroups]

    @strawberry.field(description="The party's own group first, then larger groups first.")
    def groups(self) -> list[RelatedGroup]:
        return [RelatedGroup(record=g) for g in self.record.groups]

    @strawberry.field(description="Hubs whose links were not all followed.")
    def truncated(self) -> list[Truncation]:
        return [
            Truncation(node=strawberry.ID(t.node), total=t.total, shown=t.shown)
            for t in self.record.truncated
        ]


@strawberry.type(
    description="Enterprises holding one another in a circle (交叉持股/循环持股); each "
    "node holds the next, the last holds the first."
)
class OwnershipCycle:
    record: strawberry.Private[an.OwnershipCycle]

    @strawberry.field(description="The enterprises of the circle, each holding the next.")
    def nodes(self) -> list[strawberry.ID]:
        return [strawberry.ID(n) for n in self.record.nodes]

    @strawberry.field(description="The holdings that make the circle.")
    def links(self) -> list[Link]:
        return [Link(record=link) for link in self.record.links]


@strawberry.type(description="One holder above an enterprise, reached by one chain (股权穿透).")
class OwnershipBranch:
    record: strawberry.Private[an.OwnershipBranch]

    @strawberry.field(description="Party ids from the enterprise up to this holder.")
    def chain(self) -> list[strawberry.ID]:
        return [strawberry.ID(n) for n in self.record.chain]

    @strawberry.field(
        description="The holder (a person or an enterprise); null when hidden from the caller."
    )
    def holder(self, info: Info) -> Node | None:
        return node_view(info, info.context.node(self.record.holder))

    @strawberry.field(description="The holding (SHAREHOLDER) or control link.")
    def link(self) -> Link:
        return Link(record=self.record.link)

    @strawberry.field(description="1 for a direct holder.")
    def level(self) -> int:
        return self.record.level

    @strawberry.field(
        description="The shares multiplied along the chain; null for control or when a "
        "share is unknown."
    )
    def effective_share(self) -> float | None:
        return self.record.effective_share

    @strawberry.field(
        description="The holder is already on the chain below: a cross-holding; the "
        "branch stops here."
    )
    def cross_holding(self) -> bool:
        return self.record.cross_holding


def related_groups(
    info: Info,
    id: Annotated[
        strawberry.ID, strawberry.argument(description="The party the groups are found around.")
    ],
    depth: Annotated[int, strawberry.argument(description="How many links out (at most 3).")] = 2,
    as_of: Annotated[
        dt.date | None, strawberry.argument(description="Ties holding on this day (default today).")
    ] = None,
) -> RelatedGroups:
    ctx = info.context
    ctx.require(Right.READ)
    try:
        found = an.related_groups(
            ctx.store, id, depth=depth, as_of=as_of or ctx.today, deadline=ctx.deadline
        )
    except UnknownId:
        raise missing(id) from None
    ctx.touch(info, [t.via for g in found.groups for t in g.ties if t.via is not None])
    return RelatedGroups(record=found)


def ownership_cycles(
    info: Info,
    id: Annotated[
        strawberry.ID, strawberry.argument(description="The party the circles are found around.")
    ],
    depth: Annotated[int, strawberry.argument(description="How many links out.")] = 3,
    as_of: Annotated[
        dt.date | None, strawberry.argument(description="Holdings on this day (default today).")
    ] = None,
) -> list[OwnershipCycle]:
    ctx = info.context
    ctx.require(Right.READ)
    try:
        found = an.ownership_cycles(
            ctx.store, id, depth=depth, as_of=as_of or ctx.today, deadline=ctx.deadline
        )
    except UnknownId:
        raise missing(id) from None
    return [OwnershipCycle(record=c) for c in found]


def k_shortest_paths(
    info: Info,
    from_id: Annotated[strawberry.ID, strawberry.argument(description="One end.")],
    to_id: Annotated[strawberry.ID, strawberry.argument(description="The other end.")],
    k: Annotated[
        int, strawberry.argument(description="At most this many paths, shortest first.")
    ] = 5,
    max_hops: Annotated[
        int, strawberry.argument(description="At most this many links in a path.")
    ] = 4,
    as_of: Annotated[
        dt.date | None, strawberry.argument(description="Only links holding on this day.")
    ] = None,
    rels: Annotated[
        list[Rel] | None, strawberry.argument(description="Follow only links of these kinds.")
    ] = None,
) -> list[Path]:
    ctx = info.context
    ctx.require(Right.READ)
    try:
        found = an.k_shortest_paths(
            ctx.store,
            from_id,
            to_id,
            k=k,
            max_hops=max_hops,
            as_of=as_of,
            rels=rels,
            deadline=ctx.deadline,
        )
    except UnknownId as exc:
        raise checks.unknown(ctx, exc, from_id, to_id) from None
    ctx.touch_nodes(
        info, ctx.fetch_nodes({from_id, to_id, *(n for p in found for n in p.nodes)}).values()
    )
    return [Path(record=p) for p in found]


def ownership_tree(
    info: Info,
    enterprise_id: Annotated[
        strawberry.ID, strawberry.argument(description="The enterprise at the root.")
    ],
    levels: Annotated[int, strawberry.argument(description="How many levels of holders up.")] = 5,
    as_of: Annotated[
        dt.date | None, strawberry.argument(description="Holdings on this day (default today).")
    ] = None,
) -> list[OwnershipBranch]:
    ctx = info.context
    ctx.require(Right.READ)
    try:
        found = an.ownership_tree(
            ctx.store,
            enterprise_id,
            levels=levels,
            as_of=as_of or ctx.today,
            deadline=ctx.deadline,
        )
    except UnknownId:
        raise missing(enterprise_id) from None
    ctx.fetch_nodes({b.holder for b in found})  # one read for the whole tree
    return [OwnershipBranch(record=b) for b in found]


related_groups_field = strawberry.field(
    resolver=related_groups,
    description="Enterprises within `depth` links (≤ 3) tied by shared officers or holdings "
    "(疑似关联方), grouped by networkx: connected components, split into Louvain "
    "communities when large. asOf defaults to today.",
)
ownership_cycles_field = strawberry.field(
    resolver=ownership_cycles,
    description="Circles of shareholdings (交叉持股) among the parties within `depth` "
    "SHAREHOLDER links (≤ 3). asOf defaults to today.",
)
k_shortest_paths_field = strawberry.field(
    resolver=k_shortest_paths,
    description="The k (≤ 50) shortest simple chains joining two parties, links taken "
    "either way, each at most maxHops long (找关系 beyond the shortest). Without asOf, links "
    "of any time.",
)
ownership_tree_field = strawberry.field(
    resolver=ownership_tree,
    description="Every holder above an enterprise (股权穿透), branch by branch, with the "
    "effective share along each branch and cross-holdings marked. asOf defaults to today.",
)
