"""`kb export` / `kb import`: the answers as a spreadsheet, back into the files losslessly."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.errors import KnowledgeError
from knowledge import load_knowledge
from knowledge.spreadsheet import apply, export_workbook, header_for, plan_import
from knowledge.stale import find_stale
from tests.editors.helpers import copy_knowledge, digest, edit_sheet, sheet_rows
from tests.test_cli import run_cli

TODAY = date(2027, 1, 15)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_knowledge(tmp_path)


@pytest.fixture
def exported(root: Path, tmp_path: Path) -> Path:
    target = tmp_path / "kb.xlsx"
    export_workbook(load_knowledge(root), root, target, max_age_days=365, today=TODAY)
    return target


def test_export_has_one_row_per_answer_and_a_column_per_language(
    root: Path, exported: Path
) -> None:
    kb = load_knowledge(root)

    rows = sheet_rows(exported)

    assert len(rows) == len(kb.answers)
    passport = rows[("doc_passport", "md")]
    answer = kb.answers[("doc_passport", "md")]
    assert list(passport)[:-1] == header_for(kb.languages)
    assert {lang: passport[lang] for lang in kb.languages_of("md")} == dict(answer.text)
    assert passport["ar"] is None and passport["fa"] is None  # not served in Moldova
    assert passport["sources"] == ", ".join(s.id for s in answer.sources)
    assert passport["reviewed"] == answer.reviewed.isoformat()
    assert passport["title en"] == kb.articles["doc_passport"].title["en"]
    assert passport["status"] == "complete"


def test_round_trip_without_edits_changes_no_byte(root: Path, tmp_path: Path) -> None:
    path = root / "answers" / "md" / "doc_passport.yml"  # spaces at a line's end stay too
    path.write_text(path.read_text(encoding="utf-8").replace("\n  ru: |", "   \n  ru: |"), "utf-8")
    before = digest(root)
    env = {"KNOWLEDGE_DIR": str(root)}

    exported = run_cli("kb", "export", str(tmp_path / "kb.xlsx"), env=env)
    imported = run_cli("kb", "import", str(tmp_path / "kb.xlsx"), "--yes", env=env)

    assert exported.returncode == 0, exported.stderr
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout == "Nothing to change: the spreadsheet matches the knowledge files.\n"
    assert digest(root) == before


def test_editing_a_translation_changes_only_its_line(
    root: Path, exported: Path, tmp_path: Path
) -> None:
    path = root / "answers" / "md" / "doc_passport.yml"
    before = path.read_text(encoding="utf-8").splitlines()
    old = load_knowledge(root).answers[("doc_passport", "md")]
    ru = str(old.text["ru"]).splitlines()
    edited = [*ru[:1], ru[1] + " Запись онлайн.", *ru[2:]]
    edit_sheet(
        exported, tmp_path / "edited.xlsx", {("doc_passport", "md"): {"ru": "\n".join(edited)}}
    )

    plan = plan_import(root, tmp_path / "edited.xlsx", today=TODAY)
    apply(plan)

    after = path.read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [(f"    {ru[1]}", f"    {ru[1]} Запись онлайн.")]
    assert plan.summary() == "knowledge/answers/md/doc_passport.yml: ru text changed"
    new = load_knowledge(root).answers[("doc_passport", "md")]
    assert new.text["ru"] == "\n".join(edited)
    assert new.reviewed == old.reviewed  # a translation edit is not a review of the facts


def test_import_shows_the_diff_and_writes_only_when_confirmed(
    root: Path, exported: Path, tmp_path: Path
) -> None:
    kb = load_knowledge(root)
    en = str(kb.answers[("doc_passport", "md")].text["en"]).splitlines()
    edit_sheet(
        exported,
        tmp_path / "edited.xlsx",
        {("doc_passport", "md"): {"en": "\n".join([en[0] + " Updated.", *en[1:]])}},
    )
    before = digest(root)
    env = {"KNOWLEDGE_DIR": str(root)}

    shown = run_cli("kb", "import", str(tmp_path / "edited.xlsx"), env=env)  # stdin: not a TTY

    assert shown.returncode == 1
    assert digest(root) == before
    lines = shown.stdout.splitlines()
    assert lines[0] == "knowledge/answers/md/doc_passport.yml: en text changed"
    assert "--- knowledge/answers/md/doc_passport.yml (now)" in lines
    assert "+++ knowledge/answers/md/doc_passport.yml (from the spreadsheet)" in lines
    assert f"-    {en[0]}" in lines
    assert f"+    {en[0]} Updated." in lines
    assert lines[-1] == "Nothing written. Run again with --yes to write these changes."

    written = run_cli("kb", "import", str(tmp_path / "edited.xlsx"), "--yes", env=env)

    assert written.returncode == 0, written.stderr
    assert str(load_knowledge(root).answers[("doc_passport", "md")].text["en"]).startswith(
        en[0] + " Updated."
    )


def test_a_broken_edit_is_refused_naming_row_file_and_field(
    root: Path, exported: Path, tmp_path: Path
) -> None:
    rows = sheet_rows(exported)
    edit_sheet(
        exported,
        tmp_path / "broken.xlsx",
        {
            ("doc_passport", "md"): {"ro": "x" * 950},
            ("doc_passport", "ge"): {"sources": "ge_sda, ge_nope"},
            ("health_mental", "bg"): {"reviewed": "21.11.2026"},
            ("job_training", "bg"): {"en": "See <b>this</b>"},
        },
    )
    before = digest(root)

    with pytest.raises(KnowledgeError) as raised:
        plan_import(root, tmp_path / "broken.xlsx", today=TODAY)
    completed = run_cli(
        "kb", "import", str(tmp_path / "broken.xlsx"), "--yes", env={"KNOWLEDGE_DIR": str(root)}
    )

    row = {key: values["row"] for key, values in rows.items()}
    assert sorted(raised.value.problems) == sorted(
        [
            f"row {row[('doc_passport', 'md')]}: knowledge/answers/md/doc_passport.yml: "
            "text.ro: 950 characters, at most 900",
            f"row {row[('doc_passport', 'ge')]}: knowledge/answers/ge/doc_passport.yml: "
            "sources: unknown institution ge_nope",
            f"row {row[('health_mental', 'bg')]} (health_mental, bg): "
            "reviewed: must be a date written as YYYY-MM-DD",
            f"row {row[('job_training', 'bg')]}: knowledge/answers/bg/job_training.yml: "
            "text.en: plain text only (no HTML or Markdown)",
        ]
    )
    assert completed.returncode == 2
    assert completed.stderr.splitlines()[0].endswith("was not imported, nothing was written:")
    assert "Traceback" not in completed.stderr
    assert digest(root) == before


def test_editing_the_source_text_marks_the_translations_outdated(
    root: Path, exported: Path, tmp_path: Path
) -> None:
    old = load_knowledge(root).answers[("social_pension", "md")]
    edit_sheet(
        exported,
        tmp_path / "edited.xlsx",
        {
            ("social_pension", "md"): {
                "ro": f"{old.text['ro']}\nÎntrebați și despre pensia de urmaș.",
                "en": f"{old.text['en']}\nAlso ask about a survivor's pension.",
            }
        },
    )

    apply(plan_import(root, tmp_path / "edited.xlsx", today=TODAY))

    path = root / "answers" / "md" / "social_pension.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["reviewed"] == TODAY
    assert data["translated"] == {lang: old.reviewed for lang in ("ru", "uk", "bg", "ka")}
    assert path.read_text(encoding="utf-8").splitlines()[2] == (
        "translated: {ru: %s, uk: %s, bg: %s, ka: %s}" % ((old.reviewed.isoformat(),) * 4)
    )
    report = find_stale(load_knowledge(root), root, max_age_days=365, today=TODAY)
    assert [(o.file, o.language) for o in report.outdated] == [
        ("knowledge/answers/md/social_pension.yml", lang) for lang in ("ru", "uk", "bg", "ka")
    ]

    export_workbook(
        load_knowledge(root), root, tmp_path / "again.xlsx", max_age_days=365, today=TODAY
    )
    row = sheet_rows(tmp_path / "again.xlsx")[("social_pension", "md")]
    assert row["status"] == "outdated: ru, uk, bg, ka"
    assert plan_import(root, tmp_path / "again.xlsx", today=TODAY).empty

    edit_sheet(
        tmp_path / "again.xlsx",
        tmp_path / "translated.xlsx",
        {
            ("social_pension", "md"): {
                "ru": f"{old.text['ru']}\nСпросите и о пенсии по потере кормильца."
            }
        },
    )
    apply(plan_import(root, tmp_path / "translated.xlsx", today=TODAY))

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["translated"] == {lang: old.reviewed for lang in ("uk", "bg", "ka")}
    assert data["reviewed"] == TODAY


def test_a_georgian_file_keeps_its_comment(root: Path, exported: Path, tmp_path: Path) -> None:
    path = root / "answers" / "ge" / "doc_passport.yml"
    first_line = path.read_text(encoding="utf-8").splitlines()[0]
    old = load_knowledge(root).answers[("doc_passport", "ge")]
    edit_sheet(
        exported,
        tmp_path / "edited.xlsx",
        {
            ("doc_passport", "ge"): {
                "ka": f"{old.text['ka']}\nდამატებითი ინფორმაცია.",
                "reviewed": "2027-01-10",
            }
        },
    )

    apply(plan_import(root, tmp_path / "edited.xlsx", today=TODAY))

    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[:3] == [first_line, "reviewed: 2027-01-10", lines[2]]
    assert lines[3].startswith("translated: {ro: ")  # ka is Georgia's source language
    assert str(load_knowledge(root).answers[("doc_passport", "ge")].text["ka"]).endswith(
        "დამატებითი ინფორმაცია."
    )


def test_a_missing_answer_is_written_as_a_new_file(root: Path, tmp_path: Path) -> None:
    (root / "answers" / "bg" / "job_training.yml").unlink()
    kb = load_knowledge(root)
    export_workbook(kb, root, tmp_path / "kb.xlsx", max_age_days=365, today=TODAY)
    row = sheet_rows(tmp_path / "kb.xlsx")[("job_training", "bg")]
    assert row["status"] == "missing"
    assert all(row[lang] is None for lang in kb.languages)
    texts = {lang: f"Text in {lang}.\n1. Ask the agency." for lang in kb.languages if lang != "ka"}
    edit_sheet(
        tmp_path / "kb.xlsx",
        tmp_path / "new.xlsx",
        {("job_training", "bg"): {**texts, "sources": "bg_az"}},
    )

    apply(plan_import(root, tmp_path / "new.xlsx", today=TODAY))

    path = root / "answers" / "bg" / "job_training.yml"
    assert path.read_text(encoding="utf-8").splitlines()[:5] == [
        f"reviewed: {TODAY.isoformat()}",
        "sources: [bg_az]",
        "text:",
        "  ro: |",
        "    Text in ro.",
    ]
    answer = load_knowledge(root).answers[("job_training", "bg")]
    assert answer.text["ka"] is None  # an explicit gap
    assert answer.text["en"] == "Text in en.\n1. Ask the agency."


def test_titles_are_edited_in_the_catalog(root: Path, exported: Path, tmp_path: Path) -> None:
    catalog = root / "catalog.yml"
    before = catalog.read_text(encoding="utf-8").splitlines()
    old = load_knowledge(root).articles["doc_id_card"].title["en"]
    edit_sheet(
        exported, tmp_path / "edited.xlsx", {("doc_id_card", "ge"): {"title en": "ID card"}}
    )

    apply(plan_import(root, tmp_path / "edited.xlsx", today=TODAY))

    after = catalog.read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [(f"      en: {old}", "      en: ID card")]
    assert load_knowledge(root).articles["doc_id_card"].title["en"] == "ID card"


def test_rows_that_disagree_or_do_not_exist_are_refused(
    root: Path, exported: Path, tmp_path: Path
) -> None:
    rows = sheet_rows(exported)
    edit_sheet(
        exported,
        tmp_path / "edited.xlsx",
        {
            ("doc_id_card", "md"): {"title en": "ID card"},
            ("doc_id_card", "ge"): {"title en": "Identity card"},
            ("doc_passport", "bg"): {"article": "doc_pasport"},
        },
    )

    with pytest.raises(KnowledgeError) as raised:
        plan_import(root, tmp_path / "edited.xlsx", today=TODAY)

    md, ge = rows[("doc_id_card", "md")]["row"], rows[("doc_id_card", "ge")]["row"]
    assert raised.value.problems == [
        f"row {rows[('doc_passport', 'bg')]['row']}: article doc_pasport is not in catalog.yml "
        "(add new articles there)",
        f"title en of doc_id_card differs between rows (rows {md}: 'ID card'; "
        f"rows {ge}: 'Identity card')",
    ]


def test_a_file_that_is_not_a_workbook_is_one_clear_line(root: Path, tmp_path: Path) -> None:
    (tmp_path / "notes.xlsx").write_text("not a spreadsheet", encoding="utf-8")

    completed = run_cli(
        "kb", "import", str(tmp_path / "notes.xlsx"), env={"KNOWLEDGE_DIR": str(root)}
    )

    assert completed.returncode == 2
    assert completed.stderr.splitlines()[1].startswith(
        f"  {tmp_path / 'notes.xlsx'}: not an .xlsx"
    )
    assert "Traceback" not in completed.stderr
