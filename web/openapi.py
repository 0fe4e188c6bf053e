"""The JSON API's routes and its OpenAPI 3.1 document, from one set of pydantic models.

An operation is declared once, with :meth:`Api.get` or :meth:`Api.post`: its path, the model
of its query and path parameters, the model of its JSON body (POST), and the model of its
answer. The same declaration registers the aiohttp route, validates the request (a 400 problem
naming the field), serializes the answer, and writes the operation into
``/api/v1/openapi.json``. The document and the answers therefore cannot drift.

Handlers are ``async def h(request, params) -> Model`` (``params`` an instance of the
parameters model, or None) and for POST ``async def h(request, params, body) -> Model``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

from web.bodies import within_limit
from web.problems import PROBLEM_TYPE, ApiError, Problem

PREFIX = "/api/v1"
_PATH_PARAM = re.compile(r"\{(\w+)\}")

GetHandler = Callable[[web.Request, Any], Awaitable[BaseModel]]
PostHandler = Callable[[web.Request, Any, Any], Awaitable[BaseModel]]


@dataclass
class _Operation:
    method: str
    path: str
    summary: str
    tag: str
    response: type[BaseModel]
    params: type[BaseModel] | None
    body: type[BaseModel] | None
    status: int = 200
    errors: tuple[int, ...] = ()


@dataclass
class Api:
    """The registry of API operations of one application (see the module docstring)."""

    title: str = "On-call bot API"
    version: str = "1"
    operations: list[_Operation] = field(default_factory=list)
    _routes: list[tuple[str, str, Callable[[web.Request], Awaitable[web.StreamResponse]]]] = field(
        default_factory=list
    )

    def get(
        self,
        path: str,
        *,
        summary: str,
        response: type[BaseModel],
        params: type[BaseModel] | None = None,
        tag: str = "dashboard",
        errors: tuple[int, ...] = (),
    ) -> Callable[[GetHandler], GetHandler]:
        """Declare ``GET /api/v1<path>``; ``errors`` lists the 4xx it may answer besides 400
        and 401 (for example 404)."""

        def register(handler: GetHandler) -> GetHandler:
            op = _Operation("get", path, summary, tag, response, params, None, errors=errors)
            self.operations.append(op)

            async def route(request: web.Request) -> web.StreamResponse:
                parsed = _parse_params(request, params)
                return _answer(await handler(request, parsed), op.status)

            self._routes.append(("GET", PREFIX + path, route))
            return handler

        return register

    def post(
        self,
        path: str,
        *,
        summary: str,
        response: type[BaseModel],
        body: type[BaseModel] | None = None,
        params: type[BaseModel] | None = None,
        tag: str = "dashboard",
        errors: tuple[int, ...] = (),
        status: int = 200,
    ) -> Callable[[PostHandler], PostHandler]:
        """Declare ``POST /api/v1<path>`` with a JSON ``body`` (``Content-Type:
        application/json`` is required, which a cross-site form cannot send)."""

        def register(handler: PostHandler) -> PostHandler:
            op = _Operation("post", path, summary, tag, response, params, body, status, errors)
            self.operations.append(op)

            async def route(request: web.Request) -> web.StreamResponse:
                parsed = _parse_params(request, params)
                data = await _parse_body(request, body)
                return _answer(await handler(request, parsed, data), op.status)

            self._routes.append(("POST", PREFIX + path, route))
            return handler

        return register

    def add_routes(self, app: web.Application) -> None:
        """Register every declared operation and ``GET /api/v1/openapi.json``."""
        for method, path, route in self._routes:
            app.router.add_route(method, path, route)
        document = json.dumps(self.document())

        async def openapi(_request: web.Request) -> web.Response:
            return web.Response(text=document, content_type="application/json")

        app.router.add_get(PREFIX + "/openapi.json", openapi)

    def document(self) -> dict[str, Any]:
        """The OpenAPI 3.1 document of every declared operation."""
        wanted: set[tuple[type[BaseModel], Any]] = {(Problem, "serialization")}
        for op in self.operations:
            wanted.add((op.response, "serialization"))
            if op.body is not None:
                wanted.add((op.body, "validation"))
        refs, defs = models_json_schema(
            sorted(wanted, key=lambda pair: (pair[0].__name__, pair[1])),
            ref_template="#/components/schemas/{model}",
        )
        paths: dict[str, dict[str, Any]] = {}
        for op in self.operations:
            paths.setdefault(PREFIX + op.path, {})[op.method] = _operation(op, refs)
        return {
            "openapi": "3.1.0",
            "info": {"title": self.title, "version": self.version},
            "paths": paths,
            "components": {
                "schemas": defs.get("$defs", {}),
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            },
            "security": [{}, {"bearer": []}],
        }


def _operation(op: _Operation, refs: dict[Any, Any]) -> dict[str, Any]:
    def ref(model: type[BaseModel], mode: str) -> dict[str, Any]:
        return refs[(model, mode)]  # type: ignore[no-any-return]

    problem_ref = ref(Problem, "serialization")
    problem = {"content": {PROBLEM_TYPE: {"schema": problem_ref}}}
    responses: dict[str, Any] = {
        str(op.status): {
            "description": "OK",
            "content": {"application/json": {"schema": ref(op.response, "serialization")}},
        },
        "400": {"description": "A parameter or the body is not valid", **problem},
        "401": {"description": "ONCALL_DASHBOARD_TOKEN is required", **problem},
    }
    if op.body is not None:
        responses["415"] = {"description": "The body is not JSON", **problem}
    for status in op.errors:
        responses[str(status)] = {"description": "See the problem's detail", **problem}
    out: dict[str, Any] = {
        "summary": op.summary,
        "operationId": f"{op.method}_{re.sub(r'[^a-z0-9]+', '_', op.path.lower()).strip('_')}",
        "tags": [op.tag],
        "parameters": _parameters(op),
        "responses": responses,
    }
    if op.body is not None:
        out["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": ref(op.body, "validation")}},
        }
    return out


def _parameters(op: _Operation) -> list[dict[str, Any]]:
    in_path = set(_PATH_PARAM.findall(op.path))
    if op.params is None:
        return []
    schema = op.params.model_json_schema()
    required = set(schema.get("required", []))
    out = []
    for name, prop in schema.get("properties", {}).items():
        where = "path" if name in in_path else "query"
        prop = {k: v for k, v in prop.items() if k != "title"}
        out.append(
            {
                "name": name,
                "in": where,
                "required": where == "path" or name in required,
                "schema": prop,
                **({"description": prop["description"]} if "description" in prop else {}),
            }
        )
    return out


def _validation_detail(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error["loc"]) or "body"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def _parse_params(request: web.Request, model: type[BaseModel] | None) -> Any:
    """The path and query parameters as ``model``: 400 for a query parameter the operation
    does not declare (a typo such as ``stauts`` is not silently ignored) or one given twice."""
    known = set(model.model_fields) if model is not None else set()
    for key in request.query:
        if key not in known:
            raise ApiError(400, f"unknown query parameter {key[:40]!r}")
        if len(request.query.getall(key)) > 1:
            raise ApiError(400, f"query parameter {key[:40]!r} is given more than once")
    if model is None:
        return None
    values: dict[str, Any] = {}
    for name in model.model_fields:
        if name in request.match_info:
            values[name] = request.match_info[name]
        elif name in request.query:
            values[name] = request.query[name]
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise ApiError(400, _validation_detail(exc)) from None


async def _parse_body(request: web.Request, model: type[BaseModel] | None) -> Any:
    if model is None:
        return None
    if request.content_type != "application/json":
        raise ApiError(415, "send the body as JSON with Content-Type: application/json")
    raw = await within_limit(request.read())
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        raise ApiError(400, _validation_detail(exc)) from None


def _answer(model: BaseModel, status: int) -> web.Response:
    return web.Response(
        status=status,
        text=model.model_dump_json(by_alias=True),
        content_type="application/json",
    )
