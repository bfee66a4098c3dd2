"""The writer and reader, on local files: publishing's logic does not depend on the backend (the storage
contract is tested on every backend in tests/storage, the whole flow in test_end_to_end.py).

Manifest last, failure injection between files, retries that duplicate nothing, byte-identical reruns,
refused and forced republishes, the gate stopping a mass change until an approved rerun, and files
changed after publishing never trusted.
"""

from __future__ import annotations

import json

import pytest

from pipeline.partners.aws.revocations import LIST_FORMAT as AWS
from pipeline.publish.audit import AuditEvent, read_audit_records
from pipeline.publish.gate import GateBlocked, GateStatus, raise_if_blocked
from pipeline.publish.lists import to_csv_bytes
from pipeline.publish.manifest import (
    PublishedListCorrupt,
    last_published,
    published_dates,
    read_manifest_folder,
    read_published,
    sha256_hex,
)
from pipeline.publish.writer import (
    PublishError,
    RepublishRefused,
)
from pipeline.run.context import RunOptions
from pipeline.run.layout import (
    DELTA_FILE,
    DELTA_JSONL_FILE,
    MANIFEST_FILE,
    SNAPSHOT_FILE,
    SNAPSHOT_JSONL_FILE,
    list_folder,
)
from pipeline.storage import StorageError, join, parent
from tests.publish.harness import D1, D2, D3, FailingStorage, Harness, RecordingStorage, approving, listing


def test_publish_writes_snapshot_delta_and_a_manifest_that_verifies(root: str) -> None:
    h = Harness(root)
    result = h.run(listing(range(3)), D1)
    assert result.event is AuditEvent.PUBLISHED and not result.noop
    folder = list_folder(h.outbox, D1)
    files = (SNAPSHOT_FILE, DELTA_FILE, SNAPSHOT_JSONL_FILE, DELTA_JSONL_FILE, MANIFEST_FILE)
    assert sorted(h.objects(h.outbox)) == sorted(join(folder, n) for n in files)
    assert result.manifest_uri == join(folder, MANIFEST_FILE)

    published = read_published(h.storage, h.outbox, D1)
    assert published is not None
    m = published.manifest
    assert (m.partner, m.list_format, m.key, m.run_id, m.logical_date) == ("aws", AWS.contract, AWS.key, "r1", D1)
    assert (m.policy_id, m.policy_version) == ("unsupported-regions", "2025-09-05")
    assert m.manifest_version == 2 and m.list_format_version == "1.1.0" and m.inputs is None
    assert (m.snapshot.rows, m.delta.rows, m.changes.added, m.changes.lifted) == (3, 3, 3, 0)
    assert m.snapshot.sha256 == sha256_hex(h.storage.read_bytes(result.snapshot_uri))
    assert m.delta.sha256 == sha256_hex(h.storage.read_bytes(result.delta_uri))
    assert m.approval.gate_status is GateStatus.PASSED and m.approval.approved_by is None
    assert m.follows is None and m.supersedes == ()
    assert list(published.snapshot["aws_account_id"]) == ["000000000000", "000000000001", "000000000002"]
    assert set(published.delta["change"]) == {"added"}

    assert published_dates(h.storage, h.outbox) == [D1]
    assert last_published(h.storage, h.outbox, D1) is None
    later = last_published(h.storage, h.outbox, D3)
    assert later is not None and later.manifest_uri == result.manifest_uri


def test_the_manifest_names_no_location_of_ours_and_the_inputs_stay_in_the_audit_trail(root: str) -> None:
    h = Harness(root)
    result = h.run(listing(range(2)), D1)
    raw = h.storage.read_text(result.manifest_uri)
    assert "sha256:" + "ab" * 32 not in raw and '"inputs"' not in raw and "tenants.aws" not in raw
    [record] = read_audit_records(h.storage, h.audit, D1)
    assert set(record.inputs) == {"decisions", "tenants.aws"}


