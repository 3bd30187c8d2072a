"""Run the Rasa server as a child process: start, wait until ready, restart if it dies, stop."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import secrets
import signal
import socket
import sys
from pathlib import Path

from bot.errors import NluUnavailable
from nlu.client import RasaClient
from nlu.training import NluPaths, rasa_env

log = logging.getLogger(__name__)


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, get SIGTERM when the bot process dies, however it
    dies (a crash, SIGKILL), so no orphaned Rasa server keeps its memory and port."""
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


PR_SET_PDEATHSIG = 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RasaSidecar:
    """Supervises `rasa run --enable-api`, bound to loopback, with a per-run auth token.

    `start()` returns at once; the supervisor task starts the server, marks it ready when a model
    is loaded, and restarts it (with backoff) whenever it exits, until `stop()`.
    """

    def __init__(
        self,
        paths: NluPaths,
        model: Path,
        *,
        port: int = 0,
        startup_timeout: float = 180.0,
        log_file: Path | None = None,
    ) -> None:
        self._paths = paths
        self._model = model
        self.port = port or free_port()
        self.token = secrets.token_urlsafe(24)
        self._startup_timeout = startup_timeout
        self._log_file = log_file
        self._process: asyncio.subprocess.Process | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._stopping = False
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def model(self) -> Path:
        """The model the server loads (also after a restart)."""
        return self._model

    def use_model(self, model: Path) -> None:
        """Remember a model loaded at run time (`PUT /model`), so a restart keeps it."""
        self._model = model

    @property
    def is_ready(self) -> bool:
        return self._ready.is_set()

    def start(self) -> None:
        """Start supervising (the server comes up in the background)."""
        self._paths.require_rasa()
        self._supervisor = asyncio.create_task(self._supervise(), name="nlu-sidecar")

    async def wait_ready(self, timeout: float | None = None) -> None:
        """Wait until the server has a model loaded.

        Raises:
            NluUnavailable: not ready within the timeout (default: the start-up timeout).
        """
        try:
            await asyncio.wait_for(self._ready.wait(), timeout or self._startup_timeout)
        except TimeoutError as exc:
            raise NluUnavailable("NLU server is not ready") from exc

    async def _supervise(self) -> None:
        backoff = 1.0
        while not self._stopping:
            process = await self._spawn()
            try:
                await self._until_ready(process)
                backoff = 1.0
            except NluUnavailable as exc:
                log.error("NLU server failed to start: %s", exc)
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
            code = await process.wait()
            self._ready.clear()
            if self._stopping:
                return
            log.warning("NLU server exited with code %s; restarting in %.0f s", code, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 60.0)

    async def _spawn(self) -> asyncio.subprocess.Process:
        output = self._log_file.open("ab") if self._log_file else None
        try:
            self._process = await asyncio.create_subprocess_exec(
                str(self._paths.require_rasa()),
                "run",
                "--enable-api",
                "--model",
                str(self._model),
                "--interface",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--auth-token",
                self.token,
                env=rasa_env(),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=output or asyncio.subprocess.DEVNULL,
                stderr=output or asyncio.subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        finally:
            if output:
                output.close()
        self.starts += 1
        log.info("NLU server starting (pid %s, port %s)", self._process.pid, self.port)
        return self._process

    async def _until_ready(self, process: asyncio.subprocess.Process) -> None:
        client = RasaClient(self.url, token=self.token, timeout=2.0)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._startup_timeout
        try:
            while loop.time() < deadline:
                if process.returncode is not None:
                    raise NluUnavailable(f"exited during start-up with code {process.returncode}")
                if await client.ready():
                    log.info("NLU server ready on port %s", self.port)
                    self._ready.set()
                    return
                await asyncio.sleep(0.5)
        finally:
            await client.aclose()
        raise NluUnavailable(f"not ready after {self._startup_timeout:.0f} s")

    async def stop(self) -> None:
        """Stop supervising and terminate the server."""
        self._stopping = True
        process = self._process
        if process and process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), timeout=10)
            except TimeoutError:
                process.kill()
                await process.wait()
        if self._supervisor:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
        log.info("NLU server stopped")
