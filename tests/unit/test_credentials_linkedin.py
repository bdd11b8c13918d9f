"""LinkedIn's "Add to profile" link: a registrant adds their registration to Licenses & certifications."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from credentials.linkedin import add_to_profile_url


def fields(url):
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.linkedin.com", "/profile/add")
    query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=True)
    assert all(len(values) == 1 for values in query.values())
    return {name: values[0] for name, values in query.items()}


def test_every_field_is_named_as_linkedin_documents_it():
    url = add_to_profile_url(
        name="Registered Creative Technician (RCT)",
        organization_id=1337,
        issue_year=2026,
        issue_month=1,
        expiration_year=2027,
        expiration_month=1,
        cert_url="https://register.creativetechnicians.org.uk/v#a.b.c",
        cert_id="RG-0012345-67",
    )
    assert fields(url) == {
        "startTask": "CERTIFICATION_NAME",
        "name": "Registered Creative Technician (RCT)",
        "organizationId": "1337",
        "issueYear": "2026",
        "issueMonth": "1",
        "expirationYear": "2027",
        "expirationMonth": "1",
        "certUrl": "https://register.creativetechnicians.org.uk/v#a.b.c",
        "certId": "RG-0012345-67",
    }
    assert url.startswith("https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&name=Registered%20")


def test_values_are_percent_encoded_so_nothing_breaks_the_query():
    url = add_to_profile_url(
        name="Sound & Light: Level 2",
        organization_name="Techs #1 / UK",
        issue_year=2026,
        issue_month=12,
        cert_url="https://x.example/v#tok?en&x=1",
    )
    query = urlsplit(url).query
    assert "#" not in url and " " not in url and query.count("&") == len(fields(url)) - 1
    assert "Sound%20%26%20Light%3A%20Level%202" in query and "certUrl=https%3A%2F%2Fx.example%2Fv%23tok" in query
    assert fields(url)["certUrl"] == "https://x.example/v#tok?en&x=1"
    assert fields(url)["organizationName"] == "Techs #1 / UK"


def test_empty_fields_are_left_out():
    url = add_to_profile_url(name="RCT", organization_name="", issue_year=2026, issue_month=3, cert_id=None)
    assert set(fields(url)) == {"startTask", "name", "issueYear", "issueMonth"}


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"issue_month": 13}, "issue_month must be 1-12"),
        ({"issue_month": 0}, "issue_month must be 1-12"),
        ({"expiration_year": 2027, "expiration_month": 13}, "expiration_month must be 1-12"),
        ({"expiration_year": 2027}, "both expiration_year and expiration_month"),
        ({"expiration_year": 2025, "expiration_month": 12}, "before the issue month"),
        ({"issue_year": 26}, "four-digit year"),
        ({"organization_id": "ctr-uk"}, "is a number"),
        ({"name": " "}, "needs a name"),
    ],
)
def test_invalid_dates_and_ids_are_refused(changes, reason):
    arguments = {"name": "RCT", "issue_year": 2026, "issue_month": 1, **changes}
    with pytest.raises(ValueError, match=reason):
        add_to_profile_url(**arguments)
