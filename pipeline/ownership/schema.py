"""Validation of BODS 0.4 statements against the official schema shipped inside this package.

Invariant: the schema files under `bods_schema/0.4/` are the standard's own, unmodified; a statement is
valid exactly when it satisfies `statement.json#/$defs/Statement` with formats (date, date-time, uri)
checked. Validation never raises on bad data: it returns the errors as readable strings.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

import jsonschema_rs

SCHEMA_VERSION = "0.4"
# A few errors are enough to act on; a badly broken statement can produce hundreds.
MAX_ERRORS = 3


@lru_cache(maxsize=1)
def _validator() -> Any:
    folder = resources.files("pipeline.ownership").joinpath("bods_schema", SCHEMA_VERSION)
    documents = []
    for entry in folder.iterdir():
        if entry.name.endswith(".json"):
            doc = json.loads(entry.read_text(encoding="utf-8"))
            if "$id" in doc:
                documents.append((doc["$id"], doc))
    registry = jsonschema_rs.Registry(documents)
    return jsonschema_rs.validator_for(
        {"$ref": "urn:statement#/$defs/Statement"}, registry=registry, validate_formats=True
    )


def is_valid(statement: object) -> bool:
    return bool(_validator().is_valid(statement))


def schema_errors(statement: object) -> list[str]:
    """Readable errors (`path: message`) of a statement that fails the schema; empty when it is valid."""
    out: list[str] = []
    for error in _validator().iter_errors(statement):
        path = "/".join(str(p) for p in error.instance_path) or "(statement)"
        out.append(f"{path}: {error.message}")
        if len(out) >= MAX_ERRORS:
            break
    return out
