"""The ticket store on PostgreSQL: claims under contention, `/queue` at 10k and 1M tickets."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from typing import Any

from sqlalchemy import event, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.pg import fresh_database
from bench.stats import summary_ms
from bot import tickets
from bot.clock import system_clock
from bot.db import create_engine, create_sessions, migrate
from bot.models import Ticket, TicketEvent, User


async def _user(engine: AsyncEngine) -> int:
    async with engine.begin() as connection:
        result = await connection.execute(
            insert(User)
            .values(
                telegram_id=1,
                language="en",
                country="md",
                created_at=system_clock(),
                updated_at=system_clock(),
            )
            .returning(User.id)
        )
        return int(result.scalar_one())


async def run_claims(
    server_url: str, *, ticket_count: int, staff: int, order: str
) -> dict[str, Any]:
    """`staff` members race through the same tickets, each trying to claim every one.

    order "same": all in the same order, so every ticket is contested by all of them at once
    (the worst case for the conditional UPDATE); "shuffled": each in its own random order (a
    claim meets a competitor now and then). Each ticket must end up claimed exactly once
    (checked from the return values, the rows and the audit trail).
    """
    async with fresh_database(server_url, "claims") as url:
        engine = create_engine(url)
        try:
            await migrate(engine)
            user_id = await _user(engine)
            started_at = system_clock()
            async with engine.begin() as connection:
                result = await connection.execute(
                    insert(Ticket).returning(Ticket.id),
                    [
                        {
                            "user_id": user_id,
                            "idempotency_key": f"bench:{i}",
                            "reason": "ask_human",
                            "language": "en",
                            "country": "md",
                            "created_at": started_at,
                            "updated_at": started_at,
                        }
                        for i in range(ticket_count)
                    ],
                )
                ids = sorted(int(row) for row in result.scalars())
            sessions = create_sessions(engine)
            wins: list[tuple[int, int]] = []
            attempts = 0

            async def member(staff_id: int) -> None:
                nonlocal attempts
                mine = list(ids)
                if order == "shuffled":
                    random.Random(staff_id).shuffle(mine)
                for ticket_id in mine:
                    async with sessions.begin() as session:
                        won = await tickets.claim(
                            session, ticket_id=ticket_id, staff_id=staff_id, now=system_clock()
                        )
                    attempts += 1
                    if won:
                        wins.append((ticket_id, staff_id))

            started = time.perf_counter()
            await asyncio.gather(*(member(1000 + i) for i in range(staff)))
            wall = time.perf_counter() - started

            per_ticket = Counter(ticket_id for ticket_id, _ in wins)
            winners = dict(wins)
            async with sessions() as session:
                query = select(Ticket.id, Ticket.state, Ticket.claimed_by)
                rows = (await session.execute(query)).all()
                audits = Counter(
                    (
                        await session.scalars(
                            select(TicketEvent.ticket_id).where(TicketEvent.action == "claimed")
                        )
                    ).all()
                )
            double_claims = sum(1 for n in per_ticket.values() if n > 1)
            unclaimed = sum(1 for ticket_id in ids if per_ticket[ticket_id] == 0)
            row_mismatches = sum(
                1
                for ticket_id, state, claimed_by in rows
                if state != "claimed" or claimed_by != winners.get(ticket_id)
            )
            audit_mismatches = sum(1 for ticket_id in ids if audits[ticket_id] != 1)
            return {
                "order": order,
                "tickets": ticket_count,
                "staff": staff,
                "attempts": attempts,
                "claims": len(wins),
                "wall_s": round(wall, 2),
                "claims_per_s": round(len(wins) / wall, 1),
                "attempts_per_s": round(attempts / wall, 1),
                "double_claims": double_claims,
                "unclaimed": unclaimed,
                "row_mismatches": row_mismatches,
                "audit_mismatches": audit_mismatches,
            }
        finally:
            await engine.dispose()


GENERATE = """
INSERT INTO ticket (user_id, idempotency_key, state, reason, language, country, topic,
                    question, created_at, updated_at, resolved_at)
SELECT :user_id, 'bench:' || g,
       CASE WHEN g > :rows - :open
            THEN (ARRAY['new', 'claimed', 'waiting_user', 'referred'])[1 + g % 4]
            ELSE 'resolved' END,
       'ask_human', 'en', 'md', 'documents', 'synthetic question ' || g,
       now() - make_interval(secs => (:rows - g) * 30),
       now() - make_interval(secs => (:rows - g) * 30),
       CASE WHEN g > :rows - :open THEN NULL
            ELSE now() - make_interval(secs => (:rows - g) * 30 - 600) END
FROM generate_series(1, :rows) AS g
"""


async def run_queue(
    server_url: str, *, rows: int, open_share: float, calls: int
) -> dict[str, Any]:
    """Latency of bot.tickets.queue(limit=20) over `rows` tickets, and the plan it runs."""
    async with fresh_database(server_url, "queue") as url:
        engine = create_engine(url)
        try:
            await migrate(engine)
            user_id = await _user(engine)
            open_count = max(20, int(rows * open_share))
            started = time.perf_counter()
            async with engine.begin() as connection:
                await connection.execute(
                    text(GENERATE), {"user_id": user_id, "rows": rows, "open": open_count}
                )
            insert_s = time.perf_counter() - started
            async with engine.connect() as connection:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                await connection.execute(text("VACUUM ANALYZE ticket"))
            sessions = create_sessions(engine)

            captured: list[tuple[str, Any]] = []

            def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
                captured.append((statement, parameters))

            event.listen(engine.sync_engine, "before_cursor_execute", capture)
            async with sessions() as session:
                first = await tickets.queue(session, limit=20)
            event.remove(engine.sync_engine, "before_cursor_execute", capture)
            statement, parameters = captured[-1]

            durations: list[float] = []
            for _ in range(calls):
                t0 = time.perf_counter()
                async with sessions() as session:
                    result = await tickets.queue(session, limit=20)
                durations.append(time.perf_counter() - t0)
            async with engine.connect() as connection:
                plan_rows = await connection.exec_driver_sql(
                    f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters
                )
                plan = "\n".join(str(row[0]) for row in plan_rows)
                total = await connection.scalar(select(func.count()).select_from(Ticket))
            return {
                "rows": int(total or 0),
                "open": open_count,
                "insert_s": round(insert_s, 1),
                "returned": len(result),
                "oldest_first": [t.id for t in first] == sorted(t.id for t in first),
                "latency_ms": summary_ms(durations),
                "index_used": "ix_ticket_open_urgent_created_at" in plan
                or "ix_ticket_state_created_at" in plan,
                "plan": plan,
            }
        finally:
            await engine.dispose()
