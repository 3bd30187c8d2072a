"""End to end for the hotline: the real Application, the fake Bot API (a forum staff group),
staff and migrants played over HTTP. No NLU is needed: escalations come from buttons and
commands, and messages on an open ticket bypass the NLU."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.context import App
from bot.models import Outbox, TicketMessage
from bot.tickets import history
from tests.conftest import stop_bot
from tests.fake_telegram import FakeBotApi, FakeUser, SentMessage
from tests.support.clock import TestClock
from tests.support.hotline import (
    ANA,
    EVE,
    SAM,
    STAFF_CHAT,
    cards,
    clock_of,
    escalate,
    latest,
    onboard,
    services_of,
    start_hotline,
    ticket_row,
    wait_until,
)


@pytest.fixture
async def forum_api(fake_api: FakeBotApi) -> FakeBotApi:
    fake_api.forums.add(STAFF_CHAT)
    return fake_api


@pytest.fixture
async def hotline_app(tmp_path: Path, forum_api: FakeBotApi) -> AsyncIterator[App]:
    application = await start_hotline(tmp_path, forum_api)
    try:
        yield application
    finally:
        await stop_bot(application)


@pytest.fixture
async def hotline_app_on(
    tmp_path: Path, forum_api: FakeBotApi, database_url: str
) -> AsyncIterator[App]:
    """The hotline on SQLite, and again on a real PostgreSQL."""
    application = await start_hotline(tmp_path, forum_api, database_url=database_url)
    try:
        yield application
    finally:
        await stop_bot(application)


async def test_escalation_claim_relay_resolve_and_rating(
    hotline_app_on: App, forum_api: FakeBotApi
) -> None:
    hotline_app, api = hotline_app_on, forum_api
    migrant = FakeUser(101)
    card = await escalate(api, migrant)

    ticket_id = int(card.button("Claim").split(":")[-1])
    assert card.text.startswith(f"#{ticket_id} · 🆕 new")
    assert "asked for a person" in card.text
    assert "Moldova" in card.text
    assert card.thread_id is not None and api.topics[card.thread_id].startswith(f"#{ticket_id}")

    sent = len(api.sent_to(migrant.id))
    await api.press(ANA, card, f"st:claim:{ticket_id}")
    [claimed] = await api.wait_for(migrant.id, after=sent)
    assert f"taken your request {ticket_id}" in claimed.text
    await wait_until(lambda: "claimed by Ana" in latest(api, STAFF_CHAT, card.message_id).text)

    # Ana answers in the ticket's forum topic: relayed as "the hotline", her name hidden.
    sent = len(api.sent_to(migrant.id))
    await api.send_group_text(ANA, STAFF_CHAT, "Hello! Which district?", thread_id=card.thread_id)
    [relayed] = await api.wait_for(migrant.id, after=sent)
    assert relayed.text == f"💬 Hotline (request {ticket_id}):\nHello! Which district?"
    assert "Ana" not in relayed.text
    assert (await ticket_row(hotline_app, ticket_id)).state == "waiting_user"
    await wait_until(
        lambda: "waiting for the migrant" in latest(api, STAFF_CHAT, card.message_id).text
    )

    # The migrant's answer goes to the ticket, not to the NLU, and reaches the topic.
    staff_before = len(api.sent_to(STAFF_CHAT))
    [ack] = await api.exchange(migrant, "Ialoveni <b>district</b>")
    assert f"request {ticket_id}" in ack.text
    await wait_until(
        lambda: any(
            "Ialoveni &lt;b&gt;district&lt;/b&gt;" in m.text and m.thread_id == card.thread_id
            for m in api.sent_to(STAFF_CHAT)[staff_before:]
        )
    )
    assert (await ticket_row(hotline_app, ticket_id)).state == "claimed"
    await wait_until(lambda: "claimed by Ana" in latest(api, STAFF_CHAT, card.message_id).text)

    sent = len(api.sent_to(migrant.id))
    await api.send_group_text(ANA, STAFF_CHAT, f"/resolve {ticket_id}", thread_id=card.thread_id)
    [resolved] = await api.wait_for(migrant.id, after=sent)
    assert f"request {ticket_id} has been closed" in resolved.text
    assert [data for _, data in resolved.buttons] == [f"rate:{ticket_id}:{n}" for n in range(1, 6)]

    [thanks] = await api.click(migrant, resolved, f"rate:{ticket_id}:4")
    assert "Thank you for your rating" in thanks.text
    [stale] = await api.click(migrant, resolved, f"rate:{ticket_id}:1")
    assert "no longer valid" in stale.text

    ticket = await ticket_row(hotline_app, ticket_id)
    assert (ticket.state, ticket.rating, ticket.claimed_by) == ("resolved", 4, ANA.id)
    async with services_of(hotline_app).sessions() as session:
        trail = [
            (e.actor, e.action, (e.detail or {}).get("to"))
            for e in await history(session, ticket_id=ticket_id)
        ]
        messages = (
            await session.scalars(
                select(TicketMessage.author).where(TicketMessage.ticket_id == ticket_id)
            )
        ).all()
    assert trail == [
        (trail[0][0], "created", None),
        ("staff:201", "claimed", None),
        ("staff:201", "state", "waiting_user"),
        (trail[0][0], "state", "claimed"),
        ("staff:201", "state", "resolved"),
        (trail[0][0], "rated", None),
    ]
    assert list(messages) == ["staff", "user"]
    await wait_until(lambda: "✅ resolved" in latest(api, STAFF_CHAT, card.message_id).text)
    assert latest(api, STAFF_CHAT, card.message_id).buttons == []


async def test_status_shows_the_request_and_its_state(
    hotline_app: App, forum_api: FakeBotApi
) -> None:
    migrant = FakeUser(102)
    await onboard(forum_api, migrant)
    [none] = await forum_api.exchange(migrant, "/status")
    assert "no requests" in none.text
    assert ("🙋 Talk to a person", "human") in none.buttons

    [confirmation] = await forum_api.exchange(migrant, "/human")
    [status] = await forum_api.exchange(migrant, "/status")
    assert "waiting for a person from the hotline" in status.text
    assert "Opened:" in status.text
    assert confirmation.text.count("request") >= 1


async def test_non_staff_cannot_act_and_are_logged(
    hotline_app: App, forum_api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    api = forum_api
    card = await escalate(api, FakeUser(103))
    ticket_id = int(card.button("Claim").split(":")[-1])
    stranger, migrant = FakeUser(301, first_name="Mallory"), FakeUser(104)
    await onboard(api, migrant)
    caplog.set_level(logging.WARNING)

    answers = api.callback_answers
    await api.press(stranger, card, f"st:claim:{ticket_id}")  # a group member who is not staff
    await api.press(EVE, card, f"st:claim:{ticket_id}")  # staff, but an editor
    forged = SentMessage(migrant.id, 1, "forged", None)
    await api.press(migrant, forged, f"st:resolve:{ticket_id}")  # forged data, private chat
    await wait_until(lambda: api.callback_answers >= answers + 3)

    before = len(api.sent_to(STAFF_CHAT))
    await api.send_group_text(stranger, STAFF_CHAT, f"/take {ticket_id}")
    [refusal] = await api.wait_for(STAFF_CHAT, after=before)
    assert "Only hotline staff" in refusal.text
    [menu] = await api.exchange(migrant, f"/resolve {ticket_id}")
    assert "Choose a topic" in menu.text  # a migrant gets their own menu, nothing more

    ticket = await ticket_row(hotline_app, ticket_id)
    assert (ticket.state, ticket.claimed_by) == ("new", None)
    refused = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert any("non-staff user 301" in line for line in refused)
    assert any("staff 203 has role editor" in line for line in refused)
    assert any(f"non-staff user {migrant.id}" in line for line in refused)


async def test_two_staff_claiming_at_once_one_wins(
    hotline_app: App, forum_api: FakeBotApi
) -> None:
    card = await escalate(forum_api, FakeUser(105))
    ticket_id = int(card.button("Claim").split(":")[-1])
    answers = forum_api.callback_answers

    await asyncio.gather(
        forum_api.press(ANA, card, f"st:claim:{ticket_id}"),
        forum_api.press(SAM, card, f"st:claim:{ticket_id}"),
    )
    await wait_until(lambda: forum_api.callback_answers >= answers + 2)

    ticket = await ticket_row(hotline_app, ticket_id)
    assert ticket.claimed_by in (ANA.id, SAM.id)
    async with services_of(hotline_app).sessions() as session:
        claims = [e for e in await history(session, ticket_id=ticket_id) if e.action == "claimed"]
    assert len(claims) == 1


async def test_card_waits_out_an_unreachable_staff_group_and_arrives_once(
    tmp_path: Path, forum_api: FakeBotApi
) -> None:
    api = forum_api
    api.unreachable[STAFF_CHAT] = (502, "Bad Gateway")
    application = await start_hotline(tmp_path, api)
    try:
        migrant = FakeUser(106)
        menu = await onboard(api, migrant)
        [confirmation] = await api.click(migrant, menu, "human")
        assert "passed your question to a person" in confirmation.text
        await wait_until(lambda: api.refused >= 3)
        assert cards(api) == []
        async with services_of(application).sessions() as session:
            pending = await session.scalar(
                select(Outbox).where(Outbox.kind == "card", Outbox.sent_at.is_(None))
            )
        assert pending is not None and pending.attempts >= 2

        del api.unreachable[STAFF_CHAT]
        await wait_until(lambda: len(cards(api)) == 1)
        await asyncio.sleep(1.0)  # several more outbox passes: nothing is sent twice
        assert len(cards(api)) == 1
        assert len(api.topics) == 1
    finally:
        await stop_bot(application)


async def test_staff_group_without_topics_uses_replies_to_the_card(
    tmp_path: Path, fake_api: FakeBotApi
) -> None:
    application = await start_hotline(tmp_path, fake_api)  # not a forum
    try:
        migrant = FakeUser(107)
        card = await escalate(fake_api, migrant)
        ticket_id = int(card.button("Claim").split(":")[-1])
        assert card.thread_id is None

        sent = len(fake_api.sent_to(migrant.id))
        await fake_api.send_group_text(SAM, STAFF_CHAT, "We will call you back.", reply_to=card)
        relayed = await fake_api.wait_for(migrant.id, 2, after=sent)  # claimed, then the reply
        assert "taken your request" in relayed[0].text
        assert relayed[1].text.endswith("We will call you back.")

        staff_before = len(fake_api.sent_to(STAFF_CHAT))
        await fake_api.exchange(migrant, "Thank you")
        await wait_until(
            lambda: any(
                m.reply_to == card.message_id and "Thank you" in m.text
                for m in fake_api.sent_to(STAFF_CHAT)[staff_before:]
            )
        )
        # Ordinary talk among staff (not a reply to a ticket) is not relayed to anyone.
        await fake_api.send_group_text(ANA, STAFF_CHAT, "coffee?")
        await asyncio.sleep(0.3)
        assert "coffee?" not in [m.text for m in fake_api.sent_to(migrant.id)]
        assert (await ticket_row(application, ticket_id)).claimed_by == SAM.id
    finally:
        await stop_bot(application)


async def test_referral_asks_the_migrant_for_consent_first(
    hotline_app: App, forum_api: FakeBotApi
) -> None:
    api = forum_api
    migrant = FakeUser(108, language_code="ro")
    card = await escalate(api, migrant, "ro")
    ticket_id = int(card.button("Claim").split(":")[-1])

    before = len(api.sent_to(STAFF_CHAT))
    await api.press(ANA, card, f"st:refer:{ticket_id}")
    [choices] = await api.wait_for(STAFF_CHAT, after=before)
    assert f"st:rf:{ticket_id}:md_anofm" in [data for _, data in choices.buttons]
    assert choices.thread_id == card.thread_id

    sent = len(api.sent_to(migrant.id))
    await api.press(ANA, choices, f"st:rf:{ticket_id}:md_anofm")
    claimed, question = await api.wait_for(migrant.id, 2, after=sent)  # referring claims it
    assert "request 1" in claimed.text or str(ticket_id) in claimed.text
    assert "Agenția Națională pentru Ocuparea Forței de Muncă" in question.text
    assert "https://www.anofm.md" in question.text
    assert (await ticket_row(hotline_app, ticket_id)).referral_consent is None

    staff_before = len(api.sent_to(STAFF_CHAT))
    [answer] = await api.click(migrant, question, f"refc:{ticket_id}:1")
    assert answer.edited
    ticket = await ticket_row(hotline_app, ticket_id)
    assert (ticket.state, ticket.referred_to, ticket.referral_consent) == (
        "referred",
        "md_anofm",
        True,
    )
    assert ticket.referral_consent_at is not None
    await wait_until(
        lambda: any("agreed to share" in m.text for m in api.sent_to(STAFF_CHAT)[staff_before:])
    )
    [again] = await api.click(migrant, question, f"refc:{ticket_id}:0")
    assert "nu mai este valabil" in again.text  # answered once; a second tap changes nothing
    assert (await ticket_row(hotline_app, ticket_id)).referral_consent is True


async def test_staff_commands_queue_mine_take_note(
    hotline_app: App, forum_api: FakeBotApi
) -> None:
    api = forum_api
    first = await escalate(api, FakeUser(109))
    second = await escalate(api, FakeUser(110))
    first_id = int(first.button("Claim").split(":")[-1])
    second_id = int(second.button("Claim").split(":")[-1])

    async def command(text: str, user: FakeUser = ANA) -> str:
        """Send a command; the bot's answer (card edits that arrive meanwhile are skipped)."""
        before = len(api.sent_to(STAFF_CHAT))
        await api.send_group_text(user, STAFF_CHAT, text)
        new = lambda: [m for m in api.sent_to(STAFF_CHAT)[before:] if not m.edited]  # noqa: E731
        await wait_until(lambda: bool(new()))
        return new()[0].text

    queue = await command("/queue")
    assert queue.index(f"#{first_id} ·") < queue.index(f"#{second_id} ·")
    assert "is now yours" in await command(f"/take {second_id}")
    assert "already taken by Ana" in await command(f"/take {second_id}", SAM)
    mine = await command("/mine")
    assert f"#{second_id} ·" in mine and f"#{first_id} ·" not in mine
    assert "Note added" in await command(f"/note {second_id} called the ASP, waiting")
    assert "Usage: /take N" in await command("/take")
    assert "does not exist" in await command("/take 999999")
    assert "Unknown institution" in await command(f"/refer {second_id} nowhere")

    async with services_of(hotline_app).sessions() as session:
        note = await session.scalar(
            select(TicketMessage).where(
                TicketMessage.ticket_id == second_id, TicketMessage.author == "note"
            )
        )
        outgoing = await session.scalar(
            select(func.count()).select_from(Outbox).where(Outbox.kind == "to_user")
        )
    assert note is not None and note.text == "called the ASP, waiting"
    assert outgoing == 1  # only "your request was taken": the note never goes to the migrant


