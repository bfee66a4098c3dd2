"""Fuzzy name candidates within a country, with blocking so that millions of names stay tractable.

Invariant: a (tenant, entity) pair is scored only when both are in the same country and share a
block; the score is rapidfuzz's normalised Indel similarity (`fuzz.ratio`, 0-100) of the normalised
keys, or of the word-sorted keys when the pair met through them (swapped word order); pairs under
`fuzzy_min_score` are not returned, nor key-scored pairs whose heads (the keys without a generic ending,
see below) score under `fuzzy_min_head_score`: "Hua Technology" is not "Huawei Technology".

Blocking: three passes, each keyed by country plus a piece of a key: the start of the key, the end of
the key's head, and the start of the word-sorted key. The head is the key without a generic last word
(the most common last words of the pool's names: "technology", "trading", "antriebstechnik", ...):
ending in such a word, thousands of names would share their end. It is cut from the spaceless key, so a
name folded from Chinese script (one run, "zhongqingwangluo") and its romanised spelling ("Zhongqing
Wangluo") get the same head; a last word one typo away from a generic ending ("Antriebstechnick",
"Technolgy") is cut too (`ending_typo_score`), so a typo inside a crowded word neither keeps the name
out of its block nor fails the head check against its entity's clean head. One typo leaves at least one
piece intact when the key is long enough, so a misspelt name still meets its entity. Piece lengths grow
(`block_lengths`) until the entities' block under a tenant's piece holds at most `block_max_size`: common
starts such as
"shanghai" get longer pieces, rare ones stay short. A tenant whose block is still too large at the
longest piece is not scored in that pass (a missed link, never a wrong one). Pairs whose lengths differ
too much to reach `fuzzy_min_score` are dropped before scoring (ratio <= 2 min / (len a + len b)).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process

from pipeline.arrays import LargeStrings, filled, strings, text_series
from pipeline.config import MatchingConfig

# (column blocked on, side of it, column scored): typos after the start of the key, typos at the start
# of the key (the end of its head), swapped words.
_PASSES: tuple[tuple[str, str, str], ...] = (
    ("key", "start", "key"),
    ("head", "end", "key"),
    ("sorted_key", "start", "sorted_key"),
)


def _blocks(country: pa.LargeStringArray, key: pa.LargeStringArray, side: str) -> pa.LargeStringArray:
    """Country and key in one string, arranged so that slicing one end gives country + piece."""
    bar = pa.scalar("|", type=pa.large_string())
    first, second = (country, key) if side == "start" else (key, country)
    # The stubs want the separator to be of the strings' own kind (an array here); Arrow takes a scalar.
    blocks: pa.LargeStringArray = pc.binary_join_element_wise(first, second, bar)  # type: ignore[call-overload]
    return blocks


def _piece(blocks: pa.LargeStringArray, side: str, length: int) -> pa.LargeStringArray:
    # The country code (2 letters) and the bar take 3 characters.
    if side == "start":
        return pc.utf8_slice_codeunits(blocks, 0, length + 3)
    return pc.utf8_slice_codeunits(blocks, -(length + 3))


def _last_words(words: pa.LargeStringArray) -> LargeStrings:
    # Reverse, take the first word, reverse back (a regex for "after the last space" is slow).
    return pc.utf8_reverse(pc.list_element(pc.split_pattern(pc.utf8_reverse(words), " ", max_splits=1), 0))


def generic_endings(words: pd.Series, config: MatchingConfig) -> list[str]:
    """The last words that end at least `generic_word_share` of the names (at most `generic_words`)."""
    last = pc.utf8_slice_codeunits(_last_words(_arrow(words)), 0, 64)
    counted = pc.value_counts(last)
    counts = counted.field("counts").to_numpy()
    values = counted.field("values").to_pylist()
    order = np.lexsort((np.array(values, dtype=object), -counts))
    floor = max(2.0, config.generic_word_share * len(words))
    return [values[i] for i in order[: config.generic_words] if counts[i] >= floor and len(values[i]) >= 3]


def head_keys(key: pd.Series, endings: list[str], min_length: int) -> pa.LargeStringArray:
    """The key without one generic ending, when at least `min_length` characters are left."""
    arr = _arrow(key)
    if not endings:
        return arr
    alternation = "|".join(re.escape(e) for e in sorted(endings, key=lambda e: (-len(e), e)))
    head = pc.replace_substring_regex(arr, f"(?:{alternation})$", "")
    long_enough = pc.greater_equal(pc.utf8_length(head), pa.scalar(min_length))
    headed: pa.LargeStringArray = pc.if_else(long_enough, head, arr)
    return headed


# Rows of last words compared with the endings at a time (a block of scores is rows x endings floats).
_ENDING_CHUNK = 50_000


def heads(
    words: pd.Series, key: pd.Series, endings: list[str], min_lengths: tuple[int, ...], config: MatchingConfig
) -> list[pa.LargeStringArray]:
    """Per minimum length, `head_keys`, and where that cut nothing, the key without a last word one typo
    from a generic ending (each when at least that many characters are left). One pass for every length:
    the cut is the same, only what counts as enough left differs.

    "Nordwerk Antriebstechnick" is "Nordwerk" + a misspelt crowded word: its head is "nordwerk", as its
    entity's is, rather than the whole key.
    """
    arr = _arrow(key)
    if not endings or not len(arr):
        return [head_keys(key, endings, n) for n in min_lengths]
    alternation = "|".join(re.escape(e) for e in sorted(endings, key=lambda e: (-len(e), e)))
    exact = pc.replace_substring_regex(arr, f"(?:{alternation})$", "")
    last = _last_words(_arrow(words))
    distinct = pc.unique(last).drop_null()
    # utf8_length is declared per array class, and unique's large strings are the generic Array to the stubs.
    lengths: pa.Int64Array = pc.utf8_length(distinct)  # type: ignore[call-overload]
    distinct = distinct.filter(pc.greater_equal(lengths, pa.scalar(4)))
    values = distinct.to_numpy(zero_copy_only=False)
    near = _near_an_ending(values, endings, config)
    is_near = filled(pc.is_in(last, value_set=distinct.filter(pa.array(near))), False)
    cut = pc.replace_substring(pc.replace_substring_regex(_arrow(words), r" [^ ]+$", ""), " ", "")
    key_length, exact_length, cut_length = pc.utf8_length(arr), pc.utf8_length(exact), pc.utf8_length(cut)
    typo = pc.and_(pc.and_(is_near, pc.equal(exact_length, key_length)), pc.less(cut_length, key_length))
    out: list[pa.LargeStringArray] = []
    for n in min_lengths:
        enough = pc.greater_equal(exact_length, pa.scalar(n))
        headed = pc.if_else(enough, exact, arr)
        chosen: pa.LargeStringArray = pc.if_else(pc.and_(typo, pc.greater_equal(cut_length, pa.scalar(n))), cut, headed)
        out.append(chosen)
    return out


def _near_an_ending(values: npt.NDArray[Any], endings: list[str], config: MatchingConfig) -> npt.NDArray[np.bool_]:
    """Which of `values` are within `ending_typo_score` of some generic ending; scored in chunks so the
    score matrix stays small."""
    near = np.zeros(len(values), dtype=bool)
    for start in range(0, len(values), _ENDING_CHUNK):
        block = process.cdist(
            values[start : start + _ENDING_CHUNK],
            endings,
            scorer=fuzz.ratio,
            score_cutoff=config.ending_typo_score,
            dtype=np.uint8,
            workers=config.workers,
        )
        near[start : start + _ENDING_CHUNK] = block.max(axis=1) > 0
    return near


def _misspelt_endings(words: Any, endings: list[str], config: MatchingConfig) -> Any:
    """The distinct words among `words` one typo from a generic ending, the endings themselves excluded."""
    distinct = pc.unique(words).drop_null()
    distinct = distinct.filter(pc.greater_equal(pc.utf8_length(distinct), pa.scalar(4)))
    if not endings or not len(distinct):
        return distinct.slice(0, 0)
    values = distinct.to_numpy(zero_copy_only=False)
    near = _near_an_ending(values, endings, config)
    exact = pc.is_in(distinct, value_set=pa.array(endings, type=distinct.type)).to_numpy(zero_copy_only=False)
    return distinct.filter(pa.array(near & ~exact))


def differing_words_known(
    query_words: pd.Series,
    matched_words: pd.Series,
    pool_words: pd.Series,
    config: MatchingConfig,
    endings: list[str] | None = None,
) -> np.ndarray:
    """Per pair (query name, the pool name it matched): whether the query's words that the pool name lacks
    are all words of some pool name.

    Such a pair differs by a whole word (Bral vs Brel), not by a typo (Brql): more likely another company
    than a misspelling. A differing word one typo from a generic ending ("Partnes", "Indstries") is a typo
    even when some registered name carries the same typo: in millions of names, every common typo of a
    crowded word is somebody's registered name.
    """
    q_tokens = pc.split_pattern(_arrow(query_words), " ")
    p_tokens = pc.split_pattern(_arrow(matched_words), " ")
    q_flat, p_flat = q_tokens.flatten(), p_tokens.flatten()
    q_parents = pc.list_parent_indices(q_tokens).to_numpy()
    bar = pa.scalar("|", type=q_flat.type)

    def keyed(parents: np.ndarray, flat: Any) -> Any:
        return pc.binary_join_element_wise(pa.array(parents.astype(str), type=flat.type), flat, bar)

    own = pc.is_in(keyed(q_parents, q_flat), value_set=keyed(pc.list_parent_indices(p_tokens).to_numpy(), p_flat))
    vocabulary = pc.unique(pc.split_pattern(_arrow(pool_words), " ").flatten())
    known = pc.is_in(q_flat, value_set=vocabulary).to_numpy(zero_copy_only=False)
    endings = generic_endings(pool_words, config) if endings is None else endings
    typo = pc.is_in(q_flat, value_set=_misspelt_endings(q_flat, endings, config)).to_numpy(zero_copy_only=False)
    differs = ~own.to_numpy(zero_copy_only=False)
    unknown = np.bincount(q_parents[differs & (~known | typo)], minlength=len(query_words))
    return np.asarray(unknown == 0)


def _arrow(column: pd.Series) -> pa.LargeStringArray:
    return strings(column)


def _pass_pairs(
    q_blocks: pa.LargeStringArray,
    p_blocks: pa.LargeStringArray,
    side: str,
    config: MatchingConfig,
    crowded: np.ndarray,
) -> pd.DataFrame:
    """Pairs (q, p) for one pass: each query meets the pool rows of its smallest block that fits.

    Queries whose block is still too large at the longest piece are marked in `crowded`."""
    open_rows = np.arange(len(q_blocks))
    # Pool rows still in play: a row outside every wanted block at one length is outside at longer ones.
    pool_rows = np.arange(len(p_blocks))
    found: list[pa.Table] = []
    for length in config.block_lengths:
        if len(open_rows) == 0 or len(pool_rows) == 0:
            break
        q_piece = _piece(q_blocks.take(open_rows), side, length)
        # The first length looks at the whole pool: no copy of it through `take`.
        in_play = p_blocks if len(pool_rows) == len(p_blocks) else p_blocks.take(pool_rows)
        p_piece = _piece(in_play, side, length)
        inside = pc.is_in(p_piece, value_set=pc.unique(q_piece))
        pool_rows = pool_rows[inside.to_numpy(zero_copy_only=False)]
        p_piece = p_piece.filter(inside)
        counted = pc.value_counts(p_piece)
        where = pc.index_in(q_piece, value_set=counted.field("values"))
        size = filled(counted.field("counts").take(where), 0).to_numpy(zero_copy_only=False)
        chosen = (size > 0) & (size <= config.block_max_size)
        if chosen.any():
            q_chosen = q_piece.filter(pa.array(chosen))
            # Only the members of chosen blocks: oversized blocks can hold millions of rows.
            in_chosen = pc.is_in(p_piece, value_set=pc.unique(q_chosen))
            queries = pa.table({"block": q_chosen, "q": pa.array(open_rows[chosen], pa.int64())})
            members = pa.table(
                {
                    "block": p_piece.filter(in_chosen),
                    "p": pa.array(pool_rows[in_chosen.to_numpy(zero_copy_only=False)], pa.int64()),
                }
            )
            found.append(queries.join(members, keys="block", join_type="inner").select(["q", "p"]))
        # An empty block stays empty with longer pieces; only oversized ones are worth refining.
        open_rows = open_rows[size > config.block_max_size]
    crowded[open_rows] = True
    if not found:
        return pd.DataFrame({"q": np.array([], dtype="int64"), "p": np.array([], dtype="int64")})
    pairs: pd.DataFrame = pa.concat_tables(found).to_pandas()
    return pairs


def fuzzy_candidates(queries: pd.DataFrame, pool: pd.DataFrame, config: MatchingConfig) -> pd.DataFrame:
    """Scored pairs (q, p, score) for queries and pool rows with columns country, words, key, sorted_key.

    `q` and `p` are row positions in `queries` and `pool`. Keys shorter than `fuzzy_min_key_length`
    are not scored: a few letters are too little to say two names are the same.
    """
    return fuzzy_search(queries, pool, config)[0]


def fuzzy_search(
    queries: pd.DataFrame, pool: pd.DataFrame, config: MatchingConfig, endings: list[str] | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """`fuzzy_candidates`, and the query rows that a block too large kept from being scored in some pass
    (positions in `queries`): if they end without a candidate, they were not matched, not found unmatched.
    `endings`: the pool's `generic_endings`, when the caller has them already."""
    empty = pd.DataFrame(
        {"q": np.array([], dtype="int64"), "p": np.array([], dtype="int64"), "score": np.array([], dtype="float64")}
    )
    q_rows = np.flatnonzero((queries["key"].str.len() >= config.fuzzy_min_key_length).to_numpy())
    crowded = np.zeros(len(q_rows), dtype=bool)
    if len(q_rows) == 0 or pool.empty:
        return empty, np.array([], dtype="int64")
    endings = generic_endings(pool["words"], config) if endings is None else endings
    q_keys = queries["key"].iloc[q_rows]

    def aligned(values: pa.LargeStringArray, like: pd.Series) -> pd.Series:
        return text_series(values, like.index)

    # `head`: what end-blocking uses (only cut when enough is left); `core`: what the head check scores.
    lengths = (config.head_min_length, 1)
    q_cut = heads(queries["words"].iloc[q_rows], q_keys, endings, lengths, config)
    subset = queries.iloc[q_rows].assign(head=aligned(q_cut[0], q_keys), core=aligned(q_cut[1], q_keys))
    p_cut = heads(pool["words"], pool["key"], endings, lengths, config)
    pool = pool.assign(head=aligned(p_cut[0], pool["key"]), core=aligned(p_cut[1], pool["key"]))
    q_country, p_country = _arrow(subset["country"]), _arrow(pool["country"])
    # The longest score a pair of lengths allows: ratio = 2 matches / (la + lb) and matches <= min(la, lb).
    reach = config.fuzzy_min_score / 100.0
    scored: list[pd.DataFrame] = []
    for column in ("key", "sorted_key"):
        q_key, p_key = _arrow(subset[column]), _arrow(pool[column])
        passes = [(blocked, side) for blocked, side, scored_on in _PASSES if scored_on == column]
        pairs = pd.concat(
            [
                _pass_pairs(
                    _blocks(q_country, _arrow(subset[blocked]), side),
                    _blocks(p_country, _arrow(pool[blocked]), side),
                    side,
                    config,
                    crowded,
                )
                for blocked, side in passes
            ]
        )
        pairs = pairs.drop_duplicates(ignore_index=True)
        if pairs.empty:
            continue
        q_len = pc.utf8_length(q_key).to_numpy()[pairs["q"].to_numpy()]
        p_len = pc.utf8_length(p_key).to_numpy()[pairs["p"].to_numpy()]
        reachable = 2 * np.minimum(q_len, p_len) >= reach * (q_len + p_len) - 1e-9
        pairs = pairs[reachable]
        left = q_key.take(pairs["q"].to_numpy()).to_numpy(zero_copy_only=False)
        right = p_key.take(pairs["p"].to_numpy()).to_numpy(zero_copy_only=False)
        score = process.cpdist(
            left, right, scorer=fuzz.ratio, workers=config.workers, score_cutoff=config.fuzzy_min_score
        )
        keep = score >= config.fuzzy_min_score
        if column == "key":
            # A shared generic ending ("technology") must not carry the match: the heads must agree too.
            q_head = _arrow(subset["core"]).take(pairs["q"].to_numpy()[keep]).to_numpy(zero_copy_only=False)
            p_head = _arrow(pool["core"]).take(pairs["p"].to_numpy()[keep]).to_numpy(zero_copy_only=False)
            head_score = process.cpdist(q_head, p_head, scorer=fuzz.ratio, workers=config.workers)
            keep[np.flatnonzero(keep)[head_score < config.fuzzy_min_head_score]] = False
        scored.append(
            pd.DataFrame(
                {"q": q_rows[pairs["q"].to_numpy()[keep]], "p": pairs["p"].to_numpy()[keep], "score": score[keep]}
            )
        )
    if not scored:
        return empty, q_rows[crowded]
    best = pd.concat(scored, ignore_index=True).sort_values("score", ascending=False, kind="stable")
    return best.drop_duplicates(["q", "p"]).sort_values(["q", "p"], ignore_index=True), q_rows[crowded]
