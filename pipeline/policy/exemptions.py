"""Exemptions: legal sign-offs that turn a tenant's revoke into allow, for a named period, visibly.

File format: docs/formats.md ("Exemptions file"). Loading never guesses: unknown keys, a missing or
doubled target (exactly one of `tenant_id` / `entity_id`), an unquoted numeric tenant id (YAML would
drop its leading zeros), repeated ids, or an expiry before the approval raise `ExemptionError` naming
the file and the entry.

Invariant of `apply_exemptions`: it only ever changes `revoke` rows, and only into `allow`; every row
it changes carries the exemption's id in `exemption_id`, the rule id `exemption` appended to `rules`,
an explanation that says which exemption, who approved it, until when and what the decision would
otherwise have been, and (when the evidence is a JSON object) an `exemption` entry in the evidence.
Nothing else changes; `review` and `allow` rows are left as they are.

When an exemption applies (on the as-of date D, i.e. the run's logical date):
- it is in force: `approved_on <= D <= expires` (`expires` is inclusive; from the day after it no longer
  applies; a rerun of an earlier date does not use an exemption approved later);
- its `partner`, if given, is the row's partner;
- it names the row's tenant (`tenant_id`), or the legal entity the tenant is linked to (`entity_id` ==
  DECISIONS.entity_id), for every partner and tenant linked to that entity.
  An entity exemption does NOT extend to tenants whose *ultimate parent* is that entity: a sign-off is
  about the entity named, and extending it up the chain would silently exempt a whole group, including
  subsidiaries restricted through other owners. To exempt several entities, list each one.
When several apply to one row, the one that expires last wins (then the smallest id), deterministically.

Pure: frames and values in, a frame out; the as-of date is passed in.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from typing import Annotated, Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipeline import jsonio, yamlio
from pipeline.errors import RunStopped, clip, validation_problems
from pipeline.policy.definition import TenantDecision

EXEMPTION_RULE = "exemption"


class ExemptionError(RunStopped, ValueError):
    """The exemptions file is unreadable or invalid; the message names the file and the entry."""


class Exemption(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(min_length=1)]
    partner: str | None = None
    tenant_id: str | None = None
    entity_id: str | None = None
    reason: Annotated[str, Field(min_length=1)]
    approved_by: Annotated[str, Field(min_length=1)]
    approved_on: dt.date
    expires: dt.date

    @field_validator("id", "partner", "tenant_id", "entity_id", "reason", "approved_by", mode="before")
    @classmethod
    def _text(cls, value: object) -> object:
        # YAML reads 004455667788 as a number (or worse, as octal); an id must be quoted to keep its digits.
        if value is not None and not isinstance(value, str):
            raise ValueError(f"must be a quoted string, got a {type(value).__name__}")
        return value.strip() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_target(self) -> Exemption:
        targets = [name for name in ("tenant_id", "entity_id") if getattr(self, name)]
        if len(targets) != 1:
            raise ValueError(f"exactly one of tenant_id / entity_id is required, got {targets or 'neither'}")
        if self.expires < self.approved_on:
            raise ValueError(f"expires {self.expires} is before approved_on {self.approved_on}")
        return self

    def in_force(self, as_of: dt.date) -> bool:
        return self.approved_on <= as_of <= self.expires


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    exemptions: tuple[dict[str, Any], ...] = ()


def _problems(exc: ValidationError) -> str:
    return validation_problems(exc, top="(entry)")


def load_exemptions_text(text: str, source: str) -> tuple[Exemption, ...]:
    """Parse and validate an exemptions file; an empty file or an empty list means no exemptions."""
    try:
        raw = yamlio.load(text, source)
    except yamlio.YamlRefused as exc:
        raise ExemptionError(str(exc)) from exc
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise ExemptionError(f"{source}: the exemptions file must be a mapping with the key 'exemptions'")
    try:
        entries = _File.model_validate(raw).exemptions or ()
    except ValidationError as exc:
        raise ExemptionError(f"{source}: invalid exemptions file: {_problems(exc)}") from exc
    out: list[Exemption] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        named = entry.get("id") if isinstance(entry, dict) else None
        label = f"exemptions[{index}]" + (f" (id {clip(named, 80)})" if isinstance(named, str) else "")
        try:
            exemption = Exemption.model_validate(entry)
        except ValidationError as exc:
            raise ExemptionError(f"{source}: {label}: {_problems(exc)}") from exc
        if exemption.id in seen:
            raise ExemptionError(f"{source}: {label}: id {exemption.id!r} repeats exemptions[{seen[exemption.id]}]")
        seen[exemption.id] = index
        out.append(exemption)
    return tuple(out)


def _applicable(exemptions: Sequence[Exemption], as_of: dt.date) -> list[Exemption]:
    return [e for e in exemptions if e.in_force(as_of)]


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _exempted_rules(rules: object, source: str) -> str:
    try:
        parsed = jsonio.loads(rules) if isinstance(rules, str) and rules.strip() else []
    except jsonio.JSONDecodeError as exc:
        raise ValueError(f"{source}: rules is not a JSON list: {rules!r}") from exc
    if not isinstance(parsed, list):
        raise ValueError(f"{source}: rules is not a JSON list: {rules!r}")
    return jsonio.compact([*parsed, EXEMPTION_RULE])


def _exempted_evidence(evidence: object, e: Exemption) -> str | None:
    """The evidence object with an `exemption` entry; None when the evidence is not a JSON object."""
    try:
        parsed = jsonio.loads(evidence) if isinstance(evidence, str) and evidence.strip() else None
    except jsonio.JSONDecodeError:
        return None
    if not isinstance(parsed, dict):
        return None
    parsed["exemption"] = {
        "id": e.id,
        "reason": e.reason,
        "approved_by": e.approved_by,
        "approved_on": e.approved_on.isoformat(),
        "expires": e.expires.isoformat(),
        "decision_without_exemption": str(TenantDecision.REVOKE),
    }
    return jsonio.compact(parsed, sort_keys=True)


def exemption_explanation(e: Exemption, original: str) -> str:
    target = f"tenant {e.tenant_id}" if e.tenant_id else f"entity {e.entity_id}"
    text = (
        f"Allowed by exemption {e.id} for {target} (approved by {e.approved_by} on {e.approved_on.isoformat()}, "
        f"expires {e.expires.isoformat()}): {e.reason}. Without it: revoke"
    )
    return f"{text}: {original}" if original else text


def apply_exemptions(decisions: pd.DataFrame, exemptions: Sequence[Exemption], as_of: dt.date) -> pd.DataFrame:
    """The decisions with every exempted revoke turned into an allow that says so (module docstring)."""
    out = decisions.copy()
    active = _applicable(exemptions, as_of)
    if not active or out.empty:
        return out
    by_tenant: dict[str, list[Exemption]] = {}
    by_entity: dict[str, list[Exemption]] = {}
    for e in active:
        if e.tenant_id:
            by_tenant.setdefault(e.tenant_id, []).append(e)
        elif e.entity_id:
            by_entity.setdefault(e.entity_id, []).append(e)
    revoke = out["decision"] == str(TenantDecision.REVOKE)
    rows = out.loc[revoke, ["partner", "tenant_id", "entity_id", "rules", "evidence", "explanation"]]
    changes: dict[str, dict[object, str]] = {c: {} for c in ("rules", "evidence", "explanation", "exemption_id")}
    for i, partner_, tenant_, entity_, rules, evidence, explanation in rows.itertuples(name=None):
        partner, tenant, entity = _text(partner_), _text(tenant_), _text(entity_)
        candidates = [*by_tenant.get(tenant, []), *(by_entity.get(entity, []) if entity else [])]
        fitting = [e for e in candidates if e.partner in (None, partner)]
        if not fitting:
            continue
        match = min(fitting, key=lambda e: (-e.expires.toordinal(), e.id))
        changes["rules"][i] = _exempted_rules(rules, f"decision for {partner} tenant {tenant}")
        new_evidence = _exempted_evidence(evidence, match)
        if new_evidence is not None:
            changes["evidence"][i] = new_evidence
        changes["explanation"][i] = exemption_explanation(match, _text(explanation))
        changes["exemption_id"][i] = match.id
    exempted = list(changes["exemption_id"])
    for column, values in changes.items():
        if values:
            out.loc[list(values), column] = pd.Series(values, dtype="str")
    if exempted:
        out.loc[exempted, "decision"] = str(TenantDecision.ALLOW)
    return out


def exemption_status(decisions: pd.DataFrame, exemptions: Sequence[Exemption], as_of: dt.date) -> pd.DataFrame:
    """One row per exemption for the run report: in force or not, and which tenants it applied to.

    `decisions` are the ones *after* `apply_exemptions`. Columns: exemption_id, target, status
    (`in_force`, `expired`, `not_yet_approved`), expires, applied (count), tenants (JSON list of
    "partner:tenant_id"). An exemption in force that applied to nothing is worth a reviewer's look.
    """
    rows = []
    applied = decisions.loc[decisions["exemption_id"].notna() & (decisions["exemption_id"] != "")]
    for e in sorted(exemptions, key=lambda x: x.id):
        if as_of < e.approved_on:
            status = "not_yet_approved"
        elif as_of > e.expires:
            status = "expired"
        else:
            status = "in_force"
        hits = applied.loc[applied["exemption_id"] == e.id]
        tenants = sorted(f"{p}:{t}" for p, t in zip(hits["partner"], hits["tenant_id"], strict=True))
        rows.append(
            {
                "exemption_id": e.id,
                "target": f"tenant_id:{e.tenant_id}" if e.tenant_id else f"entity_id:{e.entity_id}",
                "status": status,
                "expires": e.expires.isoformat(),
                "applied": len(tenants),
                "tenants": jsonio.compact(tenants),
            }
        )
    columns = ["exemption_id", "target", "status", "expires", "applied", "tenants"]
    return pd.DataFrame(rows, columns=columns)


# An exemption that expires within this many days is listed as expiring (Legal renews it or it lapses).
EXPIRING_WITHIN_DAYS = 14


class ExemptionState(enum.StrEnum):
    IN_FORCE = "in_force"
    EXPIRING = "expiring"  # in force, and expires within EXPIRING_WITHIN_DAYS days
    EXPIRED = "expired"
    NOT_YET_APPROVED = "not_yet_approved"


class ExemptionProblem(enum.StrEnum):
    """Why an exemption Legal signed does not do what it says: each is a warning of the run."""

    EXPIRED = "expired"  # past its expiry: the tenant is revoked again
    UNKNOWN_PARTNER = "unknown_partner"  # `partner` names no configured partner (`AWS` for `aws`)
    UNKNOWN_TENANT = "unknown_tenant"  # no tenant of the run has this id (for its partner)
    LOST_LEADING_ZEROS = "lost_leading_zeros"  # the id is a known tenant's without its leading zeros
    UNKNOWN_ENTITY = "unknown_entity"  # no tenant of the run is linked to this entity
    NEVER_MATCHED = "never_matched"  # in force and its target known, but no revoke to turn into allow


EXEMPTION_REVIEW_COLUMNS = (
    "exemption_id", "target", "partner", "state", "expires", "days_left", "applied", "tenants", "problems", "hint",
)  # fmt: skip


def _state(e: Exemption, as_of: dt.date) -> ExemptionState:
    if as_of < e.approved_on:
        return ExemptionState.NOT_YET_APPROVED
    if as_of > e.expires:
        return ExemptionState.EXPIRED
    if (e.expires - as_of).days < EXPIRING_WITHIN_DAYS:
        return ExemptionState.EXPIRING
    return ExemptionState.IN_FORCE


def review_exemptions(
    decisions: pd.DataFrame, exemptions: Sequence[Exemption], as_of: dt.date, partners: Sequence[str]
) -> pd.DataFrame:
    """One row per exemption (`EXEMPTION_REVIEW_COLUMNS`): its state on `as_of`, what it applied to, and
    every `ExemptionProblem` with a hint a person can act on. `decisions` are the ones after
    `apply_exemptions`; `partners` the configured partner names."""
    tenant_ids = decisions["tenant_id"].astype("str").tolist()
    known = set(zip(decisions["partner"].astype("str").tolist(), tenant_ids, strict=True))
    by_digits: dict[str, set[str]] = {}
    for tenant in set(tenant_ids):
        by_digits.setdefault(tenant.lstrip("0"), set()).add(tenant)
    entities = {str(e) for e in decisions["entity_id"].dropna().tolist() if str(e)}
    applied = decisions.loc[decisions["exemption_id"].notna() & (decisions["exemption_id"] != "")]
    rows = []
    for e in sorted(exemptions, key=lambda x: x.id):
        state, problems, hints = _state(e, as_of), [], []
        if state is ExemptionState.EXPIRED:
            problems.append(ExemptionProblem.EXPIRED)
            hints.append(f"expired on {e.expires.isoformat()}")
        if e.partner is not None and e.partner not in partners:
            problems.append(ExemptionProblem.UNKNOWN_PARTNER)
            close = [p for p in partners if p.lower() == e.partner.strip().lower()]
            hints.append(
                f"partner {e.partner!r} is not configured" + (f" (did you mean {close[0]!r}?)" if close else "")
            )
        if e.tenant_id and ExemptionProblem.UNKNOWN_PARTNER not in problems:
            scope = [p for p in partners if e.partner in (None, p)]
            if not any((p, e.tenant_id) in known for p in scope):
                lost = sorted(t for t in by_digits.get(e.tenant_id.lstrip("0"), set()) if t != e.tenant_id)
                if lost:
                    problems.append(ExemptionProblem.LOST_LEADING_ZEROS)
                    hints.append(f"tenant {e.tenant_id!r} is unknown; {lost[0]!r} is known (quote the id in YAML)")
                else:
                    problems.append(ExemptionProblem.UNKNOWN_TENANT)
                    hints.append(f"no tenant {e.tenant_id!r} in this run")
        elif e.entity_id and e.entity_id not in entities:
            problems.append(ExemptionProblem.UNKNOWN_ENTITY)
            hints.append(f"no tenant of this run is linked to entity {e.entity_id!r}")
        hits = applied.loc[applied["exemption_id"] == e.id]
        tenants = sorted(f"{p}:{t}" for p, t in zip(hits["partner"], hits["tenant_id"], strict=True))
        if not problems and not tenants and state in (ExemptionState.IN_FORCE, ExemptionState.EXPIRING):
            problems.append(ExemptionProblem.NEVER_MATCHED)
            hints.append("in force, but no tenant it names is revoked today")
        rows.append(
            {
                "exemption_id": e.id,
                "target": f"tenant_id:{e.tenant_id}" if e.tenant_id else f"entity_id:{e.entity_id}",
                "partner": e.partner or "",
                "state": str(state),
                "expires": e.expires.isoformat(),
                "days_left": (e.expires - as_of).days,
                "applied": len(tenants),
                "tenants": jsonio.compact(tenants),
                "problems": jsonio.compact([str(p) for p in problems]),
                "hint": "; ".join(hints),
            }
        )
    return pd.DataFrame(rows, columns=list(EXEMPTION_REVIEW_COLUMNS))
