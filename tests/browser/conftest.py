"""Browser tests: Debian's Chromium, headless, driven by Playwright (which never downloads a browser here).

Each test gets a development gateway (real Redis, HAPI and SMTP, as the integration tests) and a fresh
browser context whose every request to anything but the gateway on loopback is refused and recorded: the
pages must work offline. Screenshots go to ``var/test-artifacts/browser/`` (``var/`` is ignored by git).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, Route, async_playwright

from auth import Account, AccountStatus
from auth.inputs import fold
from tests.integration.conftest import practice, smtp
from tests.integration.gateway.access_support import family
from tests.integration.gateway.conftest import StartPortal, clock, start_portal
from tests.integration.gateway.portal import ANSWER, CHEAP, PASSWORD, Portal

CHROMIUM = "/usr/bin/chromium"
# Flags that work on this machine's kind (no sandbox as root, no GPU, no network side traffic).
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "browser"
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    assert shutil.which(CHROMIUM), "Debian's chromium is needed (scripts/bootstrap.sh installs it)"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        # Playwright gives every launch a fresh temporary profile (--user-data-dir) and adds --headless.
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield launched
        await launched.close()


@dataclass
class Tab:
    """One browser page on the gateway, with what it tried to reach elsewhere and what it logged."""

    page: Page
    context: BrowserContext
    base: str
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    async def shot(self, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        await self.page.screenshot(path=str(path), full_page=True)
        return path

    async def sign_in_by_cookie(self, token: str) -> None:
        """Start with a session (as if signed in before): the development cookie."""
        await self.context.add_cookies([{"name": "portal_session", "value": token, "url": self.base}])

    def assert_clean(self) -> None:
        assert self.outside == [], f"requests outside the gateway: {self.outside}"
        assert self.errors == [], f"console errors or page errors: {self.errors}"


@pytest.fixture
async def tab(browser: Browser) -> AsyncIterator[Tab]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    opened = Tab(page, context, "")

    async def offline(route: Route) -> None:
        url = route.request.url
        if opened.base and url.startswith(opened.base + "/"):
            await route.continue_()
        else:
            opened.outside.append(url)
            await route.abort()

    await context.route("**/*", offline)
    page.on("console", lambda m: opened.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: opened.errors.append(str(e)))
    yield opened
    await context.close()


async def portal_account(
    portal: Portal, patient_id: str, person_id: str, *, totp_secret: str | None = None
) -> Account:
    """An active portal account of a fixture patient (two-step verification on when ``totp_secret``)."""
    key = uuid.uuid4().hex[:8]
    account = Account(
        id=f"acc_{key}",
        username=f"user.{key}",
        patient_id=patient_id,
        person_id=person_id,
        email=f"{key}@example.test",
        password_hash=CHEAP.hash_sync(PASSWORD),
        status=AccountStatus.ACTIVE,
        created_at=portal.clock.now(),
        security_question="Favourite bird?",
        security_answer_hash=CHEAP.hash_sync(fold(ANSWER)),
        totp_secret=totp_secret,
        totp_enabled=totp_secret is not None,
    )
    return await portal.auth.accounts.create(account)


__all__ = [
    "PASSWORD",
    "StartPortal",
    "Tab",
    "clock",
    "family",
    "portal_account",
    "practice",
    "smtp",
    "start_portal",
]
