"""`kb gaps`: the questions the assistant failed, grouped, with what to do about each group.

Questions are compared in two ways at once: by their spelling (TF-IDF over character n-grams,
which copes with typos, missing diacritics and word endings; weight 0.7) and by which articles'
training examples they resemble (weight 0.3, less for questions that resemble no article, so
that questions are not grouped merely for being off-topic). Similar questions of one language
form a group (agglomerative clustering, average linkage, a cosine distance threshold). A group
close enough to one article's examples, and clearly closer than to any other intent, is
suggested as training examples for it; otherwise a new article may be needed.

The values were chosen on the held-out set (nlu/tests/holdout: 27 articles × 12 questions and
about 55 out-of-scope ones per language): single questions get a suggestion about 60 % of the
time, a wrong one about 5 %; groups of held-out questions are about 75 % pure. An editor
confirms every group unless `--yes` is given.

scikit-learn is imported only here, and only when grouping: the bot itself never loads it.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.errors import KnowledgeError
from bot.models import MissedQuestion
from nlu.examples import read_examples

OUT_OF_SCOPE = "out_of_scope"
MIN_SIMILARITY = 0.3
"""A group this close to an article's examples (mean of the 3 nearest) may join them ..."""
MIN_SIMILARITY_ONCE = 0.4
"""... a question asked only once must be closer ..."""
MIN_MARGIN = 0.05
"""... when no other intent is this close to it."""
GROUP_DISTANCE = 0.65
"""Questions (and groups, on average) closer than this cosine distance are grouped."""
PROFILE_WEIGHT = 0.3
"""The share of "resembles the same articles" in the similarity; the rest is spelling."""
NEAREST = 3

_SPACES = re.compile(r"\s+")
_EDGE_PUNCTUATION = " \t\n?!.,;:…¿¡\"'«»„“”"
_PERSONAL = re.compile(r"(?:\+?\d[\s\-().]{0,2}){7,}|@|https?://|www\.", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Missed:
    """One row of `missed_question`, without the columns grouping does not need."""

    text: str
    language: str
    reason: str
    intent: str | None = None
    article_id: str | None = None


async def load_missed(
    engine: AsyncEngine, *, since: datetime, language: str | None = None
) -> list[Missed]:
    """The missed questions written since `since`, oldest first."""
    query = (
        select(
            MissedQuestion.text,
            MissedQuestion.language,
            MissedQuestion.reason,
            MissedQuestion.intent,
            MissedQuestion.article_id,
        )
        .where(MissedQuestion.created_at >= since, MissedQuestion.text.is_not(None))
        .order_by(MissedQuestion.id)
    )
    if language is not None:
        query = query.where(MissedQuestion.language == language)
    async with engine.connect() as connection:
        rows = (await connection.execute(query)).all()
    return [
        Missed(text, lang or "?", reason, intent, article_id)
        for text, lang, reason, intent, article_id in rows
        if text and text.strip()
    ]


@dataclass
class Question:
    """One distinct question (case, spacing and end punctuation ignored) and how often."""

    text: str
    count: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    intents: Counter[str] = field(default_factory=Counter)
    """What the NLU took it for."""
    shown: Counter[str] = field(default_factory=Counter)
    """The articles answered when the migrant pressed 👎."""
    closest: str | None = None
    """The intent whose examples this question alone resembles most."""


@dataclass
class Group:
    language: str
    questions: list[Question]
    """Most asked first."""
    article: str | None
    """The closest intent (an article, or out_of_scope)."""
    similarity: float
    runner_up: str | None
    runner_up_similarity: float
    action: str
    """`add` (as training examples to `article`), `review` (the article's answer did not help)
    or `new` (consider a new article)."""

    @property
    def size(self) -> int:
        return sum(q.count for q in self.questions)

    def total(self, attribute: str) -> Counter[str]:
        result: Counter[str] = Counter()
        for question in self.questions:
            result.update(getattr(question, attribute))
        return result

    def suggestion(self) -> str:
        article, other = self.article, self.runner_up
        if self.action == "add":
            return f"add as training examples to article {article}"
        if self.action == "review":
            return f"people found the answer of {article} unhelpful: check what it says"
        if article == OUT_OF_SCOPE:
            return "consider a new article (these look like the out-of-scope examples)"
        if self.similarity >= MIN_SIMILARITY and self.similarity - self.runner_up_similarity < (
            MIN_MARGIN
        ):
            return (
                f"consider a new article (as close to {article} as to {other}: if it "
                "belongs to one of them, add it there by hand)"
            )
        if self.similarity >= MIN_SIMILARITY:
            return (
                f"consider a new article (asked once, somewhat like {article}: if it belongs "
                "there, add it by hand)"
            )
        return "consider a new article"


def normalise(text: str) -> str:
    """The key two questions are the same by: case, spacing and end punctuation ignored."""
    return _SPACES.sub(" ", text).strip(_EDGE_PUNCTUATION).casefold()


def find_groups(
    missed: Sequence[Missed],
    examples: Mapping[str, Mapping[str, Sequence[str]]],
    articles: Collection[str],
) -> list[Group]:
    """Group the missed questions of each language; largest groups first.

    Args:
        missed: the questions.
        examples: language → intent → training examples (nlu/data).
        articles: the article ids (the intents a group may be suggested for).
    """
    by_language: dict[str, dict[str, Question]] = {}
    for item in missed:
        distinct = by_language.setdefault(item.language, {})
        question = distinct.setdefault(
            normalise(item.text), Question(_SPACES.sub(" ", item.text).strip())
        )
        question.count += 1
        question.reasons[item.reason] += 1
        if item.intent:
            question.intents[item.intent] += 1
        if item.reason == "unhelpful" and item.article_id:
            question.shown[item.article_id] += 1
    groups: list[Group] = []
    for language, distinct in sorted(by_language.items()):
        training = {
            intent: list(texts)
            for intent, texts in examples.get(language, {}).items()
            if (intent in articles or intent == OUT_OF_SCOPE) and texts
        }
        groups += _group_language(language, list(distinct.values()), training)
    groups.sort(key=lambda g: (-g.size, -len(g.questions), g.language, g.questions[0].text))
    return groups


def _group_language(
    language: str, questions: list[Question], training: Mapping[str, list[str]]
) -> list[Group]:
    import numpy as np
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    texts = [q.text for q in questions]
    intents = sorted(training)
    corpus = [example for intent in intents for example in training[intent]]
    labels = np.array([intent for intent in intents for _ in training[intent]])
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), strip_accents="unicode", sublinear_tf=True
    ).fit(corpus + texts)
    spelled = vectorizer.transform(texts)
    similar = (spelled @ spelled.T).toarray()
    if intents:
        to_examples = (spelled @ vectorizer.transform(corpus).T).toarray()
        profile = np.stack(
            [_nearest_mean(to_examples[:, labels == intent]) for intent in intents], axis=1
        )
        # How a question stands out among the articles, trusted as far as it resembles any.
        centred = normalize(profile - profile.mean(axis=1, keepdims=True))
        centred *= np.minimum(1.0, profile.max(axis=1) / MIN_SIMILARITY)[:, None]
        similar = (1 - PROFILE_WEIGHT) * similar + PROFILE_WEIGHT * (centred @ centred.T)
        for question, row in zip(questions, profile, strict=True):
            question.closest = intents[int(row.argmax())]
    else:
        profile = np.zeros((len(texts), 0))
    if len(texts) == 1:
        members = np.zeros(1, dtype=int)
    else:
        distance = np.clip(1 - similar, 0, 2)
        np.fill_diagonal(distance, 0)
        members = AgglomerativeClustering(
            n_clusters=None,
            metric="precomputed",
            linkage="average",
            distance_threshold=GROUP_DISTANCE,
        ).fit_predict(distance)
    counts = np.array([q.count for q in questions], dtype=float)
    groups = []
    for label in sorted(set(members.tolist())):
        index = np.flatnonzero(members == label)
        chosen = sorted((questions[i] for i in index), key=lambda q: (-q.count, q.text))
        scores = (
            np.average(profile[index], axis=0, weights=counts[index]) if intents else np.zeros(0)
        )
        groups.append(_judge(language, chosen, intents, scores))
    return groups


