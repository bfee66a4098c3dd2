"""`recon screen`: ownership sources and a policy in, one CSV row per entity and person record out.

Invariants:
- This is the ownership area's only I/O edge: it reads and writes through `pipeline.storage` (local paths
  or s3:// / gs:// URIs), and does nothing `read_sources` and `resolve` do not already define. Sources
  are `[FORMAT:]PATH` (`source_format.SourceSpec.parse`; no prefix: BODS), merged in the order given.
- Input that cannot be trusted writes nothing: a quarantined statement or row (schema, JSON, layout or
  structure error) raises `ScreenError` naming the file and the record, and no CSV is written. A fact
  the merge set aside because sources disagree is no input error: it holds its entity in review.
- Every text cell goes through `pipeline.lists_vocabulary.neutralise`, the one rule for CSV cells people open
  in a spreadsheet (a leading apostrophe before = + - @, tab or carriage return; line breaks become
  spaces). Nested columns (chain, rules, evidence) are written by `pipeline.formatting` as one line of
  JSON each, stakes as percent text: they start with `[` or `{` and hold no raw line break, so they stay
  JSON.
- Process-wide switches are set here, at the edge: the GC pause and Arrow's system pool around reading,
  the GC pause and one worker thread beside this one around `resolve`.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import pyarrow as pa

from pipeline import formatting
from pipeline.arrays import arrow_nested, text_array
from pipeline.config import Engine, SparkConfig
from pipeline.lists_vocabulary import neutralise
from pipeline.ownership.findings import findings_frame, merge_findings
from pipeline.ownership.holdings import stake_sums, stakes_findings
from pipeline.ownership.merge import RULE_CONFLICT
from pipeline.ownership.read import read_sources
from pipeline.ownership.resolve import OwnershipResult, resolve
from pipeline.ownership.source_format import SourceError, SourceSpec
from pipeline.ownership.sources import SourceFrames
from pipeline.policy.definition import load_policy_text
from pipeline.run.switches import bulk_reading, paused_gc
from pipeline.storage.base import StorageError, uri_from_path_or_uri
from pipeline.storage.resolver import Storage

# How many quarantined statements the error message quotes.
MAX_QUOTED = 5


class ScreenError(Exception):
    """The input cannot be screened; the message names the file and, for statements, the statementId."""


@dataclass(frozen=True)
class Screening:
    frames: SourceFrames
    result: OwnershipResult


def screen(
    storage: Storage,
    sources: Sequence[SourceSpec],
    policy_uri: str,
    as_of: dt.date,
    *,
    engine: Engine = Engine.LOCAL,
    spark: SparkConfig | None = None,
) -> Screening:
    """`engine`: where resolution's numbers are computed (`spark`: on the session `spark` configures)."""
    policy = load_policy_text(storage.read_text(policy_uri), policy_uri).in_effect(as_of)
    with ExitStack() as stack, bulk_reading():
        streams = [(spec, stack.enter_context(storage.open_read(spec.uri))) for spec in sources]
        frames = read_sources(streams, as_of, policy.jurisdictions).frames
    invalid = frames.quarantine[frames.quarantine["rule"] != RULE_CONFLICT]
    if len(invalid):
        quoted = invalid["message"].head(MAX_QUOTED).tolist()
        more = len(invalid) - len(quoted)
        tail = f" (and {more} more)" if more > 0 else ""
        raise ScreenError(f"{len(invalid)} invalid statement(s) or row(s): " + " | ".join(quoted) + tail)
    with paused_gc(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="resolve") as beside:
        if engine is Engine.SPARK:
            from pipeline.spark.ownership import resolve_with_spark

            result = resolve_with_spark(spark or SparkConfig(), frames.entities, frames.interests, policy, as_of,
                                        quarantine=frames.quarantine, executor=beside)  # fmt: skip
        else:
            result = resolve(
                frames.entities, frames.interests, policy, as_of, quarantine=frames.quarantine, executor=beside
            )
    # No validate stage runs here: the stakes check it would run is reported with the findings.
    over = stakes_findings(stake_sums(frames.interests, policy.ownership.interests, as_of).over)
    if over:
        result = replace(result, findings=merge_findings(result.findings, findings_frame(over)))
    return Screening(frames, result)


def _neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        dtype = out[col].dtype
        if isinstance(dtype, pd.ArrowDtype) and pa.types.is_nested(dtype.pyarrow_dtype):
            values = arrow_nested(out[col])
            written = formatting.evidence_cells(values) if pa.types.is_struct(values.type) else formatting.cells(values)
            out[col] = text_array(written)
        elif dtype == "str":
            out[col] = out[col].map(neutralise, na_action="ignore")
    return out


def to_csv(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    _neutralise(frame).to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def screen_to_csv(
    sources: Sequence[str],
    policy: str,
    as_of: dt.date,
    out: str,
    *,
    findings_out: str | None = None,
    storage: Storage | None = None,
    engine: Engine = Engine.LOCAL,
    spark: SparkConfig | None = None,
) -> Screening:
    """Screen `[FORMAT:]PATH` sources (local paths or URIs) and write the OWNERSHIP rows (and optionally
    the findings) as CSV."""
    storage = storage or Storage()
    base = Path.cwd()
    try:
        specs = [SourceSpec.parse(s) for s in sources]
        uris = [SourceSpec(uri_from_path_or_uri(s.uri, base), s.format) for s in specs]
        screening = screen(storage, uris, uri_from_path_or_uri(policy, base), as_of, engine=engine, spark=spark)
        storage.write_text(uri_from_path_or_uri(out, base), to_csv(screening.result.ownership), "text/csv")
        if findings_out:
            storage.write_text(uri_from_path_or_uri(findings_out, base), to_csv(screening.result.findings), "text/csv")
    except (StorageError, SourceError) as exc:
        raise ScreenError(str(exc)) from exc
    return screening
