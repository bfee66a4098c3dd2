"""Published revocations carried over for tenants this run could not decide.

Invariant: a tenant on the last published list is lifted only by a decision made from this run's own
data about that tenant. A tenant missing from this run's export (its rows quarantined, or absent from
the files) keeps its published revocation as a `revoke` decision with the rule `carried_over`, saying
why: missing data never reads as "lift". The carried row is republished exactly as it was (same dates,
same entitlements), so the partner sees no change.

Pure: frames and values in, a frame out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from pipeline import jsonio
from pipeline.datasets import DECISIONS, conform
from pipeline.lists_vocabulary import EFFECTIVE_DATE, LISTED_SINCE, MULTI_VALUE_SEPARATOR, REASON_CODES
from pipeline.policy.definition import Policy, TenantDecision
from pipeline.policy.tenants import TenantRule


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
    if not rows:
        return decisions
    carried = pd.DataFrame(rows).reindex(columns=list(DECISIONS.columns))
    for column in ("link_confidence", "rho_low", "rho_high"):
        carried[column] = carried[column].astype("float64")
    text = [c for c in DECISIONS.columns if c not in ("link_confidence", "rho_low", "rho_high")]
    carried[text] = carried[text].astype("str")
    return conform(pd.concat([decisions, carried], ignore_index=True), DECISIONS)
