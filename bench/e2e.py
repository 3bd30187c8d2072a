"""End to end: the real bot (`python -m bot run`, a subprocess) under load through the fake
Bot API, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bench.config import E2eConfig
from bench.fakeapi import TimedFakeBotApi
from bench.loadgen import LoadRun, Scenario, analyse, count_replies
from bench.pg import fresh_database
from bench.questions import holdout_questions
from bench.stats import tree_rss_mb
from bot.settings import ROOT
from knowledge import KnowledgeBase

TOKEN = "123456:BENCH"


@dataclass
class BotProcess:
    process: subprocess.Popen[bytes]
    log: Path
    rss_samples: list[float]

    @property
    def pid(self) -> int:
        return self.process.pid


@contextlib.asynccontextmanager
async def bot_process(
    api: TimedFakeBotApi,
    *,
    database_url: str,
    nlu_url: str,
    nlu_token: str,
    workdir: Path,
    profile: Path | None = None,
    variant: tuple[str, ...] = (),
) -> AsyncIterator[BotProcess]:
    """Run `python -m bot run` against the fake API until it polls; stop it with SIGINT."""
    env = dict(os.environ)
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api.url,
        DATABASE_URL=database_url,
        NLU_URL=nlu_url,
        NLU_TOKEN=nlu_token,
        PYTHONUNBUFFERED="1",
    )
    module = ["-m", "bench.variant", *variant] if variant else ["-m", "bot"]
    command = [sys.executable, *module, "run"]
    if profile is not None:
        command = [
            sys.executable, "-m", "pyinstrument", "-r", "text", "-o", str(profile),
            *module, "run",
        ]  # fmt: skip
    log = workdir / "bot.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=output, stderr=output
        )
    bot = BotProcess(process, log, [])
    try:
        deadline = time.monotonic() + 120
        while api.get_updates_calls == 0:
            if process.poll() is not None:
                raise RuntimeError(f"the bot exited with {process.returncode}:\n{_tail(log)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the bot did not start polling:\n{_tail(log)}")
            await asyncio.sleep(0.1)
        yield bot
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                await asyncio.to_thread(process.wait, 30)
            except subprocess.TimeoutExpired:
                process.kill()
                await asyncio.to_thread(process.wait)


def _tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


async def _sample_rss(bot: BotProcess, stop: asyncio.Event) -> None:
    while not stop.is_set():
        bot.rss_samples.append(tree_rss_mb(bot.pid))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.5)


async def _settle(api: TimedFakeBotApi, quiet: float = 1.0, limit: float = 60.0) -> None:
    """Wait until no update is waiting and no message arrived for `quiet` seconds."""
    deadline = time.perf_counter() + limit
    last = -1
    while time.perf_counter() < deadline:
        total = sum(len(v) for v in api.arrivals.values())
        if total == last and not api.updates:
            return
        last = total
        await asyncio.sleep(quiet)


class Runner:
    """Fixed-rate runs and the search for the highest sustainable rate, against one bot."""

    def __init__(
        self, api: TimedFakeBotApi, scenario: Scenario, config: E2eConfig, seed: int
    ) -> None:
        self.api = api
        self.scenario = scenario
        self.config = config
        self.rng = random.Random(seed)
        self.next_user_id = 10_000_000

    async def run(self, rate: float, duration: float, bot: BotProcess) -> dict[str, Any]:
        load = LoadRun(
            self.api, self.scenario, self.rng, self.config.reply_timeout, self.next_user_id
        )
        rss_from = len(bot.rss_samples)
        offered = await load.offer(rate, duration, max_outstanding=max(100, int(4 * rate)))
        await _settle(self.api)
        self.next_user_id = load.next_user_id
        result = analyse(
            load, 0, rate=rate, offered=offered, p95_bound_ms=self.config.sustainable_p95_ms
        )
        replies = count_replies(load)
        result["replies"] = replies
        result["duplicated"] = replies["duplicated"]
        result["sustainable"] = result["sustainable"] and replies["duplicated"] == 0
        rss = [x for x in bot.rss_samples[rss_from:] if x == x]
        result["bot_rss_mb"] = {"peak": max(rss, default=None), "last": rss[-1] if rss else None}
        return result

    async def search(self, bot: BotProcess) -> dict[str, Any]:
        """Raise the rate by `search_factor` until a run is not sustainable, then bisect."""
        config = self.config
        steps: list[dict[str, Any]] = []
        best: float | None = None
        worst: float | None = None
        rate = config.search_start
        while rate <= config.search_max:
            result = await self.run(rate, config.search_seconds, bot)
            steps.append(result)
            if not result["sustainable"]:
                worst = rate
                break
            best = rate
            rate = round(rate * config.search_factor, 1)
        for _ in range(config.search_bisections if worst is not None else 0):
            low = best or 0.0
            assert worst is not None
            rate = round((low + worst) / 2, 1)
            if rate - low < 2:
                break
            result = await self.run(rate, config.search_seconds, bot)
            steps.append(result)
            if result["sustainable"]:
                best = rate
            else:
                worst = rate
        return {
            "max_sustainable_per_s": best,
            "first_unsustainable_per_s": worst,
            "criteria": (
                f"no lost or duplicated reply, p95 <= {config.sustainable_p95_ms:.0f} ms, "
                "throughput >= 95% of offered, no early abort on backlog, p50 of the last third "
                "<= 2x p50 of the first third + 50 ms"
            ),
            "steps": [_brief(step) for step in steps],
        }


def _brief(result: dict[str, Any]) -> dict[str, Any]:
    keys = ("rate", "offered_updates", "throughput_per_s", "lost", "duplicated", "sustainable")
    brief = {key: result[key] for key in keys}
    brief["p95_ms"] = result["latency_ms"].get("p95")
    brief["p50_ms"] = result["latency_ms"].get("p50")
    brief["aborted_after_s"] = result["aborted_after_s"]
    return brief


async def run_backend(
    backend: str,
    database_url: str,
    *,
    kb: KnowledgeBase,
    nlu_url: str,
    nlu_token: str,
    config: E2eConfig,
    seed: int,
    profile: Path | None = None,
    variant: tuple[str, ...] = (),
) -> dict[str, Any]:
    api = TimedFakeBotApi(token=TOKEN)
    await api.start()
    scenario = Scenario(holdout_questions(), kb, config.escalation_share, config.think_seconds)
    runner = Runner(api, scenario, config, seed)
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-e2e-{backend}-"))
    stop = asyncio.Event()
    try:
        started = time.perf_counter()
        async with bot_process(
            api,
            database_url=database_url,
            nlu_url=nlu_url,
            nlu_token=nlu_token,
            workdir=workdir,
            profile=profile,
            variant=variant,
        ) as bot:
            startup_s = time.perf_counter() - started
            rss_start = tree_rss_mb(bot.pid)
            sampler = asyncio.create_task(_sample_rss(bot, stop))
            await runner.run(min(config.rates[0], 10.0), config.warmup_seconds, bot)
            runs = []
            for rate, duration in zip(config.rates, config.durations, strict=True):
                runs.append(await runner.run(rate, duration, bot))
            search = await runner.search(bot) if config.search else None
            stop.set()
            await sampler
            rss = [x for x in bot.rss_samples if x == x]
        return {
            "backend": backend,
            "variant": " ".join(variant) or None,
            "startup_s": round(startup_s, 1),
            "bot_rss_mb": {"after_start": rss_start, "peak": max(rss, default=None)},
            "runs": runs,
            "search": search,
            "bot_log_errors": _errors(workdir / "bot.log"),
        }
    finally:
        stop.set()
        await api.stop()


def _errors(log: Path) -> list[str]:
    """Error lines of the bot's log and the exception that ended each traceback."""
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    found = [
        line[:300]
        for line in lines
        if " ERROR " in line or re.match(r"^[\w.]+(Error|Exception)\b", line)
    ]
    return found[:20]


