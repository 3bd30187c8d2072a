"""The returnee assistant: a Telegram bot for people returning home, and its hotline."""

import os

# python-telegram-bot 22 reports durations (RetryAfter.retry_after, timeouts) as timedelta when
# this is set, as version 23 will always do; without it every rate limit raises a deprecation
# warning. Our code handles both forms.
os.environ.setdefault("PTB_TIMEDELTA", "true")
