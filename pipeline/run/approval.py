"""The DAG's approval step: Airflow's `ApprovalOperator` (human in the loop) asking a person about a
change beyond the safety gate's limits.

Invariant: light at import, since the DAG file builds the step at parse time: only Airflow's standard
provider is imported here; the pipeline is imported inside the methods, when the task runs. What the
step decides is done by stages (`stages.request_approval`, `stages.record_approval`) through `run_stage`,
like every other task: the request's subject, Markdown body (the diff summary) and timeout come from the
run, the verdict is kept in the run's workspace and the audit trail, and the approver is the
authenticated Airflow user who answered.

- The gate passed (or was approved by the run's options): the step is skipped and publishing goes on.
- Approve: the verdict is recorded and publishing publishes exactly the diff the request showed.
- Reject, or no answer before the timeout (`approval.timeout_hours` in the run configuration, default
  12): the verdict is recorded and the step fails as a deliberate stop, so nothing is published.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from airflow.providers.standard.operators.hitl import ApprovalOperator


class GateApprovalOperator(ApprovalOperator):
    """Wait for a person to approve or reject a blocked gate's diff (see the module docstring)."""

    def __init__(self, **kwargs: Any) -> None:
        # The subject, body and timeout are the run's (set in `execute`); these stand in until then.
        super().__init__(subject="Approve the change to the revocation lists?", body=None, **kwargs)

    def execute(self, context: Any) -> Any:
        from pipeline.run import stages
        from pipeline.run.tasks import run_stage

        request = run_stage(stages.request_approval)  # a gate that did not block skips the step
        self.subject, self.body = request.subject, request.body
        self.response_timeout = dt.timedelta(hours=request.timeout_hours)
        return super().execute(context)

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        from pipeline.publish.approval import ApprovalVerdict
        from pipeline.run import stages
        from pipeline.run.tasks import run_stage

        if "error" in event:
            if event.get("error_type") != "timeout":
                self.process_trigger_event_error(event)
            run_stage(stages.record_approval, ApprovalVerdict.TIMED_OUT.value)
            return None
        chosen = list(event["chosen_options"])
        self.validate_chosen_options(chosen)
        verdict = ApprovalVerdict.APPROVED if chosen == [self.APPROVE] else ApprovalVerdict.REJECTED
        user = event.get("responded_by_user") or {}
        at = event.get("responded_at")
        uri = run_stage(
            stages.record_approval,
            verdict.value,
            by=user.get("name") or None,
            by_id=user.get("id") or None,
            at=at.isoformat() if isinstance(at, dt.datetime) else (str(at) if at else None),
        )
        return {"verdict": verdict.value, "by": user.get("name"), "approval": uri}
