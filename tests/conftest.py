"""Shared fixtures: the real Rasa server (trained from this repository), the fake Bot API,
and the real bot Application wired to both."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import build_application, post_init, post_shutdown
from bot.clock import Clock, system_clock
from bot.context import App
from bot.services import nlu_paths
from bot.settings import ROOT, Settings
from knowledge import KnowledgeBase, load_knowledge
from nlu.sidecar import RasaSidecar
from nlu.training import train
from tests.fake_telegram import FakeBotApi
from tests.support.fake_rasa import FakeRasa

TOKEN = "123456:TEST-TOKEN"

# Property tests judge behaviour, not speed: no per-example deadline (CI machines are loaded).
hypothesis_settings.register_profile("project", deadline=None)
hypothesis_settings.load_profile("project")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The test PostgreSQL server (`make test` starts one); required in CI, never skipped."""
    url = os.environ.get("TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("TEST_POSTGRES_URL is not set: run the tests with `make test`")
        pytest.skip("no PostgreSQL: run `make test`, or set TEST_POSTGRES_URL")
    return url


@pytest.fixture
def postgres_database(postgres_url: str) -> Iterator[str]:
    """The URL of a fresh, empty database on the test server; dropped afterwards."""
    name = f"test_{uuid.uuid4().hex[:12]}"

    async def admin(statement: str) -> None:
        engine = create_async_engine(postgres_url, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as connection:
                await connection.execute(text(statement))
        finally:
            await engine.dispose()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Run a test on SQLite and again on a real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    return str(request.getfixturevalue("postgres_database"))


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge(ROOT / "knowledge")


@pytest.fixture(scope="session")
async def rasa_server() -> AsyncIterator[RasaSidecar]:
    """The Rasa server with the model trained from nlu/data and config.yml."""
    paths = nlu_paths(Settings())
    model = await asyncio.to_thread(train, paths)
    sidecar = RasaSidecar(paths, model, startup_timeout=240)
    sidecar.start()
    try:
        await sidecar.wait_ready()
        yield sidecar
    finally:
        await sidecar.stop()


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "telegram_bot_token": TOKEN,
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'test.db'}",
        "nlu_url": "http://127.0.0.1:9",  # nothing listens: tests that need NLU override it
        "run_dir": tmp_path / "run",
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[arg-type, call-arg]


@pytest.fixture
def settings(tmp_path: Path, rasa_server: RasaSidecar) -> Settings:
    return make_settings(tmp_path, nlu_url=rasa_server.url, nlu_token=rasa_server.token)


@pytest.fixture
async def rasa() -> AsyncIterator[FakeRasa]:
    """A fake Rasa server the test can make fail, slow down or hang."""
    server = FakeRasa()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi(token=TOKEN)
    await api.start()
    try:
        yield api
    finally:
        await api.stop()


async def start_bot(settings: Settings, *, clock: Clock = system_clock) -> App:
    application = build_application(settings, clock=clock)
    await application.initialize()
    await post_init(application)
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0.0, timeout=1)
    return application


@asynccontextmanager
async def running_bot(settings: Settings, *, clock: Clock = system_clock) -> AsyncIterator[App]:
    """The real bot polling the Bot API at settings.telegram_api_base_url, stopped afterwards."""
    application = await start_bot(settings, clock=clock)
    try:
        yield application
    finally:
        await stop_bot(application)


async def stop_bot(application: App) -> None:
    assert application.updater is not None
    await application.updater.stop()
    await application.stop()
    await post_shutdown(application)
    await application.shutdown()


@pytest.fixture
async def bot_app(settings: Settings, fake_api: FakeBotApi) -> AsyncIterator[App]:
    """The real Application, polling the fake Bot API, answering with the real Rasa model."""
    settings = settings.model_copy(update={"telegram_api_base_url": fake_api.url})
    application = await start_bot(settings)
    try:
        yield application
    finally:
        await stop_bot(application)
