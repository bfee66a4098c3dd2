"""A small, hand-made run with every dataset the reconciliation and the report read.

Invariant: frames have exactly the columns of pipeline/datasets.py (string columns, missing = NaN, nested
columns of their declared Arrow types, as the producers write them) and tell one consistent story, so
tests can state exact expectations:

AWS (as of 2026-11-02):
- 004455667788 Shenzhen Dragon AI: restricted root (CN), revoked since 2026-10-01, still used: a gap.
- 012345678901 a hostile name: restricted through a 70% parent held by a CN state body; newly revoked,
  effective 2026-11-09 (notice period), so its usage of 2026-11-01 is not a gap yet.
- 009988776655 Pearl River Holdings: 40-60% owned by a CN investor: review.
- 001122334455 Acme Analytics: clear, pays in EUR. 000000000042 Quiet Co: active, never billed.
- 999999999999: billed but unknown to the tenant export.
GCP:
- acc-cn-001 Beijing Cloud Vision: revoked since 2026-10-15, used on 2026-11-01: a gap (EUR).
- acc-fr-002 Paris Data: allowed; one usage line without an amount. acc-us-003: suspended, unbilled.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd

from pipeline import datasets as ds
from tests.frames import nested_column

AS_OF = dt.date(2026, 11, 2)
POLICY_ID = "unsupported-regions"
POLICY_VERSION = "2025-09-05"
HOSTILE = "<script>alert('pwned')</script><b>Evil</b> & Co \"Ltd\""
HOSTILE_ENTITY = "<img src=x onerror=alert(1)> Holdings"


def frame(dataset: ds.Dataset, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows as a frame with the dataset's columns; absent cells are missing (NaN), all columns str but the
    nested ones (their declared types)."""
    for row in rows:
        unknown = set(row) - set(dataset.columns)
        if unknown:
            raise KeyError(f"{dataset.name}: unknown columns {sorted(unknown)}")
    nested = dataset.nested_types
    data = {
        c: nested_column([r.get(c) for r in rows], nested[c])
        if c in nested
        else pd.Series([r.get(c) for r in rows], dtype="str")
        for c in dataset.columns
    }
    return pd.DataFrame(data)


def tenants() -> pd.DataFrame:
    src = "file:///inbox/aws/AddressFeed_V1/year=2026/month=11/data.csv"
    gsrc = "file:///inbox/gcp/accounts/dt=2026-11-02/accounts.jsonl"
    rows = [
        {"partner": "aws", "tenant_id": "004455667788", "company_name": "Shenzhen Dragon AI Ltd", "country": "CN"},
        {"partner": "aws", "tenant_id": "012345678901", "company_name": HOSTILE, "country": "SG"},
        {"partner": "aws", "tenant_id": "009988776655", "company_name": "Pearl River Holdings Ltd", "country": "HK"},
        {"partner": "aws", "tenant_id": "001122334455", "company_name": "Acme Analytics GmbH", "country": "DE"},
        {"partner": "aws", "tenant_id": "000000000042", "company_name": "Quiet Co", "country": "US"},
        {"partner": "gcp", "tenant_id": "acc-cn-001", "company_name": "Beijing Cloud Vision Co", "country": "CN"},
        {"partner": "gcp", "tenant_id": "acc-fr-002", "company_name": "Paris Data SAS", "country": "FR"},
        {
            "partner": "gcp",
            "tenant_id": "acc-us-003",
            "company_name": "Dormant Inc",
            "country": "US",
            "status": "ACCOUNT_SUSPENDED",
        },
    ]
    for i, r in enumerate(rows, start=2):
        aws = r["partner"] == "aws"
        r.setdefault("status", "ACTIVE" if aws else "ACCOUNT_ACTIVE")
        r["account_ref"] = f"ref-{r['tenant_id']}"
        r["source_uri"] = src if aws else gsrc
        r["source_line"] = str(i)
    return frame(ds.TENANTS, rows)


