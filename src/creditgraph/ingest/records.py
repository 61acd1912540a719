"""Contract records (CONTRACT.md, "Import records") ↔ domain records, with validation.

Every problem becomes a :class:`RecordError` naming the file, the line, the
field and the reason, e.g. ``people.jsonl:12: id_number: check character should
be 7, got 3``.
"""

from __future__ import annotations

import datetime as dt
from collections import UserList
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter
from typing import Any, Generic, TypeVar

import orjson

from creditgraph.domain.identifiers import (
    InvalidIdentifier,
    contains_resident_id,
    key_fingerprint,
    protect_resident_id,
    validate_resident_id,
    validate_uscc,
)
from creditgraph.domain.model import RESTRICTION_ID_PREFIX, Event, Link, Node
from creditgraph.domain.names import display_name, normalise_names
from creditgraph.domain.pinyin import key_text
from creditgraph.identity.keys import KEY_FILE_VARIABLE, KEY_VARIABLE, MISSING_KEY, MissingIdKey
from creditgraph.identity.masks import (
    blind_indexes,
    corroboration,
    identity_rules,
    mask_corroboration,
    validate_mask,
)
from creditgraph.schema import IDENTITY_PROPERTY_TYPES, GraphSchema, PropertySpec

NODE_TYPES = ("enterprise", "person", "agency")
EVENT_COMMON = {
    "type",
    "id",
    "kind",
    "subject",
    "date",
    "authority",
    "document",
    "responsible",
    "lifts",
    "releases",
    "note",
    "provenance",
}
# The protected forms `creditgraph export` writes in place of a clear identity number.
PERSON_PROTECTED = {"id_number_hash", "id_number_masked", "id_number_key", "id_number_blind"}


class IdProtection:
    """How identity numbers are protected in the store being loaded: its key and the key's
    name. Without a key (none configured) a load that carries no number still works; a
    record that carries one is refused with the reason.

    The key is asked of the store when a record first needs it: stretching it (scrypt)
    costs tens of milliseconds a process, which a day's file of changes, carrying no
    identity number, need not pay."""

    def __init__(self, key: bytes | None, *, key_of: Callable[[], bytes] | None = None) -> None:
        self._key_of = key_of
        if key_of is None:
            self._resolved = (key, MISSING_KEY)

    @classmethod
    def of(cls, store: Any) -> IdProtection:
        """The store's protection, its key asked for when first needed."""
        return cls(None, key_of=store.id_key)

    # cached: after the first use each is a plain attribute (read for every numbered person)
    @cached_property
    def _resolved(self) -> tuple[bytes | None, str]:
        assert self._key_of is not None
        key_of, self._key_of = self._key_of, None  # (the store is not pickled to a worker)
        try:
            return key_of(), MISSING_KEY
        except MissingIdKey as exc:
            return None, str(exc)

    def __getstate__(self) -> dict[str, Any]:
        # a parsing worker gets the key itself: the store's method does not cross processes
        return {"_key_of": None, "_resolved": self._resolved}

    @cached_property
    def key(self) -> bytes | None:
        return self._resolved[0]

    @cached_property
    def missing(self) -> str:
        """Why records carrying a number are refused when there is no key."""
        return self._resolved[1]

    def _key(self, field_name: str) -> bytes:
        if self.key is None:
            raise _Invalid(field_name, self.missing)
        return self.key

    @property
    def fingerprint(self) -> str:
        return _fingerprint(self.key) if self.key is not None else ""

    def protect(self, number: str) -> tuple[str, str]:
        return protect_resident_id(number, self._key("id_number"))

    def blind(self, text: str, field_name: str = "id_number") -> dict[str, str]:
        return blind_indexes(self._key(field_name), text)


@dataclass(frozen=True, order=True)
class RecordError:
    file: str
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Reference:
    field: str
    target: str
    types: frozenset[str]  # node types, or {"event"}


@dataclass(slots=True)  # a load holds one per record: keep them small
class ParsedRecord:
    record: Node | Link | Event
    file: str
    line: int
    references: list[Reference] = field(default_factory=list)
    key: tuple[Any, ...] = ()  # what makes two records the same record (id, or the link key)

    def __post_init__(self) -> None:
        r = self.record
        if isinstance(r, Link):
            self.key = ("link", r.rel, r.src, r.dst, r.valid_from)
        else:
            self.key = ("node" if isinstance(r, Node) else "event", r.id)


