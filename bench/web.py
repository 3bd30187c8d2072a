"""The web inbox over many tickets on PostgreSQL: GET / (urgent first, then oldest, up to 200
open requests rendered) through the real ASGI app, logged in as a supervisor."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from bench.pg import fresh_database
from bench.stats import summary_ms
from bench.tickets import GENERATE, _user
from bot.services import build_services
from bot.settings import Settings
from web.app import create_app
from web.auth import LoginLinks


async def run_inbox(
    server_url: str, *, rows: int, open_share: float, calls: int
) -> dict[str, Any]:
    async with fresh_database(server_url, "inbox") as url:
        with tempfile.TemporaryDirectory() as run_dir:
            settings = Settings(  # type: ignore[call-arg]
                _env_file=None,
                database_url=url,
                nlu_url="http://127.0.0.1:9",  # the inbox never asks the NLU
                staff="1:supervisor:Bench",
                run_dir=Path(run_dir),
            )
            services = await build_services(settings)
            try:
                user_id = await _user(services.engine)
                open_count = max(20, int(rows * open_share))
                async with services.engine.begin() as connection:
                    await connection.execute(
                        text(GENERATE), {"user_id": user_id, "rows": rows, "open": open_count}
                    )
                async with services.engine.connect() as connection:
                    await connection.execution_options(isolation_level="AUTOCOMMIT")
                    await connection.execute(text("VACUUM ANALYZE ticket"))
                app = create_app(services, secret="bench-secret-" + "x" * 32)
                token = await LoginLinks(services.sessions, services.staff, services.clock).issue(
                    1
                )
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(
                    transport=transport, base_url="http://bench"
                ) as client:
                    assert (await client.get(f"/login/{token}")).status_code == 303
                    first = await client.get("/")
                    assert first.status_code == 200
                    durations = []
                    for _ in range(calls):
                        started = time.perf_counter()
                        response = await client.get("/")
                        durations.append(time.perf_counter() - started)
                        assert response.status_code == 200
                return {
                    "rows": rows,
                    "open": open_count,
                    "shown": first.text.count('href="/requests/'),
                    "page_kb": round(len(first.content) / 1024, 1),
                    "latency_ms": summary_ms(durations),
                }
            finally:
                await services.aclose()
