"""Password (and security-answer) hashing with argon2id.

Parameters (``AuthSettings.argon2_*``) default to RFC 9106's second recommended option, the "low-memory"
profile that argon2-cffi ships as its default: argon2id, t=3 passes, m=64 MiB, p=4 lanes, 16-byte salt,
32-byte tag. That is above OWASP's Password Storage Cheat Sheet minimum (m=19 MiB, t=2, p=1) and costs about
0.17 s per hash on the 2-core development machine. Tests pass cheaper parameters; hashes made with other
parameters still verify and are flagged for rehash at the next successful sign-in.

Input is NFKC-normalized before hashing (NIST 800-63B 5.1.1.2: normalize Unicode so that the same password
typed on two keyboards verifies). Hashing runs in a worker thread: argon2 releases the GIL, so the event loop
keeps serving other requests meanwhile.
"""

from __future__ import annotations

import asyncio
import secrets
import unicodedata
from dataclasses import dataclass

from argon2 import PasswordHasher as _Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of a verify.

    Attributes:
        ok: The password matched.
        needs_rehash: It matched, but the stored hash uses other parameters: store a fresh hash.
    """

    ok: bool
    needs_rehash: bool = False


class PasswordHasher:
    """argon2id hashing with a constant-time path for unknown users.

    Args:
        time_cost: argon2 passes.
        memory_kib: argon2 memory in KiB.
        parallelism: argon2 lanes.
    """

    def __init__(self, *, time_cost: int = 3, memory_kib: int = 65536, parallelism: int = 4) -> None:
        self._argon2 = _Argon2(
            time_cost=time_cost,
            memory_cost=memory_kib,
            parallelism=parallelism,
            hash_len=32,
            salt_len=16,
            type=Type.ID,
        )
        # A hash of a random secret nobody knows: verifying against it costs what a real verify costs
        # (ASVS 5.0 6.3.8: unknown users must not be told apart by response time).
        self._dummy = self._argon2.hash(secrets.token_urlsafe(24))

    def hash_sync(self, secret: str) -> str:
        """Hash ``secret`` (NFKC-normalized) in the calling thread."""
        return self._argon2.hash(_normalized(secret))

    def verify_sync(self, stored_hash: str, secret: str) -> Verification:
        """Verify ``secret`` against ``stored_hash`` in this thread (a malformed hash never matches)."""
        try:
            self._argon2.verify(stored_hash, _normalized(secret))
        except (VerificationError, InvalidHashError):
            return Verification(ok=False)
        return Verification(ok=True, needs_rehash=self._argon2.check_needs_rehash(stored_hash))

    async def hash(self, secret: str) -> str:
        """Hash ``secret`` in a worker thread.

        Args:
            secret: A password or a normalized security answer.

        Returns:
            The encoded argon2id hash (``$argon2id$v=19$m=...``).
        """
        return await asyncio.to_thread(self.hash_sync, secret)

    async def verify(self, stored_hash: str | None, secret: str) -> Verification:
        """Verify ``secret`` against ``stored_hash``; with no hash, spend the same time and fail.

        Args:
            stored_hash: The stored hash, or ``None`` when there is no account (or no answer) to check.
            secret: What the user typed.

        Returns:
            Whether it matched and whether the hash should be replaced.
        """
        if stored_hash is None:
            await asyncio.to_thread(self.verify_sync, self._dummy, secret)
            return Verification(ok=False)
        return await asyncio.to_thread(self.verify_sync, stored_hash, secret)

    async def waste(self, secret: str) -> None:
        """Spend one verify's time on a dummy hash (for paths that must cost what a real check costs)."""
        await self.verify(None, secret)


def _normalized(secret: str) -> str:
    return unicodedata.normalize("NFKC", secret)
