"""The Azure Marketplace revocation list, keyed by the Microsoft Entra tenant id, with its SaaS subscriptions.

Partner-ops end a SaaS subscription through the SaaS fulfillment API (`DELETE
/api/saas/subscriptions/{subscriptionId}`, unsubscribe) and refuse new purchases from the tenant: each row
names the Entra tenant id, the Partner Center customer id of its subscriptions, the live SaaS
(marketplace) subscription ids it is a party to and their offers, the decision, the reason codes, when it
takes effect, and the instruction. Contract: data_contracts/azure_revocation_list.yaml.

Invariant: only revoke decisions are listed, one row per Entra tenant (see pipeline/publish/build.py for
effective dates and reason codes); the subscriptions listed are the live ones the tenant is the
beneficiary or the purchaser of. A Cloud Solution Provider manages what it buys (its customer may only
read it), so a restricted CSP's purchases are its business with us and end with it; its customers keep
what they bought themselves and are judged on their own (`restricted_reseller`). The explanation is
built from fixed wording, dates and counts only, never from the decision's own explanation.

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
    live_entitlements,
    per_tenant,
    revoked_tenants,
    single_partner,
    split_carried,
    with_carried,
)
from pipeline.publish.lists import ListFormat

KEY = "entra_tenant_id"
CUSTOMER_ID = "customer_id"
SUBSCRIPTION_IDS = "subscription_ids"
OFFERS = "offers"

LIST_FORMAT = ListFormat(
    contract="azure_revocation_list",
    key=KEY,
    columns=(
        KEY,
        CUSTOMER_ID,
        DECISION,
        EFFECTIVE_DATE,
        REASON_CODES,
        SUBSCRIPTION_IDS,
        OFFERS,
        LISTED_SINCE,
        EXPLANATION,
    ),
)

# A Microsoft Entra tenant id: a GUID, as the fulfillment API writes it (lower case).
ENTRA_TENANT_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

# Subscription states that no longer grant anything (the fulfillment API's saasSubscriptionStatus, upper-cased
# as `live_entitlements` compares them).
TERMINAL_SUBSCRIPTION_STATES = frozenset({"UNSUBSCRIBED", "NOTSTARTED"})


def explanation(effective_date: str, subscriptions: int) -> str:
    """The instruction partner-ops act on: fixed wording, the date, and what to unsubscribe."""
    if subscriptions:
        action = (
            f"unsubscribe the {subscriptions} listed SaaS subscription{'s' if subscriptions != 1 else ''} through "
            "the SaaS fulfillment API (DELETE /api/saas/subscriptions/{id}) and refuse new ones"
        )
    else:
        action = "refuse new SaaS subscriptions"
    return (
        f"Restricted under the provider's access policy (see reason codes). From {effective_date} {action} "
        "for this Microsoft Entra tenant."
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
    """The Azure list for one partner's decisions (columns of `LIST_FORMAT`, sorted by tenant id).

    `previous` is the last published snapshot before `logical_date`; continuing revocations keep its
    effective dates.
    """
    decisions, carried = split_carried(decisions, previous, key=KEY)
    revoked = revoked_tenants(decisions, tenants, policy, logical_date, previous, key=KEY, key_pattern=ENTRA_TENANT_ID)
    partner = single_partner(decisions)
    live = live_entitlements(entitlements, partner, logical_date, TERMINAL_SUBSCRIPTION_STATES)
    # The purchaser's side of each resold subscription, so that a revoked purchaser lists what it bought.
    purchased = live.loc[live["reseller_tenant_id"].notna()].assign(tenant_id=lambda f: f["reseller_tenant_id"])
    live = pd.concat([live, purchased], ignore_index=True)
    ids = per_tenant(live, "entitlement_id", revoked)
    offers = per_tenant(live, "product_id", revoked)
    pairs = list(zip(revoked[PARTNER_TENANT].tolist(), revoked["account_ref"].tolist(), strict=True))
    out = pd.DataFrame(
        {
            KEY: revoked[PARTNER_TENANT],
            # A purchaser without a customer record carries its own tenant id as its reference.
            CUSTOMER_ID: revoked["account_ref"].where(revoked["account_ref"] != revoked[PARTNER_TENANT], ""),
            DECISION: str(TenantDecision.REVOKE),
            EFFECTIVE_DATE: revoked[EFFECTIVE_DATE],
            REASON_CODES: revoked[REASON_CODES],
            SUBSCRIPTION_IDS: [ids(t, r) for t, r in pairs],
            OFFERS: [offers(t, r) for t, r in pairs],
            LISTED_SINCE: revoked[LISTED_SINCE],
        },
        columns=list(LIST_FORMAT.columns),
        dtype="str",
    )
    out[EXPLANATION] = [
        explanation(e, len(n.split(MULTI_VALUE_SEPARATOR)) if n else 0)
        for e, n in zip(out[EFFECTIVE_DATE], out[SUBSCRIPTION_IDS], strict=True)
    ]
    return with_carried(out, carried, KEY)
