"""The formats an ownership source can be in, and the one way a source is named.

Invariant: light (no pandas, no Arrow): the run configuration and the command line import it. A source
is a URI with a format; `SourceSpec.parse` reads the command line's `[FORMAT:]PATH` (no prefix: BODS),
and the configuration's `{uri, format}` entries validate into the same `SourceSpec`. A source's figures
(`SourceFigures`: how new, how big) are what the next run compares it with, under the source's key
(`source_keys`: its format, numbered when several sources share it), which stays the same when a dated
file name changes from one night to the next.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict


class SourceFormat(enum.StrEnum):
    BODS = "bods"  # Beneficial Ownership Data Standard statements (0.4, 0.3)
    GLEIF_LEI = "gleif_lei"  # GLEIF Level 1: LEI-CDF 3.x golden copy CSV
    GLEIF_RR = "gleif_rr"  # GLEIF Level 2: relationship records, RR-CDF 2.x golden copy CSV
    GLEIF_REPEX = "gleif_repex"  # GLEIF Level 2: reporting exceptions golden copy CSV
    FTM = "ftm"  # FollowTheMoney entities, JSON lines (OpenSanctions exports)


class SourceError(ValueError):
    """A source named with a format no reader understands."""


_PREFIX = re.compile(r"^(?P<format>[a-z][a-z_]*):(?P<rest>.+)$")
_URI_SCHEMES = frozenset({"file", "s3", "gs", "az", "abfs", "abfss"})


@dataclass(frozen=True)
class SourceSpec:
    uri: str
    format: SourceFormat = SourceFormat.BODS

    @classmethod
    def parse(cls, text: str) -> SourceSpec:
        """`FORMAT:PATH` (`gleif_lei:lei2.csv.zip`, `ftm:s3://bucket/entities.ftm.json`), or a path or
        URI alone (BODS). A URI's own scheme (`s3://...`) is never taken for a format."""
        match = _PREFIX.match(text)
        if not match or match.group("format") in _URI_SCHEMES:
            return cls(text)
        name = match.group("format")
        try:
            return cls(match.group("rest"), SourceFormat(name))
        except ValueError:
            known = ", ".join(f.value for f in SourceFormat)
            raise SourceError(f"{text}: unknown source format {name!r} (one of {known})") from None


class SourceFigures(BaseModel):
    """How new and how big one source file was, as read (before merging)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    uri: str
    format: SourceFormat
    published: dt.date | None = None  # the day of its latest record; None when its records carry no date
    entities: int  # entity and person records
    relationships: int  # relationships (a BODS relationship with several interests counts once)
    roots: int  # records that are restricted roots under the policy on their own facts


def source_keys(specs: Sequence[SourceSpec]) -> list[str]:
    """Each source's key, in configuration order: its format, `#2`, `#3` ... for later sources of the
    same format (`bods`, `bods#2`, `gleif_lei`)."""
    seen: dict[SourceFormat, int] = {}
    keys = []
    for spec in specs:
        seen[spec.format] = seen.get(spec.format, 0) + 1
        n = seen[spec.format]
        keys.append(spec.format.value if n == 1 else f"{spec.format.value}#{n}")
    return keys


def last_figures(key: str, figures: SourceFigures, before: Mapping[str, SourceFigures]) -> SourceFigures | None:
    """The last run's figures of the same source: the one read from the same file when there is one (the
    configuration's sources may have been reordered), else the one under the same key (a dated file name)."""
    same_file = [f for f in before.values() if f.uri == figures.uri and f.format == figures.format]
    return same_file[0] if same_file else before.get(key)
