"""The evidence chain behind a decision: tenant -> link -> entity -> ownership chain -> rule and policy.

Invariant: built only from the run's own outputs (decisions, links, ownership, and the declared
interests when given), never recomputed: what the report and `explain` show is what the run decided
on. Values are shown as the producers wrote them; a missing value shows as missing, never as a guess.
The same `Case` feeds the HTML report and the plain-text `explain`, so they cannot disagree. Shares stay
numbers here; nested values (chain, rules, evidence, candidates) are read as they are stored, never
parsed from text; the decision's own evidence (JSON text) is read through `pipeline.jsonio`. What a
person reads of them (percent text, stakes) is written by `pipeline.formatting`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipeline import formatting, jsonio
from pipeline.nested import items


def text(value: Any) -> str:
    """A cell as display text: missing (None/NaN/NA) is ""; everything else is str()."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if value is pd.NA or value is pd.NaT:
        return ""
    return str(value).strip()


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The frame's rows as dicts keyed by column name."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def fraction(value: Any) -> float | None:
    """A share or rho as a float in [0, 1], or None when missing or unreadable."""
    raw = text(value)
    if not raw:
        return None
    try:
        x = float(raw)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def flag(value: Any) -> bool:
    return text(value).lower() in {"true", "1", "yes"}


def document(value: Any) -> Any:
    """A JSON text cell (a decision's evidence) read, stakes in it written for people; text that is not
    JSON is returned as is (shown, not dropped)."""
    raw = text(value)
    if not raw:
        return None
    try:
        return formatting.readable(jsonio.loads(raw))
    except jsonio.JSONDecodeError:
        return raw


def share_text(row: dict[str, Any]) -> str:
    """A BODS share as the register states it: exact, or a band with open/closed bounds."""
    return formatting.declared_share(
        fraction(row.get("share_exact")),
        fraction(row.get("share_min")),
        flag(row.get("exclusive_min")),
        fraction(row.get("share_max")),
        flag(row.get("exclusive_max")),
    )


@dataclass(frozen=True)
class Stake:
    """One declared interest by which the next entity up the chain holds this one."""

    interest_type: str
    share: str
    direct_or_indirect: str
    start_date: str
    end_date: str
    in_force: bool  # on the run's logical date, by its start and end dates
    source: str = ""  # the source's format (bods, gleif_rr, ftm, ...); empty in runs before sources were named
    statement_id: str = ""  # the source's own record id (BODS statement, GLEIF relationship key, FtM id)
    source_uri: str = ""  # the file it was read from


@dataclass(frozen=True)
class Hop:
    entity_id: str
    name: str
    record_type: str
    decision: str
    rho_low: float | None
    rho_high: float | None
    root_basis: str  # why it is a restricted root; "" when it is not one
    known: bool  # present in the ownership output
    held_by: tuple[Stake, ...]  # interests the next hop holds in this one (empty for the last hop)


@dataclass(frozen=True)
class Holder:
    """A declared direct holder of an entity, whatever its size: review cases turn on minority stakes."""

    party_id: str
    name: str
    decision: str
    root_basis: str
    stakes: tuple[Stake, ...]


@dataclass(frozen=True)
class Link:
    method: str
    confidence: str
    may_revoke: bool
    candidates: list[Any]  # pipeline.datasets.Candidate values, best first


@dataclass(frozen=True)
class EntityCase:
    entity_id: str
    name: str
    decision: str
    rho_low: float | None
    rho_high: float | None
    ultimate_parent_id: str
    cycle: bool
    rules: tuple[str, ...]
    explanation: str
    evidence: dict[str, Any]  # what the record's evidence has, for people (`formatting.evidence`)
    policy_id: str
    policy_version: str
    chain: tuple[Hop, ...]
    holders: tuple[Holder, ...]  # empty when the declared interests were not given