_FINGERPRINTS: dict[bytes, str] = {}


def _fingerprint(key: bytes) -> str:
    found = _FINGERPRINTS.get(key)  # a SHA-256 per person record otherwise
    if found is None:
        found = _FINGERPRINTS[key] = key_fingerprint(key)
    return found


class _Invalid(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def _string(obj: Mapping[str, Any], name: str, *, required: bool = True) -> str | None:
    value = obj.get(name)
    if value.__class__ is str and (not required or (value and not value.isspace())):
        return value  # the common case, checked first: the import path runs this millions of times
    if value is None:
        if required:
            raise _Invalid(name, "is required")
        return None
    if not isinstance(value, str):
        raise _Invalid(name, f"must be a string, got {type(value).__name__}")
    if required and not value.strip():
        raise _Invalid(name, "must not be empty")
    return value


# Dates a credit record can plausibly carry. Outside them a date is a typing error (9999-12-31
# for "forever", 0001-01-01 for "unknown"), and periods counted from it would leave the
# calendar: refused at import rather than stored.
EARLIEST_DATE, LATEST_DATE = dt.date(1900, 1, 1), dt.date(2199, 12, 31)


def plausible_date(day: dt.date) -> bool:
    return EARLIEST_DATE <= day <= LATEST_DATE


def _implausible(name: str, day: dt.date) -> _Invalid:
    return _Invalid(
        name,
        f"{day.isoformat()} is outside the plausible range "
        f"{EARLIEST_DATE.isoformat()}..{LATEST_DATE.isoformat()} (use null for unknown or open-ended)",
    )


def _date(obj: Mapping[str, Any], name: str, *, required: bool = False) -> dt.date | None:
    value = obj.get(name)
    if value.__class__ is str and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            pass  # reported below
        else:
            if not plausible_date(day):
                raise _implausible(name, day)
            return day
    if value is None:
        if required:
            raise _Invalid(name, "is required (a date YYYY-MM-DD)")
        return None
    if not isinstance(value, str):
        raise _Invalid(name, f"must be a date string YYYY-MM-DD, got {type(value).__name__}")
    try:
        if len(value) != 10:
            raise ValueError
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise _Invalid(name, f"{value!r} is not a date in the form YYYY-MM-DD") from None
    if not plausible_date(day):
        raise _implausible(name, day)
    return day


def _property(obj: Mapping[str, Any], spec: PropertySpec) -> Any:
    if spec.type == "date":
        day = _date(obj, spec.name, required=spec.required)
        return day.isoformat() if day else None
    if spec.type == "enum":
        value = _string(obj, spec.name, required=spec.required)
        if value is None:
            return spec.default
        if value not in spec.values:
            raise _Invalid(spec.name, f"{value!r} is not one of {', '.join(spec.values)}")
        return value
    if spec.type == "provenance":
        return _provenance(obj) if obj.get(spec.name) is not None else None
    if spec.type == "id_list":
        value = obj.get(spec.name)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise _Invalid(spec.name, "must be a list of ids")
        return sorted(set(value))
    if spec.type == "fraction":
        value = obj.get(spec.name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Invalid(spec.name, f"must be a number, got {type(value).__name__}")
        if not 0 < value <= 1:
            raise _Invalid(
                spec.name, f"{value} is outside (0, 1]: a share is a fraction, 0.6 for 60%"
            )
        return float(value)
    if spec.type == "number":
        value = obj.get(spec.name)
        if value is None:
            if spec.required:
                raise _Invalid(spec.name, "is required")
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Invalid(spec.name, f"must be a number, got {type(value).__name__}")
        if value < 0:
            raise _Invalid(spec.name, f"{value} is negative")
        return value
    return _string(obj, spec.name, required=spec.required)


def _provenance(obj: Mapping[str, Any]) -> dict[str, Any]:
    """Where a record comes from (a published list's source, file, row, case number)."""
    value = obj["provenance"]
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str | int) and not isinstance(v, bool)
        for k, v in value.items()
    ):
        raise _Invalid(
            "provenance",
            "must be an object of texts and numbers ({source, file, row, case_number})",
        )
    return dict(value)


