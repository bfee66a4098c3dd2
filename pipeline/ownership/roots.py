"""Restricted roots: the records restricted by who they are, before any ownership is considered.

Invariant: a record is a root exactly when one of the policy's bases places it in a restricted
jurisdiction, as the policy's `JurisdictionRule` judges the code (a country, or a subdivision listed or
excluded on its own; `CN-GD` is CN), or a designation list the policy names lists it:
- entity, `incorporation`: the jurisdiction code, or the registered address country when there is none;
- entity, `headquarters`: the business address country;
- entity of type state or stateBody whose jurisdiction or address country is restricted (always a root);
- person: residence (residential addresses), and nationality / tax residency if the policy lists them;
- any record, `designated`: named on a designation list the policy lists (`roots.designated`), by the
  `datasets` column; its text names the first such list the record gives (`designated:us_dod_...`).
- any record a reviewer judged (`JudgedRoots`, from the entity judgements that apply on the run's date):
  judged restricted, it is a root whose only basis is the judgement (`judgement:J-...`); judged clear, it
  is no root, whatever its jurisdiction.
`root_basis` returns, per record, the bases that hold (`incorporation:CN;headquarters:CN`) as a code into
the distinct basis texts, -1 for a record that is not a root; the texts name the rule's label
(`incorporation:CN`, `residence:UA-43`). Codes are judged once per distinct value,
then matched column-wide in Arrow (millions of rows); a basis text is built once per distinct
combination of bases and countries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline import jsonio
from pipeline.arrays import BoolArray, arrow_strings
from pipeline.jurisdictions import JurisdictionRule
from pipeline.policy.definition import EntityBasis, OwnershipRule, PersonBasis, Policy

STATE_TYPES = ("state", "stateBody")

BASIS_RULE = {
    "incorporation": OwnershipRule.ROOT_INCORPORATION,
    "headquarters": OwnershipRule.ROOT_HEADQUARTERS,
    "state": OwnershipRule.ROOT_STATE,
    "residence": OwnershipRule.ROOT_RESIDENCE,
    "nationality": OwnershipRule.ROOT_NATIONALITY,
    "taxResidency": OwnershipRule.ROOT_TAX_RESIDENCY,
    "designated": OwnershipRule.ROOT_DESIGNATED,
    "judgement": OwnershipRule.ROOT_JUDGEMENT,
}


@dataclass(frozen=True)
class RootBases:
    """Per record, its basis as a code into `texts` (-1: not a root)."""

    code: npt.NDArray[np.int64]
    texts: tuple[str, ...]

    @property
    def is_root(self) -> BoolArray:
        out: BoolArray = self.code >= 0
        return out

    def take(self, rows: npt.NDArray[np.int64]) -> RootBases:
        return RootBases(self.code[rows], self.texts)

    def text(self, rows: npt.NDArray[np.int64]) -> list[str]:
        """The basis texts of these records ("" for one that is not a root)."""
        return [self.texts[c] if c >= 0 else "" for c in self.code[rows].tolist()]


class _Column:
    """One code column: which rows hold a restricted code, and that code's label (an index into the
    rule's sorted labels, -1 where the code is not restricted)."""

    def __init__(
        self, values: pd.Series, rule: JurisdictionRule, countries: list[str], *, json_lists: bool = False
    ) -> None:
        arrow = arrow_strings(values)
        texts: list[str] = []
        codes: list[int] = []
        for text in pc.unique(arrow).drop_null().to_pylist():
            if text is None:  # dropped above; the stubs cannot tell
                continue
            hit = _first_restricted(text, rule, json_lists=json_lists)
            if hit:
                texts.append(text)
                codes.append(countries.index(hit))
        found = pc.index_in(arrow, value_set=pa.array(texts, pa.large_string())).fill_null(-1)
        position = found.to_numpy(zero_copy_only=False)
        # int16 is enough for country codes and keeps millions of rows small.
        self.country: npt.NDArray[np.int16] = np.append(np.asarray(codes, dtype=np.int16), -1)[position]
        self.hit: BoolArray = self.country >= 0
        self.present: BoolArray = np.asarray(pc.is_valid(arrow).to_numpy(zero_copy_only=False), dtype=bool)


def _first_restricted(text: str, rule: JurisdictionRule, *, json_lists: bool) -> str | None:
    if not json_lists:
        return rule.restricted(text)
    try:
        codes = jsonio.loads(text)
    except jsonio.JSONDecodeError:
        return None
    for code in codes if isinstance(codes, list) else []:
        label = rule.restricted(str(code))
        if label is not None:
            return label
    return None


