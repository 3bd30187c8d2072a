"""Every inline keyboard the bot can show: callback data is short, opaque and carries no text.

Telegram refuses callback data longer than 64 bytes (BUTTON_DATA_INVALID), and a user can send
any callback data they like with a modified client, so the data must be ids the bot validates,
never anything a user wrote. The screens are built with the real knowledge base and catalogs.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from bot.hotline_views import REASONS, STAFF_STATES, HotlineViews
from bot.i18n import I18n
from bot.models import Ticket
from bot.rendering import TELEGRAM_LIMIT, to_html, utf16_len
from bot.replies import Reply
from bot.settings import ROOT
from bot.staff import Role, StaffMember
from bot.views import UNREADABLE, Views
from knowledge import KnowledgeBase, load_knowledge
from nlu.decision import Candidate
from tests.fake_telegram import check_html

SENTINEL = "SECRET-user-text <b>Ион</b> +37369123456"
"""Stands for whatever a migrant or a staff member wrote: must never end up in a button."""
BIG_ID = 2**31 - 1
"""The largest ticket id an INTEGER column holds (PostgreSQL)."""
ESCALATION_REASONS = ("out_of_scope", "low_confidence", "negative_feedback", "missing", "nlu_down")
SMALLTALK = ("greet", "thanks", "goodbye", "bot_challenge", "unknown_intent")

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def callback_patterns(kb: KnowledgeBase) -> list[re.Pattern[str]]:
    """The whitelist: every callback data the bot may put on a button."""

    def one_of(values: Iterable[str]) -> str:
        return "(?:" + "|".join(re.escape(v) for v in values) + ")"

    languages = one_of(kb.languages)
    articles = one_of(kb.articles)
    institutions = one_of(kb.institutions)
    ticket = r"[1-9][0-9]{0,11}"
    patterns = [
        rf"lang:{languages}",
        rf"switch:{languages}",
        rf"country:{one_of(kb.situations)}",
        rf"topic:{one_of(kb.topics)}",
        rf"art:{articles}",
        rf"fb:[01]:{articles}",
        rf"esc:{one_of((*ESCALATION_REASONS, 'voice', 'document', 'urgent', 'none_of_these'))}",
        r"human|menu|none",
        rf"cancel:{ticket}",
        rf"add:{ticket}",
        r"forget:(?:yes|no)",
        rf"rate:{ticket}:[1-5]",
        rf"refc:{ticket}:[01]",
        rf"st:(?:claim|resolve|refer):{ticket}",
        rf"st:rf:{ticket}:{institutions}",
    ]
    return [re.compile(p) for p in patterns]


def allowed(data: str, patterns: list[re.Pattern[str]]) -> bool:
    return any(p.fullmatch(data) for p in patterns)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(ROOT / "knowledge")


@pytest.fixture(scope="module")
def i18n(kb: KnowledgeBase) -> I18n:
    return I18n(ROOT / "locales", kb.languages, "en")


def ticket(
    state: str,
    *,
    topic: str | None = "documents",
    erased: bool = False,
    referred_to: str | None = None,
) -> Ticket:
    now = NOW
    return Ticket(
        id=BIG_ID,
        idempotency_key="tg:1",
        state=state,
        reason="ask_human",
        language="ka",
        country="ge",
        topic=topic,
        question=None if erased else SENTINEL * 20,
        transcript=None
        if erased
        else [{"direction": d, "text": SENTINEL * 5} for d in ("in", "out") * 6],
        user_id=None if erased else 1,
        claimed_by=42 if state != "new" else None,
        created_at=now - timedelta(hours=5),
        referred_to=referred_to,
        referral_consent=None,
        rating=5,
    )


def migrant_screens(views: Views, kb: KnowledgeBase) -> Iterator[tuple[str, Reply]]:
    """Every screen of bot.views, in every language (answers: every country and article)."""
    for language in kb.languages:
        others = [None, *(code for code in kb.languages if code != language)]
        yield "choose_language", views.choose_language(language, first_time=True)
        yield "choose_language", views.choose_language(language, first_time=False, replace=True)
        for situation in kb.situations:
            yield (
                "choose_language",
                views.choose_language(
                    language, first_time=False, situation=situation, unavailable=True
                ),
            )
            yield "main_menu", views.main_menu(language, situation)
        yield "choose_country", views.choose_country(language)
        yield "privacy_notice", views.privacy_notice(language)
        yield "main_menu", views.main_menu(language)
        for topic in kb.topics:
            yield "topic", views.topic(language, topic)
            first = [a.id for a in reversed(kb.articles_in(topic))]
            yield "topic", views.topic(language, topic, asked=True, first=first)
            yield "topic", views.topic(language, topic, asked=True, switch_to=others[-1])
        for country in kb.situations:
            for article in kb.articles:
                answer = kb.resolve(article, country, language)
                if answer is not None:
                    for switch_to in others[:2]:
                        yield "answer", views.answer(answer, switch_to)
        yield "missing_answer", views.missing_answer(language)
        ids = list(kb.articles)
        for first, second in pairwise(ids):
            candidates = (Candidate(first, 0.4), Candidate(second, 0.3), Candidate("nope", 0.2))
            yield "clarify", views.clarify(language, candidates, others[-1])
        for reason in ESCALATION_REASONS:
            for switch_to in others:
                yield "offer_person", views.offer_person(language, reason, switch_to)
        for existing in (True, False):
            yield "ticket_created", views.ticket_created(language, BIG_ID, existing=existing)
            yield (
                "ticket_created",
                views.ticket_created(language, BIG_ID, existing=existing, availability=SENTINEL),
            )
        for withdrawn in (BIG_ID, None):
            yield "withdrawn", views.withdrawn(language, withdrawn)
        yield "confirm_escalation", views.confirm_escalation(language, "none_of_these", SENTINEL)
        for country in (None, *kb.situations):
            for kind in ("self_harm", "violence", None):
                contacts = kb.urgent_contacts(country, kind)
                for open_ticket in (None, BIG_ID):
                    urgent = views.urgent(
                        language, kind, contacts, SENTINEL, ticket_id=open_ticket
                    )
                    yield "urgent", urgent
        answer = kb.resolve("doc_passport", "md", language)
        if answer is not None:
            yield "add_to_request", views.add_to_request(views.answer(answer), BIG_ID, language)
        for count in (0, 3):
            yield "choose_number", views.choose_number(language, count)
        yield "feedback_thanks", views.feedback_thanks(language, helpful=False, open_ticket=BIG_ID)
        yield "nlu_unavailable", views.nlu_unavailable(language)
        for intent in SMALLTALK:
            yield "smalltalk", views.smalltalk(language, intent)
        for helpful in (True, False):
            yield "feedback_thanks", views.feedback_thanks(language, helpful=helpful)
        for kind in (*UNREADABLE, "unknown_kind"):
            yield "unreadable", views.unreadable(language, kind)
        yield "empty_message", views.empty_message(language)
        yield "help", views.help(language)
        yield "privacy", views.privacy(language, 90)
        yield "confirm_forget", views.confirm_forget(language)
        yield "forgotten", views.forgotten(language)
        yield "not_forgotten", views.not_forgotten(language)
        yield "language_switched", views.language_switched(language)
        yield "stale_button", views.stale_button(language)
        yield "slow_down", views.slow_down(language)
        yield "error", views.error(language)


def hotline_screens(kb: KnowledgeBase, i18n: I18n) -> Iterator[tuple[str, Reply]]:
    """Every screen of bot.hotline_views: staff side in every staff language, migrant side in
    every language."""
    supervisors = [StaffMember(7, Role.SUPERVISOR, SENTINEL)]
    institutions = list(kb.institutions.values())
    for staff_language in kb.languages:
        views = HotlineViews(kb, i18n, staff_language)
        for state in STAFF_STATES:
            for erased in (False, True):
                card_ticket = ticket(state, erased=erased, referred_to=institutions[0].id)
                yield "card", views.card(card_ticket, staff_name=SENTINEL, now=NOW)
        yield "card", views.card(ticket("new", topic=None), staff_name="", now=NOW)
        yield "queue", views.queue([ticket(s) for s in STAFF_STATES], title=SENTINEL, now=NOW)
        yield "queue", views.queue([], title="", now=NOW)
        yield "from_migrant", views.from_migrant(BIG_ID, SENTINEL)
        yield "erased", views.erased(BIG_ID)
        yield "withdrawn", views.withdrawn(BIG_ID)
        yield "oncall_alert", views.oncall_alert(BIG_ID)
        yield "web_reply", views.web_reply(BIG_ID, SENTINEL, SENTINEL * 50)
        yield "login_link", views.login_link("https://hotline.example.org/login/" + "x" * 43)
        for people in (supervisors, []):
            yield "urgent_ping", views.urgent_ping(BIG_ID, people)
        urgent_ticket = ticket("new")
        urgent_ticket.urgent = True
        yield "card", views.card(urgent_ticket, staff_name=SENTINEL, now=NOW)
        yield "queue", views.queue([urgent_ticket], title=SENTINEL, now=NOW)
        yield "open_now", Reply(views.open_now(staff_language, timedelta(minutes=30)))
        for oncall in (True, False):
            closed = views.closed_now(staff_language, NOW, "ge", oncall=oncall)
            yield "closed_now", Reply(closed)
        yield "sla_ping", views.sla_ping(ticket("new"), supervisors, NOW)
        yield "sla_ping", views.sla_ping(ticket("new"), [], NOW)
        yield "referral_choices", views.referral_choices(ticket("claimed"), institutions)
        for reason in REASONS:
            yield "staff_text", views.staff_text(REASONS[reason])
        language = staff_language  # the migrant's side, in each language too
        yield "claimed", views.claimed(language, BIG_ID)
        for staff_name in (None, SENTINEL):
            yield "staff_reply", views.staff_reply(language, BIG_ID, SENTINEL * 100, staff_name)
        yield "resolved", views.resolved(language, BIG_ID)
        yield "rated", views.rated(language)
        yield "forwarded", views.forwarded(language, BIG_ID)
        status_states: list[str | None] = [*STAFF_STATES, None]
        for status_state in status_states:
            status_ticket = ticket(status_state) if status_state else None
            yield "status", views.status(language, status_ticket, "md")
        for institution in institutions:
            yield "consent_request", views.consent_request(language, BIG_ID, institution)
            for given in (True, False):
                yield (
                    "consent_recorded",
                    views.consent_recorded(language, institution, given=given),
                )


def reply_methods(cls: type) -> set[str]:
    """Public methods of a views class that build a Reply."""
    return {
        name
        for name, function in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_") and inspect.get_annotations(function).get("return") == "Reply"
    }


@pytest.fixture(scope="module")
def screens(kb: KnowledgeBase, i18n: I18n) -> list[tuple[str, Reply]]:
    views = Views(kb, i18n)
    return [*migrant_screens(views, kb), *hotline_screens(kb, i18n)]


def test_every_screen_is_rendered(screens: list[tuple[str, Reply]], kb: KnowledgeBase) -> None:
    """A new screen must be added here, so that its buttons are checked too."""
    rendered = {name for name, _ in screens}
    answers = sum(1 for name, _ in screens if name == "answer")

    assert reply_methods(Views) - rendered == set()
    assert reply_methods(HotlineViews) - rendered == set()
    # every article has an answer in every situation that answers it, in each of its languages,
    # each shown with and without the "Continue in …" button
    served = sum(
        len(situation.languages)
        for situation in kb.situations.values()
        for article in kb.articles
        if situation.serves(article)
    )
    assert answers == served * 2


def test_callback_data_fits_telegrams_64_bytes(screens: list[tuple[str, Reply]]) -> None:
    too_long = {
        (name, b.action)
        for name, reply in screens
        for row in reply.buttons
        for b in row
        if not 1 <= len(b.action.encode("utf-8")) <= 64
    }

    assert too_long == set()


def test_callback_data_is_whitelisted_and_carries_no_user_text(
    screens: list[tuple[str, Reply]], kb: KnowledgeBase
) -> None:
    patterns = callback_patterns(kb)
    actions = {(name, b.action) for name, reply in screens for row in reply.buttons for b in row}

    assert {(name, data) for name, data in actions if not allowed(data, patterns)} == set()
    assert {data for _, data in actions if not data.isascii()} == set()
    assert not any(part in data for _, data in actions for part in SENTINEL.split())


def test_every_screen_is_valid_telegram_html(screens: list[tuple[str, Reply]]) -> None:
    for _, reply in screens:
        html = to_html(reply)
        check_html(html)
        assert SENTINEL not in html  # user text is escaped wherever it is shown
    longest = max(screens, key=lambda s: utf16_len(to_html(s[1])))
    # A screen longer than one message is split by bot.rendering; today none is, except those
    # that echo long user or staff text.
    assert longest[0] in ("staff_reply", "card") or utf16_len(to_html(longest[1])) <= (
        TELEGRAM_LIMIT
    )


def test_the_whitelist_refuses_forged_data(kb: KnowledgeBase) -> None:
    patterns = callback_patterns(kb)

    for forged in (
        "art:../../etc",
        "fb:2:doc_passport",
        "lang:de",
        "rate:0:5",
        "rate:1:6",
        "st:claim:-1",
        "esc:<b>",
        "human ",
        "",
        "topic:documents\n",
    ):
        assert not allowed(forged, patterns), forged
