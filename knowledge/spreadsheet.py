"""`kb export` and `kb import`: the answers as a spreadsheet for editors and translators.

The sheet `answers` has one row per article × country: its status, `reviewed`, `translated`,
`sources`, the answer text in each language and the article's title in each language. Import
edits only what changed, line by line, so that an untouched file stays byte-identical and an
edited one keeps its layout and comments; the result is validated by the loader itself (on a
copy of the folder) before anything is written.

Editing a row's source-language text (see knowledge/stale.py) counts as reviewing the answer
today unless the row gives another `reviewed` date, and marks the translations that were not
edited in the same row as outdated (`translated`); editing a translation marks it current. A
`reviewed` or `translated` cell the editor changed is taken as written.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill

from bot.errors import KnowledgeError
from knowledge.base import ALL_COUNTRIES, KnowledgeBase
from knowledge.loader import load_knowledge
from knowledge.stale import (
    TRANSLATED,
    answer_status,
    read_translated,
    read_yaml,
    shown,
    source_languages,
    source_of,
)

SHEET = "answers"
FIXED_COLUMNS = ("article", "country", "status", "reviewed", TRANSLATED, "sources")
_STATUS_FILLS = {
    "complete": None,
    "missing": PatternFill("solid", fgColor="F8D7DA"),
    "outdated": PatternFill("solid", fgColor="FFF3CD"),
    "stale": PatternFill("solid", fgColor="FFF3CD"),
}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_LIST_SEPARATORS = re.compile(r"[,;\s]+")
_TRANSLATED_ITEM = re.compile(r"^([a-z]{2,3})\s*[:=]?\s*(\d{4}-\d{2}-\d{2})$")

GUIDE = """\
How to use this spreadsheet

Sheet "answers": one row per article and country
  (md Moldova, ge Georgia, bg Bulgaria; all = the same answer for every country).
Edit the answer texts (columns ro, ru, uk, bg, ka, en), the titles (title ro, ...),
  `sources` and `reviewed`. Do not change `article` or `country`.
`status` is computed when exporting and ignored when importing.
A text is at most 900 characters of plain text; numbered steps are written 1. 2. 3.
An empty text cell means "not written yet": the bot offers a person in that language.
sources: institution ids from the sheet "institutions", separated by commas.
reviewed: the day the facts of the source-language text were checked (YYYY-MM-DD).
  Changing the source-language text (ro for md, ka for ge, bg for bg) sets it to today
  and marks the other languages as outdated until they are edited too.
translated: translations checked against an older source text, e.g. "ru: 2026-03-02".
  Empty: every translation is up to date. Editing a translation makes it current.

