"""In-memory knowledge base: immutable once loaded, looked up by (article, country, language)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ALL_COUNTRIES = "all"

URGENT_KINDS = (
    "default",
    "confinement",
    "documents_taken",
    "trafficking",
    "violence",
    "self_harm",
    "medical",
    "child",
)
"""Kinds of immediate danger (nlu/urgent.py) the catalog's `urgent_help` names help for;
`default` stands for any kind a country does not list."""


@dataclass(frozen=True, slots=True)
class Institution:
    id: str
    url: str
    name: Mapping[str, str]
    phone: str | None = None
    """Shown to migrants only when an operator verified it (`verified_on`, `verified_by`)."""
    hours: str | None = None
    """When the phone answers, as the operator wrote it ("24/7", "Mon-Fri 09:00-18:00")."""
    verified_on: date | None = None
    verified_by: str | None = None

    @property
    def verified_phone(self) -> str | None:
        """The phone number with its hours, if an operator verified it; else None."""
        if self.phone is None or self.verified_on is None or not self.verified_by:
            return None
        return f"{self.phone} ({self.hours})" if self.hours else self.phone

    def name_in(self, language: str) -> str:
        return self.name.get(language) or self.name.get("en") or self.id


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    topic: str
    title: Mapping[str, str]
    related: tuple[str, ...] = ()
    offer_person: bool = False

    def title_in(self, language: str) -> str:
        return self.title.get(language) or self.title.get("en") or self.id


@dataclass(frozen=True, slots=True)
class Answer:
    """One article's answer for one country (or all countries), in every language it has."""

    article_id: str
    country: str
    reviewed: date
    sources: tuple[Institution, ...]
    text: Mapping[str, str | None]
    path: Path


@dataclass(frozen=True, slots=True)
class ResolvedAnswer:
    article: Article
    language: str
    text: str
    sources: tuple[Institution, ...]
    reviewed: date


@dataclass(frozen=True)
class KnowledgeBase:
    languages: tuple[str, ...]
    countries: tuple[str, ...]
    topics: tuple[str, ...]
    articles: Mapping[str, Article]
    institutions: Mapping[str, Institution]
    answers: Mapping[tuple[str, str], Answer]
    timezones: Mapping[str, str] = field(default_factory=dict)
    """Country → IANA time zone."""
    urgent_help: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    """Country → kind of danger → institution ids the urgent reply names after 112."""
    _by_topic: Mapping[str, tuple[Article, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        by_topic = {
            topic: tuple(a for a in self.articles.values() if a.topic == topic)
            for topic in self.topics
        }
        object.__setattr__(self, "_by_topic", by_topic)

    def urgent_contacts(self, country: str | None, kind: str | None) -> tuple[Institution, ...]:
        """Whom the urgent reply names for this danger in this country (after 112)."""
        kinds = self.urgent_help.get(country or "", {})
        ids = kinds.get(kind or "default", kinds.get("default", ()))
        return tuple(self.institutions[i] for i in ids if i in self.institutions)

    def articles_in(self, topic: str) -> tuple[Article, ...]:
        return self._by_topic.get(topic, ())

    def answer_for(self, article_id: str, country: str) -> Answer | None:
        """The country's own answer, else the one valid for all countries."""
        return self.answers.get((article_id, country)) or self.answers.get(
            (article_id, ALL_COUNTRIES)
        )

    def resolve(self, article_id: str, country: str, language: str) -> ResolvedAnswer | None:
        """The answer text for this country and language, or None when it is missing."""
        article = self.articles.get(article_id)
        answer = self.answer_for(article_id, country)
        if article is None or answer is None:
            return None
        text = answer.text.get(language)
        if not text:
            return None
        return ResolvedAnswer(article, language, text, answer.sources, answer.reviewed)
