"""Where a run keeps everything it writes: the one owner of every output path.

Invariants:
- Every intermediate of a run lives under its run folder `<workspace>/dt=<logical date>/run=<run id>/`,
  at a path that depends only on (logical date, run id, what, partner). A retried task therefore rewrites
  the same objects, and two runs never mix.
- The report and run summary live at `<reports>/dt=<D>/run=<R>/`; a partner's list for D lives in its
  outbox at `revocations/dt=<D>/` (the layout partners read, documented in docs/formats.md), replaced
  versions under `revocations/superseded/dt=<D>/v=<manifest sha256[:16]>/`.
- Nothing else in the package spells a file name of these folders: stages, the report, `explain`, the
  console summary and the publisher ask this module. A leaf: it imports only storage paths and datasets.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from pipeline.datasets import Dataset
from pipeline.storage import join

_RUN_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._=-]+")
_DATED_RUN = re.compile(r"/dt=(\d{4}-\d{2}-\d{2})/run=([^/]+)/?$")

# --- a partner's outbox: what partners read (files named in their manifest) ---------------------------
LISTS_FOLDER = "revocations"
LEASE_FOLDER = "publish-lease"
SUPERSEDED_FOLDER = "superseded"
SNAPSHOT_FILE = "revocations.csv"
DELTA_FILE = "revocations_delta.csv"
# The same lists as JSON Lines, for programs (one object per row, every value a string: ids keep their zeros).
SNAPSHOT_JSONL_FILE = "revocations.jsonl"
DELTA_JSONL_FILE = "revocations_delta.jsonl"
MANIFEST_FILE = "manifest.json"
_MANIFEST_KEY = re.compile(r"/dt=(\d{4}-\d{2}-\d{2})/" + re.escape(MANIFEST_FILE) + "$")

# --- the reports folder -----------------------------------------------------------------------------
REPORT_FILE = "report.html"
SUMMARY_FILE = "run_summary.json"
_DATED_SUMMARY = re.compile(r"/dt=(\d{4}-\d{2}-\d{2})/run=([^/]+)/" + re.escape(SUMMARY_FILE) + "$")

# --- the run folder's files that are not datasets -----------------------------------------------------
RECONCILIATION_SUMMARY_FILE = "reconciliation.json"


def safe_run_id(run_id: str) -> str:
    """A run id usable as one path segment (Airflow's contain ':' and '+')."""
    cleaned = _RUN_ID_UNSAFE.sub("_", run_id).strip("_.")
    if not cleaned:
        raise ValueError(f"run id {run_id!r} has no usable characters")
    return cleaned


def dated_run_folder(root: str, logical_date: dt.date, run_id: str) -> str:
    return join(root, f"dt={logical_date.isoformat()}", f"run={safe_run_id(run_id)}")


def list_folder(outbox: str, logical_date: dt.date) -> str:
    """The folder of a partner's list for one date (snapshot, delta, manifest)."""
    return join(outbox, LISTS_FOLDER, f"dt={logical_date.isoformat()}")


def lists_root(outbox: str) -> str:
    """The folder every dated list of a partner lives under (the asset a partner's lists are)."""
    return join(outbox, LISTS_FOLDER)


def lease_folder(outbox: str) -> str:
    """Where publishers take turns on one outbox (pipeline/publish/lease.py); not under `revocations/`."""
    return join(outbox, LEASE_FOLDER)


def manifest_of(outbox: str, logical_date: dt.date) -> str:
    return join(list_folder(outbox, logical_date), MANIFEST_FILE)


def superseded_folder(outbox: str, logical_date: dt.date, manifest_sha256: str = "") -> str:
    """Where replaced versions of a date's list are kept; one subfolder per replaced manifest."""
    folder = join(outbox, LISTS_FOLDER, SUPERSEDED_FOLDER, f"dt={logical_date.isoformat()}")
    return join(folder, f"v={manifest_sha256[:16]}") if manifest_sha256 else folder


def manifest_date(outbox: str, uri: str) -> dt.date | None:
    """The logical date of a manifest URI listed under the outbox, when it is a dated list's manifest
    (not a superseded version's)."""
    found = _MANIFEST_KEY.search(uri)
    if not found:
        return None
    date = dt.date.fromisoformat(found.group(1))
    return date if uri == manifest_of(outbox, date) else None


def summary_run(uri: str) -> tuple[dt.date, str] | None:
    """(logical date, safe run id) of a run summary's URI under the reports root, or None."""
    found = _DATED_SUMMARY.search(uri)
    return (dt.date.fromisoformat(found.group(1)), found.group(2)) if found else None


@dataclass(frozen=True)
class RunLayout:
    """Every path one run writes: its run folder (workspace side), its report folder, and the folder of
    each partner's list for the run's date."""

    run_folder: str  # <workspace>/dt=D/run=R
    report_folder: str  # <reports>/dt=D/run=R
    logical_date: dt.date
    outboxes: Mapping[str, str] = field(default_factory=dict)  # partner -> outbox

    @classmethod
    def of(
        cls, workspace: str, reports: str, logical_date: dt.date, run_id: str, outboxes: Mapping[str, str]
    ) -> RunLayout:
        return cls(
            dated_run_folder(workspace, logical_date, run_id),
            dated_run_folder(reports, logical_date, run_id),
            logical_date,
            dict(outboxes),
        )

    @classmethod
    def at(cls, run_folder: str) -> RunLayout:
        """The layout of an existing run folder (`.../dt=D/run=R`), as `explain` is given it: its
        workspace side only."""
        folder = run_folder.rstrip("/")
        found = _DATED_RUN.search(folder)
        if not found:
            raise ValueError(f"{run_folder}: not a run folder (expected .../dt=YYYY-MM-DD/run=RUN_ID)")
        return cls(folder, "", dt.date.fromisoformat(found.group(1)))

    # --- the partners' lists for the run's date --------------------------------------------------------
    def list_folder(self, partner: str) -> str:
        return list_folder(self.outboxes[partner], self.logical_date)

    def manifest(self, partner: str) -> str:
        return manifest_of(self.outboxes[partner], self.logical_date)

    def _in_run(self, name: str, partner: str | None) -> str:
        parts = [f"partner={partner}"] if partner else []
        return join(self.run_folder, *parts, name)

    # --- datasets and their stage records ---------------------------------------------------------------
    def dataset(self, dataset: Dataset, partner: str | None = None) -> str:
        """A dataset of the run (per partner when it is partner-scoped)."""
        return self._in_run(dataset.file_name, partner)

    def validation(self, stage: str, partner: str | None = None) -> str:
        """The validation results a stage wrote (`extract` per partner; the others run-wide)."""
        return self._in_run(f"validation/{stage}.json", partner)

    def partner_inputs(self, partner: str) -> str:
        """The partner files an extraction read, with their sizes, rows and sha256."""
        return self._in_run("inputs.json", partner)

    @property
    def ownership_inputs(self) -> str:
        """The ownership sources an extraction read, with their sha256, and the reader's counts."""
        return self._in_run("ownership_inputs.json", None)

    @property
    def ownership_findings(self) -> str:
        return self._in_run("ownership_findings.parquet", None)

    def revocation_list(self, partner: str) -> str:
        """The list the gate evaluated for a partner: what publishing writes, row for row."""
        return self._in_run("revocation_list.parquet", partner)

    @property
    def judgements(self) -> str:
        """The judgements this run read from the store (match_tenants), so every stage uses the same ones."""
        return self._in_run("judgements.json", None)

    @property
    def gate(self) -> str:
        return self._in_run("gate.json", None)

    @property
    def snapshot(self) -> str:
        """The run's pinned configuration and the sha256 of its pinned policy and exemptions (`plan`)."""
        return self._in_run("snapshot/snapshot.json", None)

    def snapshot_copy(self, role: str, source: str) -> str:
        """The pinned copy of a run input (`role`: config, policy, exemptions), named after its source."""
        return self._in_run(f"snapshot/{role}--{source.rstrip('/').rsplit('/', 1)[-1]}", None)

    @property
    def approval_request(self) -> str:
        """What the approval step showed a person (the run's diff sha256): an answer covers only that."""
        return self._in_run("approval/request.json", None)

    @property
    def approval(self) -> str:
        """The person's verdict on a blocked gate (approved, rejected or timed out)."""
        return self._in_run("approval/verdict.json", None)

    @property
    def exemptions_review(self) -> str:
        """Every exemption's state, what it applied to and its problems (`review_exemptions`)."""
        return self._in_run("exemptions_review.parquet", None)

    @property
    def input_fingerprints(self) -> str:
        return self._in_run("input_fingerprints.json", None)

    def publish_outcome(self, partner: str) -> str:
        return self._in_run("publish.json", partner)

    def reconciliation_frame(self, name: str) -> str:
        return self._in_run(f"reconciliation_{name}.parquet", None)

    @property
    def reconciliation_summary(self) -> str:
        """Written after every reconciliation frame: a reader that finds it finds them all."""
        return self._in_run(RECONCILIATION_SUMMARY_FILE, None)

    # --- why a run stopped --------------------------------------------------------------------------------
    @property
    def stops_folder(self) -> str:
        return self._in_run("stops", None) + "/"

    def stop_record(self, stage: str, partner: str | None = None) -> str:
        return self._in_run(f"stops/{stage}{'--' + partner if partner else ''}.json", None)

    # --- the report -------------------------------------------------------------------------------------
    @property
    def report(self) -> str:
        return join(self.report_folder, REPORT_FILE)

    @property
    def run_summary(self) -> str:
        return join(self.report_folder, SUMMARY_FILE)
