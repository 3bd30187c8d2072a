"""The hotline's parts on their own: hours, the staff directory, the outbox worker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import outbox
from bot.db import Sessions, create_engine, create_sessions, migrate
from bot.errors import ConfigError, RetryLater, Undeliverable
from bot.hours import HotlineHours
from bot.models import Outbox
from bot.outbox import Item, OutboxWorker
from bot.staff import Permission, Role, StaffDirectory

# -- hours ---------------------------------------------------------------------------------------


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_hours_follow_the_weekly_schedule_in_the_hotline_time_zone() -> None:
    hours = HotlineHours.parse("mon-fri 09:00-18:00; sat 10:00-14:00", "Europe/Chisinau")
    # Chisinau is UTC+2 in winter: 07:00 UTC is 09:00 there.
    assert hours.is_open(at("2026-11-23T07:00:00"))  # Monday 09:00
    assert not hours.is_open(at("2026-11-23T06:59:00"))
    assert not hours.is_open(at("2026-11-23T16:00:00"))  # Monday 18:00, closed
    assert hours.is_open(at("2026-11-21T08:30:00"))  # Saturday 10:30
    assert not hours.is_open(at("2026-11-22T10:00:00"))  # Sunday


def test_next_opening_skips_the_weekend_and_handles_summer_time() -> None:
    hours = HotlineHours.parse("mon-fri 09:00-18:00", "Europe/Chisinau")
    opening = hours.next_opening(at("2026-11-21T10:00:00"))  # Saturday
    assert opening.isoformat() == "2026-11-23T09:00:00+02:00"
    summer = hours.next_opening(at("2026-07-03T20:00:00"))  # Friday evening, UTC+3
    assert summer.isoformat() == "2026-07-06T09:00:00+03:00"
    now = at("2026-11-23T08:00:00")
    assert hours.next_opening(now) == now  # open now


def test_empty_hours_mean_always_open() -> None:
    hours = HotlineHours.parse("", "Europe/Sofia")
    assert hours.always_open
    assert hours.is_open(at("2026-11-22T03:00:00"))


@pytest.mark.parametrize(
    ("value", "zone", "problem"),
    [
        ("mon-fri 9-18", "Europe/Chisinau", "must look like"),
        ("mon-fri 18:00-09:00", "Europe/Chisinau", "ends before it starts"),
        ("xyz 09:00-10:00", "Europe/Chisinau", "must look like"),
        ("mon 25:00-26:00", "Europe/Chisinau", "invalid time"),
        ("mon 09:00-10:00", "Mars/Olympus", "not a known time zone"),
    ],
)
def test_bad_hours_stop_start_up_with_a_clear_message(value: str, zone: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        HotlineHours.parse(value, zone)


# -- staff ---------------------------------------------------------------------------------------


def test_staff_directory_roles_and_permissions() -> None:
    staff = StaffDirectory.parse(" 11:agent:Ana , 12:SUPERVISOR, 13:editor:Eve ")
    ana, supervisor, eve = staff.get(11), staff.get(12), staff.get(13)
    assert ana is not None and supervisor is not None and eve is not None
    assert (ana.role, ana.name) == (Role.AGENT, "Ana")
    assert supervisor.name == "supervisor 12"
    assert ana.may(Permission.HANDLE) and not ana.may(Permission.OVERRIDE)
    assert supervisor.may(Permission.OVERRIDE) and supervisor.may(Permission.PUBLISH)
    assert eve.may(Permission.PUBLISH) and not eve.may(Permission.HANDLE)
    assert staff.get(14) is None and staff.get(None) is None
    assert [m.telegram_id for m in staff.with_permission(Permission.OVERRIDE)] == [12]


@pytest.mark.parametrize("value", ["ana:agent", "11", "11:boss"])
def test_malformed_staff_entries_are_refused(value: str) -> None:
    with pytest.raises(ConfigError, match="STAFF entry"):
        StaffDirectory.parse(value)


# -- outbox --------------------------------------------------------------------------------------


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[Sessions]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}")
    await migrate(engine)
    try:
        yield create_sessions(engine)
    finally:
        await engine.dispose()


class FlakyCourier:
    """Fails the first `failures` sends of each item, then delivers; records the order."""

    def __init__(
        self,
        failures: int = 0,
        undeliverable: frozenset[str] = frozenset(),
        delay: float | None = 0,
    ) -> None:
        self.failures = failures
        self.delay = delay
        self.undeliverable = undeliverable
        self.attempts: dict[str, int] = {}
        self.sent: list[str] = []
        self.recorded: list[str] = []

    async def send(self, item: Item) -> dict[str, Any]:
        self.attempts[item.key] = self.attempts.get(item.key, 0) + 1
        if item.key in self.undeliverable:
            raise Undeliverable("blocked by the user")
        if self.attempts[item.key] <= self.failures:
            raise RetryLater("network down", delay=self.delay)
        self.sent.append(item.key)
        return {"message_id": len(self.sent)}

    async def delivered(self, session: AsyncSession, item: Item, result: dict[str, Any]) -> None:
        self.recorded.append(f"{item.key}={result['message_id']}")


NOW = at("2026-11-22T10:00:00")
"""The pinned clock of the outbox tests: items are enqueued and delivered at this time."""


async def enqueue(sessions: Sessions, *keys: str, chat_id: int = 7) -> None:
    async with sessions.begin() as session:
        for key in keys:
            await outbox.enqueue(session, key=key, kind="to_user", chat_id=chat_id, now=NOW)


async def test_outbox_retries_until_delivered_and_never_sends_twice(sessions: Sessions) -> None:
    courier = FlakyCourier(failures=2)
    worker = OutboxWorker(sessions, courier, poll_seconds=0.01, max_backoff=0, clock=lambda: NOW)
    await enqueue(sessions, "a", "b")
    await enqueue(sessions, "a")  # the same key again: ignored

    passes = [await worker.deliver_due() for _ in range(5)]

    # b (same chat) is not even tried while a fails: messages arrive in order.
    assert passes == [0, 0, 1, 0, 1]
    assert courier.attempts == {"a": 3, "b": 3}
    assert courier.sent == ["a", "b"]
    assert courier.recorded == ["a=1", "b=2"]
    async with sessions() as session:
        rows = (await session.scalars(select(Outbox).order_by(Outbox.id))).all()
    assert [(r.key, r.attempts, r.sent_at is not None) for r in rows] == [
        ("a", 3, True),
        ("b", 3, True),
    ]


async def test_one_blocked_chat_does_not_hold_up_others(sessions: Sessions) -> None:
    courier = FlakyCourier(undeliverable=frozenset({"blocked"}))
    worker = OutboxWorker(sessions, courier, poll_seconds=0.01, max_backoff=0, clock=lambda: NOW)
    await enqueue(sessions, "blocked", chat_id=1)
    await enqueue(sessions, "other", chat_id=2)

    await worker.deliver_due()

    assert courier.sent == ["other"]
    async with sessions() as session:
        blocked = await session.scalar(select(Outbox).where(Outbox.key == "blocked"))
    assert blocked is not None and blocked.sent_at is not None
    assert blocked.last_error == "undeliverable: blocked by the user"
    assert await worker.deliver_due() == 0  # given up, not retried forever


async def test_backoff_waits_before_the_next_attempt(sessions: Sessions) -> None:
    now = NOW
    courier = FlakyCourier(failures=1, delay=None)
    worker = OutboxWorker(sessions, courier, poll_seconds=0.01, max_backoff=60, clock=lambda: now)
    await enqueue(sessions, "x")

    assert await worker.deliver_due() == 0  # fails; the next attempt is due in 2**0 s
    assert await worker.deliver_due() == 0  # not due yet: not even tried
    assert courier.attempts["x"] == 1
    now = at("2026-11-22T10:00:02")
    assert await worker.deliver_due() == 1
