"""Which judgements stand on a run's date, and what they do to its links, ownership and decisions.

Invariants:
- On logical date D the judgements considered are those made on runs of D or earlier (`judged_on <= D`);
  per target the latest (by `recorded_at`, then id) is the standing one, unless a withdrawal names it
  (then nothing stands for that target: a withdrawal never revives an older judgement).
- A standing judgement applies only while it has not expired (`D <= expires`) and every part of the
  evidence it was made on is unchanged (`pipeline.review.evidence`). Otherwise it has lapsed: it changes
  nothing the computation decided, and the case comes back: the tenant is at least `review` (a computed
  `revoke` stands: a lapsed judgement never keeps access the facts would end), with the rule
  `judgement_lapsed` and "judged on <date> by <who>, evidence changed: <what>" (or "expired on <date>").
- Link judgements replace the automatic link (method `judgement`; the automatic candidates are kept, they
  are part of the evidence). Entity judgements set the entity's ownership decision before tenants are
  decided, and flow through ownership as the policy would (`judged_roots`: the decide stage resolves the
  ownership again with the judged entities as roots, or as no root with their owners not counted), so a
  Chinese parent judged clear clears what it alone restricted, and a holder judged restricted restricts
  what it holds enough of. Their evidence is the computed ownership, so a judgement is checked against the
  facts it was made on, never against its own effect. Decision judgements are applied last, after
  exemptions: the reviewer's word on that tenant is the latest one. Every row a judgement decided cites
  it: `judgement_id`, the rule `judgement`, the explanation and a `judgements` entry in the evidence; a
  tenant whose entity's result changed because an entity above it was judged cites that judgement too
  (`inherited_judgements`).
- A carried-over revocation (pipeline/policy/carry.py) has no evidence in this run: no judgement applies.
- Ageing: a case in review (or revoked as overdue) keeps the first night of its stay (`review_since`) from
  the previous complete run; a case open for more than `review.max_nights` nights is escalated with the
  rule `review_overdue`, and revoked unless `review.after_max_nights` is `keep`.

Pure: frames and values in, frames out; the date and the previous run's decisions are passed in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd

from pipeline import jsonio
from pipeline.matching.link import LinkMethod
from pipeline.ownership.roots import JudgedRoots
from pipeline.policy.definition import AfterMaxNights, EntityDecision, Policy, TenantDecision
from pipeline.policy.tenants import TenantRule
from pipeline.review.evidence import changed, fingerprint
from pipeline.review.judgements import (
    DecisionJudgement,
    EntityJudgement,
    EvidencePart,
    JudgementKind,
    LinkJudgement,
    Standing,
    Target,
    Withdrawal,
    target,
)

_SEVERITY = {TenantDecision.ALLOW.value: 0, TenantDecision.REVIEW.value: 1, TenantDecision.REVOKE.value: 2}


@dataclass(frozen=True)
class Verdict:
    """A standing judgement on this run's facts: it applies, or it has lapsed and says why."""

    judgement: Standing
    lapsed: str = ""  # "expired on D" or "evidence changed: ..."; empty when it applies

    @property
    def applies(self) -> bool:
        return not self.lapsed

    def note(self) -> str:
        j = self.judgement
        return f"judgement {j.id} (judged on {j.judged_on.isoformat()} by {j.by}), {self.lapsed}"

    def cited(self) -> dict[str, Any]:
        j = self.judgement
        doc: dict[str, Any] = {
            "id": j.id,
            "kind": j.kind.value,
            "by": j.by,
            "judged_on": j.judged_on.isoformat(),
            "reason": j.reason,
            "expires": j.expires.isoformat() if j.expires else None,
            "applies": self.applies,
        }
        return doc | ({"lapsed": self.lapsed} if self.lapsed else {})


