"""Tenant decisions: revoke, review or allow, with the rules that fired, a one-line reason and evidence.

Invariant: `decide` returns exactly one DECISIONS row per tenant, in the tenants' order; a tenant is
revoked only by (a) a link that may revoke to a restricted entity, (b) its own location under a policy
basis whose action is revoke, whatever its link, or (c) an account relationship (payer, shared billing
account, reseller) with a tenant revoked by (a) or (b), under the policy's rule for that relationship. A
link that may not revoke (low confidence, tie) leads at most to review on the entity's account. Every
rule that fired is listed; the decision is the most severe of them.

Decisions, per tenant:
- Location, whatever the link: each basis of `policy.tenants.location_bases` whose country is restricted
  applies its action from `basis_actions`. By default a tax address or the marketplace's company
  country there revokes (a company located in a restricted jurisdiction is not served there), and a
  mailing address there gives review, and only alone: a weaker basis speaks only when no basis whose
  action is revoke holds. With a link that may revoke to an entity that is not restricted, that review
  is `own_address_conflicts_with_entity` (the link and the account disagree).
- Direct, linked with `may_revoke`: the entity's ownership decision: restricted -> revoke, review ->
  review, clear -> allow.
- Direct, linked without `may_revoke`: the worst ownership decision among the tied candidates (within
  `tie_margin` of the best), restricted or review -> review, clear -> allow.
- Unmatched (or linked to an entity the ownership frame does not know) and nothing in its location is
  restricted: allow, with the rule `unmatched` so that the report can count them.
- Indirect (one hop from the direct decisions, so a relationship never chains into another):
  a payer that is a tenant and is revoked/under review passes `restricted_payer` to the accounts it pays
  for; a payer revoked/under review gets `reseller_for_restricted` from a restricted end-user account;
  a payer that is not itself a tenant (a GCP Cloud Billing account) passes
  `shared_billing_with_restricted` (default review: the payer is probably, not provably, the restricted
  party) between the tenants that share it; a reseller gets `reseller_for_restricted` from a restricted end
  customer of a live entitlement, and that customer gets `restricted_reseller` from a restricted reseller.
  A related tenant under review passes at most review.
Jurisdiction codes are judged by the policy's `JurisdictionRule` (denylist or allowlist; ISO 3166-2:
`CN-GD` is CN; `CN-HK`, `CN-MO`, `CN-TW` are HK, MO, TW). Exemptions are applied afterwards by
`pipeline.policy.exemptions`; `exemption_id` is left empty here.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline import jsonio
from pipeline.arrays import filled, row_dicts, strings, text_series
from pipeline.config import MatchingConfig
from pipeline.datasets import BILLING, DECISIONS, ENTITLEMENTS, LINKS, OWNERSHIP, TENANTS, conform
from pipeline.nested import items
from pipeline.policy.definition import EntityDecision, IndirectAction, Policy, TenantBasis, TenantDecision


class TenantRule(enum.StrEnum):
    """Why a tenant got its decision; listed in DECISIONS.rules, most severe first."""

    ENTITY_RESTRICTED = "entity_restricted"
    RESTRICTED_ENTITY_UNCERTAIN_LINK = "restricted_entity_uncertain_link"
    ENTITY_REVIEW = "entity_review"
    ENTITY_CLEAR = "entity_clear"
    ENTITY_NOT_RESOLVED = "entity_not_resolved"
    TAX_ADDRESS_RESTRICTED = "tax_address_restricted"
    COMPANY_COUNTRY_RESTRICTED = "company_country_restricted"
    ADDRESS_RESTRICTED = "address_restricted"
    OWN_ADDRESS_CONFLICT = "own_address_conflicts_with_entity"
    UNMATCHED = "unmatched"
    RESTRICTED_PAYER = "restricted_payer"
    PAYER_FOR_RESTRICTED = "payer_for_restricted"
    SHARED_BILLING_WITH_RESTRICTED = "shared_billing_with_restricted"
    RESELLER_FOR_RESTRICTED = "reseller_for_restricted"
    RESTRICTED_RESELLER = "restricted_reseller"
    # On the last published list but not in this run's export (pipeline.policy.carry).
    CARRIED_OVER = "carried_over"
    # On the last published list; under review now only because data could not be used (pipeline.policy.carry).
    HELD_FOR_DATA_QUALITY = "held_for_data_quality"
    # A reviewer's judgement decided (pipeline.review): it is cited by id in `judgement_id`.
    JUDGEMENT = "judgement"
    # A judgement stopped applying (its evidence changed, or it expired): the case is back in review.
    JUDGEMENT_LAPSED = "judgement_lapsed"
    # In review for more nights than the policy's `review.max_nights`: escalated (and revoked, by default).
    REVIEW_OVERDUE = "review_overdue"


_SEVERITY = {TenantDecision.ALLOW: 0, TenantDecision.REVIEW: 1, TenantDecision.REVOKE: 2}
_RULE_ORDER = {rule: i for i, rule in enumerate(TenantRule)}
_BASIS_RULE = {
    TenantBasis.TAX_ADDRESS: TenantRule.TAX_ADDRESS_RESTRICTED,
    TenantBasis.COMPANY_COUNTRY: TenantRule.COMPANY_COUNTRY_RESTRICTED,
    TenantBasis.ADDRESS: TenantRule.ADDRESS_RESTRICTED,
}
_BASIS_COLUMN = {
    TenantBasis.TAX_ADDRESS: "tax_country",
    TenantBasis.COMPANY_COUNTRY: "company_country",
    TenantBasis.ADDRESS: "country",
}
_BASIS_LABEL = {
    TenantBasis.TAX_ADDRESS: "tax address",
    TenantBasis.COMPANY_COUNTRY: "company country",
    TenantBasis.ADDRESS: "address",
}
_ACTION_DECISION = {IndirectAction.REVOKE: TenantDecision.REVOKE, IndirectAction.REVIEW: TenantDecision.REVIEW}

# Agreement/entitlement states after which the reseller no longer acts for the customer.
ENDED_ENTITLEMENT_STATES = frozenset(
    {
        "TERMINATED",
        "CANCELLED",
        "EXPIRED",
        "REPLACED",
        "ARCHIVED",
        "ROLLED_BACK",
        "SUPERSEDED",
        "ENTITLEMENT_CANCELLED",
        "UNSUBSCRIBED",  # Azure SaaS subscription
        "NOTSTARTED",
    }
)
# Evidence lists at most this many billing lines / entitlements per relationship (the count is kept).
_EVIDENCE_SAMPLE = 5


@dataclass(frozen=True)
class Signal:
    decision: TenantDecision
    rule: TenantRule
    explanation: str
    evidence: dict[str, Any] | None = None


@dataclass
class _Direct:
    """A tenant's direct outcome and what a related tenant needs to cite it."""

    signals: list[Signal] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    # The bases of the tenant's own location that are restricted (`_Decider.own_address_hits`).
    hits: list[tuple[TenantBasis, str]] = field(default_factory=list)

    @property
    def decision(self) -> TenantDecision:
        return max((s.decision for s in self.signals), key=_SEVERITY.__getitem__, default=TenantDecision.ALLOW)


