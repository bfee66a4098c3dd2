"""The current row of each key of an AWS Seller Data Feed, from its appended history of versions.

Invariant: for every key the result holds at most one row, chosen only by AWS's documented rule
(latest `valid_from`, then latest `update_date` within it; a current row with `delete_date` set
means the key is deleted) and never by file order. When that rule cannot decide - two different rows
share the latest (`valid_from`, `update_date`), or another version of the key was quarantined so the
true latest may be missing - the key is excluded and its rows quarantined: an older version is never
silently promoted to current. Exact duplicate rows (the same delivery appended twice) are kept once
and reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.arrays import LargeStringChunks, arrow_strings, filled, instants, text_series
from pipeline.partners.files import drop_identical
from pipeline.quality.contracts import Scope, Severity
from pipeline.quality.quarantine import Quarantined, quarantine_frame, record_json
from pipeline.quality.results import CheckResult, Source, sample_rows

_SEP = "\x1f"
_LINEAGE = ("source_uri", "source_line")


@dataclass(frozen=True, eq=False)
class Current:
    rows: pd.DataFrame  # one row per key, not deleted, same columns as the input
    quarantine: pd.DataFrame
    results: tuple[CheckResult, ...]
    excluded_keys: frozenset[str]  # key strings (see `key_strings`) whose current row is unknown
    deleted_keys: frozenset[str]


def key_strings(frame: pd.DataFrame, key: Sequence[str]) -> pd.Series:
    """One string per row identifying its key (missing parts as empty), usable as a set member."""
    if not len(frame):
        return pd.Series([], dtype="str", index=frame.index)
    parts = [filled(arrow_strings(frame[k]), "") for k in key]
    separator = pa.scalar(_SEP, pa.large_string())
    # The stubs declare binary_join_element_wise for lists of arrays only; Arrow joins any number of columns.
    joined: LargeStringChunks = (
        parts[0] if len(parts) == 1 else pc.call_function("binary_join_element_wise", [*parts, separator])
    )
    return text_series(joined, frame.index)


def _quarantine(dataset: str, rule: str, message: str, rows: pd.DataFrame, shown: list[str]) -> list[Quarantined]:
    out = []
    for rec in rows.to_dict("records"):
        out.append(
            Quarantined(
                dataset,
                rule,
                Severity.ERROR,
                message,
                str(rec["source_uri"]),
                int(rec["source_line"]),
                record_json({c: rec[c] for c in shown}),
            )
        )
    return out


def current_rows(
    frame: pd.DataFrame,
    key: Sequence[str],
    dataset: str,
    *,
    columns: Sequence[str],
    suspect: pd.DataFrame | None = None,
) -> Current:
    """The current version of each key of `frame` (validated rows of one feed, all months).

    `columns` are the feed's data columns (what makes two rows identical); `suspect` holds rows of the
    same feed that were quarantined: their keys are excluded.
    """
    shown = list(columns)
    results: list[CheckResult] = []
    quarantined: list[Quarantined] = []
    work = frame.reset_index(drop=True)

    work, dup_results = drop_identical(work, shown, dataset, list(key))
    results.extend(dup_results)

    keys = key_strings(work, key)
    suspect_keys: set[str] = set()
    if suspect is not None and len(suspect):
        identified = suspect[list(key)].notna().any(axis=1)
        suspect_keys = set(key_strings(suspect.loc[identified], key))
    incomplete = keys.isin(suspect_keys)
    if incomplete.any():
        quarantined += _quarantine(
            dataset,
            "history.incomplete_key",
            f"another version of this {'/'.join(key)} was quarantined, so its current row is unknown; "
            "using an older version would be a silent guess",
            work.loc[incomplete],
            shown,
        )
        results.append(
            CheckResult(
                dataset,
                "history.incomplete_key",
                Severity.ERROR,
                Scope.ROW,
                False,
                f"{int(incomplete.sum())} rows of keys with a quarantined version excluded",
                checked=len(work),
                failed=int(incomplete.sum()),
                samples=sample_rows(work.loc[incomplete, [*key, *_LINEAGE]].to_dict("records")),
                source=Source.READER,
            )
        )
    work = work.loc[~incomplete].reset_index(drop=True)
    keys = key_strings(work, key)

    floor = pd.Timestamp.min.tz_localize("UTC")
    order = pd.DataFrame(
        {
            "k": keys,
            "v": instants(work["valid_from"]).fillna(floor),
            "u": instants(work["update_date"]).fillna(floor) if "update_date" in work else floor,
        }
    )
    latest_v = order.groupby("k")["v"].transform("max")
    at_v = order["v"] == latest_v
    latest_u = order["u"].where(at_v).groupby(order["k"]).transform("max")
    top = at_v & (order["u"] == latest_u)
    top_count = top.groupby(order["k"]).transform("sum")
    conflict = top & (top_count > 1)
    if conflict.any():
        quarantined += _quarantine(
            dataset,
            "history.conflicting_versions",
            "two different rows of this key share the latest valid_from and update_date; "
            "which one is current cannot be told",
            work.loc[conflict],
            shown,
        )
        results.append(
            CheckResult(
                dataset,
                "history.conflicting_versions",
                Severity.ERROR,
                Scope.ROW,
                False,
                f"{int(conflict.sum())} rows in {order.loc[conflict, 'k'].nunique()} keys "
                "with conflicting latest versions",
                checked=len(work),
                failed=int(conflict.sum()),
                samples=sample_rows(work.loc[conflict, [*key, *_LINEAGE]].to_dict("records")),
                source=Source.READER,
            )
        )
    current = work.loc[top & ~conflict]
    deleted = current["delete_date"].notna()
    deleted_keys = frozenset(key_strings(current.loc[deleted], key))
    if deleted.any():
        results.append(
            CheckResult(
                dataset,
                "history.deleted",
                Severity.INFO,
                Scope.DATASET,
                True,
                f"{int(deleted.sum())} keys whose current row is soft-deleted were dropped",
                checked=len(current),
                failed=0,
                source=Source.READER,
            )
        )
    excluded = frozenset(suspect_keys | set(order.loc[conflict, "k"]))
    return Current(
        rows=current.loc[~deleted].reset_index(drop=True),
        quarantine=quarantine_frame(quarantined),
        results=tuple(results),
        excluded_keys=excluded,
        deleted_keys=deleted_keys,
    )
