"""Application settings, read once from the environment (and an optional `.env` file)."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


_PLACEHOLDER_TOKENS = {"", "changeme", "your-token-here", "123456:ABC"}


class Settings(BaseSettings):
    """Every setting the assistant reads; documented in README.md and `.env.example`."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org"
    webhook_url: str | None = None
    """Public HTTPS URL Telegram posts updates to; unset: long polling."""
    webhook_secret: SecretStr | None = None
    """Required with WEBHOOK_URL: Telegram sends it in X-Telegram-Bot-Api-Secret-Token."""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_path: str = "telegram"
    database_url: str = f"sqlite+aiosqlite:///{ROOT / 'data' / 'assistant.db'}"

    nlu_url: str | None = None
    nlu_token: SecretStr | None = None
    nlu_timeout: float = 5.0
    nlu_port: int = 0
    nlu_venv: Path = ROOT / ".venv-nlu"
    nlu_startup_timeout: float = 180.0
    models_dir: Path = ROOT / "models"
    run_dir: Path = ROOT / "data"
    """The bot's pid file and the result of the last content reload."""

    default_language: str = "en"
    knowledge_dir: Path = ROOT / "knowledge"
    nlu_data_dir: Path = ROOT / "nlu" / "data"
    rasa_config: Path = ROOT / "config.yml"

    answer_threshold: float = 0.3
    answer_margin: float = 0.15
    clarify_threshold: float = 0.15
    urgent_threshold: float = 0.8
    """The NLU's urgency score from which a message is urgent even when no word of the lexicon
    (nlu/urgent.py) matched it (nlu/components/urgency.py). 0.8: on the fresh held-out urgent
    set 97.9 % of urgent messages caught (the lexicon alone 77 %), 1.4 % of the tidy held-out
    questions and none of the realistic ones flagged; lower catches little more and flags
    many more near misses (README, "Urgent help")."""
    language_confidence: float = 0.7
    language_min_chars: int = 12

    kb_max_age_days: int = 365
    log_level: str = "INFO"

    # The hotline (README "For hotline staff")
    staff_chat_id: int | None = None
    """The staff group (a supergroup, ideally with topics enabled); no group means no cards."""
    staff: str = ""
    """Who may act on tickets: "telegram_id:role[:name]" entries separated by commas; roles are
    agent, supervisor, editor."""
    staff_language: str = "en"
    staff_names_visible: bool = False
    """Show the staff member's name to the migrant on relayed replies."""
    sla_unclaimed_minutes: int = 30
    sla_urgent_minutes: int = 5
    """An urgent request (immediate danger) nobody claimed within this time is re-announced."""
    oncall: str = ""
    """Telegram ids of staff (listed in STAFF) messaged privately about an urgent request when
    the hotline is closed, separated by commas."""
    sla_check_seconds: float = 60.0
    hotline_hours: str = ""
    """When staff answer, e.g. "mon-fri 09:00-18:00; sat 10:00-14:00"; empty means always."""
    hotline_timezone: str = "Europe/Chisinau"
    ticket_reopen_hours: float = 24.0
    """A message within this time after a ticket was resolved reopens it."""
    max_concurrent_updates: int = 64
    """Updates handled at once on PostgreSQL (different chats; one chat's updates always in
    order). SQLite handles one at a time."""
    flood_limit: int = 30
    """Updates one user may send per FLOOD_WINDOW seconds; above it, one notice, then silence."""
    flood_window: float = 60.0
    retention_days: int = 90
    """Conversation text (messages, questions, ticket texts of closed tickets) older than this is
    erased by a job that runs every RETENTION_CHECK_HOURS."""
    retention_check_hours: float = 6.0
    web_listen: str = "127.0.0.1"
    """The web back office's address (`python -m bot web`, and `make run`)."""
    web_port: int = 8080
    web_public_url: str | None = None
    """How staff reach the back office, for login links (e.g. https://hotline.example.org);
    unset: http://WEB_LISTEN:WEB_PORT. Cookies are Secure when it is https."""
    web_in_bot: bool = False
    """Serve the web back office inside the bot's process too (`python -m bot run --web`,
    which `make run` uses); otherwise run `python -m bot web` as its own process."""
    web_secret: SecretStr | None = None
    """Signs the back office's session cookies; unset: a random one kept in RUN_DIR."""
    outbox_poll_seconds: float = 2.0
    outbox_max_backoff: float = 300.0
    """The longest wait between two delivery attempts of one message (seconds)."""

    def oncall_ids(self) -> tuple[int, ...]:
        """ONCALL as Telegram ids; ConfigError for an entry that is not one."""
        ids = []
        for entry in filter(None, (part.strip() for part in self.oncall.split(","))):
            if not re.fullmatch(r"-?[0-9]{1,15}", entry):
                raise ConfigError(f"ONCALL entry '{entry}' must be a Telegram id (digits)")
            ids.append(int(entry))
        return tuple(ids)

    @property
    def web_url(self) -> str:
        return (self.web_public_url or f"http://{self.web_listen}:{self.web_port}").rstrip("/")

    def web_signing_secret(self) -> str:
        """WEB_SECRET, or one made once and kept in RUN_DIR (sessions survive a restart)."""
        if self.web_secret is not None and self.web_secret.get_secret_value():
            return self.web_secret.get_secret_value()
        path = self.run_dir / "web-secret"
        if not path.exists():
            import secrets

            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip()

    def require_webhook_secret(self) -> str:
        """The webhook secret; ConfigError when it is missing or not what Telegram accepts."""
        secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
        if not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", secret):
            raise ConfigError(
                "WEBHOOK_SECRET must be set with WEBHOOK_URL: 16 to 256 characters of "
                "A-Z, a-z, 0-9, _ and -"
            )
        return secret

    def require_token(self) -> str:
        """Return the bot token, or raise ConfigError when it is missing or a placeholder."""
        token = self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else ""
        if token.strip() in _PLACEHOLDER_TOKENS or ":" not in token:
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is missing or a placeholder; get one from @BotFather, "
                "or run `python -m bot shell` to chat in the terminal"
            )
        return token


def load_settings() -> Settings:
    """Settings from the environment; ConfigError naming each invalid variable on one line.

    Raises:
        ConfigError: "SLA_URGENT_MINUTES: Input should be a valid integer (got 'abc')", one
            such line per invalid setting, never a pydantic traceback.
    """
    try:
        return Settings()
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error.get("loc", ())).upper() or "settings"
            value = error.get("input")
            shown = "" if isinstance(value, dict) or value is None else f" (got {value!r})"
            lines.append(f"{name}: {error.get('msg', 'invalid')}{shown}")
        raise ConfigError("; ".join(lines)) from None
