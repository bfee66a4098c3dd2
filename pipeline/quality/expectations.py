"""Great Expectations as an engine: contract rules -> an expectation suite -> per-rule outcomes.

Invariant: `great_expectations` is imported at most once per process, on the first validation, never
at module import (it takes 12-14 s); it runs in one ephemeral data context (nothing written to disk,
analytics off, progress bars off, its loggers quietened). Suites are built from the `Rule`s of a
contract at run time, never written by hand. Row positions in the outcomes refer to a RangeIndex of
the frame passed in.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipeline.quality.contracts import Rule

_lock = threading.Lock()
_engine: _Engine | None = None


@dataclass(frozen=True)
class RuleOutcome:
    rule: Rule
    success: bool
    element_count: int
    unexpected_count: int
    unexpected_rows: tuple[int, ...]  # positions in the frame (empty for dataset-level expectations)
    observed: Any = None
    error: str | None = None  # the expectation could not run (a contract/data mismatch)


class _Engine:
    def __init__(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import great_expectations as gx
            from great_expectations.data_context.types.base import (
                DataContextConfig,
                InMemoryStoreBackendDefaults,
                ProgressBarsConfig,
            )
            from great_expectations.execution_engine import pandas_execution_engine
        # GE labels each pandas batch with a fingerprint (md5 over a hash of every row) when the frame is
        # smaller than this threshold; nothing here reads the label, and it cost about 40% of a steady
        # validation (34,000 billing rows: 0.20 -> 0.12 CPU s). At threshold 0 no frame is fingerprinted.
        pandas_execution_engine.HASH_THRESHOLD = 0
        for name in ("great_expectations", "great_expectations.core", "great_expectations.data_context"):
            logging.getLogger(name).setLevel(logging.ERROR)
        config = DataContextConfig(
            analytics_enabled=False,
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        )
        self._gx = gx
        self.context = gx.get_context(mode="ephemeral", project_config=config)
        source = self.context.data_sources.add_pandas("recon_frames")
        self._batch_definition = source.add_dataframe_asset("frame").add_batch_definition_whole_dataframe("whole")

    def _batch(self, df: pd.DataFrame) -> Any:
        # One batch per frame, validated by both passes (GE's fingerprint of it is off, see __init__).
        return self._batch_definition.get_batch(batch_parameters={"dataframe": df})

    def _validate(self, batch: Any, rules: Sequence[Rule], suite_name: str, result_format: str) -> list[Any]:
        from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

        suite = self._gx.ExpectationSuite(name=suite_name)
        for rule in rules:
            if rule.expectation is None:
                raise ValueError(f"rule {rule.id} is not a Great Expectations rule")
            config = ExpectationConfiguration(type=rule.expectation, kwargs=dict(rule.kwargs), meta={"rule": rule.id})
            suite.add_expectation(config.to_domain_obj())
        with warnings.catch_warnings():
            # GE's deprecation chatter and pandas' note on capture groups in contract patterns are noise
            # here (and recording them costs time under pytest); results are unaffected.
            warnings.simplefilter("ignore")
            validation = batch.validate(suite, result_format={"result_format": result_format})
        return list(validation.results)

    @staticmethod
    def _rule_id(result: Any) -> str:
        done = result.expectation_config
        if done is None or not done.meta:
            raise RuntimeError("great_expectations returned a result without its expectation")
        return str(done.meta["rule"])

    def run(self, df: pd.DataFrame, rules: Sequence[Rule], suite_name: str) -> list[RuleOutcome]:
        """Two passes over one batch: pass/fail for every rule (GE's cost is per expectation, and the full
        result format doubles it), then the complete result - failing rows - only for the rules that
        failed or that are judged against a tolerance."""
        by_id = {rule.id: rule for rule in rules if rule.expectation is not None}
        cheap = [r for r in by_id.values() if r.threshold is None]
        detailed = {r.id for r in by_id.values() if r.threshold is not None}
        outcomes: dict[str, RuleOutcome] = {}
        batch = self._batch(df)
        for r in self._validate(batch, cheap, suite_name, "BOOLEAN_ONLY") if cheap else []:
            rule = by_id[self._rule_id(r)]
            if r.success and not (r.exception_info or {}).get("raised_exception"):
                outcomes[rule.id] = RuleOutcome(rule, True, len(df), 0, ())
            else:
                detailed.add(rule.id)
        todo = [by_id[i] for i in by_id if i in detailed]
        for r in self._validate(batch, todo, suite_name, "COMPLETE") if todo else []:
            rule = by_id[self._rule_id(r)]
            result = r.result or {}
            info = r.exception_info or {}
            error = None
            if info.get("raised_exception"):
                error = str(info.get("exception_message") or "the expectation raised an exception")
            outcomes[rule.id] = RuleOutcome(
                rule=rule,
                success=bool(r.success) and error is None,
                element_count=int(result.get("element_count", len(df))),
                unexpected_count=int(result.get("unexpected_count", 0) or 0),
                unexpected_rows=tuple(int(i) for i in result.get("unexpected_index_list") or ()),
                observed=result.get("observed_value"),
                error=error,
            )
        return [outcomes[rule.id] for rule in rules if rule.id in outcomes]


def engine() -> _Engine:
    """The process's GE engine, created (and GE imported) on first use."""
    global _engine  # noqa: PLW0603 - one context per process is the point
    with _lock:
        if _engine is None:
            _engine = _Engine()
        return _engine


def run_rules(df: pd.DataFrame, rules: Sequence[Rule], suite_name: str) -> list[RuleOutcome]:
    """Validate `df` (RangeIndex) against the GE-backed rules; one outcome per rule, in rule order."""
    eng = engine()
    with _lock:
        # The shared context keeps suites and batches in memory; serialise its use across threads.
        return eng.run(df, rules, suite_name)
