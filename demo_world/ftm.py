"""The OpenSanctions export of a demo world: FollowTheMoney entities, one JSON object a line.

Invariant: lines are shaped as OpenSanctions publishes them (`id`, `schema`, `properties` of lists of
strings, lower-case country codes, `datasets`, `first_seen`, `last_seen`, `last_change`). Only the
catalogue's `designations` (a Company per org, its LEI as `leiCode`) and `sanctions_ownership` are
written; every line last changed the day before the world's date.
"""

from __future__ import annotations

import datetime as dt
import json

from demo_world.records import Catalogue

# The dataset of a record OpenSanctions holds only because a listed entity is linked to it.
RELATED = "demo_related_entities"


def entity_id(org_key: str) -> str:
    return f"demo-{org_key.replace('_', '-')}"


def _stamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00"


def entities_file(cat: Catalogue, date: dt.date) -> bytes:
    yesterday = _stamp(date - dt.timedelta(days=1))
    lines = []
    for key, datasets in cat.designations.items():
        org = cat.orgs[key]
        properties: dict[str, list[str]] = {
            "name": [org.name],
            "jurisdiction": [org.jurisdiction.split("-")[0].lower()],
            "country": [org.country.lower()],
        }
        leis = [i.id for i in org.identifiers if i.scheme == "XI-LEI"]
        if leis:
            properties["leiCode"] = leis
        lines.append({
            "id": entity_id(key), "caption": org.name, "schema": "Company", "properties": properties,
            "referents": [], "datasets": list(datasets) or [RELATED],
            "first_seen": _stamp(org.founded or date), "last_seen": yesterday, "last_change": yesterday,
            "target": bool(datasets),
        })  # fmt: skip
    for own in cat.sanctions_ownership:
        owner, asset = entity_id(own.owner), entity_id(own.asset)
        lines.append({
            "id": f"{owner}-owns-{asset}", "caption": "Ownership", "schema": "Ownership",
            "properties": {"owner": [owner], "asset": [asset], "percentage": [f"{own.percent:g}"],
                           "startDate": [own.since.isoformat()]},
            "referents": [], "datasets": list(cat.designations.get(own.owner, ())) or [RELATED],
            "first_seen": _stamp(own.since), "last_seen": yesterday, "last_change": yesterday, "target": False,
        })  # fmt: skip
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode("utf-8")
