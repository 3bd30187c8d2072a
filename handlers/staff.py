"""The hotline staff in Telegram: buttons on ticket cards, staff commands, relaying replies.

These handlers run before every other (group -2) and stop the update when they took it. Each
action is checked against the staff directory by Telegram user id; callback data is parsed and
validated, never trusted; refusals are logged.
"""

from __future__ import annotations

import logging
import re
from functools import partial

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.context import Context
from bot.hotline import StaffAnswer
from bot.inputs import clean_text
from bot.journal import send_once
from bot.rendering import to_html, to_markup
from bot.replies import Reply
from bot.settings import Settings
from bot.staff import Permission, StaffMember
from bot.tickets import parse_id
from bot.views import N_
from handlers.common import NO_PREVIEW, run_command, update_key

log = logging.getLogger(__name__)

STAFF_COMMANDS = ("queue", "mine", "take", "resolve", "note", "refer", "reload", "web")
BUTTON = re.compile(
    r"^st:(?P<action>claim|resolve|refer|rf):(?P<ticket>[0-9]{1,10})(?::(?P<arg>\w{1,40}))?$"
)
STAFF_TEXT_LIMIT = 3500
CARD_NUMBER = re.compile(r"^#(\d{1,12}) · ")


def member_of(update: Update, context: Context) -> StaffMember | None:
    user = update.effective_user
    return context.services.staff.get(user.id if user else None)


async def staff_button(update: Update, context: Context) -> None:
    """Claim · Resolve · Refer (and the institution chosen) on a ticket card."""
    query = update.callback_query
    if query is None:
        raise ApplicationHandlerStop
    member = member_of(update, context)
    hotline = context.services.hotline
    views = hotline.views
    if member is None:
        log.warning("refused staff button from non-staff user %s", _user(update))
        await query.answer(
            views.staff_text("Only hotline staff can do this.").text, show_alert=True
        )
        raise ApplicationHandlerStop
    match = BUTTON.match(query.data or "")
    if match is None:
        log.warning("malformed staff button from staff %s", member.telegram_id)
        await query.answer(views.staff_text("This button is no longer valid.").text)
        raise ApplicationHandlerStop
    ticket_id = parse_id(match["ticket"])
    if ticket_id is None:
        await query.answer(views.staff_text("This button is no longer valid.").text)
        raise ApplicationHandlerStop
    action = match["action"]
    if action == "claim":
        answer = await hotline.claim(member, ticket_id)
    elif action == "resolve":
        answer = await hotline.resolve(member, ticket_id)
    elif action == "refer":
        answer = await hotline.referral_choices(member, ticket_id)
        if answer.ok:
            await query.answer()
            await _send(context, query.message, answer.reply)
            raise ApplicationHandlerStop
    else:
        answer = await hotline.refer(member, ticket_id, match["arg"] or "")
    await query.answer(answer.text[:190], show_alert=not answer.ok)
    raise ApplicationHandlerStop


