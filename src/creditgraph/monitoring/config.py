"""The monitoring settings that are domain data: ``graph_schema/supervision/*.yaml``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from creditgraph.resources import schema_dir
from creditgraph.schema import GraphSchema, SchemaError

CONDITIONS = frozenset({"measures_in_force", "events_within", "incentives_in_force", "always"})


@dataclass(frozen=True)
class GradeSpec:
    grade: str
    title: str
    inspection_ratio: float
    when: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class NoticeSpec:
    title: str
    due_days: int
    legal_basis: str = ""


@dataclass(frozen=True)
class SupervisionConfig:
    grades: tuple[GradeSpec, ...]
    duty_notices: Mapping[str, NoticeSpec]  # measure → notice
    removal: NoticeSpec


def _read(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SchemaError(f"{path}: cannot read: {exc}") from exc


def load_supervision(schema: GraphSchema, root: Path | None = None) -> SupervisionConfig:
    folder = (root or schema_dir()) / "supervision"
    grades_path, notices_path = folder / "grades.yaml", folder / "notifications.yaml"
    grades = []
    for index, raw in enumerate(_read(grades_path).get("grades") or ()):
        where = f"{grades_path}: grades[{index}]"
        when = tuple(raw.get("when") or ())
        for condition in when:
            unknown = set(condition) - CONDITIONS
            if unknown:
                raise SchemaError(f"{where}: when: {sorted(unknown)} are not conditions")
            measures = set(condition.get("measures_in_force") or ())
            if measures - schema.measures.keys():
                raise SchemaError(
                    f"{where}: measures_in_force: {sorted(measures - schema.measures.keys())} "
                    "are not measures"
                )
            kinds = set((condition.get("events_within") or {}).get("kinds") or ())
            if kinds - schema.events.keys():
                raise SchemaError(
                    f"{where}: events_within.kinds: {sorted(kinds - schema.events.keys())} "
                    "are not event kinds"
                )
        ratio = raw.get("inspection_ratio")
        if not isinstance(ratio, int | float) or not 0 <= ratio <= 1:
            raise SchemaError(f"{where}: inspection_ratio must be a number in [0, 1]")
        grades.append(GradeSpec(str(raw["grade"]), str(raw.get("title", "")), float(ratio), when))
    if not grades or not any(c.get("always") for c in grades[-1].when):
        raise SchemaError(f"{grades_path}: the last grade must hold `always` (the default)")
    notices_raw = _read(notices_path)
    duty = {}
    for measure, raw in (notices_raw.get("measures") or {}).items():
        if measure not in schema.measures:
            raise SchemaError(f"{notices_path}: measures: {measure} is not a measure")
        duty[measure] = NoticeSpec(str(raw.get("title", "")), int(raw["due_days"]))
    removal_raw = notices_raw.get("removal") or {}
    removal = NoticeSpec(
        str(removal_raw.get("title", "")),
        int(removal_raw.get("due_days", 30)),
        str(removal_raw.get("legal_basis", "")),
    )
    return SupervisionConfig(tuple(grades), duty, removal)


_LOADED: dict[int, tuple[GraphSchema, SupervisionConfig]] = {}


def supervision(schema: GraphSchema) -> SupervisionConfig:
    """The settings checked against this schema, read once per schema object."""
    cached = _LOADED.get(id(schema))
    if cached is None or cached[0] is not schema:
        cached = _LOADED[id(schema)] = (schema, load_supervision(schema))
    return cached[1]
