"""Small dataset frames for tests: rows given as dicts, every other column of the dataset missing (NaN).

Invariant: the frame has exactly the dataset's columns, in order, as `str` columns, unless a column is
named in `numeric` (floats) or `flags` (booleans).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from pipeline.datasets import Dataset


def frame(
    dataset: Dataset,
    rows: Iterable[Mapping[str, object]],
    numeric: tuple[str, ...] = (),
    flags: tuple[str, ...] = (),
) -> pd.DataFrame:
    data = pd.DataFrame(list(rows), columns=list(dataset.columns))
    types = {c: ("float64" if c in numeric else "bool" if c in flags else "str") for c in dataset.columns}
    return data.astype(types)
