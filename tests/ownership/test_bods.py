"""read_bods on the standard's own examples and schema tests, and on the input shapes we must survive."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import zlib
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pipeline.datasets import ENTITIES, IDENTIFIERS, INTERESTS, QUARANTINE
from pipeline.ownership.bods import schema
from pipeline.ownership.bods import workers as bods_workers
from pipeline.ownership.bods.reader import read_bods

FIXTURES = Path(__file__).parent / "fixtures" / "bods"
EXAMPLES_04 = sorted((FIXTURES / "examples-0.4").glob("*.json"))
EXAMPLES_03 = sorted((FIXTURES / "examples-0.3").rglob("*.json"))
VALID = sorted((FIXTURES / "statement-tests-0.4" / "valid-statements").glob("*.json"))
INVALID = sorted((FIXTURES / "statement-tests-0.4" / "invalid-statements").glob("*.json"))


def _read(*docs: tuple[str, bytes], as_of: dt.date | None = None) -> Any:
    return read_bods([(uri, io.BytesIO(data)) for uri, data in docs], as_of=as_of)


def _stmt(record_id: str, record_type: str, details: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "statementId": extra.pop("statementId", f"{record_id}-statement-0000000000000000000000000"),
        "declarationSubject": record_id,
        "statementDate": extra.pop("statementDate", "2024-01-01"),
        "recordId": record_id,
        "recordType": record_type,
        "recordDetails": details,
        **extra,
    }


STATEMENT_KEYS = ("statementId", "statementDate", "recordStatus")


def _entity(record_id: str, name: str = "Co", **details: Any) -> dict[str, Any]:
    extra = {k: details.pop(k) for k in STATEMENT_KEYS if k in details}
    body = {"isComponent": False, "entityType": {"type": "registeredEntity"}, "name": name, **details}
    return _stmt(record_id, "entity", body, **extra)


def _rel(record_id: str, subject: str, party: str, *interests: dict[str, Any], **extra: Any) -> dict[str, Any]:
    details = {"isComponent": False, "subject": subject, "interestedParty": party, "interests": list(interests)}
    return _stmt(record_id, "relationship", details, **extra)


def _lines(*statements: dict[str, Any]) -> bytes:
    return b"\n".join(json.dumps(s).encode() for s in statements) + b"\n"


def test_schema_ships_inside_the_package() -> None:
    from importlib import resources

    folder = resources.files("pipeline.ownership.bods").joinpath("bods_schema", "0.4")
    names = {p.name for p in folder.iterdir()}
    assert {"statement.json", "entity-record.json", "person-record.json", "relationship-record.json"} <= names
    assert resources.files("pipeline.ownership.bods").joinpath("bods_schema", "SOURCE.md").is_file()


@pytest.mark.parametrize("path", EXAMPLES_04, ids=lambda p: p.name)
def test_every_04_example_loads_without_quarantine(path: Path) -> None:
    result = read_bods([(str(path), path.open("rb"))])
    assert result.quarantine.empty, result.quarantine["message"].tolist()
    assert len(result.entities) + len(result.interests) > 0
    assert list(result.entities.columns) == list(ENTITIES.columns)
    assert list(result.interests.columns) == list(INTERESTS.columns)
    assert list(result.identifiers.columns) == list(IDENTIFIERS.columns)


@pytest.mark.parametrize("path", EXAMPLES_03, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_every_03_example_loads_without_quarantine(path: Path) -> None:
    result = read_bods([(str(path), path.open("rb"))])
    assert result.quarantine.empty, result.quarantine["message"].tolist()
    assert result.stats["statements_read"] >= 1


def test_all_04_examples_together_resolve_their_references() -> None:
    result = read_bods([(str(p), p.open("rb")) for p in EXAMPLES_04])
    assert result.quarantine.empty
    assert not (result.findings["check"] == "unknown_reference").any(), result.findings["message"].tolist()


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_statements_pass_the_schema(path: Path) -> None:
    for statement in json.loads(path.read_text()):
        assert schema.schema_errors(statement) == []
    result = read_bods([(path.name, path.open("rb"))])
    assert result.quarantine.empty, result.quarantine["message"].tolist()


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_statements_are_quarantined_with_their_id_and_error(path: Path) -> None:
    statements = json.loads(path.read_text())
    result = read_bods([(path.name, path.open("rb"))])
    assert len(result.quarantine) >= 1
    assert list(result.quarantine.columns) == list(QUARANTINE.columns)
    bad = [s for s in statements if schema.schema_errors(s)]
    assert bad, "the standard says this file is invalid"
    messages = " ".join(result.quarantine["message"])
    for s in bad:
        sid = s.get("statementId") if isinstance(s, dict) else None
        if isinstance(sid, str):
            assert sid in messages
    assert (result.quarantine["rule"] == "bods_0.4_schema").all()
    assert path.name in messages


def test_json_lines_gzip_is_detected_by_magic_not_name() -> None:
    data = _lines(
        _entity("a1"), _entity("b1"), _rel("r1", "a1", "b1", {"type": "shareholding", "share": {"exact": 60}})
    )
    plain = _read(("ownership.json.gz", data))  # a misleading name: not gzip at all
    zipped = _read(("ownership.jsonl", gzip.compress(data)))
    assert plain.entities.equals(zipped.entities.assign(source_uri="ownership.json.gz"))
    assert len(zipped.interests) == 1
    assert zipped.interests["share_exact"].iloc[0] == pytest.approx(0.6)


def test_json_array_gzip_and_a_bare_pretty_object() -> None:
    array = json.dumps([_entity("a1"), _entity("b1")], indent=2).encode()
    single = json.dumps(_entity("c1"), indent=2).encode()
    result = _read(("a.bin", gzip.compress(array)), ("c.bin", single))
    assert sorted(result.entities["entity_id"]) == ["a1", "b1"]
    # 0.4 packages are arrays (the standard's own statements_not_array test); 0.3 single objects are read.
    assert result.quarantine["source_uri"].tolist() == ["c.bin"]
    assert "must be a JSON array" in result.quarantine["message"].iloc[0]


def test_broken_lines_are_quarantined_and_the_rest_is_read() -> None:
    data = _lines(_entity("a1")) + b"{not json\n" + b"42\n" + _lines(_entity("b1"))
    result = _read(("feed.jsonl", data))
    assert sorted(result.entities["entity_id"]) == ["a1", "b1"]
    rules = sorted(result.quarantine["rule"])
    assert rules == ["bods_0.4_schema", "json_syntax"]
    broken = result.quarantine[result.quarantine["rule"] == "json_syntax"].iloc[0]
    assert broken["source_line"] == "2" and "feed.jsonl line 2" in broken["message"]


def test_json_lines_with_a_broken_first_line_are_read_as_lines() -> None:
    data = b"{not json\r\n" + _lines(_entity("a1")) + b"\n" + _lines(_entity("b1"))
    result = _read(("feed.jsonl", data))
    assert sorted(result.entities["entity_id"]) == ["a1", "b1"]
    assert result.quarantine[["rule", "source_line", "message", "record"]].to_dict("records") == [
        {"rule": "json_syntax", "source_line": "1", "message": "feed.jsonl line 1: not valid JSON",
         "record": "{not json\r\n"}
    ]  # fmt: skip
    assert result.stats["statements_read"] == 3


def test_an_unparseable_array_is_quarantined_not_raised() -> None:
    result = _read(("bad.json", b'[{"a": 1}, '))
    assert result.entities.empty
    assert result.quarantine["rule"].tolist() == ["json_syntax"]
    assert "bad.json" in result.quarantine["message"].iloc[0]


def test_latest_statement_wins_and_closed_records_end() -> None:
    first = _entity("a1", name="Old name", statementDate="2020-01-01", statementId="s" * 32)
    later = _entity("a1", name="New name", statementDate="2022-01-01", statementId="t" * 32)
    rel_new = _rel("r1", "a1", "b1", {"type": "shareholding"}, statementDate="2020-01-01", statementId="u" * 32)
    rel_closed = _rel("r1", "a1", "b1", statementDate="2023-01-01", statementId="v" * 32, recordStatus="closed")
    data = _lines(later, first, _entity("b1", statementDate="2019-01-01"), rel_new, rel_closed)
    result = _read(("f.jsonl", data))
    assert result.entities.set_index("entity_id").loc["a1", "name"] == "New name"
    assert result.interests.empty
    assert result.stats["superseded"] == 2 and result.stats["closed"] == 1
    before = _read(("f.jsonl", data), as_of=dt.date(2021, 6, 1))
    assert before.entities.set_index("entity_id").loc["a1", "name"] == "Old name"
    assert len(before.interests) == 1 and before.stats["after_as_of"] == 2


def test_share_bounds_keep_their_openness() -> None:
    rel = _rel(
        "r1",
        "a1",
        "b1",
        {"type": "shareholding", "share": {"exclusiveMinimum": 50, "maximum": 75}},
        {"type": "votingRights", "share": {"minimum": 25, "exclusiveMaximum": 50}},
    )
    result = _read(("f.jsonl", _lines(_entity("a1"), _entity("b1"), rel)))
    rows = result.interests.set_index("interest_type")
    assert rows.loc["shareholding", "share_min"] == pytest.approx(0.5)
    assert bool(rows.loc["shareholding", "exclusive_min"]) and not bool(rows.loc["shareholding", "exclusive_max"])
    assert rows.loc["votingRights", "share_max"] == pytest.approx(0.5)
    assert bool(rows.loc["votingRights", "exclusive_max"]) and not bool(rows.loc["votingRights", "exclusive_min"])


def test_03_exclusive_booleans_and_replacements() -> None:
    e1 = {
        "statementID": "e1" * 16,
        "statementType": "entityStatement",
        "entityType": "registeredEntity",
        "name": "Old",
        "incorporatedInJurisdiction": {"name": "China", "code": "CN"},
        "statementDate": "2019-01-01",
    }
    e1b = {
        **e1,
        "statementID": "e2" * 16,
        "name": "New",
        "replacesStatements": ["e1" * 16],
        "statementDate": "2020-01-01",
    }
    p1 = {
        "statementID": "p1" * 16,
        "statementType": "personStatement",
        "personType": "knownPerson",
        "names": [{"fullName": "A Person"}],
        "addresses": [{"type": "residence", "country": "CN"}],
    }
    rel = {"statementID": "o1" * 16, "statementType": "ownershipOrControlStatement",
           "subject": {"describedByEntityStatement": "e1" * 16},
           "interestedParty": {"describedByPersonStatement": "p1" * 16},
           "interests": [{"type": "shareholding", "share": {"minimum": 50, "maximum": 75, "exclusiveMinimum": True,
                                                             "exclusiveMaximum": False}}]}  # fmt: skip
    result = _read(("old.json", json.dumps([e1, p1, rel, e1b]).encode()))
    assert result.quarantine.empty
    ents = result.entities.set_index("entity_id")
    assert ents.loc["e1" * 16, "name"] == "New"  # the record keeps its first id; the replacement wins
    assert ents.loc["e1" * 16, "jurisdiction"] == "CN"
    assert ents.loc["p1" * 16, "residences"] == '["CN"]'
    row = result.interests.iloc[0]
    assert row["subject_id"] == "e1" * 16 and row["interested_party_id"] == "p1" * 16
    assert bool(row["exclusive_min"]) and not bool(row["exclusive_max"])
    assert result.findings.empty


def test_03_statement_without_its_structure_is_quarantined() -> None:
    rel = {"statementID": "o1" * 16, "statementType": "ownershipOrControlStatement", "interests": []}
    result = _read(("old.json", json.dumps([rel]).encode()))
    assert result.quarantine["rule"].tolist() == ["bods_0.3_structure"]
    assert "o1" * 16 in result.quarantine["message"].iloc[0]


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("name", 123, "name"),
        ("entityType", ["registeredEntity"], "entityType"),
        ("incorporatedInJurisdiction", {"name": 7}, "incorporatedInJurisdiction/name"),
        ("identifiers", [{"scheme": "GB-COH", "id": 1234}], "identifiers/0/id"),
        ("addresses", [{"type": "registered", "country": {"code": "CN"}}], "addresses/0/country"),
    ],
)
def test_03_field_of_the_wrong_type_is_quarantined_not_raised(field: str, value: object, path: str) -> None:
    good = {"statementID": "g1" * 16, "statementType": "entityStatement", "entityType": "registeredEntity",
            "name": "Fine Ltd", "statementDate": "2020-01-01"}  # fmt: skip
    bad = {**good, "statementID": "b1" * 16, field: value}
    result = _read(("old.json", json.dumps([good, bad]).encode()))
    assert result.entities["entity_id"].tolist() == ["g1" * 16]
    assert result.quarantine["rule"].tolist() == ["bods_0.3_structure"]
    message = result.quarantine["message"].iloc[0]
    assert "b1" * 16 in message and f"{path}:" in message


def test_03_interest_of_the_wrong_type_is_quarantined_not_raised() -> None:
    rel = {"statementID": "o1" * 16, "statementType": "ownershipOrControlStatement",
           "subject": {"describedByEntityStatement": "e1" * 16}, "interestedParty": {"unspecified": "unknown"},
           "interests": [{"type": "shareholding", "startDate": 2019,
                          "share": {"exclusiveMinimum": "yes"}}]}  # fmt: skip
    result = _read(("old.json", json.dumps([rel]).encode()))
    message = result.quarantine["message"].iloc[0]
    assert "interests/0/startDate:" in message and "interests/0/share/exclusiveMinimum:" in message


def test_unknown_references_are_reported() -> None:
    rel = _rel("r1", "a1", "ghost", {"type": "shareholding", "share": {"exact": 60}})
    result = _read(("f.jsonl", _lines(_entity("a1"), rel)))
    assert result.findings["check"].tolist() == ["unknown_reference"]
    assert "ghost" in result.findings["message"].iloc[0]
    assert len(result.interests) == 1  # kept: the reference is reported, the interest is not hidden


def test_country_codes_and_names() -> None:
    ent = _entity(
        "a1",
        jurisdiction={"name": "Guangdong", "code": "CN-GD"},
        addresses=[
            {"type": "business", "country": {"name": "China"}},
            {"type": "registered", "country": {"name": "Hong Kong", "code": "HK"}},
        ],
    )
    row = _read(("f.jsonl", _lines(ent))).entities.iloc[0]
    assert (row["jurisdiction"], row["business_country"], row["registered_country"]) == ("CN-GD", "CN", "HK")


# --- repeated statement ids and unknown codes ----------------------------------------------------------


def _duplicates(result: Any) -> Any:
    return result.findings[result.findings["check"].isin(["duplicate_statement_id", "conflicting_statement_id"])]


def test_a_statement_read_twice_unchanged_is_only_counted() -> None:
    ent = _entity("a1")
    result = _read(("f.jsonl", _lines(ent)), ("g.jsonl", _lines(ent)))
    assert result.findings.empty and result.stats["duplicate_statement_ids"] == 1
    assert result.entities["entity_id"].tolist() == ["a1"]


def test_different_statement_ids_with_the_same_crc32_are_not_repeats() -> None:
    # The reader looks for repeated ids among their crc32s first; a collision must not make a repeat.
    # "plumless" and "buckeroo" share a crc32, and so do they with the same suffix.
    suffix = "-" + "0" * 28
    first, second = _entity("a1", statementId="plumless" + suffix), _entity("b1", statementId="buckeroo" + suffix)
    result = _read(("f.jsonl", _lines(first, second)))
    assert zlib.crc32(first["statementId"].encode()) == zlib.crc32(second["statementId"].encode())
    assert result.findings.empty and result.stats["duplicate_statement_ids"] == 0
    again = _read(("f.jsonl", _lines(first, second, second)))
    assert again.stats["duplicate_statement_ids"] == 1


def test_a_repeated_statement_id_differing_in_what_decides_is_an_error() -> None:
    sid = {"statementId": "s" * 32}
    rel = _rel("r1", "a1", "b1", {"type": "shareholding", "share": {"exact": 60}}, **sid)
    edited = _rel("r1", "a1", "b1", {"type": "shareholding", "share": {"exact": 40}}, **sid)
    result = _read(("f.jsonl", _lines(_entity("a1"), _entity("b1"), rel)), ("g.jsonl", _lines(edited)))
    [found] = _duplicates(result).to_dict("records")
    assert (found["check"], found["severity"], found["entity_id"]) == ("conflicting_statement_id", "error", "r1")
    assert "s" * 32 in found["message"] and "f.jsonl #3" in found["message"] and "g.jsonl #1" in found["message"]
    assert "differ in interests" in found["message"]
    # A different record under one statement id (the standard's own examples do it) is an error too.
    examples = [FIXTURES / "examples-0.4" / name for name in ("bods-package.json", "joint-ownership.json")]
    both = read_bods([(str(p), p.open("rb")) for p in examples])
    assert _duplicates(both)["severity"].tolist() == ["error"]
    assert "recordId" in _duplicates(both)["message"].iloc[0]


def test_a_repeated_statement_id_differing_elsewhere_is_a_warning() -> None:
    ent = _entity("a1", statementId="s" * 32)
    annotated = {**ent, "source": {"type": ["officialRegister"], "description": "re-published"}}
    result = _read(("f.jsonl", _lines(ent, annotated)))
    [found] = _duplicates(result).to_dict("records")
    assert (found["check"], found["severity"]) == ("duplicate_statement_id", "warn")
    assert "does not use" in found["message"]


def test_unknown_jurisdiction_codes_are_reported() -> None:
    odd = _entity("a1", jurisdiction={"name": "Nowhere", "code": "XX"})
    fine = _entity("b1", jurisdiction={"name": "Guangdong", "code": "CN-GD"})
    bad_sub = _entity("c1", jurisdiction={"name": "?", "code": "CN-ZZ"},
                      addresses=[{"type": "business", "country": {"name": "?", "code": "QQ"}}])  # fmt: skip
    kosovo = [{"name": "Kosovo", "code": "XK"}]  # user-assigned, not ISO
    person = _stmt("p1", "person", {"isComponent": False, "personType": "knownPerson",
                                    "names": [{"fullName": "P"}], "nationalities": kosovo})  # fmt: skip
    result = _read(("f.jsonl", _lines(odd, fine, bad_sub, person)))
    found = result.findings[result.findings["check"] == "unknown_jurisdiction_code"]
    assert set(found["severity"]) == {"warn"}
    assert sorted(zip(found["entity_id"], found["message"].str.extract(r"(\w+) code")[0], strict=True)) == [
        ("a1", "jurisdiction"),
        ("c1", "business_country"),
        ("c1", "jurisdiction"),
        ("p1", "nationalities"),
    ]
    assert "XX" in " ".join(found["message"]) and "CN-ZZ" in " ".join(found["message"])


# --- worker processes ------------------------------------------------------------------------------------


def _mixed_feed(copies: int) -> bytes:
    """JSON Lines with every kind of statement: valid 0.4 entities, persons and relationships, schema
    failures, broken lines, 0.3 statements with a replacement, closed and superseded records, a repeated
    statementId with different content, a non-ASCII name and an identifier."""
    out = []
    for k in range(copies):
        a, b, p = f"a{k}", f"b{k}", f"p{k}"
        residence = [{"type": "residence", "country": {"name": "x", "code": "CN"}}]
        names = [{"fullName": f"Zoë {k}"}]
        details = {"isComponent": False, "personType": "knownPerson", "names": names, "addresses": residence}
        person = _stmt(p, "person", details)
        e03 = {"statementID": f"e{k:031d}", "statementType": "entityStatement", "entityType": "registeredEntity",
               "name": f"Old {k}", "incorporatedInJurisdiction": {"name": "China", "code": "CN"},
               "statementDate": "2019-01-01"}  # fmt: skip
        e03b = {**e03, "statementID": f"f{k:031d}", "name": f"New {k}", "replacesStatements": [e03["statementID"]],
                "statementDate": "2020-01-01"}  # fmt: skip
        ident = [{"scheme": "GB-COH", "id": f"{k:08d}"}]
        voting = {"type": "votingRights", "share": {"minimum": 25, "exclusiveMaximum": 50}}
        lines = [
            _entity(a, f"Alpha {k}", jurisdiction={"name": "x", "code": "GB"}, identifiers=ident),
            _entity(b, f"Beta {k}", statementDate="2023-01-01", statementId=f"b-old-{k:026d}"),
            _entity(b, f"Beta {k} renamed", statementDate="2024-02-01", statementId=f"b-new-{k:026d}"),
            person,
            _rel(f"r{k}", a, b, {"type": "shareholding", "share": {"exact": 60}}),
            _rel(f"q{k}", b, p, voting, {"type": "appointmentOfBoard"}),
            _rel(f"c{k}", a, p, recordStatus="closed", statementId=f"closed-{k:025d}"),
            _entity(f"x{k}", jurisdiction="not an object"),  # fails the schema
            e03,
            e03b,
        ]
        out.append(b"".join(json.dumps(s, ensure_ascii=False).encode() + b"\n" for s in lines))
        out.append(b'{"broken": \n\n')
        if k % 7 == 0:  # the same statementId again, saying something else
            out.append(json.dumps(_entity(a, "Alpha changed")).encode() + b"\n")
    return b"".join(out)


def _assert_same(left: Any, right: Any) -> None:
    for name in ("entities", "identifiers", "interests", "quarantine", "findings"):
        pd_left, pd_right = getattr(left, name), getattr(right, name)
        assert list(pd_left.dtypes) == list(pd_right.dtypes), name
        pd.testing.assert_frame_equal(pd_left, pd_right, check_exact=True)
    assert left.stats == right.stats


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_workers_and_in_process_read_the_same(compress: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _mixed_feed(40)
    data = gzip.compress(data) if compress else data
    submitted = []
    real_submit = bods_workers.Workers.submit

    def counting(self: bods_workers.Workers, chunk: bytes, uri: str, first_line: int) -> Any:
        submitted.append(first_line)
        return real_submit(self, chunk, uri, first_line)

    monkeypatch.setattr(bods_workers.Workers, "submit", counting)
    docs = [("feed.jsonl", data), ("other.jsonl", _lines(_entity("a1", "Alpha again")))]
    workers = read_bods(
        [(uri, io.BytesIO(d)) for uri, d in docs], as_of=dt.date(2024, 1, 1), workers=2, chunk_bytes=2000
    )
    assert len(submitted) > 3, "the feed must be cut into chunks that workers read"
    submitted.clear()
    here = read_bods([(uri, io.BytesIO(d)) for uri, d in docs], as_of=dt.date(2024, 1, 1), workers=0, chunk_bytes=2000)
    whole = read_bods([(uri, io.BytesIO(d)) for uri, d in docs], as_of=dt.date(2024, 1, 1))
    assert not submitted
    _assert_same(workers, here)
    _assert_same(workers, whole)
    stats = workers.stats
    assert stats["quarantined"] == 80 and stats["superseded"] >= 40 and stats["closed"] >= 1
    assert stats["after_as_of"] >= 40 and stats["duplicate_statement_ids"] >= 6
    assert set(workers.quarantine["rule"]) == {"json_syntax", "bods_0.4_schema"}


def test_small_inputs_start_no_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: bods_workers.Workers) -> None:
        raise AssertionError("a small input started workers")

    monkeypatch.setattr(bods_workers.Workers, "_start", refuse)
    result = _read(("feed.jsonl", _mixed_feed(20)))
    assert len(result.entities) > 0


def test_a_worker_that_dies_raises_and_the_others_are_ended() -> None:
    pool = bods_workers.Workers(2)
    with pytest.raises(bods_workers.WorkerError), pool:
        pool.submit(_lines(_entity("a1")), "feed.jsonl", 1).result()
        procs = list(pool._procs)
        procs[0].kill()
        procs[0].wait()
        for _ in range(4):
            pool.submit(_lines(_entity("a1")), "feed.jsonl", 1).result()
    assert all(p.poll() is not None for p in procs)


def test_workers_ship_the_columns_the_datasets_have() -> None:
    from pipeline.ownership.bods import statements as bods_statements
    from pipeline.ownership.findings import Severity

    assert bods_statements.SEVERITY_ERROR == Severity.ERROR
    assert QUARANTINE.columns == bods_statements.QUARANTINE_COLUMNS
    assert set(bods_statements.ENTITY_COLUMNS[1:]) <= set(ENTITIES.columns)
    assert set(bods_statements.IDENTIFIER_COLUMNS[1:]) <= set(IDENTIFIERS.columns)
    assert set(bods_statements.INTEREST_COLUMNS[1:]) <= set(INTERESTS.columns)


@given(st.lists(st.one_of(st.none(), st.text(alphabet=st.sampled_from("aZ\x00é字 ")), st.just("\x00")), max_size=12))
@example([])
@example([""])
@example(["ab", None, "字"])
def test_text_columns_come_back_as_they_were_sent(values: list[str | None]) -> None:
    # ASCII lengths are counted in characters, the others in encoded bytes; both must decode alike.
    from pipeline.ownership.bods.reader import text_array
    from pipeline.ownership.bods.statements import _buffers

    validity, lengths, data = _buffers("s", values)
    assert text_array(len(values), validity, lengths, data).to_pylist() == values


def test_alternate_names_are_read_in_04_and_03() -> None:
    e04 = _entity("e04", "Shenzhen Yunfan Intelligent Technology Co., Ltd.",
                  alternateNames=["深圳市云帆智能科技有限公司", "", "Shenzhen Yunfan Intelligent Technology Co., Ltd.",
                                  "Yunfan"])  # fmt: skip
    e03 = {
        "statementID": "e3" * 16,
        "statementType": "entityStatement",
        "entityType": "registeredEntity",
        "name": "Nordwerk GmbH",
        "alternateNames": ["Nordwerk Antriebstechnik"],
        "statementDate": "2020-01-01",
    }
    plain = _entity("plain", "Plain Co")
    ents = _read(("a.jsonl", _lines(e04, plain)), ("b.json", json.dumps([e03]).encode())).entities
    names = ents.set_index("entity_id")["alternate_names"]
    # Distinct, non-empty, the legal name left out.
    assert json.loads(names["e04"]) == ["深圳市云帆智能科技有限公司", "Yunfan"]
    assert json.loads(names["e3" * 16]) == ["Nordwerk Antriebstechnik"]
    assert names["plain"] == "[]"
