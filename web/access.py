"""Who may see the dashboard, the API and ``/metrics``, and the headers every page carries.

- Without ``ONCALL_DASHBOARD_TOKEN`` (allowed only on a loopback address: ``oncall serve``
  refuses to listen elsewhere without it) everything answers without credentials.
- With it, everything but the public paths (health, the alert, chat and calendar endpoints,
  which carry their own credentials, the login form and the style sheet) needs either
  ``Authorization: Bearer <token>`` or the session cookie the login form sets (HttpOnly,
  SameSite=Strict, Secure when the dashboard is reached over HTTPS). The cookie holds an HMAC
  of the token, never the token: every instance can check it, and changing the token ends
  every session. Without credentials the API and ``/metrics`` answer 401, pages redirect to
  the login form.
- A new endpoint is protected unless it is added to :data:`PUBLIC`.
- State-changing forms carry a CSRF token (double submit: a random SameSite=Strict cookie and
  the same value in the form, compared in constant time); the API's POSTs need a JSON body,
  which a cross-site form cannot send.
- Pages carry a Content-Security-Policy that allows only this origin's scripts and styles.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from aiohttp import web

from web.deps import deps_of
from web.problems import problem

SESSION_COOKIE = "oncall_session"
CSRF_COOKIE = "oncall_csrf"
CSRF_FIELD = "csrf"
CSRF_KEY = web.RequestKey("csrf_token", str)

PUBLIC_EXACT = frozenset({"/healthz", "/readyz", "/slack/events", "/api/messages", "/login"})
PUBLIC_PREFIXES = ("/alerts/", "/ical/", "/static/")
"""Paths that never need the dashboard token (they carry their own credentials or none)."""

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def is_public(path: str) -> bool:
    """True for the paths that never need the dashboard token."""
    return path in PUBLIC_EXACT or path.startswith(PUBLIC_PREFIXES)


def session_value(token: str) -> str:
    """The session cookie's value for ``token`` (an HMAC; the token itself is never sent)."""
    return hmac.new(token.encode(), b"oncall-dashboard-session", hashlib.sha256).hexdigest()


def authorized(request: web.Request, token: str) -> bool:
    """The bearer token or the session cookie matches (constant-time comparisons)."""
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if (
        scheme.lower() == "bearer"
        and given
        and hmac.compare_digest(given.strip().encode(), token.encode())
    ):
        return True
    cookie = request.cookies.get(SESSION_COOKIE, "")
    return bool(cookie) and hmac.compare_digest(cookie.encode(), session_value(token).encode())


def csrf_token(request: web.Request) -> str:
    """The CSRF token to put in this page's forms (the cookie's value, or a new one that the
    response will set)."""
    value = request.get(CSRF_KEY)
    if value is None:
        value = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        request[CSRF_KEY] = value
    return value


async def check_csrf(request: web.Request) -> dict[str, str]:
    """The posted form's fields, after checking its CSRF field against the cookie; raises
    403 when either is missing or they differ."""
    form = await request.post()
    given = str(form.get(CSRF_FIELD, ""))
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not given or not cookie or not hmac.compare_digest(given.encode(), cookie.encode()):
        raise web.HTTPForbidden(text="the form's CSRF token is missing or stale: reload the page")
    return {k: str(v) for k, v in form.items()}


def safe_next(target: str | None) -> str:
    """A redirect target inside this site: a path starting with one ``/``; else ``/``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Checks the dashboard token (see the module docstring) and adds the page headers."""
    deps = deps_of(request)
    path = request.path
    if deps.token is not None and not is_public(path) and not authorized(request, deps.token):
        if path.startswith("/api/") or path == "/metrics":
            return problem(
                401,
                "send Authorization: Bearer <ONCALL_DASHBOARD_TOKEN>",
                headers={"WWW-Authenticate": 'Bearer realm="oncall"'},
            )
        raise web.HTTPSeeOther(f"/login?next={quote(request.path_qs, safe='')}")
    response = await handler(request)
    if is_public(path) and path not in ("/login",) and not path.startswith("/static/"):
        return response
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if CSRF_KEY in request and CSRF_COOKIE not in request.cookies:
        response.set_cookie(
            CSRF_COOKIE,
            request[CSRF_KEY],
            httponly=True,
            samesite="Strict",
            secure=deps.secure_cookies,
            path="/",
        )
    return response


def add_routes(app: web.Application) -> None:
    """``GET /login`` (the form), ``POST /login`` (sets the session cookie), ``POST /logout``."""
    from web.render import render

    async def login_form(request: web.Request) -> web.StreamResponse:
        deps = deps_of(request)
        if deps.token is None:
            raise web.HTTPSeeOther(safe_next(request.query.get("next")))
        return render(request, "login.html", next=safe_next(request.query.get("next")), error=None)

    async def login(request: web.Request) -> web.StreamResponse:
        deps = deps_of(request)
        form = await check_csrf(request)
        target = safe_next(form.get("next"))
        if deps.token is None:
            raise web.HTTPSeeOther(target)
        given = form.get("token", "")
        if not given or not hmac.compare_digest(given.encode(), deps.token.encode()):
            response = render(
                request, "login.html", next=target, error="That is not the dashboard token."
            )
            response.set_status(401)
            return response
        response = web.Response(status=303, headers={"Location": target})
        response.set_cookie(
            SESSION_COOKIE,
            session_value(deps.token),
            httponly=True,
            samesite="Strict",
            secure=deps.secure_cookies,
            path="/",
        )
        return response

    async def logout(request: web.Request) -> web.StreamResponse:
        await check_csrf(request)
        response = web.Response(status=303, headers={"Location": "/login"})
        response.del_cookie(SESSION_COOKIE, path="/")
        return response

    app.router.add_get("/login", login_form)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
