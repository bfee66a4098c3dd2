"""Reading one run's workspace (`<workspace>/dt=D/run=R/`) by dataset, for `explain` and the report stage.

Invariant: the layout is RunContext's (pipeline/run/context.py): run-wide datasets at `<run>/<name>.parquet`,
partner datasets at `<run>/partner=<p>/<name>.parquet`. Reads go through `Storage` and
`storage.frames`; a dataset that is required and absent is an error naming its URI, never an empty
frame standing in for it.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from pipeline.datasets import Dataset
from pipeline.storage import Storage, StorageError, join
from pipeline.storage.frames import read_parquet

_LOGICAL_DATE = re.compile(r"/dt=(\d{4}-\d{2}-\d{2})(?:/|$)")


class RunWorkspace:
    def __init__(self, storage: Storage, run_uri: str) -> None:
        self.storage = storage
        self.run_uri = run_uri.rstrip("/")

    def uri(self, dataset: Dataset, partner: str | None = None) -> str:
        parts = [f"partner={partner}"] if partner else []
        return join(self.run_uri, *parts, dataset.file_name)

    @property
    def logical_date(self) -> dt.date | None:
        """The logical date in the workspace path (`dt=YYYY-MM-DD`), when the path has one."""
        found = _LOGICAL_DATE.search(self.run_uri)
        return dt.date.fromisoformat(found.group(1)) if found else None

    def exists(self, dataset: Dataset, partner: str | None = None) -> bool:
        return self.storage.exists(self.uri(dataset, partner))

    def read(self, dataset: Dataset, partner: str | None = None) -> pd.DataFrame:
        uri = self.uri(dataset, partner)
        if not self.storage.exists(uri):
            raise StorageError(f"{uri}: not found (is {self.run_uri} a run workspace, .../dt=D/run=R?)")
        return read_parquet(self.storage, uri)

    def read_optional(self, dataset: Dataset, partner: str | None = None) -> pd.DataFrame | None:
        uri = self.uri(dataset, partner)
        return read_parquet(self.storage, uri) if self.storage.exists(uri) else None
