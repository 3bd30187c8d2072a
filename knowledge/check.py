"""`kb check` and `kb coverage`: is every answer present, sourced, fresh and understood?"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from bot.errors import KnowledgeError
from knowledge.base import KnowledgeBase
from knowledge.loader import load_knowledge
from nlu.decision import ASK_HUMAN, OUT_OF_SCOPE, SMALLTALK
from nlu.examples import read_language_files

DIALOGUE_INTENTS = frozenset({*SMALLTALK, ASK_HUMAN, OUT_OF_SCOPE})


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def check(
    kb_dir: Path, nlu_dir: Path, *, max_age_days: int, today: date, strict: bool = False
) -> Report:
    """Validate content and its NLU data together.

    An answer reviewed more than `max_age_days` before `today` is a warning: freshness is
    editors' work to schedule (`kb stale`), never a reason to stop CI or to refuse publishing
    an urgent correction. `strict` makes it an error (for an editor's own pre-release check).
    """
    report = Report()
    try:
        kb = load_knowledge(kb_dir)
    except KnowledgeError as exc:
        report.errors.extend(exc.problems)
        return report
    _check_answers(kb, report, oldest=today - timedelta(days=max_age_days), strict=strict)
    try:
        nlu = read_language_files(nlu_dir)
    except KnowledgeError as exc:
        report.errors.extend(exc.problems)
        return report
    for language in kb.languages:
        intents = nlu.get(language)
        if intents is None:
            report.errors.append(f"nlu/data/{language}.yml: missing")
            continue
        for article_id in kb.articles:
            if not _served_in(kb, article_id, language):
                continue
            if not intents.get(article_id):
                report.errors.append(f"nlu/data/{language}.yml: no examples for {article_id}")
        for intent in intents:
            if intent not in kb.articles and intent not in DIALOGUE_INTENTS:
                report.errors.append(
                    f"nlu/data/{language}.yml: intent {intent} is neither an article of "
                    "catalog.yml nor a dialogue intent"
                )
    return report


def _served_in(kb: KnowledgeBase, article_id: str, language: str) -> bool:
    """Whether some situation answers the article in the language (so the NLU must know it)."""
    return any(language in s.languages and s.serves(article_id) for s in kb.situations.values())


def _check_answers(kb: KnowledgeBase, report: Report, *, oldest: date, strict: bool) -> None:
    for article_id in kb.articles:
        for country, situation in kb.situations.items():
            if not situation.serves(article_id):
                continue
            answer = kb.answer_for(article_id, country)
            if answer is None:
                report.errors.append(f"knowledge/answers/{country}/{article_id}.yml: missing")
                continue
            for language in situation.languages:
                if answer.text.get(language) is None:
                    report.warnings.append(
                        f"{answer.path.name} ({answer.country}): no {language} text yet (gap)"
                    )
    for article in kb.articles.values():
        if not article.offer_person:
            continue
        for country in kb.situations:
            answer = kb.answer_for(article.id, country)
            if answer is not None and not any(s.verified_phone for s in answer.sources):
                report.warnings.append(
                    f"knowledge/answers/{country}/{article.id}.yml: urgent answer without a "
                    "verified phone number among its sources (see knowledge/README.md, "
                    '"Verified contacts")'
                )
    for answer in kb.answers.values():
        if answer.reviewed < oldest:
            (report.errors if strict else report.warnings).append(
                f"knowledge/answers/{answer.country}/{answer.article_id}.yml: reviewed "
                f"{answer.reviewed.isoformat()}, older than {oldest.isoformat()}; check it again"
            )


def coverage(kb: KnowledgeBase) -> list[list[str]]:
    """Rows of article × situation with one cell per language: ✓, gap (explicit), — (missing)
    or · (the situation is not served in that language); articles a situation does not answer
    have no row."""
    rows = [["article", "situation", *kb.languages]]
    for article_id in kb.articles:
        for country, situation in kb.situations.items():
            if not situation.serves(article_id):
                continue
            answer = kb.answer_for(article_id, country)
            cells = []
            for language in kb.languages:
                if language not in situation.languages:
                    cells.append("·")
                elif answer is None:
                    cells.append("—")
                elif answer.text.get(language) is None:
                    cells.append("gap")
                else:
                    cells.append("✓" if answer.country == country else "✓ (all)")
            rows.append([article_id, country, *cells])
    return rows


def as_markdown(rows: list[list[str]]) -> str:
    header, *body = rows
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines) + "\n"


def as_text(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    )