def standing(
    judgements: Sequence[LinkJudgement | DecisionJudgement | EntityJudgement | Withdrawal], as_of: dt.date
) -> dict[Target, Standing]:
    """The standing judgement per target on `as_of` (module docstring)."""
    made = [j for j in judgements if j.judged_on <= as_of]
    withdrawn = {j.withdraws for j in made if isinstance(j, Withdrawal)}
    latest: dict[Target, Standing] = {}
    for j in sorted((j for j in made if not isinstance(j, Withdrawal)), key=lambda j: (j.recorded_at, j.id)):
        latest[target(j)] = j
    return {t: j for t, j in latest.items() if j.id not in withdrawn}


def verdict(judgement: Standing, as_of: dt.date, now: Mapping[str, EvidencePart]) -> Verdict:
    if judgement.expires is not None and as_of > judgement.expires:
        return Verdict(judgement, f"expired on {judgement.expires.isoformat()}")
    differences = changed(judgement.evidence, now)
    return Verdict(judgement, "evidence changed: " + "; ".join(differences) if differences else "")


def _records(frame: pd.DataFrame, key: list[str]) -> dict[tuple[str, ...], dict[str, Any]]:
    return {tuple(str(r[k]) for k in key): {str(c): v for c, v in r.items()} for r in frame.to_dict(orient="records")}


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def link_verdicts(
    stand: Mapping[Target, Standing], tenants: pd.DataFrame, links: pd.DataFrame, as_of: dt.date
) -> dict[tuple[str, str], Verdict]:
    """Per (partner, tenant) of this run with a standing link judgement: its verdict on the automatic
    candidates (which a judged link keeps, so the verdict is the same before and after applying it)."""
    wanted = {(t[1], t[2]): j for t, j in stand.items() if t[0] == JudgementKind.LINK.value}
    if not wanted:
        return {}
    tenant_rows = _records(tenants[_keys_in(tenants, wanted)], ["partner", "tenant_id"])
    link_rows = _records(links[_keys_in(links, wanted)], ["partner", "tenant_id"])
    out = {}
    for key, j in wanted.items():
        if key in tenant_rows and key in link_rows:
            now = fingerprint(JudgementKind.LINK, tenant=tenant_rows[key], link=link_rows[key])
            out[key] = verdict(j, as_of, now)
    return out


def _keys_in(frame: pd.DataFrame, keys: Collection[tuple[str, str]]) -> list[bool]:
    pairs = zip(frame["partner"].astype("str").tolist(), frame["tenant_id"].astype("str").tolist(), strict=True)
    return [pair in keys for pair in pairs]


def apply_links(links: pd.DataFrame, verdicts: Mapping[tuple[str, str], Verdict]) -> pd.DataFrame:
    """The links with every applying link judgement in place of the automatic link."""
    applying = {k: v.judgement for k, v in verdicts.items() if v.applies}
    if not applying:
        return links
    out = links.copy()
    rows = [i for i, hit in zip(out.index, _keys_in(out, applying), strict=True) if hit]
    for i in rows:
        j = applying[(str(out.at[i, "partner"]), str(out.at[i, "tenant_id"]))]
        assert isinstance(j, LinkJudgement)
        out.at[i, "entity_id"] = j.entity_id
        out.at[i, "method"] = LinkMethod.JUDGEMENT.value
        out.at[i, "confidence"] = 1.0 if j.entity_id else 0.0
        out.at[i, "may_revoke"] = j.entity_id is not None
    return out


def entity_verdicts(
    stand: Mapping[Target, Standing], ownership: pd.DataFrame, policy: Policy, as_of: dt.date
) -> dict[str, Verdict]:
    wanted = {t[1]: j for t, j in stand.items() if t[0] == JudgementKind.ENTITY.value}
    if not wanted:
        return {}
    rows = _records(ownership[ownership["entity_id"].astype("str").isin(list(wanted))], ["entity_id"])
    out = {}
    for entity_id, j in wanted.items():
        now = fingerprint(
            JudgementKind.ENTITY,
            entity_id=entity_id,
            ownership=rows.get((entity_id,)),
            policy=(policy.id, policy.version),
        )
        out[entity_id] = verdict(j, as_of, now)
    return out