Then: python -m bot kb import FILE.xlsx   (shows what would change; add --yes to write)
"""


# -- export ------------------------------------------------------------------------------------


def export_workbook(
    kb: KnowledgeBase, root: Path, target: Path, *, max_age_days: int, today: date
) -> int:
    """Write the workbook; returns the number of answer rows."""
    sources = source_languages(root, kb.languages)
    oldest = today - timedelta(days=max_age_days)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    header = header_for(kb.languages)
    _write_row(sheet, 1, header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    number = 1
    for article_id, country in _rows(kb):
        number += 1
        article = kb.articles[article_id]
        answer = kb.answers.get((article_id, country))
        source = source_of(sources, country, kb.languages)
        if answer is None:
            dates: dict[str, date] = {}
            fixed = [article_id, country, "missing", "", "", ""]
            texts = ["" for _ in kb.languages]
        else:
            data = read_yaml(answer.path.read_text(encoding="utf-8")) or {}
            dates, problems = read_translated(
                data, where=shown(answer.path, root), languages=kb.languages, source=source
            )
            if problems:
                raise KnowledgeError(problems)
            fixed = [
                article_id,
                country,
                # a language the situation is not served in is not missing
                answer_status(answer, dates, kb.languages_of(country), oldest=oldest),
                answer.reviewed.isoformat(),
                format_translated(dates, kb.languages),
                ", ".join(s.id for s in answer.sources),
            ]
            texts = [answer.text.get(language) or "" for language in kb.languages]
        titles = [article.title.get(language, "") for language in kb.languages]
        _write_row(sheet, number, [*fixed, *texts, *titles])
        fill = _STATUS_FILLS.get(str(fixed[2]).split(":")[0])
        if fill is not None:
            sheet.cell(number, 3).fill = fill
    _layout(sheet, kb.languages)
    _institutions_sheet(workbook, kb)
    guide = workbook.create_sheet("guide")
    for i, line in enumerate(GUIDE.splitlines(), start=1):
        _write_row(guide, i, [line])
    guide.column_dimensions["A"].width = 120
    target.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(target)
    return number - 1


def header_for(languages: Sequence[str]) -> list[str]:
    return [*FIXED_COLUMNS, *languages, *(f"title {language}" for language in languages)]


def format_translated(dates: Mapping[str, date], languages: Sequence[str]) -> str:
    return ", ".join(f"{lang}: {dates[lang].isoformat()}" for lang in languages if lang in dates)


def _rows(kb: KnowledgeBase) -> Iterator[tuple[str, str]]:
    """Every answer file, and every article × country that has no answer at all."""
    for article_id in kb.articles:
        for country in (*kb.situations, ALL_COUNTRIES):
            situation = kb.situations.get(country)
            if situation is not None and not situation.serves(article_id):
                continue
            if (article_id, country) in kb.answers or (
                country != ALL_COUNTRIES and kb.answer_for(article_id, country) is None
            ):
                yield article_id, country


def _write_row(sheet: Any, number: int, values: Sequence[str]) -> None:
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(number, column)
        cell.value = value
        cell.data_type = "s"  # a text starting with "=" is text, not a formula


def _layout(sheet: Any, languages: Sequence[str]) -> None:
    from openpyxl.utils import get_column_letter

    widths = [28, 8, 22, 12, 18, 24, *(60 for _ in languages), *(28 for _ in languages)]
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = wrap
    sheet.freeze_panes = "D2"
    sheet.auto_filter.ref = sheet.dimensions


def _institutions_sheet(workbook: Any, kb: KnowledgeBase) -> None:
    sheet = workbook.create_sheet("institutions")
    _write_row(sheet, 1, ["id", "url", *(f"name {lang}" for lang in kb.languages)])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for i, institution in enumerate(kb.institutions.values(), start=2):
        names = [institution.name.get(lang, "") for lang in kb.languages]
        _write_row(sheet, i, [institution.id, institution.url, *names])
    sheet.column_dimensions["A"].width = 20
    sheet.column_dimensions["B"].width = 32
    sheet.freeze_panes = "B2"


# -- import: reading the sheet -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SheetRow:
    number: int
    values: Mapping[str, Any]
    """Column name → cell value, for the columns the sheet has."""

    @property
    def label(self) -> str:
        return f"row {self.number} ({self.values.get('article')}, {self.values.get('country')})"


def read_rows(source: Path) -> list[SheetRow]:
    """The non-empty rows of the `answers` sheet.

    Raises:
        KnowledgeError: the file is not a workbook, or has no `answers` sheet with
            `article` and `country` columns.
    """
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except FileNotFoundError as exc:
        raise KnowledgeError([f"{source}: no such file"]) from exc
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise KnowledgeError([f"{source}: not an .xlsx workbook ({exc})"]) from exc
    try:
        if SHEET not in workbook.sheetnames:
            raise KnowledgeError([f"{source}: no sheet named {SHEET!r}"])
        rows = workbook[SHEET].iter_rows(values_only=True)
        header = [str(v).strip().lower() if v is not None else "" for v in next(rows, ())]
        missing = [name for name in ("article", "country") if name not in header]
        if missing:
            raise KnowledgeError([f"{source}: sheet {SHEET}: no column {', '.join(missing)}"])
        result = []
        for number, values in enumerate(rows, start=2):
            cells = {name: v for name, v in zip(header, values, strict=False) if name}
            if all(_blank(v) for v in cells.values()):
                continue
            result.append(SheetRow(number, cells))
        return result
    finally:
        workbook.close()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean_text(value: Any) -> str | None:
    """A cell as answer text: line breaks normalised, trailing spaces and controls removed."""
    if _blank(value):
        return None
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n").replace("\x85", "\n")
    text = _CONTROL.sub("", text)
    text = "\n".join(line.rstrip() for line in text.split("\n")).strip()
    return text or None


def _cell_date(value: Any) -> date | None | str:
    """A date cell (typed by Excel or written as text); a str is the problem."""
    if _blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return "must be a date written as YYYY-MM-DD"


def _cell_translated(value: Any, languages: Sequence[str]) -> dict[str, date] | str:
    if _blank(value):
        return {}
    result: dict[str, date] = {}
    for item in re.split(r"[,;\n]+", str(value)):
        item = item.strip()
        if not item:
            continue
        match = _TRANSLATED_ITEM.match(item)
        if match is None:
            return "write it as `ru: 2026-03-02, uk: 2026-03-02`"
        try:
            result[match[1]] = date.fromisoformat(match[2])
        except ValueError:
            return f"{match[2]} is not a date"
    return {lang: result[lang] for lang in languages if lang in result} | {
        lang: day for lang, day in result.items() if lang not in languages
    }


# -- import: planning --------------------------------------------------------------------------


@dataclass
class FileChange:
    path: Path
    shown: str
    before: str | None
    """None: a new file."""
    after: str
    notes: list[str] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)

    def diff(self) -> str:
        lines = difflib.unified_diff(
            (self.before or "").splitlines(keepends=True),
            self.after.splitlines(keepends=True),
            fromfile=f"{self.shown} (now)" if self.before is not None else "/dev/null",
            tofile=f"{self.shown} (from the spreadsheet)",
            n=1,
        )
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


@dataclass
class ImportPlan:
    changes: list[FileChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.changes

    def summary(self) -> str:
        lines = []
        for change in self.changes:
            lines.append(f"{change.shown}: " + "; ".join(change.notes))
        return "\n".join(lines)

    def diff(self) -> str:
        return "".join(change.diff() for change in self.changes)


def plan_import(root: Path, source: Path, *, today: date) -> ImportPlan:
    """What importing the workbook would change, validated as the bot would load it.

    Raises:
        KnowledgeError: every problem found, each naming its sheet row, file and field;
            nothing may be written then.
    """
    kb = load_knowledge(root)  # the current content must be valid to compare with it
    sources = source_languages(root, kb.languages)
    rows = read_rows(source)
    problems: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    plan = ImportPlan()
    titles: dict[tuple[str, str], dict[str, list[int]]] = {}
    for row in rows:
        key = _row_key(row, kb, problems)
        if key is None:
            continue
        if key in seen:
            problems.append(f"rows {seen[key]} and {row.number} are both {key[0]}, {key[1]}")
            continue
        seen[key] = row.number
        _collect_titles(row, key[0], kb, titles, problems)
        try:
            change = _plan_answer(row, key, kb, root, sources, today, problems)
        except _CannotEdit as exc:
            problems.append(f"{row.label}: {exc}")
            continue
        if change is not None:
            plan.changes.append(change)
    catalog = _plan_titles(root, kb, titles, problems)
    if catalog is not None:
        plan.changes.append(catalog)
    if plan.changes:
        problems += _validate(root, plan, kb, sources)
    if problems:
        raise KnowledgeError(problems)
    return plan


class _CannotEdit(Exception):
    """A file's layout is too unusual to change line by line."""


