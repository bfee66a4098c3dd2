"""The AWS Seller Data Feeds reader on a small two-month world: canonical rows, history, lineage.

The reader is pure: these tests hand it the fixture files as bytes and a raw check that lets every row
pass (or rejects chosen rows), never a storage client or Great Expectations. Fetching the files is
tested at the end, against local storage and a real S3 server.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline.config import PartnerConfig
from pipeline.datasets import BILLING, ENTITLEMENTS, QUARANTINE, TENANTS
from pipeline.partners import Extracted, PartnerDrop, RawCheck, fetch_drop, read, unchecked
from pipeline.partners.aws.feeds import ACCOUNT, FEEDS, feed_uris, months
from pipeline.quality import Outcome
from pipeline.storage import Storage
from tests.partners.builders import FIXTURES, LOGICAL_DATE, Reject, aws_partner, drop_of
from tests.servers import Endpoint

ROOT = "s3://seller-feeds/aws"
PARTNER = aws_partner(ROOT)


def _read(drop: PartnerDrop, partner: PartnerConfig = PARTNER, check: RawCheck = unchecked) -> Extracted:
    return read(drop, partner, LOGICAL_DATE, check=check)


def _comparable(frame: pd.DataFrame, *, keep_lines: bool = False) -> pd.DataFrame:
    """The frame with file URIs reduced to the file's place in the inbox (feed/year/month/name)."""
    out = frame.assign(source_uri=frame["source_uri"].str.split("/").str[-4:].str.join("/"))
    return out if keep_lines else out.drop(columns=["source_line"])


def _by(frame: pd.DataFrame, column: str) -> dict[str, dict[str, object]]:
    return {str(r[column]): r for r in frame.to_dict("records")}


@pytest.fixture(scope="module")
def result() -> Extracted:
    """The fixture world read once for the tests that only look at it."""
    return _read(drop_of(FIXTURES / "aws", ROOT))


def test_canonical_frames_have_the_dataset_columns(result: Extracted) -> None:
    assert tuple(result.tenants.frame.columns) == TENANTS.columns
    assert tuple(result.entitlements.frame.columns) == ENTITLEMENTS.columns
    assert tuple(result.billing.frame.columns) == BILLING.columns
    assert tuple(result.quarantine.columns) == QUARANTINE.columns
    assert not [r.describe() for r in result.results if r.stops_run]
    assert result.quarantine.empty
    assert all(c.quarantine.empty and not any(r.stops_run for r in c.results) for c in result.canonical)


def test_tenants_current_rows_and_attributes(result: Extracted) -> None:
    tenants = _by(result.tenants.frame, "tenant_id")
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
    assert acme["source_uri"] == f"{ROOT}/AccountFeed_V1/year=2026/month=10/data.csv"
    assert acme["source_line"] == 3


def test_entitlements_resellers_and_status(result: Extracted) -> None:
    ents = _by(result.entitlements.frame, "entitlement_id")
    assert sorted(ents) == ["agr-1", "agr-2", "agr-3"]
    assert pd.isna(ents["agr-1"]["reseller_tenant_id"])  # proposed by our own seller account
    assert ents["agr-2"]["reseller_tenant_id"] == "555555555555"
    assert ents["agr-2"]["tenant_id"] == "123456789012"
    assert (ents["agr-3"]["status"], ents["agr-3"]["end_date"]) == ("TERMINATED", "2026-11-10")
    assert ents["agr-1"]["product_id"] == "prod-x"
    assert ents["agr-1"]["start_date"] == "2026-10-02"


def test_billing_lines_keep_decimal_text_and_take_usage_corrections(result: Extracted) -> None:
    lines = _by(result.billing.frame, "line_id")
    assert lines["be-1"]["amount"] == "100.00"
    assert lines["be-3"]["amount"] == "-10.00"
    assert (lines["be-1"]["tenant_id"], lines["be-1"]["payer_account_id"]) == ("004455667788", "666666666666")
    usage = lines["usage/2026-11-18/004455667788/prod-x/agr-1/tokens"]
    assert (usage["quantity"], usage["amount"], usage["currency"]) == ("1200", "3.00", "USD")
    assert usage["line_type"] == "usage"
    assert len(lines) == 5


