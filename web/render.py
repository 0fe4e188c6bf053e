"""Server-rendered pages: one Jinja2 environment (autoescape always on) and the viewer's
time zone.

Everything that came from alerts or people reaches a template as data and is escaped there;
no template marks anything ``|safe``. The viewer's time zone is chosen on the page (``?tz=``),
remembered in a cookie for a year, and defaults to the configuration's zone.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from aiohttp import web
from jinja2 import Environment, PackageLoader, StrictUndefined

from web.access import CSRF_FIELD, csrf_token

TZ_COOKIE = "oncall_tz"


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The templates under ``web/templates``, autoescaped whatever their name."""
    env = Environment(
        loader=PackageLoader("web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local"] = local_time
    env.filters["duration"] = duration
    return env


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name this machine knows, sorted (for the time zone picker)."""
    return tuple(sorted(available_timezones() - {"localtime", "Factory"}))


def zone_or_none(name: str | None) -> ZoneInfo | None:
    """The zone called ``name``; None for a missing or unknown name (never an error)."""
    if not name or len(name) > 64:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder such as America
        return None


def viewer_zone(request: web.Request, default: str) -> str:
    """The zone the viewer asked for (``?tz=``, then the cookie), else ``default``.

    An unknown ``?tz=`` is ignored (the page says which zone it shows)."""
    for name in (request.query.get("tz"), request.cookies.get(TZ_COOKIE)):
        if zone_or_none(name) is not None:
            return str(name)
    return default


def local_time(value: datetime | None, zone: str | tzinfo, fmt: str = "%a %d %b %H:%M") -> str:
    """``value`` in ``zone`` (a name or a tzinfo) as ``fmt``; ``—`` for None."""
    if value is None:
        return "—"
    where = zone if isinstance(zone, tzinfo) else (zone_or_none(zone) or ZoneInfo("UTC"))
    return value.astimezone(where).strftime(fmt)


def duration(seconds: float | int | None) -> str:
    """``45s``, ``12m``, ``3h 05m``, ``2d 4h``; ``—`` for None."""
    if seconds is None:
        return "—"
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    return f"{s // 86400}d {s % 86400 // 3600}h"


def render(
    request: web.Request, template: str, *, status: int = 200, **context: Any
) -> web.Response:
    """``template`` rendered with ``context`` plus ``csrf`` (the form token), ``csrf_field``,
    ``path`` (for the navigation) and ``tz`` (when the page set one), as an HTML response.

    When ``?tz=`` named a known zone, the response remembers it in a cookie."""
    context.setdefault("tz", None)
    html = (
        environment()
        .get_template(template)
        .render(csrf=csrf_token(request), csrf_field=CSRF_FIELD, path=request.path, **context)
    )
    response = web.Response(text=html, content_type="text/html", charset="utf-8", status=status)
    chosen = request.query.get("tz")
    if chosen and zone_or_none(chosen) is not None and chosen != request.cookies.get(TZ_COOKIE):
        response.set_cookie(TZ_COOKIE, chosen, max_age=365 * 86400, samesite="Strict", path="/")
    return response
