"""Pending payments: the gateway's durable note of a charge, written to Redis before the card is charged.

A payment is money the EHR must not lose track of. Between "charge the card" and "recorded in FHIR" either
step can fail, so before charging the gateway writes a pending record (Redis with AOF in production), and a
payment ends in exactly one of two ways: recorded in FHIR, or void (the processor refused or never charged).
Whoever finishes it (the request, its retry, or the reconciler of any gateway process) holds the record's
lease while working on it.

One hash per patient, ``<prefix>pay:patient:<patient id>``, one field per payment (the write marker of the
``makePayment`` key, ``resolvers/idempotency.py``), the value a JSON record. One key per patient keeps the
balance check atomic (Lua) and works on a Redis Cluster. ``<prefix>pay:open`` (a sorted set by creation
time) lists the payments not finished yet, for the reconciler. Records hold amounts, invoice ids and the
processor's transaction id; never the card token.

States: ``charging`` (written before the charge; the outcome may be unknown) -> ``charged`` (the processor
took the money; not yet in FHIR) -> ``recorded``; or -> ``void``. Finished records stay for ``keep`` (so a
balance read made just before the FHIR write is still corrected), then go.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from redis.asyncio import Redis

from .processors import PaymentProcessor

CENT = Decimal("0.01")


class PendingState(StrEnum):
    CHARGING = "charging"
    CHARGED = "charged"
    RECORDED = "recorded"
    VOID = "void"


OPEN = frozenset({PendingState.CHARGING, PendingState.CHARGED})


@dataclass(frozen=True, slots=True)
class PendingPayment:
    """One payment the gateway is making or has made.

    Attributes:
        marker: The ``makePayment`` key's write marker: the processor's idempotency key and the FHIR
            identifier of what is recorded.
        patient_id: Whose bill it pays.
        payer: Who pays (``Patient/<id>`` or the proxy's ``RelatedPerson/<id>``).
        amount: How much (two decimals), in ``currency``.
        currency: ISO 4217.
        allocation: ``(invoice id, amount)`` per statement it settles, oldest first.
        created: When it was written (before the charge).
        state: Where it stands.
        transaction_id: The processor's, once charged.
        payment_id: The PaymentReconciliation's id, once recorded.
        paid_on: The practice's local date of the charge (``PaymentReconciliation.paymentDate``).
    """

    marker: str
    patient_id: str
    payer: str
    amount: Decimal
    currency: str
    allocation: tuple[tuple[str, Decimal], ...]
    created: datetime
    state: PendingState = PendingState.CHARGING
    transaction_id: str | None = None
    payment_id: str | None = None
    paid_on: str | None = None

    @property
    def cents(self) -> int:
        """The amount in minor units (what the Lua balance check adds up)."""
        return int((self.amount / CENT).to_integral_value())

    def to_json(self) -> str:
        """The record as Redis keeps it, with ``cents`` (Lua adds ``owner``, ``lease`` and ``done``)."""
        data = asdict(self)
        data.update(
            amount=str(self.amount),
            allocation=[[invoice, str(amount)] for invoice, amount in self.allocation],
            created=self.created.isoformat(),
            state=self.state.value,
            cents=self.cents,
        )
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str | bytes) -> PendingPayment:
        data: dict[str, Any] = json.loads(text)
        return cls(
            marker=data["marker"],
            patient_id=data["patient_id"],
            payer=data["payer"],
            amount=Decimal(data["amount"]),
            currency=data["currency"],
            allocation=tuple((invoice, Decimal(amount)) for invoice, amount in data["allocation"]),
            created=datetime.fromisoformat(data["created"]),
            state=PendingState(data["state"]),
            transaction_id=data.get("transaction_id"),
            payment_id=data.get("payment_id"),
            paid_on=data.get("paid_on"),
        )


@dataclass(frozen=True, slots=True)
class Reserved:
    """The record was written: the card may be charged now."""


@dataclass(frozen=True, slots=True)
class Exceeds:
    """Refused: with the payments already under way the amount is more than is owed."""

    payable: Decimal


@dataclass(frozen=True, slots=True)
class Exists:
    """A record for this marker exists already (an earlier attempt of the same request)."""

    record: PendingPayment


# Drop finished records older than the keep time; expire the hash when nothing is open.
_PRUNE = """
local function prune(key, now, keep)
  local open = 0
  local all = redis.call('HGETALL', key)
  for i = 1, #all, 2 do
    local r = cjson.decode(all[i + 1])
    if r.state == 'recorded' or r.state == 'void' then
      if (r.done or 0) + keep < now then redis.call('HDEL', key, all[i]) end
    else
      open = open + 1
    end
  end
  if open == 0 then redis.call('PEXPIRE', key, keep) else redis.call('PERSIST', key) end
end
"""
# Write a new record unless the amount, added to what is under way, exceeds what FHIR says is owed.
# ARGV: marker, record, owed (cents, from the FHIR read), now, keep, lease, owner, seen markers (comma list).
_RESERVE = (
    _PRUNE
    + """
local now, keep = tonumber(ARGV[4]), tonumber(ARGV[5])
prune(KEYS[1], now, keep)
local existing = redis.call('HGET', KEYS[1], ARGV[1])
if existing and cjson.decode(existing).state ~= 'void' then return {'exists', existing} end
local seen = {}
for m in string.gmatch(ARGV[8], '[^,]+') do seen[m] = true end
local under_way = 0
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local r = cjson.decode(all[i + 1])
  -- Under way, or recorded after the caller's FHIR read: not in its balance yet (a payment that read
  -- shows by its marker is counted there already, whatever its state here).
  if r.state ~= 'void' and not seen[all[i]] then
    under_way = under_way + r.cents
  end
