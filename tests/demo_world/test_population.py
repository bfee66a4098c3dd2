"""The reusable population: names unique per country, truthful variant labels, linkable identifiers."""

from __future__ import annotations

import re

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from demo_world import identifiers as ids
from demo_world import make_population
from demo_world.names import NameVariant, misspell
from pipeline import datasets


def test_same_arguments_give_equal_frames() -> None:
    a = make_population(300, seed=4)
    b = make_population(300, seed=4)
    pd.testing.assert_frame_equal(a.tenants, b.tenants)
    pd.testing.assert_frame_equal(a.identifiers, b.identifiers)


def test_registered_names_are_unique_within_a_country() -> None:
    pop = make_population(2000, n_entities=4000, seed=9)
    normalised = pop.entities["country"] + "|" + pop.entities["name"].map(lambda n: re.sub(r"\W+", "", n.lower()))
    assert not normalised.duplicated().any()
    # ... while some names repeat across countries: the decoys.
    assert (pop.tenants["name_variant"] == NameVariant.DECOY_OTHER_COUNTRY).sum() > 10


def test_variant_labels_say_what_was_done_to_the_registered_name() -> None:
    pop = make_population(3000, seed=2)
    registered = pop.entities["name"]
    for t in pop.tenants.itertuples():
        if t.entity_row < 0:
            assert t.true_entity_id == "" and t.link_key == "none"
            continue
        name = str(registered.iat[t.entity_row])
        written = str(t.company_name)
        if t.name_variant in ("exact", "decoy_other_country"):
            assert written == name
        elif t.name_variant == "missing_suffix":
            assert name.startswith(written) and len(written) < len(name)
        elif t.name_variant == "case_punct":
            assert written == written.upper() and written != name
        elif t.name_variant == "ascii_folded":
            assert written.isascii() and not name.isascii()
        else:
            assert written != name, t


def test_canonical_frames_have_the_dataset_columns() -> None:
    entities, identifiers, tenants = make_population(200, seed=1).canonical()
    assert list(entities.columns) == list(datasets.ENTITIES.columns)
    assert list(identifiers.columns) == list(datasets.IDENTIFIERS.columns)
    assert list(tenants.columns) == list(datasets.TENANTS.columns)
    assert tenants["tenant_id"].notna().all()


def test_tax_numbers_link_to_exactly_one_entity() -> None:
    pop = make_population(2000, seed=3)
    # Identifiers are unique within their scheme (registers of different countries may coincide).
    assert not pop.identifiers.duplicated(["scheme", "identifier"]).any()
    by_id = pop.identifiers.groupby("identifier")["entity_id"].agg(lambda e: e.iloc[0] if len(e) == 1 else "ambiguous")
    linked = pop.tenants[pop.tenants["link_key"] == "tax_id"]
    assert len(linked) > 500
    assert (linked["tax_registration_number"].map(by_id) == linked["true_entity_id"]).all()
    unregistered = pop.tenants[pop.tenants["entity_row"] < 0]
    same_country = unregistered.merge(
        pop.identifiers.merge(pop.entities[["entity_id", "country"]], on="entity_id"),
        left_on=["tax_registration_number", "country"],
        right_on=["identifier", "country"],
    )
    assert same_country.empty, "an unregistered company's tax number belongs to a registered one"


def test_mainland_companies_are_the_restricted_ones() -> None:
    pop = make_population(2000, seed=8, restricted_share=0.05)
    t = pop.tenants
    assert set(t.loc[t["expected_decision"] == "revoke", "country"]) == {"CN"}
    assert (t.loc[t["country"] == "CN", "expected_decision"] == "revoke").all()


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=4, max_size=20), st.integers(0, 10**6),
       st.integers(0, 10**6))  # fmt: skip
def test_a_misspelling_is_one_typing_error_away(word: str, position: int, operation: int) -> None:
    typo = misspell(word.capitalize(), position, operation)
    assert typo[0] == word.capitalize()[0]
    assert abs(len(typo) - len(word)) <= 1
    if len(typo) == len(word):
        differing = [i for i, (a, b) in enumerate(zip(typo, word.capitalize(), strict=True)) if a != b]
        assert len(differing) <= 2


@given(st.integers(0, 10**7), st.sampled_from(["440300", "110108", "310115"]))
def test_uscc_check_characters_are_valid(serial: int, region: str) -> None:
    code = ids.uscc(serial, region)
    assert len(code) == 18 and code[2:8] == region and ids.uscc_is_valid(code)
    assert not ids.uscc_is_valid(code[:-1] + ("0" if code[-1] != "0" else "1"))


@given(st.integers(0, 10**11))
def test_lei_check_digits_are_valid(serial: int) -> None:
    assert ids.lei_is_valid(ids.lei(serial))
