"""BODS 0.4 statements for the demo world's entities, persons and relationships.

Invariant: every statement produced here validates against the official BODS 0.4 schema
(/work/shared/reference/bods/schema-0.4); statement ids are unique and derived only from record ids and
version numbers, so the same world gives the same statements byte for byte. Statements of one record
appear in date order, and a relationship's statements come after those of its subject and party.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pycountry

from pipeline.demo import vocab
from pipeline.demo.model import Org, Person, Relation

BODS_VERSION = "0.4"
PUBLISHER = {"name": "Demo Beneficial Ownership Register", "url": "https://register.example/"}
SOURCE = {"type": ["officialRegister"], "description": "Demo world register extract"}
_NAMESPACE = uuid.UUID("6f1c3a52-86a1-4c2b-9f1e-2d8a0c7b5e10")

Statement = dict[str, Any]


def record_id(seed: int, kind: str, key: str) -> str:
    """A stable, opaque record id for a scenario record."""
    return str(uuid.uuid5(_NAMESPACE, f"{seed}/{kind}/{key}"))


def statement_id(record: str, version: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"statement/{record}/{version}"))


def country_name(code: str) -> str:
    """ISO 3166 name of a country or subdivision code ("CN-GD" -> "Guangdong Sheng")."""
    if "-" in code:
        sub = pycountry.subdivisions.get(code=code)  # type: ignore[no-untyped-call]
        return str(sub.name) if sub is not None else code
    country = pycountry.countries.get(alpha_2=code)
    return str(country.name) if country is not None else code


def _country(code: str) -> dict[str, str]:
    return {"name": country_name(code), "code": code}


def _address(kind: str, country: str, salt: int, city: str = "") -> dict[str, Any]:
    town = city or vocab.CITIES.get(country, ("Capital",))[salt % len(vocab.CITIES.get(country, ("Capital",)))]
    street = vocab.STREETS[salt % len(vocab.STREETS)]
    return {"type": kind, "address": f"{1 + salt % 180} {street}, {town}", "country": _country(country)}


def envelope(record: str, *, version: int, subject: str, kind: str, when: dt.date, status: str) -> Statement:
    return {
        "statementId": statement_id(record, version),
        "statementDate": when.isoformat(),
        "recordId": record,
        "recordType": kind,
        "recordStatus": status,
        "declarationSubject": subject,
        "publicationDetails": {
            "publicationDate": when.isoformat(),
            "bodsVersion": BODS_VERSION,
            "publisher": PUBLISHER,
        },
        "source": SOURCE,
    }


def entity_statement(org: Org, record: str, when: dt.date, salt: int) -> Statement:
    details: dict[str, Any] = {
        "isComponent": False,
        "entityType": {"type": org.entity_type, **({"subtype": org.entity_subtype} if org.entity_subtype else {})},
        "name": org.name,
        "jurisdiction": {"name": country_name(org.jurisdiction), "code": org.jurisdiction},
    }
    if org.alternate_names:
        details["alternateNames"] = list(org.alternate_names)
    if org.identifiers:
        details["identifiers"] = [
            {"id": i.id, "scheme": i.scheme, "schemeName": i.scheme_name} for i in org.identifiers
        ]
    if org.founded is not None:
        details["foundingDate"] = org.founded.isoformat()
    if org.entity_type == "registeredEntity":
        addresses = [_address("registered", org.country, salt, org.city)]
        if org.business_country and org.business_country != org.country:
            addresses.append(_address("business", org.business_country, salt + 1))
        details["addresses"] = addresses
    statement = envelope(record, version=0, subject=record, kind="entity", when=when, status="new")
    statement["recordDetails"] = details
    return statement


def person_statement(person: Person, record: str, subject: str, when: dt.date, salt: int) -> Statement:
    details: dict[str, Any] = {
        "isComponent": False,
        "personType": "knownPerson",
        "names": [
            {"type": "legal", "fullName": person.full_name, "givenName": person.given, "familyName": person.family}
        ],
        "nationalities": [_country(c) for c in person.nationalities],
        "birthDate": person.birth,
        "addresses": [_address("residence", person.residence, salt)],
    }
    if person.tax_residencies:
        details["taxResidencies"] = [_country(c) for c in person.tax_residencies]
    statement = envelope(record, version=0, subject=subject, kind="person", when=when, status="new")
    statement["recordDetails"] = details
    return statement


def relationship_statements(relation: Relation, record: str, subject: str, party: str) -> Iterator[Statement]:
    for version, v in enumerate(relation.versions):
        interests = []
        for i in v.interests:
            interest: dict[str, Any] = {"type": i.type, "directOrIndirect": i.direct_or_indirect}
            if i.share is not None:
                interest["share"] = i.share.to_bods()
            if i.start is not None:
                interest["startDate"] = i.start.isoformat()
            if i.end is not None:
                interest["endDate"] = i.end.isoformat()
            if i.details:
                interest["details"] = i.details
            interests.append(interest)
        statement = envelope(record, version=version, subject=subject, kind="relationship", when=v.on, status=v.status)
        statement["recordDetails"] = {
            "isComponent": False,
            "subject": subject,
            "interestedParty": party,
            "interests": interests,
        }
        yield statement
