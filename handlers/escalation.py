"""Handing a question to a person: /human, "Talk to a person", messages the bot cannot read."""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import Context
from handlers.common import press_button, run_command, send_replies, user_id


async def reply_unreadable(update: Update, context: Context) -> None:
    """Answer a voice note, photo, sticker, document or location politely."""
    message = update.effective_message
    if message is None:
        return
    replies = await context.services.dialogue.unreadable(
        user_id(update), message_kind(message), message.message_id
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
    CommandHandler(["human", "status", "cancel"], run_command),
    CallbackQueryHandler(press_button, pattern=r"^(human$|esc:|cancel:|add:)"),
    MessageHandler(~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL, reply_unreadable),
]
