"""Logging set-up: ids and decisions only, never message text, names or the bot token."""

from __future__ import annotations

import logging
import sys

# Libraries that log message contents (python-telegram-bot logs whole updates at DEBUG,
# aiosqlite and SQLAlchemy log SQL parameters) or request URLs (httpx: Bot API URLs contain the
# token) stay above DEBUG whatever LOG_LEVEL says.
LIBRARY_LEVELS = {
    "aiosqlite": logging.INFO,
    "sqlalchemy": logging.WARNING,
    "telegram": logging.INFO,
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "aiohttp": logging.WARNING,
    "apscheduler": logging.WARNING,
}


def quiet_libraries() -> None:
    for name, level in LIBRARY_LEVELS.items():
        logging.getLogger(name).setLevel(level)


def configure_logging(level: str) -> None:
    """Configure the root logger (only the entry point calls this)."""
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    quiet_libraries()
