"""Build and close the long-lived services the bot, the shell and `ask` share."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock, system_clock
from bot.db import Sessions, create_engine, create_sessions, migrate
from bot.dialogue import Dialogue
from bot.errors import ConfigError
from bot.flood import FloodGuard
from bot.hotline import Hotline, HotlineConfig
from bot.hotline_views import HotlineViews
from bot.hours import HotlineHours
from bot.i18n import I18n
from bot.journal import UpdateJournal
from bot.outbox import OutboxWorker
from bot.publishing import Publisher
from bot.retention import run_retention
from bot.settings import ROOT, Settings
from bot.staff import StaffDirectory
from bot.transport import Transport
from bot.views import Views
from knowledge import KnowledgeBase, load_knowledge
from nlu.client import RasaClient
from nlu.decision import Thresholds
from nlu.examples import read_language_files
from nlu.langdetect import LanguageDetector
from nlu.sidecar import RasaSidecar
from nlu.training import NluPaths, train
from nlu.urgent import UrgentDetector
from nlu.vocabulary import Vocabulary

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    clock: Clock
    """The one clock every service reads (bot/clock.py); tests pin it."""
    kb: KnowledgeBase
    i18n: I18n
    engine: AsyncEngine
    sessions: Sessions
    nlu: RasaClient
    sidecar: RasaSidecar | None
    dialogue: Dialogue
    hotline: Hotline
    staff: StaffDirectory
    outbox: OutboxWorker
    journal: UpdateJournal
    flood: FloodGuard
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    publisher: Publisher = field(init=False)

    def __post_init__(self) -> None:
        self.publisher = Publisher(self)

    @property
    def nlu_paths(self) -> NluPaths:
        return nlu_paths(self.settings)

    def start_delivery(self, transport: Transport) -> None:
        """Start the background work: delivering the outbox through `transport`, the SLA sweep
        and the retention purge."""
        self.hotline.transport = transport
        self.hotline.on_enqueued = self.outbox.wake
        self.outbox.start()
        self._tasks.append(
            asyncio.create_task(
                self.hotline.run_sla(self.settings.sla_check_seconds), name="sla-sweep"
            )
        )
        self._tasks.append(
            asyncio.create_task(
                run_retention(
                    self.sessions,
                    days=self.settings.retention_days,
                    every=self.settings.retention_check_hours * 3600,
                    clock=self.clock,
                ),
                name="retention",
            )
        )

    async def aclose(self) -> None:
        if self.publisher.training is not None:
            self.publisher.training.cancel()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
        self._tasks.clear()
        await self.outbox.stop()
        await self.nlu.aclose()
        if self.sidecar is not None:
            await self.sidecar.stop()
        await self.engine.dispose()


def nlu_paths(settings: Settings) -> NluPaths:
    return NluPaths(
        venv=settings.nlu_venv,
        config=settings.rasa_config,
        data_dir=settings.nlu_data_dir,
        models_dir=settings.models_dir,
    )


async def start_nlu(settings: Settings) -> tuple[RasaClient, RasaSidecar | None]:
    """Use the NLU server at NLU_URL, or train if needed and supervise a local one."""
    if settings.nlu_url:
        token = settings.nlu_token.get_secret_value() if settings.nlu_token else None
        return RasaClient(settings.nlu_url, token=token, timeout=settings.nlu_timeout), None
    paths = nlu_paths(settings)
    model = await asyncio.to_thread(train, paths)
    log_file = settings.models_dir.parent / "data" / "nlu-server.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    sidecar = RasaSidecar(
        paths,
        model,
        port=settings.nlu_port,
        startup_timeout=settings.nlu_startup_timeout,
        log_file=log_file,
    )
    sidecar.start()
    client = RasaClient(sidecar.url, token=sidecar.token, timeout=settings.nlu_timeout)
    return client, sidecar


async def build_services(
    settings: Settings,
    *,
    kb: KnowledgeBase | None = None,
    wait_for_nlu: bool = False,
    clock: Clock = system_clock,
) -> Services:
    """Load content (unless given), open the database (migrating it) and start the NLU.

    Raises:
        KnowledgeError: a content file is broken (start-up stops, naming file and field).
        ConfigError: a setting or an install step is missing.
    """
    kb = kb or load_knowledge(settings.knowledge_dir)
    i18n = I18n(ROOT / "locales", kb.languages, settings.default_language)
    detector = LanguageDetector(
        kb.languages,
        min_chars=settings.language_min_chars,
        min_confidence=settings.language_confidence,
        training_data=settings.nlu_data_dir,
    )
    staff = StaffDirectory.parse(settings.staff)
    oncall = settings.oncall_ids()
    if unknown := [i for i in oncall if staff.get(i) is None]:
        raise ConfigError(f"ONCALL lists {unknown}, who are not in STAFF")
    hours = HotlineHours.parse(settings.hotline_hours, settings.hotline_timezone)
    engine = create_engine(settings.database_url)
    await migrate(engine)
    nlu, sidecar = await start_nlu(settings)
    if sidecar is not None and wait_for_nlu:
        await sidecar.wait_ready()
    sessions = create_sessions(engine)
    hotline = Hotline(
        sessions=sessions,
        views=HotlineViews(kb, i18n, i18n.pick(settings.staff_language)),
        staff=staff,
        config=HotlineConfig(
            staff_chat_id=settings.staff_chat_id,
            names_visible=settings.staff_names_visible,
            sla=timedelta(minutes=settings.sla_unclaimed_minutes),
            sla_urgent=timedelta(minutes=settings.sla_urgent_minutes),
            oncall=oncall,
            reopen_window=timedelta(hours=settings.ticket_reopen_hours),
            hours=hours,
        ),
        clock=clock,
    )
    outbox = OutboxWorker(
        sessions,
        hotline,
        poll_seconds=settings.outbox_poll_seconds,
        max_backoff=settings.outbox_max_backoff,
        clock=clock,
    )
    dialogue = Dialogue(
        kb=kb,
        views=Views(kb, i18n),
        detector=detector,
        parser=nlu,
        sessions=sessions,
        thresholds=Thresholds(
            answer=settings.answer_threshold,
            margin=settings.answer_margin,
            clarify=settings.clarify_threshold,
        ),
        default_language=settings.default_language,
        hotline=hotline,
        vocabulary=Vocabulary.from_examples(read_language_files(settings.nlu_data_dir)),
        clock=clock,
        urgent=UrgentDetector.load(),
        urgent_threshold=settings.urgent_threshold,
        retention_days=settings.retention_days,
    )
    return Services(
        settings,
        clock,
        kb,
        i18n,
        engine,
        sessions,
        nlu,
        sidecar,
        dialogue,
        hotline,
        staff,
        outbox,
        UpdateJournal(sessions, clock=clock),
        FloodGuard(limit=settings.flood_limit, window=settings.flood_window),
    )


@asynccontextmanager
async def running_services(
    settings: Settings, *, wait_for_nlu: bool = True
) -> AsyncIterator[Services]:
    """Services for a command-line session: built (NLU ready), then closed on the way out."""
    services = await build_services(settings, wait_for_nlu=wait_for_nlu)
    try:
        yield services
    finally:
        await services.aclose()
