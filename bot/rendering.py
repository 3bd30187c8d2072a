"""Render Replies for Telegram (HTML parse mode) and for the terminal; split long messages.

What is measured: Telegram refuses a message whose text is longer than 4096 characters *after*
entity parsing, counted in UTF-16 code units (an emoji outside the BMP counts 2, a flag 4, a
family emoji 11). We measure the raw HTML we send, in UTF-16 code units. Tags and entities only
ever make the raw text longer than the parsed one, so a message that fits by our measure always
fits by Telegram's (and by the fake Bot API's, which measures the raw text). The price is that a
message full of `&amp;` is split a little earlier than strictly necessary.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape, unescape
from html.parser import HTMLParser

from babel import Locale, UnknownLocaleError
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.replies import Reply

TELEGRAM_LIMIT = 4096
"""Telegram's limit for a message text, in UTF-16 code units."""


def to_html(reply: Reply) -> str:
    """The message text; everything that came from content or users is escaped.

    Text nodes escape `&`, `<` and `>` only (quotes are harmless outside attributes, and
    escaping them would make the message longer); the link URL, an attribute, escapes quotes too.
    In a right-to-left language every line starts right-to-left and Latin words, numbers and
    links are isolated (`bidi`), so "112", "IOM" or a URL never reorder the sentence around them.
    """
    rtl = is_rtl(reply.language)

    def text(value: str) -> str:
        return escape(bidi(value) if rtl else value, quote=False)

    parts = []
    if reply.title:
        parts.append(f"<b>{text(reply.title)}</b>")
    parts.append(text(reply.text))
    if reply.links:
        links = ", ".join(
            f'<a href="{escape(link.url, quote=True)}">{text(link.label)}</a>'
            for link in reply.links
        )
        parts.append(f"{text(reply.links_heading or '')} {links}".strip())
    return "\n\n".join(parts)


RLM = "\u200f"
"""RIGHT-TO-LEFT MARK: starts a line right-to-left whatever its first word."""
LRI, PDI = "\u2066", "\u2069"
"""LEFT-TO-RIGHT ISOLATE … POP DIRECTIONAL ISOLATE around a Latin or numeric run."""
_LTR_RUN = re.compile(
    r"[/@#]?[A-Za-z0-9\u00c0-\u024f]+(?:(?:[.,:/+\-_@&'’]+| )[A-Za-z0-9\u00c0-\u024f]+)*"
)
"""Latin words and numbers with the punctuation or single spaces joining them ("IOM Bulgaria",
"https://www.iom.int"), a command with its slash ("/forget", which Telegram must still see); a
list number's dot and brackets stay outside, where the right-to-left sentence places and
mirrors them."""


@lru_cache(maxsize=64)
def is_rtl(language: str | None) -> bool:
    """Whether the language is written right to left (Babel's locale data: ar, fa, ...)."""
    if not language:
        return False
    try:
        return Locale.parse(language).text_direction == "rtl"
    except (UnknownLocaleError, ValueError):
        return False


def bidi(text: str) -> str:
    """Right-to-left text made safe to display: each line starts with RLM, and every run of
    Latin letters, digits and the punctuation between them ("IOM Bulgaria", "112",
    "https://www.iom.int") is isolated left-to-right."""
    return "\n".join(
        RLM + _LTR_RUN.sub(lambda m: f"{LRI}{m.group(0)}{PDI}", line) if line else line
        for line in text.split("\n")
    )


