"""Someone is told: the DAG's notifications of a failed run, a gate waiting for approval and a missed
publication deadline, through Airflow notifiers chosen by connection.

Invariant: light at import (the DAG file builds the notifiers at parse time): Airflow's notifier base
only; connections are looked up and providers imported when a notification is sent. A channel is used
when its connection exists, and a channel that fails is logged, never raised: telling people must not
change what the run did.

- SMTP: the connection `recon_notify_smtp` (conn type smtp), with the recipients in its extra `to` (a
  list or a comma-separated string) and the sender in its extra `from_email`; sent with the SMTP
  provider's `SmtpNotifier`.
- Slack (optional): the connection `recon_notify_slack`, a Slack incoming-webhook connection, when the
  Slack provider is installed; sent with its `SlackWebhookNotifier`.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from typing import Any

from airflow.sdk.bases.notifier import BaseNotifier

log = logging.getLogger(__name__)

SMTP_CONNECTION = "recon_notify_smtp"
SLACK_CONNECTION = "recon_notify_slack"


class OpsEvent(enum.StrEnum):
    RUN_FAILED = "run_failed"  # the run stopped (a check, a missing drop, a rejection, an error)
    GATE_WAITING = "gate_waiting"  # a change beyond the gate's limits waits for a person's approval
    DEADLINE_MISSED = "deadline_missed"  # the lists were not published by the deadline (06:00 UTC)


class OpsNotifier(BaseNotifier):
    """Tell the operators about `event` through every channel whose connection exists."""

    template_fields = ()

    def __init__(
        self,
        event: OpsEvent | str,
        *,
        smtp_conn_id: str = SMTP_CONNECTION,
        slack_conn_id: str = SLACK_CONNECTION,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.event = OpsEvent(event)
        self.smtp_conn_id = smtp_conn_id
        self.slack_conn_id = slack_conn_id

    def notify(self, context: Any) -> None:
        from pipeline.formatting import ops_notification

        subject, body = ops_notification(self.event.value, _facts(context))
        sent = [name for name, send in (("smtp", self._smtp), ("slack", self._slack)) if send(context, subject, body)]
        log.info("%s: told through %s", self.event.value, ", ".join(sent) or "no channel (no connection configured)")

    async def async_notify(self, context: Any) -> None:
        # Deadline alerts run in the triggerer; the channels' clients are synchronous.
        await asyncio.to_thread(self.notify, context)

    def _smtp(self, context: Any, subject: str, body: str) -> bool:
        extra = _connection_extra(self.smtp_conn_id)
        if extra is None:
            return False
        recipients = extra.get("to") or []
        if isinstance(recipients, str):
            recipients = [r.strip() for r in recipients.split(",") if r.strip()]
        if not recipients:
            log.warning("connection %s has no recipients (extra `to`): nobody is told by email", self.smtp_conn_id)
            return False
        try:
            from airflow.providers.smtp.notifications.smtp import SmtpNotifier

            SmtpNotifier(
                to=recipients,
                from_email=extra.get("from_email"),
                subject=subject,
                html_content=f"<pre>{_escape(body)}</pre>",
                smtp_conn_id=self.smtp_conn_id,
            ).notify(context)
        except Exception:
            log.exception("the email about %s could not be sent", self.event.value)
            return False
        return True

    def _slack(self, context: Any, subject: str, body: str) -> bool:
        if _connection_extra(self.slack_conn_id) is None:
            return False
        try:
            from airflow.providers.slack.notifications.slack_webhook import SlackWebhookNotifier
        except ImportError:
            log.warning("connection %s exists but the Slack provider is not installed", self.slack_conn_id)
            return False
        try:
            SlackWebhookNotifier(slack_webhook_conn_id=self.slack_conn_id, text=f"*{subject}*\n{body}").notify(context)
        except Exception:
            log.exception("the Slack message about %s could not be sent", self.event.value)
            return False
        return True


def _connection_extra(conn_id: str) -> dict[str, Any] | None:
    """The connection's extras, or None when the connection does not exist."""
    from airflow.sdk import BaseHook

    try:
        connection = BaseHook.get_connection(conn_id)
    except Exception:  # the SDK raises its own not-found error, which differs between Airflow versions
        return None
    extra = connection.extra_dejson
    return dict(extra) if isinstance(extra, dict) else {}


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _facts(context: Any) -> dict[str, str]:
    """What the notification can say about the run, from whichever callback context it got."""
    facts: dict[str, str] = {}
    get = context.get if hasattr(context, "get") else (lambda _key, _default=None: None)
    run = get("dag_run")
    if run is not None:
        facts["dag"] = str(getattr(run, "dag_id", "") or "")
        facts["run"] = str(getattr(run, "run_id", "") or "")
        logical = getattr(run, "logical_date", None) or getattr(run, "run_after", None)
        if logical is not None:
            facts["date"] = logical.date().isoformat() if hasattr(logical, "date") else str(logical)
    ti = get("ti") or get("task_instance")
    if ti is not None and getattr(ti, "task_id", None):
        facts["task"] = str(ti.task_id)
    reason = get("reason")
    if reason:
        facts["reason"] = str(reason)
    exception = get("exception")
    if exception is not None:
        facts["error"] = str(exception)[:2000]
    return {k: v for k, v in facts.items() if v}
