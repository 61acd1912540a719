"""A synthetic registry with the shape of a real one, streamed as contract JSON Lines.

What it imitates (and why each part is there):

- enterprises with valid unified social credit codes, registered where China's
  market entities are (Guangdong, Jiangsu, Zhejiang, Shandong, Shanghai, Beijing
  heavy), most of them companies, with individual businesses, SOEs, public
  institutions, social organisations, cooperatives and branches; registrations
  grow year on year, so most enterprises are young;
- people with stable ids, names from the real surname distribution and a small
  pool of given names — many different people share a name; half of them carry a
  valid resident identity number;
- a heavy-tailed number of offices per person: most hold one, preferential reuse
  makes some hold several, and a few nominee legal representatives (挂名法人) hold
  hundreds;
- per enterprise: a legal representative (some replaced by a successor), directors,
  supervisors, managers, shareholders whose shares sum to at most 1 — corporate
  shareholders chain into ownership trees several levels deep, with a few
  cross-holdings closing cycles — actual controllers and branches;
- agencies per province and city (market regulation, courts, SASAC, finance…)
  with their officials, SUPERVISES and SUPERIOR_OF links, and relatives of
  officials holding shares in enterprises their agency supervises (interest
  conflicts);
- sanctions of every kind in ``graph_schema/events.yaml`` from 2010 on, with each
  kind's required properties, ``responsible`` known for some and unknown for others,
  and repairs, delistings, upheld objections and revoked decisions lifting earlier
  sanctions on the same subject.

Records are written in load order — nodes, links, sanctions, lifting events — so
the file loads in one pass. Memory holds only compact per-enterprise arrays (codes,
dates, kinds, the legal representatives) and the events; links are streamed to a
temporary file while the people they name are counted, since people are nodes
and must come first.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import random
import shutil
import sys
import tempfile
import time
from array import array
from bisect import bisect
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, Any, TextIO

from tqdm import tqdm

from creditgraph.domain.periods import period_last_day
from creditgraph.synth import names as N
from creditgraph.synth.codes import CodeIssuer, resident_id
from creditgraph.synth.regions import (
    CITIES,
    CITY_WEIGHTS,
    DISTRICT_SUFFIXES,
    NATIONAL_DIVISION,
    PROVINCES,
    City,
    Province,
)

# Target number of links for each named size.
SIZES = {"S": 10_000, "M": 1_000_000, "L": 10_000_000}
# Links the generator writes per enterprise on average (measured); sizes the registry.
LINKS_PER_ENTERPRISE = 6.66

REGISTRY_FROM = dt.date(1993, 1, 1)
EVENTS_FROM = dt.date(2010, 1, 1)
# A fixed horizon, not today: the same seed must give the same bytes on any day.
HORIZON = dt.date(2026, 10, 31)

_H = HORIZON.toordinal()
_R0 = REGISTRY_FROM.toordinal()
_E0 = EVENTS_FROM.toordinal()
_ISO_BASE = dt.date(1949, 10, 1).toordinal()
_ISO = [dt.date.fromordinal(o).isoformat() for o in range(_ISO_BASE, _H + 1)]

KINDS = (
    "company",
    "soe",
    "public_institution",
    "social_organization",
    "individual_business",
    "other",
)
STATUSES = ("active", "cancelled", "revoked", "closed", "bankrupt")
_COMPANY, _SOE, _PUBLIC, _SOCIAL, _INDIVIDUAL, _OTHER = range(6)
_ACTIVE, _CANCELLED, _REVOKED, _CLOSED, _BANKRUPT = range(5)

# What is registered: (profile, share of registrations).
_PROFILES = [
    ("company", 0.775),
    ("branch", 0.04),
    ("individual_business", 0.12),
    ("soe", 0.025),
    ("public_institution", 0.02),
    ("social_organization", 0.005),
    ("cooperative", 0.015),
]

# Sanctions: (kind, share of sanction events, subject types with weights).
_SANCTIONS: list[tuple[str, float, list[tuple[str, float]]]] = [
    ("ADMINISTRATIVE_PENALTY", 0.26, [("enterprise", 0.93), ("person", 0.05), ("agency", 0.02)]),
    ("ABNORMAL_OPERATION_LISTED", 0.17, [("enterprise", 1.0)]),
    ("DISHONEST_DEBTOR_LISTED", 0.12, [("person", 0.5), ("enterprise", 0.5)]),
    ("CONSUMPTION_RESTRICTED", 0.09, [("enterprise", 0.6), ("person", 0.4)]),
    ("LICENSE_REVOKED", 0.08, [("enterprise", 1.0)]),
    ("SERIOUS_VIOLATION_LISTED", 0.04, [("enterprise", 1.0)]),
    ("KEY_ATTENTION_LISTED", 0.04, [("enterprise", 0.85), ("person", 0.15)]),
    ("JOINT_PUNISHMENT_LISTED", 0.03, [("enterprise", 0.8), ("person", 0.2)]),
    ("PROCUREMENT_BANNED", 0.03, [("enterprise", 0.9), ("person", 0.1)]),
    ("BIDDING_BANNED", 0.03, [("enterprise", 0.9), ("person", 0.1)]),
    ("CRIMINAL_CONVICTION", 0.03, [("person", 1.0)]),
    ("ORDERED_CLOSED", 0.02, [("enterprise", 1.0)]),
    ("BRIBERY_RECORD", 0.02, [("enterprise", 0.6), ("person", 0.4)]),
    ("BANKRUPTCY_LIQUIDATED", 0.02, [("enterprise", 1.0)]),
]
# Events whose decision usually names the responsible persons (when it is known).
_NAMES_RESPONSIBLE = frozenset(
    {
        "LICENSE_REVOKED",
        "ORDERED_CLOSED",
        "BANKRUPTCY_LIQUIDATED",
        "CONSUMPTION_RESTRICTED",
        "DISHONEST_DEBTOR_LISTED",
        "SERIOUS_VIOLATION_LISTED",
        "JOINT_PUNISHMENT_LISTED",
    }
)
# Which agency decides each kind.
_AUTHORITY = {
    "ADMINISTRATIVE_PENALTY": "amr",
    "ABNORMAL_OPERATION_LISTED": "amr",
    "LICENSE_REVOKED": "amr",
    "SERIOUS_VIOLATION_LISTED": "amr",
    "ORDERED_CLOSED": "amr",
    "DISHONEST_DEBTOR_LISTED": "court",
    "CONSUMPTION_RESTRICTED": "court",
    "BANKRUPTCY_LIQUIDATED": "court",
    "CRIMINAL_CONVICTION": "court",
    "BRIBERY_RECORD": "court",
    "PROCUREMENT_BANNED": "fin",
    "BIDDING_BANNED": "housing",
    "JOINT_PUNISHMENT_LISTED": "ndrc",
    "KEY_ATTENTION_LISTED": "ndrc",
}
# Lifts: kind → [(lifting kind, probability, earliest days after, latest days after)].
_LIFTS: dict[str, list[tuple[str, float, int, int]]] = {
    "ADMINISTRATIVE_PENALTY": [("CREDIT_REPAIRED", 0.2, 92, 900)],
    "ABNORMAL_OPERATION_LISTED": [("DELISTED", 0.35, 20, 700), ("CREDIT_REPAIRED", 0.1, 60, 700)],
    "DISHONEST_DEBTOR_LISTED": [("DELISTED", 0.3, 30, 900)],
    "CONSUMPTION_RESTRICTED": [("DELISTED", 0.25, 30, 900)],
    "SERIOUS_VIOLATION_LISTED": [
        ("CREDIT_REPAIRED", 0.15, 365, 1200),
        ("DELISTED", 0.15, 1096, 1500),
    ],
    "KEY_ATTENTION_LISTED": [("DELISTED", 0.2, 90, 700), ("CREDIT_REPAIRED", 0.1, 90, 700)],
    "JOINT_PUNISHMENT_LISTED": [("CREDIT_REPAIRED", 0.2, 180, 900), ("DELISTED", 0.1, 365, 1200)],
}
# Voiding lifts may hit any sanction: an objection upheld soon after, a decision revoked later.
_VOIDS = [("OBJECTION_UPHELD", 0.02, 10, 120), ("DECISION_REVOKED", 0.015, 60, 400)]
_REVOCABLE = frozenset(
    {
        "ADMINISTRATIVE_PENALTY",
        "LICENSE_REVOKED",
        "PROCUREMENT_BANNED",
        "BIDDING_BANNED",
        "ORDERED_CLOSED",
        "SERIOUS_VIOLATION_LISTED",
    }
)
LIFTING_KINDS = ("CREDIT_REPAIRED", "DELISTED", "OBJECTION_UPHELD", "DECISION_REVOKED")
OBJECTION_KINDS = ("OBJECTION_FILED", "OBJECTION_REJECTED")
_MIN_PER_KIND = 3


def parse_size(size: str | int) -> tuple[str, int]:
    """("S", 10000) from "S"/"s"; (label, n) from an integer or a string of digits: target links."""
    if isinstance(size, int) and not isinstance(size, bool):
        if size < 1:
            raise ValueError(f"size must be a positive number of links, got {size}")
        return str(size), size
    text = str(size).strip().upper().replace("_", "")
    if text in SIZES:
        return text, SIZES[text]
    if text.isdigit() and int(text) > 0:
        return text, int(text)
    raise ValueError(f"size {size!r} is not one of {', '.join(SIZES)} or a number of links")


@dataclass
class GenerationSummary:
    """What a generation wrote: counts by kind and a few ids worth looking at."""

    path: str | None
    size: str
    seed: int
    target_links: int
    nodes: dict[str, int] = field(default_factory=dict)
    links: dict[str, int] = field(default_factory=dict)
    events: dict[str, int] = field(default_factory=dict)
    bytes: int = 0
    seconds: float = 0.0
    # e.g. the busiest nominee legal representative, the deepest ownership chain
    notable: dict[str, Any] = field(default_factory=dict)

    @property
    def total_nodes(self) -> int:
        return sum(self.nodes.values())

    @property
    def total_links(self) -> int:
        return sum(self.links.values())

    @property
    def total_events(self) -> int:
        return sum(self.events.values())

    @property
    def records(self) -> int:
        return self.total_nodes + self.total_links + self.total_events

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "size": self.size,
            "seed": self.seed,
            "target_links": self.target_links,
            "records": self.records,
            "nodes": dict(sorted(self.nodes.items())),
            "links": dict(sorted(self.links.items())),
            "events": dict(sorted(self.events.items())),
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "notable": self.notable,
        }


class _Weighted:
    """Draws from a fixed discrete distribution in O(log n)."""

    def __init__(self, items: Sequence[Any], weights: Sequence[float]) -> None:
        self.items = list(items)
        total, self.cum = 0.0, []
        for w in weights:
            total += w
            self.cum.append(total)
        self.total = total

    def pick(self, rng: random.Random) -> Any:
        return self.items[bisect(self.cum, rng.random() * self.total)]


class _Sink:
    """Buffered writing of lines to a text stream, counting the UTF-8 bytes."""

    def __init__(self, stream: IO[str], chunk: int = 1 << 14) -> None:
        self.stream = stream
        self.lines: list[str] = []
        self.chunk = chunk
        self.bytes = 0

    def write(self, line: str) -> None:
        self.lines.append(line)
        if len(self.lines) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        if self.lines:
            text = "".join(self.lines)
            self.stream.write(text)
            self.bytes += len(text.encode("utf-8"))
            self.lines.clear()


def _iso(ordinal: int) -> str:
    if _ISO_BASE <= ordinal <= _H:
        return _ISO[ordinal - _ISO_BASE]
    return dt.date.fromordinal(ordinal).isoformat()


def _person_id(index: int) -> str:
    return f"p:{index:08d}"


def generate(
    path_or_stream: str | os.PathLike[str] | TextIO,
    size: str | int = "S",
    seed: int = 0,
    progress: bool = False,
) -> GenerationSummary:
    """Write a synthetic registry as contract JSON Lines; the same seed gives the same bytes.

    ``size`` is "S" (≈10k links), "M" (≈1M), "L" (≈10M) or a target number of links.
    ``path_or_stream`` is a file path (created or overwritten) or a text stream
    (e.g. ``sys.stdout``). ``progress`` shows progress bars on standard error.
    """
    label, target = parse_size(size)
    started = time.perf_counter()
    if isinstance(path_or_stream, str | os.PathLike):
        path = os.fspath(path_or_stream)
        directory = os.path.dirname(os.path.abspath(path))
        with open(path, "w", encoding="utf-8", newline="\n") as stream:
            summary = _Generator(stream, target, seed, progress, directory).run()
        summary.path = path
    else:
        summary = _Generator(path_or_stream, target, seed, progress, None).run()
        summary.path = None
    summary.size = label
    summary.seconds = time.perf_counter() - started
    return summary


class _Generator:
    def __init__(
        self, stream: IO[str], target: int, seed: int, progress: bool, temp_dir: str | None
    ) -> None:
        self.out = _Sink(stream)
        self.target = target
        self.seed = seed
        self.progress = progress
        self.temp_dir = temp_dir
        self.rng = random.Random(f"creditgraph-synth:{seed}:registry")
        self.codes_issuer = CodeIssuer(seed)
        n = max(300, round(target / LINKS_PER_ENTERPRISE))
        self.n = n
        # per enterprise, by index
        self.codes = bytearray(18 * n)
        self.established = array("i", bytes(4 * n))
        self.kind = bytearray(n)
        self.status = bytearray(n)
        self.city = array("H", bytes(2 * n))
        self.trade = array("H", bytes(2 * n))
        self.industry = bytearray(n)
        self.form = bytearray(n)
        self.head = array("i", [-1]) * n  # the current legal representative / principal
        self.former_head = array("i", [-1]) * n
        self.head_changed = array("i", bytes(4 * n))  # first day of the current head's term
        self.parent = array("i", [-1]) * n  # the first corporate shareholder
        self.depth = bytearray(n)  # ownership levels above the enterprise
        self.free_share = array("H", bytes(2 * n))  # equity not held by listed shareholders, 1e-4
        self.companies = array("i")  # indices that can own, or have branches
        self.owners_pool = array("i")  # enterprises in ownership relations (groups grow)
        self.by_status: dict[int, array[int]] = {s: array("i") for s in range(5)}
        # people
        self.n_persons = 0
        self.person_province = bytearray()
        self.role_pool = array("i")  # one entry per office held: preferential reuse
        self.nominees: list[int] = []
        self.nominee_set: frozenset[int] = frozenset()
        self.hub_counts: Counter[int] = Counter()  # legal representative terms of each nominee
        self.officials: dict[str, list[int]] = {}
        self.official_relative: dict[int, int] = {}
        self.all_officials = array("i")
        # agencies, created when first needed
        self.agencies: dict[str, tuple[str, str]] = {}  # id → (name, level)
        self.agency_city: dict[str, City] = {}
        self.officials_per_agency = max(2, min(20, round(n / 8000)))
        # counts and highlights
        self.link_counts: Counter[str] = Counter()
        self.cycles: list[tuple[str, str]] = []
        self.conflicts: list[tuple[str, str, str]] = []
        self.city_pick = _Weighted(range(len(CITIES)), CITY_WEIGHTS)
        self.profile_pick = _Weighted([p for p, _ in _PROFILES], [w for _, w in _PROFILES])
        self.surname_pick = _Weighted([s for s, _ in N.SURNAMES], [w for _, w in N.SURNAMES])
        self.given_pick = _Weighted(N.GIVEN_NAMES, _zipf(len(N.GIVEN_NAMES), 0.5))
        self.first_pick = _Weighted(N.GIVEN_FIRST, _zipf(len(N.GIVEN_FIRST), 0.5))
        self.second_pick = _Weighted(N.GIVEN_SECOND, _zipf(len(N.GIVEN_SECOND), 0.5))
        self.form_pick = _Weighted(range(len(N.COMPANY_FORMS)), [w for _, w in N.COMPANY_FORMS])
        self.province_pick = _Weighted(range(len(PROVINCES)), [p.weight for p in PROVINCES])
        self.province_index = {p.prefix: k for k, p in enumerate(PROVINCES)}
        self.capital = {p.prefix: next(c for c in CITIES if c.province is p) for p in PROVINCES}
        self.target_cycles = max(3, n // 4000)
        self.target_conflicts = max(5, n // 1000)

    # -- the whole run ----------------------------------------------------------------
    def run(self) -> GenerationSummary:
        with tempfile.TemporaryFile(
            "w+", encoding="utf-8", newline="\n", dir=self.temp_dir, prefix=".creditgraph-links-"
        ) as spool:
            self.links = _Sink(spool)
            self._nominees()
            bar = tqdm(
                total=self.n,
                desc="enterprises",
                unit=" ent",
                disable=not self.progress,
                file=sys.stderr,
                mininterval=0.5,
            )
            with bar:
                for i in range(self.n):
                    self._enterprise(i)
                    if i % 4096 == 4095:
                        bar.update(4096)
                bar.update(self.n - bar.n)
            # events name their deciding agencies, which may be new (with officials): first
            events, lifts = self._events()
            self.links.flush()
            self._write_agencies()
            self._write_persons()
            self.out.flush()
            spool.seek(0)
            shutil.copyfileobj(spool, self.out.stream, 1 << 20)
            self.out.bytes += self.links.bytes
        for line in events:
            self.out.write(line)
        for line in lifts:
            self.out.write(line)
        self.out.flush()
        return self._summary()

    def _summary(self) -> GenerationSummary:
        kinds = Counter(KINDS[k] for k in self.kind)
        summary = GenerationSummary(path=None, size="", seed=self.seed, target_links=self.target)
        summary.nodes = {
            "enterprise": self.n,
            "person": self.n_persons,
            "agency": len(self.agencies),
        }
        summary.links = dict(self.link_counts)
        summary.events = dict(self.event_counts)
        summary.bytes = self.out.bytes
        hub = self.hub_counts.most_common(1)[0] if self.hub_counts else None
        deepest = max(range(self.n), key=self.depth.__getitem__)
        summary.notable = {
            "enterprise_kinds": dict(sorted(kinds.items())),
            "busiest_legal_representative": {"person": _person_id(hub[0]), "enterprises": hub[1]}
            if hub
            else None,
            "deepest_ownership": {"enterprise": self._code(deepest), "levels": self.depth[deepest]},
            "ownership_cycles": [list(c) for c in self.cycles[:5]],
            "interest_conflicts": [
                {"official": o, "holder": h, "enterprise": e} for o, h, e in self.conflicts[:5]
            ],
        }
        return summary

    # -- people ----------------------------------------------------------------------
    def _new_person(self, province: int) -> int:
        index = self.n_persons
        self.n_persons += 1
        self.person_province.append(province)
        return index

    def _nominees(self) -> None:
        # 挂名法人: a few people lend their name as legal representative to many companies
        count = max(2, self.n // 600)
        for _ in range(count):
            self.nominees.append(self._new_person(self.province_pick.pick(self.rng)))
        self.nominee_pick = _Weighted(self.nominees, _zipf(count, 0.6))
        self.nominee_set = frozenset(self.nominees)

    def _officer(self, province: int, team: list[int], reuse: float, nominee: float = 0.0) -> int:
        """A person for an office: a nominee, someone already holding offices, or a newcomer."""
        rng = self.rng
        r = rng.random()
        if r < nominee:
            person = self.nominee_pick.pick(rng)
        elif r < nominee + reuse and self.role_pool:
            person = self.role_pool[rng.randrange(len(self.role_pool))]
        else:
            person = -1
        if person < 0 or person in team:
            own = province if rng.random() < 0.9 else self.province_pick.pick(rng)
            person = self._new_person(own)
        return person

    def _write_persons(self) -> None:
        rng = random.Random(f"creditgraph-synth:{self.seed}:persons")
        cities_of: dict[int, list[City]] = {}
        for c in CITIES:
            cities_of.setdefault(self.province_index[c.province.prefix], []).append(c)
        xinjiang = self.province_index["65"]
        bar = tqdm(
            total=self.n_persons,
            desc="persons",
            unit=" p",
            disable=not self.progress,
            file=sys.stderr,
            mininterval=0.5,
        )
        write = self.out.write
        with bar:
            for index in range(self.n_persons):
                province = self.person_province[index]
                if province == xinjiang and rng.random() < 0.4:
                    name = rng.choice(N.MINORITY_NAMES)
                elif rng.random() < 0.55:
                    name = self.surname_pick.pick(rng) + self.given_pick.pick(rng)
                else:
                    name = (
                        self.surname_pick.pick(rng)
                        + self.first_pick.pick(rng)
                        + self.second_pick.pick(rng)
                    )
                pid = _person_id(index)
                if rng.random() < 0.5:
                    city = rng.choice(cities_of[province])
                    area = (
                        city.code if city.is_district else city.code + rng.choice(DISTRICT_SUFFIXES)
                    )
                    birth = dt.date.fromordinal(rng.randint(_BIRTH_FROM, _BIRTH_TO))
                    number = resident_id(area, birth, rng.randrange(1000))
                    write(
                        f'{{"type":"person","id":"{pid}","name":"{name}","id_number":"{number}"}}\n'
                    )
                else:
                    write(f'{{"type":"person","id":"{pid}","name":"{name}"}}\n')
                if index % 8192 == 8191:
                    bar.update(8192)
            bar.update(self.n_persons - bar.n)

    # -- agencies --------------------------------------------------------------------
    def _agency(self, kind: str, city: City | None = None, province: Province | None = None) -> str:
        """The agency of a kind for a city, a province, or the nation; created on first use."""
        if city is not None:
            key, place, level = city.code, city.name, "county" if city.is_district else "city"
        elif province is not None:
            key, place, level = province.prefix, province.name, "province"
        else:
            key, place, level = "", "", "national"
        agency_id = f"g:{kind}-{key}" if key else f"g:{kind}"
        if agency_id in self.agencies:
            return agency_id
        self.agencies[agency_id] = (
            _agency_name(kind, place, level, province or (city.province if city else None)),
            level,
        )
        # the city an agency's documents are dated from (a capital for provincial bodies)
        self.agency_city[agency_id] = city or self.capital[(province.prefix if province else "11")]
        home = province or (city.province if city else None)
        home_index = self.province_index[home.prefix] if home else self.province_pick.pick(self.rng)
        officials = []
        rng = self.rng
        for _ in range(self.officials_per_agency):
            person = self._new_person(home_index)
            officials.append(person)
            self.all_officials.append(person)
            start = rng.randint(dt.date(2000, 1, 1).toordinal(), dt.date(2024, 12, 31).toordinal())
            end = rng.randint(start + 365, _H) if rng.random() < 0.15 and start + 365 < _H else None
            self._link("OFFICIAL_OF", _person_id(person), agency_id, start, end)
        self.officials[agency_id] = officials
        # the market regulation hierarchy: SAMR → province bureaus → city and district bureaus
        if kind == "amr" and level != "national":
            superior = (
                self._agency("amr", province=city.province)
                if city is not None
                else self._agency("amr")
            )
            self._link("SUPERIOR_OF", superior, agency_id, _ord(2018, 4, 10), None)
        return agency_id

    def _write_agencies(self) -> None:
        for agency_id, (name, level) in self.agencies.items():
            self.out.write(
                f'{{"type":"agency","id":"{agency_id}","name":"{name}","level":"{level}"}}\n'
            )

    # -- links -----------------------------------------------------------------------
    def _link(
        self,
        rel: str,
        src: str,
        dst: str,
        start: int | None,
        end: int | None,
        share: int | None = None,
    ) -> None:
        held = f'"{_ISO[start - _ISO_BASE]}"' if start is not None else "null"
        tail = f',"valid_to":"{_ISO[end - _ISO_BASE]}"' if end is not None else ""
        equity = f',"share":{share / 10000!r}' if share is not None else ""
        self.links.write(
            f'{{"type":"link","rel":"{rel}","from":"{src}","to":"{dst}"{equity},'
            f'"valid_from":{held}{tail}}}\n'
        )
        self.link_counts[rel] += 1

    def _role(self, rel: str, person: int, enterprise: str, start: int) -> None:
        rng = self.rng
        self.role_pool.append(person)
        r = rng.random()
        if r < 0.015:
            begin: int | None = None  # the registry does not say since when
        elif r < 0.2 and start + 60 < _H:
            begin = rng.randint(start + 30, _H - 30)  # appointed later
        else:
            begin = start
        end = None
        if rng.random() < 0.12:  # left office
            low = (begin or start) + 365
            if low < _H:
                end = rng.randint(low, _H)
        self._link(rel, _person_id(person), enterprise, begin, end)

    # -- enterprises -----------------------------------------------------------------
    def _code(self, i: int) -> str:
        return self.codes[18 * i : 18 * i + 18].decode("ascii")

    def _enterprise(self, i: int) -> None:
        rng = self.rng
        profile = self.profile_pick.pick(rng)
        if profile == "branch" and len(self.companies) < 20:
            profile = "company"
        city_index = self.city_pick.pick(rng)
        city: City = CITIES[city_index]
        province_index = self.province_index[city.province.prefix]
        # registrations grow ~13 % a year: the quantile of index i in an exponential ramp
        q = (i + rng.random()) / self.n
        growth, span = 0.13, (_H - 30 - _R0) / 365.25
        established = _R0 + int(365.25 * math.log1p(q * math.expm1(growth * span)) / growth)
        kind = {
            "soe": _SOE,
            "public_institution": _PUBLIC,
            "social_organization": _SOCIAL,
            "individual_business": _INDIVIDUAL,
            "cooperative": _OTHER,
        }.get(profile, _COMPANY)
        if kind in (_SOE, _PUBLIC):
            established = rng.randint(_ord(1952, 1, 1), _ord(2015, 12, 31))
        parent = -1
        if profile == "branch":
            parent = self._pick_owner(i)
            established = max(established, self.established[parent] + 30)
        division = city.code if city.is_district else city.code + rng.choice(DISTRICT_SUFFIXES)
        central = kind == _SOE and rng.random() < 0.1
        if central:
            division = NATIONAL_DIVISION
        prefix = {
            _COMPANY: "91",
            _SOE: "91",
            _PUBLIC: "12",
            _SOCIAL: "51",
            _INDIVIDUAL: "92",
            _OTHER: "93",
        }[kind]
        code = self.codes_issuer.uscc(i, prefix, division, dt.date.fromordinal(established))
        self.codes[18 * i : 18 * i + 18] = code.encode("ascii")
        self.established[i] = established
        self.kind[i] = kind
        self.city[i] = city_index
        status = self._status(kind, established)
        self.status[i] = status
        self.by_status[status].append(i)
        name = self._name(i, profile, city, parent)
        self.out.write(
            f'{{"type":"enterprise","id":"{code}","name":"{name}","status":"{STATUSES[status]}",'
            f'"kind":"{KINDS[kind]}","established":"{_ISO[established - _ISO_BASE]}"}}\n'
        )
        if profile == "branch":
            self._branch(i, code, established, parent, province_index)
        elif kind == _COMPANY:
            self._company(i, code, established, city, province_index)
        elif kind == _INDIVIDUAL:
            self._individual_business(i, code, established, province_index)
        elif kind == _SOE:
            self._soe(i, code, established, city, province_index, central)
        elif kind == _PUBLIC:
            self._public_institution(i, code, established, city, province_index)
        else:
            self._association(i, code, established, city, province_index, kind)
        if kind in (_SOE, _PUBLIC, _SOCIAL, _OTHER) and rng.random() < (
            0.5 if kind == _SOE else 0.2
        ):
            self._link("SUPERVISES", self._agency("amr", city), code, established, None)

    def _status(self, kind: int, established: int) -> int:
        if _H - established < 400:
            return _ACTIVE
        r = self.rng.random()
        if kind in (_SOE, _PUBLIC):
            return _ACTIVE if r < 0.97 else _CANCELLED
        if kind == _INDIVIDUAL:
            return _ACTIVE if r < 0.70 else _CANCELLED if r < 0.92 else _REVOKED
        for status, share in (
            (_ACTIVE, 0.76),
            (_CANCELLED, 0.13),
            (_REVOKED, 0.07),
            (_CLOSED, 0.02),
        ):
            if r < share:
                return status
            r -= share
        return _BANKRUPT

    def _name(self, i: int, profile: str, city: City, parent: int) -> str:
        rng = self.rng
        trade = rng.randrange(len(N.TRADE_NAMES))
        industry = rng.randrange(len(N.INDUSTRIES))
        form = self.form_pick.pick(rng)
        self.trade[i], self.industry[i], self.form[i] = trade, industry, form
        t = N.TRADE_NAMES[trade]
        if profile == "company":
            return f"{city.name}{t}{N.INDUSTRIES[industry]}{N.COMPANY_FORMS[form][0]}"
        if profile == "branch":
            p = parent
            pcity = CITIES[self.city[p]]
            return (
                f"{pcity.name}{N.TRADE_NAMES[self.trade[p]]}{N.INDUSTRIES[self.industry[p]]}"
                f"{N.COMPANY_FORMS[self.form[p]][0]}{city.name}分公司"
            )
        if profile == "individual_business":
            return f"{city.name}{t}{rng.choice(N.SHOP_TYPES)}"
        if profile == "soe":
            return f"{city.name if rng.random() < 0.6 else city.province.name}{t}{rng.choice(N.SOE_NAMES)}"
        if profile == "public_institution":
            return f"{city.name}{N.INSTITUTIONS[industry % len(N.INSTITUTIONS)][0]}"
        if profile == "social_organization":
            return f"{city.name}{N.INDUSTRIES[industry]}{rng.choice(N.SOCIAL_ORGANISATIONS)}"
        return f"{city.name}{t}{rng.choice(N.COOPERATIVES)}"

    def _pick_owner(self, i: int) -> int:
        """An earlier enterprise to own or have a branch: often one already in a group."""
        rng = self.rng
        if self.owners_pool and rng.random() < 0.6:
            return self.owners_pool[rng.randrange(len(self.owners_pool))]
        return self.companies[rng.randrange(len(self.companies))]

    def _head(
        self,
        i: int,
        code: str,
        rel: str,
        person: int,
        established: int,
        province: int,
        team: list[int],
        nominee: float,
    ) -> None:
        """The legal representative (or principal), sometimes replaced by a successor."""
        rng = self.rng
        self.role_pool.append(person)
        if person in self.nominee_set:
            self.hub_counts[person] += 1
        if rng.random() < 0.18 and established + 400 < _H - 30:
            changed = rng.randint(established + 180, _H - 30)
            successor = self._officer(province, team, 0.12, nominee)
            team.append(successor)
            self.role_pool.append(successor)
            if successor in self.nominee_set:
                self.hub_counts[successor] += 1
            self._link(rel, _person_id(person), code, established, changed - 1)
            self._link(rel, _person_id(successor), code, changed, None)
            self.former_head[i], self.head[i], self.head_changed[i] = person, successor, changed
        else:
            self._link(rel, _person_id(person), code, established, None)
            self.head[i], self.head_changed[i] = person, established

    def _company(self, i: int, code: str, established: int, city: City, province: int) -> None:
        rng = self.rng
        self.companies.append(i)
        r = rng.random()
        size = 2 if r < 0.55 else 3 if r < 0.78 else rng.randint(4, 8) if r < 0.97 else 1
        lr = self._officer(province, [], 0.12, nominee=0.09)
        team = [lr]
        nominee_lr = lr in self.nominee_set
        self._head(i, code, "LEGAL_REPRESENTATIVE", lr, established, province, team, 0.09)
        # the people who actually run and own it: behind a nominee, someone else
        workers = [] if nominee_lr else [lr]
        while len(workers) < size:
            person = self._officer(province, team, 0.18)
            team.append(person)
            workers.append(person)
        if size <= 3:
            # 执行董事 + 监事: the boss usually directs and manages, a partner supervises
            boss = workers[0]
            if rng.random() < 0.8:
                self._role("DIRECTOR", boss, code, established)
            if rng.random() < 0.6:
                self._role("MANAGER", boss, code, established)
            if len(workers) > 1:
                self._role("SUPERVISOR", workers[1], code, established)
            if len(workers) > 2:
                self._role("MANAGER", workers[2], code, established)
        else:
            board = workers[: min(len(workers) - 1, rng.randint(3, 5))]
            for person in board:
                self._role("DIRECTOR", person, code, established)
            for person in workers[len(board) :][: rng.randint(1, 2)]:
                self._role("SUPERVISOR", person, code, established)
            for person in board[: rng.randint(1, 2)]:
                self._role("MANAGER", person, code, established)
        supervised = self._shareholders(i, code, established, city, province, workers, nominee_lr)
        if len(workers) >= 2 and rng.random() < 0.3:
            # 夫妻店: the two founders are spouses
            self._link("RELATIVE_OF", _person_id(workers[0]), _person_id(workers[1]), None, None)
        # key supervision (重点监管) by the local market regulator
        if not supervised and rng.random() < 0.22:
            self._link("SUPERVISES", self._agency("amr", city), code, established, None)

    def _shareholders(
        self,
        i: int,
        code: str,
        established: int,
        city: City,
        province: int,
        workers: list[int],
        nominee_lr: bool,
    ) -> bool:
        """Shareholders with shares summing to at most 1; True when a conflict made it supervised."""
        rng = self.rng
        holders: list[tuple[str, int]] = []  # (id, valid_from)
        for k, person in enumerate(workers):
            if k == 0 or rng.random() < 0.6:
                holders.append((_person_id(person), established))
        supervised = False
        # interest conflicts: an official of the supervising bureau, or a relative, holds equity
        if len(self.conflicts) < self.target_conflicts * (i + 1) / self.n or rng.random() < 0.004:
            bureau = self._agency("amr", city)
            official = rng.choice(self.officials[bureau])
            holder = official
            if rng.random() < 0.7:
                holder = self.official_relative.get(official, -1)
                if holder < 0:
                    holder = self._new_person(self.person_province[official])
                    self.official_relative[official] = holder
                    self._link("RELATIVE_OF", _person_id(official), _person_id(holder), None, None)
            holders.append((_person_id(holder), established))
            self._link("SUPERVISES", bureau, code, established, None)
            self.conflicts.append((_person_id(official), _person_id(holder), code))
            supervised = True

        corporate = self.companies and len(self.companies) > 1 and rng.random() < 0.15
        if corporate:
            for _ in range(1 if rng.random() < 0.85 else 2):
                owner = self._pick_owner(i)
                if owner == i or any(h[0] == self._code(owner) for h in holders):
                    continue
                holders.append((self._code(owner), max(established, self.established[owner])))
                if self.parent[i] < 0:
                    self.parent[i] = owner
                    self.depth[i] = min(255, self.depth[owner] + 1)
                    self.owners_pool.append(owner)
                    self.owners_pool.append(i)
        total = 10000 if rng.random() < 0.85 else rng.randint(5000, 9900)
        for (holder_id, start), units in zip(
            holders, _split(rng, total, len(holders)), strict=True
        ):
            end = None
            if rng.random() < 0.04 and start + 400 < _H:
                end = rng.randint(start + 365, _H)  # equity transferred
            self._link("SHAREHOLDER", holder_id, code, start, end, units)
        self.free_share[i] = 10000 - total
        owner = self.parent[i]
        if owner >= 0:
            self._control(i, code, established, owner)
            self._maybe_cycle(i, code, established, owner)
        elif nominee_lr and rng.random() < 0.6:
            # behind a nominee there is a real boss
            self._link("ACTUAL_CONTROLLER", holders[0][0], code, established, None)
        return supervised

    def _control(self, i: int, code: str, established: int, owner: int) -> None:
        rng = self.rng
        r = rng.random()
        if r < 0.4:
            top, seen = owner, 0
            while self.parent[top] >= 0 and seen < 64:
                top, seen = self.parent[top], seen + 1
            person = self.head[top]
            if person >= 0:
                self._link("ACTUAL_CONTROLLER", _person_id(person), code, established, None)
        elif r < 0.6:
            self._link("ACTUAL_CONTROLLER", self._code(owner), code, established, None)

    def _maybe_cycle(self, i: int, code: str, established: int, owner: int) -> None:
        """Cross-holding (交叉持股): a subsidiary takes a small stake in an ancestor."""
        rng = self.rng
        behind = len(self.cycles) < self.target_cycles * (i + 1) / self.n
        if not behind and rng.random() > 0.01:
            return
        ancestor, hops = owner, 0
        while ancestor >= 0 and hops < 6:
            free = self.free_share[ancestor]
            if free >= 1 and ancestor != i:
                units = min(free, rng.randint(50, 1500))
                self.free_share[ancestor] = free - units
                start = max(established, self.established[ancestor]) + rng.randint(30, 900)
                if start < _H:
                    self._link("SHAREHOLDER", code, self._code(ancestor), start, None, units)
                    self.cycles.append((code, self._code(ancestor)))
                return
            ancestor, hops = self.parent[ancestor], hops + 1

    def _branch(self, i: int, code: str, established: int, parent: int, province: int) -> None:
        self._link("BRANCH_OF", code, self._code(parent), established, None)
        head = self._officer(province, [], 0.25)
        self._head(i, code, "PRINCIPAL", head, established, province, [head], 0.0)

    def _individual_business(self, i: int, code: str, established: int, province: int) -> None:
        operator = self._officer(province, [], 0.1)
        self._head(i, code, "PRINCIPAL", operator, established, province, [operator], 0.0)

    def _soe(
        self, i: int, code: str, established: int, city: City, province: int, central: bool
    ) -> None:
        rng = self.rng
        self.companies.append(i)
        if central:
            sasac = self._agency("sasac")
        elif rng.random() < 0.6:
            sasac = self._agency("sasac", city)
        else:
            sasac = self._agency("sasac", province=city.province)
        self._link("SUPERIOR_OF", sasac, code, established, None)
        team: list[int] = []
        chair = self._officer(province, team, 0.05)
        team.append(chair)
        self._head(i, code, "LEGAL_REPRESENTATIVE", chair, established, province, team, 0.0)
        self._role("DIRECTOR", chair, code, established)
        for _ in range(rng.randint(2, 6)):
            p = self._officer(province, team, 0.05)
            team.append(p)
            self._role("DIRECTOR", p, code, established)
        for _ in range(rng.randint(1, 3)):
            p = self._officer(province, team, 0.05)
            team.append(p)
            self._role("SUPERVISOR", p, code, established)
        self._role("MANAGER", team[1], code, established)
        if self.owners_pool and rng.random() < 0.3:
            owner = self._pick_owner(i)
            if self.kind[owner] == _SOE:
                self.parent[i] = owner
                self.depth[i] = min(255, self.depth[owner] + 1)
                self._link(
                    "SHAREHOLDER",
                    self._code(owner),
                    code,
                    max(established, self.established[owner]),
                    None,
                    5100,
                )
                self._link("SHAREHOLDER", sasac, code, established, None, 4900)
                self.owners_pool.append(i)
                return
        self._link("SHAREHOLDER", sasac, code, established, None, 10000)
        if rng.random() < 0.5:
            self._link("ACTUAL_CONTROLLER", sasac, code, established, None)

    def _public_institution(
        self, i: int, code: str, established: int, city: City, province: int
    ) -> None:
        superior_kind = N.INSTITUTIONS[self.industry[i] % len(N.INSTITUTIONS)][1]
        self._link("SUPERIOR_OF", self._agency(superior_kind, city), code, established, None)
        head = self._officer(province, [], 0.05)
        self._head(i, code, "LEGAL_REPRESENTATIVE", head, established, province, [head], 0.0)

    def _association(
        self, i: int, code: str, established: int, city: City, province: int, kind: int
    ) -> None:
        rng = self.rng
        team: list[int] = []
        head = self._officer(province, team, 0.2)
        team.append(head)
        self._head(i, code, "LEGAL_REPRESENTATIVE", head, established, province, team, 0.0)
        supervisor = self._officer(province, team, 0.1)
        team.append(supervisor)
        self._role("SUPERVISOR", supervisor, code, established)
        if kind == _SOCIAL:
            for _ in range(2):
                p = self._officer(province, team, 0.3)
                team.append(p)
                self._role("DIRECTOR", p, code, established)
            return
        # a cooperative's members contribute its capital
        members = [head]
        for _ in range(rng.randint(2, 4)):
            member = self._officer(province, team, 0.05)
            team.append(member)
            members.append(member)
        for p, units in zip(members, _split(rng, 10000, len(members)), strict=True):
            self._link("SHAREHOLDER", _person_id(p), code, established, None, units)

    # -- events ----------------------------------------------------------------------
    def _events(self) -> tuple[list[str], list[str]]:
        rng = random.Random(f"creditgraph-synth:{self.seed}:events")
        total = max(300, self.target // 100)
        sanctions_wanted = round(total * 0.82)
        drawn: list[
            tuple[int, str, str, dict[str, Any], str]
        ] = []  # (date, kind, subject, fields, document)
        used: dict[str, set[int]] = {
            "LICENSE_REVOKED": set(),
            "ORDERED_CLOSED": set(),
            "BANKRUPTCY_LIQUIDATED": set(),
        }
        for kind, share, subjects in _SANCTIONS:
            count = max(_MIN_PER_KIND, round(sanctions_wanted * share))
            subject_pick = _Weighted([s for s, _ in subjects], [w for _, w in subjects])
            for _ in range(count):
                made = self._sanction(rng, kind, subject_pick.pick(rng), used)
                if made is not None:
                    drawn.append(made)
        drawn.sort(key=lambda e: (e[0], e[1], e[2]))
        self.event_counts: Counter[str] = Counter()
        lines, records = [], []
        facts = random.Random(f"creditgraph-synth:{self.seed}:facts")
        for n, (day, kind, subject, fields, authority) in enumerate(drawn, start=1):
            _legal_facts(facts, kind, fields)
            event_id = f"ev:{n:07d}"
            lines.append(_event_line(event_id, kind, subject, day, authority, fields))
            records.append((event_id, kind, subject, day, authority))
            self.event_counts[kind] += 1
        lifts = self._lifts(rng, records, len(drawn))
        return lines, lifts

    def _sanction(
        self, rng: random.Random, kind: str, subject_type: str, used: dict[str, set[int]]
    ) -> tuple[int, str, str, dict[str, Any], str] | None:
        fields: dict[str, Any] = {}
        if subject_type == "enterprise":
            pool = {
                "LICENSE_REVOKED": _REVOKED,
                "ORDERED_CLOSED": _CLOSED,
                "BANKRUPTCY_LIQUIDATED": _BANKRUPT,
            }.get(kind)
            i = self._sanctioned_enterprise(rng, pool, used.get(kind))
            if i is None:
                return None
            low = max(_E0, self.established[i] + (365 if pool is not None else 30))
            day = _recent(rng, low, _H)
            subject = self._code(i)
            city: City | None = CITIES[self.city[i]]
            if kind in _NAMES_RESPONSIBLE or (
                kind == "ADMINISTRATIVE_PENALTY" and rng.random() < 0.3
            ):
                r = rng.random()
                if r < 0.55:
                    head = self.head[i] if day >= self.head_changed[i] else self.former_head[i]
                    if head >= 0:
                        fields["responsible"] = [_person_id(head)]
                elif r < 0.62:
                    fields["responsible"] = None  # recorded as unknown
        elif subject_type == "person":
            if kind in ("CRIMINAL_CONVICTION", "BRIBERY_RECORD") and rng.random() < 0.3:
                person = self.all_officials[rng.randrange(len(self.all_officials))]
            else:
                person = self.role_pool[rng.randrange(len(self.role_pool))]
            subject = _person_id(person)
            day = _recent(rng, _E0, _H)
            city = self.capital[PROVINCES[self.person_province[person]].prefix]
        else:
            agency_id = rng.choice(sorted(self.agencies))
            subject = agency_id
            day = _recent(rng, _E0, _H)
            city = self.agency_city[agency_id]
        if kind == "ADMINISTRATIVE_PENALTY":
            r = rng.random()
            fields["severity"] = "minor" if r < 0.45 else "general" if r < 0.87 else "serious"
        elif kind in ("PROCUREMENT_BANNED", "BIDDING_BANNED"):
            fields["until"] = _plus(day, years=rng.randint(1, 3))
        elif kind == "DISHONEST_DEBTOR_LISTED" and rng.random() < 0.6:
            fields["until"] = _plus(day, years=2 + (rng.random() < 0.3))
        elif kind == "CRIMINAL_CONVICTION":
            months = rng.choice((6, 8, 10, 12, 18, 24, 36, 48, 60, 84, 120))
            fields["sentence_end"] = _plus(day, months=months)
            if months <= 36 and rng.random() < 0.4:
                fields["probation_end"] = _plus(day, months=months + rng.choice((6, 12, 24)))
        authority = ""
        if rng.random() < 0.95:
            authority = self._authority(_AUTHORITY[kind], city)
            fields["document"] = _document(kind, authority, city, day, rng)
        return day, kind, subject, fields, authority

    def _sanctioned_enterprise(
        self, rng: random.Random, status: int | None, used: set[int] | None
    ) -> int | None:
        pool = self.by_status[status] if status is not None else None
        for _ in range(64):
            i = pool[rng.randrange(len(pool))] if pool else rng.randrange(self.n)
            earliest = self.established[i] + (365 if status is not None else 30)
            if earliest >= _H - 10 or (used is not None and i in used):
                continue
            if used is not None:
                used.add(i)
            return i
        return None

    def _authority(self, kind: str, city: City | None) -> str:
        if city is None:
            return self._agency(kind)
        if kind in ("fin", "ndrc") and self.rng.random() < 0.3:
            return self._agency(kind, province=city.province)
        return self._agency(kind, city)

    def _lifts(
        self, rng: random.Random, sanctions: list[tuple[str, str, str, int, str]], numbered: int
    ) -> list[str]:
        planned: list[
            tuple[int, str, str, str, str]
        ] = []  # (date, kind, subject, lifts, authority)
        lifted: set[str] = set()
        for event_id, kind, subject, day, authority in sanctions:
            options = [v for v in _VOIDS if v[0] == "OBJECTION_UPHELD" or kind in _REVOCABLE]
            options += _LIFTS.get(kind, [])
            for lift_kind, chance, low, high in options:
                if rng.random() < chance and day + low < _H:
                    planned.append(
                        (
                            rng.randint(day + low, min(day + high, _H)),
                            lift_kind,
                            subject,
                            event_id,
                            authority,
                        )
                    )
                    lifted.add(event_id)
                    break
        # every lifting kind at least a few times, so small registries exercise them all
        have = Counter(p[1] for p in planned)
        for lift_kind in LIFTING_KINDS:
            for event_id, kind, subject, day, authority in sanctions:
                if have[lift_kind] >= _MIN_PER_KIND:
                    break
                fits = lift_kind in ("OBJECTION_UPHELD", "DECISION_REVOKED") or any(
                    o[0] == lift_kind for o in _LIFTS.get(kind, [])
                )
                if fits and event_id not in lifted and day + 30 < _H:
                    planned.append(
                        (
                            rng.randint(day + 30, min(day + 400, _H)),
                            lift_kind,
                            subject,
                            event_id,
                            authority,
                        )
                    )
                    lifted.add(event_id)
                    have[lift_kind] += 1
        planned += self._objections(sanctions, lifted)
        planned.sort(key=lambda p: (p[0], p[3]))
        lines = []
        ids: dict[str, str] = {}  # an objection's placeholder → its event id
        for n, (day, kind, subject, target, authority) in enumerate(planned, start=numbered + 1):
            event_id = f"ev:{n:07d}"
            if kind == "OBJECTION_FILED":
                ids[f"@{target}"] = event_id
            fields: dict[str, Any] = {"lifts": ids.get(target, target)}
            lines.append(_event_line(event_id, kind, subject, day, authority, fields))
            self.event_counts[kind] += 1
        return lines

    def _objections(
        self, sanctions: list[tuple[str, str, str, int, str]], lifted: set[str]
    ) -> list[tuple[int, str, str, str, str]]:
        """Objections under review (异议处理中) and some rejected, on sanctions nothing else
        lifts — drawn from a stream of their own, so the rest of the registry is unchanged."""
        rng = random.Random(f"creditgraph-synth:{self.seed}:objections")
        planned: list[tuple[int, str, str, str, str]] = []
        wanted = max(_MIN_PER_KIND, len(sanctions) // 100)
        for event_id, _, subject, day, authority in sanctions:
            if len(planned) >= 2 * wanted:
                break
            if event_id in lifted or day + 120 >= _H or rng.random() < 0.5:
                continue
            filed = rng.randint(day + 10, day + 60)
            planned.append((filed, "OBJECTION_FILED", subject, event_id, authority))
            if len(planned) < wanted or rng.random() < 0.5:
                # answered: the rejection lifts the objection, known by its placeholder
                answer = rng.randint(filed + 15, min(filed + 60, _H))
                planned.append((answer, "OBJECTION_REJECTED", subject, f"@{event_id}", authority))
        return planned


# The facts a bar rests on (graph_schema/rules: trigger.facts), drawn from a stream of their
# own so the rest of the registry is unchanged: most convictions recorded in a credit system are
# of the Art. 178(2) kinds, most dishonest-debtor listings are for an unpaid debt, and a serious
# penalty now and then is a 较大数额罚款 (200万元 or more); a few facts stay unknown.
_CATEGORIES = _Weighted(
    ["economic_order", "graft", "bribery", "embezzlement", "misappropriation", "other", None],
    [0.3, 0.1, 0.15, 0.1, 0.05, 0.2, 0.1],
)
_GROUNDS = _Weighted(
    ["unpaid_debt", "evasion", "obstruction", "property_report", "consumption_order", None],
    [0.75, 0.08, 0.04, 0.05, 0.03, 0.05],
)


def _legal_facts(rng: random.Random, kind: str, fields: dict[str, Any]) -> None:
    if kind == "CRIMINAL_CONVICTION":
        category = _CATEGORIES.pick(rng)
        if category:
            fields["category"] = category
    elif kind == "DISHONEST_DEBTOR_LISTED":
        ground = _GROUNDS.pick(rng)
        if ground:
            fields["ground"] = ground
    elif kind == "ADMINISTRATIVE_PENALTY" and fields.get("severity") == "serious":
        if rng.random() < 0.6:
            fields["fine_wan_yuan"] = float(rng.choice((50, 100, 200, 300, 500)))
    elif kind == "SERIOUS_VIOLATION_LISTED" and rng.random() < 0.9:
        fields["ground"] = "abnormal_expired" if rng.random() < 0.6 else "serious_violation"


_BIRTH_FROM = dt.date(1955, 1, 1).toordinal()
_BIRTH_TO = dt.date(2002, 12, 31).toordinal()


def _zipf(count: int, exponent: float) -> list[float]:
    return [1 / (rank + 1) ** exponent for rank in range(count)]


def _ord(year: int, month: int, day: int) -> int:
    return dt.date(year, month, day).toordinal()


def _plus(day: int, *, years: int = 0, months: int = 0) -> int:
    return period_last_day(dt.date.fromordinal(day), years=years, months=months).toordinal()


def _recent(rng: random.Random, low: int, high: int) -> int:
    """A day in [low, high], more of them recent: enforcement grew year on year."""
    if high <= low:
        return low
    return low + int((high - low) * math.sqrt(rng.random()))


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """``total`` units in ``parts`` positive shares, the first one usually controlling."""
    if parts <= 0:
        return []
    if parts == 1:
        return [total]
    weights = [rng.expovariate(1.0) for _ in range(parts)]
    weights[0] += 1.0
    scale = total / sum(weights)
    units = [max(1, int(w * scale)) for w in weights]
    biggest = max(range(parts), key=units.__getitem__)
    units[biggest] += total - sum(units)
    return units


def _agency_name(kind: str, place: str, level: str, province: Province | None) -> str:
    if level == "national":
        return {
            "amr": "国家市场监督管理总局",
            "sasac": "国务院国有资产监督管理委员会",
            "court": "最高人民法院",
            "fin": "财政部",
            "ndrc": "国家发展和改革委员会",
            "housing": "住房和城乡建设部",
            "health": "国家卫生健康委员会",
            "education": "教育部",
        }[kind]
    provincial = level == "province"
    municipality = province is not None and province.municipality
    if kind == "court":
        if provincial:
            return f"{place}高级人民法院"
        return f"{place}人民法院" if level == "county" else f"{place}中级人民法院"
    if kind == "fin":
        return f"{place}财政厅" if provincial and not municipality else f"{place}财政局"
    if kind == "sasac":
        return f"{place}人民政府国有资产监督管理委员会"
    if kind == "housing":
        return f"{place}住房和城乡建设{'厅' if provincial and not municipality else '局'}"
    if kind == "education":
        return f"{place}教育{'厅' if provincial and not municipality else '局'}"
    names = {"amr": "市场监督管理局", "ndrc": "发展和改革委员会", "health": "卫生健康委员会"}
    return place + names[kind]


def _document(kind: str, authority: str, city: City | None, day: int, rng: random.Random) -> str:
    """A document number in the style of its issuer (粤市监处罚〔2021〕123号, (2021)粤03执123号)."""
    year = dt.date.fromordinal(day).year
    abbr = city.province.abbr if city else "国"
    short = city.name[0] if city and not city.is_district else ""
    number = rng.randint(1, 3000)
    kind_of = authority.split("-")[0].removeprefix("g:")
    if kind_of == "court":
        court = city.code[2:4] if city else "01"
        case = {
            "CRIMINAL_CONVICTION": "刑初",
            "BRIBERY_RECORD": "刑初",
            "BANKRUPTCY_LIQUIDATED": "破",
        }.get(kind, "执")
        return f"({year}){abbr}{court}{case}{number}号"
    word = {"amr": "市监处罚", "fin": "财采处", "housing": "建招罚", "ndrc": "发改信用"}.get(
        kind_of, "决"
    )
    if kind == "ABNORMAL_OPERATION_LISTED":
        word = "市监异"
    return f"{abbr}{short}{word}〔{year}〕{number}号"


def _event_line(
    event_id: str, kind: str, subject: str, day: int, authority: str, fields: dict[str, Any]
) -> str:
    parts = [
        f'{{"type":"event","id":"{event_id}","kind":"{kind}","subject":"{subject}",'
        f'"date":"{_iso(day)}"'
    ]
    if authority:
        parts.append(f',"authority":"{authority}"')
    for name, value in fields.items():
        if value is None:
            parts.append(f',"{name}":null')
        elif isinstance(value, list):
            parts.append(f',"{name}":[' + ",".join(f'"{v}"' for v in value) + "]")
        elif isinstance(value, float):  # an amount (a fine in 万元); ints are day ordinals
            parts.append(f',"{name}":{value:.0f}')
        elif isinstance(value, int):
            parts.append(f',"{name}":"{_iso(value)}"')
        else:
            parts.append(f',"{name}":"{value}"')
    parts.append("}\n")
    return "".join(parts)