@dataclass(frozen=True)
class Case:
    partner: str
    tenant_id: str
    company_name: str
    decision: str
    explanation: str
    rules: tuple[str, ...]
    exemption_id: str
    judgement_id: str  # the judgement that decided (pipeline.review), empty when none
    judgements: tuple[dict[str, Any], ...]  # every judgement about the case, applied or lapsed, as cited
    review_since: str  # the first night of the case's stay in review, empty when not in review
    policy_id: str
    policy_version: str
    link: Link | None
    entity_id: str
    rho_low: float | None
    rho_high: float | None
    ultimate_parent_id: str
    evidence: Any  # the decision's evidence document, for people (`document`)
    entity: EntityCase | None


def _rules(value: Any) -> tuple[str, ...]:
    """Rule ids: a nested list (ownership), or a JSON list in text (decisions)."""
    parsed = document(value) if isinstance(value, str) else items(value)
    if isinstance(parsed, list):
        return tuple(text(r) for r in parsed)
    return (text(parsed),) if parsed else ()


def _judgements(evidence: Any) -> tuple[dict[str, Any], ...]:
    """The judgements a decision's evidence cites (`pipeline.review.apply`), as recorded."""
    try:
        doc = jsonio.loads(text(evidence)) if text(evidence) else {}
    except jsonio.JSONDecodeError:
        return ()
    found = doc.get("judgements") if isinstance(doc, dict) else None
    return tuple(j for j in found if isinstance(j, dict)) if isinstance(found, list) else ()


def _in_force(start: str, end: str, as_of: dt.date | None) -> bool:
    if as_of is None:
        return True
    day = as_of.isoformat()
    return (not start or start[:10] <= day) and (not end or end[:10] >= day)


