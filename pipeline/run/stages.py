"""The stages of one nightly run, in order; the DAG and `recon run` both call these functions.

Invariant: a stage reads only the URIs it is given (plus the run's configuration and, for publishing,
the partners' outboxes), writes only at the paths its run's `RunLayout` names (publishing writes the
outboxes and the audit trail), and returns those paths as its typed output (pipeline/run/outputs.py).
Every dataset a stage writes is validated against its contract first, and the validation results are
written before the stage stops the run, so a stopped run still leaves its evidence behind. Running a
stage twice for the same run rewrites the same objects with the same bytes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from typing import IO, TYPE_CHECKING, Concatenate, ParamSpec, TypeVar, cast

import pandas as pd

from pipeline import datasets as ds
from pipeline import jsonio
from pipeline.config import Engine
from pipeline.errors import InputMissing, NothingToDo, RunStopped, clip
from pipeline.run.context import RunContext
from pipeline.run.layout import RunLayout
from pipeline.run.outputs import (
    Checked,
    Decided,
    DropStatus,
    Gated,
    Linked,
    OwnershipExtract,
    PartnerExtract,
    Published,
    Reconciled,
    Reported,
    Resolved,
)
from pipeline.run.progress import measure
from pipeline.storage import StorageError, tally
from pipeline.storage.frames import read_json, read_parquet, write_json, write_parquet
from pipeline.storage.hashing import HashingReader, sha256_hex

if TYPE_CHECKING:
    from pipeline.ownership.resolve import OwnershipResult
    from pipeline.ownership.roots import JudgedRoots
    from pipeline.policy.definition import Policy
    from pipeline.publish.approval import ApprovalRequest
    from pipeline.publish.gate import GateResult
    from pipeline.quality.results import ValidationReport
    from pipeline.report.records import StopRecord

log = logging.getLogger(__name__)

# A temporary file older than this is no write in progress: an interrupted one left it (plan removes it).
TEMPORARY_MAX_AGE_SECONDS = 15 * 60

P = ParamSpec("P")
R = TypeVar("R")


# --- helpers shared by the stages -----------------------------------------------------------


def _write(ctx: RunContext, dataset: ds.Dataset, frame: pd.DataFrame, partner: str | None = None) -> str:
    uri = write_parquet(ctx.storage, ctx.layout.dataset(dataset, partner), ds.conform(frame, dataset))
    log.info("wrote %s: %d rows -> %s", dataset.name, len(frame), uri)
    return uri


def _read(ctx: RunContext, uri: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
    frame = read_parquet(ctx.storage, uri, list(columns) if columns is not None else None)
    log.debug("read %d rows <- %s", len(frame), uri)
    return frame


def _read_all(ctx: RunContext, uris: Sequence[str], dataset: ds.Dataset) -> pd.DataFrame:
    """One dataset's rows from several partners' files, in partner order."""
    present = [f for f in (_read(ctx, u) for u in uris) if len(f)]
    if not present:
        return ds.empty(dataset)
    return ds.conform(pd.concat(present, ignore_index=True), dataset)


def _policy(ctx: RunContext) -> Policy:
    from pipeline.policy.definition import load_policy_text

    policy = load_policy_text(ctx.read_input_text(ctx.config.policy), ctx.config.policy)
    return policy.in_effect(ctx.logical_date)


def _write_validation(ctx: RunContext, report: ValidationReport, stage: str, partner: str | None = None) -> str:
    uri = write_json(ctx.storage, ctx.layout.validation(stage, partner), report.to_json())
    failed = len(report.errors)
    log.info("validation %s: %d checks, %d failed at error level -> %s", stage, len(report.results), failed, uri)
    return uri


def _validated(
    ctx: RunContext, report: ValidationReport, dataset: ds.Dataset, frame: pd.DataFrame, partner: str | None = None
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
    """Pin the run's configuration, policy and exemptions (pipeline/run/snapshot.py) and check that the
    policy and exemptions are valid, before anything is extracted; then the partners this run covers, in
    configuration order (the DAG maps extract and publish over them)."""
    from pipeline.policy.exemptions import load_exemptions_text
    from pipeline.run.snapshot import pinned, take_snapshot

    take_snapshot(ctx.storage, ctx.config, ctx.layout)
    ctx = pinned(ctx)
    policy = _policy(ctx)
    source = ctx.config.exemptions
    exemptions = load_exemptions_text(ctx.read_input_text(source), source) if source else ()
    for pinned_file in ctx.snapshot.files if ctx.snapshot else ():
        log.info(
            "pinned %s %s: sha256 %s -> %s",
            pinned_file.role,
            pinned_file.source,
            pinned_file.sha256,
            pinned_file.copy_uri,
        )
    log.info("policy %s %s, %d exemptions", policy.id, policy.version, len(exemptions))
    # What a killed run's interrupted writes left behind (local files only; object stores leave nothing).
    roots = [ctx.config.workspace, ctx.config.reports, ctx.config.audit, *(p.outbox for p in ctx.config.partners)]
    for root in roots:
        for uri in ctx.storage.sweep_temporaries(root.rstrip("/") + "/", TEMPORARY_MAX_AGE_SECONDS):
            log.warning("removed %s, left by an interrupted write", uri)
    return [p.name for p in ctx.config.partners]


def await_drop(ctx: RunContext, partner: str) -> DropStatus:
    """Whether the partner's drop for the logical date has come: the files still missing (the DAG's sensor
    waits for them up to the partner's `late_drop_hours`; extraction then stops as for a missing export)."""
    from pipeline.partners import missing_from_drop

    config = ctx.partner(partner)
    missing = missing_from_drop(ctx.storage, config, ctx.logical_date)
    for uri in missing:
        log.info("%s: not there yet: %s", partner, uri)
    return DropStatus(
        partner=partner, inbox=config.inbox, missing=list(missing), late_drop_hours=config.late_drop_hours
    )


