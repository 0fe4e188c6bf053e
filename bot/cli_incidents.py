"""``oncall incidents``, ``ack``, ``resolve`` and ``alert test``."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli_common import (
    Actor,
    AsJson,
    UsageError,
    database,
    emit,
    friendly,
    load_settings,
    now,
    run,
    user,
)

if TYPE_CHECKING:
    from bot.settings import Settings
    from core.incidents.ports import IncidentRecord

alert_app = typer.Typer(help="Send alerts to a running server.", no_args_is_help=True)


@friendly
def incidents(
    incident: Annotated[int | None, typer.Argument(help="One incident, in full")] = None,
    show_all: Annotated[bool, typer.Option("--all", help="Resolved ones too")] = False,
    limit: Annotated[int, typer.Option(help="At most this many")] = 50,
    as_json: AsJson = False,
) -> None:
    """Open incidents (all with --all), newest first; or one: its timeline and messages."""
    if incident is not None:
        from bot.cli_incident_detail import detail

        document, lines = run(detail(load_settings(), incident))
    else:
        document, lines = run(listing(load_settings(), include_resolved=show_all, limit=limit))
    emit(document, lines, as_json)


@friendly
def ack(incident: Annotated[int, typer.Argument(help="Incident id")], actor: Actor = None) -> None:
    """Acknowledge an incident: escalation stops."""
    who = actor or f"cli:{user()}"
    typer.echo(run(acknowledge_or_resolve(load_settings(), incident, actor=who, resolve=False)))


@friendly
def resolve(
    incident: Annotated[int, typer.Argument(help="Incident id")], actor: Actor = None
) -> None:
    """Resolve an incident."""
    who = actor or f"cli:{user()}"
    typer.echo(run(acknowledge_or_resolve(load_settings(), incident, actor=who, resolve=True)))


@alert_app.command("test")
@friendly
def alert_test(
    service: Annotated[str, typer.Option(help="The service to alert")],
    severity: Annotated[str, typer.Option(help="The severity label")] = "critical",
    url: Annotated[str | None, typer.Option(help="Endpoint; default the server's own")] = None,
    show: Annotated[bool, typer.Option("--print", help="Print the payload, send nothing")] = False,
) -> None:
    """Send a realistic Alertmanager payload to the running server."""
    settings = load_settings()
    payload = run(test_payload(settings, service, severity))
    if show:
        typer.echo(json.dumps(payload, indent=2))
        return
    typer.echo(post_alert(settings, payload, url))


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def incident_json(record: IncidentRecord) -> dict[str, Any]:
    """CONTRACT.md's shape of one incident (:func:`core.incidents.fields.incident_fields`),
    times as ISO 8601."""
    from core.incidents.fields import incident_fields

    return {
        k: _time(v) if isinstance(v, datetime) else v for k, v in incident_fields(record).items()
    }


async def listing(
    settings: Settings, *, include_resolved: bool, limit: int
) -> tuple[dict[str, Any], list[str]]:
    """Open incidents (all with ``include_resolved``), newest first, each with its ticket
    (``{"system", "key", "url", "status"}`` or null; the table shows its key)."""
    from core.tickets.record import ticket_link
    from storage.uow import SqlUnitOfWork, session_factory

    if not 1 <= limit <= 1000:
        raise UsageError("--limit must be between 1 and 1000")
    async with (
        database(settings) as engine,
        SqlUnitOfWork(session_factory(engine), write=False) as uow,
    ):
        records = await uow.incidents.listing(include_resolved, limit)
        tickets = await uow.tickets.for_incidents([r.id for r in records])
    rows = [{**incident_json(r), "ticket": ticket_link(tickets.get(r.id))} for r in records]
    lines = [
        f"#{r['id']:<5} {r['status']:<12} {r['severity']:<9} {r['service']:<18} tier {r['tier']}  "
        f"{r['assignee'] or '-':<10} {(r['ticket'] or {}).get('key') or '-':<9} {r['title']}"
        for r in rows
    ] or ["no open incidents" if not include_resolved else "no incidents"]
    return {"incidents": rows}, lines


async def acknowledge_or_resolve(
    settings: Settings, incident_id: int, *, actor: str, resolve: bool
) -> str:
    """``oncall ack`` / ``oncall resolve``."""
    from core.incidents.lifecycle import Acknowledge, Resolve, TransitionError
    from core.incidents.service import IncidentNotFound, act
    from storage.uow import SqlUnitOfWork, session_factory

    event = Resolve(actor) if resolve else Acknowledge(actor)
    async with database(settings) as engine:
        try:
            state = await act(
                SqlUnitOfWork(session_factory(engine)),
                incident_id,
                event,
                actor,
                now(),
            )
        except IncidentNotFound:
            raise UsageError(f"no incident {incident_id}") from None
        except TransitionError as exc:
            raise UsageError(f"incident {incident_id}: {exc}") from None
    return f"incident {incident_id} is {state.status} (by {actor})"


async def test_payload(settings: Settings, service_id: str, severity: str) -> dict[str, Any]:
    """A realistic Alertmanager payload whose labels route to ``service_id``."""
    from core.config.model import Configuration
    from storage.uow import SqlUnitOfWork, session_factory

    async with (
        database(settings) as engine,
        SqlUnitOfWork(session_factory(engine), write=False) as uow,
    ):
        config = await uow.config.load() or Configuration()
    service = next((s for s in config.services if s.id == service_id), None)
    if service is None:
        raise UsageError(f"unknown service {service_id!r}")
    labels = dict(service.match)
    if not labels:
        route = next((r for r in config.routes if r.service == service_id), None)
        if route is None:
            raise UsageError(
                f"no labels reach service {service_id!r}: it has no `match` and no route"
            )
        labels = dict(route.match)
    sent = now()
    labels |= {"alertname": "OncallTestAlert", "severity": severity}
    summary = f"Test alert for {service.name or service_id} from `oncall alert test`"
    stamp = sent.strftime("%Y%m%dT%H%M%S%f")
    return {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="OncallTestAlert", test="{stamp}"}}',
        "status": "firing",
        "receiver": "oncall",
        "groupLabels": {"alertname": "OncallTestAlert"},
        "commonLabels": labels,
        "commonAnnotations": {"summary": summary, "description": "Sent to check the paging path."},
        "externalURL": "http://alertmanager.example:9093",
        "truncatedAlerts": 0,
        "alerts": [
            {
                "status": "firing",
                "labels": labels | {"instance": "test-1"},
                "annotations": {"summary": summary},
                "startsAt": sent.isoformat().replace("+00:00", "Z"),
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.example:9090/graph",
                "fingerprint": stamp[-16:],
            }
        ],
    }


def post_alert(settings: Settings, payload: dict[str, Any], url: str | None) -> str:
    """POST ``payload`` to the running server's Alertmanager endpoint; returns its answer."""
    import urllib.error
    import urllib.request

    if settings.alert_token is None:
        raise UsageError("set ONCALL_ALERT_TOKEN to the token the server expects")
    target = url or f"{settings.base_url}/alerts/alertmanager"
    request = urllib.request.Request(
        target,
        data=json.dumps(payload).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {settings.alert_token.get_secret_value()}",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read().decode()
    except urllib.error.HTTPError as exc:
        raise UsageError(f"the server answered {exc.code}: {exc.read().decode().strip()}") from None
    except OSError as exc:
        raise UsageError(f"cannot reach {target}: {exc}; is `oncall serve` running?") from None