async def run_e2e(
    backends: tuple[str, ...],
    *,
    kb: KnowledgeBase,
    nlu_url: str,
    nlu_token: str,
    postgres_url: str | None,
    config: E2eConfig,
    seed: int,
    profile_dir: Path | None = None,
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    plain = (config, ())
    tried = [
        (
            replace(
                config,
                rates=config.variant_rates,
                durations=config.variant_durations,
                warmup_seconds=min(config.warmup_seconds, 3.0),
            ),
            variant,
        )
        for variant in config.variants
    ]
    for backend in backends:
        for run_config, variant in [plain, *tried]:
            key = backend if not variant else f"{backend} {' '.join(variant)}"
            profile = None
            if profile_dir and not variant:
                profile = profile_dir / f"profile-bot-{backend}.txt"
            async with _database(backend, postgres_url) as url:
                if url is None:
                    results[key] = {"backend": backend, "skipped": "no PostgreSQL server given"}
                    continue
                results[key] = await run_backend(
                    backend, url, kb=kb, nlu_url=nlu_url, nlu_token=nlu_token,
                    config=run_config, seed=seed, profile=profile, variant=variant,
                )  # fmt: skip
    return results


@contextlib.asynccontextmanager
async def _database(backend: str, postgres_url: str | None) -> AsyncIterator[str | None]:
    """A fresh database for one bot: a new SQLite file, or a new PostgreSQL database."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench-sqlite-") as folder:
            yield f"sqlite+aiosqlite:///{folder}/bench.db"
    elif backend == "postgresql":
        if postgres_url is None:
            yield None
            return
        async with fresh_database(postgres_url, "e2e") as url:
            yield url
    else:
        raise ValueError(f"unknown backend {backend}")
