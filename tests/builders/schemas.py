"""JSON Schema validators for the shared standards' schemas (date-time really checked), and a document's errors
against one, in a stable order."""

from __future__ import annotations

import json

import jsonschema

from tests.conftest import shared_file


def validator(relative):
    schema = json.loads(shared_file(relative).read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    checker = cls.FORMAT_CHECKER
    assert "date-time" in checker.checkers, "install rfc3339-validator, or date-time is not checked"
    return cls(schema, format_checker=checker)


def errors(schema_validator, document):
    return sorted(
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in schema_validator.iter_errors(document)
    )
