"""The folded keys stored beside names (`name_key` columns): what lookups compare, so `zoe oster`
finds "Zoë Øster". Storage owns the form because the stored keys and the migrations that rebuild
them must agree; the core re-exports `fold` (crmcli.core.text) for its lookups."""

from __future__ import annotations

import unicodedata

# Letters that NFKD does not decompose into base letter + accent.
_EXTRA = str.maketrans({"ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ł": "l", "Ł": "l",
                        "đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "þ": "th", "Þ": "th", "ı": "i"})


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced form of a name."""
    if text.isascii():  # nothing to decompose (most names; imports fold hundreds of thousands)
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFKD", text.translate(_EXTRA))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())