async def test_unclaimed_ticket_is_reannounced_with_supervisors_pinged(
    hotline_app: App, forum_api: FakeBotApi
) -> None:
    card = await escalate(forum_api, FakeUser(111))
    ticket_id = int(card.button("Claim").split(":")[-1])
    hotline = services_of(hotline_app).hotline

    assert await hotline.sweep() == 0  # not late yet
    clock_of(hotline_app).advance(timedelta(minutes=31))
    before = len(forum_api.sent_to(STAFF_CHAT))
    assert await hotline.sweep() == 1
    [ping] = await forum_api.wait_for(STAFF_CHAT, after=before)
    assert ping.text.startswith(f"⏰ Request #{ticket_id} has waited")
    assert 'href="tg://user?id=202"' in ping.text  # the supervisor, not the agent
    assert "tg://user?id=201" not in ping.text
    assert ping.buttons == [("Claim", f"st:claim:{ticket_id}")]
    assert ping.thread_id is None  # in the general chat, where everyone sees it
    assert await hotline.sweep() == 0  # not again until another SLA period passes


async def test_outside_hotline_hours_the_migrant_is_told_when_in_their_language(
    tmp_path: Path, forum_api: FakeBotApi
) -> None:
    application = await start_hotline(
        tmp_path,
        forum_api,
        clock=TestClock(start=datetime(2026, 11, 21, 10, 0, tzinfo=UTC)),  # Saturday noon
        hotline_hours="mon-fri 09:00-18:00",
        hotline_timezone="Europe/Chisinau",
    )
    try:
        migrant = FakeUser(112, language_code="ro")
        menu = await onboard(forum_api, migrant, "ro")
        [confirmation] = await forum_api.click(migrant, menu, "human")
        assert "luni, 23 noiembrie, 09:00" in confirmation.text
    finally:
        await stop_bot(application)


