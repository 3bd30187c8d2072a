"""Screens whose content depends on the NLU decision (the rest: tests/test_callback_data.py)."""

from __future__ import annotations

import pytest

from bot.i18n import I18n
from bot.settings import ROOT
from bot.views import Views
from knowledge import KnowledgeBase


@pytest.fixture(scope="module")
def views(kb: KnowledgeBase) -> Views:
    return Views(kb, I18n(ROOT / "locales", kb.languages, "en"))


def test_topic_menu_for_a_vague_message_lists_the_likeliest_article_first(
    views: Views, kb: KnowledgeBase
) -> None:
    articles = [a.id for a in kb.articles_in("jobs")]

    reply = views.topic("en", "jobs", asked=True, first=["job_training", "job_vacancies"])

    actions = [button.action for row in reply.buttons for button in row]
    assert actions[: len(articles)] == [
        "art:job_training",
        "art:job_vacancies",
        *(f"art:{a}" for a in articles if a not in ("job_training", "job_vacancies")),
    ]
    assert actions[len(articles) :] == ["human", "menu"]
    assert reply.text == "💼 Jobs\n\nDid you mean one of these?"
    assert reply.replace is False


def test_topic_menu_from_the_main_menu_replaces_it_in_catalog_order(
    views: Views, kb: KnowledgeBase
) -> None:
    reply = views.topic("en", "jobs")

    actions = [button.action for row in reply.buttons for button in row]
    assert actions == [*(f"art:{a.id}" for a in kb.articles_in("jobs")), "menu"]
    assert (reply.text, reply.replace) == ("💼 Jobs", True)
