"""Rendering for Telegram: escaping, and splitting long messages safely (property-based)."""

from __future__ import annotations

import os
import re
from html import escape

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.rendering import (
    TELEGRAM_LIMIT,
    graphemes,
    html_to_plain,
    is_entity_error,
    split_html,
    split_text,
    to_html,
    to_messages,
    to_plain,
    to_terminal,
    utf16_len,
)
from bot.replies import Button, Link, Reply
from tests.fake_telegram import EntityError, check_html, shown

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or 0)
settings.register_profile("fuzz", max_examples=FUZZ_EXAMPLES or 100)
if FUZZ_EXAMPLES:  # `make fuzz`
    settings.load_profile("fuzz")

# Each of these is one user-perceived character (one extended grapheme cluster) and is "closed":
# it neither starts with a mark or joiner nor ends with a joiner or a lone regional indicator, so
# wherever it appears, a cut inside it is a cut inside a cluster.
CLUSTERS = [
    "👨\u200d👩\u200d👧\u200d👦",  # family: ZWJ sequence, 11 UTF-16 units
    "👩🏽\u200d💻",  # woman technologist, medium skin tone
    "🏳️\u200d🌈",  # rainbow flag: variation selector + ZWJ
    "🇲🇩",  # flag: two regional indicators
    "🇬🇪",
    "🇧🇬",
    "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # Scotland: tag sequence
    "👍🏿",  # skin tone modifier
    "1️⃣",  # keycap
    "❤️",  # variation selector
    "e\u0301",  # combining acute (not precomposed: NFC would make it é, splitting must not care)
    "s\u0326",  # Romanian ș written with a combining comma below
    "Z" + "\u0336\u0334\u0337\u0338\u0489\u0330\u0331\u0332\u0333\u0334",  # zalgo
    "\u1100\u1161\u11a8",  # Hangul 각 as conjoining jamo
    "\r\n",
    "नि",  # Devanagari consonant with a vowel sign (a spacing mark)
    "😀",  # one code point, two UTF-16 units
]
PLAIN = list("aăâîșțბგдяїґ ,.!?-—«»\"'&<>")
WHITESPACE = [" ", "\n", "\n\n", "\t"]
TAGS = [
    ("<b>", "</b>"),
    ("<i>", "</i>"),
    ("<u>", "</u>"),
    ("<s>", "</s>"),
    ("<code>", "</code>"),
    ("<tg-spoiler>", "</tg-spoiler>"),
    ('<a href="https://example.org/?q=1&amp;r=&quot;2&quot;">', "</a>"),
]

tokens = st.lists(
    st.one_of(st.sampled_from(CLUSTERS), st.sampled_from(PLAIN), st.sampled_from(WHITESPACE)),
    max_size=120,
)


