"""The stages of one nightly run, in order; the DAG and `recon run` both call these functions.

Invariant: a stage reads only the URIs it is given (plus the run's configuration and, for publishing,
the partners' outboxes), writes only under the run-scoped workspace (publishing writes the outboxes and
the audit trail), and returns the URIs of what it wrote. Every dataset a stage writes is validated
against its contract first, and the validation results are written before the stage stops the run,
so a stopped run still leaves its evidence behind. Running a stage twice for the same run rewrites
the same objects with the same bytes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from typing import IO, Any, cast

import pandas as pd

from pipeline import datasets as ds
from pipeline.errors import InputMissing, NothingToDo, RunStopped
from pipeline.run.context import RunContext
from pipeline.storage import join
from pipeline.storage.frames import read_json, read_parquet, write_json, write_parquet
from pipeline.storage.hashing import HashingReader, sha256_hex

log = logging.getLogger(__name__)

# The stage sequence of DESIGN.md §2; the DAG wires the same order (tests/dags checks it).
STAGE_ORDER = (
    "plan",
    "extract_partner",
    "extract_ownership",
    "validate",
    "resolve_ownership",
    "match_tenants",
    "decide",
    "gate",
    "publish_partner",
    "reconcile",
    "report",
)

Uris = dict[str, str]


# --- helpers shared by the stages -----------------------------------------------------------


def _write(ctx: RunContext, dataset: ds.Dataset, frame: pd.DataFrame, partner: str | None = None) -> str:
    uri = write_parquet(ctx.storage, ctx.dataset_uri(dataset, partner), ds.conform(frame, dataset))
    log.info("wrote %s: %d rows -> %s", dataset.name, len(frame), uri)
    return uri


def _read(ctx: RunContext, uri: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
    frame = read_parquet(ctx.storage, uri, list(columns) if columns is not None else None)
    log.info("read %d rows <- %s", len(frame), uri)
    return frame


def _concat(frames: Sequence[pd.DataFrame], dataset: ds.Dataset) -> pd.DataFrame:
    present = [f for f in frames if len(f)]
    if not present:
        return ds.empty(dataset)
    return ds.conform(pd.concat(present, ignore_index=True), dataset)


def _read_partners(ctx: RunContext, partners: Sequence[Mapping[str, str]], dataset: ds.Dataset) -> pd.DataFrame:
    return _concat([_read(ctx, p[dataset.name]) for p in partners], dataset)


def _policy(ctx: RunContext) -> Any:
    from pipeline.policy.definition import load_policy_text

    return load_policy_text(ctx.storage.read_text(ctx.config.policy), ctx.config.policy)


def _validation_uri(ctx: RunContext, name: str, partner: str | None = None) -> str:
    return ctx.artifact_uri(f"validation/{name}.json", partner)


def _write_validation(ctx: RunContext, report: Any, name: str, partner: str | None = None) -> str:
    uri = write_json(ctx.storage, _validation_uri(ctx, name, partner), report.to_json())
    failed = len(report.errors)
    log.info("validation %s: %d checks, %d failed at error level -> %s", name, len(report.results), failed, uri)
    return uri


def _validated(
    ctx: RunContext, report: Any, dataset: ds.Dataset, frame: pd.DataFrame, partner: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Validate a stage's output against its contract: (valid rows, quarantined rows); results go to `report`."""
    from pipeline.quality import validate_frame

    checked = validate_frame(
        ds.conform(frame, dataset),
        dataset.contract,
        dataset=f"{partner}/{dataset.name}" if partner else dataset.name,
        max_quarantine_share=ctx.config.quality.max_quarantine_share,
    )
    report.extend(checked.results)
    report.count(checked.counts)
    return checked.valid, checked.quarantine


# --- stages ---------------------------------------------------------------------------------


def plan(ctx: RunContext) -> list[str]:
    """The partners this run covers, in configuration order (the DAG maps extract and publish over them)."""
    return [p.name for p in ctx.config.partners]


