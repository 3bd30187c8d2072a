"""End to end: the real Application over HTTP, the fake Bot API, the real Rasa model."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.context import App
from bot.logs import quiet_libraries
from bot.models import Event, Ticket, User
from tests.conftest import make_settings, start_bot, stop_bot
from tests.fake_telegram import FakeBotApi, FakeUser
from tests.support.conversation import onboard

pytestmark = pytest.mark.rasa


async def test_start_greets_in_the_client_language_and_offers_native_language_names(
    bot_app: App, fake_api: FakeBotApi
) -> None:
    user = FakeUser(101, language_code="ro")

    [greeting] = await fake_api.exchange(user, "/start")

    assert "Bună" in greeting.text
    labels = [label for label, _ in greeting.buttons]
    assert labels == [
        "Română",
        "Русский",
        "Українська",
        "Български",
        "ქართული",
        "English",
        "العربية",
        "فارسی",
    ]


async def test_unsupported_client_language_gets_english(
    bot_app: App, fake_api: FakeBotApi
) -> None:
    [greeting] = await fake_api.exchange(FakeUser(102, language_code="de"), "/start")

    assert greeting.text.startswith("Hello!")


async def test_onboarding_then_menu_navigation_without_typing(
    bot_app: App, fake_api: FakeBotApi
) -> None:
    user = FakeUser(103, language_code="ka")
    [greeting] = await fake_api.exchange(user, "/start")
    [country_picker] = await fake_api.click(user, greeting, "lang:ka")
    assert [label for label, _ in country_picker.buttons] == ["მოლდოვა", "საქართველო", "ბულგარეთი"]
    notice, menu = await fake_api.click(user, country_picker, "country:ge", count=2)

    [topic] = await fake_api.click(user, menu, "topic:documents")
    [answer] = await fake_api.click(user, topic, "art:doc_passport")

    assert topic.edited
    assert answer.text.startswith("<b>პასპორტი</b>")
    assert 'href="https://' in answer.text
    assert ("👍", "fb:1:doc_passport") in answer.buttons


async def test_answers_depend_on_the_country(bot_app: App, fake_api: FakeBotApi) -> None:
    moldovan, bulgarian = FakeUser(104), FakeUser(105)
    menu_md = await onboard(fake_api, moldovan, "en", "md")
    menu_bg = await onboard(fake_api, bulgarian, "en", "bg")

    [md_answer] = await fake_api.click(moldovan, menu_md, "art:job_register_unemployed")
    [bg_answer] = await fake_api.click(bulgarian, menu_bg, "art:job_register_unemployed")

    assert "anofm.md" in md_answer.text
    assert "az.government.bg" in bg_answer.text


@pytest.mark.parametrize(
    ("language", "question", "article"),
    [
        ("ro", "am pierdut buletinul, cum fac unul nou?", "doc_id_card"),
        ("ru", "как встать на учет как безработный в центре занятости", "job_register_unemployed"),
        ("uk", "як записати дитину до школи після повернення", "social_school"),
        ("bg", "как да си намеря личен лекар", "health_family_doctor"),
        ("ka", "როგორ დავრეგისტრირდე ოჯახის ექიმთან", "health_family_doctor"),
        ("en", "how can I find a job vacancies list", "job_vacancies"),
    ],
)
async def test_free_text_is_answered_in_each_language(
    bot_app: App, fake_api: FakeBotApi, language: str, question: str, article: str
) -> None:
    user = FakeUser(200 + len(question), language_code=language)
    await onboard(fake_api, user, language, "md")

    [answer] = await fake_api.exchange(user, question)

    assert ("👍", f"fb:1:{article}") in answer.buttons


async def test_message_in_another_language_is_answered_in_it_with_a_switch_offer(
    bot_app: App, fake_api: FakeBotApi
) -> None:
    user = FakeUser(301)
    await onboard(fake_api, user, "en", "md")

    [answer] = await fake_api.exchange(user, "как получить новый паспорт в молдове")
    [switched] = await fake_api.click(user, answer, answer.button("Русский"))

    assert answer.button("Русский") == "switch:ru"
    assert "русск" in switched.text.lower()


async def test_ambiguous_question_is_clarified_and_none_of_these_escalates(
    bot_app: App, fake_api: FakeBotApi
) -> None:
    user = FakeUser(302)
    await onboard(fake_api, user, "en", "ge")

    [clarify] = await fake_api.exchange(user, "registration papers after return")
    assert clarify.buttons[-1] == ("None of these", "none")
    assert 2 <= len(clarify.buttons) <= 4
    assert all(data.startswith("art:") for _, data in clarify.buttons[:-1])
    [question] = await fake_api.click(user, clarify, "none")  # asks before opening a request
    assert "Shall I pass your question to a person" in question.text
    [ticket] = await fake_api.click(user, question, "esc:none_of_these")

    assert "request number" in ticket.text


async def test_asking_for_a_person_creates_one_ticket(bot_app: App, fake_api: FakeBotApi) -> None:
    user = FakeUser(303, language_code="ru")
    await onboard(fake_api, user, "ru", "md")
    await fake_api.exchange(user, "у меня забрали паспорт на работе и не отдают")

    [first] = await fake_api.exchange(user, "/human")
    [second] = await fake_api.exchange(user, "/human")

    services = bot_app.bot_data.services
    assert services is not None
    async with services.sessions() as session:
        tickets = (await session.scalars(select(Ticket))).all()
    assert len(tickets) == 1
    assert f"{tickets[0].id}" in first.text and f"{tickets[0].id}" in second.text
    assert tickets[0].language == "ru" and tickets[0].country == "md"
    assert tickets[0].question == "у меня забрали паспорт на работе и не отдают"


async def test_voice_note_is_offered_to_a_person(bot_app: App, fake_api: FakeBotApi) -> None:
    user = FakeUser(304)
    await onboard(fake_api, user, "en", "bg")
    before = len(fake_api.sent_to(user.id))

    await fake_api.send_content(
        user, voice={"file_id": "v1", "file_unique_id": "u1", "duration": 3}
    )
    [reply] = await fake_api.wait_for(user.id, after=before)
    [ticket] = await fake_api.click(user, reply, reply.button("person"))

    assert "voice" in reply.text
    assert "request number" in ticket.text


async def test_forget_erases_the_user_after_confirmation(
    bot_app: App, fake_api: FakeBotApi
) -> None:
    user = FakeUser(305, language_code="bg")
    await onboard(fake_api, user, "bg", "bg")
    await fake_api.exchange(user, "как да си извадя нова лична карта")
    await fake_api.exchange(user, "/human")

    [confirm] = await fake_api.exchange(user, "/forget")
    [done] = await fake_api.click(user, confirm, "forget:yes")

    services = bot_app.bot_data.services
    assert services is not None
    async with services.sessions() as session:
        users = await session.scalar(select(func.count()).select_from(User))
        events = await session.scalar(select(func.count()).select_from(Event))
        ticket = await session.scalar(select(Ticket))
    assert (users, events) == (0, 0)
    assert ticket is not None and (ticket.user_id, ticket.question, ticket.transcript) == (
        None,
        None,
        None,
    )
    assert done.edited


async def test_commands_are_registered_in_every_language(
    bot_app: App, fake_api: FakeBotApi
) -> None:
    assert set(fake_api.commands) == {"", "ro", "ru", "uk", "bg", "ka", "en", "ar", "fa"}
    names = {c["command"] for c in fake_api.commands["ka"]}
    assert names == {
        "start",
        "menu",
        "language",
        "country",
        "help",
        "human",
        "status",
        "cancel",
        "privacy",
        "forget",
    }
    assert fake_api.commands["ro"][0]["description"] != fake_api.commands["en"][0]["description"]


async def test_forged_button_gets_a_polite_reply(bot_app: App, fake_api: FakeBotApi) -> None:
    user = FakeUser(306)
    menu = await onboard(fake_api, user, "en", "md")

    [reply] = await fake_api.click(user, menu, "art:no_such_article")

    assert reply.text == "This button is no longer valid."


async def test_without_nlu_free_text_gets_menus_and_a_person(
    tmp_path: Path, fake_api: FakeBotApi
) -> None:
    settings = make_settings(tmp_path, telegram_api_base_url=fake_api.url)  # NLU unreachable
    application = await start_bot(settings)
    try:
        user = FakeUser(401)
        await onboard(fake_api, user, "en", "md")

        [reply] = await fake_api.exchange(user, "how do I renew my passport")
        [ticket] = await fake_api.click(user, reply, "esc:nlu_down")
    finally:
        await stop_bot(application)

    assert reply.text.startswith("I cannot read free-text questions right now")
    assert ("☰ Menu", "menu") in reply.buttons
    assert "request number" in ticket.text


async def test_logs_carry_ids_and_decisions_never_text_or_token(
    bot_app: App, fake_api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    quiet_libraries()  # what the entry point does, whatever LOG_LEVEL is
    caplog.set_level(logging.DEBUG)
    user = FakeUser(307, first_name="Ion")
    await onboard(fake_api, user, "ro", "md")

    await fake_api.exchange(user, "patronul mi-a confiscat pasaportul la ferma")
    await fake_api.exchange(user, "/human")

    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "user " in logged  # decisions are logged, by internal id
    assert "confiscat" not in logged
    assert "Ion" not in logged
    assert fake_api.token not in logged


async def test_questions_the_bot_failed_are_kept_for_editors_without_the_asker(
    bot_app: App, fake_api: FakeBotApi
) -> None:
    from bot.models import MissedQuestion

    user = FakeUser(310)
    await onboard(fake_api, user, "en", "md")
    [answer] = await fake_api.exchange(user, "how do I renew my passport")
    assert answer.text.startswith("<b>Passport</b>")
    await fake_api.click(user, answer, "fb:0:doc_passport")
    [offer] = await fake_api.exchange(user, "what is the weather on Mars tomorrow")
    assert ("Send my question to a person", "esc:out_of_scope") in offer.buttons
    [clarify] = await fake_api.exchange(user, "registration papers after return")
    await fake_api.click(user, clarify, "none")  # opens a ticket: the last step

    services = bot_app.bot_data.services
    assert services is not None
    async with services.sessions() as session:
        rows = (await session.scalars(select(MissedQuestion).order_by(MissedQuestion.id))).all()
    assert [(r.reason, r.text, r.language, r.country) for r in rows] == [
        ("unhelpful", "how do I renew my passport", "en", "md"),
        ("escalate", "what is the weather on Mars tomorrow", "en", "md"),
        ("none_of_these", "registration papers after return", "en", "md"),
    ]
    assert rows[0].article_id == "doc_passport"
    assert not hasattr(MissedQuestion, "user_id")
