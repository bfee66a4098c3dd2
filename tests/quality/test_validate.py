"""validate_frame: GE suites built from a contract, quarantine of failing rows, the report and its error."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pytest

from pipeline.datasets import QUARANTINE, TENANTS, conform
from pipeline.quality import Outcome, QualityError, ValidationReport, validate_frame
from pipeline.quality.contracts import Scope, Severity, parse_contract
from pipeline.quality.results import CheckResult


def _tenants(rows: list[dict[str, object]]) -> pd.DataFrame:
    base = dict.fromkeys(TENANTS.columns)
    frame = pd.DataFrame([{**base, **r} for r in rows], columns=list(TENANTS.columns))
    for c in TENANTS.columns:
        frame[c] = frame[c].astype("int64" if c == "source_line" else "str")
    return conform(frame, TENANTS)


def _tenant(i: int, **over: object) -> dict[str, object]:
    row: dict[str, object] = {
        "partner": "aws",
        "tenant_id": f"{i:012d}",
        "account_ref": f"acc-{i}",
        "company_name": f"Company {i}",
        "country": "US",
        "status": "ACTIVE",
        "source_uri": "file:///feeds/AccountFeed_V1/year=2026/month=11/data.csv",
        "source_line": i + 1,
    }
    row.update(over)
    return row


def test_clean_frame_passes_every_rule() -> None:
    frame = _tenants([_tenant(i) for i in range(1, 6)])
    v = validate_frame(frame, "canonical_tenants", dataset="tenants")
    assert v.passed
    assert v.quarantine.empty
    pd.testing.assert_frame_equal(v.valid, frame)
    checks = {r.check for r in v.results}
    assert {"schema.columns", "tenant_id.required", "key.unique", "quarantine.share"} <= checks
    assert all(r.passed for r in v.results)


def test_error_rows_are_quarantined_with_rule_file_and_line() -> None:
    frame = _tenants([_tenant(i) for i in range(1, 20)] + [_tenant(20, country="China"), _tenant(21, tenant_id=None)])
    v = validate_frame(frame, "canonical_tenants", dataset="tenants", max_quarantine_share=0.5)
    assert v.passed
    assert len(v.valid) == 19
    assert tuple(v.quarantine.columns) == QUARANTINE.columns
    bad = v.quarantine.set_index("rule")
    assert set(bad.index) == {"country.pattern", "tenant_id.required"}
    row = bad.loc["country.pattern"]
    assert (row["dataset"], row["severity"], row["source_line"]) == ("tenants", "error", 21)
    assert row["source_uri"].endswith("data.csv")
    assert json.loads(row["record"])["country"] == "China"
    assert "China" in row["message"]
    (result,) = [r for r in v.results if r.check == "country.pattern"]
    assert (result.outcome, result.failed, result.checked) == (Outcome.QUARANTINED, 1, 21)
    assert result.samples[0]["country"] == "China"
    assert v.counts.quarantined == 2


def test_warn_rows_are_kept_and_reported() -> None:
    frame = _tenants([_tenant(1, company_name=None), _tenant(2)])
    v = validate_frame(frame, "canonical_tenants", dataset="tenants")
    assert len(v.valid) == 2 and v.quarantine.empty
    (warn,) = [r for r in v.results if r.check == "company_name.present"]
    assert warn.outcome is Outcome.WARNED and warn.failed == 1


def test_duplicate_keys_quarantine_every_copy() -> None:
    frame = _tenants([_tenant(1), _tenant(1, company_name="Other name"), *[_tenant(i) for i in range(2, 40)]])
    v = validate_frame(frame, "canonical_tenants", dataset="tenants")
    assert sorted(v.quarantine["source_line"]) == [2, 2]
    assert v.passed  # 2 of 40 is within the default 5%


def test_too_many_quarantined_rows_stop_the_run() -> None:
    frame = _tenants([_tenant(i) for i in range(1, 10)] + [_tenant(10, country="cn")])
    v = validate_frame(frame, "canonical_tenants", dataset="tenants", max_quarantine_share=0.05)
    assert not v.passed
    (share,) = [r for r in v.results if r.check == "quarantine.share"]
    assert share.stops_run and "1 of 10" in share.message
    report = ValidationReport("test")
    report.extend(v.results)
    with pytest.raises(QualityError) as caught:
        report.raise_for_errors()
    assert "tenants: quarantine.share [error]" in str(caught.value)


def test_missing_columns_stop_the_run() -> None:
    frame = _tenants([_tenant(1)]).drop(columns=["country"])
    v = validate_frame(frame, "canonical_tenants", dataset="tenants")
    (columns,) = [r for r in v.results if r.check == "schema.columns"]
    assert columns.stops_run and "country" in columns.message


def test_dataset_rules_and_text_numbers() -> None:
    contract = parse_contract(
        """