def extract_partner(ctx: RunContext, partner: str) -> Uris:
    """Read one partner's export for the logical date into canonical tenants, entitlements and billing."""
    from pipeline.partners import extract

    result = extract(ctx.storage, ctx.partner(partner), ctx.logical_date, quality=ctx.config.quality)
    for item in result.inputs:
        log.info("read %s: %d rows, %d bytes, sha256 %s", item.uri, item.rows, item.bytes, item.sha256)
    uris: Uris = {"partner": partner}
    for dataset, frame in (
        (ds.TENANTS, result.tenants),
        (ds.ENTITLEMENTS, result.entitlements),
        (ds.BILLING, result.billing),
        (ds.QUARANTINE, result.quarantine),
    ):
        uris[dataset.name] = _write(ctx, dataset, frame, partner)
    uris["inputs"] = write_json(ctx.storage, ctx.artifact_uri("inputs.json", partner), result.inputs_json())
    uris["validation"] = _write_validation(ctx, result.validation, "extract", partner)
    result.validation.raise_for_errors()
    return uris


def extract_ownership(ctx: RunContext) -> Uris:
    """Read the BODS ownership reference: live entities, identifiers and interests as of the logical date."""
    from pipeline.ownership.bods.reader import read_bods
    from pipeline.quality import ValidationReport, results_from_findings
    from pipeline.quality.quarantine import concat_quarantine
    from pipeline.run.switches import bulk_reading

    sources = ctx.config.ownership.sources
    with ExitStack() as stack, bulk_reading():
        readers = [HashingReader(stack.enter_context(ctx.storage.open_read(uri))) for uri in sources]
        streams = [(uri, cast("IO[bytes]", reader)) for uri, reader in zip(sources, readers, strict=True)]
        frames = read_bods(streams, as_of=ctx.logical_date)
        fingerprints = {uri: r.hexdigest() for uri, r in zip(sources, readers, strict=True)}
    for uri, sha256 in fingerprints.items():
        log.info("read %s: sha256 %s", uri, sha256)
    report = ValidationReport("extract_ownership")
    report.extend(results_from_findings(frames.findings, dataset="ownership_input"))
    quarantined = [frames.quarantine]
    uris: Uris = {}
    for dataset, frame in (
        (ds.ENTITIES, frames.entities),
        (ds.IDENTIFIERS, frames.identifiers),
        (ds.INTERESTS, frames.interests),
    ):
        valid, bad = _validated(ctx, report, dataset, frame)
        quarantined.append(bad)
        uris[dataset.name] = _write(ctx, dataset, valid)
    uris[ds.QUARANTINE.name] = _write(ctx, ds.QUARANTINE, concat_quarantine(quarantined))
    uris["inputs"] = write_json(
        ctx.storage, ctx.artifact_uri("ownership_inputs.json"), {"sources": fingerprints, "stats": frames.stats}
    )
    uris["validation"] = _write_validation(ctx, report, "extract_ownership")
    if frames.entities.empty:
        raise InputMissing(f"ownership reference {', '.join(sources)}: no live entity or person records")
    report.raise_for_errors()
    return uris


def validate(ctx: RunContext, partners: Sequence[Mapping[str, str]], ownership: Mapping[str, str]) -> Uris:
    """Checks across datasets and runs, beyond each partner's own (done at extraction: export present,
    billed accounts known): tenant counts against the last complete run, owners' stakes."""
    from pipeline import quality
    from pipeline.report.output import previous_tenant_counts

    report = quality.ValidationReport("validate")
    previous = previous_tenant_counts(ctx.storage, ctx.config.reports, ctx.logical_date, ctx.run_id)
    for p in partners:
        name, tenants = p["partner"], _read(ctx, p[ds.TENANTS.name])
        growth = ctx.config.quality.max_tenant_growth
        report.add(quality.check_tenant_count(name, len(tenants), previous.get(name), growth))
    interests, ownership_types = _read(ctx, ownership[ds.INTERESTS.name]), _policy(ctx).ownership.interests
    report.add(quality.check_stakes_sum(interests, ctx.logical_date, ownership_types))
    uri = _write_validation(ctx, report, "validate")
    report.raise_for_errors()
    return {"validation": uri}


