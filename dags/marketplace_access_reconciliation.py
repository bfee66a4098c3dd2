"""Nightly marketplace access reconciliation: partners' exports in, revocation lists out.

Wiring only. Every task body is one call into `pipeline.run.tasks.run_stage`, which builds the run
context (config, logical date, run id, Airflow-connection credentials) and calls the stage of the same
name in `pipeline/run/stages.py` — the very functions `recon run` calls. Tasks pass URIs, never data. Nothing
here reads files, variables or connections at parse time, and nothing heavy is imported.

Published lists are Airflow assets. The partners are configuration read when a run starts, so the DAG
cannot name one asset per partner at parse time; `publish_partner` declares the asset alias
`PUBLISHED_LISTS` instead and, when it publishes a list, adds an event for that partner's asset
(`marketplace_revocation_list.<partner>`, URI `<outbox>/revocations`) with the manifest's URI in its extra.
Downstream DAGs schedule on the alias (any partner) or on one partner's asset.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import AssetAlias, CronTriggerTimetable, Param, TriggerRule, dag, task
from airflow.sdk.timezone import datetime

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
    dagrun_timeout=dt.timedelta(hours=6),
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
        "force_republish": Param(
            False,
            type="boolean",
            description="Replace lists already published for this date with differing ones (old ones kept).",
        ),
    },
    tags=["marketplace", "compliance"],
    doc_md=__doc__,
)
def marketplace_access_reconciliation() -> None:
    @task(execution_timeout=SHORT_STAGE_TIMEOUT)
    def plan() -> list[str]:
        from pipeline.run.tasks import run_stage

        return run_stage("plan")  # type: ignore[no-any-return]

    @task(map_index_template="{{ partner }}")
    def extract_partner(partner: str) -> dict[str, str]:
        from pipeline.run.tasks import run_stage

        return run_stage("extract_partner", partner=partner)  # type: ignore[no-any-return]

    @task
    def extract_ownership() -> dict[str, str]:
        from pipeline.run.tasks import run_stage

        return run_stage("extract_ownership")  # type: ignore[no-any-return]

    @task
    def validate(partners: list[dict[str, str]], ownership: dict[str, str]) -> dict[str, str]:
        from pipeline.run.tasks import run_stage

        return run_stage("validate", partners=partners[:], ownership=ownership)  # type: ignore[no-any-return]

    @task
    def resolve_ownership(ownership: dict[str, str], validation: dict[str, str]) -> dict[str, str]:
        from pipeline.run.tasks import run_stage

        return run_stage("resolve_ownership", ownership=ownership, validation=validation)  # type: ignore[no-any-return]

    @task
    def match_tenants(partners: list[dict[str, str]], ownership: dict[str, str]) -> dict[str, str]:
        from pipeline.run.tasks import run_stage

        return run_stage("match_tenants", partners=partners[:], ownership=ownership)  # type: ignore[no-any-return]

    @task
    def decide(partners: list[dict[str, str]], resolved: dict[str, str], links: dict[str, str]) -> dict[str, str]:
        from pipeline.run.tasks import run_stage

        return run_stage("decide", partners=partners[:], resolved=resolved, links=links)  # type: ignore[no-any-return]

    @task(retries=0)
    def gate(partners: list[dict[str, str]], decisions: dict[str, str]) -> dict[str, str]:
        from pipeline.run.tasks import run_stage

        return run_stage("gate", partners=partners[:], decisions=decisions)  # type: ignore[no-any-return]

    @task(map_index_template="{{ partner }}", outlets=[PUBLISHED_LISTS])
    def publish_partner(partner: str, gated: dict[str, str]) -> dict[str, str]:
        from pipeline.run.tasks import run_stage

        return run_stage("publish_partner", partner=partner, gated=gated)  # type: ignore[no-any-return]

    @task
    def reconcile(
        partners: list[dict[str, str]], decisions: dict[str, str], published: list[dict[str, str]]
    ) -> dict[str, str]:
        from pipeline.run.tasks import run_stage

        return run_stage("reconcile", partners=partners[:], decisions=decisions, published=published[:])  # type: ignore[no-any-return]

    @task
    def report(
        *,
        partners: list[dict[str, str]],
        resolved: dict[str, str],
        links: dict[str, str],
        decisions: dict[str, str],
        gated: dict[str, str],
        published: list[dict[str, str]],
        reconciliation: dict[str, str],
    ) -> dict[str, str]:
        from pipeline.run.tasks import run_stage

        return run_stage(  # type: ignore[no-any-return]
            "report",
            partners=partners[:],
            resolved=resolved,
            links=links,
            decisions=decisions,
            gated=gated,
            published=published[:],
            reconciliation=reconciliation,
        )

    # Runs once everything else has finished; when a stage stopped the run, it writes the report of what
    # the run left behind (failed checks, the gate's diff, ...) and fails, so the run stays failed.
    @task(trigger_rule=TriggerRule.ALL_DONE, retries=0)
    def report_stopped() -> dict[str, str]:
        from pipeline.run.tasks import run_stage

        return run_stage("report_stopped")  # type: ignore[no-any-return]

    partner_names = plan()
    extracted = extract_partner.expand(partner=partner_names)
    bods = extract_ownership()
    checked = validate(extracted, bods)
    resolved = resolve_ownership(bods, checked)
    links = match_tenants(extracted, bods)
    checked >> links
    decisions = decide(extracted, resolved, links)
    gated = gate(extracted, decisions)
    published = publish_partner.partial(gated=gated).expand(partner=partner_names)
    reconciliation = reconcile(extracted, decisions, published)
    reported = report(
        partners=extracted,
        resolved=resolved,
        links=links,
        decisions=decisions,
        gated=gated,
        published=published,
        reconciliation=reconciliation,
    )
    [bods, checked, resolved, links, decisions, gated, published, reconciliation, reported] >> report_stopped()


marketplace_access_reconciliation()
