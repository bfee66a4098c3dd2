"""Read configured ownership sources of any format and merge them into one set of frames.

Invariant: each source is read by the reader of its format (`READERS`); BODS files are read together,
in one call, because a statement in one file may supersede a statement in another; every other source
is read alone. The frames are merged (`merge.merge_sources`) in the order the sources are given, the
BODS group standing where its first file stands. Pure: streams in, frames out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import IO

from pipeline.jurisdictions import JurisdictionRule
from pipeline.ownership.bods.reader import read_bods
from pipeline.ownership.ftm.reader import read_ftm
from pipeline.ownership.gleif.reader import read_gleif_lei, read_gleif_repex, read_gleif_rr
from pipeline.ownership.merge import Merged, merge_sources
from pipeline.ownership.source_format import SourceFormat, SourceSpec
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
    sources: Sequence[tuple[SourceSpec, IO[bytes]]], as_of: dt.date | None, rule: JurisdictionRule | None = None
) -> Merged:
    """`rule`: the policy's jurisdictions, which decide how a conflict is held (`merge`)."""
    groups: list[tuple[SourceFormat, list[tuple[str, IO[bytes]]]]] = []
    bods: list[tuple[str, IO[bytes]]] | None = None
    for spec, stream in sources:
        if spec.format is SourceFormat.BODS and bods is not None:
            bods.append((spec.uri, stream))
            continue
        groups.append((spec.format, [(spec.uri, stream)]))
        if spec.format is SourceFormat.BODS:
            bods = groups[-1][1]
    return merge_sources([READERS[fmt](streams, as_of) for fmt, streams in groups], rule)
