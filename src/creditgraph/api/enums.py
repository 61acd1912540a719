"""GraphQL enums generated from the graph schema (``graph_schema/``), never typed again here.

Roles, activities, measures, link kinds, event kinds and node types are read from the
:class:`~creditgraph.schema.GraphSchema` the server runs with (the built-in schema plus
any ``CREDITGRAPH_RULES`` folders), each value carrying the schema's description. Enum
members are ``str`` subclasses, so resolvers hand them to the service as plain names.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum, StrEnum
from typing import TYPE_CHECKING, Any, TypeAlias

import strawberry

from creditgraph.domain.model import Certainty, Status, Verdict
from creditgraph.schema import GraphSchema, default_schema
from creditgraph.settings import load_settings


def _enum(name: str, description: str, values: Mapping[str, str]) -> type[StrEnum]:
    python_enum = StrEnum(name, {value: value for value in values})  # type: ignore[misc]
    wrapped: Any = strawberry.enum(python_enum, name=name, description=description)
    for value in wrapped.__strawberry_definition__.values:
        value.description = values[value.name] or None
    return wrapped


def _from_python(
    enum: type[Enum], name: str, description: str, values: Mapping[str, str]
) -> type[StrEnum]:
    return _enum(name, description, {member.value: values.get(member.value, "") for member in enum})


def graph_schema() -> GraphSchema:
    """The schema the GraphQL types are generated from (read once per process)."""
    return default_schema(load_settings().rule_dirs)


_SCHEMA = graph_schema()

if TYPE_CHECKING:
    Role: TypeAlias = str
    Activity: TypeAlias = str
    Measure: TypeAlias = str
    Rel: TypeAlias = str
    EventKind: TypeAlias = str
    NodeType: TypeAlias = str
    Verdict_: TypeAlias = str
    Certainty_: TypeAlias = str
    RestrictionStatus: TypeAlias = str
    Direction: TypeAlias = str
    OwnerReason: TypeAlias = str
    ConflictRelation: TypeAlias = str
    EnterpriseStatus: TypeAlias = str
    EnterpriseKind: TypeAlias = str
    AgencyLevel: TypeAlias = str
    Effect: TypeAlias = str
    AccessRoleName: TypeAlias = str
    AccessRight: TypeAlias = str
else:
    Role = _enum(
        "Role",
        "An office a person may be appointed to (the 董监高 set and 负责人).",
        _SCHEMA.roles,
    )
    Activity = _enum(
        "Activity",
        "An activity an eligibility check asks about.",
        _SCHEMA.activities,
    )
    Measure = _enum(
        "Measure",
        "A measure a rule imposes (what it bars or puts under review).",
        {name: m.description for name, m in _SCHEMA.measures.items()},
    )
    Rel = _enum(
        "Rel",
        "A kind of dated link between two parties.",
        {rel: link.description for rel, link in _SCHEMA.links.items()},
    )
    EventKind = _enum(
        "EventKind",
        "A kind of credit event recorded on a subject.",
        {kind: event.description for kind, event in _SCHEMA.events.items()},
    )
    NodeType = _enum(
        "NodeType",
        "What a Node is: a party of one of graph_schema's node kinds, an event or a restriction.",
        {
            **{kind.label.upper(): kind.description for kind in _SCHEMA.nodes.values()},
            # not node kinds of the graph but the two other objects with a global id: fixed by
            # the domain model (every schema has events and derives restrictions)
            "EVENT": "A credit event recorded on a party (graph_schema/events.yaml).",
            "RESTRICTION": "A measure derived from an event by a rule (graph_schema/rules).",
        },
    )
    Verdict_ = _from_python(
        Verdict,
        "Verdict",
        "The answer of a check.",
        {
            "ALLOW": "no measure in force bars it",
            "REVIEW": "a measure would bar it but a fact it depends on is unknown, or the measure "
            "calls for strict review",
            "DENY": "a confirmed measure in force bars it",
        },
    )
    Certainty_ = _from_python(
        Certainty,
        "Certainty",
        "Whether every fact a measure depends on is established.",
        {
            "CONFIRMED": "every fact it depends on is established",
            "UNCONFIRMED": "a fact it depends on is unknown (e.g. personal responsibility): "
            "a check answers REVIEW",
        },
    )
    RestrictionStatus = _from_python(
        Status,
        "RestrictionStatus",
        "A restriction's status as of today.",
        {
            "ACTIVE": "in force today, or starting later",
            "ENDED": "its window has passed, or credit repair / delisting ended it early",
            "VOID": "its event was voided (objection upheld, decision revoked)",
        },
    )
    Direction = _enum(
        "Direction",
        "Which links of a party to follow.",
        {
            "OUT": "links from the party",
            "IN": "links to the party",
            "BOTH": "either way",
        },
    )
    OwnerReason = _enum(
        "OwnerReason",
        "Why a person is a beneficial owner.",
        {
            "EQUITY": "effective share at or above the threshold (直接或者间接拥有股权)",
            "CONTROL": "actual control, directly or through entities the person controls "
            "(实际控制)",
        },
    )
    ConflictRelation = _enum(
        "ConflictRelation",
        "Who holds the conflicting interest.",
        {
            "SELF": "the official",
            "RELATIVE": "a relative of the official (近亲属)",
        },
    )


# What each value of a node property's vocabulary means, for the docs pane (the values
# themselves come from graph_schema/nodes.yaml; a value without an entry here is still served).
PROPERTY_VALUES: Mapping[str, str] = {
    "active": "registered and operating (存续/在业)",
    "revoked": "business licence revoked (吊销)",
    "closed": "ordered closed (责令关闭)",
    "cancelled": "registration cancelled (注销)",
    "bankrupt": "declared bankrupt and liquidated (破产)",
    "company": "a company (公司)",
    "soe": "a state-owned enterprise (国有企业)",
    "public_institution": "a public institution (事业单位)",
    "social_organization": "a social organization (社会组织)",
    "individual_business": "an individual business (个体工商户)",
    "national": "national (国家级)",
    "province": "provincial (省级)",
    "city": "municipal (市级)",
    "county": "county or district (县/区级)",
    "township": "township (乡镇级)",
    "other": "none of the above",
}


def _property_enum(node_type: str, prop: str, description: str) -> type[StrEnum]:
    """A closed vocabulary of a node property (``type: enum`` in graph_schema/nodes.yaml).
    Values keep the contract's spelling (``active``, ``province``): they are what imports
    carry and what callers have always received."""
    kind = _SCHEMA.nodes[node_type]
    spec = kind.properties[prop]
    name = kind.label + prop.title().replace("_", "")
    return _enum(name, description, {v: PROPERTY_VALUES.get(v, "") for v in spec.values})


if not TYPE_CHECKING:
    from creditgraph.api.access import AccessRole, Right

    Effect = _enum(
        "Effect",
        "What a measure does to the thing asked about.",
        {
            "BAR": "the measure bars it (DENY when confirmed)",
            "REVIEW": "strict review",
            "INCENTIVE": "守信激励: a benefit in force (never part of the verdict)",
            "VETO": "一票否决: it withholds the incentives in force",
            "GRADE": "it gives a credit grade",
        },
    )
    AccessRoleName = _from_python(
        AccessRole,
        "AccessRole",
        "A caller's access role (CREDITGRAPH_API_KEYS).",
        {
            "approval": "checks only",
            "investigator": "checks and every read",
            "steward": "every read, the writes, the audit log and masked identity numbers",
            "public": "anonymous: public facts about enterprises only",
        },
    )
    AccessRight = _from_python(
        Right,
        "AccessRight",
        "Something a role may do.",
        {
            "check": "run checks",
            "read_public": "read enterprises, their events and restrictions",
            "read": "read persons and associations",
            "write": "write records",
            "audit": "read the audit log",
            "see_id_numbers": "see masked identity numbers",
        },
    )
    EnterpriseStatus = _property_enum(
        "enterprise", "status", "An enterprise's registration status (登记状态)."
    )
    EnterpriseKind = _property_enum("enterprise", "kind", "The legal form of an enterprise.")
    AgencyLevel = _property_enum("agency", "level", "The administrative level of an agency.")


def node_type_name(node_type: str) -> str:
    """The NodeType value for a store node type (``enterprise`` → ``ENTERPRISE``)."""
    return _SCHEMA.nodes[node_type].label.upper()
