"""The hotline, independent of Telegram: staff actions on tickets, relaying messages both ways,
notices to the migrant, the SLA sweep, and delivering all of it through the outbox.

Every state change and every message is committed first (with its outbox items), delivered
after; a web dashboard can drive the same methods later.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import outbox, tickets
from bot.clock import Clock
from bot.db import Sessions
from bot.errors import RetryLater, Undeliverable
from bot.hotline_views import HotlineViews
from bot.hours import HotlineHours
from bot.models import Ticket, TicketMessage, User
from bot.outbox import Item
from bot.profiles import Profile
from bot.replies import Button, Link, Reply
from bot.staff import Permission, StaffDirectory, StaffMember
from bot.transport import Transport
from bot.views import N_
from knowledge import Institution

log = logging.getLogger(__name__)

STAFF_KINDS = frozenset({"card", "card_edit", "to_staff", "copy"})
"""Outbox kinds addressed to the staff group: retried until delivered, never given up."""


@dataclass(frozen=True, slots=True)
class HotlineConfig:
    staff_chat_id: int | None
    names_visible: bool
    sla: timedelta
    reopen_window: timedelta
    hours: HotlineHours
    sla_urgent: timedelta = timedelta(minutes=5)
    """How long an urgent request may wait unclaimed before it is announced again."""
    oncall: tuple[int, ...] = ()
    """Staff messaged privately about an urgent request while the hotline is closed."""


@dataclass(frozen=True, slots=True)
class StaffAnswer:
    """What a staff action shows back in the staff group (or as a button's toast)."""

    reply: Reply
    ok: bool

    @property
    def text(self) -> str:
        return self.reply.text


class Hotline:
    def __init__(
        self,
        *,
        sessions: Sessions,
        views: HotlineViews,
        staff: StaffDirectory,
        config: HotlineConfig,
        clock: Clock,
    ) -> None:
        self.sessions = sessions
        self.views = views
        self.staff = staff
        self.config = config
        self.clock = clock
        self.transport: Transport | None = None
        self.on_enqueued: Callable[[], None] = lambda: None
        """Called after a commit that added outbox items (wakes the outbox worker)."""

    # -- the migrant's side (called inside the dialogue's transaction) -------------------------

    async def ticket_opened(
        self, session: AsyncSession, ticket_id: int, *, urgent: bool = False
    ) -> None:
        """Announce a new ticket to the staff: its card goes out after the commit."""
        await self._enqueue(session, key=f"card:{ticket_id}", kind="card", ticket_id=ticket_id)
        if urgent:
            await self.mark_urgent(session, ticket_id, actor="system")

    async def mark_urgent(self, session: AsyncSession, ticket_id: int, *, actor: str) -> None:
        """Immediate danger: the card says so, supervisors are pinged in the group at once and,
        while the hotline is closed, the on-call staff privately. Once per ticket."""
        if not await tickets.mark_urgent(
            session, ticket_id=ticket_id, actor=actor, now=self.clock()
        ):
            return
        await self._edit_card(session, ticket_id)
        supervisors = self.staff.with_permission(Permission.OVERRIDE)
        await self._enqueue(
            session,
            key=f"urgent:{ticket_id}",
            kind="to_staff",
            ticket_id=ticket_id,
            payload={
                "reply": _dump(self.views.urgent_ping(ticket_id, supervisors)),
                "general": True,
            },
        )
        if self.config.hours.is_open(self.clock()):
            return
        for staff_id in self.config.oncall:
            await self._enqueue(
                session,
                key=f"oncall:{ticket_id}:{staff_id}",
                kind="to_user",
                ticket_id=ticket_id,
                chat_id=staff_id,
                payload={"reply": _dump(self.views.oncall_alert(ticket_id))},
            )

    async def withdraw(self, profile: Profile, ticket_id: int | None) -> int | None:
        """The migrant withdraws their open request (the given one, or the latest); its id, or
        None when there is nothing open to withdraw."""
        async with self.sessions.begin() as session:
            query = select(Ticket.id).where(
                Ticket.user_id == profile.id, Ticket.state.in_(tickets.OPEN_STATES)
            )
            if ticket_id is not None:
                query = query.where(Ticket.id == ticket_id)
            found = await session.scalar(query.order_by(Ticket.id.desc()).limit(1))
            if found is None:
                return None
            moved = await tickets.move(
                session,
                ticket_id=found,
                actor=f"user:{profile.id}",
                to="withdrawn",
                now=self.clock(),
            )
            if not moved:
                return None
            await self._edit_card(session, found)
            await self._to_staff(session, found, self.views.withdrawn(found), key=f"wd:{found}")
        self.on_enqueued()
        return found

    def availability(self, language: str, country: str | None, *, urgent: bool = False) -> str:
        """When a person can be expected to answer: said before the migrant commits."""
        now = self.clock()
        if self.config.hours.is_open(now):
            sla = self.config.sla_urgent if urgent else self.config.sla
            return self.views.open_now(language, sla)
        opening = self.config.hours.next_opening(now)
        return self.views.closed_now(
            language, opening, country, oncall=urgent and bool(self.config.oncall)
        )

    async def attach_message(
        self, session: AsyncSession, ticket_id: int, telegram_id: int, message_id: int
    ) -> None:
        """Copy a user's voice note or document into the ticket's place in the staff group."""
        await self._enqueue(
            session,
            key=f"copy:{ticket_id}:{message_id}",
            kind="copy",
            ticket_id=ticket_id,
            payload={"from_chat_id": telegram_id, "message_id": message_id},
        )

    async def active_ticket(self, session: AsyncSession, user_id: int) -> Ticket | None:
        """The user's open ticket, or one resolved within the reopen window (reopened now)."""
        ticket = await session.scalar(
            select(Ticket)
            .where(Ticket.user_id == user_id, Ticket.state.in_(tickets.OPEN_STATES))
            .order_by(Ticket.id.desc())
            .limit(1)
        )
        if ticket is not None:
            return ticket
        reopened = await tickets.reopen_recent(
            session, user_id=user_id, window=self.config.reopen_window, now=self.clock()
        )
        if reopened is None:
            return None
        await self._edit_card(session, reopened)
        return await session.get(Ticket, reopened, populate_existing=True)

    async def user_wrote(
        self, session: AsyncSession, ticket: Ticket, profile: Profile, text: str, key: str
    ) -> None:
        """Append the migrant's message to their ticket and forward it to the staff."""
        message = TicketMessage(ticket_id=ticket.id, author="user", text=text, at=self.clock())
        session.add(message)
        await session.flush()
        if ticket.state == "waiting_user":
            await tickets.move(
                session,
                ticket_id=ticket.id,
                actor=f"user:{profile.id}",
                to="claimed",
                now=self.clock(),
            )
            await self._edit_card(session, ticket.id)  # the card says whose turn it is
        await self._enqueue(
            session,
            key=f"in:{key}",
            kind="to_staff",
            ticket_id=ticket.id,
            payload={"ticket_message_id": message.id},
        )

    async def user_erased(self, session: AsyncSession, ticket_ids: list[int]) -> None:
        """After /forget: each card becomes the redacted stub, and the staff are told in the
        ticket's place (topic titles carry no personal data: number, topic, language)."""
        for ticket_id in ticket_ids:
            await self._edit_card(session, ticket_id)
            await self._to_staff(
                session, ticket_id, self.views.erased(ticket_id), key=f"erased:{ticket_id}"
            )

    async def deliver_later(self, chat_id: int, reply: Reply, *, key: str) -> None:
        """Hand a message to the migrant to the outbox (it could not be sent right now)."""
        async with self.sessions.begin() as session:
            await self._enqueue(
                session,
                key=f"later:{key}",
                kind="to_user",
                ticket_id=reply.ticket_id,
                chat_id=chat_id,
                payload={"reply": _dump(reply)},
            )
        log.warning("a message to a user could not be sent now; the outbox will retry it")
        self.on_enqueued()

    async def send_private(self, chat_id: int, reply: Reply) -> None:
        """A message to one staff member's private chat, through the outbox."""
        async with self.sessions.begin() as session:
            await self._enqueue(
                session,
                key=f"private:{chat_id}:{uuid.uuid4().hex}",
                kind="to_user",
                chat_id=chat_id,
                payload={"reply": _dump(reply)},
            )
        self.on_enqueued()

    def out_of_hours_notice(self, language: str, country: str | None) -> str | None:
        now = self.clock()
        if self.config.hours.is_open(now):
            return None
        return self.views.out_of_hours(language, self.config.hours.next_opening(now), country)

    async def status(self, profile: Profile, language: str) -> Reply:
        async with self.sessions() as session:
            ticket = await session.scalar(
                select(Ticket)
                .where(Ticket.user_id == profile.id)
                .order_by(Ticket.id.desc())
                .limit(1)
            )
        return self.views.status(language, ticket, profile.country)

    async def rate(self, profile: Profile, ticket_id: int, score: int) -> bool:
        """Record a 1–5 rating of a resolved ticket of this user; False if not allowed."""
        if not 1 <= score <= 5:
            return False
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(Ticket)
                .where(
                    Ticket.id == ticket_id,
                    Ticket.user_id == profile.id,
                    Ticket.state == "resolved",
                    Ticket.rating.is_(None),
                )
                .values(rating=score, rated_at=self.clock(), updated_at=self.clock())
            )
            if tickets.rowcount(result) != 1:
                return False
            await tickets.audit(
                session,
                now=self.clock(),
                ticket_id=ticket_id,
                actor=f"user:{profile.id}",
                action="rated",
                detail={"rating": score},
            )
            await self._edit_card(session, ticket_id)
        self.on_enqueued()
        return True

    async def answer_referral(
        self, profile: Profile, ticket_id: int, *, consent: bool
    ) -> Institution | None:
        """The migrant's answer to sharing their details; None when the question is stale."""
        async with self.sessions.begin() as session:
            ticket = await session.scalar(
                select(Ticket).where(
                    Ticket.id == ticket_id,
                    Ticket.user_id == profile.id,
                    Ticket.referred_to.is_not(None),
                    Ticket.referral_consent.is_(None),
                )
            )
            if ticket is None or ticket.referred_to is None:
                return None
            institution = self.views.kb.institutions.get(ticket.referred_to)
            if institution is None:
                return None
            await session.execute(
                update(Ticket)
                .where(Ticket.id == ticket_id, Ticket.referral_consent.is_(None))
                .values(
                    referral_consent=consent,
                    referral_consent_at=self.clock(),
                    updated_at=self.clock(),
                )
            )
            actor = f"user:{profile.id}"
            await tickets.audit(
                session,
                now=self.clock(),
                ticket_id=ticket_id,
                actor=actor,
                action="referral_consent" if consent else "referral_declined",
                detail={"institution": institution.id},
            )
            if consent:
                await tickets.move(
                    session, ticket_id=ticket_id, actor=actor, to="referred", now=self.clock()
                )
            note = (
                N_(
                    "✅ Request #{number}: the migrant agreed to share their contact details "
                    "with {institution}."
                )
                if consent
                else N_(
                    "⛔ Request #{number}: the migrant declined sharing their details with "
                    "{institution}."
                )
            )
            await self._to_staff(
                session,
                ticket_id,
                self.views.staff_text(
                    note, number=ticket_id, institution=self.views.institution_name(institution.id)
                ),
                key=f"consent:{ticket_id}",
            )
            await self._edit_card(session, ticket_id)
        self.on_enqueued()
        return institution

    # -- staff actions -------------------------------------------------------------------------

    async def claim(self, member: StaffMember, ticket_id: int) -> StaffAnswer:
        if not member.may(Permission.HANDLE):
            return self._refused(member, "claim", ticket_id)
        async with self.sessions.begin() as session:
            ticket = await session.get(Ticket, ticket_id)
            if ticket is None:
                return self._answer("Request #{number} does not exist.", False, number=ticket_id)
            won = await tickets.claim(
                session, ticket_id=ticket_id, staff_id=member.telegram_id, now=self.clock()
            )
            if not won:
                await session.refresh(ticket)
                if ticket.claimed_by == member.telegram_id:
                    return self._answer(
                        "Request #{number} is already yours.", True, number=ticket_id
                    )
                return self._answer(
                    "Request #{number} is already taken by {name}.",
                    False,
                    number=ticket_id,
                    name=self.staff.name(ticket.claimed_by),
                )
            await self._to_user(session, ticket, "claimed", self.views.claimed)
            await self._edit_card(session, ticket_id)
        self.on_enqueued()
        log.info("ticket %s claimed by staff %s", ticket_id, member.telegram_id)
        return self._answer("Request #{number} is now yours.", True, number=ticket_id)

    async def resolve(self, member: StaffMember, ticket_id: int) -> StaffAnswer:
        if not member.may(Permission.HANDLE):
            return self._refused(member, "resolve", ticket_id)
        async with self.sessions.begin() as session:
            ticket, problem = await self._ticket_for(session, member, ticket_id)
            if ticket is None:
                assert problem is not None
                return problem
            await self._claim_if_new(session, member, ticket)
            moved = await tickets.move(
                session,
                now=self.clock(),
                ticket_id=ticket_id,
                actor=f"staff:{member.telegram_id}",
                to="resolved",
            )
            if not moved:
                return self._answer(
                    "Request #{number} is already resolved.", False, number=ticket_id
                )
            await session.refresh(ticket)
            await self._to_user(
                session, ticket, f"resolved:{self.clock().timestamp()}", self.views.resolved
            )
            await self._edit_card(session, ticket_id)
        self.on_enqueued()
        log.info("ticket %s resolved by staff %s", ticket_id, member.telegram_id)
        return self._answer("Request #{number} is resolved.", True, number=ticket_id)

    async def referral_choices(self, member: StaffMember, ticket_id: int) -> StaffAnswer:
        if not member.may(Permission.HANDLE):
            return self._refused(member, "refer", ticket_id)
        async with self.sessions() as session:
            ticket, problem = await self._ticket_for(session, member, ticket_id)
        if ticket is None:
            assert problem is not None
            return problem
        return StaffAnswer(
            self.views.referral_choices(ticket, self.institutions_for(ticket.country)), True
        )

    def institutions_for(self, country: str | None) -> list[Institution]:
        """The referral directory: the country's institutions, then international ones."""
        prefixes = (f"{country}_", "intl_") if country else ("intl_",)
        return [
            institution
            for prefix in prefixes
            for key, institution in sorted(self.views.kb.institutions.items())
            if key.startswith(prefix)
        ]

    async def refer(self, member: StaffMember, ticket_id: int, institution_id: str) -> StaffAnswer:
        """Propose an institution; the migrant is asked for consent before anything is shared."""
        if not member.may(Permission.HANDLE):
            return self._refused(member, "refer", ticket_id)
        async with self.sessions.begin() as session:
            ticket, problem = await self._ticket_for(session, member, ticket_id)
            if ticket is None:
                assert problem is not None
                return problem
            choices = {i.id: i for i in self.institutions_for(ticket.country)}
            institution = choices.get(institution_id)
            if institution is None:
                return self._answer(
                    "Unknown institution '{institution}'. Known for this country: {known}",
                    False,
                    institution=institution_id,
                    known=", ".join(choices),
                )
            if ticket.user_id is None:
                return self._answer("The migrant erased their data; nothing can be sent.", False)
            await self._claim_if_new(session, member, ticket)
            await session.execute(
                update(Ticket)
                .where(Ticket.id == ticket_id)
                .values(
                    referred_to=institution.id,
                    referral_consent=None,
                    referral_consent_at=None,
                    updated_at=self.clock(),
                )
            )
            await tickets.audit(
                session,
                now=self.clock(),
                ticket_id=ticket_id,
                actor=f"staff:{member.telegram_id}",
                action="referral_proposed",
                detail={"institution": institution.id},
            )
            language = ticket.language
            await self._to_user(
                session,
                ticket,
                f"refer:{institution.id}:{self.clock().timestamp():.0f}",
                lambda lang, number: self.views.consent_request(lang, number, institution),
            )
            await self._edit_card(session, ticket_id)
        self.on_enqueued()
        return self._answer(
            "Asked the migrant ({language}) for consent to share their contact details with "
            "{institution}.",
            True,
            language=language,
            institution=self.views.institution_name(institution.id),
        )

    async def reopen(self, member: StaffMember, ticket_id: int) -> StaffAnswer:
        """Reopen a resolved request (it becomes this staff member's)."""
        if not member.may(Permission.HANDLE):
            return self._refused(member, "reopen", ticket_id)
        async with self.sessions.begin() as session:
            reopened = await tickets.reopen_by_staff(
                session, ticket_id=ticket_id, staff_id=member.telegram_id, now=self.clock()
            )
            if not reopened:
                return self._answer("Request #{number} is not resolved.", False, number=ticket_id)
            await self._edit_card(session, ticket_id)
        self.on_enqueued()
        return self._answer("Request #{number} is now yours.", True, number=ticket_id)

    async def note(self, member: StaffMember, ticket_id: int, text: str) -> StaffAnswer:
        """An internal note: stored on the ticket, never sent to the migrant."""
        if not member.may(Permission.HANDLE):
            return self._refused(member, "note", ticket_id)
        if not text:
            return self._answer("Usage: /note N text", False)
        async with self.sessions.begin() as session:
            if await session.get(Ticket, ticket_id) is None:
                return self._answer("Request #{number} does not exist.", False, number=ticket_id)
            session.add(
                TicketMessage(
                    ticket_id=ticket_id,
                    author="note",
                    staff_id=member.telegram_id,
                    text=text,
                    at=self.clock(),
                )
            )
            await tickets.audit(
                session,
                now=self.clock(),
                ticket_id=ticket_id,
                actor=f"staff:{member.telegram_id}",
                action="note",
            )
        return self._answer("Note added to request #{number}.", True, number=ticket_id)

    async def reply(
        self,
        member: StaffMember,
        ticket_id: int,
        text: str,
        key: str,
        staff_message_id: int | None,
        *,
        from_web: bool = False,
    ) -> StaffAnswer:
        """Relay a staff message to the migrant, as coming from the hotline. A reply written in
        the web inbox is also posted in the ticket's place in the staff group."""
        if not member.may(Permission.HANDLE):
            return self._refused(member, "reply", ticket_id)
        async with self.sessions.begin() as session:
            ticket, problem = await self._ticket_for(session, member, ticket_id)
            if ticket is None:
                assert problem is not None
                return problem
            if ticket.user_id is None:
                return self._answer("The migrant erased their data; nothing can be sent.", False)
            if ticket.state == "new":
                await self._claim_if_new(session, member, ticket)
            elif ticket.state == "resolved":
                await tickets.reopen_recent(
                    session,
                    user_id=ticket.user_id,
                    window=self.config.reopen_window,
                    now=self.clock(),
                )
            message = TicketMessage(
                ticket_id=ticket_id,
                author="staff",
                staff_id=member.telegram_id,
                text=text,
                staff_message_id=staff_message_id,
                at=self.clock(),
            )
            session.add(message)
            await session.refresh(ticket)
            if ticket.state == "claimed":
                await tickets.move(
                    session,
                    now=self.clock(),
                    ticket_id=ticket_id,
                    actor=f"staff:{member.telegram_id}",
                    to="waiting_user",
                )
            name = member.name if self.config.names_visible else None
            await self._to_user(
                session,
                ticket,
                f"reply:{key}",
                lambda lang, number: self.views.staff_reply(lang, number, text, name),
            )
            if from_web:
                echo = self.views.web_reply(ticket_id, member.name, text)
                await self._to_staff(session, ticket_id, echo, key=f"web:{key}")
            await self._edit_card(session, ticket_id)
        self.on_enqueued()
        return self._answer("Sent to the migrant of request #{number}.", True, number=ticket_id)

    async def queue(self, member: StaffMember, *, mine: bool = False) -> StaffAnswer:
        if not member.may(Permission.HANDLE):
            return self._refused(member, "mine" if mine else "queue", None)
        async with self.sessions() as session:
            if mine:
                rows = await tickets.assigned_to(session, staff_id=member.telegram_id)
            else:
                rows = await tickets.queue(session)
        _ = self.views.i18n.gettext(self.views.staff_language)
        title = _("Your open requests:") if mine else _("Open requests, oldest first:")
        return StaffAnswer(self.views.queue(rows, title=title, now=self.clock()), True)

    async def ticket_for_staff_message(
        self, *, thread_id: int | None, reply_to: int | None
    ) -> int | None:
        """Which ticket a message in the staff group belongs to: its forum topic, or a reply to
        its card or to a forwarded message of the migrant."""
        async with self.sessions() as session:
            if thread_id is not None:
                found = await session.scalar(
                    select(Ticket.id).where(Ticket.forum_topic_id == thread_id)
                )
                if found is not None:
                    return found
            if reply_to is not None:
                found = await session.scalar(
                    select(Ticket.id).where(Ticket.card_message_id == reply_to)
                )
                if found is not None:
                    return found
                return await session.scalar(
                    select(TicketMessage.ticket_id).where(
                        TicketMessage.staff_message_id == reply_to
                    )
                )
        return None

    # -- the SLA -------------------------------------------------------------------------------

    async def sweep(self) -> int:
        """Re-announce tickets nobody claimed within the SLA, pinging supervisors; only during
        hotline hours. Returns how many were re-announced."""
        now = self.clock()
        if self.config.staff_chat_id is None or not self.config.hours.is_open(now):
            return 0
        due = now - self.config.sla
        due_urgent = now - self.config.sla_urgent
        supervisors = self.staff.with_permission(Permission.OVERRIDE)
        count = 0
        async with self.sessions.begin() as session:
            rows = (
                await session.scalars(
                    select(Ticket)
                    .where(
                        Ticket.state == "new",
                        or_(
                            and_(
                                Ticket.urgent.is_(False),
                                Ticket.created_at <= due,
                                or_(
                                    Ticket.sla_announced_at.is_(None),
                                    Ticket.sla_announced_at <= due,
                                ),
                            ),
                            and_(
                                Ticket.urgent.is_(True),
                                Ticket.created_at <= due_urgent,
                                or_(
                                    Ticket.sla_announced_at.is_(None),
                                    Ticket.sla_announced_at <= due_urgent,
                                ),
                            ),
                        ),
                    )
                    .order_by(Ticket.urgent.desc(), Ticket.created_at)
                    .limit(50)
                )
            ).all()
            for ticket in rows:
                ticket.sla_announced_at = now
                await tickets.audit(
                    session,
                    now=self.clock(),
                    ticket_id=ticket.id,
                    actor="system",
                    action="sla_reannounced",
                )
                await self._enqueue(
                    session,
                    key=f"sla:{ticket.id}:{now.timestamp():.0f}",
                    kind="to_staff",
                    ticket_id=ticket.id,
                    payload={
                        "reply": _dump(self.views.sla_ping(ticket, supervisors, now)),
                        "general": True,
                    },
                )
                count += 1
        if count:
            log.info("re-announced %s unclaimed tickets", count)
            self.on_enqueued()
        return count

    async def run_sla(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            try:
                await self.sweep()
            except Exception:
                log.exception("SLA sweep failed")

    # -- delivery (the outbox courier) ---------------------------------------------------------

    async def send(self, item: Item) -> dict[str, Any]:
        transport = self.transport
        if transport is None:
            raise RetryLater("no transport yet")
        try:
            if item.kind in STAFF_KINDS:
                return await self._send_to_staff(transport, item)
            if item.kind == "to_user":
                assert item.chat_id is not None
                message_id = await transport.send(item.chat_id, _load(item.payload["reply"]))
                return {"message_id": message_id}
        except Undeliverable as exc:
            if item.kind in STAFF_KINDS and item.kind != "card_edit":
                # The staff group is misconfigured or the bot was removed: keep the item and
                # retry (with the longest backoff) until someone fixes it; never drop a ticket.
                log.error("staff group refuses messages (%s); will retry", exc)
                raise RetryLater(str(exc)) from exc
            raise
        raise Undeliverable(f"unknown outbox kind {item.kind}")

    async def _send_to_staff(self, transport: Transport, item: Item) -> dict[str, Any]:
        chat_id = self.config.staff_chat_id
        if chat_id is None:
            return {}  # no staff group configured: tickets wait in /queue
        assert item.ticket_id is not None
        async with self.sessions() as session:
            ticket = await session.get(Ticket, item.ticket_id)
            if ticket is None:
                return {}
            if item.kind == "card":
                return await self._send_card(transport, session, chat_id, ticket)
            if ticket.card_message_id is None:
                raise RetryLater(f"card of ticket {ticket.id} not delivered yet")
            if item.kind == "card_edit":
                card = self.views.card(
                    ticket, staff_name=self.staff.name(ticket.claimed_by), now=self.clock()
                )
                await transport.edit(chat_id, ticket.card_message_id, card)
                return {}
            thread = ticket.forum_topic_id
            reply_to = None if thread else ticket.card_message_id
            if item.payload.get("general"):
                thread, reply_to = None, None  # SLA pings go to the group's general chat
            if item.kind == "copy":
                message_id = await transport.copy(
                    chat_id,
                    int(item.payload["from_chat_id"]),
                    int(item.payload["message_id"]),
                    thread_id=thread,
                    reply_to=reply_to,
                )
                return {"message_id": message_id}
            if "ticket_message_id" in item.payload:
                message = await session.get(TicketMessage, item.payload["ticket_message_id"])
                if message is None or message.text is None:
                    return {}  # erased by /forget meanwhile
                reply = self.views.from_migrant(ticket.id, message.text)
            else:
                reply = _load(item.payload["reply"])
        message_id = await transport.send(chat_id, reply, thread_id=thread, reply_to=reply_to)
        return {"message_id": message_id}

    async def _send_card(
        self, transport: Transport, session: AsyncSession, chat_id: int, ticket: Ticket
    ) -> dict[str, Any]:
        if ticket.forum_topic_id is None:
            thread = await transport.create_topic(chat_id, self.views.topic_name(ticket))
            if thread is not None:
                # Remember the topic at once, so a failed card send does not open a second one.
                async with self.sessions.begin() as write:
                    await write.execute(
                        update(Ticket).where(Ticket.id == ticket.id).values(forum_topic_id=thread)
                    )
                ticket.forum_topic_id = thread
        card = self.views.card(
            ticket, staff_name=self.staff.name(ticket.claimed_by), now=self.clock()
        )
        message_id = await transport.send(chat_id, card, thread_id=ticket.forum_topic_id)
        return {"message_id": message_id}

    async def delivered(self, session: AsyncSession, item: Item, result: dict[str, Any]) -> None:
        message_id = result.get("message_id")
        if message_id is None or item.ticket_id is None:
            return
        if item.kind == "card":
            await session.execute(
                update(Ticket)
                .where(Ticket.id == item.ticket_id)
                .values(card_message_id=message_id)
            )
        elif "ticket_message_id" in item.payload:
            await session.execute(
                update(TicketMessage)
                .where(TicketMessage.id == item.payload["ticket_message_id"])
                .values(staff_message_id=message_id)
            )

    # -- helpers -------------------------------------------------------------------------------

    async def _ticket_for(
        self, session: AsyncSession, member: StaffMember, ticket_id: int
    ) -> tuple[Ticket | None, StaffAnswer | None]:
        """The ticket if this staff member may act on it."""
        ticket = await session.get(Ticket, ticket_id)
        if ticket is None:
            return None, self._answer("Request #{number} does not exist.", False, number=ticket_id)
        if (
            ticket.claimed_by not in (None, member.telegram_id)
            and ticket.state != "new"
            and not member.may(Permission.OVERRIDE)
        ):
            return None, self._answer(
                "Request #{number} is handled by {name}.",
                False,
                number=ticket_id,
                name=self.staff.name(ticket.claimed_by),
            )
        return ticket, None

    async def _claim_if_new(
        self, session: AsyncSession, member: StaffMember, ticket: Ticket
    ) -> None:
        """Acting on a new ticket claims it (and tells the migrant someone took it)."""
        if ticket.state != "new":
            return
        if await tickets.claim(
            session, ticket_id=ticket.id, staff_id=member.telegram_id, now=self.clock()
        ):
            await self._to_user(session, ticket, "claimed", self.views.claimed)

    async def _to_user(
        self,
        session: AsyncSession,
        ticket: Ticket,
        key: str,
        build: Callable[[str, int], Reply],
    ) -> None:
        if ticket.user_id is None:
            return
        user = await session.get(User, ticket.user_id)
        if user is None:
            return
        language = user.language or ticket.language
        await self._enqueue(
            session,
            key=f"user:{ticket.id}:{key}",
            kind="to_user",
            ticket_id=ticket.id,
            chat_id=user.telegram_id,
            payload={"reply": _dump(build(language, ticket.id))},
        )

    async def _to_staff(
        self, session: AsyncSession, ticket_id: int, reply: Reply, key: str
    ) -> None:
        await self._enqueue(
            session,
            key=f"staff:{key}:{self.clock().timestamp():.0f}",
            kind="to_staff",
            ticket_id=ticket_id,
            payload={"reply": _dump(reply)},
        )

    async def _enqueue(self, session: AsyncSession, **item: Any) -> None:
        await outbox.enqueue(session, now=self.clock(), **item)

    async def _edit_card(self, session: AsyncSession, ticket_id: int) -> None:
        await self._enqueue(
            session,
            key=f"edit:{ticket_id}:{uuid.uuid4().hex}",  # every change, even at one instant
            kind="card_edit",
            ticket_id=ticket_id,
        )

    def _answer(self, message: str, ok: bool, **values: object) -> StaffAnswer:
        return StaffAnswer(self.views.staff_text(message, **values), ok)

    def _refused(self, member: StaffMember, action: str, ticket_id: int | None) -> StaffAnswer:
        log.warning(
            "refused %s on ticket %s: staff %s has role %s",
            action,
            ticket_id,
            member.telegram_id,
            member.role.value,
        )
        return self._answer("Your role does not allow this.", False)


def _dump(reply: Reply) -> dict[str, Any]:
    """A Reply as JSON for the outbox (rendered when enqueued, in the recipient's language)."""
    return {
        "text": reply.text,
        "title": reply.title,
        "links_heading": reply.links_heading,
        "links": [[link.label, link.url] for link in reply.links],
        "buttons": [[[b.label, b.action] for b in row] for row in reply.buttons],
    }


def _load(data: dict[str, Any]) -> Reply:
    return Reply(
        data["text"],
        title=data.get("title"),
        links_heading=data.get("links_heading"),
        links=tuple(Link(label, url) for label, url in data.get("links", [])),
        buttons=tuple(
            tuple(Button(label, action) for label, action in row)
            for row in data.get("buttons", [])
        ),
    )
