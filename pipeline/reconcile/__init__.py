"""Billing reconciliation against the run's decisions and the revocation lists in force.

Invariant: pure (frames and plain values in, a `Reconciliation` out; no storage, clock or Airflow).
Money is summed as `Decimal` within one currency and never converted or added across currencies; every
billing line either counts towards revenue or is counted in `not_counted` with its reason.
"""

from pipeline.reconcile.billing import (
    ACTIVE_STATUSES,
    NO_DECISION,
    NotCountedReason,
    ReconcileError,
    Reconciliation,
    RevenueBasis,
    RevenueTotal,
    reconcile,
)

__all__ = [
    "ACTIVE_STATUSES",
    "NO_DECISION",
    "NotCountedReason",
    "ReconcileError",
    "Reconciliation",
    "RevenueBasis",
    "RevenueTotal",
    "reconcile",
]
