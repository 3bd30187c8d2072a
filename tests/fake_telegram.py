"""A local fake of the Telegram Bot API, spoken to over real HTTP.

It implements what the bot uses (getMe, getUpdates, sendMessage, editMessageText, copyMessage,
answerCallbackQuery, setMyCommands, sendChatAction, deleteWebhook, leaveChat, getChat,
createForumTopic), checks the requests the way Telegram does (text length, HTML entities,
callback data size), and lets a test play users and staff: send text in private chats or in a
(forum) group, press buttons, wait for the bot's messages, and make a chat unreachable for a
while.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp import web

BOT_USER = {"id": 999000, "is_bot": True, "first_name": "Assistant", "username": "assistant_bot"}
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "s", "a", "code", "pre", "blockquote", "tg-spoiler"}


class EntityError(ValueError):
    pass


class _HtmlCheck(HTMLParser):
    """Rejects what Telegram rejects: unknown tags and unbalanced ones."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise EntityError(f'can\'t parse entities: unsupported start tag "{tag}"')
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            raise EntityError(f'can\'t parse entities: unexpected end tag "{tag}"')


def check_html(text: str) -> None:
    parser = _HtmlCheck()
    parser.feed(text)
    parser.close()
    if parser.stack:
        raise EntityError("can't parse entities: unclosed tag")


@dataclass
class SentMessage:
    chat_id: int
    message_id: int
    text: str
    reply_markup: dict[str, Any] | None
    edited: bool = False
    thread_id: int | None = None
    reply_to: int | None = None
    copied_from: tuple[int, int] | None = None
    """(chat id, message id) of the original, for copyMessage."""

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback_data) of every inline button, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]

    def button(self, label_part: str) -> str:
        """The callback data of the first button whose label contains label_part."""
        for label, data in self.buttons:
            if label_part in label:
                return data
        raise AssertionError(f"no button with {label_part!r} in {self.buttons}")


@dataclass
class FakeUser:
    id: int
    language_code: str = "en"
    first_name: str = "Test"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }


