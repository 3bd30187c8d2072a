"""How specific a short message's words are, from (fixture) training examples."""

from __future__ import annotations

import pytest

from nlu.vocabulary import Vocabulary, keys

TRAINING = {
    "ro": {
        "doc_passport": ["cum îmi fac pașaport nou", "pașaportul mi-a expirat"],
        "doc_id_card": ["buletin nou", "am pierdut buletinul și alte documente"],
        "doc_apostille": ["apostila pe documente", "legalizarea documentelor"],
        "out_of_scope": ["ce vreme va fi mâine"],
    },
    "ka": {
        "doc_passport": ["როგორ ავიღო პასპორტი", "პასპორტის აღდგენა"],
        "doc_id_card": ["პირადობის მოწმობა დავკარგე"],
    },
}


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return Vocabulary.from_examples(TRAINING)


def test_keys_are_folded_stems_of_real_words() -> None:
    assert keys("Pașaportul meu, 112, de la primărie") == {"pasap", "meu", "prima"}


def test_a_word_of_one_article_is_specific(vocabulary: Vocabulary) -> None:
    assert vocabulary.specificity("pasaport", "doc_passport") == 1.0
    assert vocabulary.specificity("pașaportul", "doc_id_card") == 0.0


def test_a_word_of_several_articles_is_not(vocabulary: Vocabulary) -> None:
    # "docum…" is in both doc_apostille examples (rate 1) and in one of the three doc_id_card
    # ones (rate 1/3): shares 1 / (4/3) and (1/3) / (4/3)
    assert vocabulary.specificity("documente", "doc_apostille") == pytest.approx(0.75)
    assert vocabulary.specificity("documente", "doc_id_card") == pytest.approx(0.25)


def test_the_most_telling_word_decides(vocabulary: Vocabulary) -> None:
    assert vocabulary.specificity("documente pasaport", "doc_passport") == 1.0


def test_georgian_is_also_indexed_in_latin_letters(vocabulary: Vocabulary) -> None:
    assert vocabulary.specificity("pasporti", "doc_passport") == 1.0
    assert vocabulary.specificity("პასპორტი", "doc_passport") == 1.0


def test_unknown_words_give_no_verdict(vocabulary: Vocabulary) -> None:
    assert vocabulary.specificity("xyzzy", "doc_passport") is None
    assert vocabulary.specificity("de la", "doc_passport") is None
