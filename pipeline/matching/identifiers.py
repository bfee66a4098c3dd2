"""Registry identifiers as the matcher compares them: (kind, country, canonical number).

Invariant: a tenant's number and an entity's identifier meet only when they are the same kind of
number (tax registration, company registration, LEI) issued in the same country, written the same way
once spacing, punctuation, case, a VAT country prefix and leading zeros are set aside. A number whose
scheme we cannot place (unknown kind) is still compared, but `UNKNOWN_KIND` marks it so that the link
made from it cannot revoke on its own.

BODS identifiers name their scheme with an org-id.guide code whose first part is the country
(`GB-COH`, `CN-SAMR`, `MX-RFC`; some publishers use alpha-3, `IRL-TAXID`); `XI-LEI` is the global LEI.
The scheme table maps the codes we know to kinds; other codes are placed by their suffix.

Check digits: a tenant's number of a kind and country whose format carries a check (the Chinese unified
social credit code, GB 32100-2015; the LEI, ISO 7064 MOD 97-10; both by python-stdnum) is validated
after its spacing, case and separators are set aside (`check_digits`). One that fails cannot revoke on
its own: the link falls back to the name, and the number is reported as a data-quality finding
(pipeline.quality.cross.check_identifier_check_digits).
"""

from __future__ import annotations

import enum
import functools
import importlib
from collections.abc import Callable

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pycountry

from pipeline.arrays import LargeStrings, filled, strings, text_series
from pipeline.jurisdictions import country_parts


class IdKind(enum.StrEnum):
    TAX_ID = "tax_id"
    COMPANY_NUMBER = "company_number"
    LEI = "lei"
    UNKNOWN_KIND = "unknown"


LEI_SCHEME = "XI-LEI"

# Schemes whose numbers serve as more than one kind: China's Unified Social Credit Code (USCC) is both
# the business registration and the tax number (SAMR, formerly SAIC, issues it).
_BOTH = frozenset({IdKind.TAX_ID, IdKind.COMPANY_NUMBER})
_TAX = frozenset({IdKind.TAX_ID})
_COMPANY = frozenset({IdKind.COMPANY_NUMBER})
KNOWN_SCHEMES: dict[str, frozenset[IdKind]] = {
    LEI_SCHEME: frozenset({IdKind.LEI}),
    # One number for the register and the tax office.
    "CN-SAMR": _BOTH,
    "CN-SAIC": _BOTH,
    "CN-USCC": _BOTH,
    "JP-JCN": _BOTH,  # corporate number; the invoice (tax) number is "T" + it
    "SG-ACRA": _BOTH,  # UEN
    "AU-ABN": _BOTH,
    "NZ-NZBN": _BOTH,
    "BR-CNPJ": _BOTH,
    "CL-RUT": _BOTH,
    "CH-UID": _BOTH,
    "CA-BN": _BOTH,
    "TW-MOEA": _BOTH,  # unified business number
    "IL-ROC": _BOTH,  # a company's VAT file number is its registration number
    "UA-EDR": _BOTH,
    # Tax offices.
    "US-EIN": _TAX,
    "KR-BRN": _TAX,
    "HK-BRN": _TAX,
    "IN-PAN": _TAX,
    "IN-GST": _TAX,
    "MX-RFC": _TAX,
    "ES-NIF": _TAX,
    "GR-AFM": _TAX,
    "RU-INN": _TAX,
    "AE-TRN": _TAX,
    "CA-GST": _TAX,
    # Registers.
    "HK-CR": _COMPANY,
    "IN-MCA": _COMPANY,
    "FR-SIREN": _COMPANY,
    "FR-RCS": _COMPANY,
    "DE-CR": _COMPANY,
    "AT-FB": _COMPANY,
    "NL-KVK": _COMPANY,
    "IE-CRO": _COMPANY,
    "IT-RI": _COMPANY,
    "PL-KRS": _COMPANY,
    "SE-BLV": _COMPANY,
    "NO-BRC": _COMPANY,
    "EE-RIK": _COMPANY,
    "GR-GEMI": _COMPANY,
    "RU-OGRN": _COMPANY,
    "AE-DED": _COMPANY,
    "MO-CRM": _COMPANY,
    "KY-ROC": _COMPANY,
    "VG-FSC": _COMPANY,
}

