"""graph_schema/ is the single source of truth: the code and the schema must agree."""

from __future__ import annotations

from creditgraph.domain.model import Certainty, Status, Verdict
from creditgraph.ingest.records import NODE_TYPES
from creditgraph.schema import default_schema

CONTRACT_RELS = {
    "LEGAL_REPRESENTATIVE",
    "DIRECTOR",
    "SUPERVISOR",
    "MANAGER",
    "SHAREHOLDER",
    "ACTUAL_CONTROLLER",
    "PRINCIPAL",
    "BRANCH_OF",
    "OFFICIAL_OF",
    "SUPERVISED_BY",
    "SUPERVISES",
    "SUPERIOR_OF",
    "RELATIVE_OF",
}
CONTRACT_EVENTS = {
    "LICENSE_REVOKED",
    "ORDERED_CLOSED",
    "BANKRUPTCY_LIQUIDATED",
    "CRIMINAL_CONVICTION",
    "DISHONEST_DEBTOR_LISTED",
    "CONSUMPTION_RESTRICTED",
    "SERIOUS_VIOLATION_LISTED",
    "ABNORMAL_OPERATION_LISTED",
    "PROCUREMENT_BANNED",
    "BRIBERY_RECORD",
    "BIDDING_BANNED",
    "ADMINISTRATIVE_PENALTY",
    "JOINT_PUNISHMENT_LISTED",
    "KEY_ATTENTION_LISTED",
    "CREDIT_REPAIRED",
    "DELISTED",
    "OBJECTION_UPHELD",
    "DECISION_REVOKED",
}


def test_schema_declares_everything_in_the_contract_record_format() -> None:
    schema = default_schema()
    assert set(schema.nodes) == set(NODE_TYPES)
    # plus identity resolution's own (CONTRACT.md, "Identity"): derived links, judgements;
    # and objections under review (the contract lists event kinds "at least")
    assert set(schema.links) == CONTRACT_RELS | {"SAME_PERSON", "POSSIBLY_SAME_PERSON"}
    assert schema.derived_rels() == {"SAME_PERSON", "POSSIBLY_SAME_PERSON"}
    assert set(schema.events) == CONTRACT_EVENTS | {
        "IDENTITY_JUDGED",
        "OBJECTION_FILED",
        "OBJECTION_REJECTED",
    }
    assert set(schema.roles) == {
        "LEGAL_REPRESENTATIVE",
        "DIRECTOR",
        "SUPERVISOR",
        "MANAGER",
        "PRINCIPAL",
    }
    assert {"GOV_PROCUREMENT", "BIDDING"} <= set(schema.activities)
    assert schema.nodes["enterprise"].properties["status"].values == (
        "active",
        "revoked",
        "closed",
        "cancelled",
        "bankrupt",
    )
    assert schema.nodes["enterprise"].properties["kind"].values == (
        "company",
        "soe",
        "public_institution",
        "social_organization",
        "individual_business",
        "other",
    )
    assert schema.links["SHAREHOLDER"].properties["share"].type == "fraction"
    assert {k: e.lifting for k, e in schema.events.items() if e.lifting} == {
        "CREDIT_REPAIRED": "end",
        "DELISTED": "end",
        "OBJECTION_UPHELD": "void",
        "DECISION_REVOKED": "void",
        "OBJECTION_FILED": "flag",
        "OBJECTION_REJECTED": "close",
    }


def test_every_role_is_a_role_link_kind_so_conflicts_can_find_office_holders() -> None:
    schema = default_schema()
    assert set(schema.roles) == schema.role_rels()


def test_every_rule_cites_its_legal_basis_and_seed_and_uses_declared_names() -> None:
    schema = default_schema()
    assert len(schema.rules) >= 20
    for rule in schema.rules:
        assert rule.legal_basis.strip(), rule.id
        assert rule.seed.strip(), rule.id
        assert set(rule.measures) <= set(schema.measures), rule.id
        assert rule.events <= set(schema.events), rule.id


def test_every_contract_event_kind_that_is_a_sanction_fires_at_least_one_rule() -> None:
    schema = default_schema()
    fired = {kind for rule in schema.rules for kind in rule.events}
    assert CONTRACT_EVENTS - schema.lifting_kinds() <= fired


def test_decision_vocabulary_matches_the_contract() -> None:
    assert {v.value for v in Verdict} == {"ALLOW", "REVIEW", "DENY"}
    assert {c.value for c in Certainty} == {"CONFIRMED", "UNCONFIRMED"}
    assert {s.value for s in Status} == {"ACTIVE", "ENDED", "VOID"}
