"""Contracts: valid ODCS v3, loaded through the maintained model, in step with pipeline/datasets.py."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest
import yaml

from pipeline import datasets
from pipeline.quality.contracts import (
    CONTRACTS_DIR,
    Comparison,
    ContractError,
    Scope,
    Severity,
    contract_names,
    load_contract,
    parse_contract,
)

DATASETS = [d for d in vars(datasets).values() if isinstance(d, datasets.Dataset)]
RAW = [
    "aws_account_feed",
    "aws_address_feed",
    "aws_agreement_feed",
    "aws_billing_event_feed",
    "aws_daily_usage_feed",
    "gcp_accounts",
    "gcp_entitlements",
    "gcp_usage",
]


def _odcs_schema() -> dict[str, object]:
    text = resources.files("open_data_contract_standard").joinpath("schema.json").read_text(encoding="utf-8")
    schema: dict[str, object] = json.loads(text)
    return schema


@pytest.mark.parametrize("name", contract_names())
def test_every_contract_is_valid_odcs(name: str) -> None:
    doc = yaml.safe_load((CONTRACTS_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    if doc["apiVersion"] not in ("v3.0.0", "v3.0.1", "v3.0.2"):
        # The JSON schema shipped with the model is v3.2's; v3.0 contracts still pass the model below.
        jsonschema.Draft201909Validator(_odcs_schema()).validate(doc)
    contract = load_contract(name)
    assert contract.name == name
    assert contract.rules, f"{name} declares no rule"


@pytest.mark.parametrize("dataset", DATASETS, ids=lambda d: d.name)
def test_contract_columns_equal_the_dataset_columns(dataset: datasets.Dataset) -> None:
    contract = load_contract(dataset.contract)
    assert contract.column_names == dataset.columns
    assert contract.key == dataset.key


@pytest.mark.parametrize("dataset", DATASETS, ids=lambda d: d.name)
def test_nested_columns_have_the_shape_their_model_declares(dataset: datasets.Dataset) -> None:
    """The contract's `array` / `object` columns are the dataset's nested columns, of exactly the Arrow
    type their frozen dataclasses give (pipeline.nested): one shape, whoever declares it."""
    contract = load_contract(dataset.contract)
    declared = {c.name: c.shape for c in contract.columns if c.shape is not None}
    assert declared == dataset.nested_types


@pytest.mark.parametrize("name", RAW)
def test_raw_contracts_exist(name: str) -> None:
    assert name in contract_names()


def test_declared_cross_checks_and_findings() -> None:
    from pipeline.ownership.findings import Check
    from pipeline.quality import cross

    for contract, rule in (
        cross.BILLED_ACCOUNTS_KNOWN,
        cross.EXPORT_PRESENT,
        cross.TENANT_COUNT_STABLE,
        cross.STAKES_AT_MOST_100,
        cross.PUBLISHED_MATCHES_DECISIONS,
    ):
        assert load_contract(contract).rule(rule).scope is Scope.CROSS
    # Every finding the ownership resolution can report has its severity declared in one place.
    declared = {r.id for r in load_contract(cross.OWNERSHIP_FINDINGS).rules if r.scope is Scope.CROSS}
    assert {c.value for c in Check} <= declared


def _contract(properties: str, quality: str = "", custom: str = "") -> str:
    return f"""
