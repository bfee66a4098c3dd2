"""Exemptions -> partner list -> gate -> publish, over several days, as the stage layer wires them.

Day 1: two tenants revoked, a third exempted until day 1. Day 2: the exemption has expired, so the third
is added with its own effective date while the others keep theirs. Day 3: one decision turns to allow
and is lifted. Runs on local storage, moto S3, the GCS emulator and Azurite.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from pipeline.config import GateConfig
from pipeline.partners.aws.revocations import LIST_FORMAT, revocation_list
from pipeline.policy.exemptions import apply_exemptions, load_exemptions_text
from pipeline.publish import (
    AuditEvent,
    GateBlocked,
    GateStatus,
    PublishMeta,
    active_tenant_count,
    evaluate,
    gate_input,
    last_published,
    publish_partner_list,
    raise_if_blocked,
    read_audit_records,
    read_published,
    write_gate_record,
)
from pipeline.publish.audit import publish_history
from pipeline.run.context import RunOptions
from pipeline.storage import Storage, join
from pipeline.storage.frames import write_json
from tests.publish.builders import POLICY, decisions, entitlements, tenants

D1, D2, D3 = dt.date(2026, 11, 24), dt.date(2026, 11, 25), dt.date(2026, 11, 26)
EXEMPTIONS = load_exemptions_text(
    """exemptions:
  - id: EX-1
    tenant_id: "000000000003"
    reason: "Divestment signed; registry update pending"
    approved_by: "J. Doe (Legal)"
    approved_on: 2026-11-01
    expires: 2026-11-24
""",
    "exemptions.yaml",
)
TENANTS = tenants([{"tenant_id": f"{i:012d}", "account_ref": f"guid-{i}"} for i in range(1, 41)])
ENTITLEMENTS = entitlements(
    [{"entitlement_id": f"agmt-{i}", "tenant_id": f"{i:012d}", "product_id": "p"} for i in (1, 2)]
)


def run_day(storage: Storage, root: str, date: dt.date, decs: pd.DataFrame) -> None:
    outbox, audit, run_id = join(root, "outbox/aws"), join(root, "audit"), f"scheduled__{date}"
    decided = apply_exemptions(decs, EXEMPTIONS, date)
    previous = last_published(storage, outbox, date)
    listing = revocation_list(
        decided, ENTITLEMENTS, TENANTS, POLICY, date, previous=previous.snapshot if previous else None
    )
    item = gate_input(
        storage,
        outbox,
        "aws",
        listing,
        list_format=LIST_FORMAT,
        active_tenants=active_tenant_count(TENANTS),
        logical_date=date,
        previous=previous,
        history=publish_history(storage, audit, "aws", date),
    )
    options = RunOptions()
    gate = evaluate([item], GateConfig(), options, logical_date=date, run_id=run_id)
    gate_uri = join(root, f"workspace/dt={date}/run={run_id}/gate.json")
    write_json(storage, gate_uri, gate.model_dump(mode="json"))
    write_gate_record(storage, audit, gate, gate_uri)
    raise_if_blocked(gate, gate_uri, "approve it")
    meta = PublishMeta(
        run_id=run_id,
        logical_date=date,
        policy_id=POLICY.id,
        policy_version=POLICY.version,
        list_format_version="1.1.0",
    )
    publish_partner_list(
        storage, outbox, "aws", listing, meta, options=options, list_format=LIST_FORMAT, gate=gate, audit_uri=audit
    )


@pytest.fixture
def root(any_root: str) -> str:
    """The whole flow touches every storage operation publishing uses: once per backend."""
    return any_root


def test_exemptions_apply_expire_and_lifts_flow_through_to_the_published_lists(root: str) -> None:
    storage = Storage()
    revoked = decisions([{"tenant_id": f"{i:012d}"} for i in (1, 2, 3)])

    run_day(storage, root, D1, revoked)
    day1 = read_published(storage, join(root, "outbox/aws"), D1)
    assert day1 is not None
    assert list(day1.snapshot["aws_account_id"]) == ["000000000001", "000000000002"]  # 3 is exempted on D1
    assert set(day1.snapshot["effective_date"]) == {"2026-12-08"}

    run_day(storage, root, D2, revoked)
    day2 = read_published(storage, join(root, "outbox/aws"), D2)
    assert day2 is not None
    by_id = day2.snapshot.set_index("aws_account_id")
    assert by_id.loc["000000000003", "effective_date"] == "2026-12-09"  # new: D2 + 14 days
    assert by_id.loc["000000000001", "effective_date"] == "2026-12-08"  # continuing: unchanged
    assert list(day2.delta["change"]) == ["added"]

    lifted = revoked.copy()
    lifted.loc[lifted["tenant_id"] == "000000000001", "decision"] = "allow"
    run_day(storage, root, D3, lifted)
    day3 = read_published(storage, join(root, "outbox/aws"), D3)
    assert day3 is not None and list(day3.snapshot["aws_account_id"]) == ["000000000002", "000000000003"]
    assert day3.delta.loc[0, "change"] == "lifted" and day3.delta.loc[0, "decision"] == "allow"
    assert day3.manifest.follows is not None and day3.manifest.follows.uri == day2.manifest_uri
    assert day3.manifest.approval.gate_status is GateStatus.PASSED

    # Rerunning a day is a no-op recorded as such; the files do not change.
    before = storage.read_bytes(join(root, "outbox/aws/revocations/dt=2026-11-25/revocations.csv"))
    run_day(storage, root, D2, revoked)
    assert storage.read_bytes(join(root, "outbox/aws/revocations/dt=2026-11-25/revocations.csv")) == before
    events = [r.event for r in read_audit_records(storage, join(root, "audit"), D2)]
    assert events == [AuditEvent.PUBLISHED]  # same run id, same outcome: the same record


def test_deleting_the_last_manifest_does_not_make_the_next_list_a_first_list(root: str) -> None:
    storage = Storage()
    revoked = decisions([{"tenant_id": f"{i:012d}"} for i in (1, 2, 3)])
    run_day(storage, root, D1, revoked)
    run_day(storage, root, D2, revoked)
    # The outbox loses its history; the audit trail still says what partners were given.
    for day in (D1, D2):
        storage.delete(join(root, f"outbox/aws/revocations/dt={day}/manifest.json"))
    cleared = revoked.assign(decision="allow")
    with pytest.raises(GateBlocked, match="not a first list"):
        run_day(storage, root, D3, cleared)
    assert read_published(storage, join(root, "outbox/aws"), D3) is None
