"""What the bot says, independent of Telegram: text parts and buttons.

The Telegram layer renders a Reply as an HTML message with an inline keyboard; the terminal shell
renders it as plain text with numbered choices. Button actions are the callback data.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action: str


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    title: str | None = None
    links_heading: str | None = None
    links: tuple[Link, ...] = ()
    buttons: tuple[tuple[Button, ...], ...] = ()
    replace: bool = False
    """When answering a button press, replace the message that carried the button."""
    language: str | None = None
    ticket_id: int | None = None
    article_id: str | None = None


@dataclass(slots=True)
class Keyboard:
    """Builds button rows."""

    rows: list[tuple[Button, ...]] = field(default_factory=list)

    def row(self, *buttons: Button) -> Keyboard:
        if buttons:
            self.rows.append(tuple(buttons))
        return self

    def column(self, buttons: list[Button]) -> Keyboard:
        for button in buttons:
            self.rows.append((button,))
        return self

    def build(self) -> tuple[tuple[Button, ...], ...]:
        return tuple(self.rows)
