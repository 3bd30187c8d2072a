"""The web back office: hotline staff work their queue in a browser, beside the Telegram group.

A second adapter over the same domain services as the Telegram handlers: every action calls the
`Hotline` method the staff group's buttons and commands call, so a claim in the browser and one
in Telegram race on the same conditional UPDATE and exactly one wins. Server-rendered Jinja2
pages; htmx (vendored in web/static/) refreshes a request's timeline every two seconds.

Security: login only through one-time links (web/auth.py); the session is a signed HttpOnly
cookie (SameSite=Lax, Secure on https) that expires; every POST carries the session's CSRF token;
roles as in Telegram, anyone else gets 403. Errors show a short page, never a traceback.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from babel.dates import format_timedelta
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from bot import hotline_report, tickets
from bot.hotline_report import HotlineReport
from bot.hotline_views import REASONS, STAFF_STATES
from bot.models import CannedReply, Ticket, TicketMessage
from bot.rendering import is_rtl
from bot.services import Services
from bot.staff import Permission, StaffMember
from bot.views import N_, TOPIC_LABELS
from web.auth import LoginLinks

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
SESSION_HOURS = 8
COOKIE = "hotline_session"
INBOX_LIMIT = 200

Handler = Callable[[Request], Awaitable[Response]]


def create_app(services: Services, *, secret: str, secure_cookie: bool = False) -> Starlette:
    """The ASGI app over `services` (the bot's, or this process's own against the same DB)."""
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals.update(topic_labels=TOPIC_LABELS, reasons=REASONS)
    links = LoginLinks(services.sessions, services.staff, services.clock)
    hotline = services.hotline

    def member_of(request: Request) -> StaffMember | None:
        """The logged-in staff member; None when nobody is, or the session has expired (by the
        services' clock, on top of the cookie's own signed age)."""
        until = request.session.get("until")
        if not isinstance(until, int | float) or until < services.clock().timestamp():
            return None
        return services.staff.get(request.session.get("staff"))

    def language_of(request: Request) -> str:
        chosen = request.session.get("lang")
        return chosen if chosen in services.kb.languages else hotline.views.staff_language

    def page(request: Request, name: str, status: int = 200, **context: Any) -> Response:
        language = language_of(request)
        context.setdefault("member", member_of(request))
        context.setdefault("csrf", request.session.get("csrf", ""))
        context.update(
            _=services.i18n.gettext(language),
            lang=language,
            direction="rtl" if is_rtl(language) else "ltr",
            ui_languages=[
                (code, services.i18n.language_name(code)) for code in services.kb.languages
            ],
        )
        return templates.TemplateResponse(request, name, context, status_code=status)

    def staff_only(handler: Handler) -> Handler:
        async def guarded(request: Request) -> Response:
            member = member_of(request)
            if member is None:
                return page(request, "login_needed.html", status=403)
            if not member.may(Permission.HANDLE):
                log.warning("web: staff %s (%s) refused", member.telegram_id, member.role.value)
                return page(
                    request, "error.html", status=403, message=N_("Your role has no inbox.")
                )
            if request.method == "POST":
                form = await request.form()
                sent = str(form.get("csrf", ""))
                if not sent or not secrets.compare_digest(sent, request.session.get("csrf", "")):
                    log.warning("web: POST without a valid CSRF token from %s", member.telegram_id)
                    return page(
                        request, "error.html", status=403, message=N_("Please reload the page.")
                    )
            return await handler(request)

        return guarded

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def login(request: Request) -> Response:
        member = await links.redeem(request.path_params["token"])
        if member is None:
            return page(request, "login_needed.html", status=403, refused=True)
        request.session.clear()
        request.session.update(
            staff=member.telegram_id,
            csrf=secrets.token_urlsafe(24),
            until=(services.clock() + timedelta(hours=SESSION_HOURS)).timestamp(),
        )
        return RedirectResponse("/", status_code=303)

    async def logout(request: Request) -> Response:
        form = await request.form()
        if secrets.compare_digest(str(form.get("csrf", "")), request.session.get("csrf", "-")):
            log.info("logout: staff %s", request.session.get("staff"))
            request.session.clear()
        return RedirectResponse("/", status_code=303)

    @staff_only
    async def choose_language(request: Request) -> Response:
        form = await request.form()
        language = str(form.get("language", ""))
        if language in services.kb.languages:
            request.session["lang"] = language
        return RedirectResponse(request.headers.get("referer") or "/", status_code=303)

    @staff_only
    async def inbox(request: Request) -> Response:
        query = request.query_params
        number = tickets.parse_id(query.get("q", ""))
        async with services.sessions() as session:
            statement = select(Ticket).where(Ticket.state.in_(tickets.OPEN_STATES))
            if number is not None:
                statement = select(Ticket).where(Ticket.id == number)
            for field in ("state", "country", "language", "topic"):
                if value := query.get(field):
                    statement = statement.where(getattr(Ticket, field) == value)
            member = member_of(request)
            if query.get("mine") and member is not None:
                statement = statement.where(Ticket.claimed_by == member.telegram_id)
            rows = list(
                await session.scalars(
                    statement.order_by(Ticket.urgent.desc(), Ticket.created_at, Ticket.id).limit(
                        INBOX_LIMIT
                    )
                )
            )
        now = services.clock()
        late = query.get("late")
        language = language_of(request)
        items = [_item(services, ticket, now, language) for ticket in rows]
        if late:
            items = [item for item in items if item["overdue"]]
        name = "_inbox_rows.html" if request.headers.get("HX-Request") else "inbox.html"
        return page(request, name, items=items, query=query, states=tickets.OPEN_STATES)

    @staff_only
    async def request_page(request: Request) -> Response:
        ticket_id = _ticket_id(request)
        context = await _request_context(services, ticket_id, language_of(request))
        flash = request.session.pop("flash", None)
        return page(request, "request.html", flash=flash, **context)

    @staff_only
    async def timeline(request: Request) -> Response:
        context = await _request_context(services, _ticket_id(request), language_of(request))
        return page(request, "_timeline.html", **context)

    def action(name: str) -> Handler:
        @staff_only
        async def act(request: Request) -> Response:
            member = member_of(request)
            assert member is not None
            ticket_id = _ticket_id(request)
            form = await request.form()
            text = str(form.get("text", "")).strip()[:4000]
            if name == "claim":
                answer = await hotline.claim(member, ticket_id)
            elif name == "resolve":
                answer = await hotline.resolve(member, ticket_id)
            elif name == "reopen":
                answer = await hotline.reopen(member, ticket_id)
            elif name == "note":
                answer = await hotline.note(member, ticket_id, text)
            elif name == "refer":
                institution = str(form.get("institution", ""))
                answer = await hotline.refer(member, ticket_id, institution)
            elif not text:
                text = services.i18n.gettext(language_of(request))(N_("Write a reply first."))
                request.session["flash"] = {"ok": False, "text": text}
                return RedirectResponse(f"/requests/{ticket_id}", status_code=303)
            else:
                key = f"web:{uuid.uuid4().hex}"
                answer = await hotline.reply(member, ticket_id, text, key, None, from_web=True)
            log.info(
                "web: staff %s %s request %s: %s", member.telegram_id, name, ticket_id, answer.ok
            )
            request.session["flash"] = {"ok": answer.ok, "text": answer.text}
            return RedirectResponse(f"/requests/{ticket_id}", status_code=303)

        return act

    async def report_of(request: Request) -> HotlineReport:
        days = min(max(int(request.query_params.get("days", "30") or 30), 1), 366)
        async with services.sessions() as session:
            return await hotline_report.collect(session, days=days, now=services.clock())

    @staff_only
    async def reports(request: Request) -> Response:
        member = member_of(request)
        if member is None or not member.may(Permission.OVERRIDE):
            return page(
                request, "error.html", status=403, message=N_("Reports are for supervisors.")
            )
        report = await report_of(request)
        if request.url.path.endswith(".csv"):
            name = f"hotline-{report.first_day}-{report.last_day}.csv"
            return Response(
                report.as_csv(),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{name}"'},
            )
        durations = {
            label: (report.quantile(values, 0.5), report.quantile(values, 0.9), len(values))
            for label, values in (("claim", report.to_claim), ("resolve", report.to_resolve))
        }
        return page(
            request,
            "reports.html",
            report=report,
            durations=durations,
            duration=_duration,
            days=(report.last_day - report.first_day).days + 1,
        )

    @staff_only
    async def canned(request: Request) -> Response:
        """Supervisors keep the canned replies: list, add, delete."""
        member = member_of(request)
        if member is None or not member.may(Permission.OVERRIDE):
            return page(
                request,
                "error.html",
                status=403,
                message=N_("Canned replies are kept by supervisors."),
            )
        problem = None
        if request.method == "POST":
            form = await request.form()
            async with services.sessions.begin() as session:
                if delete := tickets.parse_id(str(form.get("delete", ""))):
                    row = await session.get(CannedReply, delete)
                    if row is not None:
                        await session.delete(row)
                else:
                    language = str(form.get("language", ""))
                    topic = str(form.get("topic", "")) or None
                    title = str(form.get("title", "")).strip()[:80]
                    text = str(form.get("text", "")).strip()[:4000]
                    if language not in services.kb.languages or (
                        topic and topic not in services.kb.topics
                    ):
                        problem = N_("Choose a language and topic from the lists.")
                    elif not title or not text:
                        problem = N_("A canned reply needs a title and a text.")
                    else:
                        session.add(
                            CannedReply(
                                language=language,
                                topic=topic,
                                title=title,
                                text=text,
                                created_by=member.telegram_id,
                                updated_at=services.clock(),
                            )
                        )
            if problem is None:
                return RedirectResponse("/canned", status_code=303)
        async with services.sessions() as session:
            rows = list(
                await session.scalars(
                    select(CannedReply).order_by(
                        CannedReply.language, CannedReply.topic, CannedReply.title
                    )
                )
            )
        return page(
            request,
            "canned.html",
            status=422 if problem else 200,
            rows=rows,
            problem=problem,
            languages=services.kb.languages,
            topics=services.kb.topics,
        )

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        if status >= 500:
            log.exception("web: error on %s", request.url.path, exc_info=exc)
        message = {404: N_("There is no such page."), 405: N_("Not allowed.")}.get(
            status, N_("Something went wrong.")
        )
        return page(request, "error.html", status=status, message=message)

    routes = [
        Route("/healthz", healthz),
        Route("/login/{token}", login),
        Route("/logout", logout, methods=["POST"]),
        Route("/language", choose_language, methods=["POST"]),
        Route("/", inbox),
        Route("/reports", reports),
        Route("/canned", canned, methods=["GET", "POST"]),
        Route("/reports.csv", reports),
        Route("/requests/{ticket_id}", request_page),
        Route("/requests/{ticket_id}/timeline", timeline),
        *(
            Route(f"/requests/{{ticket_id}}/{name}", action(name), methods=["POST"])
            for name in ("claim", "reply", "note", "refer", "resolve", "reopen")
        ),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    middleware = [
        Middleware(
            SessionMiddleware,
            secret_key=secret,
            session_cookie=COOKIE,
            max_age=SESSION_HOURS * 3600,
            same_site="lax",
            https_only=secure_cookie,
        )
    ]
    return Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={HTTPException: not_found, Exception: not_found},
    )


def _ticket_id(request: Request) -> int:
    ticket_id = tickets.parse_id(str(request.path_params["ticket_id"]))
    if ticket_id is None:
        raise HTTPException(404)
    return ticket_id


def _item(services: Services, ticket: Ticket, now: datetime, language: str) -> dict[str, Any]:
    config = services.hotline.config
    _ = services.i18n.gettext(language)
    sla = config.sla_urgent if ticket.urgent else config.sla
    created = (
        ticket.created_at if ticket.created_at.tzinfo else ticket.created_at.replace(tzinfo=UTC)
    )
    left = created + sla - now
    return {
        "ticket": ticket,
        "state": _(STAFF_STATES.get(ticket.state, ticket.state)).format(
            name=services.staff.name(ticket.claimed_by)
        ),
        "waited": format_timedelta(now - created, threshold=1.0, format="short", locale=language),
        "overdue": ticket.state == "new" and left.total_seconds() < 0,
        "sla_left": max(0, int(left.total_seconds() // 60)) if ticket.state == "new" else None,
    }


async def _request_context(services: Services, ticket_id: int, language: str) -> dict[str, Any]:
    async with services.sessions() as session:
        ticket = await session.get(Ticket, ticket_id)
        if ticket is None:
            raise HTTPException(404)
        messages = list(
            await session.scalars(
                select(TicketMessage)
                .where(TicketMessage.ticket_id == ticket_id)
                .order_by(TicketMessage.at, TicketMessage.id)
            )
        )
        events = await tickets.history(session, ticket_id=ticket_id)
        canned = list(
            await session.scalars(
                select(CannedReply)
                .where(
                    CannedReply.language == ticket.language,
                    (CannedReply.topic.is_(None)) | (CannedReply.topic == ticket.topic),
                )
                .order_by(CannedReply.title)
            )
        )
    timeline: list[dict[str, Any]] = []  # sorted by time; at one instant: events first
    for line in ticket.transcript or []:
        if line.get("text"):
            who = "migrant" if line.get("direction") == "in" else "bot"
            at = _utc(str(line.get("at", "")))
            timeline.append({"at": at, "order": 0, "who": who, "text": line["text"]})
    for message in messages:
        who = {"user": "migrant", "staff": "staff", "note": "note"}.get(
            message.author, message.author
        )
        name = services.staff.name(message.staff_id) if message.staff_id else ""
        text = message.text if message.text is not None else "(erased)"
        at = _utc(message.at.isoformat())
        timeline.append({"at": at, "order": 2, "who": who, "name": name, "text": text})
    for event in events:
        actor = event.actor
        if actor.startswith("staff:"):
            actor = services.staff.name(int(actor.split(":", 1)[1]))
        detail = ", ".join(f"{k}: {v}" for k, v in (event.detail or {}).items())
        text = f"{event.action} {detail}".strip()
        at = _utc(event.at.isoformat())
        timeline.append({"at": at, "order": 1, "who": "event", "name": actor, "text": text})
    timeline.sort(key=lambda entry: (entry["at"], entry["order"]))
    item = _item(services, ticket, services.clock(), language)
    directory = services.hotline.institutions_for(ticket.country)
    institutions = [(i.id, i.name_in(language)) for i in directory]
    referred = (
        services.hotline.views.institution_name(ticket.referred_to, language)
        if ticket.referred_to
        else None
    )
    return {
        "item": item,
        "ticket": ticket,
        "timeline": timeline,
        "nlu": ticket.nlu or {},
        "institutions": institutions,
        "referred": referred,
        "canned": canned,
    }


def _utc(iso: str) -> str:
    """An ISO time as UTC "YYYY-MM-DDTHH:MM:SS" (SQLite returns naive UTC, PostgreSQL aware)."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso[:19]
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds")


def _duration(value: timedelta | None) -> str:
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes / 60
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"
