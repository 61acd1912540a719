"""The synthetic registry (creditgraph.synth): deterministic, loadable, and shaped like the real one.

A size-S registry (≈10,000 links) is generated once per module and checked the way
a data steward or a benchmark would rely on it: it loads with zero errors, every
credit code and identity number is valid, strangers share names, a nominee legal
representative fronts dozens of companies, ownership runs several levels deep and
sometimes round in a circle, and every sanction and lifting kind occurs with the
properties the schema requires.
"""

from __future__ import annotations

import io
import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from creditgraph.domain.identifiers import PROVINCE_PREFIXES, validate_resident_id, validate_uscc
from creditgraph.ingest.loader import load, read_lines
from creditgraph.schema import default_schema
from creditgraph.store.embedded import EmbeddedStore
from creditgraph.synth import HORIZON, SIZES, GenerationSummary, generate, parse_size

SEED = 20240501
ROLE_RELS = {"LEGAL_REPRESENTATIVE", "DIRECTOR", "SUPERVISOR", "MANAGER", "PRINCIPAL"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationSummary]:
    path = tmp_path_factory.mktemp("synth") / "registry-s.jsonl"
    return path, generate(path, "S", SEED)


@pytest.fixture(scope="module")
def records(generated: tuple[Path, GenerationSummary]) -> list[dict[str, Any]]:
    path, _ = generated
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def _of_type(records: list[dict[str, Any]], record_type: str) -> Iterator[dict[str, Any]]:
    return (r for r in records if r["type"] == record_type)


def test_same_seed_gives_identical_bytes_and_another_seed_a_different_registry(
    generated: tuple[Path, GenerationSummary], tmp_path: Path
) -> None:
    path, _ = generated
    again, other = tmp_path / "again.jsonl", tmp_path / "other.jsonl"
    generate(again, "S", SEED)
    generate(other, "S", SEED + 1)
    assert again.read_bytes() == path.read_bytes()
    assert other.read_bytes() != path.read_bytes()


def test_a_stream_receives_the_same_bytes_as_a_file(
    generated: tuple[Path, GenerationSummary],
) -> None:
    path, summary = generated
    stream = io.StringIO()
    streamed = generate(stream, "S", SEED)
    assert stream.getvalue().encode("utf-8") == path.read_bytes()
    assert streamed.path is None and summary.path == str(path)
    assert streamed.bytes == summary.bytes == path.stat().st_size


def test_size_s_is_about_ten_thousand_links_and_summary_counts_match_the_file(
    generated: tuple[Path, GenerationSummary], records: list[dict[str, Any]]
) -> None:
    _, summary = generated
    assert 9_000 <= summary.total_links <= 11_500
    assert summary.links == dict(Counter(r["rel"] for r in _of_type(records, "link")))
    assert summary.events == dict(Counter(r["kind"] for r in _of_type(records, "event")))
    assert summary.nodes == dict(
        Counter(r["type"] for r in records if r["type"] not in ("link", "event"))
    )
    assert summary.records == len(records)


def test_sizes_are_named_or_numbers_of_links() -> None:
    assert parse_size("s") == ("S", SIZES["S"])
    assert parse_size("M") == ("M", 1_000_000)
    assert parse_size("L") == ("L", 10_000_000)
    assert parse_size(2500) == ("2500", 2500)
    assert parse_size("2500") == ("2500", 2500)
    for bad in ("XL", "0", -5, "1e6"):
        with pytest.raises(ValueError):
            parse_size(bad)


def test_generated_registry_loads_with_zero_errors(
    generated: tuple[Path, GenerationSummary], tmp_path: Path
) -> None:
    path, summary = generated
    store = EmbeddedStore(tmp_path / "store.db", default_schema(), id_key="test-key")
    try:
        result = load(read_lines([str(path)]), store)
        assert [str(e) for e in result.errors[:5]] == []
        assert result.written
        stats = store.stats(HORIZON)
        assert stats["nodes"] == summary.nodes
        assert stats["links"] == summary.links
        assert stats["events"] == summary.events
        assert sum(stats["restrictions"].values()) > 0
        assert stats["restrictions"].get("VOID", 0) > 0  # upheld objections void what they lift
    finally:
        store.close()