end
local record = cjson.decode(ARGV[2])
if under_way + record.cents > tonumber(ARGV[3]) then
  return {'exceeds', string.format('%d', tonumber(ARGV[3]) - under_way)}
end
record.owner = ARGV[7]
record.lease = now + tonumber(ARGV[6])
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(record))
redis.call('PERSIST', KEYS[1])
return {'ok'}
"""
)
# Take the record's lease (it is free, lapsed, or ours); answer the record, or nothing.
_CLAIM = """
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return false end
local r = cjson.decode(raw)
local now = tonumber(ARGV[3])
if r.owner ~= '' and r.owner ~= ARGV[2] and (r.lease or 0) > now then return false end
r.owner = ARGV[2]
r.lease = now + tonumber(ARGV[4])
raw = cjson.encode(r)
redis.call('HSET', KEYS[1], ARGV[1], raw)
return raw
"""
# Change a record the caller holds: new fields (JSON), and the lease given up (ARGV[4] = '1') or kept.
_UPDATE = (
    _PRUNE
    + """
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local r = cjson.decode(raw)
if r.owner ~= ARGV[2] then return 0 end
for k, v in pairs(cjson.decode(ARGV[3])) do r[k] = v end
local now = tonumber(ARGV[5])
if r.state == 'recorded' or r.state == 'void' then r.done = now; r.owner = '' end
if ARGV[4] == '1' then r.owner = '' end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(r))
prune(KEYS[1], now, tonumber(ARGV[6]))
return 1
"""
)


class PendingPayments:
    """The Redis side of payments in flight. Made once in the app lifespan.

    Args:
        redis: The shared Redis client.
        prefix: The gateway's Redis key prefix.
        lease: How long a worker (a request, the reconciler) holds a record: longer than a charge and a
            FHIR write may take together.
        keep: How long finished records stay (longer than any request).
    """

    def __init__(
        self,
        redis: Redis,
        prefix: str,
        *,
        lease: timedelta = timedelta(seconds=120),
        keep: timedelta = timedelta(minutes=10),
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self.lease_ms = int(lease.total_seconds() * 1000)
        self.keep_ms = int(keep.total_seconds() * 1000)
        self._reserve = redis.register_script(_RESERVE)
        self._claim = redis.register_script(_CLAIM)
        self._update = redis.register_script(_UPDATE)

    def _key(self, patient_id: str) -> str:
        return f"{self._prefix}pay:patient:{patient_id}"

    @property
    def _open(self) -> str:
        return f"{self._prefix}pay:open"

    async def of_patient(self, patient_id: str) -> list[PendingPayment]:
        """Every record of the patient's (finished ones for ``keep``), oldest first."""
        stored = await self._redis.hvals(self._key(patient_id))
        return sorted((PendingPayment.from_json(raw) for raw in stored), key=lambda r: r.created)

    async def get(self, patient_id: str, marker: str) -> PendingPayment | None:
        raw = await self._redis.hget(self._key(patient_id), marker)
        return PendingPayment.from_json(raw) if raw is not None else None

    async def reserve(
        self, record: PendingPayment, *, owner: str, owed: Decimal, seen: Iterable[str], now_ms: int
    ) -> Reserved | Exceeds | Exists:
        """Write ``record`` (state ``charging``, held by ``owner``) unless it would pay more than is owed.

        Args:
            record: The new payment.
            owner: The worker that will charge it.
            owed: What FHIR says is owed (issued statements minus recorded payments), read just before.
            seen: The markers of the payments that read already counted (so they are not counted twice).
            now_ms: The clock, in milliseconds.
        """
        # Listed first: a crash between the two leaves an entry the reconciler drops, never a lost record.
        await self._redis.zadd(self._open, {f"{record.patient_id}:{record.marker}": now_ms})
        reply = await self._reserve(
            keys=[self._key(record.patient_id)],
            args=[
                record.marker,
                record.to_json(),
                int((owed / CENT).to_integral_value()),
                now_ms,
                self.keep_ms,
                self.lease_ms,
                owner,
                ",".join(seen),
            ],
        )
        status = _text(reply[0])
        if status == "ok":
            return Reserved()
        if status == "exists":
            return Exists(PendingPayment.from_json(reply[1]))
        await self._redis.zrem(self._open, f"{record.patient_id}:{record.marker}")
        return Exceeds(max(Decimal(_text(reply[1])) * CENT, Decimal(0)).quantize(CENT))

    async def claim(self, patient_id: str, marker: str, owner: str, now_ms: int) -> PendingPayment | None:
        """Hold the record for ``owner`` (``None`` when missing or held by another worker)."""
        raw = await self._claim(keys=[self._key(patient_id)], args=[marker, owner, now_ms, self.lease_ms])
        return PendingPayment.from_json(raw) if raw else None

    async def update(
        self, record: PendingPayment, owner: str, now_ms: int, *, release: bool = False, **changes: Any
    ) -> PendingPayment | None:
        """Change a record ``owner`` holds (``state``, ``transaction_id``...); ``None`` when not held.

        A finished record (recorded, void) leaves the open list.
        """
        changed = replace(record, **changes)
        fields = {name: _plain(value) for name, value in changes.items()}
        done = await self._update(
            keys=[self._key(record.patient_id)],
            args=[record.marker, owner, json.dumps(fields), "1" if release else "0", now_ms, self.keep_ms],
        )
        if not done:
            return None
        if changed.state not in OPEN:
            await self._redis.zrem(self._open, f"{record.patient_id}:{record.marker}")
        return changed

    async def open_payments(self, *, limit: int = 100) -> list[tuple[str, str]]:
        """``(patient id, marker)`` of the oldest unfinished payments (leases decide who works on each)."""
        members = await self._redis.zrange(self._open, 0, limit - 1)
        found = []
        for member in members:
            patient_id, _, marker = _text(member).rpartition(":")
            found.append((patient_id, marker))
        return found

    async def forget(self, patient_id: str, marker: str) -> None:
        """Drop an open-list entry whose record is finished or gone."""
        await self._redis.zrem(self._open, f"{patient_id}:{marker}")


def under_way(records: Sequence[PendingPayment], seen: Iterable[str]) -> list[PendingPayment]:
    """The records a balance read that counted ``seen`` must still subtract (what the Lua check adds up).

    Everything not void whose marker that read did not show: a payment under way, or recorded after it.
    """
    counted = set(seen)
    return [r for r in records if r.state != PendingState.VOID and r.marker not in counted]


def epoch_ms(moment: datetime) -> int:
    """A moment as the records' clock reads it (milliseconds since the epoch)."""
    return int(moment.timestamp() * 1000)


def _plain(value: Any) -> Any:
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    return value


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


@dataclass(frozen=True, slots=True)
class PaymentServices:
    """What payments need beyond FHIR, made once in the app lifespan.

    Attributes:
        pending: The pending-payment records.
        processor: The card processor.
    """

    pending: PendingPayments
    processor: PaymentProcessor
