"""Latin-typed Georgian, Bulgarian, Russian and Ukrainian spelt back in their own scripts."""

from __future__ import annotations

import pytest

from nlu.translit import CharModel, latin_share, script_of, transliterate


@pytest.mark.parametrize(
    ("text", "target", "expected"),
    [
        # Georgian: digraphs, and the apostrophe that marks an ejective.
        ("shvili, kharji, zhurnali, ghvino, dzma", "ka", "შვილი, ხარჯი, ჟურნალი, ღვინო, ძმა"),
        ("ch'ala da ts'q'ali", "ka", "ჭალა და წყალი"),
        ("gamarjoba", "ka", "გამარჯობა"),
        # Without a model an ambiguous letter takes its usual reading: p ფ, t თ.
        ("pasporti minda", "ka", "ფასფორთი მინდა"),
        # Bulgarian shlyokavitsa: q for я, 4 for ч, 6 for ш, 6t and sht for щ.
        ("kak da si izvadq lichna karta", "bg", "как да си извадя лична карта"),
        ("6te hodq na 4ovek", "bg", "ще ходя на човек"),
        ("ima li shtastie", "bg", "има ли щастие"),
        ("kak poluchit pasport", "ru", "как получит паспорт"),
        ("shchi i borshch", "ru", "щи и борщ"),
        ("yak otrymaty pasport", "uk", "як отримати паспорт"),
        ("yizhak ye", "uk", "їжак є"),
        # Numbers, punctuation and words already in another script stay as they are.
        ("Pasport: 112!", "ru", "паспорт: 112!"),
        ("паспорт minda", "ka", "паспорт მინდა"),
    ],
)
def test_default_readings(text: str, target: str, expected: str) -> None:
    assert transliterate(text, target) == expected


def test_a_model_of_the_language_picks_the_reading_that_looks_like_it() -> None:
    georgian = CharModel.fit(["პასპორტი მინდა", "სად ავიღო პასპორტი", "კითხვა მაქვს"])
    bulgarian = CharModel.fit(["Искам да си извадя лична карта", "Къде мога да намеря работа"])

    assert transliterate("pasporti minda", "ka", georgian) == "პასპორტი მინდა"
    assert transliterate("kitkhva makvs", "ka", georgian) == "კითხვა მაქვს"
    assert transliterate("kade moga", "bg", bulgarian) == "къде мога"


def test_a_model_survives_its_json_form() -> None:
    model = CharModel.fit(["პასპორტი მინდა"])

    copy = CharModel.from_json(model.to_json())

    assert transliterate("pasporti", "ka", copy) == "პასპორტი"
    assert copy.words == model.words


def test_known_share_counts_words_of_three_letters_or_more() -> None:
    model = CharModel.fit(["Къде мога да намеря работа"])

    assert model.known_share("къде мога xyz да") == 2 / 3
    assert model.known_share("да") == 0.0


@pytest.mark.parametrize(
    ("text", "share", "script"),
    [
        ("pasporti minda", 1.0, "latin"),
        ("паспорт pasport", 0.5, "cyrillic"),
        ("გამარჯობა hi", 2 / 11, "georgian"),
        ("112 ...", 0.0, None),
    ],
)
def test_latin_share_and_script(text: str, share: float, script: str | None) -> None:
    assert (latin_share(text), script_of(text)) == (share, script)
