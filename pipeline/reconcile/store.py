"""Writing a `Reconciliation` into the run workspace and reading it back (the report stage does).

Invariant: the I/O edge of reconciliation; the engine stays pure. One Parquet file per frame
(`reconciliation_<name>.parquet`), then `reconciliation.json` last (the summary plus what rebuilding
needs), so a reader that finds the JSON finds every frame; reading back gives an equal summary.
"""

from __future__ import annotations

import datetime as dt

from pipeline.reconcile.billing import ReconcileError, Reconciliation
from pipeline.storage import Storage, join
from pipeline.storage.frames import read_json, read_parquet, write_json, write_parquet

SUMMARY_FILE = "reconciliation.json"


def frame_uri(workspace: str, name: str) -> str:
    return join(workspace, f"reconciliation_{name}.parquet")


def write_reconciliation(storage: Storage, workspace: str, rec: Reconciliation) -> dict[str, str]:
    """Write the frames and then the summary under the run workspace; returns every URI by name."""
    out = {name: write_parquet(storage, frame_uri(workspace, name), frame) for name, frame in rec.frames().items()}
    out["summary"] = write_json(storage, join(workspace, SUMMARY_FILE), rec.summary())
    return out


def read_reconciliation(storage: Storage, workspace: str) -> Reconciliation:
    uri = join(workspace, SUMMARY_FILE)
    doc = read_json(storage, uri)
    try:
        as_of = dt.date.fromisoformat(doc["as_of"])
        partners = [str(p) for p in doc["partners"]]
        assessed = [str(p) for p in doc["assessed_partners"]]
        pending = {str(k): int(v) for k, v in doc["pending_revocations"].items()}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ReconcileError(f"{uri}: not a reconciliation summary ({exc!r})") from exc
    names = ("gaps", "gap_lines", "unknown_billed", "unbilled_active", "revenue", "not_counted")
    frames = {name: read_parquet(storage, frame_uri(workspace, name)) for name in names}
    return Reconciliation.from_frames(
        frames, as_of=as_of, partners=partners, assessed_partners=assessed, pending_revocations=pending
    )
