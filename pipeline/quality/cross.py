"""Checks that span datasets (or runs), which Great Expectations cannot express, reported the same way.

Invariant: every function here is pure (frames and plain values in, `CheckResult`s out) and takes
the severity of its check from the contract that declares it (a `custom` rule with engine `recon`),
so contracts remain the one place where a rule's severity is set. A check that cannot find its
declaration is a programming error (`KeyError`), never a silent default.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import pandas as pd

from pipeline.arrays import member_of
from pipeline.ownership.holdings import stake_sums
from pipeline.ownership.source_format import SourceFigures
from pipeline.policy.definition import Ownership
from pipeline.quality.contracts import Scope, Severity, load_contract
from pipeline.quality.results import CheckResult, Source, sample_rows

# Where each cross-dataset check is declared: (contract, rule id).
BILLED_ACCOUNTS_KNOWN = ("canonical_billing", "billed_accounts_known")
EXPORT_PRESENT = ("canonical_tenants", "export_present")
TENANT_COUNT_STABLE = ("canonical_tenants", "tenant_count_stable")
SOURCE_FRESH = ("entities", "source_fresh")
SOURCE_SIZE_STABLE = ("entities", "source_size_stable")
IDENTIFIER_CHECK_DIGITS = ("canonical_tenants", "identifier_check_digits")
TENANTS_SCORED = ("tenant_links", "tenants_scored")
STAKES_AT_MOST_100 = ("interests", "stakes_at_most_100")
PUBLISHED_MATCHES_DECISIONS = ("tenant_decisions", "published_matches_decisions")
EXEMPTIONS_APPLY = ("tenant_decisions", "exemptions_apply")
OWNERSHIP_FINDINGS = "resolved_ownership"


def declared_severity(contract: str, rule_id: str) -> Severity:
    rule = load_contract(contract).rule(rule_id)
    if rule.scope is not Scope.CROSS:
        raise KeyError(f"{contract}: rule {rule_id!r} is not a cross-dataset (engine recon) rule")
    return rule.severity


def _result(
    where: tuple[str, str],
    dataset: str,
    *,
    passed: bool,
    message: str,
    checked: int,
    failed: int,
    samples: Iterable[Mapping[str, object]] = (),
) -> CheckResult:
    return CheckResult(
        dataset=dataset,
        check=where[1],
        severity=declared_severity(*where),
        scope=Scope.CROSS,
        passed=passed,
        message=message,
        checked=checked,
        failed=failed,
        samples=sample_rows(samples),
        source=Source.CROSS_DATASET,
    )


def check_billed_accounts_known(partner: str, tenants: pd.DataFrame, billing: pd.DataFrame) -> CheckResult:
    """Every tenant billed by a partner is a tenant in that partner's export."""
    known = tenants.loc[tenants["partner"] == partner, "tenant_id"]
    lines = billing.loc[billing["partner"] == partner]
    billed = lines.groupby("tenant_id", dropna=True).agg(lines=("line_id", "size"), last_date=("event_date", "max"))
    unknown = billed.loc[~member_of(billed.index.to_series(), known).to_numpy()]
    samples = [{"tenant_id": t, "lines": int(r["lines"]), "last_date": r["last_date"]} for t, r in unknown.iterrows()]
    return _result(
        BILLED_ACCOUNTS_KNOWN,
        "billing",
        passed=unknown.empty,
        message=f"{partner}: {len(unknown)} of {len(billed)} billed accounts are not tenants in the export"
        if len(unknown)
        else f"{partner}: all {len(billed)} billed accounts are tenants in the export",
        checked=len(billed),
        failed=len(unknown),
        samples=samples,
    )


def check_export_present(partner: str, tenant_count: int) -> CheckResult:
    """A partner without tenants for the date stops the run: it must never read as "nobody to revoke"."""
    return _result(
        EXPORT_PRESENT,
        "tenants",
        passed=tenant_count > 0,
        message=f"{partner}: {tenant_count} tenants in the export"
        if tenant_count
        else f"{partner}: the export for the date is missing or holds no tenants",
        checked=1,
        failed=0 if tenant_count else 1,
    )


def check_tenant_count(partner: str, current: int, previous: int | None, max_growth: float) -> CheckResult:
    """The tenant count may change by at most a factor `max_growth` (up or down) against the last run."""
    if not previous:
        return _result(
            TENANT_COUNT_STABLE,
            "tenants",
            passed=True,
            message=f"{partner}: {current} tenants; no previous run to compare with",
            checked=current,
            failed=0,
        )
    ratio = current / previous
    ok = 1 / max_growth <= ratio <= max_growth
    return _result(
        TENANT_COUNT_STABLE,
        "tenants",
        passed=ok,
        message=f"{partner}: {current} tenants against {previous} in the previous run (x{ratio:.2f}; allowed "
        f"x{1 / max_growth:.2f} to x{max_growth:.2f})",
        checked=current,
        failed=0 if ok else abs(current - previous),
    )


