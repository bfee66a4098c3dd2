"""Data contracts, Great Expectations validation, quarantine, and cross-dataset checks.

Invariant: every dataset is checked against its ODCS contract in data_contracts/ (the suites are
built from the contracts at run time); every check, whoever runs it, becomes a `CheckResult` in a
`ValidationReport`; an `error` that is not a quarantined row stops the run with a `QualityError`
naming the dataset, the rule and sample rows. Importing this package does not import Great
Expectations (that happens on the first validation).
"""

from pipeline.quality.contracts import Contract, ContractError, Rule, Scope, Severity, load_contract
from pipeline.quality.cross import (
    check_billed_accounts_known,
    check_export_present,
    check_identifier_check_digits,
    check_published_matches_decisions,
    check_source_age,
    check_source_size,
    check_stakes_sum,
    check_tenant_count,
    check_tenants_scored,
    results_from_findings,
)
from pipeline.quality.results import CheckResult, DatasetCounts, Outcome, QualityError, ValidationReport
from pipeline.quality.validate import DatasetValidation, validate_frame

__all__ = [
    "CheckResult",
    "Contract",
    "ContractError",
    "DatasetCounts",
    "DatasetValidation",
    "Outcome",
    "QualityError",
    "Rule",
    "Scope",
    "Severity",
    "ValidationReport",
    "check_billed_accounts_known",
    "check_export_present",
    "check_identifier_check_digits",
    "check_published_matches_decisions",
    "check_source_age",
    "check_source_size",
    "check_stakes_sum",
    "check_tenant_count",
    "check_tenants_scored",
    "load_contract",
    "results_from_findings",
    "validate_frame",
]
