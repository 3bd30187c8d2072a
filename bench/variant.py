"""`python -m bench.variant [--concurrent N] [--overall-rate R] run`: the bot exactly as
`python -m bot run`, with the changes the findings propose applied from outside (no product
file is edited), so the bench can measure their effect:

- `--concurrent N`: updates of different chats are processed concurrently (up to N at once),
  updates of one chat still one after the other (python-telegram-bot processes every update
  sequentially by default);
- `--overall-rate R`: AIORateLimiter's overall limit of requests that carry a chat id (default
  30/s, python-telegram-bot's default; Telegram's broadcast guidance).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import weakref
from collections.abc import Awaitable
from typing import Any

from telegram.ext import AIORateLimiter, ApplicationBuilder, BaseUpdateProcessor


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across chats, sequential within a chat (a user's updates stay in order)."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = getattr(update, "effective_chat", None)
        key = chat.id if chat is not None else 0
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        async with lock:
            await coroutine

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.variant")
    parser.add_argument("--concurrent", type=int, default=0)
    parser.add_argument("--overall-rate", type=float, default=0.0)
    args, rest = parser.parse_known_args()
    import bot.app
    from bot.__main__ import main as bot_main

    if args.concurrent:
        build = ApplicationBuilder.build

        def concurrent_build(self: Any) -> Any:
            self.concurrent_updates(PerChatUpdateProcessor(args.concurrent))
            return build(self)

        ApplicationBuilder.build = concurrent_build  # type: ignore[method-assign]
    if args.overall_rate:
        rate = args.overall_rate

        def limiter(max_retries: int = 0) -> AIORateLimiter:
            return AIORateLimiter(overall_max_rate=rate, max_retries=max_retries)

        vars(bot.app)["AIORateLimiter"] = limiter  # what build_application calls
    return bot_main(rest)


if __name__ == "__main__":
    sys.exit(main())
