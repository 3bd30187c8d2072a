"""Publishing without a restart: /reload in the staff group swaps valid content in and refuses
broken content, keeping the old one live; the Rasa server takes a new model with PUT /model."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.context import App
from bot.publishing import ReloadResult, signal_running_bot
from nlu.client import RasaClient
from nlu.sidecar import RasaSidecar
from tests.conftest import stop_bot
from tests.fake_telegram import FakeBotApi, FakeUser
from tests.support.clock import TestClock
from tests.support.hotline import ANA, EVE, STAFF_CHAT, onboard, start_hotline

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A copy of knowledge/ the test may edit."""
    target = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", target)
    return target


@pytest.fixture
async def editable_app(tmp_path: Path, fake_api: FakeBotApi, content: Path) -> AsyncIterator[App]:
    application = await start_hotline(tmp_path, fake_api, knowledge_dir=content)
    try:
        yield application
    finally:
        await stop_bot(application)


async def staff_says(api: FakeBotApi, user: FakeUser, text: str) -> str:
    before = len(api.sent_to(STAFF_CHAT))
    await api.send_group_text(user, STAFF_CHAT, text)
    [reply] = await api.wait_for(STAFF_CHAT, after=before, timeout=60)
    return reply.text


def edit_answer(content: Path, old: str, new: str) -> None:
    path = content / "answers" / "md" / "doc_passport.yml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


async def test_reload_publishes_valid_content_and_refuses_broken_content(
    editable_app: App, fake_api: FakeBotApi, content: Path
) -> None:
    migrant = FakeUser(120)
    menu = await onboard(fake_api, migrant, "ro")
    [before] = await fake_api.click(migrant, menu, "art:doc_passport")
    assert "Pașaportul îl eliberează" in before.text

    edit_answer(content, "Pașaportul îl eliberează", "Pașaportul nou îl eliberează")
    assert "does not allow" in await staff_says(fake_api, ANA, "/reload")  # agents may not
    published = await staff_says(fake_api, EVE, "/reload")
    assert published.startswith("Content published: 27 articles.")
    [after] = await fake_api.click(migrant, menu, "art:doc_passport")
    assert "Pașaportul nou îl eliberează" in after.text

    edit_answer(content, "sources: [md_asp, md_mfa]\n", "")
    refused = await staff_says(fake_api, EVE, "/reload")
    assert refused.startswith("Content NOT published; the previous version stays live.")
    assert "doc_passport.yml" in refused and "sources" in refused
    [still] = await fake_api.click(migrant, menu, "art:doc_passport")
    assert "Pașaportul nou îl eliberează" in still.text
    assert "www.asp.gov.md" in still.text  # the sources of the live version


async def test_an_urgent_correction_is_published_even_when_answers_are_stale(
    tmp_path: Path, fake_api: FakeBotApi, content: Path
) -> None:
    two_years_on = TestClock(start=datetime(2028, 12, 6, 9, 0, tzinfo=UTC))
    application = await start_hotline(
        tmp_path, fake_api, clock=two_years_on, knowledge_dir=content
    )
    try:
        edit_answer(content, "Pașaportul îl eliberează", "Pașaportul corectat îl eliberează")
        published = await staff_says(fake_api, EVE, "/reload")
    finally:
        await stop_bot(application)

    assert published.startswith("Content published: 27 articles.")


async def test_signal_without_a_running_bot_says_so(tmp_path: Path) -> None:
    assert signal_running_bot(tmp_path) is None


def test_a_refused_reload_lists_its_problems() -> None:
    result = ReloadResult(False, problems=["answers/md/x.yml: sources: required"])
    assert "NOT published" in result.summary()
    assert "answers/md/x.yml: sources: required" in result.summary()


@pytest.mark.rasa
async def test_the_running_rasa_server_takes_a_model_without_restarting(
    rasa_server: RasaSidecar,
) -> None:
    client = RasaClient(rasa_server.url, token=rasa_server.token, timeout=10)
    try:
        before = rasa_server.starts
        await client.load_model(rasa_server.model)
        result = await client.parse("how do I get a passport")
        assert result.intent == "doc_passport"
        assert rasa_server.starts == before
    finally:
        await client.aclose()


async def test_kb_reload_publishes_to_a_running_terminal_chat(
    tmp_path: Path, content: Path
) -> None:
    """`python -m bot kb reload` checks first, then the running assistant publishes."""
    import asyncio
    import os
    import sys

    env = {
        **os.environ,
        "KNOWLEDGE_DIR": str(content),
        "RUN_DIR": str(tmp_path / "run"),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'shell.db'}",
        "NLU_URL": "http://127.0.0.1:9",
    }
    env.pop("TELEGRAM_BOT_TOKEN", None)
    shell = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "shell",
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )

    async def kb_reload() -> tuple[int, str]:
        cli = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "kb",
            "reload",
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(cli.communicate(), timeout=120)
        assert cli.returncode is not None
        return cli.returncode, out.decode()

    try:
        pid_file = tmp_path / "run" / "bot.pid"
        for _ in range(600):
            if pid_file.exists():
                break
            await asyncio.sleep(0.1)
        assert pid_file.read_text() == str(shell.pid)

        edit_answer(content, "Pașaportul îl eliberează", "Pașaportul nou îl eliberează")
        code, out = await kb_reload()
        assert code == 0
        assert out.strip().splitlines()[-1].startswith("Content published: 27 articles.")

        edit_answer(content, "sources: [md_asp, md_mfa]\n", "")
        code, out = await kb_reload()
        assert code == 2
        assert "doc_passport.yml" in out and "Not published" in out
    finally:
        shell.kill()
        await shell.wait()
