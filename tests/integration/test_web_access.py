"""Who may reach the dashboard, the API and /metrics, and the headers pages carry.

Loopback without a token: open. A token set: bearer or the login form's session cookie,
else 401 (API, /metrics) or a redirect to the login form (pages). A non-loopback address
without a token: ``oncall serve`` refuses to start.
"""

from __future__ import annotations

import os
import re
import signal
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import aiohttp.web
import pytest
from typer.testing import CliRunner

from bot.settings import is_loopback
from tests.integration.test_serve import get, server
from tests.support import free_port, oncall_env, running_app
from tests.web_seed import seed
from web.access import (
    CSP,
    SESSION_COOKIE,
    SESSION_HOURS,
    is_public,
    loopback_host,
    safe_next,
    session_valid,
    session_value,
)

TOKEN = "dash-board-token-1234"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.3.4.5", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("0.0.0.0", False),
        ("::", False),
        ("", False),
        ("10.0.0.5", False),
        ("oncall.example.com", False),
    ],
)
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/incidents/3", "/incidents/3"),
        ("/schedules/x?tz=UTC", "/schedules/x?tz=UTC"),
        (None, "/"),
        ("", "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/\t/evil.example", "/"),  # browsers drop the tab: //evil.example
        ("/\n/evil.example", "/"),
        ("/\r\nSet-Cookie: x=y", "/"),
        ("/\x7f", "/"),
        ("http:/evil.example", "/"),
        ("/ok path", "/ok path"),
    ],
)
def test_login_redirects_stay_on_this_site(target: str | None, safe: str) -> None:
    assert safe_next(target) == safe


def test_public_paths_are_only_those_with_their_own_credentials() -> None:
    for path in ["/healthz", "/readyz", "/alerts/alertmanager", "/slack/events", "/api/messages"]:
        assert is_public(path)
    for path in ["/", "/incidents/1", "/api/v1/services", "/api/v1/openapi.json", "/metrics"]:
        assert not is_public(path)


def _serve_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return oncall_env(f"sqlite+aiosqlite:///{tmp_path / 'oncall.db'}", **extra)


def test_serve_refuses_a_network_address_without_a_token(tmp_path: Path) -> None:
    from bot.cli import app

    env = _serve_env(tmp_path, ONCALL_HOST="0.0.0.0", PORT=str(free_port()))
    env = {**{k: None for k in os.environ if k not in env}, **env}
    result = CliRunner().invoke(app, ["serve"], env=env, catch_exceptions=False)
    assert result.exit_code != 0
    assert "ONCALL_HOST=0.0.0.0 is not a loopback address" in result.stderr
    assert "set ONCALL_DASHBOARD_TOKEN" in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "oncall.db").exists()  # refused before touching the database


