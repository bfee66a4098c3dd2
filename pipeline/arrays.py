"""Columns as arrays: the numpy array aliases and the one conversion of a text column to Arrow.

Invariant: `strings` returns one contiguous `large_string` array, row for row with the column, missing
values as nulls, whatever backs the column (NumPy objects, one Arrow chunk, or the several chunks a
Parquet file read gives), so that callers can rely on Array-only methods (`dictionary_encode().dictionary`,
`ListArray.from_arrays`, `take` by position). `arrow_strings` gives the same values as chunks, sharing
the column's own buffers when it is already Arrow-backed (pandas 3 `str`): no Python objects, no copy.
`instants` is the one reading of ISO 8601 timestamp text (what the partners write and the contracts'
`timestamp` rules accept): UTC, unparseable text missing; `utc_dates` is its day as `YYYY-MM-DD` text.
`arrow_nested` does the same for a nested column (lists, structs): an `ArrowDtype` column's own chunks,
or Python lists and dicts converted to the type given; `pandas_nested` is its way back, an Arrow array as
an `ArrowDtype` column that keeps its type, without a copy. `filled`, `utf8_normalized` and `list_joined`
are Arrow's `fill_null`, `utf8_normalize` and `binary_join` typed as they behave, where the pyarrow stubs
declare them loosely or not at all; `int64s` is the one conversion of NumPy positions and offsets.
`member_of` is `isin` for text by Arrow's hash lookup. `row_dicts` is a frame's rows as plain Python
dicts through Arrow (missing values as None), for the rare per-row logic over hundreds of thousands of
rows: pandas' own `to_dict` boxes every cell of an Arrow-backed column one at a time, several times slower.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, TypeAlias, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# Large strings as Arrow's kernels hand them back (a `pa.LargeStringArray` is one too; so is the
# dictionary of an encoded one, which the stubs cannot tell apart from any other array).
LargeStrings: TypeAlias = "pa.Array[pa.Scalar[pa.lib.LargeStringType]]"
LargeStringChunks: TypeAlias = "pa.ChunkedArray[pa.Scalar[pa.lib.LargeStringType]]"

# An Arrow array or chunked array, handed back as the same kind by the kernels below.
_ArrowT = TypeVar("_ArrowT", bound="pa.Array[Any] | pa.ChunkedArray[Any]")


def strings(column: pd.Series | pd.Index) -> pa.LargeStringArray:
    values = pa.array(pd.Series(column, copy=False).astype("str"), type=pa.large_string())
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks()
    return values


def arrow_strings(series: pd.Series) -> LargeStringChunks:
    """A string column as Arrow large_string chunks (nulls where pandas has NaN)."""
    try:
        arr = pa.array(series.array)
    except (TypeError, pa.ArrowInvalid):
        arr = pa.array(series.to_numpy(dtype=object), from_pandas=True)
    chunked = arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr])
    if chunked.type == pa.null():
        return pa.chunked_array([pa.nulls(len(chunked), pa.large_string())])
    return chunked.cast(pa.large_string()) if chunked.type != pa.large_string() else chunked


def instants(values: pd.Series) -> pd.Series:
    """ISO 8601 text -> UTC timestamps (unparseable -> NaT)."""
    return pd.to_datetime(values, format="ISO8601", utc=True, errors="coerce")


def utc_dates(values: pd.Series) -> pd.Series:
    """ISO 8601 text -> the UTC day as `YYYY-MM-DD` text (unparseable -> missing)."""
    dates: pd.Series = instants(values).dt.strftime("%Y-%m-%d").astype("str")
    return dates


def arrow_nested(series: pd.Series, type: pa.DataType | None = None) -> pa.ChunkedArray[Any]:
    """A nested column (pandas `ArrowDtype`, or objects: lists, dicts, None) as Arrow chunks."""
    if isinstance(series.dtype, pd.ArrowDtype):
        arr = pa.array(series.array)
    else:
        arr = pa.array(series.to_numpy(dtype=object), type=type, from_pandas=True)
    chunked = arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr])
    return chunked if type is None or chunked.type == type else chunked.cast(type)


def pandas_nested(values: pa.Array[Any] | pa.ChunkedArray[Any]) -> pd.api.extensions.ExtensionArray:
    """A nested Arrow array as a pandas column that keeps its Arrow type (`ArrowDtype`), without a copy."""
    chunked = values if isinstance(values, pa.ChunkedArray) else pa.chunked_array([values])
    return pd.arrays.ArrowExtensionArray(chunked)


def filled(values: _ArrowT, value: bool | int | str) -> _ArrowT:
    """Arrow's `fill_null`: the nulls of `values` replaced by `value`, the same kind of array back."""
    # pyarrow-stubs 20 declares fill_null as coalesce (every argument of one type, returned), so a Python
    # fill value widens the result to `values | value`; Arrow returns the kind of array it was given.
    return pc.fill_null(values, value)  # type: ignore[type-var,return-value]


