"""Sending Replies back to Telegram, shared by every feature module."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import partial

from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.error import BadRequest, NetworkError, RetryAfter

from bot.context import Context
from bot.journal import send_once
from bot.rendering import html_to_plain, is_entity_error, to_html, to_markup, to_messages
from bot.replies import Reply

log = logging.getLogger(__name__)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def update_key(update: Update) -> str:
    """An idempotency key: the same Telegram update always gives the same key."""
    return f"tg:{update.update_id}"


async def send_replies(update: Update, context: Context, replies: Sequence[Reply]) -> None:
    """Send replies to the user's chat; a `replace` reply edits the pressed message instead.

    A reply longer than Telegram's limit goes out as several messages (buttons on the last);
    HTML that Telegram refuses is resent as plain text; a ticket confirmation that cannot be
    sent now (network, rate limit) is handed to the outbox, which retries until it arrives.
    Each message goes through the update's reply ledger: when an update interrupted by a crash
    is handled again, the messages Telegram already confirmed are not sent twice.
    """
    chat = update.effective_chat
    if chat is None:
        return
    query = update.callback_query
    for index, reply in enumerate(replies):
        if reply.replace and query is not None and query.message is not None:
            try:
                await send_once(
                    partial(
                        query.edit_message_text,
                        to_html(reply),
                        parse_mode="HTML",
                        reply_markup=to_markup(reply),
                    )
                )
                continue
            except BadRequest:
                pass  # too old to edit, unchanged, or too long: send it as new message(s)
        try:
            for message in to_messages(reply):
                await send_once(
                    partial(_send, context, chat.id, message.text, message.reply_markup)
                )
        except (NetworkError, RetryAfter) as exc:
            if isinstance(exc, BadRequest) or reply.ticket_id is None:
                raise
            await context.services.hotline.deliver_later(
                chat.id, reply, key=f"{update_key(update)}:{index}"
            )


async def _send(
    context: Context, chat_id: int, html: str, markup: InlineKeyboardMarkup | None
) -> None:
    try:
        await context.bot.send_message(
            chat_id,
            html,
            parse_mode="HTML",
            reply_markup=markup,
            link_preview_options=NO_PREVIEW,
        )
    except BadRequest as exc:
        if not is_entity_error(exc):
            raise
        log.warning("Telegram refused the HTML of a message; sending it as plain text")
        await context.bot.send_message(
            chat_id,
            html_to_plain(html),
            reply_markup=markup,
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
