"""Faults: damaged inputs, crashes while publishing and two publishers at once, against a published night.

A demo world is run for night 1 (its lists published); every case starts from a copy of that state,
damages something, runs night 2 the way `recon run` does, and prints one line: the exit code (0 done,
1 stopped on purpose, 2 crashed), whether night 2 was published, how many revocations it lifted, and
whether every list in the outboxes still verifies against its manifest. A case fails when a damaged input
lifts any revocation without approval, when the outbox does not verify, or when its outcome is not the
one expected (a crash rerun must publish exactly what an undisturbed night publishes). The exemption
cases mistype a Legal sign-off (a partner spelled `AWS`, a tenant id without its leading zeros, an unknown
tenant, an expiry passed): the customer it cleared is revoked again, so each fails unless the run flags
that exemption (a problem in its exemptions review) and its report lists it as never matched or expired.

Invariant: measures only; the world is seeded, and the last stdout line is one JSON object counting the
cases and failures.

    .venv/bin/python benchmarks/faults.py --tenants 200
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import yaml

from pipeline.config import load_config
from pipeline.errors import RunStopped
from pipeline.ownership.source_format import SourceFormat
from pipeline.publish.manifest import PublishedListCorrupt, published_dates, read_published
from pipeline.run import stages
from pipeline.run.context import RunContext
from pipeline.run.outputs import Gated
from pipeline.storage import Storage, StorageError, local_uri

NIGHT1 = dt.date(2026, 11, 25)
NIGHT2 = NIGHT1 + dt.timedelta(days=1)

# Nine levels of ten aliases: 10^9 leaves from under 1 kB of YAML.
ALIAS_BOMB = "\n".join(
    ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    + ["id: *a8", "version: x", "restricted_jurisdictions: [CN]"]
)


@dataclass
class Outcome:
    case: str
    kind: str  # damaged | exemption | crash | concurrent | control
    exit_code: int
    published: bool
    lifted: int
    verified: bool
    seconds: float
    failure: str = ""

    def line(self) -> str:
        state = "FAIL " + self.failure if self.failure else "ok"
        return (
            f"{self.case:<34} {self.kind:<10} exit={self.exit_code} published={'yes' if self.published else 'no ':<3} "
            f"lifted={self.lifted:<3} verified={'yes' if self.verified else 'NO'} {self.seconds:6.1f}s  {state}"
        )


# --- the world and its two nights -------------------------------------------------------------------


def _night(world: Path, night: dt.date, run_id: str, storage: Storage | None = None) -> int:
    ctx = RunContext(load_config(world / "config.yaml"), night, run_id, storage or Storage())
    try:
        stages.run_all(ctx)
    except RunStopped:
        return 1
    except Exception:  # a crash is an outcome to report, not the benchmark's end
        return 2
    return 0


def _partners(world: Path) -> list[str]:
    return [p.name for p in load_config(world / "config.yaml").partners]


def _second_drop(world: Path) -> None:
    """Night 2's dated drops (GCP, Azure): the same snapshots delivered again (the AWS feeds are cumulative)."""
    for folder in sorted((world / "inbox").rglob(f"dt={NIGHT1}")):
        if folder.is_dir():
            shutil.copytree(folder, folder.with_name(f"dt={NIGHT2}"))


def _outbox(world: Path, partner: str) -> str:
    return local_uri(world / "outbox" / partner)


def _keys(world: Path, partner: str, night: dt.date) -> set[str] | None:
    published = read_published(Storage(), _outbox(world, partner), night)
    if published is None:
        return None
    return set(published.snapshot.iloc[:, 0].astype("str"))


def _verified(world: Path) -> bool:
    storage = Storage()
    try:
        for partner in _partners(world):
            for night in published_dates(storage, _outbox(world, partner)):
                read_published(storage, _outbox(world, partner), night)
    except PublishedListCorrupt:
        return False
    return True