# Placing other org-id codes by what follows the country part.
TAX_SUFFIXES = frozenset({"VAT", "TAX", "TAXID", "TIN", "EIN", "RFC", "GST", "CUIT", "NIF", "UID", "BIN"})
COMPANY_SUFFIXES = frozenset({"COH", "CR", "CRO", "RC", "RCS", "REG", "CRN", "BRN", "ROC", "CIN", "KVK", "HRB"})

# VAT numbers carry the issuing country in front; Greece writes EL and Northern Ireland XI.
VAT_PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}
# Tax numbers that are a registry number behind a fixed letter: Japan's invoice number is T + the
# 13-digit corporate number.
TAX_NUMBER_PREFIX = {"JP": (r"^T([0-9]{13})$", r"\1")}

_ALPHA2 = frozenset(str(c.alpha_2) for c in pycountry.countries)

# python-stdnum modules that validate a kind of number of a country by its check character. Only the
# numbers whose check the register and the tenants are known to carry are checked: the unified social
# credit code and the LEI. A format alone (a US EIN's nine digits) says too little to overrule a match,
# and other national numbers (EU VAT, GB VAT, ...) are not yet checked: stdnum knows them, but numbers
# generated without their check digits (the demo world's, for one) would all fail.
_CHECKED: dict[tuple[IdKind, str], str] = {
    (IdKind.TAX_ID, "CN"): "stdnum.cn.uscc",
    (IdKind.COMPANY_NUMBER, "CN"): "stdnum.cn.uscc",
}


@functools.cache
def _validator(kind: IdKind, country: str) -> Callable[[str], bool] | None:
    """The check of one kind of number of one country, None when no check is known."""
    if kind is IdKind.LEI:
        return importlib.import_module("stdnum.lei").is_valid  # type: ignore[no-any-return]
    if (kind, country) in _CHECKED:
        return importlib.import_module(_CHECKED[kind, country]).is_valid  # type: ignore[no-any-return]
    return None


def check_digits(kinds: pd.Series, countries: pd.Series, numbers: pd.Series) -> pd.Series:
    """Per canonical number: True when its check passes, False when it fails, NA when no check is known.

    Each distinct (kind, country, number) is checked once.
    """
    frame = pd.DataFrame({"kind": kinds, "country": countries.fillna(""), "number": numbers})
    distinct = frame.drop_duplicates()
    verdicts: list[bool | None] = []
    for kind, country, number in distinct.itertuples(index=False):
        check = _validator(IdKind(kind), country) if isinstance(number, str) else None
        verdicts.append(None if check is None else bool(check(number)))
    checked = distinct.assign(valid=pd.array(verdicts, dtype="boolean"))
    merged = frame.merge(checked, on=["kind", "country", "number"], how="left")
    return pd.Series(merged["valid"].to_numpy(), index=kinds.index, dtype="boolean")


def scheme_country(scheme: str) -> str | None:
    """The alpha-2 country of an org-id scheme code (alpha-3 accepted), None for global or unknown."""
    head = scheme.strip().upper().split("-", 1)[0]
    if len(head) == 2 and head in _ALPHA2:
        return head
    if len(head) == 3:
        found = pycountry.countries.get(alpha_3=head)
        if found is not None:
            return str(found.alpha_2)
    return None


def scheme_kinds(scheme: str) -> frozenset[IdKind]:
    code = scheme.strip().upper()
    if code in KNOWN_SCHEMES:
        return KNOWN_SCHEMES[code]
    suffix = code.split("-", 1)[1] if "-" in code else ""
    kinds: set[IdKind] = set()
    if suffix in TAX_SUFFIXES:
        kinds.add(IdKind.TAX_ID)
    if suffix in COMPANY_SUFFIXES:
        kinds.add(IdKind.COMPANY_NUMBER)
    return frozenset(kinds) if kinds else frozenset({IdKind.UNKNOWN_KIND})