def _nearest_mean(similarities: Any) -> Any:
    """Each row's mean similarity to its NEAREST closest examples of one intent."""
    import numpy as np

    k = min(NEAREST, similarities.shape[1])
    return np.sort(similarities, axis=1)[:, -k:].mean(axis=1)


def _judge(language: str, questions: list[Question], intents: list[str], scores: Any) -> Group:
    ranked = sorted(zip(scores.tolist(), intents, strict=True), reverse=True)
    best, best_intent = ranked[0] if ranked else (0.0, None)
    second, second_intent = ranked[1] if len(ranked) > 1 else (0.0, None)
    action = "new"
    group_size = sum(q.count for q in questions)
    needed = MIN_SIMILARITY_ONCE if group_size == 1 else MIN_SIMILARITY
    if (
        best_intent is not None
        and best_intent != OUT_OF_SCOPE
        and best >= needed
        and best - second >= MIN_MARGIN
    ):
        action = "add"
        shown = Counter[str]()
        for question in questions:
            shown.update(question.shown)
        if shown[best_intent] * 2 > group_size:
            action = "review"  # the NLU found the article; its answer is what failed them
    return Group(language, questions, best_intent, best, second_intent, second, action)


# -- accepting suggestions ----------------------------------------------------------------------


def as_example(text: str) -> str:
    """A question as one line of Rasa training data (square brackets would mark entities)."""
    return _SPACES.sub(" ", text).strip().replace("[", "(").replace("]", ")")


