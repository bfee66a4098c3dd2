"""Statements the run could not read, and the records whose decision they could have changed.

Invariants:
- Data we could not read never lowers a decision. Every quarantined ownership statement (text that is
  not JSON, a statement invalid against the BODS 0.4 schema or the 0.3 structure, a row the entities or
  interests contract quarantined) is attributed to the record whose decision it could have changed:
  a relationship statement to its subject (it says what is held in whom; the holder's own decision does
  not depend on what it holds), an entity or person statement to its own record. `resolve` holds each
  such record in review at least and treats it as possibly restricted, so that everything it owns is
  judged with that possibility too.
- Attribution uses what can be read: the parsed statement; for text that is not JSON, the `recordType`,
  `recordId` and `subject` fields found in it; for a relationship whose subject cannot be read, the
  subject of the live version of the same relationship record, when there is one.
- A statement dated after the as-of date is left out: it would not count even if it were valid.
- A statement that cannot be attributed to any record keeps an empty `about_id`; the caller must treat
  the run as untrustworthy (no decision can be guaranteed against what it might have said).
- Quarantined identifier rows are not considered: identifiers feed tenant matching, not ownership.
- `UnreadRecords` ties the statements to the graph's records: which are held as possibly restricted,
  the notes their evidence lists, and a finding per statement (an error for one no record can be tied to).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from pipeline import jsonio
from pipeline.arrays import BoolArray, arrow_strings
from pipeline.datasets import ENTITIES, INTERESTS
from pipeline.ownership.findings import Check, Finding, Severity
from pipeline.ownership.graph import Graph

# The dataset names quarantine rows carry for ownership data: the BODS reader's, and the contracts'.
READER_DATASET = "ownership"
ENTITY_DATASET = ENTITIES.name
INTEREST_DATASET = INTERESTS.name

UNREAD_COLUMNS = (
    "statement_id",
    "record_id",
    "record_type",  # entity | person | relationship, or empty when it cannot be read
    "about_id",  # the record whose decision the statement could change; empty when unknown
    "rule",
    "reason",
    "source_uri",
    "source_line",
)

_V03_TYPES = {
    "entityStatement": "entity",
    "personStatement": "person",
    "ownershipOrControlStatement": "relationship",
}
_STRING = r'"((?:[^"\\]|\\.)*)"'
_TEXT_FIELDS = {
    key: re.compile(rf'"{key}"\s*:\s*{_STRING}')
    for key in ("statementId", "statementID", "recordId", "recordType", "statementType", "statementDate", "subject")
}
# 0.3 relationships name their subject inside an object.
_TEXT_SUBJECT_03 = re.compile(rf'"subject"\s*:\s*\{{\s*"describedByEntityStatement"\s*:\s*{_STRING}')


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _unescape(raw: str) -> str:
    try:
        value = jsonio.loads(f'"{raw}"')
    except jsonio.JSONDecodeError:
        return raw
    return value if isinstance(value, str) else raw


def _from_statement(obj: dict[str, Any]) -> tuple[str | None, str | None, str | None, str | None, str | None]:
    """(statement id, record id, record type, subject, statement date) of a parsed 0.4 or 0.3 statement."""
    if "statementID" in obj or "statementType" in obj:
        sid = _text(obj.get("statementID"))
        rtype = _V03_TYPES.get(str(obj.get("statementType")))
        replaced = obj.get("replacesStatements")
        first = replaced[0] if isinstance(replaced, list) and replaced else None
        rid = _text(first) or sid  # a 0.3 record is known by the first statement of its chain
        subject_ref = obj.get("subject")
        subject = _text(subject_ref.get("describedByEntityStatement")) if isinstance(subject_ref, dict) else None
        return sid, rid, rtype, subject, _text(obj.get("statementDate"))
    details = obj.get("recordDetails")
    subject = _text(details.get("subject")) if isinstance(details, dict) else None
    rtype = _text(obj.get("recordType"))
    return (
        _text(obj.get("statementId")),
        _text(obj.get("recordId")),
        rtype if rtype in ("entity", "person", "relationship") else None,
        subject,
        _text(obj.get("statementDate")),
    )


def _from_text(text: str) -> tuple[str | None, str | None, str | None, str | None, str | None]:
    """The same fields, found in text that does not parse (a broken line still names what it is about)."""
    found: dict[str, str] = {}
    for key, pattern in _TEXT_FIELDS.items():
        match = pattern.search(text)
        if match:
            found[key] = _unescape(match.group(1))
    v03 = _TEXT_SUBJECT_03.search(text)
    rtype = found.get("recordType") or _V03_TYPES.get(found.get("statementType", ""))
    subject = found.get("subject") or (_unescape(v03.group(1)) if v03 else None)
    if rtype is None and subject is not None:
        rtype = "relationship"  # only relationship statements have a subject
    sid = found.get("statementId") or found.get("statementID")
    rid = found.get("recordId") or (sid if "statementID" in found else None)
    return (
        sid,
        rid,
        rtype if rtype in ("entity", "person", "relationship") else None,
        subject,
        found.get("statementDate"),
    )


def _read_record(dataset: str, record: str) -> tuple[str | None, str | None, str | None, str | None, str | None]:
    try:
        obj = jsonio.loads(record)
    except jsonio.JSONDecodeError:
        return _from_text(record)
    if not isinstance(obj, dict):
        return None, None, None, None, None
    if dataset == ENTITY_DATASET:
        return _text(obj.get("statement_id")), _text(obj.get("entity_id")), _text(obj.get("record_type")), None, None
    if dataset == INTEREST_DATASET:
        return (
            _text(obj.get("statement_id")),
            _text(obj.get("relationship_id")),
            "relationship",
            _text(obj.get("subject_id")),
            None,
        )
    return _from_statement(obj)


def unread_statements(quarantine: pd.DataFrame, interests: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """One row (UNREAD_COLUMNS) per quarantined ownership statement that could matter on `as_of`."""
    columns = list(UNREAD_COLUMNS)
    if quarantine is None or not len(quarantine):
        return pd.DataFrame({c: pd.Series([], dtype="str") for c in columns})
    wanted = quarantine[quarantine["dataset"].isin([READER_DATASET, ENTITY_DATASET, INTEREST_DATASET])]
    day = as_of.isoformat()
    rows: list[tuple[str | None, ...]] = []
    for dataset, rule, message, uri, line, record in zip(
        wanted["dataset"].tolist(),
        wanted["rule"].tolist(),
        wanted["message"].tolist(),
        wanted["source_uri"].tolist(),
        wanted["source_line"].tolist(),
        wanted["record"].tolist(),
        strict=True,
    ):
        text = record if isinstance(record, str) else ""
        sid, rid, rtype, subject, date = _read_record(str(dataset), text)
        if date is not None and date[:10] > day:
            continue
        about = subject if rtype == "relationship" else rid if rtype in ("entity", "person") else None
        position = None if line is None or pd.isna(line) else str(line)
        rows.append((sid, rid, rtype, about, str(rule), str(message), _text(uri), position))
    frame = pd.DataFrame(rows, columns=columns, dtype="str")
    # A relationship whose subject cannot be read: the live version of the same record names it.
    lost = frame["record_type"].eq("relationship") & frame["about_id"].isna() & frame["record_id"].notna()
    if lost.any() and len(interests):
        live = interests.loc[interests["relationship_id"].isin(frame.loc[lost, "record_id"].tolist())]
        subjects = dict(zip(live["relationship_id"], live["subject_id"], strict=True))
        # Text, missing where no live version names it (a column of misses maps to floats).
        frame.loc[lost, "about_id"] = frame.loc[lost, "record_id"].map(subjects).astype("str")
    return frame.astype("str")


# The fields of a note, as `evidence_model.UnreadStatement` declares them.
_NOTE_FIELDS = ("statement_id", "record_id", "rule", "reason", "source_uri", "source_line")


class UnreadRecords:
    """The quarantined statements per node, the nodes held as possibly restricted, and their findings."""

    def __init__(self, graph: Graph, unread: pd.DataFrame | None) -> None:
        self.held: BoolArray = np.zeros(graph.n, dtype=bool)
        self.findings: list[Finding] = []
        self._notes: dict[int, list[dict[str, str | None]]] = {}
        if unread is None or not len(unread):
            return
        about = arrow_strings(unread["about_id"])
        node = pc.index_in(about, value_set=graph.ids_arrow).fill_null(-1).to_numpy(zero_copy_only=False)
        for k, row in enumerate(unread.to_dict("records")):
            note = {key: (None if pd.isna(row[key]) else str(row[key])) for key in _NOTE_FIELDS}
            sid = note["statement_id"] or "(no statement id)"
            where = f"{note['source_uri']}" + (f" #{note['source_line']}" if note["source_line"] else "")
            target = None if pd.isna(row["about_id"]) else str(row["about_id"])
            if target is None:
                self.findings.append(
                    Finding(
                        Check.UNATTRIBUTED_STATEMENT,
                        Severity.ERROR,
                        "",
                        f"quarantined statement {sid} ({where}, {note['rule']}) cannot be tied to any record: "
                        "no decision can be guaranteed against what it says",
                    )
                )
                continue
            i = int(node[k])
            if i < 0:
                effect = (
                    "a holder that is not in the data counts as possibly restricted wherever it holds"
                    if row["record_type"] in ("entity", "person")
                    else "it cannot change a decision"
                )
                message = (
                    f"quarantined statement {sid} ({where}, {note['rule']}) is about {target}, "
                    f"which is not in the data; {effect}"
                )
            else:
                self.held[i] = True
                self._notes.setdefault(i, []).append(note)
                message = (
                    f"quarantined statement {sid} ({where}, {note['rule']}) is about {target}: held in review "
                    "at least, and what it owns is judged as if it might be restricted"
                )
            self.findings.append(Finding(Check.UNREAD_STATEMENT, Severity.WARN, target, message))

    def notes(self, node: int) -> list[dict[str, str | None]]:
        """The quarantined statements about a node (the fields of `evidence_model.UnreadStatement`)."""
        return self._notes.get(node, [])
