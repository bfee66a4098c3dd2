"""Published revocations carried over for tenants this run could not decide.

Invariant: a tenant on the last published list is lifted only by a decision made from this run's own
data about that tenant. A tenant missing from this run's export (its rows quarantined, or absent from
the files) keeps its published revocation as a `revoke` decision with the rule `carried_over`, saying
why: missing data never reads as "lift". The carried row is republished exactly as it was (same dates,
same entitlements), so the partner sees no change.

A listed tenant whose decision today is `review` (or an unresolved link's `allow`) only because data
about its entity could not be used (`DATA_QUALITY_RULES`: a quarantined statement, a holder missing
from the register, a linked record the ownership data does not have) is held too: its decision turns
back to `revoke` with the rule `held_for_data_quality` first (the list's reason code), the rules it got
today after it, and evidence naming the previous list. Review tenants are not on the list, so without
the hold one unreadable share would give the tenant its access back. Its dates stay the previous row's
(a continuing revocation, `pipeline.publish.build`).

Pure: frames and values in, a frame out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from pipeline import jsonio
from pipeline.datasets import DECISIONS, conform
from pipeline.lists_vocabulary import EFFECTIVE_DATE, LISTED_SINCE, MULTI_VALUE_SEPARATOR, REASON_CODES
from pipeline.policy.definition import OwnershipRule, Policy, TenantDecision
from pipeline.policy.tenants import TenantRule

# Entity and tenant rules that say a decision rests on data the run could not use.
DATA_QUALITY_RULES = frozenset(
    {str(OwnershipRule.UNREAD_STATEMENT), str(OwnershipRule.UNKNOWN_HOLDER), str(TenantRule.ENTITY_NOT_RESOLVED)}
)


@dataclass(frozen=True)
class PublishedRevocations:
    """One partner's last published list, keyed by tenant id (`pipeline.publish.lists.tenant_view`)."""

    partner: str
    manifest_uri: str
    rows: pd.DataFrame


def _quarantined_rows(quarantine: pd.DataFrame, tenant_id: str) -> int:
    if quarantine.empty:
        return 0
    return int(quarantine["record"].astype("str").str.contains(tenant_id, regex=False).sum())


def carry_over(
    decisions: pd.DataFrame,
    published: Sequence[PublishedRevocations],
    quarantine: pd.DataFrame,
    policy: Policy,
) -> pd.DataFrame:
    """The decisions plus one `carried_over` revoke per published tenant this run has no decision for."""
    decided = set(zip(decisions["partner"].astype("str"), decisions["tenant_id"].astype("str"), strict=True))
    rows = []
    for listing in published:
        for row in listing.rows.to_dict("records"):
            tenant = str(row["tenant_id"])
            if (listing.partner, tenant) in decided:
                continue
            quarantined = _quarantined_rows(quarantine, tenant)
            why = f"{quarantined} of its rows were quarantined" if quarantined else "it is not in the files"
            rows.append(
                {
                    "partner": listing.partner,
                    "tenant_id": tenant,
                    "decision": str(TenantDecision.REVOKE),
                    "rules": jsonio.compact([str(TenantRule.CARRIED_OVER)]),
                    "explanation": (
                        f"Not in this run's {listing.partner} export ({why}): the revocation listed since "
                        f"{row[LISTED_SINCE]} stands until the account can be decided again"
                    ),
                    "evidence": jsonio.compact(
                        {
                            "rule": str(TenantRule.CARRIED_OVER),
                            "previous_manifest": listing.manifest_uri,
                            "listed_since": row[LISTED_SINCE],
                            "effective_date": row[EFFECTIVE_DATE],
                            "previous_reason_codes": str(row[REASON_CODES]).split(MULTI_VALUE_SEPARATOR),
                            "quarantined_rows": quarantined,
                        },
                        sort_keys=True,
                    ),
                    "policy_id": policy.id,
                    "policy_version": policy.version,
                }
            )
    decisions = _hold_data_quality(decisions, published)
    if not rows:
        return decisions
    carried = pd.DataFrame(rows).reindex(columns=list(DECISIONS.columns))
    for column in ("link_confidence", "rho_low", "rho_high"):
        carried[column] = carried[column].astype("float64")
    text = [c for c in DECISIONS.columns if c not in ("link_confidence", "rho_low", "rho_high")]
    carried[text] = carried[text].astype("str")
    return conform(pd.concat([decisions, carried], ignore_index=True), DECISIONS)


def _data_quality_rules(rules: object, evidence: object) -> list[str]:
    """The data-quality rules behind a decision: its own, its linked entity's and its uncertain candidate's."""
    found: list[str] = []
    try:
        own = jsonio.loads(rules) if isinstance(rules, str) and rules.strip() else []
        cited = jsonio.loads(evidence) if isinstance(evidence, str) and evidence.strip() else {}
    except jsonio.JSONDecodeError:
        return found
    entities = [cited.get("ownership")] if isinstance(cited, dict) else []
    signals = cited.get("signals") if isinstance(cited, dict) else None
    for signal in signals if isinstance(signals, list) else []:
        more = signal.get("evidence") if isinstance(signal, dict) else None
        if isinstance(more, dict):
            entities.append(more.get("uncertain_link_entity"))
    lists = [own] + [e.get("rules") for e in entities if isinstance(e, dict)]
    for items_ in lists:
        for rule in items_ if isinstance(items_, list) else []:
            if isinstance(rule, str) and rule in DATA_QUALITY_RULES and rule not in found:
                found.append(rule)
    return found


def _hold_data_quality(decisions: pd.DataFrame, published: Sequence[PublishedRevocations]) -> pd.DataFrame:
    """Listed tenants whose revocation would be lifted only because data could not be used keep it."""
    listed = {
        (listing.partner, str(row["tenant_id"])): (listing.manifest_uri, row)
        for listing in published
        for row in listing.rows.to_dict("records")
    }
    if not listed or decisions.empty:
        return decisions
    out = decisions.copy()
    columns = ["partner", "tenant_id", "decision", "rules", "explanation", "evidence"]
    for i, partner, tenant, decision, rules, explanation, evidence in out.loc[:, columns].itertuples(name=None):
        previous = listed.get((str(partner), str(tenant)))
        if previous is None or decision == str(TenantDecision.REVOKE):
            continue
        found = _data_quality_rules(rules, evidence)
        if not found:
            continue
        manifest_uri, row = previous
        parsed = jsonio.loads(rules) if isinstance(rules, str) and rules.strip() else []
        held = jsonio.loads(evidence) if isinstance(evidence, str) and evidence.strip() else {}
        held = held if isinstance(held, dict) else {"evidence": held}
        held["held_for_data_quality"] = {
            "previous_manifest": manifest_uri,
            "listed_since": row[LISTED_SINCE],
            "previous_reason_codes": str(row[REASON_CODES]).split(MULTI_VALUE_SEPARATOR),
            "decision_without_hold": str(decision),
            "data_quality_rules": found,
        }
        out.loc[i, "decision"] = str(TenantDecision.REVOKE)
        out.loc[i, "rules"] = jsonio.compact([str(TenantRule.HELD_FOR_DATA_QUALITY), *parsed])
        out.loc[i, "explanation"] = (
            f"Revoked since {row[LISTED_SINCE]}; today {decision} only because data could not be used "
            f"({', '.join(found)}): the revocation stands until the data is repaired. Today: {explanation}"
        )
        out.loc[i, "evidence"] = jsonio.compact(held, sort_keys=True)
    return out
