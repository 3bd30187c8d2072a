"""What the hotline shows: ticket cards and answers for staff (in STAFF_LANGUAGE), and the
hotline's messages to the migrant (in the migrant's language)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, format_timedelta

from bot.i18n import I18n
from bot.models import Ticket
from bot.replies import Button, Keyboard, Link, Reply
from bot.staff import StaffMember
from bot.tickets import OPEN_STATES
from bot.views import N_, TOPIC_LABELS
from knowledge import Institution, KnowledgeBase

STAFF_STATES = {
    "new": N_("🆕 new"),
    "claimed": N_("🟡 claimed by {name}"),
    "waiting_user": N_("💬 waiting for the migrant ({name})"),
    "referred": N_("↗ referred ({name})"),
    "resolved": N_("✅ resolved"),
    "withdrawn": N_("↩ withdrawn by the migrant"),
}

REASONS = {
    "ask_human": N_("asked for a person"),
    "out_of_scope": N_("question outside the catalog"),
    "low_confidence": N_("the assistant was unsure"),
    "negative_feedback": N_("an answer did not help"),
    "missing": N_("no answer for this country or language"),
    "nlu_down": N_("free text was unavailable"),
    "none_of_these": N_("none of the suggested articles fitted"),
    "voice": N_("a voice message"),
    "document": N_("a document"),
    "urgent": N_("immediate danger"),
}

USER_STATES = {
    "new": N_("waiting for a person from the hotline"),
    "claimed": N_("a person from the hotline is working on it"),
    "waiting_user": N_("the hotline is waiting for your reply"),
    "referred": N_("passed on to another organisation with your consent"),
    "resolved": N_("closed"),
    "withdrawn": N_("withdrawn by you"),
}

TRANSCRIPT_LINES = 6
EXCERPT_CHARS = 300


@dataclass(frozen=True)
class HotlineViews:
    kb: KnowledgeBase
    i18n: I18n
    staff_language: str

    # -- staff ---------------------------------------------------------------------------------

    def card(self, ticket: Ticket, *, staff_name: str, now: datetime) -> Reply:
        """The ticket's card in the staff group; its buttons follow the state."""
        _ = self.i18n.gettext(self.staff_language)
        state = _(STAFF_STATES.get(ticket.state, ticket.state)).format(name=staff_name)
        lines = [f"#{ticket.id} · {state}"]
        if ticket.urgent:
            lines.insert(0, "🚨 " + _("URGENT: immediate danger"))
        facts = [
            _(TOPIC_LABELS[ticket.topic]) if ticket.topic in TOPIC_LABELS else _("no topic"),
            self.i18n.language_name(ticket.language),
            self.situation_name(ticket.country) if ticket.country else "—",
        ]
        lines.append(" · ".join(facts))
        lines.append(
            _("Reason: {reason}").format(reason=_(REASONS.get(ticket.reason, ticket.reason)))
        )
        lines.append(_("Waiting for {age}").format(age=self.age(ticket.created_at, now)))
        if ticket.referred_to:
            lines.append(
                _("Referral: {institution}, consent: {consent}").format(
                    institution=self.institution_name(ticket.referred_to),
                    consent={True: _("yes"), False: _("no"), None: _("asked")}[
                        ticket.referral_consent
                    ],
                )
            )
        if ticket.rating:
            lines.append(_("Rating: {stars}").format(stars="★" * ticket.rating))
        if ticket.question:
            lines += ["", _("Question:"), _excerpt(ticket.question)]
        transcript = [line for line in (ticket.transcript or []) if line.get("text")]
        if transcript:
            lines += ["", _("Conversation:")]
            for line in transcript[-TRANSCRIPT_LINES:]:
                who = "👤" if line.get("direction") == "in" else "🤖"
                lines.append(f"{who} {_excerpt(str(line['text']), 120)}")
        if ticket.user_id is None:
            lines += ["", _("The migrant erased their data.")]
        rows = Keyboard()
        if ticket.state == "new":
            rows.row(Button(_("Claim"), f"st:claim:{ticket.id}"))
        if ticket.state in OPEN_STATES:
            rows.row(
                Button(_("Resolve"), f"st:resolve:{ticket.id}"),
                Button(_("Refer"), f"st:refer:{ticket.id}"),
            )
        return Reply("\n".join(lines), buttons=rows.build(), ticket_id=ticket.id)

    def erased(self, ticket_id: int) -> Reply:
        """Told in the ticket's place when the migrant used /forget."""
        _ = self.i18n.gettext(self.staff_language)
        return Reply(f"🗑 #{ticket_id} · {_('The migrant erased their data.')}")

    def topic_name(self, ticket: Ticket) -> str:
        _ = self.i18n.gettext(self.staff_language)
        topic = _(TOPIC_LABELS[ticket.topic]) if ticket.topic in TOPIC_LABELS else ""
        return f"#{ticket.id} {topic} {ticket.language}/{ticket.country or '-'}".strip()

    def queue(self, tickets: list[Ticket], *, title: str, now: datetime) -> Reply:
        _ = self.i18n.gettext(self.staff_language)
        if not tickets:
            return Reply(_("No open requests."))
        lines = [title]
        for ticket in tickets:
            topic = _(TOPIC_LABELS[ticket.topic]) if ticket.topic in TOPIC_LABELS else "—"
            lines.append(
                ("🚨 " if ticket.urgent else "") + f"#{ticket.id} · {ticket.state} · {topic} · "
                f"{ticket.language}/{ticket.country or '-'} · {self.age(ticket.created_at, now)}"
            )
        lines += ["", _("/take N claims request N.")]
        return Reply("\n".join(lines))

    def from_migrant(self, ticket_id: int, text: str) -> Reply:
        _ = self.i18n.gettext(self.staff_language)
        return Reply(
            _("👤 Request #{number}, the migrant writes:").format(number=ticket_id) + "\n" + text,
            ticket_id=ticket_id,
        )

    def sla_ping(self, ticket: Ticket, supervisors: list[StaffMember], now: datetime) -> Reply:
        _ = self.i18n.gettext(self.staff_language)
        text = _("⏰ Request #{number} has waited {age} and nobody has taken it.").format(
            number=ticket.id, age=self.age(ticket.created_at, now)
        )
        return Reply(
            text,
            links_heading=_("Supervisors:") if supervisors else None,
            links=tuple(Link(m.name, f"tg://user?id={m.telegram_id}") for m in supervisors),
            buttons=Keyboard().row(Button(_("Claim"), f"st:claim:{ticket.id}")).build(),
            ticket_id=ticket.id,
        )

    def login_link(self, url: str) -> Reply:
        _ = self.i18n.gettext(self.staff_language)
        return Reply(
            _("Your login link to the web inbox (it works once, for 10 minutes):") + "\n" + url
        )

    def web_reply(self, ticket_id: int, name: str, text: str) -> Reply:
        """A reply sent from the web inbox, shown in the ticket's place in the staff group."""
        _ = self.i18n.gettext(self.staff_language)
        heading = _("💬 {name} replied to request #{number} from the web inbox:")
        return Reply(
            heading.format(name=name, number=ticket_id) + "\n" + text, ticket_id=ticket_id
        )

    def urgent_ping(self, ticket_id: int, supervisors: list[StaffMember]) -> Reply:
        _ = self.i18n.gettext(self.staff_language)
        text = _("🚨 Request #{number} is urgent: the migrant may be in immediate danger.").format(
            number=ticket_id
        )
        return Reply(
            text,
            links_heading=_("Supervisors:") if supervisors else None,
            links=tuple(Link(m.name, f"tg://user?id={m.telegram_id}") for m in supervisors),
            buttons=Keyboard().row(Button(_("Claim"), f"st:claim:{ticket_id}")).build(),
            ticket_id=ticket_id,
        )

    def oncall_alert(self, ticket_id: int) -> Reply:
        """Sent privately to on-call staff: no personal data, only where to look."""
        _ = self.i18n.gettext(self.staff_language)
        return Reply(
            _(
                "🚨 On call: urgent request #{number} arrived while the hotline is closed. "
                "Open the staff group to take it."
            ).format(number=ticket_id),
            ticket_id=ticket_id,
        )

    def withdrawn(self, ticket_id: int) -> Reply:
        _ = self.i18n.gettext(self.staff_language)
        return Reply(f"↩ #{ticket_id} · {_('The migrant withdrew the request.')}")

    def referral_choices(self, ticket: Ticket, institutions: list[Institution]) -> Reply:
        _ = self.i18n.gettext(self.staff_language)
        rows = Keyboard().column(
            [
                Button(i.name_in(self.staff_language), f"st:rf:{ticket.id}:{i.id}")
                for i in institutions
            ]
        )
        return Reply(
            _("Refer request #{number} to which institution?").format(number=ticket.id),
            buttons=rows.build(),
            ticket_id=ticket.id,
        )

    def staff_text(self, message: str, **values: object) -> Reply:
        """A short answer to a staff action, translated into the staff language."""
        _ = self.i18n.gettext(self.staff_language)
        return Reply(_(message).format(**values))

    def age(self, since: datetime, now: datetime) -> str:
        since = since if since.tzinfo else since.replace(tzinfo=now.tzinfo)
        return format_timedelta(
            now - since, threshold=1.0, format="short", locale=self.staff_language
        )

    def institution_name(self, institution_id: str, language: str | None = None) -> str:
        institution = self.kb.institutions.get(institution_id)
        language = language or self.staff_language
        return institution.name_in(language) if institution else institution_id

    # -- the migrant ---------------------------------------------------------------------------

    def claimed(self, language: str, ticket_id: int) -> Reply:
        _ = self.i18n.gettext(language)
        return Reply(
            _(
                "A person from the hotline has taken your request {number} and will answer you "
                "here."
            ).format(number=ticket_id),
            language=language,
            ticket_id=ticket_id,
        )

    def staff_reply(self, language: str, ticket_id: int, text: str, name: str | None) -> Reply:
        _ = self.i18n.gettext(language)
        if name:
            header = _("💬 {name}, hotline (request {number}):").format(
                name=name, number=ticket_id
            )
        else:
            header = _("💬 Hotline (request {number}):").format(number=ticket_id)
        return Reply(f"{header}\n{text}", language=language, ticket_id=ticket_id)

    def resolved(self, language: str, ticket_id: int) -> Reply:
        _ = self.i18n.gettext(language)
        stars = [Button("⭐" * n, f"rate:{ticket_id}:{n}") for n in range(1, 6)]
        return Reply(
            _(
                "Your request {number} has been closed. If you need more help, just write here."
            ).format(number=ticket_id)
            + "\n\n"
            + _("How would you rate the help you received?"),
            buttons=Keyboard().row(*stars[:3]).row(*stars[3:]).build(),
            language=language,
            ticket_id=ticket_id,
        )

    def rated(self, language: str) -> Reply:
        _ = self.i18n.gettext(language)
        return Reply(_("Thank you for your rating!"), replace=True, language=language)

    def forwarded(self, language: str, ticket_id: int) -> Reply:
        _ = self.i18n.gettext(language)
        return Reply(
            _("I have passed your message on to the hotline (request {number}).").format(
                number=ticket_id
            ),
            language=language,
            ticket_id=ticket_id,
        )

    def status(self, language: str, ticket: Ticket | None, country: str | None) -> Reply:
        _ = self.i18n.gettext(language)
        if ticket is None:
            return Reply(_("You have no requests to the hotline."), language=language)
        opened = self.local_time(ticket.created_at, language, country)
        return Reply(
            _("Your request {number}: {state}.").format(
                number=ticket.id, state=_(USER_STATES.get(ticket.state, ticket.state))
            )
            + "\n"
            + _("Opened: {date}").format(date=opened),
            language=language,
            ticket_id=ticket.id,
        )

    def open_now(self, language: str, sla: timedelta) -> str:
        _ = self.i18n.gettext(language)
        minutes = max(1, int(sla.total_seconds() // 60))
        return _(
            "The hotline team is at work now and usually takes a request within {minutes} minutes."
        ).format(minutes=minutes)

    def closed_now(
        self, language: str, opening: datetime, country: str | None, *, oncall: bool
    ) -> str:
        _ = self.i18n.gettext(language)
        when = self.local_time(opening, language, country)
        if oncall:
            return _(
                "The hotline team is not at work right now (back {time}). A colleague on call "
                "is alerted at once and answers as soon as they can."
            ).format(time=when)
        return _(
            "The hotline team is not at work right now: a person can answer from {time}."
        ).format(time=when)

    def out_of_hours(self, language: str, opening: datetime, country: str | None) -> str:
        _ = self.i18n.gettext(language)
        return _(
            "Our team is not at work right now. You can expect an answer from {time}."
        ).format(time=self.local_time(opening, language, country))

    def consent_request(self, language: str, ticket_id: int, institution: Institution) -> Reply:
        _ = self.i18n.gettext(language)
        return Reply(
            _(
                "The hotline suggests that {institution} can help you ({url}). May we pass your "
                "request and your contact details on to them?"
            ).format(institution=institution.name_in(language), url=institution.url)
            + "\n"
            + _("Nothing is shared without your consent."),
            buttons=Keyboard()
            .row(
                Button(_("Yes, pass it on"), f"refc:{ticket_id}:1"),
                Button(_("No"), f"refc:{ticket_id}:0"),
            )
            .build(),
            language=language,
            ticket_id=ticket_id,
        )

    def consent_recorded(self, language: str, institution: Institution, *, given: bool) -> Reply:
        _ = self.i18n.gettext(language)
        if given:
            text = _("Thank you. The hotline will pass your request on to {institution}.")
        else:
            text = _(
                "Understood: nothing will be shared with {institution}. The hotline will look "
                "for another way to help you."
            )
        return Reply(
            text.format(institution=institution.name_in(language)),
            replace=True,
            language=language,
        )

    def situation_name(self, situation_id: str) -> str:
        """The migrant's situation as staff read it: the country, or the situation's label."""
        situation = self.kb.situations.get(situation_id)
        if situation is None or not situation.label:
            country = situation.country if situation is not None else situation_id
            return self.i18n.country_name(country, self.staff_language)
        return (
            situation.label.get(self.staff_language) or situation.label.get("en") or situation_id
        )

    def local_time(self, moment: datetime, language: str, country: str | None) -> str:
        """A date and time in the migrant's language and their country's time zone."""
        zone = ZoneInfo(self.kb.timezone(country))
        moment = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(zone)
        day = format_date(moment, "EEEE, d MMMM", locale=language)
        return f"{day}, {format_time(moment, 'short', tzinfo=zone, locale=language)}"


def _excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """One paragraph, shortened (replies are escaped when rendered)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