def billing() -> pd.DataFrame:
    asrc = "file:///inbox/aws/DailyUsageFeed_V1/year=2026/month=11/data.csv"
    bsrc = "file:///inbox/aws/BillingEventFeed_V1/year=2026/month=10/data.csv"
    gsrc = "file:///inbox/gcp/usage/dt=2026-11-02/usage.csv"

    def usage(spec: tuple[str, str, str, str | None, str], partner: str = "aws") -> dict[str, Any]:
        line, tenant, date, amount, currency = spec
        return {
            "partner": partner,
            "line_id": line,
            "line_type": "usage",
            "tenant_id": tenant,
            "product_id": "prod-llm",
            "event_date": date,
            "amount": amount,
            "currency": currency,
            "quantity": "10",
            "unit": "tokens_1k",
            "source_uri": asrc if partner == "aws" else gsrc,
            "source_line": line[1:],
        }

    def event(spec: tuple[str, str, str, str, str], action: str, ttype: str) -> dict[str, Any]:
        line, tenant, date, amount, currency = spec
        return {
            "partner": "aws",
            "line_id": line,
            "line_type": "billing_event",
            "tenant_id": tenant,
            "payer_account_id": tenant,
            "product_id": "prod-llm",
            "entitlement_id": f"agmt-{tenant}",
            "event_date": date,
            "amount": amount,
            "currency": currency,
            "action": action,
            "transaction_type": ttype,
            "source_uri": bsrc,
            "source_line": line[1:],
        }

    rows = [
        usage(("L1", "004455667788", "2026-10-05", "100.00", "USD")),
        event(("L2", "004455667788", "2026-10-03", "250.00", "USD"), "INVOICED", "SELLER_REV_SHARE"),
        event(("L3", "004455667788", "2026-10-03", "-25.00", "USD"), "INVOICED", "AWS_REV_SHARE"),
        event(("L4", "004455667788", "2026-10-20", "225.00", "USD"), "DISBURSED", "DISBURSEMENT"),
        usage(("L5", "004455667788", "2026-09-28", "40.00", "USD")),
        event(("L6", "001122334455", "2026-10-03", "1000.50", "EUR"), "INVOICED", "SELLER_REV_SHARE"),
        event(("L7", "001122334455", "2026-10-10", "-100.25", "EUR"), "INVOICED", "SELLER_REV_SHARE_REFUND"),
        usage(("L8", "009988776655", "2026-11-01", "12.345", "USD")),
        {**usage(("L9", "999999999999", "2026-11-01", "5.00", "USD")), "payer_account_id": "111111111111"},
        usage(("L10", "012345678901", "2026-11-01", "7.10", "USD")),
        usage(("L11", "009988776655", "2026-11-01", "3.00", "EUR")),
        usage(("G1", "acc-cn-001", "2026-11-01", "30.00", "EUR"), partner="gcp"),
        usage(("G2", "acc-fr-002", "2026-11-01", "12.00", "EUR"), partner="gcp"),
        usage(("G3", "acc-fr-002", "2026-11-01", None, "EUR"), partner="gcp"),
    ]
    return frame(ds.BILLING, rows)


def published() -> dict[str, pd.DataFrame]:
    """The lists in force as reconcile takes them (the rows `pipeline.partners.list_in_force` gives)."""
    return {
        "aws": pd.DataFrame(
            {
                "partner": ["aws", "aws"],
                "tenant_id": ["004455667788", "012345678901"],
                "effective_date": ["2026-10-01", "2026-11-09"],
            },
            dtype="str",
        ),
        "gcp": pd.DataFrame({"tenant_id": ["acc-cn-001"], "effective_date": ["2026-10-15"]}, dtype="str"),
    }


def _stake(low: float, low_open: bool, high: float, high_open: bool) -> dict[str, Any]:
    return {"low": low, "low_open": low_open, "high": high, "high_open": high_open, "control": False}