def test_json_lines_beside_each_csv_hold_the_same_rows_with_leading_zeros(root: str) -> None:
    h = Harness(root)
    result = h.run(listing(range(3)), D1)
    published = read_published(h.storage, h.outbox, D1)
    assert published is not None
    folder = list_folder(h.outbox, D1)
    for entry, csv_frame in (
        (published.manifest.snapshot_jsonl, published.snapshot),
        (published.manifest.delta_jsonl, published.delta),
    ):
        assert entry is not None
        data = h.storage.read_bytes(join(folder, entry.name))
        assert sha256_hex(data) == entry.sha256 and entry.rows == len(csv_frame)
        rows = [json.loads(line) for line in data.decode().splitlines()]
        assert rows == csv_frame.to_dict("records")
    assert (
        json.loads(h.storage.read_bytes(join(folder, SNAPSHOT_JSONL_FILE)).splitlines()[0])["aws_account_id"]
        == "000000000000"
    )
    assert result.noop is False


def test_the_next_date_follows_the_last_published_one(root: str) -> None:
    h = Harness(root)
    h.run(listing(range(3)), D1)
    h.run(listing([1, 2, 3]), D3, run_id="r3")
    p3 = read_published(h.storage, h.outbox, D3)
    p1 = read_published(h.storage, h.outbox, D1)
    assert p3 is not None and p1 is not None
    assert p3.manifest.follows == p1.ref
    assert p3.manifest.changes.model_dump() == {"added": 1, "changed": 0, "lifted": 1, "unchanged": 2}
    delta = p3.delta.set_index("aws_account_id")
    assert delta.loc["000000000003", "change"] == "added"
    assert delta.loc["000000000000", "change"] == "lifted"
    assert delta.loc["000000000000", "decision"] == "allow"
    assert delta.loc["000000000000", "effective_date"] == D3.isoformat()


def test_data_files_are_written_before_the_manifest_and_the_audit_after(root: str) -> None:
    h = Harness(root)
    recording = RecordingStorage()
    h.run(listing(range(2)), D1, storage=recording)
    names = [uri.rsplit("/", 1)[1] for uri in recording.writes]
    assert names[:5] == [SNAPSHOT_FILE, DELTA_FILE, SNAPSHOT_JSONL_FILE, DELTA_JSONL_FILE, MANIFEST_FILE]
    assert len(names) == 6 and names[5].startswith("published-")


@pytest.mark.parametrize("fail_on", [DELTA_FILE, MANIFEST_FILE])
def test_a_failure_before_the_manifest_leaves_no_visible_list_and_a_rerun_completes_it(root: str, fail_on: str) -> None:
    h = Harness(root)
    h.run(listing(range(3)), D1)
    today = listing(range(1, 5))
    with pytest.raises(StorageError, match="injected failure"):
        h.run(today, D2, run_id="r2", storage=FailingStorage(fail_on))

    # Something was written, but nothing is visible: no manifest, no list, no audit record for D2.
    assert h.storage.exists(join(list_folder(h.outbox, D2), SNAPSHOT_FILE))
    assert read_published(h.storage, h.outbox, D2) is None
    assert published_dates(h.storage, h.outbox) == [D1]
    before_d3 = last_published(h.storage, h.outbox, D3)
    assert before_d3 is not None and before_d3.manifest.logical_date == D1
    assert read_audit_records(h.storage, h.audit, D2) == []

    # The retry completes it, with the same bytes a clean run writes.
    result = h.run(today, D2, run_id="r2")
    assert result.event is AuditEvent.PUBLISHED and not result.noop
    done = read_published(h.storage, h.outbox, D2)
    assert done is not None and (done.manifest.changes.added, done.manifest.changes.lifted) == (2, 1)
    clean = Harness(join(root, "clean"))
    clean.run(listing(range(3)), D1)
    clean.run(today, D2, run_id="r2")
    for name in (SNAPSHOT_FILE, DELTA_FILE):  # manifests name their own URIs, so only these compare
        assert h.storage.read_bytes(join(list_folder(h.outbox, D2), name)) == clean.storage.read_bytes(
            join(list_folder(clean.outbox, D2), name)
        ), name