def _unknown_fields(obj: Mapping[str, Any], allowed: frozenset[str] | set[str]) -> None:
    if allowed.issuperset(obj):
        return
    extra = sorted(set(obj) - allowed)
    if extra:
        raise _Invalid(extra[0], f"unknown field (allowed: {', '.join(sorted(allowed))})")


def parse_record(
    obj: Any, schema: GraphSchema, file: str, line: int, protect: IdProtection
) -> ParsedRecord | RecordError:
    """One decoded JSON value → a parsed record with its references, or the first error."""
    try:
        if not isinstance(obj, dict):
            raise _Invalid("type", f"a record must be a JSON object, got {type(obj).__name__}")
        record_type = _string(obj, "type")
        if record_type in NODE_TYPES:
            return _parse_node(obj, schema, file, line, protect)
        if record_type == "link":
            return _parse_link(obj, schema, file, line)
        if record_type == "event":
            return _parse_event(obj, schema, file, line)
        raise _Invalid(
            "type", f"{record_type!r} is not one of enterprise, person, agency, link, event"
        )
    except _Invalid as exc:
        return RecordError(file, line, exc.field, exc.reason)


def _not_reserved(record_id: str) -> None:
    if record_id.startswith(RESTRICTION_ID_PREFIX):
        raise _Invalid(
            "id",
            f"{record_id!r}: ids starting with {RESTRICTION_ID_PREFIX!r} are reserved for "
            "derived restrictions: use another prefix",
        )


def _parse_node(
    obj: dict[str, Any], schema: GraphSchema, file: str, line: int, protect: IdProtection
) -> ParsedRecord:
    node_type = obj["type"]
    kind = schema.nodes[node_type]
    allowed = {"type", "id", "name", *kind.properties}
    if node_type == "person":
        allowed |= PERSON_PROTECTED
    _unknown_fields(obj, allowed)
    node_id = _string(obj, "id")
    assert node_id is not None
    if node_id != node_id.strip():
        raise _Invalid("id", "must not start or end with spaces")
    _not_reserved(node_id)
    if kind.uscc_preferred and ":" not in node_id:
        try:
            validate_uscc(node_id)
        except InvalidIdentifier as exc:
            raise _Invalid(
                "id",
                f"{node_id!r} is not a valid unified social credit code: {exc} "
                "(an enterprise without a code needs a prefixed id such as e:…)",
            ) from None
    if node_type == "person" and contains_resident_id(node_id):
        # an id is shown, logged and exported in clear: a number inside it would be too
        raise _Invalid(
            "id",
            "contains what looks like a resident identity number (or a mistyped one): use a "
            "stable id and put the number in id_number",
        )
    name = _string(obj, "name")
    assert name is not None
    props: dict[str, Any] = {}
    for spec in kind.properties.values():
        if spec.name == "name" or (node_type == "person" and spec.type in IDENTITY_PROPERTY_TYPES):
            continue
        value = _property(obj, spec)
        if value is not None:
            props[spec.name] = value
    if node_type == "person":
        _person_identity(obj, props, protect)
    if node_type == "person" and "id_number_hash" in obj:
        if "id_number" in obj:
            raise _Invalid("id_number_hash", "give id_number or its protected form, not both")
        made_with = _string(obj, "id_number_key")
        if protect.key is None:  # no key configured: the one-line configuration error
            raise _Invalid("id_number_key", protect.missing)
        if made_with != protect.fingerprint:
            # a hash made with another key would silently never match this store's hashes
            raise _Invalid(
                "id_number_key",
                f"the protected id number was made with key {made_with}, this load's key is "
                f"{protect.fingerprint}: give it the secret the source was loaded with "
                f"({KEY_VARIABLE}, or {KEY_FILE_VARIABLE} naming the same key file)",
            )
        props["id_hash"] = _string(obj, "id_number_hash")
        props["id_masked"] = _string(obj, "id_number_masked")
        props["id_key"] = made_with
        blind = obj.get("id_number_blind")
        if blind is not None:
            if not isinstance(blind, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in blind.items()
            ):
                raise _Invalid("id_number_blind", "must be an object of pattern name → index")
            props["id_blind"] = dict(sorted(blind.items()))
    return ParsedRecord(Node(node_id, node_type, display_name(name), props), file, line)


