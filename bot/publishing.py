"""Publishing content without a restart: `/reload` in the staff group, `python -m bot kb reload`
(which signals the running bot with SIGHUP), both ending here.

The new content is validated as `kb check` does; if anything is wrong it is refused with every
problem (file and field) and the old content stays live. Otherwise the knowledge base is swapped
in one step (between two awaits: no handler sees half of it). When the NLU training data or
pipeline changed, a new model is trained in the background and loaded into the running Rasa
server (`PUT /model`); the old model answers until then.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.hotline_views import HotlineViews
from bot.views import Views
from knowledge import KnowledgeBase, load_knowledge
from knowledge.check import check
from nlu.training import model_path, train

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)


@dataclass
class ReloadResult:
    ok: bool
    problems: list[str] = field(default_factory=list)
    articles: int = 0
    retraining: bool = False
    """A new NLU model is being trained and will be loaded when ready."""
    note: str = ""
    at: float = field(default_factory=time.time)

    def summary(self) -> str:
        if not self.ok:
            lines = ["Content NOT published; the previous version stays live. Problems:"]
            return "\n".join(lines + [f"- {p}" for p in self.problems[:20]])
        text = f"Content published: {self.articles} articles."
        if self.retraining:
            text += " The NLU data changed: a new model is training and loads when ready."
        if self.note:
            text += f" {self.note}"
        return text


class Publisher:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._lock = asyncio.Lock()
        self.training: asyncio.Task[None] | None = None

    async def reload(self) -> ReloadResult:
        async with self._lock:
            result = await self._reload()
        self._write_status(result)
        return result

    async def _reload(self) -> ReloadResult:
        settings = self.services.settings
        report = await asyncio.to_thread(
            check,
            settings.knowledge_dir,
            settings.nlu_data_dir,
            max_age_days=settings.kb_max_age_days,
            today=self.services.clock().date(),
        )
        if not report.ok:
            log.warning("reload refused: %s problems", len(report.errors))
            return ReloadResult(False, problems=report.errors)
        kb = await asyncio.to_thread(load_knowledge, settings.knowledge_dir)
        self._swap(kb)
        log.info("content reloaded: %s articles", len(kb.articles))
        result = ReloadResult(True, articles=len(kb.articles))
        sidecar = self.services.sidecar
        paths = self.services.nlu_paths
        if sidecar is None:
            result.note = "NLU_URL is set: retrain and redeploy that server for NLU changes."
        elif model_path(paths) != sidecar.model:
            result.retraining = True
            self.training = asyncio.create_task(self._retrain(), name="nlu-retrain")
        return result

    def _swap(self, kb: KnowledgeBase) -> None:
        services = self.services
        dialogue, hotline = services.dialogue, services.hotline
        views = Views(kb, services.i18n)
        hotline_views = HotlineViews(kb, services.i18n, hotline.views.staff_language)
        # No await between these assignments: every update sees the old or the new content.
        services.kb = kb
        dialogue.kb = kb
        dialogue.views = views
        hotline.views = hotline_views

    async def _retrain(self) -> None:
        sidecar = self.services.sidecar
        assert sidecar is not None
        try:
            model = await asyncio.to_thread(train, self.services.nlu_paths)
            await self.services.nlu.load_model(model)
            sidecar.use_model(model)
            log.info("NLU model %s loaded without downtime", model.name)
        except Exception:
            log.exception("retraining the NLU model failed; the previous model stays live")

    def _write_status(self, result: ReloadResult) -> None:
        path = status_file(self.services.settings.run_dir)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(asdict(result)), encoding="utf-8")
        except OSError:
            log.warning("could not write %s", path)


def pid_file(run_dir: Path) -> Path:
    return run_dir / "bot.pid"


def status_file(run_dir: Path) -> Path:
    return run_dir / "last-reload.json"


def install_signal(publisher: Publisher, run_dir: Path) -> None:
    """Reload on SIGHUP, and write the pid file `kb reload` reads."""
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.ensure_future(publisher.reload()))
    except (NotImplementedError, RuntimeError):
        return  # not the main thread (tests) or no signals on this platform
    path = pid_file(run_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(str(os.getpid()), encoding="ascii")


def signal_running_bot(run_dir: Path, timeout: float = 30.0) -> ReloadResult | None:
    """Ask the running bot to reload and wait for its answer; None when no bot is running."""
    try:
        pid = int(pid_file(run_dir).read_text(encoding="ascii").strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    sent = time.time()
    os.kill(pid, signal.SIGHUP)
    deadline = sent + timeout
    while time.time() < deadline:
        try:
            data = json.loads(status_file(run_dir).read_text(encoding="utf-8"))
            if float(data.get("at", 0)) >= sent:
                return ReloadResult(**data)
        except (OSError, ValueError, TypeError):
            pass
        time.sleep(0.2)
    return ReloadResult(False, problems=[f"the bot (pid {pid}) did not answer in {timeout:.0f} s"])
