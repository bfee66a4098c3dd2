"""`link` on frames as the stage reads them: Parquet round trips and partner frames concatenated, whose
Arrow-backed string columns arrive in several chunks."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.config import MatchingConfig
from pipeline.datasets import ENTITIES, IDENTIFIERS, TENANTS
from pipeline.matching import link
from tests.frames import frame


def _chunked(df: pd.DataFrame) -> pd.DataFrame:
    """The frame split in two Parquet row groups and read back, as concatenated partner exports are."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, row_group_size=max(1, len(df) // 2))
    return pq.read_table(pa.BufferReader(sink.getvalue())).to_pandas()


def test_link_accepts_multi_chunk_columns() -> None:
    entities = frame(
        ENTITIES,
        [
            {"entity_id": "e1", "record_type": "entity", "name": "Nordwerk Antriebstechnik GmbH", "jurisdiction": "DE"},
            {"entity_id": "e2", "record_type": "entity", "name": "Harbourside Fintech Limited", "jurisdiction": "GB"},
        ],
    )
    tenants = frame(
        TENANTS,
        [
            {
                "partner": "aws",
                "tenant_id": "000000000001",
                "company_name": "Nordwerk Antriebstechnik",
                "country": "DE",
            },
            {"partner": "gcp", "tenant_id": "g-2", "company_name": "Harbourside Fintech Ltd", "country": "GB"},
        ],
    )
    chunked = _chunked(tenants)
    links = link(chunked, _chunked(entities), frame(IDENTIFIERS, []), MatchingConfig())
    assert links.set_index("tenant_id")["entity_id"].to_dict() == {"000000000001": "e1", "g-2": "e2"}