def _person_identity(obj: dict[str, Any], props: dict[str, Any], protect: IdProtection) -> None:
    """A person's identity fields: a full number (hash, blind indexes, display mask, and the
    birth date and sex it states), or a published mask (its blind indexes), and the
    corroborating facts a list gives (sex, birth year, province), each checked against the
    number or mask beside it — a list row contradicting itself is refused, not guessed at."""
    if _PLAIN_PERSON.isdisjoint(obj):
        return  # most persons of a registry: nothing to derive or check
    given: dict[str, Any] = {}
    sex = _string(obj, "sex", required=False)
    if sex is not None:
        if sex not in ("男", "女"):
            raise _Invalid("sex", f"{sex!r} is not one of 男, 女")
        given["sex"] = sex
    year = obj.get("birth_year")
    if year is not None:
        if isinstance(year, str) and year.isdigit():
            year = int(year)
        if isinstance(year, bool) or not isinstance(year, int) or not 1880 <= year <= 2200:
            raise _Invalid("birth_year", f"{year!r} is not a year of birth (e.g. 1981)")
        given["birth_year"] = year
    province = _string(obj, "province", required=False)
    if province is not None:
        code = identity_rules().province_code(province)
        if code is None:
            raise _Invalid("province", f"{province!r} is not a province code or name (河南, 41)")
        given["province"] = code
    birth_date = _date(obj, "birth_date")
    number = _string(obj, "id_number", required=False)
    masked = _string(obj, "id_number_masked", required=False)
    stated: dict[str, Any] = {}
    if number is not None:
        if masked is not None and "id_number_hash" not in obj:
            raise _Invalid("id_number_masked", "give id_number or a masked number, not both")
        try:
            number = validate_resident_id(number)
        except InvalidIdentifier as exc:
            raise _Invalid("id_number", str(exc)) from None
        props["id_hash"], props["id_masked"] = protect.protect(number)
        props["id_key"] = protect.fingerprint
        props["id_blind"] = protect.blind(number)
        stated = corroboration(number)
        field_name = "id_number"
    elif masked is not None and "id_number_hash" not in obj:
        try:
            masked = validate_mask(masked)
        except InvalidIdentifier as exc:
            raise _Invalid("id_number_masked", str(exc)) from None
        props["id_masked"] = masked
        props["id_key"] = protect.fingerprint if protect.key is not None else None
        props["id_blind"] = protect.blind(masked, "id_number_masked")
        stated = mask_corroboration(masked)
        field_name = "id_number_masked"
    for name, value in given.items():
        # a list's 省份 is often its court's, not the debtor's home: never a contradiction
        if name != "province" and name in stated and stated[name] != value:
            raise _Invalid(name, f"{value} disagrees with {field_name}, which says {stated[name]}")
    if birth_date is not None:
        if "birth_date" in stated and stated["birth_date"] != birth_date.isoformat():
            raise _Invalid("birth_date", f"{birth_date} disagrees with id_number")
        if given.get("birth_year", birth_date.year) != birth_date.year:
            raise _Invalid("birth_year", f"disagrees with birth_date {birth_date}")
        props["birth_date"] = birth_date.isoformat()
    props.update(given)
    if number is not None:
        props.update(stated)  # the facts of a full number, as derived


