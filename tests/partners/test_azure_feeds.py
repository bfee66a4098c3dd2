"""The Azure Marketplace drop reader (docs/formats.md): the SaaS fulfillment API's subscriptions and the
Partner Center analytics exports of customers, orders and usage, in Microsoft's column names.

The reader is pure: these tests hand it the fixture drop as bytes and a raw check that lets every row
pass; fetching the files is tested at the end, against Azurite.
"""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.config import PartnerConfig
from pipeline.datasets import BILLING, ENTITLEMENTS, TENANTS
from pipeline.partners import Extracted, PartnerDrop, RawCheck, fetch_drop, read, unchecked
from pipeline.partners.azure.feeds import country_code
from pipeline.storage import Storage
from tests.partners.builders import FIXTURES, LOGICAL_DATE, azure_partner, drop_of
from tests.servers import Endpoint

ROOT = "az://marketplace-drop/azure"
PARTNER = azure_partner(ROOT)
CUSTOMERS = "customers/dt=2026-11-20/customers.csv"
CONTOSO, FABRIKAM = "1f0c2b7e-3a4d-4c5e-8f90-a1b2c3d4e5f6", "2a1b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
CSP, LITWARE = "3b2c4d5e-6f70-4b8c-9dae-1f2a3b4c5d6e", "4c3d5e6f-7081-4c9d-aebf-2a3b4c5d6e7f"


def _read(drop: PartnerDrop, partner: PartnerConfig = PARTNER, check: RawCheck = unchecked) -> Extracted:
    return read(drop, partner, LOGICAL_DATE, check=check)


@pytest.fixture(scope="module")
def result() -> Extracted:
    return _read(drop_of(FIXTURES / "azure", ROOT))


def test_frames_and_findings(result: Extracted) -> None:
    assert tuple(result.tenants.frame.columns) == TENANTS.columns
    assert tuple(result.entitlements.frame.columns) == ENTITLEMENTS.columns
    assert tuple(result.billing.frame.columns) == BILLING.columns
    assert not [r.describe() for r in result.results if r.stops_run]
    assert result.quarantine.empty and all(c.quarantine.empty for c in result.canonical)
    assert len(result.inputs) == 4


def test_tenants_are_entra_tenants_with_their_customers_company_and_country(result: Extracted) -> None:
    tenants = {r["tenant_id"]: r for r in result.tenants.frame.to_dict("records")}
    assert sorted(tenants) == sorted([CONTOSO, FABRIKAM, CSP, LITWARE])
    fabrikam = tenants[FABRIKAM]
    assert (fabrikam["company_name"], fabrikam["company_country"], fabrikam["country"]) == (
        "Fabrikam Shenzhen Co., Ltd.",
        "CN",
        "CN",
    )
    assert pd.isna(fabrikam["tax_country"])
    assert (fabrikam["account_ref"], fabrikam["email_domain"]) == (
        "c2000000-0000-4000-8000-000000000002",
        "fabrikam.example",
    )
    assert fabrikam["payer_account_id"] == "b2000000-0000-4000-8000-000000000002"
    assert fabrikam["status"] == "ACTIVE"
    # The Cloud Solution Provider that bought Fabrikam's subscription: judged too, named by the export.
    csp = tenants[CSP]
    assert (csp["company_name"], csp["email_domain"]) == ("Northwind CSP Ltd", "csp.example")
    assert pd.isna(csp["company_country"]) and csp["account_ref"] == CSP
    # Two customer ids (a lapsed and a new purchase): judged on the customer acquired last, and reported.
    assert tenants[LITWARE]["account_ref"] == "c4000000-0000-4000-8000-000000000004"
    assert tenants[LITWARE]["company_country"] == "US"
    several = next(r for r in result.tenants.results if r.check == "tenants.one_customer")
    assert not several.passed and several.failed == 1


def test_subscriptions_are_entitlements_with_the_purchaser_as_reseller(result: Extracted) -> None:
    ents = {r["entitlement_id"]: r for r in result.entitlements.frame.to_dict("records")}
    assert len(ents) == 4 and "a0000004-0000-4000-8000-000000000004" in ents  # ids in lower case
    resold = ents["a0000002-0000-4000-8000-000000000002"]
    assert (resold["tenant_id"], resold["reseller_tenant_id"], resold["status"]) == (FABRIKAM, CSP, "Subscribed")
    assert (resold["product_id"], resold["offer_id"], resold["start_date"]) == ("acme-models-saas", "pro", "2026-10-01")
    assert pd.isna(resold["end_date"])
    assert pd.isna(ents["a0000001-0000-4000-8000-000000000001"]["reseller_tenant_id"])
    assert ents["a0000003-0000-4000-8000-000000000003"]["end_date"] == "2026-11-05"


def test_usage_lines_go_to_the_customers_tenant(result: Extracted) -> None:
    lines = result.billing.frame
    assert list(lines["tenant_id"]) == [CONTOSO, FABRIKAM]
    first = lines.iloc[0]
    assert first["line_id"] == "usage/2026-11-19/c1000000-0000-4000-8000-000000000001/u-0001-contoso"
    assert (first["amount"], first["currency"], first["quantity"], first["unit"]) == (
        "3.00",
        "EUR",
        "1500",
        "1k tokens",
    )


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("China", "CN"),
        ("Germany", "DE"),
        ("US", "US"),
        ("hk", "HK"),
        ("Hong Kong", "HK"),
        ("", None),
        ("Atlantis", None),
    ],
)
def test_country_region_names_and_codes(value: str, code: str | None) -> None:
    assert country_code(value) == code


def test_an_unplaceable_country_quarantines_the_customer_and_its_tenant() -> None:
    def edit(path: str, data: bytes) -> bytes:
        return data.replace(b",China,", b",Middle Kingdom,") if path == CUSTOMERS else data

    out = _read(drop_of(FIXTURES / "azure", ROOT, edit))
    assert FABRIKAM not in set(out.tenants.frame["tenant_id"])
    rules = set(out.tenants.quarantine["rule"])
    assert rules == {"customers.country_region", "tenants.customer_quarantined"}


@pytest.mark.parametrize("missing", ["subscriptions", "customers", "orders"])
def test_a_missing_required_export_stops_the_run(missing: str) -> None:
    out = _read(drop_of(FIXTURES / "azure", ROOT, lambda path, data: None if path.startswith(missing) else data))
    assert [r.check for r in out.results if r.stops_run] == ["export.missing"]


def test_a_missing_usage_export_is_reported_only() -> None:
    out = _read(drop_of(FIXTURES / "azure", ROOT, lambda path, data: None if path.startswith("usage") else data))
    assert not [r for r in out.results if r.stops_run]
    assert any(r.check == "export.missing" and not r.passed for r in out.results)


def test_fetching_the_drop_from_azurite(azure: Endpoint) -> None:
    storage = Storage()
    root = f"az://{azure.bucket}/drop/azure"
    for uri, data in drop_of(FIXTURES / "azure", root).files.items():
        storage.write_bytes(uri, data)
    fetched = fetch_drop(storage, azure_partner(root), LOGICAL_DATE)
    assert len(fetched.files) == 4
    assert _read(fetched, azure_partner(root)).tenants.frame["tenant_id"].nunique() == 4