def utf8_normalized(values: _ArrowT, form: Literal["NFC", "NFKC", "NFD", "NFKD"]) -> _ArrowT:
    """Arrow's `utf8_normalize` (Unicode normal form `form` of each string), the same kind of array back."""
    # pyarrow-stubs 20 does not declare utf8_normalize (Arrow has had it since 8.0); this is the call the
    # generated `pc.utf8_normalize` makes.
    normalized: _ArrowT = pc.call_function("utf8_normalize", [values], pc.Utf8NormalizeOptions(form))
    return normalized


def text_array(values: pa.Array[Any] | pa.ChunkedArray[Any]) -> pd.api.extensions.ExtensionArray:
    """Arrow text as a pandas `str` array (missing where Arrow has nulls), kept in Arrow by pandas."""
    # pandas-stubs list no Arrow array among pd.array's inputs; pandas takes one.
    column: pd.api.extensions.ExtensionArray = pd.array(values, dtype="str")  # type: ignore[call-overload]
    return column


def text_series(values: pa.Array[Any] | pa.ChunkedArray[Any], index: pd.Index | None = None) -> pd.Series:
    """Arrow text as a pandas `str` column (missing where Arrow has nulls), indexed by `index`."""
    return pd.Series(values, dtype="str", index=index)


def member_of(column: pd.Series, values: Iterable[str] | pd.Series) -> pd.Series:
    """Whether each text value of `column` is one of `values` (missing values: False), as `isin` answers,
    by Arrow's hash lookup: pandas' `isin` on Arrow-backed strings builds its value set one Python
    scalar at a time (over a second for a few hundred thousand address ids). A text column as `values`
    stays in Arrow (its missing values match nothing)."""
    if isinstance(values, pd.Series):
        value_set = strings(values.dropna())
    else:
        value_set = pa.array(list(values), type=pa.large_string())
    found = filled(pc.is_in(arrow_strings(column), value_set=value_set), False)
    return pd.Series(found.to_numpy(), index=column.index, dtype=bool)


def row_dicts(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The frame's rows as dicts keyed by column name, in order; missing cells (NaN, NA, null) are None,
    nested cells (Arrow lists and structs) lists and dicts as `to_pylist` gives them."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    # to_pylist is declared for a table of plain values; a table's rows come out as dicts keyed by column.
    rows: list[dict[str, Any]] = table.to_pylist()
    return rows


def int64s(values: IntArray) -> pa.Int64Array:
    """NumPy int64 values as an Arrow int64 array (no copy): offsets for list arrays, positions for `take`.

    The pyarrow stubs read `pa.array` of any NumPy array as booleans; naming the type says what it is."""
    return pa.array(values, pa.int64())


def list_joined(lists: pa.ListArray[Any] | pa.LargeListArray[Any], separator: str) -> LargeStrings:
    """Arrow's `binary_join`: the large strings of each list joined by `separator`."""
    joined = pc.binary_join(lists, pa.scalar(separator, pa.large_string()))
    # binary_join is declared once for scalars and arrays alike; a list array gives an array.
    return joined  # type: ignore[return-value]