def resolve_ownership(ctx: RunContext, ownership: Mapping[str, str], validation: Mapping[str, str]) -> Uris:
    """Apply the policy to the ownership graph: restricted share, decision, ultimate parent, evidence."""
    from concurrent.futures import ThreadPoolExecutor

    from pipeline.ownership.resolve import ENTITY_INPUT_COLUMNS, INTEREST_INPUT_COLUMNS, resolve
    from pipeline.quality import ValidationReport, results_from_findings
    from pipeline.run.switches import paused_gc

    policy = _policy(ctx)
    entities = _read(ctx, ownership[ds.ENTITIES.name], ENTITY_INPUT_COLUMNS)
    interests = _read(ctx, ownership[ds.INTERESTS.name], INTEREST_INPUT_COLUMNS)
    # What extraction set aside: the records it was about are held in review, never silently cleared.
    quarantine = _read(ctx, ownership[ds.QUARANTINE.name])
    # One thread beside this one overlaps the engine's independent parts (two cores); the evidence of
    # hundreds of thousands of records is many small containers the collector would rescan for nothing.
    with paused_gc(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="resolve") as beside:
        result = resolve(entities, interests, policy, ctx.logical_date, quarantine=quarantine, executor=beside)
    report = ValidationReport("resolve_ownership")
    report.extend(results_from_findings(result.findings, dataset="ownership"))
    resolved, _ = _validated(ctx, report, ds.OWNERSHIP, result.ownership)
    uris = {
        ds.OWNERSHIP.name: _write(ctx, ds.OWNERSHIP, resolved),
        "findings": write_parquet(ctx.storage, ctx.artifact_uri("ownership_findings.parquet"), result.findings),
        "validation": _write_validation(ctx, report, "resolve_ownership"),
    }
    report.raise_for_errors()
    return uris


def match_tenants(ctx: RunContext, partners: Sequence[Mapping[str, str]], ownership: Mapping[str, str]) -> Uris:
    """Link every tenant to the legal entity behind it, with method and confidence."""
    from pipeline.matching import link
    from pipeline.quality import ValidationReport

    tenants = _read_partners(ctx, partners, ds.TENANTS)
    links = link(
        tenants,
        _read(ctx, ownership[ds.ENTITIES.name]),
        _read(ctx, ownership[ds.IDENTIFIERS.name]),
        ctx.config.matching,
    )
    report = ValidationReport("match_tenants")
    links, _ = _validated(ctx, report, ds.LINKS, links)
    uris = {ds.LINKS.name: _write(ctx, ds.LINKS, links), "validation": _write_validation(ctx, report, "match_tenants")}
    report.raise_for_errors()
    return uris


def decide(
    ctx: RunContext, partners: Sequence[Mapping[str, str]], resolved: Mapping[str, str], links: Mapping[str, str]
) -> Uris:
    """One decision per tenant (revoke / review / allow, with rules and evidence), published revocations of
    tenants missing from this run carried over, exemptions applied."""
    from pipeline.partners import list_format
    from pipeline.policy.carry import PublishedRevocations, carry_over
    from pipeline.policy.exemptions import apply_exemptions, load_exemptions_text
    from pipeline.policy.tenants import decide as decide_tenants
    from pipeline.publish.lists import tenant_view
    from pipeline.publish.manifest import last_published
    from pipeline.quality import ValidationReport

    policy = _policy(ctx)
    decisions = decide_tenants(
        _read_partners(ctx, partners, ds.TENANTS),
        _read(ctx, links[ds.LINKS.name]),
        _read(ctx, resolved[ds.OWNERSHIP.name]),
        _read_partners(ctx, partners, ds.ENTITLEMENTS),
        _read_partners(ctx, partners, ds.BILLING),
        policy,
        ctx.config.matching,
    )
    published = []
    for p in partners:
        config = ctx.partner(p["partner"])
        previous = last_published(ctx.storage, config.outbox, ctx.logical_date)
        if previous is not None:
            rows = tenant_view(previous.snapshot, list_format(config))
            published.append(PublishedRevocations(config.name, previous.manifest_uri, rows))
    decisions = carry_over(decisions, published, _read_partners(ctx, partners, ds.QUARANTINE), policy)
    source = ctx.config.exemptions
    exemptions = load_exemptions_text(ctx.storage.read_text(source), source) if source else ()
    decisions = apply_exemptions(decisions, exemptions, ctx.logical_date)
    report = ValidationReport("decide")
    decisions, _ = _validated(ctx, report, ds.DECISIONS, decisions)
    uris = {
        ds.DECISIONS.name: _write(ctx, ds.DECISIONS, decisions),
        "validation": _write_validation(ctx, report, "decide"),
    }
    report.raise_for_errors()
    return uris


