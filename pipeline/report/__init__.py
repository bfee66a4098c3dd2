"""The run report (self-contained HTML) and `explain`, built only from a run's own outputs.

Invariant: nothing here decides anything: the report and `explain` show what the run's stages wrote,
escaped for their medium (HTML through autoescaped Jinja2, text with control characters made visible),
and a report input that does not have the expected shape is rejected, never half shown.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.report.records import ReportInputError, ReportInputs, RunSummary, StopRecord, partner_of
    from pipeline.report.render import render_report
    from pipeline.report.summary import summarise

# Loaded on first use, not with the package: `recon explain` imports pipeline.report.explain, which needs
# neither the renderer (Jinja2, charts) nor the run summariser (every stage's results).
_HOMES = {
    "ReportInputError": "pipeline.report.records",
    "ReportInputs": "pipeline.report.records",
    "RunSummary": "pipeline.report.records",
    "StopRecord": "pipeline.report.records",
    "partner_of": "pipeline.report.records",
    "render_report": "pipeline.report.render",
    "summarise": "pipeline.report.summary",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)


__all__ = [
    "ReportInputError",
    "ReportInputs",
    "RunSummary",
    "StopRecord",
    "partner_of",
    "render_report",
    "summarise",
]