def _text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _number(value: object) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    # A cell of a numeric column (a number, or numeric text); float() raises on anything else, as it should.
    return float(value)  # type: ignore[arg-type]


def _check(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"decide: the {what} frame lacks columns {missing}")


def _unique_by(frame: pd.DataFrame, key: list[str], what: str) -> pd.DataFrame:
    duplicated = frame.duplicated(key, keep=False)
    if duplicated.any():
        example = frame.loc[duplicated, key].iloc[0].tolist()
        raise ValueError(f"decide: the {what} frame has more than one row for {dict(zip(key, example, strict=True))}")
    return frame


def _entity_label(entity_id: str, ownership_row: dict[str, Any] | None) -> str:
    name = _text(ownership_row.get("name")) if ownership_row else None
    return f"{name} [{entity_id}]" if name else f"[{entity_id}]"


def _ownership_evidence(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "entity_id": row["entity_id"],
        "name": _text(row.get("name")),
        "decision": row.get("decision"),
        "rho_low": _number(row.get("rho_low")),
        "rho_high": _number(row.get("rho_high")),
        "ultimate_parent_id": _text(row.get("ultimate_parent_id")),
        "chain": items(row.get("chain")),
        "rules": items(row.get("rules")),
        "explanation": _text(row.get("explanation")),
        "evidence": row.get("evidence"),
    }


