"""Lineage: every dataset a task read or wrote, reported to Airflow's hook-level lineage collector, from
which the OpenLineage provider builds its events.

Invariant: reporting never changes what a task does and never fails it. Which URIs are reported is a pure
function of the stage, the run's configuration and the stage's inputs and outputs (`datasets`); the
partners' inboxes are the inputs of the late-drop sensors and of extraction (the DAG cannot declare them
as inlets when it is parsed: the partners are configuration read when a run starts). With no lineage
reader registered (the OpenLineage provider is disabled until a transport is configured) Airflow's
collector does nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from airflow.sdk import BaseHook

from pipeline.config import RunConfig

log = logging.getLogger(__name__)


class PipelineStorage(BaseHook):
    """What the collected datasets are attributed to: the pipeline's storage (pipeline/storage), which
    reads and writes them (the collector keeps one hook per source)."""

    hook_name = "marketplace access reconciliation storage"

    def get_conn(self) -> None:
        return None


SOURCE = PipelineStorage()


def datasets(
    stage: str, config: RunConfig, partner: str | None, inputs: Iterable[str], outputs: Iterable[str]
) -> tuple[list[str], list[str]]:
    """(inputs, outputs) a stage's task reports: the URIs it was given and wrote, and what it read from the
    configuration (the partner's inbox, the ownership sources, the policy and exemptions)."""
    read = list(inputs)
    written = list(outputs)
    if stage in ("await_drop", "extract_partner") and partner is not None:
        read.append(config.partner(partner).inbox)
    if stage == "await_drop":
        written = []  # what it reports is which inbox files are missing, not data
    if stage == "extract_ownership":
        read += config.ownership.uris
    if stage == "plan":
        read += [u for u in (config.config_uri, config.policy, config.exemptions) if u]
    return list(dict.fromkeys(read)), list(dict.fromkeys(u for u in written if u not in read))


def report(inputs: Iterable[str], outputs: Iterable[str]) -> None:
    """Hand the datasets to Airflow's hook-level lineage collector (a no-op without a lineage reader)."""
    try:
        from airflow.sdk.lineage import get_hook_lineage_collector

        collector = get_hook_lineage_collector()
        for uri in inputs:
            collector.add_input_asset(SOURCE, uri=uri)
        for uri in outputs:
            collector.add_output_asset(SOURCE, uri=uri)
    except Exception:
        log.warning("lineage could not be reported", exc_info=True)
