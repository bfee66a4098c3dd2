"""`recon screen` end to end on files: the CSV it writes, and its refusal of invalid input."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from pipeline.cli import app

FIXTURES = Path(__file__).parents[1] / "ownership" / "fixtures" / "bods"
POLICY = 'id: unsupported-regions\nversion: "2025-09-05"\nrestricted_jurisdictions: [CN]\n'
REQUIRED = ["entity_id", "name", "decision", "rho_low", "rho_high", "ultimate_parent_id", "chain", "rules",
            "explanation"]  # fmt: skip


def _statement(record_id: str, record_type: str, details: dict[str, object]) -> dict[str, object]:
    return {
        "statementId": f"{record_id}-{'0' * 32}",
        "declarationSubject": record_id,
        "statementDate": "2024-01-01",
        "recordId": record_id,
        "recordType": record_type,
        "recordDetails": details,
    }


def _world(tmp_path: Path) -> tuple[Path, Path, Path]:
    cn = _statement("cn-parent", "entity", {"isComponent": False, "entityType": {"type": "registeredEntity"},
                    "name": "=HYPERLINK(1)", "jurisdiction": {"name": "Guangdong", "code": "CN-GD"}})  # fmt: skip
    sub = _statement("uk-sub", "entity", {"isComponent": False, "entityType": {"type": "registeredEntity"},
                     "name": "UK Sub Ltd", "jurisdiction": {"name": "United Kingdom", "code": "GB"}})  # fmt: skip
    band = {"type": "shareholding", "share": {"exclusiveMinimum": 50, "maximum": 75}}
    rel = _statement(
        "rel-1",
        "relationship",
        {"isComponent": False, "subject": "uk-sub", "interestedParty": "cn-parent", "interests": [band]},
    )
    a = tmp_path / "a.jsonl.gz"
    a.write_bytes(gzip.compress((json.dumps(cn) + "\n" + json.dumps(sub) + "\n").encode()))
    b = tmp_path / "b.json"
    b.write_text(json.dumps([rel]))
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY)
    return a, b, policy


def test_screen_writes_one_row_per_record(tmp_path: Path) -> None:
    a, b, policy = _world(tmp_path)
    out, findings = tmp_path / "out.csv", tmp_path / "findings.csv"
    args = ["screen", "--ownership", str(a), str(b), "--policy", str(policy), "--as-of", "2025-01-31",
            "--out", str(out), "--findings", str(findings)]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert set(REQUIRED) <= set(frame.columns)
    rows = frame.set_index("entity_id")
    assert rows.loc["uk-sub", "decision"] == "restricted"
    assert rows.loc["uk-sub", "ultimate_parent_id"] == "cn-parent"
    assert json.loads(rows.loc["uk-sub", "chain"]) == ["uk-sub", "cn-parent"]
    assert rows.loc["uk-sub", "explanation"].startswith("restricted: more than 50% held by restricted parties")
    assert rows.loc["cn-parent", "name"] == "'=HYPERLINK(1)"  # neutralised for spreadsheets
    assert findings.exists()


def test_screen_refuses_invalid_input_naming_file_and_statement(tmp_path: Path) -> None:
    _, _, policy = _world(tmp_path)
    bad = FIXTURES / "statement-tests-0.4" / "invalid-statements" / "entity_statementDate_format.json"
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(
        app, ["screen", "--ownership", str(bad), "--policy", str(policy), "--as-of", "2025-01-31", "--out", str(out)]
    )
    assert result.exit_code == 1
    assert "entity_statementDate_format.json" in result.output
    assert "2f7bf9370f1254068e5e946df067d07d" in result.output
    assert not out.exists()


def test_screen_reports_a_bad_policy_and_a_missing_file(tmp_path: Path) -> None:
    a, _, policy = _world(tmp_path)
    policy.write_text(POLICY + "ownership: {method: guess}\n")
    out = str(tmp_path / "out.csv")
    bad_policy = CliRunner().invoke(
        app, ["screen", "--ownership", str(a), "--policy", str(policy), "--as-of", "2025-01-31", "--out", out]
    )
    assert bad_policy.exit_code == 1 and "ownership.method" in bad_policy.output
    policy.write_text(POLICY)
    missing = CliRunner().invoke(
        app,
        [
            "screen",
            "--ownership",
            str(tmp_path / "nope.json"),
            "--policy",
            str(policy),
            "--as-of",
            "2025-01-31",
            "--out",
            out,
        ],
    )
    assert missing.exit_code == 1 and "nope.json" in missing.output


def test_screen_reports_stakes_over_100_percent_with_its_findings(tmp_path: Path) -> None:
    a, b, policy = _world(tmp_path)
    rels = json.loads(b.read_text())
    extra = json.loads(json.dumps(rels[0]).replace("rel-1", "rel-2"))
    extra["recordDetails"]["interestedParty"] = "another-holder"
    extra["recordDetails"]["interests"] = [{"type": "shareholding", "share": {"exact": 60}}]
    b.write_text(json.dumps([*rels, extra]))
    out, findings = tmp_path / "out.csv", tmp_path / "findings.csv"
    args = ["screen", "--ownership", str(a), str(b), "--policy", str(policy), "--as-of", "2025-01-31",
            "--out", str(out), "--findings", str(findings)]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    found = pd.read_csv(findings, dtype=str).set_index("check")
    assert found.loc["stakes_over_100_percent", "entity_id"] == "uk-sub"
    assert "more than 110%" in found.loc["stakes_over_100_percent", "message"]


def test_csv_cells_follow_the_published_lists_rule() -> None:
    from pipeline.lists_vocabulary import neutralise
    from pipeline.run.screen import to_csv

    cells = ["-1", "@SUM(A1)", "two\nlines", '["a", "b"]', "plain"]
    frame = pd.DataFrame({"text": pd.array(cells, dtype="str"), "n": range(5)})
    text = to_csv(frame)
    assert text.count("\n") == 6  # header + 5 records: one line each
    assert pd.read_csv(io.StringIO(text), dtype=str)["text"].tolist() == [neutralise(c) for c in cells]
    assert json.loads(pd.read_csv(io.StringIO(text), dtype=str)["text"].iloc[3]) == ["a", "b"]


def test_screen_reads_gleif_and_ftm_sources_by_prefix(tmp_path: Path) -> None:
    fixtures = Path(__file__).parents[1] / "ownership" / "fixtures"
    _, _, policy = _world(tmp_path)
    # The fixtures' deliberately broken rows would stop the screen: keep the good ones.
    broken = ("NOT-AN-LEI", '"XYZ"', "Spaceship", '"broken"', "own-no-asset")
    clean = {}
    for name, path in (("lei.csv", fixtures / "gleif" / "lei2-golden-copy.csv"),
                       ("rr.csv", fixtures / "gleif" / "rr-golden-copy.csv"),
                       ("entities.ftm.json", fixtures / "ftm" / "entities.ftm.json")):  # fmt: skip
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        clean[name] = tmp_path / name
        clean[name].write_text("".join(line for line in lines if not any(b in line for b in broken)), encoding="utf-8")
    out = tmp_path / "out.csv"
    sources = [f"gleif_lei:{clean['lei.csv']}", f"gleif_rr:{clean['rr.csv']}", f"ftm:{clean['entities.ftm.json']}"]
    args = ["screen", "--ownership", *sources, "--policy", str(policy), "--as-of", "2025-06-30", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("entity_id")
    assert "NK-cnparent" not in rows.index  # the FtM record carries the GLEIF parent's LEI: one entity
    assert rows.loc["5299001CNPARENTHOL14", "decision"] == "restricted"
    assert rows.loc["5299001CNPARENTHOL14", "root_basis"] == "incorporation:CN;headquarters:CN"
    assert rows.loc["5493001USDECNHQ00075", "root_basis"] == "headquarters:CN"
    assert rows.loc["300300CNGOVT00000130", "decision"] == "restricted"
    unknown = CliRunner().invoke(
        app, ["screen", "--ownership", f"gleif:{clean['lei.csv']}", "--policy", str(policy), "--as-of", "2025-06-30",
              "--out", str(out)],
    )  # fmt: skip
    assert unknown.exit_code == 1 and "unknown source format 'gleif'" in unknown.output