def check_source_age(key: str, figures: SourceFigures, as_of: dt.date, max_age_days: int | None) -> CheckResult:
    """A source whose latest record is more than `max_age_days` before the logical date is stale (a feed
    that stopped updating); one whose records carry no date cannot be judged and says so."""
    what = f"ownership source {key} ({figures.uri})"
    if max_age_days is None or figures.published is None:
        told = f"latest record of {figures.published}" if figures.published else "no dated record"
        why = "no age limit configured" if max_age_days is None else "its age cannot be judged"
        return _result(SOURCE_FRESH, "entities", passed=True, message=f"{what}: {told}; {why}", checked=0, failed=0)
    age = (as_of - figures.published).days
    ok = age <= max_age_days
    return _result(
        SOURCE_FRESH,
        "entities",
        passed=ok,
        message=f"{what}: latest record of {figures.published}, {age} days before {as_of} (at most "
        f"{max_age_days} allowed)",
        checked=1,
        failed=0 if ok else 1,
    )


def check_source_size(
    key: str, figures: SourceFigures, previous: SourceFigures | None, max_shrink: float
) -> CheckResult:
    """A source's records, relationships and restricted roots may each fall by at most `max_shrink` (a
    share) against the last complete run: an emptied or truncated download must not read as "fewer
    owners", which would lift revocations."""
    what = f"ownership source {key} ({figures.uri})"
    measures = ("entities", "relationships", "roots")
    now = {m: int(getattr(figures, m)) for m in measures}
    if previous is None:
        counts = ", ".join(f"{now[m]} {m}" for m in measures)
        return _result(SOURCE_SIZE_STABLE, "entities", passed=True, checked=0, failed=0,
                       message=f"{what}: {counts}; no previous run to compare with")  # fmt: skip
    before = {m: int(getattr(previous, m)) for m in measures}
    shrunk = [m for m in measures if before[m] and now[m] < before[m] * (1 - max_shrink)]
    figures_text = ", ".join(f"{m} {now[m]} against {before[m]}" for m in measures)
    return _result(
        SOURCE_SIZE_STABLE,
        "entities",
        passed=not shrunk,
        message=f"{what}: {figures_text} in the last complete run"
        + (f"; {', '.join(shrunk)} fell by more than {max_shrink:.0%}" if shrunk else ""),
        checked=len(measures),
        failed=len(shrunk),
        samples=[{"source": key, "uri": figures.uri, "measure": m, "now": now[m], "before": before[m]} for m in shrunk],
    )


def check_identifier_check_digits(partner: str, tenants: pd.DataFrame) -> CheckResult:
    """Tenants' numbers whose format carries a check (USCC, LEI) pass it once spacing and case are set
    aside; one that fails cannot revoke on its own (pipeline.matching.identifiers), and is listed here."""
    from pipeline.matching.identifiers import IdKind, tenant_identifier_keys

    keys = tenant_identifier_keys(tenants)
    keys = keys[(keys["kind"] != IdKind.UNKNOWN_KIND.value) & keys["valid"].notna()]
    failed = keys[keys["valid"] == False]  # noqa: E712 - a boolean column with NA
    samples = [
        {"tenant_id": tenants["tenant_id"].iloc[int(r["t"])], "field": r["source"], "given": r["given"]}
        for _, r in failed.iterrows()
    ]
    return _result(
        IDENTIFIER_CHECK_DIGITS,
        "tenants",
        passed=failed.empty,
        message=f"{partner}: {len(failed)} of {len(keys)} checked tenant numbers fail their check digits "
        "(they cannot revoke on their own; the tenant is matched by name)"
        if len(failed)
        else f"{partner}: all {len(keys)} checked tenant numbers pass their check digits",
        checked=len(keys),
        failed=len(failed),
        samples=samples,
    )


def check_tenants_scored(links: pd.DataFrame) -> CheckResult:
    """Tenants left without a candidate because their name's block was too large to score (`unscored`)."""
    from pipeline.matching import LinkMethod

    unscored = links[links["method"] == LinkMethod.UNSCORED.value]
    samples = [{"partner": r["partner"], "tenant_id": r["tenant_id"]} for _, r in unscored.iterrows()]
    return _result(
        TENANTS_SCORED,
        "links",
        passed=unscored.empty,
        message=f"{len(unscored)} of {len(links)} tenants could not be scored by name: the block of names "
        "they share is too large (matching.block_max_size); they are treated as unmatched"
        if len(unscored)
        else f"all {len(links)} tenants were scored",
        checked=len(links),
        failed=len(unscored),
        samples=samples,
    )


