"""Build the Telegram Application: handlers, lifecycle, commands per language."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

from sqlalchemy import make_url
from telegram import BotCommand, Update
from telegram.ext import Application, BaseUpdateProcessor, ContextTypes

from bot.clock import Clock, system_clock
from bot.context import App, BotData, Context
from bot.journal import ReplyLedger, UpdateJournal, current_ledger
from bot.publishing import install_signal
from bot.ratelimit import PerChatRateLimiter
from bot.services import build_services
from bot.settings import Settings
from bot.transport import TelegramTransport
from bot.views import COMMANDS
from handlers import errors, escalation, menu, onboarding, privacy, questions, staff, tracking
from knowledge import KnowledgeBase

log = logging.getLogger(__name__)


class JournaledApplication(Application[Any, Context, Any, Any, BotData, Any]):
    """Handles each update inside its reply ledger and marks it done in the journal after;
    the update was recorded when it was received (`JournalingQueue`, see bot/journal.py)."""

    async def process_update(self, update: object) -> None:
        services = self.bot_data.services
        if not isinstance(update, Update) or services is None:
            await super().process_update(update)
            return
        await self._handle(update, ReplyLedger(services.journal, update.update_id))

    async def _handle(self, update: Update, ledger: ReplyLedger) -> None:
        services = self.bot_data.services
        assert services is not None
        token = current_ledger.set(ledger)
        try:
            await super().process_update(update)
        finally:
            current_ledger.reset(token)
            await services.journal.finish(update.update_id)

    async def finish_interrupted(self) -> None:
        """Handle the updates a previous run received but did not finish, in arrival order;
        replies Telegram already confirmed are not sent again."""
        services = self.bot_data.services
        assert services is not None
        for entry in await services.journal.unfinished():
            if entry.payload is None:
                log.warning("update %s was interrupted and cannot be replayed", entry.update_id)
                await services.journal.finish(entry.update_id, failed=True)
                continue
            log.warning(
                "finishing update %s, received before the bot last stopped", entry.update_id
            )
            ledger = ReplyLedger(services.journal, entry.update_id, entry.replies_sent)
            await self._handle(Update.de_json(entry.payload, self.bot), ledger)


class JournalingQueue(asyncio.Queue[object]):
    """The application's update queue: an update is journaled before it is queued.

    python-telegram-bot's updater puts each fetched update here and asks Telegram for the next
    batch (confirming this one) only after every `put` returned; the webhook server answers 200
    only after `put`. So an update is durable before Telegram forgets it. An update already in
    the journal is not queued again (Telegram redelivering it after a restart).
    """

    def __init__(self) -> None:
        super().__init__()
        self.journal: UpdateJournal | None = None
        """Set once the services exist (post_init, before polling or the webhook start)."""

    async def put(self, item: object) -> None:
        if isinstance(item, Update) and self.journal is not None:
            if not await self.journal.receive(item.update_id, item.to_dict()):
                log.info("update %s was received before; ignored", item.update_id)
                return
        await super().put(item)


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates of different chats are handled concurrently, each chat's strictly in order.

    python-telegram-bot handles one update at a time by default: one slow NLU call or database
    write then holds up every other user. Fully concurrent handling would let two quick taps of
    one user overtake each other. Ordering per chat gives both: users do not wait for each
    other, and a conversation stays a sequence.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._users[key] -= 1
            if not self._users[key]:  # nobody else waits: forget the lock
                del self._users[key]
                del self._locks[key]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def concurrency(settings: Settings) -> int:
    """How many updates run at once: MAX_CONCURRENT_UPDATES on PostgreSQL; one on SQLite, whose
    single writer turns concurrent transactions into "database is locked" errors under load."""
    if make_url(settings.database_url).get_backend_name() == "sqlite":
        return 1
    return settings.max_concurrent_updates


def _chat_key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None


CONFLICT_EXIT = 3
UPDATE_TYPES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
]
"""What the bot asks Telegram for; other kinds (channel posts, polls, ...) never arrive."""


def run(settings: Settings, kb: KnowledgeBase) -> int:
    """Run the bot until stopped: a webhook server when WEBHOOK_URL is set, else long polling.

    Returns the exit code: 0, or CONFLICT_EXIT when another instance polls with the same token.
    """
    application = build_application(settings, kb)
    if settings.webhook_url:
        # PTB's webhook server answers 403 to a request without the right secret header, before
        # anything is parsed or stored; on SIGTERM it stops taking requests and finishes the
        # updates already received.
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=settings.webhook_path,
            webhook_url=settings.webhook_url,
            secret_token=settings.require_webhook_secret(),
            allowed_updates=UPDATE_TYPES,
        )
    else:
        application.run_polling(allowed_updates=UPDATE_TYPES)
    if application.bot_data.conflict:
        return CONFLICT_EXIT
    return 0


def build_application(
    settings: Settings, kb: KnowledgeBase | None = None, *, clock: Clock = system_clock
) -> App:
    """The bot, wired to the Bot API at TELEGRAM_API_BASE_URL; services start in post_init.

    Passing the knowledge base loaded beforehand makes broken content stop start-up before
    anything connects to Telegram. `clock` is the one clock of every service (tests pin it).
    """
    base = settings.telegram_api_base_url.rstrip("/")
    application: App = (
        Application.builder()
        .application_class(JournaledApplication)
        .update_queue(JournalingQueue())
        .token(settings.require_token())
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .context_types(ContextTypes(context=Context, bot_data=BotData))
        .rate_limiter(PerChatRateLimiter(max_retries=3))
        .concurrent_updates(PerChatUpdateProcessor(concurrency(settings)))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.bot_data.settings = settings
    application.bot_data.kb = kb
    application.bot_data.clock = clock
    application.add_handlers(staff.build_handlers(settings), group=-2)
    application.add_handlers(tracking.GUARDS, group=-1)
    for feature in (onboarding, menu, questions, escalation, privacy):
        application.add_handlers(feature.HANDLERS)
    application.add_handlers(tracking.FALLBACKS)
    application.add_error_handler(errors.report_error)
    return application


async def post_init(application: App) -> None:
    """Start the services and register the command list in every language."""
    settings = application.bot_data.settings
    assert settings is not None
    services = await build_services(
        settings, kb=application.bot_data.kb, clock=application.bot_data.clock
    )
    application.bot_data.services = services
    services.start_delivery(TelegramTransport(application.bot))
    install_signal(services.publisher, settings.run_dir)
    if isinstance(application.update_queue, JournalingQueue):
        application.update_queue.journal = services.journal
    if isinstance(application, JournaledApplication):
        await application.finish_interrupted()
    if settings.web_in_bot:
        from web import server

        web = server.make_server(services, settings)
        application.bot_data.web = (web, await server.start(web))
        log.info("web back office on %s", settings.web_url)
    for language in services.kb.languages:
        _ = services.i18n.gettext(language)
        commands = [BotCommand(name, _(description)) for name, description in COMMANDS]
        await application.bot.set_my_commands(commands, language_code=language)
    _ = services.i18n.gettext(settings.default_language)
    await application.bot.set_my_commands(
        [BotCommand(name, _(description)) for name, description in COMMANDS]
    )
    log.info("bot ready")


async def post_shutdown(application: App) -> None:
    if application.bot_data.web is not None:
        from web import server

        await server.stop(*application.bot_data.web)
        application.bot_data.web = None
    services = application.bot_data.services
    if services is not None:
        await services.aclose()
        application.bot_data.services = None
