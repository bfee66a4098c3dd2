"""A validator for BODS 0.4 statements built from the official schema files, as they are.

Kept in the tests until the ownership reader lands with its own; it exists to prove that what the demo
world writes is valid BODS, and (tests/demo_world/test_bods.py) that it rejects the standard's invalid cases.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
from referencing import Registry, Resource

BODS_REFERENCE = Path("/work/shared/reference/bods")
SCHEMA_DIR = BODS_REFERENCE / "schema-0.4"
_FILES = ("statement.json", "components.json", "entity-record.json", "person-record.json", "relationship-record.json")


def _is_uri(value: object) -> bool:
    # jsonschema checks "uri" only with rfc3987 installed; an absolute URI needs a scheme and no spaces.
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme) and parts.scheme.isascii() and not any(c.isspace() for c in value)


@cache
def validator() -> jsonschema.Draft202012Validator:
    """Validates a JSON array of statements (the schema's top level)."""
    docs = [json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8")) for name in _FILES]
    registry: Registry[Any] = Registry().with_resources((doc["$id"], Resource.from_contents(doc)) for doc in docs)
    checker = jsonschema.FormatChecker()
    checker.checks("uri")(_is_uri)
    return jsonschema.Draft202012Validator(docs[0], registry=registry, format_checker=checker)


def errors(statements: list[dict[str, Any]]) -> list[str]:
    """Every schema violation, as 'statement index / path: message'."""
    return [
        f"{'/'.join(str(p) for p in err.absolute_path)}: {err.message}" for err in validator().iter_errors(statements)
    ]
