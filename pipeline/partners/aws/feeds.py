"""AWS Marketplace Seller Data Feeds -> canonical tenants, entitlements and billing for one logical date.

Invariant: the result depends only on the feed files of the `months_back` months up to the logical
date D and on the rows in them inserted on or before D (a later row is tomorrow's news), never on
file or row order. Every column is read as text; an AWS account id is exactly 12 digits kept as text,
and one that lost leading zeros is quarantined, never padded. Every row read ends up in a canonical
frame, in the quarantine (with file, line and rule), or counted in the validation as superseded,
deleted or not yet inserted. Cross-feed references (the account GUIDs of agreements and billing) to
an account that is unknown or quarantined never silently take another account's place. Pure: the
files come as bytes (`PartnerDrop`), and the feed contracts' row checks are the caller's `RawCheck`,
run once per feed on the rows of all its months, before the history and the mapping see them.

Mapping (feed -> canonical):
- tenants: the current, not deleted Account row per account GUID; company name = mailing address
  `company_name`, else the account's `tax_legal_name`; country = mailing address country;
  tax_country = tax address country; payer_account_id = the 12-digit payer of the tenant's latest
  billing event or usage line when another account pays. A tenant whose mailing or tax address row
  was quarantined is quarantined too (its country is unknown, not absent).
- entitlements: the current Agreement per agreement_id; tenant = acceptor; reseller = proposer's
  12-digit id when the proposer is not the configured `seller_account_id`.
- billing: one row per current billing event (`line_id` = billing_event_id) and per current daily
  usage line (`line_id` = usage/<date>/<end user>/<product>/<agreement>/<dimension>), amounts as
  the decimal text AWS wrote, with their currency.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from pipeline.arrays import instants, member_of, utc_dates
from pipeline.config import PartnerConfig
from pipeline.datasets import BILLING, ENTITLEMENTS, LINEAGE, TENANTS
from pipeline.partners.aws.history import Current, current_rows, key_strings
from pipeline.partners.base import Extracted, PartnerDrop, RawCheck, canonical
from pipeline.partners.files import InputFile, RawRead, empty_rows, parse_csv
from pipeline.quality.contracts import Contract, Scope, Severity, load_contract
from pipeline.quality.quarantine import Quarantined, concat_quarantine, record_json
from pipeline.quality.results import CheckResult, DatasetCounts, Source, sample_rows
from pipeline.storage import join


@dataclass(frozen=True)
class FeedSpec:
    attr: str  # the AwsFeeds field naming the folder
    contract: str
    required: bool  # a missing feed stops the run (else it is reported)


ACCOUNT = FeedSpec("account", "aws_account_feed", True)
ADDRESS = FeedSpec("address", "aws_address_feed", True)
AGREEMENT = FeedSpec("agreement", "aws_agreement_feed", True)
BILLING_EVENT = FeedSpec("billing_event", "aws_billing_event_feed", False)
DAILY_USAGE = FeedSpec("daily_usage", "aws_daily_usage_feed", False)
FEEDS = (ACCOUNT, ADDRESS, AGREEMENT, BILLING_EVENT, DAILY_USAGE)


@dataclass(frozen=True, eq=False)
class FeedData:
    contract: Contract
    rows: pd.DataFrame  # rows inserted by D that passed the raw contract, all versions (lineage kept)
    current: Current
    quarantine: pd.DataFrame
    results: tuple[CheckResult, ...]
    inputs: tuple[InputFile, ...]
    counts: DatasetCounts  # rows read, kept and set aside, for the stage's quarantine-share check
    # Unreadable records whose key could not be told (a broken quote, a wrong field count): any key the
    # feed seems not to have may be one of them.
    unidentified: int = 0


def months(logical_date: dt.date, months_back: int) -> list[tuple[int, int]]:
    """(year, month) from `months_back` months before D's month up to D's month, oldest first."""
    index = logical_date.year * 12 + logical_date.month - 1
    return [(i // 12, i % 12 + 1) for i in range(index - months_back, index + 1)]


def feed_uris(partner: PartnerConfig, spec: FeedSpec, logical_date: dt.date) -> list[str]:
    feeds = partner.aws_feeds
    folder = getattr(feeds, spec.attr)
    return [
        join(partner.inbox, feeds.file_pattern.format(feed=folder, year=f"{y:04d}", month=f"{m:02d}"))
        for y, m in months(logical_date, feeds.months_back)
    ]


def arrival_files(partner: PartnerConfig, logical_date: dt.date) -> list[tuple[str, ...]]:
    """What shows the drop for D has come: for each required feed, its file for D's month (on the first
    of a month, when AWS may not have started the month's file yet, the previous month's counts too).
    The monthly files are appended daily, so this is the best sign a listing-free check can have."""
    groups = []
    for spec in (s for s in FEEDS if s.required):
        uris = feed_uris(partner, spec, logical_date)
        groups.append(tuple(reversed(uris[-2:])) if logical_date.day == 1 else (uris[-1],))
    return groups


def expected_files(partner: PartnerConfig, logical_date: dt.date) -> list[str]:
    """Every monthly file of every feed the reader looks for (one existence check each, not a listing:
    the file pattern is configuration and need not have a listable static prefix)."""
    return [uri for spec in FEEDS for uri in feed_uris(partner, spec, logical_date)]


def _reader(
    dataset: str, check: str, severity: Severity, *, passed: bool, message: str, checked: int = 0
) -> CheckResult:
    return CheckResult(dataset, check, severity, Scope.DATASET, passed, message, checked=checked, source=Source.READER)


def read_feed(
    drop: PartnerDrop, partner: PartnerConfig, spec: FeedSpec, logical_date: dt.date, check: RawCheck
) -> FeedData:
    """All monthly files of one feed in the window, checked against the feed's contract (the rows of all
    months at once), with the current row per key."""
    contract = load_contract(spec.contract)
    name = contract.name
    folder = getattr(partner.aws_feeds, spec.attr)
    expected = feed_uris(partner, spec, logical_date)
    present = [u for u in expected if u in drop.files]
    listed = set(present)
    results: list[CheckResult] = []
    if not present:
        results.append(
            _reader(
                name,
                "feed.missing",
                Severity.ERROR if spec.required else Severity.WARN,
                passed=False,
                message=f"no monthly file of {folder} in the {len(expected)} months up to {logical_date:%Y-%m} "
                f"under {partner.inbox} (expected e.g. {expected[-1]})",
            )
        )
    elif expected[-1] not in listed and spec.required:
        # On the first of a month the month's file may not have been started yet.
        severity = Severity.WARN if logical_date.day == 1 else Severity.ERROR
        results.append(
            _reader(
                name,
                "feed.current_month_missing",
                severity,
                passed=False,
                message=f"{expected[-1]} is missing: the deliveries of {logical_date:%Y-%m} did not arrive",
            )
        )

    broken = Severity.ERROR if spec.required else Severity.WARN
    reads: list[RawRead] = [parse_csv(u, drop.files[u], contract, broken=broken) for u in present]
    for r in reads:
        results.extend(r.results)
    frames = [r.frame for r in reads if r.usable]
    raw = pd.concat(frames, ignore_index=True) if frames else reads[0].frame if reads else empty_rows(contract)
    file_quarantine = concat_quarantine(r.quarantine for r in reads)

    inserted = instants(raw["insert_date"])
    later = (inserted.dt.date > logical_date).fillna(False).astype(bool)
    if later.any():
        results.append(
            _reader(
                name,
                "rows.after_logical_date",
                Severity.INFO,
                passed=True,
                message=f"{int(later.sum())} rows inserted after {logical_date} were not read (tomorrow's news)",
                checked=len(raw),
            )
        )
    raw = raw.loc[~later].reset_index(drop=True)

    v = check(raw, contract)
    results.extend(v.results)
    rejected = _rejected(raw, v.valid)
    suspect = pd.concat([rejected, *(r.quarantined_rows for r in reads)], ignore_index=True)
    current = current_rows(v.valid, contract.history_key, name, columns=contract.column_names, suspect=suspect)
    results.extend(current.results)

    quarantine = concat_quarantine([file_quarantine, v.quarantine, current.quarantine])
    rows_read = len(raw) + len(file_quarantine)
    bad = len(file_quarantine) + len(rejected) + _distinct_lines(current.quarantine)
    counts = DatasetCounts(name, name, rows_read, rows_read - bad, bad)
    unidentified = len(file_quarantine) - sum(len(r.quarantined_rows) for r in reads)
    inputs = tuple(r.input for r in reads)
    return FeedData(contract, v.valid, current, quarantine, tuple(results), inputs, counts, unidentified)


def _rejected(rows: pd.DataFrame, valid: pd.DataFrame) -> pd.DataFrame:
    """The rows the check did not keep (`valid` is a subset of `rows`; a file line identifies a row)."""
    if len(valid) == len(rows):
        return rows.iloc[:0]
    kept = pd.MultiIndex.from_frame(valid[list(LINEAGE)])
    return rows.loc[~pd.MultiIndex.from_frame(rows[list(LINEAGE)]).isin(kept)]


def _distinct_lines(q: pd.DataFrame) -> int:
    return int(q[["source_uri", "source_line"]].drop_duplicates().shape[0]) if len(q) else 0


def _decimal(values: pd.Series) -> pd.Series:
    """Decimal text as AWS wrote it (validated already), without a leading '+'."""
    return values.astype("str").str.removeprefix("+")


class _AccountIds:
    """Account GUID -> 12-digit AWS account id, over every validated version of every account."""

    def __init__(self, accounts: FeedData) -> None:
        rows = accounts.rows
        usable = ~key_strings(rows, ["account_id"]).isin(accounts.current.excluded_keys)
        picked = rows.loc[usable, ["account_id", "aws_account_id", "valid_from"]]
        ordered = picked.assign(_v=instants(picked["valid_from"])).sort_values("_v", kind="stable")
        self._ids = ordered.drop_duplicates("account_id", keep="last").set_index("account_id")["aws_account_id"]
        self._quarantined = accounts.current.excluded_keys

    def map(self, guids: pd.Series) -> pd.Series:
        return guids.map(self._ids).astype("str")

    def why_unknown(self, guid: object) -> str:
        if isinstance(guid, str) and guid in self._quarantined:
            return f"account {guid} was quarantined in the Account feed"
        return f"account {guid} is not in the Account feed"


def _quarantine_rows(
    dataset: str, rule: str, rows: pd.DataFrame, message: Callable[[pd.Series], str], columns: list[str]
) -> list[Quarantined]:
    out = []
    for _, r in rows.iterrows():
        out.append(
            Quarantined(
                dataset,
                rule,
                Severity.ERROR,
                message(r),
                str(r["source_uri"]),
                int(r["source_line"]),
                record_json({c: r[c] for c in columns}),
            )
        )
    return out


def _row_check(
    dataset: str,
    check: str,
    severity: Severity,
    rows: pd.DataFrame,
    *,
    total: int,
    message: str,
    sample_cols: list[str],
) -> CheckResult:
    return CheckResult(
        dataset,
        check,
        severity,
        Scope.ROW,
        rows.empty,
        message if len(rows) else f"{check}: all {total} rows pass",
        checked=total,
        failed=len(rows),
        samples=sample_rows(rows[sample_cols].to_dict("records")),
        source=Source.READER,
    )


def _billing(
    partner: str, events: FeedData, usage: FeedData, ids: _AccountIds
) -> tuple[pd.DataFrame, list[Quarantined], list[CheckResult]]:
    ev = events.current.rows
    us = usage.current.rows
    ev_frame = pd.DataFrame(
        {
            "partner": partner,
            "line_id": ev["billing_event_id"],
            "line_type": "billing_event",
            "tenant_id": ids.map(ev["end_user_account_id"]),
            "payer_account_id": ids.map(ev["from_account_id"]),
            "product_id": ev["product_id"],
            "entitlement_id": ev["agreement_id"],
            "event_date": utc_dates(ev["invoice_date"]),
            "amount": _decimal(ev["amount"]),
            "currency": ev["currency"],
            "quantity": pd.Series(pd.NA, index=ev.index, dtype="str"),
            "unit": pd.Series(pd.NA, index=ev.index, dtype="str"),
            "action": ev["action"],
            "transaction_type": ev["transaction_type"],
            "source_uri": ev["source_uri"],
            "source_line": ev["source_line"],
            "_end_user": ev["end_user_account_id"],
            "_payer": ev["from_account_id"],
        }
    )
    us_tenant = ids.map(us["end_user_account_id"])
    us_date = utc_dates(us["usage_date"])
    line_id = (
        "usage/"
        + us_date
        + "/"
        + us_tenant.fillna(us["end_user_account_id"])
        + "/"
        + us["product_id"]
        + "/"
        + us["agreement_id"].fillna("-")
        + "/"
        + us["dimension_key"]
    )
    us_frame = pd.DataFrame(
        {
            "partner": partner,
            "line_id": line_id,
            "line_type": "usage",
            "tenant_id": us_tenant,
            "payer_account_id": ids.map(us["payer_account_id"]),
            "product_id": us["product_id"],
            "entitlement_id": us["agreement_id"],
            "event_date": us_date,
            "amount": _decimal(us["estimated_revenue_in_pricing_currency"]),
            "currency": us["pricing_currency"],
            "quantity": _decimal(us["usage_quantity"]),
            "unit": us["usage_unit"],
            "action": pd.Series(pd.NA, index=us.index, dtype="str"),
            "transaction_type": pd.Series(pd.NA, index=us.index, dtype="str"),
            "source_uri": us["source_uri"],
            "source_line": us["source_line"],
            "_end_user": us["end_user_account_id"],
            "_payer": us["payer_account_id"],
        }
    )
    frame = pd.concat([ev_frame, us_frame], ignore_index=True)
    total = len(frame)
    unknown = frame.loc[frame["tenant_id"].isna()]
    quarantined = _quarantine_rows(
        "billing",
        "billing.end_user_known",
        unknown,
        lambda r: f"end user {ids.why_unknown(r['_end_user'])}; the line cannot be attributed",
        ["line_id", "line_type", "_end_user", "_payer", "product_id", "event_date", "amount", "currency"],
    )
    results = [
        _row_check(
            "billing",
            "billing.end_user_known",
            Severity.ERROR,
            unknown,
            total=total,
            message=f"{len(unknown)} billing/usage lines whose end-user account is unknown or quarantined",
            sample_cols=["line_id", "_end_user", "source_uri", "source_line"],
        )
    ]
    frame = frame.loc[frame["tenant_id"].notna()]
    no_payer = frame.loc[frame["payer_account_id"].isna()]
    results.append(
        _row_check(
            "billing",
            "billing.payer_known",
            Severity.WARN,
            no_payer,
            total=len(frame),
            message=f"{len(no_payer)} lines whose payer account is unknown or quarantined (payer left empty)",
            sample_cols=["line_id", "_payer", "source_uri", "source_line"],
        )
    )
    return frame.drop(columns=["_end_user", "_payer"]).reset_index(drop=True), quarantined, results


def _payers(billing: pd.DataFrame) -> pd.Series:
    """Tenant -> payer of its latest billing line, where the payer is another account."""
    if billing.empty:
        return pd.Series([], dtype="str")
    order = ["tenant_id", "event_date", "line_type", "line_id"]
    # Only the payer is read: the other columns of millions of lines are not reordered with it.
    latest = (
        billing.loc[:, [*order, "payer_account_id"]]
        .sort_values(order, kind="stable")
        .drop_duplicates("tenant_id", keep="last")
    )
    other = latest.loc[latest["payer_account_id"].notna() & (latest["payer_account_id"] != latest["tenant_id"])]
    return other.set_index("tenant_id")["payer_account_id"]


def _tenants(
    partner: PartnerConfig, accounts: FeedData, addresses: FeedData, billing: pd.DataFrame
) -> tuple[pd.DataFrame, list[Quarantined], list[CheckResult]]:
    acc = accounts.current.rows
    # Our own seller account appears in the feed as the proposer of our agreements; it is no customer.
    ours = acc["account_id"] == partner.seller_account_id
    acc = acc.loc[~ours].reset_index(drop=True)
    addr = addresses.current.rows.set_index("address_id")
    bad_addr = addresses.current.excluded_keys
    mail_id, tax_id = acc["mailing_address_id"], acc["tax_address_id"]
    address_bad = member_of(mail_id, bad_addr) | member_of(tax_id, bad_addr)
    quarantined = _quarantine_rows(
        "tenants",
        "tenants.address_quarantined",
        acc.loc[address_bad],
        lambda r: "its mailing or tax address row was quarantined, so its name and countries are unknown",
        ["account_id", "aws_account_id", "mailing_address_id", "tax_address_id"],
    )
    results = [
        _row_check(
            "tenants",
            "tenants.address_quarantined",
            Severity.ERROR,
            acc.loc[address_bad],
            total=len(acc),
            message=f"{int(address_bad.sum())} accounts whose mailing or tax address was quarantined",
            sample_cols=["aws_account_id", "mailing_address_id", "tax_address_id", "source_uri", "source_line"],
        )
    ]
    acc = acc.loc[~address_bad].reset_index(drop=True)
    mail_id, tax_id = acc["mailing_address_id"], acc["tax_address_id"]
    known = set(addr.index) | set(addresses.current.deleted_keys)
    unknown_addr = (mail_id.notna() & ~member_of(mail_id, known)) | (tax_id.notna() & ~member_of(tax_id, known))
    if addresses.unidentified and unknown_addr.any():
        # The Address feed lost records it could not even attribute to a key: a missing address may be
        # one of them, and then the tenant's country is unknown rather than absent.
        maybe = acc.loc[unknown_addr]
        quarantined += _quarantine_rows(
            "tenants",
            "tenants.address_unreadable",
            maybe,
            lambda r: (
                f"its address is missing while {addresses.unidentified} unreadable Address feed records "
                "were quarantined; it may be one of them"
            ),
            ["account_id", "aws_account_id", "mailing_address_id", "tax_address_id"],
        )
        results.append(
            _row_check(
                "tenants",
                "tenants.address_unreadable",
                Severity.ERROR,
                maybe,
                total=len(acc),
                message=f"{len(maybe)} accounts refer to an address that may be among the unreadable records",
                sample_cols=["aws_account_id", "mailing_address_id", "tax_address_id", "source_uri", "source_line"],
            )
        )
        acc = acc.loc[~unknown_addr].reset_index(drop=True)
        mail_id, tax_id = acc["mailing_address_id"], acc["tax_address_id"]
        unknown_addr = pd.Series(False, index=acc.index)
    deleted_addr = mail_id.isin(addresses.current.deleted_keys) | tax_id.isin(addresses.current.deleted_keys)
    unknown_addr = unknown_addr | deleted_addr
    results.append(
        _row_check(
            "tenants",
            "tenants.address_known",
            Severity.WARN,
            acc.loc[unknown_addr],
            total=len(acc),
            message=f"{int(unknown_addr.sum())} accounts refer to an address that is not in the Address feed "
            "(deleted or never delivered); their name/country come from what is left",
            sample_cols=["aws_account_id", "mailing_address_id", "tax_address_id", "source_uri", "source_line"],
        )
    )

    def from_address(ids: pd.Series, column: str) -> pd.Series:
        return ids.map(addr[column]).astype("str")

    company = from_address(mail_id, "company_name").fillna(acc["tax_legal_name"])
    tenant_ids = acc["aws_account_id"]
    frame = pd.DataFrame(
        {
            "partner": partner.name,
            "tenant_id": tenant_ids,
            "account_ref": acc["account_id"],
            "company_name": company,
            "country": from_address(mail_id, "country_code"),
            "tax_country": from_address(tax_id, "country_code"),
            "company_country": pd.Series(pd.NA, index=acc.index, dtype="str"),
            "tax_registration_number": acc["tax_registration_number"],
            "company_number": pd.Series(pd.NA, index=acc.index, dtype="str"),
            "lei": pd.Series(pd.NA, index=acc.index, dtype="str"),
            "email_domain": from_address(mail_id, "email_domain"),
            "payer_account_id": tenant_ids.map(_payers(billing)).astype("str"),
            "status": "ACTIVE",
            "source_uri": acc["source_uri"],
            "source_line": acc["source_line"],
        }
    )
    return frame, quarantined, results


def _entitlements(
    partner: PartnerConfig, agreements: FeedData, ids: _AccountIds, billing: pd.DataFrame
) -> tuple[pd.DataFrame, list[Quarantined], list[CheckResult]]:
    ag = agreements.current.rows
    tenant = ids.map(ag["acceptor_account_id"])
    unknown = ag.loc[tenant.isna()]
    quarantined = _quarantine_rows(
        "entitlements",
        "entitlements.acceptor_known",
        unknown,
        lambda r: f"acceptor {ids.why_unknown(r['acceptor_account_id'])}",
        ["agreement_id", "status", "acceptor_account_id", "proposer_account_id"],
    )
    results = [
        _row_check(
            "entitlements",
            "entitlements.acceptor_known",
            Severity.ERROR,
            unknown,
            total=len(ag),
            message=f"{len(unknown)} agreements whose acceptor account is unknown or quarantined",
            sample_cols=["agreement_id", "acceptor_account_id", "source_uri", "source_line"],
        )
    ]
    ag, tenant = ag.loc[tenant.notna()].reset_index(drop=True), tenant.loc[tenant.notna()].reset_index(drop=True)
    seller = partner.seller_account_id
    if seller is None:
        results.append(
            _reader(
                "entitlements",
                "entitlements.seller_account_configured",
                Severity.WARN,
                passed=False,
                message=f"{partner.name}: seller_account_id is not configured, so resellers cannot be told apart",
            )
        )
        reseller = pd.Series(pd.NA, index=ag.index, dtype="str")
    else:
        via_reseller = ag["proposer_account_id"] != seller
        reseller = ids.map(ag["proposer_account_id"].where(via_reseller))
        lost = ag.loc[via_reseller & reseller.isna()]
        results.append(
            _row_check(
                "entitlements",
                "entitlements.reseller_known",
                Severity.WARN,
                lost,
                total=int(via_reseller.sum()),
                message=f"{len(lost)} agreements proposed by a reseller that is unknown or quarantined "
                "(reseller left empty)",
                sample_cols=["agreement_id", "proposer_account_id", "source_uri", "source_line"],
            )
        )
    products = (
        billing.loc[:, ["entitlement_id", "event_date", "line_id", "product_id"]]
        .dropna(subset=["entitlement_id", "product_id"])
        .sort_values(["entitlement_id", "event_date", "line_id"], kind="stable")
        .drop_duplicates("entitlement_id", keep="last")
        .set_index("entitlement_id")["product_id"]
    )
    frame = pd.DataFrame(
        {
            "partner": partner.name,
            "entitlement_id": ag["agreement_id"],
            "tenant_id": tenant,
            "reseller_tenant_id": reseller,
            "product_id": ag["agreement_id"].map(products).astype("str"),
            "offer_id": ag["offer_id"],
            "status": ag["status"],
            "start_date": utc_dates(ag["start_time"]),
            "end_date": utc_dates(ag["end_time"]),
            "source_uri": ag["source_uri"],
            "source_line": ag["source_line"],
        }
    )
    return frame, quarantined, results


def read(drop: PartnerDrop, partner: PartnerConfig, logical_date: dt.date, *, check: RawCheck) -> Extracted:
    """The partner's Seller Data Feeds for `logical_date` as canonical frames (see module doc); `check`
    checks each feed's rows against the feed's contract before the history and mapping use them."""
    data = {spec.attr: read_feed(drop, partner, spec, logical_date, check) for spec in FEEDS}
    ids = _AccountIds(data[ACCOUNT.attr])
    billing, q_bill, r_bill = _billing(partner.name, data[BILLING_EVENT.attr], data[DAILY_USAGE.attr], ids)
    tenants, q_ten, r_ten = _tenants(partner, data[ACCOUNT.attr], data[ADDRESS.attr], billing)
    entitlements, q_ent, r_ent = _entitlements(partner, data[AGREEMENT.attr], ids, billing)
    feeds = [data[spec.attr] for spec in FEEDS]
    return Extracted(
        partner=partner.name,
        logical_date=logical_date,
        results=tuple(r for d in feeds for r in d.results),
        quarantine=concat_quarantine(d.quarantine for d in feeds),
        counts=tuple(d.counts for d in feeds),
        tenants=canonical(TENANTS, tenants, q_ten, r_ten),
        entitlements=canonical(ENTITLEMENTS, entitlements, q_ent, r_ent),
        billing=canonical(BILLING, billing, q_bill, r_bill),
        inputs=tuple(i for d in feeds for i in d.inputs),
    )
