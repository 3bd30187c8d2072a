"""`kb gaps`: missed questions grouped, matched to articles, accepted as training examples."""

from __future__ import annotations

import difflib
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.db import create_engine, create_sessions, migrate
from bot.gaps import (
    Group,
    Missed,
    Question,
    accept_groups,
    append_examples,
    choose_examples,
    find_groups,
    load_missed,
)
from bot.models import MissedQuestion
from bot.settings import ROOT
from knowledge import KnowledgeBase
from knowledge.check import check
from nlu.examples import read_examples, read_language_files
from tests.editors.helpers import copy_nlu_data
from tests.test_cli import run_cli

NOW = datetime.now(UTC)

PENSION = [
    ("escalate", "как мне получить пенсию за годы работы в италии"),
    ("escalate", "пенсия за стаж в италии как оформить"),
    ("none_of_these", "засчитают ли мне стаж из италии для пенсии"),
    ("escalate", "как получить пенсию за работу в италии?"),
    ("escalate", "Как получить пенсию за работу в Италии"),  # the same question again
    ("escalate", "где взять справку о стаже из италии для пенсии"),
]
OTHERS = [
    ("escalate", "сколько стоит растаможка машины из германии"),
    ("escalate", "растаможка автомобиля из германии цена"),
    ("escalate", "какие прививки нужны собаке для ввоза"),
    ("escalate", "pensie pentru vechimea din italia"),
]


async def fill(url: str, rows: list[tuple[str, str, str, timedelta]]) -> None:
    """Missed questions (reason, language, text, age) in a migrated database."""
    engine = create_engine(url)
    await migrate(engine)
    async with create_sessions(engine).begin() as session:
        for reason, language, text, age in rows:
            session.add(
                MissedQuestion(
                    created_at=NOW - age,
                    reason=reason,
                    text=text,
                    language=language,
                    country="md",
                    intent="out_of_scope",
                    confidence=0.2,
                    article_id="social_pension" if reason == "unhelpful" else None,
                )
            )
    await engine.dispose()


@pytest.fixture
async def database(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'gaps.db'}"
    rows = [(r, "ru", t, timedelta(days=2)) for r, t in PENSION + OTHERS[:3]]
    rows += [(OTHERS[3][0], "ro", OTHERS[3][1], timedelta(days=2))]
    rows += [("escalate", "ru", "пенсия в италии а живу в молдове", timedelta(days=45))]  # too old
    await fill(url, rows)
    return url


@pytest.fixture(scope="module")
def examples() -> dict[str, dict[str, list[str]]]:
    return read_language_files(ROOT / "nlu" / "data")


async def load(url: str, **filters: str | None) -> list[Missed]:
    engine = create_engine(url)
    try:
        return await load_missed(engine, since=NOW - timedelta(days=30), **filters)
    finally:
        await engine.dispose()


async def test_questions_are_read_for_the_period_and_language(database: str) -> None:
    everything = await load(database)
    russian = await load(database, language="ru")

    assert len(everything) == len(PENSION) + len(OTHERS)
    assert [m.text for m in russian] == [t for _, t in PENSION + OTHERS[:3]]


async def test_variants_of_a_pension_question_form_one_group_for_the_pension_article(
    database: str, examples: dict[str, dict[str, list[str]]], kb: KnowledgeBase
) -> None:
    groups = find_groups(await load(database), examples, kb.articles)

    pension = groups[0]
    assert (pension.language, pension.size, pension.article, pension.action) == (
        "ru",
        6,
        "social_pension",
        "add",
    )
    assert pension.suggestion() == "add as training examples to article social_pension"
    assert pension.total("reasons") == Counter({"escalate": 5, "none_of_these": 1})
    assert [(q.text, q.count) for q in pension.questions][0] == (
        "как получить пенсию за работу в италии?",
        2,
    )
    assert {q.text for q in pension.questions} == {t for _, t in PENSION[:4] + PENSION[5:]}
    customs = next(g for g in groups if "растаможка автомобиля из германии цена" in texts(g))
    assert texts(customs) == {OTHERS[0][1], OTHERS[1][1]}
    assert customs.action == "new"
    assert customs.suggestion().startswith("consider a new article")
    romanian = next(g for g in groups if g.language == "ro")
    assert (romanian.size, romanian.article) == (1, "social_pension")
    assert sum(g.size for g in groups) == len(PENSION) + len(OTHERS)


def test_a_question_asked_once_needs_to_be_closer_to_an_article(
    examples: dict[str, dict[str, list[str]]], kb: KnowledgeBase
) -> None:
    # "vaccinations for a dog": spelled much like the children's vaccination examples
    missed = [Missed("какие прививки нужны собаке для ввоза", "ru", "escalate")]

    (group,) = find_groups(missed, examples, kb.articles)

    assert (group.article, group.action) == ("health_children", "new")
    assert group.suggestion().startswith("consider a new article (asked once, somewhat like")


def test_unhelpful_answers_found_by_the_nlu_ask_for_a_review(
    examples: dict[str, dict[str, list[str]]], kb: KnowledgeBase
) -> None:
    missed = [Missed(t, "ru", "unhelpful", "social_pension", "social_pension") for _, t in PENSION]

    (group,) = find_groups(missed, examples, kb.articles)

    assert (group.article, group.action) == ("social_pension", "review")
    assert group.suggestion() == (
        "people found the answer of social_pension unhelpful: check what it says"
    )


