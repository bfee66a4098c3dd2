"""Fuzzy name candidates within a country, with blocking so that millions of names stay tractable.

Invariant: a (tenant, entity) pair is scored only when both are in the same country and share a
block; the score is rapidfuzz's normalised Indel similarity (`fuzz.ratio`, 0-100) of the normalised
keys, or of the word-sorted keys when that is higher (swapped word order); pairs under
`fuzzy_min_score` are not returned.

Blocking: three passes, each keyed by country plus a piece of a key: the start of the key, the end of
the key, and the start of the word-sorted key. One typo leaves at least one of them intact when the key
is long enough, so a misspelt name still meets its entity. Piece lengths grow (e.g. 4, 6, 8, 12
characters) until the entities' block under a tenant's piece is at most `block_max_size`: common starts
such as "shanghai" get longer pieces, rare ones stay short. A tenant whose block is still too large at
the longest piece is not scored in that pass (a missed link, never a wrong one).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process

from pipeline.config import MatchingConfig

_PASSES: tuple[tuple[str, str], ...] = (("key", "start"), ("key", "end"), ("sorted_key", "start"))


def _pieces(country: pa.Array, key: pa.Array, side: str, length: int) -> pa.Array:
    piece = pc.utf8_slice_codeunits(key, 0, length) if side == "start" else pc.utf8_slice_codeunits(key, -length)
    return pc.binary_join_element_wise(country, piece, "|")


def _block_pairs(queries: pd.DataFrame, pool: pd.DataFrame, config: MatchingConfig) -> pd.DataFrame:
    """Candidate pairs (q, p) of row positions in `queries` and `pool`, deduplicated."""
    q_country = pa.array(queries["country"], type=pa.string())
    p_country = pa.array(pool["country"], type=pa.string())
    pairs: list[pd.DataFrame] = []
    for column, side in _PASSES:
        q_key = pa.array(queries[column], type=pa.string())
        p_key = pa.array(pool[column], type=pa.string())
        open_rows = np.ones(len(queries), dtype=bool)
        for length in config.block_lengths:
            if not open_rows.any():
                break
            q_blocks = _pieces(q_country, q_key, side, length)
            wanted = pc.unique(q_blocks.filter(pa.array(open_rows)))
            p_blocks = _pieces(p_country, p_key, side, length)
            in_wanted = pc.is_in(p_blocks, value_set=wanted)
            p_positions = np.flatnonzero(in_wanted.to_numpy(zero_copy_only=False))
            members = pd.DataFrame(
                {"block": pd.array(p_blocks.take(pa.array(p_positions)), dtype="str"), "p": p_positions}
            )
            sizes = members["block"].value_counts()
            q_frame = pd.DataFrame({"block": pd.array(q_blocks, dtype="str"), "q": np.arange(len(queries))})
            q_size = q_frame["block"].map(sizes).fillna(0).to_numpy()
            chosen = open_rows & (q_size > 0) & (q_size <= config.block_max_size)
            if chosen.any():
                pairs.append(q_frame[chosen].merge(members, on="block")[["q", "p"]])
            # An empty block stays empty with longer pieces; only oversized ones are worth refining.
            open_rows &= q_size > config.block_max_size
    if not pairs:
        return pd.DataFrame({"q": np.array([], dtype="int64"), "p": np.array([], dtype="int64")})
    return pd.concat(pairs, ignore_index=True).drop_duplicates(ignore_index=True)


def fuzzy_candidates(queries: pd.DataFrame, pool: pd.DataFrame, config: MatchingConfig) -> pd.DataFrame:
    """Scored pairs (q, p, score) for queries and pool rows with columns country, key, sorted_key.

    `q` and `p` are row positions in `queries` and `pool`. Keys shorter than `fuzzy_min_key_length`
    are not scored: a few letters are too little to say two names are the same.
    """
    empty = pd.DataFrame(
        {"q": np.array([], dtype="int64"), "p": np.array([], dtype="int64"), "score": np.array([], dtype="float64")}
    )
    long_enough = queries["key"].str.len() >= config.fuzzy_min_key_length
    if not long_enough.any() or pool.empty:
        return empty
    subset = queries[long_enough.to_numpy()]
    pairs = _block_pairs(subset.reset_index(drop=True), pool, config)
    if pairs.empty:
        return empty
    q_rows = np.flatnonzero(long_enough.to_numpy())[pairs["q"].to_numpy()]
    p_rows = pairs["p"].to_numpy()
    score = np.zeros(len(pairs), dtype="float64")
    for column in ("key", "sorted_key"):
        left = queries[column].to_numpy(dtype=object)[q_rows]
        right = pool[column].to_numpy(dtype=object)[p_rows]
        score = np.maximum(score, process.cpdist(left, right, scorer=fuzz.ratio, workers=config.workers))
    keep = score >= config.fuzzy_min_score
    return pd.DataFrame({"q": q_rows[keep], "p": p_rows[keep], "score": score[keep]})
