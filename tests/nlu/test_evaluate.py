"""The evaluation reader, scoring and report, on small fixtures with a scripted understander."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from bot.errors import KnowledgeError
from bot.settings import ROOT
from nlu.decision import Action, Candidate, Decision
from nlu.evaluate import SetEvaluation, evaluate_folder
from nlu.evaluation_report import write_report
from nlu.examples import HeldOutExample, read_held_out
from nlu.langdetect import DetectedLanguage

FIXTURES = ROOT / "tests" / "data"
TOPICS = {
    "doc_passport": "documents",
    "doc_id_card": "documents",
    "job_vacancies": "jobs",
    "job_training": "jobs",
}


def answer(article: str) -> Decision:
    return Decision(Action.ANSWER, article, 0.9, article=article, topic=TOPICS[article])


def clarify(*articles: str) -> Decision:
    return Decision(
        Action.CLARIFY, articles[0], 0.4, candidates=tuple(Candidate(a, 0.3) for a in articles)
    )


SCRIPT: dict[str, tuple[Decision, DetectedLanguage]] = {
    "how do I renew my passport": (answer("doc_passport"), DetectedLanguage("en", 0.9, True)),
    "pasport renew pls": (
        clarify("doc_id_card", "doc_passport"),
        DetectedLanguage("ro", 0.8, True),  # a confident wrong detection
    ),
    "can i vote in the local elections": (
        answer("doc_id_card"),
        DetectedLanguage("en", 0.9, True),
    ),
    "documents": (
        Decision(
            Action.MENU,
            "doc_passport",
            0.3,
            candidates=(Candidate("doc_passport", 0.3), Candidate("doc_id_card", 0.0)),
            topic="documents",
        ),
        DetectedLanguage("en", 0.0, False),
    ),
    "work": (answer("job_vacancies"), DetectedLanguage("en", 0.0, False)),
    "job offers in my town": (
        Decision(Action.ESCALATE, "out_of_scope", 0.6, reason="out_of_scope"),
        DetectedLanguage("en", 0.9, True),
    ),
    "thanks a lot": (Decision(Action.SMALLTALK, "thanks", 0.9), DetectedLanguage("en", 0.9, True)),
    "pasporti rogor gavaketo": (
        answer("doc_id_card"),
        DetectedLanguage("ka", 0.95, True, romanised=True),
    ),
    "sabutebi": (clarify("doc_passport", "doc_id_card"), DetectedLanguage("ka", 0.6, False)),
    "my passport expired": (
        clarify("doc_passport", "job_training"),
        DetectedLanguage("en", 1, True),
    ),
    "what is the weather like": (
        Decision(Action.ESCALATE, "out_of_scope", 0.9, reason="out_of_scope"),
        DetectedLanguage("en", 0.9, True),
    ),
}


@dataclass(frozen=True)
class Understood:
    language: DetectedLanguage
    decision: Decision | None


class ScriptedDialogue:
    """Understands each fixture message as SCRIPT says; None (NLU down) for anything else."""

    def __init__(self, **changed: Decision) -> None:
        self.calls: list[tuple[str, str, str]] = []
        self.changed = changed

    async def understand(self, text: str, fallback_language: str, country: str) -> Understood:
        self.calls.append((text, fallback_language, country))
        if text not in SCRIPT:
            return Understood(DetectedLanguage(fallback_language, 0.0, False), None)
        decision, language = SCRIPT[text]
        return Understood(language, self.changed.get(text, decision))


def test_reads_the_realistic_format() -> None:
    examples = read_held_out(FIXTURES / "holdout_real")

    assert len(examples) == 9
    assert examples[1] == HeldOutExample(
        "en", "pasport renew pls", "doc_passport", None, ("terse", "typo")
    )
    assert examples[3] == HeldOutExample("en", "documents", None, "documents", ("vague",))
    assert examples[6].styles == ("ordinary",)  # a single style may be written without a list
    assert examples[-1] == HeldOutExample("ka", "sabutebi", None, "documents", ("vague", "latin"))


def test_reads_rasa_files_as_examples_without_styles() -> None:
    examples = read_held_out(FIXTURES / "holdout")

    assert examples == [
        HeldOutExample("en", "how do I renew my passport", "doc_passport"),
        HeldOutExample("en", "my passport expired", "doc_passport"),
        HeldOutExample("en", "what is the weather like", "out_of_scope"),
    ]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("language: en\nexamples:\n- intent: doc_passport\n", "examples[0]: needs `text`"),
        ("language: en\nexamples:\n- text: hi\n", "needs `intent`, or `topic`"),
        ("language: en\nexamples:\n- {text: hi, intent: greet, style: [slang]}\n", "slang"),
        ("language: ro\nexamples: []\n", "needs `language: en`"),
        ("examples: [\n", "not valid YAML"),
    ],
)
def test_reader_names_the_problem(tmp_path: Path, content: str, problem: str) -> None:
    (tmp_path / "en.yml").write_text(content, encoding="utf-8")

    with pytest.raises(KnowledgeError) as error:
        read_held_out(tmp_path)

    assert problem in "\n".join(error.value.problems)


@pytest.fixture
async def real() -> SetEvaluation:
    return await evaluate_folder(ScriptedDialogue(), FIXTURES / "holdout_real", TOPICS)


async def test_messages_go_through_understand_in_their_own_language() -> None:
    dialogue = ScriptedDialogue()

    await evaluate_folder(dialogue, FIXTURES / "holdout_real", TOPICS, country="ge")

    assert dialogue.calls[0] == ("how do I renew my passport", "en", "ge")
    assert dialogue.calls[-1] == ("sabutebi", "ka", "ge")


async def test_scores_per_language(real: SetEvaluation) -> None:
    en = real.languages["en"].as_dict()
    ka = real.languages["ka"].as_dict()

    assert real.name == "holdout_real"
    assert (en["in_scope"], en["answer_accuracy"], en["answer_or_clarify_accuracy"]) == (
        3,
        0.3333,
        0.6667,
    )
    assert (en["wrong_answer_rate"], en["false_escalation_rate"]) == (0.0, 0.3333)
    assert (en["out_of_scope"], en["out_of_scope_recall"]) == (1, 0.0)
    assert (en["vague"], en["vague_topic_rate"], en["vague_answered_rate"]) == (2, 0.5, 0.5)
    assert (en["dialogue"], en["dialogue_accuracy"]) == (1, 1.0)
    assert en["language_confident_wrong"] == 1
    assert (ka["in_scope"], ka["answer_accuracy"], ka["wrong_answer_rate"]) == (1, 0.0, 1.0)
    assert (ka["vague"], ka["vague_topic_rate"]) == (1, 1.0)
    assert real.wrong_languages == {("en", "ro"): 1}


async def test_scores_per_style(real: SetEvaluation) -> None:
    latin = real.styles["latin"].as_dict()
    terse = real.styles["terse"].as_dict()

    assert set(real.styles) == {"ordinary", "terse", "typo", "near_domain", "vague", "latin"}
    assert (latin["examples"], latin["in_scope"], latin["vague"]) == (2, 1, 1)
    assert (terse["in_scope"], terse["answer_or_clarify_accuracy"]) == (2, 0.5)
    assert real.styles["vague"].as_dict()["vague_topic_rate"] == pytest.approx(0.6667)


@pytest.mark.parametrize(
    ("decision", "right"),
    [
        (clarify("doc_passport", "doc_id_card"), 1.0),
        (clarify("doc_passport", "job_training"), 0.0),
        (clarify("doc_passport"), 0.0),
        (answer("doc_passport"), 0.0),
        (Decision(Action.MENU, None, 0.0, topic="jobs"), 0.0),
        (Decision(Action.ESCALATE, "out_of_scope", 0.5, reason="out_of_scope"), 0.0),
    ],
)
async def test_vague_message_needs_its_topics_menu_or_a_clarify_within_it(
    decision: Decision, right: float
) -> None:
    dialogue = ScriptedDialogue(sabutebi=decision)

    result = await evaluate_folder(dialogue, FIXTURES / "holdout_real", TOPICS)

    assert result.languages["ka"].as_dict()["vague_topic_rate"] == right


async def test_report_has_both_sets_and_the_targets(tmp_path: Path, real: SetEvaluation) -> None:
    plain = await evaluate_folder(ScriptedDialogue(), FIXTURES / "holdout", TOPICS)

    write_report(
        [plain, real],
        tmp_path / "eval",
        thresholds={"answer": 0.3, "clarify": 0.15},
        today=date(2026, 1, 2),
    )

    data = json.loads((tmp_path / "eval.json").read_text(encoding="utf-8"))
    markdown = (tmp_path / "eval.md").read_text(encoding="utf-8")
    assert data["date"] == "2026-01-02"
    assert list(data["sets"]) == ["holdout", "holdout_real"]
    assert data["sets"]["holdout"]["styles"] == {}
    assert list(data["sets"]["holdout_real"]["styles"]) == [
        "terse",
        "typo",
        "ordinary",
        "latin",
        "near_domain",
        "vague",
    ]
    checks = {c["check"]: c for c in data["sets"]["holdout_real"]["checks"]}
    assert checks["answered right ≥ 92 % in every language"]["met"] is False
    assert checks["answered right ≥ 92 % in every language"]["detail"] == "en 33.3 %, ka 0.0 %"
    assert checks["Latin-script answered or clarified right ≥ 90 %"]["met"] is False
    assert checks["Georgian answered right within 3 points of English"]["met"] is False
    assert {c["check"]: c["met"] for c in data["sets"]["holdout"]["checks"]}[
        "out-of-scope escalated ≥ 90 % in every language"
    ] is True
    assert "## holdout: 3 examples" in markdown
    assert "## holdout_real: 9 examples" in markdown
    assert "### Per style (an example may have several)" in markdown
    assert (
        "| answered right ≥ 92 % in every language | ❌ en 50.0 % | ❌ en 33.3 %, ka 0.0 % |"
        in (markdown)
    )
    assert "Confident wrong detections: 1 of 9 (en→ro 1)" in markdown