def test_serve_on_every_interface_with_a_token_asks_for_it(tmp_path: Path) -> None:
    env = _serve_env(tmp_path, ONCALL_HOST="0.0.0.0", ONCALL_DASHBOARD_TOKEN=TOKEN)
    with server(env, tmp_path) as (proc, base):
        assert get(f"{base}/healthz")[0] == 200  # load balancers need no token
        status, body = get(f"{base}/api/v1/openapi.json")
        assert status == 401
        assert body["status"] == 401
        request = urllib.request.Request(
            f"{base}/api/v1/openapi.json", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    port = re.search(r"127\.0\.0\.1:(\d+)", base)
    assert port is not None
    assert f"Dashboard:     http://127.0.0.1:{port.group(1)}/" in out
    assert TOKEN not in out + err  # the dashboard token is never printed or logged


async def test_loopback_without_a_token_answers_without_credentials(engine: object) -> None:
    seeded = await seed(engine)  # type: ignore[arg-type]
    async with (
        running_app(engine, seeded.clock) as base,
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http,
    ):
        async with http.get(f"{base}/api/v1/openapi.json") as response:
            assert response.status == 200
            assert (await response.json())["openapi"] == "3.1.0"
        async with http.get(f"{base}/login", allow_redirects=False) as response:
            assert response.status == 303  # nothing to sign in to
            assert response.headers["Location"] == "/"
        async with http.get(f"{base}/") as response:
            assert response.status == 200
            assert response.headers["Content-Security-Policy"] == CSP
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


async def test_a_token_is_required_for_pages_api_and_metrics(engine: object) -> None:
    seeded = await seed(engine)  # type: ignore[arg-type]
    async with (
        running_app(engine, seeded.clock, ONCALL_DASHBOARD_TOKEN=TOKEN) as base,
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http,
    ):
        for path in ["/api/v1/openapi.json", "/metrics", "/api/v1/nowhere"]:
            async with http.get(f"{base}{path}") as response:
                assert response.status == 401, path
                assert response.content_type == "application/problem+json"
                assert response.headers["WWW-Authenticate"].startswith("Bearer")
            for wrong in ["Bearer nope", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer "]:
                async with http.get(f"{base}{path}", headers={"Authorization": wrong}) as response:
                    assert response.status == 401, (path, wrong)
        async with http.get(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}) as r:
            assert r.status == 200
        for path in ["/", "/incidents/1", "/schedules"]:
            async with http.get(f"{base}{path}", allow_redirects=False) as response:
                assert response.status == 303
                assert response.headers["Location"].startswith("/login?next=")
        async with http.get(f"{base}/healthz") as response:
            assert response.status == 200
        async with http.get(f"{base}/static/style.css") as response:
            assert response.status == 200


async def test_the_login_form_sets_a_strict_http_only_session(engine: object) -> None:
    seeded = await seed(engine)  # type: ignore[arg-type]
    async with (
        running_app(engine, seeded.clock, ONCALL_DASHBOARD_TOKEN=TOKEN) as base,
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http,
    ):
        async with http.get(f"{base}/login?next=/incidents/1") as response:
            assert response.status == 200
            html = await response.text()
            set_cookie = response.headers["Set-Cookie"]
        assert "oncall_csrf=" in set_cookie and "HttpOnly" in set_cookie
        csrf = re.search(r'name="csrf" value="([^"]+)"', html)
        assert csrf is not None
        form = {"csrf": csrf.group(1), "token": TOKEN, "next": "/incidents/1"}

        # no CSRF field, or a wrong one: 403 and no session
        for bad in [{**form, "csrf": ""}, {**form, "csrf": "forged"}]:
            async with http.post(f"{base}/login", data=bad, allow_redirects=False) as response:
                assert response.status == 403
                assert SESSION_COOKIE not in response.cookies
        # the wrong token: 401, the form again, no session
        wrong = {**form, "token": "guess"}
        async with http.post(f"{base}/login", data=wrong, allow_redirects=False) as response:
            assert response.status == 401
            assert "not the dashboard token" in await response.text()
            assert SESSION_COOKIE not in response.cookies
        # the right token: a session cookie (an HMAC, not the token) and the page asked for
        async with http.post(f"{base}/login", data=form, allow_redirects=False) as response:
            assert response.status == 303
            assert response.headers["Location"] == "/incidents/1"
            cookie = response.headers["Set-Cookie"]
        assert f"{SESSION_COOKIE}={session_value(TOKEN, seeded.clock.now())}" in cookie
        assert TOKEN not in cookie
        assert f"Max-Age={SESSION_HOURS * 3600}" in cookie
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert "Secure" not in cookie  # plain http on loopback
        async with http.get(f"{base}/api/v1/openapi.json") as response:
            assert response.status == 200  # the session cookie is enough
        async with http.post(
            f"{base}/logout", data={"csrf": form["csrf"]}, allow_redirects=False
        ) as response:
            assert response.status == 303
        http.cookie_jar.clear_domain("127.0.0.1")
        async with http.get(f"{base}/api/v1/openapi.json") as response:
            assert response.status == 401


async def test_the_session_cookie_is_secure_behind_https(engine: object) -> None:
    seeded = await seed(engine)  # type: ignore[arg-type]
    settings = {"ONCALL_DASHBOARD_TOKEN": TOKEN, "ONCALL_PUBLIC_URL": "https://oncall.example.com"}
    async with (
        running_app(engine, seeded.clock, **settings) as base,
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http,
    ):
        async with http.get(f"{base}/login") as response:
            html = await response.text()
        csrf = re.search(r'name="csrf" value="([^"]+)"', html)
        assert csrf is not None
        # a secure cookie is not sent back over plain http: send the CSRF cookie by hand
        form = {"csrf": csrf.group(1), "token": TOKEN, "next": "/"}
        headers = {"Cookie": f"oncall_csrf={csrf.group(1)}"}
        async with http.post(
            f"{base}/login", data=form, headers=headers, allow_redirects=False
        ) as response:
            assert response.status == 303
            assert "Secure" in response.headers["Set-Cookie"]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1:8080", True),
        ("127.0.0.1", True),
        ("localhost:8080", True),
        ("[::1]:8080", True),
        ("attacker.example", False),
        ("attacker.example:8080", False),
        ("127.0.0.1.attacker.example", False),
        ("localhost.attacker.example:80", False),
        ("[::2]:8080", False),
    ],
)
def test_loopback_host_headers(host: str, loopback: bool) -> None:
    assert loopback_host(host) is loopback


