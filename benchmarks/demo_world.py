"""Benchmark the demo-world generator: a whole world written to local files, and the population alone.

    python benchmarks/demo_world.py --tenants 100000
    python benchmarks/demo_world.py --tenants 1000000 --entities 5000000 --population-only

Each measurement runs in a fresh process, so its peak RSS is the generator's alone. The world case
times `write_world` (generation and writing every file through pipeline.storage to a temporary
directory); the population case times `make_population` and `.canonical()`, the frames the matching
benchmark consumes. CPU seconds are reported beside wall seconds because our machines are shared.
The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from peak_memory import peak_rss_mb  # benchmarks/, beside this script

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DATE = dt.date(2026, 11, 26)


def _measure(kind: str, tenants: int, entities: int | None, seed: int) -> dict[str, Any]:
    """Run in the child process: one generation, its times and peak memory (imports not counted)."""
    from demo_world import WorldSpec, make_population, write_world
    from pipeline.storage import Storage

    wall, cpu = time.perf_counter(), time.process_time()
    if kind == "world":
        with tempfile.TemporaryDirectory(prefix="demo-world-") as tmp:
            world = write_world(Storage(), Path(tmp).as_uri(), WorldSpec(DATE, tenants=tenants, seed=seed))
            size = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file())
            out: dict[str, Any] = {
                "files": len(world.files) + 2,
                "megabytes": round(size / 1e6, 1),
                "tenants": len(world.truth),
                "expected": world.manifest()["expected_decisions"],
            }
    else:
        pop = make_population(tenants, n_entities=entities, seed=seed)
        pop.canonical()
        out = {"entities": len(pop.entities), "identifiers": len(pop.identifiers), "tenants": len(pop.tenants)}
    out.update(
        {
            "wall_seconds": round(time.perf_counter() - wall, 2),
            "cpu_seconds": round(time.process_time() - cpu, 2),
            "peak_rss_mb": peak_rss_mb(),
        }
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=100_000)
    parser.add_argument("--entities", type=int, default=None, help="population only (default 1.25 x tenants)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--population-only", action="store_true", help="skip the whole-world measurement")
    parser.add_argument("--child", choices=["world", "population"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_measure(args.child, args.tenants, args.entities, args.seed)))
        return
    results: dict[str, Any] = {"benchmark": "demo_world", "tenants": args.tenants, "seed": args.seed}
    kinds = ["population"] if args.population_only else ["world", "population"]
    for kind in kinds:
        command = [sys.executable, __file__, "--child", kind, "--tenants", str(args.tenants), "--seed", str(args.seed)]
        if args.entities is not None:
            command += ["--entities", str(args.entities)]
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        results[kind] = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{kind}: {results[kind]}", file=sys.stderr)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
