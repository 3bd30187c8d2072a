"""The real Rasa server with the model trained from this repository."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from bot.errors import NluUnavailable
from nlu.client import RasaClient
from nlu.sidecar import RasaSidecar

pytestmark = pytest.mark.rasa


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("cum imi fac pasaport nou", "doc_passport"),
        ("как получить пенсию за стаж в италии", "social_pension"),
        ("хочу поговорити з живою людиною", "ask_human"),
        ("როგორ ჩავწერო ბავშვი სკოლაში", "social_school"),
        ("какво е времето утре в софия", "out_of_scope"),
        ("my boss took my passport and does not pay me", "safety_trafficking"),
    ],
)
async def test_parses_with_the_trained_model(
    rasa_server: RasaSidecar, text: str, intent: str
) -> None:
    client = RasaClient(rasa_server.url, token=rasa_server.token, timeout=5)
    try:
        result = await client.parse(text)
    finally:
        await client.aclose()

    assert result.intent == intent
    assert result.ranking[0].intent == intent


@pytest.mark.parametrize(
    ("with_diacritics", "without"),
    [
        ("cum îmi fac pașaport nou", "cum imi fac pasaport nou"),
        ("unde găsesc un psiholog gratuit", "unde gasesc un psiholog gratuit"),
        ("ёлки, где взять справку о стаже", "елки, где взять справку о стаже"),
    ],
)
async def test_diacritics_are_folded_before_featurizing(
    rasa_server: RasaSidecar, with_diacritics: str, without: str
) -> None:
    """config.yml folds diacritics before the n-gram featurizers, so both spellings get the
    same intent; only the sentence encoder sees the accents, moving the confidence a little."""
    client = RasaClient(rasa_server.url, token=rasa_server.token, timeout=5)
    try:
        folded, plain = await client.parse(with_diacritics), await client.parse(without)
    finally:
        await client.aclose()

    assert folded.intent == plain.intent
    assert folded.confidence == pytest.approx(plain.confidence, abs=0.1)


async def test_server_refuses_requests_without_the_token(rasa_server: RasaSidecar) -> None:
    async with httpx.AsyncClient(base_url=rasa_server.url) as http:
        response = await http.post("/model/parse", json={"text": "hello"})

    assert response.status_code == 401


async def test_server_listens_on_loopback_only(rasa_server: RasaSidecar) -> None:
    """Read the kernel's table of listening sockets: the port is bound to 127.0.0.1 alone."""
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            for row in list(rows)[1:]:
                local, state = row.split()[1], row.split()[3]
                address, port = local.split(":")
                if state == "0A" and int(port, 16) == rasa_server.port:
                    listening.append(address)

    assert listening == ["0100007F"]  # 127.0.0.1, little-endian hex


async def test_client_reports_an_unreachable_server() -> None:
    client = RasaClient("http://127.0.0.1:9", token=None, timeout=1)
    try:
        with pytest.raises(NluUnavailable):
            await client.parse("hello")
    finally:
        await client.aclose()


async def test_sidecar_restarts_a_dead_server(rasa_server: RasaSidecar) -> None:
    import os
    import signal

    starts, pid = rasa_server.starts, rasa_server.pid
    assert pid is not None

    os.kill(pid, signal.SIGKILL)
    await asyncio.sleep(1.5)
    await rasa_server.wait_ready(timeout=240)

    client = RasaClient(rasa_server.url, token=rasa_server.token, timeout=5)
    try:
        result = await client.parse("cum imi fac pasaport nou")
    finally:
        await client.aclose()
    assert (rasa_server.starts, rasa_server.pid != pid) == (starts + 1, True)
    assert result.intent == "doc_passport"
