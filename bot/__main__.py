"""Command line: `python -m bot run|shell|ask|eval|train|kb|stats|db`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.errors import AssistantError, KnowledgeError
from bot.logs import configure_logging
from bot.settings import ROOT, Settings, load_settings

log = logging.getLogger("bot")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        quiet = args.command in ("ask", "shell", "eval", "kb", "stats")
        configure_logging("WARNING" if quiet else settings.log_level)
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
    run = commands.add_parser("run", help="run the Telegram bot")
    run.add_argument("--web", action="store_true", help="serve the web back office too")
    run.set_defaults(handler=_run)
    commands.add_parser("shell", help="chat with the assistant in the terminal").set_defaults(
        handler=_shell
    )
    ask = commands.add_parser("ask", help="questions on stdin, JSON decisions on stdout")
    ask.add_argument("--jsonl", action="store_true", required=True)
    ask.add_argument(
        "--situation",
        "--country",
        dest="country",
        default="md",
        help="the situation (catalog.yml): md, ge, bg or avrr-bg",
    )
    ask.add_argument("--language", default=None, help="the user's chosen language")
    ask.set_defaults(handler=_ask)
    evaluate = commands.add_parser("eval", help="score the NLU on the held-out sets")
    evaluate.add_argument("--report", type=Path, default=ROOT / "nlu" / "reports" / "eval")
    evaluate.add_argument(
        "--situation",
        "--country",
        dest="country",
        default=None,
        help="ask every example in this situation (default: per language, the first situation "
        "served in it)",
    )
    evaluate.add_argument(
        "--sets",
        nargs="+",
        default=["holdout", "holdout_real"],
        metavar="NAME",
        help="folders under nlu/tests/ (default: holdout holdout_real)",
    )
    evaluate.add_argument(
        "--urgent-only",
        action="store_true",
        help="score only the urgency detector on nlu/tests/urgent (needs no NLU server)",
    )
    evaluate.set_defaults(handler=_eval)
    train = commands.add_parser("train", help="train the NLU model if its inputs changed")
    train.add_argument("--force", action="store_true")
    train.set_defaults(handler=_train)
    kb = commands.add_parser("kb", help="knowledge base tools").add_subparsers(
        dest="kb_command", required=True
    )
    kb_check = kb.add_parser("check", help="validate content and NLU data")
    kb_check.add_argument(
        "--strict",
        action="store_true",
        help="answers reviewed more than KB_MAX_AGE_DAYS ago are errors, not warnings",
    )
    kb_check.set_defaults(handler=_kb_check)
    coverage = kb.add_parser("coverage", help="article × country × language table")
    coverage.add_argument("--markdown", type=Path, default=ROOT / "docs" / "coverage.md")
    coverage.set_defaults(handler=_kb_coverage)
    preview = kb.add_parser("preview", help="show an answer as the bot sends it")
    preview.add_argument("article", help="article id, e.g. doc_passport")
    preview.add_argument(
        "--country", "--situation", dest="country", required=True, help="md, ge, bg or avrr-bg"
    )
    preview.add_argument("--language", help="default: every language of the situation")
    preview.set_defaults(handler=_kb_preview)
    export = kb.add_parser("export", help="write the answers to a spreadsheet for editors")
    export.add_argument("file", type=Path, metavar="FILE.xlsx")
    export.set_defaults(handler=_kb_export)
    load = kb.add_parser("import", help="apply an edited spreadsheet (shows the changes first)")
    load.add_argument("file", type=Path, metavar="FILE.xlsx")
    load.add_argument("--yes", action="store_true", help="write without asking")
    load.set_defaults(handler=_kb_import)
    stale = kb.add_parser("stale", help="answers to review again, translations to update")
    stale.add_argument("--days", type=_positive, help="maximum age (default: KB_MAX_AGE_DAYS)")
    stale.set_defaults(handler=_kb_stale)
    gaps = kb.add_parser("gaps", help="group the questions the bot failed, suggest fixes")
    gaps.add_argument("--language", help="only this language")
    gaps.add_argument("--since", type=_positive, default=30, metavar="DAYS", help="default 30")
    gaps.add_argument("--accept", action="store_true", help="add suggested training examples")
    gaps.add_argument("--yes", action="store_true", help="with --accept: accept all, no asking")
    gaps.set_defaults(handler=_kb_gaps)
    kb.add_parser(
        "reload", help="validate, then publish to the running bot (no restart)"
    ).set_defaults(handler=_kb_reload)
    stats = commands.add_parser("stats", help="questions, decisions, articles, ticket times")
    stats.add_argument("--days", type=_positive, default=7, help="the last N days (default 7)")
    stats.add_argument("--png", type=Path, metavar="FILE", help="also write a chart")
    stats.set_defaults(handler=_stats)
    commands.add_parser(
        "web", help="serve the web back office (WEB_LISTEN:WEB_PORT) against the database"
    ).set_defaults(handler=_web)
    staff = commands.add_parser("staff", help="hotline staff tools").add_subparsers(
        dest="staff_command", required=True
    )
    link = staff.add_parser("login-link", help="print a one-time login link to the web inbox")
    link.add_argument("telegram_id", type=int)
    link.set_defaults(handler=_login_link)
    db = commands.add_parser("db", help="database tools").add_subparsers(
        dest="db_command", required=True
    )
    db.add_parser("upgrade", help="apply migrations").set_defaults(handler=_db_upgrade)
    return parser


def _run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import CONFLICT_EXIT, run
    from knowledge import load_knowledge

    if args.web:
        settings = settings.model_copy(update={"web_in_bot": True})
        print(f"Web back office: {settings.web_url}", file=sys.stderr)
    kb = load_knowledge(settings.knowledge_dir)  # broken content stops start-up here
    if settings.webhook_url:
        settings.require_webhook_secret()  # before anything connects
    code = run(settings, kb)
    if code == CONFLICT_EXIT:
        print(
            "error: another instance of this bot is already running with the same token "
            "(Telegram answered Conflict); stop it first, or use a different token.",
            file=sys.stderr,
        )
    return code


def _shell(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services import running_services
    from bot.shell import run_shell
    from web import server

    async def session() -> None:
        print("Starting the assistant (the NLU server takes a few seconds)...", file=sys.stderr)
        async with running_services(settings) as services:
            web = server.make_server(services, settings)
            try:
                task = await server.start(web)
            except (OSError, SystemExit, RuntimeError) as exc:
                print(f"The web back office could not start ({exc}).", file=sys.stderr)
                await run_shell(services)
                return
            print(
                f"Web back office: {settings.web_url} (log in: python -m bot staff "
                "login-link TELEGRAM_ID)",
                file=sys.stderr,
            )
            try:
                await run_shell(services)
            finally:
                await server.stop(web, task)

    asyncio.run(session())
    return 0


def _web(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services import running_services
    from web import server

    # The back office never asks the NLU: it does not start a Rasa server of its own.
    settings = settings.model_copy(update={"nlu_url": settings.nlu_url or "http://127.0.0.1:9"})

    async def session() -> None:
        async with running_services(settings, wait_for_nlu=False) as services:
            web = server.make_server(services, settings)
            print(f"Web back office: {settings.web_url}", file=sys.stderr)
            await web.serve()

    asyncio.run(session())
    return 0


def _login_link(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services import running_services
    from web import server

    settings = settings.model_copy(update={"nlu_url": settings.nlu_url or "http://127.0.0.1:9"})

    async def session() -> str | None:
        async with running_services(settings, wait_for_nlu=False) as services:
            return await server.login_link(services, settings, args.telegram_id)

    url = asyncio.run(session())
    if url is None:
        raise AssistantError(f"{args.telegram_id} is not listed in STAFF: no login link")
    print(url)
    return 0


def _ask(settings: Settings, args: argparse.Namespace) -> int:
    from bot.ask import ask_lines, stdin_lines
    from bot.services import running_services

    async def session() -> None:
        async with running_services(settings) as services:
            if args.country not in services.kb.situations:
                known = ", ".join(services.kb.situations)
                raise AssistantError(f"unknown situation '{args.country}'; one of: {known}")
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
    from dataclasses import asdict

    from bot.services import running_services
    from nlu.evaluate import SetEvaluation, evaluate_folder
    from nlu.evaluation_report import write_report
    from nlu.urgent import UrgentDetector
    from nlu.urgent_eval import URGENT_SETS, Results, lexicon_judge, score
    from nlu.urgent_eval import write_report as urgent_eval_report

    urgent_folders = {name: ROOT / "nlu" / "tests" / name for name in URGENT_SETS}
    urgent_report = args.report.parent / "urgent"

    async def lexicon_only() -> Results:
        judge = lexicon_judge(UrgentDetector.load())
        return {"lexicon": {name: await score(judge, f) for name, f in urgent_folders.items()}}

    if args.urgent_only:
        print(urgent_eval_report(asyncio.run(lexicon_only()), urgent_report, today=date.today()))
        return 0
    folders = [ROOT / "nlu" / "tests" / name for name in args.sets]
    missing = [str(f) for f in folders if not any(f.glob("*.yml"))]
    if missing:
        raise AssistantError(f"no held-out files (<lang>.yml) in {', '.join(missing)}")

    async def session() -> None:
        results: list[SetEvaluation] = []
        async with running_services(settings) as services:
            dialogue = services.dialogue
            kb = dialogue.kb
            topics = {a.id: a.topic for a in kb.articles.values()}
            situations = {
                language: args.country or kb.situations_for(language)[0].id
                for language in kb.languages
            }
            for folder in folders:
                results.append(await evaluate_folder(dialogue, folder, topics, country=situations))
            thresholds = {
                k: v for k, v in asdict(dialogue.thresholds).items() if isinstance(v, int | float)
            }

            async def with_nlu(text: str, language: str) -> bool:
                understood = await dialogue.understand(text, language, situations[language])
                return understood.urgency.urgent

            urgent = await lexicon_only()
            urgent["lexicon + NLU urgency score"] = {
                name: await score(with_nlu, folder) for name, folder in urgent_folders.items()
            }
        write_report(results, args.report, thresholds=thresholds, today=date.today())
        print(args.report.with_suffix(".md").read_text(encoding="utf-8"))
        print(urgent_eval_report(urgent, urgent_report, today=date.today()))

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
        strict=getattr(args, "strict", False),
    )
    for warning in report.warnings:
        print(f"warning: {warning}")
    for error in report.errors:
        print(f"error: {error}")
    print(f"kb check: {len(report.errors)} errors, {len(report.warnings)} warnings")
    return 0 if report.ok else 1


def _kb_reload(settings: Settings, args: argparse.Namespace) -> int:
    """Check the content here first, then ask the running bot to publish it."""
    from bot.publishing import signal_running_bot

    if _kb_check(settings, args) != 0:
        print("Not published: fix the errors above first.", file=sys.stderr)
        return 2
    result = signal_running_bot(settings.run_dir)
    if result is None:
        print(
            "No running bot found (no live pid in "
            f"{settings.run_dir / 'bot.pid'}); the next start uses the new content."
        )
        return 0
    print(result.summary())
    return 0 if result.ok else 2


def _kb_coverage(settings: Settings, args: argparse.Namespace) -> int:
    from knowledge import load_knowledge
    from knowledge.check import as_markdown, as_text, coverage

    rows = coverage(load_knowledge(settings.knowledge_dir))
    print(as_text(rows))
    args.markdown.parent.mkdir(parents=True, exist_ok=True)
    args.markdown.write_text("# Knowledge coverage\n\n" + as_markdown(rows), encoding="utf-8")
    print(f"\nwritten to {args.markdown}")
    return 0


def _positive(value: str) -> int:
    number = int(value) if value.isdigit() else 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of days, at least 1: {value!r}")
    return number


def _kb_preview(settings: Settings, args: argparse.Namespace) -> int:
    from bot.i18n import I18n
    from knowledge import load_knowledge
    from knowledge.preview import preview

    kb = load_knowledge(settings.knowledge_dir)
    i18n = I18n(ROOT / "locales", kb.languages, settings.default_language)
    languages = [args.language] if args.language else list(kb.languages_of(args.country))
    shown = [preview(kb, i18n, args.article, args.country, language) for language in languages]
    print("\n\n".join(item.render() for item in shown))
    return 0 if all(item.fits and item.answered for item in shown) else 1


def _kb_export(settings: Settings, args: argparse.Namespace) -> int:
    from knowledge import load_knowledge
    from knowledge.spreadsheet import export_workbook

    if args.file.suffix.lower() != ".xlsx":
        raise AssistantError(f"{args.file}: the file name must end in .xlsx")
    kb = load_knowledge(settings.knowledge_dir)
    rows = export_workbook(
        kb,
        settings.knowledge_dir,
        args.file,
        max_age_days=settings.kb_max_age_days,
        today=date.today(),
    )
    print(f"{rows} answers written to {args.file}")
    return 0


def _kb_import(settings: Settings, args: argparse.Namespace) -> int:
    from knowledge.spreadsheet import apply, plan_import

    try:
        plan = plan_import(settings.knowledge_dir, args.file, today=date.today())
    except KnowledgeError as exc:
        print(f"{args.file} was not imported, nothing was written:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    if plan.empty:
        print("Nothing to change: the spreadsheet matches the knowledge files.")
        return 0
    print(plan.summary(), plan.diff(), sep="\n\n")
    files = f"{len(plan.changes)} file{'s' if len(plan.changes) > 1 else ''}"
    if not args.yes and not _confirm(f"Write these changes to {files}?"):
        print("Nothing written. Run again with --yes to write these changes.")
        return 1
    apply(plan)
    print(f"Written {files}. Publish: /reload in the staff group, or `python -m bot kb reload`.")
    return 0


def _confirm(question: str) -> bool:
    """Ask y/N on a terminal; anything else (a pipe, a script) is a no."""
    if not sys.stdin.isatty():
        return False
    try:
        return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")
    except EOFError:
        return False


def _kb_stale(settings: Settings, args: argparse.Namespace) -> int:
    from knowledge import load_knowledge
    from knowledge.stale import as_text, find_stale

    days = args.days or settings.kb_max_age_days
    kb = load_knowledge(settings.knowledge_dir)
    report = find_stale(kb, settings.knowledge_dir, max_age_days=days, today=date.today())
    print(as_text(report, days))
    return 0 if report.clean else 1


def _kb_gaps(settings: Settings, args: argparse.Namespace) -> int:
    from bot.db import create_engine, migrate
    from bot.gaps import Missed, accept_groups, as_text, find_groups
    from knowledge import load_knowledge
    from nlu.examples import read_language_files

    if args.yes and not args.accept:
        raise AssistantError("--yes goes with --accept: python -m bot kb gaps --accept --yes")
    kb = load_knowledge(settings.knowledge_dir)
    if args.language is not None and args.language not in kb.languages:
        raise AssistantError(
            f"unknown language {args.language!r}; one of {', '.join(kb.languages)}"
        )
    since = datetime.now(UTC) - timedelta(days=args.since)

    async def load() -> list[Missed]:
        from bot.gaps import load_missed

        engine = create_engine(settings.database_url)
        try:
            await migrate(engine)
            return await load_missed(engine, since=since, language=args.language)
        finally:
            await engine.dispose()

    groups = find_groups(
        asyncio.run(load()), read_language_files(settings.nlu_data_dir), kb.articles
    )
    print(f"Since {since.date().isoformat()} ({args.since} days).")
    print(as_text(groups))
    if not args.accept:
        return 0
    if not args.yes and not sys.stdin.isatty():
        print("\nNothing added: confirm each group on a terminal, or use --accept --yes.")
        return 1
    added = accept_groups(
        groups,
        settings.nlu_data_dir,
        held_out_dir=settings.nlu_data_dir.parent / "tests" / "holdout",
        confirm=None if args.yes else _confirm,
        say=print,
    )
    if added:
        print(
            f"\n{added} training examples added. Check with `python -m bot kb check`; "
            "the model is retrained on the next `make train` or start."
        )
    else:
        print("\nNo training examples added.")
    return 0


def _stats(settings: Settings, args: argparse.Namespace) -> int:
    from bot.db import create_engine, migrate
    from bot.stats import Stats, as_text, collect, write_chart

    zone = ZoneInfo(settings.hotline_timezone)

    async def load() -> Stats:
        engine = create_engine(settings.database_url)
        try:
            await migrate(engine)
            return await collect(engine, days=args.days, now=datetime.now(UTC), zone=zone)
        finally:
            await engine.dispose()

    result = asyncio.run(load())
    print(as_text(result))
    if args.png is not None:
        write_chart(result, args.png)
        print(f"\nchart written to {args.png}")
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
