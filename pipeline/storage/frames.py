"""DataFrames and JSON documents to and from object storage, byte-for-byte reproducibly.

Invariant: the same frame (same rows, same order, same dtypes) always serialises to the same bytes, so
that reruns of a logical date produce identical intermediates and identical published files. Nested
columns (lists, structs) keep their Arrow type both ways: they are read back as pandas `ArrowDtype`
columns, never as NumPy arrays of Python objects.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import jsonio
from pipeline.storage import tally
from pipeline.storage.base import StorageError
from pipeline.storage.resolver import Storage


def frame_to_parquet_bytes(df: pd.DataFrame) -> bytes:
    table = pa.Table.from_pandas(df, preserve_index=False)
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd", use_dictionary=True, write_statistics=True)
    return sink.getvalue()


def write_parquet(storage: Storage, uri: str, df: pd.DataFrame) -> str:
    storage.write_bytes(uri, frame_to_parquet_bytes(df), "application/vnd.apache.parquet")
    tally.rows_written(len(df))
    return uri


def read_parquet(storage: Storage, uri: str, columns: list[str] | None = None) -> pd.DataFrame:
    data = storage.read_bytes(uri)
    try:
        table = pq.read_table(io.BytesIO(data), columns=columns)
    except (pa.ArrowInvalid, OSError) as exc:
        raise StorageError(f"{uri}: not a readable Parquet file: {exc}") from exc
    frame: pd.DataFrame = table.to_pandas(types_mapper=_nested_as_arrow)
    tally.rows_read(len(frame))
    return frame


def _nested_as_arrow(dtype: pa.DataType) -> pd.ArrowDtype | None:
    return pd.ArrowDtype(dtype) if pa.types.is_nested(dtype) else None


def dumps_json(doc: Any) -> str:
    """Canonical JSON: sorted keys, two-space indent, trailing newline, UTF-8 kept readable."""
    return jsonio.document(doc)


def write_json(storage: Storage, uri: str, doc: Any) -> str:
    storage.write_text(uri, dumps_json(doc), "application/json")
    return uri


def read_json(storage: Storage, uri: str) -> Any:
    text = storage.read_text(uri)
    try:
        return jsonio.loads(text)
    except jsonio.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise StorageError(f"{uri}: not valid JSON ({where}): {exc.msg}") from exc
