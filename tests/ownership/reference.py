"""A slow, obviously correct reading of docs/design.md §4, used to check the vectorised engine.

Invariant: this module shares no code with the engine beyond the policy model and the country helper;
it works record by record with plain dicts and (value, open) pairs, exactly as the design text reads, and
must agree with `resolve` on every small graph (the property tests hold the two together).

What the data cannot rule out, read as plainly: in the high run, a record named in `unread` (a
quarantined statement was about it) counts as restricted, and a holder that is not a record counts as a
restricted holder with a share of 1.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import orjson
import pandas as pd

from pipeline.jurisdictions import country_of
from pipeline.policy.definition import (
    CONTROL_INTEREST_TYPES,
    Comparator,
    ControlAction,
    EntityBasis,
    Method,
    PersonBasis,
    Policy,
)

TOL = 1e-9
Row = dict[Any, Any]  # one record of a frame, as `DataFrame.to_dict("records")` gives it
ROUNDS = 5000


@dataclass(frozen=True)
class RefRow:
    rho_low: float
    rho_low_open: bool
    rho_high: float
    rho_high_open: bool
    decision: str
    ultimate_parent: str
    chain: list[str]
    cycle: bool


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def reference_is_root(row: Row, policy: Policy) -> bool:
    bad = set(policy.restricted_jurisdictions)

    def restricted(code: object) -> bool:
        return not _missing(code) and country_of(str(code)) in bad

    if row["record_type"] == "person":
        columns = {
            PersonBasis.RESIDENCE: "residences",
            PersonBasis.NATIONALITY: "nationalities",
            PersonBasis.TAX_RESIDENCY: "tax_residencies",
        }
        for basis in policy.roots.person_bases:
            text = row[columns[basis]]
            if not _missing(text) and any(restricted(c) for c in orjson.loads(str(text))):
                return True
        return False
    incorporation = row["jurisdiction"] if not _missing(row["jurisdiction"]) else row["registered_country"]
    if EntityBasis.INCORPORATION in policy.roots.entity_bases and restricted(incorporation):
        return True
    if EntityBasis.HEADQUARTERS in policy.roots.entity_bases and restricted(row["business_country"]):
        return True
    if row["entity_type"] in ("state", "stateBody"):
        return any(restricted(row[c]) for c in ("jurisdiction", "registered_country", "business_country"))
    return False


def _interval(r: Row) -> tuple[float, bool, float, bool]:
    def pct(key: str) -> float | None:
        v = r[key]
        return None if _missing(v) else min(max(float(v), 0.0), 1.0)

    exact = pct("share_exact")
    if exact is not None:
        return exact, False, exact, False
    lo, hi = pct("share_min"), pct("share_max")
    low = (0.0, False) if lo is None else (lo, bool(r["exclusive_min"]))
    high = (1.0, False) if hi is None else (hi, bool(r["exclusive_max"]))
    if low[0] > high[0] + TOL or (abs(low[0] - high[0]) <= TOL and (low[1] or high[1])):
        return 0.0, False, 1.0, False
    return low[0], low[1], high[0], high[1]


def _active(r: Row, day: str) -> bool:
    start, end = r["start_date"], r["end_date"]
    return (_missing(start) or str(start)[:10] <= day) and (_missing(end) or str(end)[:10] > day)


def _above(value: float, is_open: bool, threshold: float, comparator: Comparator) -> bool:
    """Surely above, for a lower bound."""
    if comparator is Comparator.GT:
        return value > threshold + TOL or (value >= threshold - TOL and is_open)
    return value >= threshold - TOL


def _maybe_above(value: float, is_open: bool, threshold: float, comparator: Comparator) -> bool:
    """Possibly above, for an upper bound."""
    if comparator is Comparator.GT:
        return value > threshold + TOL
    return value > threshold + TOL or (value >= threshold - TOL and not is_open)


Stake = tuple[float, bool, float, bool]  # (low, low_open, high, high_open)
State = dict[str, tuple[float, bool, bool]]  # id -> (rho, rho_open, restricted in this run)


def reference_edges(
    rows: dict[str, Row], interests: pd.DataFrame, policy: Policy, day: str
) -> tuple[dict[tuple[str, str], Stake], set[tuple[str, str]]]:
    """stake[(owner, owned)]: the largest counted interest; control: (controller, controlled) pairs."""
    owning = set(policy.ownership.interests)
    stake: dict[tuple[str, str], Stake] = {}
    control: set[tuple[str, str]] = set()
    for r in interests.to_dict("records"):
        owner, owned = r["interested_party_id"], r["subject_id"]
        if _missing(owner) or _missing(owned) or owner == owned or owner not in rows or owned not in rows:
            continue
        if not _active(r, day) or r["direct_or_indirect"] == "indirect":
            continue
        if r["interest_type"] in owning:
            lo, lo_open, hi, hi_open = _interval(r)
            if (owner, owned) in stake:
                a, ao, b, bo = stake[(owner, owned)]
                if a > lo or (a == lo and ao):
                    lo, lo_open = a, ao
                if b > hi or (b == hi and not bo):
                    hi, hi_open = b, bo
            stake[(owner, owned)] = (lo, lo_open, hi, hi_open)
        elif r["interest_type"] in CONTROL_INTEREST_TYPES:
            control.add((str(owner), str(owned)))
    return stake, control


def reference_outside(
    rows: dict[str, Row], interests: pd.DataFrame, policy: Policy, day: str
) -> tuple[dict[tuple[str, str], Stake], set[tuple[str, str]]]:
    """The same edges as `reference_edges`, for holders that are not records (in records that are)."""
    owners = {str(o) for o in interests["interested_party_id"] if not _missing(o) and str(o) not in rows}
    if not owners:
        return {}, set()
    ghosts = {o: {"entity_id": o} for o in owners}
    stake, control = reference_edges({**rows, **ghosts}, interests, policy, day)
    inside = {k: v for k, v in stake.items() if k[0] in owners and k[1] in rows}
    return inside, {(o, t) for (o, t) in control if o in owners and t in rows}


def reference_declared(
    rows: dict[str, Row], interests: pd.DataFrame, policy: Policy, day: str
) -> list[tuple[str, str]]:
    """(owner, owned) of every declared indirect interest that alone may pass the threshold: of an ownership
    type, active on `day`, between two records of `rows`. It raises `owned` to review when the high run
    flags `owner` (pipeline.ownership.judge)."""
    out = []
    for r in interests.to_dict("records"):
        owner, owned = str(r["interested_party_id"]), str(r["subject_id"])
        if r["direct_or_indirect"] != "indirect" or owner == owned or owner not in rows or owned not in rows:
            continue
        if not _active(r, day) or r["interest_type"] not in set(policy.ownership.interests):
            continue
        _, _, hi, hi_open = _interval(r)
        if _maybe_above(hi, hi_open, policy.ownership.threshold, policy.ownership.comparator):
            out.append((owner, owned))
    return out


def _run(
    rows: dict[str, Row],
    roots: set[str],
    stake: dict[tuple[str, str], Stake],
    control: set[tuple[str, str]],
    policy: Policy,
    *,
    bound: str,
    control_counts: bool,
) -> State:
    """The least fixed point from zero, one bound of every stake, recomputing every record each round.
    `stake` and `control` may name holders that are not in `rows`: those count as restricted."""
    own = policy.ownership
    test = _above if bound == "low" else _maybe_above
    state: State = {k: (1.0 if k in roots else 0.0, False, k in roots) for k in rows}
    outside: tuple[float, bool, bool] = (1.0, False, True)
    for _ in range(ROUNDS):
        new: State = {}
        for e in rows:
            forced = control_counts and any(state.get(o, outside)[2] for (o, t) in control if t == e)
            if e in roots or forced:
                new[e] = (1.0, False, True)
                continue
            total, total_open = 0.0, False
            for (o, t), (lo, lo_open, hi, hi_open) in stake.items():
                if t != e:
                    continue
                share, share_open = (lo, lo_open) if bound == "low" else (hi, hi_open)
                rho_o, rho_o_open, restricted_o = state.get(o, outside)
                if own.method is Method.CASCADE:
                    if restricted_o:
                        total += share
                        total_open = total_open or share_open
                else:
                    total += share * rho_o
                    total_open = total_open or (share_open and rho_o > 0) or (rho_o_open and share > 0)
            if total >= 1.0:
                total, total_open = 1.0, False
            new[e] = (total, total_open, state[e][2] or test(total, total_open, own.threshold, own.comparator))
        done = all(abs(new[k][0] - state[k][0]) <= 1e-12 and new[k][1:] == state[k][1:] for k in rows)
        state = new
        if done:
            break
    return state


def _walk(e: str, parent: dict[str, str]) -> tuple[list[str], str, bool]:
    """(chain, ultimate parent, cycle) following majority owners from e."""
    walk = [e]
    while walk[-1] in parent and parent[walk[-1]] not in walk:
        walk.append(parent[walk[-1]])
    if walk[-1] not in parent:
        return walk, walk[-1], False
    ring = walk[walk.index(parent[walk[-1]]) :]  # the next step returns into the walk: a cycle
    end = min(ring)
    if end != e:
        return walk[: walk.index(end) + 1], end, True
    return [*ring, e], end, True  # e is the cycle's end: once round and back


def reference_resolve(
    entities: pd.DataFrame,
    interests: pd.DataFrame,
    policy: Policy,
    as_of: dt.date,
    unread: frozenset[str] = frozenset(),
) -> dict[str, RefRow]:
    rows = {str(r["entity_id"]): r for r in entities.to_dict("records")}
    roots = {k for k, r in rows.items() if reference_is_root(r, policy)}
    stake, control = reference_edges(rows, interests, policy, as_of.isoformat())
    out_stake, out_control = reference_outside(rows, interests, policy, as_of.isoformat())
    cws = policy.control_without_shares
    low = _run(rows, roots, stake, control, policy, bound="low", control_counts=cws is ControlAction.RESTRICT)
    high = _run(rows, roots | (unread & set(rows)), {**stake, **out_stake}, control | out_control, policy,
                bound="high", control_counts=cws is not ControlAction.IGNORE)  # fmt: skip

    # Second opinions (pipeline.ownership.judge): under cascade the look-through low run, and declared indirect
    # interests that alone may pass the threshold, held by a party the high run flags.
    other = low
    if policy.ownership.method is Method.CASCADE:
        looked = policy.model_copy(update={"ownership": policy.ownership.model_copy(update={"method": "look_through"})})
        other = _run(rows, roots, stake, control, looked, bound="low", control_counts=cws is ControlAction.RESTRICT)
    declared = {
        owned for owner, owned in reference_declared(rows, interests, policy, as_of.isoformat()) if high[owner][2]
    }

    # Ultimate parent: the majority owner (largest least stake, then smallest id), followed upward.
    parent: dict[str, str] = {}
    for (o, t), (lo, lo_open, _, _) in sorted(stake.items()):
        if _above(lo, lo_open, 0.5, Comparator.GT):
            best = parent.get(t)
            if best is None or lo > stake[(best, t)][0] or (lo == stake[(best, t)][0] and o < best):
                parent[t] = o
    out: dict[str, RefRow] = {}
    for e in rows:
        chain, up, cycle = _walk(e, parent)
        restricted = low[e][2]
        review = (high[e][2] or other[e][2] or e in declared) and not restricted
        decision = "restricted" if restricted else "review" if review else "clear"
        high_value, high_open = (high[e][0], high[e][1]) if high[e][0] >= low[e][0] else (low[e][0], False)
        out[e] = RefRow(low[e][0], low[e][1], high_value, high_open, decision, up, chain, cycle)
    return out
