"""The AWS Marketplace revocation list: what AWS partner-ops enforce, keyed by the 12-digit AWS account id.

AWS has no seller-side revoke call: the Agreement Service takes a cancellation request and the
Metering/Entitlement services identify a customer by AWS account id plus product code. So each row names
the account (12 digits, leading zeros kept), the product codes and agreement ids still live for it
(where the feeds know them), the decision, the reason codes, when it takes effect, and a short
instruction. Contract: data_contracts/aws_revocation_list.yaml.

Invariant: only revoke decisions are listed, one row per account (see pipeline/publish/build.py for
effective dates and reason codes); the explanation is built from fixed wording, dates and counts only,
never from the decision's own explanation, so no company name, person or ownership chain reaches the
partner beyond the account id it already holds.

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

KEY = "aws_account_id"
PRODUCT_CODES = "product_codes"
AGREEMENT_IDS = "agreement_ids"

LIST_FORMAT = ListFormat(
    contract="aws_revocation_list",
    key=KEY,
    columns=(KEY, DECISION, EFFECTIVE_DATE, REASON_CODES, PRODUCT_CODES, AGREEMENT_IDS, LISTED_SINCE, EXPLANATION),
)

AWS_ACCOUNT_ID = re.compile(r"[0-9]{12}")

# Agreement states that no longer grant anything (docs/partner-feeds.md, Agreement feed `status`).
TERMINAL_AGREEMENT_STATES = frozenset(
    {"TERMINATED", "CANCELLED", "EXPIRED", "REPLACED", "RENEWED", "ARCHIVED", "ROLLED_BACK", "SUPERSEDED"}
)


def explanation(effective_date: str, agreements: int) -> str:
    """The instruction a partner acts on: fixed wording, the date, and what to cancel."""
    if agreements:
        what = f"cancel the {agreements} listed agreement{'s' if agreements != 1 else ''}"
        action = f"{what} and stop entitlement to the listed product codes"
    else:
        action = "accept no new agreement and stop entitlement to our products"
    return (
        f"Restricted under the seller's access policy (see reason codes). From {effective_date} "
        f"{action} for this AWS account."
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
    """The AWS list for one partner's decisions (columns of `LIST_FORMAT`, sorted by account id).

    `previous` is the last published snapshot before `logical_date` (`last_published(...).snapshot`);
    continuing revocations keep its effective dates.
    """
    decisions, carried = split_carried(decisions, previous, key=KEY)
    revoked = revoked_tenants(decisions, tenants, policy, logical_date, previous, key=KEY, key_pattern=AWS_ACCOUNT_ID)
    live = live_entitlements(entitlements, single_partner(decisions), logical_date, TERMINAL_AGREEMENT_STATES)
    products = per_tenant(live, "product_id", revoked)
    agreements = per_tenant(live, "entitlement_id", revoked)
    pairs = list(zip(revoked[PARTNER_TENANT].tolist(), revoked["account_ref"].tolist(), strict=True))
    out = pd.DataFrame(
        {
            KEY: revoked[PARTNER_TENANT],
            DECISION: str(TenantDecision.REVOKE),
            EFFECTIVE_DATE: revoked[EFFECTIVE_DATE],
            REASON_CODES: revoked[REASON_CODES],
            PRODUCT_CODES: [products(t, r) for t, r in pairs],
            AGREEMENT_IDS: [agreements(t, r) for t, r in pairs],
            LISTED_SINCE: revoked[LISTED_SINCE],
        },
        columns=list(LIST_FORMAT.columns),
        dtype="str",
    )
    out[EXPLANATION] = [
        explanation(e, len(a.split(MULTI_VALUE_SEPARATOR)) if a else 0)
        for e, a in zip(out[EFFECTIVE_DATE], out[AGREEMENT_IDS], strict=True)
    ]
    return with_carried(out, carried, KEY)
