"""The bad-input catalogue: each bad input, its expected outcome, and that no good row is lost.

Table-driven. Every case mutates a copy of a small good input (the partner fixture worlds of
tests/partners/fixtures, a BODS register, a policy file) and states the outcome the pipeline owes it:

- `stop`: an `error` the run cannot continue past (`raise_for_errors` raises `QualityError`, or the
  loader raises) naming the rule;
- `quarantine`: the bad rows are excluded with the rule, the run goes on;
- `warn`: reported, nothing excluded;
- `ok`: accepted as it is (formats the partners really send).

For everything but `stop`, every good row survives: the canonical keys are those of the good input
minus exactly the rows the case names as lost. (That nothing is published after a `stop` is asserted
at the stage level, where publishing happens.)

The partner cases run the `extract_partner` stage itself - the pure reader, the raw and canonical
contracts checked with Great Expectations, the quarantine shares - and read back what it wrote.
"""

from __future__ import annotations

import copy
import io
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pipeline import datasets as ds
from pipeline.config import OwnershipConfig, QualityConfig, RunConfig
from pipeline.datasets import ENTITIES, IDENTIFIERS, INTERESTS, conform
from pipeline.ownership.bods.reader import read_bods
from pipeline.ownership.resolve import resolve
from pipeline.policy.definition import PolicyError, load_policy_text
from pipeline.quality import (
    Outcome,
    QualityError,
    ValidationReport,
    check_stakes_sum,
    check_tenant_count,
    results_from_findings,
    validate_frame,
)
from pipeline.quality.quarantine import concat_quarantine
from pipeline.run.context import RunContext
from pipeline.run.stages import extract_partner
from pipeline.storage import Storage
from pipeline.storage.frames import read_json, read_parquet
from tests.partners.builders import FIXTURES, LOGICAL_DATE, aws_partner, gcp_partner

HERE = Path(__file__).parent
STOP, QUARANTINE, WARN, OK = "stop", "quarantine", "warn", "ok"
# The fixture worlds are a handful of rows: one bad row is a large share. The share limit itself has
# its own cases (`..._share`) with the configured default.
LENIENT = QualityConfig(max_quarantine_share=0.6)

Mutation = Callable[[Path], None]


@dataclass(frozen=True)
class Case:
    id: str
    outcome: str
    rule: str  # the check / rule id the outcome names
    mutate: Mutation
    lost: frozenset[str] = frozenset()  # "<dataset>:<key>" rows of the good input that may not survive
    quality: QualityConfig = LENIENT
    also: frozenset[str] = frozenset()  # further quarantine rules the bad row cascades into


# --- editing helpers ---------------------------------------------------------------------------


def _aws_file(feed: str, month: str) -> Callable[[Path], Path]:
    return lambda root: root / feed / "year=2026" / f"month={month}" / "data.csv"


ACC10, ACC11 = _aws_file("AccountFeed_V1", "10"), _aws_file("AccountFeed_V1", "11")
ADDR10, ADDR11 = _aws_file("AddressFeed_V1", "10"), _aws_file("AddressFeed_V1", "11")
AGR10, AGR11 = _aws_file("AgreementFeed_V1", "10"), _aws_file("AgreementFeed_V1", "11")
BILL10, BILL11 = _aws_file("BillingEventFeed_V1", "10"), _aws_file("BillingEventFeed_V1", "11")
USE11 = _aws_file("DailyUsageFeed_V1", "11")
ACCOUNTS = lambda root: root / "accounts" / "dt=2026-11-20" / "accounts.jsonl"  # noqa: E731
ENTS = lambda root: root / "entitlements" / "dt=2026-11-20" / "entitlements.jsonl"  # noqa: E731
USAGE = lambda root: root / "usage" / "dt=2026-11-20" / "usage.csv"  # noqa: E731


