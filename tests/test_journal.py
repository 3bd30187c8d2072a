"""No update lost or handled twice: the update journal, through the real Application."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from bot.clock import system_clock
from bot.db import create_engine, create_sessions, migrate
from bot.journal import UpdateJournal
from bot.models import ProcessedUpdate, Ticket
from tests.conftest import make_settings, running_bot
from tests.fake_telegram import FakeBotApi, FakeUser
from tests.support.hotline import onboard, wait_until


async def test_a_redelivered_update_gets_one_reply_and_one_ticket(
    tmp_path: Path, fake_api: FakeBotApi
) -> None:
    async with running_bot(
        make_settings(tmp_path, telegram_api_base_url=fake_api.url)
    ) as application:
        user = FakeUser(130)
        await onboard(fake_api, user)
        message = fake_api.text_message(user, "/human")
        before = len(fake_api.sent_to(user.id))
        update_id = await fake_api.push_update({"message": message})
        await fake_api.wait_for(user.id, after=before)
        await fake_api.push_update({"message": message}, update_id=update_id)  # redelivered
        [after] = await fake_api.exchange(user, "/status")  # handled after the repeat

        assert "request" in after.text
        replies = fake_api.sent_to(user.id)[before:]
        assert len(replies) == 2  # the ticket confirmation once, then the status
        services = application.bot_data.services
        assert services is not None
        async with services.sessions() as session:
            tickets = await session.scalar(select(func.count()).select_from(Ticket))
            journal = await session.get(ProcessedUpdate, update_id)
        assert tickets == 1
        assert journal is not None and journal.state == "done" and journal.payload is None


async def test_an_update_interrupted_by_a_crash_is_finished_on_the_next_start(
    tmp_path: Path, fake_api: FakeBotApi
) -> None:
    settings = make_settings(tmp_path, telegram_api_base_url=fake_api.url)
    user = FakeUser(131, language_code="uk")
    # What a process killed mid-handler leaves behind: recorded, with its payload, never done.
    engine = create_engine(settings.database_url)
    await migrate(engine)
    journal = UpdateJournal(create_sessions(engine), clock=system_clock)
    start = {"update_id": 777, "message": fake_api.text_message(user, "/start")}
    assert await journal.receive(777, start)
    assert await journal.receive(778, {"update_id": 778}) and await journal.receive(779, start)
    await journal.finish(779)
    await engine.dispose()

    async with running_bot(settings) as application:
        await wait_until(lambda: len(fake_api.sent_to(user.id)) == 1)
        assert "Будь ласка, оберіть мову" in fake_api.sent_to(user.id)[0].text
        services = application.bot_data.services
        assert services is not None
        async with services.sessions() as session:
            states = dict(
                (
                    await session.execute(select(ProcessedUpdate.update_id, ProcessedUpdate.state))
                ).all()
            )
        assert states == {777: "done", 778: "done", 779: "done"}


async def test_finished_updates_are_purged_after_a_while(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'j.db'}")
    await migrate(engine)
    journal = UpdateJournal(create_sessions(engine), clock=lambda: now)
    try:
        for update_id in (1, 2):
            await journal.receive(update_id, {})
        await journal.finish(1)
        assert await journal.purge(older_than=timedelta(days=2), now=now) == 0
        assert await journal.purge(older_than=timedelta(days=2), now=now + timedelta(days=3)) == 1
        assert [u.update_id for u in await journal.unfinished()] == [
            2
        ]  # never purged while unfinished
    finally:
        await engine.dispose()


async def test_a_reply_telegram_confirmed_before_a_crash_is_not_sent_again(
    tmp_path: Path, fake_api: FakeBotApi
) -> None:
    settings = make_settings(tmp_path, telegram_api_base_url=fake_api.url)
    user = FakeUser(132)
    async with running_bot(settings):
        await onboard(fake_api, user)
        before = len(fake_api.sent_to(user.id))
        human = {"message": fake_api.text_message(user, "/human")}
        update_id = await fake_api.push_update(human)
        [confirmation] = await fake_api.wait_for(user.id, after=before)
    # What a kill right after Telegram confirmed that reply leaves behind: the ticket and the
    # reply count committed, the update not marked done.
    engine = create_engine(settings.database_url)
    async with create_sessions(engine).begin() as session:
        row = await session.get(ProcessedUpdate, update_id)
        assert row is not None and row.replies_sent == 1
        row.state, row.done_at, row.payload = "received", None, {"update_id": update_id, **human}
    await engine.dispose()

    async with running_bot(settings):
        [status] = await fake_api.exchange(user, "/status")  # handled after the replay

    replies = fake_api.sent_to(user.id)[before:]
    assert [m.text for m in replies] == [confirmation.text, status.text]


async def test_a_replayed_request_confirms_like_the_first_time(
    tmp_path: Path, fake_api: FakeBotApi
) -> None:
    """Killed before the confirmation was counted, the replay sends it again: the same text
    and number, not "your request is already with our team"."""
    settings = make_settings(tmp_path, telegram_api_base_url=fake_api.url)
    user = FakeUser(133)
    async with running_bot(settings):
        await onboard(fake_api, user)
        before = len(fake_api.sent_to(user.id))
        human = {"message": fake_api.text_message(user, "/human")}
        update_id = await fake_api.push_update(human)
        [confirmation] = await fake_api.wait_for(user.id, after=before)
    engine = create_engine(settings.database_url)
    async with create_sessions(engine).begin() as session:
        row = await session.get(ProcessedUpdate, update_id)
        assert row is not None
        row.state, row.done_at, row.replies_sent = "received", None, 0
        row.payload = {"update_id": update_id, **human}
    await engine.dispose()

    async with running_bot(settings):
        [again] = await fake_api.wait_for(user.id, after=before + 1)

    assert again.text == confirmation.text
