"""Read Rasa NLU YAML files (training data and the held-out set) into plain examples."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import yaml

from bot.errors import KnowledgeError


def read_examples(path: Path) -> dict[str, list[str]]:
    """Map each intent in one Rasa NLU file to its examples.

    Raises:
        KnowledgeError: the file is not valid Rasa NLU YAML.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise KnowledgeError([f"{path}: not valid YAML ({exc})"]) from exc
    examples: dict[str, list[str]] = defaultdict(list)
    for i, block in enumerate(data.get("nlu") or []):
        intent = block.get("intent") if isinstance(block, dict) else None
        raw = block.get("examples") if isinstance(block, dict) else None
        if not intent or not isinstance(raw, str):
            raise KnowledgeError([f"{path}: nlu[{i}]: needs `intent` and `examples`"])
        for line in raw.splitlines():
            line = line.strip()
            if line.startswith("- "):
                examples[str(intent)].append(line[2:].strip())
    return dict(examples)


def read_language_files(folder: Path) -> dict[str, dict[str, list[str]]]:
    """Examples per language (file stem) per intent, for every `<lang>.yml` in folder."""
    return {path.stem: read_examples(path) for path in sorted(folder.glob("*.yml"))}
