"""Issue 12's "done when", as ``make run`` does it: ``oncall serve`` on SQLite with the example
configuration prints the dashboard URL; the page shows the example's services, who is on call
and the gaps ahead; ``/metrics`` and ``/api/v1/openapi.json`` answer."""

from __future__ import annotations

import json
import signal
import urllib.request
from pathlib import Path

from tests.integration.test_serve import server
from tests.support import EXAMPLE_CONFIG, oncall_env

SERVICES = [
    "Checkout API",
    "Payments ledger",
    "Kubernetes clusters",
    "CI runners",
    "Single sign-on",
    "Unrouted alerts",
]


def _read(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers["Content-Type"], response.read().decode()


def test_make_run_shows_the_dashboard_metrics_and_the_api_document(tmp_path: Path) -> None:
    env = oncall_env(
        f"sqlite+aiosqlite:///{tmp_path / 'oncall.db'}",
        ONCALL_CONFIG=str(EXAMPLE_CONFIG),
        ONCALL_ALERT_TOKEN="demo-alert-token",
        ONCALL_DEMO="1",
    )
    with server(env, tmp_path) as (proc, base):
        status, kind, page = _read(f"{base}/")
        assert status == 200 and kind.startswith("text/html")
        for name in SERVICES:
            assert name in page, name
        assert "On call now" in page or "on call now" in page.lower()
        with urllib.request.urlopen(f"{base}/api/v1/gaps?days=14", timeout=10) as response:
            gaps = sum(len(s["gaps"]) for s in json.loads(response.read())["services"])
        assert f"{gaps} gap{'' if gaps == 1 else 's'} in the next 14 days" in page
        assert page.count('<svg class="timeline"') == len(SERVICES)  # each service's gaps ahead
        with urllib.request.urlopen(f"{base}/api/v1/services", timeout=10) as response:
            services = json.loads(response.read())
        # who is on call in each critical service's first tier, from the same answer the page
        # rendered: every name the API gives is on the page
        people = {
            target["person_name"]
            for service in services["services"]
            for tier in service["tiers"][:1]
            for target in tier["targets"]
            if target.get("person_name")
        }
        assert people
        for person in people:
            assert person in page, person
        status, kind, metrics = _read(f"{base}/metrics")
        assert status == 200 and kind.startswith("text/plain")
        assert 'oncall_people_on_call{schedule="payments-primary"} 1.0' in metrics
        status, kind, document = _read(f"{base}/api/v1/openapi.json")
        assert status == 200 and json.loads(document)["openapi"] == "3.1.0"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    port = base.rsplit(":", 1)[1]
    assert f"Dashboard:     http://127.0.0.1:{port}/" in out
    assert "/api/v1/openapi.json" in out and "/metrics" in out
