"""Shared test configuration.

Integration tests run against the real HAPI FHIR server and a real Redis, both started by the test command
(``make test``) and found through environment variables. They never skip: a missing server is a failure.
"""

from __future__ import annotations

import os

import pytest

FHIR_BASE_URL = os.environ.get("PORTAL_FHIR_BASE_URL", "http://127.0.0.1:8090/fhir")
REDIS_URL = os.environ.get("PORTAL_REDIS_URL", "redis://127.0.0.1:6390/0")


@pytest.fixture(scope="session")
def fhir_base_url() -> str:
    return FHIR_BASE_URL


@pytest.fixture(scope="session")
def redis_url() -> str:
    return REDIS_URL