def extract_partner(ctx: RunContext, partner: str) -> PartnerExtract:
    """Read one partner's export for the logical date into canonical tenants, entitlements and billing.

    The files are read once (`fetch_drop`) and parsed by the partner's pure reader, which is given the
    raw contracts' row checks to run before its mapping; then each canonical dataset is checked against
    its own contract, and the quarantine shares and the partner-level checks are judged here.
    """
    from pipeline.partners import canonical_order, fetch_drop, read
    from pipeline.quality import Contract, DatasetValidation, ValidationReport, load_contract, validate_frame
    from pipeline.quality.cross import check_billed_accounts_known, check_export_present
    from pipeline.quality.quarantine import concat_quarantine
    from pipeline.quality.results import Source
    from pipeline.quality.validate import share_check, share_limit

    config, max_share = ctx.partner(partner), ctx.config.quality.max_quarantine_share

    def check_raw(rows: pd.DataFrame, contract: Contract, /) -> DatasetValidation:
        # The reader counts what it sets aside itself: the share is judged below, over everything read.
        return validate_frame(rows, contract, dataset=contract.name, check_share=False)

    extracted = read(fetch_drop(ctx.storage, config, ctx.logical_date), config, ctx.logical_date, check=check_raw)
    for file in extracted.inputs:
        log.info("read %s: %d rows, %d bytes, sha256 %s", file.uri, file.rows, file.bytes, file.sha256)
        tally.rows_read(file.rows)
    rows, size = sum(f.rows for f in extracted.inputs), sum(f.bytes for f in extracted.inputs)
    log.info("%s: read %d files, %s rows, %s bytes", partner, len(extracted.inputs), f"{rows:,}", f"{size:,}")
    report = ValidationReport(scope=f"extract partner={partner} dt={ctx.logical_date}")
    report.extend(extracted.results)
    for counts in extracted.counts:
        limit = share_limit(load_contract(counts.contract), max_share)
        report.add(share_check(counts.dataset, counts.rows, counts.quarantined, limit, source=Source.READER))
        report.count(counts)
    quarantined, frames = [extracted.quarantine], dict[ds.Dataset, pd.DataFrame]()
    for item in extracted.canonical:
        report.extend(item.results)
        checked = validate_frame(
            item.frame,
            item.dataset.contract,
            dataset=item.dataset.name,
            max_quarantine_share=max_share,
            prior_quarantined=len(item.quarantine),
        )
        report.extend(checked.results)
        report.count(checked.counts)
        quarantined += [item.quarantine, checked.quarantine]
        frames[item.dataset] = checked.valid
    report.add(check_export_present(partner, len(frames[ds.TENANTS])))
    report.add(check_billed_accounts_known(partner, frames[ds.TENANTS], frames[ds.BILLING]))
    uris = PartnerExtract(
        partner=partner,
        tenants=_write(ctx, ds.TENANTS, frames[ds.TENANTS], partner),
        entitlements=_write(ctx, ds.ENTITLEMENTS, frames[ds.ENTITLEMENTS], partner),
        billing=_write(ctx, ds.BILLING, frames[ds.BILLING], partner),
        quarantine=_write(ctx, ds.QUARANTINE, canonical_order(concat_quarantine(quarantined), ds.QUARANTINE), partner),
        inputs=write_json(ctx.storage, ctx.layout.partner_inputs(partner), extracted.inputs_json()),
        validation=_write_validation(ctx, report, "extract", partner),
    )
    report.raise_for_errors()
    return uris


