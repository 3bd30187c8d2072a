"""The typed callback context: handlers reach services as `context.services`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.clock import Clock, system_clock
from bot.services import Services
from bot.settings import Settings
from knowledge import KnowledgeBase


@dataclass
class BotData:
    """Application-wide state: settings and content loaded in main(), services from post_init."""

    settings: Settings | None = None
    kb: KnowledgeBase | None = None
    services: Services | None = None
    clock: Clock = system_clock
    web: Any = None
    """The web back office's server and task when served in this process (WEB_IN_BOT)."""
    conflict: bool = False
    """Set when Telegram said another instance polls with this token (the bot then stops)."""


class Context(CallbackContext[ExtBot[None], dict[object, object], dict[object, object], BotData]):
    @property
    def services(self) -> Services:
        services = self.bot_data.services
        if services is None:
            raise RuntimeError("services are built in post_init")
        return services


App = Application[Any, Context, Any, Any, BotData, Any]
