"""Staff work a request in a real browser (Debian's chromium driven by Playwright), beside the
Telegram group: log in with a link, find the request, claim, reply (it reaches the migrant in
Telegram), note, see a Telegram reply appear live, resolve; two people claiming at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, async_playwright

from bot.settings import ROOT
from tests.fake_telegram import FakeBotApi, FakeUser
from tests.support.hotline import (
    ANA,
    SAM,
    STAFF_CHAT,
    escalate,
    ticket_row,
    wait_until,
)
from tests.support.web import WebOffice, chromium_path

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "docs" / "screenshots"


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    path = chromium_path()
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=path, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield chromium
        finally:
            await chromium.close()


async def open_as(browser: Browser, web: WebOffice, telegram_id: int) -> Page:
    context = await browser.new_context(viewport={"width": 1000, "height": 800})
    page = await context.new_page()
    link = await web.login_link(telegram_id)
    assert link is not None
    await page.goto(link)
    return page


async def test_a_request_worked_from_the_browser(
    office: WebOffice, browser: Browser, fake_api: FakeBotApi
) -> None:
    api = fake_api
    migrant = FakeUser(501)
    card = await escalate(api, migrant)
    ticket_id = int(card.button("Claim").split(":")[-1])
    page = await open_as(browser, office, ANA.id)

    await page.get_by_role("link", name=f"#{ticket_id}").wait_for()
    later = await escalate(api, FakeUser(503))  # arrives while the inbox is open
    later_id = int(later.button("Claim").split(":")[-1])
    await page.get_by_role("link", name=f"#{later_id}").wait_for(timeout=4000)  # no reload
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "web-inbox.png"), full_page=True)
    await page.get_by_role("link", name=f"#{ticket_id}").click()
    await page.get_by_role("button", name="Claim").click()
    await page.get_by_text(f"Request #{ticket_id} is now yours.").wait_for()

    supervisor = await open_as(browser, office, SAM.id)
    await supervisor.goto(f"{office.url}/canned")
    await supervisor.get_by_label("Language", exact=True).select_option("en")
    await supervisor.get_by_label("Title").fill("Passport help")
    await supervisor.get_by_label("Text").fill("Hello, we will help you with the passport.")
    await supervisor.get_by_role("button", name="Add").click()
    await supervisor.get_by_role("cell", name="Passport help", exact=True).wait_for()
    await page.reload()
    await page.get_by_label("Canned reply").select_option(label="Passport help")
    box = page.get_by_label("Reply to the migrant")
    assert await box.input_value() == "Hello, we will help you with the passport."
    await page.get_by_role("button", name="Send reply").click()
    await wait_until(
        lambda: any(
            "we will help you with the passport" in m.text for m in api.sent_to(migrant.id)
        )
    )
    await wait_until(
        lambda: any("from the web inbox" in m.text for m in api.sent_to(STAFF_CHAT))
    )  # the Telegram group sees it in the request's topic too
    await page.get_by_label("Internal note").fill("Called the consulate, waiting.")
    await page.get_by_role("button", name="Add note").click()
    await page.get_by_text("Called the consulate, waiting.").wait_for()
    await page.get_by_label("Refer to").select_option("md_asp")
    await page.get_by_role("button", name="Ask for consent and refer").click()
    await page.get_by_text("Asked the migrant (en) for consent").wait_for()
    await wait_until(
        lambda: any("refc:" in d for m in api.sent_to(migrant.id) for _, d in m.buttons)
    )
    question = next(m for m in api.sent_to(migrant.id) if any("refc:" in d for _, d in m.buttons))
    await api.press(migrant, question, question.button("Yes"))
    await page.get_by_text("referral_consent").first.wait_for(timeout=4000)

    topic = card.thread_id
    await api.send_group_text(
        SAM, STAFF_CHAT, "Sam here: the consulate answered.", thread_id=topic
    )
    await page.get_by_text("Sam here: the consulate answered.").wait_for(timeout=4000)  # live
    await page.screenshot(path=str(SCREENSHOTS / "web-request.png"), full_page=True)

    await page.get_by_role("button", name="Resolve").click()
    await page.get_by_text(f"Request #{ticket_id} is resolved.").wait_for()
    assert (await ticket_row(office.application, ticket_id)).state == "resolved"
    await page.get_by_role("button", name="Reopen").click()
    await page.get_by_text(f"Request #{ticket_id} is now yours.").wait_for()
    assert (await ticket_row(office.application, ticket_id)).state == "claimed"


async def test_two_people_claiming_at_once_one_wins(
    office: WebOffice, browser: Browser, fake_api: FakeBotApi
) -> None:
    card = await escalate(fake_api, FakeUser(502))
    ticket_id = int(card.button("Claim").split(":")[-1])
    pages = [await open_as(browser, office, who.id) for who in (ANA, SAM)]
    for page in pages:
        await page.goto(f"{office.url}/requests/{ticket_id}")

    await asyncio.gather(*(p.get_by_role("button", name="Claim").click() for p in pages))

    texts = [await p.locator("main").inner_text() for p in pages]
    assert sum("is now yours" in text for text in texts) == 1
    assert (await ticket_row(office.application, ticket_id)).claimed_by in (ANA.id, SAM.id)
    supervisor = pages[1]
    services = office.application.bot_data.services
    assert services is not None
    romanian = services.i18n.gettext("ro")
    assert romanian("Log out") != "Log out"
    await supervisor.get_by_label("Language of these pages").select_option("ro")
    await supervisor.locator("html[lang=ro]").wait_for()  # the staff member's own choice
    await supervisor.get_by_role("button", name=romanian("Log out")).wait_for()
    await supervisor.goto(f"{office.url}/reports")
    heading = romanian("Requests, the last {days} days").format(days=30)
    await supervisor.get_by_role("heading", name=heading).wait_for()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await supervisor.screenshot(path=str(SCREENSHOTS / "web-reports.png"), full_page=True)
