"""The migrant's profile: language, country, consent; and erasing it (/forget)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, null, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Event, Feedback, Outbox, Ticket, TicketMessage, User


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


async def get_or_create(session: AsyncSession, *, telegram_id: int, now: datetime) -> Profile:
    user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
    if user is None:
        user = User(telegram_id=telegram_id, created_at=now, updated_at=now)
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


async def record_consent(session: AsyncSession, *, user_id: int, now: datetime) -> None:
    await session.execute(
        update(User)
        .where(User.id == user_id, User.consent_at.is_(None))
        .values(consent_at=now, updated_at=now)
    )


async def forget(session: AsyncSession, *, user_id: int) -> None:
    """Erase the user's profile, messages and ticket contents; keep redacted ticket stubs.

    Ticket messages (theirs and the staff's replies) and every message queued or sent to them
    go too; the audit trail keeps only pseudonymous actor ids.
    """
    user = await session.get(User, user_id)
    if user is None:
        return
    their_tickets = select(Ticket.id).where(Ticket.user_id == user_id).scalar_subquery()
    await session.execute(delete(TicketMessage).where(TicketMessage.ticket_id.in_(their_tickets)))
    await session.execute(delete(Outbox).where(Outbox.chat_id == user.telegram_id))
    await session.execute(
        delete(Outbox).where(Outbox.kind == "copy", Outbox.ticket_id.in_(their_tickets))
    )
    await session.execute(delete(Event).where(Event.user_id == user_id))
    await session.execute(update(Feedback).where(Feedback.user_id == user_id).values(user_id=None))
    await session.execute(
        update(Ticket)
        .where(Ticket.user_id == user_id)
        .values(user_id=None, question=None, transcript=null(), nlu=null())
    )
    await session.execute(delete(User).where(User.id == user_id))
