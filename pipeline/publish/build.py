"""The partner-independent part of a revocation list: which tenants, why, and from when.

Invariants:
- Exactly the `revoke` decisions of one partner are listed, one row per tenant; a revoke for a tenant
  the partner's export does not have, or two decisions for one tenant, is an error (a list that cannot be
  explained from the run's own data is not published).
- Effective date: a NEW revocation (key not in the previous list) takes effect on the logical date plus
  the policy's notice period (`policy.enforcement.notice_period_days`) and is `listed_since` the logical
  date; a CONTINUING revocation keeps both dates from the previous list, so a partner's deadline never
  moves while the revocation stands. A lifted and later re-added tenant is new again.
- Reason codes are the decision's rule ids, distinct and sorted, each one of the closed vocabulary the list
  contracts declare (`TenantRule`; docs/reason-codes.md): any other stops the list.
- A `carried_over` revoke (pipeline/policy/carry.py: a listed tenant missing from this run's export) is
  republished as the previous list's row, unchanged; one without a previous row is an error.
- Entitlements are matched to a tenant by its tenant id or its account reference (the AWS account GUID,
  the GCP account resource name), whichever the canonical entitlements carry; only live ones are listed:
  not in a terminal state and not ended before the logical date.

Pure: frames and values in, a frame out.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pandas as pd

from pipeline import jsonio
from pipeline.errors import RunStopped
from pipeline.lists_vocabulary import EFFECTIVE_DATE, LISTED_SINCE, REASON_CODES
from pipeline.policy.definition import Policy, TenantDecision
from pipeline.policy.tenants import TenantRule
from pipeline.publish.lists import join_values

PARTNER_TENANT = "tenant_id"
# The closed vocabulary of `reason_codes`: the enum of the list contracts (docs/reason-codes.md).
REASON_VOCABULARY = frozenset(rule.value for rule in TenantRule)


class RevocationListError(RunStopped, ValueError):
    """The decisions cannot be turned into a list that is explained by the run's data."""


def _text(series: pd.Series) -> pd.Series:
    return series.astype("str").fillna("").str.strip()


def _member(series: pd.Series, values: set[str]) -> list[bool]:
    # Arrow-backed `Series.isin` builds one pyarrow scalar per value: slow for thousands of values.
    return [v in values for v in series.tolist()]


def single_partner(decisions: pd.DataFrame) -> str | None:
    partners = sorted(str(p) for p in _text(decisions["partner"]).unique())
    if len(partners) > 1:
        raise RevocationListError(f"a revocation list is built per partner, got decisions for {partners}")
    return partners[0] if partners else None


def reason_codes(rules: object, where: str) -> str:
    try:
        parsed = jsonio.loads(rules) if isinstance(rules, str) and rules.strip() else []
    except jsonio.JSONDecodeError as exc:
        raise RevocationListError(f"{where}: rules is not a JSON list: {rules!r}") from exc
    if not isinstance(parsed, list) or not all(isinstance(r, str) for r in parsed):
        raise RevocationListError(f"{where}: rules is not a JSON list of rule ids: {rules!r}")
    if not parsed:
        raise RevocationListError(f"{where}: a revoke decision names no rule")
    unknown = sorted(set(parsed) - REASON_VOCABULARY)
    if unknown:
        # Partners act on a closed vocabulary (docs/reason-codes.md): a new code is a contract change.
        raise RevocationListError(f"{where}: rules {unknown} are not reason codes of the list contracts")
    return join_values(parsed)


def _names_rule(rules: object, rule: str) -> bool:
    # A malformed rules cell is not carried over; `reason_codes` rejects it with a clear message.
    try:
        parsed = jsonio.loads(rules) if isinstance(rules, str) and rules.strip() else []
    except jsonio.JSONDecodeError:
        return False
    return isinstance(parsed, list) and rule in parsed


def _carried(decisions: pd.DataFrame) -> pd.Series:
    revoke = _text(decisions["decision"]) == str(TenantDecision.REVOKE)
    carried = [_names_rule(r, str(TenantRule.CARRIED_OVER)) for r in decisions["rules"].tolist()]
    return revoke & pd.Series(carried, index=decisions.index)