async def test_a_message_soon_after_resolution_reopens_the_ticket(
    hotline_app: App, forum_api: FakeBotApi
) -> None:
    api = forum_api
    migrant = FakeUser(113)
    card = await escalate(api, migrant)
    ticket_id = int(card.button("Claim").split(":")[-1])
    await api.press(ANA, card, f"st:resolve:{ticket_id}")
    await wait_until(lambda: any("has been closed" in m.text for m in api.sent_to(migrant.id)))

    [ack] = await api.exchange(migrant, "One more thing")
    assert f"request {ticket_id}" in ack.text
    ticket = await ticket_row(hotline_app, ticket_id)
    assert (ticket.state, ticket.claimed_by) == ("claimed", ANA.id)

    await api.send_group_text(ANA, STAFF_CHAT, f"/resolve {ticket_id}")
    await wait_until(
        lambda: sum("has been closed" in m.text for m in api.sent_to(migrant.id)) == 2
    )
    clock_of(hotline_app).advance(timedelta(hours=25))
    [later] = await api.exchange(migrant, "A new question about my passport")
    assert "cannot read free-text questions right now" in later.text  # back to the assistant
    assert (await ticket_row(hotline_app, ticket_id)).state == "resolved"


async def test_voice_note_is_copied_to_the_ticket_topic(
    hotline_app: App, forum_api: FakeBotApi
) -> None:
    api = forum_api
    migrant = FakeUser(114)
    menu = await onboard(api, migrant)
    before = len(api.sent_to(migrant.id))
    voice_id = await api.send_content(
        migrant, voice={"file_id": "v1", "file_unique_id": "u1", "duration": 3}
    )
    [offer] = await api.wait_for(migrant.id, after=before)
    assert voice_id > 0 and menu.message_id > 0
    [confirmation] = await api.click(migrant, offer, "esc:voice")
    assert "passed your question" in confirmation.text
    await wait_until(lambda: any(m.copied_from for m in api.sent_to(STAFF_CHAT)))
    [copy] = [m for m in api.sent_to(STAFF_CHAT) if m.copied_from]
    [card] = cards(api)
    assert copy.copied_from is not None and copy.copied_from[0] == migrant.id
    assert copy.thread_id == card.thread_id
    assert "a voice message" in card.text


