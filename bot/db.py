"""Database engine, sessions and migrations."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.settings import ROOT

Sessions = async_sessionmaker[AsyncSession]


def create_engine(url: str) -> AsyncEngine:
    """An async engine; SQLite gets its data folder, foreign keys and WAL.

    The pool allows bursts (many users, many staff at once) beyond its steady ten connections.
    SQL parameters (message texts) are never put into error messages or logs.
    PostgreSQL connections are not pinged before each checkout (`pool_pre_ping` cost a round
    trip, about 1.5 ms, per transaction in `make bench`): a connection the server dropped fails
    its statement once, which SQLAlchemy recognises as a disconnect and answers by discarding
    every pooled connection, so the next unit of work reconnects.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, pool_size=10, max_overflow=50, hide_parameters=True)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            # With WAL, NORMAL syncs at checkpoints instead of at every commit: a crash of the
            # process loses nothing, a power cut at most the last commits, never consistency.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

        return engine
    return create_async_engine(url, pool_size=10, max_overflow=50, hide_parameters=True)


def create_sessions(engine: AsyncEngine) -> Sessions:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config() -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return config


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema up to the newest migration."""

    def upgrade(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        await connection.run_sync(upgrade)
