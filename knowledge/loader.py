"""Load and validate the knowledge files; every problem names its file and field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot.errors import KnowledgeError
from knowledge.base import (
    ALL_COUNTRIES,
    URGENT_KINDS,
    Answer,
    Article,
    Institution,
    KnowledgeBase,
    Situation,
)

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML was built with it (about ten times faster)."""

MAX_ANSWER_CHARS = 900
_ID = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
_SITUATION = re.compile(r"^[a-z][a-z0-9]{1,11}(-[a-z0-9]{2,12})?$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{1,18}[0-9]$")
_URL = re.compile(r"^https://[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+/?$")
_MARKUP = re.compile(r"<[a-zA-Z/][^>]*>|\*\*|__|\]\(")


class _Problems:
    """Collects problems while loading, and the languages and countries they are judged by."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.items: list[str] = []
        self.languages: tuple[str, ...] = ()
        self.countries: tuple[str, ...] = ()
        self.situations: dict[str, Situation] = {}

    def add(self, path: Path, where: str, message: str) -> None:
        try:
            shown = path.relative_to(self.root.parent)
        except ValueError:
            shown = path
        self.items.append(f"{shown}: {where}: {message}" if where else f"{shown}: {message}")


def load_knowledge(root: Path) -> KnowledgeBase:
    """Read `catalog.yml`, `institutions/*.yml` and `answers/*/*.yml` below root.

    Raises:
        KnowledgeError: listing every problem found, each with file and field.
    """
    problems = _Problems(root)
    catalog = _read(root / "catalog.yml", problems)
    if not isinstance(catalog, dict):
        if catalog is not None:
            problems.add(
                root / "catalog.yml", "", "must contain languages, countries, topics, articles"
            )
        raise KnowledgeError(problems.items)
    problems.languages = tuple(catalog.get("languages") or ())
    problems.countries = tuple(catalog.get("countries") or ())
    problems.situations = _load_situations(root / "catalog.yml", catalog, problems)
    topics, articles = _load_catalog(root / "catalog.yml", catalog, problems)
    timezones = _load_timezones(root / "catalog.yml", catalog, problems)
    institutions = _load_institutions(root / "institutions", problems)
    answers = _load_answers(root / "answers", articles, institutions, problems)
    urgent_help = _load_urgent_help(root / "catalog.yml", catalog, institutions, problems)
    if problems.items:
        raise KnowledgeError(problems.items)
    return KnowledgeBase(
        problems.languages,
        problems.situations,
        topics,
        articles,
        institutions,
        answers,
        timezones=timezones,
        urgent_help=urgent_help,
    )


def _load_situations(
    path: Path, data: dict[str, Any], problems: _Problems
) -> dict[str, Situation]:
    """`situations`: where people need help (see knowledge/base.py `Situation`). Without it,
    each country is one returning situation served in every language."""
    raw = data.get("situations")
    if raw is None:
        return {c: Situation(c, c, problems.languages) for c in problems.countries}
    if not isinstance(raw, dict) or not raw:
        problems.add(path, "situations", "must map situation ids to their country and languages")
        return {}
    article_ids = set(data.get("articles") or ())
    situations: dict[str, Situation] = {}
    for situation_id, item in raw.items():
        where = f"situations.{situation_id}"
        if not _SITUATION.match(str(situation_id)):
            problems.add(path, where, "id must be a country code or code-name (avrr-bg)")
            continue
        if not isinstance(item, dict):
            problems.add(path, where, "must have country and languages")
            continue
        country = str(item.get("country") or "")
        if country not in problems.countries:
            problems.add(
                path, f"{where}.country", f"must be one of {', '.join(problems.countries)}"
            )
        languages = item.get("languages")
        if not isinstance(languages, list) or not languages:
            problems.add(path, f"{where}.languages", "must list at least one language")
            languages = []
        for unknown in (lang for lang in languages if lang not in problems.languages):
            problems.add(path, f"{where}.languages", f"'{unknown}' is not in `languages`")
        articles = item.get("articles")
        if articles is not None and not isinstance(articles, list):
            problems.add(path, f"{where}.articles", "must list article ids")
            articles = []
        for unknown in (a for a in articles or () if a not in article_ids):
            problems.add(path, f"{where}.articles", f"unknown article {unknown}")
        label = item.get("label") or {}
        if not isinstance(label, dict):
            problems.add(path, f"{where}.label", "must map languages to the button's text")
            label = {}
        for language in languages:
            if label and not str(label.get(language) or "").strip():
                problems.add(path, f"{where}.label.{language}", "missing")
        situations[str(situation_id)] = Situation(
            id=str(situation_id),
            country=country,
            languages=tuple(str(lang) for lang in languages),
            label={str(k): str(v) for k, v in label.items() if v},
            articles=tuple(str(a) for a in articles) if articles is not None else None,
        )
    return situations


def _languages_serving(article_id: str, problems: _Problems) -> tuple[str, ...]:
    """The languages of every situation that answers the article, in catalog order."""
    needed = {
        language
        for situation in problems.situations.values()
        if situation.serves(article_id)
        for language in situation.languages
    }
    return tuple(language for language in problems.languages if language in needed)


def _load_urgent_help(
    path: Path, data: dict[str, Any], institutions: Mapping[str, Any], problems: _Problems
) -> dict[str, dict[str, tuple[str, ...]]]:
    """`urgent_help`: per country and kind of danger, the institutions the urgent reply names
    after 112 (`default` for any kind not listed)."""
    raw = data.get("urgent_help") or {}
    if not isinstance(raw, dict):
        problems.add(path, "urgent_help", "must map countries to kinds of danger")
        return {}
    help_: dict[str, dict[str, tuple[str, ...]]] = {}
    for country, kinds in raw.items():
        where = f"urgent_help.{country}"
        if country not in problems.countries:
            problems.add(path, where, "is not a country of the catalog")
            continue
        if not isinstance(kinds, dict):
            problems.add(path, where, "must map kinds of danger to lists of institution ids")
            continue
        help_[country] = {}
        for kind, ids in kinds.items():
            if kind not in URGENT_KINDS:
                problems.add(
                    path, f"{where}.{kind}", f"kind must be one of {', '.join(URGENT_KINDS)}"
                )
                continue
            if not isinstance(ids, list):
                problems.add(path, f"{where}.{kind}", "must be a list of institution ids")
                continue
            for unknown in (i for i in ids if i not in institutions):
                problems.add(path, f"{where}.{kind}", f"unknown institution '{unknown}'")
            help_[country][kind] = tuple(str(i) for i in ids if i in institutions)
    return help_


def _load_timezones(path: Path, data: dict[str, Any], problems: _Problems) -> dict[str, str]:
    """`timezones`: each country's IANA time zone, for dates shown to the migrant."""
    raw = data.get("timezones") or {}
    if not isinstance(raw, dict):
        problems.add(path, "timezones", "must map each country to a time zone")
        return {}
    timezones: dict[str, str] = {}
    for country in problems.countries:
        zone = raw.get(country)
        try:
            ZoneInfo(str(zone))
        except (ZoneInfoNotFoundError, ValueError):
            problems.add(path, f"timezones.{country}", "must be a time zone like Europe/Chisinau")
            continue
        timezones[country] = str(zone)
    return timezones


