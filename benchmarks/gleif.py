"""Benchmark the GLEIF readers on GLEIF-sized golden copy files: rows per second and peak memory.

    python benchmarks/gleif.py --leis 3000000 --relationships 600000 [--zip] [--resolve]

Steps:
1. generate a Level 1 file (LEI-CDF 3.1 golden copy CSV layout, the columns the reader reads and as many
   again it skips) and a Level 2 relationship file (RR-CDF 2.1 layout), seeded; `--zip` zips them as GLEIF
   publishes them;
2. `measure`, in a fresh process each (so peak RSS is the reader's, not the generator's): read the file
   with `read_gleif_lei` / `read_gleif_rr` as the stage does (a binary stream), and merge the two
   (`merge_sources`), as the run does before resolving;
3. with `--resolve`, the merged entities and interests are resolved in a fresh process as the resolve stage
   does (`benchmarks/ownership.py --measure`: its seconds and peak memory against the ownership targets).
The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from peak_memory import peak_rss_mb  # benchmarks/, beside this script

from pipeline.ownership.gleif import golden_copy as gc

COUNTRIES = np.array(["US", "GB", "DE", "FR", "NL", "CN", "JP", "SG", "HK", "IT", "ES", "CA", "AU", "IN", "LU"])
# Columns of the golden copy the reader does not read (the real files have over 200): written, skipped.
SKIPPED = ("Entity.LegalName.xmllang", "Entity.LegalAddress.FirstAddressLine", "Entity.LegalAddress.City",
           "Entity.LegalAddress.PostalCode", "Entity.HeadquartersAddress.FirstAddressLine",
           "Entity.HeadquartersAddress.City", "Entity.HeadquartersAddress.PostalCode",
           "Entity.LegalForm.EntityLegalFormCode", "Entity.EntityCreationDate", "Registration.NextRenewalDate",
           "Registration.ManagingLOU")  # fmt: skip


def _leis(index: np.ndarray) -> pa.Array:
    """20-character LEIs of ISO 17442's shape, one per index (check digits not computed: not read)."""
    digits = np.char.zfill(index.astype(str), 12)
    check = np.char.zfill((index % 97).astype(str), 2)
    return pa.array(np.char.add(np.char.add("5299", np.char.add("00", digits)), check), pa.large_string())


def generate(folder: Path, leis: int, relationships: int, zipped: bool, seed: int = 7) -> dict[str, Path]:
    rng = np.random.default_rng(seed)
    lei = _leis(np.arange(leis))
    country = pa.array(COUNTRIES[rng.integers(0, len(COUNTRIES), leis)], pa.large_string())
    hq = pa.array(np.where(rng.random(leis) < 0.03, "CN", COUNTRIES[rng.integers(0, len(COUNTRIES), leis)]))
    forms = pa.array(rng.choice(["Ltd", "GmbH", "Inc.", "S.A.", "Co., Ltd."], leis))
    names = pc.binary_join_element_wise(pa.array(np.char.add("Company ", np.arange(leis).astype(str))), forms, " ")
    level1 = {
        gc.LEI: lei,
        gc.LEGAL_NAME: names,
        # About a third of real records carry another name, a tenth a transliterated one: read as aliases.
        gc.OTHER_NAMES[0]: pa.array(
            np.where(rng.random(leis) < 0.3, np.char.add("Other ", np.arange(leis).astype(str)), None)
        ),
        gc.TRANSLITERATED_NAMES[0]: pa.array(
            np.where(rng.random(leis) < 0.1, np.char.add("Translit ", np.arange(leis).astype(str)), None)
        ),
        gc.LEGAL_JURISDICTION: country,
        gc.LEGAL_COUNTRY: country,
        gc.HEADQUARTERS_COUNTRY: hq,
        gc.RA_ID: pa.array(np.where(country.to_numpy(zero_copy_only=False) == "GB", "RA000585", "RA000602")),
        gc.RA_ENTITY_ID: pa.array(np.char.zfill(rng.integers(0, 10**8, leis).astype(str), 8)),
        gc.CATEGORY: pa.array(rng.choice(["GENERAL", "BRANCH", "FUND"], leis, p=[0.8, 0.05, 0.15])),
        gc.ENTITY_STATUS: pa.array(rng.choice(["ACTIVE", "INACTIVE"], leis, p=[0.93, 0.07])),
        gc.INITIAL_REGISTRATION: pa.array(np.full(leis, "2016-03-01T08:00:00.000Z")),
        gc.LAST_UPDATE: pa.array(np.full(leis, "2025-06-29T08:00:00.000Z")),
        gc.REGISTRATION_STATUS: pa.array(rng.choice(["ISSUED", "LAPSED", "RETIRED"], leis, p=[0.7, 0.25, 0.05])),
        **{name: pa.array(np.full(leis, "x")) for name in SKIPPED},
    }
    child = rng.integers(0, leis, relationships)
    parent = rng.integers(0, leis, relationships)
    kinds = np.array(["IS_DIRECTLY_CONSOLIDATED_BY", "IS_ULTIMATELY_CONSOLIDATED_BY", "IS_INTERNATIONAL_BRANCH_OF"])
    level2 = {
        gc.START_NODE: _leis(child),
        gc.START_NODE_TYPE: pa.array(np.full(relationships, "LEI")),
        gc.END_NODE: _leis(parent),
        gc.END_NODE_TYPE: pa.array(np.full(relationships, "LEI")),
        gc.RELATIONSHIP_TYPE: pa.array(kinds[rng.choice(3, relationships, p=[0.48, 0.48, 0.04])]),
        gc.period(1, "StartDate"): pa.array(np.full(relationships, "2023-01-01T00:00:00.000Z")),
        gc.period(1, "EndDate"): pa.array(np.full(relationships, "2023-12-31T00:00:00.000Z")),
        gc.period(1, "PeriodType"): pa.array(np.full(relationships, "ACCOUNTING_PERIOD")),
        gc.period(2, "StartDate"): pa.array(np.full(relationships, "2019-06-30T00:00:00.000Z")),
        gc.period(2, "EndDate"): pa.nulls(relationships, pa.string()),
        gc.period(2, "PeriodType"): pa.array(np.full(relationships, "RELATIONSHIP_PERIOD")),
        gc.RELATIONSHIP_STATUS: pa.array(rng.choice(["ACTIVE", "INACTIVE"], relationships, p=[0.95, 0.05])),
        gc.INITIAL_REGISTRATION: pa.array(np.full(relationships, "2017-05-10T09:00:00.000Z")),
        gc.REGISTRATION_STATUS: pa.array(np.full(relationships, "PUBLISHED")),
    }
    out = {}
    for name, columns in (("lei2", level1), ("rr", level2)):
        path = folder / f"{name}-golden-copy.csv"
        pacsv.write_csv(pa.table(columns), path, pacsv.WriteOptions(quoting_style="all_valid"))
        if zipped:
            archive = path.with_suffix(".csv.zip")
            with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
                z.write(path, path.name)
            path.unlink()
            path = archive
        out[name] = path
    return out


