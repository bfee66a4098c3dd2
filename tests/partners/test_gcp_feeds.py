"""The GCP drop reader (docs/formats.md): accounts and entitlements snapshots, a day of usage."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline.config import GcpFiles
from pipeline.datasets import BILLING, ENTITLEMENTS, TENANTS
from pipeline.partners import PartnerExtract, extract
from pipeline.storage import Storage
from tests.conftest import Endpoint
from tests.partners.conftest import FIXTURES, LOGICAL_DATE, gcp_partner


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> PartnerExtract:
    inbox = tmp_path_factory.mktemp("gcp") / "inbox"
    shutil.copytree(FIXTURES / "gcp", inbox)
    return extract(Storage(), gcp_partner(inbox.as_uri()), LOGICAL_DATE)


def test_frames_and_validation(result: PartnerExtract) -> None:
    assert tuple(result.tenants.columns) == TENANTS.columns
    assert tuple(result.entitlements.columns) == ENTITLEMENTS.columns
    assert tuple(result.billing.columns) == BILLING.columns
    assert result.validation.passed, [r.describe() for r in result.validation.errors]
    assert result.quarantine.empty
    assert len(result.inputs) == 3


def test_tenants_from_sign_up_properties(result: PartnerExtract) -> None:
    tenants = {r["tenant_id"]: r for r in result.tenants.to_dict("records")}
    assert sorted(tenants) == ["E-1A2B-3C4D", "E-5E6F-7A8B", "E-9C0D-1E2F"]
    globex = tenants["E-1A2B-3C4D"]
    assert globex["account_ref"] == "providers/acme-models/accounts/E-1A2B-3C4D"
    assert (globex["company_name"], globex["country"], globex["lei"]) == ("Globex GmbH", "DE", "529900T8BM49AURSDO55")
    assert (globex["tax_registration_number"], globex["company_number"]) == ("DE123456789", "HRB 12345")
    assert (globex["email_domain"], globex["payer_account_id"]) == ("globex.example", "01A2B3-C4D5E6-F7A8B9")
    assert globex["status"] == "ACCOUNT_ACTIVE"
    assert (globex["source_uri"].rsplit("/", 3)[-3:], globex["source_line"]) == (
        ["accounts", "dt=2026-11-20", "accounts.jsonl"],
        1,
    )
    assert tenants["E-9C0D-1E2F"]["status"] == "ACCOUNT_ACTIVATION_REQUESTED"
    assert pd.isna(tenants["E-9C0D-1E2F"]["lei"])


def test_entitlements_and_usage(result: PartnerExtract) -> None:
    ents = {r["entitlement_id"]: r for r in result.entitlements.to_dict("records")}
    first = ents["providers/acme-models/entitlements/ent-001"]
    assert (first["tenant_id"], first["product_id"], first["status"], first["start_date"]) == (
        "E-1A2B-3C4D",
        "frontier-model-api",
        "ENTITLEMENT_ACTIVE",
        "2026-09-01",
    )
    assert result.entitlements["reseller_tenant_id"].isna().all()
    lines = result.billing.set_index("line_id")
    line = lines.loc["usage/2026-11-19/E-1A2B-3C4D/providers/acme-models/entitlements/ent-001/sku-input-tokens"]
    assert (line["amount"], line["currency"], line["quantity"], line["unit"]) == ("37.50", "EUR", "12.5", "1M tokens")
    assert line["payer_account_id"] == "01A2B3-C4D5E6-F7A8B9"
    assert result.validation.find("billed_accounts_known")[0].passed


def test_paths_are_configuration(tmp_path: Path, result: PartnerExtract) -> None:
    inbox = tmp_path / "drop"
    for kind, name in (("accounts", "accounts.jsonl"), ("entitlements", "entitlements.jsonl"), ("usage", "usage.csv")):
        target = inbox / "2026-11-20" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(FIXTURES / "gcp" / kind / "dt=2026-11-20" / name, target)
    partner = gcp_partner(inbox.as_uri()).model_copy(
        update={
            "gcp_files": GcpFiles(
                accounts="{date}/accounts.jsonl", entitlements="{date}/entitlements.jsonl", usage="{date}/usage.csv"
            )
        }
    )
    moved = extract(Storage(), partner, LOGICAL_DATE)
    assert moved.validation.passed
    pd.testing.assert_frame_equal(
        moved.tenants.drop(columns=["source_uri"]), result.tenants.drop(columns=["source_uri"])
    )


@pytest.mark.integration
def test_reads_the_same_from_real_gcs(gcs: Endpoint, result: PartnerExtract) -> None:
    storage = Storage()
    root = f"{gcs.root}/marketplace-drop"
    for path in sorted((FIXTURES / "gcp").rglob("*.*")):
        storage.write_bytes(f"{root}/{path.relative_to(FIXTURES / 'gcp').as_posix()}", path.read_bytes())
    remote = extract(storage, gcp_partner(root), LOGICAL_DATE)
    assert remote.validation.passed
    for name in ("tenants", "entitlements", "billing"):
        pd.testing.assert_frame_equal(
            getattr(remote, name).drop(columns=["source_uri"]), getattr(result, name).drop(columns=["source_uri"])
        )
    assert remote.tenants["source_uri"].str.startswith("gs://gcs-test/marketplace-drop/accounts/").all()
