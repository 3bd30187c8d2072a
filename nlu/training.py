"""Train the Rasa model only when its inputs changed (cache key = hash of config and data)."""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from bot.errors import ConfigError, ModelMissing

log = logging.getLogger(__name__)

RASA_VERSION = "3.6.21"

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""Put on the Rasa process's PYTHONPATH so `config.yml` can name `nlu.components.*`."""
COMPONENTS_DIR = Path(__file__).resolve().parent / "components"
MODEL_INPUTS = (
    Path(__file__).resolve().parent / "translit.py",
    PROJECT_ROOT / "requirements" / "nlu-encoder.lock",
    Path(__file__).resolve().parent / "urgency_examples.yml",
)
"""Other files the model depends on: the transliteration rules, the pinned sentence encoder,
the urgency classifier's examples (nlu/components/urgency.py)."""


@dataclass(frozen=True, slots=True)
class NluPaths:
    """Where the Rasa side of the project lives."""

    venv: Path
    config: Path
    data_dir: Path
    models_dir: Path

    @property
    def rasa(self) -> Path:
        return self.venv / "bin" / "rasa"

    def require_rasa(self) -> Path:
        if not self.rasa.exists():
            raise ConfigError(
                f"Rasa is not installed at {self.rasa}; run `make setup` (it creates .venv-nlu "
                "with Python 3.10 and rasa==3.6.21)"
            )
        return self.rasa


def cache_key(paths: NluPaths) -> str:
    """Hash of everything the model is trained from (custom component code included)."""
    digest = hashlib.sha256(RASA_VERSION.encode())
    components = sorted(COMPONENTS_DIR.glob("*.py"))
    inputs = [p for p in MODEL_INPUTS if p.exists()]
    for path in [paths.config, *sorted(paths.data_dir.glob("*.yml")), *components, *inputs]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_path(paths: NluPaths) -> Path:
    return paths.models_dir / f"nlu-{cache_key(paths)}.tar.gz"


def rasa_env() -> dict[str, str]:
    """Environment for Rasa processes: quiet, offline, no telemetry."""
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        PYTHONWARNINGS="ignore",
        HF_HUB_OFFLINE="1",
    )
    # Custom components (nlu/components/) must import whatever the working directory is.
    env["PYTHONPATH"] = os.pathsep.join(
        [str(PROJECT_ROOT), *filter(None, [env.get("PYTHONPATH")])]
    )
    return env


def train(paths: NluPaths, *, force: bool = False) -> Path:
    """Return the model for the current inputs, training it first when it does not exist."""
    target = model_path(paths)
    if target.exists() and not force:
        log.info("NLU model %s is up to date", target.name)
        return target
    rasa = paths.require_rasa()
    paths.models_dir.mkdir(parents=True, exist_ok=True)
    log.info("training NLU model %s", target.name)
    started = time.monotonic()
    completed = subprocess.run(
        [
            str(rasa),
            "train",
            "nlu",
            "--config",
            str(paths.config),
            "--nlu",
            str(paths.data_dir),
            "--out",
            str(paths.models_dir),
            "--fixed-model-name",
            target.name.removesuffix(".tar.gz"),
        ],
        env=rasa_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0 or not target.exists():
        tail = "\n".join((completed.stdout + completed.stderr).splitlines()[-20:])
        raise ModelMissing(f"rasa train failed (exit {completed.returncode}):\n{tail}")
    log.info("trained %s in %.1f s", target.name, time.monotonic() - started)
    for old in paths.models_dir.glob("nlu-*.tar.gz"):
        if old != target:
            old.unlink(missing_ok=True)
    return target
