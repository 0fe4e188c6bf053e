"""What came from alerts is shown as text on every page, never run.

The seeded triggered incident carries ``<script>alert('x')</script>`` in a label and an
annotation (tests/web_seed.py); every page of the dashboard is fetched and must hold it only
escaped, and a real browser opening each page must see no dialog (the script never ran).
"""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp

from tests.support import running_app
from tests.web_seed import HOSTILE, seed

INLINE_STYLE = re.compile(r"\sstyle\s*=|<style", re.IGNORECASE)


def _pages(triggered: int) -> list[str]:
    return [
        "/",
        "/schedules",
        "/schedules/payments-primary",
        "/incidents",
        "/incidents?all=1",
        f"/incidents/{triggered}",
        "/load",
        "/load?team=payments",
    ]


async def test_every_page_escapes_alert_text(engine: object) -> None:
    seeded = await seed(engine)  # type: ignore[arg-type]
    async with (
        running_app(engine, seeded.clock) as base,
        aiohttp.ClientSession() as http,
    ):
        shown_somewhere = False
        for path in _pages(seeded.triggered):
            async with http.get(f"{base}{path}") as response:
                assert response.status == 200, path
                assert response.content_type == "text/html"
                assert "script-src 'self'" in response.headers["Content-Security-Policy"]
                body = await response.text()
            assert HOSTILE not in body, path
            assert "<script>alert" not in body, path
            # the CSP allows only this origin's files: no inline script or style anywhere
            assert not INLINE_STYLE.search(body), path
            for chunk in body.split("<script")[1:]:
                assert chunk.lstrip().startswith("src="), (path, chunk[:80])
            shown_somewhere |= "&lt;script&gt;alert(" in body
        assert shown_somewhere  # the incident pages show the label, as text


async def test_no_page_runs_alert_text_in_a_browser(tmp_path: Path, page: object) -> None:
    from storage.engine import create_engine

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'oncall.db'}")
    try:
        seeded = await seed(engine)
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: dialogs.append(dialog.message))  # type: ignore[attr-defined]
        async with running_app(engine, seeded.clock) as base:
            for number, path in enumerate(_pages(seeded.triggered)):
                await page.goto(f"{base}{path}")  # type: ignore[attr-defined]
                assert await page.title(), path  # type: ignore[attr-defined]
                shot = tmp_path / f"page-{number}.png"
                await page.screenshot(path=shot, full_page=True)  # type: ignore[attr-defined]
                assert shot.stat().st_size > 0
            await page.goto(f"{base}/incidents/{seeded.triggered}")  # type: ignore[attr-defined]
            text = await page.inner_text("main")  # type: ignore[attr-defined]
            assert HOSTILE in text  # shown to the reader as the characters it is
        assert dialogs == []
    finally:
        await engine.dispose()