async def test_forget_erases_ticket_messages_and_pending_deliveries(
    hotline_app: App, forum_api: FakeBotApi
) -> None:
    api = forum_api
    migrant = FakeUser(115)
    card = await escalate(api, migrant)
    ticket_id = int(card.button("Claim").split(":")[-1])
    await api.exchange(migrant, "My address is Strada Lungă 5")
    [confirm] = await api.exchange(migrant, "/forget")
    [done] = await api.click(migrant, confirm, "forget:yes")
    assert "erased" in done.text

    ticket = await ticket_row(hotline_app, ticket_id)
    async with services_of(hotline_app).sessions() as session:
        texts = (
            await session.scalars(
                select(TicketMessage.text).where(TicketMessage.ticket_id == ticket_id)
            )
        ).all()
        to_user = await session.scalar(
            select(func.count()).select_from(Outbox).where(Outbox.chat_id == migrant.id)
        )
    assert (ticket.user_id, ticket.question, ticket.transcript) == (None, None, None)
    assert list(texts) == [] and to_user == 0

    before = len(api.sent_to(STAFF_CHAT))
    await api.send_group_text(ANA, STAFF_CHAT, "Are you there?", thread_id=card.thread_id)
    [refusal] = await api.wait_for(STAFF_CHAT, after=before)
    assert "erased their data" in refusal.text


