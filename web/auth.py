"""Login without passwords: one-time links tied to the Telegram identity staff already have.

`python -m bot staff login-link TELEGRAM_ID` or `/web` in Telegram issues a link valid for
LOGIN_LINK_MINUTES, usable once, for a person listed in STAFF. Only the SHA-256 of the token is
stored, so a database dump holds no usable link. Using it starts a session (a signed, HttpOnly,
SameSite=Lax cookie; Secure on https) that carries the Telegram id and a CSRF token.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import update

from bot.clock import Clock
from bot.db import Sessions
from bot.models import WebLoginToken
from bot.staff import StaffDirectory, StaffMember

log = logging.getLogger(__name__)

LOGIN_LINK_TTL = timedelta(minutes=10)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class LoginLinks:
    def __init__(self, sessions: Sessions, staff: StaffDirectory, clock: Clock) -> None:
        self.sessions = sessions
        self.staff = staff
        self.clock = clock

    async def issue(self, telegram_id: int) -> str | None:
        """A new one-time token for a staff member; None for anyone else."""
        if self.staff.get(telegram_id) is None:
            log.warning("login link refused: %s is not in STAFF", telegram_id)
            return None
        token = secrets.token_urlsafe(32)
        now: datetime = self.clock()
        async with self.sessions.begin() as session:
            session.add(
                WebLoginToken(
                    token_hash=_hash(token),
                    telegram_id=telegram_id,
                    created_at=now,
                    expires_at=now + LOGIN_LINK_TTL,
                )
            )
        log.info("login link issued for staff %s", telegram_id)
        return token

    async def redeem(self, token: str) -> StaffMember | None:
        """The staff member the token was issued to, once, while it is valid; else None."""
        now = self.clock()
        async with self.sessions.begin() as session:
            row = await session.get(WebLoginToken, _hash(token))
            if row is None:
                log.warning("login refused: unknown link")
                return None
            used = await session.execute(
                update(WebLoginToken)
                .where(
                    WebLoginToken.token_hash == row.token_hash,
                    WebLoginToken.used_at.is_(None),
                    WebLoginToken.expires_at > now,
                )
                .values(used_at=now)
                .execution_options(synchronize_session=False)
            )
            if getattr(used, "rowcount", 0) != 1:
                log.warning("login refused for %s: link used or expired", row.telegram_id)
                return None
            member = self.staff.get(row.telegram_id)
        if member is None:
            log.warning("login refused for %s: no longer in STAFF", row.telegram_id)
            return None
        log.info("login: staff %s (%s)", member.telegram_id, member.role.value)
        return member
