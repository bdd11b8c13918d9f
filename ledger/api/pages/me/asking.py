"""How the registrant's forms say what is wrong: ``ledger.api.pages.forms.errors_of`` (each field named as its label
says, the message in plain words, keyed by the field's id so the error summary links to it), with the message a
person reads for a field left empty ("Enter your name", "Choose a route") in place of the schema's "Field required"."""

from __future__ import annotations

from collections.abc import Mapping

from ledger.api.pages.forms import FormInvalid, errors_of
from ledger.domain.errors import LedgerError


def problems(
    error: LedgerError,
    labels: Mapping[str, str],
    *,
    empty: Mapping[str, str] | None = None,
    values: Mapping[str, object] | None = None,
    wrong: Mapping[str, str] | None = None,
    form_field: str = "form",
) -> dict[str, str]:
    """The error summary's entries for a refused form: field id -> message. ``labels``: each field (as the schema
    or the command names it, dotted) as the page's label says it; ``empty``: the message for each field left
    empty (in ``values``, the form as sent); ``wrong``: the message for each field whose value the schema cannot
    read (a number field sent "x")."""
    found = errors_of(error, labels, form_field)
    sent = values or {}
    for field in list(found):
        if empty and field in empty and _blank(sent.get(field)):
            found[field] = empty[field]
        elif wrong and field in wrong and isinstance(error, FormInvalid):
            found[field] = wrong[field]
    return found


def first_empty(values: Mapping[str, object], empty: Mapping[str, str]) -> dict[str, str]:
    """The fields of ``empty`` left empty in ``values``, with their messages (checked before the schema, for
    fields the schema would fill with a default)."""
    return {name: message for name, message in empty.items() if _blank(values.get(name))}


def _blank(value: object) -> bool:
    """Nothing was given: no value, only spaces, or no box ticked."""
    return value is None or value == [] or (isinstance(value, str) and not value.strip())
