"""Cross-cutting handlers: the guard before every feature (group -1), the fallback after."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.context import Context
from bot.flood import Verdict
from handlers.common import press_button, run_command, send_replies

log = logging.getLogger(__name__)


async def private_chats_only(update: Update, context: Context) -> None:
    """Migrant features answer users in private chats only.

    The staff group's updates were handled (or deliberately ignored) by the staff handlers; in
    any other group or channel the bot answers nothing and leaves.
    """
    chat = update.effective_chat
    if chat is not None and chat.id == context.services.settings.staff_chat_id:
        raise ApplicationHandlerStop
    if chat is not None and chat.type != ChatType.PRIVATE:
        log.info("leaving %s %s: the assistant works in private chats", chat.type, chat.id)
        try:
            await context.bot.leave_chat(chat.id)
        except TelegramError as exc:
            log.info("could not leave chat %s: %s", chat.id, exc)
        raise ApplicationHandlerStop
    if update.effective_user is None or chat is None:
        raise ApplicationHandlerStop
    await limit_flood(update, context)


async def limit_flood(update: Update, context: Context) -> None:
    """Above the per-user rate: one polite notice, then the excess is not processed."""
    user = update.effective_user
    assert user is not None
    services = context.services
    verdict = services.flood.check(user.id)
    if verdict is Verdict.ALLOW:
        return
    if update.callback_query is not None:
        await update.callback_query.answer()
    if verdict is Verdict.NOTIFY:
        log.info("flood: telegram user %s is over the limit; dropping for a while", user.id)
        language = services.i18n.pick(user.language_code)
        await send_replies(update, context, [services.dialogue.views.slow_down(language)])
    raise ApplicationHandlerStop


GUARDS: list[BaseHandler[Update, Context, None]] = [TypeHandler(Update, private_chats_only)]
# A button no feature claims (old or forged callback data): the dialogue answers it politely.
# A command no feature knows (/unknown): the main menu, as /menu would.
FALLBACKS: list[BaseHandler[Update, Context, None]] = [
    CallbackQueryHandler(press_button),
    MessageHandler(filters.COMMAND, run_command),
]
