"""Mangled tokens drawn by hypothesis: characters replaced, inserted or deleted, truncation, swapped parts, spliced
JSON, duplication, or random text."""

from __future__ import annotations

import base64
import json

from hypothesis import strategies as st


def mutate(token: str, data: st.DataObject) -> str:
    if "#" in token:  # a badge link: mangle the link or the token in its fragment
        prefix, fragment = token.split("#", 1)
        if data.draw(st.booleans()):
            return prefix + "#" + mutate(fragment, data)
    kind = data.draw(
        st.sampled_from(["replace", "insert", "delete", "truncate", "swap parts", "splice json", "duplicate", "random"])
    )
    if kind == "random":
        return data.draw(st.text(max_size=300))
    if kind == "truncate":
        return token[: data.draw(st.integers(0, len(token) - 1))]
    if kind in ("swap parts", "splice json") and token.count(".") != 2:
        kind = "duplicate"
    if kind == "swap parts":
        parts = token.split(".")
        i, j = data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2))
        parts[i], parts[j] = parts[j], parts[i]
        return ".".join(parts) + ("" if i != j else ".")
    if kind == "duplicate":
        return token + token
    if kind == "splice json":
        head, body, signature = token.split(".")
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        key = data.draw(st.sampled_from(sorted(payload)))
        payload[key] = data.draw(
            st.one_of(
                st.none(),
                st.booleans(),
                st.integers(),
                st.floats(allow_nan=False),
                st.text(max_size=20),
                st.lists(st.integers(), max_size=3),
                st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
            )
        )
        body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
        return f"{head}.{body}.{signature}"
    position = data.draw(st.integers(0, len(token) - 1))
    if kind == "delete":
        return token[:position] + token[position + 1 :]
    character = data.draw(st.characters(codec="utf-8"))
    if kind == "insert":
        return token[:position] + character + token[position:]
    return token[:position] + character + token[position + 1 :]