def to_markup(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=b.action) for b in row]
            for row in reply.buttons
        ]
    )


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One Telegram message of a Reply: HTML text, and the keyboard on the last one only."""

    text: str
    reply_markup: InlineKeyboardMarkup | None


def to_messages(reply: Reply, limit: int = TELEGRAM_LIMIT) -> list[OutgoingMessage]:
    """The Reply as one or more HTML messages, each within `limit`; buttons on the last one."""
    parts = split_html(to_html(reply), limit)
    markup = to_markup(reply)
    return [
        OutgoingMessage(part, markup if n == len(parts) - 1 else None)
        for n, part in enumerate(parts)
    ]


def to_plain(reply: Reply) -> str:
    """The Reply as plain text (no parse mode): what to send when Telegram refuses the HTML."""
    return html_to_plain(to_html(reply))


def html_to_plain(html: str) -> str:
    """Plain text of an HTML message: tags dropped, entities decoded, links as "label (url)".

    Never raises, whatever the HTML (it is used exactly when the HTML was refused), and the
    result is never longer than `html` in UTF-16 code units, so a part that fitted still fits.
    """
    parser = _PlainText()
    parser.feed(html)
    parser.close()
    return "".join(parser.out)


def is_entity_error(error: BaseException) -> bool:
    """Whether a Telegram error means "your HTML is wrong" (resend as plain text)."""
    return "can't parse entities" in str(error).lower()


class _PlainText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.hrefs: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.hrefs:
            href = self.hrefs.pop()
            if href:
                self.out.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        self.out.append(data)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the way Telegram counts."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


# -- grapheme clusters -------------------------------------------------------------------------
#
# The standard library has no grapheme segmentation (UAX #29), so this is a compact version of
# it: CR LF, controls, combining and spacing marks, variation selectors, emoji modifiers, tag
# sequences (subdivision flags), regional-indicator pairs (flags), Hangul syllables. Two
# simplifications, both erring towards *longer* clusters, which is the safe side for splitting:
# nothing breaks after a zero width joiner (the standard breaks there unless an emoji follows),
# and the Prepend class (a handful of Arabic and Indic signs) is not treated specially.

_CR, _LF, _CONTROL, _EXTEND, _ZWJ, _RI, _L, _V, _T, _LV, _LVT, _OTHER = range(12)


def _class(ch: str) -> int:
    cp = ord(ch)
    if ch == "\r":
        return _CR
    if ch == "\n":
        return _LF
    if cp == 0x200D:
        return _ZWJ
    if (
        cp == 0x200C
        or 0x1F3FB <= cp <= 0x1F3FF  # emoji skin tone modifiers
        or 0xE0020 <= cp <= 0xE007F  # tags (subdivision flags such as England's)
        or cp in (0xFF9E, 0xFF9F)
    ):
        return _EXTEND
    if 0x1F1E6 <= cp <= 0x1F1FF:
        return _RI
    if 0x1100 <= cp <= 0x115F or 0xA960 <= cp <= 0xA97C:
        return _L
    if 0x1160 <= cp <= 0x11A7 or 0xD7B0 <= cp <= 0xD7C6:
        return _V
    if 0x11A8 <= cp <= 0x11FF or 0xD7CB <= cp <= 0xD7FB:
        return _T
    if 0xAC00 <= cp <= 0xD7A3:
        return _LV if (cp - 0xAC00) % 28 == 0 else _LVT
    category = unicodedata.category(ch)
    if category in ("Mn", "Me", "Mc"):
        return _EXTEND
    if category in ("Cc", "Zl", "Zp", "Cf", "Cs"):
        return _CONTROL
    return _OTHER


def _joins(before: int, after: int, regional_run: int) -> bool:
    """Whether no cluster boundary lies between two characters of these classes."""
    if before == _CR and after == _LF:
        return True
    if before in (_CR, _LF, _CONTROL) or after in (_CR, _LF, _CONTROL):
        return False
    if before == _L and after in (_L, _V, _LV, _LVT):
        return True
    if before in (_LV, _V) and after in (_V, _T):
        return True
    if before in (_LVT, _T) and after == _T:
        return True
    if after in (_EXTEND, _ZWJ) or before == _ZWJ:
        return True
    return before == _RI and after == _RI and regional_run % 2 == 1


def grapheme_boundaries(text: str) -> list[int]:
    """Offsets (in code points) where a grapheme cluster starts, plus len(text)."""
    boundaries = [0] if text else []
    previous = -1
    regional_run = 0
    for offset, ch in enumerate(text):
        kind = _class(ch)
        if offset and not _joins(previous, kind, regional_run):
            boundaries.append(offset)
            regional_run = 0
        regional_run = regional_run + 1 if kind == _RI else 0
        previous = kind
    boundaries.append(len(text))
    return boundaries


def graphemes(text: str) -> list[str]:
    """The user-perceived characters of `text` (see the notes above on what is covered)."""
    cuts = grapheme_boundaries(text)
    return [text[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]


# -- splitting ---------------------------------------------------------------------------------

_TOKENS = re.compile(
    r"(?P<tag><[^<>]*>)"
    r"|(?P<entity>&(?:#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[A-Za-z][A-Za-z0-9]{0,31});)"
    r"|(?P<text>[^<&]+)"
    r"|(?P<other>[<&])"
)
_TAG_NAME = re.compile(r"<\s*(/?)\s*([A-Za-z][A-Za-z0-9-]*)")


@dataclass(slots=True)
class _Unit:
    kind: str  # "text", "open", "close"
    raw: str = ""
    """What is sent; for text, the escaped cluster."""
    text: str = ""
    """For text, the characters it shows."""
    name: str = ""
    """For tags, the tag name."""
    pieces: list[tuple[str, str]] = field(default_factory=list)
    """For text, (shown, raw) of each code point or entity: where a forced cut may fall."""
    breakable: bool = True
    """Whether a cluster boundary lies right before this unit."""


def split_text(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split plain text into parts of at most `limit` UTF-16 code units.

    Cuts fall after a paragraph break if one is late enough in the part, else after a line
    break, else after a space, else between two grapheme clusters; a cluster longer than the
    whole limit (thousands of combining marks) is the only thing ever cut, between code points.
    Parts that would show only whitespace are left out.
    """
    units = _text_units([(ch, ch) for ch in text], [])
    return _pack(units, limit, html=False)


