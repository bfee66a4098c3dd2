"""Reconciliation on a small two-partner, two-currency run, plus properties of the money arithmetic."""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import datasets as ds
from pipeline.reconcile import NO_DECISION, ReconcileError, Reconciliation, RevenueBasis, reconcile
from tests import sample_run as s


@pytest.fixture(scope="module")
def rec() -> Reconciliation:
    return reconcile(s.billing(), s.decisions(), s.tenants(), s.published(), s.AS_OF)


def test_enforcement_gaps_are_activity_on_or_after_the_effective_date(rec: Reconciliation) -> None:
    gaps = rec.gaps.set_index(["partner", "tenant_id"])
    assert sorted(gaps.index) == [("aws", "004455667788"), ("gcp", "acc-cn-001")]
    dragon = gaps.loc[("aws", "004455667788")]
    assert dragon["effective_date"] == "2026-10-01"
    assert (dragon["first_event_date"], dragon["last_event_date"]) == ("2026-10-03", "2026-10-05")
    assert dragon["days_since_effective"] == 32
    assert json.loads(dragon["amounts"]) == {"invoiced": {"USD": "250.00"}, "usage_estimate": {"USD": "100.00"}}
    # L5 predates the revocation and L4 is a disbursement, not customer activity.
    assert rec.gap_lines.loc[rec.gap_lines["tenant_id"] == "004455667788", "line_id"].tolist() == ["L2", "L3", "L1"]
    assert json.loads(gaps.loc[("gcp", "acc-cn-001"), "amounts"]) == {"usage_estimate": {"EUR": "30.00"}}
    # The hostile tenant's revocation takes effect on 2026-11-09: its usage on 2026-11-01 is no gap yet.
    assert "012345678901" not in rec.gap_lines["tenant_id"].tolist()
    assert rec.pending_revocations == {"aws": 1, "gcp": 0}


def test_usage_on_the_effective_date_itself_is_a_gap() -> None:
    published = {"gcp": pd.DataFrame({"tenant_id": ["acc-cn-001"], "effective_date": ["2026-11-01"]}, dtype="str")}
    rec = reconcile(s.billing(), s.decisions(), s.tenants(), published, s.AS_OF)
    assert rec.gap_lines["line_id"].tolist() == ["G1"]
    published = {"gcp": pd.DataFrame({"tenant_id": ["acc-cn-001"], "effective_date": ["2026-11-02"]}, dtype="str")}
    assert reconcile(s.billing(), s.decisions(), s.tenants(), published, s.AS_OF).gaps.empty


def test_a_tenant_listed_twice_counts_from_its_earliest_effective_date() -> None:
    published = {
        "aws": pd.DataFrame(
            {"tenant_id": ["004455667788", "004455667788"], "effective_date": ["2026-10-04", "2026-10-02"]},
            dtype="str",
        )
    }
    rec = reconcile(s.billing(), s.decisions(), s.tenants(), published, s.AS_OF)
    assert rec.gaps["effective_date"].tolist() == ["2026-10-02"]
    assert sorted(rec.gap_lines["line_id"]) == ["L1", "L2", "L3"]


def test_partners_without_a_published_list_are_not_assessed() -> None:
    rec = reconcile(s.billing(), s.decisions(), s.tenants(), None, s.AS_OF)
    assert rec.assessed_partners == ()
    assert rec.gaps.empty
    summary = rec.summary()
    assert summary["enforcement_gaps"] == {}
    assert summary["partners"] == ["aws", "gcp"]
    only_aws = reconcile(s.billing(), s.decisions(), s.tenants(), {"aws": s.published()["aws"]}, s.AS_OF)
    assert only_aws.assessed_partners == ("aws",)
    assert set(only_aws.gaps["partner"]) == {"aws"}


def test_billed_accounts_unknown_to_the_tenant_export(rec: Reconciliation) -> None:
    row = rec.unknown_billed.to_dict("records")
    assert row == [
        {
            "partner": "aws",
            "tenant_id": "999999999999",
            "payer_account_ids": '["111111111111"]',
            "first_event_date": "2026-11-01",
            "last_event_date": "2026-11-01",
            "lines": 1,
            "amounts": '{"usage_estimate":{"USD":"5.00"}}',
        }
    ]


def test_active_tenants_without_billing(rec: Reconciliation) -> None:
    # acc-us-003 has no billing either, but it is suspended.
    assert rec.unbilled_active[["partner", "tenant_id", "status", "decision"]].values.tolist() == [
        ["aws", "000000000042", "ACTIVE", "allow"]
    ]


def test_a_payer_counts_as_billed() -> None:
    billing = s.billing()
    billing.loc[billing["line_id"] == "L9", "payer_account_id"] = "000000000042"
    rec = reconcile(billing, s.decisions(), s.tenants(), s.published(), s.AS_OF)
    assert rec.unbilled_active.empty


