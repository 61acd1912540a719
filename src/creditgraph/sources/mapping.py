"""Source mapping files (``graph_schema/sources/NAME.yaml``): a published list's columns → records.

A mapping names the header as published, the columns a row cannot do without, the column
holding the case or document number (with the source and the party, what makes an entry the
same entry on every re-load), and the parts a row becomes:

- ``party``: who the entry is about — a person or an enterprise, told apart by ``type`` (a
  fixed node type or a column with a vocabulary) or else by the form of ``number``;
- ``related_enterprise``: an enterprise the entry names besides the party (关联企业);
- ``event``: the credit fact recorded on the party (kind fixed, or from a column's vocabulary);
- ``removal``: the lifting event a row records when its removal date is filled in;
- ``enterprise`` and ``officer``: a registry row — the enterprise, and the person holding an
  office (职务 → link kind) or a share in it.

A field is a column name, or ``{column, type}`` (``type``: ``text``, ``date``, ``number``; for a
share ``percent`` — a plain 60 is 60 %, the default — or ``fraction`` — 0.6 is 60 %), or
``{column, vocabulary}`` where the vocabulary (under ``vocabularies``) maps published values
to contract values. Every name a mapping uses is checked against the graph schema when it is
read, so a city's new file fails with the file and the entry at fault, not on its first row.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from creditgraph.resources import schema_dir
from creditgraph.schema import GraphSchema, SchemaError

SOURCES_ENV = "CREDITGRAPH_SOURCES"
FIELD_TYPES = ("text", "date", "number", "percent", "fraction")


@dataclass(frozen=True)
class Vocabulary:
    """Published values → contract values (a string, or a mapping such as {kind, severity})."""

    name: str
    values: Mapping[str, Any]
    contains: bool = False  # match the first entry the published value contains
    split: re.Pattern[str] | None = None  # one cell may hold several values

    def lookup(self, text: str) -> list[Any] | None:
        """The outcomes of a cell, in the vocabulary's order; None when a value is unknown."""
        parts = [p.strip() for p in self.split.split(text)] if self.split else [text.strip()]
        parts = [p for p in parts if p]
        found: list[tuple[int, Any]] = []
        order = list(self.values)
        for part in parts:
            if self.contains:
                # published wording mixes full- and half-width digits (届满３年 / 届满3年)
                wide = unicodedata.normalize("NFKC", part)
                hit = next(
                    (k for k in order if k in part or unicodedata.normalize("NFKC", k) in wide),
                    None,
                )
            else:
                hit = part if part in self.values else None
            if hit is None:
                return None
            found.append((order.index(hit), self.values[hit]))
        return [value for _, value in sorted(found, key=lambda pair: pair[0])]


@dataclass(frozen=True)
class Field:
    column: str
    type: str = "text"
    vocabulary: Vocabulary | None = None


@dataclass(frozen=True)
class Part:
    """One section of a mapping: fixed values and fields read from columns."""

    fixed: Mapping[str, Any] = field(default_factory=dict)
    fields: Mapping[str, Field] = field(default_factory=dict)
    props: Mapping[str, Field] = field(default_factory=dict)

    def columns(self) -> set[str]:
        return {f.column for f in (*self.fields.values(), *self.props.values())}


@dataclass(frozen=True)
class SourceMapping:
    name: str
    title: str
    path: Path
    header: tuple[str, ...]
    required: tuple[str, ...]
    case_number: str | None
    party: Part | None = None
    related_enterprise: Part | None = None
    event: Part | None = None
    removal: Part | None = None
    enterprise: Part | None = None
    officer: Part | None = None

    def parts(self) -> dict[str, Part]:
        names = ("party", "related_enterprise", "event", "removal", "enterprise", "officer")
        return {n: p for n in names if (p := getattr(self, n)) is not None}

    def mapped_columns(self) -> set[str]:
        columns = {self.case_number} if self.case_number else set()
        for part in self.parts().values():
            columns |= part.columns()
        return columns


