"""Merge the frames of several ownership sources into one set, keeping where every fact came from.

Invariants:
- Records of different sources are the same entity only when they share a strong identifier: an LEI,
  or a company register number (registration authority + entity id; GLEIF's RA codes are mapped to the
  org-id schemes by the GLEIF reader), compared as `matching.identifiers` canonicalises them. Never by
  name. A record shares its group with every record it is linked to through such identifiers (and a
  record id read in two sources is one record). An identifier one source gives to two of its records
  merges nothing: records of one source are never merged with each other. One source alone is returned
  as read.
- A group keeps the id of its record from the first source (configuration order), and its facts; a
  fact that record lacks is taken from the next source that has it (filling, never overwriting). The
  designation lists (`datasets`) of every member are the group's.
  Interests and identifiers naming any record of the group are moved onto that id.
- Conflicting facts are kept, not overwritten: a jurisdiction or address country on which the group's
  sources disagree (by country) is a `source_conflict` finding naming each source and record. When one
  side would make the entity a restricted root and another would not, the row keeps the value that
  does not, and the other is set aside in QUARANTINE (`merge.conflicting_fact`) attributed to the
  entity: `resolve` then holds it in review (never cleared by a fact it could not settle).
- Two interests of the same type held by the same owner in the same record, read from different
  sources, become one interest whose share interval and dates cover both (the lower of the lows, the
  higher of the highs), keeping the first source's record id.
- Pure: frames in, frames out; the result's frames are in the readers' orders (entities by id,
  interests by relationship id and index).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from pipeline import jsonio
from pipeline.arrays import IntArray, arrow_strings
from pipeline.datasets import ENTITIES, IDENTIFIERS, INTERESTS, conform
from pipeline.jurisdictions import JurisdictionRule, country_of
from pipeline.matching.identifiers import IdKind, entity_identifier_keys
from pipeline.ownership.findings import Check, Finding, Severity, findings_frame, merge_findings
from pipeline.ownership.source_format import SourceFigures
from pipeline.ownership.sources import Quarantine, SourceFrames, empty_frame, unread_record

RULE_CONFLICT = "merge.conflicting_fact"
STRONG_KINDS = (IdKind.LEI.value, IdKind.COMPANY_NUMBER.value)
FACT_COLUMNS = ("jurisdiction", "registered_country", "business_country")
_FILLED = ("entity_type", "name", *FACT_COLUMNS)


@dataclass(frozen=True)
class Merged:
    frames: SourceFrames  # the merged frames; quarantine and findings of every source and of the merge
    aliases: pd.DataFrame  # entity_id (as read) -> merged_id, for the records that were merged away
    figures: tuple[SourceFigures, ...] = ()  # per source, as read (`read.read_sources` counts them)


def merge_sources(sources: Sequence[SourceFrames], rule: JurisdictionRule | None = None) -> Merged:
    """`sources` in configuration order; `rule`: the policy's jurisdictions (which side of a conflict
    would make the entity a root; without one, conflicts are findings only)."""
    if len(sources) == 1:  # nothing to merge: the source's frames as read (at 5M records, no cost)
        none = pd.DataFrame({"entity_id": pd.array([], dtype="str"), "merged_id": pd.array([], dtype="str")})
        return Merged(sources[0], none)
    entities = _concat([s.entities for s in sources], ENTITIES)
    identifiers = _concat([s.identifiers for s in sources], IDENTIFIERS)
    interests = _concat([s.interests for s in sources], INTERESTS)
    quarantine = Quarantine()
    findings: list[Finding] = []
    stats: dict[str, int] = {}
    for s in sources:
        for key, value in s.stats.items():
            stats[key] = stats.get(key, 0) + value
    order = np.repeat(np.arange(len(sources), dtype=np.int64), [len(s.entities) for s in sources])
    group, rank = _groups(entities, identifiers, order)
    merged_away = group != np.arange(len(entities))  # rows whose group is led by another row
    ids = entities["entity_id"].to_numpy(dtype=object)
    alias = dict(zip(ids[merged_away], ids[group[merged_away]], strict=True))
    alias = {a: b for a, b in alias.items() if a != b}
    rows = _merged_entities(entities, group, rank, rule=rule, quarantine=quarantine, findings=findings)
    identifiers = _moved(identifiers, alias, ("entity_id",)).drop_duplicates(["entity_id", "scheme", "identifier"])
    interests = _union_interests(_moved(interests, alias, ("subject_id", "interested_party_id")))
    stats["merged_records"] = int(merged_away.sum())
    stats["source_conflicts"] = len(findings)
    frames = SourceFrames(
        rows.sort_values("entity_id", kind="stable").reset_index(drop=True),
        conform(identifiers.reset_index(drop=True), IDENTIFIERS),
        interests.sort_values(["relationship_id", "interest_index"], kind="stable").reset_index(drop=True),
        _concat([*(s.quarantine for s in sources), quarantine.frame()], None),
        merge_findings(*(s.findings for s in sources), findings_frame(findings)),
        stats,
        {uri: day for s in sources for uri, day in s.published.items()},
    )
    aliases = pd.DataFrame({"entity_id": pd.array(list(alias), dtype="str"),
                            "merged_id": pd.array(list(alias.values()), dtype="str")})  # fmt: skip
    return Merged(frames, aliases)


def _concat(frames: list[pd.DataFrame], dataset: object) -> pd.DataFrame:
    present = [f for f in frames if len(f)]
    if not present:
        return empty_frame(dataset) if dataset is not None else frames[0] if frames else pd.DataFrame()
    return pd.concat(present, ignore_index=True) if len(present) > 1 else present[0].reset_index(drop=True)


def _groups(entities: pd.DataFrame, identifiers: pd.DataFrame, order: IntArray) -> tuple[IntArray, IntArray]:
    """Per entities row, the row that leads its group, and the row's rank within the sources (first
    source, then smallest id, then first row): a group's leader is its member of lowest rank."""
    n = len(entities)
    if not n:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    ids = arrow_strings(entities["entity_id"])
    node, distinct = _codes(ids)
    keys = entity_identifier_keys(identifiers, pd.Index(entities["entity_id"]))
    keys = keys[keys["kind"].isin(STRONG_KINDS)]
    key_code, key_ids = _codes(arrow_strings(keys["match_key"]))
    holder = _index(arrow_strings(keys["entity_id"]), distinct)
    # Each distinct record id's source: that of its first row.
    first_row = np.empty(len(distinct), dtype=np.int64)
    first_row[node[::-1]] = np.arange(n - 1, -1, -1)
    clear = _unambiguous(key_code, holder, order[first_row][holder], len(distinct))
    holder, key_node = holder[clear], len(distinct) + key_code[clear]
    size = len(distinct) + len(key_ids)
    edges = sp.coo_matrix((np.ones(len(holder)), (holder, key_node)), shape=(size, size))
    _, label = connected_components(edges, directed=False)
    component = label[node]
    id_rank = np.empty(n, dtype=np.int64)
    id_rank[pc.sort_indices(ids).to_numpy()] = np.arange(n)
    ranked = np.lexsort((np.arange(n), id_rank, order))
    rank = np.empty(n, dtype=np.int64)
    rank[ranked] = np.arange(n)
    # The leader of each component: its row of lowest rank.
    by_component = np.lexsort((rank, component))
    first = np.ones(n, dtype=bool)
    first[1:] = component[by_component[1:]] != component[by_component[:-1]]
    leader = np.full(int(component.max()) + 1, -1, dtype=np.int64)
    leader[component[by_component[first]]] = by_component[first]
    return leader[component], rank


