"""Benchmark: the whole night, stage by stage, against what reading its inputs alone costs.

    python benchmarks/night.py --tenants 100000
    python benchmarks/night.py --tenants 1000000 --entities 5000000 --relationships 8000000

Generates the demo world once (timed apart, with its peak RSS: nothing else big ran in that process),
runs every stage in one fresh process exactly as `recon run` does (`run_all`; the first lists let through
the safety gate, as a person approves a first night), and prints per stage: wall and CPU seconds, the
process's peak RSS when the stage ended, rows in and out (the figures `run_stage` measures). Then the
input floor: the time to read every input file the run read once with pyarrow (CSV and JSON Lines
parsed, nothing else; the best of three readings), and the night's wall time over that floor.
Every decision is compared with the world's `truth/tenants.csv`. CPU seconds and peak RSS are quoted
beside wall seconds, with the load average, because our machines are shared. The last line is one JSON
object: `tenants`, `wall_seconds`, `peak_rss_mb`, `floor_seconds`, `ratio_to_floor`, `stages` (label ->
figures), `mismatches`, and more.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import whole_night  # benchmarks/, beside this script
from peak_memory import peak_rss_mb  # benchmarks/, beside this script


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=100_000)
    parser.add_argument("--entities", type=int, default=None, help="registered companies (default 1.25 per tenant)")
    parser.add_argument(
        "--relationships",
        type=int,
        default=None,
        help="relationship statements in the register at least (default: as the population declares them)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, default=None, help="write the world and run here and keep them")
    parser.add_argument("--world", type=Path, default=None, help="copy this demo world instead of generating one")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="night-") as tmp:
        folder = args.keep.resolve() if args.keep else Path(tmp)
        generated_cpu, generated_peak = time.process_time(), None
        if args.world:
            whole_night.copy_world(args.world.resolve(), folder)
            generated = 0.0
        else:
            generated = whole_night.generate(folder, args.tenants, args.seed, args.entities, args.relationships)
            generated_peak = peak_rss_mb()  # this process has run nothing else big: the generator's peak
            print(
                f"world: {args.tenants:,} tenants generated in {generated:.1f} s"
                f" (CPU {time.process_time() - generated_cpu:.1f} s), peak RSS {generated_peak:,.0f} MiB",
                file=sys.stderr,
            )
        generated_cpu = time.process_time() - generated_cpu
        run = whole_night.run_in_child(folder)
        floor = whole_night.input_floor(run.pop("inputs"))
        truth = whole_night.compare(folder, run.pop("run_folder"), shown=10)
    load = os.getloadavg()[0]

    print(f"{'stage':<24} {'wall s':>8} {'CPU s':>8} {'peak MiB':>9} {'rows in':>12} {'rows out':>12}", file=sys.stderr)
    stages = {}
    for s in run.pop("stage_figures"):
        label = s.pop("label")
        stages[label] = {k: v for k, v in s.items() if k not in ("stage", "partner")}
        print(
            f"{label:<24} {s['wall_seconds']:>8.1f} {s['cpu_seconds']:>8.1f} {s['peak_rss_mb']:>9,.0f}"
            f" {s['rows_in']:>12,} {s['rows_out']:>12,}",
            file=sys.stderr,
        )
    ratio = run["run_seconds"] / floor["floor_seconds"] if floor["floor_seconds"] else None
    print(
        f"night: {run['run_seconds']:.1f} s wall, {run['run_cpu_seconds']:.1f} s CPU,"
        f" peak RSS {run['peak_rss_mb']:,.0f} MiB;"
        f" input floor {floor['floor_seconds']:.1f} s ({floor['input_files']} files, {floor['input_megabytes']} MB,"
        f" {floor['input_rows']:,} rows), ratio {ratio:.1f}; load average {load:.1f} on {os.cpu_count()} cores;"
        f" {truth['mismatches']} mismatches of {truth['tenants']:,} tenants",
        file=sys.stderr,
    )
    result = {
        "benchmark": "night",
        "tenants": truth["tenants"],
        "entities": args.entities,
        "relationships": args.relationships,
        "seed": args.seed,
        "generate_seconds": round(generated, 2),
        "generate_cpu_seconds": round(generated_cpu, 2),
        "generate_peak_rss_mb": generated_peak,
        "wall_seconds": run["run_seconds"],
        "cpu_seconds": run["run_cpu_seconds"],
        "peak_rss_mb": run["peak_rss_mb"],
        **floor,
        "ratio_to_floor": round(ratio, 2) if ratio is not None else None,
        "stages": stages,
        "mismatches": truth["mismatches"],
        "missed_revocations": truth["missed_revocations"],
        "false_revocations": truth["false_revocations"],
        "load_average": round(load, 2),
    }
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
