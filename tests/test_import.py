"""What a data steward sees when a file does not meet the contract (CONTRACT.md,
"Import records"): every bad record is named ``file:line: field: reason``, the exit
code is 2 and nothing at all is imported — and the references the contract allows
(forward in the same load, or to what an earlier load stored) are accepted.

Every case runs on both stores (``any_store``): ``creditgraph load --store`` names the
embedded store's file or the Neo4j server, and on Neo4j each command must also print
exactly what the embedded store prints (support/store_cli.py) — the same error lines,
counts and stats."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from creditgraph.store.base import GraphStore
from helpers_import import (
    EMPTY_STATS,
    ID_NUMBER_A,
    USCC_A,
    agency,
    enterprise,
    event,
    link,
    load_counts,
    person,
    record_errors,
    uscc,
    write_jsonl,
)
from support.store_cli import StoreCli

USCC_B = uscc("上海另一有限公司")

# A clean file in the shape of the contract example; a bad record is appended as line 10.
BASE: list[dict[str, Any]] = [
    enterprise(
        USCC_A, "上海某某贸易有限公司", status="active", kind="company", established="2015-03-02"
    ),
    enterprise(USCC_B, "上海另一有限公司"),
    person("p:zhang-san-1", "张三", id_number=ID_NUMBER_A),
    agency("g:sh-amr", "上海市市场监督管理局", level="province"),
    link("LEGAL_REPRESENTATIVE", "p:zhang-san-1", USCC_A, "2016-01-01", valid_to=None),
    link("SHAREHOLDER", "p:zhang-san-1", USCC_A, "2016-01-01", share=0.6),
    event(
        "ev:1",
        "LICENSE_REVOKED",
        USCC_A,
        "2021-06-30",
        authority="g:sh-amr",
        document="沪市监案〔2021〕123号",
        responsible=["p:zhang-san-1"],
    ),
    event(
        "ev:2",
        "ADMINISTRATIVE_PENALTY",
        USCC_A,
        "2020-03-02",
        severity="general",
        authority="g:sh-amr",
    ),
    event("ev:3", "OBJECTION_UPHELD", USCC_A, "2020-05-06", lifts="ev:2"),
]
BAD_LINE = len(BASE) + 1


@pytest.fixture
def store_cli(any_store: GraphStore, request: pytest.FixtureRequest, tmp_path: Path) -> StoreCli:
    return StoreCli.of(any_store, request, tmp_path)


BAD_RECORDS = [
    pytest.param(
        '{"type": "person", "id": "p:li-si", ', "json", "not valid JSON", id="malformed-json"
    ),
    pytest.param(
        '["person", "p:li-si", "李四"]',
        "type",
        "a record must be a JSON object, got list",
        id="array-instead-of-object",
    ),
    pytest.param(
        '"p:li-si"', "type", "a record must be a JSON object, got str", id="bare-string-line"
    ),
    pytest.param(
        person("p:li-si", 123), "name", "must be a string, got int", id="name-is-a-number"
    ),
    pytest.param(person("p:li-si", ""), "name", "must not be empty", id="empty-name"),
    pytest.param(person("p:li-si", "   "), "name", "must not be empty", id="name-of-spaces"),
    pytest.param(person(" ", "李四"), "id", "must not be empty", id="id-of-a-space"),
    pytest.param({"type": "person", "id": "p:li-si"}, "name", "is required", id="missing-name"),
    pytest.param(
        link("DIRECTOR", "p:zhang-san-1", USCC_B, 20160101),
        "valid_from",
        "must be a date string YYYY-MM-DD, got int",
        id="date-is-a-number",
    ),
    pytest.param(
        event("ev:9", "BIDDING_BANNED", USCC_B, "9999-12-31", until="9999-12-31"),
        "date",
        "9999-12-31 is outside the plausible range 1900-01-01..2199-12-31",
        id="sanction-dated-at-the-calendars-end",
    ),
    pytest.param(
        event("ev:9", "CREDIT_REPAIRED", USCC_A, "0001-01-01", lifts="ev:2"),
        "date",
        "0001-01-01 is outside the plausible range",
        id="repair-dated-at-the-calendars-start",
    ),
    pytest.param(
        event("ev:9", "PROCUREMENT_BANNED", USCC_B, "2021-01-01", until="9999-12-31"),
        "until",
        "9999-12-31 is outside the plausible range",
        id="ban-until-the-calendars-end",
    ),
    pytest.param(
        link("DIRECTOR", "p:zhang-san-1", USCC_B, "2016-01-01", valid_to="9999-12-31"),
        "valid_to",
        "9999-12-31 is outside the plausible range",
        id="link-held-until-the-calendars-end",
    ),
    pytest.param(
        link("DIRECTOR", "p:zhang-san-1", USCC_B, "2016/01/01"),
        "valid_from",
        "'2016/01/01' is not a date in the form YYYY-MM-DD",
        id="date-with-slashes",
    ),
    pytest.param(
        link("DIRECTOR", "p:zhang-san-1", USCC_B, "2021-02-29"),
        "valid_from",
        "'2021-02-29' is not a date",
        id="date-29-february-non-leap-year",
    ),
    pytest.param(
        {"type": "company", "id": "e:x", "name": "某公司"},
        "type",
        "'company' is not one of enterprise, person, agency, link, event",
        id="unknown-record-type",
    ),
    pytest.param(
        link("BOSS_OF", "p:zhang-san-1", USCC_B),
        "rel",
        "'BOSS_OF' is not a link kind",
        id="unknown-rel",
    ),
    pytest.param(
        event("ev:9", "SPEEDING", USCC_A, "2021-01-01"),
        "kind",
        "'SPEEDING' is not an event kind",
        id="unknown-event-kind",
    ),
    pytest.param(
        enterprise(USCC_B, "某公司", status="dormant"),
        "status",
        "'dormant' is not one of active, revoked, closed, cancelled, bankrupt",
        id="unknown-enterprise-status",
    ),
    pytest.param(
        person("p:li-si", "李四", nickname="小李"), "nickname", "unknown field", id="unknown-field"
    ),
    pytest.param(
        enterprise(USCC_A[:17] + "A", "某公司"),
        "id",
        f"check character should be {USCC_A[17]}, got A",
        id="uscc-wrong-check",
    ),
    pytest.param(
        enterprise("91310000MA1FL5LX4", "某公司"),
        "id",
        "has 18 characters, got 17",
        id="uscc-too-short",
    ),
    pytest.param(
        person("p:li-si", "李四", id_number=ID_NUMBER_A[:17] + "1"),
        "id_number",
        "check character should be X, got 1",
        id="id-number-wrong-check",
    ),
    pytest.param(
        person("p:li-si", "李四", id_number="11010519490229002X"),
        "id_number",
        "'19490229' are not a calendar date",
        id="id-number-born-29-february-1949",
    ),
    pytest.param(
        person(ID_NUMBER_A, "李四"),
        "id",
        "looks like a resident identity number",
        id="identity-number-used-as-person-id",
    ),
    pytest.param(
        link("DIRECTOR", "p:zhang-san-1", USCC_B, "2016-01-01", valid_to="2015-12-31"),
        "valid_to",
        "2015-12-31 is before valid_from 2016-01-01",
        id="valid-to-before-valid-from",
    ),
    pytest.param(
        link("SHAREHOLDER", "p:zhang-san-1", USCC_B, share=0),
        "share",
        "0 is outside (0, 1]",
        id="share-zero",
    ),
    pytest.param(
        link("SHAREHOLDER", "p:zhang-san-1", USCC_B, share=1.5),
        "share",
        "1.5 is outside (0, 1]",
        id="share-above-one",
    ),
    pytest.param(
        link("SHAREHOLDER", "p:zhang-san-1", USCC_B, share=-0.1),
        "share",
        "-0.1 is outside (0, 1]",
        id="share-negative",
    ),
    pytest.param(
        link("SHAREHOLDER", "p:zhang-san-1", USCC_B, share="0.6"),
        "share",
        "must be a number, got str",
        id="share-as-string",
    ),
    pytest.param(
        link("DIRECTOR", "p:zhang-san-1", "p:zhang-san-1"),
        "to",
        "cannot join 'p:zhang-san-1' to itself",
        id="link-to-itself",
    ),
    pytest.param(
        link("LEGAL_REPRESENTATIVE", USCC_B, USCC_A),
        "from",
        f"'{USCC_B}' is an enterprise; LEGAL_REPRESENTATIVE needs person here",
        id="legal-representative-from-enterprise",
    ),
    pytest.param(
        link("DIRECTOR", "p:zhang-san-1", "g:sh-amr"),
        "to",
        "DIRECTOR needs enterprise here",
        id="director-of-an-agency",
    ),
    pytest.param(
        link("DIRECTOR", "p:zhang-san-1", "e:nowhere"),
        "to",
        "unknown id 'e:nowhere': not defined in this load nor in the store",
        id="link-to-unknown-id",
    ),
    pytest.param(
        event("ev:9", "LICENSE_REVOKED", USCC_A, "2021-07-01", responsible=["p:wang-wu"]),
        "responsible",
        "unknown id 'p:wang-wu'",
        id="responsible-person-unknown",
    ),
    pytest.param(
        event("ev:9", "LICENSE_REVOKED", USCC_A, "2021-07-01", authority="p:zhang-san-1"),
        "authority",
        "needs agency here",
        id="authority-is-a-person",
    ),
    pytest.param(
        event("ev:9", "CRIMINAL_CONVICTION", USCC_A, "2021-07-01", sentence_end="2023-07-01"),
        "subject",
        "CRIMINAL_CONVICTION needs person here",
        id="criminal-conviction-of-an-enterprise",
    ),
    pytest.param(
        event("ev:9", "PROCUREMENT_BANNED", USCC_A, "2021-07-01"),
        "until",
        "is required",
        id="procurement-ban-without-until",
    ),
    pytest.param(
        event("ev:9", "PROCUREMENT_BANNED", USCC_A, "2021-07-01", until="2021-06-30"),
        "until",
        "2021-06-30 is before the event date 2021-07-01",
        id="procurement-ban-ending-before-it-starts",
    ),
    pytest.param(
        event("ev:9", "CREDIT_REPAIRED", USCC_A, "2022-01-01"),
        "lifts",
        "a CREDIT_REPAIRED event must name the event it lifts",
        id="lifting-event-without-lifts",
    ),
    pytest.param(
        event("ev:9", "LICENSE_REVOKED", USCC_A, "2022-01-01", lifts="ev:2"),
        "lifts",
        "a LICENSE_REVOKED event does not lift anything",
        id="lifts-on-a-sanction",
    ),
    pytest.param(
        event("ev:9", "DELISTED", USCC_B, "2022-01-01", lifts="ev:2"),
        "subject",
        f"ev:9 lifts ev:2, which is on '{USCC_A}', not '{USCC_B}'",
        id="lifting-an-event-on-another-subject",
    ),
    pytest.param(
        event("ev:9", "DELISTED", USCC_A, "2022-01-01", lifts="p:zhang-san-1"),
        "lifts",
        "'p:zhang-san-1' is a person",
        id="lifting-a-person",
    ),
    pytest.param(
        person("p:zhang-san-1", "张叁"),
        "id",
        "conflicts with the record at {file}:3 (same id or link key, different content)",
        id="duplicate-person-id-different-name",
    ),
    pytest.param(
        event(USCC_B, "LICENSE_REVOKED", USCC_B, "2021-07-30"),
        "id",
        f"'{USCC_B}' is already the id of an enterprise at {{file}}:2",
        id="event-reusing-an-enterprise-id",
    ),
    pytest.param(
        event("ev:1", "LICENSE_REVOKED", USCC_A, "2021-07-30"),
        "id",
        "conflicts with the record at {file}:7",
        id="duplicate-event-id-different-date",
    ),
    pytest.param(
        link("LEGAL_REPRESENTATIVE", "p:zhang-san-1", USCC_A, "2016-01-01", valid_to="2020-01-01"),
        "valid_from",
        "conflicts with the record at {file}:5",
        id="same-link-twice-with-different-end",
    ),
]


@pytest.mark.parametrize(("bad", "field", "reason"), BAD_RECORDS)
def test_bad_record_is_named_by_file_line_and_field_and_nothing_is_imported(
    tmp_path: Path, store_cli: StoreCli, bad: dict[str, Any] | str, field: str, reason: str
) -> None:
    data = write_jsonl(tmp_path / "records.jsonl", [*BASE, bad])

    result = store_cli.load(data)

    assert result.exit_code == 2, result.output
    errors = record_errors(result)
    assert [(f, line, fld) for f, line, fld, _ in errors] == [(str(data), BAD_LINE, field)], (
        result.stderr
    )
    assert reason.format(file=data) in errors[0][3]
    assert "1 invalid record(s): nothing was imported" in result.stderr
    assert store_cli.stats() == EMPTY_STATS


def test_name_that_is_not_unicode_text_is_rejected_at_its_line(
    tmp_path: Path, store_cli: StoreCli
) -> None:
    # JSON can spell a lone surrogate (\ud800), which no database or terminal can hold
    data = write_jsonl(
        tmp_path / "records.jsonl",
        [
            *BASE,
            '{"type": "person", "id": "p:li-si", "name": "\\ud800"}',
        ],
    )

    result = store_cli.load(data)

    assert result.exit_code == 2, result.output
    errors = record_errors(result)
    assert [(f, line) for f, line, _, _ in errors] == [(str(data), BAD_LINE)]
    assert errors[0][2] in {"json", "name"}
    assert store_cli.stats() == EMPTY_STATS


def test_the_clean_base_file_itself_loads(tmp_path: Path, store_cli: StoreCli) -> None:
    # guards the table above: each case fails because of its own line, not the base
    result = store_cli.load(write_jsonl(tmp_path / "records.jsonl", BASE))
    assert result.exit_code == 0, result.output
    assert store_cli.stats()["nodes"] == {"enterprise": 2, "person": 1, "agency": 1}


def test_every_bad_record_gets_its_own_message_in_line_order(
    tmp_path: Path, store_cli: StoreCli
) -> None:
    data = write_jsonl(
        tmp_path / "records.jsonl",
        [
            enterprise(USCC_A),
            person("p:li-si", "李四", id_number=ID_NUMBER_A[:17] + "1"),  # line 2
            "not json at all",  # line 3
            person("p:wang-wu", "王五"),
            link("SHAREHOLDER", "p:wang-wu", USCC_A, share=1.5),  # line 5
            link("DIRECTOR", "p:wang-wu", "e:nowhere"),  # line 6
            link("MANAGER", "p:wang-wu", USCC_A, "2020-01-01", valid_to="2019-01-01"),  # line 7
        ],
    )

    result = store_cli.load(data)

    assert result.exit_code == 2
    assert [(line, field) for _, line, field, _ in record_errors(result)] == [
        (2, "id_number"),
        (3, "json"),
        (5, "share"),
        (6, "to"),
        (7, "valid_to"),
    ]
    assert "5 invalid record(s): nothing was imported" in result.stderr
    assert store_cli.stats() == EMPTY_STATS


def test_a_bad_record_in_the_second_file_keeps_the_first_file_out_too(
    tmp_path: Path, store_cli: StoreCli
) -> None:
    first = write_jsonl(tmp_path / "enterprises.jsonl", [enterprise(USCC_A), enterprise(USCC_B)])
    second = write_jsonl(
        tmp_path / "people.jsonl",
        [
            person("p:zhang-san-1", "张三"),
            link("DIRECTOR", "p:zhang-san-1", USCC_A),
            link("DIRECTOR", "p:zhang-san-1", "e:nowhere"),
        ],
    )

    result = store_cli.load(first, second)

    assert result.exit_code == 2
    assert [(f, line, field) for f, line, field, _ in record_errors(result)] == [
        (str(second), 3, "to")
    ]
    assert store_cli.stats() == EMPTY_STATS


# references the contract accepts ------------------------------------------------------------
def test_link_may_come_before_the_nodes_it_joins_in_the_same_load(
    tmp_path: Path, store_cli: StoreCli
) -> None:
    data = write_jsonl(
        tmp_path / "records.jsonl",
        [
            link("LEGAL_REPRESENTATIVE", "p:zhang-san-1", USCC_A, "2016-01-01"),
            event("ev:3", "OBJECTION_UPHELD", USCC_A, "2020-05-06", lifts="ev:2"),
            event("ev:2", "ADMINISTRATIVE_PENALTY", USCC_A, "2020-03-02", severity="general"),
            person("p:zhang-san-1", "张三"),
            enterprise(USCC_A),
        ],
    )

    result = store_cli.load(data)

    assert result.exit_code == 0, result.output
    counts = store_cli.stats()
    assert counts["links"] == {"LEGAL_REPRESENTATIVE": 1}
    assert counts["events"] == {"ADMINISTRATIVE_PENALTY": 1, "OBJECTION_UPHELD": 1}


def test_link_to_nodes_stored_by_an_earlier_load_is_accepted(
    tmp_path: Path, store_cli: StoreCli
) -> None:
    nodes = write_jsonl(tmp_path / "nodes.jsonl", [enterprise(USCC_A), person("p:zhang-san-1")])
    links = write_jsonl(
        tmp_path / "links.jsonl",
        [
            link("DIRECTOR", "p:zhang-san-1", USCC_A, "2019-01-01"),
            event("ev:1", "LICENSE_REVOKED", USCC_A, "2021-06-30", responsible=["p:zhang-san-1"]),
        ],
    )

    assert store_cli.load(nodes).exit_code == 0
    result = store_cli.load(links)

    assert result.exit_code == 0, result.output
    assert store_cli.stats()["links"] == {"DIRECTOR": 1}


def test_lifting_an_event_stored_by_an_earlier_load_is_checked_against_its_subject(
    tmp_path: Path, store_cli: StoreCli
) -> None:
    first = write_jsonl(
        tmp_path / "first.jsonl",
        [
            enterprise(USCC_A),
            enterprise(USCC_B),
            event("ev:2", "ADMINISTRATIVE_PENALTY", USCC_A, "2020-03-02", severity="general"),
        ],
    )
    assert store_cli.load(first).exit_code == 0

    wrong = write_jsonl(
        tmp_path / "wrong.jsonl",
        [
            event("ev:3", "OBJECTION_UPHELD", USCC_B, "2020-05-06", lifts="ev:2"),
        ],
    )
    result = store_cli.load(wrong)
    assert result.exit_code == 2
    assert [(line, field) for _, line, field, _ in record_errors(result)] == [(1, "subject")]

    right = write_jsonl(
        tmp_path / "right.jsonl",
        [
            event("ev:3", "OBJECTION_UPHELD", USCC_A, "2020-05-06", lifts="ev:2"),
        ],
    )
    assert store_cli.load(right).exit_code == 0
    assert store_cli.stats()["events"] == {"ADMINISTRATIVE_PENALTY": 1, "OBJECTION_UPHELD": 1}


def test_link_to_a_stored_node_of_the_wrong_kind_is_rejected(
    tmp_path: Path, store_cli: StoreCli
) -> None:
    nodes = write_jsonl(tmp_path / "n.jsonl", [enterprise(USCC_A), enterprise(USCC_B)])
    assert store_cli.load(nodes).exit_code == 0
    data = write_jsonl(tmp_path / "l.jsonl", [link("LEGAL_REPRESENTATIVE", USCC_B, USCC_A)])

    result = store_cli.load(data)

    assert result.exit_code == 2
    errors = record_errors(result)
    assert [(line, field) for _, line, field, _ in errors] == [(1, "from")]
    assert "LEGAL_REPRESENTATIVE needs person" in errors[0][3]
    assert store_cli.stats()["links"] == {}


def test_reusing_a_stored_enterprise_id_for_a_person_is_rejected(
    tmp_path: Path, store_cli: StoreCli
) -> None:
    assert store_cli.load(write_jsonl(tmp_path / "n.jsonl", [enterprise("e:acme")])).exit_code == 0

    result = store_cli.load(write_jsonl(tmp_path / "p.jsonl", [person("e:acme", "张三")]))

    assert result.exit_code == 2
    errors = record_errors(result)
    assert [(line, field) for _, line, field, _ in errors] == [(1, "id")]
    assert errors[0][3] == "'e:acme' is already an enterprise in the store"
    assert store_cli.stats()["nodes"] == {"enterprise": 1}


def test_the_same_record_twice_in_one_load_is_imported_once(
    tmp_path: Path, store_cli: StoreCli
) -> None:
    record = link("DIRECTOR", "p:zhang-san-1", USCC_A, "2019-01-01")
    data = write_jsonl(
        tmp_path / "records.jsonl",
        [
            enterprise(USCC_A),
            person("p:zhang-san-1"),
            record,
            dict(record),
            enterprise(USCC_A),
        ],
    )

    result = store_cli.load(data)

    assert result.exit_code == 0, result.output
    counts = store_cli.stats()
    assert counts["links"] == {"DIRECTOR": 1}
    assert counts["nodes"] == {"enterprise": 1, "person": 1}


def test_enterprise_without_a_code_uses_a_prefixed_id(tmp_path: Path, store_cli: StoreCli) -> None:
    data = write_jsonl(tmp_path / "records.jsonl", [enterprise("e:hk-123", "香港某某有限公司")])
    assert store_cli.load(data).exit_code == 0
    assert store_cli.stats()["nodes"] == {"enterprise": 1}


def test_a_load_with_only_blank_lines_imports_nothing_and_succeeds(
    tmp_path: Path, store_cli: StoreCli
) -> None:
    data = tmp_path / "empty.jsonl"
    data.write_text("\n  \n\n", encoding="utf-8")
    result = store_cli.load(data)
    assert result.exit_code == 0, result.output
    assert store_cli.stats() == EMPTY_STATS


def test_error_lines_count_blank_lines_too(tmp_path: Path, store_cli: StoreCli) -> None:
    data = tmp_path / "records.jsonl"
    data.write_text(
        json.dumps(enterprise(USCC_A))
        + "\n\n\n"
        + json.dumps(link("DIRECTOR", "p:x", USCC_A))
        + "\n",
        encoding="utf-8",
    )
    result = store_cli.load(data)
    assert result.exit_code == 2
    assert [(line, field) for _, line, field, _ in record_errors(result)] == [(4, "from")]


def test_references_to_what_the_store_holds_are_checked_like_references_in_the_load(
    tmp_path: Path, store_cli: StoreCli
) -> None:
    # the store is asked what each id is (node_types) and what a lifted event is on (event)
    stored = [*BASE, agency("g:sh-tax", "上海市税务局")]
    assert store_cli.load(write_jsonl(tmp_path / "base.jsonl", stored)).exit_code == 0
    before = store_cli.stats()
    data = write_jsonl(
        tmp_path / "later.jsonl",
        [
            link("DIRECTOR", "p:zhang-san-1", USCC_B, "2019-01-01"),  # fine
            link("DIRECTOR", "p:zhang-san-1", "g:sh-amr"),  # 2
            link("SHAREHOLDER", "ev:1", USCC_B, share=0.5),  # 3
            person("ev:3", "某人"),  # 4
            event("g:sh-tax", "LICENSE_REVOKED", USCC_B, "2022-01-01"),  # 5
            event("ev:9", "LICENSE_REVOKED", USCC_B, "2022-01-01", responsible=[USCC_A]),  # 6
            event(
                "ev:10", "CRIMINAL_CONVICTION", "g:sh-amr", "2022-01-01", sentence_end="2024-01-01"
            ),  # 7
            event("ev:11", "OBJECTION_UPHELD", USCC_B, "2022-01-01", lifts="ev:2"),  # 8
            event("ev:12", "DELISTED", USCC_A, "2022-01-01", lifts="p:zhang-san-1"),  # 9
            event("ev:13", "CREDIT_REPAIRED", USCC_A, "2022-01-01", lifts="ev:1"),  # fine
            event("ev:14", "CREDIT_REPAIRED", USCC_A, "2022-01-01", lifts="ev:nowhere"),  # 11
        ],
    )

    result = store_cli.load(data)

    assert result.exit_code == 2, result.output
    assert [(line, field, reason) for _, line, field, reason in record_errors(result)] == [
        (2, "to", "'g:sh-amr' is an agency; DIRECTOR needs enterprise here"),
        (3, "from", "'ev:1' is an event; SHAREHOLDER needs agency or enterprise or person here"),
        (4, "id", "'ev:3' is already an event in the store"),
        (5, "id", "'g:sh-tax' is already an agency in the store"),
        (6, "responsible", f"'{USCC_A}' is an enterprise; LICENSE_REVOKED needs person here"),
        (7, "subject", "'g:sh-amr' is an agency; CRIMINAL_CONVICTION needs person here"),
        (8, "subject", f"ev:11 lifts ev:2, which is on '{USCC_A}', not '{USCC_B}'"),
        (9, "lifts", "'p:zhang-san-1' is a person; DELISTED needs event here"),
        (11, "lifts", "unknown id 'ev:nowhere': not defined in this load nor in the store"),
    ]
    assert store_cli.stats() == before

    partial = store_cli.load(data, options=["--skip-invalid"])

    assert partial.exit_code == 0, partial.output
    assert load_counts(partial.stdout) == {"event": (1, 0, 0), "link": (1, 0, 0)}
    after = store_cli.stats()
    assert after["links"] == {**before["links"], "DIRECTOR": 1}
    assert after["events"] == {**before["events"], "CREDIT_REPAIRED": 1}
