"""A bot process killed in the middle of handling an update finishes it after a restart, and a
graceful stop finishes the updates in flight."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from bot.app import build_application, post_init, post_shutdown
from tests.conftest import TOKEN, make_settings
from tests.fake_telegram import FakeBotApi, FakeUser
from tests.support.fake_rasa import FakeRasa
from tests.support.hotline import wait_until

ROOT = Path(__file__).resolve().parent.parent


async def start_process(
    tmp_path: Path, api: FakeBotApi, nlu_url: str
) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api.url,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        "NLU_URL": nlu_url,
        "NLU_TIMEOUT": "60",
        "RUN_DIR": str(tmp_path / "run"),
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def test_an_update_cut_off_by_a_kill_is_answered_after_the_restart(
    tmp_path: Path,
    fake_api: FakeBotApi,
    rasa: FakeRasa,
) -> None:
    user = FakeUser(170)
    bot = await start_process(tmp_path, fake_api, rasa.url)
    try:
        [greeting] = await fake_api.exchange(user, "/start", timeout=60)
        [picker] = await fake_api.click(user, greeting, "lang:en")
        await fake_api.click(user, picker, "country:md", count=2)

        rasa.mode = "hang"  # the NLU takes its time: the handler is mid-way
        before = len(fake_api.sent_to(user.id))
        await fake_api.send_text(user, "how do I renew my passport?")
        await wait_until(lambda: rasa.requests >= 1, timeout=30)
        bot.send_signal(signal.SIGKILL)  # no cleanup of any kind
        await bot.wait()
        assert len(fake_api.sent_to(user.id)) == before  # no answer went out

        rasa.mode = "ok"
        bot = await start_process(tmp_path, fake_api, rasa.url)
        [answer] = await fake_api.wait_for(user.id, after=before, timeout=60)
        assert answer.text.startswith("<b>Passport</b>")  # finished from the journal
        [canary] = await fake_api.exchange(user, "/help", timeout=60)
        assert fake_api.sent_to(user.id)[before:] == [answer, canary]  # and only once
    finally:
        if bot.returncode is None:
            bot.send_signal(signal.SIGTERM)
            await asyncio.wait_for(bot.wait(), timeout=30)


async def test_updates_waiting_behind_a_killed_one_are_not_lost(
    tmp_path: Path, fake_api: FakeBotApi, rasa: FakeRasa
) -> None:
    """Telegram forgets an update once the bot fetched the next batch; the bot must have
    journaled it by then, even while it is still busy with an earlier update."""
    first, second = FakeUser(172), FakeUser(173)
    bot = await start_process(tmp_path, fake_api, rasa.url)
    try:
        for user in (first, second):
            [greeting] = await fake_api.exchange(user, "/start", timeout=60)
            [picker] = await fake_api.click(user, greeting, "lang:en")
            await fake_api.click(user, picker, "country:md", count=2)
        rasa.mode = "hang"
        before = {user.id: len(fake_api.sent_to(user.id)) for user in (first, second)}
        await fake_api.send_text(first, "how do I renew my passport?")
        await wait_until(lambda: rasa.requests >= 1, timeout=30)  # busy with the first
        waiting = await fake_api.send_text(second, "/human")
        await wait_until(lambda: fake_api.confirmed >= waiting, timeout=30)  # Telegram forgot it
        bot.send_signal(signal.SIGKILL)
        await bot.wait()
        assert len(fake_api.sent_to(second.id)) == before[second.id]  # not answered yet

        rasa.release()
        bot = await start_process(tmp_path, fake_api, rasa.url)
        [answer] = await fake_api.wait_for(first.id, after=before[first.id], timeout=60)
        [confirmation] = await fake_api.wait_for(second.id, after=before[second.id], timeout=60)
        assert answer.text.startswith("<b>Passport</b>")
        assert "passed your question to a person" in confirmation.text
    finally:
        if bot.returncode is None:
            bot.send_signal(signal.SIGTERM)
            await asyncio.wait_for(bot.wait(), timeout=30)


async def test_a_graceful_stop_finishes_the_updates_in_flight(
    tmp_path: Path,
    fake_api: FakeBotApi,
    rasa: FakeRasa,
) -> None:
    settings = make_settings(
        tmp_path, telegram_api_base_url=fake_api.url, nlu_url=rasa.url, nlu_timeout=10
    )
    application = build_application(settings)
    await application.initialize()
    await post_init(application)
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0.0, timeout=1)
    user = FakeUser(171)
    try:
        [greeting] = await fake_api.exchange(user, "/start")
        [picker] = await fake_api.click(user, greeting, "lang:en")
        await fake_api.click(user, picker, "country:md", count=2)
        rasa.mode = "slow"  # five seconds
        before = len(fake_api.sent_to(user.id))
        await fake_api.send_text(user, "how do I renew my passport?")
        await wait_until(lambda: rasa.requests >= 1, timeout=10)
        rasa.mode = "ok"
    finally:
        await application.updater.stop()  # what SIGTERM does: stop taking updates ...
        await application.stop()  # ... and finish the ones being handled
        await post_shutdown(application)
        await application.shutdown()
    [answer] = fake_api.sent_to(user.id)[before:]
    assert answer.text.startswith("<b>Passport</b>")
