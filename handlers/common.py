"""Sending Replies back to Telegram, shared by every feature module."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import LinkPreviewOptions, Update
from telegram.error import BadRequest

from bot.context import Context
from bot.rendering import to_html, to_markup
from bot.replies import Reply

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def update_key(update: Update) -> str:
    """An idempotency key: the same Telegram update always gives the same key."""
    return f"tg:{update.update_id}"


async def send_replies(update: Update, context: Context, replies: Sequence[Reply]) -> None:
    """Send replies to the user's chat; a `replace` reply edits the pressed message instead."""
    chat = update.effective_chat
    if chat is None:
        return
    query = update.callback_query
    for reply in replies:
        if reply.replace and query is not None and query.message is not None:
            try:
                await query.edit_message_text(
                    to_html(reply), parse_mode="HTML", reply_markup=to_markup(reply)
                )
                continue
            except BadRequest:
                pass  # too old to edit, or unchanged: send it as a new message
        await context.bot.send_message(
            chat.id,
            to_html(reply),
            parse_mode="HTML",
            reply_markup=to_markup(reply),
            link_preview_options=NO_PREVIEW,
        )


def user_id(update: Update) -> int:
    user = update.effective_user
    if user is None:
        raise ValueError("update without a user")
    return user.id


def command_name(update: Update) -> str:
    """The command of a message: "/Menu@assistant_bot now" -> "menu"."""
    text = update.effective_message.text if update.effective_message else None
    return (text or "/").split()[0][1:].split("@")[0].lower()


async def run_command(update: Update, context: Context) -> None:
    """Run a /command through the dialogue and send its replies."""
    replies = await context.services.dialogue.command(
        user_id(update), command_name(update), update_key(update)
    )
    await send_replies(update, context, replies)


async def press_button(update: Update, context: Context) -> None:
    """Apply a button press through the dialogue and send its replies."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    replies = await context.services.dialogue.press(
        user_id(update), query.data or "", update_key(update)
    )
    await send_replies(update, context, replies)