def check_stakes_sum(
    interests: pd.DataFrame, as_of: dt.date | None = None, interest_types: Iterable[str] | None = None
) -> CheckResult:
    """Per entity and ownership interest type, the least the direct holders hold together is at most 100%.

    The sums are `pipeline.ownership.holdings.stake_sums`, the one implementation: interests active on
    `as_of` (all when it is None), of the types the policy counts as ownership (`interest_types`, by
    default the policy's default), not declared indirect, each at its least share with its open/closed
    bound, one holding per holder. Ranges that merely could exceed 100% pass.
    """
    sums = stake_sums(interests, interest_types or Ownership().interests, as_of)
    over = sums.over
    samples = [
        {
            "subject_id": r["subject_id"],
            "interest_type": r["interest_type"],
            "holders": int(r["holders"]),
            "total_share": round(float(r["total_share"]), 6),
            "more_than": bool(r["total_open"]),
        }
        for r in over.to_dict("records")
    ]
    return _result(
        STAKES_AT_MOST_100,
        "interests",
        passed=over.empty,
        message=f"{len(over)} entity/interest-type pairs whose direct holders hold more than 100% together"
        if len(over)
        else f"stakes of all {sums.pairs} entity/interest-type pairs sum to at most 100%",
        checked=sums.pairs,
        failed=len(over),
        samples=samples,
    )


def check_published_matches_decisions(partner: str, published: pd.DataFrame, decisions: pd.DataFrame) -> CheckResult:
    """The partner's list in force holds exactly the tenants decided `revoke` for that partner.

    `published` has a `tenant_id` column (one row per listed tenant, as `pipeline.partners.list_in_force`
    gives it); `decisions` is the DECISIONS frame of the run.
    """
    revoke = set(decisions.loc[(decisions["partner"] == partner) & (decisions["decision"] == "revoke"), "tenant_id"])
    listed = [str(t) for t in published["tenant_id"]]
    repeated = sorted({t for t in listed if listed.count(t) > 1})
    published_ids = set(listed)
    missing = sorted(revoke - published_ids)
    extra = sorted(published_ids - revoke)
    samples = (
        [{"tenant_id": t, "problem": "revoke decision not published"} for t in missing]
        + [{"tenant_id": t, "problem": "published without a revoke decision"} for t in extra]
        + [{"tenant_id": t, "problem": "listed more than once"} for t in repeated]
    )
    ok = not missing and not extra and not repeated
    return _result(
        PUBLISHED_MATCHES_DECISIONS,
        "published",
        passed=ok,
        message=f"{partner}: {len(listed)} published rows, {len(revoke)} revoke decisions"
        + ("" if ok else f" ({len(missing)} not published, {len(extra)} without decision, {len(repeated)} repeated)"),
        checked=len(revoke | published_ids),
        failed=len(missing) + len(extra) + len(repeated),
        samples=samples,
    )


def check_exemptions_apply(review: pd.DataFrame) -> CheckResult:
    """Every exemption can apply (`pipeline.policy.exemptions.review_exemptions`'s `problems`; an exemption
    in force that merely matched no revoke today is not a mistake)."""
    from pipeline import jsonio
    from pipeline.policy.exemptions import ExemptionProblem

    mistakes = []
    for row in review.to_dict("records"):
        problems = [p for p in jsonio.loads(str(row["problems"])) if p != ExemptionProblem.NEVER_MATCHED]
        if problems:
            mistakes.append({"exemption_id": row["exemption_id"], "problems": problems, "hint": row["hint"]})
    return _result(
        EXEMPTIONS_APPLY,
        "exemptions",
        passed=not mistakes,
        message=f"{len(review)} exemptions, {len(mistakes)} that cannot apply as written"
        + "".join(f"; {m['exemption_id']}: {m['hint']}" for m in mistakes[:5]),
        checked=len(review),
        failed=len(mistakes),
        samples=mistakes,
    )


def results_from_findings(findings: pd.DataFrame, *, dataset: str = "ownership") -> list[CheckResult]:
    """A findings frame (check, severity, entity_id, message) from a pure module, as check results.

    One result per check name. The severity is the one the `resolved_ownership` contract declares for
    that check when it declares it (one place to tune it), else the worst severity in the findings.
    An empty frame gives one passing `findings` result, so a clean run still shows the check ran.
    """
    contract = load_contract(OWNERSHIP_FINDINGS)
    declared = {r.id: r.severity for r in contract.rules if r.scope is Scope.CROSS}
    if findings.empty:
        return [
            CheckResult(
                dataset,
                "findings",
                Severity.INFO,
                Scope.CROSS,
                True,
                "no findings reported by the resolution",
                source=Source.FINDINGS,
            )
        ]
    out = []
    rank = {Severity.INFO: 0, Severity.WARN: 1, Severity.ERROR: 2}
    for check, group in findings.groupby("check", sort=True):
        name = str(check)
        severities = [Severity.parse(str(s), f"finding {name}") for s in group["severity"]]
        severity = declared.get(name, max(severities, key=lambda s: rank[s]))
        out.append(
            CheckResult(
                dataset=dataset,
                check=name,
                severity=severity,
                scope=Scope.CROSS,
                passed=False,
                message=f"{len(group)} finding(s): {group['message'].iloc[0]}",
                checked=len(group),
                failed=len(group),
                samples=sample_rows(group[["entity_id", "message"]].to_dict("records")),
                source=Source.FINDINGS,
            )
        )
    return out