def extract_ownership(ctx: RunContext) -> OwnershipExtract:
    """Read the ownership sources (BODS, GLEIF, FollowTheMoney) and merge them: live entities,
    identifiers and interests as of the logical date, each row naming its source and record."""
    from pipeline.ownership.read import read_sources
    from pipeline.ownership.roots import root_basis
    from pipeline.ownership.source_format import source_keys
    from pipeline.quality import ValidationReport, results_from_findings
    from pipeline.quality.quarantine import concat_quarantine
    from pipeline.run.switches import bulk_reading

    specs = [s.spec for s in ctx.config.ownership.sources]
    policy = _policy(ctx)
    with ExitStack() as stack, bulk_reading():
        readers = [HashingReader(stack.enter_context(ctx.storage.open_read(s.uri))) for s in specs]
        streams = [(spec, cast("IO[bytes]", reader)) for spec, reader in zip(specs, readers, strict=True)]
        merged = read_sources(streams, ctx.logical_date, policy.jurisdictions, lambda e: root_basis(e, policy).is_root)
        frames = merged.frames
        fingerprints = {spec.uri: r.hexdigest() for spec, r in zip(specs, readers, strict=True)}
    figures = {key: f.model_dump(mode="json") for key, f in zip(source_keys(specs), merged.figures, strict=True)}
    for uri, sha256 in fingerprints.items():
        log.info("read %s: sha256 %s", uri, sha256)
    sources = list(fingerprints)
    tally.rows_read(frames.stats.get("statements_read", 0))
    report = ValidationReport("extract_ownership")
    report.extend(results_from_findings(frames.findings, dataset="ownership_input"))
    entities, bad_entities = _validated(ctx, report, ds.ENTITIES, frames.entities)
    identifiers, bad_identifiers = _validated(ctx, report, ds.IDENTIFIERS, frames.identifiers)
    interests, bad_interests = _validated(ctx, report, ds.INTERESTS, frames.interests)
    quarantined = concat_quarantine([frames.quarantine, bad_entities, bad_identifiers, bad_interests])
    uris = OwnershipExtract(
        entities=_write(ctx, ds.ENTITIES, entities),
        identifiers=_write(ctx, ds.IDENTIFIERS, identifiers),
        interests=_write(ctx, ds.INTERESTS, interests),
        quarantine=_write(ctx, ds.QUARANTINE, quarantined),
        inputs=write_json(
            ctx.storage,
            ctx.layout.ownership_inputs,
            {
                "sources": fingerprints,
                "formats": {s.uri: s.format.value for s in specs},
                "stats": frames.stats,
                "figures": figures,
            },
        ),
        validation=_write_validation(ctx, report, "extract_ownership"),
    )
    if frames.entities.empty:
        raise InputMissing(f"ownership reference {', '.join(sources)}: no live entity or person records")
    report.raise_for_errors()
    return uris


def validate(ctx: RunContext, partners: Sequence[PartnerExtract], ownership: OwnershipExtract) -> Checked:
    """Checks across datasets and runs, beyond each partner's own (done at extraction: export present,
    billed accounts known): tenant counts and ownership sources' sizes against the last complete run,
    the sources' ages, owners' stakes."""
    from pipeline import quality
    from pipeline.ownership.source_format import SourceFigures, last_figures, source_keys
    from pipeline.report.output import previous_source_figures, previous_tenant_counts

    report = quality.ValidationReport("validate")
    previous = previous_tenant_counts(ctx.storage, ctx.config.reports, ctx.logical_date, ctx.run_id)
    for p in partners:
        name, tenants = p["partner"], _read(ctx, p["tenants"])
        growth = ctx.config.quality.max_tenant_growth
        report.add(quality.check_tenant_count(name, len(tenants), previous.get(name), growth))
        report.add(quality.check_identifier_check_digits(name, tenants))
    sources = ctx.config.ownership
    recorded = read_json(ctx.storage, ownership["inputs"]).get("figures", {})
    before = previous_source_figures(ctx.storage, ctx.config.reports, ctx.logical_date, ctx.run_id)
    for key, source in zip(source_keys([s.spec for s in sources.sources]), sources.sources, strict=True):
        if key not in recorded:
            # An extraction of another configuration (or of code that did not count): never judged blind.
            raise RunStopped(f"{ownership['inputs']}: no figures for ownership source {key} ({source.uri}); "
                             "run extract_ownership again")  # fmt: skip
        figures = SourceFigures.model_validate(recorded[key])
        report.add(quality.check_source_age(key, figures, ctx.logical_date, sources.max_age(source)))
        report.add(quality.check_source_size(key, figures, last_figures(key, figures, before), sources.max_shrink))
    interests, ownership_types = _read(ctx, ownership["interests"]), _policy(ctx).ownership.interests
    report.add(quality.check_stakes_sum(interests, ctx.logical_date, ownership_types))
    uri = _write_validation(ctx, report, "validate")
    report.raise_for_errors()
    return Checked(validation=uri)


