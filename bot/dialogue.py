"""The conversation, independent of Telegram: every user input in, Replies out.

Telegram handlers and the terminal shell both drive this class, so the two behave the same.
Each public method is one unit of work: one database transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot import events, profiles, tickets
from bot.clock import Clock
from bot.db import Sessions
from bot.errors import NluUnavailable
from bot.hotline import Hotline
from bot.inputs import clean_text
from bot.models import Event
from bot.profiles import Profile
from bot.replies import Keyboard, Reply
from bot.views import FORWARDABLE, Views
from knowledge import KnowledgeBase
from nlu.decision import Action, Decision, NluResult, Thresholds, decide, word_count
from nlu.langdetect import DetectedLanguage, LanguageDetector
from nlu.urgent import NOT_URGENT, Urgency
from nlu.vocabulary import Vocabulary

log = logging.getLogger(__name__)


class Parser(Protocol):
    async def parse(self, text: str) -> NluResult: ...


class UrgencyDetector(Protocol):
    def detect(self, text: str, language: str | None = None) -> Urgency: ...


SEMANTIC_KINDS = {
    "safety_trafficking": "trafficking",
    "health_emergency": "medical",
    "health_mental": "self_harm",
}
"""The kind of danger an urgent message most likely is, by the article the NLU found nearest
(for the help named after 112); any other article: the country's default help."""


@dataclass(frozen=True, slots=True)
class Understanding:
    """Everything the pipeline concluded about one message (also what `ask --jsonl` prints)."""

    text: str
    language: DetectedLanguage
    decision: Decision | None
    """None when the NLU server was unavailable."""
    reply_language: str
    """The detected language when the text decides it, else the user's chosen one."""
    urgency: Urgency = NOT_URGENT
    """Immediate danger (nlu/urgent.py); decided before, and independently of, the NLU."""