def test_records_come_in_load_order_nodes_links_sanctions_lifts(
    records: list[dict[str, Any]],
) -> None:
    lifting = default_schema().lifting_kinds()
    phase = {"enterprise": 0, "agency": 0, "person": 0, "link": 1}
    order = [phase.get(r["type"], 3 if r.get("kind") in lifting else 2) for r in records]
    assert order == sorted(order)


def test_every_credit_code_and_identity_number_is_valid(records: list[dict[str, Any]]) -> None:
    enterprises = list(_of_type(records, "enterprise"))
    for e in enterprises:
        assert validate_uscc(e["id"]) == e["id"]
    assert len({e["id"] for e in enterprises}) == len(enterprises)
    # market entities registered by market regulation (9) as companies, individual businesses, cooperatives
    prefixes = Counter(e["id"][:2] for e in enterprises)
    assert prefixes["91"] > prefixes["92"] > prefixes["93"] > 0
    persons = list(_of_type(records, "person"))
    numbered = [p["id_number"] for p in persons if "id_number" in p]
    for number in numbered:
        assert validate_resident_id(number, today=HORIZON) == number
        assert number[:2] in PROVINCE_PREFIXES - {"10"}
    assert 0.4 < len(numbered) / len(persons) < 0.6
    assert all(p["id"].startswith("p:") for p in persons)


def test_registrations_follow_economic_weight(records: list[dict[str, Any]]) -> None:
    provinces = Counter(e["id"][2:4] for e in _of_type(records, "enterprise"))
    top = [prefix for prefix, _ in provinces.most_common(6)]
    assert top[0] == "44"  # Guangdong
    assert {"32", "33", "37"} <= set(top)  # Jiangsu, Zhejiang, Shandong
    kinds = Counter(e["kind"] for e in _of_type(records, "enterprise"))
    assert kinds.most_common(1)[0][0] == "company"
    assert {"soe", "individual_business", "public_institution"} <= set(kinds)


def test_many_different_people_share_a_name(records: list[dict[str, Any]]) -> None:
    names = Counter(p["name"] for p in _of_type(records, "person"))
    shared = {name: n for name, n in names.items() if n > 1}
    assert len(shared) >= 100
    assert max(shared.values()) >= 5
    surnames = Counter(name[0] for name in names.elements())
    assert {s for s, _ in surnames.most_common(5)} >= {"王", "李", "张"}


def test_most_people_hold_one_office_and_a_nominee_fronts_fifty_companies(
    records: list[dict[str, Any]],
) -> None:
    enterprises_of: dict[str, set[str]] = defaultdict(set)
    legal_rep_terms: Counter[str] = Counter()
    for r in _of_type(records, "link"):
        if r["rel"] in ROLE_RELS:
            enterprises_of[r["from"]].add(r["to"])
        if r["rel"] == "LEGAL_REPRESENTATIVE":
            legal_rep_terms[r["from"]] += 1
    per_person = Counter(len(e) for e in enterprises_of.values())
    assert per_person[1] > 0.5 * len(enterprises_of)
    assert legal_rep_terms.most_common(1)[0][1] >= 50


def test_shares_sum_to_at_most_one_and_ownership_runs_deep_with_cycles(
    records: list[dict[str, Any]],
) -> None:
    total: dict[str, float] = defaultdict(float)
    owners: dict[str, set[str]] = defaultdict(set)
    for r in _of_type(records, "link"):
        if r["rel"] == "SHAREHOLDER":
            assert 0 < r["share"] <= 1
            total[r["to"]] += r["share"]
            if not r["from"].startswith(("p:", "g:")):
                owners[r["to"]].add(r["from"])
    assert max(total.values()) <= 1 + 1e-9

    def levels(node: str, seen: frozenset[str]) -> int:
        return max((1 + levels(o, seen | {o}) for o in owners[node] if o not in seen), default=0)

    assert max(levels(e, frozenset({e})) for e in list(owners)) >= 3

    def on_cycle(start: str) -> bool:
        stack, seen = list(owners[start]), set()
        while stack:
            node = stack.pop()
            if node == start:
                return True
            if node not in seen:
                seen.add(node)
                stack.extend(owners[node])
        return False

    assert any(on_cycle(e) for e in list(owners))


