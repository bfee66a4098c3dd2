"""The run report (self-contained HTML) and `explain`, built only from a run's own outputs.

Invariant: nothing here decides anything: the report and `explain` show what the run's stages wrote,
escaped for their medium (HTML through autoescaped Jinja2, text with control characters made visible),
and a report input that does not have the expected shape is rejected, never half shown.
"""

from pipeline.report.records import (
    ReportInputError,
    ReportInputs,
    RunSummary,
    StopRecord,
    partner_of,
)
from pipeline.report.render import render_report
from pipeline.report.summary import summarise

__all__ = [
    "ReportInputError",
    "ReportInputs",
    "RunSummary",
    "StopRecord",
    "partner_of",
    "render_report",
    "summarise",
]