def _read(path: Path, problems: _Problems) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except FileNotFoundError:
        problems.add(path, "", "file is missing")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        problems.add(path, where, f"not valid YAML ({getattr(exc, 'problem', exc)})")
    return None


def _languages(
    value: Any,
    path: Path,
    where: str,
    problems: _Problems,
    *,
    gaps: bool,
    required: tuple[str, ...] | None = None,
) -> dict[str, str | None]:
    """Texts per language: each `required` one (default: every language) must be there,
    the catalog's other languages may be."""
    required = problems.languages if required is None else required
    if not isinstance(value, dict):
        languages = ", ".join(required)
        problems.add(path, where, f"must map each language ({languages}) to a text")
        return {}
    result: dict[str, str | None] = {}
    for language in problems.languages:
        text = value.get(language)
        if text is None and gaps and language in value:
            result[language] = None  # an explicit, visible gap
        elif isinstance(text, str) and text.strip():
            result[language] = text.strip()
        elif language in required or language in value:
            problems.add(path, f"{where}.{language}", "missing")
    for extra in sorted(set(value) - set(problems.languages)):
        problems.add(path, f"{where}.{extra}", "unknown language")
    return result


def _load_catalog(
    path: Path, data: dict[str, Any], problems: _Problems
) -> tuple[tuple[str, ...], dict[str, Article]]:
    for key in ("languages", "countries", "topics"):
        if not data.get(key):
            problems.add(path, key, "must list at least one")
    topics = tuple(data.get("topics") or ())
    articles: dict[str, Article] = {}
    for article_id, raw in (data.get("articles") or {}).items():
        where = f"articles.{article_id}"
        if not _ID.match(str(article_id)):
            problems.add(path, where, "id must be lower_snake_case")
        if not isinstance(raw, dict):
            problems.add(path, where, "must be a mapping")
            continue
        if raw.get("topic") not in topics:
            problems.add(path, f"{where}.topic", f"must be one of {', '.join(topics)}")
        title = _languages(
            raw.get("title"),
            path,
            f"{where}.title",
            problems,
            gaps=False,
            required=_languages_serving(article_id, problems),
        )
        articles[article_id] = Article(
            id=article_id,
            topic=str(raw.get("topic")),
            title={k: v for k, v in title.items() if v},
            related=tuple(raw.get("related") or ()),
            offer_person=bool(raw.get("offer_person", False)),
        )
    for article in articles.values():
        for related in article.related:
            if related not in articles:
                problems.add(path, f"articles.{article.id}.related", f"unknown article {related}")
    return topics, articles


