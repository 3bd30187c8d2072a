"""A fake Rasa server (POST /model/parse) that misbehaves on demand."""

from __future__ import annotations

import asyncio

from aiohttp import web


class FakeRasa:
    """Answers 409 no model, 500, garbage, too slow (5 s), hanging (until released or
    stopped), or fine (doc_passport at 0.95)."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.requests = 0
        self.urgency: float | None = None
        """The urgency score to answer with (nlu/components/urgency.py); None: no such field."""
        self.url = ""
        self._runner: web.AppRunner | None = None
        self._release = asyncio.Event()

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/model/parse", self._parse)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    def release(self) -> None:
        """Let the hanging requests answer (as "ok") and stop hanging."""
        self.mode = "ok"
        self._release.set()

    async def stop(self) -> None:
        self._release.set()  # a hanging request must not hold up the teardown
        if self._runner:
            await self._runner.cleanup()

    async def _parse(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        if self.mode == "no_model":
            return web.json_response({"message": "No model loaded"}, status=409)
        if self.mode == "error":
            return web.Response(status=500, text="Internal Server Error")
        if self.mode == "garbage":
            return web.Response(status=200, text="<html>proxy says hi</html>")
        if self.mode == "slow":
            await asyncio.sleep(5)
        if self.mode == "hang":
            self._release.clear()
            await self._release.wait()
        ranking = [{"name": "doc_passport", "confidence": 0.95}]
        payload = {"text": "", "intent": ranking[0], "intent_ranking": ranking, "entities": []}
        if self.urgency is not None:
            payload["urgency"] = {"score": self.urgency}
        return web.json_response(payload)
