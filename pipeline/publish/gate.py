"""The safety gate: a change to the published lists larger than the configured limits waits for a human.

Invariant: `evaluate` blocks whenever, for any partner, the rows added or the rows lifted against the
last published list exceed an absolute limit (`GateConfig.max_added` / `max_lifted`) or a share of that
partner's active tenants (`max_added_share` / `max_lifted_share`), or the lifted rows (at least
`list_share_min_lifted` of them) exceed a share of the last published list's rows
(`max_lifted_share_of_list`: fewer revocations is the change that needs
the most proof, and a damaged input that empties a list is a small share of the tenants), or the outbox
does not hold what the audit trail says was last published (`BreachReason.HISTORY_MISSING`: deleted
manifests must not turn the next list into a first list that lifts nothing), unless the run is approved
(`RunOptions.approve_gate`) by a named person (`RunOptions.approved_by`; an approval without a name
does not count) for exactly this change: the approval names the run's diff by its sha256
(`RunOptions.approve_diff`, read from the blocked run's gate record), and a recomputed diff that differs
stays blocked, so a different change is never published as approved. With no active tenants any change
counts as a 100% share. A partner's first list has no previous list, so every row is added: the first
publish of a large list is approved by a person too.

A rerun of a date already published with exactly this delta is not a new change: the earlier publish
passed the gate (or was approved) and the writer will do nothing, so that partner passes and the
result names the manifest (`already_published`).

The result is the reviewable diff itself: for every partner, the added, lifted and changed rows and the
sha256 of the exact delta file evaluated; the run's diff sha256 covers every partner's
(`run_diff_sha256`). The writer refuses to publish a delta whose sha256 differs from the one the gate
saw, so an approval covers exactly the change that was reviewed.

Pure: frames and values in, a `GateResult` out; the caller writes it (gate.json) and raises.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from pipeline.config import GateConfig
from pipeline.errors import RunStopped
from pipeline.formatting import rate
from pipeline.publish.diff import ListDiff, diff_lists
from pipeline.publish.lists import ListFormat, records
from pipeline.publish.manifest import GateStatus, ManifestRef, PublishedList, PublishHistory
from pipeline.run.context import ApprovalChannel, RunOptions
from pipeline.storage.hashing import sha256_hex

# Which partner-account states count as active when the gate computes shares (AWS has no account state
# in its feeds and the extract writes ACTIVE; GCP Procurement says ACCOUNT_ACTIVE).
ACTIVE_TENANT_STATES = frozenset({"ACTIVE", "ACCOUNT_ACTIVE"})


class BreachReason(enum.StrEnum):
    """Why a partner's change needs a person's approval (`PartnerGate.reasons`, one per breach)."""

    ADDED = "added"  # more rows added than `max_added`
    ADDED_SHARE = "added_share"  # added rows above `max_added_share` of the active tenants
    LIFTED = "lifted"  # more rows lifted than `max_lifted`
    LIFTED_SHARE = "lifted_share"  # lifted rows above `max_lifted_share` of the active tenants
    LIFTED_SHARE_OF_LIST = "lifted_share_of_list"  # lifted rows above `max_lifted_share_of_list` of the list
    HISTORY_MISSING = "history_missing"  # the outbox lacks the list the audit trail last recorded


class GateBlocked(RunStopped):
    """Publishing stopped: the change exceeds the gate's limits and the run is not approved."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PartnerGate(_Model):
    partner: str
    list_format: str
    compared_with: ManifestRef | None  # the last published list (None: the partner's first list)
    already_published: ManifestRef | None  # this date's manifest, when it has exactly this delta
    active_tenants: Annotated[int, Field(ge=0)]
    listed: Annotated[int, Field(ge=0)]  # rows in the current full list
    added: Annotated[int, Field(ge=0)]
    lifted: Annotated[int, Field(ge=0)]
    changed: Annotated[int, Field(ge=0)]
    unchanged: Annotated[int, Field(ge=0)]
    added_share: float
    lifted_share: float
    breaches: tuple[str, ...]  # why this partner's change exceeds the limits (empty: within them)
    reasons: tuple[BreachReason, ...] = ()  # the code of each breach, in the same order
    previous_listed: Annotated[int, Field(ge=0)] = 0  # rows of the last published list
    diff_sha256: str  # sha256 of the delta file this evaluation covers
    # The reviewable diff: the rows as they would be published, in canonical order.
    added_rows: tuple[dict[str, str], ...]
    lifted_rows: tuple[dict[str, str], ...]
    changed_rows: tuple[dict[str, str], ...]


