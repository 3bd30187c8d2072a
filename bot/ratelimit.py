"""Telegram's rate limits, with a 429 in one chat slowing down that chat only.

python-telegram-bot's `AIORateLimiter` keeps Telegram's budgets (30 messages/s overall, 20 per
minute per group) but, when Telegram answers 429 "retry after N", it pauses *every* request of
the bot for N seconds: a rate-limited staff group then delays the answers to every migrant.
Telegram's 429 names the chat that sent too much, so here only that chat waits; the others go
on. A request that is still refused after the last retry is one WARNING line (no traceback):
the caller decides what happens next (the outbox retries it later).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram._utils.types import JSONDict
from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)


class PerChatRateLimiter(AIORateLimiter):
    """`AIORateLimiter` whose retry-after pause applies to the chat Telegram refused."""

    def __init__(self, *, max_retries: int) -> None:
        super().__init__(max_retries=max_retries)
        self.max_retries = max_retries
        self._paused_until: dict[int | str | None, float] = {}

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        chat_id: int | str | None = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)  # type: ignore[arg-type]
        # As AIORateLimiter: negative ids and @usernames are groups (20 messages per minute).
        group: int | str | bool = (
            chat_id
            if isinstance(chat_id, str) or (isinstance(chat_id, int) and chat_id < 0)
            else False
        )
        retries = rate_limit_args or self.max_retries
        loop = asyncio.get_running_loop()
        for attempt in range(retries + 1):
            wait = self._paused_until.get(chat_id, 0.0) - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                # _run_request applies the overall and per-group budgets (python-telegram-bot
                # 22, pinned in requirements/app.lock).
                return await self._run_request(
                    chat=chat_id is not None,
                    group=group,
                    allow_paid_broadcast=bool(data.get("allow_paid_broadcast", False)),
                    callback=callback,
                    args=args,
                    kwargs=kwargs,
                )
            except RetryAfter as exc:
                delay = exc.retry_after
                seconds = delay if isinstance(delay, int | float) else delay.total_seconds()
                if attempt == retries:
                    log.warning(
                        "Telegram still rate-limits %s in chat %s after %s retries "
                        "(retry after %.0f s); giving it back to the caller",
                        endpoint,
                        chat_id,
                        retries,
                        seconds,
                    )
                    raise
                self._paused_until[chat_id] = loop.time() + seconds + 0.1
                log.info("rate limit in chat %s: retrying in %.1f s", chat_id, seconds + 0.1)
        raise AssertionError("unreachable")  # the loop returns or raises
