"""Benchmark: the whole run against the demo world's own truth, tenant by tenant.

    python benchmarks/demo_truth.py --tenants 100000

Generates the demo world (`recon demo-world`) into a temporary folder, runs every stage in one process
(`recon run`, the functions the DAG calls; the safety gate approved, as a first run has nothing to compare
with), and compares each tenant's decision with `truth/tenants.csv`. The run happens in a fresh process,
so the peak RSS is the run's own (generation is measured apart). Prints each mismatch (up to 40) with what
the run linked, then the counts; the last line is one JSON object with `tenants`, `mismatches`,
`missed_revocations` (expected revoke, got less), `false_revocations` (revoked, expected less), the wall
and CPU seconds of the run and its peak RSS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from peak_memory import peak_rss_mb  # benchmarks/, beside this script

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DATE = dt.date(2026, 11, 26)
SHOWN = 40


def _run(folder: str) -> dict[str, Any]:
    """In the child process: run every stage on the world in `folder`; times and peak memory."""
    from pipeline.config import load_config
    from pipeline.run.context import RunContext, RunOptions
    from pipeline.run.stages import run_all
    from pipeline.storage import Storage

    config = load_config(Path(folder) / "config.yaml")
    ctx = RunContext(
        config=config,
        logical_date=DATE,
        run_id="demo_truth",
        storage=Storage(),
        options=RunOptions(approve_gate=True, approved_by="benchmarks/demo_truth.py"),
    )
    wall, cpu = time.perf_counter(), time.process_time()
    run_all(ctx)
    return {
        "run_seconds": round(time.perf_counter() - wall, 2),
        "run_cpu_seconds": round(time.process_time() - cpu, 2),
        "peak_rss_mb": peak_rss_mb(),
        "run_folder": ctx.layout.run_folder,
    }


def _compare(folder: str, run_folder: str) -> dict[str, Any]:
    import pandas as pd

    from pipeline.datasets import DECISIONS, LINKS
    from pipeline.report.workspace import RunWorkspace
    from pipeline.storage import Storage

    truth = pd.read_csv(Path(folder) / "truth" / "tenants.csv", dtype="str", keep_default_na=False)
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
    for row in wrong.head(SHOWN).itertuples():
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, default=None, help="write the world and run here and keep them")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_run(args.child)))
        return
    from demo_world import WorldSpec, write_world
    from pipeline.storage import Storage

    with tempfile.TemporaryDirectory(prefix="demo-truth-") as tmp:
        folder = str(args.keep.resolve() if args.keep else Path(tmp))
        Path(folder).mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        write_world(Storage(), Path(folder).as_uri(), WorldSpec(DATE, tenants=args.tenants, seed=args.seed), force=True)
        generated = time.perf_counter() - started
        print(f"world: {args.tenants:,} tenants generated in {generated:.1f} s", file=sys.stderr)
        command = [sys.executable, __file__, "--child", folder]
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        run = json.loads(done.stdout.strip().splitlines()[-1])
        figures = _compare(folder, run.pop("run_folder"))
    load = os.getloadavg()[0]
    print(
        f"run: {run['run_seconds']:.1f} s wall, {run['run_cpu_seconds']:.1f} s CPU, peak RSS {run['peak_rss_mb']} MiB "
        f"(load average {load:.1f} on {os.cpu_count()} cores); {figures['mismatches']} mismatches of "
        f"{figures['tenants']:,} tenants ({figures['missed_revocations']} missed revocations, "
        f"{figures['false_revocations']} false revocations)",
        file=sys.stderr,
    )
    result = {
        "benchmark": "demo_truth",
        "seed": args.seed,
        "generate_seconds": round(generated, 2),
        "load_average": round(load, 2),
        **run,
        **figures,
    }
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
