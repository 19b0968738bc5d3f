"""Names as people type them: one folding of case, accents and punctuation for every matcher of corridor."""

from __future__ import annotations

import unicodedata

__all__ = ["normalize_name"]

# Letters that Unicode decomposition leaves alone but people type without their marks.
_FOLD = str.maketrans({"ł": "l", "ı": "i", "ø": "o", "đ": "d", "ß": "ss", "ə": "e", "æ": "ae", "œ": "oe", "þ": "th"})


def normalize_name(text: str) -> str:
    """Fold a place name for matching: case, accents and punctuation ignored (``Xi'an`` -> ``xian``)."""
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_FOLD))
    return "".join(ch for ch in folded if ch.isalnum() and not unicodedata.combining(ch))
