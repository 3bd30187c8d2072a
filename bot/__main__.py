"""Command line: `python -m bot run|shell|ask|train|kb|db`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import date
from pathlib import Path

from bot.errors import AssistantError, KnowledgeError
from bot.logs import configure_logging
from bot.settings import ROOT, Settings

log = logging.getLogger("bot")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings()
    quiet = args.command in ("ask", "shell", "eval")
    configure_logging("WARNING" if quiet else settings.log_level)
    try:
        return int(args.handler(settings, args) or 0)
    except KnowledgeError as exc:
        print("The knowledge base has errors:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run the Telegram bot").set_defaults(handler=_run)
    commands.add_parser("shell", help="chat with the assistant in the terminal").set_defaults(
        handler=_shell
    )
    ask = commands.add_parser("ask", help="questions on stdin, JSON decisions on stdout")
    ask.add_argument("--jsonl", action="store_true", required=True)
    ask.add_argument("--country", default="md")
    ask.add_argument("--language", default=None, help="the user's chosen language")
    ask.set_defaults(handler=_ask)
    evaluate = commands.add_parser("eval", help="score the NLU on the held-out set")
    evaluate.add_argument("--report", type=Path, default=ROOT / "nlu" / "reports" / "eval")
    evaluate.add_argument("--country", default="md")
    evaluate.set_defaults(handler=_eval)
    train = commands.add_parser("train", help="train the NLU model if its inputs changed")
    train.add_argument("--force", action="store_true")
    train.set_defaults(handler=_train)
    kb = commands.add_parser("kb", help="knowledge base tools").add_subparsers(
        dest="kb_command", required=True
    )
    kb.add_parser("check", help="validate content and NLU data").set_defaults(handler=_kb_check)
    coverage = kb.add_parser("coverage", help="article × country × language table")
    coverage.add_argument("--markdown", type=Path, default=ROOT / "docs" / "coverage.md")
    coverage.set_defaults(handler=_kb_coverage)
    db = commands.add_parser("db", help="database tools").add_subparsers(
        dest="db_command", required=True
    )
    db.add_parser("upgrade", help="apply migrations").set_defaults(handler=_db_upgrade)
    return parser


def _run(settings: Settings, args: argparse.Namespace) -> int:
    from telegram import Update

    from bot.app import build_application
    from knowledge import load_knowledge

    kb = load_knowledge(settings.knowledge_dir)  # broken content stops start-up here
    application = build_application(settings, kb)
    application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


def _shell(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services import running_services
    from bot.shell import run_shell

    async def session() -> None:
        print("Starting the assistant (the NLU server takes a few seconds)...", file=sys.stderr)
        async with running_services(settings) as services:
            await run_shell(services)

    asyncio.run(session())
    return 0


def _ask(settings: Settings, args: argparse.Namespace) -> int:
    from bot.ask import ask_lines, stdin_lines
    from bot.services import running_services

    async def session() -> None:
        async with running_services(settings) as services:
            await ask_lines(
                services.dialogue,
                stdin_lines(),
                country=args.country,
                language=args.language or settings.default_language,
                out=sys.stdout,
            )

    asyncio.run(session())
    return 0


def _eval(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services import running_services
    from nlu.evaluate import evaluate, write_report

    async def session() -> None:
        async with running_services(settings) as services:
            result = await evaluate(
                services.dialogue, ROOT / "nlu" / "tests" / "holdout", country=args.country
            )
        thresholds = {
            "answer": settings.answer_threshold,
            "margin": settings.answer_margin,
            "clarify": settings.clarify_threshold,
        }
        write_report(result, args.report, thresholds=thresholds)
        print(args.report.with_suffix(".md").read_text(encoding="utf-8"))

    asyncio.run(session())
    return 0


def _train(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services import nlu_paths
    from nlu.training import train

    print(train(nlu_paths(settings), force=args.force))
    return 0


def _kb_check(settings: Settings, args: argparse.Namespace) -> int:
    from knowledge.check import check

    report = check(
        settings.knowledge_dir,
        settings.nlu_data_dir,
        max_age_days=settings.kb_max_age_days,
        today=date.today(),
    )
    for warning in report.warnings:
        print(f"warning: {warning}")
    for error in report.errors:
        print(f"error: {error}")
    print(f"kb check: {len(report.errors)} errors, {len(report.warnings)} warnings")
    return 0 if report.ok else 1


def _kb_coverage(settings: Settings, args: argparse.Namespace) -> int:
    from knowledge import load_knowledge
    from knowledge.check import as_markdown, as_text, coverage

    rows = coverage(load_knowledge(settings.knowledge_dir))
    print(as_text(rows))
    args.markdown.parent.mkdir(parents=True, exist_ok=True)
    args.markdown.write_text("# Knowledge coverage\n\n" + as_markdown(rows), encoding="utf-8")
    print(f"\nwritten to {args.markdown}")
    return 0


def _db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from bot.db import create_engine, migrate

    async def upgrade() -> None:
        engine = create_engine(settings.database_url)
        await migrate(engine)
        await engine.dispose()

    asyncio.run(upgrade())
    return 0


if __name__ == "__main__":
    sys.exit(main())
