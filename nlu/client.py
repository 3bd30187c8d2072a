"""HTTP client for the Rasa server's `POST /model/parse`."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx

from bot.errors import NluUnavailable
from nlu.decision import Candidate, NluResult

log = logging.getLogger(__name__)


class RasaClient:
    """Parses messages with a running Rasa server; every failure becomes NluUnavailable."""

    def __init__(self, base_url: str, *, token: str | None, timeout: float) -> None:
        self._token = token
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 2.0)),
            limits=httpx.Limits(max_connections=16, max_keepalive_connections=8),
        )

    @property
    def base_url(self) -> str:
        return str(self._http.base_url)

    async def aclose(self) -> None:
        await self._http.aclose()

    def _params(self) -> dict[str, str]:
        return {"token": self._token} if self._token else {}

    async def parse(self, text: str) -> NluResult:
        """Classify one message.

        Raises:
            NluUnavailable: the server is down, slow, has no model, or answered garbage.
        """
        try:
            response = await self._http.post(
                "/model/parse", json={"text": text}, params=self._params()
            )
        except httpx.HTTPError as exc:
            raise NluUnavailable(f"NLU request failed: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise NluUnavailable(f"NLU answered HTTP {response.status_code}")
        try:
            return _result(response.json())
        except (ValueError, TypeError, KeyError) as exc:
            raise NluUnavailable("NLU answered something that is not a parse result") from exc

    async def load_model(self, model: Path) -> None:
        """Replace the server's model without downtime (Rasa's `PUT /model`).

        Raises:
            NluUnavailable: the server refused or could not load it.
        """
        try:
            response = await self._http.put(
                "/model",
                json={"model_file": str(model)},
                params=self._params(),
                timeout=httpx.Timeout(300.0, connect=2.0),
            )
        except httpx.HTTPError as exc:
            raise NluUnavailable(f"loading the model failed: {type(exc).__name__}") from exc
        if response.status_code not in (200, 204):
            raise NluUnavailable(f"loading the model failed: HTTP {response.status_code}")

    async def ready(self) -> bool:
        """True when the server answers and has a model loaded."""
        try:
            response = await self._http.get("/status", params=self._params())
        except httpx.HTTPError:
            return False
        if response.status_code != 200:
            return False
        try:
            return bool(response.json().get("model_file"))
        except ValueError:
            return False


def _result(payload: Any) -> NluResult:
    intent = payload["intent"]
    ranking = tuple(
        Candidate(str(item["name"]), float(item["confidence"]))
        for item in payload.get("intent_ranking") or ()
    )
    name = intent.get("name") if intent else None
    urgency = payload.get("urgency") or {}
    score = urgency.get("score") if isinstance(urgency, dict) else None
    return NluResult(
        intent=str(name) if name else None,
        confidence=float(intent.get("confidence") or 0.0) if intent else 0.0,
        ranking=ranking,
        urgency=float(score) if isinstance(score, int | float) else None,
    )