def canonical_arrays(
    values: LargeStrings, countries: LargeStrings, *, vat_prefix: bool
) -> tuple[LargeStrings, LargeStrings]:
    """(country, number) per value, formatting removed; with `vat_prefix`, a VAT prefix is read.

    A leading pair of letters that names a country (or EL/XI) and is followed by a digit is a VAT prefix:
    it gives the country when none is known, and is dropped when it agrees with the known one. Numbers
    made of digits only lose their leading zeros (registers print 03209885 and 3209885 alike). Arrow
    kernels throughout: the matcher canonicalises the identifiers of millions of entities.
    """
    large = pa.large_string()
    text = pc.replace_substring_regex(pc.utf8_upper(values), r"[^0-9A-Z]", "")
    country: LargeStrings = countries
    if vat_prefix:
        head = pc.utf8_slice_codeunits(text, 0, 2)
        for written, meant in VAT_PREFIX_COUNTRY.items():
            head = pc.if_else(pc.equal(head, pa.scalar(written)), pa.scalar(meant, large), head)
        rest = pc.utf8_slice_codeunits(text, 2)
        # Country unknown: two letters naming a country and then a digit say where it was issued.
        names_country = pc.and_kleene(
            pc.match_substring_regex(text, r"^[A-Z]{2}[0-9]"),
            pc.and_kleene(pc.is_in(head, value_set=pa.array(sorted(_ALPHA2), type=large)), pc.is_null(country)),
        )
        # Country known: its own code in front (ATU12345678, ESB12345678, NO123456789MVA) is dropped.
        own_prefix = pc.and_kleene(pc.equal(country, head), pc.match_substring_regex(rest, r"[0-9]"))
        is_prefix = filled(pc.or_kleene(names_country, own_prefix), False)
        country = pc.if_else(is_prefix, head, country)
        text = pc.if_else(is_prefix, rest, text)
        for issuer, (pattern, keep) in TAX_NUMBER_PREFIX.items():
            text = pc.if_else(
                filled(pc.equal(country, pa.scalar(issuer)), False),
                pc.replace_substring_regex(text, pattern, keep),
                text,
            )
    digits = filled(pc.match_substring_regex(text, r"^[0-9]+$"), False)
    stripped = pc.utf8_ltrim(text, "0")
    stripped = pc.if_else(pc.equal(stripped, pa.scalar("")), pa.scalar("0", large), stripped)
    text = pc.if_else(digits, stripped, text)
    text = pc.if_else(pc.equal(text, pa.scalar("")), pa.scalar(None, large), text)
    return country, text


def canonical_numbers(values: pd.Series, countries: pd.Series, *, vat_prefix: bool) -> pd.DataFrame:
    """`canonical_arrays` for pandas columns: a frame of `country` and `number`, indexed like `values`."""
    country, number = canonical_arrays(strings(values), strings(countries), vat_prefix=vat_prefix)
    return pd.DataFrame(
        {
            "country": text_series(country, values.index),
            "number": text_series(number, values.index),
        }
    )


_ENTITY_KEY_COLUMNS = ["entity_id", "kind", "match_key", "scheme", "identifier"]


def entity_identifier_keys(
    identifiers: pd.DataFrame, entity_ids: pd.Index, wanted: LargeStrings | None = None
) -> pd.DataFrame:
    """One row per (identifier, kind) an entity can be matched by: entity_id, kind, match_key, scheme, identifier.

    `match_key` is `KIND|COUNTRY|NUMBER` (country empty for LEIs). Identifiers of entities not in
    `entity_ids` (persons, unknown records) are left out, and so are national schemes whose country
    cannot be told (their numbers mean nothing without it). With `wanted` (canonical numbers), only
    identifiers whose number is among them are kept: the register holds millions of numbers and the
    tenants quote a few; everything after the canonicalisation then runs on the few.
    """
    large = pa.large_string()
    scheme = strings(identifiers["scheme"])
    distinct = [s for s in pc.unique(scheme).to_pylist() if isinstance(s, str)]
    placed = {s: (scheme_country(s), scheme_kinds(s)) for s in distinct}
    national = [s for s in distinct if placed[s][0] is not None]
    countries = pa.array([placed[s][0] for s in national], type=large)
    position = pc.index_in(scheme, value_set=pa.array(national, type=large))
    row_country = countries.take(position)  # null outside national schemes
    identifier = strings(identifiers["identifier"])
    entity = strings(identifiers["entity_id"])
    parts: list[pd.DataFrame] = []
    # Tax and unknown-kind numbers may carry a VAT prefix; register numbers and LEIs do not.
    groups = (
        ({IdKind.TAX_ID, IdKind.UNKNOWN_KIND}, True, national),
        ({IdKind.COMPANY_NUMBER}, False, national),
        ({IdKind.LEI}, False, [s for s in distinct if IdKind.LEI in placed[s][1]]),
    )
    for kinds, vat, candidates in groups:
        chosen = [s for s in candidates if placed[s][1] & kinds]
        if not chosen:
            continue
        mask = filled(pc.is_in(scheme, value_set=pa.array(chosen, type=large)), False)
        lei = IdKind.LEI in kinds
        source_country = pa.nulls(mask.true_count, type=large) if lei else row_country.filter(mask)
        country, number = canonical_arrays(identifier.filter(mask), source_country, vat_prefix=vat)
        keep = pc.is_valid(number)
        if wanted is not None:
            keep = pc.and_(keep, filled(pc.is_in(number, value_set=wanted), False))
        rows = pd.DataFrame(
            {
                "entity_id": text_series(entity.filter(mask).filter(keep)),
                "scheme": text_series(scheme.filter(mask).filter(keep)),
                "identifier": text_series(identifier.filter(mask).filter(keep)),
                "country": text_series(country.filter(keep)).fillna(""),
                "number": text_series(number.filter(keep)),
            }
        )
        for kind in sorted(kinds):
            of_kind = rows[rows["scheme"].map(lambda s, k=kind: k in placed[s][1]).astype(bool)]
            if of_kind.empty:
                continue
            parts.append(
                of_kind.assign(
                    kind=kind.value, match_key=kind.value + "|" + of_kind["country"] + "|" + of_kind["number"]
                )
            )
    if not parts:
        return pd.DataFrame({c: pd.Series([], dtype="str") for c in _ENTITY_KEY_COLUMNS})
    out = pd.concat(parts, ignore_index=True)
    # Arrow's hash lookup: pandas' isin walks a 5M-string index in Python.
    known = pc.is_in(strings(out["entity_id"]), value_set=strings(entity_ids))
    out = out[filled(known, False).to_numpy(zero_copy_only=False)]
    result: pd.DataFrame = out.loc[:, _ENTITY_KEY_COLUMNS].astype("str")
    return result.reset_index(drop=True)