_PART_FIELDS: dict[str, set[str]] = {
    "party": {"name", "number", "uscc", "sex", "age", "birth_year", "province", "type"},
    "related_enterprise": {"name", "uscc"},
    "event": {"kind", "date", "document", "authority"},
    "removal": {"kind", "date", "document", "authority"},
    "enterprise": {"name", "uscc", "status", "kind", "established", "reg_code", "org_code"},
    "officer": {"name", "number", "rel", "valid_from", "valid_to", "share"},
}
_DATE_FIELDS = {"date", "established", "valid_from", "valid_to"}
_NUMBER_FIELDS = {"age", "birth_year", "share"}


def source_dirs(env: Mapping[str, str] | None = None) -> list[Path]:
    """Where mapping files are looked for: the built-in folder, then $CREDITGRAPH_SOURCES."""
    if env is None:  # the process environment, read through the typed settings
        from creditgraph.settings import load_settings

        extra = list(load_settings().source_dirs)
    else:
        extra = [Path(p) for p in env.get(SOURCES_ENV, "").split(os.pathsep) if p]
    return [schema_dir() / "sources", *extra]


def available_sources(env: Mapping[str, str] | None = None) -> list[str]:
    return sorted(_files(tuple(source_dirs(env))))


def _files(dirs: Iterable[Path]) -> dict[str, Path]:
    """Mapping files by source name; a later folder's file replaces an earlier one's."""
    found: dict[str, Path] = {}
    for folder in dirs:
        if not folder.is_dir():
            raise SchemaError(f"sources folder {folder} does not exist (see {SOURCES_ENV})")
        for path in sorted(folder.glob("*.yaml")):
            found[path.stem] = path
    return found


def load_mapping(
    name: str, schema: GraphSchema, env: Mapping[str, str] | None = None
) -> SourceMapping:
    files = _files(tuple(source_dirs(env)))
    if name not in files:
        raise SchemaError(
            f"no source named {name!r}: the sources are {', '.join(sorted(files))} "
            f"(a new one is a NAME.yaml file in a folder named by {SOURCES_ENV})"
        )
    return parse_mapping(files[name], schema)


def parse_mapping(path: Path, schema: GraphSchema) -> SourceMapping:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise SchemaError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise SchemaError(f"{path}: a source mapping is a YAML mapping")

    def fail(where: str, reason: str) -> SchemaError:
        return SchemaError(f"{path}: {where}: {reason}")

    name = str(raw.get("source") or path.stem)
    if name != path.stem:
        raise fail("source", f"{name!r} should be the file's name {path.stem!r}")
    header = tuple(str(c) for c in raw.get("header") or ())
    if not header:
        raise fail("header", "the header row as published is required")
    vocabularies = {
        vname: _vocabulary(vname, spec, fail)
        for vname, spec in (raw.get("vocabularies") or {}).items()
    }

    def read_field(where: str, spec: Any, default_type: str) -> Field:
        if isinstance(spec, str):
            spec = {"column": spec}
        if not isinstance(spec, dict) or "column" not in spec:
            raise fail(where, "a field is a column name or {column: …, type|vocabulary: …}")
        column = str(spec["column"])
        if column not in header:
            raise fail(where, f"column {column!r} is not in the header")
        vocab = None
        if "vocabulary" in spec:
            vocab = vocabularies.get(spec["vocabulary"])
            if vocab is None:
                raise fail(where, f"vocabulary {spec['vocabulary']!r} is not defined")
        kind = str(spec.get("type", default_type))
        if kind not in FIELD_TYPES:
            raise fail(where, f"type {kind!r} is not one of {', '.join(FIELD_TYPES)}")
        return Field(column, kind, vocab)

    parts: dict[str, Part] = {}
    for part_name, allowed in _PART_FIELDS.items():
        spec = raw.get(part_name)
        if spec is None:
            continue
        if not isinstance(spec, dict):
            raise fail(part_name, "must be a mapping")
        fixed: dict[str, Any] = {}
        fields: dict[str, Field] = {}
        for key, value in spec.items():
            if key == "props":
                continue
            where = f"{part_name}.{key}"
            if key not in allowed:
                raise fail(where, f"unknown field (allowed: {', '.join(sorted(allowed))})")
            if key in ("kind", "type") and isinstance(value, str) and value not in header:
                fixed[key] = value  # a fixed value, not a column
                continue
            default = (
                "date" if key in _DATE_FIELDS else "number" if key in _NUMBER_FIELDS else "text"
            )
            fields[key] = read_field(where, value, default)
        props = {
            prop: read_field(f"{part_name}.props.{prop}", value, "text")
            for prop, value in (spec.get("props") or {}).items()
        }
        parts[part_name] = Part(fixed, fields, props)
    mapping = SourceMapping(
        name=name,
        title=str(raw.get("title", name)),
        path=path,
        header=header,
        required=tuple(str(c) for c in raw.get("required") or ()),
        case_number=raw.get("case_number"),
        **parts,
    )
    _check(mapping, schema, fail)
    return mapping


