"""Read Rasa NLU YAML files (training data, the held-out set) and the realistic held-out set
(`nlu/tests/holdout_real/`) into plain examples."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


STYLES = ("terse", "long", "typo", "ordinary", "latin", "near_domain", "vague")
"""How a held-out example is written; one example may have several."""


@dataclass(frozen=True, slots=True)
class HeldOutExample:
    language: str
    text: str
    intent: str | None
    """The expected intent; None for a vague message that names only `topic`."""
    topic: str | None = None
    styles: tuple[str, ...] = ()


def read_held_out(folder: Path) -> list[HeldOutExample]:
    """Every example of every `<lang>.yml` in folder, in either format.

    Rasa NLU YAML (`nlu:` blocks, as `nlu/tests/holdout/`) gives examples without styles; the
    realistic format (as `nlu/tests/holdout_real/`) is::

        language: ka
        examples:
        - text: "pasporti rogor gavaketo"
          intent: doc_passport
          style: [latin, typo]
        - text: "sabutebi"
          intent: null
          topic: documents
          style: [vague]

    Raises:
        KnowledgeError: a file is not valid YAML, or an example lacks its text, or both its
            intent and topic, or has an unknown style.
    """
    examples: list[HeldOutExample] = []
    for path in sorted(folder.glob("*.yml")):
        data = _load(path)
        if "nlu" in data:
            examples += [
                HeldOutExample(path.stem, text, intent)
                for intent, texts in read_examples(path).items()
                for text in texts
            ]
        else:
            examples += _read_realistic(path, data)
    return examples


def _load(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise KnowledgeError([f"{path}: not valid YAML ({exc})"]) from exc
    if not isinstance(data, dict):
        raise KnowledgeError([f"{path}: expected a mapping with `nlu` or `examples`"])
    return data


def _read_realistic(path: Path, data: dict[str, Any]) -> list[HeldOutExample]:
    language = str(data.get("language") or path.stem)
    items = data.get("examples")
    if language != path.stem or not isinstance(items, list):
        raise KnowledgeError([f"{path}: needs `language: {path.stem}` and a list `examples`"])
    problems: list[str] = []
    examples: list[HeldOutExample] = []
    for i, item in enumerate(items):
        where = f"{path}: examples[{i}]"
        if not isinstance(item, dict) or not str(item.get("text") or "").strip():
            problems.append(f"{where}: needs `text`")
            continue
        intent, topic = item.get("intent"), item.get("topic")
        raw_styles = item.get("style") or []
        styles = tuple(
            str(s) for s in ([raw_styles] if isinstance(raw_styles, str) else raw_styles)
        )
        unknown = [s for s in styles if s not in STYLES]
        if unknown:
            problems.append(f"{where}: unknown style {', '.join(unknown)} (one of {STYLES})")
        if not intent and not topic:
            problems.append(f"{where}: needs `intent`, or `topic` for a vague message")
            continue
        examples.append(
            HeldOutExample(
                language,
                str(item["text"]).strip(),
                str(intent) if intent else None,
                str(topic) if topic else None,
                styles,
            )
        )
    if problems:
        raise KnowledgeError(problems)
    return examples