class _Decider:
    def __init__(self, ownership: pd.DataFrame, policy: Policy, config: MatchingConfig) -> None:
        self.policy = policy
        self.config = config
        self.jurisdictions = policy.jurisdictions
        self.ownership: dict[str, dict[str, Any]] = {str(r["entity_id"]): r for r in row_dicts(ownership)}

    def own_address_hits(self, tenant: dict[str, Any]) -> list[tuple[TenantBasis, str]]:
        hits = []
        for basis in self.policy.tenants.location_bases:
            label = self.jurisdictions.restricted(tenant.get(_BASIS_COLUMN[basis]))
            if label is not None:
                hits.append((basis, label))
        return hits

    def plausible_entities(self, link: dict[str, Any]) -> list[str]:
        """The linked entity and every candidate tied with it (within `tie_margin`)."""
        best = _number(link.get("confidence")) or 0.0
        found = [str(link["entity_id"])]
        for candidate in items(link.get("candidates")):
            if not isinstance(candidate, dict):
                continue
            entity_id = candidate.get("entity_id")
            confidence = _number(candidate.get("confidence")) or 0.0
            if entity_id and entity_id not in found and confidence >= best - self.config.tie_margin - 1e-9:
                found.append(str(entity_id))
        return found

    def direct(self, tenant: dict[str, Any], link: dict[str, Any] | None) -> _Direct:
        entity_id = _text(link.get("entity_id")) if link else None
        out = _Direct(summary={"tenant_id": tenant["tenant_id"], "company_name": _text(tenant.get("company_name"))})
        out.summary["link"] = (
            {
                "entity_id": entity_id,
                "method": link.get("method"),
                "confidence": _number(link.get("confidence")),
                "may_revoke": bool(link.get("may_revoke")),
                "candidates": items(link.get("candidates")),
            }
            if link is not None
            else None
        )
        row = self.ownership.get(entity_id) if entity_id else None
        hits = out.hits = self.own_address_hits(tenant)
        if link is not None and entity_id and row is not None:
            out.summary["ownership"] = _ownership_evidence(row)
            if link.get("may_revoke"):
                out.signals.extend(self._confident(link, entity_id, row))
                out.signals.extend(self._location(hits, (link, entity_id, row)))
                return out
            out.signals.append(self._uncertain(link, entity_id, row))
        elif entity_id:
            out.signals.append(
                Signal(
                    TenantDecision.ALLOW,
                    TenantRule.ENTITY_NOT_RESOLVED,
                    f"Linked to entity [{entity_id}], which the ownership data does not resolve; "
                    "judged on its own attributes",
                )
            )
        out.signals.extend(self._location(hits, None))
        if not entity_id and not any(s.decision is not TenantDecision.ALLOW for s in out.signals):
            out.signals.append(
                Signal(
                    TenantDecision.ALLOW,
                    TenantRule.UNMATCHED,
                    "No legal entity found for the account; nothing in its own attributes is restricted",
                )
            )
        return out

    def _confident(self, link: dict[str, Any], entity_id: str, row: dict[str, Any]) -> list[Signal]:
        how = f"by {link.get('method')} ({_number(link.get('confidence')) or 0.0:.2f})"
        label = _entity_label(entity_id, row)
        decision = row.get("decision")
        reason = _text(row.get("explanation"))
        if decision == EntityDecision.RESTRICTED:
            text = f"Linked {how} to {label}, which is restricted" + (f": {reason}" if reason else "")
            return [Signal(TenantDecision.REVOKE, TenantRule.ENTITY_RESTRICTED, text)]
        signals = []
        if decision == EntityDecision.REVIEW:
            text = f"Linked {how} to {label}, whose ownership needs review" + (f": {reason}" if reason else "")
            signals.append(Signal(TenantDecision.REVIEW, TenantRule.ENTITY_REVIEW, text))
        else:
            signals.append(
                Signal(TenantDecision.ALLOW, TenantRule.ENTITY_CLEAR, f"Linked {how} to {label}, not restricted")
            )
        return signals

    def _uncertain(self, link: dict[str, Any], entity_id: str, row: dict[str, Any]) -> Signal:
        """A link that cannot revoke: the worst of the tied candidates can only send the tenant to review."""
        confidence = _number(link.get("confidence")) or 0.0
        how = f"by {link.get('method')} ({confidence:.2f})"
        why = (
            f"confidence {confidence:.2f} below {self.config.min_revoke_confidence:.2f}"
            if confidence < self.config.min_revoke_confidence
            else "tied with another candidate"
        )
        rows = [(c, self.ownership.get(c)) for c in self.plausible_entities(link)]
        severity = {EntityDecision.RESTRICTED.value: 2, EntityDecision.REVIEW.value: 1}
        worst_id, worst_row = max(rows, key=lambda item: severity.get(str((item[1] or {}).get("decision")), 0))
        worst_decision = (worst_row or {}).get("decision")
        if worst_row is None or worst_decision not in severity:
            return Signal(
                TenantDecision.ALLOW,
                TenantRule.ENTITY_CLEAR,
                f"Uncertain link {how} to {_entity_label(entity_id, row)} ({why}); no candidate is restricted",
            )
        restricted = worst_decision == EntityDecision.RESTRICTED
        # The candidate named is the one the review is about: its own score and the name it matched, which
        # may differ from the best candidate's (a near miss tied with a clear company).
        named: dict[str, Any] = next((c for c in items(link.get("candidates")) if c.get("entity_id") == worst_id), {})
        score = _number(named.get("confidence"))
        matched = named.get("matched_name") or named.get("name")
        scored = f" (candidate score {score:.2f}, matched name {matched!r})" if score is not None else ""
        return Signal(
            TenantDecision.REVIEW,
            TenantRule.RESTRICTED_ENTITY_UNCERTAIN_LINK if restricted else TenantRule.ENTITY_REVIEW,
            f"Possibly {_entity_label(worst_id, worst_row)} ({'restricted' if restricted else 'under review'})"
            f"{scored}, but the link {how} cannot revoke: {why}",
            {
                "uncertain_link_entity": _ownership_evidence(worst_row),
                "candidate_confidence": score,
                "candidate_matched_name": matched,
            },
        )

    def _location(
        self, hits: list[tuple[TenantBasis, str]], confident: tuple[dict[str, Any], str, dict[str, Any]] | None
    ) -> list[Signal]:
        """The tenant's own location (see the module docstring): the bases whose action is revoke, or else
        the weaker ones; `confident` is the link that may revoke, its entity id and ownership row."""
        acting = [
            (basis, code, action)
            for basis, code in hits
            if (action := self.policy.tenants.basis_actions.get(basis, IndirectAction.IGNORE))
            is not IndirectAction.IGNORE
        ]
        revoking = [hit for hit in acting if hit[2] is IndirectAction.REVOKE]
        signals = []
        for basis, code, action in revoking or acting:
            where = f"the account's {_BASIS_LABEL[basis]} is in restricted {code}"
            if action is IndirectAction.REVOKE:
                text = f"Located in a restricted jurisdiction: {where}, whatever its entity link"
                signals.append(Signal(TenantDecision.REVOKE, _BASIS_RULE[basis], text))
            elif confident is not None and confident[2].get("decision") != EntityDecision.RESTRICTED:
                link, entity_id, row = confident
                how = f"by {link.get('method')} ({_number(link.get('confidence')) or 0.0:.2f})"
                text = f"Linked {how} to {_entity_label(entity_id, row)} ({row.get('decision')}), but {where}"
                signals.append(Signal(TenantDecision.REVIEW, TenantRule.OWN_ADDRESS_CONFLICT, text))
            elif confident is None:
                text = f"No confident entity link; {where} (a mailing address alone only suggests it)"
                signals.append(Signal(_ACTION_DECISION[action], _BASIS_RULE[basis], text))
        return signals


