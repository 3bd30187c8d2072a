"""Render Replies for Telegram (HTML parse mode) and for the terminal."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.replies import Reply

TELEGRAM_LIMIT = 4096


def to_html(reply: Reply) -> str:
    """The message text; everything that came from content or users is escaped."""
    parts = []
    if reply.title:
        parts.append(f"<b>{escape(reply.title)}</b>")
    parts.append(escape(reply.text))
    if reply.links:
        links = ", ".join(
            f'<a href="{escape(link.url, quote=True)}">{escape(link.label)}</a>'
            for link in reply.links
        )
        parts.append(f"{escape(reply.links_heading or '')} {links}".strip())
    return "\n\n".join(parts)


def to_markup(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=b.action) for b in row]
            for row in reply.buttons
        ]
    )


def to_terminal(reply: Reply, first_choice: int = 1) -> tuple[str, list[str]]:
    """Plain text with numbered choices; returns the text and the actions by number."""
    lines = []
    if reply.title:
        lines += [reply.title.upper(), ""]
    lines.append(reply.text)
    if reply.links:
        lines += ["", reply.links_heading or ""]
        lines += [f"  - {link.label}: {link.url}" for link in reply.links]
    actions = []
    if reply.buttons:
        lines.append("")
        for row in reply.buttons:
            for button in row:
                actions.append(button.action)
                lines.append(f"  [{first_choice + len(actions) - 1}] {button.label}")
    return "\n".join(lines), actions
