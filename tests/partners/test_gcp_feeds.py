"""The GCP drop reader (docs/formats.md): accounts and entitlements snapshots, a day of usage.

The reader is pure: these tests hand it the fixture drop as bytes and a raw check that lets every row
pass (or rejects chosen rows); fetching the files is tested at the end, against a real GCS emulator.
"""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.config import GcpFiles, PartnerConfig
from pipeline.datasets import BILLING, ENTITLEMENTS, TENANTS
from pipeline.partners import Extracted, PartnerDrop, RawCheck, fetch_drop, read, unchecked
from pipeline.storage import Storage
from tests.partners.builders import FIXTURES, LOGICAL_DATE, Reject, drop_of, gcp_partner
from tests.servers import Endpoint

ROOT = "gs://marketplace-drop/gcp"
PARTNER = gcp_partner(ROOT)
ACCOUNTS = "accounts/dt=2026-11-20/accounts.jsonl"


def _read(drop: PartnerDrop, partner: PartnerConfig = PARTNER, check: RawCheck = unchecked) -> Extracted:
    return read(drop, partner, LOGICAL_DATE, check=check)


@pytest.fixture(scope="module")
def result() -> Extracted:
    return _read(drop_of(FIXTURES / "gcp", ROOT))


def test_frames_and_findings(result: Extracted) -> None:
    assert tuple(result.tenants.frame.columns) == TENANTS.columns
    assert tuple(result.entitlements.frame.columns) == ENTITLEMENTS.columns
    assert tuple(result.billing.frame.columns) == BILLING.columns
    assert not [r.describe() for r in result.results if r.stops_run]
    assert result.quarantine.empty
    assert all(c.quarantine.empty for c in result.canonical)
    assert len(result.inputs) == 3


def test_tenants_from_sign_up_properties(result: Extracted) -> None:
    tenants = {r["tenant_id"]: r for r in result.tenants.frame.to_dict("records")}
    assert sorted(tenants) == ["E-1A2B-3C4D", "E-5E6F-7A8B", "E-9C0D-1E2F"]
    globex = tenants["E-1A2B-3C4D"]
    assert globex["account_ref"] == "providers/acme-models/accounts/E-1A2B-3C4D"
    assert (globex["company_name"], globex["country"], globex["lei"]) == ("Globex GmbH", "DE", "529900T8BM49AURSDO55")
    assert (globex["tax_registration_number"], globex["company_number"]) == ("DE123456789", "HRB 12345")
    assert (globex["email_domain"], globex["payer_account_id"]) == ("globex.example", "01A2B3-C4D5E6-F7A8B9")
    assert globex["status"] == "ACCOUNT_ACTIVE"
    assert (globex["source_uri"], globex["source_line"]) == (f"{ROOT}/{ACCOUNTS}", 1)
    assert tenants["E-9C0D-1E2F"]["status"] == "ACCOUNT_ACTIVATION_REQUESTED"
    assert pd.isna(tenants["E-9C0D-1E2F"]["lei"])


def test_entitlements_and_usage(result: Extracted) -> None:
    ents = {r["entitlement_id"]: r for r in result.entitlements.frame.to_dict("records")}
    first = ents["providers/acme-models/entitlements/ent-001"]
    assert (first["tenant_id"], first["product_id"], first["status"], first["start_date"]) == (
        "E-1A2B-3C4D",
        "frontier-model-api",
        "ENTITLEMENT_ACTIVE",
        "2026-09-01",
    )
    assert result.entitlements.frame["reseller_tenant_id"].isna().all()
    lines = result.billing.frame.set_index("line_id")
    line = lines.loc["usage/2026-11-19/E-1A2B-3C4D/providers/acme-models/entitlements/ent-001/sku-input-tokens"]
    assert (line["amount"], line["currency"], line["quantity"], line["unit"]) == ("37.50", "EUR", "12.5", "1M tokens")
    assert line["payer_account_id"] == "01A2B3-C4D5E6-F7A8B9"
    (day,) = result.billing.results
    assert (day.check, day.passed) == ("usage.day", True)


