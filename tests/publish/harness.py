"""A publisher harness over one storage root: an outbox, an audit trail, the gate and the writer wired
as the stage wires them, and storages that fail or record their writes as a crash or a test needs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from pipeline.config import GateConfig
from pipeline.partners.aws.revocations import LIST_FORMAT as AWS
from pipeline.publish.gate import GateResult, evaluate
from pipeline.publish.lists import ListFormat
from pipeline.publish.manifest import (
    last_published,
)
from pipeline.publish.writer import (
    PublishMeta,
    PublishResult,
    gate_input,
    publish_partner_list,
)
from pipeline.run.context import RunOptions
from pipeline.run.layout import lease_folder
from pipeline.storage import Storage, StorageError, join
from tests.publish.builders import aws_row

D1, D2, D3 = dt.date(2026, 11, 24), dt.date(2026, 11, 25), dt.date(2026, 11, 26)
NO_OPTIONS = RunOptions()
APPROVER = "R. Roe (Partner Ops)"


def approving(blocked: GateResult) -> RunOptions:
    """A named person's approval of the diff a blocked gate showed them (its sha256)."""
    return RunOptions(approve_gate=True, approved_by=APPROVER, approve_diff=blocked.diff_sha256)


def listing(accounts: range | list[int], **cells: str) -> pd.DataFrame:
    return pd.DataFrame([aws_row(f"{i:012d}", **cells) for i in accounts], columns=list(AWS.columns))


class FailingStorage(Storage):
    """A real storage whose next write to an object named `fail_on` raises, as a crash would."""

    def __init__(self, fail_on: str) -> None:
        super().__init__()
        self.fail_on = fail_on

    def write_bytes(self, uri: str, data: bytes, content_type: str | None = None) -> None:
        if uri.endswith("/" + self.fail_on):
            raise StorageError(f"{uri}: injected failure")
        super().write_bytes(uri, data, content_type)


class RecordingStorage(Storage):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write_bytes(self, uri: str, data: bytes, content_type: str | None = None) -> None:
        super().write_bytes(uri, data, content_type)
        self.writes.append(uri)


@dataclass
class Harness:
    root: str
    storage: Storage = field(default_factory=Storage)
    limits: GateConfig = field(default_factory=GateConfig)
    active_tenants: int = 1000
    fmt: ListFormat = AWS

    @property
    def outbox(self) -> str:
        return join(self.root, "outbox/aws")

    @property
    def audit(self) -> str:
        return join(self.root, "audit")

    def gate(self, df: pd.DataFrame, date: dt.date, run_id: str, options: RunOptions) -> GateResult:
        item = gate_input(
            self.storage,
            self.outbox,
            "aws",
            df,
            list_format=self.fmt,
            active_tenants=self.active_tenants,
            logical_date=date,
            previous=last_published(self.storage, self.outbox, date),
        )
        return evaluate([item], self.limits, options, logical_date=date, run_id=run_id)

    def run(
        self,
        df: pd.DataFrame,
        date: dt.date,
        run_id: str = "r1",
        *,
        options: RunOptions = NO_OPTIONS,
        storage: Storage | None = None,
        gate: GateResult | None = None,
    ) -> PublishResult:
        meta = PublishMeta(
            run_id=run_id,
            logical_date=date,
            policy_id="unsupported-regions",
            policy_version="2025-09-05",
            list_format_version="1.1.0",
            input_fingerprints={"decisions": "sha256:" + "ab" * 32, "tenants.aws": "sha256:" + "cd" * 32},
        )
        return publish_partner_list(
            storage or self.storage,
            self.outbox,
            "aws",
            df,
            meta,
            options=options,
            list_format=self.fmt,
            gate=gate or self.gate(df, date, run_id, options),
            audit_uri=self.audit,
        )

    def objects(self, prefix: str | None = None) -> dict[str, bytes]:
        """Every object under `prefix` but the publishing lease's (who held the outbox when, not output)."""
        lease = lease_folder(self.outbox) + "/"
        uris = self.storage.list((prefix or self.root) + "/")
        return {u: self.storage.read_bytes(u) for u in uris if not u.startswith(lease)}
