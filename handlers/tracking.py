"""Cross-cutting handlers: the guard before every feature (group -1), the fallback after."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, BaseHandler, CallbackQueryHandler, TypeHandler

from bot.context import Context
from handlers.common import press_button

log = logging.getLogger(__name__)


async def private_chats_only(update: Update, context: Context) -> None:
    """Migrant features answer users in private chats only.

    The staff group's updates were handled (or deliberately ignored) by the staff handlers; in
    any other group or channel the bot answers nothing and leaves.
    """
    chat = update.effective_chat
    if chat is not None and chat.id == context.services.settings.staff_chat_id:
        raise ApplicationHandlerStop
    if chat is not None and chat.type != ChatType.PRIVATE:
        log.info("leaving %s %s: the assistant works in private chats", chat.type, chat.id)
        try:
            await context.bot.leave_chat(chat.id)
        except TelegramError as exc:
            log.info("could not leave chat %s: %s", chat.id, exc)
        raise ApplicationHandlerStop
    if update.effective_user is None or chat is None:
        raise ApplicationHandlerStop


GUARDS: list[BaseHandler[Update, Context, None]] = [TypeHandler(Update, private_chats_only)]
# A button no feature claims (old or forged callback data): the dialogue answers it politely.
FALLBACKS: list[BaseHandler[Update, Context, None]] = [CallbackQueryHandler(press_button)]
