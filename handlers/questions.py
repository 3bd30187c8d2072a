"""Free-text questions, clarification and feedback on answers."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.context import Context
from handlers.common import press_button, send_replies, update_key, user_id


async def answer_question(update: Update, context: Context) -> None:
    """Understand a free-text message and answer, clarify, escalate or chat."""
    message = update.effective_message
    if message is None:
        return
    replies = await context.services.dialogue.text(
        user_id(update), message.text or "", update_key(update)
    )
    await send_replies(update, context, replies)


HANDLERS: list[BaseHandler[Update, Context, None]] = [
    MessageHandler(filters.TEXT & ~filters.COMMAND, answer_question),
    CallbackQueryHandler(press_button, pattern=r"^(fb:|none$)"),
]
