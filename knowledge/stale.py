"""`kb stale`: answers not reviewed for too long, and translations older than their source text.

Each country has a source language: the language its answers are written and fact-checked in
first, the others being translations of it. By default Romanian for Moldova, Georgian for
Georgia, Bulgarian for Bulgaria and English for answers valid in all countries; `catalog.yml` may
set others with `source_languages: {md: ro, ge: ka, bg: bg}` (a new country needs no code).

An answer's `reviewed` is the date of its source-language text. A translation last brought in
line with the source on an earlier day is listed, with that day, in the answer's optional
`translated` mapping; a language not listed there is as current as `reviewed`:

    reviewed: 2026-11-21
    translated: {ru: 2026-03-02}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from bot.errors import KnowledgeError
from knowledge.base import ALL_COUNTRIES, Answer, KnowledgeBase

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ten times faster


def read_yaml(text: str) -> Any:
    """Parse YAML as `yaml.safe_load` does, with libyaml when it is installed."""
    return yaml.load(text, Loader=_Loader)


DEFAULT_SOURCE_LANGUAGES: Mapping[str, str] = {"md": "ro", "ge": "ka", "bg": "bg", "all": "en"}
TRANSLATED = "translated"


def shown(path: Path, root: Path) -> str:
    """A content file as the loader names it in problems: `knowledge/answers/md/x.yml`."""
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def source_languages(root: Path, languages: Sequence[str]) -> dict[str, str]:
    """Country (and `all`) → source language, from the defaults and `catalog.yml`.

    Raises:
        KnowledgeError: `source_languages` in catalog.yml names an unknown language.
    """
    result = {k: v for k, v in DEFAULT_SOURCE_LANGUAGES.items() if v in languages}
    catalog = read_yaml((root / "catalog.yml").read_text(encoding="utf-8")) or {}
    configured = catalog.get("source_languages") or {}
    problems = []
    if not isinstance(configured, dict):
        problems.append(
            f"{root.name}/catalog.yml: source_languages: must map countries to a language"
        )
        configured = {}
    for country, language in configured.items():
        if language not in languages:
            problems.append(
                f"{root.name}/catalog.yml: source_languages.{country}: unknown language {language}"
            )
        else:
            result[str(country)] = str(language)
    if problems:
        raise KnowledgeError(problems)
    return result


def source_of(sources: Mapping[str, str], country: str, languages: Sequence[str]) -> str:
    """The source language of a country's answers (English, else the first language, if unset)."""
    fallback = "en" if "en" in languages else languages[0]
    return sources.get(country) or sources.get(ALL_COUNTRIES) or fallback


def read_translated(
    data: Mapping[str, Any], *, where: str, languages: Sequence[str], source: str
) -> tuple[dict[str, date], list[str]]:
    """The `translated` dates of one answer file's data, and the problems found in them."""
    raw = data.get(TRANSLATED)
    if raw is None:
        return {}, []
    if not isinstance(raw, dict):
        return {}, [f"{where}: {TRANSLATED}: must map languages to dates, e.g. {{ru: 2026-03-02}}"]
    dates: dict[str, date] = {}
    problems = []
    for language, day in raw.items():
        if language not in languages:
            problems.append(f"{where}: {TRANSLATED}.{language}: unknown language")
        elif language == source:
            problems.append(
                f"{where}: {TRANSLATED}.{language}: {language} is the source language here; "
                "its date is `reviewed`"
            )
        elif not isinstance(day, date):
            problems.append(
                f"{where}: {TRANSLATED}.{language}: must be a date written as YYYY-MM-DD"
            )
        else:
            dates[str(language)] = day
    return dates, problems


def translated_dates(
    answer: Answer, root: Path, languages: Sequence[str], source: str
) -> dict[str, date]:
    """The `translated` dates of a loaded answer (its file is read again: the loader skips them).

    Raises:
        KnowledgeError: the mapping is malformed.
    """
    data = read_yaml(answer.path.read_text(encoding="utf-8")) or {}
    dates, problems = read_translated(
        data, where=shown(answer.path, root), languages=languages, source=source
    )
    if problems:
        raise KnowledgeError(problems)
    return dates


