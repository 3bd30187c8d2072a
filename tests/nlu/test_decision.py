from nlu.decision import Action, Candidate, NluResult, Thresholds, decide

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
    decision = decide(result(("greet", 0.45), ("doc_passport", 0.3), ("thanks", 0.2)), ARTICLES, T)

    assert [c.intent for c in decision.candidates] == ["doc_passport"]
