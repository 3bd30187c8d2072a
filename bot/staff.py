"""Hotline staff: who they are and what each role may do.

Configured in STAFF as "telegram_id:role[:name]" entries separated by commas. Telegram ids are
stable and cannot be spoofed by a user; names and usernames can, so they are never trusted.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.errors import ConfigError


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    EDITOR = "editor"


class Permission(StrEnum):
    HANDLE = "handle"
    """See the queue, claim, reply, note, refer, resolve own tickets."""
    OVERRIDE = "override"
    """Act on tickets claimed by someone else; pinged when the SLA is missed."""
    PUBLISH = "publish"
    """Reload the content (/reload)."""


PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.AGENT: frozenset({Permission.HANDLE}),
    Role.SUPERVISOR: frozenset({Permission.HANDLE, Permission.OVERRIDE, Permission.PUBLISH}),
    Role.EDITOR: frozenset({Permission.PUBLISH}),
}


@dataclass(frozen=True, slots=True)
class StaffMember:
    telegram_id: int
    role: Role
    name: str

    def may(self, permission: Permission) -> bool:
        return permission in PERMISSIONS[self.role]


class StaffDirectory:
    def __init__(self, members: list[StaffMember]) -> None:
        self._members = {member.telegram_id: member for member in members}

    @classmethod
    def parse(cls, value: str) -> StaffDirectory:
        """Read the STAFF setting; a malformed entry stops start-up with a clear message."""
        members = []
        for entry in filter(None, (part.strip() for part in value.split(","))):
            fields = entry.split(":", 2)
            if len(fields) < 2 or not fields[0].strip().lstrip("-").isdigit():
                raise ConfigError(f"STAFF entry '{entry}' must be telegram_id:role[:name]")
            try:
                role = Role(fields[1].strip().lower())
            except ValueError:
                roles = ", ".join(r.value for r in Role)
                raise ConfigError(f"STAFF entry '{entry}': role must be one of {roles}") from None
            telegram_id = int(fields[0])
            name = fields[2].strip() if len(fields) == 3 else ""
            members.append(StaffMember(telegram_id, role, name or f"{role.value} {telegram_id}"))
        return cls(members)

    def get(self, telegram_id: int | None) -> StaffMember | None:
        return self._members.get(telegram_id) if telegram_id is not None else None

    def with_permission(self, permission: Permission) -> list[StaffMember]:
        return [m for m in self._members.values() if m.may(permission)]

    def name(self, telegram_id: int | None) -> str:
        member = self.get(telegram_id)
        return member.name if member else f"#{telegram_id}"

    def __len__(self) -> int:
        return len(self._members)
