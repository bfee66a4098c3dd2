"""Small ENTITIES / INTERESTS frames written as Python literals, for tests of the ownership engine."""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
import pandas as pd

from pipeline.datasets import ENTITIES, INTERESTS, QUARANTINE


def entities(*rows: dict[str, Any]) -> pd.DataFrame:
    """Each row: id, and optionally kind (entity|person), name, jurisdiction, registered, business,
    entity_type, residences / nationalities / tax_residencies (lists of codes)."""
    records = []
    for r in rows:
        kind = r.get("kind", "entity")
        records.append(
            {
                "entity_id": r["id"],
                "statement_id": f"st-{r['id']}",
                "record_type": kind,
                "entity_type": r.get("entity_type", "registeredEntity" if kind == "entity" else "knownPerson"),
                "name": r.get("name", f"Name of {r['id']}"),
                "alternate_names": orjson.dumps(r.get("alternate_names", [])).decode(),
                "jurisdiction": r.get("jurisdiction"),
                "registered_country": r.get("registered"),
                "business_country": r.get("business"),
                "nationalities": orjson.dumps(r.get("nationalities", [])).decode(),
                "residences": orjson.dumps(r.get("residences", [])).decode(),
                "tax_residencies": orjson.dumps(r.get("tax_residencies", [])).decode(),
                "datasets": orjson.dumps(r.get("datasets", [])).decode(),
                "source": r.get("source", "bods"),
                "source_uri": "test://entities",
            }
        )
    frame = pd.DataFrame.from_records(records, columns=list(ENTITIES.columns))
    return frame.astype("str")


def stake(owner: str, owned: str, exact: float | None = None, **kw: Any) -> dict[str, Any]:
    return {"owner": owner, "owned": owned, "exact": exact, **kw}


def interests(*rows: dict[str, Any]) -> pd.DataFrame:
    """Each row: owner, owned, and optionally type, exact / min / max (percent), xmin / xmax (exclusive),
    start, end, doi (direct|indirect|unknown), rel (relationship id)."""
    records = []
    for k, r in enumerate(rows):

        def pct(key: str, r: dict[str, Any] = r) -> float:
            value = r.get(key)
            return np.nan if value is None else float(value) / 100.0

        records.append(
            {
                "relationship_id": r.get("rel", f"rel-{k:04d}"),
                "statement_id": f"st-rel-{k:04d}",
                "interest_index": int(r.get("index", 0)),
                "subject_id": r["owned"],
                "interested_party_id": r["owner"],
                "interest_type": r.get("type", "shareholding"),
                "direct_or_indirect": r.get("doi", "direct"),
                "share_exact": pct("exact"),
                "share_min": pct("min"),
                "share_max": pct("max"),
                "exclusive_min": bool(r.get("xmin", False)),
                "exclusive_max": bool(r.get("xmax", False)),
                "start_date": r.get("start"),
                "end_date": r.get("end"),
                "source": r.get("source", "bods"),
                "source_uri": "test://interests",
            }
        )
    frame = pd.DataFrame.from_records(records, columns=list(INTERESTS.columns))
    for col in ("relationship_id", "statement_id", "subject_id", "interested_party_id", "interest_type",
                "direct_or_indirect", "start_date", "end_date", "source", "source_uri"):  # fmt: skip
        frame[col] = frame[col].astype("str")
    return frame


def quarantined(*subjects: str, rule: str = "bods_0.4_schema", date: str = "2024-01-01") -> pd.DataFrame:
    """QUARANTINE rows as the BODS reader writes them: one invalid relationship statement per subject."""
    rows = []
    for k, subject in enumerate(subjects):
        statement = {
            "statementId": f"bad-{k:04d}-{'0' * 24}",
            "statementDate": date,
            "recordId": f"bad-rel-{k:04d}",
            "recordType": "relationship",
            "recordDetails": {"isComponent": False, "subject": subject, "interestedParty": "someone",
                              "interests": [{"type": "shareholding", "share": {"exact": 150}}]},
        }  # fmt: skip
        rows.append(
            {
                "dataset": "ownership",
                "rule": rule,
                "severity": "error",
                "message": f"test://bods statement {statement['statementId']} (#{k + 1}): share too big",
                "source_uri": "test://bods",
                "source_line": str(k + 1),
                "record": orjson.dumps(statement).decode(),
            }
        )
    return pd.DataFrame(rows, columns=list(QUARANTINE.columns)).astype("str")