@dataclass(frozen=True)
class JudgedRoots:
    """Reviewers' entity judgements as the resolution takes them: `restricted` maps an entity id to the
    judgement that restricts it, `cleared` holds the entities judged clear (see `pipeline.ownership.resolve`
    for what a clear entity's owners then count for)."""

    restricted: Mapping[str, str] = field(default_factory=dict)
    cleared: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.restricted) or bool(self.cleared)

    def apply(self, bases: RootBases, ids: pa.Array[Any]) -> RootBases:
        """`bases` in the node order of `ids` (the graph's ids), with the judged records' bases replaced."""
        texts, code = list(bases.texts), bases.code.copy()
        for entity_id, rows in self._rows(ids, [*self.restricted, *self.cleared]).items():
            if entity_id in self.cleared:
                code[rows] = -1
                continue
            text = f"judgement:{self.restricted[entity_id]}"
            if text not in texts:
                texts.append(text)
            code[rows] = texts.index(text)
        return RootBases(code, tuple(texts))

    @staticmethod
    def _rows(ids: pa.Array[Any], wanted: list[str]) -> dict[str, npt.NDArray[np.int64]]:
        if not wanted:
            return {}
        found = pc.index_in(ids, value_set=pa.array(wanted, pa.large_string()))
        at = np.asarray(found.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
        return {w: np.flatnonzero(at == k) for k, w in enumerate(wanted)}


def root_basis(entities: pd.DataFrame, policy: Policy) -> RootBases:
    rule = policy.jurisdictions
    # ISO 3166-1 countries and the few subdivisions listed on their own: a few hundred at most.
    countries = list(rule.labels)
    n = len(entities)
    kind = arrow_strings(entities["record_type"])
    is_entity = np.asarray(
        pc.equal(kind, pa.scalar("entity")).fill_null(False).to_numpy(zero_copy_only=False), dtype=np.bool_
    )
    is_person = np.asarray(
        pc.equal(kind, pa.scalar("person")).fill_null(False).to_numpy(zero_copy_only=False), dtype=np.bool_
    )
    jur = _Column(entities["jurisdiction"], rule, countries)
    reg = _Column(entities["registered_country"], rule, countries)
    bus = _Column(entities["business_country"], rule, countries)
    etype = arrow_strings(entities["entity_type"])
    in_states = pc.is_in(etype, value_set=pa.array(STATE_TYPES, pa.large_string())).fill_null(False)
    is_state = is_entity & np.asarray(in_states.to_numpy(zero_copy_only=False), dtype=np.bool_)

    # (label, rows where the basis holds, columns that name the country: the first that has one wins)
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
        col = _Column(entities[column], rule, countries, json_lists=True)
        bases.append((label, is_person & col.hit, [col]))

    # Per row and basis, the country it holds with (-1: the basis does not hold); rows with the same
    # countries on every basis share one text, built once. At most 300 ** 6 keys: int64 holds them.
    held = np.flatnonzero(np.logical_or.reduce([holds for _, holds, _ in bases]))
    country = np.full((len(held), len(bases)), -1, dtype=np.int64)  # few rows: the roots
    for b, (_, holds, columns) in enumerate(bases):
        for col in reversed(columns):
            country[:, b] = np.where(col.hit[held], col.country[held], country[:, b])
        country[~holds[held], b] = -1
    key = (country + 1) @ (len(countries) + 1) ** np.arange(len(bases), dtype=np.int64)  # one number per row
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    texts = [
        ";".join(f"{label}:{countries[c]}" for (label, _, _), c in zip(bases, row, strict=True) if c >= 0)
        for row in country[first].tolist()
    ]
    code = np.full(n, -1, dtype=np.int64)
    code[held] = inverse
    if policy.roots.designated:
        return _designated(entities, policy.roots.designated, code, texts)
    return RootBases(code, tuple(texts))


def _designated(
    entities: pd.DataFrame, lists: tuple[str, ...], code: npt.NDArray[np.int64], texts: list[str]
) -> RootBases:
    """The bases with `designated:<list>` added for the records named on one of `lists` (judged once
    per distinct `datasets` text; the few records named get their texts one by one)."""
    wanted = frozenset(lists)
    values = arrow_strings(entities["datasets"])
    named: dict[str, str] = {}
    for text in pc.unique(values).drop_null().to_pylist():
        try:
            found = jsonio.loads(str(text))
        except jsonio.JSONDecodeError:
            continue
        hit = next((d for d in found if d in wanted), None) if isinstance(found, list) else None
        if hit is not None:
            named[str(text)] = hit
    if not named:
        return RootBases(code, tuple(texts))
    rows = np.flatnonzero(pc.is_in(values, value_set=pa.array(list(named), pa.large_string())).fill_null(False))
    out = list(texts)
    index = {t: k for k, t in enumerate(out)}
    code = code.copy()
    for row, text in zip(rows.tolist(), values.take(rows).to_pylist(), strict=True):
        basis = f"designated:{named[str(text)]}"
        combined = f"{out[code[row]]};{basis}" if code[row] >= 0 else basis
        if combined not in index:
            index[combined] = len(out)
            out.append(combined)
        code[row] = index[combined]
    return RootBases(code, tuple(out))
