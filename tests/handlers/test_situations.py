"""End to end: people in Bulgaria who consider voluntary return, in Arabic and Persian.

The real Application over the fake Bot API, answering with the real Rasa model trained from the
repository's data (nlu/data/ar.yml, fa.yml)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.context import App
from bot.models import Ticket, User
from tests.fake_telegram import FakeBotApi, FakeUser, SentMessage
from tests.support.conversation import onboard

pytestmark = pytest.mark.rasa

RLM, LRI = "\u200f", "\u2066"
AVRR_ARTICLES = {
    "return_avrr",
    "return_apply",
    "return_travel_document",
    "return_reintegration",
    "safety_trafficking",
    "health_emergency",
    "health_mental",
    "job_labour_rights",
}


def actions(message: SentMessage) -> list[str]:
    return [action for _, action in message.buttons]


def article_of(answer: SentMessage) -> str | None:
    """The article an answer shows (its 👍 button names it), None for any other reply."""
    return next((a.split(":")[2] for a in actions(answer) if a.startswith("fb:1:")), None)


async def test_arabic_onboarding_menus_and_an_article_read_right_to_left(
    bot_app: App, fake_api: FakeBotApi
) -> None:
    user = FakeUser(401, language_code="ar")
    [greeting] = await fake_api.exchange(user, "/start")
    labels = [label for label, _ in greeting.buttons]
    assert labels[-2:] == ["العربية", "فارسی"]
    [picker] = await fake_api.click(user, greeting, "lang:ar")
    assert picker.buttons == [("أنا في بلغاريا وأريد العودة إلى بلدي", "country:avrr-bg")]
    notice, menu = await fake_api.click(user, picker, "country:avrr-bg", count=2)

    # only the topics with articles for this situation, then the person
    assert actions(menu) == ["topic:jobs", "topic:health", "topic:social", "topic:return", "human"]
    [topic] = await fake_api.click(user, menu, "topic:return")
    listed = [a.removeprefix("art:") for a in actions(topic) if a.startswith("art:")]
    assert set(listed) == {
        "return_avrr",
        "return_apply",
        "return_reintegration",
        "return_travel_document",
    }
    [answer] = await fake_api.click(user, topic, "art:return_avrr")
    assert answer.text.startswith(f"<b>{RLM}ما هي العودة الطوعية؟</b>")
    assert f"{LRI}IOM" in answer.text  # a Latin name inside Arabic text is isolated
    assert 'href="https://bulgaria.iom.int"' in answer.text
    related = [a.removeprefix("art:") for a in actions(answer) if a.startswith("art:")]
    assert related and set(related) <= AVRR_ARTICLES


async def test_a_question_in_arabizi_is_answered_in_arabic(
    bot_app: App, fake_api: FakeBotApi
) -> None:
    user = FakeUser(402, language_code="ar")
    await onboard(fake_api, user, "ar", "avrr-bg")

    [reply] = await fake_api.exchange(user, "bade erja3 3a blade, kif bsajel 3al barnamaj?")

    assert article_of(reply) in {"return_apply", "return_avrr"}
    assert RLM in reply.text  # the Arabic answer, not the English one


async def test_persian_questions_and_an_escalation_to_a_person(
    bot_app: App, fake_api: FakeBotApi
) -> None:
    user = FakeUser(403, language_code="fa")
    await onboard(fake_api, user, "fa", "avrr-bg")

    [lost] = await fake_api.exchange(user, "پاسپورتم گم شده، چطور به افغانستان برگردم؟")
    assert article_of(lost) == "return_travel_document"
    [finglish] = await fake_api.exchange(
        user, "salam, dige nemitunam khab konam, kheili stress daram"
    )
    assert article_of(finglish) == "health_mental"

    # the library does not answer this situation about a driving licence: a person does
    [offer] = await fake_api.exchange(user, "گواهینامه رانندگی بلغارستان را چطور عوض کنم؟")
    assert article_of(offer) is None
    escalate = next(a for a in actions(offer) if a.startswith("esc:") or a == "human")
    [created] = await fake_api.click(user, offer, escalate)

    services = bot_app.bot_data.services
    assert services is not None
    async with services.sessions() as session:
        ticket = (await session.scalars(select(Ticket))).one()
        profile = (await session.scalars(select(User).where(User.id == ticket.user_id))).one()
    assert (ticket.language, ticket.country) == ("fa", "avrr-bg")
    assert (profile.language, profile.country) == ("fa", "avrr-bg")
    assert str(ticket.id) in created.text
    assert "درخواست" in created.text


async def test_a_situation_not_served_in_the_person_s_language_asks_for_another(
    bot_app: App, fake_api: FakeBotApi
) -> None:
    english = FakeUser(405, language_code="en")
    [greeting] = await fake_api.exchange(english, "/start")
    [picker] = await fake_api.click(english, greeting, "lang:en")
    assert actions(picker) == ["country:md", "country:ge", "country:bg", "country:avrr-bg"]

    romanian = FakeUser(404, language_code="ro")
    [greeting] = await fake_api.exchange(romanian, "/start")
    [picker] = await fake_api.click(romanian, greeting, "lang:ro")
    assert actions(picker) == ["country:md", "country:ge", "country:bg"]  # not in Romanian
    _, menu = await fake_api.click(romanian, picker, "country:bg", count=2)

    # a situation button from an older keyboard: the situation's languages are offered
    [languages] = await fake_api.click(romanian, menu, "country:avrr-bg")
    assert "nu sunt încă răspunsuri în limba dumneavoastră" in languages.text
    assert actions(languages) == ["lang:ar", "lang:fa", "lang:en", "lang:ru"]
    switched, menu = await fake_api.click(romanian, languages, "lang:en", count=2)
    assert "topic:documents" not in actions(menu) and "topic:return" in actions(menu)
    [choose] = await fake_api.exchange(romanian, "/language")
    assert actions(choose) == ["lang:ar", "lang:fa", "lang:en", "lang:ru"]
