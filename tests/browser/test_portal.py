"""The reference portal page at /portal, driven in Chromium: each flow a patient goes through."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal

import pyotp
import pytest
from playwright.async_api import Page, Route, expect

from auth import Account
from auth.totp import code_at
from fixtures.billing import STATEMENTS
from tests.browser.conftest import PASSWORD, StartPortal, Tab, portal_account
from tests.integration.gateway.family import Family
from tests.integration.gateway.portal import Portal

pytestmark = pytest.mark.integration
MARIA, MARIA_PERSON = "pat-maria-lopez", "person-maria-lopez"


@dataclass
class Open:
    portal: Portal
    account: Account
    tab: Tab


@pytest.fixture
async def signed_in(start_portal: StartPortal, tab: Tab) -> AsyncIterator[Open]:
    """The portal page, signed in as Maria Lopez (a parent of Leo and Sofia), on her dashboard."""
    async with start_portal("development") as portal:
        account = await portal_account(portal, MARIA, MARIA_PERSON)
        tab.base = str(portal.client.base_url).rstrip("/")
        await tab.sign_in_by_cookie((await portal.auth.sessions.create(account.id)).token)
        await tab.page.goto(f"{tab.base}/portal")
        await expect(tab.page.get_by_role("heading", name="Welcome, Maria Lopez")).to_be_visible()
        yield Open(portal, account, tab)


async def test_sign_in_with_two_step_verification_shows_the_dashboard(
    start_portal: StartPortal, tab: Tab
) -> None:
    async with start_portal("development") as portal:
        secret = pyotp.random_base32()
        account = await portal_account(portal, MARIA, MARIA_PERSON, totp_secret=secret)
        tab.base = str(portal.client.base_url).rstrip("/")
        page = tab.page
        await page.goto(f"{tab.base}/portal")
        await page.get_by_label("Username").fill(account.username)
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        code = page.get_by_label("Code from your authenticator app")
        await expect(code).to_be_focused()
        await tab.shot("portal-two-step")
        await code.fill("000000")
        await page.get_by_role("button", name="Verify").click()
        await expect(page.locator("#code-error")).not_to_be_empty()
        await code.fill(code_at(secret, portal.clock.now()))
        await page.keyboard.press("Enter")  # the form submits from the keyboard
        await expect(page.get_by_role("heading", name="Welcome, Maria Lopez")).to_be_focused()
        await expect(page.locator("#appointments-list li").first).to_contain_text("Dr.")
        await expect(page.locator("#results-list li").first).not_to_have_text("No results yet.")
        await expect(page.locator("#unread-count")).to_have_text(re.compile(r"^\d+$"))
        await tab.shot("portal-dashboard")
        tab.assert_clean()


async def test_a_trend_chart_of_blood_pressure(signed_in: Open) -> None:
    page = signed_in.tab.page
    await page.get_by_label("Measurement").select_option(label="Blood pressure")
    chart = page.locator("#trend-chart")
    await expect(chart.locator("path.trend-line")).to_have_count(2)  # systolic and diastolic
    assert await chart.locator("circle.trend-point").count() >= 4
    await expect(chart.get_by_role("img")).to_have_accessible_name(re.compile(r"Blood pressure.*results"))
    await chart.get_by_text("Show the numbers").click()
    assert await chart.locator("tbody tr").count() >= 2
    await signed_in.tab.shot("portal-trend")
    signed_in.tab.assert_clean()


async def test_a_slow_answer_to_an_earlier_choice_does_not_replace_the_chart(signed_in: Open) -> None:
    page = signed_in.tab.page
    late = await Late.answers(page, "query Trend", "29463-7")  # body weight, the dashboard's first chart
    await page.reload()
    await late.asked()
    await page.get_by_label("Measurement").select_option(label="Blood pressure")
    chart = page.locator("#trend-chart")
    await expect(chart.get_by_role("img")).to_have_accessible_name(re.compile(r"Blood pressure.*results"))
    await late.answer()
    await expect(chart.get_by_role("img")).to_have_accessible_name(re.compile(r"Blood pressure.*results"))
    signed_in.tab.assert_clean()


async def test_a_slow_answer_for_the_family_member_chosen_before_is_dropped(signed_in: Open) -> None:
    page = signed_in.tab.page
    late = await Late.answers(page, "query Dashboard", "pat-leo-lopez")
    await page.get_by_label("Viewing the record of").select_option(value="pat-leo-lopez")
    await late.asked()
    await page.get_by_label("Viewing the record of").select_option(value="pat-maria-lopez")
    await expect(page.locator("#notice")).to_contain_text("Now viewing Maria Lopez")  # her page is drawn
    owed = await page.locator("#balance-owed").text_content()
    await late.answer()
    await expect(page.get_by_role("heading", name="Welcome, Maria Lopez")).to_be_visible()
    await expect(page.locator("#balance-owed")).to_have_text(owed or "")  # Maria's balance, Maria's pay form
    signed_in.tab.assert_clean()


@dataclass
class Late:
    """Holds back the gateway's answer to one GraphQL request of the page until the test lets it through."""

    page: Page
    held: asyncio.Event
    release: asyncio.Event
    answered: asyncio.Event

    @classmethod
    async def answers(cls, page: Page, *marks: str) -> Late:
        """Hold the first request whose body holds every one of `marks` (the rest go through as usual)."""
        late = cls(page, asyncio.Event(), asyncio.Event(), asyncio.Event())

        async def hold(route: Route) -> None:
            body = route.request.post_data or ""
            if late.held.is_set() or not all(mark in body for mark in marks):
                await route.fallback()
                return
            late.held.set()
            response = await route.fetch()  # the gateway answers now; the page hears of it later
            await late.release.wait()
            await route.fulfill(response=response)
            late.answered.set()

        await page.route("**/graphql", hold)
        return late

    async def asked(self) -> None:
        await asyncio.wait_for(self.held.wait(), 30)

    async def answer(self) -> None:
        """Let the answer through, and give the page a moment to read it (it parses the JSON, then draws)."""
        self.release.set()
        await asyncio.wait_for(self.answered.wait(), 30)
        await self.page.evaluate("() => new Promise((done) => setTimeout(done, 200))")