def test_examples_with_personal_data_or_already_known_are_left_out() -> None:
    group = Group(
        "ru",
        [
            Question("пенсия за стаж в италии, мой номер +373 69 123 456", 1),
            Question("Пенсионный возраст", 1, closest="social_pension"),
            Question("пенсия за стаж [италия]", 1, closest="social_pension"),
            Question("пенсия и пособие по безработице", 1, closest="job_unemployment_benefit"),
            Question("пенсия из италии", 1, closest="social_pension"),
        ],
        "social_pension",
        0.5,
        None,
        0.0,
        "add",
    )
    existing = {"social_pension": ["пенсионный возраст"]}

    added, skipped = choose_examples(group, existing, held_out={"пенсия из италии"})

    assert added == ["пенсия за стаж (италия)"]
    assert skipped == [
        (
            "пенсия за стаж в италии, мой номер +373 69 123 456",
            "may hold personal data (a long number, e-mail or link)",
        ),
        ("Пенсионный возраст", "already an example of social_pension"),
        ("пенсия и пособие по безработице", "on its own it is closer to job_unemployment_benefit"),
        ("пенсия из италии", "is in the held-out test set"),
    ]


def test_appending_keeps_the_file_and_adds_lines_at_the_end_of_the_intent(
    tmp_path: Path,
) -> None:
    path = copy_nlu_data(tmp_path) / "ru.yml"
    before = path.read_text(encoding="utf-8")
    old = read_examples(path)

    append_examples(path, "social_pension", ["пенсия за стаж в италии", "стаж из италии"])

    after = path.read_text(encoding="utf-8")
    matcher = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines())
    edits = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    assert [op[0] for op in edits] == ["insert"]
    assert after.splitlines()[edits[0][3] : edits[0][4]] == [
        "    - пенсия за стаж в италии",
        "    - стаж из италии",
    ]
    assert read_examples(path) == {
        **old,
        "social_pension": [*old["social_pension"], "пенсия за стаж в италии", "стаж из италии"],
    }


def test_accepting_every_suggestion_appends_to_the_training_data(
    database: str, tmp_path: Path
) -> None:
    nlu = copy_nlu_data(tmp_path)
    before = read_language_files(nlu)
    env = {"DATABASE_URL": database, "NLU_DATA_DIR": str(nlu)}

    completed = run_cli("kb", "gaps", "--language", "ru", "--accept", "--yes", env=env)

    assert completed.returncode == 0, completed.stderr
    assert f"group 1: added 5 to social_pension in {nlu / 'ru.yml'}" in completed.stdout
    after = read_language_files(nlu)
    assert after["ru"]["social_pension"][:-5] == before["ru"]["social_pension"]
    assert set(after["ru"]["social_pension"][-5:]) == {t for _, t in PENSION[:4] + PENSION[5:]}
    assert {k: v for k, v in after["ru"].items() if k != "social_pension"} == {
        k: v for k, v in before["ru"].items() if k != "social_pension"
    }
    assert after["ro"] == before["ro"]  # --language ru
    report = check(ROOT / "knowledge", nlu, max_age_days=100_000, today=NOW.date())
    assert report.errors == []


async def test_each_group_is_confirmed_on_its_own(
    database: str, tmp_path: Path, examples: dict[str, dict[str, list[str]]], kb: KnowledgeBase
) -> None:
    nlu = copy_nlu_data(tmp_path)
    russian = (nlu / "ru.yml").read_bytes()
    groups = find_groups(await load(database), examples, kb.articles)
    asked: list[str] = []
    said: list[str] = []

    def confirm(question: str) -> bool:
        asked.append(question)
        return question.endswith("ro.yml?")  # yes to the Romanian group only

    added = accept_groups(
        groups, nlu, held_out_dir=tmp_path / "no-holdout", confirm=confirm, say=said.append
    )

    ro = next(n for n, g in enumerate(groups, start=1) if g.language == "ro")
    assert asked == [
        "Group 1: add 5 examples to social_pension in ru.yml?",
        f"Group {ro}: add 1 example to social_pension in ro.yml?",
    ]
    assert added == 1
    assert said == [f"  group {ro}: added 1 to social_pension in {nlu / 'ro.yml'}"]
    assert read_examples(nlu / "ro.yml")["social_pension"][-1] == OTHERS[3][1]
    assert (nlu / "ru.yml").read_bytes() == russian


def test_accepting_needs_a_terminal_or_yes(database: str, tmp_path: Path) -> None:
    nlu = copy_nlu_data(tmp_path)
    before = (nlu / "ru.yml").read_bytes()
    env = {"DATABASE_URL": database, "NLU_DATA_DIR": str(nlu)}

    listed = run_cli("kb", "gaps", env=env)
    refused = run_cli("kb", "gaps", "--accept", env=env)
    misused = run_cli("kb", "gaps", "--yes", env=env)

    assert listed.returncode == 0, listed.stderr
    assert "1. [ru] 6 × (escalate 5, none_of_these 1)" in listed.stdout
    assert "   → add as training examples to article social_pension" in listed.stdout
    assert refused.returncode == 1
    assert refused.stdout.rstrip().endswith(
        "Nothing added: confirm each group on a terminal, or use --accept --yes."
    )
    assert misused.returncode == 2
    assert misused.stderr == (
        "error: --yes goes with --accept: python -m bot kb gaps --accept --yes\n"
    )
    assert (nlu / "ru.yml").read_bytes() == before


def test_the_bot_does_not_load_the_editors_libraries() -> None:
    probe = (
        "import sys, bot.app, bot.services, bot.gaps, bot.stats, knowledge.preview\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'matplotlib'}))"
    )

    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )

    assert completed.stdout == "[]\n"


def texts(group: Group) -> set[str]:
    return {q.text for q in group.questions}