def tenant_identifier_keys(tenants: pd.DataFrame) -> pd.DataFrame:
    """The keys each tenant's own numbers could match: t (row position), kind, match_key, number, given,
    source, country, valid (the check digits: True, False, or NA where the number has no known check).

    The tax registration number is tried as a tax id in the tax country (else the address country, else
    the country its VAT prefix names); the company number as a company number in the address country
    (else the tax country). Each is also tried against identifiers of unknown kind.
    """
    tax_country = country_parts(tenants["tax_country"])
    country = country_parts(tenants["country"])
    positions = pd.Series(range(len(tenants)), index=tenants.index, dtype="int64")
    parts: list[pd.DataFrame] = []
    sources = (
        ("tax_registration_number", tax_country.fillna(country), True, IdKind.TAX_ID),
        ("company_number", country.fillna(tax_country), False, IdKind.COMPANY_NUMBER),
    )
    for column, home, vat, kind in sources:
        canon = canonical_numbers(tenants[column], home, vat_prefix=vat)
        ok = canon["number"].notna() & canon["country"].notna()
        valid = check_digits(pd.Series(kind.value, index=canon.index), canon["country"], canon["number"])
        for as_kind in (kind, IdKind.UNKNOWN_KIND):
            parts.append(
                pd.DataFrame(
                    {
                        "t": positions[ok],
                        "kind": as_kind.value,
                        "match_key": as_kind.value + "|" + canon.loc[ok, "country"] + "|" + canon.loc[ok, "number"],
                        "number": canon.loc[ok, "number"],
                        "given": tenants.loc[ok, column],
                        "source": column,
                        "country": canon.loc[ok, "country"],
                        "valid": valid[ok],
                    }
                )
            )
    lei = canonical_numbers(tenants["lei"], pd.Series(pd.NA, index=tenants.index), vat_prefix=False)
    ok = lei["number"].notna()
    parts.append(
        pd.DataFrame(
            {
                "t": positions[ok],
                "kind": IdKind.LEI.value,
                "match_key": IdKind.LEI.value + "||" + lei.loc[ok, "number"],
                "number": lei.loc[ok, "number"],
                "given": tenants.loc[ok, "lei"],
                "source": "lei",
                "country": "",
                "valid": check_digits(pd.Series(IdKind.LEI.value, index=lei.index), lei["country"], lei["number"])[ok],
            }
        )
    )
    frame = pd.concat(parts, ignore_index=True)
    return frame.astype(
        {
            "t": "int64",
            "kind": "str",
            "match_key": "str",
            "number": "str",
            "given": "str",
            "source": "str",
            "country": "str",
            "valid": "boolean",
        }
    )
