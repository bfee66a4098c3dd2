"""The Azure Marketplace drop (docs/formats.md) -> canonical tenants, entitlements and billing for one date.

Invariant: only the drop of the logical date D is read: the SaaS fulfillment API's subscription list
(`subscriptions/dt=D`), and the Partner Center analytics exports of customers, orders and usage (paths are
configuration, `azure_files`). A missing or empty subscription list, customers or orders export stops the
run (an absent export must never read as "nobody to revoke"); a missing usage export is reported. Values
are taken as Microsoft wrote them, as text. Pure: the files come as bytes (`PartnerDrop`), and the file
contracts' row checks are the caller's `RawCheck`, run once per file before the mapping sees its rows.

Mapping: a tenant is a Microsoft Entra tenant (`tenant_id` = its tenant id), on either side of a SaaS
subscription, and both sides are judged, as on AWS:
- the beneficiary (the customer): its company name, country/region, email domain and billing account
  come from the Customers export row of the customer id its subscription's order names (orders:
  `AssetId` = the SaaS subscription id -> `CustomerId`); the country/region is the marketplace's own
  company-country field (`company_country`, and `country` for matching); `account_ref` = the customer id.
  An Entra tenant with subscriptions under several customer ids is judged on the one acquired last, and
  the reader reports it (a warn finding naming the others).
- the purchaser, when another tenant bought the subscription (a Cloud Solution Provider): the reseller.
  Its name and email domain are the Customers export's `ProviderName` / `ProviderEmail` for that customer;
  the marketplace gives no country for it, and no customer id: its `account_ref` is its tenant id.
A country/region the reader cannot place (neither an ISO 3166-1 name nor a code) quarantines the
customer row, and the tenants whose customer it is (their location is unknown, not absent).
Entitlements are the subscriptions (tenant = beneficiary, reseller = purchaser when it differs);
billing the metered usage lines, attributed to the beneficiary of the customer id's subscriptions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipeline.arrays import utc_dates
from pipeline.config import PartnerConfig
from pipeline.datasets import BILLING, ENTITLEMENTS, TENANTS
from pipeline.jurisdictions import code_for_country_name, is_iso_code
from pipeline.partners.base import Extracted, PartnerDrop, RawCheck, canonical
from pipeline.partners.drop import DropData, DropFile, read_drop_file
from pipeline.quality.contracts import Scope, Severity
from pipeline.quality.quarantine import Quarantined, concat_quarantine, record_json
from pipeline.quality.results import CheckResult, Source, sample_rows
from pipeline.storage import join

SUBSCRIPTIONS = DropFile("subscriptions", "azure_subscriptions", True, True)
CUSTOMERS = DropFile("customers", "azure_customers", True, False)
ORDERS = DropFile("orders", "azure_orders", True, False)
USAGE = DropFile("usage", "azure_usage", False, False)
FILES = (SUBSCRIPTIONS, CUSTOMERS, ORDERS, USAGE)

# Subscription states that still grant access (the API's saasSubscriptionStatus).
LIVE_STATES = frozenset({"PendingFulfillmentStart", "Subscribed", "Suspended"})
ACTIVE = "ACTIVE"


def file_uri(partner: PartnerConfig, spec: DropFile, logical_date: dt.date) -> str:
    return join(partner.inbox, getattr(partner.azure_files, spec.attr).format(date=logical_date.isoformat()))


def expected_files(partner: PartnerConfig, logical_date: dt.date) -> list[str]:
    """The files of the drop of `logical_date` the reader looks for."""
    return [file_uri(partner, spec, logical_date) for spec in FILES]


def arrival_files(partner: PartnerConfig, logical_date: dt.date) -> list[tuple[str, ...]]:
    """What shows the drop for D has come: every required file of D's drop."""
    return [(file_uri(partner, spec, logical_date),) for spec in FILES if spec.required]