def _row_key(row: SheetRow, kb: KnowledgeBase, problems: list[str]) -> tuple[str, str] | None:
    article = str(row.values.get("article") or "").strip()
    country = str(row.values.get("country") or "").strip().lower()
    if not article or not country:
        problems.append(f"row {row.number}: needs both `article` and `country`")
        return None
    if article not in kb.articles:
        problems.append(
            f"row {row.number}: article {article} is not in catalog.yml (add new articles there)"
        )
        return None
    if country not in (*kb.situations, ALL_COUNTRIES):
        countries = ", ".join((*kb.situations, ALL_COUNTRIES))
        problems.append(f"row {row.number}: country {country} is not one of {countries}")
        return None
    return article, country


def _plan_answer(
    row: SheetRow,
    key: tuple[str, str],
    kb: KnowledgeBase,
    root: Path,
    sources_by_country: Mapping[str, str],
    today: date,
    problems: list[str],
) -> FileChange | None:
    article_id, country = key
    path = root / "answers" / country / f"{article_id}.yml"
    answer = kb.answers.get(key)
    source = source_of(sources_by_country, country, kb.languages)
    before = path.read_text(encoding="utf-8") if answer is not None else None
    old_text: dict[str, str | None] = {
        lang: (answer.text.get(lang) if answer else None) for lang in kb.languages
    }
    old_sources = [s.id for s in answer.sources] if answer else []
    old_dates: dict[str, date] = {}
    if before is not None:
        data = read_yaml(before) or {}
        old_dates, found = read_translated(
            data, where=shown(path, root), languages=kb.languages, source=source
        )
        problems.extend(found)
    values = row.values
    text = dict(old_text)
    for lang in kb.languages:
        # Compared as cleaned, so that spaces a file may have at a line's end are no edit.
        if lang in values and clean_text(values[lang]) != clean_text(old_text[lang]):
            text[lang] = clean_text(values[lang])
    edited = {lang for lang in kb.languages if text[lang] != old_text[lang]}
    if answer is None and not any(text.values()):
        return None  # an empty row for an answer nobody has written yet

    notes: list[str] = [] if answer is not None else ["new file"]
    if answer is not None:
        for lang in kb.languages:
            if lang in edited:
                verb = "removed" if text[lang] is None else "changed"
                notes.append(f"{lang} text {'added' if old_text[lang] is None else verb}")

    reviewed = answer.reviewed if answer else None
    cell = _cell_date(values.get("reviewed"))
    if isinstance(cell, str):
        problems.append(f"{row.label}: reviewed: {cell}")
        return None
    if cell is not None and cell != reviewed:
        notes.append(f"reviewed {_iso(reviewed)} → {cell.isoformat()}")
        reviewed = cell
    elif source in edited or reviewed is None:
        notes.append(f"reviewed {_iso(reviewed)} → {today.isoformat()} ({source} text changed)")
        reviewed = today

    new_sources = old_sources
    if "sources" in values:
        new_sources = [s for s in _LIST_SEPARATORS.split(str(values["sources"] or "")) if s]
        if new_sources != old_sources:
            notes.append(f"sources {', '.join(old_sources) or '—'} → {', '.join(new_sources)}")

    dates = dict(old_dates)
    typed = _cell_translated(values.get(TRANSLATED), kb.languages)
    if isinstance(typed, str):
        problems.append(f"{row.label}: {TRANSLATED}: {typed}")
        return None
    if TRANSLATED in values and typed != old_dates:
        dates = typed
        notes.append(f"{TRANSLATED}: {format_translated(typed, list(typed)) or 'all current'}")
    elif edited:
        dates = _follow_source(dates, text, edited, source, answer.reviewed if answer else None)
        behind = sorted(set(dates) - set(old_dates), key=kb.languages.index)
        current = sorted(set(old_dates) - set(dates), key=kb.languages.index)
        if behind:
            notes.append(f"{', '.join(behind)} marked outdated (translate again)")
        if current:
            notes.append(f"{', '.join(current)} marked current")

    if (
        not edited
        and reviewed == (answer.reviewed if answer else None)
        and new_sources == old_sources
        and dates == old_dates
    ):
        return None
    assert reviewed is not None
    expected = _Expected(reviewed, new_sources, dates, text, kb.languages)
    if before is None:
        after = expected.render()
    else:
        after = expected.edit(
            before,
            edited,
            old_answer_reviewed=answer.reviewed if answer else None,
            old_sources=old_sources,
            old_dates=old_dates,
        )
    expected.verify(after)
    return FileChange(path, shown(path, root), before, after, notes, [row.number])