apiVersion: v3.2.0
kind: DataContract
id: urn:t
name: shares
version: 1.0.0
schema:
  - name: shares
    quality:
      - {name: enough_rows, metric: rowCount, mustBeGreaterOrEqualTo: 3, severity: error}
    properties:
      - name: share
        logicalType: number
        logicalTypeOptions: {minimum: 0, maximum: 1}
      - name: note
        logicalType: string
        quality:
          - {name: mostly_filled, metric: nullValues, mustBeLessOrEqualTo: 25, unit: percent, severity: warn}
""",
        "inline",
    )
    frame = pd.DataFrame({"share": pd.Series(["0.5", "1.5", "x"], dtype="str"), "note": ["a", None, None]})
    v = validate_frame(frame, contract, max_quarantine_share=1.0)
    by = {r.check: r for r in v.results}
    assert by["share.number"].failed == 1 and by["share.range"].failed == 1
    assert list(v.valid["share"]) == ["0.5"]
    assert by["enough_rows"].passed
    tolerant = by["note.mostly_filled"]
    assert (tolerant.scope, tolerant.outcome, tolerant.failed) == (Scope.DATASET, Outcome.WARNED, 2)
    assert len(v.valid) == 1  # a tolerance rule judges the dataset and quarantines nothing

    too_few = validate_frame(frame.iloc[:2], contract, max_quarantine_share=1.0)
    assert next(r for r in too_few.results if r.check == "enough_rows").stops_run


def test_float_columns_are_checked_as_numbers() -> None:
    contract = parse_contract(
        "apiVersion: v3.2.0\nkind: DataContract\nid: x\nname: f\nversion: '1'\nschema:\n  - name: f\n"
        "    properties:\n      - {name: rho, logicalType: number, logicalTypeOptions: {minimum: 0, maximum: 1}}\n",
        "inline",
    )
    v = validate_frame(pd.DataFrame({"rho": [0.0, 0.5, 1.2, float("nan")]}), contract, max_quarantine_share=1.0)
    assert list(v.quarantine["rule"]) == ["rho.range"]
    assert len(v.valid) == 3


NESTED_CONTRACT = """
apiVersion: v3.2.0
kind: DataContract
id: urn:t
name: held
version: 1.0.0
schema:
  - name: held
    properties:
      - {name: id, logicalType: string, required: true}
      - name: chain
        logicalType: array
        required: true
        items: {name: id, logicalType: string, required: true}
      - name: stake
        logicalType: object
        properties:
          - {name: low, logicalType: number}
          - {name: open, logicalType: boolean, required: true}
