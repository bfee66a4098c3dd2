"""The Google Cloud Marketplace revocation list, keyed by the procurement account id, with entitlement names.

The Partner Procurement API lets the provider reject pending accounts and entitlements (suspend is
documented as not yet supported), so Google-side partner-ops enforce a list: each row names the bare
procurement account id, its account resource name (`providers/{provider}/accounts/{id}`, what the API
calls take), the entitlement resource names and products still live for it, the decision, the reason
codes, when it takes effect, and a short instruction. Contract: data_contracts/gcp_revocation_list.yaml.

Invariant: only revoke decisions are listed, one row per account (see pipeline/publish/build.py for
effective dates and reason codes); the explanation is built from fixed wording, dates and counts only,
never from the decision's own explanation, so no company name, person or ownership chain reaches the
partner.

Pure: frames and values in, a frame out.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from pipeline.lists_vocabulary import (
    DECISION,
    EFFECTIVE_DATE,
    EXPLANATION,
    LISTED_SINCE,
    MULTI_VALUE_SEPARATOR,
    REASON_CODES,
)
from pipeline.policy.definition import Policy, TenantDecision
from pipeline.publish.build import (
    PARTNER_TENANT,
    RevocationListError,
    live_entitlements,
    per_tenant,
    revoked_tenants,
    single_partner,
    split_carried,
    with_carried,
)
from pipeline.publish.lists import ListFormat

KEY = "procurement_account_id"
ACCOUNT_NAME = "account_name"
ENTITLEMENT_NAMES = "entitlement_names"
PRODUCTS = "products"

LIST_FORMAT = ListFormat(
    contract="gcp_revocation_list",
    key=KEY,
    columns=(
        KEY,
        ACCOUNT_NAME,
        DECISION,
        EFFECTIVE_DATE,
        REASON_CODES,
        ENTITLEMENT_NAMES,
        PRODUCTS,
        LISTED_SINCE,
        EXPLANATION,
    ),
)

# A bare id (the last segment of the account resource name): no slash, no whitespace.
PROCUREMENT_ACCOUNT_ID = re.compile(r"[^/\s]+")

# Entitlement states that no longer grant anything (docs/partner-feeds.md, Entitlement `state`).
TERMINAL_ENTITLEMENT_STATES = frozenset({"ENTITLEMENT_CANCELLED"})


def explanation(effective_date: str, entitlements: int) -> str:
    """The instruction a partner acts on: fixed wording, the date, and what to cancel."""
    if entitlements:
        action = (
            f"reject pending approvals and cancel the {entitlements} listed "
            f"entitlement{'s' if entitlements != 1 else ''}"
        )
    else:
        action = "reject pending approvals and new entitlements"
    return (
        f"Restricted under the provider's access policy (see reason codes). From {effective_date} "
        f"{action} for this procurement account."
    )


def revocation_list(
    decisions: pd.DataFrame,
    entitlements: pd.DataFrame,
    tenants: pd.DataFrame,
    policy: Policy,
    logical_date: dt.date,
    *,
    previous: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The GCP list for one partner's decisions (columns of `LIST_FORMAT`, sorted by account id).

    `previous` is the last published snapshot before `logical_date` (`last_published(...).snapshot`);
    continuing revocations keep its effective dates.
    """
    decisions, carried = split_carried(decisions, previous, key=KEY)
    revoked = revoked_tenants(
        decisions, tenants, policy, logical_date, previous, key=KEY, key_pattern=PROCUREMENT_ACCOUNT_ID
    )
    partner = single_partner(decisions)
    unnamed = sorted(t for t, ref in zip(revoked[PARTNER_TENANT], revoked["account_ref"], strict=True) if not ref)
    if unnamed:
        raise RevocationListError(f"{partner}: revoked accounts without an account resource name: {unnamed}")
    live = live_entitlements(entitlements, partner, logical_date, TERMINAL_ENTITLEMENT_STATES)
    names = per_tenant(live, "entitlement_id", revoked)
    products = per_tenant(live, "product_id", revoked)
    pairs = list(zip(revoked[PARTNER_TENANT].tolist(), revoked["account_ref"].tolist(), strict=True))
    out = pd.DataFrame(
        {
            KEY: revoked[PARTNER_TENANT],
            ACCOUNT_NAME: revoked["account_ref"],
            DECISION: str(TenantDecision.REVOKE),
            EFFECTIVE_DATE: revoked[EFFECTIVE_DATE],
            REASON_CODES: revoked[REASON_CODES],
            ENTITLEMENT_NAMES: [names(t, r) for t, r in pairs],
            PRODUCTS: [products(t, r) for t, r in pairs],
            LISTED_SINCE: revoked[LISTED_SINCE],
        },
        columns=list(LIST_FORMAT.columns),
        dtype="str",
    )
    out[EXPLANATION] = [
        explanation(e, len(n.split(MULTI_VALUE_SEPARATOR)) if n else 0)
        for e, n in zip(out[EFFECTIVE_DATE], out[ENTITLEMENT_NAMES], strict=True)
    ]
    return with_carried(out, carried, KEY)