@st.composite
def html_documents(draw: st.DrawFn) -> tuple[str, list[str]]:
    """Valid Telegram HTML (tags nested up to two deep) and the tokens its text is made of."""
    html: list[str] = []
    all_tokens: list[str] = []
    for _ in range(draw(st.integers(1, 6))):
        words = draw(tokens)
        all_tokens += words
        text = escape("".join(words), quote=False)
        outer = draw(st.none() | st.sampled_from(TAGS))
        inner = draw(st.none() | st.sampled_from(TAGS[:4]))
        if inner and outer:
            # never put the tag inside an entity or inside a cluster: wrap whole tokens
            head = escape("".join(words[: len(words) // 2]), quote=False)
            tail = escape("".join(words[len(words) // 2 :]), quote=False)
            text = f"{head}{inner[0]}{tail}{inner[1]}"
        html.append(f"{outer[0]}{text}{outer[1]}" if outer else text)
    return "".join(html), all_tokens


def token_boundaries(parts_tokens: list[str]) -> set[int]:
    offsets, at = {0}, 0
    for token in parts_tokens:
        at += len(token)
        offsets.add(at)
    return offsets


def longest_whitespace_run(text: str) -> int:
    return max((len(m) for m in re.findall(r"\s+", text)), default=0)


def assert_cuts_between_tokens(parts: list[str], tokens: list[str]) -> None:
    allowed = token_boundaries(tokens)
    at = 0
    for part in parts:
        at += len(part)
        assert at in allowed, f"cut inside a cluster at {at}: {parts!r}"


# -- escaping ----------------------------------------------------------------------------------


def test_user_text_is_escaped_and_never_becomes_markup() -> None:
    reply = Reply("<b>x</b> & <a href='javascript:alert(1)'>y</a>", title="<i>t</i>")

    html = to_html(reply)

    assert html == (
        "<b>&lt;i&gt;t&lt;/i&gt;</b>\n\n"
        "&lt;b&gt;x&lt;/b&gt; &amp; &lt;a href='javascript:alert(1)'&gt;y&lt;/a&gt;"
    )
    check_html(html)
    assert shown(html) == "<i>t</i>\n\n<b>x</b> & <a href='javascript:alert(1)'>y</a>"


def test_link_urls_are_escaped_as_attributes() -> None:
    reply = Reply("t", links=(Link('a"b', 'https://x.md/?a=1&b="2"'),), links_heading="S:")

    assert to_html(reply) == 't\n\nS: <a href="https://x.md/?a=1&amp;b=&quot;2&quot;">a"b</a>'


@given(st.text())
def test_any_reply_text_renders_as_valid_html_showing_exactly_that_text(text: str) -> None:
    html = to_html(Reply(text))

    check_html(html)
    assert shown(html) == text


# -- grapheme clusters -------------------------------------------------------------------------


@pytest.mark.parametrize("cluster", CLUSTERS)
def test_known_clusters_are_one_grapheme(cluster: str) -> None:
    assert graphemes(f"a{cluster}b") == ["a", cluster, "b"]


def test_regional_indicators_pair_up_from_the_left() -> None:
    assert graphemes("🇲🇩🇬🇪🇧") == ["🇲🇩", "🇬🇪", "🇧"]


def test_controls_and_lone_marks_stand_alone() -> None:
    assert graphemes("\x00\u0301a\u200b") == ["\x00", "\u0301", "a", "\u200b"]


@given(st.text())
def test_graphemes_join_back_to_the_text(text: str) -> None:
    assert "".join(graphemes(text)) == text


# -- splitting plain text ----------------------------------------------------------------------


@given(tokens, st.integers(16, 300))
@example(["👨\u200d👩\u200d👧\u200d👦", "🇲🇩", "\n\n"], 16)  # a whitespace-only tail is left out
def test_split_text_parts_fit_join_back_and_keep_clusters(words: list[str], limit: int) -> None:
    text = "".join(words)

    parts = split_text(text, limit)

    assert all(utf16_len(part) <= limit for part in parts)
    assert all(part.strip() for part in parts)
    assert re.sub(r"\s", "", "".join(parts)) == re.sub(r"\s", "", text)
    if text.strip() and longest_whitespace_run(text) * 2 < limit:
        joined = "".join(parts)
        assert text.startswith(joined) and not text[len(joined) :].strip()
        assert_cuts_between_tokens(parts[:-1], words)  # where one part ends and the next begins


def test_split_text_prefers_paragraphs_then_lines_then_spaces() -> None:
    text = "First paragraph here.\n\nSecond one, longer than the rest of the limit allows."

    assert split_text(text, 40) == [
        "First paragraph here.\n\n",
        "Second one, longer than the rest of the ",
        "limit allows.",
    ]


def test_short_text_is_one_part_and_blank_text_none() -> None:
    assert split_text("Bună ziua") == ["Bună ziua"]
    assert split_text("   \n ") == []


def test_a_cluster_longer_than_the_limit_is_cut_between_code_points_only() -> None:
    zalgo = "e" + "\u0301" * 50

    parts = split_text(zalgo, 16)

    assert "".join(parts) == zalgo
    assert [utf16_len(p) for p in parts] == [16, 16, 16, 3]


def test_astral_characters_count_two_units() -> None:
    parts = split_text("😀" * 5, 4)

    assert parts == ["😀😀", "😀😀", "😀"]


# -- splitting HTML ----------------------------------------------------------------------------


@settings(max_examples=max(300, FUZZ_EXAMPLES))
@given(html_documents(), st.integers(100, 600))
@example(("<b>" + "x" * 200 + "</b>", ["x"] * 200), 100)
@example(('<a href="https://example.org/">' + "é " * 80 + "</a>", ["é", " "] * 80), 100)
def test_split_html_parts_are_valid_fit_and_join_back(
    document: tuple[str, list[str]], limit: int
) -> None:
    html, words = document
    content = shown(html)

    parts = split_html(html, limit)

    for part in parts:
        assert utf16_len(part) <= limit
        check_html(part)
        assert shown(part).strip()
        part.encode("utf-16-le")  # no lone surrogate
    texts = [shown(part) for part in parts]
    assert re.sub(r"\s", "", "".join(texts)) == re.sub(r"\s", "", content)
    overhead = sum(len(open_) + len(close) for open_, close in TAGS)
    if content.strip() and longest_whitespace_run(content) * 2 < limit - overhead:
        # whitespace at the very end may be dropped rather than sent as a part of its own
        # (Telegram trims a message's trailing whitespace anyway)
        assert "".join(texts) == content or "".join(texts) == content.rstrip()
        assert_cuts_between_tokens(texts, words)


def test_split_html_reopens_tags_with_their_attributes() -> None:
    html = '<a href="https://a.md/?x=1&amp;y=2">' + "word " * 30 + "</a>"

    parts = split_html(html, 100)

    assert len(parts) == 3
    for part in parts:
        assert part.startswith('<a href="https://a.md/?x=1&amp;y=2">')
        assert part.endswith("</a>")


def test_split_html_never_cuts_an_entity() -> None:
    html = "&amp;" * 100

    parts = split_html(html, 42)

    assert all(re.fullmatch(r"(&amp;)+", part) for part in parts)
    assert sum(part.count("&amp;") for part in parts) == 100


def test_split_html_escapes_stray_specials_and_unsupported_entities() -> None:
    assert split_html("a < b & c &nbsp;d <>", 100) == ["a &lt; b &amp; c \xa0d &lt;&gt;"]


def test_split_html_rejects_unbalanced_markup_and_impossible_limits() -> None:
    with pytest.raises(ValueError):
        split_html("<b>x</i>", 100)
    with pytest.raises(ValueError):
        split_html('<a href="https://example.org/a/long/path">x</a>', 20)


def test_a_long_answer_with_sources_becomes_several_messages_with_buttons_on_the_last() -> None:
    reply = Reply(
        "Paragraph. " * 300 + "\n\n" + "&<>" * 400,
        title="Паспорт",
        links_heading="Sources:",
        links=(Link("ASP", "https://asp.gov.md"),),
        buttons=((Button("👍", "fb:1:doc_passport"),),),
    )

    messages = to_messages(reply)

    assert len(messages) >= 2
    assert [m.reply_markup is not None for m in messages] == [False] * (len(messages) - 1) + [True]
    for message in messages:
        assert utf16_len(message.text) <= TELEGRAM_LIMIT
        check_html(message.text)
    assert shown("".join(m.text for m in messages)) == shown(to_html(reply))


# -- the plain-text fallback -------------------------------------------------------------------


def test_to_plain_keeps_link_urls_visible() -> None:
    reply = Reply(
        "Text with <tags> & more",
        title="Title",
        links_heading="Sources:",
        links=(Link("ASP", "https://asp.gov.md/?a=1&b=2"),),
    )

    assert to_plain(reply) == (
        "Title\n\nText with <tags> & more\n\nSources: ASP (https://asp.gov.md/?a=1&b=2)"
    )


@given(st.text(max_size=300))
def test_html_to_plain_never_raises_and_never_grows(html: str) -> None:
    plain = html_to_plain(html)

    assert utf16_len(plain) <= utf16_len(html)


@given(html_documents())
def test_plain_version_of_every_part_fits_where_the_part_fitted(
    document: tuple[str, list[str]],
) -> None:
    for part in split_html(document[0], 200):
        assert utf16_len(html_to_plain(part)) <= 200


def test_entity_errors_are_recognised() -> None:
    assert is_entity_error(EntityError('Can\'t parse entities: unsupported start tag "x"'))
    assert not is_entity_error(ValueError("Message is too long"))


@pytest.mark.parametrize("title", ["პირადობის მოწმობა", "Pașaportul", "Паспорт", "Passport"])
def test_terminal_titles_are_bold_never_upper_cased(title: str) -> None:
    reply = Reply("text", title=title)

    plain, _ = to_terminal(reply)
    bold, _ = to_terminal(reply, bold=True)

    assert plain.splitlines()[0] == title
    assert bold.splitlines()[0] == f"\033[1m{title}\033[0m"
    assert not any("\u1c90" <= ch <= "\u1cbf" for ch in plain + bold)


def test_right_to_left_replies_isolate_latin_words_numbers_and_links() -> None:
    reply = Reply(
        "اتصل بالرقم 112 الآن.\nاسأل IOM Bulgaria.\nاكتب /forget لحذف كل شيء.",
        title="الطوارئ (112)",
        links_heading="المصادر:",
        links=(Link("المنظمة الدولية للهجرة (IOM)", "https://bulgaria.iom.int"),),
        language="ar",
    )
    html = to_html(reply)
    check_html(html)
    assert html.startswith("<b>\u200f")
    assert "\u2066112\u2069" in html
    assert "\u200fاسأل \u2066IOM Bulgaria\u2069." in html
    assert "\u2066/forget\u2069" in html  # the command stays whole for Telegram
    assert "(\u2066IOM\u2069)" in html and "(\u2066112\u2069)" in html
    assert 'href="https://bulgaria.iom.int"' in html
    text, _ = to_terminal(reply)
    assert "\u2066https://bulgaria.iom.int\u2069" in text


def test_left_to_right_replies_get_no_direction_marks() -> None:
    for language in ("en", "ru", "ka", None):
        html = to_html(Reply("Call 112. Ask IOM.", title="Emergency (112)", language=language))
        assert not {"\u200f", "\u2066", "\u2069"} & set(html)
