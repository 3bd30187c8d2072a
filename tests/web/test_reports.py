"""Reports for supervisors: requests per day, language, country, topic; speed; ratings; CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import httpx

from bot.hotline_report import HotlineReport
from tests.fake_telegram import FakeBotApi, FakeUser
from tests.support.hotline import ANA, SAM, clock_of, escalate, services_of
from tests.support.web import WebOffice


async def client_for(web: WebOffice, telegram_id: int) -> httpx.AsyncClient:
    link = await web.login_link(telegram_id)
    assert link is not None
    client = httpx.AsyncClient(base_url=web.url)
    assert (await client.get(link)).status_code == 303
    return client


async def test_supervisors_see_requests_speed_and_a_csv(
    office: WebOffice, fake_api: FakeBotApi
) -> None:
    ids = []
    for user in (FakeUser(601), FakeUser(602, language_code="ro")):
        card = await escalate(fake_api, user, user.language_code)
        ids.append(int(card.button("Claim").split(":")[-1]))
    hotline = services_of(office.application).hotline
    ana = services_of(office.application).staff.get(ANA.id)
    assert ana is not None
    clock_of(office.application).advance(timedelta(minutes=12))
    assert (await hotline.claim(ana, ids[0])).ok
    clock_of(office.application).advance(timedelta(hours=2))
    assert (await hotline.resolve(ana, ids[0])).ok

    agent = await client_for(office, ANA.id)
    supervisor = await client_for(office, SAM.id)
    try:
        assert (await agent.get("/reports")).status_code == 403
        assert (await agent.get("/canned")).status_code == 403  # supervisors keep them
        page = await supervisor.get("/reports?days=7")
        assert page.status_code == 200
        assert "2 requests opened (0 urgent)" in page.text
        assert "12 min" in page.text  # the one claim, median and 90th percentile
        assert "132 min" in page.text or "2.2 h" in page.text  # opened → resolved
        download = await supervisor.get("/reports.csv?days=7")
        assert download.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(download.text)))
        assert rows[0] == ["section", "key", "requests"]
        assert ["language", "en", "1"] in rows and ["language", "ro", "1"] in rows
        assert sum(int(r[2]) for r in rows if r[0] == "day") == 2
    finally:
        await agent.aclose()
        await supervisor.aclose()


def test_quantiles_are_nearest_rank() -> None:
    report = HotlineReport.__new__(HotlineReport)
    minutes = [timedelta(minutes=m) for m in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)]

    assert report.quantile(minutes, 0.5) == timedelta(minutes=5)
    assert report.quantile(minutes, 0.9) == timedelta(minutes=9)
    assert report.quantile([], 0.5) is None
