"""Two consecutive nights of `recon run` on one demo world: the second night's lists follow the first,
a tenant whose rows are quarantined keeps its revocation (missing data never lifts), and a rerun of a
published night changes nothing. A third night on a copy of the world stops before publishing when an
ownership source shrank against the second, or is older than its configured age.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from demo_world import WorldSpec, write_world
from pipeline.config import load_config
from pipeline.errors import RunStopped
from pipeline.run.context import RunContext
from pipeline.run.stages import run_all
from pipeline.storage import Storage, local_uri

pytestmark = [pytest.mark.integration, pytest.mark.slow]

NIGHT1 = dt.date(2026, 11, 25)
AZURE_FILES = ("subscriptions", "customers", "orders", "usage")
NIGHT2 = NIGHT1 + dt.timedelta(days=1)
NIGHT3 = NIGHT2 + dt.timedelta(days=1)


@dataclass(frozen=True)
class Nights:
    world: Path
    quarantined_tenant: str


def _run(world: Path, night: dt.date) -> None:
    config = load_config(world / "config.yaml")
    run_all(RunContext(config=config, logical_date=night, run_id=f"cli__{night}", storage=Storage()))


def _folder(world: Path, partner: str, night: dt.date) -> Path:
    return world / "outbox" / partner / "revocations" / f"dt={night.isoformat()}"


def _quarantine_address_of(world: Path, account: str, night: dt.date) -> None:
    """Append, as the feed's daily delivery would, a correction of the account's address whose country is
    not an ISO code: the address key, then the tenant, are quarantined on the night it arrives."""
    feed = world / "inbox/aws/AddressFeed_V1"
    mine = [
        row
        for month in sorted(feed.glob("year=*/month=*/data.csv"))
        for row in csv.DictReader(io.StringIO(month.read_text()))
        if row["aws_account_id"] == account
    ]
    assert mine, f"no address row for {account} under {feed}"
    target = feed / f"year={night.year}" / f"month={night.month:02d}" / "data.csv"
    header = next(csv.reader(io.StringIO(target.read_text())))
    country = "country_code" if "country_code" in header else "country"
    stamp = f"{night.isoformat()}T00:10:00Z"
    latest = mine[-1]
    # The correction keeps valid_from (same version) with a newer update_date, as AWS corrects rows.
    corrected = {k: latest.get(k, "") for k in header} | {country: "C?", "update_date": stamp, "insert_date": stamp}
    out = io.StringIO()
    csv.DictWriter(out, fieldnames=header, lineterminator="\n").writerow(corrected)
    with target.open("a", encoding="utf-8") as fh:
        fh.write(out.getvalue())


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> Nights:
    world = tmp_path_factory.mktemp("nights") / "world"
    write_world(Storage(), local_uri(world), WorldSpec(date=NIGHT1, tenants=60, seed=5))
    _run(world, NIGHT1)

    # The GCP and Azure drops of the second night: the same snapshots, delivered again.
    for drop in ("gcp/accounts", "gcp/entitlements", "gcp/usage", *(f"azure/{k}" for k in AZURE_FILES)):
        shutil.copytree(world / f"inbox/{drop}/dt={NIGHT1}", world / f"inbox/{drop}/dt={NIGHT2}")
    listed = pd.read_csv(_folder(world, "aws", NIGHT1) / "revocations.csv", dtype=str)
    account = str(listed["aws_account_id"].iloc[0])
    _quarantine_address_of(world, account, NIGHT2)
    _run(world, NIGHT2)
    return Nights(world=world, quarantined_tenant=account)


def test_the_second_night_follows_the_first(nights: Nights) -> None:
    for partner in ("aws", "gcp", "azure"):
        manifest = json.loads((_folder(nights.world, partner, NIGHT2) / "manifest.json").read_text())
        assert manifest["follows"]["logical_date"] == NIGHT1.isoformat()


def test_a_quarantined_tenant_keeps_its_revocation(nights: Nights) -> None:
    before = pd.read_csv(_folder(nights.world, "aws", NIGHT1) / "revocations.csv", dtype=str)
    after = pd.read_csv(_folder(nights.world, "aws", NIGHT2) / "revocations.csv", dtype=str)
    delta = pd.read_csv(_folder(nights.world, "aws", NIGHT2) / "revocations_delta.csv", dtype=str)
    assert nights.quarantined_tenant in set(after["aws_account_id"])
    assert nights.quarantined_tenant not in set(delta["aws_account_id"])
    assert before.to_dict("records") == after.to_dict("records")

    [decisions_file] = (nights.world / "workspace").glob(f"dt={NIGHT2}/run=*/decisions.parquet")
    decisions = pd.read_parquet(decisions_file).set_index(["partner", "tenant_id"])
    row = decisions.loc[("aws", nights.quarantined_tenant)]
    assert (row["decision"], json.loads(row["rules"])) == ("revoke", ["carried_over"])
    assert "quarantined" in row["explanation"]


def test_rerunning_a_published_night_changes_nothing(nights: Nights) -> None:
    folders = [_folder(nights.world, p, NIGHT2) for p in ("aws", "gcp", "azure")]
    before = {f: {p.name: p.read_bytes() for p in f.iterdir()} for f in folders}
    _run(nights.world, NIGHT2)
    assert {f: {p.name: p.read_bytes() for p in f.iterdir()} for f in folders} == before


def _third_night(nights: Nights, into: Path) -> Path:
    """A copy of the world after its second night, with the GCP and Azure drops of the third."""
    world = into / "world"
    shutil.copytree(nights.world, world)
    for drop in ("gcp/accounts", "gcp/entitlements", "gcp/usage", *(f"azure/{k}" for k in AZURE_FILES)):
        shutil.copytree(world / f"inbox/{drop}/dt={NIGHT2}", world / f"inbox/{drop}/dt={NIGHT3}")
    return world


def _stop(world: Path, stage: str) -> str:
    [record] = (world / "workspace").glob(f"dt={NIGHT3}/run=*/stops/{stage}.json")
    message: str = json.loads(record.read_text())["message"]
    return message


def test_a_register_cut_to_a_tenth_stops_the_next_night_before_publishing(nights: Nights, tmp_path: Path) -> None:
    world = _third_night(nights, tmp_path)
    # The scenario companies' file (a JSON array; a world this small has no population register).
    uri = load_config(world / "config.yaml").ownership.sources[0].uri
    register = Path(uri.removeprefix("file://"))
    statements = json.loads(register.read_text(encoding="utf-8"))
    register.write_text(json.dumps(statements[: len(statements) // 10]), encoding="utf-8")
    with pytest.raises(RunStopped):
        _run(world, NIGHT3)
    message = _stop(world, "validate")
    assert f"ownership source bods ({uri})" in message
    assert "fell by more than 30%" in message and "in the last complete run" in message
    assert not any(_folder(world, p, NIGHT3).exists() for p in ("aws", "gcp", "azure"))


def test_a_source_older_than_its_configured_age_stops_the_night(nights: Nights, tmp_path: Path) -> None:
    world = _third_night(nights, tmp_path)
    [inputs] = (world / "workspace").glob(f"dt={NIGHT2}/run=*/ownership_inputs.json")
    published = dt.date.fromisoformat(json.loads(inputs.read_text())["figures"]["bods"]["published"])
    allowed = (NIGHT3 - published).days - 1
    config = world / "config.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("ownership:\n", f"ownership:\n  max_age_days: {allowed}\n", 1), encoding="utf-8")
    with pytest.raises(RunStopped):
        _run(world, NIGHT3)
    message = _stop(world, "validate")
    assert f"latest record of {published}, {allowed + 1} days before {NIGHT3} (at most {allowed} allowed)" in message
    assert not any(_folder(world, p, NIGHT3).exists() for p in ("aws", "gcp", "azure"))


def test_a_gleif_download_cut_to_its_header_stops_the_night(nights: Nights, tmp_path: Path) -> None:
    world = _third_night(nights, tmp_path)
    [source] = [s for s in load_config(world / "config.yaml").ownership.sources if s.format.value == "gleif_lei"]
    path = Path(source.uri.removeprefix("file://"))
    path.write_text(path.read_text(encoding="utf-8").splitlines(keepends=True)[0], encoding="utf-8")
    with pytest.raises(RunStopped):
        _run(world, NIGHT3)
    message = _stop(world, "validate")
    assert f"ownership source gleif_lei ({source.uri}): entities 0 against" in message
    assert not any(_folder(world, p, NIGHT3).exists() for p in ("aws", "gcp", "azure"))
