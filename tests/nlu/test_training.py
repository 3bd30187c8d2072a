"""Training inputs: what the model's cache key covers and how Rasa finds custom components."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

import nlu.training as training
from nlu.training import PROJECT_ROOT, NluPaths, cache_key, rasa_env


def make_paths(tmp_path: Path) -> NluPaths:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "en.yml").write_text('version: "3.1"\nnlu: []\n')
    (tmp_path / "config.yml").write_text("pipeline: []\n")
    return NluPaths(tmp_path / "venv", tmp_path / "config.yml", tmp_path / "data", tmp_path)


def test_custom_component_code_is_part_of_the_cache_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    components = tmp_path / "components"
    components.mkdir()
    (components / "classifier.py").write_text("C = 30\n")
    monkeypatch.setattr(training, "COMPONENTS_DIR", components)
    paths = make_paths(tmp_path)
    before = cache_key(paths)

    (components / "classifier.py").write_text("C = 10\n")

    assert cache_key(paths) != before


def test_rasa_processes_can_import_the_project_whatever_the_working_directory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYTHONPATH", "/somewhere/else")

    assert rasa_env()["PYTHONPATH"].split(":") == [str(PROJECT_ROOT), "/somewhere/else"]


def test_every_custom_component_in_config_exists() -> None:
    """A dotted component name in config.yml must be a class in a file of this repository."""
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    custom = [step["name"] for step in config["pipeline"] if "." in step["name"]]
    assert custom, "config.yml uses no custom component"
    for name in custom:
        module, _, cls = name.rpartition(".")
        source = PROJECT_ROOT / (module.replace(".", "/") + ".py")
        classes = {
            node.name
            for node in ast.walk(ast.parse(source.read_text(encoding="utf-8")))
            if isinstance(node, ast.ClassDef)
        }
        assert cls in classes, f"{name}: no class {cls} in {source}"
