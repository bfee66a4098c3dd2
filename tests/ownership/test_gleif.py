"""The GLEIF readers on hand-written golden copy files (fixtures/gleif): Level 1, relationships, exceptions."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.datasets import ENTITIES, IDENTIFIERS, INTERESTS, QUARANTINE
from pipeline.ownership.gleif.reader import read_gleif_lei, read_gleif_repex, read_gleif_rr
from pipeline.ownership.sources import SourceFrames
from pipeline.ownership.unread import unread_statements

FIXTURES = Path(__file__).parent / "fixtures" / "gleif"
LEI_FILE = FIXTURES / "lei2-golden-copy.csv"
RR_FILE = FIXTURES / "rr-golden-copy.csv"
REPEX_FILE = FIXTURES / "repex-golden-copy.csv"
AS_OF = dt.date(2025, 6, 30)

CN = "5299001CNPARENTHOL14"
SG = "5493001SGSUBSIDIAR97"
JP = "353800JPULTIMATE0067"
HK = "5299001HKBRANCH00046"
GB = "213800GBCOMPANY00014"
US = "5493001USDECNHQ00075"
GOV = "300300CNGOVT00000130"
DE = "529900DENONPUBLIC093"


def _read(reader: Any, path: Path, data: bytes | None = None, as_of: dt.date | None = AS_OF) -> SourceFrames:
    return reader([(f"file://{path.name}", io.BytesIO(path.read_bytes() if data is None else data))], as_of)


def _row(frame: pd.DataFrame, column: str, value: str) -> dict[str, Any]:
    rows = frame[frame[column] == value]
    assert len(rows) == 1, f"{column}={value}: {len(rows)} rows"
    out: dict[str, Any] = rows.iloc[0].to_dict()
    return out


def test_level1_rows_are_canonical_entities_with_source_and_record() -> None:
    read = _read(read_gleif_lei, LEI_FILE)
    assert list(read.entities.columns) == list(ENTITIES.columns)
    assert list(read.identifiers.columns) == list(IDENTIFIERS.columns)
    cn = _row(read.entities, "entity_id", CN)
    assert (
        cn["statement_id"] == CN and cn["source"] == "gleif_lei" and cn["source_uri"] == "file://lei2-golden-copy.csv"
    )
    assert (cn["name"], cn["jurisdiction"], cn["registered_country"], cn["business_country"]) == (
        "深圳示例控股有限公司", "CN", "CN", "CN",
    )  # fmt: skip
    us = _row(read.entities, "entity_id", US)
    assert (us["jurisdiction"], us["registered_country"], us["business_country"]) == ("US-DE", "US", "CN")
    assert _row(read.entities, "entity_id", GOV)["entity_type"] == "stateBody"
    assert _row(read.entities, "entity_id", HK)["entity_type"] == "registeredEntity"
    assert list(read.entities["entity_id"]) == sorted(read.entities["entity_id"])


def test_level1_identifiers_map_registration_authorities_to_org_id_schemes() -> None:
    ids = _read(read_gleif_lei, LEI_FILE).identifiers
    gb = ids[ids["entity_id"] == GB].set_index("scheme")["identifier"].to_dict()
    assert gb == {"XI-LEI": GB, "GB-COH": "01234567"}
    de = ids[ids["entity_id"] == DE].set_index("scheme")["identifier"].to_dict()
    assert de == {"XI-LEI": DE, "GLEIF-RA-RA000197": "HRB 123456"}
    # A Chinese entity's number is its USCC (valid check character) whatever bureau GLEIF names; Germany's
    # numbers repeat across courts and keep the court's code.
    cn = ids[ids["entity_id"] == CN].set_index("scheme")["identifier"].to_dict()
    assert cn == {"XI-LEI": CN, "CN-SAMR": "9144030097844873U6"}
    # RA999999 (no authority) gives no registration identifier.
    assert set(ids[ids["entity_id"] == JP]["scheme"]) == {"XI-LEI"}


def test_level1_sets_aside_what_is_not_live_and_quarantines_bad_leis() -> None:
    read = _read(read_gleif_lei, LEI_FILE)
    assert "5493001ANNULLED00075" not in set(read.entities["entity_id"])
    assert "5493001LATEREG000052" not in set(read.entities["entity_id"])
    assert read.stats["rows_read"] == 13
    assert (read.stats["not_live"], read.stats["after_as_of"], read.stats["quarantined"]) == (1, 1, 1)
    assert read.stats["entities"] == 10
    assert list(read.quarantine.columns) == list(QUARANTINE.columns)
    bad = read.quarantine.iloc[0]
    assert (bad["rule"], bad["source_line"]) == ("gleif.lei", "14")
    assert "row 14" in bad["message"] and "NOT-AN-LEI" in bad["record"]
    # Without an as-of date, a later registration is read.
    assert "5493001LATEREG000052" in set(_read(read_gleif_lei, LEI_FILE, as_of=None).entities["entity_id"])


def test_zipped_and_gzipped_golden_copies_read_the_same() -> None:
    plain = _read(read_gleif_lei, LEI_FILE)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("20250630-0800-gleif-goldencopy-lei2-golden-copy.csv", LEI_FILE.read_bytes())
    zipped = _read(read_gleif_lei, LEI_FILE, buffer.getvalue())
    gzipped = _read(read_gleif_lei, LEI_FILE, gzip.compress(LEI_FILE.read_bytes()))
    pd.testing.assert_frame_equal(plain.entities, zipped.entities)
    pd.testing.assert_frame_equal(plain.identifiers, gzipped.identifiers)


def test_a_file_in_another_layout_is_quarantined_whole() -> None:
    read = _read(read_gleif_lei, LEI_FILE, b"id,name\n1,Acme\n")
    assert read.entities.empty and len(read.quarantine) == 1
    row = read.quarantine.iloc[0]
    assert row["rule"] == "gleif.layout" and "no column LEI" in row["message"]


def test_relationships_are_consolidation_and_branch_interests() -> None:
    read = _read(read_gleif_rr, RR_FILE)
    inter = read.interests
    assert list(inter.columns) == list(INTERESTS.columns)
    direct = _row(inter, "relationship_id", f"{SG}>IS_DIRECTLY_CONSOLIDATED_BY>{CN}")
    assert (direct["subject_id"], direct["interested_party_id"]) == (SG, CN)
    assert (direct["interest_type"], direct["direct_or_indirect"]) == ("consolidation", "direct")
    # The RELATIONSHIP_PERIOD gives the dates, not the accounting or filing periods beside it.
    assert (direct["start_date"], pd.isna(direct["end_date"])) == ("2019-12-20", True)
    assert direct["source"] == "gleif_rr" and direct["statement_id"] == direct["relationship_id"]
    assert pd.isna(direct["share_exact"]) and pd.isna(direct["share_min"])
    ultimate = _row(inter, "relationship_id", f"{JP}>IS_ULTIMATELY_CONSOLIDATED_BY>{CN}")
    assert ultimate["direct_or_indirect"] == "indirect"
    branch = _row(inter, "relationship_id", f"{HK}>IS_INTERNATIONAL_BRANCH_OF>{CN}")
    assert (branch["interest_type"], branch["direct_or_indirect"]) == ("branch", "direct")
    ended = _row(inter, "relationship_id", f"{GB}>IS_DIRECTLY_CONSOLIDATED_BY>{US}")
    assert ended["end_date"] == "2022-06-30"


def test_relationships_set_aside_and_quarantined() -> None:
    read = _read(read_gleif_rr, RR_FILE)
    ids = set(read.interests["relationship_id"])
    assert f"{GB}>IS_DIRECTLY_CONSOLIDATED_BY>{CN}" not in ids  # inactive, no end date
    assert f"{US}>IS_DIRECTLY_CONSOLIDATED_BY>{CN}" not in ids  # annulled
    stats = read.stats
    assert (stats["rows_read"], stats["interests"]) == (11, 6)
    assert (stats["inactive_without_end"], stats["not_live"], stats["other_relationship_types"]) == (1, 1, 1)
    assert (stats["after_as_of"], stats["quarantined"]) == (1, 1)
    bad = read.quarantine.iloc[0]
    assert bad["rule"] == "gleif.node" and bad["source_line"] == "11"


def test_quarantined_relationship_is_attributed_to_its_subject() -> None:
    read = _read(read_gleif_rr, RR_FILE)
    unread = unread_statements(read.quarantine, read.interests, AS_OF)
    assert list(unread["about_id"]) == ["XYZ"]


def test_withheld_parents_become_holders_outside_the_data() -> None:
    read = _read(read_gleif_repex, REPEX_FILE)
    inter = read.interests
    assert set(inter["subject_id"]) == {DE, US}
    de = inter[inter["subject_id"] == DE].set_index("direct_or_indirect")
    assert de.loc["direct", "interested_party_id"] == f"withheld:{DE}:DIRECT_ACCOUNTING_CONSOLIDATION_PARENT"
    assert set(de["interest_type"]) == {"consolidation"} and set(de["source"]) == {"gleif_repex"}
    assert read.stats["no_parent_to_report"] == 5
    assert read.stats["quarantined"] == 1


def test_other_and_transliterated_names_are_aliases_for_matching() -> None:
    entities = _read(read_gleif_lei, LEI_FILE).entities
    assert _row(entities, "entity_id", CN)["alternate_names"] == '["Shenzhen Shili Konggu Youxian Gongsi"]'
    assert _row(entities, "entity_id", GB)["alternate_names"] == "[]"  # none: an empty list, never missing
    assert entities["alternate_names"].notna().all()


def test_a_chinese_number_failing_its_check_character_keeps_its_authoritys_code() -> None:
    data = LEI_FILE.read_bytes().replace(b"9144030097844873U6", b"9144030097844873U7")
    ids = _read(read_gleif_lei, LEI_FILE, data).identifiers
    assert set(ids[ids["entity_id"] == CN]["scheme"]) == {"XI-LEI", "GLEIF-RA-RA000100"}
