"""The QR badge: a compact signed token in the fragment of the issuer's /v URL, drawn as a QR code of version 15 or
lower at error correction M, and read back by a real decoder (zxing-cpp) from the drawn PNG."""

from __future__ import annotations

import io
import json
import re
import uuid
from datetime import UTC, datetime

import jwt
import pytest
from PIL import Image, ImageDraw

from credentials.achievement import StatusEntry
from credentials.compact import BADGE_TYP, badge_url, build_compact_claims, long_id, short_id, sign_compact
from credentials.keys import generate_key
from credentials.qr import MAX_VERSION, qr_png, qr_svg, qr_version
from credentials.status_list import status_list_url
from tests.builders.records import read_qr

zxingcpp = pytest.importorskip("zxingcpp", reason="pip install -e '.[test]' (zxing-cpp decodes the drawn QR codes)")

ISSUER_URL = "https://register.creativetechnicians.org.uk"
VALID_FROM = datetime(2026, 1, 5, 9, tzinfo=UTC)
VALID_UNTIL = datetime(2027, 1, 5, 9, tzinfo=UTC)
NAME_40 = "Siobhan Featherstonehaugh-Montgomery Jnr"
NAME_70 = "Alexandra Catherine Montgomery-Featherstonehaugh Ekwueme-Okafor Junior"
NAME_10 = "Ada Okafor"


def status(revocation=1_048_575, suspension=1_000_000):
    return [
        StatusEntry("revocation", status_list_url(ISSUER_URL, "revocation"), revocation),
        StatusEntry("suspension", status_list_url(ISSUER_URL, "suspension"), suspension),
    ]


CREDENTIAL_ID = f"urn:uuid:{uuid.uuid4()}"


def claims(name=NAME_40, **changes):
    arguments = {
        "credential_id": CREDENTIAL_ID,
        "issuer_id": ISSUER_URL,
        "name": name,
        "registration_number": "RG-1234567-89",
        "level_code": "RCT",
        "valid_from": VALID_FROM,
        "valid_until": VALID_UNTIL,
        "status": status(),
    }
    return build_compact_claims(**{**arguments, **changes})


def badge(name, alg="ES256", key=None):
    key = key or generate_key(alg)
    return badge_url(ISSUER_URL, sign_compact(claims(name), key)), key


def decoded(png: bytes) -> list[str]:
    return read_qr(Image.open(io.BytesIO(png)))


def test_the_names_are_the_lengths_the_story_is_about():
    assert (len(NAME_10), len(NAME_40), len(NAME_70)) == (10, 40, 70)


def test_compact_claims_are_short_and_complete():
    assert claims() == {
        "i": short_id(CREDENTIAL_ID),
        "nbf": int(VALID_FROM.timestamp()),
        "exp": int(VALID_UNTIL.timestamp()),
        "n": NAME_40,
        "rn": "RG-1234567-89",
        "lv": "RCT",
        "r": 1_048_575,
        "s": 1_000_000,
    }
    assert "s" not in claims(status=status()[:1])


def test_the_credential_id_travels_in_22_characters_and_comes_back_whole():
    assert len(short_id(CREDENTIAL_ID)) == 22 and long_id(short_id(CREDENTIAL_ID)) == CREDENTIAL_ID
    for bad in ("https://example.org/1", "urn:uuid:not-a-uuid", 42):
        with pytest.raises(ValueError):
            short_id(bad)
    for bad in ("", "A" * 21, "!" * 22, None):
        with pytest.raises(ValueError):
            long_id(bad)


def test_compact_token_header_and_signature():
    key = generate_key()
    token = sign_compact(claims(), key)
    assert jwt.get_unverified_header(token) == {"alg": "ES256", "typ": BADGE_TYP}
    assert jwt.decode(token, key.public_key, algorithms=["ES256"], options={"verify_exp": False}) == claims()


def test_names_travel_as_utf8_not_json_escapes():
    key = generate_key("EdDSA")
    token = sign_compact(claims("Siân Zoë Ó Briain"), key)
    body = jwt.utils.base64url_decode(token.split(".")[1])
    assert "Siân Zoë Ó Briain".encode() in body
    assert json.loads(body)["n"] == "Siân Zoë Ó Briain"


