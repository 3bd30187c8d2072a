"""`python -m bot shell`: the same conversation as in Telegram, in the terminal."""

from __future__ import annotations

import asyncio
import locale
import sys

from bot.publishing import install_signal
from bot.rendering import to_terminal
from bot.replies import Reply
from bot.services import Services

LOCAL_USER = 0
"""The terminal user's id in the users table (Telegram ids are positive)."""


class ShellTransport:
    """Hotline messages for the terminal user are printed; there is no staff group here."""

    def __init__(self) -> None:
        self._next_id = 0

    async def send(
        self,
        chat_id: int,
        reply: Reply,
        *,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> int:
        if chat_id == LOCAL_USER:
            text, _ = to_terminal(reply)
            sys.stdout.write("\nhotline> " + text.replace("\n", "\n         ") + "\n")
            sys.stdout.flush()
        self._next_id += 1
        return self._next_id

    async def edit(self, chat_id: int, message_id: int, reply: Reply) -> None:
        return None

    async def copy(
        self,
        chat_id: int,
        from_chat_id: int,
        message_id: int,
        *,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> int:
        self._next_id += 1
        return self._next_id

    async def create_topic(self, chat_id: int, name: str) -> int | None:
        return None


async def run_shell(services: Services) -> None:
    """Chat until end of input: a number presses a button, /commands work, text is a question."""
    services.start_delivery(ShellTransport())
    install_signal(services.publisher, services.settings.run_dir)  # `kb reload` publishes here
    dialogue = services.dialogue
    client_language = (locale.getlocale()[0] or "en").split("_")[0]
    print("Local chat with the assistant. Type a number to press a button, /help for commands,")
    print("Ctrl-D to quit.\n")
    actions = _show(await dialogue.start(LOCAL_USER, client_language))
    turn = 0
    while True:
        try:
            line = await asyncio.to_thread(input, "\nyou> ")
        except EOFError:
            print()
            return
        line = line.strip()
        if not line:
            continue
        turn += 1
        key = f"shell:{id(services)}:{turn}"
        if line.isdigit() and 1 <= int(line) <= len(actions):
            replies = await dialogue.press(LOCAL_USER, actions[int(line) - 1], key)
        elif line.isdigit():  # a number no button carries is not a question
            replies = await dialogue.out_of_range(LOCAL_USER, len(actions))
            _show(replies)
            continue
        elif line == "/start":
            replies = await dialogue.start(LOCAL_USER, client_language)
        elif line.startswith("/"):
            replies = await dialogue.command(LOCAL_USER, line[1:].split()[0], key)
        else:
            replies = await dialogue.text(LOCAL_USER, line, key)
        actions = _show(replies)


def _show(replies: list[Reply]) -> list[str]:
    actions: list[str] = []
    for reply in replies:
        text, more = to_terminal(reply, first_choice=len(actions) + 1, bold=sys.stdout.isatty())
        actions += more
        sys.stdout.write("\nbot> " + text.replace("\n", "\n     ") + "\n")
    sys.stdout.flush()
    return actions
