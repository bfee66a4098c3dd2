"""The GCP drop (docs/formats.md) -> canonical tenants, entitlements and billing for one logical date.

Invariant: only the drop of the logical date D is read (`accounts/dt=D`, `entitlements/dt=D`,
`usage/dt=D`; paths are configuration, `gcp_files`). A missing or empty accounts or entitlements
snapshot stops the run (an absent export must never read as "nobody to revoke"); a missing usage file
is reported. Values are taken as the API wrote them, as text: a number where text belongs (a tax id,
an account id) is quarantined rather than converted, since it may already have lost leading zeros.

Mapping: tenants from Account resources (tenant_id = the id in `providers/{p}/accounts/{id}`, the
sign-up `inputProperties` give name, country, tax id, company number, LEI, domain and the Cloud
Billing account as payer); entitlements from Entitlement resources (tenant = the account's id); billing
from usage lines (`line_id` = usage/<date>/<account>/<entitlement>/<sku>).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from pipeline.config import PartnerConfig, QualityConfig
from pipeline.datasets import BILLING, ENTITLEMENTS, TENANTS
from pipeline.partners.base import Canonical, PartnerExtract, finish_extract
from pipeline.partners.files import InputFile, RawRead, drop_identical, instants, read_csv_file, read_jsonl_file
from pipeline.quality.contracts import Contract, Scope, Severity, load_contract
from pipeline.quality.quarantine import Quarantined, concat_quarantine, quarantine_frame, record_json
from pipeline.quality.results import CheckResult, DatasetCounts, Source, ValidationReport, sample_rows
from pipeline.quality.validate import share_check, share_limit, validate_frame
from pipeline.storage import Storage, join


@dataclass(frozen=True)
class DropFile:
    attr: str  # the GcpFiles field naming the path
    contract: str
    required: bool
    json_lines: bool


ACCOUNTS = DropFile("accounts", "gcp_accounts", True, True)
ENTITLEMENT_FILE = DropFile("entitlements", "gcp_entitlements", True, True)
USAGE = DropFile("usage", "gcp_usage", False, False)
FILES = (ACCOUNTS, ENTITLEMENT_FILE, USAGE)


@dataclass(frozen=True, eq=False)
class DropData:
    contract: Contract
    rows: pd.DataFrame  # validated rows
    quarantine: pd.DataFrame
    results: tuple[CheckResult, ...]
    inputs: tuple[InputFile, ...]
    counts: DatasetCounts


def file_uri(partner: PartnerConfig, spec: DropFile, logical_date: dt.date) -> str:
    return join(partner.inbox, getattr(partner.gcp_files, spec.attr).format(date=logical_date.isoformat()))


def _empty(contract: Contract) -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series([], dtype="str") for c in contract.column_names})
    frame["source_uri"] = pd.Series([], dtype="str")
    frame["source_line"] = pd.Series([], dtype="int64")
    return frame


def read_drop_file(
    storage: Storage, partner: PartnerConfig, spec: DropFile, logical_date: dt.date, max_share: float | None
) -> DropData:
    contract = load_contract(spec.contract)
    name = contract.name
    uri = file_uri(partner, spec, logical_date)
    severity = Severity.ERROR if spec.required else Severity.WARN
    if not storage.exists(uri):
        missing = CheckResult(
            name,
            "export.missing",
            severity,
            Scope.DATASET,
            False,
            f"{uri} is missing: the {spec.attr} export for {logical_date} did not arrive"
            + (" (an absent export must never read as 'nobody to revoke')" if spec.required else ""),
            source=Source.READER,
        )
        return DropData(
            contract, _empty(contract), quarantine_frame([]), (missing,), (), DatasetCounts(name, name, 0, 0, 0)
        )
    reader = read_jsonl_file if spec.json_lines else read_csv_file
    read: RawRead = reader(storage, uri, contract, broken=severity)
    results = list(read.results)
    frame, dup_results = drop_identical(read.frame, list(contract.column_names), name, list(contract.key))
    results.extend(dup_results)
    v = validate_frame(frame, contract, dataset=name, check_share=False)
    results.extend(v.results)
    if read.usable and spec.required and v.rows == 0 and len(read.quarantine) == 0:
        results.append(
            CheckResult(
                name,
                "export.empty",
                Severity.ERROR,
                Scope.DATASET,
                False,
                f"{uri} holds no records: an empty export must never read as 'nobody to revoke'",
                source=Source.READER,
            )
        )
    rows_read = len(frame) + len(read.quarantine)
    bad = len(read.quarantine) + v.rows - len(v.valid)
    results.append(share_check(name, rows_read, bad, share_limit(contract, max_share), source=Source.READER))
    quarantine = concat_quarantine([read.quarantine, v.quarantine])
    counts = DatasetCounts(name, name, rows_read, rows_read - bad, bad)
    return DropData(contract, v.valid, quarantine, tuple(results), (read.input,), counts)


def _last_segment(names: pd.Series) -> pd.Series:
    return names.str.rsplit("/", n=1).str[-1].astype("str")


def _tenants(partner: str, accounts: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "partner": partner,
            "tenant_id": _last_segment(accounts["name"]),
            "account_ref": accounts["name"],
            "company_name": accounts["inputProperties.companyName"],
            "country": accounts["inputProperties.country"],
            "tax_country": pd.Series(pd.NA, index=accounts.index, dtype="str"),
            "tax_registration_number": accounts["inputProperties.taxId"],
            "company_number": accounts["inputProperties.companyRegistrationNumber"],
            "lei": accounts["inputProperties.lei"],
            "email_domain": accounts["inputProperties.domain"],
            "payer_account_id": accounts["inputProperties.billingAccountId"],
            "status": accounts["state"],
            "source_uri": accounts["source_uri"],
            "source_line": accounts["source_line"],
        }
    )


def _entitlements(
    partner: str, entitlements: pd.DataFrame, known_accounts: set[str]
) -> tuple[pd.DataFrame, list[Quarantined], list[CheckResult]]:
    known = entitlements["account"].isin(known_accounts)
    unknown = entitlements.loc[~known]
    quarantined = [
        Quarantined(
            "entitlements",
            "entitlements.account_known",
            Severity.ERROR,
            f"account {r['account']} is not in the accounts snapshot of the same drop (missing or quarantined)",
            str(r["source_uri"]),
            int(r["source_line"]),
            record_json({c: r[c] for c in ("name", "account", "product", "state")}),
        )
        for _, r in unknown.iterrows()
    ]
    result = CheckResult(
        "entitlements",
        "entitlements.account_known",
        Severity.ERROR,
        Scope.ROW,
        unknown.empty,
        f"{len(unknown)} entitlements of accounts missing from (or quarantined in) the accounts snapshot",
        checked=len(entitlements),
        failed=len(unknown),
        samples=sample_rows(unknown[["name", "account", "source_uri", "source_line"]].to_dict("records")),
        source=Source.READER,
    )
    e = entitlements.loc[known]
    frame = pd.DataFrame(
        {
            "partner": partner,
            "entitlement_id": e["name"],
            "tenant_id": _last_segment(e["account"]),
            "reseller_tenant_id": pd.Series(pd.NA, index=e.index, dtype="str"),
            "product_id": e["product"],
            "offer_id": e["offer"],
            "status": e["state"],
            "start_date": instants(e["createTime"]).dt.strftime("%Y-%m-%d").astype("str"),
            "end_date": pd.Series(pd.NA, index=e.index, dtype="str"),
            "source_uri": e["source_uri"],
            "source_line": e["source_line"],
        }
    )
    return frame.reset_index(drop=True), quarantined, [result]


def _billing(partner: str, usage: pd.DataFrame, logical_date: dt.date) -> tuple[pd.DataFrame, list[CheckResult]]:
    u = usage
    line_id = "usage/" + u["usage_date"] + "/" + u["account_id"] + "/" + u["entitlement_name"] + "/" + u["sku_id"]
    frame = pd.DataFrame(
        {
            "partner": partner,
            "line_id": line_id,
            "line_type": "usage",
            "tenant_id": u["account_id"],
            "payer_account_id": u["billing_account_id"],
            "product_id": u["product"],
            "entitlement_id": u["entitlement_name"],
            "event_date": u["usage_date"],
            "amount": u["amount"].str.removeprefix("+"),
            "currency": u["currency"],
            "quantity": u["usage_quantity"].str.removeprefix("+"),
            "unit": u["usage_unit"],
            "action": pd.Series(pd.NA, index=u.index, dtype="str"),
            "transaction_type": pd.Series(pd.NA, index=u.index, dtype="str"),
            "source_uri": u["source_uri"],
            "source_line": u["source_line"],
        }
    )
    expected = (logical_date - dt.timedelta(days=1)).isoformat()
    other_day = u.loc[u["usage_date"] != expected]
    result = CheckResult(
        "gcp_usage",
        "usage.day",
        Severity.WARN,
        Scope.ROW,
        other_day.empty,
        f"{len(other_day)} usage lines are not of {expected}, the day the drop of {logical_date} covers",
        checked=len(u),
        failed=len(other_day),
        samples=sample_rows(other_day[["usage_date", "account_id", "source_uri", "source_line"]].to_dict("records")),
        source=Source.READER,
    )
    return frame, [result]


def extract(
    storage: Storage, partner: PartnerConfig, logical_date: dt.date, *, quality: QualityConfig | None = None
) -> PartnerExtract:
    """Read the partner's GCP drop for `logical_date` into canonical frames (see module doc)."""
    share = (quality or QualityConfig()).max_quarantine_share
    report = ValidationReport(scope=f"extract partner={partner.name} dt={logical_date}")
    data = {spec.attr: read_drop_file(storage, partner, spec, logical_date, share) for spec in FILES}
    quarantines = []
    for d in data.values():
        report.extend(d.results)
        report.count(d.counts)
        quarantines.append(d.quarantine)

    accounts = data[ACCOUNTS.attr].rows
    tenants = _tenants(partner.name, accounts)
    entitlements, q_ent, r_ent = _entitlements(partner.name, data[ENTITLEMENT_FILE.attr].rows, set(accounts["name"]))
    billing, r_bill = _billing(partner.name, data[USAGE.attr].rows, logical_date)

    return finish_extract(
        partner.name,
        logical_date,
        [
            Canonical(TENANTS, tenants),
            Canonical(ENTITLEMENTS, entitlements, q_ent, r_ent),
            Canonical(BILLING, billing, results=r_bill),
        ],
        read_quarantine=quarantines,
        inputs=(i for d in data.values() for i in d.inputs),
        report=report,
        max_quarantine_share=share,
    )