def test_badge_url_carries_the_token_in_the_fragment():
    assert badge_url(ISSUER_URL + "/", "a.b.c") == "https://register.creativetechnicians.org.uk/v#a.b.c"


def test_status_entries_must_point_at_the_issuers_own_lists():
    elsewhere = [StatusEntry("revocation", "https://lists.example/revocation/7", 5)]
    with pytest.raises(ValueError, match="can only name the issuer's own list"):
        claims(status=elsewhere)
    with pytest.raises(ValueError, match="two revocation entries"):
        claims(status=[status()[0], status()[0]])


def test_rsa_and_large_curves_cannot_sign_a_badge():
    with pytest.raises(ValueError, match="ES256 or EdDSA"):
        sign_compact(claims(), generate_key("RS256"))


@pytest.mark.parametrize("alg", ["ES256", "EdDSA"])
def test_a_40_character_name_fits_version_15_and_reads_back_exactly(alg):
    url, key = badge(NAME_40, alg)
    assert qr_version(url) <= MAX_VERSION
    assert decoded(qr_png(url)) == [url]
    token = url.split("#", 1)[1]
    assert jwt.decode(token, key.public_key, algorithms=[alg], options={"verify_exp": False})["n"] == NAME_40


@pytest.mark.parametrize("alg", ["ES256", "EdDSA"])
def test_the_largest_status_indexes_still_fit_a_40_character_name(alg):
    key = generate_key(alg)
    smallest = badge_url(ISSUER_URL, sign_compact(claims(NAME_40, status=status(0, 0)), key))
    largest = badge_url(ISSUER_URL, sign_compact(claims(NAME_40), key))
    assert len(smallest) < len(largest) and qr_version(largest) <= MAX_VERSION
    assert decoded(qr_png(largest, box_size=4)) == [largest]


def test_a_70_character_name_needs_version_16_and_is_refused_clearly():
    url, _ = badge(NAME_70)
    assert qr_version(url) == MAX_VERSION + 1, f"{len(url)} bytes"
    with pytest.raises(ValueError, match=r"needs QR version 16; a badge may use version 15 at most"):
        qr_png(url)


def test_a_name_too_long_for_version_15_is_refused_clearly():
    url, _ = badge("Bartholomew " * 9)
    assert qr_version(url) > MAX_VERSION
    with pytest.raises(ValueError, match=r"needs QR version \d+; a badge may use version 15 at most"):
        qr_png(url)
    with pytest.raises(ValueError, match="version 15 at most"):
        qr_svg(url)


def rasterised(svg: str, scale: int = 4) -> Image.Image:
    """The SVG's module squares (``M x,y H x2 V y2 H x z``, in units of 0.8 mm) painted black on white."""
    size = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))
    pixels = round(size / 0.8) * scale
    image = Image.new("L", (pixels, pixels), 255)
    draw = ImageDraw.Draw(image)
    for x, y, x2, y2 in re.findall(r"M([\d.]+),([\d.]+)H([\d.]+)V([\d.]+)H[\d.]+z", svg):
        left, top, right, bottom = (round(float(v) / 0.8) * scale for v in (x, y, x2, y2))
        draw.rectangle([left, top, right - 1, bottom - 1], fill=0)
    return image


def test_svg_badge_is_a_standalone_svg_of_the_same_code():
    url, _ = badge(NAME_40)
    svg = qr_svg(url)
    assert svg.startswith("<svg") and '<rect fill="white"' in svg
    modules = 17 + 4 * qr_version(url) + 2 * 4  # the code plus its quiet zone
    assert f'viewBox="0 0 {modules * 0.8:g} {modules * 0.8:g}"' in svg
    assert read_qr(rasterised(svg)) == [url]


def test_png_is_a_png_at_the_requested_scale():
    url, _ = badge(NAME_10)
    image = Image.open(io.BytesIO(qr_png(url, box_size=3)))
    assert image.format == "PNG"
    assert image.size[0] == (17 + 4 * qr_version(url) + 8) * 3


def test_nothing_to_draw_is_refused():
    with pytest.raises(ValueError, match="non-empty URL"):
        qr_png("")
