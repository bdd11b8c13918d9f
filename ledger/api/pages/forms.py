"""A form's way from the browser to a command. Each form carries a CSRF token and a form key of its own; its fields
become the command's schema (``ledger.api.schemas``, the same model the JSON API takes as its body) through
``parse_form``, so a bad value gets the same field-named error as in the API; each write goes through the same
``Service.write`` as the API, with the form key as its Idempotency-Key (so a form sent twice, by a double click or a
resend after a lost answer, acts once); and a refused command, or a value that does not fit, comes back to the page
as a message beside the form."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar, get_origin

from fastapi import Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError

from ledger.api.deps import service
from ledger.api.pages.render import back
from ledger.api.problems import errors_detail, field_errors
from ledger.api.security import check_csrf
from ledger.api.service import Behind, request_digest
from ledger.app.accounts import Account
from ledger.domain.errors import InvalidInput, LedgerError

FORM_FIELDS = ("csrf", "form_key")
M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


async def form_of(request: Request) -> dict[str, Any]:
    """The posted fields (a field sent more than once, such as checkboxes, as a list), once the CSRF token is
    checked."""
    form = await request.form()
    token = form.get("csrf")
    check_csrf(request, token if isinstance(token, str) else None)
    fields = {k: form.getlist(k) if len(form.getlist(k)) > 1 else form.get(k) for k in form}
    request.state.form = fields
    return fields


class FormInvalid(InvalidInput):
    """A form's fields do not fit its command's schema: the errors (each field and why) the API answers 422 with."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__(errors[0]["field"], errors[0]["detail"])
        self.errors = errors
        self.args = (errors_detail(errors),)  # the message: the API's problem detail for the same input


def parse_form(schema: type[M], fields: Mapping[str, Any], *, rename: Mapping[str, str] | None = None) -> M:
    """The command's schema from a form's fields (``rename``: form field -> schema field, where they differ; its
    errors name the form's field). A list field takes a field sent once as a list of one, and one not sent (no box
    ticked) as an empty list. Raises ``FormInvalid``: the API's field errors for the same values."""
    data = {(rename or {}).get(name, name): value for name, value in fields.items() if name not in FORM_FIELDS}
    for name, field in schema.model_fields.items():
        if get_origin(field.annotation) is list:
            value = data.get(name)
            data[name] = [] if value is None else [value] if isinstance(value, str) else value
    try:
        return schema.model_validate(data)
    except ValidationError as error:
        errors = field_errors(error.errors(include_url=False))
        named = {field: name for name, field in (rename or {}).items()}  # each error names the form's own field
        raise FormInvalid([{**e, "field": named.get(e["field"], e["field"])} for e in errors]) from None


def write(request: Request, account: Account, action: Callable[[], T]) -> T:
    """Run a form's command once for its form key (see the module's docstring); the command's answer, or the first
    answer when the form was sent before."""
    form: dict[str, Any] = getattr(request.state, "form", {})
    key = form.get("form_key")
    body = {"path": request.url.path, **{k: v for k, v in form.items() if k not in FORM_FIELDS}}
    found = service(request)
    if not (isinstance(key, str) and 0 < len(key) <= 64):
        return found.write(account, None, body, action)
    # the form's key and what was filled in: the same form sent again with other contents (after going back in
    # the browser, say) is a new request, not a reuse of the key
    digest = request_digest(found.ledger.receipt_secret, body)
    return found.write(account, f"form:{key}:{digest[:32]}", body, action)


def attempt(
    request: Request, account: Account, action: Callable[[], Any], ok_url: str, ok_message: str, fail_url: str
) -> RedirectResponse:
    """Run a form's command (``action`` parses the form and calls the command): back to ``ok_url`` with
    ``ok_message``, or to ``fail_url`` with why it was refused."""
    try:
        write(request, account, action)
    except LedgerError as error:
        return back(fail_url, str(error), request=request, error=True)
    except Behind:  # recorded; the register is catching up with it
        return back(ok_url, f"{ok_message} It may take a few seconds to show here.", request=request)
    return back(ok_url, ok_message, request=request)


def errors_of(error: LedgerError, labels: Mapping[str, str] | None = None, form_field: str = "form") -> dict[str, str]:
    """What to show in a page's error summary and beside each field (``templates/_form.html``): the field (its
    ``id`` in the page, dots made underscores, so the summary links to it) and the message in plain words.
    ``labels`` names each field as the page's label does (``{"qualification.title": "Title of the
    qualification"}``). A refusal that names no field (a broken rule) is shown against ``form_field``."""
    labels = labels or {}

    def plain(field: str, detail: str) -> str:
        label = labels.get(field, field.replace("_", " ").replace(".", " ").capitalize())
        detail = detail.removeprefix("Value error, ")
        return f"{label}: {detail[:1].lower()}{detail[1:]}" if detail else label

    if isinstance(error, FormInvalid):
        found: dict[str, str] = {}
        for e in error.errors:
            field = e["field"].replace(".", "_")
            found.setdefault(field, plain(e["field"], e["detail"]))
        return found
    if isinstance(error, InvalidInput):
        return {error.field.replace(".", "_"): plain(error.field, error.message)}
    text = str(error)
    return {form_field: text[:1].upper() + text[1:]}