apiVersion: v3.2.0
kind: DataContract
id: urn:test
name: sample
version: 1.0.0
status: draft
schema:
  - name: sample
{custom}
    properties:
{properties}
{quality}
"""


def test_implicit_rules_from_property_fields() -> None:
    c = parse_contract(
        _contract(
            """      - name: id
        logicalType: string
        required: true
        primaryKey: true
        logicalTypeOptions: {pattern: '^[0-9]{12}$', maxLength: 12}
      - name: share
        logicalType: number
        logicalTypeOptions: {minimum: 0, exclusiveMaximum: 1}
      - name: day
        logicalType: date
      - name: seen
        logicalType: timestamp
      - name: kind
        logicalType: string
        enum: [{value: a}, {value: b}]"""
        ),
        "inline",
    )
    ids = [r.id for r in c.rules]
    assert ids == [
        "id.required",
        "id.pattern",
        "id.length",
        "share.number",
        "share.range",
        "day.format",
        "seen.format",
        "seen.calendar",
        "kind.allowed_values",
        "key.unique",
    ]
    assert all(r.scope is Scope.ROW and r.severity is Severity.ERROR for r in c.rules)
    assert dict(c.rule("share.range").kwargs) == {
        "column": "share",
        "min_value": 0.0,
        "max_value": 1.0,
        "strict_max": True,
    }
    assert c.key == ("id",)


def test_explicit_rules_keep_severity_and_tolerance() -> None:
    c = parse_contract(
        _contract(
            """      - name: email
        logicalType: string
        quality:
          - name: mostly_present
            metric: nullValues
            mustBeLessOrEqualTo: 10
            unit: percent
            severity: warning
          - name: domain
            metric: invalidValues
            arguments: {pattern: '@'}
            mustBe: 0""",
            """    quality:
      - name: not_empty
        metric: rowCount
        mustBeGreaterThan: 0
      - name: pair
        type: custom
        engine: great-expectations
        implementation:
          type: expect_column_pair_values_a_to_be_greater_than_b
          kwargs: {column_A: email, column_B: email}
      - name: spans
        type: custom
        engine: recon
        implementation: pipeline.quality.cross.something
        severity: warn
      - name: prose
        type: text
        description: for humans""",
        ),
        "inline",
    )
    tolerant = c.rule("email.mostly_present")
    assert (tolerant.scope, tolerant.severity) == (Scope.DATASET, Severity.WARN)
    assert tolerant.threshold is not None and tolerant.threshold.comparison is Comparison.LE
    assert tolerant.threshold.holds(1, 10) and not tolerant.threshold.holds(2, 10)
    assert c.rule("email.domain").scope is Scope.ROW
    assert dict(c.rule("not_empty").kwargs) == {"min_value": 1}
    assert c.rule("pair").expectation == "expect_column_pair_values_a_to_be_greater_than_b"
    assert c.rule("spans").scope is Scope.CROSS and c.rule("spans").expectation is None
    assert "prose" not in [r.id for r in c.rules]


@pytest.mark.parametrize(
    ("properties", "quality", "message"),
    [
        ("      - name: a\n        quality: [{metric: nullValues}]", "", "needs a `name`"),
        ("      - name: a\n        quality: [{name: q, metric: freshness}]", "", "unsupported quality metric"),
        ("      - name: a\n        quality: [{name: q, type: sql, query: 'select 1'}]", "", "not supported"),
        ("      - name: a\n        quality: [{name: q, metric: nullValues, severity: fatal}]", "", "unknown severity"),
        (
            "      - name: a\n        logicalType: date\n        logicalTypeOptions: {format: dd/MM/yyyy}",
            "",
            "date format",
        ),
        ("      - name: a\n      - name: a", "", "listed twice"),
        (
            "      - name: a",
            "    quality: [{name: q, type: custom, engine: soda, implementation: x}]",
            "unsupported custom engine",
        ),
    ],
)
def test_unsupported_contract_content_fails_loudly(properties: str, quality: str, message: str) -> None:
    with pytest.raises(ContractError, match=message):
        parse_contract(_contract(properties, quality), "inline")


def test_not_an_odcs_document() -> None:
    with pytest.raises(ContractError, match="not an ODCS v3 contract"):
        parse_contract("apiVersion: v3.2.0\nkind: DataContract\nunknownTopLevel: 1\n", "inline")
    with pytest.raises(ContractError, match="apiVersion"):
        parse_contract("apiVersion: v2.2.2\nkind: DataContract\nname: x\n", "inline")
    with pytest.raises(ContractError, match="cannot read"):
        load_contract("no_such_contract")


def test_contract_settings() -> None:
    c = parse_contract(
        _contract(
            "      - name: k\n      - name: v",
            custom="    customProperties:\n      - {property: maxQuarantineShare, value: 0.2}\n"
            "      - {property: historyKey, value: [k]}",
        ),
        "inline",
    )
    assert (c.max_quarantine_share, c.history_key) == (0.2, ("k",))
    with pytest.raises(ContractError, match="historyKey"):
        parse_contract(
            _contract("      - name: k", custom="    customProperties:\n      - {property: historyKey, value: [z]}"),
            "inline",
        )
    assert load_contract("aws_address_feed").synonyms == {"country": "country_code"}


def test_a_decision_accepts_every_method_a_link_can_carry() -> None:
    # A decision whose link method its contract does not list is quarantined, and its tenant left without
    # a decision (a tenant to revoke off the list): the two lists of methods must not drift apart.
    from pipeline.matching.link import LinkMethod

    def allowed(contract: str) -> set[str]:
        return set(load_contract(contract).rule("link_method.allowed_values").kwargs["value_set"])

    links = set(load_contract("tenant_links").rule("method.allowed_values").kwargs["value_set"])
    assert {m.value for m in LinkMethod} <= links
    assert links <= allowed("tenant_decisions")


def test_one_decision_the_contract_rejects_stops_the_run_whatever_the_configured_share() -> None:
    # A quarantined decision leaves its tenant with none (a tenant to revoke off the list): the decisions
    # contract allows no quarantine, over the run configuration's more lenient share.
    from pipeline import datasets as ds
    from pipeline.quality import validate_frame
    from tests import sample_run

    good = ds.conform(sample_run.decisions(), ds.DECISIONS)
    assert validate_frame(good, "tenant_decisions", max_quarantine_share=0.5).passed
    bad = good.copy()
    bad.loc[bad.index[0], "link_method"] = "not_a_method"
    checked = validate_frame(bad, "tenant_decisions", max_quarantine_share=0.5)
    assert not checked.passed
    assert len(checked.quarantine) == 1 and len(checked.valid) == len(good) - 1
