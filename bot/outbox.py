"""The outbox: messages committed with the change that caused them, delivered afterwards.

A ticket and its staff card are written in one transaction; a worker then delivers the card and
marks it sent. When delivery fails (network, rate limit, the staff group unreachable) the item is
retried with backoff until it succeeds, so nothing is lost. Items of one ticket are delivered in
order: while one waits, the later ones wait behind it.

An item is marked sent only after the transport confirmed it; a crash between the two resends it
once on restart (at-least-once), the only duplicate the design allows.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db import Sessions
from bot.errors import RetryLater, Undeliverable
from bot.models import Outbox

log = logging.getLogger(__name__)

BATCH = 50


@dataclass(frozen=True, slots=True)
class Item:
    id: int
    key: str
    kind: str
    ticket_id: int | None
    chat_id: int | None
    payload: dict[str, Any]
    attempts: int


class Courier(Protocol):
    async def send(self, item: Item) -> dict[str, Any]:
        """Deliver the item; returns what the caller needs to remember (message ids).

        Raises:
            RetryLater: try again later.
            Undeliverable: give up on this item.
        """

    async def delivered(self, session: AsyncSession, item: Item, result: dict[str, Any]) -> None:
        """Record the delivery, in the transaction that marks the item sent."""


async def enqueue(
    session: AsyncSession,
    *,
    now: datetime,
    key: str,
    kind: str,
    payload: dict[str, Any] | None = None,
    ticket_id: int | None = None,
    chat_id: int | None = None,
) -> bool:
    """Add an item unless one with this key exists; False when it already did."""
    if await session.scalar(select(Outbox.id).where(Outbox.key == key)) is not None:
        return False
    session.add(
        Outbox(
            key=key,
            kind=kind,
            ticket_id=ticket_id,
            chat_id=chat_id,
            payload=payload or {},
            created_at=now,
            due_at=now,
        )
    )
    return True


class OutboxWorker:
    """Delivers due items; woken right after a commit that enqueued, and polls for retries."""

    def __init__(
        self,
        sessions: Sessions,
        courier: Courier,
        *,
        poll_seconds: float,
        max_backoff: float,
        clock: Clock,
    ) -> None:
        self.sessions = sessions
        self.courier = courier
        self.poll_seconds = poll_seconds
        self.max_backoff = max_backoff
        self.clock = clock
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="outbox")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.deliver_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox pass failed; retrying in %.0f s", self.poll_seconds)
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
            except TimeoutError:
                pass

    async def deliver_due(self) -> int:
        """One pass over pending items; returns how many were delivered."""
        now = self.clock()
        async with self.sessions() as session:
            rows = (
                await session.scalars(
                    select(Outbox).where(Outbox.sent_at.is_(None)).order_by(Outbox.id).limit(BATCH)
                )
            ).all()
            pending = [
                (
                    Item(r.id, r.key, r.kind, r.ticket_id, r.chat_id, dict(r.payload), r.attempts),
                    r.due_at,
                )
                for r in rows
            ]
        waiting: set[tuple[str, int | None]] = set()
        delivered = 0
        for item, due_at in pending:
            lane = ("ticket", item.ticket_id) if item.ticket_id else ("chat", item.chat_id)
            if lane in waiting:
                continue
            if _aware(due_at) > now:
                waiting.add(lane)
                continue
            if await self._deliver(item):
                delivered += 1
            else:
                waiting.add(lane)
        return delivered

    async def _deliver(self, item: Item) -> bool:
        try:
            result = await self.courier.send(item)
        except RetryLater as exc:
            delay = exc.delay if exc.delay is not None else self._backoff(item.attempts)
            log.warning(
                "outbox %s (%s) not delivered, retrying in %.1f s: %s",
                item.id,
                item.kind,
                delay,
                exc,
            )
            await self._postpone(item, delay, str(exc))
            return False
        except Undeliverable as exc:
            log.warning("outbox %s (%s) undeliverable: %s", item.id, item.kind, exc)
            await self._finish(item, {}, error=f"undeliverable: {exc}")
            return True
        except Exception as exc:
            log.exception("outbox %s (%s) failed", item.id, item.kind)
            await self._postpone(item, self._backoff(item.attempts), type(exc).__name__)
            return False
        await self._finish(item, result)
        return True

    def _backoff(self, attempts: int) -> float:
        return float(min(self.max_backoff, 2.0**attempts))

    async def _postpone(self, item: Item, delay: float, error: str) -> None:
        async with self.sessions.begin() as session:
            await session.execute(
                update(Outbox)
                .where(Outbox.id == item.id)
                .values(
                    attempts=Outbox.attempts + 1,
                    due_at=self.clock() + timedelta(seconds=delay),
                    last_error=error[:200],
                )
            )

    async def _finish(self, item: Item, result: dict[str, Any], error: str | None = None) -> None:
        async with self.sessions.begin() as session:
            await session.execute(
                update(Outbox)
                .where(Outbox.id == item.id)
                .values(
                    sent_at=self.clock(),
                    attempts=Outbox.attempts + 1,
                    last_error=error[:200] if error else None,
                )
            )
            if error is None:
                await self.courier.delivered(session, item, result)


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes for timezone-aware columns; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
