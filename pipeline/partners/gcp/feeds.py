"""The GCP drop (docs/formats.md) -> canonical tenants, entitlements and billing for one logical date.

Invariant: only the drop of the logical date D is read (`accounts/dt=D`, `entitlements/dt=D`,
`usage/dt=D`; paths are configuration, `gcp_files`). A missing or empty accounts or entitlements
snapshot stops the run (an absent export must never read as "nobody to revoke"); a missing usage file
is reported. Values are taken as the API wrote them, as text: a number where text belongs (a tax id,
an account id) is quarantined rather than converted, since it may already have lost leading zeros.
Pure: the files come as bytes (`PartnerDrop`), and the file contracts' row checks are the caller's
`RawCheck`, run once per file before the mapping sees its rows.

Mapping: tenants from Account resources (tenant_id = the id in `providers/{p}/accounts/{id}`, the
sign-up `inputProperties` give name, country (both the address country matching uses and the company
country the policy judges the location by), tax id, company number, LEI, domain and the Cloud Billing
account as payer); entitlements from Entitlement resources (tenant = the account's id); billing
from usage lines (`line_id` = usage/<date>/<account>/<entitlement>/<sku>).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow.compute as pc

from pipeline.arrays import arrow_strings, text_series, utc_dates
from pipeline.config import PartnerConfig
from pipeline.datasets import BILLING, ENTITLEMENTS, TENANTS
from pipeline.partners.base import Extracted, PartnerDrop, RawCheck, canonical
from pipeline.partners.drop import DropFile, read_drop_file
from pipeline.quality.contracts import Scope, Severity
from pipeline.quality.quarantine import Quarantined, concat_quarantine, record_json
from pipeline.quality.results import CheckResult, Source, sample_rows
from pipeline.storage import join

ACCOUNTS = DropFile("accounts", "gcp_accounts", True, True)
ENTITLEMENT_FILE = DropFile("entitlements", "gcp_entitlements", True, True)
USAGE = DropFile("usage", "gcp_usage", False, False)
FILES = (ACCOUNTS, ENTITLEMENT_FILE, USAGE)


def file_uri(partner: PartnerConfig, spec: DropFile, logical_date: dt.date) -> str:
    return join(partner.inbox, getattr(partner.gcp_files, spec.attr).format(date=logical_date.isoformat()))


def arrival_files(partner: PartnerConfig, logical_date: dt.date) -> list[tuple[str, ...]]:
    """What shows the drop for D has come: every required file of D's drop."""
    return [(file_uri(partner, spec, logical_date),) for spec in FILES if spec.required]


def expected_files(partner: PartnerConfig, logical_date: dt.date) -> list[str]:
    """The files of the drop of `logical_date` the reader looks for."""
    return [file_uri(partner, spec, logical_date) for spec in FILES]


def _last_segment(names: pd.Series) -> pd.Series:
    """`accounts/123/entitlements/abc` -> `abc` (a name without a slash is kept whole)."""
    return text_series(pc.replace_substring_regex(arrow_strings(names), r"(?s)^.*/", ""), names.index)


def _tenants(partner: str, accounts: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "partner": partner,
            "tenant_id": _last_segment(accounts["name"]),
            "account_ref": accounts["name"],
            "company_name": accounts["inputProperties.companyName"],
            "country": accounts["inputProperties.country"],
            "tax_country": pd.Series(pd.NA, index=accounts.index, dtype="str"),
            # The sign-up country is where the company says it is: a location, not just a mailing address.
            "company_country": accounts["inputProperties.country"],
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
            "start_date": utc_dates(e["createTime"]),
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


def read(drop: PartnerDrop, partner: PartnerConfig, logical_date: dt.date, *, check: RawCheck) -> Extracted:
    """The partner's GCP drop for `logical_date` as canonical frames (see module doc); `check` checks each
    file's rows against the file's contract before the mapping uses them."""
    data = {
        spec.attr: read_drop_file(drop, file_uri(partner, spec, logical_date), spec, logical_date, check)
        for spec in FILES
    }
    accounts = data[ACCOUNTS.attr].rows
    tenants = _tenants(partner.name, accounts)
    entitlements, q_ent, r_ent = _entitlements(partner.name, data[ENTITLEMENT_FILE.attr].rows, set(accounts["name"]))
    billing, r_bill = _billing(partner.name, data[USAGE.attr].rows, logical_date)
    files = [data[spec.attr] for spec in FILES]
    return Extracted(
        partner=partner.name,
        logical_date=logical_date,
        results=tuple(r for d in files for r in d.results),
        quarantine=concat_quarantine(d.quarantine for d in files),
        counts=tuple(d.counts for d in files),
        tenants=canonical(TENANTS, tenants),
        entitlements=canonical(ENTITLEMENTS, entitlements, q_ent, r_ent),
        billing=canonical(BILLING, billing, results=r_bill),
        inputs=tuple(i for d in files for i in d.inputs),
    )
