"""The urgent-danger detector against its hand-written development set, and its edge cases."""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml

from nlu.urgent import FOLDER, KINDS, Urgency, UrgentDetector

DEV_SET = Path(__file__).resolve().parents[2] / "nlu" / "urgency_examples.yml"
LANGUAGES = ("en", "ro", "ru", "uk", "bg", "ka", "ar", "fa")
MIN_RECALL = 0.98
MAX_FALSE_URGENT = 0.03


@pytest.fixture(scope="module")
def detector() -> UrgentDetector:
    return UrgentDetector.load()


def _dev_rows() -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in yaml.safe_load(DEV_SET.read_text(encoding="utf-8")):
        rows[row["language"]].append(row)
    return rows


DEV = _dev_rows()


def test_the_dev_set_covers_every_language_and_kind() -> None:
    assert sorted(DEV) == sorted(LANGUAGES)
    for language in LANGUAGES:
        urgent = [r for r in DEV[language] if r["urgent"]]
        near_misses = [r for r in DEV[language] if not r["urgent"]]
        assert len(urgent) >= 25, language
        assert len(near_misses) >= 25, language
        assert {r["kind"] for r in urgent} == set(KINDS), language
        assert {r["kind"] for r in near_misses} == {None}, language


@pytest.mark.parametrize("language", LANGUAGES)
def test_dev_set_recall_and_false_urgent_rate(detector: UrgentDetector, language: str) -> None:
    urgent = [r for r in DEV[language] if r["urgent"]]
    near_misses = [r for r in DEV[language] if not r["urgent"]]
    missed = [r["text"] for r in urgent if not detector.detect(r["text"], language).urgent]
    raised = [r["text"] for r in near_misses if detector.detect(r["text"], language).urgent]
    assert 1 - len(missed) / len(urgent) >= MIN_RECALL, missed
    assert len(raised) / len(near_misses) <= MAX_FALSE_URGENT, raised


@pytest.mark.parametrize("language", LANGUAGES)
def test_dev_set_kinds(detector: UrgentDetector, language: str) -> None:
    urgent = [r for r in DEV[language] if r["urgent"]]
    wrong = [
        (r["text"], r["kind"], result.kind)
        for r in urgent
        if (result := detector.detect(r["text"], language)).urgent and result.kind != r["kind"]
    ]
    assert len(wrong) / len(urgent) <= 0.05, wrong


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("they took my passport and make me work for free", "documents_taken"),
        ("we are locked in the basement", "confinement"),
        ("he is beating me", "violence"),
        ("i want to kill myself", "self_harm"),
        ("my husband is not breathing", "medical"),
        ("my son is missing", "child"),
        ("they make me sleep with clients, i cant leave", "trafficking"),
        ("we work without pay, they say we owe for the trip and wont let us go", "trafficking"),
    ],
)
def test_kind_is_returned(detector: UrgentDetector, text: str, kind: str) -> None:
    result = detector.detect(text, "en")
    assert (result.urgent, result.kind) == (True, kind)
    assert result.cue is not None and result.cue.startswith(f"en:{kind}:")


def test_romanian_reads_the_same_with_and_without_diacritics(detector: UrgentDetector) -> None:
    with_marks = detector.detect("mi-au luat pașaportul și nu mă lasă să plec", "ro")
    without = detector.detect("mi-au luat pasaportul si nu ma lasa sa plec", "ro")
    cedilla = detector.detect("mi-au luat paşaportul şi nu mă lasă să plec", "ro")
    assert with_marks == without == cedilla
    assert with_marks.kind == "documents_taken"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("pasporti ts'amartves da mamushaveben", "documents_taken"),
        ("pasporti wamartves da mamushaveben", "documents_taken"),
        ("vzeli mi pasporta i ne me puskat", "documents_taken"),
        ("zakliu4iha me v stayata", "confinement"),
        ("zabrali pasport i ne vypuskayut", "documents_taken"),
        ("menya b'yut", "violence"),
        ("menya zaperli pomogite", "confinement"),
        ("ne hochu zhyty", "self_harm"),
    ],
)
def test_latin_typed_georgian_bulgarian_russian_ukrainian(
    detector: UrgentDetector, text: str, kind: str
) -> None:
    assert detector.detect(text).kind == kind


def test_other_languages_are_checked_whatever_the_chat_language(
    detector: UrgentDetector,
) -> None:
    assert detector.detect("меня заперли", "en").kind == "confinement"
    assert detector.detect("i am locked in a room", "ka").kind == "confinement"


@pytest.mark.parametrize(
    "text",
    [
        "years ago my employer kept my passport and made me work for free",
        "I was trafficked in 2019, now I want to know about benefits",
        "пять лет назад меня заперли на ферме, сейчас хочу узнать про пособие",
        "acum 3 ani m-au incuiat intr-o camera, acum vreau sa fac plangere",
    ],
)
def test_a_past_event_is_not_urgent(detector: UrgentDetector, text: str) -> None:
    assert detector.detect(text) == Urgency(False, None, None)


def test_a_present_marker_outweighs_the_past(detector: UrgentDetector) -> None:
    text = "in 2019 they took my passport and they still make me work for free"
    assert detector.detect(text, "en").kind == "documents_taken"