def split_html(html: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split Telegram HTML into valid HTML parts of at most `limit` UTF-16 code units each.

    Cuts follow `split_text`'s rules and never fall inside a tag, an entity or a grapheme
    cluster; tags open at a cut are closed at the end of the part and opened again (with their
    attributes) at the start of the next, so every part is valid on its own and the parts'
    text, joined, is the input's text. A stray `<` or `&` that is not markup is escaped.

    Raises:
        ValueError: the limit cannot hold even the tags open at some point plus one character,
            or a closing tag does not match the open one (the input is not valid HTML).
    """
    pieces: list[tuple[str, str]] = []
    tags_at: list[tuple[int, _Unit]] = []
    for match in _TOKENS.finditer(html):
        kind = match.lastgroup
        value = match.group()
        name = _TAG_NAME.match(value) if kind == "tag" else None
        if name is not None:
            closing, tag = name.group(1) == "/", name.group(2).lower()
            unit = _Unit("close" if closing else "open", f"</{tag}>" if closing else value)
            unit.name = tag
            tags_at.append((len(pieces), unit))
        elif kind == "entity" and unescape(value) != value:
            shown = unescape(value)
            supported = value.startswith("&#") or value in ("&lt;", "&gt;", "&amp;", "&quot;")
            pieces.append((shown, value if supported else escape(shown, quote=False)))
        else:  # text, and "<", "&", "<>" or "&unknown;" that are not markup
            pieces += [(ch, escape(ch, quote=False)) for ch in value]
    return _pack(_text_units(pieces, tags_at), limit, html=True)


def _text_units(pieces: list[tuple[str, str]], tags_at: list[tuple[int, _Unit]]) -> list[_Unit]:
    """Group (shown, raw) pieces into grapheme-cluster units, with the tags in between."""
    shown = "".join(text for text, _ in pieces)
    starts = set(grapheme_boundaries(shown))
    units: list[_Unit] = []
    offset = 0
    tag_index = 0
    current: _Unit | None = None
    for index, piece in enumerate(pieces):
        at_boundary = offset in starts
        had_tag = False
        while tag_index < len(tags_at) and tags_at[tag_index][0] == index:
            tag = tags_at[tag_index][1]
            tag.breakable = at_boundary
            units.append(tag)
            tag_index += 1
            had_tag = True
        if current is None or at_boundary or had_tag:
            current = _Unit("text", breakable=at_boundary)
            units.append(current)
        current.pieces.append(piece)
        offset += len(piece[0])
    units += [tag for _, tag in tags_at[tag_index:]]  # at the very end: always a boundary
    for unit in units:
        if unit.kind == "text":
            unit.text = "".join(text for text, _ in unit.pieces)
            unit.raw = "".join(raw for _, raw in unit.pieces)
    return units


def _closers(stack: list[_Unit]) -> str:
    return "".join(f"</{unit.name}>" for unit in reversed(stack))


def _apply(stack: list[_Unit], unit: _Unit) -> None:
    if unit.kind == "open":
        stack.append(unit)
    elif unit.kind == "close":
        if not stack or stack[-1].name != unit.name:
            raise ValueError(f"unbalanced HTML: </{unit.name}>")
        stack.pop()


def _pack(units: list[_Unit], limit: int, *, html: bool) -> list[str]:
    parts: list[str] = []
    stack: list[_Unit] = []
    start = 0
    while start < len(units):
        prefix = "".join(unit.raw for unit in stack)
        scan = list(stack)
        size = utf16_len(prefix) + utf16_len(_closers(scan))
        end = start
        while end < len(units):
            unit = units[end]
            grow = utf16_len(unit.raw)
            if unit.kind == "open":
                grow += utf16_len(f"</{unit.name}>")
            elif unit.kind == "close":
                grow = 0  # it replaces the closer already counted
            if size + grow > limit:
                break
            _apply(scan, unit)
            size += grow
            end += 1
        if end == start:
            unit = units[start]
            if unit.kind != "text" or len(unit.pieces) < 2:
                raise ValueError(f"a limit of {limit} cannot hold the open tags and one character")
            units[start : start + 1] = _forced_pieces(unit)
            continue
        if end < len(units):
            end = _best_cut(units, start, end, limit - utf16_len(prefix))
        body = "".join(unit.raw for unit in units[start:end])
        for unit in units[start:end]:
            _apply(stack, unit)
        shown = "".join(unit.text for unit in units[start:end])
        if shown.strip():
            parts.append(prefix + body + _closers(stack) if html else body)
        start = end
    return parts


def _forced_pieces(unit: _Unit) -> list[_Unit]:
    """A cluster longer than the limit, cut into its code points (the last resort)."""
    pieces = [
        _Unit("text", raw, text, pieces=[(text, raw)], breakable=False)
        for text, raw in unit.pieces
    ]
    pieces[0].breakable = unit.breakable
    return pieces


def _best_cut(units: list[_Unit], start: int, end: int, room: int) -> int:
    """Where to end the part units[start:end] that fits: the best-placed cut at or before end."""
    minimum = room // 4
    best: dict[int, int] = {}
    size = 0
    newlines = 0
    for cut in range(start + 1, end + 1):
        before = units[cut - 1]
        size += utf16_len(before.raw)
        if before.kind == "text":
            if before.text.isspace():
                newlines += before.text.count("\n")
            else:
                newlines = 0
        after = units[cut]
        if (
            size >= minimum
            and after.breakable
            and before.kind == "text"
            and before.text.isspace()
            and not (after.kind == "text" and after.text.isspace())
        ):
            best[min(newlines, 2) + 1] = cut
    cut = next((best[q] for q in (3, 2, 1) if q in best), 0)
    if not cut:
        cut = next((c for c in range(end, start, -1) if units[c].breakable), end)
    while cut - 1 > start and units[cut - 1].kind == "open":
        cut -= 1  # a tag opened just before the cut starts the next part instead
    while cut < len(units) and units[cut].kind == "close":
        cut += 1  # a tag closed just after the cut ends this part (costs nothing)
    return cut


# -- the terminal ------------------------------------------------------------------------------


def to_terminal(
    reply: Reply, first_choice: int = 1, *, bold: bool = False
) -> tuple[str, list[str]]:
    """Plain text with numbered choices; returns the text and the actions by number.

    A title is emphasised the way Telegram shows it, in bold (an ANSI escape on a terminal),
    never upper-cased: Georgian has no capitals in running text (upper-casing makes Mtavruli,
    which older phones show as boxes), and no other script needs them either. Right-to-left
    text carries the same direction marks as in Telegram (a bidi-aware terminal such as
    GNOME Terminal or Konsole then shows it in order; others ignore the invisible marks).
    """
    rtl = is_rtl(reply.language)

    def text(value: str) -> str:
        return bidi(value) if rtl else value

    lines = []
    if reply.title:
        lines += [f"\033[1m{text(reply.title)}\033[0m" if bold else text(reply.title), ""]
    lines.append(text(reply.text))
    if reply.links:
        lines += ["", text(reply.links_heading or "")]
        lines += [
            f"  - {text(link.label)}: {LRI if rtl else ''}{link.url}{PDI if rtl else ''}"
            for link in reply.links
        ]
    actions = []
    if reply.buttons:
        lines.append("")
        for row in reply.buttons:
            for button in row:
                actions.append(button.action)
                lines.append(f"  [{first_choice + len(actions) - 1}] {text(button.label)}")
    return "\n".join(lines), actions
