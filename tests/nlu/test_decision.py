import pytest

from nlu.decision import Action, Candidate, NluResult, Thresholds, decide, word_count
from nlu.vocabulary import Vocabulary

ARTICLES = {"doc_passport", "doc_id_card", "return_travel_document", "job_vacancies"}
T = Thresholds(answer=0.6, margin=0.15, clarify=0.12)


def result(*ranking: tuple[str, float]) -> NluResult:
    candidates = tuple(Candidate(i, c) for i, c in ranking)
    return NluResult(candidates[0].intent, candidates[0].confidence, candidates)


def test_confident_article_is_answered() -> None:
    decision = decide(result(("doc_passport", 0.9), ("doc_id_card", 0.05)), ARTICLES, T)

    assert (decision.action, decision.article) == (Action.ANSWER, "doc_passport")


def test_close_articles_are_clarified_best_first() -> None:
    decision = decide(
        result(("doc_passport", 0.5), ("return_travel_document", 0.3), ("doc_id_card", 0.15)),
        ARTICLES,
        T,
    )

    assert decision.action == Action.CLARIFY
    assert [c.intent for c in decision.candidates] == [
        "doc_passport",
        "return_travel_document",
        "doc_id_card",
    ]


def test_confident_but_not_ahead_enough_is_clarified() -> None:
    decision = decide(result(("doc_passport", 0.62), ("doc_id_card", 0.5)), ARTICLES, T)

    assert decision.action == Action.CLARIFY


def test_at_most_three_candidates() -> None:
    decision = decide(
        result(
            ("doc_passport", 0.3),
            ("doc_id_card", 0.25),
            ("return_travel_document", 0.2),
            ("job_vacancies", 0.15),
        ),
        ARTICLES,
        T,
    )

    assert len(decision.candidates) == 3


def test_out_of_scope_is_escalated() -> None:
    decision = decide(result(("out_of_scope", 0.8), ("doc_passport", 0.1)), ARTICLES, T)

    assert (decision.action, decision.reason) == (Action.ESCALATE, "out_of_scope")


def test_nothing_close_is_escalated_as_low_confidence() -> None:
    decision = decide(result(("greet", 0.4), ("doc_passport", 0.05)), ARTICLES, T)

    assert (decision.action, decision.reason) == (Action.ESCALATE, "low_confidence")


def test_request_for_a_person_is_escalated() -> None:
    decision = decide(result(("ask_human", 0.95)), ARTICLES, T)

    assert (decision.action, decision.reason) == (Action.ESCALATE, "ask_human")


def test_smalltalk() -> None:
    decision = decide(result(("thanks", 0.97)), ARTICLES, T)

    assert (decision.action, decision.intent) == (Action.SMALLTALK, "thanks")


def test_dialogue_intents_are_never_clarify_candidates() -> None:
    decision = decide(
        result(("greet", 0.45), ("doc_passport", 0.3), ("thanks", 0.2), ("doc_id_card", 0.16)),
        ARTICLES,
        T,
    )

    assert [c.intent for c in decision.candidates] == ["doc_passport", "doc_id_card"]


# -- topics, short messages, never a lone clarify candidate ---------------------------------

TOPICS = {
    "doc_passport": "documents",
    "doc_id_card": "documents",
    "doc_apostille": "documents",
    "return_travel_document": "return",
    "job_vacancies": "jobs",
    "job_training": "jobs",
    "job_labour_rights": "jobs",
    "health_family_doctor": "health",
    "health_children": "health",
}
TRAINING = {
    "en": {
        "doc_passport": [
            "how do I renew my passport",
            "my passport expired abroad",
            "new passport for an adult",
        ],
        "doc_id_card": ["how do I get an identity card", "lost my id card", "documents for id"],
        "doc_apostille": ["apostille on my documents", "legalise documents from abroad"],
        "return_travel_document": ["travel document to go home without a passport"],
        "job_vacancies": ["where can I find work", "looking for work in my town", "job offers"],
        "job_training": ["courses to learn a new trade for work", "training for work"],
        "job_labour_rights": ["my employer did not pay for my work", "rights at work"],
        "health_family_doctor": ["register with a family doctor", "how to find a doctor"],
        "health_children": ["a doctor for my child", "vaccines for children"],
        "out_of_scope": ["what is the weather", "tell me a joke"],
    }
}


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return Vocabulary.from_examples(TRAINING)