def replace(file: Callable[[Path], Path], old: str, new: str, count: int = 1) -> Mutation:
    def go(root: Path) -> None:
        path = file(root)
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {path}"
        path.write_text(text.replace(old, new, count), encoding="utf-8")

    return go


def edit_bytes(file: Callable[[Path], Path], fn: Callable[[bytes], bytes]) -> Mutation:
    return lambda root: file(root).write_bytes(fn(file(root).read_bytes()))


def append(file: Callable[[Path], Path], line: str) -> Mutation:
    return edit_bytes(file, lambda data: data + line.encode("utf-8") + b"\n")


def delete(file: Callable[[Path], Path]) -> Mutation:
    return lambda root: file(root).unlink()


def delete_folder(name: str) -> Mutation:
    return lambda root: shutil.rmtree(root / name)


def header_only(file: Callable[[Path], Path]) -> Mutation:
    return edit_bytes(file, lambda data: data.split(b"\n", 1)[0] + b"\n")


def both(*mutations: Mutation) -> Mutation:
    def go(root: Path) -> None:
        for m in mutations:
            m(root)

    return go


def lost(*rows: str) -> frozenset[str]:
    return frozenset(rows)


def _line_of(file: Callable[[Path], Path], root: Path, needle: str) -> str:
    return next(line for line in file(root).read_text(encoding="utf-8").splitlines() if needle in line)


def duplicate_line(file: Callable[[Path], Path], needle: str, change: tuple[str, str] | None = None) -> Mutation:
    def go(root: Path) -> None:
        line = _line_of(file, root, needle)
        if change:
            line = line.replace(*change)
        append(file, line)(root)

    return go


ACME_USAGE = "billing:usage/2026-11-18/004455667788/prod-x/agr-1/tokens"

# --- AWS Seller Data Feeds ---------------------------------------------------------------------

