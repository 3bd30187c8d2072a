"""The held-out sets stay held out: no training example (of the intents or of the urgency
classifier) repeats one of their messages."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import yaml

from bot.settings import ROOT
from nlu.examples import read_language_files

HELD_OUT = ("holdout", "holdout_real", "holdout_fresh", "urgent", "urgent_fresh")


def normalised(text: str) -> str:
    """Case, accents and punctuation folded, as the featurizers see text."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def held_out_texts(folder: Path) -> set[str]:
    texts: set[str] = set()
    for path in folder.glob("*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if "nlu" in data:
            for block in data["nlu"]:
                texts |= {
                    normalised(line.strip()[2:])
                    for line in block["examples"].splitlines()
                    if line.strip().startswith("- ")
                }
        else:
            texts |= {normalised(str(example["text"])) for example in data["examples"]}
    return texts


def test_no_training_example_repeats_a_held_out_message() -> None:
    held_out = set().union(*(held_out_texts(ROOT / "nlu" / "tests" / name) for name in HELD_OUT))
    training = read_language_files(ROOT / "nlu" / "data")

    urgency = yaml.safe_load((ROOT / "nlu" / "urgency_examples.yml").read_text("utf-8"))

    leaked = sorted(
        f"nlu/data/{language}.yml ({intent}): {text}"
        for language, intents in training.items()
        for intent, texts in intents.items()
        for text in texts
        if normalised(text) in held_out
    ) + sorted(
        f"nlu/urgency_examples.yml: {row['text']}"
        for row in urgency
        if normalised(str(row["text"])) in held_out
    )

    assert len(held_out) > 1700  # the four sets were found
    assert leaked == []
