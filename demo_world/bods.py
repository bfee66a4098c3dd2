"""BODS 0.4 statements for the demo world's entities, persons and relationships.

Invariant: every statement produced here validates against the official BODS 0.4 schema (the copy
shipped in pipeline/ownership/bods/bods_schema/0.4); statement ids are unique and derived only from
record ids and version numbers, so the same world gives the same statements byte for byte. Statements of one record
appear in date order, and a relationship's statements come after those of its subject and party.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import uuid
from collections.abc import Iterator
from json.encoder import encode_basestring
from typing import Any

import pycountry

from demo_world import vocab
from demo_world.records import Org, Person, Relation

BODS_VERSION = "0.4"
PUBLISHER_NAME = "Demo Beneficial Ownership Register"
PUBLISHER_URL = "https://register.example/"
SOURCE_DESCRIPTION = "Demo world register extract"
PUBLISHER = {"name": PUBLISHER_NAME, "url": PUBLISHER_URL}
SOURCE: dict[str, Any] = {"type": ["officialRegister"], "description": SOURCE_DESCRIPTION}
_NAMESPACE = uuid.UUID("6f1c3a52-86a1-4c2b-9f1e-2d8a0c7b5e10")

Statement = dict[str, Any]


def record_id(seed: int, kind: str, key: str) -> str:
    """A stable, opaque record id for a scenario record."""
    return str(uuid.uuid5(_NAMESPACE, f"{seed}/{kind}/{key}"))


def statement_id(record: str, version: int) -> str:
    """40 hex characters (BODS asks for 32 to 64), a digest of the record id and the version number."""
    return hashlib.sha1(f"statement/{record}/{version}".encode(), usedforsecurity=False).hexdigest()


@functools.cache
def country_name(code: str) -> str:
    """ISO 3166 name of a country or subdivision code ("CN-GD" -> "Guangdong Sheng")."""
    if "-" in code:
        sub = pycountry.subdivisions.get(code=code)  # type: ignore[no-untyped-call]  # pycountry: no annotations
        return str(sub.name) if sub is not None else code
    country = pycountry.countries.get(alpha_2=code)
    return str(country.name) if country is not None else code


def _country(code: str) -> dict[str, str]:
    return {"name": country_name(code), "code": code}


@functools.cache
def _cities(country: str) -> tuple[str, ...]:
    return vocab.CITIES.get(country, ("Capital",))


def _address(kind: str, country: str, salt: int, city: str = "") -> dict[str, Any]:
    towns = _cities(country)
    town = city or towns[salt % len(towns)]
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


# --- fast JSON Lines for the ordinary population ---------------------------------------------------
# Text identical to json.dumps(<statement>, ensure_ascii=False, separators=(",", ":")) of the statements
# built above (tests/demo_world/test_bods.py compares them), written by templates because a large world has
# hundreds of thousands of statements and the generic encoder dominates the generation time.

_s = encode_basestring  # the C encoder of a JSON string, quotes included


def _head(statement: str, record: str, kind: str, subject: str, when: str) -> str:
    return (
        f'{{"statementId":"{statement}","statementDate":"{when}","recordId":"{record}","recordType":"{kind}",'
        f'"recordStatus":"new","declarationSubject":"{subject}","publicationDetails":{{"publicationDate":"{when}",'
        f'"bodsVersion":"{BODS_VERSION}","publisher":{{"name":{_s(PUBLISHER_NAME)},"url":{_s(PUBLISHER_URL)}}}}},'
        f'"source":{{"type":["officialRegister"],"description":{_s(SOURCE_DESCRIPTION)}}},"recordDetails":'
    )


def _country_json(code: str) -> str:
    return f'{{"name":{_s(country_name(code))},"code":"{code}"}}'


def _address_json(kind: str, country: str, salt: int) -> str:
    towns = _cities(country)
    street = vocab.STREETS[salt % len(vocab.STREETS)]
    text = f"{1 + salt % 180} {street}, {towns[salt % len(towns)]}"
    return f'{{"type":"{kind}","address":{_s(text)},"country":{_country_json(country)}}}'


def entity_line(org: Org, record: str, when: dt.date, salt: int) -> str:
    """`entity_statement(...)` of a registered entity without a business address, as one JSON line."""
    day = when.isoformat()
    parts = [
        _head(statement_id(record, 0), record, "entity", record, day),
        '{"isComponent":false,"entityType":{"type":"registeredEntity"},"name":',
        _s(org.name),
        ',"jurisdiction":{"name":',
        _s(country_name(org.jurisdiction)),
        ',"code":"',
        org.jurisdiction,
        '"}',
    ]
    if org.alternate_names:
        parts.append(',"alternateNames":[' + ",".join(_s(n) for n in org.alternate_names) + "]")
    if org.identifiers:
        idents = ",".join(
            f'{{"id":{_s(i.id)},"scheme":"{i.scheme}","schemeName":{_s(i.scheme_name)}}}' for i in org.identifiers
        )
        parts.append(f',"identifiers":[{idents}]')
    if org.founded is not None:
        parts.append(f',"foundingDate":"{org.founded.isoformat()}"')
    parts.append(f',"addresses":[{_address_json("registered", org.country, salt)}]}}}}')
    return "".join(parts)


def person_line(person: Person, record: str, subject: str, when: dt.date, salt: int) -> str:
    """`person_statement(...)` of a person without tax residencies, as one JSON line."""
    nationalities = ",".join(_country_json(c) for c in person.nationalities)
    return (
        _head(statement_id(record, 0), record, "person", subject, when.isoformat())
        + '{"isComponent":false,"personType":"knownPerson","names":[{"type":"legal","fullName":'
        + f'{_s(person.full_name)},"givenName":{_s(person.given)},"familyName":{_s(person.family)}}}],'
        + f'"nationalities":[{nationalities}],"birthDate":"{person.birth}",'
        + f'"addresses":[{_address_json("residence", person.residence, salt)}]}}}}'
    )


def relationship_line(record: str, subject: str, party: str, when: dt.date, interests: list[dict[str, Any]]) -> str:
    """A single-version relationship statement (direct interests), as one JSON line."""
    body = json.dumps(interests, ensure_ascii=False, separators=(",", ":"))
    return (
        _head(statement_id(record, 0), record, "relationship", subject, when.isoformat())
        + f'{{"isComponent":false,"subject":"{subject}","interestedParty":"{party}","interests":{body}}}}}'
    )
