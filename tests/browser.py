"""Headless Chromium for page tests: Debian's ``chromium`` driven by Playwright's Python
package through ``executable_path`` (Playwright cannot download its own browsers here).

Tests that use the ``page`` fixture skip with the reason when either is missing, and fail
instead when ``ONCALL_TEST_REQUIRE`` names ``chromium`` (``.ci/run`` does).
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.support import unavailable

CHROMIUM_NAMES = ("chromium", "chromium-browser")


def chromium_binary() -> str | None:
    """The system's Chromium, when installed."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture
async def page() -> AsyncIterator[Any]:
    """A fresh page of a headless Chromium (a new browser per test: nothing is shared)."""
    binary = chromium_binary()
    if binary is None:
        unavailable("chromium", "Debian's chromium is not installed (apt-get install chromium)")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        unavailable("chromium", "the playwright package is not installed (pip install playwright)")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=binary, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 900})
            yield await context.new_page()
        finally:
            await browser.close()