@dataclass(frozen=True, slots=True)
class StaleAnswer:
    file: str
    reviewed: date
    days: int


@dataclass(frozen=True, slots=True)
class OutdatedTranslation:
    file: str
    language: str
    translated: date
    source: str
    reviewed: date


@dataclass
class StaleReport:
    oldest: date
    """Answers reviewed before this day are stale."""
    stale: list[StaleAnswer] = field(default_factory=list)
    outdated: list[OutdatedTranslation] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.stale and not self.outdated


def find_stale(kb: KnowledgeBase, root: Path, *, max_age_days: int, today: date) -> StaleReport:
    """Every answer file reviewed more than max_age_days ago, every outdated translation.

    Raises:
        KnowledgeError: a `translated` mapping or `source_languages` is malformed.
    """
    report = StaleReport(oldest=today - timedelta(days=max_age_days))
    sources = source_languages(root, kb.languages)
    problems: list[str] = []
    for (_, country), answer in sorted(kb.answers.items(), key=_catalog_order(kb)):
        file = shown(answer.path, root)
        if answer.reviewed < report.oldest:
            report.stale.append(StaleAnswer(file, answer.reviewed, (today - answer.reviewed).days))
        source = source_of(sources, country, kb.languages)
        try:
            dates = translated_dates(answer, root, kb.languages, source)
        except KnowledgeError as exc:
            problems.extend(exc.problems)
            continue
        for language in kb.languages:
            day = dates.get(language)
            if day is not None and day < answer.reviewed and answer.text.get(language):
                report.outdated.append(
                    OutdatedTranslation(file, language, day, source, answer.reviewed)
                )
    if problems:
        raise KnowledgeError(problems)
    return report


def answer_status(
    answer: Answer | None,
    dates: Mapping[str, date],
    languages: Sequence[str],
    *,
    oldest: date,
) -> str:
    """One word or a short list for an answer: complete, missing (languages), outdated, stale."""
    if answer is None:
        return "missing"
    parts = []
    gaps = [language for language in languages if not answer.text.get(language)]
    if gaps:
        parts.append("missing: " + ", ".join(gaps))
    behind = [
        language
        for language in languages
        if language in dates and dates[language] < answer.reviewed and answer.text.get(language)
    ]
    if behind:
        parts.append("outdated: " + ", ".join(behind))
    if answer.reviewed < oldest:
        parts.append(f"stale: reviewed {answer.reviewed.isoformat()}")
    return "; ".join(parts) or "complete"


def as_text(report: StaleReport, max_age_days: int) -> str:
    """The report for editors, one line per file or translation."""
    lines = [
        f"Answers reviewed more than {max_age_days} days ago "
        f"(before {report.oldest.isoformat()}): {len(report.stale)}"
    ]
    lines += [
        f"  {s.file}: reviewed {s.reviewed.isoformat()} ({s.days} days ago)" for s in report.stale
    ]
    lines += ["", f"Translations older than their source text: {len(report.outdated)}"]
    lines += [
        f"  {o.file}: {o.language} translated {o.translated.isoformat()}, "
        f"source {o.source} reviewed {o.reviewed.isoformat()}"
        for o in report.outdated
    ]
    return "\n".join(lines)


def _catalog_order(
    kb: KnowledgeBase,
) -> Callable[[tuple[tuple[str, str], Answer]], tuple[int, int]]:
    articles = {article_id: i for i, article_id in enumerate(kb.articles)}
    countries = {country: i for i, country in enumerate((*kb.situations, ALL_COUNTRIES))}

    def key(item: tuple[tuple[str, str], Answer]) -> tuple[int, int]:
        (article_id, country), _ = item
        return articles.get(article_id, len(articles)), countries.get(country, len(countries))

    return key
