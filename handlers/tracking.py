"""Cross-cutting handlers: the guard before every feature (group -1), the fallback after."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, BaseHandler, CallbackQueryHandler, TypeHandler

from bot.context import Context
from handlers.common import press_button


async def private_chats_only(update: Update, context: Context) -> None:
    """Stop updates that do not come from a user in a private chat with the bot."""
    chat = update.effective_chat
    if update.effective_user is None or chat is None or chat.type != ChatType.PRIVATE:
        raise ApplicationHandlerStop


GUARDS: list[BaseHandler[Update, Context, None]] = [TypeHandler(Update, private_chats_only)]
# A button no feature claims (old or forged callback data): the dialogue answers it politely.
FALLBACKS: list[BaseHandler[Update, Context, None]] = [CallbackQueryHandler(press_button)]