def choose_examples(
    group: Group,
    existing: Mapping[str, Sequence[str]],
    held_out: Collection[str] = (),
) -> tuple[list[str], list[tuple[str, str]]]:
    """The group's questions worth adding, and the others with the reason they are left out.

    Args:
        group: a group suggested for an article.
        existing: intent → the language file's training examples.
        held_out: normalised questions of the held-out test set (never trained on).
    """
    known = {normalise(e): intent for intent, texts in existing.items() for e in texts}
    added: list[str] = []
    skipped: list[tuple[str, str]] = []
    for question in group.questions:
        example = as_example(question.text)
        key = normalise(example)
        if _PERSONAL.search(example):
            skipped.append((example, "may hold personal data (a long number, e-mail or link)"))
        elif len(key) < 3:
            skipped.append((example, "too short"))
        elif key in known:
            skipped.append((example, f"already an example of {known[key]}"))
        elif key in held_out:
            skipped.append((example, "is in the held-out test set"))
        elif question.closest not in (None, group.article):
            skipped.append((example, f"on its own it is closer to {question.closest}"))
        else:
            known[key] = str(group.article)
            added.append(example)
    return added, skipped


def append_examples(path: Path, intent: str, examples: Sequence[str]) -> None:
    """Append examples to one intent of a Rasa NLU file, keeping its layout.

    The new lines go after the intent's last example; the file is re-read and checked before it
    replaces the old one.

    Raises:
        KnowledgeError: the result would not read back as the same file plus these examples.
    """
    if not examples:
        return
    before = read_examples(path)
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    start = next(
        (i for i, line in enumerate(lines) if line.rstrip() == f"- intent: {intent}"), None
    )
    if start is None:
        lines += ["\n", f"- intent: {intent}\n", "  examples: |\n"]
        lines += [f"    - {example}\n" for example in examples]
    else:
        last = start
        indent = "    "
        for i in range(start + 1, len(lines)):
            line = lines[i]
            if not line.strip():
                continue
            if line.startswith("- ") or not line.startswith("  "):
                break
            last = i
            if line.lstrip().startswith("- "):
                indent = line[: len(line) - len(line.lstrip())]
        lines[last + 1 : last + 1] = [f"{indent}- {example}\n" for example in examples]
    partial = path.with_name(path.name + ".adding")
    partial.write_text("".join(lines), encoding="utf-8")
    try:
        after = read_examples(partial)
        expected = {**before, intent: [*before.get(intent, []), *examples]}
        if after != expected:
            raise KnowledgeError(
                [f"{path}: appending to {intent} would change other examples; add them by hand"]
            )
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def accept_groups(
    groups: Sequence[Group],
    nlu_dir: Path,
    *,
    held_out_dir: Path,
    confirm: Callable[[str], bool] | None,
    say: Callable[[str], None],
) -> int:
    """Add the questions of every group suggested for an article to its training examples.

    Args:
        groups: as numbered in the report.
        nlu_dir: the `<language>.yml` training files.
        held_out_dir: the held-out test set (its questions are never trained on).
        confirm: asked once per group; None accepts every group.
        say: where to tell what was added and what was left out.

    Returns:
        The number of examples added.
    """
    added = 0
    for number, group in enumerate(groups, start=1):
        path = nlu_dir / f"{group.language}.yml"
        if group.action != "add" or group.article is None or not path.exists():
            continue
        held = held_out_dir / f"{group.language}.yml"
        held_out = {
            normalise(example)
            for examples in (read_examples(held) if held.exists() else {}).values()
            for example in examples
        }
        chosen, skipped = choose_examples(group, read_examples(path), held_out)
        for text, why in skipped:
            say(f"  group {number}: left out {text!r}: {why}")
        if not chosen:
            continue
        plural = "s" if len(chosen) > 1 else ""
        question = (
            f"Group {number}: add {len(chosen)} example{plural} to {group.article} in {path.name}?"
        )
        if confirm is None or confirm(question):
            append_examples(path, group.article, chosen)
            added += len(chosen)
            say(f"  group {number}: added {len(chosen)} to {group.article} in {path}")
    return added


# -- the report ---------------------------------------------------------------------------------


def as_text(groups: Sequence[Group], *, shown_per_group: int = 8) -> str:
    """The groups for editors, numbered, each with its questions and the suggestion."""
    if not groups:
        return "No missed questions in this period."
    lines = []
    languages = Counter[str]()
    for group in groups:
        languages[group.language] += group.size
    lines.append(
        "Missed questions: "
        + ", ".join(f"{count} in {language}" for language, count in sorted(languages.items()))
    )
    for number, group in enumerate(groups, start=1):
        reasons = ", ".join(f"{r} {n}" for r, n in group.total("reasons").most_common())
        lines += ["", f"{number}. [{group.language}] {group.size} × ({reasons})"]
        intents = group.total("intents")
        if intents:
            guesses = ", ".join(f"{i} ×{n}" for i, n in intents.most_common(3))
            lines.append(f"   the NLU took them for: {guesses}")
        for question in group.questions[:shown_per_group]:
            times = f" (×{question.count})" if question.count > 1 else ""
            lines.append(f"   - {question.text}{times}")
        if len(group.questions) > shown_per_group:
            lines.append(f"   … and {len(group.questions) - shown_per_group} more")
        if group.article is not None:
            closest = f"   closest: {group.article} ({group.similarity:.2f})"
            if group.runner_up is not None:
                closest += f", then {group.runner_up} ({group.runner_up_similarity:.2f})"
            lines.append(closest)
        lines.append(f"   → {group.suggestion()}")
    return "\n".join(lines)
