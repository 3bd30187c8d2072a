"""The Latin-script language model: romanisation and naive Bayes, on the repository's data."""

from __future__ import annotations

import pytest

from bot.errors import KnowledgeError
from bot.settings import ROOT
from nlu.latin import LatinDetector, fold, latin_letters, load_schemes, romanise, script_letters

LANGUAGES = ("ro", "ru", "uk", "bg", "ka", "en")


@pytest.fixture(scope="module")
def model() -> LatinDetector:
    return LatinDetector.from_training_data(ROOT / "nlu" / "data", LANGUAGES)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("ხარ რა", "ka", "khar ra"),
        ("საბუთები მჭირდება", "ka", "sabutebi mchirdeba"),
        ("Щастя є", "uk", "shchastya ye"),
        ("ъгъл щека", "bg", "agal shteka"),
        ("объём щи", "ru", "obem shchi"),
        ("pasaport nou", "ro", "pasaport nou"),
    ],
)
def test_standard_romanisation(text: str, language: str, expected: str) -> None:
    assert romanise(text, language) == expected


def test_phone_spellings_are_consistent_within_a_text_and_the_same_on_every_run() -> None:
    text = "ხელფასი ხომ არ მაქვს"
    spellings = {romanise(text, "ka", variant=v) for v in range(1, 9)}

    assert romanise(text, "ka", variant=3) == romanise(text, "ka", variant=3)
    assert len(spellings) > 1
    for spelled in spellings:
        first, second = spelled.split()[0][0], spelled.split()[1][0]
        assert first == second  # ხ typed the same way in both words


def test_fold_keeps_latin_words_and_digits_only() -> None:
    assert fold("Ce acte îmi trebuie? Șomaj, 4to!") == "ce acte imi trebuie somaj 4to"
    assert fold("паспорт") == ""


def test_latin_letters_counts_diacritics_too() -> None:
    assert latin_letters("înregistrare 112 паспорт") == 12


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ra sabutebi mchirdeba pasportistvis", "ka"),
        ("rogor avigo akhali pasporti", "ka"),
        ("ojaxis eqimtan rogor chavewero", "ka"),
        ("kak poluchit novyi pasport posle vozvrashcheniya", "ru"),
        ("kakie dokumenty nuzhny dlya registracii rebenka", "ru"),
        ("yak otrymaty novyi pasport pislya povernennya", "uk"),
        ("de meni staty na oblik yak bezrobitnyi", "uk"),
        ("kak da si izvadya nova lichna karta", "bg"),
        ("kakvi dokumenti mi trqbvat za pasport", "bg"),
        ("ce acte imi trebuie pentru pasaport", "ro"),
        ("unde ma inregistrez ca somer", "ro"),
        ("how do I get a new passport after coming back", "en"),
    ],
)
def test_most_probable_language(model: LatinDetector, text: str, expected: str) -> None:
    probabilities = model.probabilities(text)

    assert next(iter(probabilities)) == expected
    assert sum(probabilities.values()) == pytest.approx(1.0)


def test_text_without_latin_letters_has_no_verdict(model: LatinDetector) -> None:
    assert model.probabilities("როგორ ავიღო პასპორტი") == {}
    assert model.languages == LANGUAGES


def test_romanisation_files_are_read_and_a_broken_one_is_named(tmp_path):
    (tmp_path / "xx.yml").write_text("script: Test\nletters:\n  ж: [zh, j]\n", encoding="utf-8")
    schemes = load_schemes(tmp_path)
    assert schemes["xx"].script == "Test"
    assert schemes["xx"].letters == {"ж": ("zh", "j")}
    (tmp_path / "yy.yml").write_text("letters: [a, b]\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="yy.yml"):
        load_schemes(tmp_path)


def test_a_language_reads_its_neighbours_letters_but_its_own_win():
    letters = script_letters("uk")
    assert letters["и"] == "y"  # Ukrainian и
    assert letters["ы"] == "y"  # a Russian letter in a Ukrainian chat still reads
    assert script_letters("en") == {}
