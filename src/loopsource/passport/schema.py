"""Checking a passport against a JSON Schema the user supplies (``--schema FILE``), offline.

The schema is read from the file and applied with ``jsonschema`` (the draft its ``$schema``
names; draft 2020-12 when it names none). Nothing is fetched: ``jsonschema`` resolves only
references inside the given schema, and a reference to anything else is reported as an error.
Formats (``uri``, ``date-time``) are annotations in draft 2020-12 and are not asserted.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import PassportError

MAX_SHOWN = 20


def load_schema(path: Path) -> dict[str, Any]:
    """The JSON Schema in ``path``, checked against its own meta-schema."""
    import jsonschema

    try:
        schema = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise PassportError(f"--schema {path}: cannot read it: {e.strerror or e}") from None
    except ValueError as e:
        raise PassportError(f"--schema {path}: not JSON: {e}") from None
    if not isinstance(schema, dict):
        raise PassportError(f"--schema {path}: a JSON Schema is an object")
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as e:
        raise PassportError(f"--schema {path}: not a valid JSON Schema: {e.message}") from None
    return schema


def schema_errors(document: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    """Every place ``document`` breaks ``schema``, as ``$.json.path: message`` (sorted)."""
    import jsonschema
    from referencing.exceptions import Unresolvable

    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    try:
        errors = list(cls(schema).iter_errors(document))
    except Unresolvable as e:
        return [f"the schema refers to {e} outside itself, which loopsource does not fetch"]
    return sorted(f"{e.json_path}: {e.message}" for e in errors)


def check_schema(document: dict[str, Any], schema: dict[str, Any], name: str, what: str) -> None:
    """Raise a PassportError naming ``what`` (the passport) when it breaks the schema in ``name``."""
    errors = schema_errors(document, schema)
    if errors:
        shown = "\n  ".join(errors[:MAX_SHOWN]) + (f"\n  ... and {len(errors) - MAX_SHOWN} more" if len(errors) > MAX_SHOWN else "")
        raise PassportError(f"{what} does not validate against {name} ({len(errors)} errors; nothing was written):\n  {shown}")


__all__ = ["load_schema", "schema_errors", "check_schema"]