def test_inputs_are_fingerprinted(result: Extracted) -> None:
    assert len(result.inputs) == 10
    account_oct = next(i for i in result.inputs if i.uri.endswith("AccountFeed_V1/year=2026/month=10/data.csv"))
    data = (FIXTURES / "aws" / "AccountFeed_V1/year=2026/month=10/data.csv").read_bytes()
    assert account_oct.sha256 == hashlib.sha256(data).hexdigest()
    assert (account_oct.bytes, account_oct.rows) == (len(data), 7)
    assert result.inputs_json()[0].keys() == {"uri", "sha256", "bytes", "rows"}


def test_counts_and_informational_results(result: Extracted) -> None:
    counts = {c.dataset: c for c in result.counts}
    assert list(counts) == [spec.contract for spec in FEEDS]
    assert (counts["aws_account_feed"].rows, counts["aws_account_feed"].valid) == (10, 10)  # one row is from after D
    assert len(result.tenants.frame) == 5
    (later,) = [r for r in result.results if r.check == "rows.after_logical_date" and r.dataset == "aws_account_feed"]
    assert later.outcome is Outcome.PASSED and "1 rows inserted after 2026-11-20" in later.message
    assert [r for r in result.results if r.check == "history.deleted" and r.dataset == "aws_account_feed"]


def test_each_feed_is_checked_once_with_all_its_months() -> None:
    check = Reject()
    out = _read(drop_of(FIXTURES / "aws", ROOT), check=check)
    # One call per feed, with the rows of both months (those inserted by D) at once.
    assert check.seen == [
        ("aws_account_feed", 10),
        ("aws_address_feed", 9),
        ("aws_agreement_feed", 4),
        ("aws_billing_event_feed", 3),
        ("aws_daily_usage_feed", 3),
    ]
    assert [(c.dataset, c.rows) for c in out.counts] == check.seen


def test_a_rejected_version_excludes_its_key_and_what_refers_to_it() -> None:
    # The raw check rejects the November version of acc-0002 (as a contract rule would): its current row
    # is unknown, so the older October version must not stand in for it.
    rule = "valid_from.calendar"
    out = _read(
        drop_of(FIXTURES / "aws", ROOT), check=Reject({("AccountFeed_V1/year=2026/month=11/data.csv", 2): rule})
    )
    assert "123456789012" not in set(out.tenants.frame["tenant_id"])
    rules = set(out.quarantine["rule"])
    assert {rule, "history.incomplete_key"} <= rules
    incomplete = out.quarantine.loc[out.quarantine["rule"] == "history.incomplete_key"]
    assert incomplete[["source_uri", "source_line"]].values.tolist() == [
        [f"{ROOT}/AccountFeed_V1/year=2026/month=10/data.csv", 4]
    ]
    assert set(out.entitlements.quarantine["rule"]) == {"entitlements.acceptor_known"}
    assert "account acc-0002 was quarantined in the Account feed" in out.entitlements.quarantine["message"].iloc[0]
    assert set(out.billing.quarantine["record"].str.extract(r'"line_id":"([^"]+)"')[0]) == {"be-2"}
    account = next(c for c in out.counts if c.dataset == "aws_account_feed")
    assert (account.rows, account.quarantined) == (10, 2)


def test_a_file_with_both_country_columns_takes_the_older_name_where_the_new_one_is_empty() -> None:
    def both(relative: str, data: bytes) -> bytes:
        if relative != "AddressFeed_V1/year=2026/month=11/data.csv":
            return data
        header, *rows = data.decode("utf-8").splitlines()
        # addr-0004 (Shenzhen) leaves country_code empty and gives its country under the older name.
        rows = [r.replace(",518000,CN,", ",518000,,") + ",CN" if r.startswith("addr-0004") else r + ",FR" for r in rows]
        return "\n".join([header + ",country", *rows, ""]).encode("utf-8")

    out = _read(drop_of(FIXTURES / "aws", ROOT, both))
    tenants = out.tenants.frame.set_index("tenant_id")
    assert tenants.loc["123456789012", "country"] == "CN"
    assert [r.check for r in out.results if not r.passed and r.dataset == "aws_address_feed"] == []


def _shuffled(seed: int) -> PartnerDrop:
    rng = random.Random(seed)

    def shuffle(relative: str, data: bytes) -> bytes:
        header, *rows = data.decode("utf-8").splitlines(keepends=True)
        rng.shuffle(rows)
        return (header + "".join(rows)).encode("utf-8")

    return drop_of(FIXTURES / "aws", ROOT, shuffle)


