"""The login form for a dashboard behind ``ONCALL_DASHBOARD_TOKEN``, and logging out.

``GET /login`` shows the form (without a token configured it sends the reader on: nothing to
sign in to); ``POST /login`` checks the CSRF field and the token, then sets the session cookie
(:func:`web.access.session_value`) and returns to the page asked for (``next``, only a path of
this site); ``POST /logout`` removes the cookie.
"""

from __future__ import annotations

import hmac

from aiohttp import web

from web.access import SESSION_COOKIE, SESSION_HOURS, check_csrf, safe_next, session_value
from web.deps import deps_of
from web.render import render


def _see_other(target: str) -> web.Response:
    return web.Response(status=303, headers={"Location": target})


async def login_form(request: web.Request) -> web.StreamResponse:
    deps = deps_of(request)
    target = safe_next(request.query.get("next"))
    if deps.token is None:
        return _see_other(target)
    return render(request, "login.html", next=target, error=None)


async def login(request: web.Request) -> web.StreamResponse:
    deps = deps_of(request)
    form = await check_csrf(request)
    target = safe_next(form.get("next"))
    if deps.token is None:
        return _see_other(target)
    given = form.get("token", "")
    if not given or not hmac.compare_digest(given.encode(), deps.token.encode()):
        error = "That is not the dashboard token."
        return render(request, "login.html", status=401, next=target, error=error)
    response = _see_other(target)
    response.set_cookie(
        SESSION_COOKIE,
        session_value(deps.token, deps.clock.now()),
        max_age=SESSION_HOURS * 3600,
        httponly=True,
        samesite="Strict",
        secure=deps.secure_cookies,
        path="/",
    )
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    await check_csrf(request)
    response = _see_other("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


def add_routes(app: web.Application) -> None:
    """``GET /login``, ``POST /login``, ``POST /logout``."""
    app.router.add_get("/login", login_form)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