def _vocabulary(name: str, spec: Any, fail: Any) -> Vocabulary:
    if not isinstance(spec, dict):
        raise fail(f"vocabularies.{name}", "must be a mapping of published value → value")
    if "values" in spec and isinstance(spec["values"], dict):
        split = spec.get("split")
        return Vocabulary(
            name,
            {str(k): v for k, v in spec["values"].items()},
            contains=spec.get("match") == "contains",
            split=re.compile(split) if split else None,
        )
    return Vocabulary(name, {str(k): v for k, v in spec.items()})


def _check(mapping: SourceMapping, schema: GraphSchema, fail: Any) -> None:
    for column in mapping.required:
        if column not in mapping.header:
            raise fail("required", f"column {column!r} is not in the header")
    if mapping.case_number and mapping.case_number not in mapping.header:
        raise fail("case_number", f"column {mapping.case_number!r} is not in the header")
    if mapping.party is None and mapping.enterprise is None:
        raise fail("party", "a source needs a party (a list) or an enterprise (a registry)")
    if mapping.party is not None:
        if "name" not in mapping.party.fields:
            raise fail("party.name", "is required")
        _outcomes(mapping.party, "type", set(schema.nodes) - {"agency"}, fail, "party.type")
    if mapping.officer is not None:
        if "rel" not in mapping.officer.fields and "share" not in mapping.officer.fields:
            raise fail("officer", "needs rel (职务) or share")
        _outcomes(mapping.officer, "rel", set(schema.links), fail, "officer.rel")
    if mapping.enterprise is not None:
        props = schema.nodes["enterprise"].properties
        for key in ("status", "kind"):
            _outcomes(mapping.enterprise, key, set(props[key].values), fail, f"enterprise.{key}")
    for part_name in ("event", "removal"):
        part = mapping.parts().get(part_name)
        if part is None:
            continue
        if "date" not in part.fields:
            raise fail(f"{part_name}.date", "is required")
        kinds = _outcomes(part, "kind", set(schema.events), fail, f"{part_name}.kind")
        # a prop must belong to one of the kinds the part records; on the others its value
        # stays in the provenance (a fine on a licence revocation is not lost)
        allowed = {p for kind in kinds for p in schema.events[kind].properties}
        for prop in part.props:
            if prop not in allowed:
                raise fail(
                    f"{part_name}.props.{prop}",
                    f"no event kind it records ({', '.join(sorted(kinds))}) has a property "
                    f"{prop!r} in graph_schema/events.yaml ({', '.join(sorted(allowed)) or 'none'})",
                )


def _outcomes(part: Part, key: str, allowed: set[str], fail: Any, where: str) -> set[str]:
    """The contract values a fixed value or a vocabulary can give, each one checked."""
    if key in part.fixed:
        values = [part.fixed[key]]
    elif key in part.fields and part.fields[key].vocabulary is not None:
        vocab = part.fields[key].vocabulary
        assert vocab is not None
        values = [
            v.get(key, v.get("kind")) if isinstance(v, dict) else v for v in vocab.values.values()
        ]
    else:
        return set()
    for value in values:
        if value not in allowed:
            raise fail(where, f"{value!r} is not one of {', '.join(sorted(allowed))}")
    return set(values)