def _indirect_action(action: IndirectAction, related: TenantDecision) -> TenantDecision | None:
    """What a relationship passes on: the policy's action from a revoked party, at most review otherwise."""
    if action is IndirectAction.IGNORE or related is TenantDecision.ALLOW:
        return None
    if related is TenantDecision.REVIEW:
        return TenantDecision.REVIEW
    return _ACTION_DECISION[action]


def _cited(direct: _Direct) -> dict[str, Any]:
    strongest = max(direct.signals, key=lambda s: _SEVERITY[s.decision])
    return {
        **direct.summary,
        "decision": direct.decision.value,
        "rules": sorted({s.rule.value for s in direct.signals if s.decision is not TenantDecision.ALLOW}),
        "explanation": strongest.explanation,
    }


def _payer_pairs(tenants: pd.DataFrame, billing: pd.DataFrame) -> pd.DataFrame:
    """(partner, tenant_id, payer_id, source, lines, line_count): who pays for whom, and the evidence."""
    declared = tenants.loc[:, ["partner", "tenant_id", "payer_account_id"]].dropna()
    declared = declared.rename(columns={"payer_account_id": "payer_id"})
    declared["source"] = "tenants.payer_account_id"
    declared["lines"] = [[] for _ in range(len(declared))]
    declared["line_count"] = 0
    billed = billing.loc[:, ["partner", "tenant_id", "payer_account_id", "line_id"]].dropna(
        subset=["partner", "tenant_id", "payer_account_id"]
    )
    billed = billed.rename(columns={"payer_account_id": "payer_id"})
    # Most lines are paid by their own account; only the others say anything about a relationship.
    billed = billed[billed["tenant_id"].astype("str") != billed["payer_id"].astype("str")]
    keys = ["partner", "tenant_id", "payer_id"]
    billed = billed.sort_values([*keys, "line_id"], kind="stable")
    counts = billed.groupby(keys, sort=True).size().rename("line_count")
    sample = billed.groupby(keys, sort=True).head(_EVIDENCE_SAMPLE)
    lines = sample.groupby(keys, sort=True)["line_id"].agg(lambda s: [str(v) for v in s]).rename("lines")
    grouped = pd.concat([lines, counts], axis=1).reset_index()
    grouped["source"] = "billing"
    pairs = pd.concat([declared, grouped], ignore_index=True)
    pairs = pairs[pairs["tenant_id"].astype("str") != pairs["payer_id"].astype("str")]
    return pairs.reset_index(drop=True)


