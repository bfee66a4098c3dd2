"""Small frames with the real dataset columns, for the publish, partner-list and exemption tests."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd

from pipeline.datasets import DECISIONS, ENTITLEMENTS, TENANTS, Dataset
from pipeline.policy.definition import Enforcement, Policy
from pipeline.publish.diff import diff_lists
from pipeline.publish.lists import ListFormat, to_csv_bytes
from pipeline.publish.manifest import (
    Approval,
    ChangeCounts,
    FileEntry,
    GateStatus,
    Manifest,
    PublishedList,
    sha256_hex,
)

D = dt.date(2026, 11, 26)
POLICY = Policy(
    id="unsupported-regions",
    version="2025-09-05",
    restricted_jurisdictions=("CN",),
    enforcement=Enforcement(notice_period_days=14),
)


def frame(dataset: Dataset, rows: list[dict[str, Any]], defaults: dict[str, Any]) -> pd.DataFrame:
    """Rows with every column of the dataset; cells neither the row nor the defaults set are missing (NaN)."""
    full = [{c: row.get(c, defaults.get(c)) for c in dataset.columns} for row in rows]
    return pd.DataFrame(full, columns=list(dataset.columns)).astype("str")


def decisions(rows: list[dict[str, Any]]) -> pd.DataFrame:
    defaults = {
        "partner": "aws",
        "decision": "revoke",
        "rules": json.dumps(["entity_restricted"]),
        "explanation": "Owned 75% by Shenzhen Holdings (CN), whose ultimate owner is Wang Wei, resident in CN",
        "evidence": json.dumps({"roots": ["p-wang-wei"], "paths": [["e1", "e-shz", "p-wang-wei"]]}),
        "policy_id": POLICY.id,
        "policy_version": POLICY.version,
        "company_name": "Example Ltd",
    }
    return frame(DECISIONS, rows, defaults)


def tenants(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return frame(TENANTS, rows, {"partner": "aws", "status": "ACTIVE"})


def entitlements(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return frame(ENTITLEMENTS, rows, {"partner": "aws", "status": "ACTIVE"})


def published_list(snapshot: pd.DataFrame, fmt: ListFormat, logical_date: dt.date) -> PublishedList:
    """A list as `read_published` would return it, without storage (for the pure gate tests)."""
    diff = diff_lists(None, snapshot, fmt, logical_date)
    data = to_csv_bytes(snapshot, fmt.columns)
    manifest = Manifest(
        partner="aws",
        list_format=fmt.contract,
        key=fmt.key,
        run_id="earlier",
        logical_date=logical_date,
        policy_id=POLICY.id,
        policy_version=POLICY.version,
        inputs={},
        snapshot=FileEntry(name="revocations.csv", sha256=sha256_hex(data), bytes=len(data), rows=len(snapshot)),
        delta=FileEntry(name="revocations_delta.csv", sha256=diff.delta_sha256, bytes=0, rows=len(snapshot)),
        changes=ChangeCounts(added=len(snapshot), changed=0, lifted=0, unchanged=0),
        approval=Approval(gate_status=GateStatus.PASSED, diff_sha256=diff.delta_sha256),
        follows=None,
    )
    uri = f"file:///outbox/revocations/dt={logical_date.isoformat()}/manifest.json"
    return PublishedList(manifest, uri, sha256_hex(manifest.to_bytes()), diff.added, diff.delta)


def contract_violations(df: pd.DataFrame, contract_path: str, schema_name: str) -> list[str]:
    """Breaches of an ODCS contract's column list, `required`, `unique` and `pattern` by a list frame."""
    import re
    from pathlib import Path

    from open_data_contract_standard.model import OpenDataContractStandard

    contract = OpenDataContractStandard.from_string(Path(contract_path).read_text(encoding="utf-8"))
    (schema,) = [s for s in contract.schema_ or [] if s.name == schema_name]
    props = schema.properties or []
    problems = []
    if [p.name for p in props] != list(df.columns):
        problems.append(f"columns {list(df.columns)} != contract {[p.name for p in props]}")
    for p in props:
        if p.name not in df.columns:
            continue
        values = df[p.name].fillna("").astype(str)
        if p.required and (values == "").any():
            problems.append(f"{p.name}: empty but required")
        if p.unique and values.duplicated().any():
            problems.append(f"{p.name}: not unique")
        pattern = (p.logicalTypeOptions or {}).get("pattern")
        if pattern:
            bad = [v for v in values if v and not re.search(pattern, v)]
            if bad:
                problems.append(f"{p.name}: {bad[:3]} do not match {pattern}")
        if p.logicalType == "date":
            bad = [v for v in values if v and dt.date.fromisoformat(v).isoformat() != v]
            if bad:
                problems.append(f"{p.name}: {bad[:3]} are not dates")
    return problems


def aws_row(account: str, **cells: str) -> dict[str, str]:
    row = {
        "aws_account_id": account,
        "decision": "revoke",
        "effective_date": "2026-12-10",
        "reason_codes": "entity_restricted",
        "product_codes": "prod-a",
        "agreement_ids": "agmt-1",
        "listed_since": "2026-11-26",
        "explanation": "Restricted. From 2026-12-10 cancel.",
    }
    row.update(cells)
    return row
