"""The GCP drop follows docs/formats.md: JSON Lines snapshots for the date and the usage CSV."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter

from demo_world import gcp
from tests.demo_world.world import DATE, WrittenWorld

ACCOUNT_KEYS = {"name", "provider", "state", "approvals", "inputProperties", "createTime", "updateTime"}
ENTITLEMENT_KEYS = {
    "name", "account", "provider", "product", "productExternalName", "plan", "offer", "state", "usageReportingId",
    "consumers", "createTime", "updateTime", "cancellationReason",
}  # fmt: skip
INPUT_KEYS = {"companyName", "country", "taxId", "companyRegistrationNumber", "lei", "domain", "billingAccountId"}


def _jsonl(written: WrittenWorld, kind: str) -> list[dict[str, object]]:
    text = written.path(f"inbox/gcp/{kind}/dt={DATE.isoformat()}/{kind}.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def test_accounts_are_procurement_api_resources_with_sign_up_properties(written: WrittenWorld) -> None:
    accounts = _jsonl(written, "accounts")
    assert accounts
    for a in accounts:
        assert set(a) == ACCOUNT_KEYS
        assert re.fullmatch(rf"providers/{gcp.PROVIDER}/accounts/[0-9a-f-]{{36}}", str(a["name"]))
        props = a["inputProperties"]
        assert isinstance(props, dict) and set(props) <= INPUT_KEYS
        assert props["companyName"] and re.fullmatch(r"[A-Z]{2}", props["country"])
        assert re.fullmatch(r"[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}", props["billingAccountId"])
        assert str(a["createTime"]) < DATE.isoformat()
    states = Counter(str(a["state"]) for a in accounts)
    assert states["ACCOUNT_ACTIVE"] and states["ACCOUNT_ACTIVATION_REQUESTED"]
    billing = Counter(a["inputProperties"]["billingAccountId"] for a in accounts)  # type: ignore[index]
    assert any(n > 1 for n in billing.values()), "some accounts share a Cloud Billing account"


def test_entitlements_and_usage_reference_the_snapshot(written: WrittenWorld) -> None:
    accounts = {str(a["name"]): a for a in _jsonl(written, "accounts")}
    entitlements = _jsonl(written, "entitlements")
    for e in entitlements:
        assert set(e) == ENTITLEMENT_KEYS
        assert e["account"] in accounts
    assert {"ENTITLEMENT_ACTIVE", "ENTITLEMENT_CANCELLED"} <= {str(e["state"]) for e in entitlements}
    names = {str(e["name"]): e for e in entitlements}
    text = written.path(f"inbox/gcp/usage/dt={DATE.isoformat()}/usage.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert text.split("\n", 1)[0] == ",".join(gcp.USAGE_COLUMNS)
    assert rows
    for r in rows:
        entitlement = names[r["entitlement_name"]]
        account = accounts[str(entitlement["account"])]
        assert str(account["name"]).endswith("/" + r["account_id"])
        assert r["billing_account_id"] == account["inputProperties"]["billingAccountId"]  # type: ignore[index]
        assert r["usage_date"] == "2026-11-25" and r["currency"] == "USD"
        assert re.fullmatch(r"\d+\.\d{2}", r["amount"])