def judged_roots(verdicts: Mapping[str, Verdict]) -> JudgedRoots:
    """The applying entity judgements as the ownership resolution takes them (pipeline/ownership/roots.py)."""
    restricted, cleared = {}, set()
    for entity_id, v in sorted(verdicts.items()):
        j = v.judgement
        if not v.applies or not isinstance(j, EntityJudgement):
            continue
        if j.verdict.value == EntityDecision.RESTRICTED.value:
            restricted[entity_id] = j.id
        else:
            cleared.add(entity_id)
    return JudgedRoots(restricted, frozenset(cleared))


def _held_below(interests: pd.DataFrame, top: str, limit: int) -> set[str]:
    """The records `top` holds an interest in, directly or through others (at most `limit` of them)."""
    parties, subjects = interests["interested_party_id"].astype("str"), interests["subject_id"].astype("str")
    seen: set[str] = set()
    frontier = {top}
    while frontier and len(seen) < limit:
        found = set(subjects[parties.isin(sorted(frontier))].tolist()) - seen - {top}
        seen |= found
        frontier = found
    return seen


def inherited_judgements(
    computed: pd.DataFrame, judged: pd.DataFrame, interests: pd.DataFrame, verdicts: Mapping[str, Verdict]
) -> dict[str, list[Verdict]]:
    """Per entity whose decision or restricted share differs between the `computed` ownership and the one
    resolved with the entity judgements (`judged`), the applying judgements of the entities above it:
    what its tenants cite. The judged entities themselves are cited as today (`apply_decisions`)."""
    applying = {e: v for e, v in verdicts.items() if v.applies}
    if not applying:
        return {}
    columns = ["entity_id", "decision", "rho_low", "rho_high"]
    before = computed[columns].astype("str").set_index("entity_id")
    after = judged[columns].astype("str").set_index("entity_id").reindex(before.index)
    differs = (before != after).any(axis=1)
    changed = set(before.index[differs.to_numpy()].tolist()) - set(applying)
    if not changed:
        return {}
    out: dict[str, list[Verdict]] = {}
    for entity_id, v in sorted(applying.items()):
        for below in sorted(_held_below(interests, entity_id, len(before)) & changed):
            out.setdefault(below, []).append(v)
    return out


