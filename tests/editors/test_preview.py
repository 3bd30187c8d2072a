"""`kb preview`: an answer as the bot sends it, rendered for the terminal."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import AssistantError
from bot.i18n import I18n
from bot.rendering import to_html
from bot.settings import ROOT
from bot.views import Views
from knowledge import KnowledgeBase, load_knowledge
from knowledge.preview import Preview, preview
from tests.editors.helpers import copy_knowledge, make_gap
from tests.test_cli import run_cli


@pytest.fixture(scope="module")
def i18n(kb: KnowledgeBase) -> I18n:
    return I18n(ROOT / "locales", kb.languages, "en")


def test_preview_shows_title_text_sources_and_buttons(kb: KnowledgeBase, i18n: I18n) -> None:
    answer = kb.resolve("doc_passport", "md", "ro")
    assert answer is not None

    shown = preview(kb, i18n, "doc_passport", "md", "ro")

    lines = shown.text.splitlines()
    assert lines[0] == "Pașaportul"  # never upper-cased (Georgian would become Mtavruli)
    assert lines[2 : 2 + len(answer.text.splitlines())] == answer.text.splitlines()
    assert "Surse:" in lines
    assert "  - Agenția Servicii Publice (ASP): https://www.asp.gov.md" in lines
    assert lines[-6:] == [
        "  [1] 👍",
        "  [2] 👎",
        "  [3] ↪ Buletinul de identitate",
        "  [4] ↪ Fără pașaport: titlu de călătorie",
        "  [5] 🙋 Vorbiți cu un consultant",
        "  [6] ☰ Meniu",
    ]
    assert shown.html_length == len(to_html(Views(kb, i18n).answer(answer)))
    assert (shown.answered, shown.fits) == (True, True)
    assert shown.render().splitlines()[0] == (
        f"── doc_passport · md · ro · reviewed {answer.reviewed.isoformat()} ──"
    )


def test_an_emergency_answer_offers_a_person_first(kb: KnowledgeBase, i18n: I18n) -> None:
    shown = preview(kb, i18n, "health_emergency", "ge", "en")

    buttons = [line for line in shown.text.splitlines() if line.startswith("  [")]
    assert buttons[0] == "  [1] 🙋 Talk to a person"


def test_a_missing_translation_shows_what_the_migrant_gets_instead(
    tmp_path: Path, i18n: I18n
) -> None:
    root = copy_knowledge(tmp_path)
    make_gap(root / "answers" / "md" / "doc_passport.yml", "ka")
    kb = load_knowledge(root)

    shown = preview(kb, i18n, "doc_passport", "md", "ka")

    assert shown.answered is False
    assert shown.text.startswith(Views(kb, i18n).missing_answer("ka").text)
    assert "NO TEXT YET" in shown.render().splitlines()[0]


def test_a_message_over_the_telegram_limit_is_reported() -> None:
    shown = Preview("doc_passport", "md", "ro", "…", html_length=4100, answered=True)

    assert shown.fits is False
    assert shown.render().splitlines()[-1] == (
        "── 4100 of 4096 characters as a Telegram message: TOO LONG by 4, Telegram refuses it ──"
    )


@pytest.mark.parametrize(
    ("article", "country", "language", "message"),
    [
        ("doc_pasport", "md", "ro", "unknown article 'doc_pasport' (did you mean doc_passport?)"),
        ("doc_passport", "xx", "ro", "unknown situation 'xx'; one of: md, ge, bg, avrr-bg"),
        (
            "doc_passport",
            "md",
            "fr",
            "unknown language 'fr'; one of: ro, ru, uk, bg, ka, en, ar, fa",
        ),
    ],
)
def test_unknown_names_are_one_clear_line(
    kb: KnowledgeBase, i18n: I18n, article: str, country: str, language: str, message: str
) -> None:
    with pytest.raises(AssistantError) as raised:
        preview(kb, i18n, article, country, language)
    assert str(raised.value) == message

    completed = run_cli("kb", "preview", article, "--country", country, "--language", language)

    assert completed.returncode == 2
    assert completed.stderr == f"error: {message}\n"


def test_the_command_prints_the_preview() -> None:
    completed = run_cli("kb", "preview", "doc_passport", "--country", "md", "--language", "ro")

    assert completed.returncode == 0, completed.stderr
    assert "Pașaportul\n" in completed.stdout
    assert completed.stdout.rstrip().endswith("of 4096 characters as a Telegram message ──")


def test_the_command_exits_1_on_a_gap(tmp_path: Path) -> None:
    root = copy_knowledge(tmp_path)
    make_gap(root / "answers" / "md" / "doc_passport.yml", "ka")

    completed = run_cli(
        "kb", "preview", "doc_passport", "--country", "md", env={"KNOWLEDGE_DIR": str(root)}
    )

    assert completed.returncode == 1
    assert completed.stdout.count("── doc_passport · md · ") == 6  # every language
    assert "── doc_passport · md · ka · reviewed" in completed.stdout
    assert "NO TEXT YET" in completed.stdout


def test_a_verified_phone_number_appears_with_its_source(tmp_path: Path) -> None:
    root = copy_knowledge(tmp_path)
    path = root / "institutions" / "md.yml"
    anchor = "md_asp:\n  url: https://www.asp.gov.md\n"
    path.write_text(
        path.read_text("utf-8").replace(
            anchor,
            anchor + "  phone: '+373 22 000 000'\n  hours: 24/7\n"
            "  verified: {date: 2026-12-01, by: Operator Name}\n",
        ),
        "utf-8",
    )

    completed = run_cli(
        "kb",
        "preview",
        "doc_passport",
        "--country",
        "md",
        "--language",
        "en",
        env={"KNOWLEDGE_DIR": str(root)},
    )

    assert completed.returncode == 0, completed.stderr
    assert "Public Services Agency (ASP) · ☎ +373 22 000 000 (24/7)" in completed.stdout
