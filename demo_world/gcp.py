"""The GCP drop of a demo world, as docs/formats.md defines it: Procurement API Account and Entitlement
resources as JSON Lines snapshots, and the usage CSV of the day before the logical date.

Invariant: one delivery per logical date D under `accounts/dt=D/`, `entitlements/dt=D/` and
`usage/dt=D/`; every account has an `inputProperties` with at least `companyName` and `country`; every
entitlement names an account of the same snapshot; every usage row names an entitlement of the
snapshot, the bare account id and the account's Cloud Billing account.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

PROVIDER = "acme-ai-models"
PRODUCT = "acme-foundation-models.endpoints.acme-ai-models.cloud.goog"
PRODUCT_NAME = "Acme Foundation Models"
PLANS = (("standard", "1F2E-3D4C-5B6A", 2.5), ("enterprise", "7A8B-9C0D-1E2F", 12.0))

USAGE_COLUMNS = (
    "usage_date", "account_id", "entitlement_name", "billing_account_id", "product", "sku_id", "usage_unit",
    "usage_quantity", "currency", "amount",
)  # fmt: skip


@dataclass(frozen=True)
class GcpAccount:
    account_id: str
    company_name: str
    country: str
    tax_id: str
    company_number: str
    lei: str
    domain: str
    billing_account_id: str
    created: dt.datetime
    state: str = "ACCOUNT_ACTIVE"


def _ts(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


def _line(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def billing_account_ids(rng: np.random.Generator, n: int) -> list[str]:
    """Cloud Billing account ids, `XXXXXX-XXXXXX-XXXXXX` in upper-case hex."""
    raw = rng.integers(0, 16**6, size=(n, 3)).tolist()
    return [f"{a:06X}-{b:06X}-{c:06X}" for a, b, c in raw]


def write_drop(accounts: Sequence[GcpAccount], *, date: dt.date, rng: np.random.Generator) -> dict[str, bytes]:
    """The three files of the delivery for `date`, keyed by their path under the inbox."""
    ds = date.isoformat()
    day = date - dt.timedelta(days=1)
    n = len(accounts)
    draws = rng.integers(0, 10**9, size=(n, 6)).tolist()
    account_lines, entitlement_lines = [], []
    usage = io.StringIO()
    writer = csv.writer(usage, lineterminator="\n")
    writer.writerow(USAGE_COLUMNS)
    for i, a in enumerate(accounts):
        d = draws[i]
        name = f"providers/{PROVIDER}/accounts/{a.account_id}"
        updated = min(a.created + dt.timedelta(hours=1 + d[0] % 48), dt.datetime.combine(day, dt.time(23, 0)))
        pending = a.state == "ACCOUNT_ACTIVATION_REQUESTED"
        props = {"companyName": a.company_name, "country": a.country}
        for key, value in (
            ("taxId", a.tax_id),
            ("companyRegistrationNumber", a.company_number),
            ("lei", a.lei),
            ("domain", a.domain),
            ("billingAccountId", a.billing_account_id),
        ):
            if value:
                props[key] = value
        account_lines.append(
            _line(
                {
                    "name": name,
                    "provider": PROVIDER,
                    "state": a.state,
                    "approvals": [
                        {
                            "name": "signup",
                            "state": "PENDING" if pending else "APPROVED",
                            "reason": "" if not pending else "awaiting partner review",
                            "updateTime": _ts(updated),
                        }
                    ],
                    "inputProperties": props,
                    "createTime": _ts(a.created),
                    "updateTime": _ts(updated),
                }
            )
        )
        plan, sku, price = PLANS[d[1] % len(PLANS)]
        entitlements = [("ENTITLEMENT_ACTIVATION_REQUESTED" if pending else "ENTITLEMENT_ACTIVE", plan, "")]
        if not pending and d[2] % 11 == 0:
            # An earlier entitlement on the other plan, cancelled when the customer changed plans.
            other = PLANS[(d[1] + 1) % len(PLANS)][0]
            entitlements.insert(0, ("ENTITLEMENT_CANCELLED", other, "plan changed"))
        for k, (state, plan_name, reason) in enumerate(entitlements):
            ent_id = f"{a.account_id[:8]}-{d[3] % 10**4:04d}-4{k:03d}-8{d[4] % 1000:03d}-{d[5] % 10**12:012d}"
            ent_name = f"providers/{PROVIDER}/entitlements/{ent_id}"
            offer = (
                f"projects/{100000000000 + d[3] % 10**11}/services/{PRODUCT}/privateOffers/{d[4] % 10**6:06d}"
                if (d[4] % 5 == 0)
                else ""
            )
            entitlement_lines.append(
                _line(
                    {
                        "name": ent_name,
                        "account": name,
                        "provider": PROVIDER,
                        "product": PRODUCT,
                        "productExternalName": PRODUCT_NAME,
                        "plan": plan_name,
                        "offer": offer,
                        "state": state,
                        "usageReportingId": f"product_number:{d[5] % 10**10:010d}",
                        "consumers": [{"project": f"projects/{a.domain.split('.')[0]}-prod-{d[0] % 1000:03d}"}],
                        "createTime": _ts(a.created + dt.timedelta(minutes=10 + k)),
                        "updateTime": _ts(updated),
                        "cancellationReason": reason,
                    }
                )
            )
            if state == "ENTITLEMENT_ACTIVE" and d[0] % 5 != 0 and a.created.date() <= day:
                qty = (d[k + 1] % 5000 + 1) / 10
                writer.writerow(
                    (day.isoformat(), a.account_id, ent_name, a.billing_account_id, PRODUCT, sku, "1M tokens",
                     f"{qty:.1f}", "USD", f"{qty * price:.2f}")
                )  # fmt: skip
    return {
        f"accounts/dt={ds}/accounts.jsonl": ("\n".join(account_lines) + "\n").encode("utf-8"),
        f"entitlements/dt={ds}/entitlements.jsonl": ("\n".join(entitlement_lines) + "\n").encode("utf-8"),
        f"usage/dt={ds}/usage.csv": usage.getvalue().encode("utf-8"),
    }
