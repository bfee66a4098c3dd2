"""The Azure Marketplace revocation list: keyed by the Microsoft Entra tenant id, with the live SaaS
subscriptions to unsubscribe."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from pipeline.partners.azure.revocations import LIST_FORMAT, revocation_list
from pipeline.publish.build import RevocationListError
from pipeline.publish.lists import from_csv_bytes, to_csv_bytes, validate_list
from tests.publish.builders import POLICY, D, decisions, entitlements, tenants

CUSTOMER = "1f0c2b7e-3a4d-4c5e-8f90-a1b2c3d4e5f6"
RESELLER = "3b2c4d5e-6f70-4b8c-9dae-1f2a3b4c5d6e"
CLEAR = "4c3d5e6f-7081-4c9d-aebf-2a3b4c5d6e7f"
SUB = "a000000{}-0000-4000-8000-00000000000{}"


def world() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    decs = decisions(
        [
            {"partner": "azure", "tenant_id": CUSTOMER},
            {"partner": "azure", "tenant_id": RESELLER},
            {"partner": "azure", "tenant_id": CLEAR, "decision": "allow"},
        ]
    )
    tens = tenants(
        [
            {"partner": "azure", "tenant_id": CUSTOMER, "account_ref": "c1", "status": "ACTIVE"},
            {"partner": "azure", "tenant_id": RESELLER, "account_ref": RESELLER, "status": "ACTIVE"},
            {"partner": "azure", "tenant_id": CLEAR, "account_ref": "c3", "status": "ACTIVE"},
        ]
    )
    ents = entitlements(
        [
            {
                "partner": "azure",
                "entitlement_id": SUB.format(1, 1),
                "tenant_id": CUSTOMER,
                "product_id": "models",
                "status": "Subscribed",
            },
            {
                "partner": "azure",
                "entitlement_id": SUB.format(2, 2),
                "tenant_id": CUSTOMER,
                "product_id": "models-pro",
                "status": "Suspended",
            },
            {
                "partner": "azure",
                "entitlement_id": SUB.format(3, 3),
                "tenant_id": CUSTOMER,
                "product_id": "old",
                "status": "Unsubscribed",
            },
            # Bought by the reseller for a clear customer: the reseller manages it, so it ends with the reseller.
            {
                "partner": "azure",
                "entitlement_id": SUB.format(4, 4),
                "tenant_id": CLEAR,
                "reseller_tenant_id": RESELLER,
                "product_id": "models",
                "status": "Subscribed",
            },
        ]
    )
    return decs, ents, tens


def test_lists_revoked_tenants_with_their_live_subscriptions_and_the_unsubscribe_action() -> None:
    out = revocation_list(*world(), POLICY, D)
    assert tuple(out.columns) == LIST_FORMAT.columns
    assert list(out["entra_tenant_id"]) == [CUSTOMER, RESELLER]
    first, reseller = out.iloc[0], out.iloc[1]
    assert (first["customer_id"], first["subscription_ids"]) == ("c1", f"{SUB.format(1, 1)};{SUB.format(2, 2)}")
    assert first["offers"] == "models;models-pro"
    assert "unsubscribe the 2 listed SaaS subscriptions through the SaaS fulfillment API" in first["explanation"]
    assert reseller["subscription_ids"] == SUB.format(4, 4) and "unsubscribe the 1 listed" in reseller["explanation"]
    assert reseller["customer_id"] == ""
    validate_list(out, LIST_FORMAT, "azure list")


def test_effective_dates_new_and_continuing() -> None:
    first = revocation_list(*world(), POLICY, D)
    published = from_csv_bytes(to_csv_bytes(first, LIST_FORMAT.columns), "x.csv")
    later = revocation_list(*world(), POLICY, D + dt.timedelta(days=3), previous=published)
    assert list(later["effective_date"]) == list(first["effective_date"])
    assert list(later["listed_since"]) == [D.isoformat()] * 2


def test_the_key_is_an_entra_tenant_id() -> None:
    decs, ents, tens = world()
    decs.loc[0, "tenant_id"] = tens.loc[0, "tenant_id"] = "not-a-guid"
    with pytest.raises(RevocationListError, match="do not match"):
        revocation_list(decs, ents, tens, POLICY, D)
