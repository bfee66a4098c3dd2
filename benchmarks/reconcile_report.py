"""Reconciliation and the run report at scale: time and peak memory on synthetic frames.

Invariant: measures the same public functions the pipeline calls (`reconcile`, `render_report`) on
frames with the dataset columns, generated deterministically from --seed; prints one JSON line last.

    .venv/bin/python benchmarks/reconcile_report.py --tenants 1000000 --lines 5000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time

import numpy as np
import pandas as pd
from peak_memory import peak_rss_mb  # benchmarks/, beside this script

from pipeline import datasets as ds
from pipeline.reconcile import reconcile
from pipeline.report import ReportInputs, render_report


def _frame(dataset: ds.Dataset, columns: dict[str, object], n: int) -> pd.DataFrame:
    data = {c: columns.get(c, pd.Series([None] * n, dtype="str")) for c in dataset.columns}
    return pd.DataFrame(data)


def build(
    tenants: int, lines: int, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, pd.DataFrame]]:
    rng = np.random.default_rng(seed)
    ids = pd.Series([f"{i:012d}" for i in range(tenants)], dtype="str")
    partner = pd.Series(np.where(np.arange(tenants) % 3 == 0, "gcp", "aws"), dtype="str")
    decision = pd.Series(rng.choice(["allow", "review", "revoke"], size=tenants, p=[0.97, 0.01, 0.02]), dtype="str")
    tenants_df = _frame(
        ds.TENANTS,
        {
            "partner": partner,
            "tenant_id": ids,
            "company_name": "Co " + ids,
            "status": pd.Series(np.where(partner == "aws", "ACTIVE", "ACCOUNT_ACTIVE"), dtype="str"),
        },
        tenants,
    )
    decisions_df = _frame(
        ds.DECISIONS,
        {"partner": partner, "tenant_id": ids, "company_name": "Co " + ids, "decision": decision},
        tenants,
    )
    # 1% of billed accounts are unknown to the export (ids beyond the tenant range).
    who = rng.integers(0, int(tenants * 1.01), size=lines)
    tenant_of_line = pd.Series([f"{i:012d}" for i in who], dtype="str")
    partner_of_line = pd.Series(np.where(who % 3 == 0, "gcp", "aws"), dtype="str")
    usage = rng.random(lines) < 0.7
    cents = rng.integers(-500, 500_000, size=lines)
    amount = pd.Series([f"{c / 100:.2f}" for c in cents], dtype="str")
    days = rng.integers(1, 31, size=lines)
    billing_df = _frame(
        ds.BILLING,
        {
            "partner": partner_of_line,
            "line_id": pd.Series([f"L{i}" for i in range(lines)], dtype="str"),
            "line_type": pd.Series(np.where(usage, "usage", "billing_event"), dtype="str"),
            "tenant_id": tenant_of_line,
            "product_id": pd.Series(["prod-llm"] * lines, dtype="str"),
            "event_date": pd.Series([f"2026-10-{d:02d}" for d in days], dtype="str"),
            "amount": amount,
            "currency": pd.Series(rng.choice(["USD", "EUR", "JPY"], size=lines), dtype="str"),
            "action": pd.Series(np.where(usage, None, "INVOICED"), dtype="str"),
            "transaction_type": pd.Series(
                np.where(usage, None, rng.choice(["SELLER_REV_SHARE", "AWS_REV_SHARE"], size=lines)), dtype="str"
            ),
            "source_uri": pd.Series(["file:///bench.csv"] * lines, dtype="str"),
            "source_line": pd.Series([str(i + 2) for i in range(lines)], dtype="str"),
        },
        lines,
    )
    revoked = decisions_df[decisions_df["decision"] == "revoke"]
    published = {
        p: pd.DataFrame(
            {"tenant_id": g["tenant_id"].to_numpy(), "effective_date": ["2026-10-15"] * len(g)}, dtype="str"
        )
        for p, g in revoked.groupby("partner")
    }
    return billing_df, decisions_df, tenants_df, published


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, default=200_000)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    billing, decisions, tenants, published = build(args.tenants, args.lines, args.seed)
    as_of = dt.date(2026, 11, 2)
    start = time.perf_counter()
    rec = reconcile(billing, decisions, tenants, published, as_of)
    reconcile_s = time.perf_counter() - start
    inputs = ReportInputs(
        run_id="bench",
        logical_date=as_of,
        policy_id="p",
        policy_version="1",
        decisions=decisions,
        tenants=tenants,
        reconciliation=rec,
        partners=("aws", "gcp"),
    )
    start = time.perf_counter()
    html = render_report(inputs)
    render_s = time.perf_counter() - start
    print(
        json.dumps(
            {
                "benchmark": "reconcile_report",
                "tenants": args.tenants,
                "billing_lines": args.lines,
                "reconcile_s": round(reconcile_s, 2),
                "render_s": round(render_s, 2),
                "report_bytes": len(html),
                "gap_tenants": len(rec.gaps),
                "unknown_billed": len(rec.unknown_billed),
                "peak_rss_mb": peak_rss_mb(),
            }
        )
    )


if __name__ == "__main__":
    main()
