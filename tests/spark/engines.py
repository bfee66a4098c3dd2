"""Both engines on one input, side by side: the local engine's numbers per record, and Spark's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.ownership.graph import build_graph
from pipeline.ownership.judge import judge
from pipeline.ownership.roots import root_basis
from pipeline.ownership.structure import Structural
from pipeline.ownership.unread import UnreadRecords, unread_statements
from pipeline.policy.definition import Policy
from pipeline.spark import ownership as spark_ownership

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

RUN_FIELDS = ("rho", "rho_open", "restricted", "share_restricted", "forced", "possible", "rank")
COLUMNS = (
    "id", "is_root", *(f"{b}_{c}" for b in ("low", "high") for c in RUN_FIELDS), "other_rho", "declared",
    "disagrees", "rho_high", "rho_high_open", "decision", "parent", "majority_owners", "ultimate", "cycle",
    "depth", "chain",
)  # fmt: skip


def local_numbers(
    entities: pd.DataFrame, interests: pd.DataFrame, policy: Policy, as_of: dt.date, quarantine: pd.DataFrame | None
) -> tuple[pd.DataFrame, np.ndarray]:
    """The local engine's numbers, one row per record in id order, and the ids it holds (unread)."""
    graph = build_graph(entities, interests, policy, as_of)
    roots = root_basis(entities, policy).take(graph.rows).is_root
    unread = UnreadRecords(graph, unread_statements(quarantine, interests, as_of) if quarantine is not None else None)
    j = judge(graph, roots, policy, unread.held)
    side = Structural.of(graph)
    ids = graph.ids
    parent = side.parents.parent
    out: dict[str, object] = {"id": ids, "is_root": roots}
    for name, run in (("low", j.low), ("high", j.high)):
        for c in RUN_FIELDS:
            out[f"{name}_{c}"] = getattr(run, c)
    out |= {
        "other_rho": j.other_rho, "declared": j.declared, "disagrees": j.disagrees, "rho_high": j.rho_high,
        "rho_high_open": j.rho_high_open, "decision": j.decision,
        "parent": np.where(parent >= 0, ids[np.maximum(parent, 0)], None),
        "majority_owners": side.parents.majority_owners, "ultimate": side.ultimate.to_pylist(),
        "cycle": side.parents.cycle, "depth": side.parents.depth, "chain": side.chains.to_pylist(),
    }  # fmt: skip
    return pd.DataFrame(out)[list(COLUMNS)], ids[unread.held]


def to_spark(spark: SparkSession, frame: pd.DataFrame, folder: Path, name: str) -> DataFrame:
    """A frame as the canonical Parquet the stages exchange, read back by Spark."""
    path = folder / f"{name}.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    return spark.read.parquet(str(path))


def spark_numbers(
    spark: SparkSession,
    world: tuple[pd.DataFrame, pd.DataFrame],
    policy: Policy,
    as_of: dt.date,
    *,
    held: np.ndarray,
    folder: Path,
) -> pd.DataFrame:
    entities, interests = world
    held_ids = spark.createDataFrame([(str(i),) for i in held], "id string")
    frame, _ = spark_ownership.numbers(
        to_spark(spark, entities, folder, "entities"), to_spark(spark, interests, folder, "interests"), policy, as_of,
        held_ids,
    )  # fmt: skip
    table = frame.select(*COLUMNS).toArrow()
    out = table.to_pandas(types_mapper=None).sort_values("id", kind="stable").reset_index(drop=True)
    out["chain"] = [list(c) for c in out["chain"]]
    return out


def differences(local: pd.DataFrame, spark: pd.DataFrame) -> list[str]:
    """Every column that differs, bit for bit (floats by their bits), with the first ids concerned."""
    if list(local["id"]) != list(spark["id"]):
        return [f"ids differ: {list(local['id'])} vs {list(spark['id'])}"]
    out = []
    for c in COLUMNS[1:]:
        a, b = local[c].tolist(), spark[c].tolist()
        if c in ("rho_high", "other_rho") or c.endswith("_rho"):
            same = [np.float64(x).tobytes() == np.float64(y).tobytes() for x, y in zip(a, b, strict=True)]
        else:
            same = [_missing(x) and _missing(y) if _missing(x) else x == y for x, y in zip(a, b, strict=True)]
        wrong = [local["id"][k] for k, ok in enumerate(same) if not ok]
        if wrong:
            k = int(np.flatnonzero(~np.array(same))[0])
            out.append(f"{c}: {wrong[:5]} local {a[k]!r} spark {b[k]!r}")
    return out


def _missing(value: object) -> bool:
    return not isinstance(value, list) and bool(pd.isna(value))
