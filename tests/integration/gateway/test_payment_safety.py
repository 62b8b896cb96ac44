"""Payments that are never lost or taken twice: bad amounts, a declined card, retries in sequence and at the
same moment over two gateway processes, the card processor or FHIR failing at every step, a crash before
the charge, a Redis restart, and no card token in any log line."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from auth import SystemClock
from fhir_client import FhirClient
from gateway.payments import reconciler
from resolvers.pending_payments import (
    PaymentServices,
    PendingPayment,
    PendingPayments,
    PendingState,
    epoch_ms,
)
from resolvers.processors import Charged, ChargeRequest, TestProcessor
from tests.integration.auth.helpers import SmtpSink
from tests.integration.gateway.access_support import AccessPortal, StartAccess, new_key
from tests.integration.gateway.billing_support import (
    DECLINED,
    PAY,
    SUCCESS,
    TIMEOUT,
    UNAVAILABLE,
    Billing,
    recorded_payments,
    usd,
)
from tests.integration.gateway.portal import second_process
from tests.integration.gateway.test_production_logs import Everything, everything
from tests.support.servers import RedisServer, TcpRelay, settings_environment

pytestmark = pytest.mark.integration
__all__ = ["everything"]  # the log-capturing fixture, used below


@pytest.fixture
def office(access: AccessPortal, fhir_base_url: str) -> Billing:
    return Billing(access, fhir_base_url)


def _reconciler(access: AccessPortal, fhir: FhirClient, **overrides: Any) -> Any:
    """The reconciler a gateway process runs, over ``fhir`` (the test's view of the EHR)."""
    portal = access.portal
    settings = portal.settings.model_copy(update=overrides)
    services = PaymentServices(
        PendingPayments(portal.redis, settings.auth_key_prefix),
        TestProcessor(portal.redis, settings.auth_key_prefix),
    )
    return reconciler(settings, services, fhir, portal.auth)


def _written(access: AccessPortal, amount: str, created: datetime) -> PendingPayment:
    """A pending payment of the family's patient against its statement, as a request writes it."""
    patient = access.family.patient("pat")
    allocation = ((access.family.invoice, Decimal(amount)),)
    return PendingPayment(
        uuid.uuid4().hex, patient, f"Patient/{patient}", Decimal(amount), "USD", allocation, created
    )


async def test_bad_amounts_are_refused_and_nothing_is_written_or_charged(
    access: AccessPortal, office: Billing
) -> None:
    patient = access.family.patient("pat")
    await office.token("pat")
    for amount, currency in (
        ("0.00", "USD"),
        ("-5.00", "USD"),
        ("1.005", "USD"),
        ("NaN", "USD"),
        ("5", "EUR"),
    ):
        access.recorder.clear()
        reply = await access.gql(
            PAY,
            {
                "patient": patient,
                "amount": {"value": amount, "currency": currency},
                "token": SUCCESS,
                "key": new_key(),
            },
            token=await office.token("pat"),
        )
        assert reply.data("makePayment")["__typename"] == "InvalidAmount", (amount, reply.body)
        assert access.recorder.requests == []
    over = await office.pay(patient, "30.01")
    assert over == {**over, "__typename": "AmountExceedsBalance", "payable": {"value": "30.00"}}
    for bad in ({"token": "4111 1111 1111 1111"}, {"key": "short"}, {"patient": "../Patient/x"}):
        variables = {"patient": patient, "amount": usd("1.00"), "token": SUCCESS, "key": new_key(), **bad}
        reply = await access.gql(PAY, variables, token=await office.token("pat"))
        assert reply.codes == ["BAD_USER_INPUT"] and "4111" not in str(reply.body)
    assert await office.charges() == [] and recorded_payments(office.fhir_base_url, patient) == []
    # Refused before a pending payment was written (the overpayment's answer is kept for its key, as any).
    assert [k for k in await access.portal.keys() if b":pay:" in k] == []


async def test_a_declined_card_charges_nothing_and_records_nothing(
    access: AccessPortal, office: Billing
) -> None:
    patient = access.family.patient("pat")
    declined = await office.pay(patient, "10.00", token=DECLINED)
    assert declined == {
        **declined,
        "__typename": "PaymentDeclined",
        "reason": "card_declined",
        "code": "PAYMENT_DECLINED",
    }
    unknown = await office.pay(patient, "10.00", token="tok_someone_elses")
    assert unknown["reason"] == "invalid_token"
    assert await office.charges() == [] and recorded_payments(office.fhir_base_url, patient) == []
    billing = await office.billing(patient)
    assert billing["balance"]["payable"] == {"value": "30.00"} and billing["pendingPayments"] == []


async def test_the_processor_unavailable_before_charging_is_an_error_and_charges_nothing(
    access: AccessPortal, office: Billing
) -> None:
    patient = access.family.patient("pat")
    variables = {"patient": patient, "amount": usd("10.00"), "token": UNAVAILABLE, "key": new_key()}
    for _ in range(2):  # the retry with the same key tries again (nothing was charged)
        reply = await access.gql(PAY, variables, token=await office.token("pat"))
        assert reply.codes == ["UPSTREAM_UNAVAILABLE"]
    assert await office.charges() == [] and (await office.balance(patient))["payable"] == Decimal("30.00")


async def test_a_retry_with_the_same_key_charges_once_and_records_once(
    access: AccessPortal, office: Billing
) -> None:
    patient, key = access.family.patient("pat"), new_key()
    await office.token("pat")
    access.recorder.clear()
    first = await office.pay(patient, "12.34", key=key)
    # One search for the balance, one transaction for the record (the Task and its PaymentReconciliation).
    assert sorted(f"{r.method} {r.url.split('?')[0]}" for r in access.recorder.requests) == [
        "GET /fhir/Invoice",
        "POST /fhir",
    ]
    access.recorder.clear()
    again = await office.pay(patient, "12.34", key=key)
    assert first["__typename"] == "PaymentSucceeded" and again == first and access.recorder.requests == []
    other = await office.pay(patient, "1.00", key=key)  # the same key for another request
    assert other["__typename"] == "IdempotencyKeyReused"
    assert len(await office.charges()) == 1
    (recorded,) = recorded_payments(office.fhir_base_url, patient)
    assert recorded["id"] == first["payment"]["id"] and recorded["paymentAmount"]["value"] == 12.34
    assert (await office.balance(patient))["owed"] == Decimal("17.66")


async def test_the_same_payment_at_the_same_moment_over_two_gateway_processes_charges_once(
    access: AccessPortal, office: Billing, smtp: SmtpSink
) -> None:
    patient, token = access.family.patient("pat"), await office.token("pat")
    async with second_process(access.portal, smtp.port) as (other, _):
        gateways = (access.portal, other) * 5
        same = {"patient": patient, "amount": usd("10.00"), "token": SUCCESS, "key": new_key()}
        replies = await asyncio.gather(*(g.gql(PAY, same, token=token) for g in gateways))
        results = [r.data("makePayment") for r in replies]
        assert {r["__typename"] for r in results} == {"PaymentSucceeded"}
        assert len({r["payment"]["id"] for r in results}) == 1
        # Different requests for the whole balance at the same moment: exactly one is paid.
        whole = [
            {"patient": patient, "amount": usd("20.00"), "token": SUCCESS, "key": new_key()} for _ in gateways
        ]
        replies = await asyncio.gather(
            *(g.gql(PAY, v, token=token) for g, v in zip(gateways, whole, strict=True))
        )
        kinds = sorted(r.data("makePayment")["__typename"] for r in replies)
    assert kinds == ["AmountExceedsBalance"] * 9 + ["PaymentSucceeded"]
    assert len(await office.charges()) == 2
    assert len(recorded_payments(office.fhir_base_url, patient)) == 2
    assert await office.balance(patient) == {"owed": 0, "pending": 0, "payable": 0}


async def test_charged_then_fhir_down_ends_in_one_recorded_payment_and_no_second_charge(
    access: AccessPortal, office: Billing, fhir_base_url: str, fhir_relay: TcpRelay
) -> None:
    patient, key = access.family.patient("pat"), new_key()
    await office.token("pat")
    access.recorder.refuse_next("POST")  # the reads work, the FHIR record is refused: charged, not recorded
    pending = await office.pay(patient, "25.00", key=key)
    assert pending["__typename"] == "PaymentPending" and pending["payment"]["status"] == "CHARGED"
    billing = await office.billing(patient)
    assert billing["balance"] == {
        "owed": usd("30.00"),
        "pending": {"value": "25.00"},
        "payable": {"value": "5.00"},
    }
    assert [p["id"] for p in billing["pendingPayments"]] == [pending["payment"]["id"]]
    # The patient tries again meanwhile: the same key answers the same, a new one cannot pay it twice.
    assert await office.pay(patient, "25.00", key=key) == pending
    assert (await office.pay(patient, "25.00"))["__typename"] == "AmountExceedsBalance"
    assert len(await office.charges()) == 1 and recorded_payments(fhir_base_url, patient) == []

    await fhir_relay.stop()  # the EHR is still away for the reconciler
    async with httpx.AsyncClient(timeout=5) as http:
        away = _reconciler(access, FhirClient(http, fhir_relay.relayed(fhir_base_url)))
        assert (await away.run_once()).waiting == 1  # it stays pending
        await fhir_relay.start()
        report = await away.run_once()
    assert (report.recorded, report.waiting) == (1, 0)
    (recorded,) = recorded_payments(fhir_base_url, patient)
    assert recorded["paymentAmount"]["value"] == 25.0
    billing = await office.billing(patient)
    assert billing["pendingPayments"] == [] and billing["balance"]["owed"] == usd("5.00")
    assert [p["id"] for p in billing["payments"]["nodes"]] == [recorded["id"]]
    assert len(await office.charges()) == 1


async def test_a_lost_fhir_answer_and_a_timed_out_charge_are_each_recorded_once(
    access: AccessPortal, office: Billing, fhir_base_url: str
) -> None:
    patient = access.family.patient("pat")
    await office.token("pat")
    access.recorder.lose_next_answer("POST")  # HAPI records it, the gateway never hears
    lost = await office.pay(patient, "4.00")
    assert lost["__typename"] == "PaymentPending"
    timed_out = await office.pay(patient, "6.00", token=TIMEOUT)  # charged, the processor's answer lost
    assert timed_out["__typename"] == "PaymentPending" and timed_out["payment"]["status"] == "PROCESSING"
    assert (await office.balance(patient))["payable"] == Decimal("20.00")
    async with httpx.AsyncClient(timeout=20) as http:
        report = await _reconciler(access, FhirClient(http, fhir_base_url)).run_once()
    assert report.recorded == 2
    amounts = sorted(p["paymentAmount"]["value"] for p in recorded_payments(fhir_base_url, patient))
    assert amounts == [4.0, 6.0] and len(await office.charges()) == 2
    assert await office.balance(patient) == {
        "owed": Decimal("20.00"),
        "pending": 0,
        "payable": Decimal("20.00"),
    }


async def test_a_crash_before_the_charge_is_voided_and_the_balance_restored(
    access: AccessPortal, office: Billing
) -> None:
    patient = access.family.patient("pat")
    portal = access.portal
    store = PendingPayments(portal.redis, portal.settings.auth_key_prefix, lease=timedelta(seconds=0))
    record = _written(access, "8.00", SystemClock().now() - timedelta(minutes=20))
    await store.reserve(
        record, owner="dead-process", owed=Decimal("30.00"), seen=(), now_ms=epoch_ms(record.created)
    )
    # Written before the charge, then the process died: it counts until it is settled.
    assert (await office.balance(patient))["payable"] == Decimal("22.00")
    async with httpx.AsyncClient(timeout=20) as http:
        report = await _reconciler(access, FhirClient(http, office.fhir_base_url)).run_once()
    assert report.voided == 1 and await office.charges() == []
    assert (await office.balance(patient))["payable"] == Decimal("30.00")


async def test_a_pending_payment_survives_a_redis_restart_with_aof(
    access: AccessPortal, fhir_base_url: str, aof_redis: RedisServer
) -> None:
    server = aof_redis  # removed by the fixture, failing or not
    patient, prefix = access.family.patient("pat"), access.portal.settings.auth_key_prefix
    redis = Redis.from_url(server.url)
    store, processor = PendingPayments(redis, prefix), TestProcessor(redis, prefix)
    record = _written(access, "3.00", SystemClock().now())
    now_ms = epoch_ms(record.created)
    await store.reserve(record, owner="gone", owed=Decimal("30.00"), seen=(), now_ms=now_ms)
    charged = await processor.charge(ChargeRequest(record.marker, record.amount, "USD", SUCCESS, "test"))
    assert isinstance(charged, Charged)
    await store.update(
        record,
        "gone",
        now_ms,
        release=True,
        state=PendingState.CHARGED,
        transaction_id=charged.transaction_id,
    )
    await redis.aclose()
    await server.stop()  # a restart of Redis (it fsyncs the AOF on a clean stop; everysec otherwise)
    await server.start()
    redis = Redis.from_url(server.url)
    services = PaymentServices(PendingPayments(redis, prefix), TestProcessor(redis, prefix))
    async with httpx.AsyncClient(timeout=20) as http:
        finishing = reconciler(
            access.portal.settings, services, FhirClient(http, fhir_base_url), access.portal.auth
        )
        assert (await finishing.run_once()).recorded == 1
    await redis.aclose()
    (recorded,) = recorded_payments(fhir_base_url, patient)
    assert recorded["identifier"][0]["value"] == charged.transaction_id


async def test_a_full_payment_run_logs_no_card_token(
    access: AccessPortal, office: Billing, fhir_base_url: str, everything: Everything
) -> None:
    patient = access.family.patient("pat")
    assert (await office.pay(patient, "1.00"))["__typename"] == "PaymentSucceeded"
    access.recorder.refuse_next("POST")
    assert (await office.pay(patient, "2.00"))["__typename"] == "PaymentPending"
    assert (await office.pay(patient, "3.00", token=TIMEOUT))["__typename"] == "PaymentPending"
    assert (await office.pay(patient, "4.00", token=DECLINED))["__typename"] == "PaymentDeclined"
    await office.billing(patient)
    async with httpx.AsyncClient(timeout=20) as http:
        assert (await _reconciler(access, FhirClient(http, fhir_base_url)).run_once()).recorded == 2
    assert len(everything.lines) > 10, "the run was logged"
    tokens = (SUCCESS, TIMEOUT, DECLINED, "tok_test")
    leaks = [line[:300] for line in everything.lines if any(t in line for t in tokens)]
    assert not leaks, "\n".join(leaks[:5])


async def test_every_gateway_process_finishes_pending_payments_in_the_background(
    start_access: StartAccess, fhir_base_url: str
) -> None:
    async with start_access(payment_reconcile_interval_seconds=0.2) as access:
        office = Billing(access, fhir_base_url)
        patient = access.family.patient("pat")
        await office.token("pat")
        access.recorder.refuse_next("POST")
        assert (await office.pay(patient, "9.00"))["__typename"] == "PaymentPending"
        for _ in range(100):  # the reconciler runs every 0.2 s
            if recorded_payments(fhir_base_url, patient):
                break
            await asyncio.sleep(0.1)
        assert (await office.billing(patient))["pendingPayments"] == []
    assert len(recorded_payments(fhir_base_url, patient)) == 1


async def test_the_command_line_reconciles_once(
    access: AccessPortal, office: Billing, fhir_base_url: str
) -> None:
    patient = access.family.patient("pat")
    await office.token("pat")
    access.recorder.refuse_next("POST")
    assert (await office.pay(patient, "2.50"))["__typename"] == "PaymentPending"
    # The command reaches HAPI directly (not through the test's recorder, which refuses nothing now anyway).
    env = {
        **os.environ,
        **settings_environment(access.portal.settings),
        "PORTAL_FHIR_BASE_URL": fhir_base_url,
    }
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "gateway", "reconcile-payments"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "payments: 1 recorded, 0 voided, 0 still pending\n"
    assert len(recorded_payments(fhir_base_url, patient)) == 1