class Dialogue:
    def __init__(
        self,
        *,
        kb: KnowledgeBase,
        views: Views,
        detector: LanguageDetector,
        parser: Parser,
        sessions: Sessions,
        thresholds: Thresholds,
        default_language: str,
        hotline: Hotline,
        clock: Clock,
        urgent: UrgencyDetector,
        vocabulary: Vocabulary | None = None,
        retention_days: int = 90,
        urgent_threshold: float = 0.8,
    ) -> None:
        self.kb = kb
        self.clock = clock
        self.views = views
        self.detector = detector
        self.parser = parser
        self.sessions = sessions
        self.thresholds = thresholds
        self.default_language = default_language
        self.hotline = hotline
        self.vocabulary = vocabulary  # when a short message is specific enough to answer
        self.urgent = urgent
        self.urgent_threshold = urgent_threshold
        self.retention_days = retention_days
        self._routes: dict[str, Callable[[Profile, str, str], Awaitable[list[Reply]]]] = {
            "lang": self._choose_language,
            "country": self._choose_country,
            "menu": self._menu,
            "topic": self._topic,
            "art": self._article,
            "fb": self._feedback,
            "human": self._human,
            "esc": self._escalate_pressed,
            "none": self._none_of_these,
            "switch": self._switch,
            "forget": self._forget,
            "rate": self._rate,
            "refc": self._referral_consent,
            "cancel": self._cancel,
            "add": self._add_to_request,
        }

    # -- understanding -----------------------------------------------------------------------

    async def understand(self, text: str, fallback_language: str, country: str) -> Understanding:
        """Detect the language, ask the NLU and decide; no storage, no side effects.

        An answer decision for an article without content in this country and language becomes
        an escalation (reason "missing").
        """
        language = self.detector.detect(text, fallback_language)
        reply_language = language.language if language.confident else fallback_language
        urgency = self.urgent.detect(text, reply_language)
        try:
            result = await self.parser.parse(text)
        except NluUnavailable as exc:
            log.warning("NLU unavailable, answering with menus: %s", exc)
            return Understanding(text, language, None, reply_language, urgency)
        if not urgency.urgent and (result.urgency or 0.0) >= self.urgent_threshold:
            kind = SEMANTIC_KINDS.get(result.intent or "")
            urgency = Urgency(True, kind, f"nlu:{result.urgency:.2f}")
        served = self.kb.situations.get(country)
        topics = {
            article_id: article.topic
            for article_id, article in self.kb.articles.items()
            if served is None or served.serves(article_id)
        }
        decision = decide(result, topics, self.thresholds, text=text, vocabulary=self.vocabulary)
        if (
            decision.action is Action.ANSWER
            and decision.article
            and self.kb.resolve(decision.article, country, reply_language) is None
        ):
            decision = replace(decision, action=Action.ESCALATE, reason="missing")
        return Understanding(text, language, decision, reply_language, urgency)

    # -- entry points --------------------------------------------------------------------------

    async def profile(self, telegram_id: int) -> Profile:
        async with self.sessions.begin() as session:
            return await profiles.get_or_create(session, telegram_id=telegram_id, now=self.clock())

    async def start(self, telegram_id: int, client_language: str | None) -> list[Reply]:
        """Greet and ask for the language, suggesting the Telegram client's one."""
        profile = await self.profile(telegram_id)
        language = profile.language or self.views.i18n.pick(client_language)
        return [self.views.choose_language(language, first_time=True)]

    async def command(self, telegram_id: int, name: str, key: str) -> list[Reply]:
        """Handle /menu, /language, /country, /help, /privacy, /forget, /human, /status,
        /cancel."""
        replies = await self._command(telegram_id, name, key)
        return await self._honest_for(telegram_id, replies)

    async def _command(self, telegram_id: int, name: str, key: str) -> list[Reply]:
        profile = await self.profile(telegram_id)
        language = self._language(profile)
        if name == "human":
            return await self._human(profile, "", key)
        if name == "status":
            status = await self.hotline.status(profile, language)
            rows = Keyboard()
            if status.ticket_id is None:
                rows.row(self.views.human_button(language))
            rows.row(self.views.menu_button(language))
            return [replace(status, buttons=rows.build())]
        if name == "language":
            return [
                self.views.choose_language(language, first_time=False, situation=profile.country)
            ]
        if name == "country":
            return [self.views.choose_country(language)]
        if name == "help":
            return [self.views.help(language)]
        if name == "privacy":
            return [self.views.privacy(language, self.retention_days)]
        if name == "cancel":
            return await self._cancel(profile, "", key)
        if name == "forget":
            return [self.views.confirm_forget(language)]
        return await self._menu(profile, "", key)

    async def press(self, telegram_id: int, action: str, key: str) -> list[Reply]:
        """Handle a button press; unknown or forged actions get a polite "no longer valid"."""
        profile = await self.profile(telegram_id)
        name, _, argument = action.partition(":")
        route = self._routes.get(name)
        if route is None:
            log.info("unknown button action from user %s", profile.id)
            return [self.views.stale_button(self._language(profile))]
        replies = await route(profile, argument, key)
        return await self._honest_for(telegram_id, replies)

    async def text(self, telegram_id: int, raw: str, key: str) -> list[Reply]:
        """Answer a free-text message: urgent danger first, then understand, decide, reply."""
        profile = await self.profile(telegram_id)
        text = clean_text(raw)
        if not text:
            return [self.views.empty_message(self._language(profile))]
        return await self._question(profile, text, key)

    async def _question(self, profile: Profile, text: str, key: str) -> list[Reply]:
        language = self._language(profile)
        urgency = self.urgent.detect(text, language)
        if urgency.urgent:
            return await self._urgent(profile, text, urgency, key)
        if profile.country is None:
            return await self._onboard_from_text(profile, text)
        async with self.sessions() as session:
            open_ticket = await tickets.open_of_user(session, user_id=profile.id)
        if open_ticket is None or self._may_answer_while_open(text):
            understanding = await self.understand(text, language, profile.country)
        else:
            understanding = None
        if understanding is not None and understanding.urgency.urgent:  # by meaning (the NLU)
            return await self._urgent(profile, text, understanding.urgency, key)
        if open_ticket is not None and understanding and self._answers(understanding, profile):
            return await self._answer_while_open(profile, understanding, language)
        forwarded = await self._forward_to_ticket(profile, text, language, key)
        if forwarded is not None:
            return forwarded
        if understanding is None:
            understanding = await self.understand(text, language, profile.country)
        decision = understanding.decision
        detected = understanding.language
        reply_language = understanding.reply_language
        switch_to = reply_language if reply_language != language else None
        async with self.sessions.begin() as session:
            await self._record_question(session, profile, understanding)
            if decision is not None and decision.action is Action.ESCALATE:
                await events.record_missed(
                    session,
                    now=self.clock(),
                    reason="escalate",
                    text=text,
                    language=detected.language,
                    country=profile.country,
                    intent=decision.intent,
                    confidence=decision.confidence,
                    article_id=decision.article,
                )
        log.info(
            "user %s: language=%s action=%s intent=%s confidence=%.2f",
            profile.id,
            detected.language,
            decision.action.value if decision else "nlu_down",
            decision.intent if decision else None,
            decision.confidence if decision else 0.0,
        )
        if decision is None:
            return await self._honest([self.views.nlu_unavailable(reply_language)], profile)
        return await self._honest(
            await self._act(profile, decision, reply_language, switch_to, key), profile
        )

    def _may_answer_while_open(self, text: str) -> bool:
        """A question (not "ok", "thanks", a greeting) may be answered from the library while a
        request is open; short replies go straight to the staff without asking the NLU."""
        return word_count(text) >= 3

    def _answers(self, understanding: Understanding, profile: Profile) -> bool:
        decision = understanding.decision
        return (
            decision is not None
            and decision.action is Action.ANSWER
            and decision.article is not None
            and profile.country is not None
            and self.kb.resolve(decision.article, profile.country, understanding.reply_language)
            is not None
        )

    async def _answer_while_open(
        self, profile: Profile, understanding: Understanding, language: str
    ) -> list[Reply]:
        """The library answers it: the answer, and "Add this to my request" (forwarded only on
        that press)."""
        decision = understanding.decision
        assert decision is not None and decision.article and profile.country
        async with self.sessions.begin() as session:
            event = await self._record_question(session, profile, understanding)
        answer = self.kb.resolve(decision.article, profile.country, understanding.reply_language)
        assert answer is not None
        switch_to = (
            understanding.reply_language if understanding.reply_language != language else None
        )
        log.info("user %s: answered while a request is open (%s)", profile.id, decision.article)
        reply = self.views.answer(answer, switch_to)
        return [self.views.add_to_request(reply, event.id, answer.language)]

    async def _record_question(
        self, session: AsyncSession, profile: Profile, understanding: Understanding
    ) -> Event:
        decision = understanding.decision
        return await events.record(
            session,
            now=self.clock(),
            user_id=profile.id,
            direction="in",
            kind="text",
            text=understanding.text,
            language=understanding.language.language,
            country=profile.country,
            intent=decision.intent if decision else None,
            confidence=decision.confidence if decision else None,
            action=decision.action.value if decision else "nlu_down",
            article_id=decision.article if decision else None,
        )

    async def _urgent(
        self, profile: Profile, text: str, urgency: Urgency, key: str
    ) -> list[Reply]:
        """Immediate danger, at any hour and before anything else: 112, the country's
        specialised help, a person with the honest time. With a request open, the message goes
        to it and the request becomes urgent."""
        language = self._language(profile)
        log.info("user %s: urgent message (%s, %s)", profile.id, urgency.kind, urgency.cue)
        contacts = self.kb.urgent_contacts(profile.country, urgency.kind)
        availability = self.hotline.availability(language, profile.country, urgent=True)
        if profile.country is None:  # before onboarding: help first, then the usual questions
            reply = self.views.urgent(
                language, urgency.kind, contacts, availability, ticket_id=None
            )
            return [reply, *await self._onboard_from_text(profile, text)]
        ticket_id = None
        async with self.sessions.begin() as session:
            ticket = await self.hotline.active_ticket(session, profile.id)
            await self._record_text(
                session, profile, text, language, "ticket" if ticket else "urgent"
            )
            if ticket is not None:
                ticket_id = ticket.id
                await self.hotline.user_wrote(session, ticket, profile, text, key)
                await self.hotline.mark_urgent(session, ticket.id, actor=f"user:{profile.id}")
        if ticket_id is not None:
            self.hotline.on_enqueued()
        return [
            self.views.urgent(language, urgency.kind, contacts, availability, ticket_id=ticket_id)
        ]

    async def _honest_for(self, telegram_id: int, replies: list[Reply]) -> list[Reply]:
        """`_honest` after a command or a button, with the profile as it is now; never creates
        one (after /forget there is none, and none may come back)."""
        if not any(_offers_person(reply) for reply in replies):
            return replies
        async with self.sessions() as session:
            profile = await profiles.find(session, telegram_id=telegram_id)
        return replies if profile is None else await self._honest(replies, profile)

    async def _honest(self, replies: list[Reply], profile: Profile) -> list[Reply]:
        """Every offer of a person says when one can answer, before the migrant commits."""
        if not any(_offers_person(reply) for reply in replies):
            return replies
        async with self.sessions() as session:
            if await tickets.open_of_user(session, user_id=profile.id) is not None:
                return replies
        honest = []
        for reply in replies:
            if _offers_person(reply):
                availability = self.hotline.availability(
                    reply.language or self._language(profile), profile.country
                )
                if availability not in reply.text:  # once, however the reply was reached
                    reply = replace(reply, text=f"{reply.text}\n\n{availability}")
            honest.append(reply)
        return honest

    async def out_of_range(self, telegram_id: int, count: int) -> list[Reply]:
        """The terminal chat: a number typed that none of the shown buttons carries."""
        profile = await self.profile(telegram_id)
        return [self.views.choose_number(self._language(profile), count)]

    async def unreadable(
        self, telegram_id: int, kind: str, message_id: int | None = None
    ) -> list[Reply]:
        """Reply to a voice note, photo, sticker, document or location.

        A voice note or document goes straight to the user's open ticket; otherwise the user is
        offered to send it to a person.
        """
        profile = await self.profile(telegram_id)
        language = self._language(profile)
        if kind not in FORWARDABLE:
            return [self.views.unreadable(language, kind)]
        ticket_id = None
        async with self.sessions.begin() as session:
            await events.record(
                session,
                now=self.clock(),
                user_id=profile.id,
                direction="in",
                kind=kind,
                telegram_message_id=message_id,
            )
            ticket = await self.hotline.active_ticket(session, profile.id)
            if ticket is not None and message_id is not None:
                ticket_id = ticket.id
                await self.hotline.attach_message(session, ticket.id, telegram_id, message_id)
        if ticket_id is not None:
            self.hotline.on_enqueued()
            return [self.hotline.views.forwarded(language, ticket_id)]
        return [self.views.unreadable(language, kind)]

    # -- decisions -----------------------------------------------------------------------------

    async def _act(
        self, profile: Profile, decision: Decision, language: str, switch_to: str | None, key: str
    ) -> list[Reply]:
        assert profile.country is not None
        if decision.action is Action.ANSWER and decision.article:
            answer = self.kb.resolve(decision.article, profile.country, language)
            if answer is None:
                return [self.views.missing_answer(language)]
            return [self.views.answer(answer, switch_to)]
        if decision.action is Action.CLARIFY:
            return [self.views.clarify(language, decision.candidates, switch_to)]
        if decision.action is Action.MENU and decision.topic in self.kb.topics:
            first = [c.intent for c in decision.candidates]  # the likeliest first
            menu = self.views.topic(
                language,
                decision.topic,
                asked=True,
                first=first,
                switch_to=switch_to,
                situation=profile.country,
            )
            return [menu]
        if decision.action is Action.SMALLTALK and decision.intent:
            return [self.views.smalltalk(language, decision.intent)]
        if decision.reason == "missing":
            return [self.views.missing_answer(language)]
        if decision.reason == "ask_human":
            return await self._create_ticket(profile, "ask_human", key, language, decision)
        return [self.views.offer_person(language, decision.reason or "low_confidence", switch_to)]

    async def _create_ticket(
        self,
        profile: Profile,
        reason: str,
        key: str,
        language: str | None = None,
        decision: Decision | None = None,
        *,
        urgent: bool = False,
    ) -> list[Reply]:
        language = language or self._language(profile)
        async with self.sessions.begin() as session:
            question = await events.last_question(session, user_id=profile.id)
            nlu = None
            if question is not None:
                nlu = {
                    "intent": question.intent,
                    "confidence": question.confidence,
                    "action": question.action,
                }
            topic = None
            article = decision.article if decision else (question.article_id if question else None)
            if article and article in self.kb.articles:
                topic = self.kb.articles[article].topic
            ref = await tickets.open_ticket(
                session,
                now=self.clock(),
                idempotency_key=key,
                user_id=profile.id,
                reason=reason,
                language=language,
                country=profile.country,
                topic=topic,
                question=question.text if question else None,
                nlu=nlu,
            )
            if ref.created:
                await self.hotline.ticket_opened(session, ref.id, urgent=urgent)
                attachment = await events.last_attachment(session, user_id=profile.id)
                if reason in FORWARDABLE and attachment is not None:
                    await self.hotline.attach_message(
                        session, ref.id, profile.telegram_id, attachment
                    )
            elif urgent:
                await self.hotline.mark_urgent(session, ref.id, actor=f"user:{profile.id}")
        self.hotline.on_enqueued()
        log.info("user %s: ticket %s (%s, new=%s)", profile.id, ref.id, reason, ref.created)
        first = ref.created or ref.replayed  # a replay repeats the first confirmation
        availability = self.hotline.availability(language, profile.country, urgent=urgent)
        return [
            self.views.ticket_created(
                language, ref.id, existing=not first, availability=availability
            )
        ]

    async def _forward_to_ticket(
        self, profile: Profile, text: str, language: str, key: str
    ) -> list[Reply] | None:
        """While the user has an open ticket, their messages go to it, not to the NLU."""
        async with self.sessions.begin() as session:
            ticket = await self.hotline.active_ticket(session, profile.id)
            if ticket is None:
                return None
            await self._record_text(session, profile, text, language, "ticket")
            await self.hotline.user_wrote(session, ticket, profile, text, key)
            ticket_id = ticket.id
        self.hotline.on_enqueued()
        log.info("user %s: message added to ticket %s", profile.id, ticket_id)
        return [self.hotline.views.forwarded(language, ticket_id)]

    # -- buttons -------------------------------------------------------------------------------

    async def _choose_language(self, profile: Profile, code: str, key: str) -> list[Reply]:
        if code not in self.kb.languages_of(profile.country):
            return [self.views.stale_button(self._language(profile))]
        async with self.sessions.begin() as session:
            await profiles.set_language(session, user_id=profile.id, language=code)
        if profile.country is None:
            return [self.views.choose_country(code, replace=True)]
        if profile.consent_at is None:  # the situation asked for another language: go on
            return await self._onboarded(replace(profile, language=code), key)
        return [self.views.language_switched(code), self.views.main_menu(code, profile.country)]

    async def _choose_country(self, profile: Profile, code: str, key: str) -> list[Reply]:
        language = self._language(profile)
        if code not in self.kb.situations:
            return [self.views.stale_button(language)]
        async with self.sessions.begin() as session:
            await profiles.set_country(session, user_id=profile.id, country=code)
        profile = replace(profile, country=code)
        if language not in self.kb.languages_of(code):  # e.g. Romanian for a return from Bulgaria
            picker = self.views.choose_language(
                language, first_time=False, situation=code, unavailable=True
            )
            return [picker]
        return await self._onboarded(profile, key)

    async def _onboarded(self, profile: Profile, key: str) -> list[Reply]:
        """Language and situation chosen: consent on the first time, then the pending question
        or the main menu."""
        language = self._language(profile)
        first_time = profile.consent_at is None
        async with self.sessions.begin() as session:
            await profiles.record_consent(session, user_id=profile.id, now=self.clock())
            pending = await events.take_pending(session, user_id=profile.id, now=self.clock())
        replies = [self.views.privacy_notice(language)] if first_time else []
        if pending:  # the question typed before onboarding: answered now, not typed again
            profile = await self.profile(profile.telegram_id)
            return [*replies, *await self._question(profile, pending, key)]
        return [*replies, self.views.main_menu(language, profile.country)]

    async def _menu(self, profile: Profile, _: str, key: str) -> list[Reply]:
        if not profile.onboarded:
            return await self._require_onboarding(profile)
        return [self.views.main_menu(self._language(profile), profile.country)]

    async def _topic(self, profile: Profile, topic: str, key: str) -> list[Reply]:
        if topic not in self.kb.topics_of(profile.country):
            return [self.views.stale_button(self._language(profile))]
        return [self.views.topic(self._language(profile), topic, situation=profile.country)]

    async def _article(self, profile: Profile, article_id: str, key: str) -> list[Reply]:
        language = self._language(profile)
        if article_id not in self.kb.articles:
            return [self.views.stale_button(language)]
        if profile.country is None:
            return await self._require_onboarding(profile)
        async with self.sessions.begin() as session:
            await events.record(
                session,
                now=self.clock(),
                user_id=profile.id,
                direction="in",
                kind="button",
                language=language,
                country=profile.country,
                article_id=article_id,
                action="answer",
            )
        answer = self.kb.resolve(article_id, profile.country, language)
        if answer is None:
            return await self._honest([self.views.missing_answer(language)], profile)
        return await self._honest([self.views.answer(answer)], profile)

    async def _feedback(self, profile: Profile, argument: str, key: str) -> list[Reply]:
        helpful, _, article_id = argument.partition(":")
        language = self._language(profile)
        if helpful not in ("0", "1") or article_id not in self.kb.articles:
            return [self.views.stale_button(language)]
        async with self.sessions.begin() as session:
            await events.record_feedback(
                session,
                now=self.clock(),
                user_id=profile.id,
                article_id=article_id,
                country=profile.country,
                language=language,
                helpful=helpful == "1",
            )
            if helpful == "0":
                question = await events.last_question(session, user_id=profile.id)
                await events.record_missed(
                    session,
                    now=self.clock(),
                    reason="unhelpful",
                    text=question.text if question else None,
                    language=question.language if question else language,
                    country=profile.country,
                    intent=question.intent if question else None,
                    confidence=question.confidence if question else None,
                    article_id=article_id,
                )
            open_ticket = await tickets.open_of_user(session, user_id=profile.id)
        reply = self.views.feedback_thanks(
            language, helpful=helpful == "1", open_ticket=open_ticket
        )
        return await self._honest([reply], profile)

    async def _human(self, profile: Profile, _: str, key: str) -> list[Reply]:
        if profile.country is None:
            return await self._require_onboarding(profile)
        return await self._create_ticket(profile, "ask_human", key)

    async def _escalate_pressed(self, profile: Profile, reason: str, key: str) -> list[Reply]:
        if reason == "urgent":  # danger does not wait for the onboarding
            return await self._create_ticket(profile, "urgent", key, urgent=True)
        if profile.country is None:
            return await self._require_onboarding(profile)
        allowed = {
            "out_of_scope",
            "low_confidence",
            "negative_feedback",
            "missing",
            "nlu_down",
            *FORWARDABLE,
        }
        return await self._create_ticket(
            profile, reason if reason in allowed else "ask_human", key
        )

    async def _none_of_these(self, profile: Profile, _: str, key: str) -> list[Reply]:
        if profile.country is None:
            return await self._require_onboarding(profile)
        async with self.sessions.begin() as session:
            question = await events.last_question(session, user_id=profile.id)
            if question is not None:
                await events.record_missed(
                    session,
                    now=self.clock(),
                    reason="none_of_these",
                    text=question.text,
                    language=question.language,
                    country=profile.country,
                    intent=question.intent,
                    confidence=question.confidence,
                    article_id=None,
                )
            open_ticket = await tickets.open_of_user(session, user_id=profile.id)
        language = self._language(profile)
        if open_ticket is not None:
            return await self._create_ticket(profile, "none_of_these", key)
        availability = self.hotline.availability(language, profile.country)
        return [self.views.confirm_escalation(language, "none_of_these", availability)]

    async def _rate(self, profile: Profile, argument: str, key: str) -> list[Reply]:
        ticket, _, score = argument.partition(":")
        language = self._language(profile)
        ticket_id = tickets.parse_id(ticket)
        if ticket_id is None or score not in ("1", "2", "3", "4", "5"):
            return [self.views.stale_button(language)]
        if not await self.hotline.rate(profile, ticket_id, int(score)):
            return [self.views.stale_button(language)]
        return [self.hotline.views.rated(language)]

    async def _referral_consent(self, profile: Profile, argument: str, key: str) -> list[Reply]:
        ticket, _, answer = argument.partition(":")
        language = self._language(profile)
        ticket_id = tickets.parse_id(ticket)
        if ticket_id is None or answer not in ("0", "1"):
            return [self.views.stale_button(language)]
        consent = answer == "1"
        institution = await self.hotline.answer_referral(profile, ticket_id, consent=consent)
        if institution is None:
            return [self.views.stale_button(language)]
        return [self.hotline.views.consent_recorded(language, institution, given=consent)]

    async def _cancel(self, profile: Profile, argument: str, key: str) -> list[Reply]:
        """Withdraw the open request (/cancel, or the button on its confirmation)."""
        language = self._language(profile)
        ticket_id = tickets.parse_id(argument) if argument else None
        if argument and ticket_id is None:
            return [self.views.stale_button(language)]
        withdrawn = await self.hotline.withdraw(profile, ticket_id)
        if withdrawn is not None:
            log.info("user %s withdrew request %s", profile.id, withdrawn)
        return [self.views.withdrawn(language, withdrawn)]

    async def _add_to_request(self, profile: Profile, argument: str, key: str) -> list[Reply]:
        """ "Add this to my request" under an answer given while a request was open."""
        language = self._language(profile)
        event_id = tickets.parse_id(argument)
        async with self.sessions.begin() as session:
            event = await session.get(Event, event_id) if event_id else None
            ticket = await self.hotline.active_ticket(session, profile.id)
            if (
                event is None
                or event.user_id != profile.id
                or event.kind != "text"
                or not event.text
                or ticket is None
            ):
                return [self.views.stale_button(language)]
            ticket_id = ticket.id
            if event.action != "ticket":  # a second press adds nothing twice
                event.action = "ticket"
                await self.hotline.user_wrote(session, ticket, profile, event.text, key)
        self.hotline.on_enqueued()
        return [self.hotline.views.forwarded(language, ticket_id)]

    async def _switch(self, profile: Profile, code: str, key: str) -> list[Reply]:
        if code not in self.kb.languages:
            return [self.views.stale_button(self._language(profile))]
        async with self.sessions.begin() as session:
            await profiles.set_language(session, user_id=profile.id, language=code)
        return [self.views.language_switched(code)]

    async def _forget(self, profile: Profile, answer: str, key: str) -> list[Reply]:
        language = self._language(profile)
        if answer != "yes":
            return [self.views.not_forgotten(language)]
        async with self.sessions.begin() as session:
            their_tickets = await tickets.of_user(session, user_id=profile.id)
            await profiles.forget(session, user_id=profile.id)
            await self.hotline.user_erased(session, their_tickets)
        self.hotline.on_enqueued()
        log.info("user %s erased their data", profile.id)
        return [self.views.forgotten(language)]

    # -- helpers -------------------------------------------------------------------------------

    def _language(self, profile: Profile) -> str:
        return profile.language or self.default_language

    async def _require_onboarding(self, profile: Profile) -> list[Reply]:
        if profile.language is None:
            return [self.views.choose_language(self.default_language, first_time=True)]
        return [self.views.choose_country(profile.language)]

    async def _record_text(
        self, session: AsyncSession, profile: Profile, text: str, language: str, action: str
    ) -> Event:
        """A free-text message of the migrant that the NLU does not decide on (urgent, passed
        to their request, or kept until the onboarding ends)."""
        return await events.record(
            session,
            now=self.clock(),
            user_id=profile.id,
            direction="in",
            kind="text",
            text=text,
            language=language,
            country=profile.country,
            action=action,
        )

    async def _onboard_from_text(self, profile: Profile, text: str) -> list[Reply]:
        """A first message before /start: take its language and ask for the country."""
        language = profile.language
        async with self.sessions.begin() as session:
            if language is None:
                language = self.detector.detect(text, self.default_language).language
                await profiles.set_language(session, user_id=profile.id, language=language)
            # answered once the country is chosen
            await self._record_text(session, profile, text, language, "pending")
        return [self.views.choose_country(language)]


def _offers_person(reply: Reply) -> bool:
    """A button that opens a request; the urgent reply states its own (urgent) time."""
    return any(
        button.action == "human"
        or (button.action.startswith("esc:") and button.action != "esc:urgent")
        for row in reply.buttons
        for button in row
    )
