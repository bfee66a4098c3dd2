"""Read FollowTheMoney entities (JSON lines, as OpenSanctions publishes its datasets) into the canonical
ENTITIES, IDENTIFIERS and INTERESTS frames.

Invariants:
- Schemas are judged by the `followthemoney` package's model, never by names written here: a record is
  an entity when its schema is a `LegalEntity` (Company, Organization, PublicBody, ...), a person when
  it is a `Person`; an interest when it is an `Ownership` (owner -> asset, `percentage`, `startDate`,
  `endDate`), a `Directorship` (director -> organization: `boardMember`) or an `UnknownLink` (subject
  -> object: `unknownInterest`). Other schemas (vessels, sanctions, addresses ...) are counted and left.
- Every line ends up in exactly one place: a row, counted as another schema or as first seen after the
  as-of date, or in QUARANTINE with the file, line and rule (`ftm.json`, `ftm.schema`, `ftm.link`).
- `entity_id` and `statement_id` are the FtM entity id, `source` is ftm; `datasets` lists the
  OpenSanctions datasets that name the entity (the top-level `datasets` of an export line), which the
  policy's `designated` root basis reads.
- An entity's other `name` values and its `alias` values are its `alternate_names` (a JSON list), which
  tenant matching tries as aliases; a person's are `[]`.
- Country codes are FtM's (ISO 3166-1 alpha-2, lower case), upper-cased. A company's jurisdiction is its
  `jurisdiction`; its registered country `mainCountry`, else its first `country`. A person's `country` is
  taken as residence, `nationality` and `citizenship` as nationalities. A `PublicBody` is a `stateBody`.
- A share is `percentage` / 100 when it reads as a number (a trailing % allowed), else unknown.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from typing import IO, Any

from followthemoney import model
from followthemoney.exc import InvalidData
from followthemoney.proxy import EntityProxy

from pipeline import jsonio
from pipeline.datasets import ENTITIES, IDENTIFIERS, INTERESTS
from pipeline.ownership.source_format import SourceFormat
from pipeline.ownership.sources import (
    Quarantine,
    SourceFrames,
    assembled,
    frame_of,
    iso_date,
    note_published,
    opened,
    unread_record,
)

RULE_JSON = "ftm.json"  # a line that is not a JSON object
RULE_SCHEMA = "ftm.schema"  # no id, or a schema the model does not know
RULE_LINK = "ftm.link"  # an interest without both ends

# FtM identifier properties -> the org-id scheme the other sources use for the same number.
IDENTIFIER_SCHEMES = {
    "leiCode": ("XI-LEI", "Global Legal Entity Identifier Index"),
    "uscCode": ("CN-SAMR", "State Administration for Market Regulation (USCC)"),
    "innCode": ("RU-INN", "ИНН"),
    "ogrnCode": ("RU-OGRN", "Основной государственный регистрационный номер"),
}
# Link schemas: (interest type, the property naming the holder, the property naming what is held).
LINKS = {
    "Ownership": ("shareholding", "owner", "asset"),
    "Directorship": ("boardMember", "director", "organization"),
    "UnknownLink": ("unknownInterest", "subject", "object"),
}
_PERCENT = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*%?\s*$")
_ENTITY_COLUMNS = ("entity_id", "record_type", "entity_type", "name", "alternate_names", "jurisdiction",
                   "registered_country", "nationalities", "residences", "datasets", "source_uri")  # fmt: skip
_INTEREST_COLUMNS = ("relationship_id", "subject_id", "interested_party_id", "interest_type", "share_exact",
                     "start_date", "end_date", "source_uri")  # fmt: skip


class _Read:
    def __init__(self) -> None:
        self.entities: dict[str, list[Any]] = {c: [] for c in _ENTITY_COLUMNS}
        self.identifiers: dict[str, list[Any]] = {c: [] for c in ("entity_id", "scheme", "scheme_name", "identifier")}
        self.interests: dict[str, list[Any]] = {c: [] for c in _INTEREST_COLUMNS}
        self.quarantine = Quarantine()
        self.stats: dict[str, int] = {"lines_read": 0, "other_schemas": 0, "after_as_of": 0}
        self.published: dict[str, str] = {}


def read_ftm(sources: Iterable[tuple[str, IO[bytes]]], as_of: dt.date | None = None) -> SourceFrames:
    """FtM entities, one JSON object a line (plain, gzipped or zipped)."""
    r = _Read()
    for uri, stream in sources:
        try:
            lines = opened(stream, ".json")
            for number, line in enumerate(lines, start=1):
                if line.strip():
                    r.stats["lines_read"] += 1
                    _line(r, uri, number, line, as_of)
        except (OSError, EOFError) as exc:
            r.quarantine.add(RULE_JSON, f"{uri}: cannot read: {exc}", uri, 0, unread_record(None, "entity", None, {}))
    entities = frame_of(
        {
            **r.entities,
            "statement_id": r.entities["entity_id"],
            "tax_residencies": "[]",
            "source": SourceFormat.FTM.value,
        },
        ENTITIES,
        len(r.entities["entity_id"]),
    )
    identifiers = frame_of(r.identifiers, IDENTIFIERS, len(r.identifiers["entity_id"]))
    n = len(r.interests["relationship_id"])
    interests = frame_of(
        {**r.interests, "statement_id": r.interests["relationship_id"], "direct_or_indirect": "direct",
         "source": SourceFormat.FTM.value},
        INTERESTS,
        n,
    )  # fmt: skip
    return assembled(
        [entities],
        [identifiers],
        [interests],
        quarantine=r.quarantine,
        findings=[],
        stats=r.stats,
        published=r.published,
    )


def _line(r: _Read, uri: str, number: int, line: bytes, as_of: dt.date | None) -> None:
    try:
        data = jsonio.loads(line)
    except jsonio.JSONDecodeError:
        text = line.decode("utf-8", errors="replace").rstrip("\n")
        r.quarantine.add(RULE_JSON, f"{uri} line {number}: not valid JSON", uri, number,
                         unread_record(None, "entity", None, {"text": text}))  # fmt: skip
        return
    if not isinstance(data, dict):
        r.quarantine.add(RULE_JSON, f"{uri} line {number}: not a JSON object", uri, number,
                         unread_record(None, "entity", None, {"value": data}))  # fmt: skip
        return
    try:
        proxy = model.get_proxy(data)
    except (InvalidData, TypeError, ValueError) as exc:
        eid = data.get("id") if isinstance(data.get("id"), str) else None
        r.quarantine.add(RULE_SCHEMA, f"{uri} line {number}: {exc}", uri, number,
                         unread_record(eid, "entity", eid, data))  # fmt: skip
        return
    if as_of is not None and (seen := iso_date(data.get("first_seen"))) and seen > as_of.isoformat():
        r.stats["after_as_of"] += 1
        return
    # OpenSanctions stamps each entity's last change (and when it was last seen in its sources).
    note_published(r.published, uri, iso_date(data.get("last_change")) or iso_date(data.get("last_seen")))
    schema = proxy.schema
    if schema.name in LINKS or any(schema.is_a(name) for name in LINKS):
        _link(r, uri, number, proxy, data)
    elif schema.is_a("LegalEntity"):
        _entity(r, uri, proxy, data)
    else:
        r.stats["other_schemas"] += 1


def _codes(proxy: EntityProxy, *props: str) -> list[str]:
    out: list[str] = []
    for prop in props:
        if prop in proxy.schema.properties:
            for value in proxy.get(prop):
                code = value.upper()
                if code not in out:
                    out.append(code)
    return out


def _entity(r: _Read, uri: str, proxy: EntityProxy, data: dict[str, Any]) -> None:
    person = proxy.schema.is_a("Person")
    countries = _codes(proxy, "mainCountry", "country")
    e = r.entities
    e["entity_id"].append(proxy.id)
    e["record_type"].append("person" if person else "entity")
    if person:
        e["entity_type"].append("knownPerson")
    else:
        e["entity_type"].append("stateBody" if proxy.schema.is_a("PublicBody") else "registeredEntity")
    e["name"].append(proxy.caption)
    # Every other name and alias: tenant matching tries them (a person's are kept too, but not matched).
    others = dict.fromkeys(n for prop in ("name", "alias") if prop in proxy.schema.properties for n in proxy.get(prop))
    e["alternate_names"].append(jsonio.compact([n for n in others if n != proxy.caption]) if not person else "[]")
    jurisdiction = None if person else next(iter(_codes(proxy, "jurisdiction")), None)
    e["jurisdiction"].append(jurisdiction)
    e["registered_country"].append(None if person or not countries else countries[0])
    e["nationalities"].append(jsonio.compact(_codes(proxy, "nationality", "citizenship")) if person else "[]")
    e["residences"].append(jsonio.compact(countries) if person else "[]")
    datasets = data.get("datasets")
    named = sorted({d for d in datasets if isinstance(d, str)}) if isinstance(datasets, list) else []
    e["datasets"].append(jsonio.compact(named))
    e["source_uri"].append(uri)
    for prop, (scheme, scheme_name) in IDENTIFIER_SCHEMES.items():
        if prop in proxy.schema.properties:
            for value in proxy.get(prop):
                r.identifiers["entity_id"].append(proxy.id)
                r.identifiers["scheme"].append(scheme)
                r.identifiers["scheme_name"].append(scheme_name)
                r.identifiers["identifier"].append(value)


def _link(r: _Read, uri: str, number: int, proxy: EntityProxy, data: dict[str, Any]) -> None:
    name = next(n for n in LINKS if proxy.schema.is_a(n))
    interest_type, holder_prop, held_prop = LINKS[name]
    holder, held = proxy.first(holder_prop), proxy.first(held_prop)
    if not proxy.id or not holder or not held:
        what = f"{name} {proxy.id or '(no id)'} does not name both its {holder_prop} and its {held_prop}"
        record = unread_record(proxy.id, "relationship", proxy.id, data, held)
        r.quarantine.add(RULE_LINK, f"{uri} line {number}: {what}", uri, number, record)
        return
    i = r.interests
    i["relationship_id"].append(proxy.id)
    i["subject_id"].append(held)
    i["interested_party_id"].append(holder)
    i["interest_type"].append(interest_type)
    i["share_exact"].append(_share(proxy) if name == "Ownership" else math.nan)
    i["start_date"].append(iso_date(proxy.first("startDate")))
    i["end_date"].append(iso_date(proxy.first("endDate")))
    i["source_uri"].append(uri)


def _share(proxy: EntityProxy) -> float:
    match = _PERCENT.match(proxy.first("percentage") or "")
    return float(match.group(1)) / 100.0 if match else math.nan