@dataclass
class FakeBotApi:
    token: str = "123456:TEST-TOKEN"
    updates: list[dict[str, Any]] = field(default_factory=list)
    messages: list[SentMessage] = field(default_factory=list)
    commands: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    callback_answers: int = 0
    requests: list[str] = field(default_factory=list)
    forums: set[int] = field(default_factory=set)
    """Chats that are forum supergroups (createForumTopic works there)."""
    topics: dict[int, str] = field(default_factory=dict)
    unreachable: dict[int, tuple[int, str]] = field(default_factory=dict)
    """Chat id → (HTTP status, description) answered to every send there, while set."""
    refused: int = 0
    conflict: bool = False
    """getUpdates answers 409 Conflict, as when another instance polls with the token."""
    confirmed: int = 0
    """The highest update_id the bot confirmed (a getUpdates offset above it): Telegram has
    forgotten it and will never deliver it again."""
    webhook: dict[str, Any] = field(default_factory=dict)
    fail_next: dict[int, list[tuple[int, str, int | None]]] = field(default_factory=dict)
    """Chat id → errors (HTTP status, description, retry_after) for its next sends, in order."""
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _runner: web.AppRunner | None = None
    url: str = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    # -- playing users -------------------------------------------------------------------------

    async def push_update(self, update: dict[str, Any], update_id: int | None = None) -> int:
        """Offer an update in getUpdates; `update_id` repeats an earlier one (a redelivery)."""
        async with self._changed:
            update_id = update_id if update_id is not None else next(self._update_ids)
            self.updates.append({"update_id": update_id, **update})
            self._changed.notify_all()
        return update_id

    def _message(self, user: FakeUser, **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
            "from": user.as_json(),
            **content,
        }

    def text_message(self, user: FakeUser, text: str) -> dict[str, Any]:
        """A private message from `user` as Telegram sends it (commands marked as entities)."""
        return self._message(user, text=text, **_command_entities(text))

    async def send_text(self, user: FakeUser, text: str) -> int:
        return await self.push_update({"message": self.text_message(user, text)})

    async def send_content(self, user: FakeUser, **content: Any) -> int:
        return await self.push_update({"message": self._message(user, **content)})

    async def send_group_text(
        self,
        user: FakeUser,
        chat_id: int,
        text: str,
        *,
        thread_id: int | None = None,
        reply_to: SentMessage | None = None,
    ) -> int:
        """A message by `user` in a group (a staff member in the staff group)."""
        content: dict[str, Any] = {"text": text, **_command_entities(text)}
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": user.as_json(),
            **content,
        }
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        if reply_to is not None:
            message["reply_to_message"] = self._message_json(reply_to)
        return await self.push_update({"message": message})

    async def press(self, user: FakeUser, message: SentMessage, data: str) -> int:
        return await self.push_update(
            {
                "callback_query": {
                    "id": str(next(self._message_ids)),
                    "from": user.as_json(),
                    "chat_instance": str(user.id),
                    "data": data,
                    "message": {
                        "message_id": message.message_id,
                        "date": int(time.time()),
                        "chat": self._chat(message.chat_id),
                        "from": BOT_USER,
                        "text": message.text,
                        **(
                            {"message_thread_id": message.thread_id, "is_topic_message": True}
                            if message.thread_id
                            else {}
                        ),
                    },
                }
            }
        )

    def _chat(self, chat_id: int) -> dict[str, Any]:
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "Test"}
        chat: dict[str, Any] = {"id": chat_id, "type": "supergroup", "title": "Hotline"}
        if chat_id in self.forums:
            chat["is_forum"] = True
        return chat

    def sent_to(self, chat_id: int) -> list[SentMessage]:
        return [m for m in self.messages if m.chat_id == chat_id]

    async def wait_for(
        self, chat_id: int, count: int = 1, *, after: int = 0, timeout: float = 30.0
    ) -> list[SentMessage]:
        """Wait until the chat has `count` bot messages after the first `after` ones."""

        def ready() -> bool:
            return len(self.sent_to(chat_id)) >= after + count

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(ready), timeout)
        return self.sent_to(chat_id)[after : after + count]

    async def exchange(
        self, user: FakeUser, text: str, count: int = 1, timeout: float = 30.0
    ) -> list[SentMessage]:
        """Send text and return the next `count` bot messages to that user."""
        before = len(self.sent_to(user.id))
        await self.send_text(user, text)
        return await self.wait_for(user.id, count, after=before, timeout=timeout)

    async def click(
        self, user: FakeUser, message: SentMessage, data: str, count: int = 1
    ) -> list[SentMessage]:
        """Press a button and return the next `count` bot messages (edits count as messages)."""
        before = len(self.sent_to(user.id))
        await self.press(user, message, data)
        return await self.wait_for(user.id, count, after=before)

    # -- the Bot API ---------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        self.requests.append(method)
        params = await _params(request)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        try:
            result = await handler(params)
        except Unreachable as exc:
            return _error(exc.status, exc.description, exc.retry_after)
        except EntityError as exc:
            return _error(400, f"Bad Request: {exc}")
        except ValueError as exc:
            return _error(400, f"Bad Request: {exc}")
        return web.json_response({"ok": True, "result": result})

    async def _api_getMe(self, params: dict[str, Any]) -> Any:
        return BOT_USER

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = {}
        return True

    async def _api_setWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = dict(params)
        return True

    async def _api_getUpdates(self, params: dict[str, Any]) -> Any:
        if self.conflict:
            raise Unreachable(
                409,
                "Conflict: terminated by other getUpdates request; make sure that only one bot "
                "instance is running",
            )
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        async with self._changed:
            self.confirmed = max(self.confirmed, offset - 1)
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            if not self.updates and timeout:
                try:
                    await asyncio.wait_for(
                        self._changed.wait_for(lambda: bool(self.updates)), min(timeout, 1.0)
                    )
                except TimeoutError:
                    pass
            return list(self.updates[: int(params.get("limit") or 100)])

    async def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        self._reachable(int(params["chat_id"]))
        text = str(params["text"])
        _check_text(text, params)
        markup = params.get("reply_markup")
        _check_markup(markup)
        message = SentMessage(
            int(params["chat_id"]),
            next(self._message_ids),
            text,
            markup,
            thread_id=_optional_int(params.get("message_thread_id")),
            reply_to=_reply_to(params),
        )
        await self._record(message)
        return self._message_json(message)

    async def _api_copyMessage(self, params: dict[str, Any]) -> Any:
        self._reachable(int(params["chat_id"]))
        original = (int(params["from_chat_id"]), int(params["message_id"]))
        message = SentMessage(
            int(params["chat_id"]),
            next(self._message_ids),
            f"[copy of message {original[1]}]",
            None,
            thread_id=_optional_int(params.get("message_thread_id")),
            reply_to=_reply_to(params),
            copied_from=original,
        )
        await self._record(message)
        return {"message_id": message.message_id}

    async def _api_getChat(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        self._reachable(chat_id)
        return {**self._chat(chat_id), "accent_color_id": 0, "max_reaction_count": 11}

    async def _api_createForumTopic(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        self._reachable(chat_id)
        if chat_id not in self.forums:
            raise ValueError("the chat is not a forum")
        thread_id = next(self._message_ids)
        self.topics[thread_id] = str(params["name"])
        return {"message_thread_id": thread_id, "name": params["name"], "icon_color": 7322096}

    def _reachable(self, chat_id: int) -> None:
        failure = self.unreachable.get(chat_id)
        if failure is not None:
            self.refused += 1
            raise Unreachable(*failure)
        if self.fail_next.get(chat_id):
            self.refused += 1
            raise Unreachable(*self.fail_next[chat_id].pop(0))

    async def _api_editMessageText(self, params: dict[str, Any]) -> Any:
        text = str(params["text"])
        _check_text(text, params)
        markup = params.get("reply_markup")
        _check_markup(markup)
        original = next(
            (m for m in self.messages if m.message_id == int(params["message_id"])), None
        )
        message = SentMessage(
            int(params["chat_id"]),
            int(params["message_id"]),
            text,
            markup,
            edited=True,
            thread_id=original.thread_id if original else None,
        )
        await self._record(message)
        return self._message_json(message)

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        self.callback_answers += 1
        return True

    async def _api_setMyCommands(self, params: dict[str, Any]) -> Any:
        self.commands[str(params.get("language_code") or "")] = params["commands"]
        return True

    async def _api_sendChatAction(self, params: dict[str, Any]) -> Any:
        return True

    async def _api_leaveChat(self, params: dict[str, Any]) -> Any:
        return True

    async def _record(self, message: SentMessage) -> None:
        async with self._changed:
            self.messages.append(message)
            self._changed.notify_all()

    def _message_json(self, message: SentMessage) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "message_id": message.message_id,
            "date": int(time.time()),
            "chat": self._chat(message.chat_id),
            "from": BOT_USER,
            "text": message.text,
        }
        if message.reply_markup:
            payload["reply_markup"] = message.reply_markup
        if message.thread_id:
            payload["message_thread_id"] = message.thread_id
            payload["is_topic_message"] = True
        return payload


class Unreachable(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def _command_entities(text: str) -> dict[str, Any]:
    if not text.startswith("/"):
        return {}
    command = text.split()[0]
    return {"entities": [{"type": "bot_command", "offset": 0, "length": len(command)}]}


def _optional_int(value: Any) -> int | None:
    return int(value) if value not in (None, "") else None


def _reply_to(params: dict[str, Any]) -> int | None:
    if params.get("reply_parameters"):
        return int(params["reply_parameters"]["message_id"])
    return _optional_int(params.get("reply_to_message_id"))


def _check_text(text: str, params: dict[str, Any]) -> None:
    """Telegram's rule: 1–4096 UTF-16 code units of text after entity parsing, valid HTML."""
    if params.get("parse_mode") == "HTML":
        check_html(text)
        text = shown(text)
    if not text.strip():
        raise ValueError("message text is empty")
    if len(text.encode("utf-16-le")) // 2 > 4096:
        raise ValueError("message is too long")


class _Shown(HTMLParser):
    """The text an HTML message shows: tags dropped, entities decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.data: list[str] = []

    def handle_data(self, data: str) -> None:
        self.data.append(data)


def shown(html: str) -> str:
    """The text Telegram shows for an HTML message: what its limits are measured on."""
    parser = _Shown()
    parser.feed(html)
    parser.close()
    return "".join(parser.data)


def _check_markup(markup: dict[str, Any] | None) -> None:
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise ValueError("BUTTON_DATA_INVALID")


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        body = await request.json()
        return dict(body or {})
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        text = value if isinstance(value, str) else ""
        if text[:1] in "[{":
            try:
                params[key] = json.loads(text)
                continue
            except ValueError:
                pass
        params[key] = text
    return params


def _error(code: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=code)
