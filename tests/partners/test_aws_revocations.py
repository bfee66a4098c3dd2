"""The AWS revocation list: keyed by 12-digit account id, live agreements and product codes, dates, no PII."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from pipeline.partners.aws.revocations import LIST_FORMAT, revocation_list
from pipeline.publish.build import RevocationListError
from pipeline.publish.lists import from_csv_bytes, to_csv_bytes, validate_list
from tests.publish.builders import POLICY, D, decisions, entitlements, tenants

GUID_A = "8f1c2e7a-0000-4000-8000-000000000001"


def world() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    decs = decisions(
        [
            {"tenant_id": "004455667788", "company_name": "Zhang San Trading"},
            {"tenant_id": "123456789012", "rules": json.dumps(["restricted_payer", "entity_restricted"])},
            {"tenant_id": "999999999999", "decision": "review"},
            {"tenant_id": "111111111111", "decision": "allow", "exemption_id": "EX-1"},
        ]
    )
    tens = tenants(
        [
            {"tenant_id": "004455667788", "account_ref": GUID_A},
            {"tenant_id": "123456789012", "account_ref": "guid-b"},
            {"tenant_id": "999999999999", "account_ref": "guid-c"},
            {"tenant_id": "111111111111", "account_ref": "guid-d"},
        ]
    )
    ents = entitlements(
        [
            {"entitlement_id": "agmt-1", "tenant_id": "004455667788", "product_id": "prod-x"},
            # The same customer named by its account GUID, as an extract may carry it.
            {"entitlement_id": "agmt-2", "tenant_id": GUID_A, "product_id": "prod-y"},
            {"entitlement_id": "agmt-3", "tenant_id": "004455667788", "product_id": "prod-z", "status": "TERMINATED"},
            {"entitlement_id": "agmt-4", "tenant_id": "004455667788", "product_id": "prod-w", "end_date": "2026-11-25"},
            {"entitlement_id": "agmt-5", "tenant_id": "004455667788", "product_id": "prod-v", "end_date": "2026-11-26"},
            {"entitlement_id": "agmt-9", "tenant_id": "999999999999", "product_id": "prod-x"},
            {"partner": "gcp", "entitlement_id": "e-1", "tenant_id": "123456789012", "product_id": "prod-g"},
        ]
    )
    return decs, ents, tens


def test_lists_only_revokes_with_live_agreements_and_product_codes() -> None:
    out = revocation_list(*world(), POLICY, D)
    assert tuple(out.columns) == LIST_FORMAT.columns
    assert list(out["aws_account_id"]) == ["004455667788", "123456789012"]
    first = out.iloc[0]
    assert first["decision"] == "revoke"
    assert first["agreement_ids"] == "agmt-1;agmt-2;agmt-5"  # terminated and ended ones left out
    assert first["product_codes"] == "prod-v;prod-x;prod-y"
    second = out.iloc[1]
    assert second["reason_codes"] == "entity_restricted;restricted_payer"
    assert second["agreement_ids"] == "" and second["product_codes"] == ""  # none known: still listed
    validate_list(out, LIST_FORMAT, "aws list")


def test_a_new_revocation_takes_effect_after_the_notice_period() -> None:
    out = revocation_list(*world(), POLICY, D)
    assert set(out["effective_date"]) == {"2026-12-10"}  # D + 14 days
    assert set(out["listed_since"]) == {D.isoformat()}


def test_a_continuing_revocation_keeps_its_original_dates() -> None:
    first = revocation_list(*world(), POLICY, D)
    published = from_csv_bytes(to_csv_bytes(first, LIST_FORMAT.columns), "x.csv")
    later = D + dt.timedelta(days=30)
    decs, ents, tens = world()
    decs = pd.concat([decs, decisions([{"tenant_id": "222222222222"}])], ignore_index=True)
    tens = pd.concat([tens, tenants([{"tenant_id": "222222222222", "account_ref": "g"}])], ignore_index=True)
    out = revocation_list(decs, ents, tens, POLICY, later, previous=published).set_index("aws_account_id")
    assert out.loc["004455667788", "effective_date"] == "2026-12-10"
    assert out.loc["004455667788", "listed_since"] == D.isoformat()
    assert out.loc["222222222222", "effective_date"] == (later + dt.timedelta(days=14)).isoformat()
    # A tenant lifted and revoked again is new again.
    lifted = published[published["aws_account_id"] != "004455667788"]
    again = revocation_list(*world(), POLICY, later, previous=lifted).set_index("aws_account_id")
    assert again.loc["004455667788", "listed_since"] == later.isoformat()


def test_the_explanation_is_actionable_and_carries_no_personal_data() -> None:
    out = revocation_list(*world(), POLICY, D)
    text = " ".join(out["explanation"])
    assert "From 2026-12-10 cancel the 3 listed agreements" in out.iloc[0]["explanation"]
    assert "accept no new agreement" in out.iloc[1]["explanation"]
    for leak in ("Wang Wei", "Shenzhen", "Zhang San", "p-wang-wei", "Example Ltd"):
        assert leak not in text
    assert "company" not in " ".join(out.columns)


def test_account_ids_keep_leading_zeros_and_must_have_twelve_digits() -> None:
    decs, ents, tens = world()
    out = revocation_list(decs, ents, tens, POLICY, D)
    assert out.iloc[0]["aws_account_id"] == "004455667788"
    bad = decisions([{"tenant_id": "4455667788"}])
    with pytest.raises(RevocationListError, match=r"aws: revoked tenant ids \['4455667788'\] do not match"):
        revocation_list(bad, ents, tenants([{"tenant_id": "4455667788"}]), POLICY, D)


@pytest.mark.parametrize(
    ("decs", "expected"),
    [
        ([{"tenant_id": "000000000001"}], r"not in the partner's export: \['000000000001'\]"),
        ([{"tenant_id": "004455667788"}, {"tenant_id": "004455667788"}], r"more than one decision"),
        ([{"tenant_id": "004455667788", "rules": "[]"}], r"names no rule"),
        ([{"tenant_id": "004455667788", "rules": "not json"}], r"rules is not a JSON list"),
        ([{"tenant_id": "004455667788"}, {"partner": "gcp", "tenant_id": "x"}], r"per partner"),
    ],
)
def test_a_list_that_cannot_be_explained_is_an_error(decs: list[dict[str, str]], expected: str) -> None:
    _, ents, tens = world()
    with pytest.raises(RevocationListError, match=expected):
        revocation_list(decisions(decs), ents, tens, POLICY, D)


def test_no_revokes_give_an_empty_list_with_the_columns() -> None:
    decs, ents, tens = world()
    out = revocation_list(decs[decs["decision"] != "revoke"], ents, tens, POLICY, D)
    assert out.empty and tuple(out.columns) == LIST_FORMAT.columns
    assert to_csv_bytes(out, LIST_FORMAT.columns) == (",".join(LIST_FORMAT.columns) + "\n").encode()


def test_a_product_code_a_spreadsheet_would_run_is_neutralised_in_the_csv() -> None:
    decs, ents, tens = world()
    ents.loc[0, "product_id"] = '=HYPERLINK("http://evil","x")'
    data = to_csv_bytes(revocation_list(decs, ents, tens, POLICY, D), LIST_FORMAT.columns).decode()
    assert "'=HYPERLINK" in data
    for line in data.splitlines():
        for cell in line.split(","):
            assert not cell.lstrip('"').startswith(("=", "+", "-", "@"))


def test_row_order_of_the_inputs_does_not_matter() -> None:
    decs, ents, tens = world()
    a = to_csv_bytes(revocation_list(decs, ents, tens, POLICY, D), LIST_FORMAT.columns)
    b = to_csv_bytes(revocation_list(decs[::-1], ents[::-1], tens[::-1], POLICY, D), LIST_FORMAT.columns)
    assert a == b


def test_the_list_and_its_delta_follow_the_contract() -> None:
    from pipeline.publish.diff import diff_lists
    from tests.publish.builders import contract_violations

    contract = "data_contracts/aws_revocation_list.yaml"
    out = revocation_list(*world(), POLICY, D)
    assert contract_violations(out, contract, "aws_revocation_list") == []
    previous = out.assign(aws_account_id=["000000000007", "123456789012"])
    delta = diff_lists(previous, out, LIST_FORMAT, D).delta
    assert set(delta["change"]) == {"added", "lifted"}
    assert contract_violations(delta, contract, "aws_revocation_list_delta") == []
    assert contract_violations(out.drop(columns=["explanation"]), contract, "aws_revocation_list") != []