def apply_entities(
    ownership: pd.DataFrame, verdicts: Mapping[str, Verdict], computed: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The ownership with every applying entity judgement's verdict as the entity's decision; each judged
    entity's explanation cites the judgement and what was computed (from `computed`, the ownership
    before any judgement, when `ownership` is the one resolved with them)."""
    applying = {e: v for e, v in verdicts.items() if v.applies}
    if not applying:
        return ownership
    out = ownership.copy()
    ids = out["entity_id"].astype("str")
    before = computed if computed is not None else ownership
    judged = before[before["entity_id"].astype("str").isin(sorted(applying))]
    was = dict(zip(judged["entity_id"].astype("str"), judged["decision"].astype("str"), strict=True))
    for entity_id, v in applying.items():
        j = v.judgement
        assert isinstance(j, EntityJudgement)
        at = ids == entity_id
        out.loc[at, "decision"] = EntityDecision(j.verdict.value).value
        out.loc[at, "explanation"] = (
            f"judged {j.verdict.value} by {j.by} on {j.judged_on.isoformat()} (judgement {j.id}): {j.reason}; "
            f"computed: {was.get(entity_id, '')}"
        )
    return out


def _rules(value: object) -> list[str]:
    parsed = jsonio.loads(value) if isinstance(value, str) and value.strip() else []
    return [str(r) for r in parsed] if isinstance(parsed, list) else []


def _evidence(value: object) -> dict[str, Any]:
    try:
        parsed = jsonio.loads(value) if isinstance(value, str) and value.strip() else {}
    except jsonio.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def apply_decisions(  # noqa: PLR0917 - the decide stage hands over the frames it holds
    decisions: pd.DataFrame,
    tenants: pd.DataFrame,
    links: pd.DataFrame,
    ownership: pd.DataFrame,
    stand: Mapping[Target, Standing],
    link_verdicts_: Mapping[tuple[str, str], Verdict],
    entity_verdicts_: Mapping[str, Verdict],
    policy: Policy,
    as_of: dt.date,
    inherited: Mapping[str, Sequence[Verdict]] | None = None,
) -> pd.DataFrame:
    """The decisions with every standing judgement cited, decision judgements applied, lapsed ones back
    in review (module docstring). `links` are the run's links (judged links in place); `ownership` is the
    computed ownership (before entity judgements), the evidence they were made on; `inherited`, per entity,
    the entity judgements above it that changed its result (`inherited_judgements`)."""
    inherited = inherited or {}
    decision_judgements = {(t[1], t[2]): j for t, j in stand.items() if t[0] == JudgementKind.DECISION.value}
    out = decisions.copy()
    keys = list(zip(out["partner"].astype("str").tolist(), out["tenant_id"].astype("str").tolist(), strict=True))
    entity_of = [_text(e) for e in out["entity_id"].tolist()]
    touched = [
        i
        for i, (key, entity) in enumerate(zip(keys, entity_of, strict=True))
        if key in decision_judgements or key in link_verdicts_ or entity in entity_verdicts_ or entity in inherited
    ]
    if not touched:
        return out
    wanted = {keys[i] for i in touched}
    tenant_rows = _records(tenants[_keys_in(tenants, wanted)], ["partner", "tenant_id"])
    link_rows = _records(links[_keys_in(links, wanted)], ["partner", "tenant_id"])
    linked = {_text(r.get("entity_id")) for r in link_rows.values()} - {""}
    ownership_rows = _records(ownership[ownership["entity_id"].astype("str").isin(sorted(linked))], ["entity_id"])
    for i in touched:
        row = {str(c): v for c, v in out.iloc[i].items()}
        rules = _rules(row["rules"])
        if str(TenantRule.CARRIED_OVER) in rules:
            continue
        key = keys[i]
        found = [v for v in (link_verdicts_.get(key), entity_verdicts_.get(entity_of[i])) if v is not None]
        found += inherited.get(entity_of[i], ())
        j = decision_judgements.get(key)
        if j is not None and key in tenant_rows:
            link = link_rows.get(key)
            linked_entity = _text((link or {}).get("entity_id"))
            now = fingerprint(
                JudgementKind.DECISION,
                tenant=tenant_rows[key],
                link=link,
                entity_id=linked_entity,
                ownership=ownership_rows.get((linked_entity,)),
                policy=(policy.id, policy.version),
            )
            found.append(verdict(j, as_of, now))
        if found:
            _judge_row(out, out.index[i], row, rules, found)
    return out


def _judge_row(out: pd.DataFrame, index: Any, row: dict[str, Any], rules: list[str], found: list[Verdict]) -> None:
    decision, explanation = str(row["decision"]), _text(row["explanation"])
    evidence = _evidence(row["evidence"])
    evidence["judgements"] = [v.cited() for v in found]
    applied = [v for v in found if v.applies]
    lapsed = [v for v in found if not v.applies]
    deciding = next((v for v in applied if isinstance(v.judgement, DecisionJudgement)), None)
    if deciding is not None:
        j = deciding.judgement
        assert isinstance(j, DecisionJudgement)
        evidence["computed"] = {"decision": decision, "rules": rules, "explanation": explanation}
        same = j.decision.value == decision
        new_rules = [*rules, str(TenantRule.JUDGEMENT)] if same else [str(TenantRule.JUDGEMENT)]
        explanation = (
            f"Judged {j.decision.value} by {j.by} on {j.judged_on.isoformat()} (judgement {j.id}): {j.reason}. "
            f"Computed: {decision}: {explanation}"
        )
        decision, judgement_id = j.decision.value, j.id
    elif applied:
        new_rules = [*rules, str(TenantRule.JUDGEMENT)]
        j0 = applied[0].judgement
        judgement_id = j0.id
        explanation = f"{explanation} [{j0.kind.value} judgement {j0.id} by {j0.by} on {j0.judged_on.isoformat()}]"
    else:
        new_rules, judgement_id = list(rules), ""
    if lapsed and deciding is None:
        new_rules.append(str(TenantRule.JUDGEMENT_LAPSED))
        if _SEVERITY[decision] < _SEVERITY[TenantDecision.REVIEW.value]:
            decision = TenantDecision.REVIEW.value
        notes = "; ".join(v.note() for v in lapsed)
        explanation = f"Back in review: {notes}. Computed: {explanation}"
    out.at[index, "decision"] = decision
    out.at[index, "rules"] = jsonio.compact(list(dict.fromkeys(new_rules)))
    out.at[index, "explanation"] = explanation
    out.at[index, "evidence"] = jsonio.compact(evidence, sort_keys=True)
    out.at[index, "judgement_id"] = judgement_id or None


def age_reviews(decisions: pd.DataFrame, previous: pd.DataFrame | None, policy: Policy, as_of: dt.date) -> pd.DataFrame:
    """`review_since` for every case in review (kept from the previous run's stay), and the cases open
    longer than `review.max_nights` escalated (module docstring). `previous` holds the previous complete
    run's partner, tenant_id, decision and review_since (None: no earlier run)."""
    out = decisions.copy()
    since_before: dict[tuple[str, str], str] = {}
    if previous is not None and "review_since" in previous.columns:
        for p, t, s in zip(previous["partner"], previous["tenant_id"], previous["review_since"], strict=True):
            if _text(s):
                since_before[(str(p), str(t))] = _text(s)
    review = out["decision"].astype("str") == TenantDecision.REVIEW.value
    limit = policy.review.max_nights
    for i in out.index[review]:
        key = (str(out.at[i, "partner"]), str(out.at[i, "tenant_id"]))
        since = since_before.get(key, as_of.isoformat())
        out.at[i, "review_since"] = since
        nights = (as_of - dt.date.fromisoformat(since)).days + 1
        if nights <= limit:
            continue
        rules = [*_rules(out.at[i, "rules"]), str(TenantRule.REVIEW_OVERDUE)]
        why = f"In review for {nights} nights since {since}, more than the policy's {limit}"
        if policy.review.after_max_nights is AfterMaxNights.REVOKE:
            out.at[i, "decision"] = TenantDecision.REVOKE.value
            # The overdue rule is the reason the partner acts on; the open question stays in the evidence.
            rules = [str(TenantRule.REVIEW_OVERDUE)]
            why += ": revoked until a reviewer decides"
        else:
            why += ": escalated, kept in review"
        evidence = _evidence(out.at[i, "evidence"])
        evidence["review"] = {
            "since": since,
            "nights": nights,
            "max_nights": limit,
            "open_rules": _rules(out.at[i, "rules"]),
        }
        out.at[i, "rules"] = jsonio.compact(list(dict.fromkeys(rules)))
        out.at[i, "explanation"] = f"{why}. {_text(out.at[i, 'explanation'])}"
        out.at[i, "evidence"] = jsonio.compact(evidence, sort_keys=True)
    return out


def nights_open(review_since: object, as_of: dt.date) -> int | None:
    """How many nights a case has been open on `as_of`, counting its first night as 1."""
    since = _text(review_since)
    return (as_of - dt.date.fromisoformat(since)).days + 1 if since else None


def priority(
    revenue: Mapping[str, Mapping[str, Decimal]], nights: int | None, key: tuple[str, str]
) -> tuple[Decimal, int, tuple[str, str]]:
    """Sort key of an open case: most revenue at risk first (its largest amount in any basis and
    currency: amounts in different currencies are never added), then the longest open, then the key."""
    largest = max((a for per in revenue.values() for a in per.values()), default=Decimal(0))
    return (-largest, -(nights or 0), key)