async def test_switching_to_a_family_member(signed_in: Open) -> None:
    page = signed_in.tab.page
    await page.get_by_label("Viewing the record of").select_option(value="pat-leo-lopez")
    await expect(page.get_by_role("heading", name="Leo Lopez's record")).to_be_visible()
    await expect(page.get_by_role("status").first).to_contain_text("Now viewing Leo Lopez")
    await expect(page.get_by_role("heading", name="Book an appointment")).to_be_visible()  # scheduling proxy
    await signed_in.tab.shot("portal-family-member")
    signed_in.tab.assert_clean()


async def test_booking_an_appointment(signed_in: Open) -> None:
    page = signed_in.tab.page
    await page.get_by_role("button", name="Find free times").click()
    first = page.get_by_role("radio").first
    await expect(first).to_be_checked()
    await page.get_by_label("Reason for the visit").fill("Knee pain")
    await page.get_by_role("button", name="Book this time").click()
    await expect(page.locator("#book-status")).to_contain_text("Booked:")
    await signed_in.tab.shot("portal-booked")
    signed_in.tab.assert_clean()
    # Give the fixture practice its slot back.
    token = (await signed_in.portal.auth.sessions.create(signed_in.account.id)).token
    upcoming = await signed_in.portal.gql(
        "query($id: ID!) { patient(id: $id) { appointments(first: 20) "
        "{ nodes { id status reason { text } } } } }",
        {"id": MARIA},
        token=token,
    )
    booked = [
        node["id"]
        for node in upcoming.data("patient")["appointments"]["nodes"]
        if node["status"] == "BOOKED" and [r["text"] for r in node["reason"]] == ["Knee pain"]
    ]
    assert len(booked) == 1, upcoming.body
    cancelled = await signed_in.portal.gql(
        "mutation($id: ID!, $a: ID!, $key: String!) { cancelAppointment(patientId: $id, appointmentId: $a, "
        "idempotencyKey: $key) { __typename } }",
        {"id": MARIA, "a": booked[0], "key": f"browser-cancel-{booked[0][:40]}"},
        token=token,
    )
    assert cancelled.data("cancelAppointment")["__typename"] == "AppointmentCancelled"


async def test_sending_a_message(signed_in: Open) -> None:
    page = signed_in.tab.page
    await page.get_by_label("To", exact=True).select_option(label="Front desk")
    await page.get_by_label("Subject").fill("Parking")
    await page.get_by_label("Message", exact=True).fill("Is there parking near the clinic?")
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator("#message-status")).to_contain_text("Sent. Expect a reply by")
    await expect(page.locator("#message-status")).to_contain_text("urgent")
    await signed_in.tab.shot("portal-message-sent")
    signed_in.tab.assert_clean()


async def test_the_balance_is_the_fixture_statements_less_their_payments(signed_in: Open) -> None:
    page = signed_in.tab.page
    owed = sum((s.net - s.paid for s in STATEMENTS if s.patient == "maria-lopez"), Decimal(0))
    await expect(page.locator("#balance-owed")).to_have_text(f"${owed:.2f} due")  # $40.00
    await expect(page.get_by_label("Amount to pay now")).to_be_visible()  # her own bills: she may pay
    await signed_in.tab.shot("portal-balance")
    signed_in.tab.assert_clean()