def resolve_ownership(ctx: RunContext, ownership: OwnershipExtract, validation: Checked) -> Resolved:
    """Apply the policy to the ownership graph: restricted share, decision, ultimate parent, evidence.

    `validation` is the `validate` stage's output: resolution waits for its checks to pass."""
    from pipeline.quality import ValidationReport, results_from_findings

    result = _resolution(ctx, _policy(ctx), ownership)
    log.info("resolved on the %s engine: rounds %s", ctx.config.engine, result.iterations)
    report = ValidationReport("resolve_ownership")
    report.extend(results_from_findings(result.findings, dataset="ownership"))
    resolved, _ = _validated(ctx, report, ds.OWNERSHIP, result.ownership)
    uris = Resolved(
        ownership=_write(ctx, ds.OWNERSHIP, resolved),
        findings=write_parquet(ctx.storage, ctx.layout.ownership_findings, result.findings),
        validation=_write_validation(ctx, report, "resolve_ownership"),
    )
    report.raise_for_errors()
    return uris


def _resolution(
    ctx: RunContext, policy: Policy, ownership: OwnershipExtract, judged: JudgedRoots | None = None
) -> OwnershipResult:
    """The ownership extraction resolved under the policy (with reviewers' entity judgements when given)."""
    from concurrent.futures import ThreadPoolExecutor

    from pipeline.ownership.resolve import ENTITY_INPUT_COLUMNS, INTEREST_INPUT_COLUMNS, resolve
    from pipeline.run.switches import paused_gc

    entities = _read(ctx, ownership["entities"], ENTITY_INPUT_COLUMNS)
    interests = _read(ctx, ownership["interests"], INTEREST_INPUT_COLUMNS)
    # What extraction set aside: the records it was about are held in review, never silently cleared.
    quarantine = _read(ctx, ownership["quarantine"])
    # One thread beside this one overlaps the engine's independent parts (two cores); the evidence of
    # hundreds of thousands of records is many small containers the collector would rescan for nothing.
    with paused_gc(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="resolve") as beside:
        if ctx.config.engine is Engine.SPARK:
            # The numbers on Spark from the canonical Parquet; evidence and text here (pipeline/spark/ownership.py).
            from pipeline.spark.ownership import resolve_with_spark

            parquet = (ownership["entities"], ownership["interests"])
            return resolve_with_spark(ctx.config.spark, entities, interests, policy, ctx.logical_date,
                                      quarantine=quarantine, executor=beside, uris=parquet, judged=judged)  # fmt: skip
        return resolve(
            entities, interests, policy, ctx.logical_date, quarantine=quarantine, executor=beside, judged=judged
        )


def match_tenants(ctx: RunContext, partners: Sequence[PartnerExtract], ownership: OwnershipExtract) -> Linked:
    """Link every tenant to the legal entity behind it, with method and confidence."""
    from pipeline.matching import link
    from pipeline.quality import ValidationReport, check_tenants_scored
    from pipeline.review.apply import apply_links, link_verdicts, standing
    from pipeline.review.store import read_judgements

    tenants = _read_all(ctx, [p["tenants"] for p in partners], ds.TENANTS)
    entities, identifiers = _read(ctx, ownership["entities"]), _read(ctx, ownership["identifiers"])
    if ctx.config.engine is Engine.SPARK:
        # The tenants linked in Spark's executors by the same code (pipeline/spark/matching.py).
        from pipeline.spark.matching import link_with_spark

        links = link_with_spark(ctx.config.spark, tenants, entities, identifiers, ctx.config.matching)
    else:
        links = link(tenants, entities, identifiers, ctx.config.matching)
    # The reviewers' judgements, read once per run: decide uses this copy, so both stages see the same ones.
    judgements = read_judgements(ctx.storage, ctx.config.judgements)
    judgements_uri = write_json(ctx.storage, ctx.layout.judgements, [j.model_dump(mode="json") for j in judgements])
    log.info("read %d judgements <- %s", len(judgements), ctx.config.judgements or "(no judgement store configured)")
    verdicts = link_verdicts(standing(judgements, ctx.logical_date), tenants, links, ctx.logical_date)
    links = apply_links(links, verdicts)
    report = ValidationReport("match_tenants")
    report.add(check_tenants_scored(links))
    links, _ = _validated(ctx, report, ds.LINKS, links)
    uris = Linked(
        links=_write(ctx, ds.LINKS, links),
        judgements=judgements_uri,
        validation=_write_validation(ctx, report, "match_tenants"),
    )
    report.raise_for_errors()
    return uris