async def test_forget_turns_the_card_into_the_redacted_stub_and_tells_the_staff(
    hotline_app: App, forum_api: FakeBotApi
) -> None:
    api = forum_api
    migrant = FakeUser(116)
    menu = await onboard(api, migrant)
    await api.exchange(migrant, "Ion Popescu here, my boss at the farm keeps my passport")
    before = len(cards(api))
    await api.click(migrant, menu, "human")
    await wait_until(lambda: len(cards(api)) > before)
    card = cards(api)[-1]
    ticket_id = int(card.button("Claim").split(":")[-1])
    assert "Popescu" in card.text

    staff_before = len(api.sent_to(STAFF_CHAT))
    [confirm] = await api.exchange(migrant, "/forget")
    await api.click(migrant, confirm, "forget:yes")

    await wait_until(lambda: "erased their data" in latest(api, STAFF_CHAT, card.message_id).text)
    stub = latest(api, STAFF_CHAT, card.message_id).text
    assert "Popescu" not in stub and "passport" not in stub
    assert stub.startswith(f"#{ticket_id} · 🆕 new")
    await wait_until(lambda: any(m.text.startswith("🗑") for m in api.sent_to(STAFF_CHAT)))
    [notice] = [m for m in api.sent_to(STAFF_CHAT)[staff_before:] if not m.edited]
    assert notice.text == f"🗑 #{ticket_id} · The migrant erased their data."
    assert notice.thread_id == card.thread_id
    assert "Popescu" not in api.topics[card.thread_id]