def test_links_start_after_establishment_and_some_legal_reps_were_replaced(
    records: list[dict[str, Any]],
) -> None:
    established = {e["id"]: e["established"] for e in _of_type(records, "enterprise")}
    replaced = 0
    for r in _of_type(records, "link"):
        if r["to"] in established and r["valid_from"] is not None:
            assert r["valid_from"] >= established[r["to"]], r
        if r.get("valid_to"):
            assert r["valid_to"] >= (r["valid_from"] or "")
            replaced += r["rel"] == "LEGAL_REPRESENTATIVE"
    assert replaced >= 50
    rels = Counter(r["rel"] for r in _of_type(records, "link"))
    # identity links are made by resolution, never delivered
    schema = default_schema()
    assert set(rels) == set(schema.links) - {"SUPERVISED_BY"} - schema.derived_rels()


def test_relatives_of_officials_hold_shares_in_enterprises_their_agency_supervises(
    records: list[dict[str, Any]],
) -> None:
    links = list(_of_type(records, "link"))
    agency_of = {r["from"]: r["to"] for r in links if r["rel"] == "OFFICIAL_OF"}
    relatives: dict[str, set[str]] = defaultdict(set)
    for r in links:
        if r["rel"] == "RELATIVE_OF":
            relatives[r["from"]].add(r["to"])
            relatives[r["to"]].add(r["from"])
    supervised = {(r["from"], r["to"]) for r in links if r["rel"] == "SUPERVISES"}
    conflicts = [
        (official, r["from"], r["to"])
        for r in links
        if r["rel"] == "SHAREHOLDER"
        for official in relatives[r["from"]]
        if official in agency_of
        if (agency_of[official], r["to"]) in supervised
    ]
    assert len(conflicts) >= 2


def test_events_of_every_kind_with_their_required_properties(records: list[dict[str, Any]]) -> None:
    schema = default_schema()
    node_type = {
        r["id"]: r["type"] for r in records if r["type"] in ("enterprise", "person", "agency")
    }
    events = {e["id"]: e for e in _of_type(records, "event")}
    # a steward's identity judgement is not registry data
    assert set(Counter(e["kind"] for e in events.values())) == set(schema.events) - {
        "IDENTITY_JUDGED"
    }
    horizon = HORIZON.isoformat()
    for e in events.values():
        kind = schema.events[e["kind"]]
        assert node_type[e["subject"]] in kind.subject_types, e
        assert "2010-01-01" <= e["date"] <= horizon
        for spec in kind.properties.values():
            if spec.required:
                assert e.get(spec.name) is not None, (e, spec.name)
        for name in ("until", "sentence_end", "probation_end"):
            if name in e:
                assert e[name] >= e["date"]
        if kind.lifting:
            lifted = events[e["lifts"]]
            assert lifted["subject"] == e["subject"]
            assert lifted["date"] < e["date"]
            # an objection's rejection answers the objection; every other lift lifts a sanction
            expected = "flag" if kind.lifting == "close" else None
            assert schema.events[lifted["kind"]].lifting == expected
    severities = Counter(
        e["severity"] for e in events.values() if e["kind"] == "ADMINISTRATIVE_PENALTY"
    )
    assert set(severities) == {"minor", "general", "serious"}


def test_responsibility_is_sometimes_named_and_sometimes_unknown(
    records: list[dict[str, Any]],
) -> None:
    legal_reps: dict[str, list[tuple[str, str, str | None]]] = defaultdict(list)
    for r in _of_type(records, "link"):
        if r["rel"] in ("LEGAL_REPRESENTATIVE", "PRINCIPAL"):
            legal_reps[r["to"]].append((r["from"], r["valid_from"], r.get("valid_to")))
    revocations = [e for e in _of_type(records, "event") if e["kind"] == "LICENSE_REVOKED"]
    named = [e for e in revocations if e.get("responsible")]
    assert named and len(named) < len(revocations)
    for e in named:
        # the decision names the legal representative in office on the revocation day
        (person,) = e["responsible"]
        assert any(
            p == person and start <= e["date"] and (end is None or e["date"] <= end)
            for p, start, end in legal_reps[e["subject"]]
        )
