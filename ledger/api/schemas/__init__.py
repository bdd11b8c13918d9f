"""One pydantic model per command, by feature: the JSON route takes it as its body, and the page whose form issues
the same command builds it from the form's fields (``ledger.api.pages.forms.parse_form``), so that a value is parsed
once, in one place, and a bad one gets the same field-named error on a page as in the API."""