def _evidence(record: str, roots: list[tuple[str, str]], path: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """The evidence of a record (pipeline.ownership.evidence_model): its roots (id, basis) and one path,
    root first, as (holder, stake in the next one up) steps ending at the record."""
    ids = [*(holder for holder, _ in path), record]
    return {
        "roots": [{"id": r, "basis": b} for r, b in roots],
        "owners": [{"id": path[-1][0], "name": None, "stake": path[-1][1]}] if path else [],
        "owners_total": 1 if path else 0,
        "paths": [{"ids": ids, "stakes": [k for _, k in path]}] if path else [],
        "paths_truncated": False,
        "unread_statements": [],
        "unknown_holders": [],
    }


def ownership() -> pd.DataFrame:
    common = {"record_type": "entity", "policy_id": POLICY_ID, "policy_version": POLICY_VERSION, "cycle": "false"}
    rows = [
        {
            "entity_id": "E-DRAGON",
            "name": "Shenzhen Dragon AI Ltd",
            "is_root": "true",
            "root_basis": "incorporation:CN",
            "rho_low": "1.0",
            "rho_high": "1.0",
            "decision": "restricted",
            "ultimate_parent_id": "E-DRAGON",
            "chain": ["E-DRAGON"],
            "rules": ["ownership.restricted_root"],
            "explanation": "Incorporated in CN",
            "evidence": _evidence("", [], []),
        },
        {
            "entity_id": "E-EVIL",
            "name": HOSTILE_ENTITY,
            "is_root": "false",
            "rho_low": "1.0",
            "rho_high": "1.0",
            "decision": "restricted",
            "ultimate_parent_id": "E-SZSTATE",
            "chain": ["E-EVIL", "E-MID", "E-SZSTATE"],
            "rules": ["ownership.majority_chain"],
            "explanation": "70% held by E-MID, itself majority held by a CN state body",
            "evidence": _evidence(
                "E-EVIL",
                [("E-SZSTATE", "state:CN")],
                [("E-SZSTATE", _stake(0.5, True, 1.0, False)), ("E-MID", _stake(0.7, False, 0.7, False))],
            ),
        },
        {
            "entity_id": "E-MID",
            "name": "Midway Investments Pte Ltd",
            "is_root": "false",
            "rho_low": "1.0",
            "rho_high": "1.0",
            "decision": "restricted",
            "ultimate_parent_id": "E-SZSTATE",
            "chain": ["E-MID", "E-SZSTATE"],
            "rules": ["ownership.majority_chain"],
            "explanation": "More than 50% held by a CN state body",
            "evidence": _evidence("E-MID", [("E-SZSTATE", "state:CN")], [("E-SZSTATE", _stake(0.5, True, 1.0, False))]),
        },
        {
            "entity_id": "E-SZSTATE",
            "name": "Shenzhen State Assets Commission",
            "is_root": "true",
            "root_basis": "state_body:CN",
            "rho_low": "1.0",
            "rho_high": "1.0",
            "decision": "restricted",
            "ultimate_parent_id": "E-SZSTATE",
            "chain": ["E-SZSTATE"],
            "rules": ["ownership.restricted_root"],
            "explanation": "State body of CN",
            "evidence": _evidence("", [], []),
        },
        {
            "entity_id": "E-PEARL",
            "name": "Pearl River Holdings Ltd",
            "is_root": "false",
            "rho_low": "0.4",
            "rho_high": "0.6",
            "decision": "review",
            "ultimate_parent_id": "E-PEARL",
            "chain": ["E-PEARL"],
            "rules": ["ownership.share_band_straddles_threshold"],
            "explanation": "40-60% held by Guangzhou Investment Group (CN): the band straddles 50%",
            "evidence": _evidence(
                "E-PEARL", [("E-GZINV", "headquarters:CN")], [("E-GZINV", _stake(0.4, False, 0.6, False))]
            ),
        },
        {
            "entity_id": "E-GZINV",
            "name": "Guangzhou Investment Group",
            "is_root": "true",
            "root_basis": "headquarters:CN",
            "rho_low": "1.0",
            "rho_high": "1.0",
            "decision": "restricted",
            "ultimate_parent_id": "E-GZINV",
            "chain": ["E-GZINV"],
            "rules": ["ownership.restricted_root"],
            "explanation": "Headquartered in CN",
            "evidence": _evidence("", [], []),
        },
        {
            "entity_id": "E-BJCV",
            "name": "Beijing Cloud Vision Co",
            "is_root": "true",
            "root_basis": "incorporation:CN",
            "rho_low": "1.0",
            "rho_high": "1.0",
            "decision": "restricted",
            "ultimate_parent_id": "E-BJCV",
            "chain": ["E-BJCV"],
            "rules": ["ownership.restricted_root"],
            "explanation": "Incorporated in CN",
            "evidence": _evidence("", [], []),
        },
        {
            "entity_id": "E-ACME",
            "name": "Acme Analytics GmbH",
            "is_root": "false",
            "rho_low": "0.0",
            "rho_high": "0.0",
            "decision": "clear",
            "ultimate_parent_id": "E-ACME",
            "chain": ["E-ACME"],
            "rules": [],
            "explanation": "No restricted owner",
            "evidence": _evidence("", [], []),
        },
    ]
    return frame(ds.OWNERSHIP, [{**common, **r} for r in rows])


def interests() -> pd.DataFrame:
    rows = [
        {
            "relationship_id": "R-1",
            "statement_id": "S-1",
            "interest_index": "0",
            "subject_id": "E-EVIL",
            "interested_party_id": "E-MID",
            "interest_type": "shareholding",
            "direct_or_indirect": "direct",
            "share_exact": "0.7",
        },
        {
            "relationship_id": "R-2",
            "statement_id": "S-2",
            "interest_index": "0",
            "subject_id": "E-MID",
            "interested_party_id": "E-SZSTATE",
            "interest_type": "shareholding",
            "direct_or_indirect": "direct",
            "share_min": "0.5",
            "share_max": "1.0",
            "exclusive_min": "true",
            "exclusive_max": "false",
        },
        {
            "relationship_id": "R-3",
            "statement_id": "S-3",
            "interest_index": "0",
            "subject_id": "E-PEARL",
            "interested_party_id": "E-GZINV",
            "interest_type": "shareholding",
            "direct_or_indirect": "direct",
            "share_min": "0.4",
            "share_max": "0.6",
            "exclusive_min": "false",
            "exclusive_max": "false",
        },
    ]
    return frame(ds.INTERESTS, rows)


def links() -> pd.DataFrame:
    def link(key: tuple[str, str], entity: str | None, method: str, conf: str, may: str) -> dict[str, Any]:
        partner, tenant = key
        cands = [] if entity is None else [{"entity_id": entity, "method": method, "confidence": float(conf)}]
        return {
            "partner": partner,
            "tenant_id": tenant,
            "entity_id": entity,
            "method": method,
            "confidence": conf,
            "may_revoke": may,
            "candidates": cands,
        }

    rows = [
        link(("aws", "004455667788"), "E-DRAGON", "tax_id", "1.0", "true"),
        link(("aws", "012345678901"), "E-EVIL", "lei", "1.0", "true"),
        link(("aws", "009988776655"), "E-PEARL", "fuzzy_name", "0.91", "true"),
        link(("aws", "001122334455"), "E-ACME", "exact_name", "0.97", "true"),
        link(("aws", "000000000042"), None, "none", "0.0", "false"),
        link(("gcp", "acc-cn-001"), "E-BJCV", "company_number", "1.0", "true"),
        link(("gcp", "acc-fr-002"), None, "none", "0.0", "false"),
        link(("gcp", "acc-us-003"), None, "none", "0.0", "false"),
    ]
    return frame(ds.LINKS, rows)


def decisions() -> pd.DataFrame:
    by_entity = ownership().set_index("entity_id")
    names = tenants().set_index(["partner", "tenant_id"])["company_name"]
    out = []
    for link in links().to_dict("records"):
        entity = link["entity_id"] if isinstance(link["entity_id"], str) else None
        row: dict[str, Any] = {
            "partner": link["partner"],
            "tenant_id": link["tenant_id"],
            "company_name": names[(link["partner"], link["tenant_id"])],
            "entity_id": entity,
            "link_method": link["method"],
            "link_confidence": link["confidence"],
            "policy_id": POLICY_ID,
            "policy_version": POLICY_VERSION,
        }
        if entity is None:
            row |= {"decision": "allow", "rules": json.dumps(["tenant.unmatched_allowed"]), "evidence": "{}"}
            row["explanation"] = "Not linked to any entity; own addresses outside restricted jurisdictions"
        else:
            e = by_entity.loc[entity]
            verdict = {"restricted": "revoke", "review": "review", "clear": "allow"}[e["decision"]]
            row |= {
                "ultimate_parent_id": e["ultimate_parent_id"],
                "rho_low": e["rho_low"],
                "rho_high": e["rho_high"],
                "decision": verdict,
                "rules": json.dumps(list(e["rules"])),
                "explanation": e["explanation"],
                "evidence": json.dumps({"link": {"method": link["method"]}, "entity": e["evidence"]}),
            }
        out.append(row)
    return frame(ds.DECISIONS, out)


def quarantine() -> pd.DataFrame:
    rows = [
        {
            "dataset": "billing",
            "rule": "amount_is_decimal",
            "severity": "error",
            "message": "amount '12,50' is not a decimal",
            "source_uri": "file:///inbox/aws/DailyUsageFeed_V1/year=2026/month=11/data.csv",
            "source_line": "17",
            "record": json.dumps({"amount": "12,50"}),
        },
        {
            "dataset": "tenants",
            "rule": "aws_account_id_12_digits",
            "severity": "error",
            "message": "aws_account_id '4455667788' has 10 digits",
            "source_uri": "file:///inbox/aws/AccountFeed_V1/year=2026/month=11/data.csv",
            "source_line": "9",
            "record": json.dumps({"aws_account_id": "4455667788", "company_name": HOSTILE}),
        },
    ]
    return frame(ds.QUARANTINE, rows)


def validation() -> tuple[Any, ...]:
    """The run's validation reports as the quality stage writes them: one per partner, one run-wide."""
    from pipeline.quality import CheckResult, DatasetCounts, Scope, Severity, ValidationReport
    from pipeline.quality.results import Source

    aws = ValidationReport(scope="extract partner=aws dt=2026-11-02")
    aws.count(DatasetCounts("tenants", "canonical_tenants", rows=6, valid=5, quarantined=1))
    aws.count(DatasetCounts("billing", "canonical_billing", rows=12, valid=11, quarantined=1))
    aws.add(
        CheckResult(
            dataset="billing",
            check="billed_accounts_known",
            severity=Severity.WARN,
            scope=Scope.CROSS,
            passed=False,
            message="aws: 1 of 6 billed accounts are not tenants in the export",
            checked=6,
            failed=1,
            samples=({"tenant_id": "999999999999", "lines": 1, "last_date": "2026-11-01"},),
            source=Source.CROSS_DATASET,
        ),
        CheckResult(
            dataset="tenants",
            check="aws_account_id.pattern",
            severity=Severity.ERROR,
            scope=Scope.ROW,
            passed=False,
            message="1 row quarantined",
            checked=6,
            failed=1,
            samples=({"aws_account_id": "4455667788", "company_name": HOSTILE},),
        ),
        CheckResult(
            dataset="tenants",
            check="export_present",
            severity=Severity.ERROR,
            scope=Scope.CROSS,
            passed=True,
            message="aws: 5 tenants in the export",
            checked=1,
            source=Source.CROSS_DATASET,
        ),
    )
    gcp = ValidationReport(scope="extract partner=gcp dt=2026-11-02")
    gcp.add(
        CheckResult(
            dataset="usage",
            check="file_present",
            severity=Severity.ERROR,
            scope=Scope.DATASET,
            passed=True,
            message="usage/dt=2026-11-02/usage.csv read",
            source=Source.READER,
        )
    )
    run = ValidationReport(scope="validate dt=2026-11-02")
    run.add(
        CheckResult(
            dataset="interests",
            check="stakes_sum_at_most_100",
            severity=Severity.ERROR,
            scope=Scope.CROSS,
            passed=True,
            message="no entity is more than 100% owned",
            checked=3,
            source=Source.CROSS_DATASET,
        ),
        CheckResult(
            dataset="interests",
            check="declared_indirect_agrees",
            severity=Severity.WARN,
            scope=Scope.CROSS,
            passed=False,
            message="1 declared indirect share disagrees with the computed one",
            checked=1,
            failed=1,
            samples=({"entity_id": "E-EVIL", "declared": "0.8", "computed": "[0.7, 0.7]"},),
            source=Source.FINDINGS,
        ),
    )
    return (aws, gcp, run)


def _aws_list(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    from pipeline.partners.aws.revocations import LIST_FORMAT

    out = [
        {
            "aws_account_id": key,
            "decision": "revoke",
            "effective_date": effective,
            "reason_codes": "ownership.majority_chain",
            "product_codes": "prod-llm",
            "agreement_ids": f"agmt-{key}",
            "listed_since": since,
            "explanation": f"From {effective}: cancel the 1 listed agreement and stop entitlement",
        }
        for key, effective, since in rows
    ]
    return pd.DataFrame(out, columns=list(LIST_FORMAT.columns), dtype="str")


def _gcp_list() -> pd.DataFrame:
    from pipeline.partners.gcp.revocations import LIST_FORMAT

    row = {
        "procurement_account_id": "acc-cn-001",
        "account_name": "providers/acme/accounts/acc-cn-001",
        "decision": "revoke",
        "effective_date": "2026-10-15",
        "reason_codes": "ownership.restricted_root",
        "entitlement_names": "providers/acme/entitlements/e-1",
        "products": "llm",
        "listed_since": "2026-10-15",
        "explanation": "From 2026-10-15: reject the account's entitlements",
    }
    return pd.DataFrame([row], columns=list(LIST_FORMAT.columns), dtype="str")


def _published(partner: str, snapshot: pd.DataFrame, day: dt.date, run_id: str) -> Any:
    from pipeline.publish.manifest import (
        Approval,
        ChangeCounts,
        FileEntry,
        GateStatus,
        Manifest,
        PublishedList,
    )

    key = str(snapshot.columns[0])
    folder = f"file:///outbox/{partner}/revocations/dt={day.isoformat()}"
    manifest = Manifest(
        partner=partner,
        list_format=f"{partner}_revocation_list",
        key=key,
        run_id=run_id,
        logical_date=day,
        policy_id=POLICY_ID,
        policy_version=POLICY_VERSION,
        inputs={"decisions": "sha256:" + "c" * 64},
        snapshot=FileEntry(name="revocations.csv", sha256="a" * 64, bytes=400, rows=len(snapshot)),
        delta=FileEntry(name="delta.csv", sha256="b" * 64, bytes=200, rows=1),
        changes=ChangeCounts(added=1, changed=0, lifted=1, unchanged=1),
        approval=Approval(gate_status=GateStatus.PASSED, diff_sha256="b" * 64),
        follows=None,
    )
    return PublishedList(
        manifest=manifest,
        manifest_uri=f"{folder}/manifest.json",
        manifest_sha256="d" * 64,
        snapshot=snapshot,
        delta=snapshot.head(0),
    )


RUN_ID = "scheduled__2026-11-02T00:00:00+00:00"


def aws_list() -> pd.DataFrame:
    """This run's aws list, as published: the same tenants and effective dates as `published()["aws"]`."""
    return _aws_list([("004455667788", "2026-10-01", "2026-10-01"), ("012345678901", "2026-11-09", "2026-11-02")])


def gate() -> Any:
    """The safety gate's real evaluation: aws adds the hostile tenant and lifts one; gcp is unchanged."""
    from pipeline.config import GateConfig
    from pipeline.partners.aws.revocations import LIST_FORMAT as AWS
    from pipeline.partners.gcp.revocations import LIST_FORMAT as GCP
    from pipeline.publish.gate import GateInput, evaluate
    from pipeline.run.context import RunOptions

    before = dt.date(2026, 11, 1)
    previous_aws = _aws_list(
        [("004455667788", "2026-10-01", "2026-10-01"), ("007700770077", "2026-10-20", "2026-10-20")]
    )
    inputs = [
        GateInput(
            partner="aws",
            list_format=AWS,
            current=aws_list(),
            previous=_published("aws", previous_aws, before, "scheduled__2026-11-01"),
            active_tenants=5,
        ),
        GateInput(
            partner="gcp",
            list_format=GCP,
            current=_gcp_list(),
            previous=_published("gcp", _gcp_list(), before, "scheduled__2026-11-01"),
            active_tenants=2,
        ),
    ]
    from pipeline.publish.gate import GateResult
    from pipeline.storage.frames import dumps_json

    result = evaluate(
        inputs, GateConfig(max_added_share=0.5, max_lifted_share=0.5), RunOptions(), logical_date=AS_OF, run_id=RUN_ID
    )
    # As the report stage gets it: through gate.json, whose canonical JSON sorts every row's keys.
    return GateResult.model_validate_json(dumps_json(result.model_dump(mode="json")))


def lists_in_force() -> dict[str, Any]:
    return {
        "aws": _published("aws", aws_list(), AS_OF, RUN_ID),
        "gcp": _published("gcp", _gcp_list(), AS_OF, "manual__2026-11-02T06:00:00+00:00"),
    }


def history() -> tuple[Any, ...]:
    from pipeline.report import RunSummary

    def run(day: int, revoke: int, review: int, quarantined: int) -> RunSummary:
        return RunSummary(
            run_id=f"scheduled__2026-10-{day:02d}",
            logical_date=dt.date(2026, 10, day),
            policy_id=POLICY_ID,
            policy_version=POLICY_VERSION,
            decisions={
                "aws": {"revoke": revoke, "review": review, "allow": 3},
                "gcp": {"revoke": 1, "review": 0, "allow": 2},
            },
            quarantine={"aws/billing": quarantined},
            enforcement_gaps={"aws": 1},
        )

    return (run(30, 1, 2, 0), run(31, 1, 1, 4))


def exemptions_review() -> pd.DataFrame:
    """The run's exemptions as the decide stage reviews them, one in each of the report's groups: in force,
    expiring within 14 days, expired, and two that never match (a partner spelled `AWS`, a tenant id
    without its leading zeros)."""
    from pipeline.policy.exemptions import Exemption, apply_exemptions, review_exemptions

    def exemption(id_: str, expires: int, **target: str) -> Exemption:
        return Exemption(
            id=id_,
            reason="cleared by Legal",
            approved_by="Legal",
            approved_on=AS_OF - dt.timedelta(days=30),
            expires=AS_OF + dt.timedelta(days=expires),
            **target,
        )

    exemptions = (
        exemption("EX-1", 120, partner="aws", tenant_id="004455667788"),
        exemption("EX-2", 5, partner="gcp", tenant_id="acc-cn-001"),
        exemption("EX-3", -3, partner="aws", tenant_id="012345678901"),
        exemption("EX-4", 60, partner="AWS", tenant_id="001122334455"),
        exemption("EX-5", 60, partner="aws", tenant_id="4455667788"),
    )
    decided = apply_exemptions(decisions(), exemptions, AS_OF)
    return review_exemptions(decided, exemptions, AS_OF, ("aws", "gcp"))


def report_inputs() -> Any:
    from pipeline.reconcile import reconcile
    from pipeline.report import ReportInputs

    q = quarantine()
    q["partner"] = "aws"
    return ReportInputs(
        run_id=RUN_ID,
        logical_date=AS_OF,
        policy_id=POLICY_ID,
        policy_version=POLICY_VERSION,
        decisions=decisions(),
        ownership=ownership(),
        links=links(),
        tenants=tenants(),
        interests=interests(),
        reconciliation=reconcile(billing(), decisions(), tenants(), published(), AS_OF),
        validation=validation(),
        quarantine=q,
        gate=gate(),
        published=lists_in_force(),
        list_keys={"aws": "aws_account_id", "gcp": "procurement_account_id"},
        history=history(),
        partners=("aws", "gcp"),
    )
