"""Validate one DataFrame against its contract: quarantine failing rows, report every rule.

Invariant: `validate_frame` never drops a row silently. Each input row ends up either in `valid`
(unchanged, same columns) or in `quarantine` (with every `error` row rule it broke); `rows ==
len(valid) + number of distinct quarantined rows`. Every rule of the contract yields a `CheckResult`
(passed or not), plus the column check and the quarantine-share check, so the report shows what
was checked, not only what failed. Nested columns (contract `array` / `object`) are checked here, not by
Great Expectations: their type against the contract's declared shape, and their presence; the outcomes
are reported and quarantine exactly as GE's are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.api import types as ptypes

from pipeline import nested
from pipeline.arrays import arrow_nested, instants
from pipeline.config import QualityConfig
from pipeline.formatting import rate
from pipeline.quality.contracts import Contract, OwnCheck, Rule, Scope, Severity, load_contract
from pipeline.quality.expectations import RuleOutcome, run_rules
from pipeline.quality.quarantine import Quarantined, quarantine_frame, record_json
from pipeline.quality.results import CheckResult, DatasetCounts, Source, sample_rows

DEFAULT_MAX_QUARANTINE_SHARE = QualityConfig().max_quarantine_share
_DERIVED_PREFIX = "__derived__"
# The text form of the contracts' `date` columns (yyyy-MM-dd), as datetime.strptime reads it.
DATE_FORMAT = "%Y-%m-%d"
# Stands in for a missing value in a derived `instant` column, so that only unreadable text is missing.
_PRESENT = pd.Timestamp("1970-01-01", tz="UTC")


@dataclass(frozen=True, eq=False)
class DatasetValidation:
    dataset: str
    contract: str
    rows: int
    valid: pd.DataFrame
    quarantine: pd.DataFrame
    results: tuple[CheckResult, ...]

    @property
    def passed(self) -> bool:
        return not any(r.stops_run for r in self.results)

    @property
    def counts(self) -> DatasetCounts:
        quarantined = self.rows - len(self.valid)
        return DatasetCounts(self.dataset, self.contract, self.rows, len(self.valid), quarantined)


def _is_text(series: pd.Series) -> bool:
    return bool(ptypes.is_string_dtype(series.dtype) or ptypes.is_object_dtype(series.dtype))


def _rule_columns(rule: Rule) -> list[str]:
    kw = rule.kwargs
    if "column_list" in kw:
        return list(kw["column_list"])
    cols = [kw[k] for k in ("column", "column_A", "column_B") if k in kw]
    return [str(c) for c in cols]


def share_limit(contract: Contract, configured: float | None) -> float:
    """The contract's own `maxQuarantineShare`, else the run configuration's, else the default."""
    if contract.max_quarantine_share is not None:
        return contract.max_quarantine_share
    return configured if configured is not None else DEFAULT_MAX_QUARANTINE_SHARE


def share_check(
    dataset: str, rows: int, quarantined: int, limit: float, *, source: Source = Source.GREAT_EXPECTATIONS
) -> CheckResult:
    """The run stops when more than `limit` of a dataset's rows were quarantined."""
    share = quarantined / rows if rows else 0.0
    return CheckResult(
        dataset=dataset,
        check="quarantine.share",
        severity=Severity.ERROR,
        scope=Scope.DATASET,
        passed=share <= limit,
        message=f"{quarantined} of {rows} rows quarantined ({rate(share)}; allowed {rate(limit)})",
        checked=rows,
        failed=quarantined,
        source=source,
    )


