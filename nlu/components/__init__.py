"""Custom Rasa components, loaded by the Rasa process (Python 3.10, `.venv-nlu`).

`config.yml` names them by module path (`nlu.components.<module>.<Class>`); `nlu/training.py`
puts the project root on the Rasa process's `PYTHONPATH` so they import for training and serving
alike. Nothing here is imported by the bot itself.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import ModuleType


def source_digest(*modules: ModuleType) -> str:
    """Hash of the modules' source, for a component's `fingerprint_addon`.

    Rasa's training cache keys a component by its class's own source and config; code it calls in
    other modules (rules, the guard) would not retrain it when changed without this.
    """
    digest = hashlib.sha256()
    for module in modules:
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()
