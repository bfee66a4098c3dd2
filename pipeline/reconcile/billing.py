"""Reconcile canonical billing with the decisions, the tenant exports and the revocation lists in force.

Invariant: pure and exact. Amounts are parsed from their decimal strings into `Decimal` and summed only
within one (basis, currency); nothing is converted between currencies and no float touches money.
Every billing line is classified once: it counts towards revenue under one basis, or it is counted in
`not_counted` with its reason. A line that breaks the canonical billing contract (an amount that is not
a decimal, an amount without a currency, a malformed date) is an error naming its file and line, never
a guess.

What counts:
- Revenue basis `invoiced`: billing events with action INVOICED whose transaction type is the seller's
  revenue share (`SELLER_REV_SHARE`, and its `_REFUND` / `_CREDIT` variants, which carry their sign).
  AWS's listing fee, taxes, disbursements and balance adjustments are not the customer's spend on us.
- Revenue basis `usage_estimate`: usage lines (the partner's estimated revenue in the pricing currency).
  The two bases describe overlapping money (usage is invoiced later), so they are reported side by side
  and never added together.
- Customer activity, for enforcement gaps: every line except billing events whose action moves money
  after the fact (DISBURSED, FORGIVEN). A line dated on or after the revocation's effective date is a
  gap: from that date the partner should have stopped the tenant.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pandas as pd
import pyarrow as pa

from pipeline import jsonio
from pipeline.datasets import BILLING, DECISIONS, TENANTS
from pipeline.errors import RunStopped
from pipeline.policy.definition import TenantDecision

# Partner states that mean "this account can use what it bought" (AWS canonical ACTIVE; GCP account state).
ACTIVE_STATUSES = frozenset({"ACTIVE", "ACCOUNT_ACTIVE"})
# The decision bucket of billing lines whose tenant has no decision (unknown to the tenant exports).
NO_DECISION = "no_decision"
AT_RISK_DECISIONS = (TenantDecision.REVOKE.value, TenantDecision.REVIEW.value)
DECISION_ORDER = (*(d.value for d in TenantDecision), NO_DECISION)

# Billing actions that record money moving after the customer was charged, not customer activity.
_AFTER_THE_FACT_ACTIONS = frozenset({"DISBURSED", "FORGIVEN"})
_SELLER_REVENUE_PREFIX = "SELLER_REV_SHARE"
_AMOUNT = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
_CURRENCY = r"[A-Z]{3}"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Bounds that keep every exact sum inside a 38-digit decimal: 12 + 18 digits per amount leaves eight
# digits of headroom (10^8 lines). No marketplace line comes near them; a value beyond is a bad value.
MAX_INTEGER_DIGITS = 12
MAX_SCALE = 18


class ReconcileError(RunStopped, ValueError):
    """An input breaks the contract reconciliation relies on; the message names the file, row and rule."""


class RevenueBasis(enum.StrEnum):
    INVOICED = "invoiced"
    USAGE_ESTIMATE = "usage_estimate"


class NotCountedReason(enum.StrEnum):
    NO_AMOUNT = "no_amount"
    NOT_INVOICED = "not_invoiced"  # a billing event that is not an invoice (DISBURSED, FORGIVEN, none)
    NOT_SELLER_REVENUE = "not_seller_revenue"  # listing fee, taxes, disbursements, adjustments
    UNKNOWN_LINE_TYPE = "unknown_line_type"


GAP_COLUMNS = (
    "partner",
    "tenant_id",
    "company_name",
    "decision",
    "effective_date",
    "first_event_date",
    "last_event_date",
    "days_since_effective",  # as_of minus the effective date
    "lines",
    "products",  # JSON list
    "amounts",  # JSON {basis: {currency: decimal string}}
)
GAP_LINE_COLUMNS = (
    "partner",
    "tenant_id",
    "effective_date",
    "line_id",
    "line_type",
    "event_date",
    "product_id",
    "entitlement_id",
    "payer_account_id",
    "amount",
    "currency",
    "action",
    "transaction_type",
    "source_uri",
    "source_line",
)
UNKNOWN_BILLED_COLUMNS = (
    "partner",
    "tenant_id",
    "payer_account_ids",  # JSON list
    "first_event_date",
    "last_event_date",
    "lines",
    "amounts",  # JSON {basis: {currency: decimal string}}
)
UNBILLED_ACTIVE_COLUMNS = ("partner", "tenant_id", "company_name", "status", "decision")
REVENUE_COLUMNS = ("partner", "decision", "basis", "currency", "amount", "tenants", "lines")
NOT_COUNTED_COLUMNS = ("partner", "reason", "lines", "sample_line_ids")
PUBLISHED_COLUMNS = ("tenant_id", "effective_date")


@dataclass(frozen=True)
class RevenueTotal:
    """Revenue of one decision, basis and currency across all partners."""

    decision: str
    basis: RevenueBasis
    currency: str
    amount: Decimal
    tenants: int
    lines: int


@dataclass(frozen=True)
class Reconciliation:
    """The reconciliation of one run. Frames have the `*_COLUMNS` of this module, sorted by their keys."""

    as_of: dt.date
    partners: tuple[str, ...]
    # Partners whose revocation list in force was given; gaps are assessed for these only.
    assessed_partners: tuple[str, ...]
    gaps: pd.DataFrame
    gap_lines: pd.DataFrame
    unknown_billed: pd.DataFrame
    unbilled_active: pd.DataFrame
    revenue: pd.DataFrame
    not_counted: pd.DataFrame
    # Revocations listed with an effective date after as_of (notice period still running), per partner.
    pending_revocations: Mapping[str, int] = field(default_factory=dict)
    totals: tuple[RevenueTotal, ...] = ()

    def at_risk(self) -> dict[RevenueBasis, dict[str, Decimal]]:
        """Revenue of revoke and review decisions together, per basis and currency, across partners."""
        out: dict[RevenueBasis, dict[str, Decimal]] = {}
        for t in self.totals:
            if t.decision in AT_RISK_DECISIONS:
                per_currency = out.setdefault(t.basis, {})
                per_currency[t.currency] = per_currency.get(t.currency, Decimal(0)) + t.amount
        return out

    def frames(self) -> dict[str, pd.DataFrame]:
        """The frames by name, as the reconcile stage writes them (one Parquet file each)."""
        return {
            "gaps": self.gaps,
            "gap_lines": self.gap_lines,
            "unknown_billed": self.unknown_billed,
            "unbilled_active": self.unbilled_active,
            "revenue": self.revenue,
            "not_counted": self.not_counted,
        }

    def summary(self) -> dict[str, Any]:
        """A JSON-serialisable digest: counts per partner, revenue per partner/decision/basis/currency."""
        revenue: dict[str, Any] = {}
        for row in self.revenue.to_dict("records"):
            node = revenue.setdefault(str(row["partner"]), {}).setdefault(str(row["decision"]), {})
            node.setdefault(str(row["basis"]), {})[str(row["currency"])] = str(row["amount"])
        totals: dict[str, Any] = {}
        for t in self.totals:
            totals.setdefault(t.decision, {}).setdefault(t.basis.value, {})[t.currency] = _fmt(t.amount)
        not_counted: dict[str, dict[str, int]] = {}
        for row in self.not_counted.to_dict("records"):
            not_counted.setdefault(str(row["partner"]), {})[str(row["reason"])] = int(row["lines"])
        return {
            "as_of": self.as_of.isoformat(),
            "partners": list(self.partners),
            "assessed_partners": list(self.assessed_partners),
            "enforcement_gaps": {
                p: {
                    "tenants": int((self.gaps["partner"] == p).sum()),
                    "lines": int((self.gap_lines["partner"] == p).sum()),
                }
                for p in self.assessed_partners
            },
            "pending_revocations": {p: int(n) for p, n in sorted(self.pending_revocations.items())},
            "unknown_billed_accounts": _count_by_partner(self.unknown_billed, self.partners),
            "active_without_billing": _count_by_partner(self.unbilled_active, self.partners),
            "revenue": revenue,
            "revenue_totals": totals,
            "revenue_at_risk": {
                basis.value: {cur: _fmt(amount) for cur, amount in sorted(per.items())}
                for basis, per in sorted(self.at_risk().items())
            },
            "not_counted": not_counted,
        }

    @classmethod
    def from_frames(
        cls,
        frames: Mapping[str, pd.DataFrame],
        *,
        as_of: dt.date,
        partners: Iterable[str],
        assessed_partners: Iterable[str],
        pending_revocations: Mapping[str, int],
    ) -> Reconciliation:
        """Rebuild a reconciliation from its written frames (the report stage reads them back)."""
        revenue = frames["revenue"]
        return cls(
            as_of=as_of,
            partners=tuple(partners),
            assessed_partners=tuple(assessed_partners),
            gaps=frames["gaps"],
            gap_lines=frames["gap_lines"],
            unknown_billed=frames["unknown_billed"],
            unbilled_active=frames["unbilled_active"],
            revenue=revenue,
            not_counted=frames["not_counted"],
            pending_revocations=dict(pending_revocations),
            totals=_totals(revenue),
        )


def _fmt(amount: Decimal) -> str:
    # Positional notation always: str(Decimal) may print 1E+3.
    return format(amount, "f")


def _count_by_partner(frame: pd.DataFrame, partners: Iterable[str]) -> dict[str, int]:
    counts = frame["partner"].value_counts()
    return {p: int(counts.get(p, 0)) for p in partners}


def _empty(columns: Iterable[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype="str") for c in columns})


def _where(row: Mapping[str, Any]) -> str:
    src = row.get("source_uri")
    line = row.get("source_line")
    origin = f"{src}:{line}" if isinstance(src, str) else "(no source)"
    return f"{origin} (partner {row.get('partner')}, line {row.get('line_id')})"


def _require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ReconcileError(f"{what}: frame lacks columns {missing}")


def _text(series: pd.Series) -> pd.Series:
    """Strings with missing values as "" (pandas 3 keeps NaN for missing strings)."""
    return series.astype("str").where(series.notna(), "").str.strip()


def _check_unique(frame: pd.DataFrame, key: list[str], what: str) -> None:
    dup = frame.duplicated(key, keep=False)
    if dup.any():
        first = frame.loc[dup, key].iloc[0].to_dict()
        raise ReconcileError(f"{what}: key {key} is not unique, e.g. {first} appears {int(dup.sum())} times")


def _parse_dates(values: pd.Series, what: str, rows: pd.DataFrame) -> pd.Series:
    """The values as validated ISO dates (YYYY-MM-DD strings, which order as the dates do)."""
    text = _text(values)
    bad = ~text.str.fullmatch(_DATE.pattern)
    parsed = pd.to_datetime(text.where(~bad, None), format="%Y-%m-%d", errors="coerce")
    bad |= parsed.isna()
    if bad.any():
        i = bad.to_numpy().nonzero()[0][0]
        raise ReconcileError(
            f"{_where(rows.iloc[i].to_dict())}: {what} {values.iloc[i]!r} is not a date YYYY-MM-DD (rule: iso_date)"
        )
    return text


def _classify(billing: pd.DataFrame) -> pd.DataFrame:
    """Billing with `basis`, `reason` (why not counted), `activity`, `amount_text`, `scale` and `day`."""
    b = billing.reset_index(drop=True).copy()
    for col in ("partner", "tenant_id", "line_type", "action", "transaction_type", "currency", "payer_account_id"):
        b[col] = _text(b[col])
    line_type = b["line_type"].str.lower()
    action = b["action"].str.upper()
    ttype = b["transaction_type"].str.upper()
    b["currency"] = b["currency"].str.upper()
    amount = _text(b["amount"])
    has_amount = amount != ""

    bad_amount = has_amount & ~amount.str.fullmatch(_AMOUNT)
    if bad_amount.any():
        i = bad_amount.to_numpy().nonzero()[0][0]
        raise ReconcileError(
            f"{_where(b.iloc[i].to_dict())}: amount {amount.iloc[i]!r} is not a decimal number (rule: decimal_amount)"
        )
    bad_currency = has_amount & ~b["currency"].str.fullmatch(_CURRENCY)
    if bad_currency.any():
        i = bad_currency.to_numpy().nonzero()[0][0]
        raise ReconcileError(
            f"{_where(b.iloc[i].to_dict())}: amount {amount.iloc[i]!r} has currency {b['currency'].iloc[i]!r}, "
            "not an ISO 4217 code (rule: amount_has_currency)"
        )
    digits = amount.str.lstrip("+-").str.lstrip("0")  # leading zeros are no digits of the value
    dot = digits.str.find(".")
    length = digits.str.len()
    scale = (length - dot - 1).where(dot >= 0, 0)
    whole = dot.where(dot >= 0, length)
    out_of_range = has_amount & ((scale > MAX_SCALE) | (whole > MAX_INTEGER_DIGITS))
    if out_of_range.any():
        i = out_of_range.to_numpy().nonzero()[0][0]
        raise ReconcileError(
            f"{_where(b.iloc[i].to_dict())}: amount {amount.iloc[i]!r} has more than {MAX_INTEGER_DIGITS} digits "
            f"before or {MAX_SCALE} after the point (rule: decimal_amount)"
        )
    b["amount_text"] = amount
    b["scale"] = scale.astype("int64")
    b["day"] = _parse_dates(b["event_date"], "event_date", b)

    usage = line_type == "usage"
    event = line_type == "billing_event"
    invoiced = event & (action == "INVOICED")
    seller = ttype.str.startswith(_SELLER_REVENUE_PREFIX)

    reason = pd.Series("", index=b.index, dtype="str")
    reason = reason.mask(~usage & ~event, NotCountedReason.UNKNOWN_LINE_TYPE.value)
    reason = reason.mask(event & ~invoiced, NotCountedReason.NOT_INVOICED.value)
    reason = reason.mask(invoiced & ~seller, NotCountedReason.NOT_SELLER_REVENUE.value)
    reason = reason.mask((reason == "") & ~has_amount, NotCountedReason.NO_AMOUNT.value)
    basis = pd.Series("", index=b.index, dtype="str")
    basis = basis.mask(usage, RevenueBasis.USAGE_ESTIMATE.value).mask(invoiced, RevenueBasis.INVOICED.value)
    b["reason"] = reason
    b["basis"] = basis.where(reason == "", "")
    b["activity"] = ~(event & action.isin(_AFTER_THE_FACT_ACTIONS))
    return b


def _amounts_json(amounts: dict[str, dict[str, Decimal]]) -> str:
    """{basis: {currency: sum}} as canonical JSON."""
    doc = {b: {c: _fmt(a) for c, a in sorted(per.items())} for b, per in sorted(amounts.items())}
    return jsonio.compact(doc, sort_keys=True)


@dataclass
class _TenantLines:
    first: str
    last: str
    lines: int = 0
    products: set[str] = field(default_factory=set)
    payers: set[str] = field(default_factory=set)
    amounts: dict[str, dict[str, Decimal]] = field(default_factory=dict)


_PER_TENANT_COLUMNS = (
    "partner",
    "tenant_id",
    "first_event_date",
    "last_event_date",
    "lines",
    "products",
    "payer_account_ids",
    "amounts",
)


def _per_tenant(lines: pd.DataFrame) -> pd.DataFrame:
    """One row per (partner, tenant_id): dates, line count, products, payers and amounts of its lines.

    One pass in Python over the lines: a pandas group per tenant costs far more than the arithmetic.
    """
    acc: dict[tuple[str, str], _TenantLines] = {}
    columns = ("partner", "tenant_id", "day", "product_id", "payer_account_id", "basis", "currency", "amount_text")
    for partner, tenant, day, product, payer, basis, currency, amount in zip(
        *(lines[c].to_numpy() for c in columns), strict=True
    ):
        node = acc.get((partner, tenant))
        if node is None:
            node = acc[(partner, tenant)] = _TenantLines(first=day, last=day)
        node.first = min(node.first, day)
        node.last = max(node.last, day)
        node.lines += 1
        if isinstance(product, str) and product:
            node.products.add(product)
        if payer:
            node.payers.add(payer)
        if basis:
            per = node.amounts.setdefault(basis, {})
            per[currency] = per.get(currency, Decimal(0)) + Decimal(amount)
    rows = [
        {
            "partner": partner,
            "tenant_id": tenant,
            "first_event_date": node.first,
            "last_event_date": node.last,
            "lines": node.lines,
            "products": jsonio.compact(sorted(node.products)),
            "payer_account_ids": jsonio.compact(sorted(node.payers)),
            "amounts": _amounts_json(node.amounts),
        }
        for (partner, tenant), node in sorted(acc.items())
    ]
    if not rows:
        return _empty(_PER_TENANT_COLUMNS).astype({"lines": "int64"})
    return pd.DataFrame(rows)


def revenue_per_tenant(billing: pd.DataFrame) -> dict[tuple[str, str], dict[str, dict[str, Decimal]]]:
    """Per (partner, tenant id): its counted revenue, {basis: {currency: amount}}, classified as above."""
    _require_columns(billing, BILLING.columns, "billing")
    out: dict[tuple[str, str], dict[str, dict[str, Decimal]]] = {}
    if billing.empty:
        return out
    b = _classify(billing)
    counted = b[b["basis"] != ""]
    columns = ("partner", "tenant_id", "basis", "currency", "amount_text")
    for partner, tenant, basis, currency, amount in zip(*(counted[c].to_numpy() for c in columns), strict=True):
        per = out.setdefault((str(partner), str(tenant)), {}).setdefault(str(basis), {})
        per[str(currency)] = per.get(str(currency), Decimal(0)) + Decimal(amount)
    return out


def _published_frame(published: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """(partner, tenant_id, effective_date) with the earliest effective date per listed tenant."""
    parts = []
    for partner, frame in sorted(published.items()):
        _require_columns(frame, PUBLISHED_COLUMNS, f"published list of {partner}")
        if "partner" in frame.columns:
            other = _text(frame["partner"])
            wrong = (other != "") & (other != partner)
            if wrong.any():
                raise ReconcileError(
                    f"published list of {partner}: row {int(wrong.to_numpy().nonzero()[0][0])} "
                    f"names partner {other[wrong].iloc[0]!r} (rule: one partner per list)"
                )
        part = pd.DataFrame({"tenant_id": _text(frame["tenant_id"]), "effective_date": frame["effective_date"]})
        part.insert(0, "partner", partner)
        if (part["tenant_id"] == "").any():
            i = int((part["tenant_id"] == "").to_numpy().nonzero()[0][0])
            raise ReconcileError(f"published list of {partner}: row {i} has no tenant_id (rule: tenant_id required)")
        labels = pd.DataFrame({"partner": partner, "line_id": "row " + part.index.astype(str), "source_uri": None})
        part["effective"] = _parse_dates(part["effective_date"], "effective_date", labels)
        parts.append(part[["partner", "tenant_id", "effective"]])
    if not parts:
        return _empty(["partner", "tenant_id", "effective"])
    listed = pd.concat(parts, ignore_index=True)
    return listed.groupby(["partner", "tenant_id"], as_index=False, sort=True).agg(effective=("effective", "min"))


def _totals(revenue: pd.DataFrame) -> tuple[RevenueTotal, ...]:
    acc: dict[tuple[str, str, str], list[Any]] = {}
    for row in revenue.to_dict("records"):
        key = (str(row["decision"]), str(row["basis"]), str(row["currency"]))
        node = acc.setdefault(key, [Decimal(0), 0, 0])
        node[0] += Decimal(str(row["amount"]))
        node[1] += int(row["tenants"])
        node[2] += int(row["lines"])
    order = {d: i for i, d in enumerate(DECISION_ORDER)}
    keys = sorted(acc, key=lambda k: (order.get(k[0], len(order)), k[1], k[2]))
    return tuple(
        RevenueTotal(
            decision=d,
            basis=RevenueBasis(b),
            currency=c,
            amount=acc[(d, b, c)][0],
            tenants=acc[(d, b, c)][1],
            lines=acc[(d, b, c)][2],
        )
        for d, b, c in keys
    )


def reconcile(
    billing: pd.DataFrame,
    decisions: pd.DataFrame,
    tenants: pd.DataFrame,
    published: Mapping[str, pd.DataFrame] | None,
    as_of: dt.date,
) -> Reconciliation:
    """Reconcile one run.

    `billing`, `decisions` and `tenants` have the columns of BILLING, DECISIONS and TENANTS (all partners
    together). `published` maps a partner to its revocation list in force (this run's snapshot if it
    published, else the last published one): rows with `tenant_id` and `effective_date` (YYYY-MM-DD),
    optionally `partner`; a tenant listed several times (per product or agreement) counts from its
    earliest effective date. A partner absent from `published` (or `published=None`) is not assessed
    for enforcement gaps, and the result says so rather than reporting "no gaps".
    """
    _require_columns(billing, BILLING.columns, "billing")
    _require_columns(decisions, DECISIONS.columns, "decisions")
    _require_columns(tenants, TENANTS.columns, "tenants")
    published = dict(published or {})

    b = _classify(billing)
    d = pd.DataFrame(
        {
            "partner": _text(decisions["partner"]),
            "tenant_id": _text(decisions["tenant_id"]),
            "decision": _text(decisions["decision"]),
            "company_name": decisions["company_name"],
        }
    )
    _check_unique(d, ["partner", "tenant_id"], "decisions")
    unknown_decision = ~d["decision"].isin([x.value for x in TenantDecision])
    if unknown_decision.any():
        row = d.loc[unknown_decision].iloc[0]
        raise ReconcileError(
            f"decisions: tenant {row['partner']}/{row['tenant_id']} has decision {row['decision']!r} "
            f"(rule: one of {[x.value for x in TenantDecision]})"
        )
    t = pd.DataFrame(
        {
            "partner": _text(tenants["partner"]),
            "tenant_id": _text(tenants["tenant_id"]),
            "company_name": tenants["company_name"],
            "status": _text(tenants["status"]),
        }
    )
    _check_unique(t, ["partner", "tenant_id"], "tenants")

    partners = tuple(sorted({str(p) for frame in (b, d, t) for p in frame["partner"].unique()} | set(published)))

    # Decision of each line's end user (lines of tenants without one form their own bucket), and
    # whether the tenant export knows the tenant: one lookup, one merge.
    lookup = (
        pd.concat(
            [
                d[["partner", "tenant_id", "decision"]].assign(known=False),
                t[["partner", "tenant_id"]].assign(known=True),
            ],
            ignore_index=True,
        )
        .groupby(["partner", "tenant_id"], as_index=False, sort=False)
        .agg(decision=("decision", "first"), known=("known", "any"))
    )
    b = b.merge(lookup, on=["partner", "tenant_id"], how="left")
    b["decision"] = b["decision"].fillna(NO_DECISION)
    b["known"] = b["known"].fillna(False).astype(bool)

    revenue = _revenue(b)
    not_counted = _not_counted(b)

    unknown_lines = b[~b["known"]]
    unknown_billed = _per_tenant(unknown_lines)
    unknown_billed = unknown_billed.loc[:, list(UNKNOWN_BILLED_COLUMNS)].reset_index(drop=True)

    billed = pd.concat(
        [
            b[["partner", "tenant_id"]],
            b.loc[b["payer_account_id"] != "", ["partner", "payer_account_id"]].set_axis(
                ["partner", "tenant_id"], axis=1
            ),
        ],
        ignore_index=True,
    ).drop_duplicates()
    active = t[t["status"].str.upper().isin(ACTIVE_STATUSES)]
    unbilled = active.merge(billed.assign(billed=True), on=["partner", "tenant_id"], how="left")
    unbilled = unbilled[unbilled["billed"].isna()].merge(
        d[["partner", "tenant_id", "decision"]], on=["partner", "tenant_id"], how="left"
    )
    unbilled["decision"] = unbilled["decision"].fillna(NO_DECISION)
    unbilled_active = (
        unbilled.loc[:, list(UNBILLED_ACTIVE_COLUMNS)].sort_values(["partner", "tenant_id"]).reset_index(drop=True)
    )

    listed = _published_frame(published)
    pending = {
        p: int(((listed["partner"] == p) & (listed["effective"] > as_of.isoformat())).sum()) for p in sorted(published)
    }
    gaps, gap_lines = _gaps(b, listed, d, as_of)

    return Reconciliation(
        as_of=as_of,
        partners=partners,
        assessed_partners=tuple(sorted(published)),
        gaps=gaps,
        gap_lines=gap_lines,
        unknown_billed=unknown_billed,
        unbilled_active=unbilled_active,
        revenue=revenue,
        not_counted=not_counted,
        pending_revocations=pending,
        totals=_totals(revenue),
    )


def _revenue(b: pd.DataFrame) -> pd.DataFrame:
    """Exact sums per (partner, decision, basis, currency), as decimal strings.

    Arrow sums the amounts as 38-digit decimals at the largest scale present (exact: no amount has
    more digits than that scale); each sum is then written at its own group's largest scale, which is
    what adding the same amounts as Python Decimals prints.
    """
    counted = b[b["basis"] != ""]
    if counted.empty:
        return _empty(REVENUE_COLUMNS).astype({"tenants": "int64", "lines": "int64"})
    keys = ["partner", "decision", "basis", "currency"]
    top = int(counted["scale"].max())
    table = pa.Table.from_pandas(counted[[*keys, "tenant_id", "scale", "amount_text"]], preserve_index=False)
    table = table.set_column(
        table.schema.get_field_index("amount_text"), "amount", table["amount_text"].cast(pa.decimal128(38, top))
    )
    out = (
        table.group_by(keys)
        .aggregate([("amount", "sum"), ("tenant_id", "count_distinct"), ("tenant_id", "count"), ("scale", "max")])
        .to_pandas()
        .rename(columns={"tenant_id_count_distinct": "tenants", "tenant_id_count": "lines"})
    )
    out["amount"] = [
        _fmt(Decimal(total).quantize(Decimal(1).scaleb(-int(s))))
        for total, s in zip(out["amount_sum"], out["scale_max"], strict=True)
    ]
    order = {d: i for i, d in enumerate(DECISION_ORDER)}
    out = out.sort_values(keys, key=lambda s: s.map(order) if s.name == "decision" else s)
    result: pd.DataFrame = out.loc[:, list(REVENUE_COLUMNS)].astype({"tenants": "int64", "lines": "int64"})
    return result.reset_index(drop=True)


def _not_counted(b: pd.DataFrame) -> pd.DataFrame:
    skipped = b[b["reason"] != ""]
    rows = [
        {
            "partner": partner,
            "reason": reason,
            "lines": len(group),
            "sample_line_ids": jsonio.compact([str(x) for x in group["line_id"].head(5)]),
        }
        for (partner, reason), group in skipped.groupby(["partner", "reason"], sort=True)
    ]
    if not rows:
        return _empty(NOT_COUNTED_COLUMNS).astype({"lines": "int64"})
    return pd.DataFrame(rows).loc[:, list(NOT_COUNTED_COLUMNS)]


def _gaps(
    b: pd.DataFrame, listed: pd.DataFrame, decisions: pd.DataFrame, as_of: dt.date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    active = b[b["activity"]].merge(listed, on=["partner", "tenant_id"], how="inner")
    hits = active[active["day"] >= active["effective"]].copy()
    if hits.empty:
        gaps = _empty(GAP_COLUMNS).astype({"lines": "int64", "days_since_effective": "int64"})
        return gaps, _empty(GAP_LINE_COLUMNS)
    hits["effective_date"] = hits["effective"]
    hits = hits.sort_values(["partner", "tenant_id", "day", "line_id"])
    per = _per_tenant(hits).merge(listed, on=["partner", "tenant_id"], how="left")
    per = per.merge(
        decisions[["partner", "tenant_id", "decision", "company_name"]], on=["partner", "tenant_id"], how="left"
    )
    per["decision"] = per["decision"].fillna(NO_DECISION)
    per["effective_date"] = per["effective"]
    per["days_since_effective"] = [(as_of - dt.date.fromisoformat(e)).days for e in per["effective"]]
    per["days_since_effective"] = per["days_since_effective"].astype("int64")
    gaps = per.loc[:, list(GAP_COLUMNS)].sort_values(["partner", "tenant_id"]).reset_index(drop=True)
    lines = hits.loc[:, list(GAP_LINE_COLUMNS)].reset_index(drop=True)
    return gaps, lines
