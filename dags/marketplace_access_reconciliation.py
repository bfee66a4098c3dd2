"""Nightly marketplace access reconciliation: partners' exports in, revocation lists out.

Wiring only. Every task body is one call into `pipeline.run.tasks.run_stage`, which builds the run
context (config, logical date, run id, Airflow-connection credentials) and calls the stage function of
the same name in `pipeline/run/stages.py` — the very functions `recon run` calls. Tasks pass typed
mappings of URIs (`pipeline.run.outputs`, a light module of TypedDicts), never data. Nothing here reads
files, variables or connections at parse time, and nothing heavy is imported (one environment flag
aside: `EMBEDDED`, set by `recon dag-run`).

Around the stages: each partner's drop is waited for by a sensor (`pipeline.run.tasks.poke_drop`); a
change beyond the safety gate waits in the approval step (`pipeline.run.approval`, Airflow's
`ApprovalOperator`); operators are told through `pipeline.run.notify`; resolve and match share a one-slot
pool; every task reports its datasets for OpenLineage (`pipeline.run.lineage`).

Published lists are Airflow assets. The partners are configuration read when a run starts, so the DAG
cannot name one asset per partner at parse time; `publish_partner` declares the asset alias
`PUBLISHED_LISTS` instead and, when it publishes a list, adds an event for that partner's asset
(`marketplace_revocation_list.<partner>`, URI `<outbox>/revocations`) with the manifest's URI in its extra.
Downstream DAGs schedule on the alias (any partner) or on one partner's asset.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from airflow.sdk import (
    AssetAlias,
    AsyncCallback,
    CronTriggerTimetable,
    DeadlineAlert,
    DeadlineReference,
    Param,
    TriggerRule,
    dag,
    task,
)
from airflow.sdk.timezone import datetime

from pipeline.run.approval import GateApprovalOperator
from pipeline.run.notify import OpsEvent, OpsNotifier
from pipeline.run.outputs import (
    Checked,
    Decided,
    Gated,
    Linked,
    OwnershipExtract,
    PartnerExtract,
    Published,
    Reconciled,
    Reported,
    Resolved,
)

# Retries are for transient failures (a storage endpoint timing out); a deliberate stop (bad input, failed
# check, blocked gate) fails the task at once without retrying.
STAGE_RETRIES = {
    "retries": 2,
    "retry_delay": dt.timedelta(minutes=2),
    "retry_exponential_backoff": True,
    "max_retry_delay": dt.timedelta(minutes=15),
}
# The whole run on production volumes takes well under an hour; a stage hung on a socket must not hold
# the nightly slot (max_active_runs=1) until the run times out.
STAGE_TIMEOUT = dt.timedelta(hours=1)
SHORT_STAGE_TIMEOUT = dt.timedelta(minutes=10)
# How long the approval step waits for a person by default; the run configuration's
# `approval.timeout_hours` sets it for each run, and the run's time budget leaves room for the longest.
APPROVAL_WAIT = dt.timedelta(hours=12)
# A partner's late drop is checked every few minutes; the configured wait (`late_drop_hours`, at most 6)
# ends the wait, this limit only backs it up.
DROP_POKE_INTERVAL = dt.timedelta(minutes=5)
DROP_WAIT_LIMIT = dt.timedelta(hours=6, minutes=30)
# The longest late-drop wait (6 h), the stages (6 h) and the longest wait for an approval (12 h).
RUN_TIMEOUT = dt.timedelta(hours=24)
# Resolve and match hold the run's largest frames (README, Benchmarks): one slot, so they never run at the
# same time on a worker. Created by deploy/init.sh (`airflow pools set`). Memory of the heavy tasks, each
# in its own process (README, Resources): resolve 5.3 GiB at 5,000,000 entities; match 1.5 GiB at 200,000
# tenants and 1,000,000 entities; at 100,000 tenants extract_partner (AWS) 1.3 GiB, extract_ownership no
# more (plus its reader workers), decide 1.4 GiB; at 1,000,000 tenants extract_partner (AWS) 8.6 GiB and
# decide about 5 GiB more than its inputs: a 16 GB worker.
HEAVY_POOL = "recon_heavy"
# The lists must be published by 06:00 UTC on the delivery day: 3 h 30 after the 02:30 logical date.
PUBLISHED_BY = dt.timedelta(hours=3, minutes=30)
PUBLISHED_BY_DEADLINE = DeadlineAlert(
    reference=DeadlineReference.DAGRUN_LOGICAL_DATE,
    interval=PUBLISHED_BY,
    callback=AsyncCallback(OpsNotifier, kwargs={"event": OpsEvent.DEADLINE_MISSED.value}),
    name="lists published by 06:00 UTC",
)
# `recon dag-run` runs the DAG with `airflow dags test`, which cannot finish a run of a DAG with deadline
# alerts in Airflow 3.3.2 (it looks them up by ids only the dag-processor assigns): there, no alert.
EMBEDDED = os.environ.get("RECON_EMBEDDED_AIRFLOW") == "1"
# The asset alias through which each partner's published list is announced (see the module docstring).
PUBLISHED_LISTS = AssetAlias("marketplace_revocation_lists")


@dag(
    dag_id="marketplace_access_reconciliation",
    description="Resolve marketplace tenants to their ultimate owners and publish revocation lists",
    # The partners deliver around midnight UTC; 02:30 leaves room for late drops. Logical date D = the
    # delivery day, covering activity up to the end of D-1.
    schedule=CronTriggerTimetable("30 2 * * *", timezone="UTC"),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=RUN_TIMEOUT,
    # Someone is told (pipeline/run/notify.py: SMTP and Slack by connection) when the run fails, when a
    # change waits for approval (the approval step's notifier) and when the lists are late.
    on_failure_callback=OpsNotifier(OpsEvent.RUN_FAILED),
    deadline=None if EMBEDDED else PUBLISHED_BY_DEADLINE,
    default_args={**STAGE_RETRIES, "execution_timeout": STAGE_TIMEOUT},
    params={
        "config": Param(
            "",
            type="string",
            description="Path or URI of the run configuration (config.yaml). Empty: the Airflow Variable "
            "`recon_config`, read when the run starts.",
        ),
        "approve_gate": Param(
            False,
            type="boolean",
            description="Publish although the change against the last published lists exceeds the gate.",
        ),
        "approved_by": Param("", type="string", description="Who approved the gate (recorded in manifests)."),
        "approve_diff": Param(
            "",
            type="string",
            description="sha256 of the diff approved with approve_gate (from the blocked run's gate record).",
        ),
        "wait_for_approval": Param(
            True,
            type="boolean",
            description="A change beyond the gate waits in the approval step for a person (Required Actions); "
            "false: the gate stops the run (`recon dag-run`, whose test runs resolve no approval).",
        ),
        "force_republish": Param(
            False,
            type="boolean",
            description="Replace lists already published for this date with differing ones (old ones kept).",
        ),
    },
    tags=["marketplace", "compliance"],
    doc_md=__doc__,
)
def marketplace_access_reconciliation() -> None:  # noqa: PLR0915 - one definition and one wiring line per task
    # Each task returns one typed mapping of URIs, kept as one XCom (multiple_outputs=False).
    @task(execution_timeout=SHORT_STAGE_TIMEOUT)
    def plan() -> list[str]:
        from pipeline.run import stages
        from pipeline.run.tasks import run_stage

        return run_stage(stages.plan)

    # A late drop is waited for (a few minutes between checks, no worker held) up to the partner's
    # `late_drop_hours`; then extraction stops the run as for a missing export.
    @task.sensor(
        map_index_template="{{ partner }}",
        mode="reschedule",
        poke_interval=DROP_POKE_INTERVAL,
        timeout=DROP_WAIT_LIMIT,
        execution_timeout=SHORT_STAGE_TIMEOUT,
    )
    def await_drop(partner: str) -> Any:
        from pipeline.run.tasks import poke_drop

        return poke_drop(partner)

    @task(map_index_template="{{ partner }}", multiple_outputs=False)
    def extract_partner(partner: str) -> PartnerExtract:
        from pipeline.run import stages
        from pipeline.run.tasks import run_stage

        return run_stage(stages.extract_partner, partner=partner)

    @task(multiple_outputs=False)
    def extract_ownership() -> OwnershipExtract:
        from pipeline.run import stages
        from pipeline.run.tasks import run_stage

        return run_stage(stages.extract_ownership)

    @task(multiple_outputs=False)
    def validate(partners: list[PartnerExtract], ownership: OwnershipExtract) -> Checked:
        from pipeline.run import stages
        from pipeline.run.tasks import run_stage

        return run_stage(stages.validate, partners=list(partners), ownership=ownership)

    @task(pool=HEAVY_POOL, multiple_outputs=False)
    def resolve_ownership(ownership: OwnershipExtract, validation: Checked) -> Resolved:
        from pipeline.run import stages
        from pipeline.run.tasks import run_stage

        return run_stage(stages.resolve_ownership, ownership=ownership, validation=validation)

    @task(pool=HEAVY_POOL, multiple_outputs=False)
    def match_tenants(partners: list[PartnerExtract], ownership: OwnershipExtract) -> Linked:
        from pipeline.run import stages
        from pipeline.run.tasks import run_stage

        return run_stage(stages.match_tenants, partners=list(partners), ownership=ownership)

    @task(multiple_outputs=False)
    def decide(partners: list[PartnerExtract], resolved: Resolved, links: Linked) -> Decided:
        from pipeline.run import stages
        from pipeline.run.tasks import run_stage

        return run_stage(stages.decide, partners=list(partners), resolved=resolved, links=links)

    @task(retries=0, multiple_outputs=False)
    def gate(partners: list[PartnerExtract], decisions: Decided) -> Gated:
        from pipeline.run import stages
        from pipeline.run.tasks import run_stage

        return run_stage(stages.gate, partners=list(partners), decisions=decisions)

    # Skipped when the gate passed; publishing then goes on (none_failed). A rejection or a timeout fails it.
    approval = GateApprovalOperator(
        task_id="approve",
        retries=0,
        execution_timeout=SHORT_STAGE_TIMEOUT,
        response_timeout=APPROVAL_WAIT,
        notifiers=[OpsNotifier(OpsEvent.GATE_WAITING)],
    )

    @task(
        map_index_template="{{ partner }}",
        outlets=[PUBLISHED_LISTS],
        multiple_outputs=False,
        trigger_rule=TriggerRule.NONE_FAILED,
    )
    def publish_partner(partner: str, gated: Gated) -> Published:
        from pipeline.run import stages
        from pipeline.run.tasks import run_stage

        return run_stage(stages.publish_partner, partner=partner, gated=gated)

    @task(multiple_outputs=False)
    def reconcile(partners: list[PartnerExtract], decisions: Decided, published: list[Published]) -> Reconciled:
        from pipeline.run import stages
        from pipeline.run.tasks import run_stage

        return run_stage(stages.reconcile, partners=list(partners), decisions=decisions, published=list(published))

    # The report is about the whole run: it reads every stage's outputs where the run's layout puts them,
    # so it takes no XCom and waits for reconciliation (which waits for everything else).
    @task(multiple_outputs=False)
    def report() -> Reported:
        from pipeline.run import stages
        from pipeline.run.tasks import run_stage

        return run_stage(stages.report)

    # Runs once everything else has finished; when a stage stopped the run, it writes the report of what
    # the run left behind (failed checks, the gate's diff, ...) and fails, so the run stays failed.
    @task(trigger_rule=TriggerRule.ALL_DONE, retries=0, multiple_outputs=False)
    def report_stopped() -> Reported:
        from pipeline.run import stages
        from pipeline.run.tasks import run_stage

        return run_stage(stages.report_stopped)

    # Runs only when a task failed, and fails: the run's state then says so even when no stage recorded why
    # (a task killed by its timeout or the kernel), where `report_stopped` is skipped.
    @task(trigger_rule=TriggerRule.ONE_FAILED, retries=0, execution_timeout=SHORT_STAGE_TIMEOUT, multiple_outputs=False)
    def check_run() -> None:
        from pipeline.run.tasks import fail_the_run

        fail_the_run()

    partner_names = plan()
    # Each partner's extraction waits for its own drop (the sensor's value is the partner's name).
    drops = await_drop.expand(partner=partner_names)
    extracted = extract_partner.expand(partner=drops)
    bods = extract_ownership()
    partner_names >> bods  # plan pins the policy every later task reads
    checked = validate(extracted, bods)
    resolved = resolve_ownership(bods, checked)
    links = match_tenants(extracted, bods)
    checked >> links
    decisions = decide(extracted, resolved, links)
    gated = gate(extracted, decisions)
    published = publish_partner.partial(gated=gated).expand(partner=partner_names)
    gated >> approval >> published
    reconciliation = reconcile(extracted, decisions, published)
    reported = report()
    reconciliation >> reported
    every_stage = [
        bods,
        checked,
        resolved,
        links,
        decisions,
        gated,
        approval,
        published,
        reconciliation,
        reported,
    ]
    every_stage >> report_stopped()
    [partner_names, drops, extracted, *every_stage] >> check_run()


marketplace_access_reconciliation()