def _measure(
    world: Path, case: str, kind: str, exit_code: int, *, started: float, night1: dict[str, set[str]]
) -> Outcome:
    lifted, published = 0, False
    for partner in _partners(world):
        now = _keys(world, partner, NIGHT2)
        if now is not None:
            published = True
            lifted += len(night1[partner] - now)
    return Outcome(case, kind, exit_code, published, lifted, _verified(world), time.perf_counter() - started)


# --- damaged inputs ---------------------------------------------------------------------------------


def _statements(path: Path) -> list[dict[str, object]]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    loaded: list[dict[str, object]] = json.loads(text)
    return loaded


def _write_statements(path: Path, statements: list[dict[str, object]]) -> None:
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(s) + "\n" for s in statements), encoding="utf-8")
    else:
        path.write_text(json.dumps(statements), encoding="utf-8")


def _sources(world: Path) -> list[Path]:
    """The world's BODS files (its other sources are in other formats)."""
    config = load_config(world / "config.yaml")
    return [Path(s.uri.removeprefix("file://")) for s in config.ownership.sources if s.format is SourceFormat.BODS]


def _gleif_lei_file(world: Path) -> Path:
    config = load_config(world / "config.yaml")
    [uri] = [s.uri for s in config.ownership.sources if s.format is SourceFormat.GLEIF_LEI]
    return Path(uri.removeprefix("file://"))


def gleif_download_cut_to_its_header(world: Path) -> None:
    """A golden copy download that stopped after its first line: the layout holds, no record does."""
    path = _gleif_lei_file(world)
    path.write_text(path.read_text(encoding="utf-8").splitlines(keepends=True)[0], encoding="utf-8")


def empty_one_register_file(world: Path) -> None:
    _sources(world)[0].write_text("[]" if _sources(world)[0].suffix == ".json" else "", encoding="utf-8")


