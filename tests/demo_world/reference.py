"""A slow, obviously correct reading of the demo policy over the scenario catalogue.

It exists to check the generator's own truth: every scenario tenant's expected decision must be what
docs/design.md §4-§6 give under the generated policy. It works on the catalogue (before any file format), so
a disagreement points at the scenario, not at a reader. Beside the register it reads what GLEIF and
OpenSanctions say (docs/ownership-sources.md): a designated org is a root, an OpenSanctions ownership is a
stake, a restricted consolidation parent restricts what it consolidates (`consolidation: restrict`), and a
jurisdiction on which the register and GLEIF disagree about restriction makes the org a review.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from demo_world.names import NameVariant
from demo_world.population import LinkKey
from demo_world.records import Catalogue, Interest, Org, ScenarioTenant
from pipeline.policy.definition import CONTROL_INTEREST_TYPES

RESTRICTED = "CN"
THRESHOLD = 0.5
OWNERSHIP_TYPES = ("shareholding", "votingRights")
DESIGNATED = frozenset({"us_dod_chinese_milcorp"})  # the policy's roots.designated
# ISO 3166-2 lists these as subdivisions of CN; the policy treats them as their own jurisdictions.
SEPARATE = {"CN-HK": "HK", "CN-MO": "MO", "CN-TW": "TW"}


def country_of(code: str | None) -> str | None:
    if code is None:
        return None
    return SEPARATE.get(code, code.split("-")[0])


@dataclass(frozen=True)
class Bound:
    """A share bound in [0, 1]; `strict` means the true value is strictly beyond `value`."""

    value: float
    strict: bool = False


def stake(interest: Interest) -> tuple[Bound, Bound]:
    s = interest.share
    if s is None:
        return Bound(0.0), Bound(1.0)
    if s.exact is not None:
        return Bound(s.exact / 100), Bound(s.exact / 100)
    if s.exclusive_minimum is not None:
        low = Bound(s.exclusive_minimum / 100, strict=True)
    else:
        low = Bound((s.minimum or 0) / 100)
    if s.exclusive_maximum is not None:
        high = Bound(s.exclusive_maximum / 100, strict=True)
    else:
        high = Bound((s.maximum if s.maximum is not None else 100) / 100)
    return low, high


def exceeds_low(b: Bound) -> bool:
    return b.value > THRESHOLD or (b.value == THRESHOLD and b.strict)


def exceeds_high(b: Bound) -> bool:
    # A strict upper bound at v allows values just below v: beyond the threshold only if v > threshold.
    return b.value > THRESHOLD


def active(interest: Interest, date: dt.date) -> bool:
    started = interest.start is None or interest.start <= date
    ended = interest.end is not None and interest.end <= date
    return started and not ended


def entity_decisions(cat: Catalogue, date: dt.date) -> dict[str, str]:
    """restricted | review | clear for every org, by the cascade fixed point on low and high stakes."""
    roots = {k for k, o in cat.orgs.items() if _is_root(o)}
    roots |= {k for k, p in cat.persons.items() if p.residence == RESTRICTED}
    roots |= {k for k, datasets in cat.designations.items() if DESIGNATED & set(datasets)}
    edges: dict[str, list[tuple[str, Bound, Bound]]] = {k: [] for k in cat.orgs}
    control: dict[str, set[str]] = {k: set() for k in cat.orgs}
    for rel in cat.relations:
        last = rel.versions[-1]
        if last.status == "closed":
            continue
        live = [i for i in last.interests if active(i, date) and i.direct_or_indirect != "indirect"]
        owning = [stake(i) for i in live if i.type in OWNERSHIP_TYPES]
        if owning:
            low = max((lo for lo, _ in owning), key=lambda b: (b.value, b.strict))
            high = max((hi for _, hi in owning), key=lambda b: b.value)
            edges[rel.subject].append((rel.party, low, high))
        if any(i.type in CONTROL_INTEREST_TYPES for i in live):
            control[rel.subject].add(rel.party)
    for own in cat.sanctions_ownership:
        if own.since <= date:
            edges[own.asset].append((own.owner, Bound(own.percent / 100), Bound(own.percent / 100)))
    consolidated_by: dict[str, set[str]] = {k: set() for k in cat.orgs}
    for c in cat.consolidations:
        if c.since <= date:
            consolidated_by[c.child].add(c.parent)

    def fixed_point(pick: int) -> set[str]:
        restricted = set(roots)
        while True:
            grown = set(restricted)
            for subject, owners in edges.items():
                if subject in grown:
                    continue
                if consolidated_by[subject] & restricted:
                    grown.add(subject)
                    continue
                parts = [(lo, hi) for party, lo, hi in owners if party in restricted]
                if pick == 0:
                    total = Bound(sum(lo.value for lo, _ in parts), any(lo.strict for lo, _ in parts))
                    hit = exceeds_low(total)
                else:
                    hit = exceeds_high(Bound(sum(hi.value for _, hi in parts)))
                if hit:
                    grown.add(subject)
            if grown == restricted:
                return restricted
            restricted = grown

    low, high = fixed_point(0), fixed_point(1)
    disputed = {
        r.org
        for r in cat.gleif
        if r.jurisdiction is not None and (country_of(r.jurisdiction) == RESTRICTED) != _is_root(cat.orgs[r.org])
    }
    out = {}
    for key in cat.orgs:
        if key in low:
            out[key] = "restricted"
        elif key in high or control[key] & low or key in disputed:
            out[key] = "review"
        else:
            out[key] = "clear"
    return out


def _is_root(org: Org) -> bool:
    incorporation = country_of(org.jurisdiction) or org.country
    headquarters = country_of(org.business_country)
    return RESTRICTED in (incorporation, headquarters)


_RANK = {"allow": 0, "review": 1, "revoke": 2}


def tenant_decisions(cat: Catalogue, date: dt.date) -> dict[str, str]:
    """revoke | review | allow for every scenario tenant."""
    entity = entity_decisions(cat, date)
    own = {t.key: _own_decision(t, entity) for t in cat.tenants}
    out = dict(own)

    def at_least(key: str, decision: str) -> None:
        out[key] = max(out[key], decision, key=_RANK.__getitem__)

    for t in cat.tenants:
        # A known payer account that is restricted: restricted_payer (revoke).
        if t.payer is not None and own[t.payer] == "revoke":
            at_least(t.key, "revoke")
        # A payer that is no tenant of its own (a GCP billing account) shared with a restricted tenant.
        shared = [o for o in cat.tenants if t.billing_group and o.billing_group == t.billing_group and o.key != t.key]
        if any(own[o.key] == "revoke" for o in shared):
            at_least(t.key, "review")
        # A reseller, or a payer, buying for a restricted customer: reseller_for_restricted (review).
        customers = [o for o in cat.tenants if t.key in (o.reseller, o.payer)]
        if any(own[o.key] == "revoke" for o in customers):
            at_least(t.key, "review")
        # A customer buying through a restricted reseller: restricted_reseller (review).
        if t.reseller is not None and own[t.reseller] == "revoke":
            at_least(t.key, "review")
    for ex in cat.exemptions:
        if not ex.approved_on <= date <= ex.expires:
            continue
        for t in cat.tenants:
            if (ex.tenant == t.key or (ex.entity and ex.entity == t.entity)) and out[t.key] == "revoke":
                out[t.key] = "allow"
    return out


def _own_decision(t: ScenarioTenant, entity: dict[str, str]) -> str:
    # basis_actions, whatever the link: a tax address or a company country in CN revokes, a mailing
    # address there alone reviews. AWS accounts always have a tax address (the mailing one unless
    # stated); a GCP account's sign-up country is its company country.
    located = (t.tax_country or t.country) if t.partner == "aws" else t.country
    if located == RESTRICTED:
        return "revoke"
    mailing = "review" if t.country == RESTRICTED else "allow"
    if t.entity is None:
        return mailing
    decision = {"restricted": "revoke", "review": "review", "clear": "allow"}[entity[t.entity]]
    low_confidence = t.name_variant is NameVariant.HEAVY and t.link_key is LinkKey.NAME
    if low_confidence and decision == "revoke":
        return "review"
    return max(decision, mailing, key=_RANK.__getitem__)