@pytest.mark.parametrize("seed", [1, 2])
def test_result_does_not_depend_on_row_order(result: Extracted, seed: int) -> None:
    shuffled = _read(_shuffled(seed))
    for name in ("tenants", "entitlements", "billing"):
        pd.testing.assert_frame_equal(
            _comparable(getattr(result, name).frame), _comparable(getattr(shuffled, name).frame)
        )


def test_months_back_limits_the_window() -> None:
    only_november = _read(drop_of(FIXTURES / "aws", ROOT), aws_partner(ROOT, months_back=0))
    # October files are outside the window: accounts seen only there are not tenants.
    assert sorted(only_november.tenants.frame["tenant_id"]) == ["123456789012", "210987654321"]


def test_months_window() -> None:
    assert months(dt.date(2026, 2, 14), 2) == [(2025, 12), (2026, 1), (2026, 2)]
    assert months(dt.date(2026, 2, 14), 0) == [(2026, 2)]


def test_feed_folders_and_pattern_are_configuration(result: Extracted) -> None:
    def renamed(uri: str) -> str:
        folder, _, month, _ = uri.removeprefix(ROOT + "/").split("/")
        return f"{ROOT}/renamed/{folder.lower()}/2026-{month.removeprefix('month=')}.csv"

    drop = PartnerDrop({renamed(u): data for u, data in drop_of(FIXTURES / "aws", ROOT).files.items()})
    partner = aws_partner(
        f"{ROOT}/renamed",
        account="accountfeed_v1",
        address="addressfeed_v1",
        agreement="agreementfeed_v1",
        billing_event="billingeventfeed_v1",
        daily_usage="dailyusagefeed_v1",
        file_pattern="{feed}/{year}-{month}.csv",
    )
    assert feed_uris(partner, ACCOUNT, LOGICAL_DATE)[-1].endswith("/accountfeed_v1/2026-11.csv")
    moved = _read(drop, partner)
    assert not [r for r in moved.results if r.stops_run]
    pd.testing.assert_frame_equal(
        moved.tenants.frame.drop(columns=["source_uri"]), result.tenants.frame.drop(columns=["source_uri"])
    )


def test_unconfigured_seller_account_is_reported() -> None:
    out = _read(drop_of(FIXTURES / "aws", ROOT), PARTNER.model_copy(update={"seller_account_id": None}))
    assert out.entitlements.frame["reseller_tenant_id"].isna().all()
    (warning,) = [r for r in out.entitlements.results if r.check == "entitlements.seller_account_configured"]
    assert warning.outcome is Outcome.WARNED


# --- fetching the files: the edge ---------------------------------------------------------------


def test_fetch_reads_the_expected_files_that_exist(aws_dir: Path) -> None:
    (aws_dir / "AccountFeed_V1" / "year=2026" / "month=11" / "data.csv").unlink()
    stray = aws_dir / "AccountFeed_V1" / "year=2026" / "month=08" / "data.csv"  # before the window (Sep-Nov)
    stray.parent.mkdir(parents=True)
    shutil.copy(aws_dir / "AccountFeed_V1" / "year=2026" / "month=10" / "data.csv", stray)
    drop = fetch_drop(Storage(), aws_partner(aws_dir.as_uri()), LOGICAL_DATE)
    assert (
        drop.files
        == drop_of(
            FIXTURES / "aws",
            aws_dir.as_uri(),
            lambda relative, data: None if relative == "AccountFeed_V1/year=2026/month=11/data.csv" else data,
        ).files
    )


@pytest.mark.integration
def test_reads_the_same_from_real_s3(s3: Endpoint, result: Extracted) -> None:
    storage = Storage()
    root = f"{s3.root}/seller-feeds"
    for path in sorted((FIXTURES / "aws").rglob("*.csv")):
        storage.write_bytes(f"{root}/{path.relative_to(FIXTURES / 'aws').as_posix()}", path.read_bytes())
    drop = fetch_drop(storage, aws_partner(root), LOGICAL_DATE)
    assert drop.files == drop_of(FIXTURES / "aws", root).files
    remote = _read(drop, aws_partner(root))
    for name in ("tenants", "entitlements", "billing"):
        expected = _comparable(getattr(result, name).frame, keep_lines=True)
        pd.testing.assert_frame_equal(_comparable(getattr(remote, name).frame, keep_lines=True), expected)
    assert remote.tenants.frame["source_uri"].str.startswith("s3://moto-test/seller-feeds/AccountFeed_V1/").all()
