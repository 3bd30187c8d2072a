"""The web back office served over real HTTP next to a running bot (the fake Bot API's), for
httpx and browser tests."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest

from bot.context import App
from web import server
from web.server import login_link


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class WebOffice:
    application: App
    url: str

    async def login_link(self, telegram_id: int) -> str | None:
        services = self.application.bot_data.services
        settings = self.application.bot_data.settings
        assert services is not None and settings is not None
        link = await login_link(services, settings, telegram_id)
        return None if link is None else self.url + link[link.index("/login/") :]


@asynccontextmanager
async def serving(application: App) -> AsyncIterator[WebOffice]:
    """The back office over the bot's own services, on a free loopback port."""
    services = application.bot_data.services
    settings = application.bot_data.settings
    assert services is not None and settings is not None
    port = free_port()
    web = server.make_server(services, settings, port=port)
    task = await server.start(web)
    try:
        yield WebOffice(application, f"http://127.0.0.1:{port}")
    finally:
        await server.stop(web, task)


def chromium_path() -> str:
    """Debian's chromium (`make test` passes CHROMIUM); required in CI, never skipped."""
    path = os.environ.get("CHROMIUM")
    if not path:
        if os.environ.get("CI"):
            pytest.fail("CHROMIUM is not set: run the tests with `make test`")
        pytest.skip("no chromium: run `make test`, or set CHROMIUM=/usr/bin/chromium")
    return path
