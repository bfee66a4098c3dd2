"""AWS Marketplace Seller Data Feeds of a demo world, in AWS's delivery layout and CSV dialect.

Invariant: every file is `<Feed>/year=YYYY/month=MM/data.csv` holding exactly the rows inserted during
that month (the month's file is appended to daily, so a row lives in the file of its `insert_date`),
RFC 4180 CSV in UTF-8 without BOM, `\\n` line ends, a header row, every value text; no `insert_date`
is after the logical date. The current state of every key, read by AWS's rule (latest `valid_from`,
then latest `update_date`; a row with `delete_date` set deletes the record), is exactly the state the
world's truth describes.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from demo_world import vocab

HISTORY = ("valid_from", "insert_date", "update_date", "delete_date")

ACCOUNT_COLUMNS = (
    "account_id", "aws_account_id", "encrypted_account_id", "mailing_address_id", "tax_address_id",
    "tax_registration_number", "tax_legal_name", *HISTORY,
)  # fmt: skip
ADDRESS_COLUMNS_OLD = (
    "address_id", "aws_account_id", "email_domain", "company_name", "address_line_1", "address_line_2",
    "address_line_3", "city", "state_or_region", "postal_code", "country", *HISTORY,
)  # fmt: skip
ADDRESS_COLUMNS = (*ADDRESS_COLUMNS_OLD[:-5], "country_code", *HISTORY)
AGREEMENT_COLUMNS = (
    "agreement_id", "status", "proposer_account_id", "acceptor_account_id", "offer_id", "start_time",
    "end_time", "acceptance_time", "estimated_agreement_value", "currency_code", *HISTORY,
)  # fmt: skip
BILLING_COLUMNS = (
    "billing_event_id", "from_account_id", "to_account_id", "end_user_account_id", "product_id",
    "billing_address_id", "action", "transaction_type", "currency", "amount", "invoice_date",
    "usage_period_start_date", "usage_period_end_date", "agreement_id", "offer_id", *HISTORY,
)  # fmt: skip
USAGE_COLUMNS = (
    "usage_date", "end_user_account_id", "payer_account_id", "product_id", "agreement_id", "dimension_key",
    "usage_unit", "usage_quantity", "pricing_currency", "estimated_revenue_in_pricing_currency", *HISTORY,
)  # fmt: skip

# Columns per feed folder (address files of older months say `country` instead of `country_code`).
FEED_COLUMNS: dict[str, tuple[str, ...]] = {
    "AccountFeed_V1": ACCOUNT_COLUMNS,
    "AddressFeed_V1": ADDRESS_COLUMNS,
    "AgreementFeed_V1": AGREEMENT_COLUMNS,
    "BillingEventFeed_V1": BILLING_COLUMNS,
    "DailyUsageFeed_V1": USAGE_COLUMNS,
}

# Our two listings on AWS Marketplace: (product_id, offer_id of the public offer, dimensions with prices).
PRODUCTS: tuple[tuple[str, str, tuple[tuple[str, str, float], ...]], ...] = (
    ("prod-acmefoundation1", "offer-acmepublic00001", (("input_tokens", "MTok", 3.0), ("output_tokens", "MTok", 15.0))),
    ("prod-acmeassistant01", "offer-acmepublic00002", (("seats", "Users", 30.0),)),
)  # fmt: skip


_ADDRESS_NS = uuid.UUID("0d7c35a1-5b4e-4f7e-8d8c-1f2a3b4c5d6e")


def address_id(account_id: str, role: str) -> str:
    return str(uuid.uuid5(_ADDRESS_NS, f"{account_id}/{role}"))


@functools.lru_cache(maxsize=65_536)
def ts(moment: dt.datetime) -> str:
    """ISO 8601 UTC to the second (the feeds' timestamps); cached, as the same instants repeat a lot."""
    return moment.replace(microsecond=0).isoformat() + "Z"


def month_key(day: dt.date) -> tuple[int, int]:
    return day.year, day.month


def feed_months(date: dt.date, months_back: int) -> list[tuple[int, int]]:
    """(year, month) of the logical date's month and the `months_back` months before it, oldest first."""
    out = []
    y, m = date.year, date.month
    for _ in range(months_back + 1):
        out.append((y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


@dataclass(frozen=True)
class AwsAccount:
    """One AWS account as the world knows it (a tenant, or a soft-deleted account)."""

    key: str
    account_id: str  # GUID
    aws_account_id: str  # 12 digits
    encrypted_account_id: str
    company_name: str
    country: str
    tax_country: str
    tax_number: str
    email_domain: str
    created: dt.datetime
    payer: str | None  # account_id (GUID) of the payer, when another account pays
    reseller: str | None  # account_id of the proposer, when a reseller sold the agreement
    is_reseller: bool
    moved_from: str | None = None
    moved_at: dt.datetime | None = None
    wrong_tax_number: str | None = None
    corrected_at: dt.datetime | None = None
    deleted_at: dt.datetime | None = None
    name_in_tax_legal_name_only: bool = False
    state_or_region: str = ""


class _Line:
    """The text csv.writer writes for one row (it writes each row with one call)."""

    text = ""

    def write(self, text: str) -> int:
        self.text = text
        return len(text)


class _Files:
    """Rows per (feed, month) as their CSV lines with their insertion times; each month's rows are
    written in insertion order. A row is kept as its line of text, not as a tuple of fields: a million
    tenants' feeds hold some five million rows, and fifteen separate strings cost several times their text."""

    def __init__(self, months: Sequence[tuple[int, int]]) -> None:
        self.months = frozenset(months)
        self.lines: dict[tuple[str, tuple[int, int]], list[str]] = defaultdict(list)
        self.inserted: dict[tuple[str, tuple[int, int]], list[str]] = defaultdict(list)
        self._line = _Line()
        self._writer = csv.writer(self._line, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        self._insert_date = {feed: header.index("insert_date") for feed, header in FEED_COLUMNS.items()}

    def line(self, row: Sequence[str]) -> str:
        self._writer.writerow(row)
        return self._line.text

    def add(self, feed: str, inserted: dt.datetime, row: tuple[str, ...]) -> None:
        month = (inserted.year, inserted.month)
        if month not in self.months:
            raise ValueError(f"{feed}: row inserted {inserted} falls outside the generated months")
        self.lines[(feed, month)].append(self.line(row))
        self.inserted[(feed, month)].append(row[self._insert_date[feed]])

    def render(self, feed: str, month: tuple[int, int], header: Sequence[str]) -> bytes:
        """The month's file: the header, then its rows in the order they were inserted (ties as added)."""
        lines, inserted = self.lines.pop((feed, month), []), self.inserted.pop((feed, month), [])
        order = sorted(range(len(lines)), key=inserted.__getitem__)
        return (self.line(header) + "".join([lines[i] for i in order])).encode("utf-8")


_POSTAL_FORMATS: dict[str, str] = {
    **dict.fromkeys(("US", "DE", "FR", "ES", "IT", "MX", "KR"), "{d5}"),
    **dict.fromkeys(("CN", "IN", "SG", "RU"), "{d6}"),
    **dict.fromkeys(("HK", "MO", "AE", "KY", "VG"), ""),
    "GB": "EC{a}A {b}BB",
    "JP": "{d3}-{d4}",
    "NL": "{nl} AB",
    "CA": "M5V {b}A{a}",
}


def _postal(country: str, n: int) -> str:
    """A postal code of the country's shape; many start with a zero, which a numeric reader would lose."""
    fmt = _POSTAL_FORMATS.get(country, "{d4}")
    return fmt.format_map(
        {
            "d3": f"{n % 1000:03d}",
            "d4": f"{n % 10_000:04d}",
            "d5": f"{n % 100_000:05d}",
            "d6": f"{n % 1_000_000:06d}",
            "a": 1 + n % 4,
            "b": n % 9,
            "nl": 1000 + n % 9000,
        }
    )


@dataclass(frozen=True)
class FeedLayout:
    """Which months exist, where the country column changes name, and which file stays empty."""

    date: dt.date
    months_back: int
    country_code_since: tuple[int, int]  # address files from this month on name the column country_code
    empty: tuple[str, tuple[int, int]]  # (feed, month) whose file holds only the header

    @functools.cached_property
    def months(self) -> list[tuple[int, int]]:
        return feed_months(self.date, self.months_back)

    @functools.cached_property
    def _day_end(self) -> dt.datetime:
        return _day_end(self.date)

    @functools.cached_property
    def _moved_out_of_empty(self) -> dt.datetime:
        y, m = self.empty[1]
        return dt.datetime(y + (m == 12), m % 12 + 1, 1, 0, 30)

    def insert_time(self, feed: str, moment: dt.datetime) -> dt.datetime:
        """When a row about `moment` is inserted: then, except that nothing lands in the empty file
        (its rows move to the first day of the next month) and nothing is after the logical date."""
        if feed == self.empty[0] and (moment.year, moment.month) == self.empty[1]:
            moment = self._moved_out_of_empty
        return min(moment, self._day_end)


class _FeedWriter:
    def __init__(self, layout: FeedLayout, seller: str, rng: np.random.Generator) -> None:
        self.layout = layout
        self.files = _Files(layout.months)
        self.seller = seller
        self.rng = rng
        self.address_ids: dict[str, tuple[str, str]] = {}
        self.agreement_of: dict[str, tuple[str, str, str]] = {}
        self.event_serial = 0

    def add(self, feed: str, moment: dt.datetime, row: tuple[str, ...]) -> None:
        self.files.add(feed, moment, row)

    def at(self, feed: str, moment: dt.datetime) -> dt.datetime:
        return self.layout.insert_time(feed, moment)

    # accounts and addresses

    def account(self, a: AwsAccount, nums: list[int]) -> None:
        mailing_id = address_id(a.account_id, "mailing")
        tax_id = address_id(a.account_id, "tax") if a.tax_country != a.country else mailing_id
        self.address_ids[a.account_id] = (mailing_id, tax_id)
        first_mailing, first_tax = mailing_id, tax_id
        created = self.at("AccountFeed_V1", a.created)
        if a.moved_from:
            first_mailing = address_id(a.account_id, "mailing-before-move")
            first_tax = first_mailing
            self.address(a, first_mailing, a.moved_from, created, nums[0])
        else:
            self.address(a, mailing_id, a.country, created, nums[0])
            if tax_id != mailing_id:
                self.address(a, tax_id, a.tax_country, created, nums[1])
        legal = a.company_name if a.tax_number else ""
        head = (a.account_id, a.aws_account_id, a.encrypted_account_id)
        first = (*head, first_mailing, first_tax, a.wrong_tax_number or a.tax_number, legal)
        self.add("AccountFeed_V1", created, (*first, ts(created), ts(created), ts(created), ""))
        if a.wrong_tax_number and a.corrected_at is not None:
            # A correction keeps valid_from and gets a newer update_date.
            fixed = self.at("AccountFeed_V1", a.corrected_at)
            row = (*head, first_mailing, first_tax, a.tax_number, legal)
            self.add("AccountFeed_V1", fixed, (*row, ts(created), ts(fixed), ts(fixed), ""))
        if a.moved_from and a.moved_at is not None:
            # An account change is appended as a new row with a later valid_from, pointing at new addresses.
            moved = self.at("AccountFeed_V1", a.moved_at)
            self.address(a, mailing_id, a.country, moved, nums[2])
            if tax_id != mailing_id:
                self.address(a, tax_id, a.tax_country, moved, nums[3])
            row = (*head, mailing_id, tax_id, a.tax_number, legal)
            self.add("AccountFeed_V1", moved, (*row, ts(moved), ts(moved), ts(moved), ""))
        if a.deleted_at is not None:
            gone = self.at("AccountFeed_V1", a.deleted_at)
            self.add("AccountFeed_V1", gone, (*first, ts(created), ts(gone), ts(gone), ts(gone)))

    def address(self, a: AwsAccount, key: str, country: str, when: dt.datetime, num: int) -> None:
        cities = vocab.CITIES.get(country, ("Capital",))
        company = "" if a.name_in_tax_legal_name_only else a.company_name
        line1 = f"{1 + num % 250} {vocab.STREETS[num % len(vocab.STREETS)]}"
        line2 = f"Suite {100 + num % 900}" if num % 3 == 0 else ""
        region = a.state_or_region if country == a.country else ""
        when = self.at("AddressFeed_V1", when)
        place = (cities[num % len(cities)], region, _postal(country, num), country)
        row = (key, a.aws_account_id, a.email_domain, company, line1, line2, "", *place)
        self.add("AddressFeed_V1", when, (*row, ts(when), ts(when), ts(when), ""))

    # agreements

    def agreement(self, a: AwsAccount, d: list[int], serial: int) -> None:
        """The agreement `a` accepted, with its occasional correction, cancellation or deleted duplicate."""
        product_id, public_offer, _ = PRODUCTS[d[0] % len(PRODUCTS)]
        agreement = f"agmt-{d[1]:09d}{serial:08d}{d[2] % 10**9:09d}"[:31]
        if a.reseller:
            offer = f"offer-cppo{d[3] % 10**8:08d}"  # a channel partner private offer
        else:
            offer = f"offer-private{d[3] % 10**6:06d}" if d[3] % 4 == 0 else public_offer
        proposer = a.reseller or self.seller
        start = self.at("AgreementFeed_V1", a.created + dt.timedelta(minutes=5 + d[4] % 600))
        end = start + dt.timedelta(days=365 * (1 + d[4] % 3))
        value = f"{(d[5] % 900 + 100) * 120:.2f}"
        base = (agreement, "ACTIVE", proposer, a.account_id, offer, ts(start), ts(end), ts(start))
        self.add("AgreementFeed_V1", start, (*base, value, "USD", ts(start), ts(start), ts(start), ""))
        if d[5] % 17 == 0:
            # A correction of the estimated value: same valid_from, newer update_date.
            fixed = self.at("AgreementFeed_V1", start + dt.timedelta(days=2))
            corrected = f"{float(value) * 1.1:.2f}"
            self.add("AgreementFeed_V1", fixed, (*base, corrected, "USD", ts(start), ts(fixed), ts(fixed), ""))
        # Agreements sold through a reseller stay live: the scenarios built on a reseller relation decide
        # by it (an ended one passes nothing on, which tests/policy covers).
        if d[5] % 23 == 0 and not a.reseller and a.created.date() < self.layout.date - dt.timedelta(days=40):
            # The customer cancelled: a status change is a new row with a later valid_from.
            changed = self.at("AgreementFeed_V1", a.created + dt.timedelta(days=30))
            status = ("CANCELLED", "TERMINATED")[d[0] % 2]
            status_row = (agreement, status, proposer, a.account_id, offer, ts(start), ts(changed), ts(start))
            self.add(
                "AgreementFeed_V1", changed, (*status_row, value, "USD", ts(changed), ts(changed), ts(changed), "")
            )
        if d[5] % 41 == 0:
            # A duplicate agreement created by mistake and soft-deleted the next day.
            later = self.at("AgreementFeed_V1", start + dt.timedelta(days=1))
            dup = (agreement[:-3] + "dup", "ACTIVE", proposer, a.account_id, offer, ts(start), ts(end), ts(start))
            self.add("AgreementFeed_V1", start, (*dup, value, "USD", ts(start), ts(start), ts(start), ""))
            self.add("AgreementFeed_V1", later, (*dup, value, "USD", ts(start), ts(later), ts(later), ts(later)))
        self.agreement_of[a.account_id] = (agreement, product_id, offer)

    # billing events and usage

    @functools.cached_property
    def _invoiced_months(self) -> list[tuple[int, dt.date, tuple[str, str]]]:
        """(month, first day of the next month, usage period) of the last two complete months: they
        are invoiced inside the window (older invoices are history enough)."""
        out = []
        for y, m in self.layout.months[-3:-1]:
            next_month = dt.date(y + (m == 12), m % 12 + 1, 1)
            period = (
                ts(dt.datetime(y, m, 1)),
                ts(dt.datetime.combine(next_month - dt.timedelta(days=1), dt.time(23, 59, 59))),
            )
            out.append((m, next_month, period))
        return out

    def billing(self, a: AwsAccount, payer: AwsAccount, d: list[int]) -> None:
        """Monthly invoices (seller share, AWS fee, sometimes a credit) and their disbursements."""
        agreement, product_id, offer = self.agreement_of[payer.account_id]
        date = self.layout.date
        common = (payer.account_id, self.seller, a.account_id, product_id, self.address_ids[payer.account_id][1])
        created = a.created.date()
        for m, next_month, period in self._invoiced_months:
            invoiced = dt.datetime.combine(next_month, dt.time(2, 0)) + dt.timedelta(days=d[0] % 3)
            if next_month <= created or invoiced.date() > date:
                continue
            invoice = self.at("BillingEventFeed_V1", invoiced)
            gross = (d[1] % 5000 + 50) * 1.0 + (m * 7.3)
            lines = [("INVOICED", "SELLER_REV_SHARE", gross), ("INVOICED", "AWS_REV_SHARE", -round(gross * 0.03, 2))]
            if d[2] % 29 == 0:
                lines.append(("FORGIVEN", "SELLER_REV_SHARE_CREDIT", -gross))
            for action, kind, amount in lines:
                body = (*common, action, kind, "USD", f"{amount:.2f}")
                self.event(invoice, body, invoice=invoice, period=period, refs=(agreement, offer))
            paid = invoiced + dt.timedelta(days=30)
            if paid.date() <= date:
                disbursed = (*common, "DISBURSED", "DISBURSEMENT", "USD", f"{-round(gross * 0.97, 2):.2f}")
                inserted = self.at("BillingEventFeed_V1", paid)
                self.event(inserted, disbursed, invoice=invoice, period=period, refs=(agreement, offer))

    def event(
        self,
        inserted: dt.datetime,
        body: tuple[str, ...],
        *,
        invoice: dt.datetime,
        period: tuple[str, str],
        refs: tuple[str, str],
    ) -> None:
        self.event_serial += 1
        row = (f"{1_000_000_000 + self.event_serial}", *body, ts(invoice), *period, *refs)
        self.add("BillingEventFeed_V1", inserted, (*row, ts(inserted), ts(inserted), ts(inserted), ""))

    @functools.cached_property
    def _usage_days(self) -> list[tuple[dt.date, str, dt.datetime]]:
        """(day, its ISO form, when its usage was delivered) for the seven days before the logical date."""
        out = []
        for back in range(1, 8):
            day = self.layout.date - dt.timedelta(days=back)
            delivered = self.at("DailyUsageFeed_V1", dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 40)))
            out.append((day, day.isoformat(), delivered))
        return out

    def usage(self, a: AwsAccount, payer: AwsAccount, d: list[int]) -> None:
        """Usage on one day of the last seven (each account has its own weekday), delivered the next morning."""
        agreement, product_id, _ = self.agreement_of[payer.account_id]
        dims = next(p[2] for p in PRODUCTS if p[0] == product_id)
        day, iso, delivered = self._usage_days[d[3] % 7]
        if day < a.created.date():
            return
        stamp = ts(delivered)
        for k, (dim, unit, price) in enumerate(dims):
            qty = ((d[4] >> k) % 900 + 10) / 10
            row = (iso, a.account_id, payer.account_id, product_id, agreement, dim, unit, f"{qty:.1f}", "USD")
            self.add("DailyUsageFeed_V1", delivered, (*row, f"{qty * price:.2f}", stamp, stamp, stamp, ""))

    def render(self) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for feed, header in FEED_COLUMNS.items():
            for y, m in self.layout.months:
                cols = header
                if feed == "AddressFeed_V1" and (y, m) < self.layout.country_code_since:
                    cols = ADDRESS_COLUMNS_OLD
                # Daily deliveries append to the month's file: rows stand in the order they were inserted.
                out[f"{feed}/year={y:04d}/month={m:02d}/data.csv"] = self.files.render(feed, (y, m), cols)
        return out


def write_feeds(
    accounts: Sequence[AwsAccount], layout: FeedLayout, *, seller_account_id: str, rng: np.random.Generator
) -> dict[str, bytes]:
    """All feed files, keyed by their path under the inbox (`<Feed>/year=YYYY/month=MM/data.csv`)."""
    writer = _FeedWriter(layout, seller_account_id, rng)
    numbers = rng.integers(1, 10**6, size=(len(accounts), 4)).tolist()
    for a, nums in zip(accounts, numbers, strict=True):
        writer.account(a, nums)
    live = [a for a in accounts if a.deleted_at is None]
    by_id = {a.account_id: a for a in live}
    draws = rng.integers(0, 10**9, size=(len(live), 6)).tolist()
    # One agreement per buying account: members of an organisation buy through their payer, resellers
    # buy nothing themselves.
    for serial, (a, d) in enumerate(zip(live, draws, strict=True)):
        if a.payer is None and not a.is_reseller:
            writer.agreement(a, d, serial)
    for a, d in zip(live, draws, strict=True):
        payer = by_id.get(a.payer) if a.payer else a
        if payer is None or payer.account_id not in writer.agreement_of or a.is_reseller:
            continue
        writer.billing(a, payer, d)
        writer.usage(a, payer, d)
    return writer.render()


def _day_end(date: dt.date) -> dt.datetime:
    return dt.datetime.combine(date, dt.time(23, 59, 59))
