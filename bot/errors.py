"""Domain exceptions.

AssistantError
 ├── ConfigError            settings missing or invalid; start-up stops
 ├── KnowledgeError         a content file is broken; names the file and field
 ├── NluError
 │    ├── NluUnavailable    the Rasa server cannot be reached, timed out or answered badly
 │    └── ModelMissing      no trained model for the current training data
 ├── StorageError           the database refused a unit of work
 └── DeliveryError          a message could not be delivered now
      ├── RetryLater        try again (network, rate limit, staff group unreachable)
      └── Undeliverable     never will be (the user blocked the bot, the chat is gone)
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base of every error the assistant raises on purpose."""


class ConfigError(AssistantError):
    """A setting is missing or invalid."""


class KnowledgeError(AssistantError):
    """A knowledge or NLU content file is invalid."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class NluError(AssistantError):
    """Base of NLU failures."""


class NluUnavailable(NluError):
    """The NLU server did not give a usable answer."""


class ModelMissing(NluError):
    """No trained model matches the current training data and config."""


class StorageError(AssistantError):
    """The database could not complete a unit of work."""


class DeliveryError(AssistantError):
    """A message from the outbox could not be delivered."""


class RetryLater(DeliveryError):
    def __init__(self, reason: str, delay: float | None = None) -> None:
        super().__init__(reason)
        self.delay = delay
        """Seconds to wait, when the server said (Telegram's RetryAfter)."""


class Undeliverable(DeliveryError):
    """Retrying cannot help."""
