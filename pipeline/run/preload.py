"""Import the libraries every stage needs once, in the process Airflow forks its task processes from.

Airflow's LocalExecutor forks each task from workers that are themselves forked from the scheduler. A
stage imports pandas, Arrow, the cloud SDKs and Great Expectations on first use, and each task process
paid for them again: Great Expectations alone is about 8 s of CPU, and a night has eight tasks that
validate. Imported once in the scheduler (`deploy/airflow/config/airflow_local_settings.py` calls
`preload` there), every task starts with them, shared copy-on-write. Other processes (the api-server, the
dag-processor, `airflow dags test`) do not preload: they parse DAG files, which must stay light.

Invariant: `preload` only imports modules. It reads no file or configuration, opens no connection and
starts no thread, so forking after it is as safe as forking before it.
"""

from __future__ import annotations

import importlib
import logging
import time
import warnings
from collections.abc import Sequence

log = logging.getLogger(__name__)

# What the stages import on first use; `pipeline.run.stages` brings the pipeline's own modules.
HEAVY_MODULES: tuple[str, ...] = (
    "pandas",
    "pyarrow.parquet",
    "pyarrow.csv",
    "pyarrow.json",
    "great_expectations",
    "boto3",
    "google.cloud.storage",
    "azure.storage.blob",
    "pipeline.run.stages",
)


def preload(modules: Sequence[str] = HEAVY_MODULES) -> float:
    """Import `modules`; the seconds it took. A module that cannot be imported is logged and skipped: the
    task that needs it will fail with the real error, where it belongs."""
    started = time.monotonic()
    with warnings.catch_warnings():
        # Great Expectations' and the SDKs' deprecation notes at import are noise in the scheduler's log.
        warnings.simplefilter("ignore")
        for name in modules:
            try:
                importlib.import_module(name)
            except ImportError as exc:
                log.warning("preload: %s not imported (%s)", name, exc)
    seconds = time.monotonic() - started
    log.info("preloaded %d modules for task processes in %.1f s", len(modules), seconds)
    return seconds