def decide(ctx: RunContext, partners: Sequence[PartnerExtract], resolved: Resolved, links: Linked) -> Decided:
    """One decision per tenant (revoke / review / allow, with rules and evidence), published revocations of
    tenants missing from this run carried over, exemptions applied."""
    from pipeline.partners import list_format
    from pipeline.policy.carry import PublishedRevocations, carry_over
    from pipeline.policy.exemptions import apply_exemptions, load_exemptions_text, review_exemptions
    from pipeline.policy.tenants import decide as decide_tenants
    from pipeline.publish.lists import tenant_view
    from pipeline.publish.manifest import last_published
    from pipeline.quality import ValidationReport
    from pipeline.quality.cross import check_exemptions_apply
    from pipeline.review.apply import (
        age_reviews,
        apply_decisions,
        apply_entities,
        entity_verdicts,
        inherited_judgements,
        judged_roots,
        link_verdicts,
        standing,
    )
    from pipeline.review.judgements import parse as parse_judgement
    from pipeline.run.switches import paused_gc

    policy = _policy(ctx)
    tenants, tenant_links, ownership = (
        _read_all(ctx, [p["tenants"] for p in partners], ds.TENANTS),
        _read(ctx, links["links"]),
        _read(ctx, resolved["ownership"]),
    )
    judgements = [
        parse_judgement(jsonio.compact_bytes(doc), links["judgements"])
        for doc in read_json(ctx.storage, links["judgements"])
    ]
    stand = standing(judgements, ctx.logical_date)
    entities = entity_verdicts(stand, ownership, policy, ctx.logical_date)
    # Entity judgements flow through ownership: when one applies, the ownership is resolved again with the
    # judged entities as roots (or cleared), and the tenants below them are decided on that. The computed
    # ownership stays the run's ownership output and the evidence judgements are checked against.
    judged, inherited = ownership, {}
    if roots := judged_roots(entities):
        extract = OwnershipExtract(  # where extract_ownership wrote them (the layout names them)
            entities=ctx.layout.dataset(ds.ENTITIES),
            identifiers=ctx.layout.dataset(ds.IDENTIFIERS),
            interests=ctx.layout.dataset(ds.INTERESTS),
            quarantine=ctx.layout.dataset(ds.QUARANTINE),
            inputs=ctx.layout.ownership_inputs,
            validation=ctx.layout.validation("extract_ownership"),
        )
        judged = _resolution(ctx, policy, extract, roots).ownership
        interests = _read(ctx, extract["interests"], ["subject_id", "interested_party_id"])
        inherited = inherited_judgements(ownership, judged, interests, entities)
        log.info("entity judgements %s: %d entities below them changed", roots, len(inherited))
    # A tenant's rules and evidence are many small dicts (a million tenants: tens of millions), none in a
    # cycle; the collector would rescan them all again and again (a third of the engine's time at 10k).
    with paused_gc():
        decisions = decide_tenants(
            tenants,
            tenant_links,
            apply_entities(judged, entities, computed=ownership),
            _read_all(ctx, [p["entitlements"] for p in partners], ds.ENTITLEMENTS),
            _read_all(ctx, [p["billing"] for p in partners], ds.BILLING),
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
    quarantined = _read_all(ctx, [p["quarantine"] for p in partners], ds.QUARANTINE)
    decisions = carry_over(decisions, published, quarantined, policy)
    source = ctx.config.exemptions
    exemptions = load_exemptions_text(ctx.read_input_text(source), source) if source else ()
    decisions = apply_exemptions(decisions, exemptions, ctx.logical_date)
    decisions = apply_decisions(
        decisions,
        tenants,
        tenant_links,
        ownership,
        stand,
        link_verdicts(stand, tenants, tenant_links, ctx.logical_date),
        entities,
        policy,
        ctx.logical_date,
        inherited,
    )
    decisions = age_reviews(decisions, _previous_decisions(ctx), policy, ctx.logical_date)
    report = ValidationReport("decide")
    # An exemption that cannot apply as written (expired, a misspelt partner, a tenant id without its
    # leading zeros) silently revokes a customer Legal cleared: each is a warning, all are in the report.
    review = review_exemptions(decisions, exemptions, ctx.logical_date, [p.name for p in ctx.config.partners])
    write_parquet(ctx.storage, ctx.layout.exemptions_review, review)
    report.add(check_exemptions_apply(review))
    decisions, _ = _validated(ctx, report, ds.DECISIONS, decisions)
    uris = Decided(decisions=_write(ctx, ds.DECISIONS, decisions), validation=_write_validation(ctx, report, "decide"))
    report.raise_for_errors()
    return uris


def _previous_decisions(ctx: RunContext) -> pd.DataFrame | None:
    """The review columns of the latest earlier complete run's decisions (how long a case has been open)."""
    from pipeline.report.output import previous_complete_run

    found = previous_complete_run(ctx.storage, ctx.config.reports, ctx.logical_date, ctx.run_id)
    if found is None:
        return None
    layout = RunLayout.of(ctx.config.workspace, ctx.config.reports, found[0], found[1], {})
    uri = layout.dataset(ds.DECISIONS)
    if not ctx.storage.exists(uri):
        return None
    try:
        return _read(ctx, uri, ["partner", "tenant_id", "decision", "review_since"])
    except StorageError:  # a run from before cases kept their first night
        return _read(ctx, uri, ["partner", "tenant_id", "decision"])


def gate(ctx: RunContext, partners: Sequence[PartnerExtract], decisions: Decided) -> Gated:
    """Build each partner's list, compare it with the last published one, and stop a surprising change.

    Under Airflow's approval step (`ApprovalChannel.AIRFLOW_APPROVAL`) a blocked change does not stop
    here: the step waits for a person, and publishing reads the verdict."""
    from pipeline.partners import list_format, revocation_list
    from pipeline.publish.audit import publish_history, write_gate_record
    from pipeline.publish.gate import active_tenant_count, approval_instructions, evaluate, raise_if_blocked
    from pipeline.publish.manifest import last_published
    from pipeline.publish.writer import gate_input
    from pipeline.run.context import ApprovalChannel

    policy = _policy(ctx)
    all_decisions = _read(ctx, decisions["decisions"])
    inputs, lists = [], {}
    for p in partners:
        name, config = p["partner"], ctx.partner(p["partner"])
        tenants, entitlements = _read(ctx, p["tenants"]), _read(ctx, p["entitlements"])
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
        lists[name] = write_parquet(ctx.storage, ctx.layout.revocation_list(name), rows)
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
                history=publish_history(ctx.storage, ctx.config.audit, name, ctx.logical_date),
            )
        )
    result = evaluate(inputs, ctx.config.gate, ctx.options, logical_date=ctx.logical_date, run_id=ctx.run_id)
    gate_uri = write_json(ctx.storage, ctx.layout.gate, result.model_dump(mode="json"))
    write_gate_record(ctx.storage, ctx.config.audit, result, gate_uri)
    uris = Gated(
        lists=lists,
        gate=gate_uri,
        fingerprints=write_json(ctx.storage, ctx.layout.input_fingerprints, _fingerprints(ctx, partners)),
    )
    how = approval_instructions(result, ctx.options.approval, ctx.config.config_uri)
    if ctx.options.approval is ApprovalChannel.AIRFLOW_APPROVAL and not result.approval_mismatch:
        # The DAG's approval step waits for a person; publishing reads its verdict (`approve`).
        log.info("%s\n%s", result.summary(), how)
        return uris
    raise_if_blocked(result, gate_uri, how)
    return uris


