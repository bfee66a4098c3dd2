"""Benchmark partner extraction and Great Expectations validation on a generated demo world.

    python benchmarks/quality.py --tenants 3000

Steps:
1. write a demo world (`demo_world.write_world`) of --tenants tenants into a temporary folder;
2. time the first Great Expectations use in this process (import + ephemeral context);
3. per partner, time `pipeline.partners.fetch_drop` (the files as bytes), the pure reader
   `pipeline.partners.read` without raw contract checks, and the reader with them (Great Expectations);
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

import pandas as pd

from demo_world import WorldSpec, write_world
from pipeline.config import load_config
from pipeline.partners import fetch_drop, read, unchecked
from pipeline.partners.base import Unchecked
from pipeline.quality import validate_frame
from pipeline.quality.contracts import Contract, load_contract
from pipeline.quality.expectations import engine
from pipeline.quality.validate import DatasetValidation
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
            drop = fetch_drop(storage, partner, date)
            out[f"fetch_{partner.name}_seconds"] = round(time.perf_counter() - start, 2)
            raw: dict[str, pd.DataFrame] = {}

            def capture(rows: pd.DataFrame, contract: Contract, /, into: dict[str, pd.DataFrame] = raw) -> Unchecked:
                into[contract.name] = rows
                return unchecked(rows, contract)

            def check(rows: pd.DataFrame, contract: Contract, /) -> DatasetValidation:
                return validate_frame(rows, contract, dataset=contract.name, check_share=False)

            start = time.perf_counter()
            result = read(drop, partner, date, check=capture)
            out[f"read_{partner.name}_seconds"] = round(time.perf_counter() - start, 2)
            start = time.perf_counter()
            checked = read(drop, partner, date, check=check)
            out[f"read_checked_{partner.name}_seconds"] = round(time.perf_counter() - start, 2)
            out[f"read_checked_{partner.name}_errors"] = sum(r.stops_run for r in checked.results)
            for item in result.canonical:
                frames[f"{partner.name}/{item.dataset.name}"] = (item.frame, item.dataset.contract)
            for contract, rows in raw.items():
                frames[f"{partner.name}/{contract}"] = (rows, contract)

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
