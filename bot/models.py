"""Database tables (SQLAlchemy 2 declarative). Every schema change gets an Alembic migration.

Timestamps have no default: the code that writes a row passes the time from the services'
clock (bot/clock.py), so tests that pin the clock see consistent rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    SmallInteger,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        datetime: DateTime(timezone=True),
    }


class User(Base):
    """A migrant who talks to the bot. Erased by /forget."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    language: Mapped[str | None] = mapped_column(String(8))
    country: Mapped[str | None] = mapped_column(String(8))
    consent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Event(Base):
    """One message or button in a conversation; the transcript a ticket carries."""

    __tablename__ = "event"
    __table_args__ = (Index("ix_event_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    direction: Mapped[str] = mapped_column(String(3))  # "in" from the user, "out" from the bot
    kind: Mapped[str] = mapped_column(String(16))  # text, button, answer, clarify, ...
    text: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    country: Mapped[str | None] = mapped_column(String(8))
    intent: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float | None]
    action: Mapped[str | None] = mapped_column(String(16))
    article_id: Mapped[str | None] = mapped_column(String(64))
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    """For a voice note or document: the message to copy to the hotline if the user asks."""


class Ticket(Base):
    """A referral to hotline staff. After /forget only a redacted stub remains."""

    __tablename__ = "ticket"
    __table_args__ = (
        Index("ix_ticket_state_created_at", "state", "created_at"),
        # /queue and the web inbox: urgent open tickets first, then the oldest, read from the
        # index alone however many are closed
        Index(
            "ix_ticket_open_urgent_created_at",
            text("urgent DESC"),
            "created_at",
            "id",
            postgresql_where=text("state IN ('new', 'claimed', 'waiting_user', 'referred')"),
            sqlite_where=text("state IN ('new', 'claimed', 'waiting_user', 'referred')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    state: Mapped[str] = mapped_column(String(16), default="new")
    reason: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    country: Mapped[str | None] = mapped_column(String(8))
    topic: Mapped[str | None] = mapped_column(String(32))
    question: Mapped[str | None] = mapped_column(Text)
    nlu: Mapped[dict[str, Any] | None]
    transcript: Mapped[list[Any] | None]
    claimed_by: Mapped[int | None] = mapped_column(BigInteger)
    """Telegram id of the staff member who claimed the ticket."""
    claimed_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)
    """The ticket's card in the staff group, once delivered."""
    forum_topic_id: Mapped[int | None] = mapped_column(BigInteger)
    """The ticket's own topic when the staff group is a forum."""
    sla_announced_at: Mapped[datetime | None]
    """When an unclaimed ticket was last re-announced to the staff."""
    referred_to: Mapped[str | None] = mapped_column(String(64))
    """Institution id (knowledge/institutions) proposed by the staff."""
    referral_consent: Mapped[bool | None]
    """The migrant's answer to sharing their contact details with `referred_to`."""
    referral_consent_at: Mapped[datetime | None]
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    """1–5, given by the migrant after resolution."""
    rated_at: Mapped[datetime | None]
    urgent: Mapped[bool] = mapped_column(server_default=false())
    """Immediate danger (nlu/urgent.py): first in /queue, its own SLA, on-call staff alerted."""


class TicketMessage(Base):
    """A message on a ticket: the migrant's, a staff reply relayed to them, or an internal note."""

    __tablename__ = "ticket_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    author: Mapped[str] = mapped_column(String(8))  # "user", "staff" or "note"
    staff_id: Mapped[int | None] = mapped_column(BigInteger)
    text: Mapped[str | None] = mapped_column(Text)
    staff_message_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    """The message carrying it in the staff group (a reply to it is a reply to the ticket)."""


class Outbox(Base):
    """A message to deliver, committed with the change that caused it and sent afterwards.

    Delivery is retried with backoff until it succeeds; `key` makes enqueuing idempotent.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_sent_at_due_at", "sent_at", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # card, card_edit, to_user, to_staff
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket.id", ondelete="CASCADE"), index=True
    )
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    due_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None]


class MissedQuestion(Base):
    """A question the assistant could not answer well, kept for editors without the asker.

    Written on an escalation, on "None of these" after a clarification, and on 👎.
    """

    __tablename__ = "missed_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
    reason: Mapped[str] = mapped_column(String(24))  # escalate, none_of_these, unhelpful
    text: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    country: Mapped[str | None] = mapped_column(String(8))
    intent: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float | None]
    article_id: Mapped[str | None] = mapped_column(String(64))
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    """For a voice note or document: the message to copy to the hotline if the user asks."""


class TicketEvent(Base):
    """The audit trail of a ticket: who did what, when. Actors are pseudonymous ids."""

    __tablename__ = "ticket_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(40))  # "user:<id>", "staff:<telegram id>", "system"
    action: Mapped[str] = mapped_column(String(24))  # created, claimed, state, reopened, ...
    detail: Mapped[dict[str, Any] | None]


class Feedback(Base):
    """👍 / 👎 on an answer; kept without the user's identity after /forget."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    article_id: Mapped[str] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(String(8))
    language: Mapped[str | None] = mapped_column(String(8))
    helpful: Mapped[bool]
    created_at: Mapped[datetime]


class ProcessedUpdate(Base):
    """The update journal: each Telegram update is recorded when it is received (before Telegram
    is told it arrived) and marked done after its handling, so a repeated update is ignored and
    one interrupted by a crash is finished on the next start (its payload is kept until then)."""

    __tablename__ = "processed_update"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    received_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(12), default="received")
    """received (being handled), done, or failed (an unhandled error; logged)."""
    done_at: Mapped[datetime | None] = mapped_column(index=True)
    payload: Mapped[dict[str, Any] | None]
    replies_sent: Mapped[int] = mapped_column(server_default="0")
    """How many of the update's replies Telegram confirmed: a replay after a crash skips them."""


class WebLoginToken(Base):
    """A one-time login link to the web back office (web/auth.py): only its hash is stored."""

    __tablename__ = "web_login_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class CannedReply(Base):
    """A reply supervisors prepared for a language (and topic), offered in the web inbox."""

    __tablename__ = "canned_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(String(8), index=True)
    topic: Mapped[str | None] = mapped_column(String(32))
    """None: offered for every topic."""
    title: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime]
