"""The whole night on a demo world, for benchmarks/night.py and benchmarks/demo_truth.py.

Invariant: the run is `run_all` (what `recon run` does, the functions the DAG calls) in a fresh process
started on this file, so its peak RSS is the run's own and never the generator's; each stage's figures
are the ones `pipeline.run.stages.run_stage` measures (`RunContext.observe`), not a re-implementation.
The world is generated once, apart, and not timed with the run. The truth comparison reads only what
the run wrote and the world's `truth/tenants.csv`.

    python benchmarks/whole_night.py FOLDER   # the child: run the world in FOLDER, print one JSON line
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DATE = dt.date(2026, 11, 26)
SHOWN = 40


def generate(
    folder: Path, tenants: int, seed: int, entities: int | None = None, relationships: int | None = None
) -> float:
    """Write the demo world for (DATE, tenants, seed) into `folder`; its wall seconds."""
    from demo_world import WorldSpec, write_world
    from pipeline.storage import Storage

    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    spec = WorldSpec(DATE, tenants=tenants, seed=seed, entities=entities, relationships=relationships)
    write_world(Storage(), folder.as_uri(), spec, force=True)
    return time.perf_counter() - started


def copy_world(source: Path, folder: Path) -> None:
    """A world generated earlier, copied without anything a run wrote into it (a run must start clean)."""
    import shutil

    ran = ("workspace", "outbox", "reports", "audit")
    shutil.copytree(source, folder, ignore=lambda d, names: ran if Path(d) == source else (), dirs_exist_ok=True)


def let_first_lists_through(folder: Path) -> None:
    """Raise the world's gate limits on added rows above its tenant count: its first night publishes every
    revocation as added, which a person approves (an approval names the diff, known only once the gate
    has computed it: approving it would take a second run). The gate is still computed and recorded."""
    import re

    from pipeline.config import load_config

    config = folder / "config.yaml"
    text = config.read_text(encoding="utf-8")
    if not re.search(r"^gate:\n", text, flags=re.MULTILINE):
        text += "gate:\n  max_added: 200\n  max_added_share: 0.6\n"
    text = re.sub(r"^(  max_added:) \d+$", r"\1 1000000000", text, flags=re.MULTILINE)
    text = re.sub(r"^(  max_added_share:) [0-9.]+$", r"\1 1.0", text, flags=re.MULTILINE)
    config.write_text(text, encoding="utf-8")
    gate = load_config(config).gate
    if gate.max_added < 10**9 or gate.max_added_share < 1.0:
        raise RuntimeError(f"{config}: the gate limits on added rows could not be raised")


def run_in_child(folder: Path) -> dict[str, Any]:
    """Run the night on the world in `folder` in a fresh process (this file); what `_run` returns."""
    let_first_lists_through(folder)
    command = [sys.executable, __file__, str(folder)]
    done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _run(folder: str) -> dict[str, Any]:
    """In the child: every stage on the world in `folder` (its first lists let through the gate, see
    `let_first_lists_through`); the run's times, peak memory, each stage's figures and the input files
    it read."""
    from pipeline.config import load_config
    from pipeline.run.context import RunContext, RunOptions
    from pipeline.run.progress import StageFigures, configure, cpu_seconds, peak_rss_mb
    from pipeline.run.stages import run_all
    from pipeline.storage import Storage
    from pipeline.storage.frames import read_json

    configure()  # progress on stderr, as `recon run` shows it
    stages: list[StageFigures] = []
    ctx = RunContext(
        config=load_config(Path(folder) / "config.yaml"),
        logical_date=DATE,
        run_id="whole_night",
        storage=Storage(),
        options=RunOptions(),
        observe=stages.append,
    )
    wall, cpu = time.perf_counter(), cpu_seconds()
    run_all(ctx)
    run_seconds, run_cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    inputs = [i["uri"] for p in ctx.config.partners for i in read_json(ctx.storage, ctx.layout.partner_inputs(p.name))]
    inputs += list(read_json(ctx.storage, ctx.layout.ownership_inputs)["sources"])
    return {
        "run_seconds": round(run_seconds, 2),
        "run_cpu_seconds": round(run_cpu, 2),
        "peak_rss_mb": peak_rss_mb(),
        "run_folder": ctx.layout.run_folder,
        "stage_figures": [dataclasses.asdict(s) | {"label": s.label} for s in stages],
        "inputs": inputs,
    }


def input_floor(uris: list[str], repeats: int = 3) -> dict[str, Any]:
    """Read every input file of the night once with pyarrow (CSV and JSON Lines parsed, nothing else):
    the cost of the inputs alone on this machine. A JSON document (a BODS array) is parsed as one. The
    best of `repeats` readings: on a shared machine the slower ones measure the neighbours."""
    return min((_read_inputs(uris) for _ in range(repeats)), key=lambda f: float(f["floor_seconds"]))


def _read_inputs(uris: list[str]) -> dict[str, Any]:
    import pyarrow.csv as pcsv
    import pyarrow.json as pjson

    from pipeline import jsonio
    from pipeline.storage import Storage

    storage = Storage()
    wall, cpu, size, rows = time.perf_counter(), time.process_time(), 0, 0
    for uri in uris:
        data = storage.read_bytes(uri)
        size += len(data)
        if uri.endswith(".csv"):
            rows += pcsv.read_csv(io.BytesIO(data)).num_rows
        elif uri.endswith(".jsonl"):
            rows += pjson.read_json(io.BytesIO(data)).num_rows
        else:
            try:
                rows += len(jsonio.loads(data))  # a JSON document (a BODS array)
            except jsonio.JSONDecodeError:  # JSON Lines under another name (FollowTheMoney's .ftm.json)
                rows += sum(1 for line in data.splitlines() if line.strip() and jsonio.loads(line) is not None)
    return {
        "floor_seconds": round(time.perf_counter() - wall, 2),
        "floor_cpu_seconds": round(time.process_time() - cpu, 2),
        "input_files": len(uris),
        "input_megabytes": round(size / 1e6, 1),
        "input_rows": rows,
    }


def compare(folder: Path, run_folder: str, shown: int = SHOWN) -> dict[str, Any]:
    """Each tenant's decision against `truth/tenants.csv`: the first `shown` mismatches on stderr (with
    what the run linked), then the counts."""
    import pandas as pd

    from pipeline.datasets import DECISIONS, LINKS
    from pipeline.report.workspace import RunWorkspace
    from pipeline.storage import Storage

    truth = pd.read_csv(folder / "truth" / "tenants.csv", dtype="str", keep_default_na=False)
    workspace = RunWorkspace(Storage(), run_folder)
    decisions = workspace.read(DECISIONS)[["partner", "tenant_id", "decision", "entity_id", "link_method"]]
    links = workspace.read(LINKS)[["partner", "tenant_id", "confidence", "candidates"]]
    got = truth.merge(decisions, on=["partner", "tenant_id"], how="left").merge(
        links, on=["partner", "tenant_id"], how="left"
    )
    got["decision"] = got["decision"].fillna("(none)")
    wrong = got[got["decision"] != got["expected_decision"]]
    severity = {"allow": 0, "review": 1, "revoke": 2}
    expected = wrong["expected_decision"].map(severity).fillna(-1)
    decided = wrong["decision"].map(severity).fillna(-1)
    for row in wrong.head(shown).itertuples():
        candidates = row.candidates if isinstance(row.candidates, list | tuple) else []
        best = candidates[0] if len(candidates) else {}
        print(
            f"  {row.partner} {row.tenant_id} {row.company_name!r} ({row.country}): expected {row.expected_decision}"
            f" (entity {row.true_entity_id or '-'}, {row.scenario or row.name_variant}), got {row.decision}"
            f" via {row.link_method} {row.entity_id} {best.get('name', '')!r} {row.confidence}",
            file=sys.stderr,
        )
    by_scenario = wrong.groupby(wrong["scenario"].where(wrong["scenario"] != "", wrong["name_variant"])).size()
    return {
        "tenants": len(truth),
        "mismatches": len(wrong),
        "missed_revocations": int(((expected == 2) & (decided < 2)).sum()),
        "false_revocations": int(((decided == 2) & (expected < 2)).sum()),
        "mismatches_by_kind": {str(k): int(v) for k, v in by_scenario.items()},
        "decisions": {str(k): int(v) for k, v in got["decision"].value_counts().items()},
    }


if __name__ == "__main__":
    print(json.dumps(_run(sys.argv[1])))
