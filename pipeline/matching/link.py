"""Linking partner tenants to legal entities of the ownership graph.

Invariant: `link` returns exactly one LINKS row per tenant, in the tenants' order, and a link may
revoke (`may_revoke`) only when its confidence is at least `min_revoke_confidence` and no other
candidate of the deciding stage comes within `tie_margin` of it in confidence while being no more edits
away (two fuzzy names capped alike are apart when one is one typo away and the other two; of two exact
names, the one equal before misspelt words were corrected is nearer). Homophones written in
Chinese characters (信众, 新众: both Xinzhong) are not candidates of each other.
The result does not depend on the row order of the entities or identifiers (candidates are ranked by
confidence, then edits, then entity id).

Stages, in order; the first stage that finds any candidate decides, later stages are not consulted:
1. identifiers: the tenant's tax registration number, company number and LEI against the entities'
   identifiers, same kind and same issuing country (`identifiers.py`);
2. exact name: the normalised legal name or one of the entity's alternate names (BODS `alternateNames`;
   `names.py`) in one of the tenant's countries;
3. fuzzy name: the same words in another order, else rapidfuzz similarity with blocking, within one
   of the tenant's countries (`fuzzy.py`);
4. an identifier the tenant gave whose check digits fail (USCC, LEI) but which equals a registered one:
   only when no name matched, and capped at `failed_check_confidence` (review, never revoke alone).
A tenant left without a candidate because its block stayed too large (`fuzzy.py`) is linked by method
`unscored`: counted and reported, never silently unlinked.
A tenant's countries are its address country and its tax country; an entity's are its jurisdiction's
country, its registered address country and its business (headquarters) address country. Only records
of type `entity` are linked (a tenant is an organisation's account). Every candidate names the entity's
name it matched (`matched_name`: its legal name or an alternate name; empty for identifiers).

Confidence: tax id / LEI / company number from the configuration (an identifier whose scheme cannot be
placed gets `unknown_scheme_confidence`, which cannot revoke); an exact name `exact_name_confidence`; a
fuzzy name its similarity / 100, capped at `fuzzy_max_confidence`, and capped at
`known_words_max_confidence` when every word of the tenant's name that the matched name lacks is a word
of some registered name (then the difference is a whole word, Bral vs Brel: more likely another company
than a typo; measured in benchmarks/matching.py, this cap is what keeps unregistered look-alikes from
revoking), unless that word is a generic ending misspelt ("Partnes": `fuzzy.differing_words_known`).
"""

from __future__ import annotations

import enum
import os

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import process
from rapidfuzz.distance import OSA

from pipeline import jsonio
from pipeline.arrays import filled, int64s, pandas_nested, strings, text_series
from pipeline.config import MatchingConfig
from pipeline.datasets import CANDIDATE_TYPE, ENTITIES, IDENTIFIERS, LINKS, TENANTS, conform
from pipeline.jurisdictions import country_parts
from pipeline.matching.fuzzy import differing_words_known, fuzzy_search, generic_endings
from pipeline.matching.identifiers import IdKind, entity_identifier_keys, tenant_identifier_keys
from pipeline.matching.names import normalise_names


class LinkMethod(enum.StrEnum):
    TAX_ID = "tax_id"
    LEI = "lei"
    COMPANY_NUMBER = "company_number"
    EXACT_NAME = "exact_name"
    FUZZY_NAME = "fuzzy_name"
    # A reviewer's link judgement (pipeline.review), which takes precedence over every stage above.
    JUDGEMENT = "judgement"
    NONE = "none"
    # No candidate, and a block too large kept the name from being scored: not matched, rather than
    # found to match nothing. Counted in the report; the decision is the unmatched tenant's.
    UNSCORED = "unscored"


