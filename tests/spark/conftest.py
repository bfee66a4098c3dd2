"""One local Spark session for the whole test session: two cores, four shuffle partitions, no UI, a 2 GB
driver (the machine is shared). Every test in this folder is in the `spark` lane (`make test-spark`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from pipeline.config import SparkConfig
from pipeline.spark.session import spark_session

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

TEST_SPARK = SparkConfig(
    master="local[2]",
    conf={"spark.driver.memory": "2g", "spark.sql.shuffle.partitions": "4", "spark.default.parallelism": "2"},
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = __file__.rsplit("/", 1)[0]
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.spark)


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkSession]:
    with spark_session(TEST_SPARK, "recon-tests") as session:
        session.sparkContext.setCheckpointDir(str(tmp_path_factory.mktemp("spark-checkpoints")))
        yield session
