"""Faults: the NLU down, slow or answering garbage; Telegram's 429; the database gone for a
while; a restart in the middle of a conversation. The user always gets an answer."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.db import create_engine, create_sessions
from bot.models import Event, Ticket
from tests.conftest import make_settings, running_bot, start_bot, stop_bot
from tests.fake_telegram import FakeBotApi, FakeUser
from tests.support.fake_rasa import FakeRasa
from tests.support.hotline import onboard, wait_until


async def test_a_broken_nlu_still_gets_menus_and_a_person_and_recovers_without_restart(
    tmp_path: Path, fake_api: FakeBotApi, rasa: FakeRasa, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(
        tmp_path, telegram_api_base_url=fake_api.url, nlu_url=rasa.url, nlu_timeout=0.5
    )
    application = await start_bot(settings)
    caplog.set_level(logging.WARNING, logger="bot.dialogue")
    try:
        user = FakeUser(150)
        await onboard(fake_api, user)
        for mode in ("no_model", "error", "garbage", "slow"):
            rasa.mode = mode
            [reply] = await fake_api.exchange(user, "how do I renew my passport?", timeout=10)
            assert "cannot read free-text questions right now" in reply.text, mode
            assert ("Send my question to a person", "esc:nlu_down") in reply.buttons
            assert ("☰ Menu", "menu") in reply.buttons
        lines = [r.getMessage() for r in caplog.records if "NLU unavailable" in r.getMessage()]
        assert [line.split(": ", 1)[1] for line in lines] == [
            "NLU answered HTTP 409",
            "NLU answered HTTP 500",
            "NLU answered something that is not a parse result",
            "NLU request failed: ReadTimeout",
        ]

        rasa.mode = "ok"  # the server is back: no restart of the bot needed
        [answer] = await fake_api.exchange(user, "how do I renew my passport?")
        assert answer.text.startswith("<b>Passport</b>")
    finally:
        await stop_bot(application)


async def test_telegram_rate_limit_is_waited_out_and_the_reply_arrives_once(
    tmp_path: Path, fake_api: FakeBotApi
) -> None:
    async with running_bot(make_settings(tmp_path, telegram_api_base_url=fake_api.url)):
        user = FakeUser(151)
        await onboard(fake_api, user)
        fake_api.fail_next[user.id] = [(429, "Too Many Requests: retry after 1", 1)]
        [reply] = await fake_api.exchange(user, "/help", timeout=15)
        await fake_api.exchange(user, "/privacy")  # a canary: a repeat would have come first
        assert "/human" in reply.text
        assert fake_api.refused == 1
        assert sum("/human" in m.text for m in fake_api.sent_to(user.id)) == 1


async def test_a_rate_limited_staff_group_does_not_slow_down_migrants(
    tmp_path: Path, fake_api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    staff_chat = -100900
    settings = make_settings(
        tmp_path,
        telegram_api_base_url=fake_api.url,
        staff_chat_id=staff_chat,
        staff="201:agent:Ana",
        outbox_poll_seconds=0.1,
    )
    async with running_bot(settings):
        migrant, other = FakeUser(157), FakeUser(158)
        menu = await onboard(fake_api, migrant)
        await onboard(fake_api, other)
        # The staff group is over its budget: Telegram answers 429 "retry after 5 s" to the
        # card, then to every retry the limiter makes (the outbox will try again later).
        fake_api.fail_next[staff_chat] = [(429, "Too Many Requests: retry after 5", 5)] * 4
        await fake_api.click(migrant, menu, "human")
        await wait_until(lambda: fake_api.refused >= 1)
        loop = asyncio.get_running_loop()
        started = loop.time()
        [help_text] = await fake_api.exchange(other, "/help", timeout=15)
        waited = loop.time() - started
        await wait_until(lambda: fake_api.refused >= 4, timeout=30)  # the limiter gave up ...
        await wait_until(lambda: bool(fake_api.sent_to(staff_chat)), timeout=30)  # ... later: sent

    assert "/human" in help_text.text
    assert waited < 2.0  # not the staff group's 5 s
    gave_up = [r for r in caplog.records if "still rate-limits" in r.getMessage()]
    assert [(r.levelname, r.exc_info) for r in gave_up] == [("WARNING", None)]


async def test_database_outage_gets_a_polite_answer_and_leaves_nothing_half_written(
    tmp_path: Path, fake_api: FakeBotApi
) -> None:
    application = await start_bot(make_settings(tmp_path, telegram_api_base_url=fake_api.url))
    services = application.bot_data.services
    assert services is not None
    try:
        user = FakeUser(152)
        menu = await onboard(fake_api, user)
        async with services.sessions() as session:
            events_before = await session.scalar(select(func.count()).select_from(Event))
        working = services.dialogue.sessions
        down = create_engine("postgresql+asyncpg://nobody:secret@127.0.0.1:9/none")
        services.dialogue.sessions = create_sessions(down)
        try:
            [sorry] = await fake_api.click(user, menu, "art:doc_passport")
            assert "something went wrong on my side" in sorry.text
            assert "try again" in sorry.text
        finally:
            services.dialogue.sessions = working
            await down.dispose()
        [answer] = await fake_api.click(user, menu, "art:doc_passport")  # back: it works
        assert answer.text.startswith("<b>Passport</b>")
        async with services.sessions() as session:
            events_after = await session.scalar(select(func.count()).select_from(Event))
        assert events_after == events_before + 1  # only the successful one was written
    finally:
        await stop_bot(application)


async def test_language_country_and_open_ticket_survive_a_restart(
    tmp_path: Path, fake_api: FakeBotApi
) -> None:
    settings = make_settings(tmp_path, telegram_api_base_url=fake_api.url)
    user = FakeUser(153, language_code="en")
    async with running_bot(settings) as application:
        menu = await onboard(fake_api, user, "bg")
        [created] = await fake_api.click(user, menu, "human")

    application = await start_bot(settings)  # a new process would read the same database
    try:
        [forwarded] = await fake_api.exchange(user, "Още ли сте там?")
        [status] = await fake_api.exchange(user, "/status")
        assert "запитване" in forwarded.text.lower()  # still Bulgarian, still the same ticket
        services = application.bot_data.services
        assert services is not None
        async with services.sessions() as session:
            ticket = await session.scalar(select(Ticket))
        assert (
            ticket is not None and str(ticket.id) in status.text and str(ticket.id) in created.text
        )
    finally:
        await stop_bot(application)


async def test_in_a_foreign_group_the_bot_answers_nothing_and_leaves(
    tmp_path: Path, fake_api: FakeBotApi
) -> None:
    async with running_bot(make_settings(tmp_path, telegram_api_base_url=fake_api.url)):
        stranger = FakeUser(154)
        sent = len(fake_api.messages)
        await fake_api.send_group_text(stranger, -100777, "/start")
        await fake_api.send_group_text(stranger, -100777, "hello bot, what is a passport?")
        await wait_until(lambda: fake_api.requests.count("leaveChat") >= 1)
        canary = FakeUser(159)
        await fake_api.exchange(canary, "/start")  # handled after both group messages
        assert [m for m in fake_api.messages[sent:] if m.chat_id != canary.id] == []


async def test_a_ticket_confirmation_lost_to_the_network_arrives_later_once(
    tmp_path: Path, fake_api: FakeBotApi
) -> None:
    settings = make_settings(
        tmp_path,
        telegram_api_base_url=fake_api.url,
        outbox_poll_seconds=0.1,
        outbox_max_backoff=0.3,
    )
    async with running_bot(settings):
        user = FakeUser(155)
        menu = await onboard(fake_api, user)
        fake_api.fail_next[user.id] = [(502, "Bad Gateway", None)]
        [confirmation] = await fake_api.click(user, menu, "human")
        await fake_api.exchange(user, "/help")  # a canary: the outbox delivered before it
        assert "passed your question to a person" in confirmation.text
        assert fake_api.refused == 1
        confirmations = [m for m in fake_api.sent_to(user.id) if "passed your question" in m.text]
        assert len(confirmations) == 1


async def test_html_that_telegram_refuses_is_resent_as_plain_text(
    tmp_path: Path, fake_api: FakeBotApi
) -> None:
    async with running_bot(make_settings(tmp_path, telegram_api_base_url=fake_api.url)):
        user = FakeUser(156)
        menu = await onboard(fake_api, user)
        fake_api.fail_next[user.id] = [
            (400, "Bad Request: can't parse entities: unsupported start tag", None)
        ]
        [answer] = await fake_api.click(user, menu, "art:doc_passport")
        assert answer.text.startswith("Passport\n\n")  # the title, without <b>
        assert "(https://www.asp.gov.md)" in answer.text  # links spelled out
        assert ("👍", "fb:1:doc_passport") in answer.buttons