def _parse_link(obj: dict[str, Any], schema: GraphSchema, file: str, line: int) -> ParsedRecord:
    rel = _string(obj, "rel") or ""
    if rel not in schema.links:
        raise _Invalid("rel", f"{rel!r} is not a link kind ({', '.join(schema.links)})")
    kind = schema.links[rel]
    if kind.derived:
        raise _Invalid(
            "rel",
            f"{rel} links are made by identity resolution, not imported: record a steward's "
            "judgement with creditgraph judge",
        )
    _unknown_fields(obj, kind.record_fields)
    src, dst = _string(obj, "from"), _string(obj, "to")
    assert src is not None and dst is not None
    if src == dst:
        raise _Invalid("to", f"a {rel} link cannot join {src!r} to itself")
    valid_from, valid_to = _date(obj, "valid_from"), _date(obj, "valid_to")
    if valid_from and valid_to and valid_to < valid_from:
        raise _Invalid("valid_to", f"{valid_to} is before valid_from {valid_from}")
    share = _property(obj, kind.properties["share"]) if "share" in kind.properties else None
    link = Link(rel, src, dst, valid_from, valid_to, share)
    refs = [Reference("from", src, kind.from_types), Reference("to", dst, kind.to_types)]
    return ParsedRecord(link, file, line, refs)


def _parse_event(obj: dict[str, Any], schema: GraphSchema, file: str, line: int) -> ParsedRecord:
    kind_name = _string(obj, "kind") or ""
    if kind_name not in schema.events:
        raise _Invalid("kind", f"{kind_name!r} is not an event kind ({', '.join(schema.events)})")
    kind = schema.events[kind_name]
    _unknown_fields(obj, EVENT_COMMON | set(kind.properties))
    event_id, subject = _string(obj, "id"), _string(obj, "subject")
    assert event_id is not None and subject is not None
    _not_reserved(event_id)
    day = _date(obj, "date", required=True)
    assert day is not None
    props: dict[str, Any] = {}
    refs = [Reference("subject", subject, kind.subject_types)]
    authority = _string(obj, "authority", required=False)
    if authority is not None:
        props["authority"] = authority
        refs.append(Reference("authority", authority, frozenset({"agency"})))
    for name in ("document", "note"):
        value = _string(obj, name, required=False)
        if value is not None:
            props[name] = value
    if obj.get("provenance") is not None:
        props["provenance"] = _provenance(obj)
    if "responsible" in obj and obj["responsible"] is not None:
        responsible = obj["responsible"]
        if not isinstance(responsible, list) or not all(isinstance(p, str) for p in responsible):
            raise _Invalid("responsible", "must be a list of person ids, or null when unknown")
        props["responsible"] = sorted(set(responsible))
        refs.extend(
            Reference("responsible", p, frozenset({"person"})) for p in props["responsible"]
        )
    lifts = _string(obj, "lifts", required=False)
    if kind.lifting and lifts is None:
        raise _Invalid("lifts", f"a {kind_name} event must name the event it lifts")
    if not kind.lifting and lifts is not None:
        raise _Invalid(
            "lifts",
            f"a {kind_name} event does not lift anything; lifting kinds are "
            f"{', '.join(sorted(schema.lifting_kinds()))}",
        )
    if lifts is not None:
        if lifts == event_id:
            raise _Invalid("lifts", "an event cannot lift itself")
        props["lifts"] = lifts
        refs.append(Reference("lifts", lifts, frozenset({"event"})))
    if obj.get("releases") is not None:
        releases = obj["releases"]
        if not kind.lifting:
            raise _Invalid("releases", f"a {kind_name} event lifts nothing, so releases no one")
        if (
            not isinstance(releases, list)
            or not releases
            or not all(isinstance(p, str) for p in releases)
        ):
            raise _Invalid(
                "releases", "must be a non-empty list of person ids (absent: everyone reached)"
            )
        props["releases"] = sorted(set(releases))
        refs.extend(Reference("releases", p, frozenset({"person"})) for p in props["releases"])
    for spec in kind.properties.values():
        value = _property(obj, spec)
        if value is not None:
            props[spec.name] = value
            if spec.refers:  # e.g. the commitment a COMMITMENT_BREACHED event names
                refs.append(Reference(spec.name, value, frozenset(spec.refers)))
    for name in ("until", "sentence_end", "probation_end"):
        if name in props and props[name] < day.isoformat():
            raise _Invalid(name, f"{props[name]} is before the event date {day}")
    return ParsedRecord(Event(event_id, kind_name, subject, day, props), file, line, refs)


