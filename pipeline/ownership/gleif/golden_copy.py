"""The GLEIF golden copy CSV layout: the dotted column names this reader uses, and reading them.

Invariants:
- Column names are those of GLEIF's golden copy CSV files, which flatten the XML formats (LEI-CDF 3.1
  for Level 1, RR-CDF 2.1 for relationship records, the reporting exceptions format) into dotted paths,
  repeated elements numbered from 1 (`...RelationshipPeriod.1.StartDate`). Only the columns named here
  are read (the files have over 200); a column this module names but a file lacks reads as empty, and a
  file lacking a `REQUIRED` column is unreadable as a whole (`LayoutError`, naming the file and column).
- Every value is text (LEIs and registration numbers keep their leading zeros), empty cells are null.
- Files are plain, gzipped or zipped CSV (`sources.opened`); read in blocks by Arrow, columnar.
"""

from __future__ import annotations

import csv
import io
from typing import IO

import pyarrow as pa
import pyarrow.csv as pacsv

from pipeline.ownership.sources import Replayed, opened

# --- LEI-CDF 3.1 (Level 1) -------------------------------------------------------------------------------
LEI = "LEI"
LEGAL_NAME = "Entity.LegalName"
TRANSLITERATED_NAME = "Entity.TransliteratedOtherEntityNames.TransliteratedOtherEntityName.1"
NAMES_READ = 3  # other and transliterated names .1 .. .3 are read (GLEIF numbers repeated elements from 1)
OTHER_NAMES = tuple(f"Entity.OtherEntityNames.OtherEntityName.{k}" for k in range(1, NAMES_READ + 1))
TRANSLITERATED_NAMES = tuple(
    f"Entity.TransliteratedOtherEntityNames.TransliteratedOtherEntityName.{k}" for k in range(1, NAMES_READ + 1)
)
LEGAL_JURISDICTION = "Entity.LegalJurisdiction"
LEGAL_COUNTRY = "Entity.LegalAddress.Country"
HEADQUARTERS_COUNTRY = "Entity.HeadquartersAddress.Country"
RA_ID = "Entity.RegistrationAuthority.RegistrationAuthorityID"
RA_ENTITY_ID = "Entity.RegistrationAuthority.RegistrationAuthorityEntityID"
CATEGORY = "Entity.EntityCategory"
ENTITY_STATUS = "Entity.EntityStatus"
INITIAL_REGISTRATION = "Registration.InitialRegistrationDate"
REGISTRATION_STATUS = "Registration.RegistrationStatus"
LAST_UPDATE = "Registration.LastUpdateDate"  # the record's last change: the latest one dates the file

LEI_COLUMNS = (
    LEI, LEGAL_NAME, *OTHER_NAMES, *TRANSLITERATED_NAMES, LEGAL_JURISDICTION, LEGAL_COUNTRY, HEADQUARTERS_COUNTRY,
    RA_ID, RA_ENTITY_ID, CATEGORY, ENTITY_STATUS, INITIAL_REGISTRATION, REGISTRATION_STATUS, LAST_UPDATE,
)  # fmt: skip
LEI_REQUIRED = (LEI, LEGAL_NAME)

# --- RR-CDF 2.1 (Level 2 relationship records) -----------------------------------------------------------
START_NODE = "Relationship.StartNode.NodeID"  # the child: the entity that is consolidated
START_NODE_TYPE = "Relationship.StartNode.NodeIDType"
END_NODE = "Relationship.EndNode.NodeID"  # the parent
END_NODE_TYPE = "Relationship.EndNode.NodeIDType"
RELATIONSHIP_TYPE = "Relationship.RelationshipType"
RELATIONSHIP_STATUS = "Relationship.RelationshipStatus"
PERIODS = 5  # RelationshipPeriod.1 .. .5 are read


def period(k: int, part: str) -> str:
    """`part`: StartDate, EndDate or PeriodType of the k-th period (1-based)."""
    return f"Relationship.RelationshipPeriods.RelationshipPeriod.{k}.{part}"


RR_COLUMNS = (
    START_NODE, START_NODE_TYPE, END_NODE, END_NODE_TYPE, RELATIONSHIP_TYPE, RELATIONSHIP_STATUS,
    INITIAL_REGISTRATION, REGISTRATION_STATUS, LAST_UPDATE,
    *(period(k, part) for k in range(1, PERIODS + 1) for part in ("StartDate", "EndDate", "PeriodType")),
)  # fmt: skip
RR_REQUIRED = (START_NODE, END_NODE, RELATIONSHIP_TYPE)

# --- reporting exceptions ----------------------------------------------------------------------------------
EXCEPTION_CATEGORY = "ExceptionCategory"
EXCEPTION_REASON = "ExceptionReason"  # one reason per row; some files number them (ExceptionReason.1)
EXCEPTION_REASON_1 = "ExceptionReason.1"
REPEX_COLUMNS = (LEI, EXCEPTION_CATEGORY, EXCEPTION_REASON, EXCEPTION_REASON_1)
REPEX_REQUIRED = (LEI, EXCEPTION_CATEGORY)


class LayoutError(ValueError):
    """A file that is not in the golden copy layout (a required column is missing)."""


def read_csv(stream: IO[bytes], columns: tuple[str, ...], required: tuple[str, ...]) -> pa.Table:
    """The named columns of a golden copy CSV file, as text (missing optional columns all null)."""
    source = opened(stream, ".csv")
    head = source.readline()
    header = set(next(csv.reader([head.decode("utf-8-sig", errors="replace")]), []))
    missing = [c for c in required if c not in header]
    if missing:
        raise LayoutError(f"not a GLEIF golden copy file: no column {', '.join(missing)}")
    read = pacsv.ReadOptions(block_size=16 << 20, use_threads=True)
    convert = pacsv.ConvertOptions(
        column_types=dict.fromkeys(columns, pa.large_string()),
        include_columns=list(columns),
        include_missing_columns=True,
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
        null_values=[""],
    )
    replayed = io.BufferedReader(Replayed(head, source), buffer_size=1 << 20)
    return pacsv.read_csv(replayed, read_options=read, convert_options=convert)
