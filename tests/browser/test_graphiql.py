"""GraphiQL in development: loads with no network but the gateway, signs in from its panel, runs a query."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PASSWORD, StartPortal, Tab, portal_account

pytestmark = pytest.mark.integration


async def test_graphiql_loads_offline_signs_in_and_runs_a_query(start_portal: StartPortal, tab: Tab) -> None:
    async with start_portal("development") as portal:
        account = await portal_account(portal, "pat-maria-lopez", "person-maria-lopez")
        tab.base = str(portal.client.base_url).rstrip("/")
        page = tab.page
        await page.goto(f"{tab.base}/graphql")
        panel = page.locator(".portal-signin")
        await panel.get_by_label("Username").fill(account.username)
        await panel.get_by_label("Password").fill(PASSWORD)
        await panel.get_by_role("button", name="Sign in").click()
        await panel.get_by_text(f"Signed in as {account.username}").wait_for()
        await tab.shot("graphiql-signed-in")

        # The first tab holds SignIn and Me: run Me (GraphiQL asks which operation to run).
        await page.locator(".graphiql-execute-button").click()
        await page.get_by_role("menuitem", name="Me").click()
        response = page.locator(".graphiql-response")
        await response.get_by_text(account.username).wait_for()
        assert '"username"' in await response.inner_text()
        assert "pat-maria-lopez" in await response.inner_text()
        await tab.shot("graphiql-query")
        # The example operations are there as tabs.
        assert await page.get_by_role("tab", name="UpcomingAppointments").count() == 1
        tab.assert_clean()