def node_to_record(node: Node) -> dict[str, Any]:
    record: dict[str, Any] = {"type": node.type, "id": node.id, "name": node.name}
    for key, value in node.props.items():
        if key == "id_hash":
            record["id_number_hash"] = value
        elif key == "id_masked":
            record["id_number_masked"] = value
        elif key == "id_key":
            record["id_number_key"] = value
        elif key == "id_blind":
            record["id_number_blind"] = value
        elif key == "id_key" and value is None:
            continue
        else:
            record[key] = value
    return record


def link_to_record(link: Link) -> dict[str, Any]:
    record: dict[str, Any] = {
        "type": "link",
        "rel": link.rel,
        "from": link.src,
        "to": link.dst,
        "valid_from": link.valid_from.isoformat() if link.valid_from else None,
        "valid_to": link.valid_to.isoformat() if link.valid_to else None,
    }
    if link.share is not None:
        record["share"] = link.share
    return record


def event_to_record(event: Event) -> dict[str, Any]:
    return {
        "type": "event",
        "id": event.id,
        "kind": event.kind,
        "subject": event.subject,
        "date": event.date.isoformat(),
        **event.props,
    }


# ---- rows: what a load keeps of its millions of nodes and links ------------------------------
#
# A node row is (id, type, name, norm_name, props, pos); a link row is
# (src, rel, dst, valid_from, valid_to, share), its pos kept beside it (links are most of a
# load: one int in an array rather than an int object in each row). Dates are YYYY-MM-DD
# text (valid_from "" when unknown, valid_to None while the link holds), props JSON with
# sorted keys, norm_name the name's matching form, pos the record's place in the load
# (:func:`position`). Two records are the same record exactly when their rows are equal but
# for pos, and without pos a row is what the embedded store writes. A row costs a fraction
# of the objects' memory and is cheap to send between processes.

NodeRow = tuple[str, str, str, str, str, int]
LinkRow = tuple[str, str, str, str, str | None, float | None]

LINE_BITS = 40  # pos = segment << LINE_BITS | line: segments of the input, in order


def position(segment: int, line: int) -> int:
    return segment << LINE_BITS | line


def props_json(props: Mapping[str, Any]) -> str:
    return orjson.dumps(props, option=orjson.OPT_SORT_KEYS).decode("utf-8")


def node_from_row(row: tuple[Any, ...]) -> Node:
    return Node(row[0], row[1], row[2], orjson.loads(row[4]))


def link_from_row(row: tuple[Any, ...]) -> Link:
    valid_from, valid_to = row[3], row[4]
    return Link(
        row[1],
        row[0],
        row[2],
        dt.date.fromisoformat(valid_from) if valid_from else None,
        dt.date.fromisoformat(valid_to) if valid_to else None,
        row[5],
    )


T = TypeVar("T")


class PreparedRecords(UserList[T], Generic[T]):
    """A batch's nodes or links, handed to a store as rows: ``rows`` (without pos, see above)
    for a store that writes them as they are (the embedded store), the records themselves
    built from the rows on first use for any other. ``rows`` is None once the records were
    built, since they may then have been changed."""

    def __init__(self, rows: list[tuple[Any, ...]], build: Callable[[tuple[Any, ...]], T]) -> None:
        self._rows = rows
        self._build = build
        self._records: list[T] | None = None
        # nodes: their names' pinyin keys by normalised name where known (ParsedChunk.name_keys)
        self.name_keys: Mapping[str, str] | None = None

    @property
    def rows(self) -> list[tuple[Any, ...]] | None:
        return self._rows if self._records is None else None

    @property
    def data(self) -> list[T]:
        if self._records is None:
            self._records = [self._build(row) for row in self._rows]
        return self._records

    @data.setter
    def data(self, value: list[T]) -> None:
        self._records = value

    def __len__(self) -> int:
        return len(self._rows) if self._records is None else len(self._records)


