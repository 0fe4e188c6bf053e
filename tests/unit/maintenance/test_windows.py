"""Maintenance windows as instants and the end of the maintenance covering an instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.maintenance.windows import Window, config_windows, maintenance_end
from tests.unit.oncall.common import at, config

H = timedelta(hours=1)


def test_configured_windows_are_read_in_their_zone_with_the_dst_rule() -> None:
    cfg = config(
        timezone="Europe/Berlin",
        maintenance=[
            # 2026-03-29: Berlin skips 02:00-03:00; 02:30 means 03:00 CEST (01:00 UTC)
            {"service": "api", "from": "2026-03-29 02:30", "to": "2026-03-29 04:00"},
            # 2026-10-25: 02:30 happens twice; the first (CEST, 00:30 UTC)
            {"team": "web", "from": "2026-10-25 01:00", "to": "2026-10-25 02:30"},
            {
                "service": "site",
                "from": "2026-03-02 09:00",
                "to": "2026-03-02 10:00",
                "timezone": "America/New_York",
                "reason": "db",
            },
        ],
    )
    spring, autumn, york = config_windows(cfg)
    assert (spring.start, spring.end) == (at("2026-03-29 01:00"), at("2026-03-29 02:00"))
    assert (autumn.start, autumn.end) == (at("2026-10-24 23:00"), at("2026-10-25 00:30"))
    assert (york.start, york.end, york.reason) == (
        at("2026-03-02 14:00"),
        at("2026-03-02 15:00"),
        "db",
    )
    assert (spring.subject, autumn.subject) == ("service api", "team web")


T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def w(start: float, end: float, service: str | None = "api", team: str | None = None) -> Window:
    return Window(service, team, T0 + start * H, T0 + end * H)


def test_the_end_of_the_maintenance_covering_now() -> None:
    table = [
        ([w(0, 2)], 0, T0 + 2 * H),  # starts exactly now: covers
        ([w(-1, 0)], 0, None),  # ends exactly now: does not
        ([w(1, 2)], 0, None),  # not yet
        ([w(-1, 1), w(1, 3)], 0, T0 + 3 * H),  # touching: one maintenance
        ([w(-1, 2), w(1, 3), w(4, 5)], 0, T0 + 3 * H),  # overlapping, then a gap
        ([w(-1, 1, service="site")], 0, None),  # another service's
        ([w(-1, 1, service=None, team="ops")], 0, T0 + H),  # the service's team's
        ([w(-1, 1, service=None, team="web")], 0, None),
    ]
    for windows, now, end in table:
        assert maintenance_end(windows, "api", "ops", T0 + now * H) == end, windows


def test_a_team_window_does_not_cover_a_service_without_a_team() -> None:
    assert maintenance_end([w(-1, 1, service=None, team="ops")], "unrouted", None, T0) is None