def _fingerprints(ctx: RunContext, partners: Sequence[PartnerExtract]) -> dict[str, dict[str, str]]:
    """Per partner, the sha256 of every input its list stands on: its own export files, the ownership
    sources, the policy and the exemptions."""
    shared: dict[str, str] = dict(read_json(ctx.storage, ctx.layout.ownership_inputs)["sources"])
    for uri in (ctx.config.policy, ctx.config.exemptions):
        if uri:
            shared[uri] = sha256_hex(ctx.read_input(uri))
    out = {}
    for p in partners:
        own = {item["uri"]: item["sha256"] for item in read_json(ctx.storage, p["inputs"])}
        out[p["partner"]] = dict(sorted((own | shared).items()))
    return out


def request_approval(ctx: RunContext) -> ApprovalRequest:
    """What the approval step asks when the gate blocked: the change, the limits exceeded, top reasons,
    policy and the diff's sha256, as Markdown. Raises `NothingToDo` when the gate did not block.

    The request is kept beside the gate result (a verdict covers the diff it names); an earlier verdict
    of this run is withdrawn, since a new request asks again. It is returned to the approval step itself,
    not handed to other tasks."""
    import datetime as dt

    from pipeline.formatting import approval_request_body
    from pipeline.publish.approval import ApprovalRequest
    from pipeline.publish.gate import GateResult
    from pipeline.publish.manifest import GateStatus

    gate_uri = ctx.layout.gate
    result = GateResult.model_validate(read_json(ctx.storage, gate_uri))
    if result.status is not GateStatus.BLOCKED:
        raise NothingToDo(f"the safety gate {result.status.value}: nothing to approve")
    policy, hours = _policy(ctx), ctx.config.approval.timeout_hours
    request = ApprovalRequest(
        run_id=ctx.run_id,
        logical_date=ctx.logical_date,
        diff_sha256=result.diff_sha256,
        gate_uri=gate_uri,
        subject=f"Publish the revocation lists for {ctx.ds} beyond the safety gate's limits?",
        body=approval_request_body(
            result, policy=f"{policy.id} {policy.version}", gate_uri=gate_uri, timeout=dt.timedelta(hours=hours)
        ),
        timeout_hours=hours,
    )
    ctx.storage.delete(ctx.layout.approval)
    write_json(ctx.storage, ctx.layout.approval_request, request.model_dump(mode="json"))
    return request


