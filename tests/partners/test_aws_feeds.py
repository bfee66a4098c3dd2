"""The AWS Seller Data Feeds reader on a small two-month world: canonical rows, history, lineage."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline.datasets import BILLING, ENTITLEMENTS, QUARANTINE, TENANTS
from pipeline.partners import PartnerExtract, extract
from pipeline.partners.aws.feeds import ACCOUNT, feed_uris, months
from pipeline.storage import Storage
from tests.conftest import Endpoint
from tests.partners.conftest import FIXTURES, LOGICAL_DATE, aws_partner


def _comparable(frame: pd.DataFrame, *, keep_lines: bool = False) -> pd.DataFrame:
    """The frame with file URIs reduced to the file's place in the inbox (feed/year/month/name)."""
    out = frame.assign(source_uri=frame["source_uri"].str.split("/").str[-4:].str.join("/"))
    return out if keep_lines else out.drop(columns=["source_line"])


def _by(frame: pd.DataFrame, column: str) -> dict[str, dict[str, object]]:
    return {str(r[column]): r for r in frame.to_dict("records")}


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> PartnerExtract:
    """The fixture world read once for the tests that only look at it."""
    inbox = tmp_path_factory.mktemp("aws") / "inbox"
    shutil.copytree(FIXTURES / "aws", inbox)
    return extract(Storage(), aws_partner(inbox.as_uri()), LOGICAL_DATE)


def test_canonical_frames_have_the_dataset_columns(result: PartnerExtract) -> None:
    assert tuple(result.tenants.columns) == TENANTS.columns
    assert tuple(result.entitlements.columns) == ENTITLEMENTS.columns
    assert tuple(result.billing.columns) == BILLING.columns
    assert tuple(result.quarantine.columns) == QUARANTINE.columns
    assert result.validation.passed, [r.describe() for r in result.validation.errors]
    assert result.quarantine.empty


def test_tenants_current_rows_and_attributes(result: PartnerExtract) -> None:
    tenants = _by(result.tenants, "tenant_id")
    # Our seller account, the soft-deleted account and the account inserted after D are not tenants.
    assert sorted(tenants) == ["004455667788", "123456789012", "210987654321", "555555555555", "666666666666"]
    acme = tenants["004455667788"]  # leading zeros kept
    assert (acme["company_name"], acme["country"], acme["account_ref"]) == ("Acme Corp", "US", "acc-0001")
    assert acme["payer_account_id"] == "666666666666"  # the payer account of its latest usage line
    foo = tenants["123456789012"]
    # The November version moved the mailing address to Shenzhen; the tax address stayed in CN.
    assert (foo["company_name"], foo["country"], foo["tax_country"]) == ("Foo Shenzhen Ltd", "CN", "CN")
    assert foo["payer_account_id"] == "555555555555"
    bar = tenants["210987654321"]
    # No company name on the address: the tax legal name; the correction (newer update_date) wins.
    assert (bar["company_name"], bar["country"], bar["tax_registration_number"]) == (
        "Bar Holdings Limited",
        "GB",
        "GB000000002",
    )
    assert pd.isna(bar["payer_account_id"])  # pays for itself
    assert {t["status"] for t in tenants.values()} == {"ACTIVE"}
    assert acme["source_uri"].endswith("AccountFeed_V1/year=2026/month=10/data.csv")
    assert acme["source_line"] == 3


def test_entitlements_resellers_and_status(result: PartnerExtract) -> None:
    ents = _by(result.entitlements, "entitlement_id")
    assert sorted(ents) == ["agr-1", "agr-2", "agr-3"]
    assert pd.isna(ents["agr-1"]["reseller_tenant_id"])  # proposed by our own seller account
    assert ents["agr-2"]["reseller_tenant_id"] == "555555555555"
    assert ents["agr-2"]["tenant_id"] == "123456789012"
    assert (ents["agr-3"]["status"], ents["agr-3"]["end_date"]) == ("TERMINATED", "2026-11-10")
    assert ents["agr-1"]["product_id"] == "prod-x"
    assert ents["agr-1"]["start_date"] == "2026-10-02"


def test_billing_lines_keep_decimal_text_and_take_usage_corrections(result: PartnerExtract) -> None:
    lines = _by(result.billing, "line_id")
    assert lines["be-1"]["amount"] == "100.00"
    assert lines["be-3"]["amount"] == "-10.00"
    assert (lines["be-1"]["tenant_id"], lines["be-1"]["payer_account_id"]) == ("004455667788", "666666666666")
    usage = lines["usage/2026-11-18/004455667788/prod-x/agr-1/tokens"]
    assert (usage["quantity"], usage["amount"], usage["currency"]) == ("1200", "3.00", "USD")
    assert usage["line_type"] == "usage"
    assert len(lines) == 5


