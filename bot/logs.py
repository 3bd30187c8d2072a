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
    "tornado": logging.WARNING,
}

# Loggers that put a whole update (user text included) into an error message.
PAYLOAD_LOGGERS = ("telegram.ext._utils.webhookhandler",)


class DropPayload(logging.Filter):
    """Keeps the event, drops its arguments (the payload) and the exception's text."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = f"{record.msg.split('%', 1)[0].rstrip(': ')} [payload withheld]"
            record.args = ()
        return True


class ShortConflict(logging.Filter):
    """A Conflict (another instance polls the token) is explained by the bot; no traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and type(error).__name__ == "Conflict":
            record.exc_info = None
            record.exc_text = None
        return True


def quiet_libraries() -> None:
    for name, level in LIBRARY_LEVELS.items():
        logging.getLogger(name).setLevel(level)
    for name in PAYLOAD_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, DropPayload) for f in logger.filters):
            logger.addFilter(DropPayload())
    updater = logging.getLogger("telegram.ext.Updater")
    if not any(isinstance(f, ShortConflict) for f in updater.filters):
        updater.addFilter(ShortConflict())


def configure_logging(level: str) -> None:
    """Configure the root logger (only the entry point calls this)."""
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    quiet_libraries()
