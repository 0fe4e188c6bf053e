"""``/oncall stats [team]``: the response figures of the last 30 days, short.

The same figures as ``oncall report`` (:mod:`core.metrics.report`: incidents resolved in the
window, nearest-rank median and 90th percentile), for every team or the one named (its id or
its name, in any case). Read-only; anyone who can reach the bot may ask. An unknown team is
refused with the teams there are.
"""

from __future__ import annotations

from datetime import timedelta

from bot.commands.context import CommandContext
from bot.commands.replies import Reply, Section, refusal
from core.config.model import Configuration
from core.metrics.report import DEFAULT_REPORT, Figures, PersonFigures, Report, response_report

USAGE = "/oncall stats [team]"
SUMMARY = "response figures of the last 30 days: MTTA, MTTR, pages, off-hours, hours on call"
MAX_PEOPLE = 10


def duration(value: timedelta | None) -> str:
    """``1h 05m``, ``7m 30s``, ``45s``; ``-`` for None (nothing to measure)."""
    if value is None:
        return "-"
    seconds = int(value.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def figure_line(f: Figures) -> str:
    """``3 incidents · MTTA 7m 00s (p90 10m 00s) · MTTR 30m 00s (p90 40m 00s)``."""
    return (
        f"{_plural(f.incidents, 'incident')} · MTTA {duration(f.mtta_median)} "
        f"(p90 {duration(f.mtta_p90)}) · MTTR {duration(f.mttr_median)} "
        f"(p90 {duration(f.mttr_p90)})"
    )


def _person_line(p: PersonFigures) -> str:
    return (
        f"{p.name}: {_plural(p.pages, 'page')}, {p.off_hours_pages} off-hours "
        f"({duration(p.off_hours_time)}), {duration(p.on_call)} on call"
    )


def _team_of(config: Configuration, word: str) -> str | None:
    lowered = word.lower()
    for team in config.teams:
        if team.id.lower() == lowered or (team.name or "").lower() == lowered:
            return team.id
    return None


def render(report: Report, config: Configuration) -> Reply:
    """The reply: a one-line summary, then the figures, by team and service, and people."""
    names = {t.id: t.name or t.id for t in config.teams}
    scope = f" for {names.get(report.team, report.team)}" if report.team else ""
    overall = report.overall
    if overall.incidents:
        text = f"Last {DEFAULT_REPORT.days} days{scope}: {figure_line(overall)}"
    else:
        text = f"No incidents resolved in the last {DEFAULT_REPORT.days} days{scope}."
    sections = [
        Section(
            title=f"Response, last {DEFAULT_REPORT.days} days{scope}",
            lines=(
                figure_line(overall),
                f"{_plural(overall.pages, 'page')}, {overall.off_hours_pages} off-hours "
                f"({duration(overall.off_hours_time)}); "
                f"{_plural(overall.escalations, 'escalation')}",
            ),
        )
    ]
    if report.team is None and report.by_team:
        sections.append(
            Section(
                title="By team",
                lines=tuple(f"{names.get(t, t)}: {figure_line(f)}" for t, f in report.by_team),
            )
        )
    if report.by_service:
        sections.append(
            Section(
                title="By service",
                lines=tuple(f"{s}: {figure_line(f)}" for s, _, f in report.by_service),
            )
        )
    people = sorted(report.by_person, key=lambda p: (-p.pages, -p.on_call, p.person))
    if people:
        lines = [_person_line(p) for p in people[:MAX_PEOPLE]]
        if len(people) > MAX_PEOPLE:
            lines.append(f"and {len(people) - MAX_PEOPLE} more (the oncall report command)")
        sections.append(Section(title="People", lines=tuple(lines)))
    return Reply(text=text, sections=tuple(sections))


async def run(ctx: CommandContext, words: list[str]) -> Reply:
    config = await ctx.config()
    team: str | None = None
    if words:
        team = _team_of(config, " ".join(words))
        if team is None:
            known = ", ".join(t.id for t in config.teams) or "none"
            shown = " ".join(words)[:40]
            return refusal(f"Unknown team “{shown}”. Teams: {known}.")
    report = await response_report(ctx.read_unit(), ctx.now - DEFAULT_REPORT, ctx.now, team)
    return render(report, config)
