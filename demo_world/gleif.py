"""GLEIF golden copy files of a demo world: Level 1 LEI records and Level 2 relationship records.

Invariant: the layout is GLEIF's golden copy CSV (LEI-CDF 3.1 and RR-CDF 2.1 flattened into dotted column
names, every value quoted), written from the format's own column names, not from the reader's list: a
subset of the published columns, in their published order. Only the catalogue's `gleif` records and
`consolidations` are written; every record was last updated the day before the world's date.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from demo_world.records import Catalogue, Org

LEI_HEADER = (
    "LEI",
    "Entity.LegalName",
    "Entity.LegalName.xmllang",
    "Entity.OtherEntityNames.OtherEntityName.1",
    "Entity.OtherEntityNames.OtherEntityName.1.xmllang",
    "Entity.OtherEntityNames.OtherEntityName.1.type",
    "Entity.LegalAddress.City",
    "Entity.LegalAddress.Country",
    "Entity.HeadquartersAddress.City",
    "Entity.HeadquartersAddress.Country",
    "Entity.RegistrationAuthority.RegistrationAuthorityID",
    "Entity.RegistrationAuthority.RegistrationAuthorityEntityID",
    "Entity.LegalJurisdiction",
    "Entity.EntityCategory",
    "Entity.EntityStatus",
    "Registration.InitialRegistrationDate",
    "Registration.LastUpdateDate",
    "Registration.RegistrationStatus",
    "Registration.ManagingLOU",
)
RR_HEADER = (
    "Relationship.StartNode.NodeID",
    "Relationship.StartNode.NodeIDType",
    "Relationship.EndNode.NodeID",
    "Relationship.EndNode.NodeIDType",
    "Relationship.RelationshipType",
    "Relationship.RelationshipStatus",
    "Relationship.RelationshipPeriods.RelationshipPeriod.1.StartDate",
    "Relationship.RelationshipPeriods.RelationshipPeriod.1.EndDate",
    "Relationship.RelationshipPeriods.RelationshipPeriod.1.PeriodType",
    "Relationship.RelationshipPeriods.RelationshipPeriod.2.StartDate",
    "Relationship.RelationshipPeriods.RelationshipPeriod.2.EndDate",
    "Relationship.RelationshipPeriods.RelationshipPeriod.2.PeriodType",
    "Registration.InitialRegistrationDate",
    "Registration.LastUpdateDate",
    "Registration.RegistrationStatus",
    "Registration.ManagingLOU",
)
# The registration authorities of GLEIF's RA list whose registers the demo world's identifiers come from.
REGISTRATION_AUTHORITIES = {"GB-COH": "RA000585", "NL-KVK": "RA000463"}
MANAGING_LOU = "5493001KJTIIGC8Y1R12"
LANGUAGES = {"CN": "zh", "HK": "zh", "SG": "en", "NL": "nl", "DE": "de", "GB": "en"}


def lei_of(org: Org) -> str:
    return next(i.id for i in org.identifiers if i.scheme == "XI-LEI")


def _stamp(day: dt.date) -> str:
    return f"{day.isoformat()}T08:00:00.000Z"


def _csv(header: tuple[str, ...], rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def lei_file(cat: Catalogue, date: dt.date) -> bytes:
    """Level 1: one record per `cat.gleif` entry, the legal jurisdiction GLEIF states where it differs."""
    rows = []
    for record in cat.gleif:
        org = cat.orgs[record.org]
        registered = next((i for i in org.identifiers if i.scheme in REGISTRATION_AUTHORITIES), None)
        other = org.alternate_names[0] if org.alternate_names else ""
        rows.append({
            "LEI": lei_of(org),
            "Entity.LegalName": org.name,
            "Entity.LegalName.xmllang": "en",
            "Entity.OtherEntityNames.OtherEntityName.1": other,
            "Entity.OtherEntityNames.OtherEntityName.1.xmllang": LANGUAGES.get(org.country, "en") if other else "",
            "Entity.OtherEntityNames.OtherEntityName.1.type": "ALTERNATIVE_LANGUAGE_LEGAL_NAME" if other else "",
            "Entity.LegalAddress.City": org.city,
            "Entity.LegalAddress.Country": org.country,
            "Entity.HeadquartersAddress.City": org.city,
            "Entity.HeadquartersAddress.Country": org.business_country or org.country,
            "Entity.RegistrationAuthority.RegistrationAuthorityID": (
                REGISTRATION_AUTHORITIES[registered.scheme] if registered else "RA999999"
            ),
            "Entity.RegistrationAuthority.RegistrationAuthorityEntityID": registered.id if registered else "",
            "Entity.LegalJurisdiction": record.jurisdiction or org.jurisdiction,
            "Entity.EntityCategory": "GENERAL",
            "Entity.EntityStatus": "ACTIVE",
            "Registration.InitialRegistrationDate": _stamp(org.founded or date),
            "Registration.LastUpdateDate": _stamp(date - dt.timedelta(days=1)),
            "Registration.RegistrationStatus": "ISSUED",
            "Registration.ManagingLOU": MANAGING_LOU,
        })  # fmt: skip
    return _csv(LEI_HEADER, rows)


def rr_file(cat: Catalogue, date: dt.date) -> bytes:
    """Level 2: each consolidation as IS_DIRECTLY_CONSOLIDATED_BY, its relationship and accounting periods."""
    rows = []
    for c in cat.consolidations:
        year_start = dt.date(date.year - 1, 1, 1)
        rows.append({
            "Relationship.StartNode.NodeID": lei_of(cat.orgs[c.child]),
            "Relationship.StartNode.NodeIDType": "LEI",
            "Relationship.EndNode.NodeID": lei_of(cat.orgs[c.parent]),
            "Relationship.EndNode.NodeIDType": "LEI",
            "Relationship.RelationshipType": "IS_DIRECTLY_CONSOLIDATED_BY",
            "Relationship.RelationshipStatus": "ACTIVE",
            "Relationship.RelationshipPeriods.RelationshipPeriod.1.StartDate": _stamp(c.since),
            "Relationship.RelationshipPeriods.RelationshipPeriod.1.EndDate": "",
            "Relationship.RelationshipPeriods.RelationshipPeriod.1.PeriodType": "RELATIONSHIP_PERIOD",
            "Relationship.RelationshipPeriods.RelationshipPeriod.2.StartDate": _stamp(year_start),
            "Relationship.RelationshipPeriods.RelationshipPeriod.2.EndDate": _stamp(dt.date(date.year - 1, 12, 31)),
            "Relationship.RelationshipPeriods.RelationshipPeriod.2.PeriodType": "ACCOUNTING_PERIOD",
            "Registration.InitialRegistrationDate": _stamp(c.since),
            "Registration.LastUpdateDate": _stamp(date - dt.timedelta(days=1)),
            "Registration.RegistrationStatus": "PUBLISHED",
            "Registration.ManagingLOU": MANAGING_LOU,
        })  # fmt: skip
    return _csv(RR_HEADER, rows)
