"""The main menu, topics and articles, /help."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import Context
from handlers.common import press_button, run_command

HANDLERS: list[BaseHandler[Update, Context, None]] = [
    CommandHandler(["menu", "help"], run_command),
    CallbackQueryHandler(press_button, pattern=r"^(menu$|topic:|art:)"),
]
