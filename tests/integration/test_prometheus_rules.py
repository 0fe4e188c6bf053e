"""examples/prometheus-rules.yml: parses, every rule is complete, and every metric it uses is
one ``GET /metrics`` exposes (names read from a live scrape of an empty SQLite database);
``promtool check rules`` too, where promtool is installed (Debian's ``prometheus`` package)."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import yaml
from prometheus_client.parser import text_string_to_metric_families

from storage.metrics_queries import Figures
from tests.support import ROOT, running_app, unavailable
from web.metrics_families import NAMES, Ahead, ScrapeCollector, Snapshot

RULES = ROOT / "examples" / "prometheus-rules.yml"
METRIC = re.compile(r"\b(oncall_[a-z0-9_]+)")


def rules() -> list[dict[str, object]]:
    document = yaml.safe_load(RULES.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


async def exposed_names(tmp_path: Path) -> set[str]:
    """Family and sample names of a live scrape (an empty migrated SQLite database)."""
    from storage.engine import create_engine
    from storage.migrate import upgrade
    from tests.fakes import FrozenClock

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'rules.db'}")
    try:
        await upgrade(engine)
        async with (
            running_app(engine, FrozenClock(datetime(2026, 3, 2, tzinfo=UTC))) as base,
            aiohttp.ClientSession() as http,
            http.get(f"{base}/metrics") as response,
        ):
            assert response.status == 200
            text = await response.text()
    finally:
        await engine.dispose()
    names: set[str] = set()
    for family in text_string_to_metric_families(text):
        names.add(family.name)
        names.update(s.name for s in family.samples)
        if family.type == "counter":
            names.add(f"{family.name}_total")
    return names


def test_rules_parse_and_are_complete() -> None:
    found = rules()
    assert len(found) >= 5
    alerts = [str(r["alert"]) for r in found]
    assert len(set(alerts)) == len(alerts), "alert names repeat"
    for rule in found:
        for key in ("alert", "expr", "for"):
            assert rule.get(key), f"{rule.get('alert')}: no {key}"
        labels, annotations = rule.get("labels"), rule.get("annotations")
        assert isinstance(labels, dict) and labels.get("severity"), rule["alert"]
        assert isinstance(annotations, dict) and annotations.get("summary"), rule["alert"]
    wanted = {
        "oncall_outbox_oldest_pending_age_seconds",
        "oncall_scheduler_tick_lag_seconds",
        "oncall_coverage_gap_hours",
        "oncall_delivery_failures_total",
    }
    used = {m for r in found for m in METRIC.findall(str(r["expr"]))}
    assert wanted <= used


async def test_every_metric_in_the_rules_is_exposed(tmp_path: Path) -> None:
    exposed = await exposed_names(tmp_path)
    # the tick lag has no sample without a tick, but its family is always described
    for rule in rules():
        for name in METRIC.findall(str(rule["expr"])):
            assert name in exposed, f"{rule['alert']} uses {name}, which /metrics does not expose"
    assert {n.removesuffix("_total") for n in NAMES} <= exposed


def test_tick_lag_has_a_sample_once_known() -> None:
    now = datetime(2026, 3, 2, tzinfo=UTC)
    families = list(ScrapeCollector(Snapshot(Figures(), Ahead(), now, 4.5)).collect())
    lag = next(f for f in families if f.name == "oncall_scheduler_tick_lag_seconds")
    assert [s.value for s in lag.samples] == [4.5]
    assert {f.name for f in families} == {n.removesuffix("_total") for n in NAMES}


def test_promtool_checks_the_rules() -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        unavailable(
            "promtool", "promtool is not installed (Debian's 'prometheus' package provides it)"
        )
    done = subprocess.run(
        [promtool, "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
