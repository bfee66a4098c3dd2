"""Matching on Spark: tenants linked in the executors, partition by partition, by the local code.

Invariants:
- `link` decides each tenant from the tenant's own fields and the whole entity pool alone (identifiers
  against the entities' identifiers; names against the pool's names in the tenant's countries; fuzzy
  blocks sized by the pool's rows, generic endings from the pool's words), never from other tenants.
  So tenants split into partitions (by their country, as the blocks are) and linked in each with the
  same entities and identifiers give every tenant the LINKS row the local engine gives it; the rows come
  back in the tenants' order.
- The entities and identifiers go to the executors once (a broadcast), and every partition builds the
  name pool from them again: that is the cost of reusing the local scoring unchanged (docs/scale-out.md).
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pyarrow as pa
from pyspark.sql import SparkSession
from pyspark.sql import functions as f

from pipeline.config import MatchingConfig, SparkConfig
from pipeline.datasets import LINKS, TENANTS, conform
from pipeline.matching.link import link
from pipeline.spark.session import spark_session

ROW = "__row"


def link_on_spark(
    spark: SparkSession,
    tenants: pd.DataFrame,
    entities: pd.DataFrame,
    identifiers: pd.DataFrame,
    config: MatchingConfig,
    *,
    partitions: int | None = None,
) -> pd.DataFrame:
    """`matching.link`, its tenants linked in Spark's executors (see the module docstring)."""
    tenants = tenants.reset_index(drop=True)
    if tenants.empty:
        return link(tenants, entities, identifiers, config)
    pool = spark.sparkContext.broadcast((entities, identifiers))
    columns = list(TENANTS.columns)
    table = pa.Table.from_pandas(tenants[columns], preserve_index=False).append_column(
        ROW, pa.array(range(len(tenants)), pa.int64())
    )
    frame = spark.createDataFrame(table)
    count = partitions or spark.sparkContext.defaultParallelism
    frame = frame.repartition(count, f.coalesce(f.col("country"), f.lit("")))
    sample = link(tenants.iloc[:0], entities.iloc[:0], identifiers.iloc[:0], config)
    links_schema = pa.Table.from_pandas(sample, preserve_index=False).schema
    # Spark's Arrow reads no large (64-bit offset) types: the rows cross as plain lists and strings.
    schema = pa.schema([pa.field(x.name, _small(x.type)) for x in links_schema]).append(pa.field(ROW, pa.int64()))

    def linked(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        ents, ids = pool.value
        part = pa.Table.from_batches(list(batches))
        if not part.num_rows:
            return
        rows = part.column(ROW)
        chunk = conform(part.drop_columns([ROW]).to_pandas(), TENANTS)
        out = pa.Table.from_pandas(link(chunk, ents, ids, config), preserve_index=False).append_column(ROW, rows)
        yield from out.cast(schema).to_batches()

    result = frame.mapInArrow(linked, _spark_schema(spark, schema)).toArrow()
    result = result.take(pa.compute.sort_indices(result[ROW])).drop_columns([ROW])
    return conform(result.cast(links_schema).to_pandas(types_mapper=_nested), LINKS)


def _small(t: pa.DataType) -> pa.DataType:
    """`t` with 32-bit offsets throughout (large_string -> string, large_list -> list)."""
    if pa.types.is_large_string(t):
        return pa.string()
    if pa.types.is_large_list(t) or pa.types.is_list(t):
        return pa.list_(_small(t.value_type))
    if pa.types.is_struct(t):
        return pa.struct([pa.field(x.name, _small(x.type), x.nullable) for x in t])
    return t


def _nested(t: pa.DataType) -> pd.ArrowDtype | None:
    return pd.ArrowDtype(t) if pa.types.is_nested(t) else None


def _spark_schema(spark: SparkSession, schema: pa.Schema) -> str:
    """The DDL of an Arrow schema, as Spark reads it from an empty table of that schema."""
    return str(spark.createDataFrame(schema.empty_table()).schema.simpleString()).removeprefix("struct<")[:-1]


def link_with_spark(
    config: SparkConfig, tenants: pd.DataFrame, entities: pd.DataFrame, identifiers: pd.DataFrame,
    matching: MatchingConfig,
) -> pd.DataFrame:  # fmt: skip
    """`link_on_spark` in the session the run configuration describes."""
    with spark_session(config) as spark:
        return link_on_spark(spark, tenants, entities, identifiers, matching)
