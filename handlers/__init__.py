"""Telegram handlers, one module per feature; only bot.app registers them."""