_STAGE = {
    LinkMethod.TAX_ID: 0,
    LinkMethod.LEI: 0,
    LinkMethod.COMPANY_NUMBER: 0,
    LinkMethod.EXACT_NAME: 1,
    LinkMethod.FUZZY_NAME: 2,
}
_SOURCE_METHOD = {
    "tax_registration_number": LinkMethod.TAX_ID,
    "company_number": LinkMethod.COMPANY_NUMBER,
    "lei": LinkMethod.LEI,
}
_CANDIDATE_COLUMNS = ["t", "e", "method", "confidence", "edits", "via", "matched", "failed_check"]
# The stage of an identifier whose check digits fail: after the names, so that it never decides alone.
_FAILED_CHECK_STAGE = 3


def _check_columns(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"link: the {what} frame lacks columns {missing}")


def _countries_long(frame: pd.DataFrame, columns: tuple[str, ...], position: str) -> pd.DataFrame:
    """(position, country) for every distinct country a row names in `columns`, ordered by column."""
    codes = [strings(country_parts(frame[c])) for c in columns]
    parts = []
    for i, code in enumerate(codes):
        keep = pc.is_valid(code)
        for earlier in codes[:i]:
            keep = pc.and_(keep, filled(pc.not_equal(code, earlier), True))
        rows = np.flatnonzero(keep.to_numpy(zero_copy_only=False))
        parts.append(pd.DataFrame({position: rows, "country": text_series(code.filter(keep))}))
    return pd.concat(parts, ignore_index=True).astype({position: "int64"})


def _with_names(countries: pd.DataFrame, names: pd.DataFrame, position: str) -> pd.DataFrame:
    keyed = countries.join(names.reset_index(drop=True)[["words", "key", "sorted_key", "han", "literal"]], on=position)
    return keyed[keyed["key"] != ""].reset_index(drop=True)


def _entity_names(ents: pd.DataFrame) -> pd.DataFrame:
    """(e, matched): each entity's legal name, then its alternate names, by row position."""
    aliases = strings(ents["alternate_names"])
    listed = filled(pc.and_(pc.is_valid(aliases), pc.not_equal(aliases, pa.scalar("[]"))), False)
    rows = np.flatnonzero(listed.to_numpy(zero_copy_only=False))
    e: list[int] = []
    names: list[str] = []
    for row, text in zip(rows.tolist(), aliases.filter(listed).to_pylist(), strict=True):
        if text is None:  # listed rows are valid; the stubs cannot tell
            continue
        for name in jsonio.loads(text):
            if isinstance(name, str) and name:
                e.append(row)
                names.append(name)
    return pd.DataFrame(
        {
            "e": np.concatenate([np.arange(len(ents)), np.array(e, dtype="int64")]),
            "matched": pd.concat([ents["name"].astype("str"), pd.Series(names, dtype="str")], ignore_index=True),
        }
    )


def _pool(ents: pd.DataFrame, threads: int) -> pd.DataFrame:
    """One row per (entity, country, name): every name of an entity in every one of its countries."""
    countries = _countries_long(ents, ("jurisdiction", "registered_country", "business_country"), "e")
    names = _entity_names(ents)
    names = pd.concat([names, normalise_names(names["matched"], threads=threads)], axis=1)
    keyed = countries.merge(names, on="e")
    return keyed[keyed["key"] != ""].reset_index(drop=True)


