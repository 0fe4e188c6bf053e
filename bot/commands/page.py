"""``/oncall page <service|@person> <message>``: open an incident by hand.

A service (its id in any case, or its one-word name) is paged through the same path as an
alert: a batch stored in the alert inbox (pinned to the service with the ``oncall_service``
label), turned into an incident that pages the service's first tier and escalates like any
other. A person (``@id``, a mention, or a bare id that names no service) is paged directly:
an incident on the built-in ``unrouted`` service (unless a catch-all route claims it),
reassigned to them at once.
"""

from __future__ import annotations

import hashlib

from bot.commands.context import CommandContext
from bot.commands.named import service_in, unknown_service
from bot.commands.people import is_person_word, names_person, person_named
from bot.commands.replies import Reply, refusal
from bot.commands.words import WordsError, sentence
from core.incidents.ports import AlertBatch
from core.incidents.routing import PIN_LABEL, UNROUTED
from core.incidents.service import page_person

USAGE = "/oncall page <service|@person> <message>"
SUMMARY = "page a service's on-call engineer or a person, with a message"
MAX_TITLE = 300


def _batch(ctx: CommandContext, target: str, message: str, labels: dict[str, str]) -> AlertBatch:
    """The page as an alert batch. Its key is the caller, the time, the target and the message,
    so the same page delivered twice opens one incident and two pages two."""
    seed = f"{ctx.caller.platform}|{ctx.caller.user_id}|{ctx.now.isoformat()}|{target}|{message}"
    digest = hashlib.sha256(seed.encode())
    return AlertBatch(
        source="chat",
        key=f"page/{digest.hexdigest()[:24]}",
        status="firing",
        title=message[:MAX_TITLE],
        labels={"alertname": "ManualPage", "severity": "critical", **labels},
        annotations={"summary": message, "paged_by": ctx.caller.person_id or ""},
    )


async def run(ctx: CommandContext, words: list[str]) -> Reply:
    if ctx.caller.person_id is None:
        return refusal("You are not in the on-call configuration, so you cannot page anyone.")
    if len(words) < 2:
        return refusal(f"Usage: {USAGE}")
    target, message = words[0], " ".join(words[1:]).strip()
    config = await ctx.config()
    service = None if is_person_word(target) else service_in(config, target)
    if service is None and names_person(config, target):
        try:
            person = await person_named(ctx, config, target)
        except WordsError as exc:
            return refusal(sentence(str(exc)))
        batch = _batch(ctx, person, message, {"paged_person": person, PIN_LABEL: UNROUTED})
        actor = ctx.caller.person_id
        incident_id = await page_person(ctx.new_unit(), batch, person, actor, ctx.now)
        name = config.person(person)
        shown = name.display_name if name else person
        return Reply(text=f"Paging {shown}: incident #{incident_id} “{message}”.", public=True)
    if service is None:
        return refusal(sentence(unknown_service(config, target)))
    await ctx.open_alert(_batch(ctx, service.id, message, {PIN_LABEL: service.id}))
    return Reply(
        text=f"Paging {service.name or service.id}: an incident is being opened (“{message}”).",
        public=True,
    )
