"""The judgement store: append-only, one object per judgement under the run configuration's `judgements:`.

Layout: `<judgements>/<judgement id>.json` (canonical JSON, `pipeline.review.judgements.to_bytes`).

Invariants:
- Append-only. A judgement is written with the store's atomic `create` (nothing is ever overwritten or
  deleted here); recording the same judgement again finds it there and writes nothing. Superseding and
  withdrawing are new judgements (pipeline/review/judgements.py).
- Read whole and checked: every object under the folder must parse and its id must match its name and
  its content, or `JudgementError` names the object: a run never decides on a store it misread.
- Any storage URI (file://, s3://, gs://, az://) through `Storage`, like every other location.
"""

from __future__ import annotations

from pipeline.review.judgements import (
    DecisionJudgement,
    EntityJudgement,
    JudgementError,
    LinkJudgement,
    Withdrawal,
    parse,
    to_bytes,
)
from pipeline.storage import Storage, join

AnyJudgement = LinkJudgement | DecisionJudgement | EntityJudgement | Withdrawal
_SUFFIX = ".json"


def judgement_uri(root: str, judgement_id: str) -> str:
    return join(root, judgement_id + _SUFFIX)


def read_judgements(storage: Storage, root: str | None) -> tuple[AnyJudgement, ...]:
    """Every judgement in the store, ordered by when it was recorded (then id); none without a store."""
    if not root:
        return ()
    found = []
    for uri in storage.list(root.rstrip("/") + "/"):
        if not uri.endswith(_SUFFIX):
            continue
        judgement = parse(storage.read_bytes(uri), uri)
        if uri != judgement_uri(root, judgement.id):
            raise JudgementError(f"{uri}: holds judgement {judgement.id}, not the one its name says")
        found.append(judgement)
    return tuple(sorted(found, key=lambda j: (j.recorded_at, j.id)))


def append(storage: Storage, root: str, judgement: AnyJudgement) -> str:
    """Record one judgement; returns its URI. An identical judgement already there is left as it is."""
    uri = judgement_uri(root, judgement.id)
    storage.create(uri, to_bytes(judgement), "application/json")
    return uri
