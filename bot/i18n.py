"""UI strings (gettext catalogs in locales/) and locale data from Babel."""

from __future__ import annotations

import gettext
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path

from babel import Locale

from bot.errors import ConfigError

DOMAIN = "bot"
Translate = Callable[[str], str]


class I18n:
    """Translations for every served language; built once at start-up."""

    def __init__(self, locales_dir: Path, languages: Iterable[str], default: str) -> None:
        self.languages = tuple(languages)
        self.default = default
        self._catalogs: dict[str, gettext.NullTranslations] = {}
        for language in self.languages:
            try:
                self._catalogs[language] = gettext.translation(
                    DOMAIN, localedir=str(locales_dir), languages=[language]
                )
            except FileNotFoundError as exc:
                raise ConfigError(
                    f"no compiled UI catalog for '{language}' in {locales_dir}; run `make i18n`"
                ) from exc

    def pick(self, language: str | None) -> str:
        """The served language closest to `language` (e.g. a Telegram client's "ru-RU")."""
        code = (language or "").replace("_", "-").split("-")[0].lower()
        return code if code in self._catalogs else self.default

    def gettext(self, language: str) -> Translate:
        return self._catalogs[self.pick(language)].gettext

    def ngettext(self, language: str) -> Callable[[str, str, int], str]:
        return self._catalogs[self.pick(language)].ngettext

    @staticmethod
    def language_name(language: str) -> str:
        """The language's own name for itself ("Română", "ქართული")."""
        name = Locale.parse(language).get_display_name(language) or language
        first = name[:1]
        if unicodedata.name(first, "").startswith("GEORGIAN"):
            return name  # Georgian has no capital letters in running text (Mtavruli is not one)
        return first.upper() + name[1:]

    @staticmethod
    def country_name(country: str, language: str) -> str:
        """The country's name in `language` ("Republica Moldova", "Грузия")."""
        territories = Locale.parse(language).territories
        return str(territories.get(country.upper(), country.upper()))
