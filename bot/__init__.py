"""Telegram assistant for returning migrants: wiring, settings, storage, i18n."""
