"""In-memory knowledge base: immutable once loaded, looked up by (article, situation, language)."""

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
class Situation:
    """Where a person needs help: onboarding asks for it and every answer is looked up by it.

    A returning situation's id is its country's code (`md`: coming home to Moldova); another is
    e.g. `avrr-bg`: in Bulgaria, considering voluntary return to one's own country. The profile
    keeps the situation id.
    """

    id: str
    country: str
    """Whose institutions, emergency number and time zone apply."""
    languages: tuple[str, ...]
    """The languages it is served in, in the order the language picker shows them."""
    label: Mapping[str, str] = field(default_factory=dict)
    """The onboarding button per language; none: the country's name (returning situations)."""
    articles: tuple[str, ...] | None = None
    """The articles it answers; None: every article. Other questions go to a person."""

    def serves(self, article_id: str) -> bool:
        return self.articles is None or article_id in self.articles


@dataclass(frozen=True, slots=True)
class Answer:
    """One article's answer for one situation (or all), in every language it has."""

    article_id: str
    country: str
    """The situation id (its folder under answers/), or `all`."""
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
    situation: str = ""


@dataclass(frozen=True)
class KnowledgeBase:
    languages: tuple[str, ...]
    """Every language any situation is served in."""
    situations: Mapping[str, Situation]
    topics: tuple[str, ...]
    articles: Mapping[str, Article]
    institutions: Mapping[str, Institution]
    answers: Mapping[tuple[str, str], Answer]
    timezones: Mapping[str, str] = field(default_factory=dict)
    """Country → IANA time zone (`timezone` takes a situation)."""
    urgent_help: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    """Country → kind of danger → institution ids the urgent reply names after 112."""
    _by_topic: Mapping[str, tuple[Article, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        by_topic = {
            topic: tuple(a for a in self.articles.values() if a.topic == topic)
            for topic in self.topics
        }
        object.__setattr__(self, "_by_topic", by_topic)

    def country_of(self, situation: str | None) -> str | None:
        """The country whose institutions serve a situation (None for an unknown one)."""
        found = self.situations.get(situation or "")
        return found.country if found is not None else None

    def timezone(self, situation: str | None) -> str:
        """The IANA time zone dates and hours are shown in for a situation ("UTC" if unknown)."""
        return self.timezones.get(self.country_of(situation) or "", "UTC")

    def languages_of(self, situation: str | None) -> tuple[str, ...]:
        """The languages a situation is served in; every language before one is chosen."""
        found = self.situations.get(situation or "")
        return found.languages if found is not None else self.languages

    def situations_for(self, language: str) -> tuple[Situation, ...]:
        """The situations served in `language`; all of them when none is."""
        served = tuple(s for s in self.situations.values() if language in s.languages)
        return served or tuple(self.situations.values())

    def urgent_contacts(self, situation: str | None, kind: str | None) -> tuple[Institution, ...]:
        """Whom the urgent reply names for this danger in this situation's country (after 112)."""
        kinds = self.urgent_help.get(self.country_of(situation) or "", {})
        ids = kinds.get(kind or "default", kinds.get("default", ()))
        return tuple(self.institutions[i] for i in ids if i in self.institutions)

    def articles_in(self, topic: str, situation: str | None = None) -> tuple[Article, ...]:
        """The topic's articles; with a situation, only those it answers."""
        articles = self._by_topic.get(topic, ())
        found = self.situations.get(situation or "")
        if found is None or found.articles is None:
            return articles
        return tuple(a for a in articles if found.serves(a.id))

    def topics_of(self, situation: str | None) -> tuple[str, ...]:
        """The menu topics with at least one article for the situation."""
        return tuple(t for t in self.topics if self.articles_in(t, situation))

    def answer_for(self, article_id: str, situation: str) -> Answer | None:
        """The situation's own answer, else the one valid for all; None for an article the
        situation does not answer."""
        found = self.situations.get(situation)
        if found is not None and not found.serves(article_id):
            return None
        return self.answers.get((article_id, situation)) or self.answers.get(
            (article_id, ALL_COUNTRIES)
        )

    def resolve(self, article_id: str, situation: str, language: str) -> ResolvedAnswer | None:
        """The answer text for this situation and language, or None when it is missing."""
        article = self.articles.get(article_id)
        answer = self.answer_for(article_id, situation)
        if article is None or answer is None:
            return None
        text = answer.text.get(language)
        if not text:
            return None
        return ResolvedAnswer(article, language, text, answer.sources, answer.reviewed, situation)
