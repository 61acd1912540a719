"""守信激励 and 信用承诺 rules a credit officer checks on their boundary days, on both stores:
an honour and an A-grade tax rating grant their incentives for their window and no longer;
a commitment whose breach entails joint punishment bars what joint punishment bars."""

from __future__ import annotations

from creditgraph.store.base import GraphStore
from scenario import check, eligibility, enterprise, event, link, load_records, person, uscc

E = uscc("incentive-enterprise")


def _granted(decision: object) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for reason in decision.incentives:  # type: ignore[attr-defined]
        found.setdefault(reason.restriction.rule, set()).add(reason.restriction.measure)
    return found


def test_honour_incentives_for_three_years_through_the_anniversary(any_store: GraphStore) -> None:
    load_records(
        any_store,
        [
            enterprise(E, "清远诚信示范有限公司"),
            person("p:model", "陈诚"),
            link("DIRECTOR", "p:model", E, "2024-01-01"),
            event("ev:honour", "HONOUR_AWARDED", "p:model", "2023-05-10"),
        ],
    )
    on_last_day = check(any_store, "p:model", "DIRECTOR", "2026-05-10")
    assert on_last_day.decision.value == "ALLOW"
    assert _granted(on_last_day) == {"honour-incentives": {"ACCEPT_WITH_GAPS", "PRIORITY_HANDLING"}}
    assert _granted(check(any_store, "p:model", "DIRECTOR", "2026-05-11")) == {}


def test_tax_credit_a_incentives_for_one_year_or_to_the_date_the_rating_sets(
    any_store: GraphStore,
) -> None:
    other = uscc("incentive-other")
    load_records(
        any_store,
        [
            enterprise(E, "清远纳税信用A级有限公司"),
            enterprise(other, "清远另一纳税人有限公司"),
            event("ev:tax-a", "TAX_CREDIT_A", E, "2025-04-20"),
            event("ev:tax-a-2", "TAX_CREDIT_A", other, "2025-04-20", until="2025-12-31"),
        ],
    )
    last_day = eligibility(any_store, E, "GOV_FUNDING", "2026-04-20")
    assert _granted(last_day) == {
        "tax-credit-a-incentives": {"GREEN_CHANNEL", "PRIORITY_HANDLING", "REDUCED_INSPECTION"}
    }
    assert _granted(eligibility(any_store, E, "GOV_FUNDING", "2026-04-21")) == {}
    assert _granted(eligibility(any_store, other, "GOV_FUNDING", "2025-12-31"))
    assert _granted(eligibility(any_store, other, "GOV_FUNDING", "2026-01-01")) == {}


def test_commitment_breach_joint_punishment_bars_government_funding_for_three_years(
    any_store: GraphStore,
) -> None:
    load_records(
        any_store,
        [
            enterprise(E, "清远承诺制企业有限公司"),
            event(
                "ev:promise",
                "CREDIT_COMMITMENT",
                E,
                "2025-01-05",
                matter="告知承诺制 — 如实申报财政补贴材料",
                entails="joint_punishment",
            ),
            event("ev:breach", "COMMITMENT_BREACHED", E, "2025-03-01", commitment="ev:promise"),
        ],
    )
    decision = eligibility(any_store, E, "GOV_FUNDING", "2028-03-01")
    assert decision.decision.value == "DENY"
    assert {r.restriction.rule for r in decision.reasons} >= {"commitment-breach-joint-punishment"}
    after = eligibility(any_store, E, "GOV_FUNDING", "2028-03-02")
    assert "commitment-breach-joint-punishment" not in {r.restriction.rule for r in after.reasons}