@pytest.mark.parametrize(
    "text",
    [
        "I need my passport urgently",
        "need passport asap pls",
        "срочно нужен паспорт",
        "am nevoie urgent de pasaport",
        "sascrafod mchirdeba pasporti",
        "I lost my passport",
        "my employer has my passport, is that legal?",
    ],
)
def test_needing_or_losing_a_passport_is_not_urgent(detector: UrgentDetector, text: str) -> None:
    assert not detector.detect(text).urgent


@pytest.mark.parametrize(
    "text",
    [
        "this queue is killing me",
        "my feet are killing me after the shift",
        "i'm dying to go home",
        "coada asta ma omoara",
        "эта очередь меня убивает",
        "what should someone do if their passport is taken by an employer?",
    ],
)
def test_idioms_and_hypotheticals_are_not_urgent(detector: UrgentDetector, text: str) -> None:
    assert not detector.detect(text).urgent


def test_a_hypothetical_that_is_happening_now_is_urgent(detector: UrgentDetector) -> None:
    text = "what to do if the boss took my passport and doesnt let me leave, happening to me now"
    assert detector.detect(text, "en").urgent


@pytest.mark.parametrize(
    "text",
    ["", "   ", "😭😭😭", "🙏🆘", "?!...", "\u200b\u200d", "1234 5678"],
)
def test_empty_and_symbol_only_messages_are_not_urgent(
    detector: UrgentDetector, text: str
) -> None:
    assert detector.detect(text) == Urgency(False, None, None)


def test_a_long_message_does_not_crash(detector: UrgentDetector) -> None:
    text = ("I would like to ask about my pension and the documents for my residence. " * 80)[
        :5000
    ]
    assert len(text) == 5000
    assert not detector.detect(text, "en").urgent


def test_the_cue_names_a_rule_never_the_message(detector: UrgentDetector) -> None:
    result = detector.detect("my boss beats me", "en")
    assert result.cue == "en:violence:BEATING"


def test_every_language_spells_every_concept_of_the_shared_rules() -> None:
    rules = yaml.safe_load((FOLDER / "_rules.yml").read_text(encoding="utf-8"))
    needed = {
        concept
        for specs in rules["rules"].values()
        for spec in specs
        for slot in (spec["all"] if isinstance(spec, dict) else spec)
        for concept in slot.split("|")
    }
    for language in LANGUAGES:
        data = yaml.safe_load((FOLDER / f"{language}.yml").read_text(encoding="utf-8"))
        assert needed - set(data["concepts"]) == set(), language


def test_load_is_cached_and_lists_the_languages(detector: UrgentDetector) -> None:
    assert UrgentDetector.load() is detector
    assert sorted(detector.languages) == sorted(LANGUAGES)


def test_adding_a_language_is_adding_a_file(tmp_path: Path) -> None:
    shutil.copy(FOLDER / "_rules.yml", tmp_path / "_rules.yml")
    (tmp_path / "xx.yml").write_text(
        "letters: {ж: zh}\nconcepts:\n  LOCKED: [zhlock]\n", encoding="utf-8"
    )
    detector = UrgentDetector.load(tmp_path)
    assert detector.languages == ("xx",)
    assert detector.detect("ЖLOCK!", "xx") == Urgency(True, "confinement", "xx:confinement:LOCKED")
    assert not detector.detect("I am locked in").urgent


@pytest.mark.parametrize(
    "text",
    [
        "а если меня не выпустят с работы, куда звонить? хочу знать заранее",
        "what if they dont let me leave work, who do i call? i want to know in advance",
        "dar daca nu ma lasa sa plec de la munca, pe cine sun? vreau sa stiu din timp",
        "а якщо мене не відпустять з роботи, куди дзвонити? хочу знати заздалегідь",
        "ами ако не ме пуснат от работа, на кого да се обадя? искам да знам предварително",
        "tu samsaxuridan ar gamishveben sad davreko? winaswar minda vicode",
    ],
)
def test_a_question_asked_in_advance_is_not_urgent(detector: UrgentDetector, text: str) -> None:
    assert not detector.detect(text).urgent


def test_a_passport_named_keeps_forced_work_documents_taken(detector: UrgentDetector) -> None:
    forced = "they make us work without pay and say we owe for the trip, we cant leave"
    assert detector.detect(forced, "en").kind == "trafficking"
    taken = "they took my passport, make us work without pay and say we owe for the trip"
    assert detector.detect(taken, "en").kind == "documents_taken"


def test_a_rule_stands_aside_for_its_unless_concepts(tmp_path: Path) -> None:
    (tmp_path / "_rules.yml").write_text(
        "rules:\n  trafficking:\n    - {all: [DEBT], unless: [PASSPORT]}\n", encoding="utf-8"
    )
    (tmp_path / "xx.yml").write_text(
        "concepts:\n  DEBT: [owe]\n  PASSPORT: [passport]\n", encoding="utf-8"
    )
    detector = UrgentDetector.load(tmp_path)
    assert detector.detect("we owe them").kind == "trafficking"
    assert not detector.detect("we owe them for the passport").urgent