def _identifier_candidates(
    tenants: pd.DataFrame, entities: pd.DataFrame, identifiers: pd.DataFrame, config: MatchingConfig
) -> pd.DataFrame:
    tenant_keys = tenant_identifier_keys(tenants)
    wanted = pc.unique(strings(tenant_keys["number"]))
    entity_keys = entity_identifier_keys(identifiers, pd.Index(entities["entity_id"]), wanted)
    if tenant_keys.empty or entity_keys.empty:
        return pd.DataFrame(columns=_CANDIDATE_COLUMNS)
    matched = tenant_keys.merge(entity_keys, on=["match_key", "kind"])
    # Row positions of the matched entities (every one is an entity: entity_identifier_keys checked).
    positions = pc.index_in(strings(matched["entity_id"]), value_set=strings(entities["entity_id"]))
    confidence_of = {
        IdKind.TAX_ID.value: config.tax_id_confidence,
        IdKind.LEI.value: config.lei_confidence,
        IdKind.COMPANY_NUMBER.value: config.company_number_confidence,
        IdKind.UNKNOWN_KIND.value: config.unknown_scheme_confidence,
    }
    failed = (matched["valid"] == False).fillna(False).to_numpy(dtype=bool)  # noqa: E712 - NA is "no check"
    confidence = matched["kind"].map(confidence_of).astype("float64").to_numpy()
    via = (matched["scheme"] + " " + matched["identifier"]).to_numpy(dtype=object)
    via[failed] = via[failed] + " (the number given fails its check digits)"
    capped = np.where(failed, np.minimum(confidence, config.failed_check_confidence), confidence)
    return pd.DataFrame(
        {
            "t": matched["t"].to_numpy(),
            "e": positions.to_numpy(zero_copy_only=False),
            "method": matched["source"].map(_SOURCE_METHOD).astype("str").to_numpy(),
            "confidence": capped,
            "edits": 0,
            "via": via,
            "matched": None,
            "failed_check": failed,
        }
    )


def _other_characters(pairs: pd.DataFrame) -> np.ndarray:
    """Per (tenant, pool row) pair of one key, whether the tenant's Chinese characters differ from every
    name of that entity written in them: homophones (信众 and 新众, both Xinzhong) are two companies. An
    entity known only by its romanised name stays a candidate."""
    tenant, entity = pairs["han"].to_numpy(dtype=object), pairs["han_e"].to_numpy(dtype=object)
    both: np.ndarray = np.asarray((tenant != "") & (entity != ""), dtype=bool)
    if not both.any():
        return both
    differ = pd.Series(both & (tenant != entity))
    same = pd.Series(both & (tenant == entity))
    by = [pairs["t"], pairs["e"]]
    return (differ.groupby(by).transform("any") & ~same.groupby(by).transform("any")).to_numpy(dtype=bool)


def _edits(queries: pd.DataFrame, pool: pd.DataFrame, scored: pd.DataFrame) -> np.ndarray:
    """Per scored pair, the edits (optimal string alignment: a transposition is one) between the two keys,
    or between their sorted keys when fewer (swapped words)."""
    q, p = scored["q"].to_numpy(), scored["p"].to_numpy()
    counts = [
        process.cpdist(
            queries[column].to_numpy(dtype=object)[q],
            pool[column].to_numpy(dtype=object)[p],
            scorer=OSA.distance,
            dtype=np.int64,
            workers=-1,
        )
        for column in ("key", "sorted_key")
    ]
    return np.asarray(np.minimum(*counts), dtype=np.int64)


