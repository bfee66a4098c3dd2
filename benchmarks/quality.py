"""Benchmark partner extraction and Great Expectations validation on a generated demo world.

    python benchmarks/quality.py --tenants 3000

Steps:
1. write a demo world (`demo_world.write_world`) of --tenants tenants into a temporary folder;
2. time the first Great Expectations use in this process (import + ephemeral context);
3. time `pipeline.partners.extract` per partner (read, validate raw feeds, history, canonical frames);
4. time `validate_frame` alone per dataset (each raw feed and canonical table of the extract), --repeat
   times, reporting the median, with rows and the number of GE expectations the contract yields.
The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from demo_world import WorldSpec, write_world
from pipeline.config import load_config
from pipeline.partners import extract
from pipeline.partners.aws.feeds import FEEDS, read_feed
from pipeline.partners.gcp.feeds import FILES, read_drop_file
from pipeline.quality import validate_frame
from pipeline.quality.contracts import load_contract
from pipeline.quality.expectations import engine
from pipeline.storage import Storage


def _median_seconds(fn: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=3000)
    parser.add_argument("--date", default="2026-11-20")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    date = dt.date.fromisoformat(args.date)
    storage = Storage()
    out: dict[str, Any] = {"tenants_requested": args.tenants}
    with tempfile.TemporaryDirectory() as tmp:
        write_world(storage, Path(tmp).as_uri(), WorldSpec(date=date, tenants=args.tenants))
        config = load_config(Path(tmp) / "config.yaml")

        start = time.perf_counter()
        engine()
        out["ge_first_use_seconds"] = round(time.perf_counter() - start, 2)

        frames: dict[str, Any] = {}
        for partner in config.partners:
            start = time.perf_counter()
            result = extract(storage, partner, date, quality=config.quality)
            out[f"extract_{partner.name}_seconds"] = round(time.perf_counter() - start, 2)
            out[f"extract_{partner.name}_passed"] = result.validation.passed
            for name in ("tenants", "entitlements", "billing"):
                frames[f"{partner.name}/{name}"] = (getattr(result, name), f"canonical_{name}")
            specs = FEEDS if partner.kind.value == "aws_marketplace" else FILES
            for spec in specs:
                reader = read_feed if partner.kind.value == "aws_marketplace" else read_drop_file
                data = reader(storage, partner, spec, date, None)  # type: ignore[arg-type]
                frames[f"{partner.name}/{spec.contract}"] = (data.rows, spec.contract)

        per_dataset = {}
        for name, (frame, contract) in frames.items():
            expectations = sum(1 for r in load_contract(contract).rules if r.expectation)
            seconds = _median_seconds(lambda f=frame, c=contract: validate_frame(f, c), args.repeat)
            per_dataset[name] = {"rows": len(frame), "expectations": expectations, "seconds": seconds}
            print(f"{name:40s} {len(frame):>8d} rows {expectations:>3d} expectations {seconds:>7.3f} s", flush=True)
        out["validate_frame"] = per_dataset
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
