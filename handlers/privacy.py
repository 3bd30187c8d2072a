"""/privacy and /forget."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import Context
from handlers.common import send_replies, update_key, user_id


async def show_privacy(update: Update, context: Context) -> None:
    """Explain what is stored (/privacy) or ask to confirm erasing it (/forget)."""
    name = (update.effective_message.text or "/privacy").split()[0][1:].split("@")[0]
    replies = await context.services.dialogue.command(user_id(update), name, update_key(update))
    await send_replies(update, context, replies)


async def confirm_forget(update: Update, context: Context) -> None:
    """Erase the user's data after the confirmation button, or keep it."""
    query = update.callback_query
    await query.answer()
    replies = await context.services.dialogue.press(
        user_id(update), query.data or "", update_key(update)
    )
    await send_replies(update, context, replies)


HANDLERS: list[BaseHandler[Update, Context, None]] = [
    CommandHandler(["privacy", "forget"], show_privacy),
    CallbackQueryHandler(confirm_forget, pattern=r"^forget:"),
]
