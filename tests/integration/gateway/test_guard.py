"""The guard against the real HAPI server: compartments, restricted labels, the teen rule, capabilities."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from access import Capability, TeenPolicy
from fixtures import catalog
from resolvers.errors import ErrorCode, PublicError
from resolvers.guard import NotInScope
from tests.integration.gateway.access_support import AccessPortal, MakeContext


async def test_restricted_resources_are_hidden_from_proxies_only(
    access: AccessPortal, context_for: MakeContext
) -> None:
    f = access.family
    mine = await (await context_for("pat")).guard(f.patient("pat"), Capability.READ)
    spouse = await (await context_for("ro")).guard(f.patient("pat"), Capability.READ)
    assert {r.id for r in (await mine.search("Condition")).matches} == {
        f.plain_condition,
        f.restricted_condition,
    }
    assert {r.id for r in (await spouse.search("Condition")).matches} == {f.plain_condition}
    assert await mine.read("Condition", f.restricted_condition) is not None
    assert await spouse.read("Condition", f.restricted_condition) is None


async def test_fixture_restricted_records_are_hidden_from_the_lopez_proxies(
    access: AccessPortal, context_for: MakeContext
) -> None:
    # Daniel (READ_ONLY for Maria) and Maria (for Sofia, 15), with accounts on the fixture Persons.
    daniel = await access.portal.account("daniel", patient_id=catalog.DANIEL, person_id=catalog.DANIEL_PERSON)
    maria = await access.portal.account("maria", patient_id=catalog.MARIA, person_id=catalog.MARIA_PERSON)
    access.account_ids.update(daniel=daniel.id, maria=maria.id)
    as_daniel = await (await context_for("daniel")).guard(catalog.MARIA, Capability.READ)
    as_maria = await (await context_for("maria")).guard(catalog.SOFIA, Capability.READ)
    assert await as_daniel.read("Condition", catalog.RESTRICTED_CONDITION) is None
    assert await as_daniel.read("MedicationRequest", catalog.RESTRICTED_MEDICATION) is None
    assert await as_maria.read("Observation", catalog.RESTRICTED_OBSERVATION) is None
    conditions = await as_daniel.search("Condition")
    assert conditions.matches and catalog.RESTRICTED_CONDITION not in {r.id for r in conditions.matches}
    own = await (await context_for("maria")).guard(catalog.MARIA, Capability.READ)
    assert await own.read("Condition", catalog.RESTRICTED_CONDITION) is not None


async def test_teen_rule_hides_the_messages_the_teen_sent(
    access: AccessPortal, context_for: MakeContext
) -> None:
    f = access.family
    parent = await (await context_for("pat")).guard(f.patient("teen"), Capability.READ)
    ids = {r.id for r in (await parent.search("Communication")).matches}
    assert ids == {f"{f.run}-msg-teen-received"}
    assert await parent.read("Communication", f"{f.run}-msg-teen-sent") is None
    # Practice-configurable: a practice that lets parents see them.
    lenient = await (await context_for("pat", TeenPolicy(hide_sent_messages=False))).guard(
        f.patient("teen"), Capability.READ
    )
    assert len((await lenient.search("Communication")).matches) == 2


async def test_reads_outside_the_compartment_answer_like_missing_and_are_logged(
    access: AccessPortal, context_for: MakeContext, caplog: pytest.LogCaptureFixture
) -> None:
    f = access.family
    guard = await (await context_for("ro")).guard(f.patient("pat"), Capability.READ)
    with caplog.at_level(logging.INFO):
        assert await guard.read("Condition", "cond-maria-lopez-37796009") is None
        assert await guard.read("Condition", "no-such-condition") is None
        assert await guard.read("Patient", catalog.MARIA) is None  # never sent
    events = _dropped(caplog)
    assert [(e.resource_type, e.reason) for e in events] == [("Condition", "outside-compartment")]  # type: ignore[attr-defined]


async def test_included_resources_outside_the_compartment_are_dropped(
    access: AccessPortal, context_for: MakeContext, caplog: pytest.LogCaptureFixture
) -> None:
    f = access.family
    guard = await (await context_for("pat")).guard(f.patient("pat"), Capability.READ)
    with caplog.at_level(logging.INFO):
        # The proxies' Persons come back as _revincludes: other people's identities, never passed on.
        page = await guard.search(
            "RelatedPerson", revinclude=["Person:link"], include=["RelatedPerson:patient"]
        )
    assert {r.id for r in page.matches} == {f.rp("ro", "pat"), f.rp("sm", "pat"), f.rp("rv", "pat")}
    assert [r.reference for r in page.included] == [f"Patient/{f.patient('pat')}"]
    dropped = _dropped(caplog)
    assert len(dropped) == 3


async def test_searches_carry_the_patient_constraint_the_guard_sets(
    access: AccessPortal, context_for: MakeContext
) -> None:
    f = access.family
    guard = await (await context_for("pat")).guard(f.patient("pat"), Capability.READ)
    # The label rule is the guard's too: a caller's own _security:not could let restricted labels through.
    refused = ({"patient": "Patient/pat-maria-lopez"}, {"subject": "Patient/x"}, {"_security:not": "x|y"})
    for params in refused:
        with pytest.raises(ValueError, match="the guard sets"):
            await guard.search("Condition", params)
    with pytest.raises(ValueError, match="not a patient-compartment type"):
        await guard.search("Practitioner")


async def test_capabilities_and_scope_are_enforced(access: AccessPortal, context_for: MakeContext) -> None:
    f = access.family
    spouse = await context_for("ro")
    with pytest.raises(PublicError) as caught:
        await spouse.guard(f.patient("pat"), Capability.SCHEDULE)
    assert caught.value.code == ErrorCode.FORBIDDEN
    read_only = await spouse.guard(f.patient("pat"), Capability.READ)
    with pytest.raises(PublicError) as write:
        await read_only.create(
            {"resourceType": "Condition", "subject": {"reference": f"Patient/{f.patient('pat')}"}}
        )
    assert write.value.code == ErrorCode.FORBIDDEN
    stranger = await context_for("un")
    before = stranger.upstream_calls
    with pytest.raises(NotInScope):
        await stranger.guard(catalog.MARIA, Capability.READ)
    await stranger.scope()
    assert stranger.upstream_calls - before <= 2  # the scope only, never the patient
    directory = stranger.directory_reader()
    assert (await directory.search("Practitioner", count=1)).matches
    with pytest.raises(ValueError, match="not a directory type"):
        await directory.search("Condition")


async def test_a_cursor_replayed_from_another_session_is_rejected(
    access: AccessPortal, context_for: MakeContext
) -> None:
    f = access.family
    first, second = await context_for("pat"), await context_for("pat")
    cursor = (await first.cursors()).encode(f.patient("pat"), {"offset": 20})
    assert (await first.cursors()).decode_for(f.patient("pat"), cursor)["offset"] == 20
    with pytest.raises(PublicError) as caught:
        (await second.cursors()).decode_for(f.patient("pat"), cursor)
    assert caught.value.code == ErrorCode.BAD_USER_INPUT


def _dropped(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "event", None) == "guard.dropped"]


async def test_a_parental_grant_counts_until_the_18th_birthday(
    access: AccessPortal, context_for: MakeContext
) -> None:
    f = access.family
    clock = access.portal.clock
    today = clock.now()
    eighteenth = today - timedelta(days=30)  # ``grown`` turned 18 thirty days ago; the grant is older
    try:
        clock.set(eighteenth - timedelta(days=1))
        _, scope = await (await context_for("pat")).scope()
        grant = scope.grant_for(f.patient("grown"))
        assert grant is not None and grant.hide_sent_messages  # 17: a teen
        clock.set(eighteenth)
        _, scope = await (await context_for("pat")).scope()
        assert scope.grant_for(f.patient("grown")) is None
    finally:
        clock.set(today)
