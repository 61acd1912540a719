"""Rows of a published source → ordinary contract records (CONTRACT.md "Import records").

Nothing here writes: the records go through the same validation and loader as
``creditgraph load``. What this module decides is *who* a row is about and *which ids* its
records get, so that re-loading a file gives the same ids (idempotent) and a later list
finds the parties an earlier one created:

- an enterprise party is resolved to an enterprise already known (in the store or earlier in
  this load) by its unified social credit code, else by the older registration number or
  organisation code, else by its exact normalised name — in that order of strength; a name
  two enterprises share resolves to neither (the row is rejected with both ids, rather than
  guessed). When nothing is known, the enterprise is created: its code as id, else
  ``e:`` + a hash of its normalised name.
- a person with a full identity number is an ordinary person (id ``p:`` + the keyed hash, so
  the clear number is in no id); identity merges it with whoever holds the number.
- a person with a masked number, or none, is a *listed person* ``lp:<source>:<hash>`` of the
  entry (source, case number, normalised name, mask): identity resolves it to registry
  persons; it never becomes one by name here.
- events get ``ev:<source>:<hash>`` of (source, case number, party key), agencies ``g:`` + a
  hash of their normalised name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from creditgraph.domain.names import display_name, normalise_name
from creditgraph.identity.keys import MissingIdKey
from creditgraph.ingest.records import IdProtection, node_to_record
from creditgraph.sources.mapping import Field, Part, SourceMapping
from creditgraph.sources.reading import header_key
from creditgraph.sources.values import (
    MASK,
    ORG_CODE,
    REG_CODE,
    RESIDENT_ID,
    USCC,
    CellError,
    number_form,
    parse_date,
    parse_number,
    parse_sex,
    parse_share,
    text,
    uscc_or_none,
    without_id_numbers,
)
from creditgraph.store.base import GraphStore


class RowError(ValueError):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


def stable_hash(*parts: str, length: int = 16) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:length]


def person_hash(*parts: str) -> str:
    """``stable_hash`` for a person's id. A hash of digits only (one in ~38,000) can hold a run
    the import refuses in a person id as a possible identity number: its last character
    becomes a hex letter, so the run is part of a hash. Every other id stays what it was."""
    key = stable_hash(*parts)
    return key[:-1] + "f" if key.isdigit() else key


@dataclass
class Row:
    """One row's cells by the mapping's column names (missing optional columns are empty)."""

    file: str
    number: int
    cells: Mapping[str, Any]

    def raw(self, column: str) -> Any:
        return self.cells.get(column)

    def text(self, column: str) -> str:
        """The cell as published, trimmed: names and documents are shown as the list shows
        them (full-width brackets kept); codes, dates and numbers are read with NFKC."""
        value = self.cells.get(column)
        if isinstance(value, str):
            return value.strip()
        return text(value)


@dataclass
class _Party:
    id: str
    type: str  # enterprise | person
    key: str  # what the entry's ids are derived from: stable across loads, never a clear number
    record: dict[str, Any] | None  # to create, or None when it is known already


@dataclass
class _Known:
    """Enterprises by the keys a list names them with: the store's, and this load's so far."""

    uscc: dict[str, str] = field(default_factory=dict)  # code → id (the code is the id)
    org_code: dict[str, set[str]] = field(default_factory=dict)
    reg_code: dict[str, set[str]] = field(default_factory=dict)
    name: dict[str, set[str]] = field(default_factory=dict)

    def add(self, how: str, value: str, node_id: str) -> None:
        table: dict[str, set[str]] = getattr(self, how)
        table.setdefault(value, set()).add(node_id)


class RowConverter:
    """Converts a source's rows, a chunk at a time (one store round trip per chunk)."""

    def __init__(self, mapping: SourceMapping, store: GraphStore, protect: IdProtection) -> None:
        self.mapping = mapping
        self.store = store
        self.protect = protect
        self.known = _Known()
        self.asked: dict[str, set[str]] = {"uscc": set(), "org_code": set(), "reg_code": set()}
        self.asked_names: set[str] = set()
        self.stored_ids: set[str] = set()  # node ids found in the store
        self.holders: dict[str, str] = {}  # keyed hash of a number → the person holding it
        self.digests: dict[str, str] = {}
        self.asked_digests: set[str] = set()
        self.related_enterprise: str | None = None
        # node id → (file, row, record): nodes are handed on at the end of the load
        # (:meth:`nodes`), once each, so that a registry's later row can still add to an
        # enterprise an earlier row named
        self.emitted: dict[str, tuple[str, int, dict[str, Any]]] = {}
        self.events: dict[str, tuple[str, int, dict[str, Any]]] = {}  # id → (file, row, record)
        self.mapped = {header_key(c) for c in mapping.mapped_columns()}
        self.unmapped: dict[str, bool] = {}  # column → kept as provenance
        self._pending: list[tuple[str, list[tuple[str, str]], str]] = []

    # chunk ------------------------------------------------------------------------------
    def convert(self, rows: Sequence[Row]) -> list[tuple[Row, list[dict[str, Any]] | RowError]]:
        self._prefetch(rows)
        out: list[tuple[Row, list[dict[str, Any]] | RowError]] = []
        for row in rows:
            self._pending = []
            try:
                records = self._row(row)
            except RowError as exc:
                out.append((row, exc))
                continue
            # only a row that stands makes its enterprises findable by later rows
            for enterprise_id, codes, norm in self._pending:
                self._remember(enterprise_id, codes, norm)
            out.append((row, records))
        return out

    def _prefetch(self, rows: Sequence[Row]) -> None:
        """Ask the store, once per chunk, about every code, name and agency the rows name."""
        m = self.mapping
        codes: dict[str, set[str]] = {"uscc": set(), "org_code": set(), "reg_code": set()}
        names: set[str] = set()
        ids: set[str] = set()
        numbers: set[str] = set()  # full identity numbers: whoever holds one is that person
        for row in rows:
            for part in (m.party, m.related_enterprise, m.enterprise):
                if part is None:
                    continue
                personal = False
                for key in ("uscc", "number", "reg_code", "org_code"):
                    f = part.fields.get(key)
                    if f is None:
                        continue
                    try:
                        form = number_form(row.raw(f.column))
                    except CellError:
                        continue  # reported when the row is converted
                    if form and form[0] in codes:
                        codes[form[0]].add(form[1])
                    elif form and form[0] in (RESIDENT_ID, MASK):
                        personal = True
                        if form[0] == RESIDENT_ID and part is not m.enterprise:
                            numbers.add(form[1])
                f = part.fields.get("name")
                if f is not None and not personal and row.text(f.column):
                    names.add(normalise_name(row.text(f.column)))
            for part in (m.event, m.removal):
                f = part.fields.get("authority") if part else None
                if f is not None and row.text(f.column):
                    ids.add(_agency_id(row.text(f.column)))
            if m.officer is not None:
                f = m.officer.fields.get("number")
                try:
                    form = number_form(row.raw(f.column)) if f else None
                except CellError:
                    form = None
                if form and form[0] == RESIDENT_ID:
                    numbers.add(form[1])
        digests = {self._digest(n) for n in numbers} - self.asked_digests
        self.asked_digests |= digests
        if digests:
            for person in self.store.persons_by_identity(sorted("h:" + d for d in digests)):
                held = person.props.get("id_hash")
                if isinstance(held, str):
                    self.holders.setdefault(held, person.id)
                    self.stored_ids.add(person.id)
        ids.update(self._person_id(n) for n in numbers)
        codes = {how: values - self.asked[how] for how, values in codes.items()}
        names -= self.asked_names
        for how, values in codes.items():
            self.asked[how] |= values
        self.asked_names |= names
        ids |= codes["uscc"]
        ids -= self.stored_ids
        if ids:
            for node_id, node_type in self.store.node_types(ids).items():
                self.stored_ids.add(node_id)
                if node_type == "enterprise" and node_id in codes["uscc"]:
                    self.known.uscc[node_id] = node_id
        if codes["org_code"] or codes["reg_code"] or names:
            for how, value, node_id in self.store.enterprises_known_as(
                org_codes=codes["org_code"], reg_codes=codes["reg_code"], names=names
            ):
                self.known.add(how, value, node_id)
                self.stored_ids.add(node_id)

    # one row ----------------------------------------------------------------------------
    def _row(self, row: Row) -> list[dict[str, Any]]:
        m = self.mapping
        for column in m.required:
            if not row.text(column) and not isinstance(row.raw(column), dt.date):
                raise RowError(column, "is required")
        records: list[dict[str, Any]] = []
        case_number = row.text(m.case_number) if m.case_number else ""
        # ids are derived from the number as matched, so full- or half-width brackets in a
        # re-published list still give the same entry
        case_key = normalise_name(case_number) if case_number else ""
        provenance = self._provenance(row, case_number)
        if m.enterprise is not None:
            records += self._registry_row(row, m.enterprise, provenance)
        if m.party is None:
            return self._once(row, records)
        related = None
        if m.related_enterprise is not None:
            related = self._enterprise_party(row, m.related_enterprise, provenance, optional=True)
            if related is not None and related.record is not None:
                records.append(related.record)
        self.related_enterprise = related.id if related is not None else None
        party = self._party(row, m.party, case_key, provenance)
        if party.record is not None:
            records.append(party.record)
        event_id = f"ev:{m.name}:{stable_hash(m.name, case_key, party.key)}"
        assert m.event is not None
        event = self._event(row, m.event, event_id, party, provenance)
        if related is not None and related.id != party.id:
            event["related_enterprise"] = related.id
        records += self._agency(row, m.event)
        records.append(event)
        if m.removal is not None and self._has(row, m.removal.fields["date"]):
            removal = self._event(row, m.removal, event_id + ":removed", party, provenance)
            removal["lifts"] = event_id
            records += self._agency(row, m.removal)
            records.append(removal)
        return self._once(row, records)

    def _once(self, row: Row, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each node once per load (the first row naming it), each entry's event once."""
        for record in records:
            if record["type"] != "event":
                continue
            earlier = self.events.get(record["id"])
            if earlier is not None and _without_provenance(earlier[2]) != _without_provenance(
                record
            ):
                raise RowError(
                    self.mapping.case_number or "row",
                    f"the same entry (case number and party) as {earlier[0]}:{earlier[1]} "
                    "with different content",
                )
        kept: list[dict[str, Any]] = []
        for record in records:
            if record["type"] == "event":
                earlier = self.events.get(record["id"])
                if earlier is None:
                    self.events[record["id"]] = (row.file, row.number, record)
                elif (earlier[0], earlier[1]) != (row.file, row.number):
                    continue  # a row published twice: the same fact
                kept.append(record)
            elif record["type"] == "link":
                kept.append(record)
            elif record.pop(_MERGED, False) or record["id"] not in self.emitted:
                self.emitted[record["id"]] = (row.file, row.number, record)
        return kept

    def nodes(self) -> list[tuple[str, int, dict[str, Any]]]:
        """The nodes the rows named, each once, in the order first named."""
        return list(self.emitted.values())

    # parties --------------------------------------------------------------------------------
    def _party(self, row: Row, part: Part, case_number: str, provenance: dict[str, Any]) -> _Party:
        node_type = self._party_type(row, part)
        if node_type == "enterprise":
            found = self._enterprise_party(row, part, provenance, optional=False)
            assert found is not None
            return found
        return self._person(row, part, case_number, provenance)

    def _party_type(self, row: Row, part: Part) -> str:
        if "type" in part.fixed:
            return str(part.fixed["type"])
        f = part.fields.get("type")
        if f is not None and f.vocabulary is not None and row.text(f.column):
            found = f.vocabulary.lookup(row.text(f.column))
            if not found:
                raise RowError(
                    f.column,
                    f"{row.text(f.column)!r} is not in the vocabulary {f.vocabulary.name} "
                    f"of {self.mapping.path.name} ({', '.join(f.vocabulary.values)})",
                )
            return str(found[0])
        if "uscc" in part.fields and row.text(part.fields["uscc"].column):
            return "enterprise"
        f = part.fields.get("number")
        form = self._number(row, f) if f else None
        if form is None or form[0] in (RESIDENT_ID, MASK):
            return "person" if form or self._looks_personal(row, part) else "enterprise"
        return "enterprise"

    def _looks_personal(self, row: Row, part: Part) -> bool:
        """No number to tell by: a party with a sex or an age is a person; else the name says."""
        for key in ("sex", "age", "birth_year"):
            f = part.fields.get(key)
            if f is not None and row.text(f.column):
                return True
        name = row.text(part.fields["name"].column)
        return not _is_organisation(name) and len(name) <= 6

    def _number(self, row: Row, f: Field) -> tuple[str, str] | None:
        try:
            return number_form(row.raw(f.column))
        except CellError as exc:
            raise RowError(f.column, str(exc)) from None

    def _digest(self, number: str) -> str:
        if self.protect.key is None:
            raise MissingIdKey(self.protect.missing)  # configuration, not a bad row (exit 1)
        digest = self.digests.get(number)
        if digest is None:
            digest = self.digests[number] = self.protect.protect(number)[0]
        return digest

    def _person_id(self, number: str) -> str:
        """The person holding the number already (the store's id for them), else a new id
        made from the keyed hash — never from the number itself."""
        digest = self._digest(number)
        return self.holders.get(digest) or "p:" + digest[:20]

    def _person(self, row: Row, part: Part, case_number: str, provenance: dict[str, Any]) -> _Party:
        name = self._name(row, part)
        record: dict[str, Any] = {"type": "person", "name": name}
        f = part.fields.get("number")
        form = self._number(row, f) if f else None
        if form is not None and form[0] not in (RESIDENT_ID, MASK):
            assert f is not None
            raise RowError(
                f.column, f"a person's number must be an identity number, got a {form[0]}"
            )
        if form is not None and form[0] == RESIDENT_ID:
            person_id = self._person_id(form[1])
            record.update(id=person_id, id_number=form[1])
            key = "h:" + self._digest(form[1])[:20]  # whoever holds the number now
        else:
            mask = form[1] if form else ""
            key = f"{normalise_name(name)}|{mask}"
            person_id = f"lp:{self.mapping.name}:{person_hash(self.mapping.name, case_number, key)}"
            record["id"] = person_id
            if mask:
                record["id_number_masked"] = mask
        sex = self._cell(row, part, "sex", parse_sex)
        if sex:
            record["sex"] = sex
        birth_year = self._cell(row, part, "birth_year", parse_number)
        if birth_year is not None:
            record["birth_year"] = int(birth_year)
        # An age is not a birth year: the listing year minus the age is the year of birth or
        # the one after it, and identity compares birth years exactly — a rounded year would
        # rule out the very person listed. The age and the day it was true are kept instead.
        age = self._cell(row, part, "age", parse_number)
        listed = self._listing_date(row)
        extra: dict[str, Any] = {}
        if listed is not None:
            extra["listed_on"] = listed.isoformat()
        if age is not None:
            extra["age"] = int(age)
        if self.related_enterprise is not None:
            # the debtor enterprise the order names: identity corroborates a candidate who
            # was its legal representative on the listing day
            extra["enterprise"] = self.related_enterprise
        if extra:
            provenance = {**provenance, **extra}
        province = self._cell(row, part, "province", text)
        if province:
            record["province"] = province
        record["provenance"] = provenance
        known = person_id in self.stored_ids
        return _Party(person_id, "person", key, None if known else record)

    def _listing_date(self, row: Row) -> dt.date | None:
        event = self.mapping.event
        if event is None or "date" not in event.fields:
            return None
        try:
            return parse_date(row.raw(event.fields["date"].column))
        except CellError:
            return None  # the event reports it

    def _enterprise_party(
        self, row: Row, part: Part, provenance: dict[str, Any], *, optional: bool
    ) -> _Party | None:
        name_field = part.fields["name"]
        raw_name = row.text(name_field.column)
        codes: list[tuple[str, str]] = []
        for key in ("uscc", "number"):
            f = part.fields.get(key)
            if f is None:
                continue
            form = self._number(row, f)
            if form is None:
                continue
            if form[0] in (RESIDENT_ID, MASK) or (key == "uscc" and form[0] != USCC):
                raise RowError(
                    f.column,
                    f"an enterprise's code must be a unified social credit code, got a {form[0].replace('_', ' ')}",
                )
            codes.append(form)
        if not raw_name and not codes:
            if optional:
                return None
            raise RowError(name_field.column, "is required")
        norm = normalise_name(raw_name) if raw_name else ""
        found = self._resolve(codes, norm, name_field.column, raw_name)
        uscc = next((v for how, v in codes if how == USCC), None)
        key = uscc or next((f"{how}:{v}" for how, v in codes), "") or f"name:{norm}"
        if found is not None:
            return _Party(found, "enterprise", key, None)
        if not raw_name:
            raise RowError(name_field.column, "is required to create an enterprise no list knows")
        enterprise_id = uscc or f"e:{stable_hash('enterprise', norm)}"
        record: dict[str, Any] = {"type": "enterprise", "id": enterprise_id, "name": raw_name}
        for how, value in codes:
            if how in (ORG_CODE, REG_CODE):
                record[how] = value
        record["provenance"] = provenance
        self._pending.append((enterprise_id, codes, norm))
        return _Party(enterprise_id, "enterprise", key, record)

    def _resolve(
        self, codes: list[tuple[str, str]], norm: str, name_column: str, name: str
    ) -> str | None:
        known = self.known
        for how, value in codes:
            if how == USCC and value in known.uscc:
                return known.uscc[value]
        for how, value in codes:
            if how in (ORG_CODE, REG_CODE):
                ids = getattr(known, how).get(value, set())
                if len(ids) == 1:
                    return next(iter(ids))
        if not norm:
            return None
        uscc = next((v for how, v in codes if how == USCC), None)
        # a same-name enterprise holding another unified code is another enterprise
        candidates = {
            i for i in known.name.get(norm, set()) if uscc is None or ":" in i or i == uscc
        }
        if len(candidates) > 1:
            raise RowError(
                name_column,
                f"{len(candidates)} enterprises are named {name!r} "
                f"({', '.join(sorted(candidates))}): give its unified social credit code",
            )
        return next(iter(candidates), None)

    def _remember(self, enterprise_id: str, codes: list[tuple[str, str]], norm: str) -> None:
        for how, value in codes:
            if how == USCC:
                self.known.uscc[value] = enterprise_id
            else:
                self.known.add(how, value, enterprise_id)
        if norm:
            self.known.add("name", norm, enterprise_id)

    # registry rows ----------------------------------------------------------------------------
    def _registry_row(
        self, row: Row, part: Part, provenance: dict[str, Any]
    ) -> list[dict[str, Any]]:
        name = self._name(row, part)
        norm = normalise_name(name)
        uscc = self._cell(row, part, "uscc", uscc_or_none)
        codes = [(USCC, uscc)] if uscc else []
        for key in (REG_CODE, ORG_CODE):
            f = part.fields.get(key)
            form = self._number(row, f) if f else None
            if form is not None:
                assert f is not None
                if form[0] != key:
                    wanted = (
                        "a registration number (15 digits)"
                        if key == REG_CODE
                        else ("an organisation code (9 characters)")
                    )
                    raise RowError(f.column, f"must be {wanted}")
                codes.append(form)
        found = self._resolve(codes, norm, part.fields["name"].column, name)
        enterprise_id = found or uscc or f"e:{stable_hash('enterprise', norm)}"
        self._pending.append((enterprise_id, codes, norm))
        record: dict[str, Any] = {"type": "enterprise", "id": enterprise_id, "name": name}
        for how, value in codes:
            if how != USCC:
                record[how] = value
        for key in ("status", "kind"):
            value = self._vocabulary_value(row, part, key)
            if value is not None:
                record[key] = value
        established = self._cell(row, part, "established", parse_date)
        if established:
            record["established"] = established.isoformat()
        # the extract's row (with the columns the mapping does not read, 注册资本, 住所…)
        record["provenance"] = provenance
        records = [self._merged(record)]
        officer = self.mapping.officer
        if officer is not None and row.text(officer.fields["name"].column):
            records += self._officer(row, officer, enterprise_id, provenance)
        return records

    def _merged(self, record: dict[str, Any]) -> dict[str, Any]:
        """The registry updates an enterprise: what the row leaves empty is kept, not erased."""
        found = self.emitted.get(record["id"])
        earlier = found[2] if found else None
        if earlier is None and record["id"] in self.stored_ids:
            node = self.store.node(record["id"])
            earlier = node_to_record(node) if node is not None else None
        if earlier is None:
            return record
        return {**earlier, **record, _MERGED: True}

    def _officer(
        self, row: Row, part: Part, enterprise_id: str, provenance: dict[str, Any]
    ) -> list[dict[str, Any]]:
        name = self._name(row, part)
        f = part.fields.get("number")
        form = self._number(row, f) if f else None
        if form is None and _is_organisation(name):
            return self._corporate_shareholder(row, part, name, enterprise_id, provenance)
        record: dict[str, Any] = {"type": "person", "name": name}
        if form is not None:
            assert f is not None
            if form[0] != RESIDENT_ID:
                raise RowError(
                    f.column, f"must be a full identity number, got a {form[0].replace('_', ' ')}"
                )
            person_id = self._person_id(form[1])
            record["id_number"] = form[1]
        else:
            # known by name within this enterprise only: a same-name person elsewhere is
            # someone else until identity says otherwise
            person_id = f"p:registry:{person_hash(enterprise_id, normalise_name(name))}"
        record["id"] = person_id
        record["provenance"] = provenance
        rels: list[str] = []
        rel_field = part.fields.get("rel")
        if rel_field is not None and row.text(rel_field.column):
            rels = [str(r) for r in self._lookup(row, rel_field)]
        share = self._share(row, part)
        if share is not None and "SHAREHOLDER" not in rels:
            rels.append("SHAREHOLDER")
        if not rels:
            column = rel_field.column if rel_field else part.fields["name"].column
            raise RowError(column, f"what office or share does {name} hold? (empty)")
        valid_from = self._cell(row, part, "valid_from", parse_date)
        valid_to = self._cell(row, part, "valid_to", parse_date)
        if valid_from and valid_to and valid_to < valid_from:
            raise RowError(part.fields["valid_to"].column, f"{valid_to} is before {valid_from}")
        records: list[dict[str, Any]] = [] if person_id in self.stored_ids else [record]
        for rel in dict.fromkeys(rels):
            link: dict[str, Any] = {
                "type": "link",
                "rel": rel,
                "from": person_id,
                "to": enterprise_id,
                "valid_from": valid_from.isoformat() if valid_from else None,
                "valid_to": valid_to.isoformat() if valid_to else None,
            }
            if rel == "SHAREHOLDER" and share is not None:
                link["share"] = share
            records.append(link)
        return records

    def _corporate_shareholder(
        self, row: Row, part: Part, name: str, enterprise_id: str, provenance: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """An enterprise among the shareholders (a registry's 股东 may be a company)."""
        rel_field = part.fields.get("rel")
        rels = (
            [str(r) for r in self._lookup(row, rel_field)]
            if rel_field and row.text(rel_field.column)
            else []
        )
        share = self._share(row, part)
        if set(rels) - {"SHAREHOLDER", "ACTUAL_CONTROLLER"}:
            raise RowError(
                part.fields["name"].column,
                f"{name} looks like an organisation, which can only be a shareholder or "
                "actual controller here",
            )
        rels = rels or ["SHAREHOLDER"]
        norm = normalise_name(name)
        owner = self._resolve([], norm, part.fields["name"].column, name)
        records: list[dict[str, Any]] = []
        if owner is None:
            owner = f"e:{stable_hash('enterprise', norm)}"
            self._pending.append((owner, [], norm))
            records.append(
                {"type": "enterprise", "id": owner, "name": name, "provenance": provenance}
            )
        valid_from = self._cell(row, part, "valid_from", parse_date)
        valid_to = self._cell(row, part, "valid_to", parse_date)
        for rel in dict.fromkeys(rels):
            link: dict[str, Any] = {
                "type": "link",
                "rel": rel,
                "from": owner,
                "to": enterprise_id,
                "valid_from": valid_from.isoformat() if valid_from else None,
                "valid_to": valid_to.isoformat() if valid_to else None,
            }
            if rel == "SHAREHOLDER" and share is not None:
                link["share"] = share
            records.append(link)
        return records

    # events -------------------------------------------------------------------------------------
    def _event(
        self, row: Row, part: Part, event_id: str, party: _Party, provenance: dict[str, Any]
    ) -> dict[str, Any]:
        kind, extra = self._event_kind(row, part)
        day = self._cell(row, part, "date", parse_date)
        if day is None:
            raise RowError(part.fields["date"].column, "is required (the date of the entry)")
        record: dict[str, Any] = {
            "type": "event",
            "id": event_id,
            "kind": kind,
            "subject": party.id,
            "date": day.isoformat(),
            **extra,
        }
        document = row.text(part.fields["document"].column) if "document" in part.fields else ""
        if document:
            record["document"] = document
        authority = row.text(part.fields["authority"].column) if "authority" in part.fields else ""
        if authority:
            record["authority"] = _agency_id(authority)
        for prop, f in part.props.items():
            value: Any
            try:
                if f.type == "date":
                    day_value = parse_date(row.raw(f.column))
                    value = day_value.isoformat() if day_value else None
                elif f.type == "number":
                    value = parse_number(row.raw(f.column))
                elif f.vocabulary is not None:
                    # a fact read from published wording (失信情形 → ground); wording the
                    # vocabulary does not know leaves the fact unknown (a REVIEW), not an error
                    found = f.vocabulary.lookup(row.text(f.column)) if row.text(f.column) else None
                    value = found[0] if found else None
                else:
                    value = without_id_numbers(row.text(f.column)) or None
            except CellError as exc:
                raise RowError(f.column, str(exc)) from None
            if value is None:
                continue
            if prop in self.store.schema.events[kind].properties:
                record[prop] = value
            elif f.vocabulary is not None:
                # a fact this kind does not have (列入事由 of an abnormal-operation listing): the
                # wording as published is kept (by the prop reading the same column, else in the
                # provenance), not what it would have meant
                if not any(o.column == f.column for q, o in part.props.items() if q != prop):
                    provenance = {**provenance, f.column: without_id_numbers(row.text(f.column))}
            else:
                provenance = {**provenance, f.column: value}
        record["provenance"] = provenance
        return record

    def _event_kind(self, row: Row, part: Part) -> tuple[str, dict[str, Any]]:
        if "kind" in part.fixed:
            return str(part.fixed["kind"]), {}
        f = part.fields["kind"]
        outcome = self._lookup(row, f)[0]
        if isinstance(outcome, dict):
            extra = {k: v for k, v in outcome.items() if k != "kind"}
            return str(outcome["kind"]), extra
        return str(outcome), {}

    def _agency(self, row: Row, part: Part) -> list[dict[str, Any]]:
        f = part.fields.get("authority")
        name = row.text(f.column) if f else ""
        if not name:
            return []
        agency_id = _agency_id(name)
        if agency_id in self.stored_ids:
            return []
        return [{"type": "agency", "id": agency_id, "name": name}]

    # cells ----------------------------------------------------------------------------------------
    def _has(self, row: Row, f: Field) -> bool:
        return bool(row.text(f.column)) or isinstance(row.raw(f.column), dt.date)

    def _name(self, row: Row, part: Part) -> str:
        f = part.fields["name"]
        name = display_name(row.text(f.column))
        if not name:
            raise RowError(f.column, "is required")
        return name

    def _cell(self, row: Row, part: Part, key: str, parse: Any) -> Any:
        f = part.fields.get(key)
        if f is None:
            return None
        raw = row.raw(f.column)
        try:
            return parse(raw) if raw not in (None, "") else None
        except CellError as exc:
            raise RowError(f.column, str(exc)) from None

    def _share(self, row: Row, part: Part) -> float | None:
        f = part.fields.get("share")
        if f is None:
            return None
        percent = f.type != "fraction"
        return self._cell(row, part, "share", lambda v: parse_share(v, percent=percent))

    def _lookup(self, row: Row, f: Field) -> list[Any]:
        assert f.vocabulary is not None
        cell = row.text(f.column)
        found = f.vocabulary.lookup(cell) if cell else None
        if not found:
            raise RowError(
                f.column,
                f"{cell!r} is not in the vocabulary {f.vocabulary.name} of "
                f"{self.mapping.path.name} ({', '.join(f.vocabulary.values)}): add it there",
            )
        return found

    def _vocabulary_value(self, row: Row, part: Part, key: str) -> Any:
        f = part.fields.get(key)
        if f is None or not row.text(f.column):
            return None
        if f.vocabulary is None:
            return row.text(f.column)
        return self._lookup(row, f)[0]

    def _provenance(self, row: Row, case_number: str) -> dict[str, Any]:
        provenance: dict[str, Any] = {
            "source": self.mapping.name,
            "file": os.path.basename(row.file),
            "row": row.number,
        }
        if case_number:
            provenance["case_number"] = case_number
        # the columns the mapping does not read, as published (an identity number masked)
        unmapped = self.unmapped
        for column, value in row.cells.items():
            extra = unmapped.get(column)
            if extra is None:
                extra = unmapped[column] = header_key(column) not in self.mapped
            if extra and (cell := _provenance_text(value)):
                provenance.setdefault(column, without_id_numbers(cell))
        return provenance


_ORGANISATION_WORDS = (
    "公司",
    "厂",
    "店",
    "中心",
    "合作社",
    "集团",
    "事务所",
    "部",
    "行",
    "社",
    "院",
    "会",
)


_MERGED = "\x00merged"  # marks a record that replaces the one an earlier row made


def _is_organisation(name: str) -> bool:
    return any(word in name for word in _ORGANISATION_WORDS) and len(name) > 4


def _without_provenance(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "provenance"}


@lru_cache(maxsize=65536)
def _agency_id(name: str) -> str:
    return f"g:{stable_hash('agency', normalise_name(name))}"


def _provenance_text(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value.strip() if isinstance(value, str) else text(value)


def field_columns(mapping: SourceMapping) -> dict[str, str]:
    """Contract field → the column it came from, to name columns in the loader's errors."""
    columns: dict[str, str] = {}
    parts = mapping.parts()
    for part_name in ("removal", "related_enterprise", "officer", "enterprise", "event", "party"):
        part = parts.get(part_name)
        if part is None:
            continue
        for key, f in (*part.fields.items(), *part.props.items()):
            columns[{"name": "name", "number": "id_number", "uscc": "id"}.get(key, key)] = f.column
    event = parts.get("event")
    if event is not None and "kind" in event.fields:
        columns["severity"] = event.fields["kind"].column
    party = parts.get("party")
    if party is not None:
        columns["subject"] = party.fields["name"].column
    return columns


def extra_columns(header: Iterable[str], mapping: SourceMapping) -> list[str]:
    mapped = {header_key(c) for c in mapping.header}
    return [c for c in header if header_key(c) not in mapped]
