"""`.ci/check_i18n.py` (`make i18n-check`) on a small project of its own."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import subprocess
from pathlib import Path
from types import ModuleType

import pytest
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import write_po

from bot.settings import ROOT

TRANSLATIONS = {
    "ro": {"Hello": "Salut", "Bye": "La revedere"},
    "en": {"Hello": "Hello", "Bye": "Bye"},
}


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_i18n", ROOT / ".ci" / "check_i18n.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return load_script()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Source with two UI strings, its template, and compiled Romanian and English catalogs."""
    (tmp_path / "babel.cfg").write_text("[python: app/**.py]\n", encoding="utf-8")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "ui.py").write_text('_("Hello")\nN_("Bye")\n', encoding="utf-8")
    (tmp_path / "locales").mkdir()
    with contextlib.chdir(tmp_path):
        CommandLineInterface().run(  # type: ignore[no-untyped-call]
            ["pybabel", "--quiet", "extract", "-F", "babel.cfg", "-k", "N_", "--no-location"]
            + ["--sort-output", "-o", "locales/bot.pot", "."]
        )
    for language, strings in TRANSLATIONS.items():
        write_catalog(tmp_path, language, strings)
    return tmp_path


def write_catalog(
    root: Path, language: str, strings: dict[str, str], *, fuzzy: tuple[str, ...] = ()
) -> None:
    """Write the .po and compile its .mo, as `make i18n` would."""
    folder = root / "locales" / language / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    catalog = Catalog(locale=language)
    for message, string in strings.items():
        catalog.add(message, string, flags=["fuzzy"] if message in fuzzy else [])
    with open(folder / "bot.po", "wb") as po:
        write_po(po, catalog)
    with open(folder / "bot.mo", "wb") as mo:
        write_mo(mo, catalog)


def run(
    script: ModuleType, root: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, list[str]]:
    code = script.main(["--root", str(root)])
    return code, capsys.readouterr().out.splitlines()


def test_complete_catalogs_pass(
    script: ModuleType, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(script, project, capsys) == (
        0,
        ["i18n check: 2 catalogs, 2 messages, all translated and compiled"],
    )


def test_fuzzy_untranslated_and_missing_messages_fail(
    script: ModuleType, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_catalog(project, "ro", {"Hello": "Salut", "Bye": "La revedere"}, fuzzy=("Bye",))
    write_catalog(project, "en", {"Hello": ""})

    code, out = run(script, project, capsys)

    assert code == 1
    assert out == [
        "locales/en/LC_MESSAGES/bot.po: missing: 'Bye'",
        "locales/en/LC_MESSAGES/bot.po: untranslated: 'Hello'",
        "locales/ro/LC_MESSAGES/bot.po: fuzzy: 'Bye'",
        "i18n check: 3 problems; run `make i18n` and translate",
    ]


def test_a_template_behind_the_source_fails(
    script: ModuleType, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "app" / "ui.py").write_text('_("Hello")\n_("Welcome back")\n', encoding="utf-8")

    code, out = run(script, project, capsys)

    assert code == 1
    assert out[:2] == [
        "locales/bot.pot: out of date: new in the source: 'Welcome back'",
        "locales/bot.pot: out of date: gone from the source: 'Bye'",
    ]


def test_a_compiled_catalog_older_than_or_different_from_its_source_fails(
    script: ModuleType, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ro = project / "locales" / "ro" / "LC_MESSAGES"
    mo = (ro / "bot.mo").stat()
    os.utime(ro / "bot.po", ns=(mo.st_atime_ns, mo.st_mtime_ns + 10**9))
    en = project / "locales" / "en" / "LC_MESSAGES"
    po = (en / "bot.po").read_text(encoding="utf-8")
    (en / "bot.po").write_text(po.replace('msgstr "Bye"', 'msgstr "Bye now"'), encoding="utf-8")
    os.utime(en / "bot.mo", ns=(mo.st_atime_ns, mo.st_mtime_ns + 2 * 10**9))

    code, out = run(script, project, capsys)

    assert code == 1
    assert out == [
        "locales/en/LC_MESSAGES/bot.mo: differs from its .po; run `make i18n`",
        "locales/ro/LC_MESSAGES/bot.mo: older than its .po; run `make i18n`",
        "i18n check: 2 problems; run `make i18n` and translate",
    ]


def test_make_has_the_target() -> None:
    completed = subprocess.run(
        ["make", "--no-print-directory", "-n", "i18n-check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    # inside `make test`, a sub-make may still announce its directory: look for the command
    assert ".venv/bin/python .ci/check_i18n.py" in completed.stdout.splitlines()
