"""LinkedIn's "Add to profile" link for the Licenses & certifications section: a plain link (no LinkedIn script on
our pages) that opens the member's profile editor pre-filled.

Parameters, as LinkedIn's Add to Profile for Certifications documentation names them: ``startTask`` (always
``CERTIFICATION_NAME``), ``name``, ``organizationId`` (the numeric id of the body's LinkedIn page, which shows its
logo and links to it) or ``organizationName``, ``issueYear``, ``issueMonth``, ``expirationYear``,
``expirationMonth`` (months 1-12), ``certUrl`` (where the credential can be checked), ``certId`` (shown as the
credential ID: the registration number).
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


def add_to_profile_url(
    *,
    name: str,
    organization_name: str | None = None,
    organization_id: int | str | None = None,
    issue_year: int,
    issue_month: int,
    expiration_year: int | None = None,
    expiration_month: int | None = None,
    cert_url: str | None = None,
    cert_id: str | None = None,
) -> str:
    """The link; empty fields are left out and every value is percent-encoded (spaces as ``%20``)."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError("the certification needs a name")
    if organization_id is not None and not str(organization_id).isdigit():
        raise ValueError(f"a LinkedIn organization id is a number, not {organization_id!r}")
    _check_year_month("issue", issue_year, issue_month)
    if (expiration_year is None) != (expiration_month is None):
        raise ValueError("give both expiration_year and expiration_month, or neither")
    if expiration_year is not None:
        _check_year_month("expiration", expiration_year, expiration_month)
        if (expiration_year, expiration_month) < (issue_year, issue_month):
            raise ValueError("the expiration month comes before the issue month")
    fields = {
        "startTask": "CERTIFICATION_NAME",
        "name": name,
        "organizationId": organization_id,
        "organizationName": organization_name,
        "issueYear": issue_year,
        "issueMonth": issue_month,
        "expirationYear": expiration_year,
        "expirationMonth": expiration_month,
        "certUrl": cert_url,
        "certId": cert_id,
    }
    present = {key: str(value) for key, value in fields.items() if value is not None and str(value).strip()}
    return f"{ADD_TO_PROFILE}?{urlencode(present, quote_via=quote, safe='')}"


def _check_year_month(label: str, year: object, month: object) -> None:
    if not isinstance(year, int) or isinstance(year, bool) or not 1900 <= year <= 9999:
        raise ValueError(f"{label}_year must be a four-digit year, not {year!r}")
    if not isinstance(month, int) or isinstance(month, bool) or not 1 <= month <= 12:
        raise ValueError(f"{label}_month must be 1-12, not {month!r}")
