"""The graph schema, read from ``graph_schema/`` — the single source of truth.

Node kinds, link kinds, event kinds, roles, activities, measures and the
propagation rules are YAML files a domain expert can read; everything else in
creditgraph (the importer, the stores, the rules engine, the GraphQL enums) is
driven by the :class:`GraphSchema` loaded here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

from creditgraph.resources import schema_dir

PROPERTY_TYPES = frozenset(
    {
        "string",
        "enum",
        "date",
        "fraction",
        "number",
        "resident_id",
        "resident_mask",
        "year",
        "province",
        "provenance",
        "id_list",
        "id",
    }
)
LIFTING_EFFECTS = ("end", "void", "flag", "close")
# Person properties the importer derives or checks itself (identity.py): the generic
# property loop leaves them alone.
IDENTITY_PROPERTY_TYPES = frozenset({"resident_id", "resident_mask", "year", "province"})


class SchemaError(ValueError):
    """A schema or rules file that does not hold together; the message names file and entry."""


@dataclass(frozen=True)
class PropertySpec:
    name: str
    type: str
    required: bool = False
    values: tuple[str, ...] = ()
    default: str | None = None
    personal: bool = False
    description: str = ""


@dataclass(frozen=True)
class NodeKind:
    type: str
    label: str
    description: str
    id_prefix: str
    uscc_preferred: bool
    properties: Mapping[str, PropertySpec]


@dataclass(frozen=True)
class LinkKind:
    rel: str
    from_types: frozenset[str]
    to_types: frozenset[str]
    role: bool
    symmetric: bool
    description: str
    properties: Mapping[str, PropertySpec]
    identity: str | None = None  # the certainty an identity link lends a reach
    derived: bool = False  # made by identity resolution: never imported nor exported

    @cached_property
    def record_fields(self) -> frozenset[str]:
        """The fields an import record of this link kind may have."""
        return frozenset({"type", "rel", "from", "to", "valid_from", "valid_to", *self.properties})


@dataclass(frozen=True)
class EventKind:
    kind: str
    subject_types: frozenset[str]
    lifting: str | None  # "end" | "void" | "flag" | "close" | None
    description: str
    properties: Mapping[str, PropertySpec]
    hides: bool = False  # a lift that stops publication and sharing of the record it lifts


@dataclass(frozen=True)
class Measure:
    name: str
    description: str
    bars_roles: frozenset[str]
    bars_activities: frozenset[str]
    review_roles: frozenset[str]
    review_activities: frozenset[str]
    # the measure does not apply in the enterprise its event is on ("other enterprises")
    except_event_subject: bool = False


@dataclass(frozen=True)
class GraphSchema:
    nodes: Mapping[str, NodeKind]
    links: Mapping[str, LinkKind]
    events: Mapping[str, EventKind]
    roles: Mapping[str, str]
    activities: Mapping[str, str]
    measures: Mapping[str, Measure]
    rules: tuple[Any, ...]  # tuple[creditgraph.rules.rulebook.Rule, ...]
    # consequence kind → lifting event kind → effect (consequences.yaml)
    consequences: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    consequence_descriptions: Mapping[str, str] = field(default_factory=dict)
    office: Any = None  # creditgraph.rules.office.OfficeRules (office.yaml)

    def node_label(self, node_type: str) -> str:
        return self.nodes[node_type].label

    def lifting_kinds(self) -> frozenset[str]:
        return frozenset(k for k, e in self.events.items() if e.lifting)

    def role_rels(self) -> frozenset[str]:
        return frozenset(rel for rel, link in self.links.items() if link.role)

    def identity_rels(self) -> frozenset[str]:
        return frozenset(rel for rel, link in self.links.items() if link.identity)

    def derived_rels(self) -> frozenset[str]:
        return frozenset(rel for rel, link in self.links.items() if link.derived)


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except yaml.YAMLError as exc:
        raise SchemaError(f"{path}: not valid YAML: {exc}") from exc


def _properties(path: Path, owner: str, raw: Mapping[str, Any] | None) -> dict[str, PropertySpec]:
    props: dict[str, PropertySpec] = {}
    for name, spec in (raw or {}).items():
        if spec.get("type") not in PROPERTY_TYPES:
            raise SchemaError(
                f"{path}: {owner}.{name}: type {spec.get('type')!r} is not one of "
                f"{sorted(PROPERTY_TYPES)}"
            )
        props[name] = PropertySpec(
            name=name,
            type=spec["type"],
            required=bool(spec.get("required", False)),
            values=tuple(spec.get("values", ())),
            default=spec.get("default"),
            personal=bool(spec.get("personal", False)),
            description=str(spec.get("description", "")),
        )
    return props


def _measure(name: str, raw: Mapping[str, Any]) -> Measure:
    bars, review = raw.get("bars") or {}, raw.get("review") or {}
    return Measure(
        name=name,
        description=str(raw.get("description", "")),
        bars_roles=frozenset(bars.get("roles", ())),
        bars_activities=frozenset(bars.get("activities", ())),
        review_roles=frozenset(review.get("roles", ())),
        review_activities=frozenset(review.get("activities", ())),
        except_event_subject=raw.get("except") == "event_subject",
    )


def load_schema(extra_rule_dirs: Iterable[Path] = (), root: Path | None = None) -> GraphSchema:
    """Read the schema folder and every rules file (built-in first, then the extra folders)."""
    from creditgraph.rules.office import parse_office
    from creditgraph.rules.rulebook import parse_rule

    root = root or schema_dir()
    nodes_path, links_path = root / "nodes.yaml", root / "links.yaml"
    events_path, measures_path = root / "events.yaml", root / "measures.yaml"

    nodes = {
        t: NodeKind(
            type=t,
            label=raw["label"],
            description=str(raw.get("description", "")),
            id_prefix=raw.get("id", {}).get("prefix", ""),
            uscc_preferred=raw.get("id", {}).get("uscc") == "preferred",
            properties=_properties(nodes_path, t, raw.get("properties")),
        )
        for t, raw in _read_yaml(nodes_path).items()
    }
    links = {}
    for rel, raw in _read_yaml(links_path).items():
        ends = set(raw["from"]) | set(raw["to"])
        if not ends <= nodes.keys():
            raise SchemaError(
                f"{links_path}: {rel}: unknown node types {sorted(ends - nodes.keys())}"
            )
        links[rel] = LinkKind(
            rel=rel,
            from_types=frozenset(raw["from"]),
            to_types=frozenset(raw["to"]),
            role=bool(raw.get("role", False)),
            symmetric=bool(raw.get("symmetric", False)),
            description=str(raw.get("description", "")),
            properties=_properties(links_path, rel, raw.get("properties")),
            identity=raw.get("identity"),
            derived=bool(raw.get("derived", False)),
        )
        if links[rel].identity not in (None, "CONFIRMED", "UNCONFIRMED"):
            raise SchemaError(f"{links_path}: {rel}: identity must be CONFIRMED or UNCONFIRMED")
    events = {}
    for kind, raw in _read_yaml(events_path).items():
        if not set(raw["subject"]) <= nodes.keys():
            raise SchemaError(f"{events_path}: {kind}: unknown subject types {raw['subject']}")
        if raw.get("lifting") not in (None, *LIFTING_EFFECTS):
            raise SchemaError(
                f"{events_path}: {kind}: lifting must be one of {', '.join(LIFTING_EFFECTS)}"
            )
        events[kind] = EventKind(
            kind=kind,
            subject_types=frozenset(raw["subject"]),
            lifting=raw.get("lifting"),
            description=str(raw.get("description", "")),
            properties=_properties(events_path, kind, raw.get("properties")),
            hides=bool(raw.get("hides", False)),
        )
    measures_raw = _read_yaml(measures_path)
    roles = dict(measures_raw["roles"])
    activities = dict(measures_raw["activities"])
    measures = {name: _measure(name, raw) for name, raw in measures_raw["measures"].items()}

    rule_files = sorted((root / "rules").glob("*.yaml"))
    for extra in extra_rule_dirs:
        if not extra.is_dir():
            raise SchemaError(f"rules folder {extra} does not exist")
        rule_files.extend(sorted(extra.glob("*.yaml")))
    rules: list[Any] = []
    for path in rule_files:
        raw = _read_yaml(path) or {}
        # a rules file may declare the measures and activities its local rules need
        activities.update(raw.get("activities") or {})
        for name, spec in (raw.get("measures") or {}).items():
            measures[name] = _measure(name, spec)
        rules.extend((path, rule) for rule in raw.get("rules") or [])

    for measure in measures.values():
        unknown = (measure.bars_roles | measure.review_roles) - roles.keys()
        unknown |= (measure.bars_activities | measure.review_activities) - activities.keys()
        if unknown:
            raise SchemaError(f"measure {measure.name}: unknown roles/activities {sorted(unknown)}")

    consequences_path = root / "consequences.yaml"
    consequences: dict[str, dict[str, str]] = {}
    consequence_descriptions: dict[str, str] = {}
    lifting_kinds = {k for k, e in events.items() if e.lifting}
    for name, raw in (_read_yaml(consequences_path).get("kinds") or {}).items():
        effects = dict(raw.get("lifting") or {})
        if set(effects) != lifting_kinds:
            raise SchemaError(
                f"{consequences_path}: {name}: lifting must give an effect for each lifting kind "
                f"{sorted(lifting_kinds)}, got {sorted(effects)}"
            )
        for lift, effect in effects.items():
            allowed = ("none", events[lift].lifting)
            if effect not in allowed:
                raise SchemaError(
                    f"{consequences_path}: {name}: {lift}: {effect!r} is not one of {allowed}"
                )
        consequences[name] = effects
        consequence_descriptions[name] = str(raw.get("description", ""))

    schema = GraphSchema(
        nodes, links, events, roles, activities, measures, (), consequences,
        consequence_descriptions,
    )  # fmt: skip
    parsed = tuple(parse_rule(schema, path, raw) for path, raw in rules)
    ids = [rule.id for rule in parsed]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise SchemaError(f"rule ids defined more than once: {duplicates}")
    office = parse_office(root / "office.yaml", _read_yaml(root / "office.yaml"), roles, activities)
    return GraphSchema(
        nodes, links, events, roles, activities, measures, parsed, consequences,
        consequence_descriptions, office,
    )  # fmt: skip


@lru_cache(maxsize=8)
def _cached(extra: tuple[Path, ...]) -> GraphSchema:
    return load_schema(extra)


def default_schema(extra_rule_dirs: Iterable[Path] = ()) -> GraphSchema:
    """The schema with the built-in rules and any extra rule folders, read once per process."""
    return _cached(tuple(extra_rule_dirs))
