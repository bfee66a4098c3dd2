"""A reviewer's judgement: what it says, about whom, who made it, why, until when, on what evidence.

Invariants:
- A judgement is immutable and never edited: it is superseded by a later judgement about the same
  target, or withdrawn by a `Withdrawal` that names it. Its id is derived from its content
  (`J-<sha256[:12]>`), so recording the same judgement twice is the same object.
- Every judgement but a withdrawal carries the evidence it was made on (`pipeline.review.evidence`) and
  `judged_on`, the logical date of the run whose outputs showed that evidence; it can apply to runs of
  that date and later only (a rerun of an earlier date does not use a judgement made after it).
- Kinds and their targets: `link` (partner, tenant): the tenant is entity E, or none of the candidates;
  `decision` (partner, tenant): revoke or allow; `entity` (entity E): restricted or clear regardless of
  the computed result. A decision is one of `JudgedDecision`, an entity verdict one of `EntityVerdict`:
  anything else is rejected when the record is built or read.

Pure: values in, values out; the store (pipeline/review/store.py) reads and writes them.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from pipeline import jsonio
from pipeline.errors import RunStopped

JUDGEMENT_RULE = "judgement"  # the rule id a decision cites when a judgement decided it
LAPSED_RULE = "judgement_lapsed"  # a judgement stopped applying (evidence changed, expired): back in review
_ID = r"^J-[0-9a-f]{12}$"


class JudgementError(RunStopped, ValueError):
    """A judgement is invalid or cannot be recorded; the message names it and what is wrong."""


class JudgementKind(enum.StrEnum):
    LINK = "link"
    DECISION = "decision"
    ENTITY = "entity"
    WITHDRAWAL = "withdrawal"


class JudgedDecision(enum.StrEnum):
    """What a decision judgement may say about a tenant (the values of `TenantDecision` a person decides)."""

    REVOKE = "revoke"
    ALLOW = "allow"


class EntityVerdict(enum.StrEnum):
    """What an entity judgement may say (the values of `EntityDecision` a person decides)."""

    RESTRICTED = "restricted"
    CLEAR = "clear"


class EvidencePart(BaseModel):
    """One part of the evidence a judgement was made on: a digest to compare, a summary to show."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    digest: Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")]
    summary: str


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=_ID)]
    recorded_at: dt.datetime  # UTC, when the person recorded it (the audit's clock, not the run's)
    judged_on: dt.date  # the logical date of the run whose evidence it was made on
    by: Annotated[str, Field(min_length=1)]
    reason: Annotated[str, Field(min_length=1)]

    @field_validator("by", "reason", mode="before")
    @classmethod
    def _stripped(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value


class _Judged(_Base):
    expires: dt.date | None = None  # inclusive: from the day after, the judgement no longer applies
    evidence: dict[str, EvidencePart]


class LinkJudgement(_Judged):
    kind: Literal[JudgementKind.LINK] = JudgementKind.LINK
    partner: Annotated[str, Field(min_length=1)]
    tenant_id: Annotated[str, Field(min_length=1)]
    entity_id: str | None  # None: none of the candidates is this tenant


class DecisionJudgement(_Judged):
    kind: Literal[JudgementKind.DECISION] = JudgementKind.DECISION
    partner: Annotated[str, Field(min_length=1)]
    tenant_id: Annotated[str, Field(min_length=1)]
    decision: JudgedDecision


class EntityJudgement(_Judged):
    kind: Literal[JudgementKind.ENTITY] = JudgementKind.ENTITY
    entity_id: Annotated[str, Field(min_length=1)]
    verdict: EntityVerdict


class Withdrawal(_Base):
    kind: Literal[JudgementKind.WITHDRAWAL] = JudgementKind.WITHDRAWAL
    withdraws: Annotated[str, Field(pattern=_ID)]


Judgement = Annotated[LinkJudgement | DecisionJudgement | EntityJudgement | Withdrawal, Field(discriminator="kind")]
Standing = LinkJudgement | DecisionJudgement | EntityJudgement  # the kinds that say something about a case
_ADAPTER: TypeAdapter[Judgement] = TypeAdapter(Judgement)

# What a standing judgement is about: ("link" | "decision", partner, tenant) or ("entity", entity id).
Target = tuple[str, ...]


def target(judgement: Standing) -> Target:
    if isinstance(judgement, EntityJudgement):
        return (judgement.kind.value, judgement.entity_id)
    return (judgement.kind.value, judgement.partner, judgement.tenant_id)


def content_id(fields: dict[str, Any]) -> str:
    """The id of a judgement with these fields (everything but the id), from their canonical JSON."""
    return "J-" + hashlib.sha256(jsonio.compact_bytes(fields, sort_keys=True)).hexdigest()[:12]


def build(fields: dict[str, Any]) -> LinkJudgement | DecisionJudgement | EntityJudgement | Withdrawal:
    """A judgement from its fields (without `id`), its id derived from them; invalid fields raise
    `JudgementError` naming the field."""
    try:
        draft = _ADAPTER.validate_python({**fields, "id": "J-000000000000"})
    except ValidationError as exc:
        raise JudgementError(f"invalid judgement: {_problems(exc)}") from exc
    doc = draft.model_dump(mode="json", exclude={"id"})
    return _ADAPTER.validate_python({**doc, "id": content_id(doc)})


def parse(data: bytes, source: str) -> LinkJudgement | DecisionJudgement | EntityJudgement | Withdrawal:
    """A stored judgement read back; one whose id does not match its content is not trusted."""
    try:
        judgement = _ADAPTER.validate_json(data)
    except ValidationError as exc:
        raise JudgementError(f"{source}: not a valid judgement: {_problems(exc)}") from exc
    expected = content_id(judgement.model_dump(mode="json", exclude={"id"}))
    if judgement.id != expected:
        raise JudgementError(
            f"{source}: judgement {judgement.id} was changed after it was recorded (expected {expected})"
        )
    return judgement


def to_bytes(judgement: LinkJudgement | DecisionJudgement | EntityJudgement | Withdrawal) -> bytes:
    return jsonio.document(judgement.model_dump(mode="json")).encode("utf-8")


def _problems(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or '(record)'}: {err['msg']}" for err in exc.errors(include_url=False)
    )
