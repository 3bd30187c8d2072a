"""The web back office served next to a running bot (fake Bot API, forum staff group)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import stop_bot
from tests.fake_telegram import FakeBotApi
from tests.support.hotline import STAFF_CHAT, start_hotline
from tests.support.web import WebOffice, serving


@pytest.fixture
async def office(tmp_path: Path, fake_api: FakeBotApi) -> AsyncIterator[WebOffice]:
    fake_api.forums.add(STAFF_CHAT)
    application = await start_hotline(tmp_path, fake_api)
    try:
        async with serving(application) as web:
            yield web
    finally:
        await stop_bot(application)
