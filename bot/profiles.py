"""The migrant's profile: language, country, consent; and erasing it (/forget)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Event, Feedback, Ticket, User, utcnow


@dataclass(frozen=True, slots=True)
class Profile:
    """What a conversation needs to know about the user, detached from the session."""

    id: int
    telegram_id: int
    language: str | None
    country: str | None
    consent_at: datetime | None

    @property
    def onboarded(self) -> bool:
        return self.language is not None and self.country is not None


def _profile(user: User) -> Profile:
    return Profile(user.id, user.telegram_id, user.language, user.country, user.consent_at)


async def get_or_create(session: AsyncSession, *, telegram_id: int) -> Profile:
    user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
    if user is None:
        user = User(telegram_id=telegram_id)
        session.add(user)
        await session.flush()
    return _profile(user)


async def find(session: AsyncSession, *, telegram_id: int) -> Profile | None:
    user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
    return _profile(user) if user else None


async def set_language(session: AsyncSession, *, user_id: int, language: str) -> None:
    await session.execute(update(User).where(User.id == user_id).values(language=language))


async def set_country(session: AsyncSession, *, user_id: int, country: str) -> None:
    await session.execute(update(User).where(User.id == user_id).values(country=country))


async def record_consent(session: AsyncSession, *, user_id: int) -> None:
    await session.execute(
        update(User)
        .where(User.id == user_id, User.consent_at.is_(None))
        .values(consent_at=utcnow())
    )


async def forget(session: AsyncSession, *, user_id: int) -> None:
    """Erase the user's profile, messages and ticket contents; keep redacted ticket stubs."""
    await session.execute(delete(Event).where(Event.user_id == user_id))
    await session.execute(update(Feedback).where(Feedback.user_id == user_id).values(user_id=None))
    await session.execute(
        update(Ticket)
        .where(Ticket.user_id == user_id)
        .values(user_id=None, question=None, transcript=None, nlu=None)
    )
    await session.execute(delete(User).where(User.id == user_id))