def measure(kind: str, lei_path: Path, rr_path: Path) -> dict[str, Any]:
    import datetime as dt

    from pipeline.jurisdictions import JurisdictionRule
    from pipeline.ownership.gleif.reader import read_gleif_lei, read_gleif_rr
    from pipeline.ownership.merge import merge_sources

    as_of = dt.date(2025, 6, 30)
    t0 = time.perf_counter()
    with lei_path.open("rb") as f:
        level1 = read_gleif_lei([(lei_path.as_uri(), io.BufferedReader(f))], as_of)
    t1 = time.perf_counter()
    out: dict[str, Any] = {"leis_read": level1.stats["rows_read"], "lei_seconds": round(t1 - t0, 2),
                           "leis_per_s": round(level1.stats["rows_read"] / (t1 - t0))}  # fmt: skip
    if kind in ("rr", "merge", "resolve"):
        with rr_path.open("rb") as f:
            level2 = read_gleif_rr([(rr_path.as_uri(), io.BufferedReader(f))], as_of)
        t2 = time.perf_counter()
        out |= {"relationships_read": level2.stats["rows_read"], "rr_seconds": round(t2 - t1, 2),
                "relationships_per_s": round(level2.stats["rows_read"] / (t2 - t1))}  # fmt: skip
        if kind in ("merge", "resolve"):
            merged = merge_sources([level1, level2], JurisdictionRule(False, frozenset({"CN"})))
            t3 = time.perf_counter()
            out |= {"merge_seconds": round(t3 - t2, 2), "entities": len(merged.frames.entities),
                    "interests": len(merged.frames.interests)}  # fmt: skip
    out["peak_rss_mb"] = peak_rss_mb()
    if kind == "resolve":
        # What the resolve stage reads, for `--resolve` (not timed: the stage reads it from the workspace).
        from pipeline.ownership.resolve import ENTITY_INPUT_COLUMNS, INTEREST_INPUT_COLUMNS

        folder = lei_path.parent / "merged"
        folder.mkdir(exist_ok=True)
        merged.frames.entities[list(ENTITY_INPUT_COLUMNS)].to_parquet(folder / "entities.parquet", index=False)
        merged.frames.interests[list(INTEREST_INPUT_COLUMNS)].to_parquet(folder / "interests.parquet", index=False)
    return out


def _child(kind: str, paths: dict[str, Path]) -> dict[str, Any]:
    args = [sys.executable, __file__, "--measure", kind, str(paths["lei2"]), str(paths["rr"])]
    done = subprocess.run(args, check=True, capture_output=True, text=True)
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leis", type=int, default=3_000_000)
    parser.add_argument("--relationships", type=int, default=600_000)
    parser.add_argument("--zip", action="store_true")
    parser.add_argument("--resolve", action="store_true", help="also resolve the merged graph as the stage does")
    parser.add_argument("--measure", nargs=3, metavar=("KIND", "LEI", "RR"))
    args = parser.parse_args()
    if args.measure:
        kind, lei_path, rr_path = args.measure
        print(json.dumps(measure(kind, Path(lei_path), Path(rr_path))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        paths = generate(Path(tmp), args.leis, args.relationships, args.zip)
        sizes = {name: round(p.stat().st_size / 2**20, 1) for name, p in paths.items()}
        print(f"generated in {time.perf_counter() - t0:.1f}s: {sizes} MiB", flush=True)
        level1 = _child("lei", paths)
        print(f"level 1: {level1}", flush=True)
        merged = _child("resolve" if args.resolve else "merge", paths)
        print(f"level 1 + 2 and merge: {merged}", flush=True)
        resolved = None
        if args.resolve:
            # The merged graph resolved as the resolve stage does, in a fresh process (benchmarks/ownership.py).
            folder = str(paths["lei2"].parent / "merged")
            args_ = [sys.executable, str(Path(__file__).with_name("ownership.py")), "--measure", folder]
            done = subprocess.run(args_, check=True, capture_output=True, text=True)
            resolved = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"merged graph resolved: {resolved}", flush=True)
    print(json.dumps({"leis": args.leis, "relationships": args.relationships, "zipped": args.zip,
                      "file_mib": sizes, "level1": level1, "level1_level2_merge": merged,
                      "merged_resolve": resolved}))  # fmt: skip


if __name__ == "__main__":
    main()