def validate_frame(
    df: pd.DataFrame,
    contract: str | Contract,
    *,
    dataset: str | None = None,
    max_quarantine_share: float | None = None,
    source_uri_col: str = "source_uri",
    source_line_col: str = "source_line",
    prior_quarantined: int = 0,
    check_share: bool = True,
) -> DatasetValidation:
    """Check `df` against the contract's rules with Great Expectations.

    Row rules at `error` quarantine the failing rows (excluded from `valid`); at `warn` they are
    reported and the rows kept. Dataset rules pass or fail as a whole. The allowed quarantine share
    is the contract's `maxQuarantineShare`, else `max_quarantine_share`, else the configured default.
    `prior_quarantined` counts rows a reader already quarantined before building `df` (unreadable
    lines), so the share covers everything read; `check_share=False` leaves the share check to a
    caller that quarantines more rows afterwards (see `share_check`).
    """
    c = load_contract(contract) if isinstance(contract, str) else contract
    name = dataset or c.dataset
    frame = df.reset_index(drop=True)
    lineage = [col for col in (source_uri_col, source_line_col) if col in frame.columns]
    results: list[CheckResult] = []

    missing = [col for col in c.column_names if col not in frame.columns]
    extra = [col for col in frame.columns if col not in c.column_names and col not in lineage]
    results.append(
        CheckResult(
            name,
            "schema.columns",
            Severity.ERROR,
            Scope.DATASET,
            not missing,
            f"missing columns {missing}" if missing else "all contract columns present",
            checked=len(c.column_names),
            failed=len(missing),
        )
    )
    if extra:
        results.append(
            CheckResult(
                name,
                "schema.extra_columns",
                Severity.WARN,
                Scope.DATASET,
                False,
                f"columns not in contract {c.name}: {extra}",
                checked=len(frame.columns),
                failed=len(extra),
            )
        )

    checked_frame, runnable = _runnable(c, frame)
    outcomes = run_rules(checked_frame, runnable, suite_name=c.name) if runnable and len(frame) else []
    if not len(frame):
        outcomes = [_empty_outcome(rule) for rule in runnable]
    outcomes += [_own_outcome(rule, frame) for rule in c.rules if rule.own and rule.column in frame.columns]
    order = {rule.id: i for i, rule in enumerate(c.rules)}
    outcomes.sort(key=lambda o: order[o.rule.id])

    shown = [col for col in dict.fromkeys([*c.column_names, *lineage]) if col in frame.columns]
    quarantined: list[Quarantined] = []
    bad_rows: set[int] = set()
    for o in outcomes:
        results.append(_result(name, o, frame, shown))
        if o.rule.scope is Scope.ROW and o.rule.severity is Severity.ERROR and o.error is None:
            for pos in o.unexpected_rows:
                bad_rows.add(pos)
                quarantined.append(
                    _quarantined(
                        name, o.rule, frame, pos, shown=shown, uri_col=source_uri_col, line_col=source_line_col
                    )
                )

    if check_share:
        limit = share_limit(c, max_quarantine_share)
        results.append(share_check(name, prior_quarantined + len(frame), prior_quarantined + len(bad_rows), limit))

    keep = [i for i in range(len(frame)) if i not in bad_rows]
    valid = frame.iloc[keep].reset_index(drop=True) if bad_rows else frame
    return DatasetValidation(
        dataset=name,
        contract=c.name,
        rows=len(frame),
        valid=valid,
        quarantine=quarantine_frame(quarantined),
        results=tuple(results),
    )


def _is_date(text: object) -> bool:
    """What GE's strftime-format check asks of one value; a value that is not text is not a date."""
    if not isinstance(text, str):
        return False
    try:
        dt.datetime.strptime(text, DATE_FORMAT)
    except ValueError:
        return False
    return True


def _derived(values: pd.Series, how: str) -> pd.Series:
    if how == "date":
        # A date column repeats a few hundred days over many rows: each distinct text is judged once
        # (code -1, a missing value, is acceptable: the `required` rule judges missing values).
        codes, distinct = pd.factorize(values)
        accepted = np.array([*(_is_date(d) for d in distinct), True])
        return pd.Series(np.where(accepted[codes], 1.0, np.nan), index=values.index)
    if how == "numeric":
        return pd.to_numeric(values, errors="coerce")
    if how == "instant":
        return instants(values).where(values.notna(), _PRESENT)
    raise ValueError(f"unknown derived value {how!r}")


def _runnable(c: Contract, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Rule]]:
    """The contract's GE rules that apply to this frame, and the frame they run on (with numeric
    copies of text columns that range rules compare as numbers)."""
    checked_frame = frame
    runnable: list[Rule] = []
    for rule in c.rules:
        if rule.expectation is None:
            continue  # cross-dataset rules run in pipeline.quality.cross
        cols = _rule_columns(rule)
        if any(col not in frame.columns for col in cols):
            continue  # reported once by schema.columns
        if rule.text_only and not all(_is_text(frame[col]) for col in cols):
            continue  # already typed: the format holds by construction
        if rule.derive and rule.column and _is_text(frame[rule.column]):
            derived = f"{_DERIVED_PREFIX}{rule.derive}__{rule.column}"
            if derived not in checked_frame.columns:
                if checked_frame is frame:
                    checked_frame = frame.copy()
                checked_frame[derived] = _derived(frame[rule.column], rule.derive)
            runnable.append(replace(rule, kwargs={**rule.kwargs, "column": derived}))
        else:
            runnable.append(rule)
    return checked_frame, runnable


