"""The formats an ownership source can be in, and the one way a source is named.

Invariant: light (no pandas, no Arrow): the run configuration and the command line import it. A source
is a URI with a format; `SourceSpec.parse` reads the command line's `[FORMAT:]PATH` (no prefix: BODS),
and the configuration's `{uri, format}` entries validate into the same `SourceSpec`.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass


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
