"""Webhook mode refuses requests without the secret; a second polling instance exits clearly."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import httpx
from sqlalchemy import func, select

from bot.app import build_application, post_init, post_shutdown
from bot.models import ProcessedUpdate
from nlu.sidecar import free_port
from tests.conftest import TOKEN, make_settings
from tests.fake_telegram import FakeBotApi, FakeUser
from tests.support.hotline import wait_until

ROOT = Path(__file__).resolve().parent.parent
SECRET = "webhook-secret-0123456789"


def start_update(api: FakeBotApi, user: FakeUser, update_id: int) -> dict[str, object]:
    return {"update_id": update_id, "message": api.text_message(user, "/start")}


async def test_webhook_requests_without_the_secret_get_403_and_write_nothing(
    tmp_path: Path, fake_api: FakeBotApi
) -> None:
    port = free_port()
    settings = make_settings(
        tmp_path,
        telegram_api_base_url=fake_api.url,
        webhook_url="https://bot.example.org/telegram",
        webhook_secret=SECRET,
    )
    application = build_application(settings)
    await application.initialize()
    await post_init(application)
    await application.start()
    assert application.updater is not None
    await application.updater.start_webhook(
        listen="127.0.0.1",
        port=port,
        url_path="telegram",
        webhook_url=settings.webhook_url,
        secret_token=settings.require_webhook_secret(),
    )
    user = FakeUser(160)
    url = f"http://127.0.0.1:{port}/telegram"
    try:
        assert fake_api.webhook["secret_token"] == SECRET
        async with httpx.AsyncClient() as client:
            missing = await client.post(url, json=start_update(fake_api, user, 1))
            wrong = await client.post(
                url,
                json=start_update(fake_api, user, 2),
                headers={"X-Telegram-Bot-Api-Secret-Token": "guess"},
            )
            right = await client.post(
                url,
                json=start_update(fake_api, user, 3),
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            )
        assert (missing.status_code, wrong.status_code, right.status_code) == (403, 403, 200)
        await wait_until(lambda: len(fake_api.sent_to(user.id)) == 1)
        await asyncio.sleep(0.3)
        assert len(fake_api.sent_to(user.id)) == 1  # only the genuine update was answered
        services = application.bot_data.services
        assert services is not None
        async with services.sessions() as session:
            recorded = (await session.scalars(select(ProcessedUpdate.update_id))).all()
            assert await session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 1
        assert list(recorded) == [3]
    finally:
        await application.updater.stop()
        await application.stop()
        await post_shutdown(application)
        await application.shutdown()


async def test_a_second_instance_polling_the_same_token_exits_with_a_clear_message(
    tmp_path: Path, fake_api: FakeBotApi
) -> None:
    fake_api.conflict = True
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake_api.url,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        "NLU_URL": "http://127.0.0.1:9",
        "RUN_DIR": str(tmp_path / "run"),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    finally:
        if process.returncode is None:
            process.kill()
    text = stderr.decode()
    assert process.returncode == 3, text[-2000:]
    assert "another instance of this bot is already running with the same token" in text
    assert "Traceback" not in text
    assert TOKEN not in text
