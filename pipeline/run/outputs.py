"""What each stage returns: the URIs of what it wrote, typed, as the DAG's tasks pass them on.

Invariant: every value is a URI (or a partner name, or an outcome word) built by `RunLayout`, never data;
an output is a plain mapping at run time (Airflow keeps it as one XCom: the tasks set
`multiple_outputs=False`), so a stage's output is the same whether `recon run` or Airflow hands it on.
This module imports nothing heavy: the DAG file imports it at parse time for its annotations.
"""

from __future__ import annotations

from typing import TypedDict


class PartnerExtract(TypedDict):
    """`extract_partner`: one partner's canonical datasets, the files it read, and its checks."""

    partner: str
    tenants: str
    entitlements: str
    billing: str
    quarantine: str
    inputs: str
    validation: str


class OwnershipExtract(TypedDict):
    """`extract_ownership`: the live ownership records, what was set aside, the sources read, the checks."""

    entities: str
    identifiers: str
    interests: str
    quarantine: str
    inputs: str
    validation: str


class Checked(TypedDict):
    """`validate`: the checks across datasets and runs."""

    validation: str


class Resolved(TypedDict):
    """`resolve_ownership`: the policy applied to the ownership graph, with its findings."""

    ownership: str
    findings: str
    validation: str


class Linked(TypedDict):
    """`match_tenants`: one link per tenant, and the judgements the run read (link judgements applied)."""

    links: str
    judgements: str
    validation: str


class Decided(TypedDict):
    """`decide`: one decision per tenant."""

    decisions: str
    validation: str


class DropStatus(TypedDict):
    """`await_drop`: which of a partner's expected files for the date are not there yet (empty: the drop
    has come), and how long the DAG waits for them."""

    partner: str
    inbox: str
    missing: list[str]
    late_drop_hours: float


class Gated(TypedDict):
    """`gate`: each partner's list as evaluated, the gate's verdict, and the inputs the lists stand on."""

    lists: dict[str, str]  # partner -> the list publishing writes
    gate: str
    fingerprints: str


class Published(TypedDict):
    """`publish_partner`: where the partner's list for the date is, and what publishing did."""

    partner: str
    manifest: str
    snapshot: str
    delta: str
    outcome: str
    event: str  # an `AuditEvent` value


class Reconciled(TypedDict):
    """`reconcile`: billing against decisions (the frames sit beside the summary, see RunLayout)."""

    summary: str
    validation: str


class Reported(TypedDict):
    """`report` / `report_stopped`: the HTML report and the run summary later runs chart."""

    report: str
    run_summary: str