Key = tuple[str, str]


@dataclass(frozen=True)
class _Relation:
    """`target` is judged by `related`'s direct decision under the policy's `action` for this relation."""

    target: Key
    related: Key
    action: IndirectAction
    rule: TenantRule
    text: str  # with {related} and {state} to fill in
    via: dict[str, Any]
    count: int = 1  # how many related accounts of this kind `related` stands for


def _payer_relations(
    tenants: pd.DataFrame, billing: pd.DataFrame, policy: Policy, direct: dict[Key, _Direct]
) -> list[_Relation]:
    relations: list[_Relation] = []
    shared: dict[Key, set[str]] = {}
    for pair in row_dicts(_payer_pairs(tenants, billing)):
        tenant: Key = (str(pair["partner"]), str(pair["tenant_id"]))
        payer: Key = (str(pair["partner"]), str(pair["payer_id"]))
        if tenant not in direct:
            continue
        via = {"relationship": "payer", "payer_account_id": payer[1], "source": pair["source"]}
        if pair["line_count"]:
            via |= {"billing_lines": pair["lines"], "billing_line_count": int(pair["line_count"])}
        if payer in direct:
            relations.append(
                _Relation(
                    tenant,
                    payer,
                    policy.tenants.restricted_payer,
                    TenantRule.RESTRICTED_PAYER,
                    "Paid for by account {related}, which is {state}",
                    via,
                )
            )
            relations.append(
                _Relation(
                    payer,
                    tenant,
                    policy.tenants.reseller_for_restricted,
                    TenantRule.PAYER_FOR_RESTRICTED,
                    "Pays for account {related}, which is {state}",
                    via | {"end_user_account_id": tenant[1]},
                )
            )
        else:
            shared.setdefault(payer, set()).add(tenant[1])
    for (partner, payer_id), members in sorted(shared.items()):
        # Only flagged members pass anything on; each member cites the most severe other one and counts
        # the rest (a billing account shared by thousands must not cost thousands squared).
        flagged = sorted(
            (m for m in members if direct[(partner, m)].decision is not TenantDecision.ALLOW),
            key=lambda m: (-_SEVERITY[direct[(partner, m)].decision], m),
        )
        escaped = payer_id.replace("{", "{{").replace("}", "}}")
        for member in sorted(members):
            others = [m for m in flagged[:2] if m != member]
            if not others:
                continue
            relations.append(
                _Relation(
                    (partner, member),
                    (partner, others[0]),
                    policy.tenants.shared_billing_with_restricted,
                    TenantRule.SHARED_BILLING_WITH_RESTRICTED,
                    f"Shares billing account {escaped} with account {{related}}, which is {{state}}",
                    {"relationship": "shared_billing_account", "payer_account_id": payer_id},
                    count=len(flagged) - (member in flagged),
                )
            )
    return relations


