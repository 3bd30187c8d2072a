"""Cross-cutting checks that run before every feature handler (group -1)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, BaseHandler, CallbackQueryHandler, TypeHandler

from bot.context import Context
from handlers.common import send_replies, update_key, user_id

log = logging.getLogger(__name__)


async def private_chats_only(update: Update, context: Context) -> None:
    """Stop updates that do not come from a user in a private chat with the bot."""
    chat = update.effective_chat
    if update.effective_user is None or chat is None or chat.type != ChatType.PRIVATE:
        raise ApplicationHandlerStop


async def stale_button(update: Update, context: Context) -> None:
    """Answer a button whose action no feature knows (old or forged callback data)."""
    query = update.callback_query
    await query.answer()
    replies = await context.services.dialogue.press(user_id(update), "", update_key(update))
    await send_replies(update, context, replies)


GUARDS: list[BaseHandler[Update, Context, None]] = [TypeHandler(Update, private_chats_only)]
FALLBACKS: list[BaseHandler[Update, Context, None]] = [CallbackQueryHandler(stale_button)]
