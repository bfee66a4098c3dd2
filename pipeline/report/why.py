"""Why a listed row changed since the last list, from the run's own data and the previous run's.

Invariant: every reason is read from the two runs' outputs (their DECISIONS rows, and the declared
interests in the linked entity), never guessed: a new or changed ownership statement (statement id,
holder, stake before and after), a new link, a policy version change, a judgement or exemption applied,
lapsed or ended, a case overdue in review, a tenant gone from the partner's export. When none of them
differs, it says so rather than invent one.

Pure: rows and frames in, text out (shares written by `pipeline.formatting` through `share_text`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from pipeline import formatting, jsonio
from pipeline.policy.tenants import TenantRule
from pipeline.report.cases import fraction, records, share_text, text

_INTEREST_KEY = ("relationship_id", "interest_index")


def _rules(row: Mapping[str, Any]) -> list[str]:
    try:
        parsed = jsonio.loads(text(row.get("rules")) or "[]")
    except jsonio.JSONDecodeError:
        return []
    return [str(r) for r in parsed] if isinstance(parsed, list) else []


def _lapses(row: Mapping[str, Any]) -> list[str]:
    try:
        doc = jsonio.loads(text(row.get("evidence")) or "{}")
    except jsonio.JSONDecodeError:
        return []
    found = doc.get("judgements") if isinstance(doc, dict) else None
    return [
        f"judgement {j.get('id')} (judged on {j.get('judged_on')} by {j.get('by')}) no longer applies: "
        f"{j.get('lapsed')}"
        for j in (found if isinstance(found, list) else [])
        if isinstance(j, dict) and not j.get("applies")
    ]


def _share(low: Any, high: Any) -> str:
    return formatting.share_range(fraction(low), fraction(high))


def _holdings(interests: pd.DataFrame | None, entity: str) -> dict[tuple[str, str], dict[str, Any]]:
    if interests is None or not entity:
        return {}
    mine = interests[interests["subject_id"].astype("str") == entity]
    return {(text(r["relationship_id"]), text(r["interest_index"])): r for r in records(mine)}


def statement_changes(before: pd.DataFrame | None, after: pd.DataFrame | None, entity: str) -> list[str]:
    """The declared interests in `entity` that are new, ended or restated between the two runs."""
    if before is None or after is None:
        return []
    was, now = _holdings(before, entity), _holdings(after, entity)
    out = []
    for key in sorted(set(was) | set(now)):
        old, new = was.get(key), now.get(key)
        if new is not None and old is not None and text(old.get("statement_id")) == text(new.get("statement_id")):
            continue
        if new is None:
            assert old is not None
            out.append(
                f"statement {text(old.get('statement_id'))}: "
                f"{text(old.get('interested_party_id')) or 'an unspecified party'} no longer holds {share_text(old)} "
                f"in {entity}"
            )
            continue
        holder = text(new.get("interested_party_id")) or "an unspecified party"
        stake = f"{text(new.get('interest_type'))} {share_text(new)}".strip()
        if old is None:
            out.append(f"new statement {text(new.get('statement_id'))}: {holder} holds {stake} in {entity}")
        else:
            out.append(
                f"statement {text(new.get('statement_id'))} replaces {text(old.get('statement_id'))}: {holder} holds "
                f"{stake} in {entity} (was {share_text(old)})"
            )
    return out


def why_changed(
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    interests_before: pd.DataFrame | None = None,
    interests_after: pd.DataFrame | None = None,
) -> list[str]:
    """The reasons a tenant's row changed between the previous run's decision and this run's."""
    if after is None:
        return ["gone from the partner's export: no decision this run"]
    if before is None:
        return ["not in the previous run: a new account, or the first run compared"]
    rules_now, rules_then = _rules(after), _rules(before)
    out: list[str] = []
    if TenantRule.CARRIED_OVER in rules_now and TenantRule.CARRIED_OVER not in rules_then:
        out.append("gone from the partner's export: the revocation is carried over")
    version = (text(before.get("policy_id")), text(before.get("policy_version")))
    if version != (text(after.get("policy_id")), text(after.get("policy_version"))):
        out.append(f"policy {version[0]} version {version[1]} -> {text(after.get('policy_version'))}")
    judged, was_judged = text(after.get("judgement_id")), text(before.get("judgement_id"))
    if judged and judged != was_judged:
        out.append(f"judgement {judged} applied")
    out += _lapses(after) if TenantRule.JUDGEMENT_LAPSED in rules_now else []
    if was_judged and not judged and TenantRule.JUDGEMENT_LAPSED not in rules_now:
        out.append(f"judgement {was_judged} withdrawn or superseded")
    exempt, was_exempt = text(after.get("exemption_id")), text(before.get("exemption_id"))
    if exempt != was_exempt:
        out.append(f"exemption {exempt} applied" if exempt else f"exemption {was_exempt} expired or withdrawn")
    if TenantRule.REVIEW_OVERDUE in rules_now and TenantRule.REVIEW_OVERDUE not in rules_then:
        out.append(f"in review since {text(after.get('review_since'))}, longer than the policy allows")
    entity, was_entity = text(after.get("entity_id")), text(before.get("entity_id"))
    method, was_method = text(after.get("link_method")), text(before.get("link_method"))
    if (entity, method) != (was_entity, was_method):
        out.append(
            f"link: {was_entity or 'no entity'} ({was_method or 'none'}) -> "
            f"{entity or 'no entity'} ({method or 'none'})"
        )
    elif entity:
        moved = (text(before.get("rho_low")), text(before.get("rho_high"))) != (
            text(after.get("rho_low")),
            text(after.get("rho_high")),
        )
        if moved or text(before.get("ultimate_parent_id")) != text(after.get("ultimate_parent_id")):
            out.append(
                f"ownership of {entity}: restricted share {_share(before.get('rho_low'), before.get('rho_high'))} -> "
                f"{_share(after.get('rho_low'), after.get('rho_high'))}"
            )
        out += statement_changes(interests_before, interests_after, entity)
    if not out and rules_now != rules_then:
        out.append(f"rules {', '.join(rules_then) or 'none'} -> {', '.join(rules_now) or 'none'}")
    return out or ["nothing in the decision's own data changed (the list's own cells did)"]
