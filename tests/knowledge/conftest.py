"""Fixtures of the knowledge tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.settings import ROOT


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A copy of the repository's knowledge folder the test may break."""
    target = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", target)
    return target
