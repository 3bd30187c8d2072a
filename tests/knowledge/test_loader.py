import shutil
from datetime import date
from pathlib import Path

import pytest

from bot.errors import KnowledgeError
from bot.settings import ROOT
from knowledge import KnowledgeBase, load_knowledge
from knowledge.check import check, coverage


def test_repository_knowledge_loads(kb: KnowledgeBase) -> None:
    assert kb.languages == ("ro", "ru", "uk", "bg", "ka", "en", "ar", "fa")
    assert tuple(kb.situations) == ("md", "ge", "bg", "avrr-bg")
    assert len(kb.articles) == 27


def test_every_article_is_answered_in_every_situation_and_its_languages(
    kb: KnowledgeBase,
) -> None:
    missing = [
        (article, situation.id, language)
        for article in kb.articles
        for situation in kb.situations.values()
        if situation.serves(article)
        for language in situation.languages
        if kb.resolve(article, situation.id, language) is None
    ]

    assert missing == []


def test_answers_are_country_specific(kb: KnowledgeBase) -> None:
    moldova = kb.resolve("job_register_unemployed", "md", "ro")
    bulgaria = kb.resolve("job_register_unemployed", "bg", "ro")

    assert moldova is not None and bulgaria is not None
    assert moldova.text != bulgaria.text
    assert all(s.id.startswith(("md_", "intl_")) for s in moldova.sources)


def test_a_broken_file_names_file_and_field(kb_copy: Path) -> None:
    path = kb_copy / "answers" / "md" / "doc_passport.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("  ka: ", "  kx: ", 1), "utf-8")

    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(kb_copy)

    assert "knowledge/answers/md/doc_passport.yml: text.ka: missing" in raised.value.problems
    assert "knowledge/answers/md/doc_passport.yml: text.kx: unknown language" in (
        raised.value.problems
    )


def test_invalid_yaml_names_the_line(kb_copy: Path) -> None:
    path = kb_copy / "answers" / "ge" / "doc_id_card.yml"
    path.write_text("reviewed: 2026-11-21\nsources: [ge_psh\n", "utf-8")

    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(kb_copy)

    assert any(
        p.startswith("knowledge/answers/ge/doc_id_card.yml: line ") for p in raised.value.problems
    )


def test_unknown_source_and_deep_link_are_refused(kb_copy: Path) -> None:
    institutions = kb_copy / "institutions" / "intl.yml"
    institutions.write_text(
        institutions.read_text("utf-8").replace(
            "https://www.iom.int", "https://www.iom.int/some/path"
        ),
        "utf-8",
    )
    answer = kb_copy / "answers" / "bg" / "doc_passport.yml"
    text = answer.read_text("utf-8")
    answer.write_text(text.replace("sources: [", "sources: [bg_nowhere, ", 1), "utf-8")

    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(kb_copy)

    assert (
        "knowledge/institutions/intl.yml: intl_iom.url: must be an official main site "
        "https://domain" in raised.value.problems
    )
    assert "knowledge/answers/bg/doc_passport.yml: sources: unknown institution bg_nowhere" in (
        raised.value.problems
    )


def test_too_long_answer_is_refused(kb_copy: Path) -> None:
    answer = kb_copy / "answers" / "md" / "job_vacancies.yml"
    text = answer.read_text("utf-8")
    answer.write_text(text.replace("  en: |\n", "  en: |\n    " + "x" * 950 + "\n", 1), "utf-8")

    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(kb_copy)

    assert any(
        "job_vacancies.yml: text.en:" in p and "at most 900" in p for p in raised.value.problems
    )


TODAY = date(2026, 12, 6)
"""The pinned date of these checks; freshness itself is tested with explicit dates below."""


def test_check_passes_on_the_repository() -> None:
    report = check(ROOT / "knowledge", ROOT / "nlu" / "data", max_age_days=365, today=TODAY)

    assert report.errors == []


def test_stale_answers_are_warnings_and_never_fail_the_check() -> None:
    report = check(
        ROOT / "knowledge", ROOT / "nlu" / "data", max_age_days=30, today=date(2030, 1, 1)
    )

    assert report.errors == []
    assert any("older than 2029-12-02" in w for w in report.warnings)


def test_strict_check_makes_stale_answers_errors() -> None:
    report = check(
        ROOT / "knowledge",
        ROOT / "nlu" / "data",
        max_age_days=30,
        today=date(2030, 1, 1),
        strict=True,
    )

    assert any("older than 2029-12-02" in e for e in report.errors)


def test_check_flags_articles_without_nlu_data(tmp_path: Path) -> None:
    nlu = tmp_path / "nlu"
    shutil.copytree(ROOT / "nlu" / "data", nlu)
    en = nlu / "en.yml"
    en.write_text(
        en.read_text("utf-8").replace("- intent: doc_apostille", "- intent: doc_apostile"), "utf-8"
    )

    report = check(ROOT / "knowledge", nlu, max_age_days=365, today=TODAY)

    assert "nlu/data/en.yml: no examples for doc_apostille" in report.errors


def test_coverage_marks_explicit_gaps(kb_copy: Path) -> None:
    answer = kb_copy / "answers" / "ge" / "health_mental.yml"
    text = answer.read_text("utf-8")
    start = text.index("  uk: |")
    end = text.index("  bg: |")
    answer.write_text(text[:start] + "  uk: null\n" + text[end:], "utf-8")

    rows = coverage(load_knowledge(kb_copy))

    header = rows[0]
    row = next(r for r in rows if r[:2] == ["health_mental", "ge"])
    assert row[header.index("uk")] == "gap"
    assert row[header.index("ro")] == "✓"


def add_contact(kb_copy: Path, lines: str) -> None:
    """Append contact fields to md_asp in the copy's institutions/md.yml."""
    path = kb_copy / "institutions" / "md.yml"
    text = path.read_text("utf-8")
    anchor = "md_asp:\n  url: https://www.asp.gov.md\n"
    assert anchor in text
    path.write_text(text.replace(anchor, anchor + lines, 1), "utf-8")


def test_an_unverified_phone_number_is_refused(kb_copy: Path) -> None:
    add_contact(kb_copy, "  phone: '+373 22 000 000'\n")

    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(kb_copy)

    assert any("md_asp.verified" in p and "verified: {date:" in p for p in raised.value.problems)


def test_a_verified_phone_number_is_shown_with_its_hours(kb_copy: Path) -> None:
    add_contact(
        kb_copy,
        "  phone: '+373 22 000 000'\n  hours: Mon-Fri 08:00-17:00\n"
        "  verified: {date: 2026-12-01, by: Operator Name}\n",
    )

    kb = load_knowledge(kb_copy)

    asp = kb.institutions["md_asp"]
    assert asp.verified_phone == "+373 22 000 000 (Mon-Fri 08:00-17:00)"
    assert (asp.verified_on, asp.verified_by) == (date(2026, 12, 1), "Operator Name")
    assert kb.institutions["md_anofm"].verified_phone is None


def test_urgent_answers_without_a_verified_number_are_listed(kb_copy: Path) -> None:
    report = check(kb_copy, ROOT / "nlu" / "data", max_age_days=365, today=TODAY)

    flagged = sorted(w.split(":")[0] for w in report.warnings if "verified phone" in w)
    assert flagged == [
        f"knowledge/answers/{country}/{article}.yml"
        for country in ("avrr-bg", "bg", "ge", "md")
        for article in ("health_emergency", "health_mental", "safety_trafficking")
    ]
    assert report.errors == []
