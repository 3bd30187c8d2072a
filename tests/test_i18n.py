"""UI catalogs: complete in every language, placeholders intact, compiled catalogs current."""

from __future__ import annotations

import gettext
import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.settings import ROOT
from knowledge import KnowledgeBase

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def source_messages() -> set[str]:
    """Every UI string marked in the code, as `make i18n` extracts them."""
    found: set[str] = set()
    for folder in ("bot", "handlers"):
        for _, _, message, _, _ in extract_from_dir(
            ROOT / folder, keywords={"_": None, "N_": None}
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.fixture(scope="module")
def messages() -> set[str]:
    return source_messages()


def test_every_language_has_every_message_translated(
    kb: KnowledgeBase, messages: set[str]
) -> None:
    for language in kb.languages:
        with open(ROOT / "locales" / language / "LC_MESSAGES" / "bot.po", "rb") as po:
            catalog = read_po(po)
        untranslated = sorted(m for m in messages if not (catalog.get(m) and catalog[m].string))
        assert untranslated == [], f"{language}: run `make i18n` and translate"
        for message in messages:
            translated = catalog[message].string
            assert isinstance(translated, str)
            assert set(PLACEHOLDER.findall(translated)) == set(PLACEHOLDER.findall(message))


def test_compiled_catalogs_match_their_sources(kb: KnowledgeBase, messages: set[str]) -> None:
    for language in kb.languages:
        folder = ROOT / "locales" / language / "LC_MESSAGES"
        with open(folder / "bot.po", "rb") as po:
            catalog = read_po(po)
        with open(folder / "bot.mo", "rb") as mo:
            compiled = gettext.GNUTranslations(mo)
        for message in messages:
            assert compiled.gettext(message) == catalog[message].string, language
