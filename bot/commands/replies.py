"""Neutral replies: what a command answers, before any platform renders it.

``bot/commands`` returns these; ``bot/handlers/slack`` turns them into Block Kit and
``bot/handlers/teams`` into Adaptive Cards. Every text here is plain text as a person or an
alert wrote it: renderers escape it for their markup, so nothing in a reply can ping a channel
or forge a link. Links are :class:`Link` values, the only links a renderer makes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.commands.actions import Action


@dataclass(frozen=True)
class Link:
    text: str
    url: str


@dataclass(frozen=True)
class Fact:
    """A label and its value, shown side by side (Block Kit fields, Adaptive FactSet)."""

    label: str
    value: str


@dataclass(frozen=True)
class Button:
    """A button; ``value`` carries the ids it acts on (see :mod:`bot.commands.actions`)."""

    action: Action
    label: str
    value: str
    style: str | None = None  # "primary" | "danger" | None


@dataclass(frozen=True)
class Section:
    """A titled group of lines and facts. Lines are plain text, one per row."""

    title: str | None = None
    lines: tuple[str, ...] = ()
    facts: tuple[Fact, ...] = ()
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class Reply:
    """What a command answers.

    ``text`` is the one-line summary (notification text, and all a plain-text surface shows).
    ``public``: shown to the channel (it changed something the team should see); otherwise
    only the person who asked sees it (Slack: ephemeral). ``incident`` is an incident snapshot
    (:func:`core.incidents.effects.incident_snapshot`) to show as a full card with its buttons.
    ``error`` marks a refusal (unknown id, not allowed, bad input): nothing was changed.
    ``extra`` holds hints a surface may act on. ``extra["modal"]`` (a
    :class:`~bot.commands.actions.View` value) asks for that form instead of this reply, with
    ``extra["prefill"]`` (a dict) as its initial values: Slack opens the modal registered for
    it with the command's trigger_id (:mod:`bot.handlers.slack.opening`); a surface without
    it (or when opening fails) shows the reply as usual, so ``text`` still says what to type.
    """

    text: str
    sections: tuple[Section, ...] = ()
    buttons: tuple[Button, ...] = ()
    public: bool = False
    incident: dict[str, Any] | None = None
    error: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def refusal(text: str) -> Reply:
    """A polite refusal that changed nothing."""
    return Reply(text=text, error=True)