def _follow_source(
    dates: dict[str, date],
    text: Mapping[str, str | None],
    edited: set[str],
    source: str,
    old_reviewed: date | None,
) -> dict[str, date]:
    """Translations not edited along with their source fall behind it; edited ones catch up."""
    result = dict(dates)
    for lang, body in text.items():
        if lang == source:
            continue
        if body is None or lang in edited:
            result.pop(lang, None)
        elif source in edited and old_reviewed is not None and lang not in result:
            result[lang] = old_reviewed
    return result


def _iso(day: date | None) -> str:
    return day.isoformat() if day else "—"


# -- import: writing YAML line by line ---------------------------------------------------------


@dataclass
class _Expected:
    """An answer file's content after the import, and how to write it."""

    reviewed: date
    sources: list[str]
    dates: dict[str, date]
    text: dict[str, str | None]
    languages: Sequence[str]

    def render(self) -> str:
        lines = [f"reviewed: {self.reviewed.isoformat()}\n", f"sources: {_flow(self.sources)}\n"]
        if self.dates:
            lines.append(f"{TRANSLATED}: {_flow(self.dates)}\n")
        lines.append("text:\n")
        for lang in self.languages:
            lines += _language_lines(lang, self.text[lang], "  ")
        return "".join(lines)

    def edit(
        self,
        before: str,
        edited: set[str],
        *,
        old_answer_reviewed: date | None,
        old_sources: list[str],
        old_dates: dict[str, date],
    ) -> str:
        lines = before.splitlines(keepends=True)
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        if self.reviewed != old_answer_reviewed:
            _set_line(lines, "reviewed", self.reviewed.isoformat())
        if self.sources != old_sources:
            _set_line(lines, "sources", _flow(self.sources))
        if self.dates != old_dates:
            if self.dates:
                _set_line(lines, TRANSLATED, _flow(self.dates), before_key="text")
            else:
                _remove_key(lines, TRANSLATED)
        for lang in self.languages:
            if lang in edited:
                _set_language(lines, lang, self.text[lang], self.languages)
        return "".join(lines)

    def verify(self, after: str) -> None:
        """The written YAML must read back as intended, or nothing is written."""
        try:
            data = read_yaml(after) or {}
        except yaml.YAMLError as exc:
            raise _CannotEdit(f"the edited file would not be valid YAML ({exc})") from exc
        texts = data.get("text") if isinstance(data.get("text"), dict) else {}
        read = {
            lang: (v.strip() if isinstance(v, str) else v) for lang, v in (texts or {}).items()
        }
        if (
            data.get("reviewed") != self.reviewed
            or data.get("sources") != self.sources
            or (data.get(TRANSLATED) or {}) != self.dates
            or any(read.get(lang) != self.text[lang] for lang in self.languages)
        ):
            raise _CannotEdit(
                "the layout of this file cannot be changed automatically; "
                "make this change in the file itself"
            )


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # one date shared by several languages is written out each time


