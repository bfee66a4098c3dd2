"""Validation of BODS statements: 0.4 against the official schema shipped inside this package, 0.3
against the structure the reader relies on.

Invariants: the schema files under `bods_schema/0.4/` are the standard's own, unmodified; a statement is
valid exactly when it satisfies `statement.json#/$defs/Statement` with formats (date, date-time, uri)
checked. 0.3 has no schema shipped here: `STRUCTURE_03` states the JSON type of every field the reader
takes from a 0.3 statement (the identifying fields, statementID, statementType and statementDate, are
checked by the reader itself), so that a wrong type is quarantined instead of breaking the read.
Validation never raises on bad data: it returns the errors as readable strings.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from typing import Any

import jsonschema_rs

from pipeline import jsonio

SCHEMA_VERSION = "0.4"
# A few errors are enough to act on; a badly broken statement can produce hundreds.
MAX_ERRORS = 3


_TEXT = {"type": ["string", "null"]}
_NUMBER = {"type": ["number", "null"]}
_FLAG = {"type": ["boolean", "null"]}
_COUNTRY = {"type": ["object", "null"], "properties": {"name": _TEXT, "code": _TEXT}}


def _objects(**properties: object) -> dict[str, Any]:
    return {"type": ["array", "null"], "items": {"type": "object", "properties": properties}}


STRUCTURE_03: dict[str, Any] = {
    "type": "object",
    "properties": {
        "entityType": _TEXT,
        "personType": _TEXT,
        "name": _TEXT,
        "incorporatedInJurisdiction": _COUNTRY,
        "replacesStatements": {"type": ["array", "null"]},
        "identifiers": _objects(id=_TEXT, scheme=_TEXT, schemeName=_TEXT),
        "addresses": _objects(type=_TEXT, country=_TEXT),
        "names": _objects(type=_TEXT, fullName=_TEXT, givenName=_TEXT, familyName=_TEXT, patronymicName=_TEXT),
        "nationalities": {"type": ["array", "null"], "items": _COUNTRY},
        "taxResidencies": {"type": ["array", "null"], "items": _COUNTRY},
        "interests": _objects(
            type=_TEXT,
            directOrIndirect=_TEXT,
            startDate=_TEXT,
            endDate=_TEXT,
            share={
                "type": ["object", "null"],
                "properties": {
                    "exact": _NUMBER,
                    "minimum": _NUMBER,
                    "maximum": _NUMBER,
                    "exclusiveMinimum": _FLAG,
                    "exclusiveMaximum": _FLAG,
                },
            },
        ),
    },
}


@lru_cache(maxsize=1)
def _validator() -> Any:
    folder = resources.files("pipeline.ownership.bods").joinpath("bods_schema", SCHEMA_VERSION)
    documents = []
    for entry in folder.iterdir():
        if entry.name.endswith(".json"):
            doc = jsonio.loads(entry.read_text(encoding="utf-8"))
            if "$id" in doc:
                documents.append((doc["$id"], doc))
    registry = jsonschema_rs.Registry(documents)
    return jsonschema_rs.validator_for(
        {"$ref": "urn:statement#/$defs/Statement"}, registry=registry, validate_formats=True
    )


def validity_check() -> Callable[[object], bool]:
    """Whether a statement is valid against the 0.4 schema: the validator's own method, taken once, as
    the reader calls it millions of times."""
    check: Callable[[object], bool] = _validator().is_valid
    return check


@lru_cache(maxsize=1)
def _validator_03() -> Any:
    return jsonschema_rs.validator_for(STRUCTURE_03)


def schema_errors(statement: object) -> list[str]:
    """Readable errors (`path: message`) of a statement that fails the 0.4 schema; empty when it is valid."""
    return _errors(_validator(), statement)


def structure_errors_03(statement: object) -> list[str]:
    """Readable errors of a 0.3 statement whose fields have types the reader cannot take."""
    return _errors(_validator_03(), statement)


def _errors(validator: Any, statement: object) -> list[str]:
    out: list[str] = []
    for error in validator.iter_errors(statement):
        path = "/".join(str(p) for p in error.instance_path) or "(statement)"
        out.append(f"{path}: {error.message}")
        if len(out) >= MAX_ERRORS:
            break
    return out
