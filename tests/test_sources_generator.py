"""`creditgraph generate --sources`: the published lists about a synthetic registry, with the
truth the matching benchmark scores against."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

from creditgraph.identity.masks import compatible, identity_rules
from creditgraph.synth.sources import FULL, STRANGER
from helpers_import import cli

ENV = {"CREDITGRAPH_ID_KEY": "generator-test-key"}


def generated(tmp_path: Path) -> tuple[Path, Path]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    registry, lists = tmp_path / "registry.jsonl", tmp_path / "lists"
    result = cli("generate", registry, "--size", "3000", "--seed", "3", "--sources", lists)
    assert result.exit_code == 0, result.output
    return registry, lists


def test_lists_show_every_masking_pattern_and_same_name_strangers(tmp_path: Path) -> None:
    registry, lists = generated(tmp_path)
    records = [json.loads(line) for line in registry.read_text(encoding="utf-8").splitlines()]
    numbers = {
        r["id"]: r["id_number"] for r in records if r["type"] == "person" and "id_number" in r
    }
    by_name: dict[str, list[str]] = {}
    for r in records:
        if r["type"] == "person" and "id_number" in r:
            by_name.setdefault(r["name"], []).append(r["id_number"])
    with (lists / "truth.csv").open(encoding="utf-8", newline="") as handle:
        truth = list(csv.DictReader(handle))
    court = list(csv.reader((lists / "court-dishonest.csv").read_text("gb18030").splitlines()))
    patterns = Counter(t["pattern"] for t in truth if t["source"] == "court-dishonest")
    assert {p.name for p in identity_rules().patterns} | {FULL} <= set(patterns)
    strangers = 0
    for t in truth:
        if t["source"] != "court-dishonest" or t["party"] != "person":
            continue
        name, shown = court[int(t["row"]) - 1][:2]
        if t["truth"] == STRANGER:
            strangers += 1
            # a stranger's number is compatible with no registry person of that name
            assert not any(compatible(n, shown) for n in by_name.get(name, []))
        elif t["pattern"] == FULL:
            assert shown == numbers[t["truth"]]
        else:
            assert compatible(numbers[t["truth"]], shown) and "*" in shown
    assert strangers > 0


def test_same_seed_gives_the_same_lists(tmp_path: Path) -> None:
    _, first = generated(tmp_path / "a")
    _, second = generated(tmp_path / "b")
    for path in sorted(first.iterdir()):
        if path.suffix == ".csv":
            assert path.read_bytes() == (second / path.name).read_bytes(), path.name


def test_generated_lists_load_without_errors(tmp_path: Path) -> None:
    registry, lists = generated(tmp_path)
    store = tmp_path / "s.db"
    assert cli("load", registry, "--store", store, env=ENV).exit_code == 0
    for source, name in (
        ("court-dishonest", "court-dishonest.csv"),
        ("consumption-restriction", "consumption-restriction.csv"),
        ("penalty", "penalty.xlsx"),
        ("gsxt-lists", "gsxt-lists.csv"),
        ("registry", "registry.csv"),
    ):
        result = cli("load", lists / name, "--source", source, "--store", store, env=ENV)
        assert result.exit_code == 0, (source, result.output[-2000:])
