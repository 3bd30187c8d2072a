"""The targets, and results.json / results.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

BACKEND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _run_at(results: dict[str, Any], backend: str, rate: float) -> dict[str, Any] | None:
    for run in results.get("e2e", {}).get(backend, {}).get("runs", []):
        if run["rate"] == rate:
            return dict(run)
    return None


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target with the measured value and whether it is met (None: not measured)."""
    rows: list[dict[str, Any]] = []

    def add(name: str, target: str, actual: Any, met: bool | None) -> None:
        rows.append({"name": name, "target": target, "actual": actual, "met": met})

    for backend, label in BACKEND_NAMES.items():
        run = _run_at(results, backend, 30.0)
        if run is None:
            continue
        p95 = run["latency_ms"].get("p95")
        clean = run["lost"] == 0 and run["duplicated"] == 0
        add(
            f"end-to-end p95 at 30 updates/s, {run['offered_s']:.0f} s ({label})",
            "<= 100 ms, 0 lost, 0 duplicated",
            f"{p95} ms, {run['lost']} lost, {run['duplicated']} duplicated",
            p95 is not None and p95 <= 100 and clean,
        )
    for backend, label in BACKEND_NAMES.items():
        search = (results.get("e2e", {}).get(backend) or {}).get("search")
        if search:
            best = search["max_sustainable_per_s"]
            add(
                f"max sustainable updates/s ({label})",
                ">= 150",
                best,
                best is not None and best >= 150,
            )
    if "nlu" in results:
        p50 = results["nlu"]["sequential"]["latency_ms"]["p50"]
        add("NLU parse p50, sequential", "<= 10 ms", f"{p50} ms", p50 <= 10)
    if "langdetect" in results:
        lat = results["langdetect"]["latency_us"]
        add(
            "language detection per call (p95)",
            "<= 1 ms",
            f"p50 {lat['p50'] / 1000:.3f} ms, p95 {lat['p95'] / 1000:.3f} ms",
            lat["p95"] <= 1000,
        )
    peaks = [
        b["bot_rss_mb"]["peak"]
        for b in results.get("e2e", {}).values()
        if isinstance(b, dict) and b.get("bot_rss_mb", {}).get("peak") is not None
    ]
    if peaks:
        add("bot RSS (peak over all runs)", "<= 200 MB", f"{max(peaks)} MB", max(peaks) <= 200)
    inbox = (results.get("tickets") or {}).get("inbox")
    if inbox and inbox["rows"] >= 100_000:
        p95 = inbox["latency_ms"]["p95"]
        add(
            f"web inbox page at {inbox['rows']:,} tickets (p95, PostgreSQL)",
            "<= 100 ms",
            f"{p95} ms",
            p95 <= 100,
        )
    for queue in (results.get("tickets") or {}).get("queue", []):
        if queue["rows"] >= 1_000_000:
            p95 = queue["latency_ms"]["p95"]
            add(
                f"/queue at {queue['rows']:,} tickets (p95)",
                "<= 50 ms",
                f"{p95} ms",
                p95 <= 50,
            )
    return rows


def _lat(summary: dict[str, Any], unit: str = "ms") -> str:
    if not summary or not summary.get("n"):
        return "–"
    return f"{summary['p50']} / {summary['p95']} / {summary['p99']} {unit}"


def _mark(met: bool | None) -> str:
    return {True: "✅ met", False: "❌ not met", None: "–"}[met]


