"""Data the run could not read never lowers a decision: quarantined statements and holders not in the data."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import orjson
import pandas as pd
import pytest

from pipeline import formatting
from pipeline.datasets import INTERESTS, conform
from pipeline.ownership.bods.reader import BodsFrames, read_bods
from pipeline.ownership.resolve import OwnershipResult, resolve
from pipeline.ownership.unread import unread_statements
from pipeline.policy.definition import Policy
from pipeline.quality import validate_frame
from pipeline.quality.quarantine import concat_quarantine
from tests.ownership.builders import entities, interests, quarantined, stake

AS_OF = dt.date(2025, 6, 30)
POLICY = Policy.model_validate({"id": "p", "version": "1", "restricted_jurisdictions": ["CN"]})


def _sid(tag: str) -> str:
    return f"{tag}-{'0' * (32 - len(tag) - 1)}"


def _entity(record_id: str, country: str = "GB", **extra: Any) -> dict[str, Any]:
    return {
        "statementId": extra.pop("statementId", _sid(record_id)),
        "declarationSubject": record_id,
        "statementDate": extra.pop("statementDate", "2024-01-01"),
        "recordId": record_id,
        "recordType": "entity",
        "recordDetails": {
            "isComponent": False,
            "entityType": {"type": "registeredEntity"},
            "name": f"{record_id} Ltd",
            "jurisdiction": {"name": country, "code": country},
        },
        **extra,
    }


def _rel(record_id: str, subject: str, party: str, share: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    interest: dict[str, Any] = {"type": extra.pop("type", "shareholding"), "share": share or {"exact": 60}}
    details = {"isComponent": False, "subject": subject, "interestedParty": party, "interests": [interest]}
    return {
        "statementId": extra.pop("statementId", _sid(record_id)),
        "declarationSubject": subject,
        "statementDate": extra.pop("statementDate", "2024-01-01"),
        "recordId": record_id,
        "recordType": "relationship",
        "recordDetails": details,
        **extra,
    }


def _read(*lines: dict[str, Any] | bytes) -> BodsFrames:
    data = b"".join(line if isinstance(line, bytes) else orjson.dumps(line) + b"\n" for line in lines)
    return read_bods([("mem://register.jsonl", io.BytesIO(data))], as_of=AS_OF)


def _resolve(frames: BodsFrames, policy: Policy = POLICY) -> OwnershipResult:
    return resolve(frames.entities, frames.interests, policy, AS_OF, quarantine=frames.quarantine)


def _rows(result: OwnershipResult) -> dict[str, dict[str, Any]]:
    return {r["entity_id"]: r for r in result.ownership.to_dict("records")}


# A CN parent holds 60% of S, and S holds 60% of T: both restricted when everything can be read.
WORLD = (_entity("cn", "CN"), _entity("S"), _entity("T"), _rel("r-cn-s", "S", "cn"), _rel("r-s-t", "T", "S"))


@pytest.mark.parametrize(
    ("case", "bad_interest"),
    [
        ("negative share", {"type": "shareholding", "share": {"exact": -5}}),
        ("share over 100", {"type": "shareholding", "share": {"exact": 150}}),
        ("unknown interest type", {"type": "friendship", "share": {"exact": 60}}),
    ],
)
def test_a_quarantined_relationship_holds_its_subject_in_review(case: str, bad_interest: dict[str, Any]) -> None:
    bad = _rel("r-cn-s", "S", "cn")
    bad["recordDetails"]["interests"] = [bad_interest]
    frames = _read(*WORLD[:3], bad, WORLD[4])
    assert len(frames.quarantine) == 1, case
    # Without the quarantine, S and T silently drop to clear: the failure this guards against.
    silent = resolve(frames.entities, frames.interests, POLICY, AS_OF)
    assert set(silent.ownership["decision"]) == {"restricted", "clear"}
    r = _rows(_resolve(frames))
    assert r["cn"]["decision"] == "restricted"
    s = r["S"]
    assert s["decision"] == "review" and s["rho_high"] == 1.0
    assert s["rules"] == ["data.unread_statement"]
    assert _sid("r-cn-s") in s["explanation"]
    ev = s["evidence"]
    [note] = ev["unread_statements"]
    assert note["statement_id"] == _sid("r-cn-s") and note["rule"] == "bods_0.4_schema"
    assert note["record_id"] == "r-cn-s" and "mem://register.jsonl" in note["reason"]
    assert note["source_line"] == "4"
    # What S holds is judged as if S might be restricted: T (60% held by S) is in review too, via S.
    t = r["T"]
    assert t["decision"] == "review" and t["rules"] == ["ownership.possible_restricted_share"]
    t_ev = t["evidence"]
    assert formatting.readable(t_ev["paths"]) == [{"ids": ["S", "T"], "stakes": ["60%"]}]
    assert t_ev["roots"] == [{"id": "S", "basis": "data.unread_statement"}]


def test_unread_data_never_lowers_a_decision() -> None:
    # S is itself a restricted root; an unreadable statement about it leaves it restricted.
    bad = _rel("r-x-s", "S", "cn", {"exact": 150})
    frames = _read(_entity("cn", "CN"), _entity("S", "CN"), bad)
    r = _rows(_resolve(frames))
    assert r["S"]["decision"] == "restricted" and r["S"]["rules"] == ["root.incorporation"]


def test_a_future_dated_quarantined_statement_does_not_count() -> None:
    bad = _rel("r-cn-s", "S", "cn", {"exact": 150}, statementDate="2030-01-01")
    frames = _read(*WORLD[:3], bad)
    assert len(frames.quarantine) == 1
    result = _resolve(frames)
    assert _rows(result)["S"]["decision"] == "clear"
    assert result.findings.empty


def test_a_broken_line_is_attributed_by_what_it_names() -> None:
    broken = orjson.dumps(_rel("r-cn-s", "S", "cn"))[:-40] + b"\n"  # cut off inside the interests
    frames = _read(*WORLD[:3], broken)
    assert frames.quarantine["rule"].tolist() == ["json_syntax"]
    result = _resolve(frames)
    assert _rows(result)["S"]["decision"] == "review"
    assert result.findings["check"].tolist() == ["unread_statement"]


def test_a_statement_that_names_no_record_is_an_error() -> None:
    frames = _read(*WORLD, b'{"statementId": \n')
    result = _resolve(frames)
    found = result.findings[result.findings["check"] == "unattributed_statement"]
    assert found["severity"].tolist() == ["error"]
    assert "mem://register.jsonl #6" in found["message"].iloc[0]


def test_a_relationship_without_a_readable_subject_falls_back_to_its_live_version() -> None:
    newer = _rel("r-s-t", "T", "S", statementDate="2024-06-01", statementId=_sid("newer"))
    del newer["recordDetails"]["subject"]
    frames = _read(*WORLD, newer)
    assert len(frames.quarantine) == 1
    unread = unread_statements(frames.quarantine, frames.interests, AS_OF)
    assert unread["about_id"].tolist() == ["T"]


def test_a_quarantined_entity_statement_holds_its_record_in_review() -> None:
    # A newer statement of S (perhaps saying it moved to CN) cannot be read: S keeps its old data, in review.
    newer = _entity("S", "CN", statementDate="2024-06-01", statementId=_sid("S-newer"))
    newer["recordDetails"]["foundingDate"] = "not a date"
    frames = _read(_entity("S"), newer)
    r = _rows(_resolve(frames))
    assert r["S"]["decision"] == "review"
    assert r["S"]["rules"] == ["data.unread_statement"]


def test_a_holder_whose_statement_was_quarantined_is_possibly_restricted() -> None:
    # The only statement of `ghost` is invalid, so it is not in the data; its 60% of S can decide.
    ghost = _entity("ghost", "CN")
    ghost["recordDetails"]["foundingDate"] = 12
    frames = _read(ghost, _entity("S"), _entity("T"), _rel("r1", "S", "ghost"), _rel("r2", "T", "ghost", {"exact": 10}))
    result = _resolve(frames)
    r = _rows(result)
    assert r["S"]["decision"] == "review"
    assert r["S"]["rules"] == ["ownership.possible_restricted_share", "data.unknown_holder"]
    assert formatting.readable(r["S"]["evidence"]["unknown_holders"]) == [{"id": "ghost", "stake": "60%"}]
    assert "holders not in the data: ghost (60%)" in r["S"]["explanation"]
    assert r["T"]["decision"] == "clear"  # 10% could not decide anything
    messages = " ".join(result.findings.loc[result.findings["check"] == "unread_statement", "message"])
    assert "ghost, which is not in the data" in messages


def test_a_row_the_interests_contract_quarantined_counts_too() -> None:
    band = _rel("r-cn-s", "S", "cn", {"minimum": 70, "maximum": 40})  # schema-valid, contract-invalid
    frames = _read(*WORLD[:3], band)
    checked = validate_frame(conform(frames.interests, INTERESTS), "interests", max_quarantine_share=1.0)
    assert len(checked.valid) == 0 and not checked.quarantine.empty
    quarantine = concat_quarantine([frames.quarantine, checked.quarantine])
    result = resolve(frames.entities, checked.valid, POLICY, AS_OF, quarantine=quarantine)
    assert _rows(result)["S"]["decision"] == "review"


@pytest.mark.parametrize(("control", "decision"), [("review", "review"), ("restrict", "review"), ("ignore", "clear")])
def test_control_by_a_holder_not_in_the_data(control: str, decision: str) -> None:
    policy = Policy.model_validate({**POLICY.model_dump(), "control_without_shares": control})
    ents = entities({"id": "S"})
    ints = interests(stake("ghost", "S", None, type="appointmentOfBoard"))
    out = resolve(ents, ints, policy, AS_OF).ownership
    assert out["decision"].tolist() == [decision]


def test_quarantine_rows_of_other_datasets_and_unreadable_records() -> None:
    frame = quarantined("S")
    other = frame.assign(dataset="identifiers")
    not_an_object = frame.assign(record="[1, 2]")
    unread = unread_statements(pd.concat([frame, other, not_an_object], ignore_index=True), interests(), AS_OF)
    assert unread["about_id"].isna().tolist() == [False, True]  # identifier rows are not about ownership
    assert unread["about_id"].iloc[0] == "S" and unread["record_type"].iloc[0] == "relationship"


def test_a_long_quarantined_statement_stays_readable() -> None:
    bad = _rel("r-cn-s", "S", "cn", {"exact": 150})
    bad["annotations"] = [{"motivation": "commenting", "description": "x" * 30_000, "statementPointerTarget": "/"}]
    frames = _read(*WORLD[:3], bad)
    record = json.loads(frames.quarantine["record"].iloc[0])
    assert record["recordDetails"]["subject"] == "S" and "truncated" in record
    assert _rows(_resolve(frames))["S"]["decision"] == "review"