class CaseBuilder:
    """Builds cases for a batch of decisions, touching only the rows of the entities they involve."""

    def __init__(
        self,
        ownership: pd.DataFrame,
        links: pd.DataFrame,
        interests: pd.DataFrame | None,
        as_of: dt.date | None,
    ) -> None:
        """`as_of` marks declared stakes not in force on that date; None marks none."""
        self._ownership = ownership
        self._links = links
        self._interests = interests
        self._as_of = as_of

    def _entity_rows(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        wanted = set(ids)
        rows = self._ownership[self._ownership["entity_id"].isin(wanted)]
        return {text(r["entity_id"]): r for r in records(rows)}

    def _stakes(self, chain_ids: set[str]) -> dict[tuple[str, str], list[Stake]]:
        if self._interests is None or not chain_ids:
            return {}
        rows = self._interests[self._interests["subject_id"].isin(chain_ids)]
        out: dict[tuple[str, str], list[Stake]] = {}
        for r in records(rows.sort_values(["subject_id", "interested_party_id", "interest_type"])):
            start, end = text(r.get("start_date")), text(r.get("end_date"))
            stake = Stake(
                interest_type=text(r.get("interest_type")),
                share=share_text(r),
                direct_or_indirect=text(r.get("direct_or_indirect")),
                start_date=start,
                end_date=end,
                in_force=_in_force(start, end, self._as_of),
                source=text(r.get("source")),
                statement_id=text(r.get("statement_id")),
                source_uri=text(r.get("source_uri")),
            )
            out.setdefault((text(r["subject_id"]), text(r.get("interested_party_id"))), []).append(stake)
        return out

    def entities(self, entity_ids: Iterable[str]) -> dict[str, EntityCase]:
        """The entity cases (with their chains up to the ultimate parent) of these entity ids."""
        ids = {i for i in entity_ids if i}
        heads = self._entity_rows(ids)
        chains: dict[str, list[str]] = {}
        for eid in ids:
            chain = [text(x) for x in items(heads[eid].get("chain"))] if eid in heads else []
            chains[eid] = chain or [eid]
        every = {x for chain in chains.values() for x in chain}
        stakes = self._stakes(every)
        parties = {party for (subject, party) in stakes if subject in ids and party}
        rows = {**heads, **self._entity_rows((every | parties) - set(heads))}
        out = {}
        for eid, chain in chains.items():
            hops = []
            for i, hid in enumerate(chain):
                r = rows.get(hid, {})
                holder = chain[i + 1] if i + 1 < len(chain) else None
                hops.append(
                    Hop(
                        entity_id=hid,
                        name=text(r.get("name")),
                        record_type=text(r.get("record_type")),
                        decision=text(r.get("decision")),
                        rho_low=fraction(r.get("rho_low")),
                        rho_high=fraction(r.get("rho_high")),
                        root_basis=text(r.get("root_basis")) if flag(r.get("is_root")) else "",
                        known=hid in rows,
                        held_by=tuple(stakes.get((hid, holder), [])) if holder else (),
                    )
                )
            head = rows.get(eid, {})
            holders = tuple(
                Holder(
                    party_id=party or "(unspecified party)",
                    name=text(rows.get(party, {}).get("name")),
                    decision=text(rows.get(party, {}).get("decision")),
                    root_basis=text(rows.get(party, {}).get("root_basis"))
                    if flag(rows.get(party, {}).get("is_root"))
                    else "",
                    stakes=tuple(found),
                )
                for (subject, party), found in sorted(stakes.items())
                if subject == eid
            )
            out[eid] = EntityCase(
                entity_id=eid,
                name=text(head.get("name")),
                decision=text(head.get("decision")),
                rho_low=fraction(head.get("rho_low")),
                rho_high=fraction(head.get("rho_high")),
                ultimate_parent_id=text(head.get("ultimate_parent_id")),
                cycle=flag(head.get("cycle")),
                rules=_rules(head.get("rules")),
                explanation=text(head.get("explanation")),
                evidence=formatting.evidence(head["evidence"]) if head.get("evidence") else {},
                policy_id=text(head.get("policy_id")),
                policy_version=text(head.get("policy_version")),
                chain=tuple(hops),
                holders=holders,
            )
        return out

    def cases(self, decisions: pd.DataFrame) -> list[Case]:
        """One case per decision row, in the rows' order."""
        rows = records(decisions)
        keys = {(text(r["partner"]), text(r["tenant_id"])) for r in rows}
        link_rows = self._links[self._links["tenant_id"].isin({k[1] for k in keys})]
        links = {
            (text(r["partner"]), text(r["tenant_id"])): r
            for r in records(link_rows)
            if (text(r["partner"]), text(r["tenant_id"])) in keys
        }
        entities = self.entities(text(r["entity_id"]) for r in rows)
        out = []
        for r in rows:
            key = (text(r["partner"]), text(r["tenant_id"]))
            lr = links.get(key)
            link = (
                Link(
                    method=text(lr.get("method")),
                    confidence=text(lr.get("confidence")),
                    may_revoke=flag(lr.get("may_revoke")),
                    candidates=formatting.readable(items(lr.get("candidates"))),
                )
                if lr is not None
                else None
            )
            eid = text(r["entity_id"])
            out.append(
                Case(
                    partner=key[0],
                    tenant_id=key[1],
                    company_name=text(r["company_name"]),
                    decision=text(r["decision"]),
                    explanation=text(r["explanation"]),
                    rules=_rules(r["rules"]),
                    exemption_id=text(r["exemption_id"]),
                    judgement_id=text(r.get("judgement_id")),
                    judgements=_judgements(r["evidence"]),
                    review_since=text(r.get("review_since")),
                    policy_id=text(r["policy_id"]),
                    policy_version=text(r["policy_version"]),
                    link=link,
                    entity_id=eid,
                    rho_low=fraction(r["rho_low"]),
                    rho_high=fraction(r["rho_high"]),
                    ultimate_parent_id=text(r["ultimate_parent_id"]),
                    evidence=document(r["evidence"]),
                    entity=entities.get(eid) if eid else None,
                )
            )
        return out
