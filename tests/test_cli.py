"""The command line, run as a user runs it: `python -m bot ...` in a subprocess."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import ROOT
from knowledge import KnowledgeBase
from nlu.sidecar import RasaSidecar


def run_cli(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=300,
        check=False,
    )


@pytest.mark.rasa
def test_ask_jsonl_writes_one_decision_per_line(
    rasa_server: RasaSidecar, tmp_path: Path, kb: KnowledgeBase
) -> None:
    env = {
        "NLU_URL": rasa_server.url,
        "NLU_TOKEN": rasa_server.token,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'ask.db'}",
    }
    questions = (
        "cum imi fac pasaport nou\n\nwhat will the weather be tomorrow\nwork\n"
        "mi-au luat pasaportul si ma pun sa muncesc fara bani, nu ma lasa sa plec\n"
    )

    completed = run_cli(
        "ask", "--jsonl", "--country", "md", "--language", "ro", stdin=questions, env=env
    )

    assert completed.returncode == 0, completed.stderr
    records = [json.loads(line) for line in completed.stdout.splitlines()]
    assert [r["text"] for r in records] == [
        "cum imi fac pasaport nou",
        "what will the weather be tomorrow",
        "work",
        "mi-au luat pasaportul si ma pun sa muncesc fara bani, nu ma lasa sa plec",
    ]
    for record in records:
        assert set(record) == {
            "text",
            "language",
            "intent",
            "confidence",
            "action",
            "article",
            "candidates",
            "topic",
            "urgent",
        }
    assert [r["urgent"] for r in records] == [False, False, False, True]
    assert (records[0]["action"], records[0]["article"], records[0]["language"]) == (
        "answer",
        "doc_passport",
        "ro",
    )
    assert (records[1]["action"], records[1]["article"], records[1]["language"]) == (
        "escalate",
        None,
        "en",
    )
    assert records[0]["topic"] == "documents"
    # one vague word: the jobs menu (every article of the topic), never one article
    assert (records[2]["action"], records[2]["article"], records[2]["topic"]) == (
        "menu",
        None,
        "jobs",
    )
    assert {c["intent"] for c in records[2]["candidates"]} == {
        a.id for a in kb.articles_in("jobs")
    }


def test_kb_check_passes() -> None:
    completed = run_cli("kb", "check")

    assert completed.returncode == 0, completed.stdout
    assert "0 errors" in completed.stdout


def test_kb_coverage_writes_markdown(tmp_path: Path) -> None:
    target = tmp_path / "coverage.md"

    completed = run_cli("kb", "coverage", "--markdown", str(target))

    assert completed.returncode == 0, completed.stderr
    table = target.read_text(encoding="utf-8")
    assert "| doc_passport | md | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ |" in table
    assert table.count("\n| ") == 1 + 27 * 3 + 8  # the eight articles of avrr-bg


def test_run_without_token_stops_with_a_clear_message(tmp_path: Path) -> None:
    completed = run_cli(
        "run",
        env={"TELEGRAM_BOT_TOKEN": "", "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"},
    )

    assert completed.returncode == 2
    assert "TELEGRAM_BOT_TOKEN is missing" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_an_invalid_setting_is_one_clear_line(tmp_path: Path) -> None:
    completed = run_cli("kb", "check", env={"SLA_URGENT_MINUTES": "abc", "RETENTION_DAYS": "-"})

    assert completed.returncode == 2
    assert "SLA_URGENT_MINUTES: Input should be a valid integer" in completed.stderr
    assert "(got 'abc')" in completed.stderr and "RETENTION_DAYS" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert len(completed.stderr.strip().splitlines()) == 1


@pytest.mark.rasa
def test_shell_chats_in_the_terminal(rasa_server: RasaSidecar, tmp_path: Path) -> None:
    env = {
        "NLU_URL": rasa_server.url,
        "NLU_TOKEN": rasa_server.token,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'shell.db'}",
        "LANG": "C.UTF-8",
    }
    # 1 = Română, then 1 = Moldova; then a question typed without diacritics; then a number
    # no button carries.
    stdin = "1\n1\ncum imi fac pasaport nou\n99\n"
    completed = run_cli("shell", stdin=stdin, env=env)

    assert completed.returncode == 0, completed.stderr
    assert "[1] Română" in completed.stdout
    assert "Republica Moldova" in completed.stdout
    assert "\nbot> Pașaportul\n" in completed.stdout  # a title as written (bold on a terminal)
    assert "alegeți un număr de la 1 la " in completed.stdout  # 99 is not taken as a question
    assert "https://" in completed.stdout


def test_broken_content_stops_start_up_naming_file_and_field(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge")
    answer = tmp_path / "knowledge" / "answers" / "ge" / "health_mental.yml"
    answer.write_text(answer.read_text("utf-8").replace("reviewed:", "reviewd:"), "utf-8")
    env = {
        "TELEGRAM_BOT_TOKEN": "123456:TEST-TOKEN",
        "KNOWLEDGE_DIR": str(tmp_path / "knowledge"),
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9",
    }

    completed = run_cli("run", env=env)

    assert completed.returncode == 2
    assert "knowledge/answers/ge/health_mental.yml: reviewed: must be a date" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_eval_names_a_missing_held_out_set() -> None:
    completed = run_cli("eval", "--sets", "holdout", "no_such_set")

    assert completed.returncode == 2
    assert "no held-out files" in completed.stderr
    assert "no_such_set" in completed.stderr


def test_staff_login_link_is_printed_only_for_staff(tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'links.db'}",
        "STAFF": "201:agent:Ana",
        "WEB_PUBLIC_URL": "https://hotline.example.org",
        "RUN_DIR": str(tmp_path / "run"),
    }

    issued = run_cli("staff", "login-link", "201", env=env)
    refused = run_cli("staff", "login-link", "999", env=env)

    assert issued.returncode == 0, issued.stderr
    assert re.fullmatch(r"https://hotline\.example\.org/login/[\w-]{40,}\n", issued.stdout)
    assert refused.returncode != 0 and refused.stdout == ""
    assert "999 is not listed in STAFF" in refused.stderr
    assert "Traceback" not in refused.stderr
