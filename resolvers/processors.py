"""Card processors: the one interface the gateway charges through, the test processor, and the plug-in point.

The gateway never sees card data. The frontend hands the card to the processor's own form and gets back a
token; ``makePayment`` passes that token through to ``PaymentProcessor.charge`` with our idempotency key, and
keeps neither (not in FHIR, Redis or the logs). A processor must charge at most once per key: a repeat of
``charge`` with the same key answers the first outcome (that is how a retry never charges twice), and
``find`` answers what was done with a key, so the reconciler can settle a charge whose answer was lost.

A real processor plugs in by ``PORTAL_PAYMENT_PROCESSOR=package.module:factory``: ``factory(timeout)``
returns an object with ``charge`` and ``find`` (docs/billing.md, "A real processor", maps them onto
Stripe-style PaymentIntents). ``test`` is the test processor below.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol, runtime_checkable

from redis.asyncio import Redis


@dataclass(frozen=True, slots=True)
class ChargeRequest:
    """One charge, as the gateway asks for it.

    Attributes:
        idempotency_key: Ours, the same for every retry of one payment: the processor charges once per key.
        amount: How much, in ``currency`` (never a float).
        currency: ISO 4217 code.
        token: The processor's token for the card, from its payment form (never stored, logged or shown).
        description: What the card statement says; never PHI (the practice's name only).
    """

    idempotency_key: str
    amount: Decimal
    currency: str
    token: str = field(repr=False)
    description: str


@dataclass(frozen=True, slots=True)
class Charged:
    """The card was charged."""

    transaction_id: str
    amount: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class Declined:
    """The processor refused the charge; nothing was taken.

    Attributes:
        reason: The processor's decline code (``card_declined``, ``insufficient_funds``, ``invalid_token``).
    """

    reason: str


class ProcessorUnavailable(Exception):
    """The processor could not be asked, and certainly charged nothing (refused before the charge)."""


class ProcessorOutcomeUnknown(Exception):
    """The charge was sent but no answer came back (a timeout): it may or may not have been made."""


@runtime_checkable
class PaymentProcessor(Protocol):
    """What the gateway needs of a card processor."""

    async def charge(self, request: ChargeRequest) -> Charged | Declined:
        """Charge once per ``request.idempotency_key``; a repeat answers the first outcome.

        Raises:
            ProcessorUnavailable: Nothing was charged.
            ProcessorOutcomeUnknown: It may have been charged.
        """
        ...

    async def find(self, idempotency_key: str) -> Charged | Declined | None:
        """What was done with a key: the charge, the refusal, or ``None`` when nothing was.

        Raises:
            ProcessorUnavailable: The processor cannot be asked now.
        """
        ...


TEST_TOKENS = {
    "tok_test_success": "charged",
    "tok_test_declined": "declined",
    "tok_test_unavailable": "unavailable",
    "tok_test_charge_then_timeout": "timeout",
}
"""The test processor's tokens: charge; decline (``card_declined``); fail before charging; charge and then
time out (the answer is lost). Any other token is declined as ``invalid_token``."""

# Record the key's outcome once; a repeat gets the first outcome back.
_ONCE = """
local first = redis.call('GET', KEYS[1])
if first then return first end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ARGV[1]
"""


class TestProcessor:
    """The documented test processor: no network, its ledger in Redis so every gateway process shares it.

    Like a real processor's test mode, it keeps what it did per idempotency key (never the token) for
    ``ttl_days``, so a repeat of a key is answered from the ledger and charges nothing again.

    Args:
        redis: The shared Redis client.
        prefix: The gateway's key prefix; the ledger is under ``<prefix>test-processor:``.
        ttl_days: How long a key's outcome is kept.
    """

    __test__ = False  # not a pytest class

    def __init__(self, redis: Redis, prefix: str, *, ttl_days: int = 7) -> None:
        self._redis = redis
        self.prefix = f"{prefix}test-processor:"
        self._ttl_ms = ttl_days * 86_400_000
        self._once = redis.register_script(_ONCE)

    async def charge(self, request: ChargeRequest) -> Charged | Declined:
        """Charge per the token's behaviour (``TEST_TOKENS``), once per idempotency key."""
        behaviour = TEST_TOKENS.get(request.token, "invalid")
        if behaviour == "unavailable":
            raise ProcessorUnavailable("test processor: unavailable before charging")
        if behaviour in ("charged", "timeout"):
            entry = {
                "outcome": "charged",
                "transaction_id": f"txn_test_{uuid.uuid4().hex[:24]}",
                "amount": str(request.amount),
                "currency": request.currency,
            }
        else:
            entry = {
                "outcome": "declined",
                "reason": "card_declined" if behaviour == "declined" else "invalid_token",
            }
        stored = await self._once(
            keys=[self._key(request.idempotency_key)], args=[json.dumps(entry), self._ttl_ms]
        )
        outcome = _outcome(stored)
        if behaviour == "timeout":
            raise ProcessorOutcomeUnknown("test processor: charged, then the answer was lost")
        return outcome

    async def find(self, idempotency_key: str) -> Charged | Declined | None:
        """The ledger's outcome for ``idempotency_key``."""
        stored = await self._redis.get(self._key(idempotency_key))
        return _outcome(stored) if stored is not None else None

    async def charges(self) -> list[Charged]:
        """Every charge in the ledger (for tests: how often was a card charged?)."""
        found: list[Charged] = []
        async for key in self._redis.scan_iter(match=self.prefix + "*", count=500):
            stored = await self._redis.get(key)
            outcome = _outcome(stored) if stored is not None else None
            if isinstance(outcome, Charged):
                found.append(outcome)
        return found

    def _key(self, idempotency_key: str) -> str:
        return self.prefix + hashlib.sha256(idempotency_key.encode()).hexdigest()


def _outcome(stored: bytes | str) -> Charged | Declined:
    entry = json.loads(stored)
    if entry["outcome"] == "charged":
        return Charged(entry["transaction_id"], Decimal(entry["amount"]), entry["currency"])
    return Declined(entry["reason"])


def load_processor(spec: str, *, redis: Redis, prefix: str, timeout: float) -> PaymentProcessor:
    """The processor ``PORTAL_PAYMENT_PROCESSOR`` names.

    Args:
        spec: ``test``, or ``package.module:factory`` of a real processor's adapter.
        redis: For the test processor's ledger.
        prefix: The gateway's Redis key prefix.
        timeout: Seconds a charge may take before it counts as ``ProcessorOutcomeUnknown``.

    Raises:
        ValueError: ``spec`` does not name a factory that makes a ``PaymentProcessor``.
    """
    if spec == "test":
        return TestProcessor(redis, prefix)
    module_name, _, factory_name = spec.partition(":")
    if not module_name or not factory_name:
        raise ValueError("PORTAL_PAYMENT_PROCESSOR: 'test' or 'package.module:factory'")
    factory: Callable[[float], object] | None = vars(importlib.import_module(module_name)).get(factory_name)
    if not callable(factory):
        raise ValueError(f"PORTAL_PAYMENT_PROCESSOR: {module_name} has no {factory_name}")
    processor = factory(timeout)
    if not isinstance(processor, PaymentProcessor):
        raise ValueError(f"PORTAL_PAYMENT_PROCESSOR: {spec} does not make a PaymentProcessor")
    return processor