def test_each_file_is_checked_once() -> None:
    check = Reject()
    out = _read(drop_of(FIXTURES / "gcp", ROOT), check=check)
    assert check.seen == [("gcp_accounts", 3), ("gcp_entitlements", 3), ("gcp_usage", 3)]
    assert [(c.dataset, c.rows) for c in out.counts] == check.seen


def test_a_rejected_account_takes_its_entitlements_with_it() -> None:
    out = _read(drop_of(FIXTURES / "gcp", ROOT), check=Reject({(ACCOUNTS, 3): "inputProperties.country.pattern"}))
    assert sorted(out.tenants.frame["tenant_id"]) == ["E-1A2B-3C4D", "E-5E6F-7A8B"]
    assert out.quarantine[["rule", "source_line"]].values.tolist() == [["inputProperties.country.pattern", 3]]
    (lost,) = out.entitlements.quarantine.to_dict("records")
    assert (lost["rule"], lost["source_line"]) == ("entitlements.account_known", 3)
    assert "E-9C0D-1E2F is not in the accounts snapshot" in lost["message"]
    accounts = next(c for c in out.counts if c.dataset == "gcp_accounts")
    assert (accounts.rows, accounts.valid, accounts.quarantined) == (3, 2, 1)


def test_a_missing_snapshot_is_an_error_and_a_missing_usage_file_a_warning() -> None:
    drop = drop_of(
        FIXTURES / "gcp", ROOT, lambda relative, data: None if relative.startswith(("accounts", "usage")) else data
    )
    out = _read(drop)
    missing = {r.dataset: r for r in out.results if r.check == "export.missing"}
    assert (missing["gcp_accounts"].stops_run, missing["gcp_usage"].stops_run) == (True, False)
    assert f"{ROOT}/{ACCOUNTS} is missing" in missing["gcp_accounts"].message
    assert out.tenants.frame.empty and len(out.inputs) == 1


def test_paths_are_configuration(result: Extracted) -> None:
    moved = {
        f"{ROOT}/2026-11-20/{uri.rsplit('/', 1)[-1]}": data
        for uri, data in drop_of(FIXTURES / "gcp", ROOT).files.items()
    }
    partner = PARTNER.model_copy(
        update={
            "gcp_files": GcpFiles(
                accounts="{date}/accounts.jsonl", entitlements="{date}/entitlements.jsonl", usage="{date}/usage.csv"
            )
        }
    )
    out = _read(PartnerDrop(moved), partner)
    assert not [r for r in out.results if r.stops_run]
    pd.testing.assert_frame_equal(
        out.tenants.frame.drop(columns=["source_uri"]), result.tenants.frame.drop(columns=["source_uri"])
    )


@pytest.mark.integration
def test_reads_the_same_from_real_gcs(gcs: Endpoint, result: Extracted) -> None:
    storage = Storage()
    root = f"{gcs.root}/marketplace-drop"
    for path in sorted((FIXTURES / "gcp").rglob("*.*")):
        storage.write_bytes(f"{root}/{path.relative_to(FIXTURES / 'gcp').as_posix()}", path.read_bytes())
    drop = fetch_drop(storage, gcp_partner(root), LOGICAL_DATE)
    assert drop.files == drop_of(FIXTURES / "gcp", root).files
    remote = _read(drop, gcp_partner(root))
    for name in ("tenants", "entitlements", "billing"):
        pd.testing.assert_frame_equal(
            getattr(remote, name).frame.drop(columns=["source_uri"]),
            getattr(result, name).frame.drop(columns=["source_uri"]),
        )
    assert remote.tenants.frame["source_uri"].str.startswith("gs://gcs-test/marketplace-drop/accounts/").all()
