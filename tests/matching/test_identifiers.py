"""Identifier keys: same kind, same issuing country, formatting and VAT prefixes set aside."""

from __future__ import annotations

import pandas as pd

from pipeline.datasets import IDENTIFIERS, TENANTS
from pipeline.matching.identifiers import (
    IdKind,
    canonical_numbers,
    entity_identifier_keys,
    scheme_country,
    scheme_kinds,
    tenant_identifier_keys,
)
from tests.frames import frame


def test_scheme_codes_are_placed_by_country_and_kind() -> None:
    assert scheme_country("GB-COH") == "GB"
    assert scheme_country("IRL-TAXID") == "IE"
    assert scheme_country("XI-LEI") is None
    assert scheme_country("XE-KS-SRC") is None
    assert scheme_kinds("CN-SAMR") == {IdKind.TAX_ID, IdKind.COMPANY_NUMBER}
    assert scheme_kinds("DE-VAT") == {IdKind.TAX_ID}
    assert scheme_kinds("GB-COH") == {IdKind.COMPANY_NUMBER}
    assert scheme_kinds("FI-PRO") == {IdKind.UNKNOWN_KIND}


def test_numbers_lose_formatting_vat_prefix_and_leading_zeros() -> None:
    values = pd.Series(["GB 123-456.789", "EL094019245", "DE811907980", "03209885", "fr 40303265045"], dtype="str")
    countries = pd.Series(["GB", None, "AT", "GB", "FR"], dtype="str")
    out = canonical_numbers(values, countries, vat_prefix=True)
    assert out["number"].tolist() == ["123456789", "94019245", "DE811907980", "3209885", "40303265045"]
    # EL is Greece's VAT prefix; a prefix that contradicts the known country is kept as part of the number.
    assert out["country"].tolist() == ["GB", "GR", "AT", "GB", "FR"]


def test_company_numbers_keep_letter_prefixes() -> None:
    out = canonical_numbers(pd.Series(["SC123456"], dtype="str"), pd.Series([None], dtype="str"), vat_prefix=False)
    assert out["number"].tolist() == ["SC123456"]


def test_tenant_and_entity_keys_meet_only_for_the_same_kind_and_country() -> None:
    ids = frame(
        IDENTIFIERS,
        [
            {"entity_id": "cn", "scheme": "CN-SAMR", "identifier": "91440300192203821 6"},
            {"entity_id": "gb", "scheme": "GB-COH", "identifier": "03209885"},
            {"entity_id": "gbvat", "scheme": "GB-VAT", "identifier": "GB123456789"},
            {"entity_id": "lei", "scheme": "XI-LEI", "identifier": "5493001KJTIIGC8Y1R12"},
            {"entity_id": "nowhere", "scheme": "XE-FOO", "identifier": "3209885"},
            {"entity_id": "person", "scheme": "GB-COH", "identifier": "11111111"},
        ],
    )
    entity_keys = entity_identifier_keys(ids, pd.Index(["cn", "gb", "gbvat", "lei", "nowhere"]))
    assert set(entity_keys["entity_id"]) == {"cn", "gb", "gbvat", "lei"}
    tenants = frame(
        TENANTS,
        [
            {"tenant_id": "t0", "tax_registration_number": "914403001922038216", "tax_country": "CN-GD"},
            {"tenant_id": "t1", "company_number": "3209885", "country": "GB"},
            {"tenant_id": "t2", "company_number": "3209885", "country": "IE"},
            {"tenant_id": "t3", "tax_registration_number": "GB 123 456 789"},
            {"tenant_id": "t4", "lei": "5493001kjtiigc8y1r12"},
            {"tenant_id": "t5", "tax_registration_number": "3209885", "country": "GB"},
        ],
    )
    matched = tenant_identifier_keys(tenants).merge(entity_keys, on=["match_key", "kind"])
    pairs = set(zip(matched["t"], matched["entity_id"], matched["kind"], strict=True))
    assert pairs == {(0, "cn", "tax_id"), (1, "gb", "company_number"), (3, "gbvat", "tax_id"), (4, "lei", "lei")}


def test_country_aware_prefixes_the_customer_may_type_or_drop() -> None:
    values = pd.Series(["T8097773862339", "ATU73652881", "U73652881", "EL773652881", "NO973548152MVA"], dtype="str")
    countries = pd.Series(["JP", "AT", "AT", "GR", "NO"], dtype="str")
    out = canonical_numbers(values, countries, vat_prefix=True)
    # Japan's invoice number is T + the corporate number; Austria's UID drops to its U-number either way.
    assert out["number"].tolist() == ["8097773862339", "U73652881", "U73652881", "773652881", "973548152MVA"]
