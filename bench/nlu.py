"""The Rasa server: `POST /model/parse` latency and throughput, its memory, training time."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.questions import Question, sample
from bench.stats import summary_ms, tree_rss_mb
from bot.services import nlu_paths
from bot.settings import Settings
from nlu.client import RasaClient
from nlu.training import NluPaths, train

TINY_DATA = """version: "3.1"
nlu:
- intent: greet
  examples: |
    - hello there
    - hi, good morning
    - salut, buna ziua
- intent: doc_passport
  examples: |
    - how do I get a new passport
    - cum imi fac pasaport nou
    - как получить новый паспорт
"""


async def parse_latency(
    url: str, token: str, questions: list[Question], *, clients: int
) -> dict[str, Any]:
    """Parse every question with `clients` concurrent RasaClients (the bot's own client)."""
    queue: asyncio.Queue[Question] = asyncio.Queue()
    for question in questions:
        queue.put_nowait(question)
    durations: list[float] = []
    errors = 0

    async def worker() -> None:
        nonlocal errors
        client = RasaClient(url, token=token, timeout=30.0)
        try:
            while not queue.empty():
                question = queue.get_nowait()
                started = time.perf_counter()
                try:
                    await client.parse(question.text)
                except Exception:  # noqa: BLE001 - counted, the run goes on
                    errors += 1
                    continue
                durations.append(time.perf_counter() - started)
        finally:
            await client.aclose()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    wall = time.perf_counter() - started
    return {
        "clients": clients,
        "requests": len(questions),
        "errors": errors,
        "latency_ms": summary_ms(durations),
        "requests_per_s": round(len(durations) / wall, 1),
        "wall_s": round(wall, 2),
    }


async def run_nlu(
    url: str, token: str, pid: int | None, *, count: int, clients: int, seed: int
) -> dict[str, Any]:
    """Sequential and concurrent parse latency over held-out questions, and the server's RSS."""
    questions = sample(count, random.Random(seed))
    rss_idle = tree_rss_mb(pid) if pid else None
    # Warm-up: the first requests load lazily initialised parts of the pipeline.
    await parse_latency(url, token, questions[:20], clients=1)
    sequential = await parse_latency(url, token, questions, clients=1)
    concurrent = await parse_latency(url, token, questions, clients=clients)
    languages = sorted({q.language for q in questions})
    return {
        "questions": len(questions),
        "languages": languages,
        "sequential": sequential,
        "concurrent": concurrent,
        "server_rss_mb": {"idle": rss_idle, "after_load": tree_rss_mb(pid) if pid else None},
    }


def run_training(settings: Settings, *, data: str) -> dict[str, Any]:
    """Time `rasa train nlu` into a fresh models folder (so no cached model is reused)."""
    base = nlu_paths(settings)
    workdir = Path(tempfile.mkdtemp(prefix="bench-train-"))
    try:
        data_dir = base.data_dir
        if data == "tiny":
            data_dir = workdir / "data"
            data_dir.mkdir()
            (data_dir / "tiny.yml").write_text(TINY_DATA, encoding="utf-8")
        paths = NluPaths(
            venv=base.venv, config=base.config, data_dir=data_dir, models_dir=workdir / "models"
        )
        # Rasa caches trained components by fingerprint (~/.rasa/cache or RASA_CACHE_DIRECTORY):
        # point it at an empty folder, or an unchanged pipeline "trains" in seconds.
        previous = os.environ.get("RASA_CACHE_DIRECTORY")
        os.environ["RASA_CACHE_DIRECTORY"] = str(workdir / "rasa-cache")
        try:
            started = time.perf_counter()
            model = train(paths, force=True)
            seconds = time.perf_counter() - started
        finally:
            if previous is None:
                os.environ.pop("RASA_CACHE_DIRECTORY", None)
            else:
                os.environ["RASA_CACHE_DIRECTORY"] = previous
        return {
            "data": data,
            "data_files": len(list(data_dir.glob("*.yml"))),
            "seconds": round(seconds, 1),
            "model_mb": round(model.stat().st_size / 2**20, 1),
        }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
