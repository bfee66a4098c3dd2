"""Writing a `Reconciliation` into the run workspace and reading it back (the report stage does).

Invariant: the I/O edge of reconciliation; the engine stays pure. One Parquet file per frame, then the
summary last (plus what rebuilding needs), where the run's `RunLayout` puts them, so a reader that finds
the summary finds every frame; reading back gives an equal summary.
"""

from __future__ import annotations

import datetime as dt

from pipeline.reconcile.billing import ReconcileError, Reconciliation
from pipeline.run.layout import RunLayout
from pipeline.storage import Storage
from pipeline.storage.frames import read_json, read_parquet, write_json, write_parquet


def write_reconciliation(storage: Storage, layout: RunLayout, rec: Reconciliation) -> str:
    """Write the frames and then the summary; returns the summary's URI."""
    for name, frame in rec.frames().items():
        write_parquet(storage, layout.reconciliation_frame(name), frame)
    return write_json(storage, layout.reconciliation_summary, rec.summary())


def read_reconciliation(storage: Storage, layout: RunLayout) -> Reconciliation:
    uri = layout.reconciliation_summary
    doc = read_json(storage, uri)
    try:
        as_of = dt.date.fromisoformat(doc["as_of"])
        partners = [str(p) for p in doc["partners"]]
        assessed = [str(p) for p in doc["assessed_partners"]]
        pending = {str(k): int(v) for k, v in doc["pending_revocations"].items()}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ReconcileError(f"{uri}: not a reconciliation summary ({exc!r})") from exc
    names = ("gaps", "gap_lines", "unknown_billed", "unbilled_active", "revenue", "not_counted")
    frames = {name: read_parquet(storage, layout.reconciliation_frame(name)) for name in names}
    return Reconciliation.from_frames(
        frames, as_of=as_of, partners=partners, assessed_partners=assessed, pending_revocations=pending
    )