def test_revenue_per_partner_decision_basis_and_currency(rec: Reconciliation) -> None:
    got = {
        (r.partner, r.decision, r.basis, r.currency): (r.amount, r.tenants, r.lines)
        for r in rec.revenue.itertuples(index=False)
    }
    assert got == {
        ("aws", "revoke", "invoiced", "USD"): ("250.00", 1, 1),
        ("aws", "revoke", "usage_estimate", "USD"): ("147.10", 2, 3),
        ("aws", "review", "usage_estimate", "EUR"): ("3.00", 1, 1),
        ("aws", "review", "usage_estimate", "USD"): ("12.345", 1, 1),
        ("aws", "allow", "invoiced", "EUR"): ("900.25", 1, 2),
        ("aws", NO_DECISION, "usage_estimate", "USD"): ("5.00", 1, 1),
        ("gcp", "revoke", "usage_estimate", "EUR"): ("30.00", 1, 1),
        ("gcp", "allow", "usage_estimate", "EUR"): ("12.00", 1, 1),
    }


def test_revenue_at_risk_in_each_currency_without_conversion(rec: Reconciliation) -> None:
    assert rec.at_risk() == {
        RevenueBasis.INVOICED: {"USD": Decimal("250.00")},
        RevenueBasis.USAGE_ESTIMATE: {"USD": Decimal("159.445"), "EUR": Decimal("33.00")},
    }
    assert rec.summary()["revenue_at_risk"] == {
        "invoiced": {"USD": "250.00"},
        "usage_estimate": {"EUR": "33.00", "USD": "159.445"},
    }
    for total in rec.totals:
        assert isinstance(total.amount, Decimal)


def test_every_line_not_counted_is_counted_with_its_reason(rec: Reconciliation) -> None:
    assert rec.not_counted[["partner", "reason", "lines"]].values.tolist() == [
        ["aws", "not_invoiced", 1],
        ["aws", "not_seller_revenue", 1],
        ["gcp", "no_amount", 1],
    ]
    counted = int(rec.revenue["lines"].sum())
    assert counted + int(rec.not_counted["lines"].sum()) == len(s.billing())


def test_summary_is_json_serialisable(rec: Reconciliation) -> None:
    doc = json.loads(json.dumps(rec.summary()))
    assert doc["enforcement_gaps"] == {"aws": {"tenants": 1, "lines": 3}, "gcp": {"tenants": 1, "lines": 1}}
    assert doc["unknown_billed_accounts"] == {"aws": 1, "gcp": 0}
    assert doc["active_without_billing"] == {"aws": 1, "gcp": 0}
    assert doc["revenue_totals"]["allow"]["invoiced"] == {"EUR": "900.25"}


def test_rebuilt_from_its_frames_it_is_the_same(rec: Reconciliation) -> None:
    again = Reconciliation.from_frames(
        rec.frames(),
        as_of=rec.as_of,
        partners=rec.partners,
        assessed_partners=rec.assessed_partners,
        pending_revocations=rec.pending_revocations,
    )
    assert again.summary() == rec.summary()
    assert again.totals == rec.totals


def test_empty_inputs_give_an_empty_reconciliation() -> None:
    rec = reconcile(ds.empty(ds.BILLING), ds.empty(ds.DECISIONS), ds.empty(ds.TENANTS), {}, s.AS_OF)
    assert rec.partners == ()
    for frame in rec.frames().values():
        assert frame.empty
    assert rec.totals == ()
    json.dumps(rec.summary())


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("amount", "12,50", "decimal_amount"),
        ("amount", "NaN", "decimal_amount"),
        ("amount", "1e3", "decimal_amount"),
        ("amount", "1234567890123.5", "decimal_amount"),
        ("amount", "0." + "1" * 19, "decimal_amount"),
        ("currency", "", "amount_has_currency"),
        ("currency", "dollars", "amount_has_currency"),
        ("event_date", "2026-13-01", "iso_date"),
        ("event_date", "01/11/2026", "iso_date"),
    ],
)
def test_a_line_breaking_the_contract_is_an_error_naming_file_line_and_rule(column: str, value: str, rule: str) -> None:
    billing = s.billing()
    billing.loc[billing["line_id"] == "L8", column] = value
    with pytest.raises(ReconcileError) as err:
        reconcile(billing, s.decisions(), s.tenants(), s.published(), s.AS_OF)
    message = str(err.value)
    assert "DailyUsageFeed_V1/year=2026/month=11/data.csv:8" in message
    assert "line L8" in message
    assert f"rule: {rule}" in message


