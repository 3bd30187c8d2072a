"""End to end: urgent help at any hour, and no dead ends around a request to the hotline.

The real Application and the real urgency detector over the fake Bot API; the fake Rasa answers
every question with doc_passport (so "a question the library answers" is any question)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.context import App
from bot.models import Ticket, User
from bot.settings import ROOT
from tests.conftest import stop_bot
from tests.fake_telegram import FakeBotApi, FakeUser, SentMessage
from tests.support.clock import TestClock
from tests.support.fake_rasa import FakeRasa
from tests.support.hotline import (
    SAM,
    STAFF_CHAT,
    cards,
    clock_of,
    latest,
    services_of,
    start_hotline,
    ticket_row,
    wait_until,
)

SUNDAY_NOON = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)  # 12:00 in Sofia and Chisinau
TUESDAY_NOON = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
HOURS = "mon-fri 09:00-18:00"
TEST_PHONE = "+359 00 000 0000"  # an operator-verified number, in this test's copy only
TRAPPED = "they took my passport and make me work for free, they dont let me leave"


@pytest.fixture
def verified_kb(tmp_path: Path) -> Path:
    """The repository's knowledge, with the anti-trafficking commission's phone verified."""
    target = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", target)
    path = target / "institutions" / "bg.yml"
    text = path.read_text(encoding="utf-8")
    anchor = "bg_antitraffic:\n"
    verified = (
        f'  phone: "{TEST_PHONE}"\n  hours: "24/7"\n'
        "  verified: {date: 2026-12-01, by: Test Operator}\n"
    )
    path.write_text(text.replace(anchor, anchor + verified, 1), encoding="utf-8")
    return target


async def start(
    tmp_path: Path, api: FakeBotApi, at: datetime, **overrides: object
) -> AsyncIterator[App]:
    application = await start_hotline(
        tmp_path,
        api,
        clock=TestClock(start=at),
        hotline_hours=HOURS,
        hotline_timezone="Europe/Sofia",
        **overrides,
    )
    try:
        yield application
    finally:
        await stop_bot(application)


@pytest.fixture
async def closed_hotline(
    tmp_path: Path, forum_api: FakeBotApi, verified_kb: Path, rasa: FakeRasa
) -> AsyncIterator[App]:
    """Sunday: the hotline is closed; Sam (a supervisor) is on call."""
    async for application in start(
        tmp_path,
        forum_api,
        SUNDAY_NOON,
        oncall=str(SAM.id),
        knowledge_dir=verified_kb,
        nlu_url=rasa.url,
    ):
        yield application


@pytest.fixture
async def open_hotline(
    tmp_path: Path, forum_api: FakeBotApi, rasa: FakeRasa
) -> AsyncIterator[App]:
    async for application in start(tmp_path, forum_api, TUESDAY_NOON, nlu_url=rasa.url):
        yield application


@pytest.fixture
async def forum_api(fake_api: FakeBotApi) -> FakeBotApi:
    fake_api.forums.add(STAFF_CHAT)
    return fake_api


async def onboard(api: FakeBotApi, user: FakeUser, country: str = "bg") -> SentMessage:
    [greeting] = await api.exchange(user, "/start")
    [country_picker] = await api.click(user, greeting, f"lang:{user.language_code}")
    _, menu = await api.click(user, country_picker, f"country:{country}", count=2)
    return menu


async def ticket_count(application: App) -> int:
    async with services_of(application).sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Ticket)) or 0)


def oncall_alerts(api: FakeBotApi) -> list[SentMessage]:
    return [m for m in api.sent_to(SAM.id) if "On call" in m.text]


async def test_urgent_message_outside_hours_gets_112_the_verified_contact_and_on_call(
    closed_hotline: App, forum_api: FakeBotApi
) -> None:
    api = forum_api
    migrant = FakeUser(301)
    await onboard(api, migrant)

    [help_now] = await api.exchange(migrant, TRAPPED)

    assert help_now.text.index("112") < help_now.text.index(TEST_PHONE)  # 112 comes first
    assert "National Commission for Combating Trafficking" in help_now.text
    assert "right away" not in help_now.text
    assert "not at work right now" in help_now.text
    assert "A colleague on call is alerted" in help_now.text  # honest: ONCALL is set
    assert await ticket_count(closed_hotline) == 0  # nothing opened behind their back

    [confirmation] = await api.click(migrant, help_now, help_now.button("Talk to a person"))
    assert "request number" in confirmation.text
    assert "right away" not in confirmation.text
    assert "on call" in confirmation.text
    await wait_until(lambda: len(cards(api)) == 1)
    ticket_id = int(cards(api)[0].button("Claim").split(":")[-1])
    assert (await ticket_row(closed_hotline, ticket_id)).urgent
    await wait_until(
        lambda: latest(api, STAFF_CHAT, cards(api)[0].message_id).text.startswith("🚨")
    )
    await wait_until(lambda: any("is urgent" in m.text for m in api.sent_to(STAFF_CHAT)))
    ping = next(m for m in api.sent_to(STAFF_CHAT) if "is urgent" in m.text)
    assert f'href="tg://user?id={SAM.id}"' in ping.text  # supervisors pinged at once
    await wait_until(lambda: len(oncall_alerts(api)) == 1)
    assert f"#{ticket_id}" in oncall_alerts(api)[0].text
    assert TRAPPED not in oncall_alerts(api)[0].text  # a private chat carries no case details

    [again] = await api.exchange(migrant, "please help they locked the door, i cant get out")
    assert f"request {ticket_id}" in again.text and "marked it urgent" in again.text
    assert "112" in again.text
    await wait_until(lambda: any("locked the door" in m.text for m in api.sent_to(STAFF_CHAT)))
    assert len(oncall_alerts(api)) == 1  # on call is alerted once per request


async def test_urgent_message_before_onboarding_is_helped_first(
    closed_hotline: App, forum_api: FakeBotApi
) -> None:
    api = forum_api
    migrant = FakeUser(302)

    help_now, country_picker = await api.exchange(migrant, TRAPPED, count=2)

    assert "112" in help_now.text
    assert help_now.button("Talk to a person") == "esc:urgent"
    assert country_picker.button("Bulgaria") == "country:bg"
    [confirmation] = await api.click(migrant, help_now, "esc:urgent")  # no country needed
    assert "request number" in confirmation.text


async def test_withdrawing_a_request_by_button_and_by_command(
    open_hotline: App, forum_api: FakeBotApi
) -> None:
    api = forum_api
    migrant = FakeUser(303)
    menu = await onboard(api, migrant)
    [confirmation] = await api.click(migrant, menu, "human")
    assert "at work now" in confirmation.text  # the honest time, in hours
    await wait_until(lambda: len(cards(api)) == 1)
    card = cards(api)[0]
    ticket_id = int(card.button("Claim").split(":")[-1])

    [withdrawn] = await api.click(migrant, confirmation, confirmation.button("Withdraw"))

    assert f"request {ticket_id} is withdrawn" in withdrawn.text
    assert (await ticket_row(open_hotline, ticket_id)).state == "withdrawn"
    await wait_until(
        lambda: "withdrawn by the migrant" in latest(api, STAFF_CHAT, card.message_id).text
    )
    assert latest(api, STAFF_CHAT, card.message_id).buttons == []  # nothing left to act on
    await wait_until(
        lambda: any("withdrew the request" in m.text for m in api.sent_to(STAFF_CHAT))
    )
    [nothing] = await api.exchange(migrant, "/cancel")
    assert "no open request" in nothing.text
    [question] = await api.exchange(migrant, "how do I renew my passport here")
    assert question.button("Talk to a person") == "human"  # back to the assistant, not the staff
    assert (await ticket_row(open_hotline, ticket_id)).state == "withdrawn"  # never reopened

    [confirmation] = await api.click(migrant, question, "human")
    second = int(confirmation.text.split("request number is ")[1].split(".")[0])
    [withdrawn] = await api.exchange(migrant, "/cancel")
    assert f"request {second} is withdrawn" in withdrawn.text


async def test_none_of_these_asks_before_opening_a_request(
    open_hotline: App, forum_api: FakeBotApi
) -> None:
    api = forum_api
    migrant = FakeUser(304)
    menu = await onboard(api, migrant)

    [question] = await api.click(migrant, menu, "none")

    assert "Shall I pass your question to a person" in question.text
    assert "at work now" in question.text
    assert await ticket_count(open_hotline) == 0
    [confirmation] = await api.click(migrant, question, "esc:none_of_these")
    assert "request number" in confirmation.text
    assert await ticket_count(open_hotline) == 1


async def test_a_question_the_library_answers_while_a_request_is_open(
    open_hotline: App, forum_api: FakeBotApi
) -> None:
    api = forum_api
    migrant = FakeUser(305)
    menu = await onboard(api, migrant)
    [confirmation] = await api.click(migrant, menu, "human")
    ticket_id = confirmation.text.split("request number is ")[1].split(".")[0]
    await wait_until(lambda: len(cards(api)) == 1)
    staff_before = len(api.sent_to(STAFF_CHAT))

    [answer] = await api.exchange(migrant, "how do I get a new passport")

    assert answer.text.startswith("<b>")  # the article, not "passed to the hotline"
    assert answer.buttons[0][1].startswith("add:")
    assert not any(data in ("human",) or data.startswith("esc:") for _, data in answer.buttons)
    [added] = await api.click(migrant, answer, answer.buttons[0][1])
    assert f"request {ticket_id}" in added.text
    await wait_until(
        lambda: any("how do I get a new passport" in m.text for m in api.sent_to(STAFF_CHAT))
    )
    assert (
        len([m for m in api.sent_to(STAFF_CHAT)[staff_before:] if "new passport" in m.text]) == 1
    )
    await api.click(migrant, answer, answer.buttons[0][1])  # a second press adds nothing
    [thanks] = await api.exchange(migrant, "ok thanks")  # not a question: straight to the staff
    assert f"request {ticket_id}" in thanks.text
    new_passport = [m for m in api.sent_to(STAFF_CHAT) if "new passport" in m.text]
    assert len(new_passport) == 1

    [sorry] = await api.click(migrant, answer, "fb:0:doc_passport")
    assert f"request {ticket_id} is open" in sorry.text
    assert not any(data.startswith("esc:") for _, data in sorry.buttons)


async def test_the_question_typed_before_onboarding_is_answered_after_it(
    open_hotline: App, forum_api: FakeBotApi
) -> None:
    api = forum_api
    migrant = FakeUser(306)

    [country_picker] = await api.exchange(migrant, "how do I get a new passport")
    privacy, answer = await api.click(migrant, country_picker, "country:md", count=2)

    assert privacy.text.startswith("Privacy:")
    assert "doc_passport" in " ".join(data for _, data in answer.buttons)  # the answer itself
    [menu] = await api.exchange(migrant, "/menu")  # the pending question is answered once
    assert menu.buttons[0][1].startswith("topic:")


async def test_every_offer_of_a_person_says_when_one_can_answer(
    tmp_path: Path, forum_api: FakeBotApi
) -> None:
    async for _ in start(tmp_path, forum_api, SUNDAY_NOON):  # NLU down, hotline closed
        migrant = FakeUser(307, language_code="ro")
        await onboard(forum_api, migrant, "md")
        [offer] = await forum_api.exchange(migrant, "am o intrebare despre acte")
        assert offer.button("consultant") == "esc:nlu_down"
        assert "luni, 7 decembrie" in offer.text  # when, before pressing anything
        [privacy] = await forum_api.exchange(migrant, "/privacy")
        assert "90" in privacy.text


async def test_an_urgent_request_has_its_own_sla_and_comes_first_in_the_queue(
    open_hotline: App, forum_api: FakeBotApi
) -> None:
    api = forum_api
    calm, scared = FakeUser(308), FakeUser(309)
    menu = await onboard(api, calm)
    await api.click(calm, menu, "human")
    await onboard(api, scared)
    [help_now] = await api.exchange(scared, TRAPPED)
    [confirmation] = await api.click(scared, help_now, "esc:urgent")
    assert "within 5 minutes" in confirmation.text  # SLA_URGENT_MINUTES, during hours
    await wait_until(lambda: len(cards(api)) == 2)
    hotline = services_of(open_hotline).hotline

    clock_of(open_hotline).advance(timedelta(minutes=6))

    assert await hotline.sweep() == 1  # only the urgent one is late already
    member = services_of(open_hotline).staff.get(SAM.id)
    assert member is not None
    answer = await hotline.queue(member)
    first, second = [line for line in answer.text.splitlines() if line.startswith(("#", "🚨"))]
    assert first.startswith("🚨 #") and second.startswith("#")


async def test_danger_the_lexicon_does_not_know_is_caught_by_the_nlu_score(
    open_hotline: App, forum_api: FakeBotApi, rasa: FakeRasa
) -> None:
    migrant = FakeUser(310)
    await onboard(forum_api, migrant)
    words = "the baby swallowed a battery"
    assert not services_of(open_hotline).dialogue.urgent.detect(words, "en").urgent

    rasa.urgency = 0.2  # below URGENT_THRESHOLD: an ordinary answer
    [calm] = await forum_api.exchange(migrant, words)
    rasa.urgency = 0.93
    [help_now] = await forum_api.exchange(migrant, words)

    assert "112" not in calm.text
    assert "112" in help_now.text and help_now.button("Talk to a person") == "esc:urgent"


async def test_forget_leaves_no_profile_behind_even_when_a_reply_offers_a_person(
    open_hotline: App, forum_api: FakeBotApi
) -> None:
    migrant = FakeUser(311)
    menu = await onboard(forum_api, migrant)
    await forum_api.click(migrant, menu, "human")
    [confirm] = await forum_api.exchange(migrant, "/forget")
    await forum_api.click(migrant, confirm, "forget:yes")

    async with services_of(open_hotline).sessions() as session:
        users = await session.scalar(select(func.count()).select_from(User))
    assert users == 0
