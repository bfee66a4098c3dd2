"""The AWS Seller Data Feeds are in AWS's layout and dialect, with the history a reader must handle."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from pathlib import Path

from demo_world import WorldSpec, aws, write_world
from pipeline.storage import Storage
from tests.demo_world.world import DATE, FEEDS, WrittenWorld, current_rows

DOCUMENTED = {
    # docs/partner-feeds.md, plus the history columns on every feed (docs/formats.md).
    "AccountFeed_V1": {"account_id", "aws_account_id", "encrypted_account_id", "mailing_address_id",
                       "tax_address_id", "tax_registration_number", "tax_legal_name"},
    "AddressFeed_V1": {"address_id", "aws_account_id", "email_domain", "company_name", "address_line_1",
                       "address_line_2", "address_line_3", "city", "state_or_region", "postal_code"},
    "AgreementFeed_V1": {"agreement_id", "status", "proposer_account_id", "acceptor_account_id", "offer_id",
                         "start_time", "end_time", "acceptance_time", "estimated_agreement_value", "currency_code"},
    "BillingEventFeed_V1": {"billing_event_id", "from_account_id", "to_account_id", "end_user_account_id",
                            "product_id", "billing_address_id", "action", "transaction_type", "amount", "currency",
                            "invoice_date", "usage_period_start_date", "usage_period_end_date", "agreement_id",
                            "offer_id"},
    "DailyUsageFeed_V1": {"usage_date", "end_user_account_id", "payer_account_id", "product_id", "agreement_id",
                          "dimension_key", "usage_unit", "usage_quantity", "pricing_currency",
                          "estimated_revenue_in_pricing_currency"},
}  # fmt: skip
HISTORY = {"valid_from", "insert_date", "update_date", "delete_date"}
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def test_layout_is_one_file_per_feed_per_month_for_seven_months(written: WrittenWorld) -> None:
    months = aws.feed_months(DATE, 6)
    for feed in FEEDS:
        names = [p.relative_to(written.path(f"inbox/aws/{feed}")).as_posix() for p in written.feed_files(feed)]
        assert names == [f"year={y:04d}/month={m:02d}/data.csv" for y, m in months]


def test_every_feed_file_has_the_documented_columns(written: WrittenWorld) -> None:
    for feed in FEEDS:
        for path in written.feed_files(feed):
            header = path.read_text(encoding="utf-8").split("\n", 1)[0].split(",")
            assert len(header) == len(set(header)), path
            country = {"country", "country_code"} & set(header)
            expected = DOCUMENTED[feed] | HISTORY | country
            assert set(header) == expected, path
            assert header == list(aws.FEED_COLUMNS[feed]) or feed == "AddressFeed_V1"
            if feed == "AddressFeed_V1":
                assert len(country) == 1, path


def test_address_files_name_the_country_both_ways(written: WrittenWorld) -> None:
    names = []
    for path in written.feed_files("AddressFeed_V1"):
        header = path.read_text(encoding="utf-8").split("\n", 1)[0].split(",")
        names.append("country_code" if "country_code" in header else "country")
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        assert all(re.fullmatch(r"[A-Z]{2}", r.get("country") or r.get("country_code") or "") for r in rows)
    # Older months say `country`, newer ones `country_code`, and both carry rows.
    assert names == sorted(names, key=lambda n: n == "country_code")
    assert {"country", "country_code"} == set(names)
    with_rows = {n for n, p in zip(names, written.feed_files("AddressFeed_V1"), strict=True)
                 if p.read_text(encoding="utf-8").count("\n") > 1}  # fmt: skip
    assert with_rows == {"country", "country_code"}


def test_csv_dialect_is_rfc4180_utf8_without_bom_and_lf(written: WrittenWorld) -> None:
    for feed in FEEDS:
        for path in written.feed_files(feed):
            data = path.read_bytes()
            assert not data.startswith(b"\xef\xbb\xbf")
            assert b"\r" not in data
            assert data.endswith(b"\n")
            text = data.decode("utf-8")
            rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
            assert len({len(r) for r in rows}) == 1, path


def test_some_month_files_hold_only_the_header(written: WrittenWorld) -> None:
    header_only = [p for f in FEEDS for p in written.feed_files(f) if p.read_text(encoding="utf-8").count("\n") == 1]
    assert header_only
    inside = [p for p in header_only if "AgreementFeed_V1" in p.parts and p.parent.name != "month=05"]
    assert inside, "a month inside the window, not only the oldest, without new agreements"


def test_no_row_is_inserted_after_the_logical_date_and_rows_stand_in_insert_order(written: WrittenWorld) -> None:
    for feed in FEEDS:
        for path in written.feed_files(feed):
            rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
            inserted = [r["insert_date"] for r in rows]
            assert inserted == sorted(inserted)
            month = path.parent.name.removeprefix("month=")
            for r in rows:
                assert r["insert_date"][:10] <= DATE.isoformat()
                assert r["insert_date"][5:7] == month
                assert TIMESTAMP.match(r["valid_from"]) and TIMESTAMP.match(r["insert_date"])
                assert r["update_date"] >= r["valid_from"]


def test_account_ids_are_twelve_digits_and_some_start_with_zero(written: WrittenWorld) -> None:
    ids = {r["aws_account_id"] for r in written.feed_rows("AccountFeed_V1")}
    assert all(re.fullmatch(r"\d{12}", i) for i in ids)
    assert sum(i.startswith("0") for i in ids) >= 3
    assert any(i.startswith("00") for i in ids)


def test_history_rows_corrections_changes_and_soft_deletes(written: WrittenWorld) -> None:
    rows = list(written.feed_rows("AccountFeed_V1"))
    per_key: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        per_key.setdefault(r["account_id"], []).append(r)
    corrected = [
        v
        for v in per_key.values()
        if len({r["valid_from"] for r in v}) < len(v) and not any(r["delete_date"] for r in v)
    ]
    changed = [v for v in per_key.values() if len({r["valid_from"] for r in v}) > 1]
    deleted = [v for v in per_key.values() if any(r["delete_date"] for r in v)]
    assert corrected and changed and deleted
    # The correction's newer update_date carries a different tax number under the same valid_from.
    assert any(len({r["tax_registration_number"] for r in v}) == 2 for v in corrected)
    current = current_rows(iter(rows), "account_id", DATE)
    truth_aws = {t["tenant_id"] for t in written.truth() if t["partner"] == "aws"}
    # Every current account is a tenant in the truth, and the soft-deleted one is not.
    assert {r["aws_account_id"] for r in current.values()} == truth_aws
    agreements = list(written.feed_rows("AgreementFeed_V1"))
    assert any(r["delete_date"] for r in agreements)
    assert Counter(r["status"] for r in current_rows(iter(agreements), "agreement_id", DATE).values())["ACTIVE"] > 0


def test_non_us_accounts_carry_tax_numbers_and_legal_names(written: WrittenWorld) -> None:
    accounts = current_rows(written.feed_rows("AccountFeed_V1"), "account_id", DATE)
    addresses = current_rows(written.feed_rows("AddressFeed_V1"), "address_id", DATE)
    with_tax = [a for a in accounts.values() if a["tax_registration_number"]]
    assert with_tax and all(a["tax_legal_name"] for a in with_tax)
    us = [a for a in accounts.values() if (addresses[a["mailing_address_id"]].get("country_code")
                                          or addresses[a["mailing_address_id"]].get("country")) == "US"]  # fmt: skip
    assert us and not any(a["tax_registration_number"] for a in us)
    # Some addresses leave company_name empty: the account's tax_legal_name names the company.
    assert any(not addresses[a["mailing_address_id"]]["company_name"] for a in with_tax)


def test_payers_resellers_and_billing_reference_known_accounts(written: WrittenWorld) -> None:
    accounts = {r["account_id"] for r in written.feed_rows("AccountFeed_V1")}
    agreements = list(written.feed_rows("AgreementFeed_V1"))
    config = written.path("config.yaml").read_text(encoding="utf-8")
    seller = re.search(r'seller_account_id: "(\S+)"', config)
    assert seller is not None
    proposers = {r["proposer_account_id"] for r in agreements}
    assert seller.group(1) in proposers and len(proposers) > 1, "agreements proposed by resellers too"
    assert proposers - {seller.group(1)} <= accounts
    billing = list(written.feed_rows("BillingEventFeed_V1"))
    usage = list(written.feed_rows("DailyUsageFeed_V1"))
    assert {r["action"] for r in billing} >= {"INVOICED", "DISBURSED"}
    assert any(r["from_account_id"] != r["end_user_account_id"] for r in billing)
    assert any(r["payer_account_id"] != r["end_user_account_id"] for r in usage)
    for r in billing:
        assert {r["from_account_id"], r["end_user_account_id"]} <= accounts
        assert re.fullmatch(r"-?\d+\.\d{2}", r["amount"]) and r["currency"] == "USD"
    for r in usage:
        assert {r["payer_account_id"], r["end_user_account_id"]} <= accounts
        assert r["usage_date"] < DATE.isoformat()


def test_agreements_sold_through_a_reseller_stay_live_whatever_the_seed(tmp_path: Path) -> None:
    """Scenarios hang on reseller relations (a restricted customer's reseller, a restricted reseller's
    customer): an agreement the world cancels at random would make its truth wrong."""
    cancelled_direct = 0
    for seed in range(1, 9):
        written = WrittenWorld(tmp_path / str(seed), write_world(Storage(), (tmp_path / str(seed)).as_uri(),
                                                                 WorldSpec(DATE, tenants=60, seed=seed)))  # fmt: skip
        current = current_rows(written.feed_rows("AgreementFeed_V1"), "agreement_id", DATE).values()
        resold = [r for r in current if r["offer_id"].startswith("offer-cppo")]
        assert resold and all(r["status"] == "ACTIVE" for r in resold), seed
        cancelled_direct += sum(r["status"] != "ACTIVE" for r in current)
    assert cancelled_direct, "agreements through our own offers are still cancelled now and then"