def _flow(value: Any) -> str:
    dumped = yaml.dump(
        value,
        Dumper=_Dumper,
        default_flow_style=True,
        allow_unicode=True,
        sort_keys=False,
        width=10**9,
    )
    return str(dumped).strip()


def _scalar(value: str) -> str:
    dumped = str(yaml.safe_dump(value, allow_unicode=True, width=10**9))
    return dumped.removesuffix("\n...\n").strip()


def _language_lines(lang: str, body: str | None, indent: str) -> list[str]:
    if body is None:
        return [f"{indent}{lang}: null\n"]
    content = [f"{indent}  {line}\n" if line else "\n" for line in body.split("\n")]
    return [f"{indent}{lang}: |\n", *content]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _find(lines: list[str], key: str, indent: int, start: int = 0, end: int | None = None) -> int:
    pattern = re.compile(rf"^ {{{indent}}}{re.escape(key)}:(\s|$)")
    for i in range(start, len(lines) if end is None else end):
        if pattern.match(lines[i]):
            return i
    return -1


def _block_end(lines: list[str], start: int) -> int:
    """The end (exclusive) of the key on line `start`: its deeper lines, not trailing blanks."""
    indent = _indent(lines[start])
    end = start + 1
    for i in range(start + 1, len(lines)):
        if not lines[i].strip():
            continue
        if _indent(lines[i]) <= indent:
            break
        end = i + 1
    return end


