"""The plug-in point for a real card processor: ``package.module:factory`` makes a PaymentProcessor."""

from __future__ import annotations

import sys
import types
from decimal import Decimal

import pytest
from redis.asyncio import Redis

from resolvers.processors import (
    Charged,
    ChargeRequest,
    Declined,
    PaymentProcessor,
    TestProcessor,
    load_processor,
)


class _Recording:
    def __init__(self, timeout: float) -> None:
        self.timeout = timeout

    async def charge(self, request: ChargeRequest) -> Charged | Declined:
        return Charged("txn_1", request.amount, request.currency)

    async def find(self, idempotency_key: str) -> Charged | Declined | None:
        return None


def test_a_real_processor_plugs_in_by_its_factory(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("clinic_payments")
    module.make = _Recording  # type: ignore[attr-defined]
    module.not_a_processor = lambda timeout: object()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "clinic_payments", module)
    redis = Redis()  # never connected: only the test processor would use it
    loaded = load_processor("clinic_payments:make", redis=redis, prefix="p:", timeout=12.5)
    assert isinstance(loaded, _Recording) and isinstance(loaded, PaymentProcessor) and loaded.timeout == 12.5
    assert isinstance(load_processor("test", redis=redis, prefix="p:", timeout=1), TestProcessor)
    for spec in ("clinic_payments", "clinic_payments:missing", "clinic_payments:not_a_processor"):
        with pytest.raises(ValueError, match="PORTAL_PAYMENT_PROCESSOR"):
            load_processor(spec, redis=redis, prefix="p:", timeout=1)


def test_a_charge_request_never_shows_its_token() -> None:
    request = ChargeRequest("key", Decimal("1.00"), "USD", "tok_test_success", "Maple Grove")
    assert "tok_test" not in repr(request)
