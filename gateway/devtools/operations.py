"""GraphiQL's default tabs: a first tab on signing in, then one tab per file of ``docs/operations``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OPERATIONS = Path(__file__).resolve().parents[2] / "docs" / "operations"
VARIABLES = OPERATIONS / "variables.json"

START = """# portal-gateway GraphiQL (development). Sign in first:
#  - the "Sign in" panel on the left (the key icon): a demo user, the two-step code when asked; or
#  - run SignIn below: the answer sets the session cookie, which every later query of this page carries.
# Then run Me. The session ends after 15 idle minutes (viewer.session.expiresAt says when).
# A client without cookies passes bearer: true and sends the token as the header
#   {"Authorization": "Bearer <token>"}   (Headers tab below).
# The other tabs are the example operations of docs/operations/, one tab per file.

mutation SignIn($username: String!, $password: String!) {
  signIn(username: $username, password: $password) {
    __typename
    ... on SignedIn { expiresAt }
    ... on TwoFactorRequired { challengeToken }
    ... on Problem { code message }
  }
}

query Me {
  viewer {
    account { username }
    session { expiresAt idleTimeoutSeconds }
    patients { accessLevel relationship patient { id name { given family } } }
  }
}
"""


def default_tabs(username: str, password: str) -> list[dict[str, Any]]:
    """``[{"query", "variables"}]`` for GraphiQL's ``defaultTabs``.

    The start tab (signing in as the demo user ``username``), then one tab per example file.
    """
    examples: dict[str, Any] = {}
    if VARIABLES.is_file():
        examples = json.loads(VARIABLES.read_text(encoding="utf-8"))
    start_variables = {"username": username, "password": password}
    tabs = [{"query": START, "variables": json.dumps(start_variables, indent=2)}]
    for path in sorted(OPERATIONS.glob("*.graphql")):
        variables = examples.get(path.name, {})
        tabs.append({"query": path.read_text(encoding="utf-8"), "variables": json.dumps(variables, indent=2)})
    return tabs