def test_sessions_end_after_their_hours_and_belong_to_their_token() -> None:
    from datetime import timedelta

    issued = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    cookie = session_value(TOKEN, issued)
    assert session_valid(
        cookie, TOKEN, issued + timedelta(hours=SESSION_HOURS) - timedelta(seconds=1)
    )
    assert not session_valid(cookie, TOKEN, issued + timedelta(hours=SESSION_HOURS, seconds=1))
    assert not session_valid(cookie, TOKEN, issued - timedelta(minutes=10))  # from the future
    assert not session_valid(cookie, "another-token", issued)  # a new token ends every session
    stamp, _, mac = cookie.partition(".")
    assert not session_valid(f"{int(stamp) + 3600}.{mac}", TOKEN, issued + timedelta(hours=2))
    for junk in ["", ".", "abc.def", "99999999999999999999.x", "1e9.x", "١٢٣.x"]:
        assert not session_valid(junk, TOKEN, issued)


async def test_a_rebound_host_or_a_foreign_origin_is_refused_without_a_token(
    engine: object,
) -> None:
    """DNS rebinding: a page of attacker.example that resolves its name to 127.0.0.1 reaches
    the bot with its own Host header; it must neither read nor act."""
    seeded = await seed(engine)  # type: ignore[arg-type]
    async with (
        running_app(engine, seeded.clock) as base,
        aiohttp.ClientSession() as http,
    ):
        rebound = {"Host": "attacker.example"}
        for path in ["/", "/api/v1/incidents", "/metrics", "/incidents/1"]:
            async with http.get(f"{base}{path}", headers=rebound) as response:
                assert response.status == 421, path
        acknowledge = f"{base}/api/v1/incidents/{seeded.triggered}/acknowledge"
        async with http.post(acknowledge, json={"as": "anna"}, headers=rebound) as response:
            assert response.status == 421
        foreign = {"Origin": "http://attacker.example"}
        async with http.post(acknowledge, json={"as": "anna"}, headers=foreign) as response:
            assert response.status == 403
        async with http.post(acknowledge, json={"as": "anna"}, headers={"Origin": "null"}) as r:
            assert r.status == 403
        async with http.get(f"{base}/api/v1/incidents/{seeded.triggered}") as response:
            assert (await response.json())["incident"]["status"] == "triggered"  # unchanged
        async with http.get(f"{base}/healthz", headers=rebound) as response:
            assert response.status == 200  # health stays reachable for load balancers
        same = {"Origin": base}
        async with http.post(acknowledge, json={"as": "anna"}, headers=same) as response:
            assert response.status == 200
        public = "https://oncall.example.com"
    async with (
        running_app(engine, seeded.clock, ONCALL_PUBLIC_URL=public) as base,
        aiohttp.ClientSession() as http,
        http.get(f"{base}/api/v1/services", headers={"Host": "oncall.example.com"}) as response,
    ):
        assert response.status == 200  # the public URL's host is this site too


async def test_error_pages_carry_the_headers_and_bad_forms_are_400(engine: object) -> None:
    seeded = await seed(engine)  # type: ignore[arg-type]
    async with (
        running_app(engine, seeded.clock, ONCALL_DASHBOARD_TOKEN=TOKEN) as base,
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http,
    ):
        async with http.get(f"{base}/nowhere", allow_redirects=False) as response:
            assert response.status == 303  # not signed in: the login form first
            assert response.headers["Content-Security-Policy"] == CSP
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        async with http.get(f"{base}/nowhere", headers=bearer) as response:
            assert response.status == 404
            assert response.headers["Content-Security-Policy"] == CSP
            assert response.headers["X-Frame-Options"] == "DENY"
        garbage = {"Content-Type": "multipart/form-data; boundary=x"}
        async with http.post(f"{base}/login", data=b"not a form", headers=garbage) as response:
            assert response.status == 400
            assert "could not be read" in await response.text()


async def test_an_unexpected_failure_on_a_page_is_a_plain_500_page() -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from tests.fakes import FrozenClock
    from web.access import guard
    from web.deps import WEB, WebDeps

    async def broken(_request: object) -> object:
        raise RuntimeError("secret detail of the failure")

    app = aiohttp.web.Application(middlewares=[guard])
    app[WEB] = WebDeps(
        read_unit=lambda: None,  # type: ignore[arg-type,return-value]
        write_unit=lambda: None,  # type: ignore[arg-type,return-value]
        clock=FrozenClock(datetime(2026, 3, 2, tzinfo=UTC)),
        public_url="http://127.0.0.1:8080",
    )
    app.router.add_get("/broken", broken)
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/broken")
        assert response.status == 500
        body = await response.text()
        assert "in the server's log" in body
        assert "secret detail" not in body
        assert response.headers["Content-Security-Policy"] == CSP