def _reseller_relations(entitlements: pd.DataFrame, policy: Policy, known: set[Key]) -> list[_Relation]:
    live = entitlements[
        entitlements["reseller_tenant_id"].notna()
        & ~entitlements["status"].astype("str").str.upper().isin(ENDED_ENTITLEMENT_STATES)
    ]
    sold = (
        live.sort_values("entitlement_id")
        .groupby(["partner", "reseller_tenant_id", "tenant_id"], sort=True)["entitlement_id"]
        .agg(list)
        .reset_index()
    )
    relations = []
    for row in row_dicts(sold):
        reseller: Key = (str(row["partner"]), str(row["reseller_tenant_id"]))
        customer: Key = (str(row["partner"]), str(row["tenant_id"]))
        if reseller == customer or reseller not in known or customer not in known:
            continue
        ids = [str(v) for v in row["entitlement_id"]]
        via = {"relationship": "reseller", "entitlement_ids": ids[:_EVIDENCE_SAMPLE], "entitlement_count": len(ids)}
        relations.append(
            _Relation(
                reseller,
                customer,
                policy.tenants.reseller_for_restricted,
                TenantRule.RESELLER_FOR_RESTRICTED,
                "Reseller for customer account {related}, which is {state}",
                via,
            )
        )
        relations.append(
            _Relation(
                customer,
                reseller,
                policy.tenants.restricted_reseller,
                TenantRule.RESTRICTED_RESELLER,
                "Buys through reseller account {related}, which is {state}",
                via | {"reseller_tenant_id": reseller[1]},
            )
        )
    return relations


def _indirect_signals(relations: list[_Relation], direct: dict[Key, _Direct]) -> dict[Key, list[Signal]]:
    """One signal per target and rule: from the most severe related account (the count says how many)."""
    best: dict[tuple[Key, TenantRule], tuple[_Relation, int]] = {}
    for relation in relations:
        outcome = _indirect_action(relation.action, direct[relation.related].decision)
        if outcome is None:
            continue
        slot = (relation.target, relation.rule)
        current = best.get(slot)
        rank = (-_SEVERITY[outcome], relation.related)
        if current is None:
            best[slot] = (relation, relation.count)
            continue
        kept, count = current
        kept_rank = (-_SEVERITY[direct[kept.related].decision], kept.related)
        best[slot] = (relation if rank < kept_rank else kept, count + relation.count)
    signals: dict[Key, list[Signal]] = {}
    for (target, rule), (relation, count) in sorted(best.items()):
        related = direct[relation.related]
        state = "restricted" if related.decision is TenantDecision.REVOKE else "under review"
        outcome = _indirect_action(relation.action, related.decision)
        assert outcome is not None  # filtered above
        text = relation.text.format(related=relation.related[1], state=state)
        if count > 1:
            text += f" (and {count - 1} more such account{'s' if count > 2 else ''})"
        evidence = {"rule": rule.value, "via": relation.via, "related": _cited(related), "related_accounts": count}
        signals.setdefault(target, []).append(Signal(outcome, rule, text, evidence))
    return signals


def _decision_row(
    key: Key, tenant: dict[str, Any], own: _Direct, others: list[Signal], *, hits: list[str], policy: Policy
) -> dict[str, Any]:
    signals = sorted(own.signals + others, key=lambda s: (-_SEVERITY[s.decision], _RULE_ORDER[s.rule]))
    decision = signals[0].decision
    explanation = signals[0].explanation
    extra = len({s.rule for s in signals if s.decision is decision}) - 1
    if extra > 0:
        explanation += f" (and {extra} more rule{'s' if extra > 1 else ''})"
    link = own.summary.get("link") or {}
    ownership = own.summary.get("ownership")
    evidence = {
        "link": link or None,
        "ownership": ownership,
        "own_address": {
            "country": _text(tenant.get("country")),
            "tax_country": _text(tenant.get("tax_country")),
            "company_country": _text(tenant.get("company_country")),
            "restricted_bases": hits,
        },
        "signals": [
            {"rule": s.rule.value, "decision": s.decision.value, "explanation": s.explanation}
            | ({"evidence": s.evidence} if s.evidence else {})
            for s in signals
        ],
    }
    return {
        "partner": key[0],
        "tenant_id": key[1],
        "company_name": tenant.get("company_name"),
        "entity_id": link.get("entity_id"),
        "link_method": link.get("method"),
        "link_confidence": link.get("confidence"),
        "ultimate_parent_id": ownership["ultimate_parent_id"] if ownership else None,
        "rho_low": ownership["rho_low"] if ownership else None,
        "rho_high": ownership["rho_high"] if ownership else None,
        "decision": decision.value,
        "rules": jsonio.compact([rule.value for rule in dict.fromkeys(s.rule for s in signals)]),
        "explanation": explanation,
        "evidence": jsonio.compact(evidence, sort_keys=True),
        "exemption_id": None,
        "judgement_id": None,
        "review_since": None,
        "policy_id": policy.id,
        "policy_version": policy.version,
    }


