"""`make bench` in miniature (`--quick` sizes), so the benchmark cannot rot unnoticed.

Checks the structure and sanity of the results (every update answered exactly once, no double
claim), never timing targets. Results go to a temporary folder, never into bench/results.*.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bench.config import QUICK
from bench.runner import NluServer, run_bench
from nlu.sidecar import RasaSidecar

pytestmark = pytest.mark.rasa


def nlu_server(sidecar: RasaSidecar) -> NluServer:
    return NluServer(sidecar.url, sidecar.token, sidecar.pid)


def assert_e2e_clean(result: dict[str, Any]) -> None:
    runs = result["runs"] + result["search"]["steps"]
    assert runs
    for run in runs:
        assert (run["lost"], run["duplicated"]) == (0, 0)
    for run in result["runs"]:
        assert run["answered"] == run["offered_updates"] > 0
        assert run["replies"]["received"] == run["replies"]["expected"] > 0
        assert run["latency_ms"]["n"] == run["answered"]
    assert result["bot_rss_mb"]["peak"] > 0
    assert result["bot_log_errors"] == []


async def test_quick_bench_without_postgres(rasa_server: RasaSidecar, tmp_path: Path) -> None:
    config = replace(
        QUICK, backends=("sqlite",), sections=("nlu", "micro", "e2e", "growth", "training")
    )

    results = await run_bench(
        config, out_dir=tmp_path, postgres_url=None, nlu_server=nlu_server(rasa_server)
    )

    written = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert written["targets"] == results["targets"]
    assert "# Benchmark results" in (tmp_path / "results.md").read_text(encoding="utf-8")
    assert set(written) >= {"environment", "nlu", "langdetect", "kb_lookup", "e2e", "kb_growth"}
    nlu = written["nlu"]
    assert nlu["languages"] == ["bg", "en", "ka", "ro", "ru", "uk"]
    assert nlu["sequential"]["errors"] == nlu["concurrent"]["errors"] == 0
    assert nlu["sequential"]["latency_ms"]["n"] == QUICK.nlu_questions
    assert nlu["server_rss_mb"]["after_load"] > 0
    assert written["training"]["seconds"] > 0
    assert written["langdetect"]["latency_us"]["n"] == QUICK.micro_calls
    assert written["kb_lookup"]["found"] > 0
    assert [g["factor"] for g in written["kb_growth"]] == list(QUICK.kb_factors)
    assert written["kb_growth"][1]["articles"] == 2 * written["kb_growth"][0]["articles"]
    assert set(written["e2e"]) == {"sqlite", "sqlite --concurrent 8"}
    for result in written["e2e"].values():
        assert_e2e_clean(result)
    assert {row["name"] for row in written["targets"]} >= {"NLU parse p50, sequential"}


@pytest.mark.postgres
async def test_quick_bench_on_postgres(
    rasa_server: RasaSidecar, postgres_url: str, tmp_path: Path
) -> None:
    config = replace(
        QUICK,
        backends=("postgresql",),
        sections=("e2e", "tickets"),
        e2e=replace(QUICK.e2e, variants=()),  # the variant launcher is covered on SQLite
    )

    results = await run_bench(
        config, out_dir=tmp_path, postgres_url=postgres_url, nlu_server=nlu_server(rasa_server)
    )

    assert results["environment"]["postgresql"]
    for result in results["e2e"].values():
        assert_e2e_clean(result)
    for claims in results["tickets"]["claims"]:
        assert claims["claims"] == QUICK.claim_tickets
        assert claims["attempts"] == QUICK.claim_tickets * QUICK.claim_staff
        assert (
            claims["double_claims"],
            claims["unclaimed"],
            claims["row_mismatches"],
            claims["audit_mismatches"],
        ) == (0, 0, 0, 0)
    [queue] = results["tickets"]["queue"]
    assert (queue["rows"], queue["returned"], queue["oldest_first"]) == (1000, 20, True)
    assert "Limit" in queue["plan"]
    inbox = results["tickets"]["inbox"]
    assert (inbox["rows"], inbox["shown"]) == (1000, 20)  # every open request listed
    assert inbox["latency_ms"]["n"] == QUICK.inbox_calls
