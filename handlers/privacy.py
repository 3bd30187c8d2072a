"""/privacy and /forget (erasing only after the confirmation button)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import Context
from handlers.common import press_button, run_command

HANDLERS: list[BaseHandler[Update, Context, None]] = [
    CommandHandler(["privacy", "forget"], run_command),
    CallbackQueryHandler(press_button, pattern=r"^forget:"),
]
