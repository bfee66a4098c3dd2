"""The FollowTheMoney reader on a hand-written OpenSanctions-style export (fixtures/ftm)."""

from __future__ import annotations

import datetime as dt
import gzip
import io
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import jsonio
from pipeline.datasets import ENTITIES, IDENTIFIERS, INTERESTS
from pipeline.ownership.ftm.reader import read_ftm
from pipeline.ownership.sources import SourceFrames
from pipeline.ownership.unread import unread_statements

FILE = Path(__file__).parent / "fixtures" / "ftm" / "entities.ftm.json"
AS_OF = dt.date(2025, 6, 30)


def _read(data: bytes | None = None, as_of: dt.date | None = AS_OF) -> SourceFrames:
    return read_ftm([("file://entities.ftm.json", io.BytesIO(FILE.read_bytes() if data is None else data))], as_of)


def _row(frame: pd.DataFrame, column: str, value: str) -> dict[str, Any]:
    rows = frame[frame[column] == value]
    assert len(rows) == 1, f"{column}={value}: {len(rows)} rows"
    out: dict[str, Any] = rows.iloc[0].to_dict()
    return out


def test_entities_and_persons_by_the_model() -> None:
    read = _read()
    assert list(read.entities.columns) == list(ENTITIES.columns)
    assert list(read.entities["entity_id"]) == ["NK-cnparent", "NK-hkdesignated", "NK-ministry", "NK-person",
                                                "NK-sgsubsidiary"]  # fmt: skip
    hk = _row(read.entities, "entity_id", "NK-hkdesignated")
    assert (hk["record_type"], hk["entity_type"], hk["jurisdiction"], hk["registered_country"]) == (
        "entity", "registeredEntity", "HK", "HK",
    )  # fmt: skip
    assert jsonio.loads(hk["datasets"]) == ["us_dod_chinese_milcorp", "us_trade_csl"]
    assert (hk["source"], hk["statement_id"]) == ("ftm", "NK-hkdesignated")
    cn = _row(read.entities, "entity_id", "NK-cnparent")
    assert pd.isna(cn["jurisdiction"]) and cn["registered_country"] == "CN"
    person = _row(read.entities, "entity_id", "NK-person")
    assert (person["record_type"], person["nationalities"], person["residences"]) == ("person", '["CN"]', '["CN"]')
    assert _row(read.entities, "entity_id", "NK-ministry")["entity_type"] == "stateBody"


def test_identifiers_use_the_org_id_schemes_of_the_other_sources() -> None:
    ids = _read().identifiers
    assert list(ids.columns) == list(IDENTIFIERS.columns)
    cn = ids[ids["entity_id"] == "NK-cnparent"].set_index("scheme")["identifier"].to_dict()
    assert cn == {"XI-LEI": "5299001CNPARENTHOL14", "CN-SAMR": "9144030097844873U6"}


def test_links_become_interests() -> None:
    inter = _read().interests
    assert list(inter.columns) == list(INTERESTS.columns)
    own = _row(inter, "relationship_id", "ofac-own-1")
    assert (own["subject_id"], own["interested_party_id"], own["interest_type"]) == (
        "NK-sgsubsidiary", "NK-hkdesignated", "shareholding",
    )  # fmt: skip
    assert own["share_exact"] == 0.6 and own["start_date"] == "2020-02-01" and own["source"] == "ftm"
    old = _row(inter, "relationship_id", "own-old")
    assert (old["share_exact"], old["start_date"], old["end_date"]) == (0.25, "2015", "2019-12-31")
    assert _row(inter, "relationship_id", "NK-director")["interest_type"] == "boardMember"
    link = _row(inter, "relationship_id", "NK-link")
    assert (link["interest_type"], pd.isna(link["share_exact"])) == ("unknownInterest", True)


def test_every_line_is_counted_or_quarantined() -> None:
    read = _read()
    s = read.stats
    assert s["lines_read"] == 14
    assert (s["entities"] + s["persons"], s["interests"], s["other_schemas"], s["after_as_of"]) == (5, 4, 1, 1)
    assert list(read.quarantine["rule"]) == ["ftm.json", "ftm.schema", "ftm.link"]
    assert list(read.quarantine["source_line"]) == ["12", "13", "14"]
    assert "Spaceship" in read.quarantine.iloc[1]["record"]
    # The Ownership without an asset cannot be tied to a record: an unattributed statement.
    unread = unread_statements(read.quarantine, read.interests, AS_OF)
    assert set(unread["about_id"].fillna("")) == {"", "NK-bad-schema"}


def test_gzipped_export_reads_the_same() -> None:
    plain, zipped = _read(), _read(gzip.compress(FILE.read_bytes()))
    pd.testing.assert_frame_equal(plain.entities, zipped.entities)
    pd.testing.assert_frame_equal(plain.interests, zipped.interests)


def test_other_names_and_aliases_are_alternate_names() -> None:
    entities = _read().entities
    assert _row(entities, "entity_id", "NK-cnparent")["alternate_names"] == '["深圳示例控股有限公司"]'
    assert _row(entities, "entity_id", "NK-person")["alternate_names"] == "[]"
    assert entities["alternate_names"].notna().all()