def _unambiguous(key: IntArray, holder: IntArray, source: IntArray, n_holders: int) -> npt.NDArray[np.bool_]:
    """Which (key, holder) rows keep their key: not one that a source gives to two of its records (`key`,
    `holder`: codes; `source`: the holder's source). Within one source, two records sharing an identifier
    are that source's own matter (a duplicate it reports), not grounds to merge them, nor to say which of
    them another source's record is. Integer codes throughout (millions of rows)."""
    if not len(key):
        return np.zeros(0, dtype=bool)
    pairs, _ = _distinct(key * n_holders + holder)  # each (key, holder) once
    pair_key = pairs // n_holders
    n_sources = int(source.max()) + 1
    source_of_holder = np.zeros(n_holders, dtype=np.int64)
    source_of_holder[holder] = source
    told, counts = _distinct(pair_key * n_sources + source_of_holder[pairs % n_holders])
    ambiguous = np.zeros(int(key.max()) + 1, dtype=bool)
    ambiguous[told[counts > 1] // n_sources] = True
    keep: npt.NDArray[np.bool_] = ~ambiguous[key]
    return keep


def _distinct(values: IntArray) -> tuple[IntArray, IntArray]:
    """The distinct values, sorted, and how often each occurs (by sorting: numpy's hashing `unique` is
    several times slower on millions of int64)."""
    ordered = np.sort(values)
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    counts: IntArray = np.diff(np.r_[starts, len(ordered)])
    return ordered[starts], counts


def _codes(values: Any) -> tuple[IntArray, Any]:
    """Dictionary codes (equal values, equal codes) and the distinct values, in one hashing pass."""
    whole = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    encoded = whole.dictionary_encode()
    codes: IntArray = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, encoded.dictionary


def _index(values: Any, value_set: Any) -> IntArray:
    out: IntArray = pc.index_in(values, value_set=value_set).to_numpy(zero_copy_only=False).astype(np.int64)
    return out


def _merged_entities(
    entities: pd.DataFrame,
    group: IntArray,
    rank: IntArray,
    *,
    rule: JurisdictionRule | None,
    quarantine: Quarantine,
    findings: list[Finding],
) -> pd.DataFrame:
    """One row per group: singletons as read; a merged group's leader with its gaps filled and its
    conflicts judged (see the module invariant)."""
    rows = np.arange(len(entities))
    leaders = group == rows
    out: pd.DataFrame = entities[leaders].copy()
    members = np.bincount(group, minlength=len(entities)) if len(entities) else np.zeros(0, dtype=np.int64)
    merged = np.flatnonzero(members[group] > 1)  # the rows of groups with more than one member
    if not len(merged):
        return out.reset_index(drop=True)
    merged = merged[np.lexsort((rank[merged], group[merged]))]  # group by group, leader first
    position = {int(r): k for k, r in enumerate(np.flatnonzero(leaders))}
    column_at = {c: list(out.columns).index(c) for c in (*_FILLED, "datasets")}
    records = cast("list[dict[str, Any]]", entities.iloc[merged].to_dict("records"))
    starts = np.flatnonzero(np.diff(group[merged], prepend=-1))
    for start, stop in zip(starts, [*starts[1:], len(merged)], strict=True):
        told = records[start:stop]
        row = dict(told[0])
        for column in _FILLED:
            if pd.isna(row[column]):
                row[column] = next((rec[column] for rec in told[1:] if not pd.isna(rec[column])), None)
        _judge_conflicts(row, told, rule, quarantine, findings)
        row["datasets"] = _datasets(told)
        k = position[int(merged[start])]
        for column in (*_FILLED, "datasets"):
            out.iat[k, column_at[column]] = row[column]
    return out.reset_index(drop=True)


def _datasets(records: list[dict[str, Any]]) -> str:
    """The designation lists any member of the group is named on (a list names the entity, whichever
    source carried it)."""
    named: set[str] = set()
    for rec in records:
        text = rec.get("datasets")
        found = jsonio.loads(text) if isinstance(text, str) and text else []
        if isinstance(found, list):
            named.update(d for d in found if isinstance(d, str))
    return jsonio.compact(sorted(named))


def _judge_conflicts(
    row: dict[str, Any],
    records: list[dict[str, Any]],
    rule: JurisdictionRule | None,
    quarantine: Quarantine,
    findings: list[Finding],
) -> None:
    """Sources that disagree on a country fact: a finding; a quarantined fact when one side restricts."""
    entity = str(row["entity_id"])
    for column in FACT_COLUMNS:
        said = [(rec, country_of(rec[column])) for rec in records if not pd.isna(rec[column])]
        countries = {c for _, c in said}
        if len(countries) < 2:
            continue
        listed = "; ".join(f"{rec['source']} record {rec['statement_id']} ({rec['source_uri']}): {rec[column]}"
                           for rec, _ in said)  # fmt: skip
        message = f"entity {entity}: the sources disagree on {column}: {listed}"
        findings.append(Finding(Check.SOURCE_CONFLICT, Severity.WARN, entity, message))
        if rule is None:
            continue
        restricting = [(rec, c) for rec, c in said if rule.restricted(rec[column]) is not None]
        if not restricting or len(restricting) == len(said):
            continue
        # One side would make it a root, another would not: the row keeps the one that does not, and
        # the other is set aside, attributed to the entity, which holds it in review.
        keep = next(rec[column] for rec, _ in said if rule.restricted(rec[column]) is None)
        row[column] = keep
        for rec, _ in restricting:
            reason = f"{message}; {column} {rec[column]} is held for review, {keep} kept on the record"
            facts = {"source": rec["source"], "record": rec["statement_id"], column: rec[column]}
            record = unread_record(entity, "entity", str(rec["statement_id"]), facts)
            quarantine.add(RULE_CONFLICT, reason, str(rec["source_uri"]), 0, record)


def _moved(frame: pd.DataFrame, alias: dict[str, str], columns: tuple[str, ...]) -> pd.DataFrame:
    """The frame with the named id columns moved onto the merged ids."""
    if not alias or not len(frame):
        return frame
    out = frame.copy()
    old = pa.array(list(alias), pa.large_string())
    new = pa.array(list(alias.values()), pa.large_string())
    for column in columns:
        values = arrow_strings(out[column])
        position = pc.index_in(values, value_set=old)
        moved: Any = pc.coalesce(new.take(position), values)
        out[column] = pd.array(moved, dtype="str")
    return out


def _union_interests(interests: pd.DataFrame) -> pd.DataFrame:
    """Interests of one type, owner and record told by more than one source: one interval covering all."""
    if not len(interests):
        return interests
    key = ["subject_id", "interested_party_id", "interest_type"]
    told = interests.duplicated(key, keep=False).to_numpy() & interests["interested_party_id"].notna().to_numpy()
    if not told.any():
        return interests
    several = interests[told]
    sources = several.groupby(key, sort=False, dropna=False)["source"].transform("nunique")
    across = several[sources.to_numpy() > 1]
    if not len(across):
        return interests
    merged = [_covering(g) for _, g in across.groupby(key, sort=False, dropna=False)]
    kept = interests.drop(index=across.index)
    return conform(pd.concat([kept, pd.DataFrame(merged).astype(kept.dtypes.to_dict())], ignore_index=True), INTERESTS)


def _covering(rows: pd.DataFrame) -> dict[str, Any]:
    """One interest whose interval and dates cover those of `rows` (the first row's ids and source)."""
    exact, smin, smax = (rows[c].to_numpy(dtype=float) for c in ("share_exact", "share_min", "share_max"))
    low = np.where(np.isnan(exact), np.where(np.isnan(smin), 0.0, smin), exact)
    high = np.where(np.isnan(exact), np.where(np.isnan(smax), 1.0, smax), exact)
    lo, hi = float(low.min()), float(high.max())
    lo_open = bool(((low == lo) & np.isnan(exact) & rows["exclusive_min"].to_numpy(dtype=bool)).all())
    hi_open = bool(((high == hi) & np.isnan(exact) & rows["exclusive_max"].to_numpy(dtype=bool)).all())
    first = cast("dict[str, Any]", rows.iloc[0].to_dict())
    starts, ends = rows["start_date"], rows["end_date"]
    first.update(
        share_exact=lo if lo == hi and not (lo_open or hi_open) else np.nan,
        share_min=np.nan if lo == hi else lo,
        share_max=np.nan if lo == hi else hi,
        exclusive_min=lo_open and lo != hi,
        exclusive_max=hi_open and lo != hi,
        start_date=None if starts.isna().any() else min(starts),
        end_date=None if ends.isna().any() else max(ends),
        statement_id="; ".join(f"{s}:{i}" for s, i in zip(rows["source"], rows["statement_id"], strict=True)),
    )
    return first
