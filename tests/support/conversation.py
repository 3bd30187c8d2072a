"""Conversation helpers for end-to-end tests over the fake Bot API."""

from __future__ import annotations

from tests.fake_telegram import FakeBotApi, FakeUser, SentMessage


async def onboard(api: FakeBotApi, user: FakeUser, language: str, situation: str) -> SentMessage:
    """/start → language → situation; returns the main menu message."""
    [greeting] = await api.exchange(user, "/start")
    [picker] = await api.click(user, greeting, f"lang:{language}")
    notice, menu = await api.click(user, picker, f"country:{situation}", count=2)
    assert "/forget" in notice.text
    return menu
