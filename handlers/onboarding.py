"""/start, language and country choice, switching language."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import Context
from handlers.common import press_button, run_command, send_replies, user_id


async def start(update: Update, context: Context) -> None:
    """Greet in the client's language and ask to confirm or pick a language."""
    client_language = update.effective_user.language_code if update.effective_user else None
    replies = await context.services.dialogue.start(user_id(update), client_language)
    await send_replies(update, context, replies)


HANDLERS: list[BaseHandler[Update, Context, None]] = [
    CommandHandler("start", start),
    CommandHandler(["language", "country"], run_command),
    CallbackQueryHandler(press_button, pattern=r"^(lang|country|switch):"),
]
