"""Matching on Spark gives every tenant the local engine's LINKS row: identifiers, exact and fuzzy names,
ties, other countries, persons and tenants left unmatched, split over several partitions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa

from pipeline.datasets import IDENTIFIERS
from pipeline.matching import link
from pipeline.spark.matching import link_on_spark
from tests.frames import frame
from tests.matching.test_link import CONFIG, WORLD, tenants

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

TENANTS = tenants(
    {"company_name": "Acme Trading Ltd", "country": "GB"},  # exact, a decoy in DE
    {"company_name": "Acme Trading", "country": "FR"},  # only a person of that name in FR
    {"company_name": "Huawie Technologies", "country": "CN"},  # fuzzy
    {"company_name": "Globex Holdings", "country": "SG"},  # a tie
    {"company_name": "Pearl River Holdings Ltd", "country": "US", "tax_country": "HK"},
    {"company_name": "Acme Trading", "country": "GB", "tax_country": "CN",
     "tax_registration_number": "9144 0300 1922 0382 16"},
    {"company_name": "Nobody At All", "country": "JP"},
    {"company_name": "北京字节跳动科技有限公司", "country": "CN"},
)  # fmt: skip
IDS = frame(IDENTIFIERS, [{"entity_id": "huawei", "scheme": "CN-SAMR", "identifier": "914403001922038216"}])


def _table(links: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(links, preserve_index=False)


def test_links_on_spark_are_the_local_ones(spark: SparkSession) -> None:
    local = link(TENANTS, WORLD, IDS, CONFIG)
    remote = link_on_spark(spark, TENANTS, WORLD, IDS, CONFIG, partitions=3)
    assert list(remote["tenant_id"]) == list(TENANTS["tenant_id"])
    assert _table(remote).equals(_table(local))
    assert {"tax_id", "exact_name", "fuzzy_name", "none"} <= set(local["method"])