def _name_candidates(
    queries: pd.DataFrame, pool: pd.DataFrame, config: MatchingConfig
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """(exact, fuzzy) name candidates, fuzzy ones only for tenants without an exact one, and the tenants
    (positions) a block too large kept from being scored."""
    exact = queries.merge(pool, on=["country", "key"], suffixes=("", "_e"))
    exact = exact[~_other_characters(exact)]
    exact_frame = pd.DataFrame(
        {
            "t": exact["t"].to_numpy(),
            "e": exact["e"].to_numpy(),
            "method": LinkMethod.EXACT_NAME.value,
            "confidence": config.exact_name_confidence,
            # Of names equal once misspelt words are corrected, the one written as the tenant wrote it
            # ranks first: a sibling registered as "Xinyizizi Wtngluo" is not the customer of "Wangluo".
            "edits": np.where(
                exact["literal"].to_numpy(dtype=object) == exact["literal_e"].to_numpy(dtype=object), 0, 1
            ),
            "via": exact["country"].to_numpy(),
            "matched": exact["matched"].to_numpy(),
            "failed_check": False,
        }
    )
    rest = queries[~queries["t"].isin(exact["t"])].reset_index(drop=True)
    reordered = rest.merge(pool, on=["country", "sorted_key"], suffixes=("", "_e"))
    reordered = reordered[~_other_characters(reordered)]
    rest = rest[~rest["t"].isin(reordered["t"])].reset_index(drop=True)
    endings = generic_endings(pool["words"], config)
    scored, crowded = fuzzy_search(rest, pool, config, endings)
    scored = scored[
        ~_other_characters(
            pd.DataFrame(
                {
                    "t": scored["q"].to_numpy(),
                    "e": pool["e"].to_numpy()[scored["p"].to_numpy()],
                    "han": rest["han"].to_numpy(dtype=object)[scored["q"].to_numpy()],
                    "han_e": pool["han"].to_numpy(dtype=object)[scored["p"].to_numpy()],
                }
            )
        )
    ].reset_index(drop=True)
    q = scored["q"].to_numpy()
    confidence = np.minimum(scored["score"].to_numpy() / 100.0, config.fuzzy_max_confidence)
    matched_words = pool["words"].iloc[scored["p"].to_numpy()].reset_index(drop=True)
    query_words = rest["words"].iloc[q].reset_index(drop=True)
    known = differing_words_known(query_words, matched_words, pool["words"], config, endings)
    known &= scored["score"].to_numpy() < 100.0
    confidence = np.where(known, np.minimum(confidence, config.known_words_max_confidence), confidence)
    via = rest["country"].to_numpy()[q].astype(object)
    via[known] = via[known] + " (every word a known word: another name, or a typo?)"
    fuzzy_frame = pd.DataFrame(
        {
            "t": np.concatenate([reordered["t"].to_numpy(), rest["t"].to_numpy()[q]]),
            "e": np.concatenate([reordered["e"].to_numpy(), pool["e"].to_numpy()[scored["p"].to_numpy()]]),
            "method": LinkMethod.FUZZY_NAME.value,
            "confidence": np.concatenate([np.full(len(reordered), config.fuzzy_max_confidence), confidence]),
            "edits": np.concatenate([np.zeros(len(reordered), dtype=np.int64), _edits(rest, pool, scored)]),
            "via": np.concatenate([reordered["country"].to_numpy().astype(object), via]),
            "matched": np.concatenate(
                [
                    reordered["matched"].to_numpy(dtype=object),
                    pool["matched"].to_numpy(dtype=object)[scored["p"].to_numpy()],
                ]
            ),
            "failed_check": False,
        }
    )
    return exact_frame, fuzzy_frame, rest["t"].to_numpy()[crowded]


def _candidates(
    ranked: pd.DataFrame, entity_ids: np.ndarray, entity_names: np.ndarray, n: int
) -> pa.LargeListArray[pa.StructType]:
    """Per tenant, its ranked candidates (`Candidate`, best first), as one list column built from the
    tenants' offsets: a run links millions of tenants."""
    e = ranked["e"].to_numpy()
    values = pa.StructArray.from_arrays(
        [
            pa.array(ranked["confidence"].round(4).to_numpy(), pa.float64()),
            strings(pd.Series(entity_ids[e], dtype="str")),
            strings(pd.Series(ranked["method"].to_numpy(dtype=object), dtype="str")),
            strings(pd.Series(entity_names[e], dtype="str")),
            strings(pd.Series(ranked["via"].to_numpy(dtype=object), dtype="str")),
            strings(pd.Series(ranked["matched"].to_numpy(dtype=object), dtype="str")),
        ],
        fields=list(CANDIDATE_TYPE),
    )
    counts = np.bincount(ranked["t"].to_numpy(), minlength=n)
    offsets = int64s(np.concatenate([[0], np.cumsum(counts)]).astype(np.int64))
    return pa.LargeListArray.from_arrays(offsets, values)


def link(
    tenants: pd.DataFrame, entities: pd.DataFrame, identifiers: pd.DataFrame, config: MatchingConfig
) -> pd.DataFrame:
    """One LINKS row per tenant: the entity it is linked to, the method, confidence and candidates."""
    _check_columns(tenants, TENANTS.columns, "tenants")
    _check_columns(entities, ENTITIES.columns, "entities")
    _check_columns(identifiers, IDENTIFIERS.columns, "identifiers")
    tenants = tenants.reset_index(drop=True)
    n = len(tenants)
    threads = config.workers if config.workers > 0 else (os.cpu_count() or 1)
    ents = entities[entities["record_type"] == "entity"].reset_index(drop=True)
    entity_ids = ents["entity_id"].astype("str").to_numpy(dtype=object)
    entity_names = ents["name"].to_numpy(dtype=object)

    by_identifier = _identifier_candidates(tenants, ents, identifiers, config)
    queries = _with_names(
        _countries_long(tenants, ("country", "tax_country"), "t"),
        normalise_names(tenants["company_name"], threads=threads),
        "t",
    )
    # Names are looked up for every tenant an identifier did not settle: a number failing its check does not.
    settled = by_identifier.loc[~by_identifier["failed_check"].astype(bool), "t"]
    queries = queries[~queries["t"].isin(settled)].reset_index(drop=True)
    pool = _pool(ents, threads)
    exact, fuzzy, crowded = _name_candidates(queries, pool, config)
    candidates = pd.concat(
        [frame for frame in (by_identifier, exact, fuzzy) if not frame.empty] or [by_identifier], ignore_index=True
    )
    candidates = candidates.astype({"t": "int64", "e": "int64", "confidence": "float64", "edits": "int64"})
    candidates["stage"] = candidates["method"].map({m.value: s for m, s in _STAGE.items()}).astype("int64")
    candidates.loc[candidates["failed_check"].astype(bool).to_numpy(), "stage"] = _FAILED_CHECK_STAGE
    candidates["entity_id"] = entity_ids[candidates["e"].to_numpy()] if len(candidates) else []
    # One candidate per (tenant, entity): its best method. Then only the deciding (earliest) stage.
    candidates = candidates.sort_values(
        ["t", "stage", "confidence", "edits", "entity_id"], ascending=[True, True, False, True, True], kind="stable"
    )
    candidates = candidates.drop_duplicates(["t", "e"])
    deciding = candidates.groupby("t")["stage"].transform("min")
    ranked = candidates[candidates["stage"] == deciding].sort_values(
        ["t", "confidence", "edits", "entity_id"], ascending=[True, False, True, True], kind="stable"
    )
    ranked["rank"] = ranked.groupby("t").cumcount()
    ranked = ranked[ranked["rank"] < config.max_candidates].reset_index(drop=True)

    best = ranked[ranked["rank"] == 0].set_index("t")
    runner_up = ranked[ranked["rank"] == 1].set_index("t")
    confidence = best["confidence"].reindex(range(n))
    # Close in confidence and no more edits away: two fuzzy names both at the cap are apart when one of
    # them is one typo from the tenant's name and the other two (a sibling one letter from the company),
    # and a runner-up as few edits away is a tie even below the best's similarity (a transposition is one
    # edit, though it weighs two in the similarity).
    close = runner_up["confidence"].reindex(range(n)) >= confidence - config.tie_margin - 1e-9
    nearer = runner_up["edits"].reindex(range(n)) <= best["edits"].reindex(range(n))
    tie = (close & nearer).fillna(False).astype(bool)
    linked = confidence.notna()
    method = best["method"].reindex(range(n)).fillna(LinkMethod.NONE.value)
    unscored = np.zeros(n, dtype=bool)
    unscored[crowded] = True
    method = method.where(~(unscored & ~linked.to_numpy()), LinkMethod.UNSCORED.value)
    out = pd.DataFrame(
        {
            "partner": tenants["partner"],
            "tenant_id": tenants["tenant_id"],
            "entity_id": pd.Series(best["entity_id"].reindex(range(n)).to_numpy(), dtype="str"),
            "method": method.astype("str").to_numpy(),
            "confidence": confidence.fillna(0.0).round(4).to_numpy(),
            "may_revoke": (linked & ~tie & (confidence >= config.min_revoke_confidence - 1e-9)).to_numpy(),
            "candidates": pandas_nested(_candidates(ranked, entity_ids, entity_names, n)),
        }
    )
    out = out.astype({"partner": "str", "tenant_id": "str", "method": "str"})
    return conform(out, LINKS)
