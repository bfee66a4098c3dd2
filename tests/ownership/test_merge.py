"""Merging BODS, GLEIF and FtM frames: strong identifiers only, conflicts kept, stakes unioned."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.jurisdictions import JurisdictionRule
from pipeline.ownership.bods.reader import read_bods
from pipeline.ownership.ftm.reader import read_ftm
from pipeline.ownership.gleif.reader import read_gleif_lei, read_gleif_rr
from pipeline.ownership.merge import merge_sources
from pipeline.ownership.resolve import resolve
from pipeline.ownership.sources import SourceFrames
from pipeline.policy.definition import load_policy_text

FIXTURES = Path(__file__).parent / "fixtures"
AS_OF = dt.date(2025, 6, 30)
CN_RULE = JurisdictionRule(False, frozenset({"CN"}))
CN = "5299001CNPARENTHOL14"
GB = "213800GBCOMPANY00014"
US = "5493001USDECNHQ00075"
POLICY = load_policy_text("id: p\nversion: '1'\nrestricted_jurisdictions: [CN]\n", "test-policy")


def _statement(record_id: str, record_type: str, details: dict[str, Any]) -> dict[str, Any]:
    return {
        "statementId": f"{record_id}-statement-000000000000000000000000",
        "declarationSubject": record_id,
        "statementDate": "2024-01-01",
        "recordId": record_id,
        "recordType": record_type,
        "recordDetails": details,
    }


def _bods_entity(
    record_id: str, name: str, jurisdiction: str, *identifiers: tuple[str, str], **extra: Any
) -> dict[str, Any]:
    details = {"isComponent": False, "entityType": {"type": "registeredEntity"}, "name": name,
               "jurisdiction": {"name": jurisdiction, "code": jurisdiction},
               "identifiers": [{"scheme": s, "id": i} for s, i in identifiers], **extra}  # fmt: skip
    return _statement(record_id, "entity", details)


def _bods(*statements: dict[str, Any]) -> SourceFrames:
    data = "\n".join(json.dumps(s) for s in statements).encode()
    return read_bods([("file://register.jsonl", io.BytesIO(data))], as_of=AS_OF, workers=0)


def _gleif() -> tuple[SourceFrames, SourceFrames]:
    lei = FIXTURES / "gleif" / "lei2-golden-copy.csv"
    rr = FIXTURES / "gleif" / "rr-golden-copy.csv"
    return (
        read_gleif_lei([(lei.name, io.BytesIO(lei.read_bytes()))], AS_OF),
        read_gleif_rr([(rr.name, io.BytesIO(rr.read_bytes()))], AS_OF),
    )


def _ftm(*entities: dict[str, Any]) -> SourceFrames:
    path = FIXTURES / "ftm" / "entities.ftm.json"
    data = path.read_bytes() if not entities else "\n".join(json.dumps(e) for e in entities).encode()
    return read_ftm([("file://entities.ftm.json", io.BytesIO(data))], AS_OF)


def _entity(frames: SourceFrames, entity_id: str) -> dict[str, Any]:
    rows = frames.entities[frames.entities["entity_id"] == entity_id]
    assert len(rows) == 1
    out: dict[str, Any] = rows.iloc[0].to_dict()
    return out


def test_records_sharing_an_lei_are_one_entity_under_the_first_sources_id() -> None:
    lei, rr = _gleif()
    merged = merge_sources([lei, rr, _ftm()], CN_RULE)
    ids = set(merged.frames.entities["entity_id"])
    assert CN in ids and "NK-cnparent" not in ids
    assert dict(zip(merged.aliases["entity_id"], merged.aliases["merged_id"], strict=True)) == {"NK-cnparent": CN}
    idents = merged.frames.identifiers
    assert set(idents[idents["entity_id"] == CN]["scheme"]) == {"XI-LEI", "CN-SAMR"}
    assert merged.frames.stats["merged_records"] == 1
    assert merged.frames.findings.empty


def test_never_by_name_alone() -> None:
    lei, _ = _gleif()
    same_name = _bods(_bods_entity("reg-1", "Harbour Analytics Limited", "GB"))
    merged = merge_sources([same_name, lei], CN_RULE)
    assert {"reg-1", GB} <= set(merged.frames.entities["entity_id"])
    assert merged.aliases.empty


def test_register_numbers_merge_and_interests_follow_the_merged_id() -> None:
    lei, rr = _gleif()
    register = _bods(_bods_entity("reg-harbour", "Harbour Analytics Ltd", "GB", ("GB-COH", "1234567")))
    merged = merge_sources([register, lei, rr], CN_RULE)
    frames = merged.frames
    assert GB not in set(frames.entities["entity_id"])
    row = _entity(frames, "reg-harbour")
    assert (row["source"], row["name"], row["business_country"]) == ("bods", "Harbour Analytics Ltd", "GB")
    held = frames.interests[frames.interests["subject_id"] == "reg-harbour"]
    assert list(held["interested_party_id"]) == [US]  # GLEIF's relationship, moved onto the register's id
    assert set(frames.identifiers[frames.identifiers["entity_id"] == "reg-harbour"]["scheme"]) == {"GB-COH", "XI-LEI"}


def test_a_disagreement_that_would_restrict_is_a_review_not_a_root() -> None:
    lei, rr = _gleif()
    # The register says the Delaware company's headquarters are in the US; GLEIF says China.
    address = {
        "addresses": [{"type": "business", "address": "1 Main St", "country": {"name": "United States", "code": "US"}}]
    }
    register = _bods(_bods_entity("reg-pacific", "Pacific Bridge Devices Inc.", "US-DE", ("XI-LEI", US), **address))
    merged = merge_sources([register, lei, rr], CN_RULE)
    frames = merged.frames
    row = _entity(frames, "reg-pacific")
    assert row["business_country"] == "US"
    conflict = frames.findings[frames.findings["check"] == "source_conflict"]
    assert list(conflict["entity_id"]) == ["reg-pacific"]
    message = conflict.iloc[0]["message"]
    assert f"gleif_lei record {US}" in message and "bods record reg-pacific-statement" in message
    set_aside = frames.quarantine[frames.quarantine["rule"] == "merge.conflicting_fact"]
    assert len(set_aside) == 1 and "CN" in set_aside.iloc[0]["record"]
    result = resolve(frames.entities, frames.interests, POLICY, AS_OF, quarantine=frames.quarantine)
    decided = result.ownership.set_index("entity_id")
    assert decided.loc["reg-pacific", "decision"] == "review"
    assert "data.unread_statement" in list(decided.loc["reg-pacific", "rules"])


def test_stakes_from_two_sources_become_one_interval_covering_both() -> None:
    sub_lei = "5493001SGSUBSIDIAR97"
    company = {"id": "ftm-sub", "schema": "Company", "properties": {"name": ["Sub"], "leiCode": [sub_lei]}}
    owner = {"id": "ftm-parent", "schema": "Company", "properties": {"name": ["Parent"], "leiCode": [CN]}}
    stake = {"id": "ftm-own", "schema": "Ownership",
             "properties": {"owner": ["ftm-parent"], "asset": ["ftm-sub"], "percentage": ["40"]}}  # fmt: skip
    register = _bods(
        _bods_entity("reg-sub", "Sub", "SG", ("XI-LEI", sub_lei)),
        _bods_entity("reg-parent", "Parent", "CN", ("XI-LEI", CN)),
        _statement("reg-stake", "relationship", {
            "isComponent": False, "subject": "reg-sub", "interestedParty": "reg-parent",
            "interests": [{"type": "shareholding", "share": {"exact": 60}, "startDate": "2019-01-01"}]}),
    )  # fmt: skip
    merged = merge_sources([register, _ftm(company, owner, stake)], CN_RULE)
    held = merged.frames.interests
    assert len(held) == 1
    one = held.iloc[0]
    assert (one["subject_id"], one["interested_party_id"], one["relationship_id"]) == (
        "reg-sub",
        "reg-parent",
        "reg-stake",
    )
    assert pd.isna(one["share_exact"]) and (one["share_min"], one["share_max"]) == (0.4, 0.6)
    assert pd.isna(one["start_date"])  # the FtM stake has no start: the union is open
    assert one["statement_id"] == "bods:reg-stake-statement-000000000000000000000000; ftm:ftm-own"


def test_designations_of_every_record_merged_are_the_entitys() -> None:
    lei, _ = _gleif()
    listed = {"id": "ftm-cn", "schema": "Company", "datasets": ["us_dod_chinese_milcorp"],
              "properties": {"name": ["Shenzhen Shili"], "leiCode": [CN]}}  # fmt: skip
    merged = merge_sources([lei, _ftm(listed)], CN_RULE)
    row = _entity(merged.frames, CN)
    assert (row["source"], row["datasets"]) == ("gleif_lei", '["us_dod_chinese_milcorp"]')


def test_records_of_one_source_are_never_merged_with_each_other() -> None:
    lei, _ = _gleif()
    twice = _bods(
        _bods_entity("reg-a", "Harbour Analytics Limited", "GB", ("XI-LEI", GB)),
        _bods_entity("reg-b", "Harbour Analytics (Holdings) Limited", "GB", ("XI-LEI", GB)),
    )
    merged = merge_sources([twice, lei], CN_RULE)
    assert {"reg-a", "reg-b", GB} <= set(merged.frames.entities["entity_id"])
    assert merged.aliases.empty
    alone = merge_sources([twice], CN_RULE)
    assert alone.frames is twice
