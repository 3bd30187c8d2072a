"""Handing a question to a person: /human, "Talk to a person", messages the bot cannot read."""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import Context
from handlers.common import send_replies, update_key, user_id


async def ask_human(update: Update, context: Context) -> None:
    """Open a ticket for the user (/human)."""
    replies = await context.services.dialogue.command(user_id(update), "human", update_key(update))
    await send_replies(update, context, replies)


async def escalate(update: Update, context: Context) -> None:
    """Open a ticket from a "Talk to a person" or "Send to a person" button."""
    query = update.callback_query
    await query.answer()
    replies = await context.services.dialogue.press(
        user_id(update), query.data or "", update_key(update)
    )
    await send_replies(update, context, replies)


async def reply_unreadable(update: Update, context: Context) -> None:
    """Answer a voice note, photo, sticker, document or location politely."""
    replies = await context.services.dialogue.unreadable(
        user_id(update), message_kind(update.effective_message)
    )
    await send_replies(update, context, replies)


def message_kind(message: Message) -> str:
    if message.voice or message.audio or message.video_note:
        return "voice"
    if message.document:
        return "document"
    if message.photo or message.video:
        return "photo"
    if message.sticker:
        return "sticker"
    if message.location or message.venue:
        return "location"
    return "other"


HANDLERS: list[BaseHandler[Update, Context, None]] = [
    CommandHandler("human", ask_human),
    CallbackQueryHandler(escalate, pattern=r"^(human$|esc:)"),
    MessageHandler(~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL, reply_unreadable),
]
