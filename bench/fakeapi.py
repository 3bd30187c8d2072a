"""The tests' fake Bot API with timing hooks: when each update was offered, when replies came."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from tests.fake_telegram import FakeBotApi, SentMessage


@dataclass
class Arrival:
    at: float
    message: SentMessage


@dataclass
class TimedFakeBotApi(FakeBotApi):
    """Records, on the `time.perf_counter()` clock, each update's push and first offer (in a
    getUpdates response), and every message the bot sends or edits, per chat; lets the load
    generator wait for the n-th message of a chat without scanning all messages."""

    pushed_at: dict[int, float] = field(default_factory=dict)
    offered_at: dict[int, float] = field(default_factory=dict)
    arrivals: dict[int, list[Arrival]] = field(default_factory=lambda: defaultdict(list))
    _waiters: dict[int, list[tuple[int, asyncio.Future[None]]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    get_updates_calls: int = 0

    async def push_update(self, update: dict[str, Any], update_id: int | None = None) -> int:
        update_id = await super().push_update(update, update_id)
        self.pushed_at[update_id] = time.perf_counter()
        return update_id

    async def _api_getUpdates(self, params: dict[str, Any]) -> Any:
        result = await super()._api_getUpdates(params)
        now = time.perf_counter()
        self.get_updates_calls += 1
        for update in result:
            self.offered_at.setdefault(update["update_id"], now)
        return result

    async def _record(self, message: SentMessage) -> None:
        await super()._record(message)
        chat = self.arrivals[message.chat_id]
        chat.append(Arrival(time.perf_counter(), message))
        waiters = self._waiters.get(message.chat_id)
        if waiters:
            still = []
            for count, future in waiters:
                if len(chat) >= count:
                    if not future.done():
                        future.set_result(None)
                else:
                    still.append((count, future))
            self._waiters[message.chat_id] = still

    def received(self, chat_id: int) -> int:
        return len(self.arrivals.get(chat_id, ()))

    async def until_received(self, chat_id: int, count: int, timeout: float) -> bool:
        """Wait until the chat has `count` messages in total; False on timeout."""
        if self.received(chat_id) >= count:
            return True
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters[chat_id].append((count, future))
        try:
            await asyncio.wait_for(future, timeout)
        except TimeoutError:
            return False
        return True