def _set_line(lines: list[str], key: str, value: str, *, before_key: str | None = None) -> None:
    """`key: value` at the top level, keeping a trailing comment; added when missing."""
    i = _find(lines, key, 0)
    if i < 0:
        at = _find(lines, before_key, 0) if before_key else -1
        if at < 0:
            at = next((n for n, line in enumerate(lines) if not line.startswith("#")), len(lines))
        lines.insert(at, f"{key}: {value}\n")
        return
    end = _block_end(lines, i)
    comment = ""
    if end == i + 1:
        match = re.match(rf"^{re.escape(key)}:\s*(\S.*?)?(\s+#.*)?$", lines[i].rstrip("\n"))
        comment = (match[2] or "") if match else ""
    lines[i:end] = [f"{key}: {value}{comment}\n"]


def _remove_key(lines: list[str], key: str) -> None:
    i = _find(lines, key, 0)
    if i >= 0:
        del lines[i : _block_end(lines, i)]


def _set_language(lines: list[str], lang: str, body: str | None, languages: Sequence[str]) -> None:
    top = _find(lines, "text", 0)
    if top < 0 or lines[top].split(":", 1)[1].split("#")[0].strip():
        raise _CannotEdit("`text:` must be followed by one language per line")
    end = _block_end(lines, top)
    children = [n for n in range(top + 1, end) if lines[n].strip() and not _comment(lines[n])]
    indent = _indent(lines[children[0]]) if children else 2
    i = _find(lines, lang, indent, top + 1, end)
    new = _language_lines(lang, body, " " * indent)
    if i >= 0:
        lines[i : _block_end(lines, i)] = new
        return
    at = top + 1
    for earlier in languages[: languages.index(lang)]:
        j = _find(lines, earlier, indent, top + 1, end)
        if j >= 0:
            at = max(at, _block_end(lines, j))
    lines[at:at] = new


def _comment(line: str) -> bool:
    return line.lstrip().startswith("#")


# -- import: titles in catalog.yml ----------------------------------------------------------------


def _collect_titles(
    row: SheetRow,
    article_id: str,
    kb: KnowledgeBase,
    titles: dict[tuple[str, str], dict[str, list[int]]],
    problems: list[str],
) -> None:
    article = kb.articles[article_id]
    for lang in kb.languages:
        value = clean_text(row.values.get(f"title {lang}"))
        if value is None or value == article.title.get(lang):
            continue
        if "\n" in value:
            problems.append(f"{row.label}: title {lang}: one line only")
            continue
        titles.setdefault((article_id, lang), {}).setdefault(value, []).append(row.number)