def test_bad_published_lists_and_decisions_are_errors() -> None:
    bad_date = {"aws": pd.DataFrame({"tenant_id": ["004455667788"], "effective_date": ["soon"]}, dtype="str")}
    with pytest.raises(ReconcileError, match="effective_date 'soon'"):
        reconcile(s.billing(), s.decisions(), s.tenants(), bad_date, s.AS_OF)
    no_column = {"aws": pd.DataFrame({"tenant_id": ["004455667788"]}, dtype="str")}
    with pytest.raises(ReconcileError, match="published list of aws: frame lacks columns"):
        reconcile(s.billing(), s.decisions(), s.tenants(), no_column, s.AS_OF)
    other_partner = {
        "aws": pd.DataFrame({"partner": ["gcp"], "tenant_id": ["x"], "effective_date": ["2026-10-01"]}, dtype="str")
    }
    with pytest.raises(ReconcileError, match="names partner 'gcp'"):
        reconcile(s.billing(), s.decisions(), s.tenants(), other_partner, s.AS_OF)
    decisions = s.decisions()
    decisions.loc[0, "decision"] = "maybe"
    with pytest.raises(ReconcileError, match="decision 'maybe'"):
        reconcile(s.billing(), decisions, s.tenants(), s.published(), s.AS_OF)
    twice = pd.concat([s.decisions(), s.decisions().head(1)], ignore_index=True)
    with pytest.raises(ReconcileError, match="not unique"):
        reconcile(s.billing(), twice, s.tenants(), s.published(), s.AS_OF)


# --- properties of the money arithmetic -------------------------------------------------------

# Amounts with 0 to 6 decimal places, as partners send them ("12", "0.5", "3.141593").
_amounts = st.builds(
    lambda units, places: Decimal(units).scaleb(-places), st.integers(-(10**9), 10**12 - 1), st.integers(0, 6)
)
_lines = st.lists(
    st.tuples(st.sampled_from(["t1", "t2", "t3"]), st.sampled_from(["USD", "EUR", "JPY"]), _amounts),
    min_size=1,
    max_size=40,
)


def _billing(lines: list[tuple[str, str, Decimal]]) -> pd.DataFrame:
    rows = [
        {
            "partner": "gcp",
            "line_id": f"x{i}",
            "line_type": "usage",
            "tenant_id": tenant,
            "event_date": "2026-11-01",
            "amount": format(amount, "f"),
            "currency": currency,
            "source_uri": "file:///usage.csv",
            "source_line": str(i + 2),
        }
        for i, (tenant, currency, amount) in enumerate(lines)
    ]
    return s.frame(ds.BILLING, rows)


def _decisions() -> pd.DataFrame:
    verdicts = {"t1": "revoke", "t2": "review", "t3": "allow"}
    return s.frame(ds.DECISIONS, [{"partner": "gcp", "tenant_id": t, "decision": d} for t, d in verdicts.items()])


@settings(max_examples=25, deadline=None)
@given(lines=_lines, seed=st.integers(0, 2**16))
def test_totals_are_exact_per_currency_and_independent_of_row_order(
    lines: list[tuple[str, str, Decimal]], seed: int
) -> None:
    tenants = ds.empty(ds.TENANTS)
    rec = reconcile(_billing(lines), _decisions(), tenants, None, dt.date(2026, 11, 2))
    expected: dict[str, Decimal] = {}
    for tenant, currency, amount in lines:
        if tenant != "t3":
            expected[currency] = expected.get(currency, Decimal(0)) + amount
    got = rec.at_risk().get(RevenueBasis.USAGE_ESTIMATE, {})
    assert got == expected
    # Printed as adding the same Decimals prints them (same digits after the point).
    summed: dict[tuple[str, str], Decimal] = {}
    for tenant, currency, amount in lines:
        summed[(tenant, currency)] = summed.get((tenant, currency), Decimal(0)) + amount
    verdicts = {"t1": "revoke", "t2": "review", "t3": "allow"}
    printed = {(verdicts[t], c): format(a, "f") for (t, c), a in summed.items()}
    assert {(r["decision"], r["currency"]): r["amount"] for r in rec.revenue.to_dict("records")} == printed
    shuffled = list(lines)
    random.Random(seed).shuffle(shuffled)
    again = reconcile(_billing(shuffled), _decisions(), tenants, None, dt.date(2026, 11, 2))
    assert again.totals == rec.totals
    assert again.revenue.equals(rec.revenue)


def test_decimal_sums_are_exact_where_floats_are_not() -> None:
    lines = [("t1", "USD", Decimal("0.10")), ("t1", "USD", Decimal("0.20")), ("t2", "EUR", Decimal("0.30"))]
    rec = reconcile(_billing(lines), _decisions(), ds.empty(ds.TENANTS), None, dt.date(2026, 11, 2))
    assert rec.summary()["revenue_at_risk"] == {"usage_estimate": {"EUR": "0.30", "USD": "0.30"}}
    assert 0.10 + 0.20 != 0.30  # what a float total would have reported
