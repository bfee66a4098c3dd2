"""`recon demo-world --advance`: the next nights' inputs with churn, nothing an earlier night could see."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from pathlib import Path

import pytest

from demo_world import WorldExistsError, WorldSpec, write_world
from demo_world.advance import advance_world
from pipeline.storage import Storage, local_uri

D1 = dt.date(2026, 11, 25)
D2 = D1 + dt.timedelta(days=2)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("advance") / "world"
    write_world(Storage(), local_uri(root), WorldSpec(D1, tenants=120, seed=3))
    # What earlier nights left behind, which an advance must keep as it is.
    for kept in ("outbox/aws/revocations/dt=2026-11-25/manifest.json", "judgements/J-0123456789ab.json"):
        (root / kept).parent.mkdir(parents=True, exist_ok=True)
        (root / kept).write_text("{}\n")
    return root


def _copy(pristine: Path, tmp_path: Path) -> Path:
    root = tmp_path / "world"
    shutil.copytree(pristine, root)
    return root


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_an_advance_adds_inputs_only_and_keeps_the_history(pristine: Path, tmp_path: Path) -> None:
    root = _copy(pristine, tmp_path)
    before = _snapshot(root)
    adv = advance_world(Storage(), local_uri(root), D2)
    after = _snapshot(root)
    changed = {p for p in after if before.get(p) != after[p]}
    assert changed == set(adv.files)
    assert all(p.startswith(("inbox/", "ownership/", "truth/")) or p == "world.json" for p in changed)
    for p in ("config.yaml", "policy/unsupported-regions.yaml", "policy/exemptions.yaml"):
        assert after[p] == before[p]
    assert after["judgements/J-0123456789ab.json"] == before["judgements/J-0123456789ab.json"]
    # An existing file only grows (appended rows), so the earlier nights' bytes are still there.
    for p in changed & set(before):
        if p.startswith("inbox/aws/"):
            assert after[p].startswith(before[p])
    assert json.loads(after["world.json"])["logical_date"] == D2.isoformat()
    assert {f"inbox/gcp/{k}/dt={D2}/" for k in ("accounts", "entitlements", "usage")} <= {
        p.rsplit("/", 1)[0] + "/" for p in changed
    }


def test_the_churn_leaves_joins_and_restates_a_stake(pristine: Path, tmp_path: Path) -> None:
    root = _copy(pristine, tmp_path)
    adv = advance_world(Storage(), local_uri(root), D2)
    assert {p for p, _ in adv.left} == {"aws", "gcp"} and {p for p, _ in adv.joined} == {"aws", "gcp"}
    truth = list(csv.DictReader(io.StringIO((root / "truth/tenants.csv").read_text())))
    ids = {(t["partner"], t["tenant_id"]) for t in truth}
    assert not set(adv.left) & ids and set(adv.joined) <= ids
    gcp_accounts = (root / f"inbox/gcp/accounts/dt={D2}/accounts.jsonl").read_text()
    [(_, gone)] = [k for k in adv.left if k[0] == "gcp"]
    assert gone not in gcp_accounts
    # Every appended AWS row is delivered after the world's date: a rerun of an earlier night reads none.
    feed = root / f"inbox/aws/AccountFeed_V1/year={D2.year}/month={D2.month:02d}/data.csv"
    rows = list(csv.DictReader(io.StringIO(feed.read_text())))
    new = [r for r in rows if r["insert_date"] > f"{D1}T23:59:59Z"]
    assert {r["aws_account_id"] for r in new if r["delete_date"]} == {t for p, t in adv.left if p == "aws"}
    assert {r["aws_account_id"] for r in new if not r["delete_date"]} == {t for p, t in adv.joined if p == "aws"}
    statements = json.loads((root / "ownership/scenarios.json").read_text())
    restated = [s for s in statements if s["statementId"] == adv.ownership["statement_id"]]
    assert [s["statementDate"] for s in restated] == [D2.isoformat()]
    assert adv.ownership["share_after"] != adv.ownership["share_before"]


def test_the_same_world_and_date_give_the_same_files(pristine: Path, tmp_path: Path) -> None:
    one, two = _copy(pristine, tmp_path / "a"), _copy(pristine, tmp_path / "b")
    advance_world(Storage(), local_uri(one), D2)
    advance_world(Storage(), local_uri(two), D2)
    assert _snapshot(one) == _snapshot(two)


def test_a_date_not_after_the_world_or_no_world_is_refused(pristine: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="is at 2026-11-25"):
        advance_world(Storage(), local_uri(_copy(pristine, tmp_path)), D1)
    with pytest.raises(WorldExistsError, match="no demo world here"):
        advance_world(Storage(), local_uri(tmp_path / "empty"), D2)
