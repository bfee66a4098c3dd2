"""Restricted roots: the records restricted by who they are, before any ownership is considered.

Invariant: a record is a root exactly when one of the policy's bases places it in a restricted
jurisdiction, compared on the country (`pipeline.ownership.jurisdiction.country_of`):
- entity, `incorporation`: the jurisdiction code, or the registered address country when there is none;
- entity, `headquarters`: the business address country;
- entity of type state or stateBody whose jurisdiction or address country is restricted (always a root);
- person: residence (residential addresses), and nationality / tax residency if the policy lists them.
`root_basis` returns, per record, the bases that hold (`incorporation:CN;headquarters:CN`), or "".
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import orjson
import pandas as pd

from pipeline.ownership.jurisdiction import country_of
from pipeline.policy.model import EntityBasis, OwnershipRule, PersonBasis, Policy

STATE_TYPES = ("state", "stateBody")

BASIS_RULE = {
    "incorporation": OwnershipRule.ROOT_INCORPORATION,
    "headquarters": OwnershipRule.ROOT_HEADQUARTERS,
    "state": OwnershipRule.ROOT_STATE,
    "residence": OwnershipRule.ROOT_RESIDENCE,
    "nationality": OwnershipRule.ROOT_NATIONALITY,
    "taxResidency": OwnershipRule.ROOT_TAX_RESIDENCY,
}


def _restricted_country(values: pd.Series, restricted: frozenset[str]) -> npt.NDArray[np.object_]:
    """Per row: the restricted country the code belongs to, or None (mapped over distinct codes only)."""
    lookup = {}
    for code in values.dropna().unique():
        country = country_of(str(code))
        lookup[code] = country if country in restricted else None
    out: npt.NDArray[np.object_] = values.map(lookup).to_numpy(dtype=object)
    return out


def _restricted_in_list(values: pd.Series, restricted: frozenset[str]) -> npt.NDArray[np.object_]:
    """Per row of JSON lists of codes: the first restricted country in the list, or None."""
    lookup: dict[str, str | None] = {}
    for text in values.dropna().unique():
        try:
            codes = orjson.loads(text)
        except orjson.JSONDecodeError:
            codes = []
        hit = None
        for code in codes if isinstance(codes, list) else []:
            country = country_of(str(code))
            if country in restricted:
                hit = country
                break
        lookup[text] = hit
    out: npt.NDArray[np.object_] = values.map(lookup).to_numpy(dtype=object)
    return out


def root_basis(entities: pd.DataFrame, policy: Policy) -> npt.NDArray[np.object_]:
    restricted = frozenset(policy.restricted_jurisdictions)
    n = len(entities)
    is_entity = (entities["record_type"] == "entity").to_numpy()
    is_person = (entities["record_type"] == "person").to_numpy()
    jur = _restricted_country(entities["jurisdiction"], restricted)
    reg = _restricted_country(entities["registered_country"], restricted)
    bus = _restricted_country(entities["business_country"], restricted)
    has_jur = entities["jurisdiction"].notna().to_numpy()
    incorporation = np.where(has_jur, jur, reg)

    hits: list[tuple[str, npt.NDArray[np.object_], npt.NDArray[np.bool_]]] = []
    if EntityBasis.INCORPORATION in policy.roots.entity_bases:
        hits.append(("incorporation", incorporation, is_entity))
    if EntityBasis.HEADQUARTERS in policy.roots.entity_bases:
        hits.append(("headquarters", bus, is_entity))
    is_state = is_entity & entities["entity_type"].isin(STATE_TYPES).to_numpy()
    state_country = np.where(pd.notna(jur), jur, np.where(pd.notna(reg), reg, bus))
    hits.append(("state", state_country, is_state))
    person_columns = {
        PersonBasis.RESIDENCE: ("residence", "residences"),
        PersonBasis.NATIONALITY: ("nationality", "nationalities"),
        PersonBasis.TAX_RESIDENCY: ("taxResidency", "tax_residencies"),
    }
    for basis in policy.roots.person_bases:
        label, column = person_columns[basis]
        hits.append((label, _restricted_in_list(entities[column], restricted), is_person))

    out = np.full(n, "", dtype=object)
    for label, country, applies in hits:
        rows = np.flatnonzero(applies & pd.notna(country))
        for i in rows:
            part = f"{label}:{country[i]}"
            out[i] = f"{out[i]};{part}" if out[i] else part
    return out
