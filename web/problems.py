"""Errors of the JSON API as RFC 9457 ``application/problem+json`` documents."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus

from aiohttp import web
from pydantic import BaseModel, ConfigDict

log = logging.getLogger("oncall.web")

PROBLEM_TYPE = "application/problem+json"


class Problem(BaseModel):
    """An API error: ``status`` is the HTTP status, ``title`` its phrase, ``detail`` what was
    wrong with this request (safe to show; never a secret or a stack trace)."""

    model_config = ConfigDict(extra="forbid")

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None


def problem(
    status: int, detail: str | None = None, *, headers: dict[str, str] | None = None
) -> web.Response:
    """A problem+json response with ``status``'s standard phrase as title."""
    body = Problem(title=HTTPStatus(status).phrase, status=status, detail=detail)
    return web.Response(
        status=status,
        text=json.dumps(body.model_dump(exclude_none=True)),
        content_type=PROBLEM_TYPE,
        headers=headers,
    )


class ApiError(Exception):
    """Raised by an API handler: answered as a problem of ``status`` with ``detail``."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def api_problems(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Under ``/api/``: every error is problem+json (an unknown path 404, a wrong method 405,
    an :class:`ApiError`, an unexpected exception 500 with nothing of it shown)."""
    if not request.path.startswith("/api/v1/") and request.path != "/api/v1":
        return await handler(request)
    try:
        return await handler(request)
    except ApiError as exc:
        return problem(exc.status, exc.detail)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        headers = {
            k: v
            for k, v in exc.headers.items()
            if k.lower() in ("allow", "www-authenticate", "retry-after")
        }
        detail = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else None
        return problem(exc.status, detail, headers=headers)
    except Exception:
        log.exception("API %s %s failed", request.method, request.path)
        return problem(500, "the server failed to answer; the error is in its log")
