"""The Azure Marketplace drop of a demo world, in Microsoft's layouts (docs/formats.md): the SaaS
fulfillment API's subscription list as JSON Lines, and the Partner Center analytics exports of customers,
orders and metered usage as CSV with the system queries' columns.

Invariant: one delivery per logical date D under `subscriptions/dt=D/`, `customers/dt=D/`, `orders/dt=D/`
and `usage/dt=D/`; every subscription has one order naming it (`AssetId`) and its customer; every customer
row names the customer's company and country/region (as a name, the way Partner Center writes it) and,
when a Cloud Solution Provider bought for it, the provider; a usage line per live subscription for D-1.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass

import pycountry

PUBLISHER = "acmeaimodels"
OFFER = "acme-foundation-models-saas"
OFFER_NAME = "Acme Foundation Models"
ZERO_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"

CUSTOMER_COLUMNS = (
    "MarketplaceSubscriptionId", "DateAcquired", "DateLost", "ProviderName", "ProviderEmail", "FirstName",
    "LastName", "Email", "CustomerCompanyName", "CustomerCity", "CustomerPostalCode",
    "CustomerCommunicationCulture", "CustomerCountryRegion", "AzureLicenseType", "PromotionalCustomers",
    "CustomerState", "CommerceRootCustomer", "CustomerId", "BillingAccountId", "ID",
)  # fmt: skip
ORDER_COLUMNS = (
    "MarketplaceSubscriptionId", "MonthStartDate", "OfferType", "AzureLicenseType", "MarketplaceLicenseType",
    "Sku", "CustomerCountry", "IsPreviewSKU", "AssetId", "OrderId", "OrderQuantity", "CloudInstanceName",
    "IsNewCustomer", "OrderStatus", "OrderCancelDate", "CustomerCompanyName", "CustomerName",
    "OrderPurchaseDate", "OfferName", "TrialEndDate", "CustomerId", "BillingAccountId",
)  # fmt: skip
USAGE_COLUMNS = (
    "MarketplaceSubscriptionId", "MonthStartDate", "OfferType", "AzureLicenseType", "MarketplaceLicenseType",
    "SKU", "CustomerCountry", "IsPreviewSKU", "SKUBillingType", "IsInternal", "VMSize", "CloudInstanceName",
    "ServicePlanName", "OfferName", "DeploymentMethod", "CustomerName", "CustomerCompanyName", "UsageDate",
    "IsNewCustomer", "CoreSize", "TrialEndDate", "CustomerCurrencyCC", "PriceCC", "PayoutCurrencyPC",
    "EstimatedPricePC", "UsageReference", "UsageUnit", "CustomerId", "BillingAccountId", "MeteredUsage",
    "EstimatedExtendedChargeCC", "EstimatedExtendedChargePC",
)  # fmt: skip


@dataclass(frozen=True)
class AzureCustomer:
    """A Partner Center customer: the organisation behind a beneficiary Entra tenant."""

    customer_id: str
    tenant_id: str  # its Microsoft Entra tenant
    company_name: str
    country: str  # ISO 3166-1 alpha-2; written as the country's name
    domain: str
    billing_account_id: str
    acquired: dt.date
    provider_name: str = ""  # the Cloud Solution Provider that bought for it, if any
    provider_domain: str = ""


@dataclass(frozen=True)
class AzureSubscription:
    subscription_id: str
    beneficiary: AzureCustomer
    purchaser_tenant: str
    purchaser_domain: str
    plan: str
    started: dt.date


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return str(country.name) if country is not None else code


def _csv(columns: Sequence[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _party(tenant: str, domain: str) -> dict[str, str]:
    return {"emailId": f"admin@{domain}", "objectId": tenant[::-1][:8] + tenant[8:], "tenantId": tenant, "puid": ""}


def write_drop(subscriptions: Sequence[AzureSubscription], *, date: dt.date) -> dict[str, bytes]:
    """The four files of the delivery for `date`, keyed by their path under the inbox."""
    ds, day = date.isoformat(), date - dt.timedelta(days=1)
    month = day.replace(day=1).isoformat()
    lines, orders, usage = [], [], []
    customers: dict[str, AzureCustomer] = {}
    for k, s in enumerate(subscriptions):
        c = s.beneficiary
        customers.setdefault(c.customer_id, c)
        resold = s.purchaser_tenant != c.tenant_id
        end = (s.started + dt.timedelta(days=365)).isoformat()
        lines.append(
            json.dumps(
                {
                    "id": s.subscription_id,
                    "name": f"{OFFER_NAME} ({c.company_name})",
                    "publisherId": PUBLISHER,
                    "offerId": OFFER,
                    "planId": s.plan,
                    "quantity": 1,
                    "beneficiary": _party(c.tenant_id, c.domain),
                    "purchaser": _party(s.purchaser_tenant, s.purchaser_domain),
                    "allowedCustomerOperations": ["Read"] if resold else ["Delete", "Update", "Read"],
                    "sessionMode": "None",
                    "isFreeTrial": False,
                    "isTest": False,
                    "sandboxType": "None",
                    "saasSubscriptionStatus": "Subscribed",
                    "term": {
                        "startDate": f"{s.started.isoformat()}T00:00:00Z",
                        "endDate": f"{end}T00:00:00Z",
                        "termUnit": "P1Y",
                    },
                    "autoRenew": True,
                    "created": f"{s.started.isoformat()}T09:00:00Z",
                    "lastModified": f"{s.started.isoformat()}T09:05:00Z",
                },
                ensure_ascii=False,
                separators=(",", ":"),
            )
        )
        license_type = "Cloud Solution Provider" if resold else "Pay as You Go"
        orders.append(
            [ZERO_SUBSCRIPTION, s.started.replace(day=1).isoformat(), "SaaS", license_type, "Billed Through Azure",
             s.plan, country_name(c.country), "No", s.subscription_id, f"order-{k + 1:04d}", "1", "Azure Global",
             "No", "Active", "", c.company_name, c.company_name, s.started.isoformat(), OFFER_NAME, "",
             c.customer_id, c.billing_account_id]
        )  # fmt: skip
        tokens = 200 + 37 * k
        usage.append(
            [ZERO_SUBSCRIPTION, month, "SaaS", license_type, "Billed Through Azure", s.plan,
             country_name(c.country), "No", "Paid", "No", "", "Azure Global", s.plan, OFFER_NAME, "",
             c.company_name, c.company_name, day.isoformat(), "No", "", "", "USD", "0.0025", "USD", "0.0025",
             f"{s.subscription_id}-{day.isoformat()}", "1k tokens", c.customer_id, c.billing_account_id,
             str(tokens), f"{tokens * 0.0025:.4f}", f"{tokens * 0.0025:.4f}"]
        )  # fmt: skip
    customer_rows = [
        [ZERO_SUBSCRIPTION, c.acquired.isoformat(), "", c.provider_name,
         f"orders@{c.provider_domain}" if c.provider_domain else "", "Alex", "Admin", f"admin@{c.domain}",
         c.company_name, "", "", "en-US", country_name(c.country), "Cloud Solution Provider" if c.provider_name
         else "Pay as You Go", "No", "", c.company_name, c.customer_id, c.billing_account_id, str(i + 1)]
        for i, c in enumerate(sorted(customers.values(), key=lambda c: c.customer_id))
    ]  # fmt: skip
    return {
        f"subscriptions/dt={ds}/subscriptions.jsonl": "".join(line + "\n" for line in lines).encode("utf-8"),
        f"customers/dt={ds}/customers.csv": _csv(CUSTOMER_COLUMNS, customer_rows),
        f"orders/dt={ds}/orders.csv": _csv(ORDER_COLUMNS, orders),
        f"usage/dt={ds}/usage.csv": _csv(USAGE_COLUMNS, usage),
    }
