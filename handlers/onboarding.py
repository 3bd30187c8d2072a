"""/start, language and country choice, switching language."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import Context
from handlers.common import send_replies, update_key, user_id


async def start(update: Update, context: Context) -> None:
    """Greet in the client's language and ask to confirm or pick a language."""
    client_language = update.effective_user.language_code if update.effective_user else None
    replies = await context.services.dialogue.start(user_id(update), client_language)
    await send_replies(update, context, replies)


async def change_setting(update: Update, context: Context) -> None:
    """Show the language or country picker (/language, /country)."""
    name = (update.effective_message.text or "/").split()[0][1:].split("@")[0]
    replies = await context.services.dialogue.command(user_id(update), name, update_key(update))
    await send_replies(update, context, replies)


async def choose(update: Update, context: Context) -> None:
    """Apply a language, country or language-switch button."""
    query = update.callback_query
    await query.answer()
    replies = await context.services.dialogue.press(
        user_id(update), query.data or "", update_key(update)
    )
    await send_replies(update, context, replies)


HANDLERS: list[BaseHandler[Update, Context, None]] = [
    CommandHandler("start", start),
    CommandHandler(["language", "country"], change_setting),
    CallbackQueryHandler(choose, pattern=r"^(lang|country|switch):"),
]
