"""Check the UI catalogs: `make i18n-check` (exit 1 and one line per problem when not clean).

- every locales/<lang>/LC_MESSAGES/bot.po has every message of locales/bot.pot, translated (a
  non-empty msgstr; English may repeat the msgid) and not fuzzy;
- locales/bot.pot is what `make i18n` would extract from the source now (same msgids);
- every compiled bot.mo exists, is not older than its bot.po, and holds the same translations.

Run from the repository root, or pass `--root` (the tests use a small project of their own).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

DOMAIN = "bot"
# The options of the Makefile's `i18n` target (keep the two in step). Besides `_`: N_ marks a
# string translated later; staff_text and _answer take staff messages (bot/hotline.py).
KEYWORDS = ["-k", "N_", "-k", "staff_text", "-k", "_answer"]
EXTRACT = ["extract", "-F", "babel.cfg", *KEYWORDS, "--no-location", "--sort-output"]

SHOWN_PER_KIND = 10
"""Problems printed per catalog and kind (all are counted)."""

MessageKey = tuple[object, str | None]
"""A message's id (a tuple for plurals) and context."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    root = parser.parse_args(argv).root.resolve()
    problems, catalogs, messages = check(root)
    shown: Counter[str] = Counter()
    for problem in problems:
        kind = problem.split(": ")[0] + ": " + problem.split(": ")[1]
        shown[kind] += 1
        if shown[kind] <= SHOWN_PER_KIND:
            print(problem)
    for kind, count in shown.items():
        if count > SHOWN_PER_KIND:
            print(f"{kind}: … and {count - SHOWN_PER_KIND} more")
    if problems:
        print(f"i18n check: {len(problems)} problems; run `make i18n` and translate")
        return 1
    print(f"i18n check: {catalogs} catalogs, {messages} messages, all translated and compiled")
    return 0


def check(root: Path) -> tuple[list[str], int, int]:
    """Problems found, the number of catalogs and of messages in the template."""
    locales = root / "locales"
    template_path = locales / f"{DOMAIN}.pot"
    problems: list[str] = []
    if not template_path.exists():
        return [f"{_shown(template_path, root)}: missing; run `make i18n`"], 0, 0
    template = _read_po(template_path)
    expected = _keys(template)
    extracted = _keys(_extract(root))
    for key in sorted(extracted - expected, key=str):
        problems.append(
            f"{_shown(template_path, root)}: out of date: new in the source: {_id(key)}"
        )
    for key in sorted(expected - extracted, key=str):
        problems.append(
            f"{_shown(template_path, root)}: out of date: gone from the source: {_id(key)}"
        )
    po_files = sorted(locales.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    for po_path in po_files:
        problems += _check_catalog(po_path, expected, root)
    return problems, len(po_files), len(expected)


def _check_catalog(po_path: Path, expected: set[MessageKey], root: Path) -> list[str]:
    shown = _shown(po_path, root)
    problems = []
    catalog = _read_po(po_path)
    present: dict[MessageKey, Message] = {}
    for message in catalog:
        if not message.id:
            continue
        present[(message.id, message.context)] = message
    for key in sorted(expected - set(present), key=str):
        problems.append(f"{shown}: missing: {_id(key)}")
    for key, message in present.items():
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"{shown}: fuzzy: {_id(key)}")
        elif not all(strings):
            problems.append(f"{shown}: untranslated: {_id(key)}")
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        problems.append(f"{_shown(mo_path, root)}: missing; run `make i18n`")
    elif mo_path.stat().st_mtime < po_path.stat().st_mtime:
        problems.append(f"{_shown(mo_path, root)}: older than its .po; run `make i18n`")
    elif _compiled(mo_path.read_bytes()) != _compiled(_compile(catalog)):
        problems.append(f"{_shown(mo_path, root)}: differs from its .po; run `make i18n`")
    return problems


def _extract(root: Path) -> Catalog:
    """What `make i18n` extracts from the source, into a temporary file."""
    with tempfile.TemporaryDirectory(prefix="i18n-check-") as folder:
        target = Path(folder) / f"{DOMAIN}.pot"
        with contextlib.chdir(root):  # babel.cfg patterns are relative to the root
            CommandLineInterface().run(  # type: ignore[no-untyped-call]
                ["pybabel", "--quiet", *EXTRACT, "-o", str(target), "."]
            )
        return _read_po(target)


def _read_po(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _keys(catalog: Iterable[object]) -> set[MessageKey]:
    return {(m.id, m.context) for m in catalog if m.id}  # type: ignore[attr-defined]


def _compile(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def _compiled(data: bytes) -> dict[MessageKey, object]:
    """The translations a compiled catalog holds (the header aside)."""
    catalog = read_mo(io.BytesIO(data))
    return {(m.id, m.context): m.string for m in catalog if m.id}


def _id(key: MessageKey) -> str:
    message, context = key
    text = message[0] if isinstance(message, tuple) else message
    return repr(text) + (f" (context {context!r})" if context else "")


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