def _load_institutions(folder: Path, problems: _Problems) -> dict[str, Institution]:
    institutions: dict[str, Institution] = {}
    for path in sorted(folder.glob("*.yml")):
        data = _read(path, problems) or {}
        if not isinstance(data, dict):
            problems.add(path, "", "must map institution ids to url and name")
            continue
        for inst_id, raw in data.items():
            where = str(inst_id)
            if inst_id in institutions:
                problems.add(path, where, "id already used in another institutions file")
            if not isinstance(raw, dict):
                problems.add(path, where, "must have `url` and `name`")
                continue
            url = str(raw.get("url", ""))
            if not _URL.match(url):
                problems.add(path, f"{where}.url", "must be an official main site https://domain")
            # the country's own languages; answers check the others they need (_answer)
            own = problems.situations.get(path.stem)
            name = _languages(
                raw.get("name"),
                path,
                f"{where}.name",
                problems,
                gaps=False,
                required=own.languages if own is not None else ("en",),
            )
            phone, hours, verified_on, verified_by = _contact(raw, path, where, problems)
            institutions[inst_id] = Institution(
                inst_id,
                url,
                {k: v for k, v in name.items() if v},
                phone=phone,
                hours=hours,
                verified_on=verified_on,
                verified_by=verified_by,
            )
    return institutions


def _contact(
    raw: dict[str, Any], path: Path, where: str, problems: _Problems
) -> tuple[str | None, str | None, date | None, str | None]:
    """An institution's optional phone, hours and `verified: {date: ..., by: name}`.

    A phone number reaches vulnerable people: it is refused without a verification record,
    so the repository never ships a number nobody checked.
    """
    phone = raw.get("phone")
    hours = raw.get("hours")
    verified = raw.get("verified")
    if phone is None:
        if verified is not None or hours is not None:
            problems.add(path, where, "`hours` and `verified` belong with a `phone`")
        return None, None, None, None
    phone = str(phone).strip()
    if not _PHONE.match(phone):
        problems.add(path, f"{where}.phone", "must be digits, spaces, +, - or ( ), 3 to 20 long")
    if hours is not None and not (isinstance(hours, str) and 0 < len(hours) <= 60):
        problems.add(path, f"{where}.hours", "must be a short text such as 24/7")
    # not `on:` - YAML 1.1 reads that key as the boolean true
    if not isinstance(verified, dict) or not isinstance(verified.get("date"), date):
        problems.add(
            path,
            f"{where}.verified",
            "a phone needs `verified: {date: YYYY-MM-DD, by: who checked it}`",
        )
        return phone, hours, None, None
    by = str(verified.get("by") or "").strip()
    if not by:
        problems.add(path, f"{where}.verified.by", "must name who checked the number")
    return phone, hours, verified["date"], by or None


def _load_answers(
    folder: Path,
    articles: dict[str, Article],
    institutions: dict[str, Institution],
    problems: _Problems,
) -> dict[tuple[str, str], Answer]:
    answers: dict[tuple[str, str], Answer] = {}
    for path in sorted(folder.glob("*/*.yml")):
        country, article_id = path.parent.name, path.stem
        if country not in (*problems.situations, ALL_COUNTRIES):
            folders = ", ".join((*problems.situations, ALL_COUNTRIES))
            problems.add(path, "", f"folder must be a situation of catalog.yml: {folders}")
            continue
        if article_id not in articles:
            problems.add(path, "", f"{article_id} is not an article of catalog.yml")
            continue
        situation = problems.situations.get(country)
        if situation is not None and not situation.serves(article_id):
            problems.add(
                path, "", f"situation {country} does not list {article_id} in its articles"
            )
            continue
        data = _read(path, problems)
        if not isinstance(data, dict):
            if data is not None:
                problems.add(path, "", "must have `reviewed`, `sources` and `text`")
            continue
        answer = _answer(path, country, article_id, data, institutions, problems)
        if answer is not None:
            answers[(article_id, country)] = answer
    return answers


def _answer(
    path: Path,
    country: str,
    article_id: str,
    data: dict[str, Any],
    institutions: dict[str, Institution],
    problems: _Problems,
) -> Answer | None:
    reviewed = data.get("reviewed")
    if not isinstance(reviewed, date):
        problems.add(path, "reviewed", "must be a date written as YYYY-MM-DD")
    source_ids = data.get("sources")
    if not isinstance(source_ids, list) or not source_ids:
        problems.add(path, "sources", "must list at least one institution id")
        source_ids = []
    sources = []
    for source_id in source_ids:
        if source_id in institutions:
            sources.append(institutions[source_id])
        else:
            problems.add(path, "sources", f"unknown institution {source_id}")
    situation = problems.situations.get(country)
    required = (
        situation.languages if situation is not None else _languages_serving(article_id, problems)
    )
    text = _languages(data.get("text"), path, "text", problems, gaps=True, required=required)
    for source in sources:
        for language in (lang for lang in required if lang not in source.name):
            problems.add(
                path, "sources", f"{source.id} has no name in {language} (institutions/*.yml)"
            )
    for language, body in text.items():
        if body is None:
            continue
        if len(body) > MAX_ANSWER_CHARS:
            problems.add(
                path, f"text.{language}", f"{len(body)} characters, at most {MAX_ANSWER_CHARS}"
            )
        if _MARKUP.search(body):
            problems.add(path, f"text.{language}", "plain text only (no HTML or Markdown)")
    if not isinstance(reviewed, date):
        return None
    return Answer(article_id, country, reviewed, tuple(sources), text, path)
