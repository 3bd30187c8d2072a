"""Refuse an article when the question is far, in meaning, from everything it was trained on.

Why: logistic regression shares all the probability among the intents it knows, so a question
near the domain but outside it ("a work visa for Canada", "a bank loan", "a second citizenship")
gets the nearest article, often confidently enough to be answered. The sentence embedding
(`encoder.py`) says how near the question really is to that article's training examples.

Two checks on the top-ranked guarded intent (every intent but out_of_scope and the dialogue
ones), each comparing the mean cosine similarity of the message to the `k` nearest training
examples of an intent:

- *far*: the similarity to the article is below a threshold, the `quantile` of that similarity
  for in-scope training examples to their own intent. It is calibrated by cross-validation (each
  example against the other folds, so it is not compared with itself) and per script, since e5
  puts any two Georgian texts closer than two Latin ones;
- *nearer out of scope*: the out_of_scope examples are nearer than the article's by more than
  `margin`.

Either moves the article's probability to out_of_scope, which the bot's decision layer then
escalates if it comes out on top. Plain numpy, so the application's tests can exercise it too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nlu.translit import script_of

OUT_OF_SCOPE = "out_of_scope"


def script_key(text: str) -> str:
    """The script a threshold is kept for: "georgian", "cyrillic" or "latin" (the default)."""
    return script_of(text) or "latin"


def _top_k_mean(similarities: np.ndarray, k: int) -> np.ndarray:
    """Row-wise mean of the k largest values (all of them when a row has fewer)."""
    if similarities.shape[1] <= k:
        return np.asarray(similarities.mean(axis=1))
    top = np.partition(similarities, -k, axis=1)[:, -k:]
    return np.asarray(top.mean(axis=1))


@dataclass
class SimilarityGuard:
    """Training embeddings grouped by intent, and the thresholds learnt from them."""

    examples: np.ndarray
    """Unit-length training embeddings (n × d), the examples of each intent together."""
    starts: np.ndarray
    """Where each intent's rows begin in `examples` (one more entry: the end)."""
    intents: list[str]
    guarded: list[str]
    thresholds: dict[str, float]
    """Script → the similarity below which the top guarded intent is refused."""
    k: int
    margin: float

    @classmethod
    def fit(
        cls,
        vectors: np.ndarray,
        labels: Sequence[str],
        texts: Sequence[str],
        *,
        exempt: Sequence[str],
        k: int = 5,
        quantile: float = 0.01,
        margin: float = 0.01,
        folds: int = 5,
        seed: int = 42,
    ) -> SimilarityGuard:
        """Keep the examples and calibrate the per-script thresholds by cross-validation."""
        labels_array = np.asarray(labels)
        order = np.argsort(labels_array, kind="stable")
        intents, starts = np.unique(labels_array[order], return_index=True)
        guarded = [i for i in intents.tolist() if i != OUT_OF_SCOPE and i not in exempt]
        vectors = np.asarray(vectors, dtype=np.float32)
        fold_of = np.random.default_rng(seed).integers(0, folds, size=len(labels_array))
        own = np.full(len(labels_array), np.nan)
        for fold in range(folds):
            held, rest = np.flatnonzero(fold_of == fold), np.flatnonzero(fold_of != fold)
            similarity = vectors[held] @ vectors[rest].T
            for intent in guarded:
                rows = np.flatnonzero(labels_array[held] == intent)
                columns = np.flatnonzero(labels_array[rest] == intent)
                if len(rows) and len(columns):
                    own[held[rows]] = _top_k_mean(similarity[np.ix_(rows, columns)], k)
        scripts = np.array([script_key(t) for t in texts])
        known = ~np.isnan(own)
        thresholds = {
            script: float(np.quantile(own[known & (scripts == script)], quantile))
            for script in sorted(set(scripts[known].tolist()))
        }
        return cls(
            examples=vectors[order],
            starts=np.append(starts, len(labels_array)),
            intents=intents.tolist(),
            guarded=guarded,
            thresholds=thresholds,
            k=k,
            margin=margin,
        )

    def similarities(self, vector: np.ndarray) -> dict[str, float]:
        """Intent → mean similarity of `vector` to that intent's k nearest examples."""
        row = self.examples @ np.asarray(vector, dtype=np.float32).reshape(-1)
        return {
            intent: float(_top_k_mean(row[np.newaxis, start:end], self.k)[0])
            for intent, start, end in zip(
                self.intents, self.starts[:-1], self.starts[1:], strict=True
            )
        }

    def check(
        self, ranking: list[dict[str, Any]], vector: np.ndarray, text: str
    ) -> dict[str, Any] | None:
        """Move the top guarded intent's confidence to out_of_scope when it is far (in place).

        Returns what was checked (for the parse output), or None when the top intent is not
        guarded.
        """
        top = ranking[0]
        if top["name"] not in self.guarded:
            return None
        similarity = self.similarities(vector)
        nearest = similarity[top["name"]]
        threshold = self.thresholds.get(script_key(text), min(self.thresholds.values()))
        out_of_scope = similarity.get(OUT_OF_SCOPE, -1.0)
        refused = nearest < threshold or out_of_scope - nearest > self.margin
        if refused:
            target = next((r for r in ranking if r["name"] == OUT_OF_SCOPE), None)
            if target is None:
                target = {"name": OUT_OF_SCOPE, "confidence": 0.0}
                ranking.append(target)
            target["confidence"] += top["confidence"]
            top["confidence"] = 0.0
            ranking.sort(key=lambda r: -r["confidence"])
        return {
            "intent": top["name"],
            "similarity": round(nearest, 4),
            "threshold": round(threshold, 4),
            "out_of_scope_similarity": round(out_of_scope, 4),
            "refused": refused,
        }

    def to_state(self) -> dict[str, Any]:
        """Plain values for skops (the embeddings in half precision: half the model size)."""
        return {
            "examples": self.examples.astype(np.float16),
            "starts": self.starts.astype(np.int64),
            "intents": list(self.intents),
            "guarded": list(self.guarded),
            "thresholds": dict(self.thresholds),
            "k": self.k,
            "margin": self.margin,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> SimilarityGuard:
        return cls(
            examples=np.asarray(state["examples"], dtype=np.float32),
            starts=np.asarray(state["starts"]),
            intents=list(state["intents"]),
            guarded=list(state["guarded"]),
            thresholds=dict(state["thresholds"]),
            k=int(state["k"]),
            margin=float(state["margin"]),
        )