def test_answer_and_clarify_carry_their_topic() -> None:
    answer = decide(result(("doc_passport", 0.9), ("doc_id_card", 0.05)), TOPICS, T)
    clarify = decide(result(("doc_passport", 0.5), ("doc_id_card", 0.4)), TOPICS, T)
    mixed = decide(result(("doc_passport", 0.5), ("return_travel_document", 0.4)), TOPICS, T)

    assert (answer.action, answer.topic) == (Action.ANSWER, "documents")
    assert (clarify.action, clarify.topic) == (Action.CLARIFY, "documents")
    assert (mixed.action, mixed.topic) == (Action.CLARIFY, None)


def test_vague_word_spread_over_one_topic_gets_the_topics_menu(vocabulary: Vocabulary) -> None:
    decision = decide(
        result(("doc_apostille", 0.3), ("doc_id_card", 0.25), ("doc_passport", 0.2)),
        TOPICS,
        T,
        text="documents",
        vocabulary=vocabulary,
    )

    assert (decision.action, decision.topic) == (Action.MENU, "documents")
    assert [c.intent for c in decision.candidates] == [
        "doc_apostille",
        "doc_id_card",
        "doc_passport",
    ]


def test_confident_but_unspecific_word_gets_the_menu_not_an_answer(
    vocabulary: Vocabulary,
) -> None:
    """The classifier is sure "work" means vacancies; the training data uses it for three
    articles of the topic."""
    decision = decide(
        result(("job_vacancies", 0.97), ("job_training", 0.02)),
        TOPICS,
        T,
        text="work",
        vocabulary=vocabulary,
    )

    assert (decision.action, decision.topic) == (Action.MENU, "jobs")
    assert {c.intent for c in decision.candidates} == {
        "job_vacancies",
        "job_training",
        "job_labour_rights",
    }
    assert decision.candidates[0].intent == "job_vacancies"


def test_doctor_is_a_topic_when_several_articles_use_it(vocabulary: Vocabulary) -> None:
    decision = decide(
        result(("health_family_doctor", 0.95), ("health_children", 0.03)),
        TOPICS,
        T,
        text="doctor",
        vocabulary=vocabulary,
    )

    assert (decision.action, decision.topic) == (Action.MENU, "health")


def test_specific_short_message_is_answered_when_very_confident(vocabulary: Vocabulary) -> None:
    decision = decide(
        result(("doc_passport", 0.95), ("doc_id_card", 0.02)),
        TOPICS,
        T,
        text="renew passport",
        vocabulary=vocabulary,
    )

    assert (decision.action, decision.article) == (Action.ANSWER, "doc_passport")


def test_specific_short_message_is_not_answered_when_only_fairly_confident(
    vocabulary: Vocabulary,
) -> None:
    decision = decide(
        result(("doc_passport", 0.62), ("doc_id_card", 0.1)),
        TOPICS,
        T,
        text="renew passport",
        vocabulary=vocabulary,
    )

    assert decision.action is Action.MENU
    assert decision.candidates[0].intent == "doc_passport"


def test_the_same_ranking_is_answered_for_a_full_question(vocabulary: Vocabulary) -> None:
    decision = decide(
        result(("job_vacancies", 0.97), ("job_training", 0.02)),
        TOPICS,
        T,
        text="where can I find work near my village",
        vocabulary=vocabulary,
    )

    assert (decision.action, decision.article) == (Action.ANSWER, "job_vacancies")