AWS_CASES = [
    Case("aws-missing-feed", STOP, "feed.missing", delete_folder("AddressFeed_V1")),
    Case("aws-missing-current-month", STOP, "feed.current_month_missing", delete(ACC11)),
    Case(
        "aws-missing-optional-feed",
        WARN,
        "feed.missing",
        delete_folder("DailyUsageFeed_V1"),
        lost(ACME_USAGE, "billing:usage/2026-11-19/210987654321/prod-x/agr-3/tokens"),
    ),
    Case("aws-empty-file", STOP, "file.empty", edit_bytes(ACC11, lambda _: b"")),
    Case("aws-header-only-month", OK, "", header_only(AGR11)),  # AWS: a month's file may hold only the header
    Case("aws-empty-export", STOP, "export_present", both(header_only(ACC10), header_only(ACC11))),
    Case(
        "aws-truncated-file",
        QUARANTINE,
        "csv.truncated",
        edit_bytes(ACC10, lambda data: data.rstrip(b"\n")[:-25]),
        lost("tenants:666666666666"),
    ),
    Case(
        "aws-wrong-delimiter",
        STOP,
        "file.columns",
        edit_bytes(ADDR11, lambda data: data.replace(b",", b";")),
    ),
    Case(
        "aws-extra-column",
        WARN,
        "file.extra_columns",
        edit_bytes(ACC11, lambda data: b"\n".join(line + (b",x" if line else b"") for line in data.split(b"\n"))),
    ),
    Case("aws-missing-column", STOP, "file.columns", replace(AGR10, "offer_id,", "offerid,")),
    Case("aws-older-country-column-name", OK, "", replace(ADDR11, ",country_code,", ",country,")),
    Case("aws-unknown-country-column-name", STOP, "file.columns", replace(ADDR10, ",country,", ",country_name,")),
    Case("aws-utf8-bom", WARN, "file.bom", edit_bytes(ACC10, lambda data: b"\xef\xbb\xbf" + data)),
    Case(
        "aws-non-utf8-bytes",
        QUARANTINE,
        "encoding.utf8",
        edit_bytes(ADDR10, lambda data: data.replace(b"1 High St", "1 Höh St".encode("latin-1"))),
        lost("tenants:210987654321"),  # its mailing address is unreadable: its country is unknown, not absent
        also=frozenset({"tenants.address_quarantined"}),
    ),
    Case(
        "aws-duplicate-key-conflicting",
        QUARANTINE,
        "history.conflicting_versions",
        duplicate_line(ACC10, "acc-0005,", ("SG200000000K", "SG999999999Z")),
        lost("tenants:555555555555"),
    ),
    Case("aws-duplicate-history-row", WARN, "rows.exact_duplicates", duplicate_line(ACC10, "acc-0001,")),
    Case(
        "aws-account-id-lost-leading-zeros",
        QUARANTINE,
        "aws_account_id.twelve_digits",
        replace(ACC10, ",004455667788,", ",4455667788,"),
        lost("tenants:004455667788", "entitlements:agr-1", "billing:be-1", "billing:be-3", ACME_USAGE),
        also=frozenset({"entitlements.acceptor_known", "billing.end_user_known"}),
    ),
    Case(
        "aws-lost-leading-zeros-over-share",
        STOP,
        "quarantine.share",
        replace(ACC10, ",004455667788,", ",4455667788,"),
        quality=QualityConfig(),
    ),
    Case(
        "aws-malformed-timestamp",
        QUARANTINE,
        "valid_from.calendar",
        replace(
            ACC11,
            "acc-0002,123456789012,enc-0002,addr-0004,addr-0003,DE811111111,Foo Europe GmbH,2026-11-02",
            "acc-0002,123456789012,enc-0002,addr-0004,addr-0003,DE811111111,Foo Europe GmbH,2026-11-31",
        ),
        # Its newest version is unreadable: the account is excluded rather than read from a stale version.
        lost("tenants:123456789012", "entitlements:agr-2", "billing:be-2"),
        also=frozenset({"history.incomplete_key"}),
    ),
    Case(
        "aws-malformed-date-format",
        QUARANTINE,
        "invoice_date.format",
        replace(BILL10, "2026-10-05T00:00:00Z", "05/10/2026"),
        lost("billing:be-1"),
    ),
    Case(
        "aws-bad-amount", QUARANTINE, "amount.number", replace(BILL11, ",250.50,", ',"250,50",'), lost("billing:be-2")
    ),
    Case(
        "aws-unknown-agreement-status",
        QUARANTINE,
        "status.allowed_values",
        replace(AGR10, "agr-1,ACTIVE,", "agr-1,PAUSED,"),
        lost("entitlements:agr-1"),
    ),
    Case(
        "aws-lowercase-country",
        QUARANTINE,
        "country_code.pattern",
        replace(ADDR11, ",518000,CN,", ",518000,cn,"),
        lost("tenants:123456789012"),
    ),
    Case(
        "aws-row-from-tomorrow",
        OK,
        "rows.after_logical_date",
        append(
            ACC11,
            "acc-0001,004455667788,enc-0001,addr-0009,,,,2026-11-21T08:00:00Z,2026-11-21T08:00:00Z,"
            "2026-11-21T08:00:00Z,",
        ),
    ),
    Case(
        "aws-billed-account-unknown",
        QUARANTINE,
        "billing.end_user_known",
        append(
            BILL11,
            "be-9,acc-ghost,acc-seller,acc-ghost,prod-x,,INVOICED,SELLER_REV_SHARE,9.99,USD,"
            "2026-11-04T00:00:00Z,,,agr-1,offer-a,2026-11-04T02:00:00Z,2026-11-04T02:00:00Z,2026-11-04T02:00:00Z,",
        ),
    ),
    Case(
        "aws-unknown-reseller",
        WARN,
        "entitlements.reseller_known",
        replace(AGR10, "agr-2,ACTIVE,acc-0005,", "agr-2,ACTIVE,acc-unknown,"),
    ),
    Case(
        "aws-field-count",
        QUARANTINE,
        "csv.field_count",
        replace(ACC10, "acc-0005,555555555555,enc-0005,", "acc-0005,555555555555,"),
        lost("tenants:555555555555"),
    ),
    Case(
        "aws-unterminated-quote",
        STOP,
        "csv.unterminated_quote",
        replace(ADDR10, '"Tax Office Building, Floor 3"', '"Tax Office Building, Floor 3'),
    ),
    Case(
        "aws-stray-quote",
        QUARANTINE,
        "csv.parse",
        replace(ADDR10, '"Tax Office Building, Floor 3"', '"Tax Office" Building'),
        lost("tenants:123456789012"),  # its tax address (and so its tax country) is unreadable
        also=frozenset({"tenants.address_unreadable"}),
    ),
]

