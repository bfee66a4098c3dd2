"""Moving an existing demo world to a later date: the next nights' deliveries, with realistic churn.

Invariants:
- Only inputs are added, never rewritten in place in a way an earlier night could see: every AWS feed row
  appended carries an `insert_date` after the world's date (a rerun of an earlier night reads none of
  them), the GCP drop of the new date is a new folder, and the ownership change is a new BODS statement
  dated the new date (statements dated after a run's date are not read by it). The outbox, workspace,
  reports, audit, judgements, policy, exemptions and configuration are left exactly as they are: the
  world's history stays, and the next run follows the last one.
- Deterministic: the same world and date give the same files (the churn is drawn from the world's seed
  and the new date).
- The churn, per partner about `rate` of the accounts (at least one each): accounts that leave (AWS: a
  delete version of the account row; GCP: gone from the drop with their entitlements), accounts that
  join (a second account of an existing customer: same company, new account id), usage for every new
  day, and one ownership stake restated. `truth/tenants.csv` follows the accounts; what changed is
  appended to `truth/advances.jsonl`, and `world.json` moves to the new date.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from demo_world.population import rng_for
from demo_world.world import MANIFEST, MARKER, SCENARIO_SOURCE, TRUTH_PATH, WorldExistsError
from pipeline.storage import Storage, join

_AWS_FEEDS = ("AccountFeed_V1", "DailyUsageFeed_V1")
_GCP_KINDS = ("accounts", "entitlements", "usage")
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@dataclass
class Advance:
    """What one advance changed (also appended to truth/advances.jsonl)."""

    before: dt.date
    after: dt.date
    left: list[tuple[str, str]] = field(default_factory=list)  # (partner, tenant id)
    joined: list[tuple[str, str]] = field(default_factory=list)
    ownership: dict[str, Any] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


class _World:
    def __init__(self, storage: Storage, root: str) -> None:
        self.storage, self.root = storage, root.rstrip("/")
        self.written: dict[str, bytes] = {}

    def uri(self, path: str) -> str:
        return join(self.root, path)

    def read(self, path: str) -> bytes:
        return self.written.get(path) or self.storage.read_bytes(self.uri(path))

    def exists(self, path: str) -> bool:
        return path in self.written or self.storage.exists(self.uri(path))

    def write(self, path: str, data: bytes) -> None:
        self.written[path] = data

    def listing(self, prefix: str) -> list[str]:
        base = self.root + "/"
        return [u[len(base) :] for u in self.storage.list(self.uri(prefix))]


def _rows(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(data.decode("utf-8")))
    return list(reader.fieldnames or []), list(reader)


def _csv(header: list[str], rows: list[dict[str, str]], *, with_header: bool) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    if with_header:
        writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _append(world: _World, feed: str, day: dt.date, header: list[str], rows: list[dict[str, str]]) -> None:
    path = f"inbox/aws/{feed}/year={day.year}/month={day.month:02d}/data.csv"
    if world.exists(path):
        world.write(path, world.read(path) + _csv(header, rows, with_header=False))
    else:
        world.write(path, _csv(header, rows, with_header=True))


def _feed_rows(world: _World, feed: str) -> tuple[list[str], list[dict[str, str]]]:
    header: list[str] = []
    rows: list[dict[str, str]] = []
    for path in world.listing(f"inbox/aws/{feed}/"):
        if path.endswith("/data.csv"):
            h, r = _rows(world.read(path))
            header = header or h
            rows += r
    return header, rows


def _pick(rng: np.random.Generator, candidates: list[str], k: int) -> list[str]:
    if not candidates:
        return []
    chosen = rng.choice(len(candidates), size=min(k, len(candidates)), replace=False)
    return [candidates[int(i)] for i in sorted(chosen)]


def _uuid(rng: np.random.Generator) -> str:
    h = "".join(f"{int(x):02x}" for x in rng.integers(0, 256, size=16))
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def _churn_candidates(truth: list[dict[str, str]], partner: str) -> list[str]:
    # Exempted tenants stay: their exemptions are part of the world's story.
    return [t["tenant_id"] for t in truth if t["partner"] == partner and not t.get("exemption_id")]


def _aws(world: _World, truth: list[dict[str, str]], adv: Advance, rng: np.random.Generator, k: int) -> None:
    stamp = f"{adv.after.isoformat()}T00:05:00Z"
    header, accounts = _feed_rows(world, "AccountFeed_V1")
    current: dict[str, dict[str, str]] = {}
    for row in accounts:
        known = current.get(row["aws_account_id"])
        if known is None or (row["valid_from"], row["update_date"]) >= (known["valid_from"], known["update_date"]):
            current[row["aws_account_id"]] = row
    live = {a: r for a, r in current.items() if not r.get("delete_date")}
    candidates = [t for t in _churn_candidates(truth, "aws") if t in live]
    leaving = _pick(rng, candidates, k)
    gone = [dict(live[a]) | {"insert_date": stamp, "update_date": stamp, "delete_date": stamp} for a in leaving]
    adv.left += [("aws", a) for a in leaving]
    cloned = _pick(rng, [t for t in candidates if t not in leaving], k)
    joined = []
    for original in cloned:
        new_id = "".join(str(int(d)) for d in rng.integers(0, 10, size=12))
        while new_id in current:
            new_id = "".join(str(int(d)) for d in rng.integers(0, 10, size=12))
        joined.append(
            dict(live[original])
            | {"aws_account_id": new_id, "account_id": _uuid(rng), "valid_from": stamp}
            | {"encrypted_account_id": "".join(_ALPHABET[int(i)] for i in rng.integers(0, len(_ALPHABET), size=11))}
            | {"insert_date": stamp, "update_date": stamp, "delete_date": ""}
        )
        adv.joined.append(("aws", new_id))
        _clone_truth(truth, "aws", original, new_id)
    _append(world, "AccountFeed_V1", adv.after, header, gone + joined)
    # Usage of every new day for the accounts still there, as the last day's usage repeated.
    usage_header, usage = _feed_rows(world, "DailyUsageFeed_V1")
    last = max((r["usage_date"] for r in usage), default="")
    leaving_refs = {live[a]["account_id"] for a in leaving}
    template = [r for r in usage if r["usage_date"] == last and r["end_user_account_id"] not in leaving_refs]
    day = adv.before + dt.timedelta(days=1)
    while day <= adv.after:
        delivered = f"{day.isoformat()}T00:40:00Z"
        rows = [
            r | {"usage_date": (day - dt.timedelta(days=1)).isoformat(), "valid_from": delivered}
            | {"insert_date": delivered, "update_date": delivered, "delete_date": ""}
            for r in template
        ]  # fmt: skip
        _append(world, "DailyUsageFeed_V1", day, usage_header, rows)
        day += dt.timedelta(days=1)


def _gcp(world: _World, truth: list[dict[str, str]], adv: Advance, rng: np.random.Generator, k: int) -> None:
    source = {kind: f"inbox/gcp/{kind}/dt={adv.before.isoformat()}" for kind in _GCP_KINDS}
    target = {kind: f"inbox/gcp/{kind}/dt={adv.after.isoformat()}" for kind in _GCP_KINDS}
    accounts = [json.loads(x) for x in world.read(f"{source['accounts']}/accounts.jsonl").splitlines() if x.strip()]
    entitlements = [
        json.loads(x) for x in world.read(f"{source['entitlements']}/entitlements.jsonl").splitlines() if x.strip()
    ]
    ids = {a["name"].rsplit("/", 1)[1]: a for a in accounts}
    candidates = [t for t in _churn_candidates(truth, "gcp") if t in ids]
    leaving = set(_pick(rng, candidates, k))
    adv.left += [("gcp", a) for a in sorted(leaving)]
    kept = [a for a in accounts if a["name"].rsplit("/", 1)[1] not in leaving]
    kept_entitlements = [e for e in entitlements if e["account"].rsplit("/", 1)[1] not in leaving]
    stamp = f"{adv.after.isoformat()}T00:05:00.000Z"
    for original in _pick(rng, [t for t in candidates if t not in leaving], k):
        new_id = _uuid(rng)
        prefix = ids[original]["name"].rsplit("/", 1)[0]
        kept.append(ids[original] | {"name": f"{prefix}/{new_id}", "createTime": stamp, "updateTime": stamp})
        for e in (e for e in entitlements if e["account"].endswith("/" + original)):
            name = e["name"].rsplit("/", 1)[0] + "/" + _uuid(rng)
            kept_entitlements.append(e | {"name": name, "account": f"{prefix}/{new_id}", "createTime": stamp})
        adv.joined.append(("gcp", new_id))
        _clone_truth(truth, "gcp", original, new_id)
    lines = "".join(json.dumps(a, ensure_ascii=False, separators=(",", ":")) + "\n" for a in kept)
    world.write(f"{target['accounts']}/accounts.jsonl", lines.encode("utf-8"))
    lines = "".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n" for e in kept_entitlements)
    world.write(f"{target['entitlements']}/entitlements.jsonl", lines.encode("utf-8"))
    header, usage = _rows(world.read(f"{source['usage']}/usage.csv"))
    shift = adv.after - adv.before
    moved = [
        r | {"usage_date": (dt.date.fromisoformat(r["usage_date"]) + shift).isoformat()}
        for r in usage
        if r["account_id"] not in leaving
    ]
    world.write(f"{target['usage']}/usage.csv", _csv(header, moved, with_header=True))


_AZURE_FILES = ("subscriptions/{d}/subscriptions.jsonl", "customers/{d}/customers.csv", "orders/{d}/orders.csv")


def _azure(world: _World, adv: Advance) -> None:
    """The Azure delivery of the new date: the same customers and subscriptions, the usage moved to the
    new day (no churn: the Azure partner keeps its scenario accounts)."""
    before, after = f"dt={adv.before.isoformat()}", f"dt={adv.after.isoformat()}"
    if not world.exists(f"inbox/azure/{_AZURE_FILES[0].format(d=before)}"):
        return
    for name in _AZURE_FILES:
        world.write(f"inbox/azure/{name.format(d=after)}", world.read(f"inbox/azure/{name.format(d=before)}"))
    day_before, day_after = (d - dt.timedelta(days=1) for d in (adv.before, adv.after))
    usage = world.read(f"inbox/azure/usage/{before}/usage.csv").decode("utf-8")
    moved = usage.replace(day_before.isoformat(), day_after.isoformat())
    if day_before.replace(day=1) != day_after.replace(day=1):
        moved = moved.replace(day_before.replace(day=1).isoformat(), day_after.replace(day=1).isoformat())
    world.write(f"inbox/azure/usage/{after}/usage.csv", moved.encode("utf-8"))


def _clone_truth(truth: list[dict[str, str]], partner: str, original: str, new_id: str) -> None:
    row = next(t for t in truth if t["partner"] == partner and t["tenant_id"] == original)
    truth.append(row | {"tenant_id": new_id, "scenario": f"second_account_of:{original}", "exemption_id": ""})


def _ownership(world: _World, truth: list[dict[str, str]], adv: Advance, rng: np.random.Generator) -> None:
    """One stake restated: a new statement of a relationship in an entity a tenant is linked to."""
    statements = json.loads(world.read(SCENARIO_SOURCE))
    linked = {t["true_entity_id"] for t in truth if t.get("true_entity_id")}
    latest: dict[str, dict[str, Any]] = {}
    for s in statements:
        known = latest.get(s["recordId"])
        current = s.get("recordType") == "relationship" and s["statementDate"] <= adv.before.isoformat()
        if current and (known is None or s["statementDate"] >= known["statementDate"]):
            latest[s["recordId"]] = s
    candidates = sorted(
        r
        for r, s in latest.items()
        if s.get("recordStatus") != "closed"
        and s["recordDetails"].get("subject") in linked
        and any("exact" in (i.get("share") or {}) for i in s["recordDetails"].get("interests", []))
    )
    if not candidates:
        return
    record = candidates[int(rng.integers(0, len(candidates)))]
    old = latest[record]
    interests = [dict(i) for i in old["recordDetails"]["interests"]]
    at = next(n for n, i in enumerate(interests) if "exact" in (i.get("share") or {}))
    before = float(interests[at]["share"]["exact"])
    # The subject's other holders of this interest type keep their stakes: the total stays at most 100%.
    subject, kind = old["recordDetails"].get("subject"), interests[at].get("type")
    others = sum(
        float((i.get("share") or {}).get("exact", 0.0))
        for r, s in latest.items()
        if r != record and s.get("recordStatus") != "closed" and s["recordDetails"].get("subject") == subject
        for i in s["recordDetails"].get("interests", [])
        if i.get("type") == kind
    )
    room = 100.0 - others
    after = min(before + 20.0, room) if room - before >= 1.0 else max(before - 20.0, 1.0)
    interests[at] = interests[at] | {"share": {"exact": after}}
    day = adv.after.isoformat()
    statement_id = hashlib.sha1(f"{record}:{day}".encode(), usedforsecurity=False).hexdigest()
    new = old | {
        "statementId": statement_id,
        "statementDate": day,
        "recordStatus": "updated",
        "publicationDetails": old["publicationDetails"] | {"publicationDate": day},
        "recordDetails": old["recordDetails"] | {"interests": interests},
    }
    statements.append(new)
    world.write(SCENARIO_SOURCE, (json.dumps(statements, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    adv.ownership = {
        "relationship": record,
        "subject": old["recordDetails"].get("subject"),
        "interested_party": old["recordDetails"].get("interestedParty"),
        "statement_id": statement_id,
        "replaces": old["statementId"],
        "share_before": before,
        "share_after": after,
    }


def advance_world(storage: Storage, out_uri: str, date: dt.date, *, rate: float = 0.03) -> Advance:
    """Move the demo world at `out_uri` to `date` (module docstring); returns what changed."""
    world = _World(storage, out_uri)
    if not world.exists(MARKER) or not world.exists(MANIFEST):
        raise WorldExistsError(f"{out_uri}: no demo world here (no {MARKER} and {MANIFEST}); write one first")
    manifest = json.loads(world.read(MANIFEST))
    before = dt.date.fromisoformat(manifest["logical_date"])
    if date <= before:
        raise ValueError(f"{out_uri}: the world is at {before.isoformat()}; advance it to a later date")
    rng = rng_for(int(manifest["seed"]), f"advance:{date.isoformat()}")
    header, truth = _rows(world.read(TRUTH_PATH))
    adv = Advance(before=before, after=date)
    per_partner = {p: sum(1 for t in truth if t["partner"] == p) for p in ("aws", "gcp")}
    _aws(world, truth, adv, rng, max(1, round(rate * per_partner["aws"])))
    _gcp(world, truth, adv, rng, max(1, round(rate * per_partner["gcp"])))
    _azure(world, adv)
    _ownership(world, truth, adv, rng)
    left = set(adv.left)
    world.write(
        TRUTH_PATH, _csv(header, [t for t in truth if (t["partner"], t["tenant_id"]) not in left], with_header=True)
    )
    record = {
        "before": before.isoformat(),
        "after": date.isoformat(),
        "left": sorted(f"{p}:{t}" for p, t in adv.left),
        "joined": sorted(f"{p}:{t}" for p, t in adv.joined),
        "ownership": adv.ownership,
        "note": "joined accounts are second accounts of an existing customer (same expected decision); "
        "tenants linked to the restated entity may change decision: the next run decides them",
    }
    history = world.read("truth/advances.jsonl") if world.exists("truth/advances.jsonl") else b""
    world.write("truth/advances.jsonl", history + (json.dumps(record, sort_keys=True) + "\n").encode("utf-8"))
    files = dict(manifest.get("files", {}))
    for path, data in sorted(world.written.items()):
        files[path] = hashlib.sha256(data).hexdigest()
    updated = manifest | {
        "logical_date": date.isoformat(),
        "advanced_from": [*manifest.get("advanced_from", []), before.isoformat()],
        "files": dict(sorted(files.items())),
    }
    world.write(MANIFEST, (json.dumps(updated, indent=2, sort_keys=True) + "\n").encode("utf-8"))
    for path, data in sorted(world.written.items()):
        storage.write_bytes(world.uri(path), data)
    adv.files = sorted(world.written)
    return adv
