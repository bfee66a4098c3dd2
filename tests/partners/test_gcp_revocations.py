"""The GCP revocation list: keyed by procurement account id, with account and entitlement names."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from pipeline.partners.gcp.revocations import LIST_FORMAT, revocation_list
from pipeline.publish.build import RevocationListError
from pipeline.publish.lists import from_csv_bytes, to_csv_bytes, validate_list
from tests.publish.builders import POLICY, D, decisions, entitlements, tenants

ACC = "providers/acme/accounts/"
ENT = "providers/acme/entitlements/"


def world() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    decs = decisions(
        [
            {"partner": "gcp", "tenant_id": "acc-1"},
            {"partner": "gcp", "tenant_id": "acc-2"},
            {"partner": "gcp", "tenant_id": "acc-3", "decision": "allow"},
        ]
    )
    tens = tenants(
        [
            {"partner": "gcp", "tenant_id": f"acc-{i}", "account_ref": f"{ACC}acc-{i}", "status": "ACCOUNT_ACTIVE"}
            for i in (1, 2, 3)
        ]
    )
    ents = entitlements(
        [
            {"partner": "gcp", "entitlement_id": f"{ENT}e1", "tenant_id": "acc-1", "product_id": "model-api"},
            # Named by the account resource name, as the Procurement API does.
            {"partner": "gcp", "entitlement_id": f"{ENT}e2", "tenant_id": f"{ACC}acc-1", "product_id": "model-pro"},
            {
                "partner": "gcp",
                "entitlement_id": f"{ENT}e3",
                "tenant_id": "acc-1",
                "product_id": "old",
                "status": "ENTITLEMENT_CANCELLED",
            },
            {
                "partner": "gcp",
                "entitlement_id": f"{ENT}e4",
                "tenant_id": "acc-2",
                "product_id": "model-api",
                "status": "ENTITLEMENT_PENDING_CANCELLATION",
            },
        ]
    )
    return decs, ents, tens


def test_lists_revokes_with_account_and_live_entitlement_names() -> None:
    out = revocation_list(*world(), POLICY, D)
    assert tuple(out.columns) == LIST_FORMAT.columns
    assert list(out["procurement_account_id"]) == ["acc-1", "acc-2"]
    first = out.iloc[0]
    assert first["account_name"] == f"{ACC}acc-1"
    assert first["entitlement_names"] == f"{ENT}e1;{ENT}e2"
    assert first["products"] == "model-api;model-pro"
    assert out.iloc[1]["entitlement_names"] == f"{ENT}e4"  # pending cancellation still grants access
    assert "cancel the 2 listed entitlements" in first["explanation"]
    validate_list(out, LIST_FORMAT, "gcp list")


def test_effective_dates_new_and_continuing() -> None:
    first = revocation_list(*world(), POLICY, D)
    assert set(first["effective_date"]) == {(D + dt.timedelta(days=14)).isoformat()}
    published = from_csv_bytes(to_csv_bytes(first, LIST_FORMAT.columns), "x.csv")
    later = revocation_list(*world(), POLICY, D + dt.timedelta(days=3), previous=published)
    assert list(later["effective_date"]) == list(first["effective_date"])
    assert list(later["listed_since"]) == [D.isoformat()] * 2


def test_the_key_is_a_bare_account_id() -> None:
    decs, ents, tens = world()
    decs.loc[0, "tenant_id"] = f"{ACC}acc-1"
    tens.loc[0, "tenant_id"] = f"{ACC}acc-1"
    with pytest.raises(RevocationListError, match="do not match"):
        revocation_list(decs, ents, tens, POLICY, D)


def test_no_personal_data_reaches_the_partner() -> None:
    text = to_csv_bytes(revocation_list(*world(), POLICY, D), LIST_FORMAT.columns).decode()
    for leak in ("Wang Wei", "Shenzhen", "Example Ltd"):
        assert leak not in text


def test_the_list_and_its_delta_follow_the_contract() -> None:
    from pipeline.publish.diff import diff_lists
    from tests.publish.builders import contract_violations

    contract = "data_contracts/gcp_revocation_list.yaml"
    out = revocation_list(*world(), POLICY, D)
    assert contract_violations(out, contract, "gcp_revocation_list") == []
    delta = diff_lists(out.iloc[:1].assign(procurement_account_id="acc-0"), out, LIST_FORMAT, D).delta
    assert contract_violations(delta, contract, "gcp_revocation_list_delta") == []


def test_an_account_without_its_resource_name_is_an_error() -> None:
    decs, ents, tens = world()
    tens.loc[0, "account_ref"] = None
    with pytest.raises(
        RevocationListError, match=r"gcp: revoked accounts without an account resource name: \['acc-1'\]"
    ):
        revocation_list(decs, ents, tens, POLICY, D)