def render(results: dict[str, Any], findings: str | None) -> str:
    env = results["environment"]
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m bench`); the raw numbers are in `results.json`.",
        "",
        f"- date: {env['date']}" + (" (quick run)" if results["config"]["quick"] else ""),
        f"- CPU: {env['cpu_model']}, {env['cpu_cores']} cores, {env['memory_gb']} GB RAM; "
        f"load average at start {env['load_average_at_start']}",
        f"- Python {env['python']}, Rasa {env['rasa']}, python-telegram-bot "
        f"{env['python_telegram_bot']}, SQLAlchemy {env['sqlalchemy']}, PostgreSQL "
        f"{env['postgresql'] or '–'} (asyncpg {env['asyncpg']}), aiosqlite {env['aiosqlite']}, "
        f"httpx {env['httpx']}, lingua {env['lingua']}",
        "",
        "## Targets",
        "",
        "| target | wanted | measured | |",
        "|---|---|---|---|",
    ]
    for row in results["targets"]:
        met = _mark(row["met"])
        lines.append(f"| {row['name']} | {row['target']} | {row['actual']} | {met} |")
    if "nlu" in results:
        n = results["nlu"]
        lines += [
            "",
            f"## NLU: `POST /model/parse` ({n['questions']} held-out questions, "
            f"{', '.join(n['languages'])})",
            "",
            "| clients | p50 / p95 / p99 | requests/s | errors |",
            "|---|---|---|---|",
        ]
        for key in ("sequential", "concurrent"):
            r = n[key]
            lines.append(
                f"| {r['clients']} | {_lat(r['latency_ms'])} | {r['requests_per_s']} | "
                f"{r['errors']} |"
            )
        rss = n["server_rss_mb"]
        lines += ["", f"Rasa server RSS (process tree): {rss['idle']} MB idle, "
                  f"{rss['after_load']} MB after the load."]  # fmt: skip
    if "training" in results:
        t = results["training"]
        lines += [
            "",
            f"Training (`rasa train nlu`, {t['data']} data, into an empty models folder): "
            f"{t['seconds']} s, model {t['model_mb']} MB.",
        ]
    if "langdetect" in results:
        d, k = results["langdetect"], results["kb_lookup"]
        lines += [
            "",
            "## Language detection and knowledge lookup (per call, p50 / p95 / p99)",
            "",
            f"- `LanguageDetector.detect`: {_lat(d['latency_us'], 'µs')} over {d['calls']} "
            f"questions (accuracy against the question's language {d['accuracy']}); building "
            f"the detector {d['build_s']} s",
            f"- `KnowledgeBase.resolve`: {_lat(k['latency_us'], 'µs')} (tight loop mean "
            f"{k['loop_mean_us']} µs)",
        ]
    for backend, r in (results.get("e2e") or {}).items():
        name, _, variant = backend.partition(" ")
        label = BACKEND_NAMES.get(name, name)
        if variant:
            label += f", proposed change applied (`python -m bench.variant {variant}`)"
        lines += ["", f"## End to end, {label}", ""]
        if "skipped" in r:
            lines.append(f"Skipped: {r['skipped']}.")
            continue
        lines += [
            f"Bot (`python -m bot run`) started in {r['startup_s']} s; RSS "
            f"{r['bot_rss_mb']['after_start']} MB after start, peak {r['bot_rss_mb']['peak']} MB.",
            "Latency: from the update being offered in a getUpdates response to the last "
            "expected reply arriving at the fake Bot API.",
            "",
            "| offered/s | offered | s | answered/s | p50 / p95 / p99 | lost | dup | "
            "backlog at end | poll delay p95 | RSS peak |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for run in r["runs"]:
            aborted = f" (aborted at {run['aborted_after_s']} s)" if run["aborted_after_s"] else ""
            lines.append(
                f"| {run['rate']:g} | {run['offered_updates']} | {run['offered_s']}{aborted} | "
                f"{run['throughput_per_s']} | {_lat(run['latency_ms'])} | {run['lost']} | "
                f"{run['duplicated']} | {run['backlog_at_end']} | "
                f"{run['poll_delay_ms'].get('p95', '–')} ms | {run['bot_rss_mb']['peak']} MB |"
            )
        if r["runs"]:
            kinds = r["runs"][min(1, len(r["runs"]) - 1)]
            lines += ["", f"By kind of update at {kinds['rate']:g}/s (p50 / p95 / p99):", ""]
            for kind, summary in kinds["latency_ms_by_kind"].items():
                lines.append(f"- {kind}: {_lat(summary)} (n={summary['n']})")
        search = r.get("search")
        if search:
            lines += [
                "",
                f"Highest sustainable rate: **{search['max_sustainable_per_s']}/s** (first "
                f"unsustainable: {search['first_unsustainable_per_s'] or 'not reached'}). "
                "Sustainable: "
                f"{search['criteria']}.",
                "",
                "| offered/s | answered/s | p50 | p95 | lost | dup | sustainable |",
                "|---|---|---|---|---|---|---|",
            ]
            for step in search["steps"]:
                aborted = (
                    f" (aborted at {step['aborted_after_s']} s)" if step["aborted_after_s"] else ""
                )
                lines.append(
                    f"| {step['rate']:g} | {step['throughput_per_s']} | {step['p50_ms']} | "
                    f"{step['p95_ms']}{aborted} | {step['lost']} | {step['duplicated']} | "
                    f"{'yes' if step['sustainable'] else 'no'} |"
                )
        if r.get("bot_log_errors"):
            lines += ["", "Errors in the bot's log:", "", "```"]
            lines += r["bot_log_errors"]
            lines += ["```"]
    t = results.get("tickets")
    if t and "claims" in t:
        lines += ["", "## Ticket store (PostgreSQL)", ""]
        for c in t["claims"]:
            how = {
                "same": "all in the same order (every ticket contested by all at once)",
                "shuffled": "each in its own random order",
            }[c["order"]]
            lines.append(
                f"- Claims, {c['staff']} staff trying every one of {c['tickets']} tickets, {how}: "
                f"**{c['claims_per_s']} claims/s** ({c['attempts_per_s']} attempts/s, "
                f"{c['wall_s']} s); double claims {c['double_claims']}, unclaimed "
                f"{c['unclaimed']}, rows not matching the winner {c['row_mismatches']}, audit "
                f"trail mismatches {c['audit_mismatches']}."
            )
        lines += [
            "",
            "| tickets | open | `/queue` p50 / p95 / p99 | index used | insert |",
            "|---|---|---|---|---|",
        ]
        for q in t["queue"]:
            lines.append(
                f"| {q['rows']:,} | {q['open']:,} | {_lat(q['latency_ms'])} | "
                f"{'yes' if q['index_used'] else 'no'} | {q['insert_s']} s |"
            )
        if t.get("inbox"):
            i = t["inbox"]
            lines += [
                "",
                f"Web inbox (`GET /`, the real ASGI app, logged in) over {i['rows']:,} tickets, "
                f"{i['open']:,} open, {i['shown']} shown ({i['page_kb']} kB): "
                f"{_lat(i['latency_ms'])}.",
            ]
        if t["queue"]:
            q = t["queue"][-1]
            lines += ["", f"Plan at {q['rows']:,} tickets:", "", "```", q["plan"], "```"]
    if results.get("kb_growth"):
        lines += [
            "",
            "## Knowledge base growth (synthetic copies of the real articles)",
            "",
            "| size | articles | answer files | load | resolve p50 / p95 / p99 | memory retained "
            "(peak) |",
            "|---|---|---|---|---|---|",
        ]
        for g in results["kb_growth"]:
            lines.append(
                f"| {g['factor']}× | {g['articles']} | {g['answer_files']} | {g['load_s']} s | "
                f"{_lat(g['lookup_us'], 'µs')} | {g['memory_retained_mb']} MB "
                f"({g['memory_peak_mb']} MB) |"
            )
    lines += [
        "",
        "Section durations (s): "
        + ", ".join(f"{k} {v}" for k, v in results["section_seconds"].items()),
    ]
    if findings:
        lines += ["", findings.strip()]
    return "\n".join(lines) + "\n"


def write_results(results: dict[str, Any], out_dir: Path, findings: Path | None) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    text = findings.read_text(encoding="utf-8") if findings else None
    (out_dir / "results.md").write_text(render(results, text), encoding="utf-8")
