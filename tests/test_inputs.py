"""The input guard: what `clean_text` lets through to the NLU and the database."""

from __future__ import annotations

import os
import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.inputs import MAX_TEXT_CHARS, ZWJ, clean_text

settings.register_profile("fuzz", max_examples=int(os.environ.get("FUZZ_EXAMPLES") or 100))
if os.environ.get("FUZZ_EXAMPLES"):
    settings.load_profile("fuzz")

EMOJI = [
    "👍",
    "👍🏽",
    "❤️",
    "🇲🇩",
    "🇬🇪🇧🇬",
    "👨\u200d👩\u200d👧\u200d👦",
    "👩🏽\u200d💻",
    "🏳️\u200d🌈",
    "❤️\u200d🔥",
    "🏴\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f",  # Wales: tag sequence
    "1️⃣",
]

# Every code point, lone surrogates included: they cannot travel in UTF-8 JSON from Telegram,
# but a client library could still hand one over (an escaped "\ud800" in JSON).
any_text = st.text(st.characters(exclude_categories=()), max_size=1500)


def dropped(ch: str) -> bool:
    category = unicodedata.category(ch)
    if category == "Cf":
        return ch != ZWJ and not 0xE0020 <= ord(ch) <= 0xE007F
    return category in ("Cc", "Cs")


@given(any_text)
@example("\x00")
@example("pa\x00ssport")
@example("\u202egnp.exe")
def test_nul_controls_bidi_and_surrogates_never_survive(text: str) -> None:
    cleaned = clean_text(text)

    assert "\x00" not in cleaned  # PostgreSQL refuses NUL in text; SQLite would store it
    assert not any(dropped(ch) for ch in cleaned)
    cleaned.encode("utf-8")  # storable and sendable: no lone surrogate


@given(any_text)
@example("e\u200b\u0301")  # removing the zero width space brings e and its accent together
@example("😀\u200d\u200da")
@example("x" * 999 + "👍🏽")
def test_cleaning_is_idempotent(text: str) -> None:
    once = clean_text(text)

    assert clean_text(once) == once
    assert unicodedata.is_normalized("NFC", once)


@given(any_text)
def test_length_is_capped_and_whitespace_folded(text: str) -> None:
    cleaned = clean_text(text)

    assert len(cleaned) <= MAX_TEXT_CHARS
    assert cleaned == cleaned.strip()
    assert "  " not in cleaned and "\n" not in cleaned and "\t" not in cleaned


@given(st.lists(st.sampled_from(EMOJI), min_size=1, max_size=20), st.sampled_from(["", " "]))
def test_emoji_only_messages_stay_whole_and_non_empty(emoji: list[str], separator: str) -> None:
    text = separator.join(emoji)

    assert clean_text(text) == unicodedata.normalize("NFC", text)


@pytest.mark.parametrize(
    "text",
    [
        "Cum îmi fac buletinul în Chișinău?",
        "Cum imi fac buletinul in Chisinau?",
        "Как получить паспорт?",
        "Як записати дитину до школи?",
        "Как да си намеря личен лекар?",
        "როგორ დავრეგისტრირდე ოჯახის ექიმთან?",
        "كيف أحصل على جواز سفر؟",
        "איך מקבלים דרכון?",
        "<b>x</b> &amp; {0} %s {number} '; DROP TABLE user; --",
    ],
)
def test_ordinary_questions_pass_unchanged(text: str) -> None:
    assert clean_text(text) == text


def test_invisible_characters_go_and_the_words_stay() -> None:
    text = "\ufeffpass\u200bport\u200d \u2066renew\u2069\u00ad \u3164"

    assert clean_text(text) == "passport renew"


def test_the_zero_width_joiner_stays_only_inside_emoji_sequences() -> None:
    # Removing U+200D inside an emoji sequence would only turn one picture into several (👩🏽💻);
    # keeping it between letters would hide a word from the NLU. So it stays between symbols.
    assert clean_text("👩🏽\u200d💻") == "👩🏽\u200d💻"
    assert clean_text("pass\u200dport") == "passport"
    assert clean_text("\u200d") == ""
    assert clean_text("a\u200d👍") == "a👍"


def test_the_cap_never_cuts_a_cluster_in_half() -> None:
    family = "👨\u200d👩\u200d👧\u200d👦"

    assert clean_text("x" * 995 + family) == "x" * 995
    assert clean_text("x" * 990 + family) == "x" * 990 + family
    assert clean_text("a" * 999 + "e\u0301\u0302") == "a" * 999  # é + circumflex: one cluster


def test_a_single_cluster_longer_than_the_cap_is_cut_anyway() -> None:
    zalgo = "Z" + "\u0336" * 5000

    cleaned = clean_text(zalgo)

    assert len(cleaned) == MAX_TEXT_CHARS
    assert cleaned.startswith("Z")
