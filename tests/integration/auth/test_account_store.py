"""RedisAccountStore against a real Redis: uniqueness, atomicity, optimistic concurrency, indexes."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from auth import (
    Account,
    AccountNotFound,
    AccountStatus,
    PatientAlreadyEnrolled,
    RedisAccountStore,
    StaleAccount,
    UsernameTaken,
)
from auth.accounts import modify, new_account_id

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def account(
    username: str = "ana.lopez", patient: str = "pat-ana", email: str = "ana@example.test"
) -> Account:
    return Account(
        id=new_account_id(),
        username=username,
        patient_id=patient,
        email=email,
        password_hash="$argon2id$fake",
        status=AccountStatus.ACTIVE,
        created_at=NOW,
    )


@pytest.fixture
def store(redis: Redis, prefix: str) -> RedisAccountStore:
    return RedisAccountStore(redis, prefix)


async def test_create_and_read_back_by_id_username_patient_email(store: RedisAccountStore) -> None:
    created = await store.create(account())
    assert await store.get(created.id) == created
    assert await store.by_username("ana.lopez") == created
    assert await store.by_patient("pat-ana") == created
    assert await store.by_email("ana@example.test") == [created]
    assert await store.get("acc_missing") is None
    assert await store.by_username("nobody") is None


async def test_username_taken_and_patient_enrolled_once(
    store: RedisAccountStore, redis: Redis, prefix: str
) -> None:
    await store.create(account())
    before = sorted([key async for key in redis.scan_iter(match=prefix + "*")])
    with pytest.raises(UsernameTaken):
        await store.create(account(patient="pat-other"))
    with pytest.raises(PatientAlreadyEnrolled):
        await store.create(account(username="someone.else"))
    # Nothing half-written: the failed creates left no account and no index entry.
    assert sorted([key async for key in redis.scan_iter(match=prefix + "*")]) == before


async def test_concurrent_creates_of_one_username_exactly_one_wins(store: RedisAccountStore) -> None:
    candidates = [account(patient=f"pat-{i}", email=f"p{i}@example.test") for i in range(8)]
    outcomes = await asyncio.gather(*(store.create(c) for c in candidates), return_exceptions=True)
    winners = [o for o in outcomes if isinstance(o, Account)]
    assert len(winners) == 1
    assert all(isinstance(o, UsernameTaken) for o in outcomes if not isinstance(o, Account))
    assert (await store.by_username("ana.lopez")) == winners[0]
    for loser in (c for c in candidates if c.id != winners[0].id):
        assert await store.get(loser.id) is None
        assert await store.by_patient(loser.patient_id) is None


async def test_save_is_optimistic_and_bumps_the_version(store: RedisAccountStore) -> None:
    created = await store.create(account())
    saved = await store.save(created.evolve(totp_enabled=True))
    assert saved.version == created.version + 1
    with pytest.raises(StaleAccount):
        await store.save(created.evolve(totp_enabled=False))  # based on the old version
    assert (await store.get(created.id)) == saved
    with pytest.raises(AccountNotFound):
        await store.save(account(username="ghost", patient="pat-ghost"))


async def test_save_moves_the_username_and_email_indexes(store: RedisAccountStore) -> None:
    created = await store.create(account())
    other = await store.create(account(username="taken.name", patient="pat-2", email="two@example.test"))
    renamed = await store.save(created.evolve(username="ana.new", email="new@example.test"))
    assert await store.by_username("ana.lopez") is None
    assert await store.by_username("ana.new") == renamed
    assert await store.by_email("ana@example.test") == []
    assert await store.by_email("new@example.test") == [renamed]
    with pytest.raises(UsernameTaken):
        await store.save(renamed.evolve(username="taken.name"))
    assert await store.by_username("taken.name") == other


async def test_modify_retries_on_conflict_and_can_refuse(store: RedisAccountStore) -> None:
    created = await store.create(account())
    calls = 0

    def bump(current: Account) -> Account:
        nonlocal calls
        calls += 1
        return current.evolve(totp_last_counter=current.totp_last_counter + 1)

    results = await asyncio.gather(*(modify(store, created.id, bump) for _ in range(5)))
    assert all(r is not None for r in results)
    final = await store.get(created.id)
    assert final is not None and final.totp_last_counter == created.totp_last_counter + 5
    assert calls >= 5
    assert await modify(store, created.id, lambda current: None) is None
    assert await modify(store, "acc_missing", bump) is None


async def test_delete_removes_record_and_indexes(store: RedisAccountStore) -> None:
    created = await store.create(account())
    assert await store.delete(created.id)
    assert not await store.delete(created.id)
    assert await store.by_username("ana.lopez") is None
    assert await store.by_patient("pat-ana") is None
    assert await store.by_email("ana@example.test") == []
    await store.create(dataclasses.replace(account(), id=new_account_id()))  # the name is free again
