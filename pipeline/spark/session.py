"""One SparkSession from the run configuration's `spark:` section.

Invariants:
- The session is built from `SparkConfig` alone (master and conf as given); what this module adds is only
  what a local master needs to run this package's Python in its workers: the interpreter running now
  (the one with this project's packages), so pandas UDFs find pyarrow and rapidfuzz.
- Settings the user gave win over the defaults here (UI off, few shuffle partitions on a local master).
- `spark_session` is a context manager that stops the session it started, and leaves alone one it found
  running (a test session's, a notebook's), so a caller never stops someone else's JVM.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from pipeline.config import SparkConfig

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# On a local master the defaults suit one machine: no UI port to collide with other runs on it, and few
# shuffle partitions (Spark's default of 200 is for clusters; on two cores it is 200 tiny tasks a round).
LOCAL_DEFAULTS = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.adaptive.enabled": "true",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}
# Everywhere: Arrow between the JVM and the Python workers (the pandas UDFs need it).
DEFAULTS = {"spark.sql.execution.arrow.pyspark.enabled": "true"}


def settings(config: SparkConfig) -> dict[str, str]:
    """The conf the session is built with: the defaults for the master's kind, then the user's."""
    base = LOCAL_DEFAULTS if config.master.startswith("local") else DEFAULTS
    return {**base, **config.conf}


@contextmanager
def spark_session(config: SparkConfig, app_name: str = "marketplace-access-recon") -> Iterator[SparkSession]:
    from pyspark.sql import SparkSession

    running = SparkSession.getActiveSession()
    if running is not None:
        yield running
        return
    if config.master.startswith("local"):
        # The workers are forked from this interpreter's environment: the same Python, same packages.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.master(config.master).appName(app_name)
    for key, value in settings(config).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    try:
        yield session
    finally:
        session.stop()
