"""The change between the last published snapshot of a partner's list and the current one.

Invariant: the delta is exact and self-sufficient: removing the `lifted` keys from the previous snapshot
and upserting the `added` and `changed` rows gives the current snapshot, cell for cell (a property
test keeps this). `added` are keys not listed before, `lifted` keys no longer listed, `changed` keys
listed both times with some other cell different (for instance a new agreement id). A lifted row
carries the revocation it ends, with `decision` `allow`, `effective_date` the logical date (a lift takes
effect at once), and an explanation saying so. No first publish is special: with no previous snapshot
every row is `added`.

Pure: frames in, frames out; no storage, no clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import pandas as pd

from pipeline.lists_vocabulary import DECISION, EFFECTIVE_DATE, EXPLANATION
from pipeline.publish.lists import Change, ListDecision, ListFormat, Record, frame, records, to_csv_bytes, validate_list


def lift_explanation(logical_date: dt.date) -> str:
    return f"Revocation lifted from {logical_date.isoformat()}: access may be restored."


@dataclass(frozen=True)
class ListDiff:
    """The rows of each kind (format columns, canonical order) and the delta in its published form."""

    list_format: ListFormat
    added: pd.DataFrame
    changed: pd.DataFrame
    lifted: pd.DataFrame  # as in the delta: decision allow, effective from the logical date
    unchanged: int
    delta: pd.DataFrame  # `change` + the format's columns

    @property
    def delta_bytes(self) -> bytes:
        return to_csv_bytes(self.delta, self.list_format.delta_columns)

    @property
    def delta_sha256(self) -> str:
        return hashlib.sha256(self.delta_bytes).hexdigest()


def diff_lists(
    previous: pd.DataFrame | None,
    current: pd.DataFrame,
    fmt: ListFormat,
    logical_date: dt.date,
) -> ListDiff:
    """Compare two snapshots of one partner's list (both validated against `fmt`)."""
    cur = {r[0]: r for r in records(validate_list(current, fmt, "current list"), fmt.columns)}
    prev: dict[str, Record] = {}
    if previous is not None:
        prev = {r[0]: r for r in records(validate_list(previous, fmt, "last published list"), fmt.columns)}

    added = [row for key, row in cur.items() if key not in prev]
    changed = [row for key, row in cur.items() if key in prev and prev[key] != row]
    unchanged = sum(1 for key, row in cur.items() if prev.get(key) == row)
    at = {c: i for i, c in enumerate(fmt.columns)}
    lift = {
        at[DECISION]: str(ListDecision.ALLOW),
        at[EFFECTIVE_DATE]: logical_date.isoformat(),
        at[EXPLANATION]: lift_explanation(logical_date),
    }
    lifted = [tuple(lift.get(i, v) for i, v in enumerate(row)) for key, row in prev.items() if key not in cur]
    delta = [
        (str(change), *row)
        for change, rows in ((Change.ADDED, added), (Change.CHANGED, changed), (Change.LIFTED, lifted))
        for row in rows
    ]
    return ListDiff(
        list_format=fmt,
        added=frame(added, fmt.columns),
        changed=frame(changed, fmt.columns),
        lifted=frame(lifted, fmt.columns),
        unchanged=unchanged,
        delta=frame(delta, fmt.delta_columns),
    )


def apply_delta(previous: pd.DataFrame | None, delta: pd.DataFrame, fmt: ListFormat) -> pd.DataFrame:
    """The snapshot a partner holds after applying a delta to the previous one (canonical order).

    This is how a partner that consumes deltas only keeps its copy; tests use it to prove the delta exact.
    """
    held = {r[0]: r for r in records(previous, fmt.columns)} if previous is not None else {}
    for change, *row in records(delta, fmt.delta_columns):
        if change == Change.LIFTED:
            held.pop(row[0], None)
        else:
            held[row[0]] = tuple(row)
    return frame(list(held.values()), fmt.columns)
