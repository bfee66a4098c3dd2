"""Benchmark: the whole run against the demo world's own truth, tenant by tenant.

    python benchmarks/demo_truth.py --tenants 100000

Generates the demo world into a temporary folder, runs every stage in a fresh process (`recon run`, the
functions the DAG calls; see benchmarks/whole_night.py, which benchmarks/night.py shares), and compares
each tenant's decision with `truth/tenants.csv`. Prints each mismatch (up to 40) with what the run
linked, then the counts; the last line is one JSON object with `tenants`, `mismatches`,
`missed_revocations` (expected revoke, got less), `false_revocations` (revoked, expected less), the wall
and CPU seconds of the run and its peak RSS. benchmarks/night.py adds each stage's figures and the floor.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import whole_night  # benchmarks/, beside this script


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, default=None, help="write the world and run here and keep them")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="demo-truth-") as tmp:
        folder = args.keep.resolve() if args.keep else Path(tmp)
        generated = whole_night.generate(folder, args.tenants, args.seed)
        print(f"world: {args.tenants:,} tenants generated in {generated:.1f} s", file=sys.stderr)
        run = whole_night.run_in_child(folder)
        figures = whole_night.compare(folder, run.pop("run_folder"))
    for key in ("inputs", "stage_figures"):
        run.pop(key)
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
