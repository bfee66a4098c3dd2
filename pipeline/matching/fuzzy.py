"""Fuzzy name candidates within a country, with blocking so that millions of names stay tractable.

Invariant: a (tenant, entity) pair is scored only when both are in the same country and share a
block; the score is rapidfuzz's normalised Indel similarity (`fuzz.ratio`, 0-100) of the normalised
keys, or of the word-sorted keys when the pair met through them (swapped word order); pairs under
`fuzzy_min_score` are not returned.

Blocking: three passes, each keyed by country plus a piece of a key: the start of the key, the end of
the key, and the start of the word-sorted key. One typo leaves at least one of them intact when the key
is long enough, so a misspelt name still meets its entity. Piece lengths grow (`block_lengths`) until
the entities' block under a tenant's piece holds at most `block_max_size`: common starts such as
"shanghai" get longer pieces, rare ones stay short. A tenant whose block is still too large at the
longest piece is not scored in that pass (a missed link, never a wrong one). Pairs whose lengths differ
too much to reach `fuzzy_min_score` are dropped before scoring (ratio <= 2 min / (len a + len b)).
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
    return pc.binary_join_element_wise(country, piece, pa.scalar("|", type=key.type))


def _arrow(column: pd.Series) -> pa.Array:
    return pa.array(column.astype("str"), type=pa.large_string())


def _pass_pairs(
    q_country: pa.Array, q_key: pa.Array, p_country: pa.Array, p_key: pa.Array, side: str, config: MatchingConfig
) -> pd.DataFrame:
    """Pairs (q, p) for one pass: each query meets the pool rows of its smallest block that fits."""
    open_rows = np.ones(len(q_key), dtype=bool)
    # Pool rows still in play: a row outside every wanted block at one length is outside at longer ones.
    pool_rows = np.arange(len(p_key))
    found: list[pd.DataFrame] = []
    for length in config.block_lengths:
        if not open_rows.any() or len(pool_rows) == 0:
            break
        q_blocks = _pieces(q_country, q_key, side, length)
        wanted = pc.unique(q_blocks.filter(pa.array(open_rows)))
        taken = pa.array(pool_rows)
        p_blocks = _pieces(p_country.take(taken), p_key.take(taken), side, length)
        inside = pc.is_in(p_blocks, value_set=wanted).to_numpy(zero_copy_only=False)
        pool_rows = pool_rows[inside]
        members = pd.DataFrame({"block": pd.Series(p_blocks.filter(pa.array(inside)), dtype="str"), "p": pool_rows})
        sizes = members["block"].value_counts()
        q_frame = pd.DataFrame({"block": pd.Series(q_blocks, dtype="str"), "q": np.arange(len(q_key))})
        q_size = q_frame["block"].map(sizes).fillna(0).to_numpy()
        chosen = open_rows & (q_size > 0) & (q_size <= config.block_max_size)
        if chosen.any():
            found.append(q_frame[chosen].merge(members, on="block")[["q", "p"]])
        # An empty block stays empty with longer pieces; only oversized ones are worth refining.
        open_rows &= q_size > config.block_max_size
    if not found:
        return pd.DataFrame({"q": np.array([], dtype="int64"), "p": np.array([], dtype="int64")})
    return pd.concat(found, ignore_index=True)


def fuzzy_candidates(queries: pd.DataFrame, pool: pd.DataFrame, config: MatchingConfig) -> pd.DataFrame:
    """Scored pairs (q, p, score) for queries and pool rows with columns country, key, sorted_key.

    `q` and `p` are row positions in `queries` and `pool`. Keys shorter than `fuzzy_min_key_length`
    are not scored: a few letters are too little to say two names are the same.
    """
    empty = pd.DataFrame(
        {"q": np.array([], dtype="int64"), "p": np.array([], dtype="int64"), "score": np.array([], dtype="float64")}
    )
    q_rows = np.flatnonzero((queries["key"].str.len() >= config.fuzzy_min_key_length).to_numpy())
    if len(q_rows) == 0 or pool.empty:
        return empty
    subset = queries.iloc[q_rows]
    q_country, p_country = _arrow(subset["country"]), _arrow(pool["country"])
    # The longest score a pair of lengths allows: ratio = 2 matches / (la + lb) and matches <= min(la, lb).
    reach = config.fuzzy_min_score / 100.0
    scored: list[pd.DataFrame] = []
    for column in ("key", "sorted_key"):
        q_key, p_key = _arrow(subset[column]), _arrow(pool[column])
        sides = [side for name, side in _PASSES if name == column]
        pairs = pd.concat([_pass_pairs(q_country, q_key, p_country, p_key, s, config) for s in sides])
        pairs = pairs.drop_duplicates(ignore_index=True)
        if pairs.empty:
            continue
        q_len = pc.utf8_length(q_key).to_numpy()[pairs["q"].to_numpy()]
        p_len = pc.utf8_length(p_key).to_numpy()[pairs["p"].to_numpy()]
        reachable = 2 * np.minimum(q_len, p_len) >= reach * (q_len + p_len) - 1e-9
        pairs = pairs[reachable]
        left = q_key.take(pa.array(pairs["q"].to_numpy())).to_numpy(zero_copy_only=False)
        right = p_key.take(pa.array(pairs["p"].to_numpy())).to_numpy(zero_copy_only=False)
        score = process.cpdist(
            left, right, scorer=fuzz.ratio, workers=config.workers, score_cutoff=config.fuzzy_min_score
        )
        keep = score >= config.fuzzy_min_score
        scored.append(
            pd.DataFrame(
                {"q": q_rows[pairs["q"].to_numpy()[keep]], "p": pairs["p"].to_numpy()[keep], "score": score[keep]}
            )
        )
    if not scored:
        return empty
    best = pd.concat(scored, ignore_index=True).sort_values("score", ascending=False, kind="stable")
    return best.drop_duplicates(["q", "p"]).sort_values(["q", "p"], ignore_index=True)
