"""Clean user text before it reaches the NLU or the database."""

from __future__ import annotations

import unicodedata

MAX_TEXT_CHARS = 1000

_INVISIBLE = {
    "\u200b",  # zero width space
    "\u200c",  # zero width non-joiner
    "\u200e",  # left-to-right mark
    "\u200f",  # right-to-left mark
    "\u2060",  # word joiner
    "\ufeff",  # byte order mark
    *(chr(c) for c in range(0x202A, 0x202F)),  # bidi embeddings and overrides
    *(chr(c) for c in range(0x2066, 0x206A)),  # bidi isolates
}


def clean_text(text: str) -> str:
    """NFC-normalise, drop control and bidi/zero-width characters, fold whitespace, cap length.

    The zero width joiner (U+200D) is kept: emoji sequences need it.
    """
    text = unicodedata.normalize("NFC", text)
    kept = []
    for ch in text:
        if ch in _INVISIBLE:
            continue
        if unicodedata.category(ch) == "Cc" and ch not in "\n\t":
            continue
        kept.append(ch)
    folded = " ".join("".join(kept).split())
    return folded[:MAX_TEXT_CHARS]
