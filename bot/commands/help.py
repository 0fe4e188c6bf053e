"""``/oncall help``: every subcommand with its usage. Also the answer to unknown words."""

from __future__ import annotations

from bot.commands.replies import Reply, Section

USAGE = "/oncall help"
SUMMARY = "this list"


def render(entries: list[tuple[str, str]], unknown: str | None = None) -> Reply:
    """The help reply; ``unknown``: the word that was not understood (said first, cut to 40
    characters)."""
    shown = unknown if unknown is None or len(unknown) <= 40 else unknown[:39] + "…"
    intro = f"I don't know “{shown}”. " if shown else ""
    return Reply(
        text=f"{intro}Here is what /oncall can do:",
        sections=(Section(lines=tuple(f"{usage} — {summary}" for usage, summary in entries)),),
    )
