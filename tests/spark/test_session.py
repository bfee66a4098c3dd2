from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.config import SparkConfig
from pipeline.spark.session import settings, spark_session

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def test_a_users_setting_wins_over_the_local_default() -> None:
    conf = settings(SparkConfig(master="local[2]", conf={"spark.sql.shuffle.partitions": "16"}))
    assert conf["spark.sql.shuffle.partitions"] == "16"
    assert conf["spark.ui.enabled"] == "false"


def test_a_cluster_master_gets_no_local_defaults() -> None:
    conf = settings(SparkConfig(master="spark://head:7077"))
    assert "spark.sql.shuffle.partitions" not in conf


def test_a_running_session_is_reused_and_left_running(spark: SparkSession) -> None:
    with spark_session(SparkConfig(master="local[1]")) as session:
        assert session is spark
    assert spark.range(3).count() == 3  # not stopped by the context above