def cut_registers_to_a_tenth(world: Path) -> None:
    for path in _sources(world):
        statements = _statements(path)
        _write_statements(path, statements[: max(len(statements) // 10, 1)])


def delete_the_last_manifests(world: Path) -> None:
    for partner in _partners(world):
        (world / "outbox" / partner / "revocations" / f"dt={NIGHT1}" / "manifest.json").unlink()


def _restricted_by_share(world: Path) -> set[str]:
    [ownership] = (world / "workspace").glob(f"dt={NIGHT1}/run=*/ownership.parquet")
    # Arrow, not pandas: a column subset of OWNERSHIP does not convert back through its pandas metadata.
    table = pq.read_table(ownership, columns=["entity_id", "decision", "is_root"]).to_pydict()
    rows = zip(table["entity_id"], table["decision"], table["is_root"], strict=True)
    return {str(e) for e, decision, root in rows if decision == "restricted" and not root}


def _damage_shares(world: Path, value: object) -> None:
    """Every share of the relationships that make an entity restricted (not a root) becomes `value`."""
    subjects = _restricted_by_share(world)
    for path in _sources(world):
        statements = _statements(path)
        for s in statements:
            details = s.get("recordDetails")
            if s.get("recordType") != "relationship" or not isinstance(details, dict):
                continue
            if str(details.get("subject")) not in subjects:
                continue
            for interest in details.get("interests") or []:
                share = interest.get("share") if isinstance(interest, dict) else None
                if isinstance(share, dict):
                    interest["share"] = {"exact": value}
        _write_statements(path, statements)


def nan_shares_on_restricting_holders(world: Path) -> None:
    _damage_shares(world, "NaN")


def negative_shares_on_restricting_holders(world: Path) -> None:
    _damage_shares(world, -40)


def alias_bomb_in_the_policy(world: Path) -> None:
    config = load_config(world / "config.yaml")
    Path(config.policy.removeprefix("file://")).write_text(ALIAS_BOMB, encoding="utf-8")


def alias_bomb_in_the_exemptions(world: Path) -> None:
    config = load_config(world / "config.yaml")
    assert config.exemptions
    Path(config.exemptions.removeprefix("file://")).write_text(
        ALIAS_BOMB.replace("id: *a8", "exemptions: *a8"), encoding="utf-8"
    )


def empty_aws_account_feed(world: Path) -> None:
    for month in (world / "inbox/aws/AccountFeed_V1").glob("year=*/month=*/data.csv"):
        header = month.read_text(encoding="utf-8").splitlines()[0]
        month.write_text(header + "\n", encoding="utf-8")


def _edit_first_tenant_exemption(world: Path, **changes: object) -> str:
    """Change the first exemption that names a tenant; returns its id."""
    config = load_config(world / "config.yaml")
    assert config.exemptions
    path = Path(config.exemptions.removeprefix("file://"))
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    entry = next(e for e in doc["exemptions"] if e.get("tenant_id"))
    entry.update(changes)
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")  # ids stay quoted strings
    return str(entry["id"])


def _first_tenant_exemption(world: Path) -> dict[str, object]:
    config = load_config(world / "config.yaml")
    assert config.exemptions
    doc = yaml.safe_load(Path(config.exemptions.removeprefix("file://")).read_text(encoding="utf-8"))
    return dict(next(e for e in doc["exemptions"] if e.get("tenant_id")))


def exemption_partner_spelled_upper(world: Path) -> str:
    return _edit_first_tenant_exemption(world, partner=str(_first_tenant_exemption(world)["partner"]).upper())


def exemption_id_without_leading_zeros(world: Path) -> str:
    return _edit_first_tenant_exemption(world, tenant_id=str(_first_tenant_exemption(world)["tenant_id"]).lstrip("0"))


def exemption_unknown_tenant(world: Path) -> str:
    return _edit_first_tenant_exemption(world, tenant_id="999999999999")


def exemption_expired(world: Path) -> str:
    return _edit_first_tenant_exemption(world, expires=NIGHT1)


# Each mistake, and the report's group it must be listed in on night 2.
EXEMPTION_MISTAKES: dict[str, tuple[Callable[[Path], str], str]] = {
    "exemption_partner_spelled_AWS": (exemption_partner_spelled_upper, "never_matched"),
    "exemption_id_lost_leading_zeros": (exemption_id_without_leading_zeros, "never_matched"),
    "exemption_unknown_tenant": (exemption_unknown_tenant, "never_matched"),
    "exemption_expired": (exemption_expired, "expired"),
}


DAMAGED: dict[str, Callable[[Path], None]] = {
    "register_file_emptied": empty_one_register_file,
    "registers_cut_to_10pct": cut_registers_to_a_tenth,
    "gleif_download_cut_to_its_header": gleif_download_cut_to_its_header,
    "last_manifests_deleted": delete_the_last_manifests,
    "nan_share_on_restricting_holder": nan_shares_on_restricting_holders,
    "negative_share_on_restricting_holder": negative_shares_on_restricting_holders,
    "policy_alias_bomb": alias_bomb_in_the_policy,
    "exemptions_alias_bomb": alias_bomb_in_the_exemptions,
    "aws_account_feed_emptied": empty_aws_account_feed,
}
# Damage the run must stop on before publishing anything (the sources' size check against night 1), not
# merely publish nothing worse.
MUST_STOP = frozenset({"register_file_emptied", "registers_cut_to_10pct", "gleif_download_cut_to_its_header"})


# --- crashes while publishing -----------------------------------------------------------------------


class Crash(Exception):
    """The process 'dies' here (nothing after this write happens)."""


class CrashingStorage(Storage):
    """Real local storage that dies at the n-th write into an outbox or the audit trail, before or after it."""

    def __init__(self, at: int, after: bool) -> None:
        super().__init__()
        self.at, self.after, self.count = at, after, 0

    def _watch(self, uri: str, write: Callable[[], object]) -> None:
        if "/outbox/" not in uri and "/audit/publish/" not in uri:
            write()
            return
        self.count += 1
        if self.count == self.at and not self.after:
            raise Crash(uri)
        write()
        if self.count == self.at and self.after:
            raise Crash(uri)

    def write_bytes(self, uri: str, data: bytes, content_type: str | None = None) -> None:
        self._watch(uri, lambda: super(CrashingStorage, self).write_bytes(uri, data, content_type))

    def create(self, uri: str, data: bytes, content_type: str | None = None) -> bool:
        created: list[bool] = []
        self._watch(uri, lambda: created.append(super(CrashingStorage, self).create(uri, data, content_type)))
        return created[0] if created else False


def _snapshot_bytes(world: Path) -> dict[str, bytes]:
    out = {}
    for partner in _partners(world):
        folder = world / "outbox" / partner / "revocations" / f"dt={NIGHT2}"
        for name in ("revocations.csv", "revocations_delta.csv"):
            path = folder / name
            out[f"{partner}/{name}"] = path.read_bytes() if path.exists() else b""
    return out


# --- the cases --------------------------------------------------------------------------------------


def _context(world: Path, storage: Storage, run_id: str = f"cli__{NIGHT2}") -> RunContext:
    return RunContext(load_config(world / "config.yaml"), NIGHT2, run_id, storage)


def _through_gate(ctx: RunContext) -> tuple[list[str], Gated]:
    """Night 2's stages up to and including the gate (what the DAG runs before the publish tasks)."""
    names = stages.plan(ctx)
    extracted = [stages.extract_partner(ctx, n) for n in names]
    bods = stages.extract_ownership(ctx)
    checked = stages.validate(ctx, extracted, bods)
    resolved = stages.resolve_ownership(ctx, bods, checked)
    links = stages.match_tenants(ctx, extracted, bods)
    decided = stages.decide(ctx, extracted, resolved, links)
    return names, stages.gate(ctx, extracted, decided)


def _publish(world: Path, storage: Storage) -> int:
    """The publish tasks of night 2 for a world that went through its gate (0 done, 1 stopped, 2 died)."""
    ctx = _context(world, storage)
    gated = Gated(
        lists={p: ctx.layout.revocation_list(p) for p in _partners(world)},
        gate=ctx.layout.gate,
        fingerprints=ctx.layout.input_fingerprints,
    )
    try:
        for partner in _partners(world):
            stages.publish_partner(ctx, partner, gated)
    except RunStopped:
        return 1
    except Exception:  # a crash is an outcome to report
        return 2
    return 0


def _copy(base: Path, into: Path, name: str) -> Path:
    target = into / name
    shutil.copytree(base, target, symlinks=True)
    return target


def _damaged_cases(base: Path, scratch: Path, night1: dict[str, set[str]]) -> list[Outcome]:
    outcomes = []
    for name, damage in DAMAGED.items():
        started = time.perf_counter()
        world = _copy(base, scratch, name)
        damage(world)
        code = _night(world, NIGHT2, f"cli__{NIGHT2}")
        out = _measure(world, name, "damaged", code, started=started, night1=night1)
        if out.lifted:
            out.failure = f"{out.lifted} revocations lifted without approval"
        elif code == 2:
            out.failure = "crashed instead of stopping"
        elif name in MUST_STOP and (code != 1 or out.published):
            out.failure = "published instead of stopping"
        elif not out.verified:
            out.failure = "the outbox does not verify"
        outcomes.append(out)
        print(out.line(), flush=True)

    return outcomes


def _exemption_flagged(world: Path, exemption_id: str, group: str) -> str:
    """Why the run did not flag the mistyped exemption ("" when it did, in its review and its report)."""
    runs = sorted((world / "workspace" / f"dt={NIGHT2}").glob("run=*"))
    review = pq.read_table(runs[-1] / "exemptions_review.parquet").to_pylist() if runs else []
    problems = [json.loads(str(r["problems"])) for r in review if r["exemption_id"] == exemption_id]
    if not problems or not problems[0]:
        return f"{exemption_id} has no problem in the run's exemptions review"
    reports = sorted((world / "reports" / f"dt={NIGHT2}").glob("run=*/report.html"))
    if not reports or f'data-exemption="{group}:{exemption_id}"' not in reports[-1].read_text(encoding="utf-8"):
        return f"the report does not list {exemption_id} as {group.replace('_', ' ')}"
    return ""


def _exemption_cases(base: Path, scratch: Path, night1: dict[str, set[str]]) -> list[Outcome]:
    outcomes = []
    for name, (mistype, group) in EXEMPTION_MISTAKES.items():
        started = time.perf_counter()
        world = _copy(base, scratch, name)
        exemption_id = mistype(world)
        code = _night(world, NIGHT2, f"cli__{NIGHT2}")
        out = _measure(world, name, "exemption", code, started=started, night1=night1)
        if out.lifted:
            out.failure = f"{out.lifted} revocations lifted without approval"
        elif code == 2:
            out.failure = "crashed instead of stopping"
        elif not out.verified:
            out.failure = "the outbox does not verify"
        else:
            out.failure = _exemption_flagged(world, exemption_id, group)
        outcomes.append(out)
        print(out.line(), flush=True)
    return outcomes


def _crash_cases(base: Path, scratch: Path, night1: dict[str, set[str]], reference: dict[str, bytes]) -> list[Outcome]:
    outcomes = []
    # Crash points: night 2 runs up to its gate once; then, per case, publishing dies before or after one
    # write into the outboxes or the audit trail, and the publish tasks are retried (as Airflow would).
    gated = _copy(base, scratch, "gated")
    _through_gate(_context(gated, Storage()))
    probe = CrashingStorage(at=10**9, after=False)
    _publish(_copy(gated, scratch, "crash_probe"), probe)
    for at in range(1, probe.count + 1):
        for after in (False, True):
            started = time.perf_counter()
            name = f"crash_{'after' if after else 'before'}_write_{at}"
            world = _copy(gated, scratch, name)
            first = _publish(world, CrashingStorage(at, after))
            code = _publish(world, Storage())
            out = _measure(world, name, "crash", code, started=started, night1=night1)
            if first == 0:
                out.failure = "the crash did not happen"
            elif code != 0 or not out.published:
                out.failure = "the retry did not publish"
            elif _snapshot_bytes(world) != reference:
                out.failure = "the retry published other bytes than an undisturbed night"
            elif not out.verified:
                out.failure = "the outbox does not verify"
            outcomes.append(out)
            print(out.line(), flush=True)
            shutil.rmtree(world, ignore_errors=True)

    return outcomes


def run(tenants: int, seed: int, keep: Path | None) -> list[Outcome]:
    scratch = Path(tempfile.mkdtemp(prefix="faults-", dir=keep))
    base = scratch / "base"
    # The generator runs as `recon demo-world`: beside this script, `demo_world` is the benchmark module.
    recon = Path(sys.executable).with_name("recon")
    spec = ["--date", NIGHT1.isoformat(), "--tenants", str(tenants), "--seed", str(seed)]
    subprocess.run([str(recon), "demo-world", "--out", str(base), *spec], check=True, capture_output=True)
    if _night(base, NIGHT1, f"cli__{NIGHT1}") != 0:
        raise SystemExit("night 1 of the base world did not publish")
    _second_drop(base)
    night1 = {p: _keys(base, p, NIGHT1) or set() for p in _partners(base)}
    print(f"night 1: {', '.join(f'{p} {len(k)} revocations' for p, k in night1.items())}", flush=True)
    outcomes = []

    started = time.perf_counter()
    control = _copy(base, scratch, "control")
    code = _night(control, NIGHT2, f"cli__{NIGHT2}")
    reference = _snapshot_bytes(control)
    out = _measure(control, "undisturbed_second_night", "control", code, started=started, night1=night1)
    if code != 0 or not out.published:
        out.failure = "the undisturbed night did not publish"
    outcomes.append(out)
    print(out.line(), flush=True)

    outcomes += _damaged_cases(base, scratch, night1)
    outcomes += _exemption_cases(base, scratch, night1)
    outcomes += _crash_cases(base, scratch, night1, reference)
    outcomes.append(_concurrent(base, scratch, night1))
    print(outcomes[-1].line(), flush=True)
    if keep is None:
        shutil.rmtree(scratch, ignore_errors=True)
    return outcomes


def _concurrent(base: Path, scratch: Path, night1: dict[str, set[str]]) -> Outcome:
    """Two runs of night 2 with different inputs publish to the same outboxes at once."""
    started = time.perf_counter()
    world = _copy(base, scratch, "two_publishers")
    config = load_config(world / "config.yaml")
    other = world.parent / "two_publishers_policy.yaml"
    policy = Path(config.policy.removeprefix("file://")).read_text(encoding="utf-8")
    # Run B decides under a 14-day notice period: every new revocation's effective date differs.
    other.write_text(policy + "\nenforcement: {notice_period_days: 14}\n", encoding="utf-8")
    contexts = [
        RunContext(config, NIGHT2, "run_a", Storage()),
        RunContext(config.model_copy(update={"policy": local_uri(other)}), NIGHT2, "run_b", Storage()),
    ]
    gated = [(ctx, *_through_gate(ctx)) for ctx in contexts]
    codes: dict[str, int] = {}
    barrier = threading.Barrier(len(gated))

    def publish(ctx: RunContext, names: list[str], gate: Gated) -> None:
        barrier.wait()
        try:
            for name in names:
                stages.publish_partner(ctx, name, gate)
            codes[ctx.run_id] = 0
        except RunStopped:
            codes[ctx.run_id] = 1
        except Exception:  # reported as a crash
            codes[ctx.run_id] = 2

    threads = [threading.Thread(target=publish, args=item) for item in gated]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    code = max(codes.values())
    out = _measure(world, "two_publishers_one_outbox", "concurrent", code, started=started, night1=night1)
    manifests = {
        p: (read_published(Storage(), _outbox(world, p), NIGHT2) or None) for p in _partners(world)
    }  # verified reads
    runs = {m.manifest.run_id for m in manifests.values() if m is not None}
    audit = [r for r in (world / "audit" / "publish").rglob("published-*.json") if f"dt={NIGHT2}" in str(r)]
    winners = {json.loads(r.read_text())["run_id"] for r in audit}
    if sorted(codes.values()) != [0, 1] and not (set(codes.values()) == {0} and len(runs) == 1):
        out.failure = f"exit codes {codes}: exactly one run must publish and the other stop"
    elif len(runs) != 1 or winners != runs:
        out.failure = f"published by {sorted(runs)}, audited as published by {sorted(winners)}"
    elif not out.verified:
        out.failure = "the outbox does not verify"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, default=None, help="keep the worlds under this folder")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"faults: {args.tenants} tenants, seed {args.seed}, load average {load:.2f}", flush=True)
    started = time.perf_counter()
    outcomes = run(args.tenants, args.seed, args.keep)
    damaged = [o for o in outcomes if o.kind == "damaged"]
    figures = {
        "cases": len(outcomes),
        "failures": sum(1 for o in outcomes if o.failure),
        "damaged_cases": len(damaged),
        "damaged_lifted": sum(o.lifted for o in damaged),
        "exemption_cases": sum(1 for o in outcomes if o.kind == "exemption"),
        "crash_cases": sum(1 for o in outcomes if o.kind == "crash"),
        "concurrent_cases": sum(1 for o in outcomes if o.kind == "concurrent"),
        "tenants": args.tenants,
        "seconds": round(time.perf_counter() - started, 1),
        "load_average_start": round(load, 2),
        "load_average_end": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    try:
        main()
    except StorageError as exc:
        raise SystemExit(str(exc)) from exc