def country_code(value: object) -> str | None:
    """An ISO 3166-1 alpha-2 code for a country/region as Partner Center writes it (a name, or a code)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if len(text) == 2 and is_iso_code(text.upper()):
        return text.upper()
    return code_for_country_name(text)


def _domain(email: object) -> str | None:
    if isinstance(email, str) and "@" in email:
        return email.rsplit("@", 1)[1].strip().lower() or None
    return None


@dataclass(frozen=True)
class _Customers:
    rows: pd.DataFrame  # one row per customer id, with `country_code`
    bad: set[str]  # customer ids whose country/region cannot be placed
    quarantined: list[Quarantined]
    results: list[CheckResult]


def _customers(data: DropData) -> _Customers:
    c = data.rows.copy()
    c["country_code"] = [country_code(v) for v in c["CustomerCountryRegion"].tolist()]
    unplaced = c["CustomerCountryRegion"].notna() & c["country_code"].isna()
    bad = c.loc[unplaced]
    quarantined = [
        Quarantined(
            "azure_customers",
            "customers.country_region",
            Severity.ERROR,
            f"customer {r['CustomerId']}: country/region {r['CustomerCountryRegion']!r} is neither an ISO 3166-1 "
            "name nor a code, so the customer's location is unknown",
            str(r["source_uri"]),
            int(r["source_line"]),
            record_json({k: r[k] for k in ("CustomerId", "CustomerCompanyName", "CustomerCountryRegion")}),
        )
        for r in bad.to_dict("records")
    ]
    result = CheckResult(
        "azure_customers",
        "customers.country_region",
        Severity.ERROR,
        Scope.ROW,
        bad.empty,
        f"{len(bad)} customers whose country/region cannot be placed",
        checked=len(c),
        failed=len(bad),
        samples=sample_rows(
            bad[["CustomerId", "CustomerCountryRegion", "source_uri", "source_line"]].to_dict("records")
        ),
        source=Source.READER,
    )
    good = c.loc[~unplaced].sort_values(["CustomerId", "DateAcquired"], kind="stable", na_position="first")
    # One row per customer id: the Customers export repeats a customer per marketplace subscription.
    good = good.drop_duplicates("CustomerId", keep="last")
    return _Customers(
        good.set_index("CustomerId", drop=False), set(bad["CustomerId"].astype("str")), quarantined, [result]
    )


def _tenants(
    partner: str, subs: pd.DataFrame, orders: pd.DataFrame, customers: _Customers
) -> tuple[pd.DataFrame, dict[str, str], list[Quarantined], list[CheckResult]]:
    """Tenants, the customer id of each beneficiary, what was set aside and the findings."""
    latest_order = (
        orders.assign(AssetId=orders["AssetId"].str.lower())
        .sort_values(["AssetId", "OrderPurchaseDate"], kind="stable", na_position="first")
        .drop_duplicates("AssetId", keep="last")
        .set_index("AssetId")
    )
    subs = subs.assign(customer_id=subs["id"].map(latest_order["CustomerId"]).astype("str"))
    cust = customers.rows
    acquired = {str(k): str(v) for k, v in cust["DateAcquired"].fillna("").items()}
    options: dict[str, list[tuple[tuple[bool, str, str], dict[str, Any]]]] = {}
    for record in subs.sort_values("id").to_dict("records"):
        row = {str(k): v for k, v in record.items()}
        customer = row["customer_id"]
        known = isinstance(customer, str) and customer in cust.index
        rank = (known, acquired.get(str(customer), "") if known else "", str(customer) if known else "")
        options.setdefault(str(row["beneficiary.tenantId"]), []).append((rank, row))
    rows: list[dict[str, object]] = []
    quarantined: list[Quarantined] = []
    customer_of: dict[str, str] = {}
    several: dict[str, list[str]] = {}
    for tenant, found in sorted(options.items()):
        unplaced = [r for _, r in found if r["customer_id"] in customers.bad]
        if unplaced:
            sub = unplaced[0]
            quarantined.append(
                Quarantined(
                    "tenants",
                    "tenants.customer_quarantined",
                    Severity.ERROR,
                    f"Entra tenant {tenant}: its customer {sub['customer_id']} was quarantined, so its location "
                    "is unknown",
                    str(sub["source_uri"]),
                    int(str(sub["source_line"])),
                    record_json({"tenant_id": tenant, "subscription_id": sub["id"], "customer_id": sub["customer_id"]}),
                )
            )
            continue
        (known, _, customer), sub = max(found, key=lambda option: option[0])
        ids = sorted({str(r["customer_id"]) for rank, r in found if rank[0]})
        if len(ids) > 1:
            several[tenant] = ids
        asset = str(sub["id"])
        order = latest_order.loc[asset] if asset in latest_order.index else None
        c = cust.loc[customer] if known else None
        name = (
            c["CustomerCompanyName"] if c is not None else (order["CustomerCompanyName"] if order is not None else None)
        )
        code = (
            c["country_code"]
            if c is not None
            else (country_code(order["CustomerCountry"]) if order is not None else None)
        )
        if known:
            customer_of[tenant] = customer
        rows.append(
            {
                "tenant_id": tenant,
                "account_ref": customer if known else None,
                "company_name": name,
                "country": code,
                "tax_country": None,
                "company_country": code,
                "email_domain": _domain(c["Email"]) if c is not None else _domain(sub.get("beneficiary.emailId")),
                "payer_account_id": c["BillingAccountId"] if c is not None else None,
                "source_uri": sub["source_uri"],
                "source_line": sub["source_line"],
            }
        )
    seen = set(options)
    resellers = subs.loc[subs["purchaser.tenantId"] != subs["beneficiary.tenantId"]].sort_values("id")
    for resold in resellers.to_dict("records"):
        row = {str(k): v for k, v in resold.items()}
        tenant = str(row["purchaser.tenantId"])
        if tenant in seen:
            continue
        seen.add(tenant)
        customer = row["customer_id"]
        c = cust.loc[customer] if isinstance(customer, str) and customer in cust.index else None
        rows.append(
            {
                "tenant_id": tenant,
                "account_ref": tenant,  # no customer record: its own tenant id is the only reference
                "company_name": c["ProviderName"] if c is not None else None,
                "country": None,
                "tax_country": None,
                "company_country": None,
                "email_domain": _domain(c["ProviderEmail"] if c is not None else row.get("purchaser.emailId")),
                "payer_account_id": None,
                "source_uri": row["source_uri"],
                "source_line": row["source_line"],
            }
        )
    live = subs.loc[subs["saasSubscriptionStatus"].isin(LIVE_STATES)]
    active = set(live["beneficiary.tenantId"].astype("str")) | set(live["purchaser.tenantId"].astype("str"))
    frame = pd.DataFrame(
        rows,
        columns=[
            *(
                c
                for c in TENANTS.columns
                if c not in ("partner", "tax_registration_number", "company_number", "lei", "status")
            )
        ],
    )
    frame = frame.assign(
        partner=partner,
        tax_registration_number=None,
        company_number=None,
        lei=None,
        status=[ACTIVE if t in active else "INACTIVE" for t in frame["tenant_id"]],
    ).astype({c: "str" for c in TENANTS.columns if c != "source_line"})
    results = [
        CheckResult(
            "tenants",
            "tenants.one_customer",
            Severity.WARN,
            Scope.ROW,
            not several,
            f"{len(several)} Entra tenants have subscriptions under several customer ids; each is judged on "
            "the customer acquired last (the others are in the samples: review them)",
            checked=len(options),
            failed=len(several),
            samples=sample_rows({"tenant_id": t, "customer_ids": ";".join(ids)} for t, ids in sorted(several.items())),
            source=Source.READER,
        )
    ]
    return frame, customer_of, quarantined, results


def _entitlements(partner: str, subs: pd.DataFrame) -> pd.DataFrame:
    resold = subs["purchaser.tenantId"] != subs["beneficiary.tenantId"]
    return pd.DataFrame(
        {
            "partner": partner,
            "entitlement_id": subs["id"],
            "tenant_id": subs["beneficiary.tenantId"],
            "reseller_tenant_id": subs["purchaser.tenantId"].where(resold),
            "product_id": subs["offerId"],
            "offer_id": subs["planId"],
            "status": subs["saasSubscriptionStatus"],
            "start_date": utc_dates(subs["term.startDate"]),
            "end_date": utc_dates(subs["term.endDate"]).where(subs["saasSubscriptionStatus"] == "Unsubscribed"),
            "source_uri": subs["source_uri"],
            "source_line": subs["source_line"],
        }
    )


def _billing(partner: str, usage: pd.DataFrame, tenant_of_customer: dict[str, str]) -> pd.DataFrame:
    u = usage
    return pd.DataFrame(
        {
            "partner": partner,
            "line_id": "usage/" + u["UsageDate"] + "/" + u["CustomerId"] + "/" + u["UsageReference"],
            "line_type": "usage",
            # A customer id no subscription of the drop names stays as it is: reconcile reports it unknown.
            "tenant_id": [tenant_of_customer.get(c, c) for c in u["CustomerId"].tolist()],
            "payer_account_id": u["BillingAccountId"],
            "product_id": u["OfferName"],
            "entitlement_id": pd.Series(pd.NA, index=u.index, dtype="str"),
            "event_date": u["UsageDate"].str.slice(0, 10),
            "amount": u["EstimatedExtendedChargeCC"],
            "currency": u["CustomerCurrencyCC"],
            "quantity": u["MeteredUsage"],
            "unit": u["UsageUnit"],
            "action": pd.Series(pd.NA, index=u.index, dtype="str"),
            "transaction_type": pd.Series(pd.NA, index=u.index, dtype="str"),
            "source_uri": u["source_uri"],
            "source_line": u["source_line"],
        }
    )


def read(drop: PartnerDrop, partner: PartnerConfig, logical_date: dt.date, *, check: RawCheck) -> Extracted:
    """The partner's Azure drop for `logical_date` as canonical frames (see the module docstring)."""
    data = {
        spec.attr: read_drop_file(drop, file_uri(partner, spec, logical_date), spec, logical_date, check)
        for spec in FILES
    }
    # GUIDs compare in one case: the list is keyed by the tenant id in lower case, as the API writes it.
    subs = data[SUBSCRIPTIONS.attr].rows.copy()
    for column in ("id", "beneficiary.tenantId", "purchaser.tenantId"):
        subs[column] = subs[column].str.lower()
    customers = _customers(data[CUSTOMERS.attr])
    tenants, customer_of, q_ten, r_ten = _tenants(partner.name, subs, data[ORDERS.attr].rows, customers)
    tenant_of_customer: dict[str, str] = {}
    for tenant, customer in sorted(customer_of.items()):
        tenant_of_customer.setdefault(customer, tenant)
    files = [data[spec.attr] for spec in FILES]
    return Extracted(
        partner=partner.name,
        logical_date=logical_date,
        results=tuple(r for d in files for r in d.results) + tuple(customers.results),
        quarantine=concat_quarantine([*(d.quarantine for d in files), concat_quarantine([])]),
        counts=tuple(d.counts for d in files),
        tenants=canonical(TENANTS, tenants, [*customers.quarantined, *q_ten], r_ten),
        entitlements=canonical(ENTITLEMENTS, _entitlements(partner.name, subs)),
        billing=canonical(BILLING, _billing(partner.name, data[USAGE.attr].rows, tenant_of_customer)),
        inputs=tuple(i for d in files for i in d.inputs),
    )
