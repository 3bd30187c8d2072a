"""Where hotline messages go: Telegram, or the terminal when the assistant runs as a shell.

The hotline logic (bot/hotline.py) talks to a Transport, never to Telegram directly, so a web
dashboard can replace the staff group later.
"""

from __future__ import annotations

import logging
from typing import Protocol

from telegram import Bot, LinkPreviewOptions
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.errors import RetryLater, Undeliverable
from bot.rendering import to_html, to_markup
from bot.replies import Reply

log = logging.getLogger(__name__)


class Transport(Protocol):
    async def send(
        self,
        chat_id: int,
        reply: Reply,
        *,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> int:
        """Send a message; returns its id. Raises RetryLater or Undeliverable."""

    async def edit(self, chat_id: int, message_id: int, reply: Reply) -> None: ...

    async def copy(
        self,
        chat_id: int,
        from_chat_id: int,
        message_id: int,
        *,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> int:
        """Copy a user's message (a voice note, a document) into the staff group."""

    async def create_topic(self, chat_id: int, name: str) -> int | None:
        """Open a forum topic; None when the chat is not a forum."""


class TelegramTransport:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self._forums: dict[int, bool] = {}

    async def send(
        self,
        chat_id: int,
        reply: Reply,
        *,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> int:
        async with _translated_errors():
            message = await self.bot.send_message(
                chat_id,
                to_html(reply),
                parse_mode="HTML",
                reply_markup=to_markup(reply),
                message_thread_id=thread_id,
                reply_to_message_id=reply_to,
                allow_sending_without_reply=True,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        return message.message_id

    async def edit(self, chat_id: int, message_id: int, reply: Reply) -> None:
        try:
            async with _translated_errors():
                await self.bot.edit_message_text(
                    to_html(reply),
                    chat_id=chat_id,
                    message_id=message_id,
                    parse_mode="HTML",
                    reply_markup=to_markup(reply),
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                )
        except Undeliverable as exc:
            if "not modified" not in str(exc):
                raise

    async def copy(
        self,
        chat_id: int,
        from_chat_id: int,
        message_id: int,
        *,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> int:
        async with _translated_errors():
            copied = await self.bot.copy_message(
                chat_id,
                from_chat_id,
                message_id,
                message_thread_id=thread_id,
                reply_to_message_id=reply_to,
                allow_sending_without_reply=True,
            )
        return copied.message_id

    async def create_topic(self, chat_id: int, name: str) -> int | None:
        async with _translated_errors():
            if chat_id not in self._forums:
                chat = await self.bot.get_chat(chat_id)
                self._forums[chat_id] = bool(chat.is_forum)
            if not self._forums[chat_id]:
                return None
            topic = await self.bot.create_forum_topic(chat_id, name[:128])
        return topic.message_thread_id


class _translated_errors:  # noqa: N801 - used as a context manager, reads like one
    """Telegram errors → RetryLater (transient) or Undeliverable (permanent)."""

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, kind: object, error: BaseException | None, tb: object) -> bool:
        if error is None:
            return False
        if isinstance(error, RetryAfter):
            delay = error.retry_after
            seconds = delay.total_seconds() if hasattr(delay, "total_seconds") else float(delay)
            raise RetryLater("Telegram rate limit", seconds) from error
        if isinstance(error, (TimedOut, NetworkError)) and not isinstance(error, BadRequest):
            raise RetryLater(f"network: {error}") from error
        if isinstance(error, Forbidden):
            raise Undeliverable(f"forbidden: {error}") from error
        if isinstance(error, BadRequest):
            raise Undeliverable(f"bad request: {error}") from error
        return False
