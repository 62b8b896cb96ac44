"""argon2id hashing: format, verify, rehash detection, the dummy path for unknown users."""

from __future__ import annotations

from argon2 import extract_parameters

from auth.passwords import PasswordHasher
from auth.settings import AuthSettings

FAST = PasswordHasher(time_cost=1, memory_kib=64, parallelism=1)


def test_default_parameters_are_rfc_9106_low_memory() -> None:
    settings = AuthSettings()
    assert (settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism) == (
        3,
        65536,
        4,
    )


async def test_hash_is_argon2id_with_a_salt_and_verifies() -> None:
    first, second = await FAST.hash("correct horse battery"), await FAST.hash("correct horse battery")
    assert first.startswith("$argon2id$v=19$m=64,t=1,p=1$") and first != second
    assert (await FAST.verify(first, "correct horse battery")).ok
    assert not (await FAST.verify(first, "correct horse batterY")).ok


async def test_unicode_is_normalized_before_hashing() -> None:
    stored = await FAST.hash("caf\u00e9-au-lait-pw")  # é precomposed
    assert (await FAST.verify(stored, "cafe\u0301-au-lait-pw")).ok  # e + combining accent


async def test_rehash_is_flagged_for_other_parameters() -> None:
    stronger = PasswordHasher(time_cost=2, memory_kib=128, parallelism=1)
    old = await FAST.hash("correct horse battery")
    result = await stronger.verify(old, "correct horse battery")
    assert result.ok and result.needs_rehash
    assert not (await FAST.verify(old, "correct horse battery")).needs_rehash


async def test_missing_or_malformed_hash_never_matches() -> None:
    assert not (await FAST.verify(None, "anything")).ok
    assert not (await FAST.verify("not-a-hash", "anything")).ok
    assert not (await FAST.verify("$argon2id$v=19$m=64,t=1,p=1$AAAA$BBBB", "anything")).ok


def test_dummy_hash_has_the_cost_of_a_real_hash() -> None:
    # Same argon2 variant, version, memory, time and parallelism => a dummy verify does a real verify's
    # work (checked by construction, not by timing a busy machine).
    hasher = PasswordHasher(time_cost=2, memory_kib=8192, parallelism=1)
    stored = hasher.hash_sync("correct horse battery")
    assert extract_parameters(hasher._dummy) == extract_parameters(stored)
    assert not hasher.verify_sync(hasher._dummy, "correct horse battery").ok
