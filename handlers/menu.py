"""The main menu, topics and articles, /help."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import Context
from handlers.common import send_replies, update_key, user_id


async def show_menu(update: Update, context: Context) -> None:
    """Show the main menu (/menu) or the help (/help)."""
    name = (update.effective_message.text or "/menu").split()[0][1:].split("@")[0]
    replies = await context.services.dialogue.command(user_id(update), name, update_key(update))
    await send_replies(update, context, replies)


async def navigate(update: Update, context: Context) -> None:
    """Open the menu, a topic or an article from a button."""
    query = update.callback_query
    await query.answer()
    replies = await context.services.dialogue.press(
        user_id(update), query.data or "", update_key(update)
    )
    await send_replies(update, context, replies)


HANDLERS: list[BaseHandler[Update, Context, None]] = [
    CommandHandler(["menu", "help"], show_menu),
    CallbackQueryHandler(navigate, pattern=r"^(menu$|topic:|art:)"),
]