async def staff_command(update: Update, context: Context) -> None:
    """/queue, /mine, /take N, /resolve N, /note N text, /refer N institution."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        raise ApplicationHandlerStop
    member = member_of(update, context)
    name = _command(message)
    if member is None:
        log.warning(
            "refused /%s from non-staff user %s in a %s chat", name, _user(update), chat.type
        )
        if chat.type == ChatType.PRIVATE:
            await run_command(update, context)  # a migrant: their own help, in their language
        else:
            await _send(
                context,
                message,
                context.services.hotline.views.staff_text("Only hotline staff can do this."),
            )
        raise ApplicationHandlerStop
    answer = await _run_staff_command(
        context, member, name, (message.text or "").split(None, 2)[1:]
    )
    await _send(context, message, answer.reply)
    raise ApplicationHandlerStop


async def _run_staff_command(
    context: Context, member: StaffMember, name: str, args: list[str]
) -> StaffAnswer:
    hotline = context.services.hotline
    usage = {
        "take": N_("Usage: /take N"),
        "resolve": N_("Usage: /resolve N"),
        "note": N_("Usage: /note N text"),
        "refer": N_("Usage: /refer N institution"),
    }
    if name in ("queue", "mine"):
        return await hotline.queue(member, mine=name == "mine")
    if name == "web":
        return await _web_login_link(context, member)
    if name == "reload":
        if not member.may(Permission.PUBLISH):
            log.warning("refused /reload from staff %s (%s)", member.telegram_id, member.role)
            return StaffAnswer(hotline.views.staff_text("Your role does not allow this."), False)
        log.info("content reload requested by staff %s", member.telegram_id)
        result = await context.services.publisher.reload()
        return StaffAnswer(Reply(result.summary()), result.ok)
    ticket_id = parse_id(args[0]) if args else None
    if ticket_id is None:
        return StaffAnswer(hotline.views.staff_text(usage[name]), False)
    if name == "take":
        return await hotline.claim(member, ticket_id)
    if name == "resolve":
        return await hotline.resolve(member, ticket_id)
    if name == "note":
        text = clean_staff_text(" ".join(args[1:]))
        return await hotline.note(member, ticket_id, text)
    if len(args) < 2:
        return await hotline.referral_choices(member, ticket_id)
    return await hotline.refer(member, ticket_id, args[1].split()[0])


async def _web_login_link(context: Context, member: StaffMember) -> StaffAnswer:
    """/web: a one-time login link to the web inbox, always in a private chat."""
    from web.server import login_link

    hotline = context.services.hotline
    url = await login_link(context.services, context.services.settings, member.telegram_id)
    if url is None:
        return StaffAnswer(hotline.views.staff_text("Your role does not allow this."), False)
    await hotline.send_private(member.telegram_id, hotline.views.login_link(url))
    return StaffAnswer(
        hotline.views.staff_text("I sent you a login link in a private chat."), True
    )


async def staff_message(update: Update, context: Context) -> None:
    """A message in the staff group: a reply to a ticket is relayed to the migrant."""
    message = update.effective_message
    if message is None:
        raise ApplicationHandlerStop
    hotline = context.services.hotline
    thread = message.message_thread_id if message.is_topic_message else None
    reply_to = message.reply_to_message.message_id if message.reply_to_message else None
    ticket_id = await hotline.ticket_for_staff_message(thread_id=thread, reply_to=reply_to)
    original = message.reply_to_message
    if ticket_id is None and original is not None and original.from_user is not None:
        # A card whose id is not recorded yet (delivered a moment ago): its text names it.
        card = CARD_NUMBER.match(original.text or "")
        if original.from_user.id == context.bot.id and card:
            ticket_id = int(card[1])
    if ticket_id is None:
        raise ApplicationHandlerStop  # ordinary conversation among staff
    member = member_of(update, context)
    if member is None:
        log.warning(
            "ignored a reply to ticket %s from non-staff user %s", ticket_id, _user(update)
        )
        raise ApplicationHandlerStop
    text = clean_staff_text(message.text or "")
    if not text:
        await _send(
            context, message, hotline.views.staff_text("Only text can be relayed for now.")
        )
        raise ApplicationHandlerStop
    answer = await hotline.reply(
        member, ticket_id, text, update_key(update), staff_message_id=message.message_id
    )
    if not answer.ok:
        await _send(context, message, answer.reply)
    raise ApplicationHandlerStop


async def _send(context: Context, message: Message | object, reply: Reply) -> None:
    """Answer in the same chat and forum topic as the message acted upon."""
    if not isinstance(message, Message):
        return
    await send_once(
        partial(
            context.bot.send_message,
            message.chat_id,
            to_html(reply),
            parse_mode="HTML",
            reply_markup=to_markup(reply),
            message_thread_id=message.message_thread_id if message.is_topic_message else None,
            link_preview_options=NO_PREVIEW,
        )
    )


def clean_staff_text(raw: str) -> str:
    """Staff text cleaned like the migrants' (bidi, controls), keeping its line breaks."""
    lines = [clean_text(line, limit=STAFF_TEXT_LIMIT) for line in raw.splitlines()]
    return "\n".join(lines).strip()[:STAFF_TEXT_LIMIT]


def _command(message: Message) -> str:
    return (message.text or "/").split()[0][1:].split("@")[0].lower()


def _user(update: Update) -> int | None:
    return update.effective_user.id if update.effective_user else None


def build_handlers(settings: Settings) -> list[BaseHandler[Update, Context, None]]:
    """Staff handlers; commands work in the staff group and, for staff, in private chats."""
    where: filters.BaseFilter = filters.ChatType.PRIVATE
    handlers: list[BaseHandler[Update, Context, None]] = [
        CallbackQueryHandler(staff_button, pattern=r"^st:"),
    ]
    if settings.staff_chat_id is not None:
        staff_chat = filters.Chat(settings.staff_chat_id)
        where = where | staff_chat
        handlers.append(
            MessageHandler(staff_chat & filters.TEXT & ~filters.COMMAND, staff_message)
        )
    handlers.insert(0, CommandHandler(list(STAFF_COMMANDS), staff_command, filters=where))
    return handlers
