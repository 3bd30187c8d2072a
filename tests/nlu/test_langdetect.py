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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ra sabutebi mchirdeba pasportistvis", "ka"),
        ("sad unda mivmartot samushaos sadzieblad", "ka"),
        ("pensias rogor mivigheb saqartveloshi", "ka"),
        ("gde mne vstat na uchet kak bezrabotnyi", "ru"),
        ("hochu pomenyat voditelskie prava", "ru"),
        ("yak zapysaty dytynu do shkoly", "uk"),
        ("khochu obminyaty posvidchennya vodiya", "uk"),
        ("kade da se registriram kato bezraboten", "bg"),
        ("kak da zapisha deteto na uchilishte", "bg"),
    ],
)
def test_detects_languages_typed_in_latin_letters(
    detector: LanguageDetector, text: str, expected: str
) -> None:
    result = detector.detect(text, fallback="en")

    assert (result.language, result.confident, result.romanised) == (expected, True, True)


@pytest.mark.parametrize(
    "text",
    [
        "cum imi fac buletin nou dupa ce m-am intors",
        "vreau sa schimb permisul de conducere",
        "cat costa apostila pe diploma",
        "am nevoie de un medic de familie pentru copil",
    ],
)
def test_romanian_without_diacritics_stays_romanian(detector: LanguageDetector, text: str) -> None:
    result = detector.detect(text, fallback="en")

    assert (result.language, result.confident, result.romanised) == ("ro", True, False)


def test_short_latin_message_keeps_the_users_language(detector: LanguageDetector) -> None:
    result = detector.detect("sabutebi", fallback="ka")

    assert (result.language, result.confident, result.romanised) == ("ka", False, True)
    other = detector.detect("sabutebi", fallback="ro")
    assert (other.language, other.confident, other.romanised) == ("ro", False, False)


def test_without_training_data_latin_georgian_is_not_recognised() -> None:
    plain = LanguageDetector(LANGUAGES, training_data=None)

    assert plain.detect("ra sabutebi mchirdeba pasportistvis", fallback="en").language != "ka"


@pytest.fixture(scope="module")
def with_arabic_and_persian() -> LanguageDetector:
    return LanguageDetector((*LANGUAGES, "ar", "fa"), min_chars=12, min_confidence=0.7)


@pytest.mark.parametrize(
    ("text", "expected", "romanised"),
    [
        ("كيف يمكنني العودة إلى بلدي بمساعدة المنظمة", "ar", False),
        ("بدي ارجع عسوريا شو لازم اعمل", "ar", False),
        ("چطور میتوانم به افغانستان برگردم", "fa", False),
        ("میخوام برگردم ایران کمکم کنید", "fa", False),
        ("bade erja3 3a blade kif bsajel", "ar", True),  # Arabizi
        ("ana bghit nrje3 l lmaghrib", "ar", True),
        ("pasportam gom shode chikar konam", "fa", True),  # Finglish
        ("mikham bargardam afghanistan komak mikham", "fa", True),
        ("kak vernutsya domoy iz bolgarii", "ru", True),
        ("cum ma intorc acasa din bulgaria", "ro", False),
    ],
)
def test_arabic_and_persian_in_their_script_or_in_latin_letters(
    with_arabic_and_persian: LanguageDetector, text: str, expected: str, romanised: bool
) -> None:
    result = with_arabic_and_persian.detect(text, fallback="en")

    assert (result.language, result.confident, result.romanised) == (expected, True, romanised)
