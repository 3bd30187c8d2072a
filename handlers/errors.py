"""The one error handler: log with the traceback, tell the user politely in their language."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Conflict

from bot.context import Context
from handlers.common import send_replies

log = logging.getLogger(__name__)


async def report_error(update: object, context: Context) -> None:
    """Log the exception and tell the user that something went wrong and a person follows up."""
    if isinstance(context.error, Conflict):
        log.critical(
            "another instance of this bot is polling with the same token; stopping this one"
        )
        context.bot_data.conflict = True
        context.application.stop_running()
        return
    log.error("unhandled error while handling an update", exc_info=context.error)
    services = context.bot_data.services
    if not isinstance(update, Update) or services is None:
        return
    try:
        await services.journal.finish(update.update_id, failed=True)
    except Exception:  # the database may be what failed
        log.warning("could not mark update %s as failed", update.update_id)
    if update.effective_chat is None:
        return
    language = services.settings.default_language
    if update.effective_user is not None:
        try:
            profile = await services.dialogue.profile(update.effective_user.id)
            language = profile.language or language
        except Exception:  # the database may be what failed
            log.warning("could not load the profile for the error message")
    try:
        await send_replies(update, context, [services.dialogue.views.error(language)])
    except Exception:
        log.warning("could not send the error message", exc_info=True)