class GateResult(_Model):
    run_id: str
    logical_date: dt.date
    status: GateStatus
    approved_by: str | None
    limits: GateConfig
    partners: tuple[PartnerGate, ...]
    # sha256 of the whole run's change (every partner's delta): what an approval names.
    diff_sha256: str
    # The diff an approval named (None: no approval was given); when it is not `diff_sha256` the run stays
    # blocked: the change is not the one the person reviewed.
    approved_diff: str | None = None

    @property
    def approval_mismatch(self) -> bool:
        return self.approved_diff is not None and self.approved_diff != self.diff_sha256

    def partner(self, name: str) -> PartnerGate:
        for p in self.partners:
            if p.partner == name:
                return p
        raise KeyError(f"the gate result of run {self.run_id} has no partner {name!r}")

    def messages(self) -> tuple[str, ...]:
        """One line per limit exceeded, naming the partner (empty when nothing exceeds a limit)."""
        return tuple(f"{p.partner}: {b}" for p in self.partners for b in p.breaches)

    def summary(self) -> str:
        lines = [f"safety gate {self.status.value} for {self.logical_date.isoformat()} (run {self.run_id})"]
        for p in self.partners:
            base = f"{p.partner}: +{p.added} added, -{p.lifted} lifted, ~{p.changed} changed of {p.listed} listed"
            detail = f" ({'; '.join(p.breaches)})" if p.breaches else ""
            if p.already_published:
                detail = f" (already published: {p.already_published.uri})"
            lines.append(f"  {base}, {p.active_tenants} active tenants{detail}")
        lines.append(f"  diff sha256 {self.diff_sha256}")
        if self.approved_by and self.status is GateStatus.APPROVED:
            lines.append(f"  approved by {self.approved_by}")
        return "\n".join(lines)


@dataclass(frozen=True)
class GateInput:
    """One partner's current list and what it is compared with."""

    partner: str
    list_format: ListFormat
    current: pd.DataFrame
    previous: PublishedList | None  # last published strictly before the logical date
    active_tenants: int
    # What is already published for the logical date itself (a rerun), if anything.
    same_date: PublishedList | None = None
    # What the audit trail says was last published before the logical date (None: nothing recorded).
    history: PublishHistory | None = None


def active_tenant_count(tenants: pd.DataFrame) -> int:
    """Tenants whose partner state is active (see `ACTIVE_TENANT_STATES`)."""
    states = tenants["status"].astype("str").str.strip().str.upper()
    return int(states.isin(ACTIVE_TENANT_STATES).sum())


def _share(count: int, active: int) -> float:
    if count == 0:
        return 0.0
    return 1.0 if active == 0 else count / active


Breach = tuple[BreachReason, str]


def _breaches(kind: str, count: int, active: int, limits: tuple[int, float]) -> list[Breach]:
    limit, share_limit = limits
    share = _share(count, active)
    added = kind == "added"
    out = []
    if count > limit:
        reason = BreachReason.ADDED if added else BreachReason.LIFTED
        out.append((reason, f"{count} {kind} exceeds the limit of {limit}"))
    if share > share_limit:
        reason = BreachReason.ADDED_SHARE if added else BreachReason.LIFTED_SHARE
        text = f"{count} {kind} is {rate(share)} of {active} active tenants, above {rate(share_limit)}"
        out.append((reason, text))
    return out


def _list_breaches(lifted: int, listed: int, config: GateConfig) -> list[Breach]:
    share, limit = _share(lifted, listed), config.max_lifted_share_of_list
    if share <= limit or lifted < config.list_share_min_lifted:
        return []
    text = f"{lifted} lifted is {rate(share)} of the {listed} rows of the last published list, above {rate(limit)}"
    return [(BreachReason.LIFTED_SHARE_OF_LIST, text)]


def _history_breaches(item: GateInput) -> list[Breach]:
    """The outbox must hold the list the audit trail last recorded as published before this date."""
    history = item.history
    if history is None:
        return []
    recorded = f"the audit trail records a list published for {history.logical_date} (run {', '.join(history.runs)})"
    if item.previous is None:
        text = f"{recorded}, but the outbox has no list before {history.logical_date}: this is not a first list"
    elif item.previous.manifest.logical_date < history.logical_date:
        text = f"{recorded}, but the outbox's last list is of {item.previous.manifest.logical_date}"
    elif item.previous.manifest.logical_date == history.logical_date and item.previous.manifest_sha256 not in (
        history.manifests
    ):
        text = f"{recorded}, but the outbox's manifest {item.previous.manifest_uri} is not the one recorded"
    else:
        return []
    return [(BreachReason.HISTORY_MISSING, f"{text}; the change is computed against a list partners never held")]


def _records(df: pd.DataFrame) -> tuple[dict[str, str], ...]:
    columns = tuple(str(c) for c in df.columns)
    return tuple(dict(zip(columns, row, strict=True)) for row in records(df, columns))


def run_diff_sha256(partners: Sequence[PartnerGate]) -> str:
    """The sha256 naming a run's whole change: one line per partner (name, delta sha256), by name."""
    lines = "".join(f"{p.partner} {p.diff_sha256}\n" for p in sorted(partners, key=lambda p: p.partner))
    return sha256_hex(lines.encode("utf-8"))


