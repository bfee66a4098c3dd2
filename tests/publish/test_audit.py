"""The audit trail: one immutable record per publish event and per gate verdict, surviving reruns."""

from __future__ import annotations

import pytest

from pipeline.publish.audit import (
    AuditEvent,
    audit_record_uri,
    read_audit_records,
    read_gate_records,
    write_gate_record,
)
from pipeline.publish.gate import GateStatus
from pipeline.publish.manifest import sha256_hex
from pipeline.publish.writer import RepublishRefused
from pipeline.run.context import RunOptions
from pipeline.storage import join
from tests.publish.harness import D1, Harness, approving, listing

FORCE = RunOptions(force_republish=True)


def test_every_event_leaves_its_own_record_and_none_is_ever_overwritten(root: str) -> None:
    h = Harness(root)
    seen: dict[str, bytes] = {}

    def audit_objects() -> dict[str, bytes]:
        return h.objects(h.audit)

    steps = [
        ("r1", listing(range(3)), RunOptions(), AuditEvent.PUBLISHED),
        ("r2", listing(range(3)), RunOptions(), AuditEvent.UNCHANGED),
        ("r3", listing(range(4)), RunOptions(), AuditEvent.REFUSED),
        ("r4", listing(range(4)), FORCE, AuditEvent.REPUBLISHED),
        ("r4", listing(range(4)), FORCE, AuditEvent.REPUBLISHED),  # a retry: nothing new
    ]
    for run_id, df, options, expected in steps:
        if expected is AuditEvent.REFUSED:
            with pytest.raises(RepublishRefused):
                h.run(df, D1, run_id=run_id, options=options)
        else:
            assert h.run(df, D1, run_id=run_id, options=options).event is expected
        now = audit_objects()
        for uri, data in seen.items():
            assert now[uri] == data  # earlier records untouched
        seen = now

    records = read_audit_records(h.storage, h.audit, D1)
    assert sorted((r.run_id, r.event.value) for r in records) == [
        ("r1", "published"),
        ("r2", "unchanged"),
        ("r3", "refused"),
        ("r4", "republished"),
    ]
    republished = next(r for r in records if r.event is AuditEvent.REPUBLISHED)
    assert [s.run_id for s in republished.superseded] == ["r1"]
    assert republished.manifest is not None and republished.manifest.run_id == "r4"
    assert republished.force_requested
    for r in records:
        assert r.partner == "aws" and r.outbox == h.outbox and r.policy_version == "2025-09-05"


def test_record_names_are_derived_from_their_content(root: str) -> None:
    h = Harness(root)
    result = h.run(listing(range(2)), D1)
    (record,) = read_audit_records(h.storage, h.audit, D1)
    assert audit_record_uri(h.audit, record) == result.audit_uri
    assert result.audit_uri.endswith(f"/published-{sha256_hex(record.to_bytes())[:16]}.json")
    assert "/publish/dt=2026-11-24/partner=aws/run=r1/" in result.audit_uri


def test_gate_verdicts_are_recorded_blocked_and_approved(root: str) -> None:
    h = Harness(root)
    mass = listing(range(300))
    gate_uri = join(root, "ws/gate.json")
    blocked = h.gate(mass, D1, "r1", RunOptions())
    first = write_gate_record(h.storage, h.audit, blocked, gate_uri)
    assert write_gate_record(h.storage, h.audit, blocked, gate_uri) == first  # a retry: same object
    approved = h.gate(mass, D1, "r2", approving(blocked))
    write_gate_record(h.storage, h.audit, approved, gate_uri)

    records = read_gate_records(h.storage, h.audit, D1)
    assert [(r.run_id, r.status) for r in records] == [("r1", GateStatus.BLOCKED), ("r2", GateStatus.APPROVED)]
    assert records[1].approved_by == "R. Roe (Partner Ops)"
    # The blocked run's record names the diff an approval must name, and the approval names it.
    assert records[0].diff_sha256 == blocked.diff_sha256 == records[1].approved_diff
    assert records[0].partners[0].added == 300 and records[0].partners[0].breaches
    assert records[0].gate_uri == gate_uri
