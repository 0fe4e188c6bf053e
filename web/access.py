"""Who may see the dashboard, the API and ``/metrics``, and the headers every page carries.

- Without ``ONCALL_DASHBOARD_TOKEN`` (allowed only on a loopback address: ``oncall serve``
  refuses to listen elsewhere without it) everything answers without credentials, but only
  to requests whose ``Host`` is a loopback name (``localhost``, ``127.x.x.x``, ``[::1]``, any
  port) or the host of ``ONCALL_PUBLIC_URL``, and a POST whose ``Origin`` is another site is
  refused: a web page cannot rebind its own name to 127.0.0.1 and read or act through the
  browser of someone who runs the bot (DNS rebinding).
- With it, everything but the public paths (health, the alert, chat and calendar endpoints,
  which carry their own credentials, the login form and the style sheet) needs either
  ``Authorization: Bearer <token>`` or the session cookie the login form sets (HttpOnly,
  SameSite=Strict, Secure when the dashboard is reached over HTTPS, valid for
  :data:`SESSION_HOURS`). The cookie holds its issue time and an HMAC of it keyed by the token,
  never the token: every instance can check it, and changing the token ends every session.
  Without credentials the API and ``/metrics`` answer 401, pages redirect to the login form.
- A new endpoint is protected unless it is added to :data:`PUBLIC_EXACT` or
  :data:`PUBLIC_PREFIXES`.
- State-changing forms carry a CSRF token (double submit: a random SameSite=Strict cookie and
  the same value in the form, compared in constant time); the API's POSTs need a JSON body,
  which a cross-site form cannot send.
- Pages carry a Content-Security-Policy that allows only this origin's scripts and styles,
  error pages included; an unexpected failure on a page is a plain 500 page (the error goes to
  the log, never to the reader).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from urllib.parse import quote, urlsplit

from aiohttp import web

from web.bodies import within_limit
from web.deps import WebDeps, deps_of
from web.problems import problem

log = logging.getLogger("oncall.web")

SESSION_COOKIE = "oncall_session"
SESSION_HOURS = 12
CSRF_COOKIE = "oncall_csrf"
CSRF_FIELD = "csrf"
CSRF_KEY = web.RequestKey("csrf_token", str)

PUBLIC_EXACT = frozenset({"/healthz", "/readyz", "/slack/events", "/api/messages"})
PUBLIC_PREFIXES = ("/alerts/", "/ical/", "/static/")
"""Paths that never need the dashboard token (they carry their own credentials or none)."""
SIGN_IN = frozenset({"/login", "/logout"})
"""The login form: reachable without the token, but a page like the others (headers, CSRF)."""

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
PAGE_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def is_public(path: str) -> bool:
    """True for the paths that never need the dashboard token."""
    return path in PUBLIC_EXACT or path.startswith(PUBLIC_PREFIXES)


def session_value(token: str, issued: datetime) -> str:
    """The session cookie's value: the issue time (Unix seconds) and its HMAC keyed by the
    token (the token itself is never sent)."""
    stamp = str(int(issued.timestamp()))
    mac = hmac.new(token.encode(), f"oncall-session:{stamp}".encode(), hashlib.sha256)
    return f"{stamp}.{mac.hexdigest()}"


def session_valid(value: str, token: str, now: datetime) -> bool:
    """The cookie was made with ``token`` less than :data:`SESSION_HOURS` ago (and not more
    than five minutes in the future: clocks of instances differ a little)."""
    stamp, _, _mac = value.partition(".")
    if not stamp.isascii() or not stamp.isdigit() or len(stamp) > 12:
        return False
    age = now.timestamp() - int(stamp)
    if not -300 <= age <= SESSION_HOURS * 3600:
        return False
    expected = session_value(token, datetime.fromtimestamp(int(stamp), now.tzinfo))
    return hmac.compare_digest(value.encode(), expected.encode())


def authorized(request: web.Request, token: str, now: datetime) -> bool:
    """The bearer token or a live session cookie matches (constant-time comparisons)."""
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() == "bearer" and given.strip():
        return hmac.compare_digest(given.strip().encode(), token.encode())
    cookie = request.cookies.get(SESSION_COOKIE, "")
    return bool(cookie) and session_valid(cookie, token, now)


def loopback_host(host: str) -> bool:
    """``localhost``, a ``127.x.x.x`` address or ``[::1]``, with or without a port."""
    name = host.strip().lower()
    if name.startswith("["):
        return name.split("]", 1)[0] == "[::1"
    name = name.rsplit(":", 1)[0] if name.count(":") == 1 else name
    if name in ("localhost", "::1"):
        return True
    parts = name.split(".")
    return len(parts) == 4 and parts[0] == "127" and all(p.isdigit() for p in parts)


def _host_allowed(host: str, deps: WebDeps) -> bool:
    if loopback_host(host):
        return True
    public = urlsplit(deps.public_url).netloc.lower()
    return bool(public) and host.strip().lower() in (public, public.rsplit(":", 1)[0])


def _origin_allowed(origin: str, deps: WebDeps) -> bool:
    """A POST's ``Origin`` header, when a browser sent one: this site (loopback or the public
    URL). ``null`` (a sandboxed frame, a file) is refused."""
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and _host_allowed(parts.netloc, deps)


def csrf_token(request: web.Request) -> str:
    """The CSRF token to put in this page's forms (the cookie's value, or a new one that the
    response will set)."""
    value = request.get(CSRF_KEY)
    if value is None:
        value = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        request[CSRF_KEY] = value
    return value


async def check_csrf(request: web.Request) -> dict[str, str]:
    """The posted form's fields, after checking its CSRF field against the cookie; 403 when
    either is missing or they differ, 400 when the body is not a readable form."""
    try:
        form = await within_limit(request.post())
    except (ValueError, UnicodeDecodeError, AssertionError):
        raise web.HTTPBadRequest(text="the form could not be read") from None
    given = form.get(CSRF_FIELD, "")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not isinstance(given, str) or not given or not cookie:
        raise web.HTTPForbidden(text="the form's CSRF token is missing or stale: reload the page")
    if not hmac.compare_digest(given.encode(), cookie.encode()):
        raise web.HTTPForbidden(text="the form's CSRF token is missing or stale: reload the page")
    return {k: v for k, v in form.items() if isinstance(v, str)}


def safe_next(target: str | None) -> str:
    """A redirect target inside this site: a path starting with one ``/``, without a scheme,
    a host, a backslash or any control character; else ``/``."""
    if not target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return "/"
    if not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _with_page_headers(response: web.StreamResponse) -> None:
    for name, value in PAGE_HEADERS.items():
        response.headers.setdefault(name, value)


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Checks the host, the origin and the dashboard token (see the module docstring), adds
    the page headers, and turns an unexpected failure on a page into a 500 page."""
    path = request.path
    if is_public(path):
        return await handler(request)
    deps = deps_of(request)
    api = path.startswith("/api/") or path == "/metrics"
    if deps.token is None and not _host_allowed(request.host, deps):
        return problem(421, "this address is not one the dashboard answers at (Host header)")
    origin = request.headers.get("Origin")
    if request.method == "POST" and origin is not None and not _origin_allowed(origin, deps):
        return problem(403, "a request from another site (Origin header) is refused")
    signed_in = deps.token is None or path in SIGN_IN
    if not signed_in and not authorized(request, deps.token or "", deps.clock.now()):
        if api:
            return problem(
                401,
                "send Authorization: Bearer <ONCALL_DASHBOARD_TOKEN>",
                headers={"WWW-Authenticate": 'Bearer realm="oncall"'},
            )
        redirect = web.HTTPSeeOther(f"/login?next={quote(request.path_qs, safe='')}")
        _with_page_headers(redirect)
        raise redirect
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        _with_page_headers(exc)
        raise
    except Exception:
        if api:
            raise  # web.problems answers it as problem+json
        log.exception("page %s %s failed", request.method, path)
        response = web.Response(
            status=500,
            text="Something went wrong on this page; the error is in the server's log.",
        )
    _with_page_headers(response)
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