def record_approval(
    ctx: RunContext,
    verdict: str,
    by: str | None = None,
    by_id: str | None = None,
    at: str | None = None,
) -> str:
    """Keep a person's verdict on the approval request (run workspace and audit trail); a rejection or a
    timeout then stops the run. The verdict covers the diff the request showed, and only while the gate's
    diff is still that one."""
    import datetime as dt

    from pipeline.publish.approval import (
        ApprovalRequest,
        ApprovalVerdict,
        approved_gate,
        refusal,
        verdict_record,
        write_approval_record,
    )
    from pipeline.publish.audit import write_gate_record
    from pipeline.publish.gate import GateResult

    gate_result = GateResult.model_validate(read_json(ctx.storage, ctx.layout.gate))
    request = ApprovalRequest.model_validate(read_json(ctx.storage, ctx.layout.approval_request))
    record = verdict_record(
        request,
        gate_result,
        ApprovalVerdict(verdict),
        by=by,
        by_id=by_id,
        at=dt.datetime.fromisoformat(at) if at else None,
    )
    uri = write_json(ctx.storage, ctx.layout.approval, record.model_dump(mode="json"))
    log.info(
        "approval %s by %s -> %s, %s",
        record.verdict.value,
        record.by,
        uri,
        write_approval_record(ctx.storage, ctx.config.audit, record),
    )
    if record.verdict is ApprovalVerdict.APPROVED:
        write_gate_record(ctx.storage, ctx.config.audit, approved_gate(gate_result, record), ctx.layout.gate)
    stop = refusal(record)
    if stop is not None:
        raise stop
    return uri


def _gate_verdict(ctx: RunContext, gate_uri: str) -> GateResult:
    """The gate result publishing goes by: the gate's own, approved when the approval step approved its diff."""
    from pipeline.publish.approval import ApprovalRecord, approved_gate
    from pipeline.publish.gate import GateResult

    result = GateResult.model_validate(read_json(ctx.storage, gate_uri))
    if not ctx.storage.exists(ctx.layout.approval):
        return result
    return approved_gate(result, ApprovalRecord.model_validate(read_json(ctx.storage, ctx.layout.approval)))


def publish_partner(ctx: RunContext, partner: str, gated: Gated) -> Published:
    """Publish one partner's list for the logical date: snapshot, delta, then the manifest."""
    from pipeline.partners import list_format
    from pipeline.publish.writer import PublishMeta, publish_partner_list
    from pipeline.quality.contracts import load_contract

    policy = _policy(ctx)
    config = ctx.partner(partner)
    gate_result = _gate_verdict(ctx, gated["gate"])
    meta = PublishMeta(
        run_id=ctx.run_id,
        logical_date=ctx.logical_date,
        policy_id=policy.id,
        policy_version=policy.version,
        list_format_version=load_contract(list_format(config).contract).version,
        input_fingerprints=read_json(ctx.storage, gated["fingerprints"])[partner],
    )
    result = publish_partner_list(
        ctx.storage,
        config.outbox,
        partner,
        _read(ctx, gated["lists"][partner]),
        meta,
        options=ctx.options,
        list_format=list_format(config),
        gate=gate_result,
        audit_uri=ctx.config.audit,
    )
    log.info("%s: %s (%s)", partner, result.event.value, result.manifest_uri)
    outcome = write_json(ctx.storage, ctx.layout.publish_outcome(partner), result.model_dump(mode="json"))
    return Published(
        partner=partner,
        manifest=result.manifest_uri,
        snapshot=result.snapshot_uri,
        delta=result.delta_uri,
        outcome=outcome,
        event=result.event.value,
    )


def reconcile(
    ctx: RunContext, partners: Sequence[PartnerExtract], decisions: Decided, published: Sequence[Published]
) -> Reconciled:
    """Billing against decisions: enforcement gaps, unknown and unbilled accounts, revenue at risk."""
    from pipeline.partners import list_in_force
    from pipeline.quality import ValidationReport, check_published_matches_decisions
    from pipeline.reconcile import reconcile as reconcile_billing
    from pipeline.reconcile.store import write_reconciliation

    all_decisions = _read(ctx, decisions["decisions"])
    in_force = {p["partner"]: list_in_force(ctx.partner(p["partner"]), ctx.storage, p["manifest"]) for p in published}
    report = ValidationReport("reconcile")
    for name, listing in in_force.items():
        report.add(check_published_matches_decisions(name, listing, all_decisions))
    result = reconcile_billing(
        _read_all(ctx, [p["billing"] for p in partners], ds.BILLING),
        all_decisions,
        _read_all(ctx, [p["tenants"] for p in partners], ds.TENANTS),
        in_force,
        ctx.logical_date,
    )
    summary = write_reconciliation(ctx.storage, ctx.layout, result)
    uris = Reconciled(summary=summary, validation=_write_validation(ctx, report, "reconcile"))
    report.raise_for_errors()
    return uris


