"""Playing the hotline end to end: staff, migrants and the staff group over the fake Bot API."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.context import App
from bot.models import Ticket
from bot.services import Services
from tests.conftest import make_settings, start_bot
from tests.fake_telegram import FakeBotApi, FakeUser, SentMessage
from tests.support.clock import TestClock

STAFF_CHAT = -1001234567890
ANA = FakeUser(201, first_name="Ana")  # agent
SAM = FakeUser(202, first_name="Sam")  # supervisor
EVE = FakeUser(203, first_name="Eve")  # editor
STAFF = "201:agent:Ana,202:supervisor:Sam,203:editor:Eve"


async def start_hotline(
    tmp_path: Path, api: FakeBotApi, *, clock: TestClock | None = None, **overrides: object
) -> App:
    settings = make_settings(
        tmp_path,
        telegram_api_base_url=api.url,
        staff_chat_id=STAFF_CHAT,
        staff=STAFF,
        outbox_poll_seconds=0.1,
        outbox_max_backoff=0.3,
        **overrides,
    )
    return await start_bot(settings, clock=clock or TestClock())


def clock_of(application: App) -> TestClock:
    clock = application.bot_data.clock
    assert isinstance(clock, TestClock)
    return clock


def services_of(application: App) -> Services:
    services = application.bot_data.services
    assert services is not None
    return services


async def onboard(api: FakeBotApi, user: FakeUser, language: str = "en") -> SentMessage:
    [greeting] = await api.exchange(user, "/start")
    [country_picker] = await api.click(user, greeting, f"lang:{language}")
    _, menu = await api.click(user, country_picker, "country:md", count=2)
    return menu


async def escalate(api: FakeBotApi, user: FakeUser, language: str = "en") -> SentMessage:
    """Onboard, press "Talk to a person"; returns the ticket's card in the staff group."""
    menu = await onboard(api, user, language)
    before = len(cards(api))
    [confirmation] = await api.click(user, menu, "human")
    assert "request" in confirmation.text.lower() or language != "en"
    await wait_until(lambda: len(cards(api)) > before)
    return cards(api)[-1]


def cards(api: FakeBotApi) -> list[SentMessage]:
    """Ticket cards first posted in the staff group (edits excluded)."""
    return [
        m
        for m in api.sent_to(STAFF_CHAT)
        if not m.edited and any(data.startswith("st:resolve:") for _, data in m.buttons)
    ]


def latest(api: FakeBotApi, chat_id: int, message_id: int) -> SentMessage:
    """The current version of a message (its latest edit)."""
    versions = [m for m in api.sent_to(chat_id) if m.message_id == message_id]
    return versions[-1]


async def wait_until(condition: object, timeout: float = 10.0) -> None:
    assert callable(condition)
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def ticket_row(application: App, ticket_id: int) -> Ticket:
    async with services_of(application).sessions() as session:
        ticket = await session.get(Ticket, ticket_id)
        assert ticket is not None
        return ticket