# --- GCP drop ----------------------------------------------------------------------------------


def _jsonl_edit(file: Callable[[Path], Path], account_id: str, fn: Callable[[dict[str, Any]], None]) -> Mutation:
    def go(root: Path) -> None:
        path = file(root)
        lines = path.read_text(encoding="utf-8").splitlines()
        out = []
        for line in lines:
            obj = json.loads(line)
            if obj["name"].endswith(account_id):
                fn(obj)
            out.append(json.dumps(obj))
        path.write_text("\n".join(out) + "\n", encoding="utf-8")

    return go


def _set(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    def go(obj: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for p in parents:
            obj = obj[p]
        obj[last] = value

    return go


def _drop(path: str) -> Callable[[dict[str, Any]], None]:
    def go(obj: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for p in parents:
            obj = obj[p]
        del obj[last]

    return go


UMBRELLA = "E-9C0D-1E2F"
GCP_CASES = [
    Case("gcp-missing-accounts", STOP, "export.missing", delete(ACCOUNTS)),
    Case("gcp-missing-entitlements", STOP, "export.missing", delete(ENTS)),
    Case("gcp-missing-usage", WARN, "export.missing", delete(USAGE), lost(*(f"billing:{i}" for i in range(3)))),
    Case("gcp-empty-accounts", STOP, "file.empty", edit_bytes(ACCOUNTS, lambda _: b"")),
    Case(
        "gcp-truncated-accounts",
        QUARANTINE,
        "json.parse",
        edit_bytes(ACCOUNTS, lambda data: data.rstrip(b"\n")[:-40]),
        lost(f"tenants:{UMBRELLA}", "entitlements:providers/acme-models/entitlements/ent-003"),
    ),
    Case(
        "gcp-number-where-text-belongs",
        QUARANTINE,
        "json.type",
        _jsonl_edit(ACCOUNTS, "E-1A2B-3C4D", _set("inputProperties.taxId", 123456789)),
        lost("tenants:E-1A2B-3C4D", "entitlements:providers/acme-models/entitlements/ent-001"),
    ),
    Case(
        "gcp-missing-company-name",
        QUARANTINE,
        "inputProperties.companyName.required",
        _jsonl_edit(ACCOUNTS, UMBRELLA, _drop("inputProperties.companyName")),
        lost(f"tenants:{UMBRELLA}", "entitlements:providers/acme-models/entitlements/ent-003"),
    ),
    Case(
        "gcp-country-name-not-code",
        QUARANTINE,
        "inputProperties.country.pattern",
        _jsonl_edit(ACCOUNTS, UMBRELLA, _set("inputProperties.country", "United Kingdom")),
        lost(f"tenants:{UMBRELLA}", "entitlements:providers/acme-models/entitlements/ent-003"),
    ),
    Case(
        "gcp-duplicate-account-identical",
        WARN,
        "rows.exact_duplicates",
        lambda root: append(ACCOUNTS, _line_of(ACCOUNTS, root, UMBRELLA))(root),
    ),
    Case(
        "gcp-duplicate-account-conflicting",
        QUARANTINE,
        "key.unique",
        lambda root: append(ACCOUNTS, _line_of(ACCOUNTS, root, UMBRELLA).replace("Umbrella Ltd", "Umbrella plc"))(root),
        lost(f"tenants:{UMBRELLA}", "entitlements:providers/acme-models/entitlements/ent-003"),
    ),
    Case(
        "gcp-non-utf8",
        QUARANTINE,
        "encoding.utf8",
        edit_bytes(ACCOUNTS, lambda data: data.replace(b"Umbrella Ltd", "Umbrélla Ltd".encode("latin-1"))),
        lost(f"tenants:{UMBRELLA}", "entitlements:providers/acme-models/entitlements/ent-003"),
    ),
    Case(
        "gcp-unknown-field",
        WARN,
        "file.extra_fields",
        _jsonl_edit(ACCOUNTS, UMBRELLA, _set("inputProperties.favouriteColour", "blue")),
    ),
    Case(
        "gcp-unknown-entitlement-state",
        QUARANTINE,
        "state.allowed_values",
        replace(ENTS, '"ENTITLEMENT_ACTIVATION_REQUESTED"', '"ENTITLEMENT_PAUSED"'),
        lost("entitlements:providers/acme-models/entitlements/ent-003"),
    ),
    Case(
        "gcp-entitlement-of-unknown-account",
        QUARANTINE,
        "entitlements.account_known",
        replace(
            ENTS,
            '"account": "providers/acme-models/accounts/E-9C0D-1E2F"',
            '"account": "providers/acme-models/accounts/E-0000-0000"',
        ),
        lost("entitlements:providers/acme-models/entitlements/ent-003"),
    ),
    Case(
        "gcp-usage-wrong-delimiter",
        WARN,
        "file.columns",
        edit_bytes(USAGE, lambda d: d.replace(b",", b"\t")),
        lost(*(f"billing:{i}" for i in range(3))),
    ),
    Case(
        "gcp-usage-malformed-date",
        QUARANTINE,
        "usage_date.format",
        replace(USAGE, "2026-11-19,E-5E6F", "19.11.2026,E-5E6F"),
        lost("billing:2"),
    ),
    Case(
        "gcp-usage-other-day",
        WARN,
        "usage.day",
        replace(USAGE, "2026-11-19,E-5E6F", "2026-11-17,E-5E6F"),
    ),  # kept, and reported
    Case("gcp-usage-bom", WARN, "file.bom", edit_bytes(USAGE, lambda data: b"\xef\xbb\xbf" + data)),
]


@dataclass(frozen=True, eq=False)
class Extract:
    """What the extract_partner stage wrote for one partner, and whether it stopped the run."""

    partner: str
    report: ValidationReport
    frames: dict[str, pd.DataFrame]
    stopped: QualityError | None

    @property
    def quarantine(self) -> pd.DataFrame:
        return self.frames[ds.QUARANTINE.name]


def _extract(inbox: Path, kind: str, quality: QualityConfig) -> Extract:
    partner = (aws_partner if kind == "aws" else gcp_partner)(inbox.as_uri())
    work = inbox.parent / "run"
    config = RunConfig(
        config_uri=(work / "config.yaml").as_uri(),
        workspace=(work / "workspace").as_uri(),
        reports=(work / "reports").as_uri(),
        audit=(work / "audit").as_uri(),
        policy=(work / "policy.yaml").as_uri(),
        ownership=OwnershipConfig(sources=((work / "register.json").as_uri(),)),
        partners=(partner,),
        quality=quality,
    )
    ctx = RunContext(config, LOGICAL_DATE, "bad-input", Storage())
    stopped = None
    try:
        extract_partner(ctx, kind)
    except QualityError as exc:
        stopped = exc
    report = ValidationReport.from_json(read_json(ctx.storage, ctx.layout.validation("extract", kind)))
    sets = (ds.TENANTS, ds.ENTITLEMENTS, ds.BILLING, ds.QUARANTINE)
    frames = {d.name: read_parquet(ctx.storage, ctx.layout.dataset(d, kind)) for d in sets}
    return Extract(kind, report, frames, stopped)


def _keys(x: Extract) -> set[str]:
    keys = {f"tenants:{t}" for t in x.frames["tenants"]["tenant_id"]}
    keys |= {f"entitlements:{e}" for e in x.frames["entitlements"]["entitlement_id"]}
    if x.partner == "gcp":  # usage line ids embed the row; count lines by position in the good file instead
        keys |= {f"billing:{i}" for i in range(len(x.frames["billing"]))}
    else:
        keys |= {f"billing:{line}" for line in x.frames["billing"]["line_id"]}
    return keys


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    root = tmp_path_factory.mktemp("good")
    out = {}
    for name in ("aws", "gcp"):
        shutil.copytree(FIXTURES / name, root / name / "inbox")
        result = _extract(root / name / "inbox", name, LENIENT)
        assert result.stopped is None and result.report.passed and result.quarantine.empty
        out[name] = _keys(result)
    return out


def _outcomes(report: ValidationReport, rule: str) -> set[Outcome]:
    return {r.outcome for r in report.results if r.check == rule}


def _assert_outcome(case: Case | BodsCase, report: ValidationReport, quarantine: pd.DataFrame) -> None:
    if case.outcome == STOP:
        with pytest.raises(QualityError) as caught:
            report.raise_for_errors()
        assert case.rule in {f.check for f in caught.value.failures}, str(caught.value)
        return
    assert report.passed, [r.describe() for r in report.errors]
    if case.outcome == QUARANTINE:
        assert case.rule in set(quarantine["rule"]), quarantine[["rule", "message"]].to_string()
        assert case.also <= set(quarantine["rule"]), quarantine[["rule", "message"]].to_string()
        assert not quarantine["source_uri"].isna().any()
    elif case.outcome == WARN:
        assert Outcome.WARNED in _outcomes(report, case.rule), [r.check for r in report.results if not r.passed]
        assert quarantine.empty
    else:
        assert quarantine.empty
        assert not report.warnings, [r.describe() for r in report.warnings]
        if case.rule:
            assert Outcome.PASSED in _outcomes(report, case.rule)


@pytest.mark.parametrize("case", AWS_CASES + GCP_CASES, ids=lambda c: c.id)
def test_partner_bad_input(case: Case, tmp_path: Path, good: dict[str, set[str]]) -> None:
    kind = case.id.split("-", 1)[0]
    root = tmp_path / kind
    shutil.copytree(FIXTURES / kind, root)
    case.mutate(root)
    result = _extract(root, kind, case.quality)
    assert (result.stopped is not None) == (case.outcome == STOP), result.stopped
    _assert_outcome(case, result.report, result.quarantine)
    if case.outcome == QUARANTINE:
        # The quarantine follows its own contract (one row per record and rule, lineage, the record as JSON).
        assert validate_frame(result.quarantine, "quarantine", max_quarantine_share=0.0).passed
    if case.outcome != STOP:
        keys = _keys(result)
        assert keys <= good[kind] | {k for k in keys if k.startswith("billing:") and kind == "gcp"}
        missing = good[kind] - keys
        assert missing == case.lost, f"lost {sorted(missing)}, expected {sorted(case.lost)}"


def test_tenant_count_jump_stops_the_run() -> None:
    report = ValidationReport("validate")
    report.add(check_tenant_count("aws", 5000, 500, QualityConfig().max_tenant_growth))
    with pytest.raises(QualityError, match="tenant_count_stable"):
        report.raise_for_errors()


# --- BODS ownership statements -----------------------------------------------------------------

BODS = json.loads((HERE / "fixtures" / "bods_base.json").read_text(encoding="utf-8"))
POLICY = load_policy_text("id: test\nversion: '1'\nrestricted_jurisdictions: [CN]\n", "inline policy")
ALL_RECORDS = frozenset({"rec-parent", "rec-sub", "rec-other"})


@dataclass(frozen=True)
class BodsCase:
    id: str
    outcome: str
    rule: str
    mutate: Callable[[list[dict[str, Any]]], list[dict[str, Any]] | bytes]
    lost_interests: int = 0  # interests of the good register that may not survive
    also: frozenset[str] = frozenset()


def _interest(i: int, **change: object) -> Callable[[list[dict[str, Any]]], list[dict[str, Any]]]:
    def go(s: list[dict[str, Any]]) -> list[dict[str, Any]]:
        s[3 + i]["recordDetails"]["interests"][0].update(change)
        return s

    return go


def _details(i: int, **change: object) -> Callable[[list[dict[str, Any]]], list[dict[str, Any]]]:
    def go(s: list[dict[str, Any]]) -> list[dict[str, Any]]:
        s[i]["recordDetails"].update(change)
        return s

    return go


def _extra_owner(share: float) -> Callable[[list[dict[str, Any]]], list[dict[str, Any]]]:
    def go(s: list[dict[str, Any]]) -> list[dict[str, Any]]:
        extra = copy.deepcopy(s[3])
        extra["statementId"] = "00000000-0000-4000-8000-000000000006"
        extra["recordId"] = "rec-rel-other-sub"
        extra["recordDetails"]["interestedParty"] = "rec-other"
        extra["recordDetails"]["interests"][0]["share"] = {"exact": share}
        return [*s, extra]

    return go


BODS_CASES = [
    BodsCase("bods-negative-share", QUARANTINE, "bods_0.4_schema", _interest(0, share={"exact": -5}), 1),
    BodsCase("bods-share-over-100", QUARANTINE, "bods_0.4_schema", _interest(0, share={"exact": 150}), 1),
    BodsCase("bods-unknown-interest-type", QUARANTINE, "bods_0.4_schema", _interest(0, type="friendship"), 1),
    BodsCase("bods-malformed-date", QUARANTINE, "bods_0.4_schema", _interest(0, startDate="2020-13-45"), 1),
    BodsCase(
        "bods-share-min-above-max",
        QUARANTINE,
        "bounds_ordered",
        _interest(0, share={"minimum": 60, "maximum": 40}),
        1,
    ),
    BodsCase("bods-unknown-record", WARN, "unknown_reference", _details(3, interestedParty="rec-ghost")),
    BodsCase(
        "bods-cycle",
        WARN,
        "ownership_cycle",
        lambda s: _interest(1, share={"exact": 40})(_details(4, subject="rec-parent")(s)),
    ),
    BodsCase("bods-self-ownership", WARN, "self_ownership", _details(3, interestedParty="rec-sub")),
    BodsCase("bods-stakes-over-100", STOP, "stakes_at_most_100", _extra_owner(70)),
    BodsCase(
        "bods-declared-indirect-disagrees",
        WARN,
        "declared_indirect_mismatch",
        lambda s: _details(
            3,
            interests=[
                *s[3]["recordDetails"]["interests"],
                {"type": "shareholding", "directOrIndirect": "indirect", "share": {"exact": 10}},
            ],
        )(s),
    ),
    BodsCase("bods-truncated-file", QUARANTINE, "json_syntax", lambda s: json.dumps(s).encode()[:-30], 2),
]


def _bods_run(case: BodsCase) -> tuple[ValidationReport, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The extract_ownership -> validate -> resolve checks on one register, as the stages run them."""
    statements = case.mutate(copy.deepcopy(BODS))
    data = statements if isinstance(statements, bytes) else json.dumps(statements).encode()
    frames = read_bods([("mem://register.json", io.BytesIO(data))], as_of=LOGICAL_DATE)
    report = ValidationReport("bods")
    report.extend(results_from_findings(frames.findings, dataset="ownership_input"))
    quarantined = [frames.quarantine]
    valid = {}
    for dataset in (ENTITIES, IDENTIFIERS, INTERESTS):
        v = validate_frame(
            conform(getattr(frames, dataset.name), dataset),
            dataset.contract,
            dataset=dataset.name,
            max_quarantine_share=LENIENT.max_quarantine_share,
        )
        report.extend(v.results)
        quarantined.append(v.quarantine)
        valid[dataset.name] = v.valid
    report.add(check_stakes_sum(valid["interests"], LOGICAL_DATE))
    resolved = resolve(valid["entities"], valid["interests"], POLICY, LOGICAL_DATE)
    report.extend(results_from_findings(resolved.findings, dataset="ownership"))
    return report, concat_quarantine(quarantined), valid["entities"], valid["interests"]


def test_good_register_is_clean() -> None:
    report, quarantine, entities, interests = _bods_run(BodsCase("good", OK, "", lambda s: s))
    assert report.passed and quarantine.empty and not report.warnings
    assert set(entities["entity_id"]) == ALL_RECORDS and len(interests) == 2


@pytest.mark.parametrize("case", BODS_CASES, ids=lambda c: c.id)
def test_bods_bad_input(case: BodsCase) -> None:
    report, quarantine, entities, interests = _bods_run(case)
    if case.outcome == WARN:
        assert report.passed, [r.describe() for r in report.errors]
        assert Outcome.WARNED in _outcomes(report, case.rule), [r.check for r in report.results if not r.passed]
    else:
        _assert_outcome(case, report, quarantine)
    if case.outcome != STOP:
        if case.id != "bods-truncated-file":
            assert set(entities["entity_id"]) == ALL_RECORDS  # no entity record lost to a bad relationship
        assert len(interests) >= 2 - case.lost_interests


# --- The policy file ---------------------------------------------------------------------------

GOOD_POLICY = """\
id: unsupported-regions
version: "2025-09-05"
restricted_jurisdictions: [CN]
ownership:
  method: cascade
  threshold: 0.5
  comparator: ">"
"""

POLICY_CASES = [
    ("policy-unknown-top-level-key", GOOD_POLICY + "restricted_countries: [CN]\n", "restricted_countries"),
    ("policy-unknown-nested-key", GOOD_POLICY + "  treshold: 0.6\n", "treshold"),
    ("policy-unknown-jurisdiction", GOOD_POLICY.replace("[CN]", "[CN, XX]"), "XX"),
    ("policy-jurisdiction-name-not-code", GOOD_POLICY.replace("[CN]", "[China]"), "CHINA"),
    ("policy-threshold-out-of-range", GOOD_POLICY.replace("0.5", "50"), "threshold"),
    ("policy-unknown-method", GOOD_POLICY.replace("cascade", "majority"), "method"),
    ("policy-no-jurisdictions", GOOD_POLICY.replace("[CN]", "[]"), "restricted_jurisdictions"),
    ("policy-not-yaml", "id: [unclosed\n", "not valid YAML"),
]


def test_good_policy_loads() -> None:
    assert load_policy_text(GOOD_POLICY, "policies/test.yaml").restricted_jurisdictions == ("CN",)


@pytest.mark.parametrize(("case", "text", "named"), POLICY_CASES, ids=[c[0] for c in POLICY_CASES])
def test_policy_bad_input_stops(case: str, text: str, named: str) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy_text(text, "policies/test.yaml")
    assert "policies/test.yaml" in str(caught.value) and named in str(caught.value)


def test_catalogue_size() -> None:
    assert len(AWS_CASES) + len(GCP_CASES) + len(BODS_CASES) + len(POLICY_CASES) + 1 >= 30
    ids = [c.id for c in AWS_CASES + GCP_CASES] + [c.id for c in BODS_CASES] + [c[0] for c in POLICY_CASES]
    assert len(ids) == len(set(ids))
