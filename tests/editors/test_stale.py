"""`kb stale`: answers reviewed too long ago, translations older than their source text."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.errors import KnowledgeError
from knowledge import load_knowledge
from knowledge.stale import OutdatedTranslation, StaleAnswer, find_stale
from tests.editors.helpers import copy_knowledge
from tests.test_cli import run_cli

TODAY = date(2027, 6, 1)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A copy of the knowledge folder with every answer reviewed 10 days before TODAY."""
    root = copy_knowledge(tmp_path)
    for path in (root / "answers").glob("*/*.yml"):
        set_header(path, reviewed=TODAY - timedelta(days=10))
    return root


def set_header(path: Path, *, reviewed: date, translated: str | None = None) -> None:
    """Rewrite `reviewed` (and add a `translated` line) in an answer file."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines = [line for line in lines if not line.startswith("translated:")]
    at = next(i for i, line in enumerate(lines) if line.startswith("reviewed:"))
    lines[at] = f"reviewed: {reviewed.isoformat()}\n"
    if translated is not None:
        lines.insert(at + 2, f"translated: {translated}\n")
    path.write_text("".join(lines), encoding="utf-8")


def test_nothing_is_stale_in_fresh_content(root: Path) -> None:
    report = find_stale(load_knowledge(root), root, max_age_days=365, today=TODAY)

    assert (report.stale, report.outdated, report.clean) == ([], [], True)


def test_an_answer_reviewed_too_long_ago_is_stale(root: Path) -> None:
    set_header(root / "answers" / "md" / "doc_passport.yml", reviewed=date(2026, 5, 1))
    set_header(root / "answers" / "bg" / "return_avrr.yml", reviewed=date(2026, 6, 1))

    report = find_stale(load_knowledge(root), root, max_age_days=365, today=TODAY)

    assert report.oldest == date(2026, 6, 1)
    assert report.stale == [
        StaleAnswer("knowledge/answers/md/doc_passport.yml", date(2026, 5, 1), 396)
    ]
    assert report.outdated == []


def test_translations_older_than_the_source_text_are_outdated(root: Path) -> None:
    reviewed = TODAY - timedelta(days=3)
    set_header(
        root / "answers" / "md" / "doc_passport.yml",
        reviewed=reviewed,
        translated="{ru: 2027-01-02, en: 2027-05-29}",  # en checked against this very version
    )
    set_header(
        root / "answers" / "ge" / "health_mental.yml",
        reviewed=reviewed,
        translated="{ro: 2026-12-01}",
    )

    report = find_stale(load_knowledge(root), root, max_age_days=365, today=TODAY)

    assert report.outdated == [
        OutdatedTranslation(
            "knowledge/answers/md/doc_passport.yml", "ru", date(2027, 1, 2), "ro", reviewed
        ),
        OutdatedTranslation(
            "knowledge/answers/ge/health_mental.yml", "ro", date(2026, 12, 1), "ka", reviewed
        ),
    ]


def test_the_source_language_has_no_translation_date(root: Path) -> None:
    set_header(
        root / "answers" / "md" / "doc_passport.yml", reviewed=TODAY, translated="{ro: 2027-01-02}"
    )

    with pytest.raises(KnowledgeError) as raised:
        find_stale(load_knowledge(root), root, max_age_days=365, today=TODAY)

    assert raised.value.problems == [
        "knowledge/answers/md/doc_passport.yml: translated.ro: ro is the source language here; "
        "its date is `reviewed`"
    ]


def test_the_catalog_can_name_another_source_language(root: Path) -> None:
    catalog = root / "catalog.yml"
    catalog.write_text(
        catalog.read_text(encoding="utf-8") + "source_languages: {md: ru}\n", encoding="utf-8"
    )
    set_header(
        root / "answers" / "md" / "doc_passport.yml", reviewed=TODAY, translated="{ro: 2027-01-02}"
    )

    report = find_stale(load_knowledge(root), root, max_age_days=365, today=TODAY)

    assert [(o.language, o.source) for o in report.outdated] == [("ro", "ru")]


def test_the_command_lists_what_to_do(tmp_path: Path) -> None:
    root = copy_knowledge(tmp_path)
    today = date.today()
    for path in (root / "answers").glob("*/*.yml"):
        set_header(path, reviewed=today)
    set_header(root / "answers" / "md" / "doc_passport.yml", reviewed=today - timedelta(days=40))
    set_header(
        root / "answers" / "bg" / "social_school.yml",
        reviewed=today,
        translated=f"{{uk: {(today - timedelta(days=5)).isoformat()}}}",
    )
    env = {"KNOWLEDGE_DIR": str(root)}

    strict = run_cli("kb", "stale", "--days", "30", env=env)
    default = run_cli("kb", "stale", env=env)  # KB_MAX_AGE_DAYS: 365

    assert strict.returncode == 1
    assert strict.stdout.splitlines() == [
        f"Answers reviewed more than 30 days ago (before {(today - timedelta(days=30))}): 1",
        f"  knowledge/answers/md/doc_passport.yml: reviewed {today - timedelta(days=40)} "
        "(40 days ago)",
        "",
        "Translations older than their source text: 1",
        f"  knowledge/answers/bg/social_school.yml: uk translated {today - timedelta(days=5)}, "
        f"source bg reviewed {today}",
    ]
    assert default.returncode == 1
    assert default.stdout.splitlines()[0].endswith("): 0")
    assert "knowledge/answers/bg/social_school.yml: uk translated" in default.stdout
