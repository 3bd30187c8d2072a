"""Clean user text before it reaches the NLU or the database."""

from __future__ import annotations

import unicodedata

from bot.rendering import grapheme_boundaries

MAX_TEXT_CHARS = 1000
"""The cap, in code points, on what is kept of one message (Telegram allows 4096 UTF-16 units)."""

ZWJ = "\u200d"

_INVISIBLE = {
    "\u3164",  # Hangul filler: renders as nothing, used to send "blank" messages
    "\uffa0",  # halfwidth Hangul filler
    "\u115f",  # Hangul choseong filler
    "\u1160",  # Hangul jungseong filler
}
"""Letters that show nothing; format characters (zero width, bidi) are dropped by category."""


def _dropped(ch: str) -> bool:
    """Controls (NUL included), format characters such as zero width spaces, word joiners,
    byte order marks and bidi embeddings, overrides and isolates, and lone surrogates.

    Kept: line breaks and tabs (folded into spaces later), the zero width joiner (decided
    separately) and tag characters U+E0020–E007F, which only occur in subdivision flag emoji.
    """
    if ch in _INVISIBLE:
        return True
    category = unicodedata.category(ch)
    if category == "Cc":
        return ch not in "\n\t"
    if category == "Cf":
        return ch != ZWJ and not 0xE0020 <= ord(ch) <= 0xE007F
    return category == "Cs"


def _joinable(ch: str | None) -> bool:
    """Whether a zero width joiner next to `ch` may be part of an emoji sequence."""
    return ch is not None and not ch.isspace() and unicodedata.category(ch)[0] not in "LNZ"


def _joiners_only_between_symbols(chars: list[str]) -> list[str]:
    """Keep a zero width joiner only where it can join emoji: between two symbols.

    Inside an emoji sequence (👩🏽‍💻, 🏳️‍🌈) it is kept, so the emoji stays one picture; between
    letters ("pass\u200dport") it only hides a word from the NLU, so it goes, as does one at
    either end or next to a space. Repeated until nothing changes, so cleaning is idempotent.
    """
    while True:
        kept: list[str] = []
        for index, ch in enumerate(chars):
            if ch == ZWJ:
                before = kept[-1] if kept else None
                after = chars[index + 1] if index + 1 < len(chars) else None
                if not (_joinable(before) and _joinable(after)):
                    continue
            kept.append(ch)
        if len(kept) == len(chars):
            return kept
        chars = kept


def clean_text(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """NFC-normalise, drop invisible and control characters, fold whitespace, cap length.

    The result never contains NUL (PostgreSQL refuses it in text columns), bidi overrides,
    zero width characters (the joiner only inside emoji sequences) or lone surrogates, and is
    at most `limit` code points long; the cap falls between two grapheme clusters, so it never
    leaves half an emoji or a letter without its accent (unless the first cluster alone is
    longer than the cap). An emoji-only message stays non-empty. Cleaning twice changes nothing.
    """
    cleaned = _clean(text)
    while len(cleaned) > limit:
        cut = max(b for b in grapheme_boundaries(cleaned) if b <= limit)
        cleaned = _clean(cleaned[: cut or limit])
    return cleaned


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    kept = _joiners_only_between_symbols([ch for ch in text if not _dropped(ch)])
    # removing a character can bring a letter and its accent together: normalise again
    return " ".join(unicodedata.normalize("NFC", "".join(kept)).split())
