"""Columns as Arrow arrays for the vectorised string kernels the matcher uses.

Invariant: `strings` returns one contiguous `large_string` array, row for row with the column, missing
values as nulls, whatever backs the column (NumPy objects, one Arrow chunk, or the several chunks a
Parquet file read gives), so that callers can rely on Array-only methods (`dictionary_encode().dictionary`,
`ListArray.from_arrays`, `take` by position).
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa


def strings(column: pd.Series | pd.Index) -> pa.Array:
    values = pa.array(pd.Series(column, copy=False).astype("str"), type=pa.large_string())
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks()
    return values
