"""Names that could be mistaken for one another: a skeleton of each name (after Unicode's confusable-detection
idea, UTS #39), so that "Priya Shah" written with a Cyrillic "а" has the same skeleton as the real one. Two listed
registrants whose names share a skeleton are shown to the registrar to check; nothing is refused (two people may
share a name)."""

from __future__ import annotations

import unicodedata

# Letters of other scripts that look like Latin ones (the commonest of UTS #39's confusables in names).
LOOKALIKES = str.maketrans(
    {
        # Cyrillic
        "а": "a",
        "в": "b",
        "е": "e",
        "ё": "e",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "і": "i",
        "ї": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "һ": "h",
        "ԛ": "q",
        "ԝ": "w",
        "ү": "y",
        "ɡ": "g",
        "ӏ": "l",
        # Greek
        "α": "a",
        "β": "b",
        "ε": "e",
        "η": "n",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "ω": "w",
        "ϲ": "c",
        # Latin look-alikes and digits
        "ı": "i",
        "ł": "l",
        "ø": "o",
        "ð": "d",
        "0": "o",
        "1": "l",
        "5": "s",
        "ℓ": "l",
    }
)


def skeleton(name: str) -> str:
    """The name reduced to what a reader sees: compatibility-decomposed, accents dropped, case folded, look-alike
    letters mapped to Latin, and everything but letters removed; "rn" reads as "m"."""
    text = unicodedata.normalize("NFKD", name).casefold()
    text = "".join(c for c in text if not unicodedata.combining(c)).translate(LOOKALIKES)
    text = "".join(c for c in text if c.isalpha())
    return text.replace("rn", "m").replace("vv", "w")
