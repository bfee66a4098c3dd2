"""Reading several sources at once: each file's figures (latest record's day, records, relationships,
restricted roots) counted as read, before merging, under the key the next run compares them by."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

from pipeline.ownership.read import read_sources
from pipeline.ownership.roots import root_basis
from pipeline.ownership.source_format import SourceFigures, SourceFormat, SourceSpec, last_figures, source_keys
from pipeline.policy.definition import load_policy_text

FIXTURES = Path(__file__).parent / "fixtures"
AS_OF = dt.date(2025, 6, 30)
POLICY = load_policy_text("id: p\nversion: '1'\nrestricted_jurisdictions: [CN]\n", "test-policy")


def _statement(record_id: str, record_type: str, date: str, details: dict[str, Any]) -> dict[str, Any]:
    return {
        "statementId": f"{record_id}-statement-000000000000000000000000",
        "declarationSubject": record_id,
        "statementDate": date,
        "recordId": record_id,
        "recordType": record_type,
        "recordDetails": details,
    }


def _entity(record_id: str, jurisdiction: str, date: str) -> dict[str, Any]:
    details = {"isComponent": False, "entityType": {"type": "registeredEntity"}, "name": record_id,
               "jurisdiction": {"name": jurisdiction, "code": jurisdiction}}  # fmt: skip
    return _statement(record_id, "entity", date, details)


def _stake(record_id: str, subject: str, party: str, date: str) -> dict[str, Any]:
    details = {"isComponent": False, "subject": subject, "interestedParty": party,
               "interests": [{"type": "shareholding", "share": {"exact": 60}}, {"type": "votingRights"}]}  # fmt: skip
    return _statement(record_id, "relationship", date, details)


def _lines(*statements: dict[str, Any]) -> bytes:
    return "\n".join(json.dumps(s) for s in statements).encode()


REGISTER = _lines(
    _entity("cn-parent", "CN", "2025-01-01"),
    _entity("gb-child", "GB", "2025-03-02"),
    _stake("stake", "gb-child", "cn-parent", "2025-02-01"),
    _entity("later", "GB", "2025-08-01"),  # after the as-of date: not known yet, but the file is that new
)
SECOND_REGISTER = _lines(_entity("gb-other", "GB", "2024-05-05"))
SPECS = [
    SourceSpec("file://register.jsonl"),
    SourceSpec(str(FIXTURES / "gleif" / "lei2-golden-copy.csv"), SourceFormat.GLEIF_LEI),
    SourceSpec("file://second.jsonl"),
    SourceSpec(str(FIXTURES / "gleif" / "rr-golden-copy.csv"), SourceFormat.GLEIF_RR),
    SourceSpec(str(FIXTURES / "gleif" / "repex-golden-copy.csv"), SourceFormat.GLEIF_REPEX),
    SourceSpec(str(FIXTURES / "ftm" / "entities.ftm.json"), SourceFormat.FTM),
]


def _figures() -> dict[str, SourceFigures]:
    given = {"file://register.jsonl": REGISTER, "file://second.jsonl": SECOND_REGISTER}
    streams = [(s, io.BytesIO(given[s.uri] if s.uri in given else Path(s.uri).read_bytes())) for s in SPECS]
    merged = read_sources(streams, AS_OF, POLICY.jurisdictions, lambda e: root_basis(e, POLICY).is_root)
    return dict(zip(source_keys(SPECS), merged.figures, strict=True))


def test_each_source_file_has_its_own_figures_under_a_key_that_survives_dated_names() -> None:
    figures = _figures()
    assert list(figures) == ["bods", "gleif_lei", "bods#2", "gleif_rr", "gleif_repex", "ftm"]
    counted = {k: (f.published, f.entities, f.relationships, f.roots) for k, f in figures.items()}
    assert counted == {
        # BODS files read together are still counted apart; a relationship with two interests counts once.
        "bods": (dt.date(2025, 8, 1), 2, 1, 1),
        "bods#2": (dt.date(2024, 5, 5), 1, 0, 0),
        # GLEIF: Registration.LastUpdateDate dates the file; reporting exceptions carry no date.
        "gleif_lei": (dt.date(2024, 11, 2), 10, 0, 3),
        "gleif_rr": (dt.date(2024, 10, 1), 0, 6, 0),
        "gleif_repex": (None, 0, 3, 0),
        # FtM: OpenSanctions' last_change.
        "ftm": (dt.date(2024, 11, 1), 5, 4, 3),
    }
    assert figures["gleif_rr"].uri == SPECS[3].uri


def test_without_a_policy_no_root_is_counted() -> None:
    streams = [(SPECS[0], io.BytesIO(REGISTER))]
    [only] = read_sources(streams, AS_OF).figures
    assert (only.entities, only.roots) == (2, 0)


def test_the_last_runs_figures_follow_the_file_then_the_key() -> None:
    figures = _figures()
    register, second = figures["bods"], figures["bods#2"]
    # The two registers swapped places in the configuration: each is compared with its own file.
    swapped = {"bods": second, "bods#2": register}
    assert last_figures("bods", register, swapped) is register
    # A dated file name changed: the same key.
    renamed = {"bods": register.model_copy(update={"uri": "file://register-2025-06-29.jsonl"})}
    assert last_figures("bods", register, renamed) is renamed["bods"]
    assert last_figures("ftm", figures["ftm"], renamed) is None
