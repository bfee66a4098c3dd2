"""Restricted roots: the records restricted by who they are, before any ownership is considered.

Invariant: a record is a root exactly when one of the policy's bases places it in a restricted
jurisdiction, compared on the country (`pipeline.ownership.jurisdiction.country_of`):
- entity, `incorporation`: the jurisdiction code, or the registered address country when there is none;
- entity, `headquarters`: the business address country;
- entity of type state or stateBody whose jurisdiction or address country is restricted (always a root);
- person: residence (residential addresses), and nationality / tax residency if the policy lists them.
`root_basis` returns, per record, the bases that hold (`incorporation:CN;headquarters:CN`), or "".
Codes are judged once per distinct value, then matched column-wide in Arrow (millions of rows).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.ownership.graph import BoolArray, arrow_strings
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


class _Column:
    """One code column: which rows hold a restricted code, and that code's country."""

    def __init__(self, values: pd.Series, restricted: frozenset[str], *, json_lists: bool = False) -> None:
        self.values = arrow_strings(values)
        self.country: dict[str, str] = {}
        for text in pc.unique(self.values).drop_null().to_pylist():
            hit = _first_restricted(text, restricted, json_lists=json_lists)
            if hit:
                self.country[text] = hit
        found = pc.is_in(self.values, value_set=pa.array(sorted(self.country), pa.large_string()))
        self.hit: BoolArray = np.asarray(found.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
        self.present: BoolArray = np.asarray(pc.is_valid(self.values).to_numpy(zero_copy_only=False), dtype=bool)

    def country_at(self, i: int) -> str:
        return self.country[self.values[i].as_py()]


def _first_restricted(text: str, restricted: frozenset[str], *, json_lists: bool) -> str | None:
    if not json_lists:
        country = country_of(text)
        return country if country in restricted else None
    try:
        codes = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    for code in codes if isinstance(codes, list) else []:
        country = country_of(str(code))
        if country in restricted:
            return country
    return None


def root_basis(entities: pd.DataFrame, policy: Policy) -> npt.NDArray[np.object_]:
    restricted = frozenset(policy.restricted_jurisdictions)
    n = len(entities)
    kind = arrow_strings(entities["record_type"])
    is_entity = np.asarray(pc.equal(kind, "entity").fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
    is_person = np.asarray(pc.equal(kind, "person").fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
    jur = _Column(entities["jurisdiction"], restricted)
    reg = _Column(entities["registered_country"], restricted)
    bus = _Column(entities["business_country"], restricted)
    etype = arrow_strings(entities["entity_type"])
    in_states = pc.is_in(etype, value_set=pa.array(STATE_TYPES, pa.large_string())).fill_null(False)
    is_state = is_entity & np.asarray(in_states.to_numpy(zero_copy_only=False), dtype=bool)

    # (label, rows where the basis holds, column that names the country, fallback columns in order)
    bases: list[tuple[str, BoolArray, list[_Column]]] = []
    if EntityBasis.INCORPORATION in policy.roots.entity_bases:
        incorporated = np.where(jur.present, jur.hit, reg.hit)
        bases.append(("incorporation", is_entity & incorporated, [jur, reg]))
    if EntityBasis.HEADQUARTERS in policy.roots.entity_bases:
        bases.append(("headquarters", is_entity & bus.hit, [bus]))
    bases.append(("state", is_state & (jur.hit | reg.hit | bus.hit), [jur, reg, bus]))
    person_columns = {
        PersonBasis.RESIDENCE: ("residence", "residences"),
        PersonBasis.NATIONALITY: ("nationality", "nationalities"),
        PersonBasis.TAX_RESIDENCY: ("taxResidency", "tax_residencies"),
    }
    for basis in policy.roots.person_bases:
        label, column = person_columns[basis]
        col = _Column(entities[column], restricted, json_lists=True)
        bases.append((label, is_person & col.hit, [col]))

    out = np.full(n, "", dtype=object)
    for label, holds, columns in bases:
        for i in np.flatnonzero(holds).tolist():
            country = next(c.country_at(i) for c in columns if c.hit[i])
            part = f"{label}:{country}"
            out[i] = f"{out[i]};{part}" if out[i] else part
    return out