"""
STAKE = pa.struct([pa.field("low", pa.float64()), pa.field("open", pa.bool_(), nullable=False)])


def _held(chain: pa.Array, stake: pa.Array) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": pd.Series(["a", "b"], dtype="str"),
            "chain": pd.arrays.ArrowExtensionArray(pa.chunked_array([chain])),
            "stake": pd.arrays.ArrowExtensionArray(pa.chunked_array([stake])),
        }
    )


def test_nested_columns_have_their_declared_shape() -> None:
    contract = parse_contract(NESTED_CONTRACT, "inline")
    assert [r.id for r in contract.rules if r.column in ("chain", "stake")] == [
        "chain.type", "chain.required", "stake.type",
    ]  # fmt: skip
    assert contract.column("stake").shape == STAKE
    chain = pa.array([["a", "p"], None], pa.large_list(pa.large_string()))
    stake = pa.array([{"low": 0.6, "open": False}, {"low": None, "open": True}], STAKE)
    v = validate_frame(_held(chain, stake), contract, max_quarantine_share=1.0)
    by = {r.check: r for r in v.results}
    assert by["chain.type"].passed and by["stake.type"].passed
    # A required nested value that is missing is quarantined like any required value.
    assert not by["chain.required"].passed and list(v.quarantine["rule"]) == ["chain.required"]
    assert list(v.valid["id"]) == ["a"]


@pytest.mark.parametrize(
    ("column", "values", "where"),
    [
        # The old form: JSON text where a list is declared.
        ("chain", pa.array(['["a"]', '["b"]'], pa.large_string()), "chain: a list expected"),
        # A list of numbers where ids (strings) are declared.
        ("chain", pa.array([[1], [2]], pa.large_list(pa.int64())), "chain[]: large_string expected, int64 found"),
        # A stake whose bound is text, and one that lacks a field.
        (
            "stake",
            pa.array([{"low": "60%", "open": False}] * 2, pa.struct([("low", pa.string()), ("open", pa.bool_())])),
            "stake.low: double expected, string found",
        ),
        ("stake", pa.array([{"low": 0.6}] * 2, pa.struct([("low", pa.float64())])), "stake: fields ['low', 'open']"),
    ],
)
def test_a_nested_column_of_another_shape_stops_the_run(column: str, values: pa.Array, where: str) -> None:
    contract = parse_contract(NESTED_CONTRACT, "inline")
    right = {"chain": pa.array([["a"], ["b"]], pa.large_list(pa.large_string())),
             "stake": pa.array([{"low": 0.6, "open": False}] * 2, STAKE)}  # fmt: skip
    frame = _held(**(right | {column: values}))
    v = validate_frame(frame, contract, max_quarantine_share=1.0)
    (failed,) = [r for r in v.results if not r.passed]
    assert failed.check == f"{column}.type" and failed.stops_run
    assert where in failed.message


def test_nested_values_given_as_python_objects_are_judged_by_conversion() -> None:
    contract = parse_contract(NESTED_CONTRACT, "inline")
    good = pd.DataFrame({"id": ["a"], "chain": [["a", "p"]], "stake": [{"low": 0.5, "open": True}]})
    assert validate_frame(good, contract).passed
    bad = pd.DataFrame({"id": ["a"], "chain": [["a", "p"]], "stake": [{"low": "half", "open": True}]})
    (failed,) = [r for r in validate_frame(bad, contract).results if not r.passed]
    assert failed.check == "stake.type"


def test_empty_frame_is_judged_without_ge() -> None:
    v = validate_frame(_tenants([]), "canonical_tenants", dataset="tenants")
    assert v.passed and v.rows == 0


def test_report_json_round_trip_and_error_message() -> None:
    report = ValidationReport("extract partner=aws")
    report.add(
        CheckResult(
            "tenants",
            "export_present",
            Severity.ERROR,
            Scope.CROSS,
            False,
            "aws: no tenants",
            checked=1,
            failed=1,
            samples=({"partner": "aws"},),
        )
    )
    report.add(CheckResult("billing", "billed_accounts_known", Severity.WARN, Scope.CROSS, False, "2 unknown"))
    doc = report.to_json()
    json.dumps(doc)  # serialisable as is
    assert doc["passed"] is False
    assert doc["summary"]["failed"] == 1 and doc["summary"]["warned"] == 1
    again = ValidationReport.from_json(doc)
    assert again.results == report.results and again.to_json() == doc
    with pytest.raises(QualityError) as caught:
        again.raise_for_errors()
    text = str(caught.value)
    assert "tenants: export_present [error] aws: no tenants" in text and '{"partner":"aws"}' in text
    assert caught.value.failures == report.errors


# Texts at the edges of what `%Y-%m-%d` means to datetime.strptime (GE's strftime-format check).
DATE_EDGES = [
    "2026-11-20",
    "2026-1-5",  # strptime takes single-digit months and days
    "2026-02-30",
    "2024-02-29",
    "2026-02-29",
    " 2026-01-05",
    "2026-01-05 ",
    "2026-01- 5",
    "20260105",
    "2026-11-20T00:00:00Z",
    "\u0662\u0660\u0662\u0666-\u0660\u0661-\u0660\u0665",  # Arabic-Indic digits: strptime's \d takes them
    "",
    None,
    "2026-13-01",
    "0001-01-01",
]


def test_date_format_accepts_exactly_what_the_strftime_check_of_great_expectations_accepts() -> None:
    from pipeline.quality.contracts import Rule
    from pipeline.quality.expectations import run_rules

    contract = parse_contract(
        "apiVersion: v3.2.0\nkind: DataContract\nid: d\nname: d\nversion: '1'\nschema:\n  - name: d\n"
        "    properties:\n      - {name: day, logicalType: date}\n",
        "inline",
    )
    frame = pd.DataFrame({"day": pd.Series(DATE_EDGES * 3, dtype="str")})
    v = validate_frame(frame, contract, max_quarantine_share=1.0)
    strftime = Rule(
        "strftime",
        Severity.ERROR,
        Scope.ROW,
        "",
        "day",
        "expect_column_values_to_match_strftime_format",
        {"column": "day", "strftime_format": "%Y-%m-%d"},
    )
    (outcome,) = run_rules(frame, [strftime], suite_name="strftime")
    rejected = set(outcome.unexpected_rows)
    assert 0 < len(rejected) < len(frame)
    assert v.valid["day"].tolist() == [d for i, d in enumerate(frame["day"].tolist()) if i not in rejected]
    (result,) = [r for r in v.results if r.check == "day.format"]
    assert (result.checked, result.failed) == (len(frame), len(rejected))


def test_great_expectations_does_not_fingerprint_the_frames_it_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    # The fingerprint hashes every row only to label the batch; nothing reads the label.
    from great_expectations.execution_engine import pandas_execution_engine

    hashed: list[int] = []
    monkeypatch.setattr(pandas_execution_engine, "hash_pandas_dataframe", lambda df: hashed.append(len(df)) or "")
    checked = validate_frame(_tenants([_tenant(i) for i in range(3)]), TENANTS.contract, dataset="tenants")
    assert len(checked.valid) == 3
    assert hashed == []
