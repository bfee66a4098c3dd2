"""The judgement store: append-only objects under any storage URI, read back whole and checked."""

from __future__ import annotations

import pytest

from pipeline.review.judgements import JudgementError, build
from pipeline.review.store import append, judgement_uri, read_judgements
from pipeline.storage import Storage, join
from tests.servers import Endpoint


def withdrawal(at: str, withdraws: str = "J-0123456789ab") -> object:
    return build(
        {
            "kind": "withdrawal",
            "withdraws": withdraws,
            "reason": "wrong tenant",
            "by": "B. Reviewer",
            "judged_on": "2026-11-25",
            "recorded_at": at,
        }
    )


def _round_trip(root: str) -> None:
    storage = Storage()
    later, earlier = withdrawal("2026-11-25T10:00:00Z"), withdrawal("2026-11-25T09:00:00Z")
    for j in (later, earlier, later):  # the same judgement twice is one object
        append(storage, root, j)  # type: ignore[arg-type]
    assert read_judgements(storage, root) == (earlier, later)
    assert storage.list(root + "/") == sorted(judgement_uri(root, j.id) for j in (earlier, later))  # type: ignore[attr-defined]


def test_local(local_root: str) -> None:
    _round_trip(join(local_root, "judgements"))


def test_s3(s3: Endpoint) -> None:
    _round_trip(join(s3.root, "judgements"))


def test_no_store_configured_means_no_judgements() -> None:
    assert read_judgements(Storage(), None) == ()


def test_an_object_under_another_name_is_not_trusted(local_root: str) -> None:
    storage, root = Storage(), join(local_root, "judgements")
    j = withdrawal("2026-11-25T09:00:00Z")
    storage.write_bytes(join(root, "J-aaaaaaaaaaaa.json"), storage_bytes(j))
    with pytest.raises(JudgementError, match="not the one its name says"):
        read_judgements(storage, root)


def storage_bytes(j: object) -> bytes:
    from pipeline.review.judgements import to_bytes

    return to_bytes(j)  # type: ignore[arg-type]