def split_carried(
    decisions: pd.DataFrame, previous: pd.DataFrame | None, *, key: str
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """(the decisions made from this run's data, the previous list's rows of the carried-over tenants)."""
    mask = _carried(decisions)
    if not mask.any():
        return decisions, None
    wanted = set(_text(decisions.loc[mask, "tenant_id"]).tolist())
    listed = previous if previous is not None else pd.DataFrame({key: pd.Series([], dtype="str")})
    rows = listed.loc[_member(_text(listed[key]), wanted)]
    missing = sorted(wanted - set(_text(rows[key]).tolist()))
    if missing:
        raise RevocationListError(f"carried-over revocations for tenants not on the previous list: {missing}")
    return decisions.loc[~mask], rows


def with_carried(out: pd.DataFrame, carried: pd.DataFrame | None, key: str) -> pd.DataFrame:
    """The list built from this run's decisions plus the carried rows, sorted by the key."""
    if carried is not None and len(carried):
        out = pd.concat([out, carried.loc[:, list(out.columns)]], ignore_index=True)
    return out.sort_values(key, kind="mergesort").reset_index(drop=True).astype("str")


def revoked_tenants(
    decisions: pd.DataFrame,
    tenants: pd.DataFrame,
    policy: Policy,
    logical_date: dt.date,
    previous: pd.DataFrame | None,
    *,
    key: str,
    key_pattern: re.Pattern[str],
) -> pd.DataFrame:
    """One row per revoked tenant: partner, tenant_id, account_ref, reason_codes, effective_date, listed_since."""
    partner = single_partner(decisions)
    revoke = decisions.loc[_text(decisions["decision"]) == str(TenantDecision.REVOKE)]
    id_series = _text(revoke["tenant_id"])
    duplicated = sorted(set(id_series[id_series.duplicated()].tolist()))
    if duplicated:
        raise RevocationListError(f"{partner}: more than one decision for tenants {duplicated}")
    # Plain lists: iterating an Arrow-backed Series element by element is two orders slower.
    ids: list[str] = id_series.tolist()
    bad = sorted(t for t in ids if not key_pattern.fullmatch(t))
    if bad:
        raise RevocationListError(f"{partner}: revoked tenant ids {bad} do not match {key_pattern.pattern}")

    known = tenants.loc[_text(tenants["partner"]) == partner] if partner else tenants.iloc[0:0]
    known = known.loc[_member(_text(known["tenant_id"]), set(ids))]
    refs = dict(zip(_text(known["tenant_id"]).tolist(), _text(known["account_ref"]).tolist(), strict=True))
    unknown = sorted(t for t in ids if t not in refs)
    if unknown:
        raise RevocationListError(f"{partner}: revoke decisions for tenants not in the partner's export: {unknown}")

    before: dict[str, tuple[str, str]] = {}
    if previous is not None and not previous.empty:
        keys, dates = previous[key].tolist(), previous[EFFECTIVE_DATE].tolist()
        before = {
            str(k): (str(e), str(s)) for k, e, s in zip(keys, dates, previous[LISTED_SINCE].tolist(), strict=True)
        }
    new_effective = (logical_date + dt.timedelta(days=policy.enforcement.notice_period_days)).isoformat()
    rows = []
    for tenant, rules in zip(ids, revoke["rules"].tolist(), strict=True):
        effective, since = before.get(tenant, (new_effective, logical_date.isoformat()))
        rows.append(
            {
                "partner": partner,
                PARTNER_TENANT: tenant,
                "account_ref": refs[tenant],
                REASON_CODES: reason_codes(rules, f"{partner} tenant {tenant}"),
                EFFECTIVE_DATE: effective,
                LISTED_SINCE: since,
            }
        )
    columns = ["partner", PARTNER_TENANT, "account_ref", REASON_CODES, EFFECTIVE_DATE, LISTED_SINCE]
    return pd.DataFrame(rows, columns=columns, dtype="str")


def live_entitlements(
    entitlements: pd.DataFrame,
    partner: str | None,
    logical_date: dt.date,
    terminal_states: frozenset[str],
) -> pd.DataFrame:
    """The partner's entitlements that still grant something on the logical date."""
    ents = entitlements.loc[_text(entitlements["partner"]) == (partner or "")]
    status = _text(ents["status"]).str.upper()
    end = _text(ents["end_date"]).str.slice(0, 10)
    ended = (end != "") & (end < logical_date.isoformat())
    return ents.loc[~status.isin(terminal_states) & ~ended]


def per_tenant(entitlements: pd.DataFrame, column: str, owners: pd.DataFrame) -> Callable[[str, str], str]:
    """A lookup: (tenant id, account ref) -> the distinct values of `column` of its entitlements, joined.

    `owners` are the revoked tenants (`revoked_tenants`): only their entitlements are looked at.
    """
    wanted = set(owners[PARTNER_TENANT].tolist()) | set(owners["account_ref"].tolist())
    mine = entitlements.loc[_member(_text(entitlements["tenant_id"]), wanted)]
    values: dict[str, set[str]] = {}
    for owner, value in zip(_text(mine["tenant_id"]).tolist(), _text(mine[column]).tolist(), strict=True):
        if owner and value:
            values.setdefault(owner, set()).add(value)

    def lookup(tenant: str, account_ref: str) -> str:
        return join_values(sorted(values.get(tenant, set()) | values.get(account_ref, set())))

    return lookup
