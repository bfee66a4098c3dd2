"""`recon explain --config FILE --date D ID` as a person types it: wall and CPU seconds of the whole command.

Invariant: each timed call is a fresh `recon` process (imports included: they are most of its cost), run
against one night of a demo world that this script generates and runs once beforehand (not timed); the
figures are the median of --repeat calls, printed with the machine's load, then the slowest imports of one
call under `python -X importtime`; the last line is one JSON object. Target: under 2 s at 400 tenants.

    .venv/bin/python benchmarks/explain.py --tenants 400 [--world DIR]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
TARGET_SECONDS = 2.0


def _recon(*args: str) -> list[str]:
    return [str(BIN / "recon"), *args]


def _world(world: Path, tenants: int, date: dt.date, seed: int) -> None:
    """A demo world at `world` with one complete night in its workspace (what is there already is kept)."""
    if not (world / "config.yaml").exists():
        subprocess.run(
            _recon(
                "demo-world",
                "--out",
                str(world),
                "--date",
                date.isoformat(),
                "--tenants",
                str(tenants),
                "--seed",
                str(seed),
                "--quiet",
            ),
            check=True,
        )
    if not list((world / "reports").glob(f"dt={date.isoformat()}/run=*/run_summary.json")):
        config = world / "config.yaml"
        subprocess.run(_recon("run", "--config", str(config), "--date", date.isoformat(), "--quiet"), check=True)


def _revoked_tenant(world: Path, date: dt.date) -> str:
    """A revoked tenant of the night (its explanation has a link, an entity and an ownership chain)."""
    for listed in sorted(world.glob(f"outbox/*/revocations/dt={date.isoformat()}/revocations.csv")):
        with listed.open(newline="") as f:
            for row in csv.reader(f):
                if row and row[0] and row[1] == "revoke":
                    return row[0]
    raise SystemExit(f"no revoked tenant in the night of {date} under {world}")


def _timed(command: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one run of `command` (CPU: the child's user and system time)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _slowest_imports(command: list[str], top: int) -> list[tuple[str, float]]:
    """The modules the call imported first-hand, by cumulative import time (seconds), from `-X importtime`."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *command], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    roots: dict[str, float] = {}
    for line in done.stderr.decode().splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|")
        if cumulative.strip().isdigit() and not name.startswith("  "):  # imported by the command's own code
            module = name.strip()
            roots[module] = max(roots.get(module, 0.0), int(cumulative) / 1e6)
    return sorted(roots.items(), key=lambda kv: -kv[1])[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--date", type=dt.date.fromisoformat, default=dt.date(2026, 11, 26))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--world", type=Path, help="Keep the world here (reused when it exists) instead of a temp dir")
    args = parser.parse_args()

    temp: Path | None = None
    if args.world is None:
        temp = Path(tempfile.mkdtemp(prefix="bench-explain-"))
    world = args.world if args.world is not None else temp / "world"
    try:
        _world(world, args.tenants, args.date, args.seed)
        tenant = _revoked_tenant(world, args.date)
        command = _recon("explain", "--config", str(world / "config.yaml"), "--date", args.date.isoformat(), tenant)
        _timed(command)  # once untimed: the files in the page cache, as for a person's second question
        runs = [_timed(command) for _ in range(args.repeat)]
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        load = os.getloadavg()
        imports = _slowest_imports(command, top=8)
    finally:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    print(f"recon explain at {args.tenants} tenants, tenant {tenant}: {args.repeat} calls")
    print(f"  wall s: median {wall:.2f} (min {min(walls):.2f}, max {max(walls):.2f})")
    print(f"  cpu s:  median {cpu:.2f} (min {min(cpus):.2f}, max {max(cpus):.2f})")
    print(f"  load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    print("  slowest top-level imports of one call (cumulative s): " + ", ".join(f"{m} {s:.2f}" for m, s in imports))
    print(
        json.dumps(
            {
                "benchmark": "explain",
                "tenants": args.tenants,
                "repeat": args.repeat,
                "wall_s_median": round(wall, 3),
                "cpu_s_median": round(cpu, 3),
                "load_1m": round(load[0], 2),
                "target_s": TARGET_SECONDS,
                "under_target": wall < TARGET_SECONDS,
                "imports_s": {m: round(s, 3) for m, s in imports},
            }
        )
    )


if __name__ == "__main__":
    main()
