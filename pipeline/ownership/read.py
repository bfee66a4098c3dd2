"""Read configured ownership sources of any format and merge them into one set of frames.

Invariant: each source is read by the reader of its format (`READERS`); BODS files are read together,
in one call, because a statement in one file may supersede a statement in another; every other source
is read alone. The frames are merged (`merge.merge_sources`) in the order the sources are given, the
BODS group standing where its first file stands. Each source file's figures (its latest record's day,
its records, relationships and restricted roots) are counted from its reader's frames before merging,
so a source that shrank cannot hide behind another that names the same entities. Pure: streams in,
frames out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import IO

import pandas as pd

from pipeline.arrays import BoolArray
from pipeline.jurisdictions import JurisdictionRule
from pipeline.ownership.bods.reader import read_bods
from pipeline.ownership.ftm.reader import read_ftm
from pipeline.ownership.gleif.reader import read_gleif_lei, read_gleif_repex, read_gleif_rr
from pipeline.ownership.merge import Merged, merge_sources
from pipeline.ownership.source_format import SourceFigures, SourceFormat, SourceSpec
from pipeline.ownership.sources import SourceFrames

Reader = Callable[[Iterable[tuple[str, IO[bytes]]], dt.date | None], SourceFrames]

READERS: dict[SourceFormat, Reader] = {
    SourceFormat.BODS: read_bods,
    SourceFormat.GLEIF_LEI: read_gleif_lei,
    SourceFormat.GLEIF_RR: read_gleif_rr,
    SourceFormat.GLEIF_REPEX: read_gleif_repex,
    SourceFormat.FTM: read_ftm,
}


def read_sources(
    sources: Sequence[tuple[SourceSpec, IO[bytes]]],
    as_of: dt.date | None,
    rule: JurisdictionRule | None = None,
    roots: Callable[[pd.DataFrame], BoolArray] | None = None,
) -> Merged:
    """`rule`: the policy's jurisdictions, which decide how a conflict is held (`merge`); `roots`: which
    rows of an ENTITIES frame are restricted roots under the policy (without it, no root is counted)."""
    groups: list[tuple[SourceFormat, list[tuple[str, IO[bytes]]]]] = []
    bods: list[tuple[str, IO[bytes]]] | None = None
    for spec, stream in sources:
        if spec.format is SourceFormat.BODS and bods is not None:
            bods.append((spec.uri, stream))
            continue
        groups.append((spec.format, [(spec.uri, stream)]))
        if spec.format is SourceFormat.BODS:
            bods = groups[-1][1]
    read = [READERS[fmt](streams, as_of) for fmt, streams in groups]
    counted = {
        uri: figures
        for (fmt, streams), frames in zip(groups, read, strict=True)
        for uri, figures in source_figures(frames, fmt, [u for u, _ in streams], roots).items()
    }
    return dataclasses.replace(merge_sources(read, rule), figures=tuple(counted[spec.uri] for spec, _ in sources))


def source_figures(
    frames: SourceFrames, fmt: SourceFormat, uris: Sequence[str], roots: Callable[[pd.DataFrame], BoolArray] | None
) -> dict[str, SourceFigures]:
    """Per file of one reader's frames: its latest record's day, records, relationships, restricted roots."""
    entities = frames.entities["source_uri"].value_counts()
    relationships = frames.interests[["source_uri", "relationship_id"]].drop_duplicates()["source_uri"].value_counts()
    rooted = (
        frames.entities["source_uri"][roots(frames.entities)].value_counts()
        if roots is not None and len(frames.entities)
        else pd.Series(dtype="int64")
    )
    return {
        uri: SourceFigures(
            uri=uri,
            format=fmt,
            published=_day(frames.published.get(uri)),
            entities=int(entities.get(uri, 0)),
            relationships=int(relationships.get(uri, 0)),
            roots=int(rooted.get(uri, 0)),
        )
        for uri in uris
    }


def _day(text: str | None) -> dt.date | None:
    """An ISO date, or None (no date, or a partial one: `2024-06` says too little to judge an age)."""
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None