def _plan_titles(
    root: Path,
    kb: KnowledgeBase,
    titles: Mapping[tuple[str, str], Mapping[str, list[int]]],
    problems: list[str],
) -> FileChange | None:
    if not titles:
        return None
    path = root / "catalog.yml"
    before = path.read_text(encoding="utf-8")
    lines = before.splitlines(keepends=True)
    notes = []
    rows: list[int] = []
    for (article_id, lang), proposals in titles.items():
        if len(proposals) > 1:
            where = "; ".join(
                f"rows {', '.join(map(str, n))}: {t!r}" for t, n in proposals.items()
            )
            problems.append(f"title {lang} of {article_id} differs between rows ({where})")
            continue
        ((title, numbers),) = proposals.items()
        try:
            _set_title(lines, article_id, lang, title)
        except _CannotEdit as exc:
            problems.append(f"rows {', '.join(map(str, numbers))}: {exc}")
            continue
        old = kb.articles[article_id].title.get(lang)
        notes.append(f"title {lang} of {article_id}: {old!r} → {title!r}")
        rows += numbers
    after = "".join(lines)
    if after == before:
        return None
    data = read_yaml(after) or {}
    for (article_id, lang), proposals in titles.items():
        if len(proposals) == 1 and data["articles"][article_id]["title"][lang] != next(
            iter(proposals)
        ):
            problems.append(
                f"{shown(path, root)}: the title of {article_id} cannot be changed automatically"
            )
    return FileChange(path, shown(path, root), before, after, notes, sorted(set(rows)))


def _set_title(lines: list[str], article_id: str, lang: str, title: str) -> None:
    articles = _find(lines, "articles", 0)
    article = (
        _find(lines, article_id, 2, articles + 1, _block_end(lines, articles))
        if articles >= 0
        else -1
    )
    block = (
        _find(lines, "title", 4, article + 1, _block_end(lines, article)) if article >= 0 else -1
    )
    if block < 0 or lines[block].split(":", 1)[1].split("#")[0].strip():
        raise _CannotEdit(
            f"the titles of {article_id} in catalog.yml cannot be changed automatically"
        )
    end = _block_end(lines, block)
    i = _find(lines, lang, 6, block + 1, end)
    line = f"      {lang}: {_scalar(title)}\n"
    if i >= 0:
        lines[i : _block_end(lines, i)] = [line]
    else:
        lines.insert(end, line)


# -- import: validating and writing ------------------------------------------------------------


def _validate(
    root: Path, plan: ImportPlan, kb: KnowledgeBase, sources: Mapping[str, str]
) -> list[str]:
    """Problems of the changed content, loaded from a copy of the folder as the bot loads it."""
    rows_by_file = {change.shown: change.rows for change in plan.changes}
    with tempfile.TemporaryDirectory(prefix="kb-import-") as folder:
        copy = Path(folder) / root.name
        shutil.copytree(root, copy)
        for change in plan.changes:
            target = copy / change.path.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(change.after, encoding="utf-8")
        problems: list[str] = []
        try:
            load_knowledge(copy)
        except KnowledgeError as exc:
            problems += exc.problems
        for change in plan.changes:
            if change.path.parent.parent != root / "answers":
                continue
            data = read_yaml(change.after) or {}
            _, found = read_translated(
                data,
                where=change.shown,
                languages=kb.languages,
                source=source_of(sources, change.path.parent.name, kb.languages),
            )
            problems += found
    return [_with_rows(p, rows_by_file) for p in problems]


def _with_rows(problem: str, rows_by_file: Mapping[str, list[int]]) -> str:
    file = problem.split(":", 1)[0]
    rows = rows_by_file.get(file)
    if not rows:
        return problem
    return f"row {', '.join(map(str, rows))}: {problem}"


def apply(plan: ImportPlan) -> None:
    """Write every changed file (each replaced at once, never half-written)."""
    for change in plan.changes:
        change.path.parent.mkdir(parents=True, exist_ok=True)
        partial = change.path.with_name(change.path.name + ".importing")
        partial.write_text(change.after, encoding="utf-8")
        os.replace(partial, change.path)