def _entities_cited(links: pd.DataFrame) -> set[str]:
    """Entity ids a decision can look at: linked entities and, for links that cannot revoke, candidates.

    The ownership frame covers every entity of the register (millions); only these are turned into
    records for the per-tenant rules.
    """
    cited = {str(e) for e in links["entity_id"].dropna()}
    uncertain = links["entity_id"].notna() & ~links["may_revoke"].fillna(False).astype(bool)
    for candidates in links.loc[uncertain, "candidates"].tolist():
        for candidate in items(candidates):
            if isinstance(candidate, dict) and candidate.get("entity_id"):
                cited.add(str(candidate["entity_id"]))
    return cited


def decide(  # noqa: PLR0917 - the stage calls it with the datasets in their stage order
    tenants: pd.DataFrame,
    links: pd.DataFrame,
    ownership: pd.DataFrame,
    entitlements: pd.DataFrame,
    billing: pd.DataFrame,
    policy: Policy,
    config: MatchingConfig,
) -> pd.DataFrame:
    """One DECISIONS row per tenant, in the tenants' order (see the module docstring for the rules)."""
    for frame, dataset, what in (
        (tenants, TENANTS, "tenants"),
        (links, LINKS, "links"),
        (ownership, OWNERSHIP, "ownership"),
        (entitlements, ENTITLEMENTS, "entitlements"),
        (billing, BILLING, "billing"),
    ):
        _check(frame, dataset.columns, what)
    tenants = _unique_by(tenants.reset_index(drop=True), ["partner", "tenant_id"], "tenants")
    _unique_by(links, ["partner", "tenant_id"], "links")
    _unique_by(ownership, ["entity_id"], "ownership")
    cited = pa.array(sorted(_entities_cited(links)), type=pa.large_string())
    # Arrow's hash lookup: pandas' isin on Arrow-backed strings walks the values in Python.
    wanted = filled(pc.is_in(strings(ownership["entity_id"]), value_set=cited), False)
    decider = _Decider(ownership[wanted.to_numpy(zero_copy_only=False)], policy, config)
    link_rows: dict[Key, dict[str, Any]] = {(str(r["partner"]), str(r["tenant_id"])): r for r in row_dicts(links)}
    tenant_rows = row_dicts(tenants)
    keys: list[Key] = [(str(r["partner"]), str(r["tenant_id"])) for r in tenant_rows]
    direct = {key: decider.direct(row, link_rows.get(key)) for key, row in zip(keys, tenant_rows, strict=True)}
    known = set(keys)
    relations = _payer_relations(tenants, billing, policy, direct) + _reseller_relations(entitlements, policy, known)
    indirect = _indirect_signals(relations, direct)
    # Each tenant's records are let go of once its row is made, and the rows are kept as columns: at a
    # million tenants the per-tenant dicts, and a frame of Python objects beside the typed one, are gigabytes.
    del link_rows
    columns: dict[str, list[Any]] = {c: [] for c in DECISIONS.columns}
    for key, tenant in zip(keys, _drained(tenant_rows), strict=True):
        own = direct.pop(key)
        hits = [basis.value for basis, _ in own.hits]
        row = _decision_row(key, tenant, own, indirect.pop(key, []), hits=hits, policy=policy)
        for column, values in columns.items():
            values.append(row[column])
    floats = ("link_confidence", "rho_low", "rho_high")
    out = pd.DataFrame(
        {
            c: pd.Series(columns.pop(c), dtype="float64")
            if c in floats
            else text_series(pa.array(columns.pop(c), type=pa.large_string()))
            for c in DECISIONS.columns
        }
    )
    return conform(out, DECISIONS)


def _drained(rows: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The rows in order, each dropped from the list as it is handed out."""
    rows.reverse()
    while rows:
        yield rows.pop()
