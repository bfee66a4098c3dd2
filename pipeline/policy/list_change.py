"""A change of the supported list between two nights, and which changed list rows it explains.

Invariant: pure. `list_change(policy, before, after)` is None unless the policy is an allowlist whose
version in effect on `after` differs from the one in effect on `before`. `flipped(codes)` gives, for each
of a tenant's jurisdiction codes whose restriction the change flipped, the jurisdiction (the rule's
label) and whether it is restricted now; a code the change did not flip gives nothing. Which codes a
tenant is tied to is the caller's: its own address and company countries and those of the entities on
its linked entity's ownership chain (`tied_codes`); a change that flipped none of them did not cause
the tenant's row to change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from pipeline.nested import items
from pipeline.policy.definition import Policy, SupportedList

# The TENANTS columns holding a tenant's own jurisdiction codes, and the ENTITIES ones of an entity.
TENANT_CODE_COLUMNS = ("country", "tax_country", "company_country")
ENTITY_CODE_COLUMNS = ("jurisdiction", "registered_country", "business_country")


@dataclass(frozen=True)
class Flip:
    jurisdiction: str  # the rule's label: a country, or a subdivision listed or excluded on its own
    restricted_now: bool


@dataclass(frozen=True)
class ListChange:
    before: SupportedList
    after: SupportedList

    def flipped(self, codes: Iterable[object]) -> tuple[Flip, ...]:
        found: set[Flip] = set()
        was_rule, now_rule = self.before.rule, self.after.rule
        for code in codes:
            was, now = was_rule.restricted(code), now_rule.restricted(code)
            if (was is None) != (now is None):
                found.add(Flip(str(now or was), now is not None))
        return tuple(sorted(found, key=lambda f: f.jurisdiction))


def list_change(policy: Policy, before: dt.date, after: dt.date) -> ListChange | None:
    old, new = policy.supported_list(before), policy.supported_list(after)
    if old is None or new is None or old == new:
        return None
    return ListChange(old, new)


def tied_codes(
    keys: Iterable[tuple[str, str]],
    tenants: pd.DataFrame,
    links: pd.DataFrame,
    ownership: pd.DataFrame,
    entities: pd.DataFrame,
) -> dict[tuple[str, str], list[str]]:
    """Per (partner, tenant_id): the tenant's own codes, then those of every entity on its linked
    entity's ownership chain (the entity itself up to its ultimate parent); missing codes left out."""
    wanted = set(keys)
    own = {
        (str(r["partner"]), str(r["tenant_id"])): [r[c] for c in TENANT_CODE_COLUMNS if isinstance(r.get(c), str)]
        for r in tenants.to_dict("records")
        if (str(r["partner"]), str(r["tenant_id"])) in wanted
    }
    linked = {
        (str(r["partner"]), str(r["tenant_id"])): str(r["entity_id"])
        for r in links.to_dict("records")
        if (str(r["partner"]), str(r["tenant_id"])) in wanted and isinstance(r["entity_id"], str) and r["entity_id"]
    }
    chains = {
        str(e): [str(x) for x in items(c)] or [str(e)]
        for e, c in zip(ownership["entity_id"], ownership["chain"], strict=True)
        if str(e) in set(linked.values())
    }
    on_chains = {e for chain in chains.values() for e in chain} | set(linked.values())
    codes = {
        str(r["entity_id"]): [r[c] for c in ENTITY_CODE_COLUMNS if isinstance(r[c], str)]
        for r in entities.loc[entities["entity_id"].astype("str").isin(on_chains)].to_dict("records")
    }
    out: dict[tuple[str, str], list[str]] = {}
    for key in wanted:
        found = list(own.get(key, []))
        entity = linked.get(key)
        if entity is not None:
            for member in chains.get(entity, [entity]):
                found.extend(codes.get(member, []))
        out[key] = found
    return out
