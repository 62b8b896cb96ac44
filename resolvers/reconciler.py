"""The reconciler: finishes the payments no request finished (docs/billing.md, "Crash safety").

It records what was charged and voids what never was. Every gateway process runs it (the app lifespan)
and ``python -m gateway reconcile-payments`` runs one pass; the record leases keep two workers off one
payment, and its FHIR record is conditional on its marker anyway.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from auth import Clock
from fhir_client import FhirError

from .errors import WriteConflict
from .guard import PatientGuard
from .payment_records import record_payment
from .pending_payments import PaymentServices, PendingPayment, PendingState, epoch_ms
from .practice import PracticeRules
from .processors import Charged, Declined, ProcessorUnavailable

log = logging.getLogger("resolvers.reconciler")


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    """What one pass of the reconciler did."""

    recorded: int = 0
    voided: int = 0
    waiting: int = 0


class Reconciler:
    """Finishes the payments no request finished: records what was charged, voids what never was.

    Every gateway process runs it (the app lifespan) and ``python -m gateway reconcile-payments`` runs one
    pass. A payment is worked on only by the holder of its lease, so processes never do one twice, and its
    FHIR record is conditional on its marker anyway.

    Args:
        services: The pending records and the processor.
        guard_for: A guard for one patient's record (``resolvers.guard.work_guard``).
        clock: The time source.
        practice: The practice's rules (its local date is the payment date).
        void_after: A payment whose charge the processor does not know of is voided only this long after it
            was written (a charge request may still arrive at the processor late).
    """

    def __init__(
        self,
        services: PaymentServices,
        guard_for: Callable[[str], PatientGuard],
        clock: Clock,
        practice: PracticeRules,
        *,
        void_after: timedelta = timedelta(minutes=15),
    ) -> None:
        self._services = services
        self._guard_for = guard_for
        self._clock = clock
        self._practice = practice
        self._void_after = void_after
        self._owner = f"reconciler-{uuid.uuid4().hex}"

    async def run_once(self) -> ReconcileReport:
        """One pass over the unfinished payments."""
        store = self._services.pending
        done = {"recorded": 0, "voided": 0, "waiting": 0}
        for patient_id, marker in await store.open_payments():
            held = await store.claim(patient_id, marker, self._owner, self._now())
            if held is None:
                if await store.get(patient_id, marker) is None:
                    await store.forget(patient_id, marker)  # listed, but its record never got written
                else:
                    done["waiting"] += 1  # a request is still working on it
            elif held.state not in (PendingState.CHARGING, PendingState.CHARGED):
                await store.update(held, self._owner, self._now(), release=True)
                await store.forget(patient_id, marker)  # finished; only its open-list entry was left
            else:
                done[await self._finish(held)] += 1
        if done["recorded"] or done["voided"]:
            log.info("payments reconciled", extra={"recorded": done["recorded"], "voided": done["voided"]})
        return ReconcileReport(**done)

    def _now(self) -> int:
        return epoch_ms(self._clock.now())

    async def _finish(self, record: PendingPayment) -> str:
        store = self._services.pending
        try:
            if record.state == PendingState.CHARGING:
                settled = await self._settle(record)
                if isinstance(settled, str):
                    return settled
                record = settled
            payment = await record_payment(self._guard_for(record.patient_id), record)
        except (ProcessorUnavailable, FhirError, WriteConflict) as exc:
            log.warning(
                "payment not reconciled yet",
                extra={"marker": record.marker, "error_class": type(exc).__name__},
            )
            await store.update(record, self._owner, self._now(), release=True)
            return "waiting"
        await store.update(
            record, self._owner, self._now(), state=PendingState.RECORDED, payment_id=payment.id
        )
        return "recorded"

    async def _settle(self, record: PendingPayment) -> PendingPayment | str:
        # Written before a charge whose answer never came: ask the processor what it did with the key.
        store = self._services.pending
        found = await self._services.processor.find(record.marker)
        if isinstance(found, Charged):
            paid_on = self._practice.local(record.created).date().isoformat()
            charged = await store.update(
                record,
                self._owner,
                self._now(),
                state=PendingState.CHARGED,
                transaction_id=found.transaction_id,
                paid_on=paid_on,
            )
            return charged or "waiting"
        if isinstance(found, Declined) or self._clock.now() - record.created >= self._void_after:
            await store.update(record, self._owner, self._now(), state=PendingState.VOID)
            return "voided"
        await store.update(record, self._owner, self._now(), release=True)  # may still reach the processor
        return "waiting"
