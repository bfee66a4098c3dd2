"""The demo world's GLEIF golden copy files and OpenSanctions export: read by the pipeline's own readers
without a quarantined row, naming what the scenarios need, and configured beside the BODS files."""

from __future__ import annotations

import io
import json

from demo_world import scenarios
from demo_world.gleif import lei_of
from pipeline.config import load_config
from pipeline.ownership.ftm.reader import read_ftm
from pipeline.ownership.gleif.reader import read_gleif_lei, read_gleif_rr
from pipeline.ownership.source_format import SourceFormat
from tests.demo_world.world import DATE, WrittenWorld

LEI_FILE = "ownership/gleif/lei2-golden-copy.csv"
RR_FILE = "ownership/gleif/rr-golden-copy.csv"
FTM_FILE = "ownership/opensanctions/entities.ftm.json"


def test_the_world_configures_gleif_and_opensanctions_after_its_registers(written: WrittenWorld) -> None:
    config = load_config(written.path("config.yaml"))
    formats = [s.format for s in config.ownership.sources]
    assert formats == [SourceFormat.BODS, SourceFormat.BODS, SourceFormat.GLEIF_LEI, SourceFormat.GLEIF_RR,
                       SourceFormat.FTM]  # fmt: skip
    policy = written.path("policy/unsupported-regions.yaml").read_text(encoding="utf-8")
    assert "designated: [us_dod_chinese_milcorp]" in policy and "consolidation: restrict" in policy


def test_gleif_files_read_cleanly_with_the_consolidation_and_the_disagreement(written: WrittenWorld) -> None:
    cat = scenarios.build(DATE)
    lei = read_gleif_lei([(LEI_FILE, io.BytesIO(written.path(LEI_FILE).read_bytes()))], DATE)
    rr = read_gleif_rr([(RR_FILE, io.BytesIO(written.path(RR_FILE).read_bytes()))], DATE)
    assert lei.quarantine.empty and rr.quarantine.empty
    by_lei = lei.entities.set_index("entity_id")
    parent, child = lei_of(cat.orgs["kestrel_group"]), lei_of(cat.orgs["kestrel_nl"])
    assert by_lei.loc[parent, "jurisdiction"] == "CN-GD"
    assert json.loads(by_lei.loc[parent, "alternate_names"]) == ["深圳红隼光电集团有限公司"]
    assert by_lei.loc[lei_of(cat.orgs["lumen_bay"]), "jurisdiction"] == "CN"  # the register says SG
    [edge] = rr.interests.to_dict("records")
    assert (edge["subject_id"], edge["interested_party_id"], edge["interest_type"]) == (child, parent, "consolidation")
    assert str(lei.published[LEI_FILE]) < DATE.isoformat()  # last updated the day before


def test_opensanctions_export_names_the_designated_holder_and_its_stake(written: WrittenWorld) -> None:
    frames = read_ftm([(FTM_FILE, io.BytesIO(written.path(FTM_FILE).read_bytes()))], DATE)
    assert frames.quarantine.empty
    designated = frames.entities[frames.entities["datasets"].str.contains("us_dod_chinese_milcorp")]
    assert designated["name"].tolist() == ["Tianjun Aerospace Systems Limited"]
    [stake] = frames.interests.to_dict("records")
    assert stake["interested_party_id"] == designated["entity_id"].iloc[0] and stake["share_exact"] == 0.6
    # The subsidiary carries its LEI, which merges it with the register's record of the same company.
    cat = scenarios.build(DATE)
    assert lei_of(cat.orgs["tianjun_sg"]) in set(frames.identifiers["identifier"])