def test_inputs_are_fingerprinted(result: PartnerExtract) -> None:
    assert len(result.inputs) == 10
    account_oct = next(i for i in result.inputs if i.uri.endswith("AccountFeed_V1/year=2026/month=10/data.csv"))
    data = (FIXTURES / "aws" / "AccountFeed_V1/year=2026/month=10/data.csv").read_bytes()
    assert account_oct.sha256 == hashlib.sha256(data).hexdigest()
    assert (account_oct.bytes, account_oct.rows) == (len(data), 7)
    assert result.inputs_json()[0].keys() == {"uri", "sha256", "bytes", "rows"}


def test_report_counts_and_informational_results(result: PartnerExtract) -> None:
    doc = result.validation.to_json()
    counts = {d["dataset"]: d["counts"] for d in doc["datasets"] if d["counts"]}
    assert counts["tenants"]["valid"] == 5
    assert counts["aws_account_feed"]["rows"] == 10  # the row inserted after D is not read
    assert result.validation.find("rows.after_logical_date", "aws_account_feed")
    assert result.validation.find("history.deleted", "aws_account_feed")


def _shuffle_rows(root: Path, seed: int) -> None:
    rng = random.Random(seed)
    for path in root.rglob("data.csv"):
        header, *rows = path.read_text(encoding="utf-8").splitlines(keepends=True)
        rng.shuffle(rows)
        path.write_text(header + "".join(rows), encoding="utf-8")


@pytest.mark.parametrize("seed", [1, 2])
def test_result_does_not_depend_on_row_order(aws_dir: Path, result: PartnerExtract, seed: int) -> None:
    _shuffle_rows(aws_dir, seed)
    shuffled = extract(Storage(), aws_partner(aws_dir.as_uri()), LOGICAL_DATE)
    for name in ("tenants", "entitlements", "billing"):
        pd.testing.assert_frame_equal(_comparable(getattr(result, name)), _comparable(getattr(shuffled, name)))


def test_months_back_limits_the_window(aws_dir: Path) -> None:
    only_november = extract(Storage(), aws_partner(aws_dir.as_uri(), months_back=0), LOGICAL_DATE)
    # October files are outside the window: accounts seen only there are not tenants.
    assert sorted(only_november.tenants["tenant_id"]) == ["123456789012", "210987654321"]


def test_months_window() -> None:
    assert months(dt.date(2026, 2, 14), 2) == [(2025, 12), (2026, 1), (2026, 2)]
    assert months(dt.date(2026, 2, 14), 0) == [(2026, 2)]


def test_feed_folders_and_pattern_are_configuration(aws_dir: Path, result: PartnerExtract) -> None:
    for folder in ("AccountFeed_V1", "AddressFeed_V1", "AgreementFeed_V1", "BillingEventFeed_V1", "DailyUsageFeed_V1"):
        for month in ("10", "11"):
            src = aws_dir / folder / "year=2026" / f"month={month}" / "data.csv"
            dst = aws_dir / "renamed" / folder.lower() / f"2026-{month}.csv"
            dst.parent.mkdir(parents=True, exist_ok=True)
            src.rename(dst)
    partner = aws_partner(
        (aws_dir / "renamed").as_uri(),
        account="accountfeed_v1",
        address="addressfeed_v1",
        agreement="agreementfeed_v1",
        billing_event="billingeventfeed_v1",
        daily_usage="dailyusagefeed_v1",
        file_pattern="{feed}/{year}-{month}.csv",
    )
    assert feed_uris(partner, ACCOUNT, LOGICAL_DATE)[-1].endswith("/accountfeed_v1/2026-11.csv")
    renamed = extract(Storage(), partner, LOGICAL_DATE)
    assert renamed.validation.passed
    pd.testing.assert_frame_equal(
        renamed.tenants.drop(columns=["source_uri"]), result.tenants.drop(columns=["source_uri"])
    )


def test_unconfigured_seller_account_is_reported(aws_dir: Path) -> None:
    partner = aws_partner(aws_dir.as_uri()).model_copy(update={"seller_account_id": None})
    out = extract(Storage(), partner, LOGICAL_DATE)
    assert out.entitlements["reseller_tenant_id"].isna().all()
    (warning,) = out.validation.find("entitlements.seller_account_configured")
    assert warning.outcome.value == "warned"


@pytest.mark.integration
def test_reads_the_same_from_real_s3(s3: Endpoint, result: PartnerExtract) -> None:
    storage = Storage()
    root = f"{s3.root}/seller-feeds"
    for path in sorted((FIXTURES / "aws").rglob("*.csv")):
        storage.write_bytes(f"{root}/{path.relative_to(FIXTURES / 'aws').as_posix()}", path.read_bytes())
    remote = extract(storage, aws_partner(root), LOGICAL_DATE)
    assert remote.validation.passed
    for name in ("tenants", "entitlements", "billing"):
        expected = _comparable(getattr(result, name), keep_lines=True)
        pd.testing.assert_frame_equal(_comparable(getattr(remote, name), keep_lines=True), expected)
    assert remote.tenants["source_uri"].str.startswith("s3://moto-test/seller-feeds/AccountFeed_V1/").all()