def test_a_retried_publish_duplicates_nothing(root: str) -> None:
    h = Harness(root)
    first = h.run(listing(range(3)), D1)
    before = h.objects()
    again = h.run(listing(range(3)), D1)
    assert again.noop and again.event is AuditEvent.PUBLISHED
    assert again.audit_uri == first.audit_uri
    assert h.objects() == before
    assert [r.event for r in read_audit_records(h.storage, h.audit, D1)] == [AuditEvent.PUBLISHED]


def test_a_rerun_by_another_run_is_a_recorded_no_op(root: str) -> None:
    h = Harness(root)
    h.run(listing(range(3)), D1, run_id="r1")
    outbox = h.objects(h.outbox)
    result = h.run(listing(range(3)).iloc[::-1], D1, run_id="r2")
    assert result.noop and result.event is AuditEvent.UNCHANGED
    assert h.objects(h.outbox) == outbox
    records = read_audit_records(h.storage, h.audit, D1)
    assert sorted((r.run_id, r.event) for r in records) == [("r1", AuditEvent.PUBLISHED), ("r2", AuditEvent.UNCHANGED)]
    unchanged = next(r for r in records if r.run_id == "r2")
    assert "already published by run r1" in unchanged.detail
    assert unchanged.manifest is not None and unchanged.manifest.run_id == "r1"


def test_same_inputs_and_date_give_byte_identical_files(root: str) -> None:
    a, b = Harness(join(root, "a")), Harness(join(root, "b"))
    for h, suffix in ((a, "x"), (b, "y")):
        h.run(listing(range(4)), D1, run_id="r1")
        h.run(listing(range(2, 9)).iloc[::-1], D2, run_id="r2" + suffix)
    for date in (D1, D2):
        for name in (SNAPSHOT_FILE, DELTA_FILE):
            assert a.storage.read_bytes(join(list_folder(a.outbox, date), name)) == b.storage.read_bytes(
                join(list_folder(b.outbox, date), name)
            )
    # With the same run id the manifest is byte-identical too (no clock, no randomness).
    assert a.storage.read_bytes(join(list_folder(a.outbox, D1), MANIFEST_FILE)) == b.storage.read_bytes(
        join(list_folder(b.outbox, D1), MANIFEST_FILE)
    )


def test_a_differing_rerun_is_refused_and_a_forced_one_keeps_the_earlier_version(root: str) -> None:
    h = Harness(root)
    h.run(listing(range(3)), D1, run_id="r1")
    original = h.objects(h.outbox)
    changed = listing(range(4))

    with pytest.raises(RepublishRefused, match=r"different list is already published .* force_republish"):
        h.run(changed, D1, run_id="r2")
    assert h.objects(h.outbox) == original
    refused = [r for r in read_audit_records(h.storage, h.audit, D1) if r.event is AuditEvent.REFUSED]
    assert len(refused) == 1 and refused[0].run_id == "r2"
    assert refused[0].manifest is not None and refused[0].manifest.run_id == "r1"  # what stays visible

    forced = h.run(changed, D1, run_id="r3", options=RunOptions(force_republish=True))
    assert forced.event is AuditEvent.REPUBLISHED and not forced.noop
    now = read_published(h.storage, h.outbox, D1)
    assert now is not None and now.manifest.run_id == "r3" and len(now.snapshot) == 4
    (old,) = now.manifest.supersedes
    assert old.run_id == "r1" and "/superseded/dt=2026-11-24/" in old.uri
    kept = read_manifest_folder(h.storage, parent(old.uri))
    assert kept is not None and kept.manifest.run_id == "r1" and len(kept.snapshot) == 3
    assert kept.manifest_sha256 == old.sha256
    for uri, data in original.items():  # every earlier object is kept, byte for byte
        assert h.storage.read_bytes(join(parent(old.uri), uri.rsplit("/", 1)[1])) == data
    # Superseded versions are not published dates.
    assert published_dates(h.storage, h.outbox) == [D1]

    # A retry of the forced run duplicates nothing; a second forced change keeps both earlier versions.
    before = h.objects()
    assert h.run(changed, D1, run_id="r3", options=RunOptions(force_republish=True)).noop
    assert h.objects() == before
    h.run(listing(range(5)), D1, run_id="r4", options=RunOptions(force_republish=True))
    latest = read_published(h.storage, h.outbox, D1)
    assert latest is not None and sorted(r.run_id for r in latest.manifest.supersedes) == ["r1", "r3"]