def partner_diff(item: GateInput, logical_date: dt.date) -> ListDiff:
    previous = item.previous.snapshot if item.previous is not None else None
    return diff_lists(previous, item.current, item.list_format, logical_date)


def evaluate(
    inputs: Sequence[GateInput],
    config: GateConfig,
    options: RunOptions,
    *,
    logical_date: dt.date,
    run_id: str,
) -> GateResult:
    """Compare every partner's current list with its last published one and decide whether to publish."""
    names = [i.partner for i in inputs]
    if len(set(names)) != len(names):
        raise ValueError(f"the gate got one partner more than once: {sorted(names)}")
    partners = []
    for item in sorted(inputs, key=lambda i: i.partner):
        diff = partner_diff(item, logical_date)
        added, lifted = len(diff.added), len(diff.lifted)
        added_share = _share(added, item.active_tenants)
        lifted_share = _share(lifted, item.active_tenants)
        already = (
            item.same_date if item.same_date and item.same_date.manifest.delta.sha256 == diff.delta_sha256 else None
        )
        previous_listed = len(item.previous.snapshot) if item.previous is not None else 0
        breaches = (
            []
            if already
            else [
                *_history_breaches(item),
                *_breaches("added", added, item.active_tenants, (config.max_added, config.max_added_share)),
                *_breaches("lifted", lifted, item.active_tenants, (config.max_lifted, config.max_lifted_share)),
                *_list_breaches(lifted, previous_listed, config),
            ]
        )
        partners.append(
            PartnerGate(
                partner=item.partner,
                list_format=item.list_format.contract,
                compared_with=item.previous.ref if item.previous is not None else None,
                already_published=already.ref if already else None,
                active_tenants=item.active_tenants,
                listed=len(item.current),
                added=added,
                lifted=lifted,
                changed=len(diff.changed),
                unchanged=diff.unchanged,
                added_share=added_share,
                lifted_share=lifted_share,
                breaches=tuple(text for _, text in breaches),
                reasons=tuple(reason for reason, _ in breaches),
                previous_listed=previous_listed,
                diff_sha256=diff.delta_sha256,
                added_rows=_records(diff.added),
                lifted_rows=_records(diff.lifted),
                changed_rows=_records(diff.changed),
            )
        )
    approver = (options.approved_by or "").strip() or None
    approved_diff = ((options.approve_diff or "").strip().lower() or None) if options.approve_gate else None
    diff_sha256 = run_diff_sha256(partners)
    if not any(p.breaches for p in partners):
        status = GateStatus.PASSED
    elif options.approve_gate and approver and approved_diff == diff_sha256:
        status = GateStatus.APPROVED
    else:
        status = GateStatus.BLOCKED
    return GateResult(
        run_id=run_id,
        logical_date=logical_date,
        status=status,
        approved_by=approver if options.approve_gate else None,
        limits=config,
        partners=tuple(partners),
        diff_sha256=diff_sha256,
        approved_diff=approved_diff,
    )


def approval_instructions(result: GateResult, channel: ApprovalChannel, config_uri: str) -> str:
    """What the person must do to approve this run's change, in the words of the tool they are using."""
    if channel is ApprovalChannel.AIRFLOW_APPROVAL and result.approval_mismatch:
        return (
            f"trigger the date again with the params approve_gate, approved_by and approve_diff={result.diff_sha256}, "
            "or without approve_gate to be asked in Airflow's Required Actions"
        )
    if channel is ApprovalChannel.AIRFLOW_APPROVAL:
        return (
            f"approve or reject it in Airflow: Required Actions, task `approve` of run {result.run_id} "
            f"(the request names diff {result.diff_sha256})"
        )
    return (
        f"approve exactly this change by running it again as a named person: {channel.value} --config {config_uri} "
        f"--date {result.logical_date.isoformat()} --approve-gate --approved-by <your name> "
        f"--approve-diff {result.diff_sha256}"
    )


def raise_if_blocked(result: GateResult, gate_uri: str, how: str) -> None:
    """Raise `GateBlocked` naming the limits exceeded, where the reviewable diff is and how to approve it
    (`how`: `approval_instructions`); an approval of another diff is named as such."""
    if result.status is not GateStatus.BLOCKED:
        return
    mismatch = (
        f"The approval names diff {result.approved_diff}, but this run's diff is {result.diff_sha256}: the change "
        "is not the one that was reviewed.\n"
        if result.approval_mismatch
        else ""
    )
    raise GateBlocked(
        f"publishing stopped by the safety gate; nothing was published.\n{result.summary()}\n{mismatch}"
        f"Review the added and lifted rows in {gate_uri}, then {how}."
    )
