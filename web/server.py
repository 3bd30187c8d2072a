"""Serving the back office: inside another process's event loop (the terminal chat of
`make run`, tests) or as `python -m bot web`, its own process against the same database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

import uvicorn

from bot.services import Services
from bot.settings import Settings
from web.app import create_app
from web.auth import LoginLinks

log = logging.getLogger(__name__)


class EmbeddedServer(uvicorn.Server):
    """Leaves signals to the host process (the terminal chat's Ctrl-C, the bot's SIGTERM)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def make_server(
    services: Services, settings: Settings, *, port: int | None = None
) -> uvicorn.Server:
    app = create_app(
        services,
        secret=settings.web_signing_secret(),
        secure_cookie=settings.web_url.startswith("https://"),
    )
    config = uvicorn.Config(
        app,
        host=settings.web_listen,
        port=settings.web_port if port is None else port,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
    return EmbeddedServer(config)


async def start(server: uvicorn.Server) -> asyncio.Task[None]:
    """Serve in the background; returns once it listens."""
    task = asyncio.create_task(server.serve(), name="web")
    while not server.started:
        if task.done():
            task.result()  # raises why it could not start (e.g. the port is taken)
            raise RuntimeError("the web server stopped at start-up")
        await asyncio.sleep(0.05)
    return task


async def stop(server: uvicorn.Server, task: asyncio.Task[None]) -> None:
    server.should_exit = True
    await task


async def login_link(services: Services, settings: Settings, telegram_id: int) -> str | None:
    """A one-time login URL for a staff member; None for anyone not in STAFF."""
    token = await LoginLinks(services.sessions, services.staff, services.clock).issue(telegram_id)
    return None if token is None else f"{settings.web_url}/login/{token}"