async def test_a_balance_that_cannot_be_loaded_leaves_the_rest_of_the_page_working(signed_in: Open) -> None:
    page = signed_in.tab.page

    async def billing_down(route: Route) -> None:
        if "PortalBalance" not in (route.request.post_data or ""):
            await route.fallback()  # everything else as usual (and still offline)
            return
        error = {"message": "The EHR is unavailable.", "extensions": {"code": "UPSTREAM_UNAVAILABLE"}}
        await route.fulfill(json={"data": {"patient": None}, "errors": [{**error, "path": ["patient"]}]})

    await page.route("**/graphql", billing_down)
    await page.get_by_label("Viewing the record of").select_option(value="pat-leo-lopez")
    await expect(page.get_by_role("heading", name="Leo Lopez's record")).to_be_visible()
    await expect(page.locator("#billing")).to_have_attribute("data-billing", "error")
    await expect(page.locator("#billing")).to_contain_text("cannot be shown right now")
    await expect(page.locator("#appointments-list li").first).to_be_visible()
    await expect(page.get_by_role("heading", name="Book an appointment")).to_be_visible()
    await expect(page.locator("#notice")).to_contain_text(
        "Now viewing Leo Lopez"
    )  # no "Something went wrong"
    await signed_in.tab.shot("portal-balance-unavailable")
    signed_in.tab.assert_clean()


async def test_paying_part_of_the_balance(start_portal: StartPortal, tab: Tab, family: Family) -> None:
    # The test's own family pays, so the fixture practice's balances stay as they are.
    async with start_portal("development") as portal:
        account = await portal_account(portal, family.patient("pat"), family.person("pat"))
        tab.base = str(portal.client.base_url).rstrip("/")
        await tab.sign_in_by_cookie((await portal.auth.sessions.create(account.id)).token)
        page = tab.page
        await page.goto(f"{tab.base}/portal")
        owed = page.locator("#balance-owed")
        await expect(owed).to_have_text("$30.00 due")  # the family's statement: 145.00 less 115.00 insurance
        await page.get_by_label("Amount to pay now").fill("40.00")
        await page.get_by_role("button", name="Pay").click()
        await expect(page.locator("#pay-status")).to_contain_text("at most $30.00")  # nothing sent
        await page.get_by_label("Card").select_option(value="tok_test_declined")
        await page.get_by_label("Amount to pay now").fill("1.00")
        await page.get_by_role("button", name="Pay").click()
        await expect(page.locator("#pay-status")).to_contain_text("declined")
        await page.get_by_label("Card").select_option(value="tok_test_success")
        await page.get_by_role("button", name="Pay").click()
        await expect(page.locator("#pay-status")).to_have_text("Thank you: $1.00 paid.")
        await expect(owed).to_have_text("$29.00 due")
        await tab.shot("portal-paid")
        tab.assert_clean()


async def test_the_idle_timeout_warns_a_minute_before_and_then_signs_out(
    start_portal: StartPortal, tab: Tab
) -> None:
    # A shortened idle timeout (2 minutes) and the page's clock under the test's control: no waiting.
    async with start_portal("development", session_idle_minutes=2) as portal:
        account = await portal_account(portal, MARIA, MARIA_PERSON)
        tab.base = str(portal.client.base_url).rstrip("/")
        token = (await portal.auth.sessions.create(account.id)).token
        await tab.sign_in_by_cookie(token)
        page = tab.page
        await page.clock.install()
        await page.goto(f"{tab.base}/portal")
        await expect(page.get_by_role("heading", name="Welcome, Maria Lopez")).to_be_focused()  # loaded
        warning = page.get_by_role("alertdialog", name="Are you still there?")
        await page.clock.run_for("00:50")
        await expect(warning).to_be_hidden()
        await page.clock.run_for("00:15")  # 65 s idle: one minute before the end
        await expect(warning).to_be_visible()
        await expect(page.get_by_role("button", name="Stay signed in")).to_be_focused()
        await tab.shot("portal-idle-warning")
        await page.get_by_role("button", name="Stay signed in").click()  # extendSession: a new window
        await expect(warning).to_be_hidden()
        await page.clock.run_for("01:05")
        await expect(warning).to_be_visible()
        await page.clock.run_for("01:00")  # nobody answered: signed out
        await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        await expect(page.locator("#notice")).to_contain_text("signed out after a while without activity")
        await tab.shot("portal-signed-out")
        # The page ended the session on the server too: the old cookie opens nothing any more.
        reply = await portal.gql("{ viewer { account { id } } }", token=token)
        assert reply.codes in (["SESSION_EXPIRED"], ["UNAUTHENTICATED"])
        tab.assert_clean()