def test_unknown_short_word_falls_back_on_the_classifiers_concentration(
    vocabulary: Vocabulary,
) -> None:
    concentrated = decide(
        result(("doc_passport", 0.9), ("doc_id_card", 0.02)),
        TOPICS,
        T,
        text="pashaport",
        vocabulary=vocabulary,
    )
    spread = decide(
        result(("doc_passport", 0.72), ("doc_id_card", 0.14), ("doc_apostille", 0.12)),
        TOPICS,
        T,
        text="pashaport",
        vocabulary=vocabulary,
    )

    assert concentrated.action is Action.ANSWER
    assert (spread.action, spread.topic) == (Action.MENU, "documents")


def test_short_message_across_topics_is_clarified_with_several_candidates(
    vocabulary: Vocabulary,
) -> None:
    decision = decide(
        result(
            ("doc_passport", 0.3),
            ("job_vacancies", 0.28),
            ("health_family_doctor", 0.27),
        ),
        TOPICS,
        T,
        text="help please",
        vocabulary=vocabulary,
    )

    assert decision.action is Action.CLARIFY
    assert len(decision.candidates) == 3


def test_short_out_of_scope_message_is_still_escalated(vocabulary: Vocabulary) -> None:
    decision = decide(
        result(("out_of_scope", 0.7), ("doc_passport", 0.1)),
        TOPICS,
        T,
        text="weather",
        vocabulary=vocabulary,
    )

    assert (decision.action, decision.reason) == (Action.ESCALATE, "out_of_scope")


def test_lone_close_candidate_is_joined_by_the_runner_up() -> None:
    decision = decide(
        result(("out_of_scope", 0.25), ("doc_passport", 0.2), ("return_travel_document", 0.05)),
        TOPICS,
        T,
    )

    assert decision.action is Action.CLARIFY
    assert [c.intent for c in decision.candidates] == ["doc_passport", "return_travel_document"]


def test_lone_close_candidate_without_runner_up_gets_its_topics_menu() -> None:
    decision = decide(result(("out_of_scope", 0.25), ("doc_passport", 0.2)), TOPICS, T)

    assert (decision.action, decision.topic) == (Action.MENU, "documents")
    assert decision.candidates[0] == Candidate("doc_passport", 0.2)
    assert {c.intent for c in decision.candidates} == {
        "doc_passport",
        "doc_id_card",
        "doc_apostille",
    }


def test_lone_candidate_without_topics_is_escalated_not_clarified() -> None:
    decision = decide(result(("out_of_scope", 0.25), ("doc_passport", 0.2)), ARTICLES, T)

    assert (decision.action, decision.reason) == (Action.ESCALATE, "out_of_scope")


@pytest.mark.parametrize(
    "ranking",
    [
        (("doc_passport", 0.2),),
        (("greet", 0.29), ("doc_passport", 0.16), ("doc_id_card", 0.01)),
        (("out_of_scope", 0.2), ("job_vacancies", 0.19), ("health_children", 0.0)),
        (("doc_passport", 0.29), ("doc_id_card", 0.15), ("job_training", 0.14)),
    ],
)
@pytest.mark.parametrize("text", [None, "passport", "documents please now", "x"])
def test_never_a_clarify_with_a_single_candidate(
    ranking: tuple[tuple[str, float], ...], text: str | None, vocabulary: Vocabulary
) -> None:
    decision = decide(result(*ranking), TOPICS, T, text=text, vocabulary=vocabulary)

    assert decision.action is not Action.CLARIFY or len(decision.candidates) >= 2


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("documente", 1),
        ("ce acte", 2),
        ("  пари  ? ", 1),
        ("112 ajutor", 2),
        ("👍 ok", 1),
        ("", 0),
    ],
)
def test_word_count(text: str, words: int) -> None:
    assert word_count(text) == words