def _shape_mismatch(values: pd.Series, shape: pa.DataType, column: str) -> str | None:
    """Where a column's values depart from a nested shape; None when they have it. An Arrow-backed
    column is judged by its type; a column of Python objects by whether its values convert to it."""
    if isinstance(values.dtype, pd.ArrowDtype):
        return nested.mismatch(values.dtype.pyarrow_dtype, shape, column)
    if not ptypes.is_object_dtype(values.dtype):
        return f"{column}: values of shape {shape} expected, {values.dtype} found"
    try:
        arrow_nested(values, shape)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as exc:
        return f"{column}: {exc}"
    return None


def _own_outcome(rule: Rule, frame: pd.DataFrame) -> RuleOutcome:
    """A rule of a nested column, checked here (see the module docstring)."""
    values = frame[str(rule.column)]
    if rule.own is OwnCheck.TYPE and rule.shape is not None:
        found = _shape_mismatch(values, rule.shape, str(rule.column))
        return RuleOutcome(rule, found is None, len(frame), 0 if found is None else len(frame), (), observed=found)
    missing = tuple(int(i) for i in values.isna().to_numpy().nonzero()[0])
    return RuleOutcome(rule, not missing, len(frame), len(missing), missing)


def _empty_outcome(rule: Rule) -> RuleOutcome:
    # GE cannot profile an empty frame; row rules hold vacuously, table rules are judged on 0 rows.
    if rule.expectation == "expect_table_row_count_to_be_between":
        lo = rule.kwargs.get("min_value")
        hi = rule.kwargs.get("max_value")
        ok = (lo is None or lo <= 0) and (hi is None or hi >= 0)
        return RuleOutcome(rule, ok, 0, 0, (), observed=0)
    return RuleOutcome(rule, True, 0, 0, ())


def _result(dataset: str, o: RuleOutcome, frame: pd.DataFrame, shown: Sequence[str]) -> CheckResult:
    rule = o.rule
    if o.error is not None:
        return CheckResult(
            dataset,
            rule.id,
            Severity.ERROR,
            Scope.DATASET,
            False,
            f"the check could not run ({rule.expectation}): {o.error}",
        )
    failed = len(o.unexpected_rows) if o.unexpected_rows else o.unexpected_count
    passed = o.success
    if rule.scope is Scope.DATASET and rule.threshold is not None:
        passed = rule.threshold.holds(o.unexpected_count, o.element_count)
    message = rule.description or rule.id
    if rule.threshold is not None:
        message += f" (tolerance {rule.threshold.describe()})"
    if o.observed is not None and not o.unexpected_rows:
        message += f"; observed {o.observed}"
    samples = (
        sample_rows(frame.iloc[list(o.unexpected_rows[:5])][list(shown)].to_dict("records"))
        if o.unexpected_rows
        else ()
    )
    return CheckResult(
        dataset,
        rule.id,
        rule.severity,
        rule.scope,
        passed,
        message,
        checked=o.element_count or len(frame),
        failed=failed,
        samples=samples,
    )


def _quarantined(
    dataset: str, rule: Rule, frame: pd.DataFrame, pos: int, *, shown: Sequence[str], uri_col: str, line_col: str
) -> Quarantined:
    row = frame.iloc[pos]
    uri = row[uri_col] if uri_col in frame.columns else None
    line = row[line_col] if line_col in frame.columns else None
    record = {col: row[col] for col in shown if col not in (uri_col, line_col)}
    value = row[rule.column] if rule.column and rule.column in frame.columns else None
    detail = f" (value {value!r})" if isinstance(value, str) else ""
    return Quarantined(
        dataset=dataset,
        rule=rule.id,
        severity=rule.severity,
        message=(rule.description or rule.id) + detail,
        source_uri=None if pd.isna(uri) else str(uri),
        source_line=None if line is None or pd.isna(line) else int(line),
        record=record_json(record),
    )
