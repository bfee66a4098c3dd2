"""Reason codes are a closed vocabulary: the list contracts' enum, the code's `TenantRule`, the glossary."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from pipeline.policy.tenants import TenantRule
from pipeline.publish.build import RevocationListError, reason_codes
from pipeline.quality import validate_frame
from pipeline.quality.contracts import load_contract

ROOT = Path(__file__).resolve().parents[2]
LISTS = ("aws_revocation_list", "gcp_revocation_list", "azure_revocation_list")


@pytest.mark.parametrize("contract", sorted(LISTS))
@pytest.mark.parametrize("delta", [False, True])
def test_the_contracts_declare_exactly_the_rules_as_their_enum(contract: str, delta: bool) -> None:
    import yaml

    doc = yaml.safe_load((ROOT / "data_contracts" / f"{contract}.yaml").read_text())
    [schema] = [s for s in doc["schema"] if s["name"] == contract + ("_delta" if delta else "")]
    [prop] = [p for p in schema["properties"] if p["name"] == "reason_codes"]
    assert [e["value"] for e in prop["enum"]] == [r.value for r in TenantRule]


def test_the_glossary_explains_every_code_and_no_other() -> None:
    glossary = (ROOT / "docs/reason-codes.md").read_text()
    explained = re.findall(r"^\| `([a-z_]+)` \|", glossary, flags=re.M)
    assert sorted(explained) == sorted(r.value for r in TenantRule)


def test_a_list_with_a_code_outside_the_vocabulary_breaks_its_contract() -> None:
    contract = load_contract("aws_revocation_list", schema_object="aws_revocation_list")
    rows = pd.DataFrame(
        {
            "aws_account_id": ["004455667788", "111111111111", "222222222222"],
            "decision": "revoke",
            "effective_date": "2026-11-25",
            "reason_codes": ["entity_restricted;judgement", "made_up", "entity_restricted;"],
            "product_codes": "",
            "agreement_ids": "",
            "listed_since": "2026-11-25",
            "explanation": "x",
        }
    ).astype("str")
    checked = validate_frame(rows, contract, dataset="aws_revocation_list", check_share=False)
    assert set(checked.quarantine["rule"]) == {"reason_codes.allowed_values"}
    assert len(checked.quarantine) == 2
    assert checked.valid["aws_account_id"].tolist() == ["004455667788"]


def test_a_decision_with_an_unknown_rule_is_not_listed() -> None:
    assert reason_codes('["judgement", "entity_restricted"]', "aws 1") == "entity_restricted;judgement"
    with pytest.raises(RevocationListError, match=r"rules \['made_up'\] are not reason codes"):
        reason_codes('["made_up"]', "aws 1")