def gate(ctx: RunContext, partners: Sequence[Mapping[str, str]], decisions: Mapping[str, str]) -> Uris:
    """Build each partner's list, compare it with the last published one, and stop a surprising change."""
    from pipeline.partners import list_format, revocation_list
    from pipeline.publish.audit import write_gate_record
    from pipeline.publish.gate import active_tenant_count, evaluate, raise_if_blocked
    from pipeline.publish.manifest import last_published
    from pipeline.publish.writer import gate_input

    policy = _policy(ctx)
    all_decisions = _read(ctx, decisions[ds.DECISIONS.name])
    inputs, uris = [], {}
    for p in partners:
        name, config = p["partner"], ctx.partner(p["partner"])
        tenants, entitlements = _read(ctx, p[ds.TENANTS.name]), _read(ctx, p[ds.ENTITLEMENTS.name])
        mine = all_decisions[all_decisions["partner"] == name].reset_index(drop=True)
        previous = last_published(ctx.storage, config.outbox, ctx.logical_date)
        rows = revocation_list(
            config,
            mine,
            entitlements,
            tenants,
            policy=policy,
            logical_date=ctx.logical_date,
            previous=previous.snapshot if previous is not None else None,
        )
        uris[f"list:{name}"] = write_parquet(ctx.storage, ctx.artifact_uri("revocation_list.parquet", name), rows)
        inputs.append(
            gate_input(
                ctx.storage,
                config.outbox,
                name,
                rows,
                list_format=list_format(config),
                active_tenants=active_tenant_count(tenants),
                logical_date=ctx.logical_date,
                previous=previous,
            )
        )
    result = evaluate(inputs, ctx.config.gate, ctx.options, logical_date=ctx.logical_date, run_id=ctx.run_id)
    gate_uri = write_json(ctx.storage, ctx.artifact_uri("gate.json"), result.model_dump(mode="json"))
    write_gate_record(ctx.storage, ctx.config.audit, result, gate_uri)
    uris["gate"] = gate_uri
    uris["fingerprints"] = write_json(
        ctx.storage, ctx.artifact_uri("input_fingerprints.json"), _fingerprints(ctx, partners)
    )
    raise_if_blocked(result, gate_uri)
    return uris


