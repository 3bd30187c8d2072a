"""Situations: where a person needs help, declared in catalog.yml (knowledge/base.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.errors import KnowledgeError
from knowledge import KnowledgeBase, load_knowledge
from knowledge.check import coverage


def test_the_voluntary_return_situation_answers_only_its_articles(kb: KnowledgeBase) -> None:
    avrr = kb.situations["avrr-bg"]
    assert avrr.country == "bg"
    assert set(avrr.languages) == {"ar", "fa", "en", "ru"}
    answered = {a for a in kb.articles if kb.resolve(a, "avrr-bg", "ar") is not None}
    assert answered == set(avrr.articles or ())
    assert kb.resolve("doc_driving_license", "avrr-bg", "en") is None  # escalates instead
    assert kb.resolve("return_avrr", "md", "ar") is None  # Moldova is not served in Arabic
    assert kb.topics_of("avrr-bg") == ("jobs", "health", "social", "return")
    assert [a.id for a in kb.articles_in("jobs", "avrr-bg")] == ["job_labour_rights"]


def test_a_situation_takes_its_country_s_time_zone_and_urgent_help(kb: KnowledgeBase) -> None:
    assert kb.timezone("avrr-bg") == kb.timezone("bg") == "Europe/Sofia"
    assert kb.timezone(None) == "UTC"
    assert kb.urgent_contacts("avrr-bg", "trafficking") == kb.urgent_contacts("bg", "trafficking")


def test_the_situation_picker_offers_what_a_language_is_served_in(kb: KnowledgeBase) -> None:
    assert [s.id for s in kb.situations_for("ar")] == ["avrr-bg"]
    assert [s.id for s in kb.situations_for("fa")] == ["avrr-bg"]
    assert [s.id for s in kb.situations_for("en")] == ["md", "ge", "bg", "avrr-bg"]
    assert [s.id for s in kb.situations_for("ka")] == ["md", "ge", "bg"]
    assert kb.languages_of("avrr-bg") == ("ar", "fa", "en", "ru")
    assert kb.languages_of(None) == kb.languages


def test_coverage_shows_each_situation_only_in_its_languages(kb: KnowledgeBase) -> None:
    header, *rows = coverage(kb)
    avrr = [row for row in rows if row[1] == "avrr-bg"]
    assert len(avrr) == 8
    cells = dict(zip(header, avrr[0], strict=True))
    assert cells["ar"] == cells["fa"] == "✓"
    assert cells["ro"] == cells["ka"] == "·"


def test_a_missing_text_in_a_situation_language_is_named(kb_copy: Path) -> None:
    path = kb_copy / "answers" / "avrr-bg" / "return_apply.yml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  fa: |")
    path.write_text(text[:start], encoding="utf-8")
    assert "avrr-bg/return_apply.yml: text.fa: missing" in load_problems(kb_copy)


def test_an_answer_for_an_article_its_situation_does_not_list_is_refused(kb_copy: Path) -> None:
    shutil.copy(
        kb_copy / "answers" / "bg" / "doc_passport.yml",
        kb_copy / "answers" / "avrr-bg" / "doc_passport.yml",
    )
    assert "does not list doc_passport" in load_problems(kb_copy)


def test_a_situation_with_an_unknown_language_or_article_is_named(kb_copy: Path) -> None:
    path = kb_copy / "catalog.yml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("languages: [ar, fa, en, ru]", "languages: [ar, fa, en, ru, ps]")
    text = text.replace("articles: [return_avrr,", "articles: [return_asylum, return_avrr,")
    path.write_text(text, encoding="utf-8")
    problems = load_problems(kb_copy)
    assert "situations.avrr-bg.languages: 'ps' is not in `languages`" in problems
    assert "situations.avrr-bg.articles: unknown article return_asylum" in problems


def test_a_source_without_a_name_in_the_situation_s_language_is_named(kb_copy: Path) -> None:
    path = kb_copy / "institutions" / "bg.yml"
    text = path.read_text(encoding="utf-8")
    start = text.index("bg_iom:")
    head, tail = text[:start], text[start:]
    tail = "\n".join(line for line in tail.split("\n") if not line.startswith("    fa: "))
    path.write_text(head + tail, encoding="utf-8")
    assert "bg_iom has no name in fa" in load_problems(kb_copy)


def test_without_situations_each_country_is_one_served_in_every_language(kb_copy: Path) -> None:
    path = kb_copy / "catalog.yml"
    text = path.read_text(encoding="utf-8")
    start, end = text.index("situations:\n"), text.index("# Each country's time zone")
    text = text[:start] + text[end:]
    text = text.replace(
        "languages: [ro, ru, uk, bg, ka, en, ar, fa]", "languages: [ro, ru, uk, bg, ka, en]"
    )
    path.write_text(_without_arabic_and_persian(text), encoding="utf-8")
    for institutions in (kb_copy / "institutions").glob("*.yml"):
        text = institutions.read_text(encoding="utf-8")
        institutions.write_text(_without_arabic_and_persian(text), encoding="utf-8")
    shutil.rmtree(kb_copy / "answers" / "avrr-bg")
    kb = load_knowledge(kb_copy)
    assert tuple(kb.situations) == ("md", "ge", "bg")
    assert kb.situations["md"].languages == kb.languages


def _without_arabic_and_persian(text: str) -> str:
    return "\n".join(
        line for line in text.split("\n") if not line.lstrip().startswith(("ar: ", "fa: "))
    )


def load_problems(root: Path) -> str:
    """Every problem loading `root` reports, one per line (loading must fail)."""
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(root)
    return "\n".join(raised.value.problems)
