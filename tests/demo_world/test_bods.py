"""The ownership register is valid BODS 0.4, internally consistent, and covers docs/design.md §4."""

from __future__ import annotations

import json
from typing import Any

from pipeline.ownership.bods.schema import schema_errors
from tests.demo_world.world import DATE, WrittenWorld


def errors(statements: list[dict[str, Any]]) -> list[str]:
    """Every schema violation, with the statement's id; the validator is the one the reader uses, itself
    checked against the standard's own test statements in tests/ownership/test_bods.py."""
    return [f"{s.get('statementId')}: {e}" for s in statements for e in schema_errors(s)]


def test_every_statement_is_valid_bods_0_4(written: WrittenWorld) -> None:
    problems = errors(written.statements())
    assert problems == [], problems[:5]


def test_statement_ids_are_unique_and_references_resolve(written: WrittenWorld) -> None:
    statements = written.statements()
    ids = [s["statementId"] for s in statements]
    assert len(ids) == len(set(ids))
    seen: set[str] = set()
    for s in statements:
        if s["recordType"] == "relationship":
            details = s["recordDetails"]
            # Subject and party are declared before any relationship that names them.
            assert details["subject"] in seen and details["interestedParty"] in seen, s["recordId"]
        else:
            seen.add(s["recordId"])


def test_no_statement_is_dated_after_the_logical_date(written: WrittenWorld) -> None:
    assert max(s["statementDate"] for s in written.statements()) <= DATE.isoformat()


def test_the_structures_of_design_section_4_are_present(written: WrittenWorld) -> None:
    statements = json.loads(written.path("ownership/scenarios.json").read_text(encoding="utf-8"))
    entities = [s["recordDetails"] for s in statements if s["recordType"] == "entity"]
    persons = [s["recordDetails"] for s in statements if s["recordType"] == "person"]
    relationships = [s for s in statements if s["recordType"] == "relationship"]
    interests = [i for s in relationships for i in s["recordDetails"]["interests"]]
    codes = {e["jurisdiction"]["code"] for e in entities}
    assert {"CN-GD", "CN-TW", "CN-HK", "CN-MO", "TW", "HK", "KY", "US-DE"} <= codes
    assert any(e["entityType"]["type"] == "stateBody" for e in entities)
    hq_abroad = [
        e for e in entities
        if any(a["type"] == "business" and a["country"]["code"] == "CN" for a in e.get("addresses", []))
        and e["jurisdiction"]["code"] == "KY"
    ]  # fmt: skip
    assert hq_abroad, "an entity incorporated in the Cayman Islands and headquartered in CN"
    residences = {p["addresses"][0]["country"]["code"] for p in persons}
    assert "CN" in residences and len(residences) > 3
    assert any(p["addresses"][0]["country"]["code"] != "CN" and p["nationalities"][0]["code"] == "CN" for p in persons)
    shares = [i.get("share", {}) for i in interests]
    assert any("exclusiveMinimum" in s and "exclusiveMaximum" in s for s in shares)
    assert any(s.get("exclusiveMinimum") == 25 and s.get("maximum") == 50 for s in shares)
    assert any(s.get("minimum") == 40 and s.get("maximum") == 60 for s in shares)
    assert any(s.get("exact") == 49.9 for s in shares)
    assert any("share" not in i and i["type"] == "shareholding" for i in interests), "an unknown share"
    assert any(i["directOrIndirect"] == "indirect" for i in interests)
    assert any(i["type"] == "appointmentOfBoard" for i in interests)
    assert any(i["type"] == "votingRights" for i in interests)
    assert any(i.get("endDate", "9999") <= DATE.isoformat() for i in interests), "an interest that ended"
    assert any(i.get("startDate", "") > DATE.isoformat() for i in interests), "an interest not yet started"
    assert any(s.get("recordStatus") == "closed" for s in relationships)
    assert any(s.get("recordStatus") == "updated" for s in relationships)
    # A cross-holding: two entities each holding the other.
    pairs = {(s["recordDetails"]["interestedParty"], s["recordDetails"]["subject"]) for s in relationships}
    assert any((b, a) in pairs for a, b in pairs)
    schemes = {i["scheme"] for e in entities for i in e.get("identifiers", [])}
    assert {"CN-SAMR", "GB-COH", "DE-CR", "XI-LEI", "GB-VAT", "DE-VAT"} <= schemes


def test_the_fast_population_lines_equal_the_generic_statements() -> None:
    import datetime as dt

    from demo_world import bods
    from demo_world.identifiers import entity_identifiers
    from demo_world.records import Org, Person

    def dumps(statement: dict[str, object]) -> str:
        return json.dumps(statement, ensure_ascii=False, separators=(",", ":"))

    when = dt.date(2020, 5, 1)
    org = Org(
        key="e1",
        name='Müller "Präzision" GmbH & Co. KG',
        country="DE",
        jurisdiction="DE",
        identifiers=tuple(entity_identifiers("DE", 7, lei_serial=3)),
        alternate_names=("ミュラー",),
        founded=dt.date(1999, 1, 31),
    )
    assert bods.entity_line(org, "e1", when, 11) == dumps(bods.entity_statement(org, "e1", when, 11))
    person = Person("p1", "Zoë", "O'Brien", "IE", ("IE", "GB"), "1970-02")
    assert bods.person_line(person, "p1", "e1", when, 4) == dumps(bods.person_statement(person, "p1", "e1", when, 4))
    line = bods.relationship_line("r1", "e1", "p1", when, [{"type": "shareholding", "share": {"exact": 51.5}}])
    assert errors([json.loads(line)]) == []