def _fingerprints(ctx: RunContext, partners: Sequence[Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """Per partner, the sha256 of every input its list stands on: its own export files, the ownership
    sources, the policy and the exemptions."""
    shared: dict[str, str] = dict(read_json(ctx.storage, ctx.artifact_uri("ownership_inputs.json"))["sources"])
    for uri in (ctx.config.policy, ctx.config.exemptions):
        if uri:
            shared[uri] = sha256_hex(ctx.storage.read_bytes(uri))
    out = {}
    for p in partners:
        own = {item["uri"]: item["sha256"] for item in read_json(ctx.storage, p["inputs"])}
        out[p["partner"]] = dict(sorted((own | shared).items()))
    return out


def publish_partner(ctx: RunContext, partner: str, gated: Mapping[str, str]) -> Uris:
    """Publish one partner's list for the logical date: snapshot, delta, then the manifest."""
    from pipeline.partners import list_format
    from pipeline.publish.gate import GateResult
    from pipeline.publish.writer import PublishMeta, publish_partner_list

    policy = _policy(ctx)
    config = ctx.partner(partner)
    gate_result = GateResult.model_validate(read_json(ctx.storage, gated["gate"]))
    meta = PublishMeta(
        run_id=ctx.run_id,
        logical_date=ctx.logical_date,
        policy_id=policy.id,
        policy_version=policy.version,
        input_fingerprints=read_json(ctx.storage, gated["fingerprints"])[partner],
    )
    result = publish_partner_list(
        ctx.storage,
        config.outbox,
        partner,
        _read(ctx, gated[f"list:{partner}"]),
        meta,
        options=ctx.options,
        list_format=list_format(config),
        gate=gate_result,
        audit_uri=ctx.config.audit,
    )
    log.info("%s: %s (%s)", partner, result.event.value, result.manifest_uri)
    outcome = write_json(ctx.storage, ctx.artifact_uri("publish.json", partner), result.model_dump(mode="json"))
    return {
        "partner": partner,
        "manifest": result.manifest_uri,
        "snapshot": result.snapshot_uri,
        "delta": result.delta_uri,
        "outcome": outcome,
        "event": result.event.value,
    }


def reconcile(
    ctx: RunContext,
    partners: Sequence[Mapping[str, str]],
    decisions: Mapping[str, str],
    published: Sequence[Mapping[str, str]],
) -> Uris:
    """Billing against decisions: enforcement gaps, unknown and unbilled accounts, revenue at risk."""
    from pipeline.partners import list_in_force
    from pipeline.quality import ValidationReport, check_published_matches_decisions
    from pipeline.reconcile import reconcile as reconcile_billing
    from pipeline.reconcile.store import write_reconciliation

    all_decisions = _read(ctx, decisions[ds.DECISIONS.name])
    in_force = {p["partner"]: list_in_force(ctx.partner(p["partner"]), ctx.storage, p["manifest"]) for p in published}
    report = ValidationReport("reconcile")
    for name, listing in in_force.items():
        report.add(check_published_matches_decisions(name, listing, all_decisions))
    result = reconcile_billing(
        _read_partners(ctx, partners, ds.BILLING),
        all_decisions,
        _read_partners(ctx, partners, ds.TENANTS),
        in_force,
        ctx.logical_date,
    )
    uris = write_reconciliation(ctx.storage, ctx.workspace, result)
    uris["validation"] = _write_validation(ctx, report, "reconcile")
    report.raise_for_errors()
    return uris


def report(
    ctx: RunContext,
    *,
    partners: Sequence[Mapping[str, str]],
    resolved: Mapping[str, str],
    links: Mapping[str, str],
    decisions: Mapping[str, str],
    gated: Mapping[str, str],
    published: Sequence[Mapping[str, str]],
    reconciliation: Mapping[str, str],
) -> Uris:
    """The run report (HTML) and the run summary later runs chart."""
    from pipeline.report.assemble import assemble_inputs
    from pipeline.report.output import report_dir, write_report

    inputs = assemble_inputs(
        ctx,
        partners=partners,
        resolved=resolved,
        links=links,
        decisions=decisions,
        gated=gated,
        published=published,
        reconciliation=reconciliation,
    )
    return write_report(ctx.storage, report_dir(ctx.config.reports, ctx.logical_date, ctx.run_id), inputs)


def report_stopped(ctx: RunContext) -> Uris:
    """The report of a run that stopped: what it left behind, with why it stopped; then the run fails.

    Raises `NothingToDo` when no stage stopped (the complete run has its report from `report`).
    """
    from pipeline.report.assemble import assemble_inputs
    from pipeline.report.output import report_dir, write_report

    stops = _stops(ctx)
    if not stops:
        raise NothingToDo("no stage stopped this run")
    inputs = assemble_inputs(ctx, **_layout(ctx), stopped=stops)
    uris = write_report(ctx.storage, report_dir(ctx.config.reports, ctx.logical_date, ctx.run_id), inputs)
    where = "; ".join(f"{s.stage}{'/' + s.partner if s.partner else ''}: {s.message}" for s in stops)
    raise RunStopped(f"the run stopped ({where})\nIts report: {uris['report']}")


def _layout(ctx: RunContext) -> dict[str, Any]:
    """Where each stage writes its outputs (what it would have returned), for the report of a stopped run."""
    from pipeline.publish.manifest import manifest_uri
    from pipeline.reconcile.store import SUMMARY_FILE

    names = plan(ctx)
    partner_sets = (ds.TENANTS, ds.ENTITLEMENTS, ds.BILLING, ds.QUARANTINE)
    return {
        "partners": [
            {"partner": p, "validation": _validation_uri(ctx, "extract", p)}
            | {d.name: ctx.dataset_uri(d, p) for d in partner_sets}
            for p in names
        ],
        "resolved": {
            ds.OWNERSHIP.name: ctx.dataset_uri(ds.OWNERSHIP),
            "validation": _validation_uri(ctx, "resolve_ownership"),
        },
        "links": {ds.LINKS.name: ctx.dataset_uri(ds.LINKS), "validation": _validation_uri(ctx, "match_tenants")},
        "decisions": {
            ds.DECISIONS.name: ctx.dataset_uri(ds.DECISIONS),
            "validation": _validation_uri(ctx, "decide"),
        },
        "gated": {"gate": ctx.artifact_uri("gate.json")},
        "published": [{"partner": p, "manifest": manifest_uri(ctx.partner(p).outbox, ctx.logical_date)} for p in names],
        "reconciliation": {
            "summary": join(ctx.workspace, SUMMARY_FILE),
            "validation": _validation_uri(ctx, "reconcile"),
        },
    }


# --- stop records: which stage stopped the run, kept in the workspace for its report -----------


def _stop_uri(ctx: RunContext, stage: str, partner: str | None) -> str:
    return ctx.artifact_uri(f"stops/{stage}{'--' + partner if partner else ''}.json")


def record_stop(ctx: RunContext, stage: str, exc: BaseException, partner: str | None = None) -> None:
    from pipeline.report.records import StopRecord

    record = StopRecord(
        stage=stage,
        partner=partner,
        error=type(exc).__name__,
        message=str(exc),
        deliberate=isinstance(exc, RunStopped),
    )
    write_json(ctx.storage, _stop_uri(ctx, stage, partner), record.model_dump(mode="json"))


def _stops(ctx: RunContext) -> tuple[Any, ...]:
    from pipeline.report.records import StopRecord

    uris = ctx.storage.list(ctx.artifact_uri("stops") + "/")
    return tuple(StopRecord.model_validate(read_json(ctx.storage, u)) for u in uris)


def run_stage(ctx: RunContext, name: str, **inputs: Any) -> Any:
    """Run one stage, keeping a stop record while it fails (cleared when a retry succeeds)."""
    partner = inputs.get("partner") if isinstance(inputs.get("partner"), str) else None
    try:
        result = STAGES[name](ctx, **inputs)
    except NothingToDo:
        raise
    except Exception as exc:
        if name != "report_stopped":
            record_stop(ctx, name, exc, partner)
        raise
    ctx.storage.delete(_stop_uri(ctx, name, partner))
    return result


STAGES: dict[str, Callable[..., Any]] = {name: globals()[name] for name in (*STAGE_ORDER, "report_stopped")}


def run_all(ctx: RunContext) -> dict[str, Any]:
    """Every stage in order, in this process (what `recon run` does; the DAG runs the same functions).

    When a stage stops the run, the report of what it left behind is written and `RunStopped` raised.
    """
    try:
        names = run_stage(ctx, "plan")
        extracted = [run_stage(ctx, "extract_partner", partner=name) for name in names]
        bods = run_stage(ctx, "extract_ownership")
        checked = run_stage(ctx, "validate", partners=extracted, ownership=bods)
        resolved = run_stage(ctx, "resolve_ownership", ownership=bods, validation=checked)
        links = run_stage(ctx, "match_tenants", partners=extracted, ownership=bods)
        decided = run_stage(ctx, "decide", partners=extracted, resolved=resolved, links=links)
        gated = run_stage(ctx, "gate", partners=extracted, decisions=decided)
        published = [run_stage(ctx, "publish_partner", partner=name, gated=gated) for name in names]
        reconciled = run_stage(ctx, "reconcile", partners=extracted, decisions=decided, published=published)
        reported = run_stage(
            ctx,
            "report",
            partners=extracted,
            resolved=resolved,
            links=links,
            decisions=decided,
            gated=gated,
            published=published,
            reconciliation=reconciled,
        )
    except Exception as exc:
        try:
            report_stopped(ctx)
        except RunStopped as stopped:
            raise stopped from exc
        except NothingToDo:
            pass
        except Exception:
            log.exception("the report of the stopped run could not be written")
        raise
    return {"published": published, "report": reported, "workspace": ctx.workspace}
