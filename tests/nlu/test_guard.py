"""The far-answer guard: an article far from the question gives its confidence to out_of_scope."""

from __future__ import annotations

import numpy as np
import pytest

from nlu.components.guard import SimilarityGuard


def unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


@pytest.fixture
def guard() -> SimilarityGuard:
    """Passport questions point along x (with a little noise), out-of-scope ones along z."""
    rng = np.random.default_rng(0)
    vectors, labels = [], []
    for intent, axis in (("doc_passport", 0), ("out_of_scope", 2), ("greet", 1)):
        for _ in range(40):
            vector = rng.normal(0.0, 0.05, 3)
            vector[axis] += 1.0
            vectors.append(vector / np.linalg.norm(vector))
            labels.append(intent)
    return SimilarityGuard.fit(
        np.array(vectors), labels, ["passport"] * len(labels), exempt=["greet"], k=3
    )


def ranking(top: str, second: str) -> list[dict[str, object]]:
    return [{"name": top, "confidence": 0.7}, {"name": second, "confidence": 0.3}]


def test_an_article_near_its_examples_keeps_its_confidence(guard: SimilarityGuard) -> None:
    ranked = ranking("doc_passport", "out_of_scope")

    checked = guard.check(ranked, unit(1.0, 0.02, 0.0), "a passport question")

    assert ranked == ranking("doc_passport", "out_of_scope")
    assert checked is not None and checked["refused"] is False


def test_a_far_article_gives_its_confidence_to_out_of_scope(guard: SimilarityGuard) -> None:
    ranked = ranking("doc_passport", "greet")

    checked = guard.check(ranked, unit(1.0, 1.0, 0.0), "a visa for Canada")

    assert ranked == [
        {"name": "out_of_scope", "confidence": 0.7},
        {"name": "greet", "confidence": 0.3},
        {"name": "doc_passport", "confidence": 0.0},
    ]
    assert checked is not None and checked["refused"] is True


def test_nearer_to_out_of_scope_examples_is_refused_too(guard: SimilarityGuard) -> None:
    guard.thresholds = {"latin": -1.0}  # never far: only the margin check can refuse
    ranked = ranking("doc_passport", "out_of_scope")

    guard.check(ranked, unit(0.9, 0.0, 1.0), "a bank loan")

    assert [r["name"] for r in ranked] == ["out_of_scope", "doc_passport"]
    assert ranked[0]["confidence"] == pytest.approx(1.0)


def test_dialogue_intents_are_not_checked(guard: SimilarityGuard) -> None:
    ranked = ranking("greet", "doc_passport")

    assert guard.check(ranked, unit(0.0, 0.0, 1.0), "hello") is None
    assert ranked == ranking("greet", "doc_passport")


def test_the_guard_survives_its_saved_form(guard: SimilarityGuard) -> None:
    copy = SimilarityGuard.from_state(guard.to_state())

    assert copy.thresholds == guard.thresholds
    assert copy.similarities(unit(1.0, 0.0, 0.0)) == pytest.approx(
        guard.similarities(unit(1.0, 0.0, 0.0)), abs=1e-3
    )
