"""Small dataset frames for tests: rows given as dicts, every other column of the dataset missing (NaN).

Invariant: the frame has exactly the dataset's columns, in order, as `str` columns, unless a column is
named in `numeric` (floats) or `flags` (booleans); the dataset's nested columns are `ArrowDtype` columns of
their declared type, given as Python lists and dicts (a missing field is null).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd
import pyarrow as pa

from pipeline.arrays import pandas_nested
from pipeline.datasets import Dataset


def frame(
    dataset: Dataset,
    rows: Iterable[Mapping[str, object]],
    numeric: tuple[str, ...] = (),
    flags: tuple[str, ...] = (),
) -> pd.DataFrame:
    data = pd.DataFrame(list(rows), columns=list(dataset.columns))
    nested = dataset.nested_types
    types = {c: ("float64" if c in numeric else "bool" if c in flags else "str") for c in dataset.columns}
    out = data.astype({c: t for c, t in types.items() if c not in nested})
    for c, t in nested.items():
        out[c] = nested_column(data[c].tolist(), t)
    return out


def nested_column(values: list[object], type: pa.DataType) -> pd.api.extensions.ExtensionArray:
    """Python lists and dicts as a nested column of `type` (anything else is missing)."""
    present = [v if isinstance(v, list | dict) else None for v in values]
    return pandas_nested(pa.array(present, type))
