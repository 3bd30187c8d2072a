"""The sentence-encoder interface: plugging in another encoder by its import path."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from nlu.components.encoders import SentenceEncoder, load_encoder, normalised


class LengthEncoder:
    """A stand-in encoder: each text becomes (its length, 1)."""

    def __init__(self, model_path: str | None = None, num_threads: int | None = None) -> None:
        self.model_path = model_path

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return np.array([[len(t), 1.0] for t in texts])


class NoEncode:
    def __init__(self, model_path: str | None = None, num_threads: int | None = None) -> None:
        pass


def test_another_encoder_is_named_by_its_import_path() -> None:
    encoder = load_encoder(f"{__name__}:LengthEncoder", model_path="/models/other.onnx")

    assert isinstance(encoder, SentenceEncoder)
    assert isinstance(encoder, LengthEncoder)
    assert encoder.model_path == "/models/other.onnx"
    assert encoder.encode(["abc", ""]).tolist() == [[3.0, 1.0], [0.0, 1.0]]


@pytest.mark.parametrize("name", ["fastembed", f"{__name__}:NoEncode"])
def test_a_name_that_is_no_encoder_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="encoder"):
        load_encoder(name)


def test_normalised_rows_have_unit_length_and_zero_rows_stay_zero() -> None:
    rows = normalised(np.array([[3.0, 4.0], [0.0, 0.0]]))

    assert rows.tolist() == [[0.6, 0.8], [0.0, 0.0]]
