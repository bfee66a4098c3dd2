"""Reading one run's workspace (`<workspace>/dt=D/run=R/`) by dataset, for `explain`.

Invariant: the paths are the run's `RunLayout` (pipeline/run/layout.py); reads go through `Storage` and
`storage.frames`; a dataset that is required and absent is an error naming its URI, never an empty
frame standing in for it.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from pipeline.datasets import Dataset
from pipeline.run.layout import RunLayout
from pipeline.storage import Storage, StorageError
from pipeline.storage.frames import read_parquet


class RunWorkspace:
    def __init__(self, storage: Storage, run_uri: str) -> None:
        self.storage = storage
        try:
            self.layout = RunLayout.at(run_uri)
        except ValueError as exc:
            raise StorageError(str(exc)) from exc

    @property
    def run_uri(self) -> str:
        return self.layout.run_folder

    @property
    def logical_date(self) -> dt.date:
        return self.layout.logical_date

    def uri(self, dataset: Dataset, partner: str | None = None) -> str:
        return self.layout.dataset(dataset, partner)

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
