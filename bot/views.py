"""Every screen the migrant sees, built as Replies in their language."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from bot.i18n import I18n
from bot.replies import Button, Keyboard, Link, Reply
from knowledge import Institution, KnowledgeBase, ResolvedAnswer
from nlu.decision import Candidate


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    return message


TOPIC_LABELS = {
    "documents": N_("📄 Documents"),
    "jobs": N_("💼 Jobs"),
    "health": N_("🩺 Health"),
    "social": N_("🤝 Social"),
    "return": N_("🧳 Voluntary return"),
}

UNREADABLE = {
    "voice": N_("I cannot listen to voice messages yet."),
    "document": N_("I cannot read files yet."),
    "photo": N_("I cannot look at photos."),
    "sticker": N_("Thank you for the sticker! I understand only text."),
    "location": N_("I do not use locations: please tell me in words which country you are in."),
    "other": N_("I can read only text messages."),
}
"""Kinds of message the bot cannot read; voice and document are offered to a person."""

FORWARDABLE = frozenset({"voice", "document"})


@dataclass(frozen=True)
class Views:
    kb: KnowledgeBase
    i18n: I18n

    def choose_language(
        self,
        language: str,
        *,
        first_time: bool,
        replace: bool = False,
        situation: str | None = None,
        unavailable: bool = False,
    ) -> Reply:
        """The language picker: the situation's languages once it is chosen, else all.

        Args:
            unavailable: the person's language is not served in their (new) situation.
        """
        _ = self.i18n.gettext(language)
        text = (
            _("Hello! I am the assistant for people returning home.") + "\n\n"
            if first_time
            else ""
        )
        text += (
            _(
                "Your language is not available for this situation yet. "
                "Please choose another language:"
            )
            if unavailable
            else _("Please choose your language.")
        )
        buttons = [
            Button(self.i18n.language_name(code), f"lang:{code}")
            for code in self.kb.languages_of(situation)
        ]
        rows = Keyboard()
        for i in range(0, len(buttons), 2):
            rows.row(*buttons[i : i + 2])
        return Reply(text, buttons=rows.build(), replace=replace, language=language)

    def choose_country(self, language: str, *, replace: bool = False) -> Reply:
        """Where the person needs help: the situations served in their language."""
        _ = self.i18n.gettext(language)
        rows = Keyboard().column(
            [
                Button(self.situation_name(situation.id, language), f"country:{situation.id}")
                for situation in self.kb.situations_for(language)
            ]
        )
        return Reply(
            _("Where do you need help?")
            + "\n"
            + _("Choose the situation that fits you, or write your question."),
            buttons=rows.build(),
            replace=replace,
            language=language,
        )

    def situation_name(self, situation_id: str, language: str) -> str:
        """A situation's button label; a returning one's is its country's name."""
        situation = self.kb.situations.get(situation_id)
        if situation is None:
            return self.i18n.country_name(situation_id, language)
        return (
            situation.label.get(language)
            or situation.label.get("en")
            or self.i18n.country_name(situation.country, language)
        )

    def privacy_notice(self, language: str) -> Reply:
        _ = self.i18n.gettext(language)
        return Reply(
            _(
                "Privacy: I keep your language, country and our conversation so that a person "
                "can help you if needed."
            )
            + "\n"
            + _("You can erase everything at any time with /forget."),
            language=language,
        )

    def main_menu(
        self, language: str, situation: str | None = None, *, replace: bool = False
    ) -> Reply:
        _ = self.i18n.gettext(language)
        topics = [
            Button(_(TOPIC_LABELS.get(t, t)), f"topic:{t}") for t in self.kb.topics_of(situation)
        ]
        rows = Keyboard()
        for i in range(0, len(topics), 2):
            rows.row(*topics[i : i + 2])
        rows.row(self.human_button(language))
        return Reply(
            _("What would you like to know? Choose a topic or just write your question."),
            buttons=rows.build(),
            replace=replace,
            language=language,
        )

    def topic(
        self,
        language: str,
        topic: str,
        *,
        asked: bool = False,
        first: Sequence[str] = (),
        switch_to: str | None = None,
        situation: str | None = None,
    ) -> Reply:
        """The topic's articles: from the main menu (replacing it), or `asked` as the answer to
        a message that named the topic ("documents"), with a person offered too.

        Args:
            first: article ids to list first, in this order (the likeliest ones).
            situation: only the articles it answers.
        """
        _ = self.i18n.gettext(language)
        articles = self.kb.articles_in(topic, situation)
        rank = {article_id: i for i, article_id in enumerate(first)}
        ordered = sorted(articles, key=lambda a: rank.get(a.id, len(rank)))
        rows = Keyboard().column([Button(a.title_in(language), f"art:{a.id}") for a in ordered])
        text = _(TOPIC_LABELS.get(topic, topic))
        if asked:
            text += "\n\n" + _("Did you mean one of these?")
            rows.row(self.human_button(language), self.menu_button(language))
        else:
            rows.row(self.menu_button(language))
        if switch_to:
            rows.row(self.switch_button(switch_to))
        return Reply(text, buttons=rows.build(), replace=not asked, language=language)

    def answer(self, answer: ResolvedAnswer, switch_to: str | None = None) -> Reply:
        language = answer.language
        _ = self.i18n.gettext(language)
        article = answer.article
        rows = Keyboard()
        if article.offer_person:
            rows.row(self.human_button(language))
        rows.row(Button("👍", f"fb:1:{article.id}"), Button("👎", f"fb:0:{article.id}"))
        related = [
            self.kb.articles[r]
            for r in article.related
            if r in self.kb.articles and self.kb.answer_for(r, answer.situation) is not None
        ]
        rows.column([Button("↪ " + r.title_in(language), f"art:{r.id}") for r in related])
        if not article.offer_person:
            rows.row(self.human_button(language), self.menu_button(language))
        else:
            rows.row(self.menu_button(language))
        if switch_to:
            rows.row(self.switch_button(switch_to))
        return Reply(
            answer.text,
            title=article.title_in(language),
            links_heading=_("Sources:"),
            links=tuple(Link(_source_label(s, language), s.url) for s in answer.sources),
            buttons=rows.build(),
            language=language,
            article_id=article.id,
        )

    def missing_answer(self, language: str) -> Reply:
        _ = self.i18n.gettext(language)
        return Reply(
            _(
                "I do not have this answer for your country in your language yet. "
                "A person from the hotline can help you."
            ),
            buttons=Keyboard()
            .row(Button(_("Send my question to a person"), "esc:missing"))
            .row(self.menu_button(language))
            .build(),
            language=language,
        )

    def clarify(
        self, language: str, candidates: tuple[Candidate, ...], switch_to: str | None = None
    ) -> Reply:
        _ = self.i18n.gettext(language)
        rows = Keyboard().column(
            [
                Button(self.kb.articles[c.intent].title_in(language), f"art:{c.intent}")
                for c in candidates
                if c.intent in self.kb.articles
            ]
        )
        rows.row(Button(_("None of these"), "none"))
        if switch_to:
            rows.row(self.switch_button(switch_to))
        return Reply(_("Did you mean one of these?"), buttons=rows.build(), language=language)

    def offer_person(self, language: str, reason: str, switch_to: str | None = None) -> Reply:
        _ = self.i18n.gettext(language)
        rows = Keyboard().row(Button(_("Send my question to a person"), f"esc:{reason}"))
        rows.row(self.menu_button(language))
        if switch_to:
            rows.row(self.switch_button(switch_to))
        return Reply(
            _(
                "I am not sure I can answer this. I can pass your question to a person from "
                "the hotline, or you can look through the menu."
            ),
            buttons=rows.build(),
            language=language,
        )

    def ticket_created(
        self, language: str, ticket_id: int, *, existing: bool, availability: str | None = None
    ) -> Reply:
        _ = self.i18n.gettext(language)
        if existing:
            text = _(
                "Your request number {number} is already with our team. Write here and I will "
                "pass your messages on; a person will answer you in this chat."
            )
        else:
            text = _(
                "I have passed your question to a person from the hotline. Your request number "
                "is {number}. They will answer you here, in this chat."
            )
        text = text.format(number=ticket_id)
        if availability:
            text = f"{text}\n\n{availability}"
        return Reply(
            text,
            buttons=Keyboard()
            .row(Button(_("Withdraw my request"), f"cancel:{ticket_id}"))
            .row(self.menu_button(language))
            .build(),
            language=language,
            ticket_id=ticket_id,
        )

    def withdrawn(self, language: str, ticket_id: int | None) -> Reply:
        _ = self.i18n.gettext(language)
        if ticket_id is None:
            text = _("You have no open request to withdraw.")
        else:
            text = _(
                "Your request {number} is withdrawn: the hotline will not answer it. You can ask "
                "for a person again at any time."
            ).format(number=ticket_id)
        return Reply(
            text,
            buttons=Keyboard().row(self.menu_button(language)).build(),
            replace=ticket_id is not None,
            language=language,
        )

    def confirm_escalation(self, language: str, reason: str, availability: str) -> Reply:
        """Asked before a request is opened for the migrant (e.g. after "None of these")."""
        _ = self.i18n.gettext(language)
        return Reply(
            _("Shall I pass your question to a person from the hotline?") + "\n\n" + availability,
            buttons=Keyboard()
            .row(Button(_("Send my question to a person"), f"esc:{reason}"))
            .row(self.menu_button(language))
            .build(),
            replace=True,
            language=language,
        )

    def urgent(
        self,
        language: str,
        kind: str | None,
        contacts: Sequence[Institution],
        availability: str,
        *,
        ticket_id: int | None,
    ) -> Reply:
        """Immediate danger: 112 first, then the country's specialised help, then a person."""
        _ = self.i18n.gettext(language)
        if kind == "self_harm":
            lines = [
                _(
                    "🆘 You are not alone. If you might hurt yourself or end your life, call 112 "
                    "now: it is free and works at any hour. If you can, ask someone near you to "
                    "stay with you."
                )
            ]
        else:
            lines = [_("🆘 If you are in danger now, call 112: it is free and works at any hour.")]
        if ticket_id is not None:
            lines.append(
                _(
                    "I have added your message to your request {number} and marked it urgent."
                ).format(number=ticket_id)
            )
        else:
            lines.append(_("You can also ask here for a person from the hotline."))
        lines.append(availability)
        rows = Keyboard()
        if ticket_id is None:
            rows.row(Button(_("🙋 Talk to a person"), "esc:urgent"))
        rows.row(self.menu_button(language))
        return Reply(
            "\n\n".join(lines),
            links_heading=_("Help in your country:") if contacts else None,
            links=tuple(Link(_source_label(c, language), c.url) for c in contacts),
            buttons=rows.build(),
            language=language,
        )

    def add_to_request(self, reply: Reply, event_id: int, language: str) -> Reply:
        """An answer given while a request is open: offer to add the question to it instead
        of the "Talk to a person" button."""
        _ = self.i18n.gettext(language)
        kept = tuple(
            row
            for row in (
                tuple(
                    b
                    for b in row
                    if b.action not in ("human",) and not b.action.startswith("esc:")
                )
                for row in reply.buttons
            )
            if row
        )
        add = (Button(_("Add this to my request"), f"add:{event_id}"),)
        return dataclasses.replace(reply, buttons=(add, *kept))

    def choose_number(self, language: str, count: int) -> Reply:
        """The terminal chat: a number typed that no button carries."""
        _ = self.i18n.gettext(language)
        if count == 0:
            return Reply(
                _(
                    "There are no choices to pick now: write your question in words, or send "
                    "/menu."
                ),
                language=language,
            )
        return Reply(
            _("Please choose a number from 1 to {count}.").format(count=count), language=language
        )

    def nlu_unavailable(self, language: str) -> Reply:
        _ = self.i18n.gettext(language)
        return Reply(
            _(
                "I cannot read free-text questions right now. Please use the menu, or I can "
                "pass your question to a person."
            ),
            buttons=Keyboard()
            .row(Button(_("Send my question to a person"), "esc:nlu_down"))
            .row(self.menu_button(language))
            .build(),
            language=language,
        )

    def smalltalk(self, language: str, intent: str) -> Reply:
        _ = self.i18n.gettext(language)
        texts = {
            "greet": _("Hello! Ask me your question or choose a topic."),
            "thanks": _("You are welcome. I am here if you need anything else."),
            "goodbye": _("Goodbye, and good luck! Write to me any time."),
            "bot_challenge": _(
                "I am an automated assistant, not a person. If you prefer, I can put you in "
                "touch with a person from the hotline."
            ),
        }
        rows = Keyboard()
        if intent == "bot_challenge":
            rows.row(self.human_button(language))
        rows.row(self.menu_button(language))
        return Reply(texts.get(intent, texts["greet"]), buttons=rows.build(), language=language)

    def feedback_thanks(
        self, language: str, *, helpful: bool, open_ticket: int | None = None
    ) -> Reply:
        _ = self.i18n.gettext(language)
        if helpful:
            return Reply(_("Thank you for your feedback!"), language=language)
        if open_ticket is not None:
            return Reply(
                _(
                    "I am sorry the answer did not help. Your request {number} is open: write "
                    "here what you still need and I will pass it on."
                ).format(number=open_ticket),
                buttons=Keyboard().row(self.menu_button(language)).build(),
                language=language,
                ticket_id=open_ticket,
            )
        return Reply(
            _("I am sorry the answer did not help. Would you like to ask a person?"),
            buttons=Keyboard()
            .row(Button(_("Send my question to a person"), "esc:negative_feedback"))
            .row(self.menu_button(language))
            .build(),
            language=language,
        )

    def unreadable(self, language: str, kind: str) -> Reply:
        _ = self.i18n.gettext(language)
        text = _(UNREADABLE.get(kind, UNREADABLE["other"]))
        rows = Keyboard()
        if kind in FORWARDABLE:
            text += " " + _("I can send it to a person from the hotline.")
            rows.row(Button(_("Send it to a person"), f"esc:{kind}"))
        else:
            text += " " + _("Please write your question in words.")
        rows.row(self.menu_button(language))
        return Reply(text, buttons=rows.build(), language=language)

    def empty_message(self, language: str) -> Reply:
        _ = self.i18n.gettext(language)
        return Reply(
            _("Please write your question in words, or choose a topic."),
            buttons=Keyboard().row(self.menu_button(language)).build(),
            language=language,
        )

    def help(self, language: str) -> Reply:
        _ = self.i18n.gettext(language)
        lines = [_("Write your question in your own words, or use the buttons."), ""]
        lines += [f"/{name} — {_(description)}" for name, description in COMMANDS]
        return Reply(
            "\n".join(lines),
            buttons=Keyboard().row(self.menu_button(language)).build(),
            language=language,
        )

    def privacy(self, language: str, retention_days: int) -> Reply:
        _ = self.i18n.gettext(language)
        return Reply(
            _(
                "What I store: your Telegram id, your language and country, the messages you "
                "send me and my answers, your feedback, and the requests passed to the hotline."
            )
            + "\n\n"
            + _(
                "The text of your messages is erased after {days} days; the text of a request "
                "to the hotline {days} days after it is closed."
            ).format(days=retention_days)
            + "\n\n"
            + _(
                "Only the hotline staff who handle your request can read it. Nothing is shared "
                "with an institution without your consent."
            )
            + "\n\n"
            + _("Send /forget to erase your data."),
            buttons=Keyboard().row(self.menu_button(language)).build(),
            language=language,
        )

    def confirm_forget(self, language: str) -> Reply:
        _ = self.i18n.gettext(language)
        return Reply(
            _(
                "Erase your profile, your messages and the text of your requests? This cannot be "
                "undone."
            ),
            buttons=Keyboard()
            .row(Button(_("Yes, erase my data"), "forget:yes"), Button(_("No"), "forget:no"))
            .build(),
            language=language,
        )

    def forgotten(self, language: str) -> Reply:
        _ = self.i18n.gettext(language)
        return Reply(
            _("Your data has been erased. Send /start if you want to talk again."),
            replace=True,
            language=language,
        )

    def not_forgotten(self, language: str) -> Reply:
        _ = self.i18n.gettext(language)
        return Reply(_("Nothing was erased."), replace=True, language=language)

    def language_switched(self, language: str) -> Reply:
        _ = self.i18n.gettext(language)
        return Reply(
            _("Done: I will talk to you in {language}.").format(
                language=self.i18n.language_name(language)
            ),
            language=language,
        )

    def stale_button(self, language: str) -> Reply:
        _ = self.i18n.gettext(language)
        return Reply(
            _("This button is no longer valid."),
            buttons=Keyboard().row(self.menu_button(language)).build(),
            language=language,
        )

    def slow_down(self, language: str) -> Reply:
        _ = self.i18n.gettext(language)
        return Reply(
            _(
                "You are sending messages very quickly. Please wait a minute; then I will read "
                "your messages again."
            ),
            language=language,
        )

    def error(self, language: str) -> Reply:
        _ = self.i18n.gettext(language)
        return Reply(
            _(
                "Sorry, something went wrong on my side. Please try again in a moment; if it "
                "happens again, a person from the hotline will follow up."
            ),
            language=language,
        )

    def human_button(self, language: str) -> Button:
        _ = self.i18n.gettext(language)
        return Button(_("🙋 Talk to a person"), "human")

    def menu_button(self, language: str) -> Button:
        _ = self.i18n.gettext(language)
        return Button(_("☰ Menu"), "menu")

    def switch_button(self, language: str) -> Button:
        _ = self.i18n.gettext(language)
        label = _("Continue in {language}")
        return Button(
            label.format(language=self.i18n.language_name(language)), f"switch:{language}"
        )


COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("start again: language and country")),
    ("menu", N_("the main menu")),
    ("language", N_("change the language")),
    ("country", N_("change the country")),
    ("human", N_("talk to a person")),
    ("status", N_("your request to the hotline")),
    ("cancel", N_("withdraw your request to the hotline")),
    ("help", N_("how to use this assistant")),
    ("privacy", N_("what is stored about you")),
    ("forget", N_("erase your data")),
)


def _source_label(institution: Institution, language: str) -> str:
    """The institution's name, with its phone number when an operator verified it."""
    phone = institution.verified_phone
    name = institution.name_in(language)
    return f"{name} · ☎ {phone}" if phone else name
