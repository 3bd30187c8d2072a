"""The web back office's door, over real HTTP: one-time login links, roles, CSRF, no traces."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from bot.tickets import history
from tests.conftest import stop_bot
from tests.fake_telegram import FakeBotApi, FakeUser
from tests.support.hotline import (
    ANA,
    EVE,
    SAM,
    STAFF_CHAT,
    clock_of,
    escalate,
    services_of,
    start_hotline,
    ticket_row,
    wait_until,
)
from tests.support.web import WebOffice, free_port


async def logged_in(web: WebOffice, telegram_id: int) -> httpx.AsyncClient:
    link = await web.login_link(telegram_id)
    assert link is not None
    client = httpx.AsyncClient(base_url=web.url)
    response = await client.get(link)
    assert response.status_code == 303 and response.headers["location"] == "/"
    return client


async def test_health_and_anonymous_visitors(office: WebOffice) -> None:
    async with httpx.AsyncClient(base_url=office.url) as client:
        assert (await client.get("/healthz")).text == "ok"
        inbox = await client.get("/")
        assert inbox.status_code == 403
        assert "/web" in inbox.text  # how to get a link
        missing = await client.get("/no/such/page")
        assert missing.status_code == 404 and "Traceback" not in missing.text


async def test_a_login_link_works_once_and_expires(
    office: WebOffice, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    link = await office.login_link(ANA.id)
    assert link is not None
    token = link.rsplit("/", 1)[1]
    async with httpx.AsyncClient(base_url=office.url) as first:
        response = await first.get(link)
        assert response.status_code == 303
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        assert (await first.get("/")).status_code == 200
    async with httpx.AsyncClient(base_url=office.url) as second:
        assert (await second.get(link)).status_code == 403  # replayed
    late = await office.login_link(ANA.id)
    assert late is not None
    clock_of(office.application).advance(timedelta(minutes=11))
    async with httpx.AsyncClient(base_url=office.url) as third:
        assert (await third.get(late)).status_code == 403  # expired
    assert await office.login_link(999) is None  # not in STAFF: no link at all
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert f"staff {ANA.id}" in ours  # logins and refusals, by Telegram id
    assert token not in ours  # never a token (httpx, the test's own client, logs URLs)


async def test_roles_and_csrf(office: WebOffice, fake_api: FakeBotApi) -> None:
    card = await escalate(fake_api, FakeUser(401))
    ticket_id = int(card.button("Claim").split(":")[-1])
    editor = await logged_in(office, EVE.id)
    assert (await editor.get("/")).status_code == 403  # editors have no inbox
    await editor.aclose()
    agent = await logged_in(office, ANA.id)
    try:
        page = await agent.get(f"/requests/{ticket_id}")
        assert page.status_code == 200
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf is not None
        forged = await agent.post(f"/requests/{ticket_id}/claim", data={})
        assert forged.status_code == 403
        wrong = await agent.post(f"/requests/{ticket_id}/claim", data={"csrf": "x" * 32})
        assert wrong.status_code == 403
        claimed = await agent.post(f"/requests/{ticket_id}/claim", data={"csrf": csrf.group(1)})
        assert claimed.status_code == 303
        after = await agent.get(f"/requests/{ticket_id}")
        assert "is now yours" in after.text
        assert (await agent.get("/requests/abc")).status_code == 404
        assert (await agent.get("/requests/99999")).status_code == 404
    finally:
        await agent.aclose()


async def test_web_command_sends_a_login_link_privately(
    office: WebOffice, fake_api: FakeBotApi
) -> None:
    before = len(fake_api.sent_to(ANA.id))
    await fake_api.send_group_text(ANA, STAFF_CHAT, "/web")

    [private] = await fake_api.wait_for(ANA.id, after=before)
    link = re.search(r"(http://\S+/login/[\w-]+)", private.text)
    assert link is not None
    await wait_until(lambda: any("private chat" in m.text for m in fake_api.sent_to(STAFF_CHAT)))
    path = link.group(1)[link.group(1).index("/login/") :]
    async with httpx.AsyncClient(base_url=office.url) as client:
        assert (await client.get(path)).status_code == 303  # the link logs Ana in
    stranger = FakeUser(777)
    [refusal] = await fake_api.exchange(stranger, "/web")  # a migrant: not a staff command
    assert "/login/" not in refusal.text


async def test_sessions_expire_and_log_out(office: WebOffice) -> None:
    first = await logged_in(office, ANA.id)
    second = await logged_in(office, ANA.id)
    try:
        page = await first.get("/")
        assert page.status_code == 200
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf is not None
        await first.post("/logout", data={"csrf": csrf.group(1)})
        assert (await first.get("/")).status_code == 403  # logged out
        assert (await second.get("/")).status_code == 200  # another session is untouched
        clock_of(office.application).advance(timedelta(hours=8, minutes=1))
        assert (await second.get("/")).status_code == 403  # expired
    finally:
        await first.aclose()
        await second.aclose()


async def test_a_web_claim_and_a_telegram_claim_at_once_one_wins(
    office: WebOffice, fake_api: FakeBotApi
) -> None:
    card = await escalate(fake_api, FakeUser(402))
    ticket_id = int(card.button("Claim").split(":")[-1])
    agent = await logged_in(office, ANA.id)
    try:
        page = await agent.get(f"/requests/{ticket_id}")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf is not None
        await asyncio.gather(
            agent.post(f"/requests/{ticket_id}/claim", data={"csrf": csrf.group(1)}),
            fake_api.press(SAM, card, f"st:claim:{ticket_id}"),
        )
        await wait_until(lambda: fake_api.callback_answers >= 1)  # the Telegram claim ran
        row = await ticket_row(office.application, ticket_id)
        assert row.claimed_by in (ANA.id, SAM.id)
        async with services_of(office.application).sessions() as session:
            claims = [
                e for e in await history(session, ticket_id=ticket_id) if e.action == "claimed"
            ]
        assert len(claims) == 1  # exactly one of the two won
    finally:
        await agent.aclose()


async def test_the_bot_serves_the_back_office_in_its_own_process_when_asked(
    tmp_path: Path, fake_api: FakeBotApi
) -> None:
    port = free_port()
    application = await start_hotline(tmp_path, fake_api, web_in_bot=True, web_port=port)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            assert (await client.get("/healthz")).text == "ok"
    finally:
        await stop_bot(application)
    with pytest.raises(httpx.ConnectError):  # stopped with the bot
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            await client.get("/healthz")


async def test_the_back_office_in_a_right_to_left_language(office: WebOffice) -> None:
    agent = await logged_in(office, ANA.id)
    try:
        page = await agent.get("/")
        assert '<html lang="en" dir="ltr">' in page.text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf is not None
        chosen = await agent.post("/language", data={"csrf": csrf.group(1), "language": "fa"})
        assert chosen.status_code == 303
        persian = await agent.get("/")
        assert '<html lang="fa" dir="rtl">' in persian.text
    finally:
        await agent.aclose()
