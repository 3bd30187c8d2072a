import pytest

from nlu.langdetect import LanguageDetector

LANGUAGES = ("ro", "ru", "uk", "bg", "ka", "en")


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector(LANGUAGES, min_chars=12, min_confidence=0.7)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cum imi fac buletinul de identitate din nou", "ro"),
        ("unde mă înregistrez la agenția de ocupare", "ro"),
        ("как получить новый паспорт после возвращения", "ru"),
        ("як отримати новий паспорт після повернення", "uk"),
        ("как да си извадя нова лична карта", "bg"),
        ("როგორ ავიღო ახალი პასპორტი", "ka"),
        ("how do I register as unemployed after coming back", "en"),
    ],
)
def test_detects_clear_messages(detector: LanguageDetector, text: str, expected: str) -> None:
    result = detector.detect(text, fallback="en")

    assert (result.language, result.confident) == (expected, True)


@pytest.mark.parametrize("text", ["ok", "salut", "112", "da", "👍"])
def test_short_messages_keep_the_users_language(detector: LanguageDetector, text: str) -> None:
    result = detector.detect(text, fallback="ka")

    assert (result.language, result.confident) == ("ka", False)


def test_empty_text_falls_back(detector: LanguageDetector) -> None:
    assert detector.detect("", fallback="bg").language == "bg"