def test_the_gate_stops_a_mass_change_and_an_approved_rerun_publishes_it(root: str) -> None:
    h = Harness(root)  # limits: 100 rows or 10% of 1000 active tenants
    h.run(listing(range(5)), D1)
    mass = listing(range(300))

    gate = h.gate(mass, D2, "r2", RunOptions())
    assert gate.status is GateStatus.BLOCKED
    with pytest.raises(GateBlocked, match=r"(?s)295 added exceeds the limit of 100.*gate\.json"):
        raise_if_blocked(gate, join(root, "ws/gate.json"), "approve it")
    with pytest.raises(GateBlocked, match="blocked this run"):
        h.run(mass, D2, run_id="r2", gate=gate)
    assert read_published(h.storage, h.outbox, D2) is None
    assert h.objects(list_folder(h.outbox, D2)) == {}

    result = h.run(mass, D2, run_id="r3", options=approving(gate))
    assert result.event is AuditEvent.PUBLISHED
    published = read_published(h.storage, h.outbox, D2)
    assert published is not None
    assert published.manifest.approval.gate_status is GateStatus.APPROVED
    assert published.manifest.approval.approved_by == "R. Roe (Partner Ops)"
    assert published.manifest.approval.diff_sha256 == published.manifest.delta.sha256
    (record,) = read_audit_records(h.storage, h.audit, D2)
    assert record.approval.approved_by == "R. Roe (Partner Ops)"

    # Rerunning the published date is not a new change: the gate lets it through and nothing is written.
    rerun_gate = h.gate(mass, D2, "r4", RunOptions())
    assert rerun_gate.status is GateStatus.PASSED
    assert rerun_gate.partners[0].already_published is not None
    assert h.run(mass, D2, run_id="r4").event is AuditEvent.UNCHANGED


def test_only_the_gate_of_this_run_and_the_delta_it_saw_are_published(root: str) -> None:
    h = Harness(root)
    h.run(listing(range(3)), D1)
    today = listing(range(4))
    other_run = h.gate(today, D3, "someone-else", RunOptions())
    with pytest.raises(PublishError, match="not from this run"):
        h.run(today, D3, run_id="r3", gate=other_run)

    gate = h.gate(today, D3, "r3", RunOptions())
    h.run(listing(range(2)), D2, run_id="r2")  # the last published list changes after the gate
    with pytest.raises(PublishError, match="not the one the gate evaluated"):
        h.run(today, D3, run_id="r3", gate=gate)
    assert read_published(h.storage, h.outbox, D3) is None


def test_a_file_changed_after_publishing_is_never_trusted(root: str) -> None:
    h = Harness(root)
    h.run(listing(range(3)), D1)
    snapshot = join(list_folder(h.outbox, D1), SNAPSHOT_FILE)
    h.storage.write_bytes(snapshot, to_csv_bytes(listing(range(1)), AWS.columns))

    with pytest.raises(PublishedListCorrupt, match=r"revocations\.csv: sha256 .* differs"):
        read_published(h.storage, h.outbox, D1)
    with pytest.raises(PublishedListCorrupt):
        last_published(h.storage, h.outbox, D2)  # never silently falls back to an older list
    with pytest.raises(PublishedListCorrupt):
        h.run(listing(range(3)), D1, run_id="r2")

    # Only a forced republish replaces it, keeping the corrupt version for inspection.
    h.run(listing(range(3)), D1, run_id="r2", options=RunOptions(force_republish=True))
    fixed = read_published(h.storage, h.outbox, D1)
    assert fixed is not None and fixed.manifest.run_id == "r2" and len(fixed.manifest.supersedes) == 1


def test_a_folder_without_a_manifest_is_not_published(root: str) -> None:
    h = Harness(root)
    h.storage.write_bytes(join(list_folder(h.outbox, D1), SNAPSHOT_FILE), b"aws_account_id\n")
    assert published_dates(h.storage, h.outbox) == []
    assert read_published(h.storage, h.outbox, D1) is None
    assert last_published(h.storage, h.outbox, D3) is None
