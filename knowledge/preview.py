"""`kb preview`: an answer exactly as the bot would send it, shown in the terminal."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from bot.errors import AssistantError
from bot.i18n import I18n
from bot.rendering import TELEGRAM_LIMIT, to_html, to_terminal
from bot.replies import Reply
from bot.views import Views
from knowledge.base import KnowledgeBase


@dataclass(frozen=True, slots=True)
class Preview:
    article_id: str
    country: str
    language: str
    text: str
    """The message with its buttons, as the terminal chat renders it."""
    html_length: int
    """Characters of the HTML message sent to Telegram."""
    answered: bool
    """False: no text in this language yet, and the migrant gets the "missing answer" screen."""
    reviewed: str | None = None

    @property
    def fits(self) -> bool:
        return self.html_length <= TELEGRAM_LIMIT

    def render(self) -> str:
        heading = f"── {self.article_id} · {self.country} · {self.language}"
        if self.reviewed:
            heading += f" · reviewed {self.reviewed}"
        if not self.answered:
            heading += " · NO TEXT YET: the migrant sees this instead"
        size = f"── {self.html_length} of {TELEGRAM_LIMIT} characters as a Telegram message"
        if not self.fits:
            size += f": TOO LONG by {self.html_length - TELEGRAM_LIMIT}, Telegram refuses it"
        return f"{heading} ──\n{self.text}\n{size} ──"


def preview(
    kb: KnowledgeBase, i18n: I18n, article_id: str, country: str, language: str
) -> Preview:
    """Build the answer's Reply with the bot's own views and render it.

    Raises:
        AssistantError: the article, country or language does not exist.
    """
    _require(article_id, kb.articles, "article")
    _require(country, kb.situations, "situation")
    _require(language, kb.languages, "language")
    views = Views(kb, i18n)
    resolved = kb.resolve(article_id, country, language)
    reply: Reply = (
        views.answer(resolved) if resolved is not None else views.missing_answer(language)
    )
    text, _ = to_terminal(reply)
    answer = kb.answer_for(article_id, country)
    return Preview(
        article_id,
        country,
        language,
        text,
        len(to_html(reply)),
        answered=resolved is not None,
        reviewed=answer.reviewed.isoformat() if answer else None,
    )


def _require(value: str, known: Iterable[str], what: str) -> None:
    known = list(known)
    if value in known:
        return
    close = difflib.get_close_matches(value, known, n=1)
    hint = f" (did you mean {close[0]}?)" if close else f"; one of: {', '.join(known)}"
    if close or len(known) <= 10:
        raise AssistantError(f"unknown {what} {value!r}{hint}")
    raise AssistantError(f"unknown {what} {value!r}; see knowledge/catalog.yml")
