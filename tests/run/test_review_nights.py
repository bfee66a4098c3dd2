"""The review loop over three nights of `recon run` on one demo world moved on by `recon demo-world
--advance`: a case in review on night 1 is judged with `recon review decide`; night 2 applies the
judgement and cites it (decision, explanation, `recon explain`, the list, the report); on night 3 the
evidence behind it has changed (a new policy version) and the case is back in review, saying who judged
it when and what changed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from demo_world import WorldSpec, write_world
from pipeline.cli import app
from pipeline.config import load_config
from pipeline.run.context import RunContext
from pipeline.run.stages import run_all
from pipeline.storage import Storage, local_uri

pytestmark = [pytest.mark.integration, pytest.mark.slow]

NIGHTS = [dt.date(2026, 11, 25) + dt.timedelta(days=n) for n in range(3)]


@dataclass(frozen=True)
class Loop:
    world: Path
    tenant: str
    judgement: str
    decisions: dict[dt.date, pd.DataFrame]
    listed: dict[dt.date, str]


def _run(world: Path, night: dt.date) -> pd.DataFrame:
    config = load_config(world / "config.yaml")
    run_all(RunContext(config=config, logical_date=night, run_id=f"cli__{night}", storage=Storage()))
    [found] = (world / "workspace").glob(f"dt={night}/run=*/decisions.parquet")
    return pd.read_parquet(found).set_index(["partner", "tenant_id"])


def _cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def loop(tmp_path_factory: pytest.TempPathFactory) -> Loop:
    world = tmp_path_factory.mktemp("review") / "world"
    config = str(world / "config.yaml")
    write_world(Storage(), local_uri(world), WorldSpec(date=NIGHTS[0], tenants=60, seed=5))
    decisions = {NIGHTS[0]: _run(world, NIGHTS[0])}
    # The next two nights' deliveries, as `recon demo-world --advance` writes them: a run reads only what
    # was delivered by its own date, so both can be written before night 2 runs.
    churn = [_cli("demo-world", "--advance", "--out", str(world), "--date", str(night)) for night in NIGHTS[1:]]
    review = decisions[NIGHTS[0]]
    review = review[(review["decision"] == "review") & (review.index.get_level_values("partner") == "aws")]
    # A case the churn leaves alone (not leaving, its entity's stakes not restated).
    untouched = [
        str(t)
        for (_, t), entity in review["entity_id"].items()
        if not any(str(t) in text or (isinstance(entity, str) and entity in text) for text in churn)
    ]
    tenant = untouched[0]
    listed = _cli("review", "list", "--config", config, "--partner", "aws")
    judgement = _cli(
        "review", "decide", "--config", config, "--partner", "aws", "--tenant", tenant,
        "--decision", "revoke", "--reason", "register shows a majority held in CN", "--by", "A. Reviewer",
    ).strip()  # fmt: skip
    decisions[NIGHTS[1]] = _run(world, NIGHTS[1])
    # Night 3: a new policy version: every decision judgement was made on the old one.
    policy = world / "policy/unsupported-regions.yaml"
    policy.write_text(policy.read_text().replace('version: "', 'version: "night3-'))
    decisions[NIGHTS[2]] = _run(world, NIGHTS[2])
    return Loop(world, tenant, judgement, decisions, {NIGHTS[0]: listed})


def test_the_queue_lists_the_case_with_its_command(loop: Loop) -> None:
    text = loop.listed[NIGHTS[0]]
    assert f"aws/{loop.tenant} " in text
    assert "[new since last night]" in text
    assert f"recon review decide --config {loop.world / 'config.yaml'} --partner aws --tenant {loop.tenant}" in text


def test_night_two_applies_and_cites_the_judgement(loop: Loop) -> None:
    row = loop.decisions[NIGHTS[1]].loc[("aws", loop.tenant)]
    assert (row["decision"], json.loads(row["rules"]), row["judgement_id"]) == ("revoke", ["judgement"], loop.judgement)
    assert row["explanation"].startswith(f"Judged revoke by A. Reviewer on {NIGHTS[0]} (judgement {loop.judgement})")
    snapshot = pd.read_csv(loop.world / f"outbox/aws/revocations/dt={NIGHTS[1]}/revocations.csv", dtype=str)
    assert snapshot.set_index("aws_account_id").loc[loop.tenant, "reason_codes"] == "judgement"
    run = loop.world / f"workspace/dt={NIGHTS[1]}/run=cli__{NIGHTS[1]}"
    explained = _cli("explain", "--run", str(run), loop.tenant)
    assert (
        f"judgement: {loop.judgement} decision (decided this case), judged on {NIGHTS[0]} by A. Reviewer" in explained
    )


def _report(loop: Loop, night: dt.date) -> str:
    return (loop.world / f"reports/dt={night}/run=cli__{night}/report.html").read_text()


def test_the_reports_say_why_the_row_changed_and_show_the_judgement(loop: Loop) -> None:
    second = _report(loop, NIGHTS[1])
    row = second.split(f'data-delta="aws:added:{loop.tenant}"', 1)[1].split("</tr>", 1)[0]
    assert f"judgement {loop.judgement} applied" in row
    third = _report(loop, NIGHTS[2])
    lifted = third.split(f'data-delta="aws:lifted:{loop.tenant}"', 1)[1].split("</tr>", 1)[0]
    assert re.search(r"policy unsupported-regions version (\S+) -&gt; night3-\1<", lifted)
    assert f"judgement {loop.judgement} (judged on {NIGHTS[0]} by A. Reviewer) no longer applies" in lifted
    case = third.split(f'id="case-aws-{loop.tenant}"', 1)[1].split("</article>", 1)[0]
    assert "new since last night" in case and "no longer applies" in case
    assert f"--partner aws --tenant {loop.tenant} --decision revoke|allow" in case


def test_night_three_brings_the_case_back_when_the_evidence_changed(loop: Loop) -> None:
    row = loop.decisions[NIGHTS[2]].loc[("aws", loop.tenant)]
    assert row["decision"] == "review"
    assert json.loads(row["rules"])[-1] == "judgement_lapsed"
    assert (
        f"judgement {loop.judgement} (judged on {NIGHTS[0]} by A. Reviewer), evidence changed: policy"
        in (row["explanation"])
    )
    assert row["review_since"] == NIGHTS[2].isoformat()


def test_a_bad_judgement_is_one_line_and_writes_nothing(loop: Loop) -> None:
    before = sorted((loop.world / "judgements").iterdir())
    config = str(loop.world / "config.yaml")
    for args, message in (
        (["--tenant", "999999999999", "--decision", "revoke"], "no tenant '999999999999' of partner 'aws'"),
        (["--tenant", loop.tenant, "--decision", "maybe"], "--decision 'maybe': must be one of revoke, allow"),
        (
            ["--tenant", loop.tenant, "--decision", "allow", "--expires", "2020-01-01"],
            "expiry 2020-01-01 is in the past",
        ),
    ):
        result = CliRunner().invoke(
            app, ["review", "decide", "--config", config, "--partner", "aws", *args, "--reason", "x", "--by", "y"]
        )
        assert result.exit_code == 1
        assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert sorted((loop.world / "judgements").iterdir()) == before