def report(ctx: RunContext) -> Reported:
    """The run report (HTML) and the run summary later runs chart, read from the run's layout: the report
    is about the whole run, so it takes no stage's output but waits for them all."""
    from pipeline.report.assemble import assemble_inputs
    from pipeline.report.output import write_report

    return write_report(ctx.storage, ctx.layout, assemble_inputs(ctx))


def report_stopped(ctx: RunContext) -> Reported:
    """The report of a run that stopped: what it left behind, with why it stopped; then the run fails.

    Raises `NothingToDo` when no stage stopped (the complete run has its report from `report`).
    """
    from pipeline.report.assemble import assemble_inputs
    from pipeline.report.output import write_report

    stops = _stops(ctx)
    if not stops:
        raise NothingToDo("no stage stopped this run")
    written = write_report(ctx.storage, ctx.layout, assemble_inputs(ctx, stopped=stops))
    where = "; ".join(f"{s.stage}{'/' + s.partner if s.partner else ''}: {s.message}" for s in stops)
    raise RunStopped(f"the run stopped ({where})\nIts report: {written['report']}")


# The stage sequence of docs/design.md §2: `run_all` calls them in this order and the DAG wires the same one
# (tests/run and tests/dags check both against it).
STAGE_ORDER: tuple[Callable[..., object], ...] = (
    plan,
    extract_partner,
    extract_ownership,
    validate,
    resolve_ownership,
    match_tenants,
    decide,
    gate,
    publish_partner,
    reconcile,
    report,
)


# --- stop records: which stage stopped the run, kept in the workspace for its report -----------


def record_stop(ctx: RunContext, stage: str, exc: BaseException, partner: str | None = None) -> None:
    from pipeline.report.records import StopRecord

    record = StopRecord(
        stage=stage,
        partner=partner,
        error=type(exc).__name__,
        message=clip(str(exc)),
        deliberate=isinstance(exc, RunStopped),
    )
    write_json(ctx.storage, ctx.layout.stop_record(stage, partner), record.model_dump(mode="json"))


def _stops(ctx: RunContext) -> tuple[StopRecord, ...]:
    from pipeline.report.records import StopRecord

    uris = ctx.storage.list(ctx.layout.stops_folder)
    return tuple(StopRecord.model_validate(read_json(ctx.storage, u)) for u in uris)


def run_stage(
    ctx: RunContext, stage: Callable[Concatenate[RunContext, P], R], /, *args: P.args, **kwargs: P.kwargs
) -> R:
    """Run one stage, keeping a stop record while it fails (cleared when a retry succeeds); its start and
    its figures (seconds, peak memory, rows in and out) are logged and handed to `ctx.observe`.

    Per-partner stages are called with `partner=` by keyword, so the record names the partner."""
    named = kwargs.get("partner")
    partner = named if isinstance(named, str) else None
    try:
        with measure(stage.__name__, partner) as measured:
            result = stage(ctx, *args, **kwargs)
    except NothingToDo:
        raise
    except Exception as exc:
        if stage is not report_stopped:
            record_stop(ctx, stage.__name__, exc, partner)
        raise
    ctx.storage.delete(ctx.layout.stop_record(stage.__name__, partner))
    if ctx.observe is not None and measured.figures is not None:
        ctx.observe(measured.figures)
    return result


def run_all(ctx: RunContext) -> Reported:
    """Every stage in order, in this process (what `recon run` does; the DAG runs the same functions).

    When a stage stops the run, the report of what it left behind is written and `RunStopped` raised.
    """
    from pipeline.run.snapshot import pinned

    try:
        names = run_stage(ctx, plan)
        ctx = pinned(ctx)  # every later stage runs with what plan pinned
        extracted = [run_stage(ctx, extract_partner, partner=name) for name in names]
        bods = run_stage(ctx, extract_ownership)
        checked = run_stage(ctx, validate, extracted, bods)
        resolved = run_stage(ctx, resolve_ownership, bods, checked)
        links = run_stage(ctx, match_tenants, extracted, bods)
        decided = run_stage(ctx, decide, extracted, resolved, links)
        gated = run_stage(ctx, gate, extracted, decided)
        published = [run_stage(ctx, publish_partner, partner=name, gated=gated) for name in names]
        run_stage(ctx, reconcile, extracted, decided, published)
        return run_stage(ctx, report)
    except Exception as exc:
        try:
            report_stopped(pinned(ctx, required=False))
        except RunStopped as stopped:
            raise stopped from exc
        except NothingToDo:
            pass
        except Exception:
            log.exception("the report of the stopped run could not be written")
        raise
