"""Benchmark: build, gate and publish one partner's revocation list at scale (local storage).

Invariant: measures only; the world is synthetic and seeded, and the final stdout line is one JSON
object with the figures (seconds, rows, bytes, peak RSS).

    .venv/bin/python benchmarks/publish_lists.py --tenants 200000 --revoked 20000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import tempfile
import time
from pathlib import Path

import pandas as pd
from peak_memory import peak_rss_mb  # benchmarks/, beside this script

from pipeline.config import GateConfig
from pipeline.datasets import DECISIONS, ENTITLEMENTS, TENANTS
from pipeline.partners.aws.revocations import LIST_FORMAT, revocation_list
from pipeline.policy.definition import Enforcement, Policy
from pipeline.publish import PublishMeta, evaluate, gate_input, last_published, publish_partner_list
from pipeline.run.context import RunOptions
from pipeline.storage import Storage

POLICY = Policy(
    id="bench", version="1", restricted_jurisdictions=("CN",), enforcement=Enforcement(notice_period_days=14)
)


def world(tenants: int, revoked: int, seed: int, churn: float) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = random.Random(seed)
    ids = [f"{i:012d}" for i in range(tenants)]
    revoke = set(rng.sample(ids, revoked))
    if churn:
        stay = set(rng.sample(sorted(revoke), int(revoked * (1 - churn))))
        revoke = stay | set(rng.sample(ids, revoked - len(stay)))
    t = pd.DataFrame({c: pd.Series([""] * tenants, dtype="str") for c in TENANTS.columns})
    t["partner"], t["tenant_id"], t["status"] = "aws", ids, "ACTIVE"
    t["account_ref"] = [f"guid-{i}" for i in ids]
    d = pd.DataFrame({c: pd.Series([""] * tenants, dtype="str") for c in DECISIONS.columns})
    d["partner"], d["tenant_id"] = "aws", ids
    d["decision"] = ["revoke" if i in revoke else "allow" for i in ids]
    d["rules"] = json.dumps(["ownership.restricted"])
    n_ent = tenants * 3 // 2
    e = pd.DataFrame({c: pd.Series([""] * n_ent, dtype="str") for c in ENTITLEMENTS.columns})
    e["partner"], e["entitlement_id"] = "aws", [f"agmt-{k}" for k in range(n_ent)]
    e["tenant_id"] = [ids[rng.randrange(tenants)] for _ in range(n_ent)]
    e["product_id"] = [f"prod-{rng.randrange(20)}" for _ in range(n_ent)]
    e["status"] = [rng.choice(["ACTIVE", "ACTIVE", "ACTIVE", "TERMINATED"]) for _ in range(n_ent)]
    return d, e, t


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, default=200_000)
    parser.add_argument("--revoked", type=int, default=20_000)
    parser.add_argument("--churn", type=float, default=0.05, help="share of revocations replaced on day 2")
    args = parser.parse_args()

    figures: dict[str, float | int] = {"tenants": args.tenants, "revoked": args.revoked}
    storage = Storage()
    with tempfile.TemporaryDirectory() as tmp:
        outbox, audit = Path(tmp, "outbox").as_uri(), Path(tmp, "audit").as_uri()
        limits = GateConfig(max_added=10**9, max_lifted=10**9, max_added_share=1, max_lifted_share=1)
        for day, churn in ((dt.date(2026, 11, 25), 0.0), (dt.date(2026, 11, 26), args.churn)):
            decs, ents, tens = world(args.tenants, args.revoked, seed=7, churn=churn)
            tag = "day1" if churn == 0 else "day2"
            t0 = time.perf_counter()
            previous = last_published(storage, outbox, day)  # as the gate stage reads it
            listing = revocation_list(decs, ents, tens, POLICY, day, previous=previous.snapshot if previous else None)
            t1 = time.perf_counter()
            item = gate_input(
                storage,
                outbox,
                "aws",
                listing,
                list_format=LIST_FORMAT,
                active_tenants=args.tenants,
                logical_date=day,
                previous=previous,
            )
            gate = evaluate([item], limits, RunOptions(), logical_date=day, run_id=tag)
            t2 = time.perf_counter()
            meta = PublishMeta(
                run_id=tag,
                logical_date=day,
                policy_id=POLICY.id,
                policy_version=POLICY.version,
                list_format_version="1.1.0",
            )
            result = publish_partner_list(
                storage,
                outbox,
                "aws",
                listing,
                meta,
                options=RunOptions(),
                list_format=LIST_FORMAT,
                gate=gate,
                audit_uri=audit,
            )
            t3 = time.perf_counter()
            figures[f"{tag}_list_s"] = round(t1 - t0, 3)
            figures[f"{tag}_gate_s"] = round(t2 - t1, 3)
            figures[f"{tag}_publish_s"] = round(t3 - t2, 3)
            figures[f"{tag}_added"] = result.changes.added
            figures[f"{tag}_lifted"] = result.changes.lifted
            figures[f"{tag}_snapshot_bytes"] = len(storage.read_bytes(result.snapshot_uri))
    figures["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
