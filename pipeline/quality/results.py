"""Validation results: one record per check, collected per run stage into a JSON-serialisable report.

Invariant: every check the pipeline runs (Great Expectations rules built from a contract, reader
checks on files, cross-dataset checks) ends up as one `CheckResult` with the same fields, so the run
report shows them all the same way; a report whose `errors` is non-empty must stop the run
(`raise_for_errors`), and the `QualityError` it raises names the dataset, the rule and sample rows.
`ValidationReport.from_json(report.to_json())` gives back an equal report.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline import jsonio
from pipeline.errors import RunStopped
from pipeline.quality.contracts import Scope, Severity

MAX_SAMPLES = 5


class Outcome(enum.StrEnum):
    PASSED = "passed"
    QUARANTINED = "quarantined"  # row rule at error: the failing rows were excluded
    WARNED = "warned"
    INFO = "info"
    FAILED = "failed"  # stops the run


class Source(enum.StrEnum):
    GREAT_EXPECTATIONS = "great_expectations"
    READER = "reader"  # file-level checks made while reading a partner export
    CROSS_DATASET = "cross_dataset"
    FINDINGS = "findings"  # reported by a pure module (ownership resolution) as a findings frame


def plain(value: Any) -> Any:
    """A JSON-safe scalar for samples: NaN/None -> None, numpy scalars -> Python, others as they are."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        try:
            return plain(value.item())
        except (ValueError, TypeError):
            return str(value)
    if isinstance(value, str | int | float | bool):
        return value
    return str(value)


def sample_rows(rows: Iterable[Mapping[Any, Any]], limit: int = MAX_SAMPLES) -> tuple[dict[str, Any], ...]:
    out: list[dict[str, Any]] = []
    for row in rows:
        if len(out) >= limit:
            break
        out.append({str(k): plain(v) for k, v in row.items()})
    return tuple(out)


@dataclass(frozen=True)
class CheckResult:
    dataset: str
    check: str
    severity: Severity
    scope: Scope
    passed: bool
    message: str
    checked: int = 0  # rows (or items) examined
    failed: int = 0  # rows (or items) that failed
    samples: tuple[Mapping[str, Any], ...] = field(default=(), compare=False)
    source: Source = Source.GREAT_EXPECTATIONS

    @property
    def outcome(self) -> Outcome:
        if self.passed:
            return Outcome.PASSED
        if self.severity is Severity.INFO:
            return Outcome.INFO
        if self.severity is Severity.WARN:
            return Outcome.WARNED
        return Outcome.QUARANTINED if self.scope is Scope.ROW else Outcome.FAILED

    @property
    def stops_run(self) -> bool:
        return self.outcome is Outcome.FAILED

    def to_json(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "check": self.check,
            "severity": self.severity.value,
            "scope": self.scope.value,
            "outcome": self.outcome.value,
            "passed": self.passed,
            "message": self.message,
            "checked": self.checked,
            "failed": self.failed,
            "samples": [dict(s) for s in self.samples],
            "source": self.source.value,
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> CheckResult:
        return cls(
            dataset=doc["dataset"],
            check=doc["check"],
            severity=Severity(doc["severity"]),
            scope=Scope(doc["scope"]),
            passed=bool(doc["passed"]),
            message=doc["message"],
            checked=int(doc.get("checked", 0)),
            failed=int(doc.get("failed", 0)),
            samples=tuple(doc.get("samples", ())),
            source=Source(doc.get("source", Source.GREAT_EXPECTATIONS.value)),
        )

    def describe(self) -> str:
        counts = f" ({self.failed} of {self.checked})" if self.checked else ""
        text = f"{self.dataset}: {self.check} [{self.severity.value}] {self.message}{counts}"
        if self.samples:
            text += "; sample rows: " + "; ".join(jsonio.compact(dict(s)) for s in self.samples)
        return text


@dataclass(frozen=True)
class DatasetCounts:
    """How many rows a dataset had, kept and quarantined, under which contract."""

    dataset: str
    contract: str
    rows: int
    valid: int
    quarantined: int

    def to_json(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "contract": self.contract,
            "rows": self.rows,
            "valid": self.valid,
            "quarantined": self.quarantined,
        }


class QualityError(RunStopped):
    """The run cannot be trusted: at least one `error`-level check failed. Nothing may be published."""

    def __init__(self, failures: Sequence[CheckResult]) -> None:
        self.failures = tuple(failures)
        lines = [f.describe() for f in self.failures]
        super().__init__(f"{len(lines)} data-quality check(s) failed at error level:\n- " + "\n- ".join(lines))


class ValidationReport:
    """Collects check results and dataset counts for one stage (or a whole run, by merging)."""

    def __init__(self, scope: str = "") -> None:
        self.scope = scope
        self._results: list[CheckResult] = []
        self._counts: dict[str, DatasetCounts] = {}

    def add(self, *results: CheckResult) -> None:
        self._results.extend(results)

    def extend(self, results: Iterable[CheckResult]) -> None:
        self._results.extend(results)

    def count(self, counts: DatasetCounts) -> None:
        """Record a dataset's row counts; a dataset validated twice keeps the later counts."""
        self._counts[counts.dataset] = counts

    def merge(self, other: ValidationReport) -> None:
        self._results.extend(other._results)
        for c in other._counts.values():
            self.count(c)

    @property
    def results(self) -> tuple[CheckResult, ...]:
        return tuple(self._results)

    @property
    def counts(self) -> tuple[DatasetCounts, ...]:
        return tuple(self._counts.values())

    @property
    def errors(self) -> tuple[CheckResult, ...]:
        return tuple(r for r in self._results if r.stops_run)

    @property
    def warnings(self) -> tuple[CheckResult, ...]:
        return tuple(r for r in self._results if r.outcome is Outcome.WARNED)

    @property
    def passed(self) -> bool:
        return not self.errors

    def for_dataset(self, dataset: str) -> tuple[CheckResult, ...]:
        return tuple(r for r in self._results if r.dataset == dataset)

    def find(self, check: str, dataset: str | None = None) -> tuple[CheckResult, ...]:
        return tuple(r for r in self._results if r.check == check and (dataset is None or r.dataset == dataset))

    def raise_for_errors(self) -> None:
        if self.errors:
            raise QualityError(self.errors)

    def to_json(self) -> dict[str, Any]:
        """Per dataset: counts and checks; plus a summary. Stable order: datasets as first seen."""
        order: list[str] = []
        for name in [*self._counts, *(r.dataset for r in self._results)]:
            if name not in order:
                order.append(name)
        datasets = []
        for name in order:
            checks = [r for r in self._results if r.dataset == name]
            c = self._counts.get(name)
            datasets.append(
                {
                    "dataset": name,
                    "counts": c.to_json() if c else None,
                    "passed": not any(r.stops_run for r in checks),
                    "checks": [r.to_json() for r in checks],
                }
            )
        outcomes = [r.outcome for r in self._results]
        return {
            "scope": self.scope,
            "passed": self.passed,
            "summary": {o.value: outcomes.count(o) for o in Outcome},
            "datasets": datasets,
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> ValidationReport:
        report = cls(doc.get("scope", ""))
        for d in doc.get("datasets", []):
            if d.get("counts"):
                c = d["counts"]
                report.count(DatasetCounts(c["dataset"], c["contract"], c["rows"], c["valid"], c["quarantined"]))
            report.extend(CheckResult.from_json(r) for r in d.get("checks", []))
        return report
