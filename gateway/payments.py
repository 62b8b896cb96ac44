"""The gateway's side of payments: the processor and pending records made from the settings, the reconciler.

The reconciler finishes what requests could not (docs/billing.md, "Crash safety"): it runs in every gateway
process (the app lifespan) and once from ``python -m gateway reconcile-payments``. It writes through a guard
for each payment's patient (``resolvers.guard.work_guard``), like the request that began the payment.
"""

from __future__ import annotations

from datetime import timedelta

from redis.asyncio import Redis

import auth
from access import Capability
from fhir_client import FhirClient
from resolvers.guard import PatientGuard, work_guard
from resolvers.pending_payments import PaymentServices, PendingPayments
from resolvers.processors import load_processor
from resolvers.reconciler import Reconciler, ReconcileReport

from .settings import Settings


def payment_services(settings: Settings, redis: Redis) -> PaymentServices | None:
    """The processor and pending records, or ``None`` when no processor is configured (no payments).

    Raises:
        ValueError: ``PORTAL_PAYMENT_PROCESSOR`` names no usable processor.
    """
    spec = settings.payment_processor_spec
    if spec is None:
        return None
    timeout = settings.payment_processor_timeout_seconds
    processor = load_processor(spec, redis=redis, prefix=settings.auth_key_prefix, timeout=timeout)
    # A worker holds a payment longer than a charge and a FHIR write can take together.
    lease = timedelta(seconds=2 * (timeout + settings.fhir_deadline))
    return PaymentServices(PendingPayments(redis, settings.auth_key_prefix, lease=lease), processor)


def reconciler(
    settings: Settings, services: PaymentServices, fhir: FhirClient, service: auth.Auth
) -> Reconciler:
    """The reconciler over the root FHIR client (each pass gets its own loaders)."""

    def guard_for(patient_id: str) -> PatientGuard:
        client = fhir.for_request("payments")
        return work_guard(client, patient_id, Capability.PAY, service.events, "payment-reconciler")

    return Reconciler(services, guard_for, service.clock, settings.practice_rules())


async def reconcile_once(settings: Settings) -> ReconcileReport | None:
    """One reconciler pass (``python -m gateway reconcile-payments``); ``None`` without a processor."""
    from .app import services  # the app module builds the shared clients; imported late to avoid a cycle

    async with services(settings, background=False) as state:
        payments = state["payments"]
        if payments is None:
            return None
        return await reconciler(settings, payments, state["fhir"], state["auth"]).run_once()