@dataclass(slots=True)
class ParsedChunk:
    """What a run of lines parsed into: rows of its valid nodes and links, its valid events,
    and the errors of the others (in line order within each list)."""

    nodes: list[NodeRow] = field(default_factory=list)
    links: list[LinkRow] = field(default_factory=list)
    link_pos: list[int] = field(default_factory=list)
    events: list[tuple[ParsedRecord, int]] = field(default_factory=list)  # with pos
    errors: list[RecordError] = field(default_factory=list)
    # normalised name → its pinyin keys as the embedded store keeps them (pinyin.key_text),
    # for the names of ``nodes``: worked out where the parsing is, on every core, rather
    # than in the one process writing — for a large load (a small one leaves them to the
    # store, which needs only those of the nodes it creates or renames: parse_source)
    name_keys: dict[str, str] = field(default_factory=dict)


_PLAIN_PERSON = frozenset(
    {
        "id_number",
        "id_number_hash",
        "id_number_masked",
        "sex",
        "birth_year",
        "birth_date",
        "province",
        "provenance",
        "aliases",
    }
)


_ONLY_NUMBER = frozenset({"id_number"})


class RecordParser:
    """Decoded contract records → rows, for one process's share of a load.

    Well-formed records, nearly all of a load, take a fast path that checks what
    :func:`parse_record` checks with far fewer calls. Whatever the fast path does not accept
    (or any exception it meets) goes through :func:`parse_record`, so every error, and its
    wording, is exactly that function's.
    """

    _NAME_CACHE = 300_000  # normalised names kept between chunks (persons' names repeat)

    def __init__(
        self, schema: GraphSchema, protect: IdProtection, *, name_keys: bool = False
    ) -> None:
        self.schema = schema
        self.protect = protect
        self.name_keys = name_keys  # work out ParsedChunk.name_keys
        self._links = {
            rel: (rel, kind.record_fields, "share" in kind.properties)
            for rel, kind in schema.links.items()
            if not kind.derived
        }
        self._nodes = {
            node_type: (
                frozenset(
                    {"type", "id", "name", *kind.properties}
                    | (PERSON_PROTECTED if node_type == "person" else set())
                ),
                kind.uscc_preferred,
                node_type == "person",
                # a person's identity fields are _person_identity's (and the fast path
                # takes only persons whose one identity field is id_number)
                tuple(
                    spec
                    for spec in kind.properties.values()
                    if spec.name != "name"
                    and not (node_type == "person" and spec.name in _PLAIN_PERSON | _ONLY_NUMBER)
                ),
            )
            for node_type, kind in schema.nodes.items()
            if node_type in NODE_TYPES
        }
        # the dates already found valid (a load has few distinct days), and the ids met in the
        # current chunk: every row refers to one string per value, which keeps rows small and
        # lets pickle send each string once per chunk
        self._days: dict[str, str] = {}
        self._ids: dict[str, str] = {}
        self._norms: dict[str, str] = {}
        self._pending: list[tuple[str, str, str, str, int]] = []

    # the chunk ---------------------------------------------------------------------------
    def parse(self, obj: Any, file: str, line: int, pos: int, chunk: ParsedChunk) -> None:
        """Parse one decoded record into ``chunk``; call :meth:`finish` after the last."""
        record_type = obj.get("type") if obj.__class__ is dict else None
        try:
            if record_type == "link":
                row = self._link(obj)
                if row is not None:
                    chunk.links.append(row)
                    chunk.link_pos.append(pos)
                    return
            elif record_type.__class__ is str and record_type in self._nodes:
                node = self._node(obj, record_type, pos)
                if node is not None:
                    self._pending.append(node)
                    return
        except Exception:
            pass
        parsed = parse_record(obj, self.schema, file, line, self.protect)
        if isinstance(parsed, RecordError):
            chunk.errors.append(parsed)
            return
        record = parsed.record
        if isinstance(record, Link):
            chunk.links.append(
                (
                    record.src,
                    record.rel,
                    record.dst,
                    record.valid_from.isoformat() if record.valid_from else "",
                    record.valid_to.isoformat() if record.valid_to else None,
                    record.share,
                )
            )
            chunk.link_pos.append(pos)
        elif isinstance(record, Node):
            self._pending.append(
                (record.id, record.type, record.name, props_json(record.props), pos)
            )
        else:
            chunk.events.append((parsed, pos))

    def finish(self, chunk: ParsedChunk) -> ParsedChunk:
        """Complete the node rows with their normalised names, all converted in one go."""
        norms = self._norms
        names = set(map(itemgetter(2), self._pending))
        missing = list(names.difference(norms))
        if len(norms) + len(missing) > self._NAME_CACHE:
            norms.clear()  # start afresh, with this chunk's names
            missing = list(names)
        if missing:
            for name, norm in zip(missing, normalise_names(missing), strict=True):
                norms[name] = name if norm == name else norm  # one string when they agree
        if self.name_keys:
            chunk.name_keys = {norm: key_text(norm) for norm in map(norms.__getitem__, names)}
        chunk.nodes += [
            (node_id, node_type, name, norms[name], props, pos)
            for node_id, node_type, name, props, pos in self._pending
        ]
        self._pending = []
        self._ids = {}
        return chunk

    # fast paths: None means "not sure", and parse_record decides ---------------------------
    def _day(self, value: Any) -> str | None:
        if value.__class__ is not str or len(value) != 10 or value[4] != "-" or value[7] != "-":
            return None
        if not value.isascii():
            return None
        if not plausible_date(dt.date.fromisoformat(value)):  # raises when not a calendar day
            return None  # parse_record words the error
        self._days[value] = value  # and then it is its own ISO form
        return value

    def _link(self, obj: dict[str, Any]) -> LinkRow | None:
        rel, fields, has_share = self._links[obj["rel"]]  # KeyError: parse_record explains
        if not fields.issuperset(obj):
            return None
        src, dst = obj["from"], obj["to"]
        if src.__class__ is not str or dst.__class__ is not str or src == dst:
            return None
        if not src or not dst or src.isspace() or dst.isspace():
            return None
        days = self._days
        valid_from, valid_to = obj.get("valid_from"), obj.get("valid_to")
        if valid_from is not None:
            valid_from = days.get(valid_from) or self._day(valid_from)
            if valid_from is None:
                return None
        if valid_to is not None:
            valid_to = days.get(valid_to) or self._day(valid_to)
            if valid_to is None or (valid_from is not None and valid_to < valid_from):
                return None
        share = obj.get("share") if has_share else None
        if share is not None:
            if share.__class__ is not float and share.__class__ is not int:
                return None
            if not 0 < share <= 1:
                return None
            share = float(share)
        ids = self._ids
        src = ids.setdefault(src, src)
        dst = ids.setdefault(dst, dst)
        return (src, rel, dst, valid_from or "", valid_to, share)

    def _node(
        self, obj: dict[str, Any], node_type: str, pos: int
    ) -> tuple[str, str, str, str, int] | None:
        allowed, uscc_preferred, person, specs = self._nodes[node_type]
        if not allowed.issuperset(obj):
            return None
        if (
            person
            and not _PLAIN_PERSON.isdisjoint(obj)
            and not _ONLY_NUMBER.issuperset(_PLAIN_PERSON.intersection(obj))
        ):
            return None  # a listed person, an export's protected forms: the full parse
        node_id = obj["id"]
        if node_id.__class__ is not str or not node_id:
            return None
        if (
            node_id[0].isspace()
            or node_id[-1].isspace()
            or node_id.startswith(RESTRICTION_ID_PREFIX)
        ):
            return None
        if uscc_preferred and ":" not in node_id:
            validate_uscc(node_id)
        if person and len(node_id) >= 15 and contains_resident_id(node_id):
            return None
        name = obj["name"]
        if name.__class__ is not str or not name or name.isspace():
            return None
        props: dict[str, Any] = {}
        for spec in specs:
            value = obj.get(spec.name)
            kind = spec.type
            if kind == "enum":
                if value is None:
                    if spec.required:
                        return None
                    value = spec.default
                elif value not in spec.values:
                    return None
            elif kind == "date":
                if value is not None:
                    value = self._days.get(value) or self._day(value)
                    if value is None:
                        return None
            elif kind in IDENTITY_PROPERTY_TYPES:
                continue  # _person_identity, below: the one place that reads them
            else:
                value = _property(obj, spec)
            if value is None:
                if spec.required:
                    return None
                continue
            props[spec.name] = value
        if person:
            _person_identity(obj, props, self.protect)
        return (node_id, node_type, display_name(name), props_json(props), pos)
