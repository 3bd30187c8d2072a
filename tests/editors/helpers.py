"""Builders shared by the editors' tool tests: content copies, workbook edits, digests."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from bot.settings import ROOT


def copy_knowledge(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", target)
    return target


def copy_nlu_data(tmp_path: Path) -> Path:
    target = tmp_path / "nlu" / "data"
    shutil.copytree(ROOT / "nlu" / "data", target)
    return target


def digest(folder: Path) -> dict[str, str]:
    """Every file below folder → the SHA-256 of its bytes."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def sheet_rows(xlsx: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """(article, country) → {column: value} of the `answers` sheet, with the sheet row number."""
    workbook = load_workbook(xlsx, read_only=True)
    rows = workbook["answers"].iter_rows(values_only=True)
    header = list(next(rows))
    result = {}
    for number, values in enumerate(rows, start=2):
        cells = dict(zip(header, values, strict=True))
        result[(cells["article"], cells["country"])] = {**cells, "row": number}
    workbook.close()
    return result


def edit_sheet(
    source: Path, target: Path, edits: Mapping[tuple[str, str], Mapping[str, Any]]
) -> None:
    """Change cells as an editor would in a spreadsheet program, and save under target."""
    workbook = load_workbook(source)
    sheet = workbook["answers"]
    header = [cell.value for cell in sheet[1]]
    found = set()
    for row in sheet.iter_rows(min_row=2):
        key = (row[0].value, row[1].value)
        for column, value in edits.get(key, {}).items():
            row[header.index(column)].value = value
            found.add(key)
    assert found == set(edits), f"rows not in the sheet: {set(edits) - found}"
    workbook.save(target)


def make_gap(answer_file: Path, language: str) -> None:
    """Replace one language's text by an explicit gap (`xx: null`), as an editor would."""
    lines = answer_file.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index(f"  {language}: |\n")
    end = start + 1
    while end < len(lines) and lines[end].startswith("    "):
        end += 1
    lines[start:end] = [f"  {language}: null\n"]
    answer_file.write_text("".join(lines), encoding="utf-8")
