"""Run the benchmark sections and write `results.json` and `results.md`."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bench import e2e, growth, micro, nlu, tickets, web
from bench.config import FULL, QUICK, BenchConfig
from bench.pg import server_version
from bench.report import targets, write_results
from bench.stats import environment
from bot.logs import quiet_libraries
from bot.services import nlu_paths
from bot.settings import ROOT, Settings
from knowledge import load_knowledge
from nlu.sidecar import RasaSidecar
from nlu.training import train

log = logging.getLogger("bench")
BENCH_DIR = ROOT / "bench"


@dataclass(frozen=True)
class NluServer:
    url: str
    token: str
    pid: int | None


@asynccontextmanager
async def rasa_server(settings: Settings) -> AsyncIterator[NluServer]:
    """The Rasa server with the repository's model (trained first if needed).

    It serves a private copy: training for changed data elsewhere deletes older models.
    """
    paths = nlu_paths(settings)
    model = await asyncio.to_thread(train, paths)
    with tempfile.TemporaryDirectory(prefix="bench-model-") as folder:
        copy = Path(folder) / model.name
        shutil.copyfile(model, copy)
        sidecar = RasaSidecar(paths, copy, startup_timeout=300)
        sidecar.start()
        try:
            await sidecar.wait_ready()
            yield NluServer(sidecar.url, sidecar.token, sidecar.pid)
        finally:
            await sidecar.stop()


async def run_bench(
    config: BenchConfig,
    *,
    out_dir: Path,
    postgres_url: str | None,
    nlu_server: NluServer | None = None,
    profile_dir: Path | None = None,
) -> dict[str, Any]:
    """Run the configured sections; write results.json and results.md into out_dir."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    results: dict[str, Any] = {"environment": environment(settings.nlu_venv)}
    results["config"] = config.as_json()
    if postgres_url:
        results["environment"]["postgresql"] = await server_version(postgres_url)
    kb = load_knowledge(settings.knowledge_dir)
    sections = set(config.sections)
    timings: dict[str, float] = {}

    async def with_nlu(server: NluServer) -> None:
        if "nlu" in sections:
            started = time.perf_counter()
            log.info("NLU parse latency")
            results["nlu"] = await nlu.run_nlu(
                server.url,
                server.token,
                server.pid,
                count=config.nlu_questions,
                clients=config.nlu_clients,
                seed=config.seed,
            )
            timings["nlu"] = time.perf_counter() - started
        if "e2e" in sections:
            started = time.perf_counter()
            log.info("end to end")
            results["e2e"] = await e2e.run_e2e(
                config.backends,
                kb=kb,
                nlu_url=server.url,
                nlu_token=server.token,
                postgres_url=postgres_url,
                config=config.e2e,
                seed=config.seed,
                profile_dir=profile_dir,
            )
            timings["e2e"] = time.perf_counter() - started

    if sections & {"nlu", "e2e"}:
        if nlu_server is not None:
            await with_nlu(nlu_server)
        else:
            async with rasa_server(settings) as server:
                await with_nlu(server)
    if "micro" in sections:
        started = time.perf_counter()
        log.info("language detection and knowledge lookup")
        results["langdetect"] = micro.run_langdetect(
            settings, kb, calls=config.micro_calls, seed=config.seed
        )
        results["kb_lookup"] = micro.lookup_latency(kb, calls=config.kb_lookups, seed=config.seed)
        timings["micro"] = time.perf_counter() - started
    if "tickets" in sections:
        started = time.perf_counter()
        if postgres_url is None:
            results["tickets"] = {"skipped": "no PostgreSQL server given"}
        else:
            log.info("ticket claims and /queue")
            results["tickets"] = {
                "claims": [
                    await tickets.run_claims(
                        postgres_url,
                        ticket_count=config.claim_tickets,
                        staff=config.claim_staff,
                        order=order,
                    )
                    for order in ("shuffled", "same")
                ],
                "queue": [
                    await tickets.run_queue(
                        postgres_url,
                        rows=rows,
                        open_share=config.queue_open_share,
                        calls=config.queue_calls,
                    )
                    for rows in config.queue_rows
                ],
                "inbox": await web.run_inbox(
                    postgres_url,
                    rows=config.inbox_rows,
                    open_share=config.queue_open_share,
                    calls=config.inbox_calls,
                ),
            }
        timings["tickets"] = time.perf_counter() - started
    if "growth" in sections:
        started = time.perf_counter()
        log.info("knowledge base growth")
        results["kb_growth"] = growth.run_growth(
            settings.knowledge_dir,
            factors=config.kb_factors,
            lookups=config.kb_lookups,
            seed=config.seed,
        )
        timings["growth"] = time.perf_counter() - started
    if "training" in sections:
        started = time.perf_counter()
        log.info("training time (%s data)", config.train_data)
        results["training"] = await asyncio.to_thread(
            nlu.run_training, settings, data=config.train_data
        )
        timings["training"] = time.perf_counter() - started
    results["section_seconds"] = {k: round(v, 1) for k, v in timings.items()}
    results["targets"] = targets(results)
    findings = BENCH_DIR / "findings.md"
    write_results(results, out_dir, findings if findings.exists() else None)
    return results


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (the smoke test)")
    parser.add_argument("--out", type=Path, default=BENCH_DIR, help="folder for results.*")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL"),
        help="a PostgreSQL server (default: BENCH_POSTGRES_URL or TEST_POSTGRES_URL)",
    )
    parser.add_argument("--sections", help=f"comma-separated subset of {','.join(FULL.sections)}")
    parser.add_argument("--backends", help="comma-separated subset of sqlite,postgresql")
    parser.add_argument("--rates", help="comma-separated offered updates/s of the fixed runs")
    parser.add_argument("--duration", type=float, help="seconds of each fixed-rate run")
    parser.add_argument("--no-search", action="store_true", help="skip the max-rate search")
    parser.add_argument(
        "--profile", action="store_true", help="run the bot under pyinstrument (e2e section)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    quiet_libraries()  # httpx would log the Rasa server's URLs, auth token included
    config = QUICK if args.quick else FULL
    if args.sections:
        config = replace(config, sections=tuple(args.sections.split(",")))
    if args.backends:
        config = replace(config, backends=tuple(args.backends.split(",")))
    if args.rates:
        rates = tuple(float(r) for r in args.rates.split(","))
        durations = (args.duration or 15.0,) * len(rates)
        config = replace(config, e2e=replace(config.e2e, rates=rates, durations=durations))
    elif args.duration:
        durations = (args.duration,) * len(config.e2e.rates)
        config = replace(config, e2e=replace(config.e2e, durations=durations))
    if args.no_search:
        config = replace(config, e2e=replace(config.e2e, search=False))
    args.out.mkdir(parents=True, exist_ok=True)
    results = asyncio.run(
        run_bench(
            config,
            out_dir=args.out,
            postgres_url=args.postgres_url,
            profile_dir=args.out if args.profile else None,
        )
    )
    print(json.dumps(results["targets"], indent=2, ensure_ascii=False))
    return 0
