"""The Teams app package: ``manifest.json`` (schema 1.17) and the two icons, zipped.

Pure: :func:`build_manifest` turns the bot's Microsoft App ID, the public URL and a version
into the manifest dict, :func:`package` zips it with the icons. Reading settings, writing the
file and printing belong to ``oncall teams manifest`` (bot/cli_teams.py). Imports no
botbuilder, so the command starts fast.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.handlers.teams.icons import ACCENT, color_icon, outline_icon

SCHEMA_VERSION = "1.17"
SCHEMA_URL = (
    "https://developer.microsoft.com/en-us/json-schemas/teams/"
    f"v{SCHEMA_VERSION}/MicrosoftTeams.schema.json"
)
PACKAGE_NAME = "oncall-teams-app.zip"
PLACEHOLDER_URL = "https://oncall.example.com"
DEFAULT_NAME = "On-call"
SCOPES = ("personal", "team", "groupChat")
MAX_SHORT_NAME = 30
MAX_FULL_NAME = 100
COLOR_FILE = "color.png"
OUTLINE_FILE = "outline.png"
GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)")
# Zip entries carry this time, so the same manifest always gives the same bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

# The words of the product (CONTRACT.md, Chat) as Teams' command menu shows them: a title of
# at most 32 characters, a description of at most 128, at most 10 per list.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("who", "Who is on call now and next: who [service|team|schedule]"),
    ("schedule", "The shifts of the next 14 days: schedule [team|schedule|@person]"),
    ("swap", "Ask someone to take your shift: swap @person <from> <to> [reason]"),
    ("override", "Put yourself or someone on call: override <schedule> [@person] <from> <to>"),
    ("timeoff", "Record time off and see who covers: timeoff [@person] <from> <to> [reason]"),
    ("ack", "Acknowledge an incident (stops its escalation): ack <incident number>"),
    ("resolve", "Resolve an incident: resolve <incident number>"),
    ("page", "Page a service's on-call engineer or a person: page <service|@person> <message>"),
    ("stats", "Response figures: time to acknowledge and resolve, pages per person"),
    ("help", "Every command with its usage"),
)
SHORT_DESCRIPTION = "Who is on call, swaps and overrides, and incident pages you can act on."
FULL_DESCRIPTION = (
    "On-call schedules, alert routing and escalations for SRE teams. The bot pages whoever is "
    "on call with an incident card (Acknowledge, Escalate, Resolve, Snooze) that updates in "
    "place, tells the team channel about hand-overs and warns managers of coverage gaps. "
    "Message it (in a channel, @mention it first): who, schedule, swap, override, timeoff, "
    "ack, resolve, page, stats, help."
)


class ManifestError(ValueError):
    """The settings cannot make a manifest Teams accepts (a missing or malformed app id, a
    name too long)."""


@dataclass(frozen=True)
class Links:
    """The https URLs the manifest names, and whether a placeholder stands in for them."""

    website: str
    domain: str | None
    placeholder: bool


def links(public_url: str | None, base_url: str) -> Links:
    """The developer links from ``base_url`` when it is https, else :data:`PLACEHOLDER_URL`
    (Teams refuses http links; ``placeholder`` says so). ``domain``: the host of
    ``public_url`` (ONCALL_PUBLIC_URL) when set, no scheme and no port, for ``validDomains``."""
    secure = urlsplit(base_url).scheme == "https"
    domain = urlsplit(public_url).hostname if public_url else None
    return Links(
        website=base_url.rstrip("/") if secure else PLACEHOLDER_URL,
        domain=domain or None,
        placeholder=not secure,
    )


def app_version(package_version: str) -> str:
    """The ``X.Y.Z`` Teams requires, from a package version (``0.1.0.dev3`` gives ``0.1.0``,
    ``2.1`` gives ``2.1.0``; something unreadable gives ``0.0.0``)."""
    found = _SEMVER.match(package_version) or _SEMVER.match(f"{package_version}.0")
    if found is None:
        return "0.0.0"
    return ".".join(str(int(part)) for part in found.groups())


def build_manifest(
    app_id: str | None, site: Links, version: str, name: str = DEFAULT_NAME
) -> dict[str, Any]:
    """The manifest (schema 1.17) of the bot ``app_id``: the app id is also the bot id, one
    bot for personal chats, teams and group chats with the product's command list.

    Raises :class:`ManifestError` for no app id, one that is not a GUID (Azure's Microsoft
    App ID always is; Teams refuses anything else), or an empty name or one over 30
    characters."""
    if not app_id or not app_id.strip():
        raise ManifestError("MICROSOFT_APP_ID is not set: give the Azure Bot's Microsoft App ID")
    app_id = app_id.strip()
    if not GUID.match(app_id):
        raise ManifestError(
            f"MICROSOFT_APP_ID {app_id!r} is not a GUID: give the Azure Bot's Microsoft App ID"
        )
    name = name.strip()
    if not name or len(name) > MAX_SHORT_NAME:
        raise ManifestError(f"--name must be 1 to {MAX_SHORT_NAME} characters, not {len(name)}")
    full = f"{name}: schedules, alerts and escalations for SRE teams"
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": SCHEMA_VERSION,
        "version": version,
        "id": app_id,
        "developer": {
            "name": "oncall",
            "websiteUrl": site.website,
            "privacyUrl": site.website,
            "termsOfUseUrl": site.website,
        },
        "name": {"short": name, "full": full if len(full) <= MAX_FULL_NAME else name},
        "description": {"short": SHORT_DESCRIPTION, "full": FULL_DESCRIPTION},
        "icons": {"color": COLOR_FILE, "outline": OUTLINE_FILE},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [
            {
                "botId": app_id,
                "scopes": list(SCOPES),
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {
                        "scopes": list(SCOPES),
                        "commands": [
                            {"title": title, "description": description}
                            for title, description in COMMANDS
                        ],
                    }
                ],
            }
        ],
        "validDomains": [site.domain] if site.domain else [],
    }


def package(manifest: dict[str, Any]) -> bytes:
    """The app package: a zip with ``manifest.json`` and the two icons at its root (Teams
    reads no folders). The same manifest always gives the same bytes."""
    members = {
        "manifest.json": (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode(),
        COLOR_FILE: color_icon(),
        OUTLINE_FILE: outline_icon(),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            info = zipfile.ZipInfo(member, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()
