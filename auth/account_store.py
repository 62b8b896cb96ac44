"""``RedisAccountStore``: accounts in Redis, with atomic uniqueness (one Lua script per write).

Layout under the key prefix::

    account:<id>            JSON of Account.to_json()
    username:<canonical>    -> account id   (uniqueness of usernames, case-insensitive)
    patient:<patient id>    -> account id   (one account per Patient)
    email:<canonical>       SET of account ids (username recovery)

Each write is one Lua script, which Redis runs atomically: the uniqueness checks and every key of the write
happen together or not at all, so two concurrent creates of one username leave exactly one account and no
orphaned index entry. Production runs Redis with AOF persistence (docs/auth.md); the scripts build some keys
from the prefix, so this store is for a single Redis (or one Cluster slot), not a sharded Cluster.
"""

from __future__ import annotations

import json

from ._redis import Keys, Redis, load_json, strings, text
from .accounts import Account
from .errors import AccountNotFound, PatientAlreadyEnrolled, StaleAccount, UsernameTaken

_CREATE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 'ACCOUNT' end
if redis.call('EXISTS', KEYS[2]) == 1 then return 'USERNAME' end
if redis.call('EXISTS', KEYS[3]) == 1 then return 'PATIENT' end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SET', KEYS[3], ARGV[2])
redis.call('SADD', KEYS[4], ARGV[2])
return 'OK'
"""

# KEYS[1] account; ARGV: expected version, new JSON, id, key prefix, new username, new email
_SAVE = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 'MISSING' end
local old = cjson.decode(raw)
if tonumber(old['version']) ~= tonumber(ARGV[1]) then return 'STALE' end
local p, id = ARGV[4], ARGV[3]
if old['username'] ~= ARGV[5] then
  local owner = redis.call('GET', p .. 'username:' .. ARGV[5])
  if owner and owner ~= id then return 'USERNAME' end
  redis.call('SET', p .. 'username:' .. ARGV[5], id)
  redis.call('DEL', p .. 'username:' .. old['username'])
end
if old['email'] ~= ARGV[6] then
  redis.call('SREM', p .. 'email:' .. old['email'], id)
  redis.call('SADD', p .. 'email:' .. ARGV[6], id)
end
redis.call('SET', KEYS[1], ARGV[2])
return 'OK'
"""

# KEYS[1] account; ARGV: id, key prefix
_DELETE = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local old = cjson.decode(raw)
local p, id = ARGV[2], ARGV[1]
for _, key in ipairs({p .. 'username:' .. old['username'], p .. 'patient:' .. old['patient_id']}) do
  if redis.call('GET', key) == id then redis.call('DEL', key) end
end
redis.call('SREM', p .. 'email:' .. old['email'], id)
redis.call('DEL', KEYS[1])
return 1
"""


class RedisAccountStore:
    """The ``AccountStore`` over ``redis.asyncio``.

    Args:
        redis: The shared Redis client (made once in the app lifespan).
        prefix: Key prefix (``AuthSettings.key_prefix``).
    """

    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._key = Keys(prefix)
        self._prefix = prefix
        self._create = redis.register_script(_CREATE)
        self._save = redis.register_script(_SAVE)
        self._delete = redis.register_script(_DELETE)

    async def create(self, account: Account) -> Account:
        """Store a new account atomically (see ``AccountStore.create``)."""
        keys = [
            self._key("account", account.id),
            self._key("username", account.username),
            self._key("patient", account.patient_id),
            self._key("email", account.email),
        ]
        outcome = text(await self._create(keys=keys, args=[_dump(account), account.id]))
        if outcome == "USERNAME":
            raise UsernameTaken("that username is taken")
        if outcome == "PATIENT":
            raise PatientAlreadyEnrolled("this patient already has a portal account")
        if outcome != "OK":
            raise StaleAccount("an account with this id exists")
        return account

    async def get(self, account_id: str) -> Account | None:
        """The account with ``account_id``, or ``None``."""
        data = load_json(await self._redis.get(self._key("account", account_id)))
        return None if data is None else Account.from_json(data)

    async def by_username(self, username: str) -> Account | None:
        """The account with this canonical username, or ``None``."""
        return await self._by_index(self._key("username", username))

    async def by_patient(self, patient_id: str) -> Account | None:
        """The account of this Patient, or ``None``."""
        return await self._by_index(self._key("patient", patient_id))

    async def by_email(self, email: str) -> list[Account]:
        """The accounts with this canonical email, in id order."""
        ids = sorted(strings(await self._redis.smembers(self._key("email", email))))
        found = [await self.get(account_id) for account_id in ids]
        return [account for account in found if account is not None]

    async def save(self, account: Account) -> Account:
        """Write ``account`` with optimistic concurrency (see ``AccountStore.save``)."""
        saved = account.evolve(version=account.version + 1)
        args: list[str | int] = [
            account.version,
            _dump(saved),
            account.id,
            self._prefix,
            account.username,
            account.email,
        ]
        outcome = text(await self._save(keys=[self._key("account", account.id)], args=args))
        if outcome == "MISSING":
            raise AccountNotFound("no such account")
        if outcome == "STALE":
            raise StaleAccount("the account changed since it was read")
        if outcome == "USERNAME":
            raise UsernameTaken("that username is taken")
        return saved

    async def delete(self, account_id: str) -> bool:
        """Remove an account and its index entries."""
        removed = await self._delete(keys=[self._key("account", account_id)], args=[account_id, self._prefix])
        return bool(removed)

    async def _by_index(self, key: str) -> Account | None:
        account_id = text(await self._redis.get(key))
        return None if account_id is None else await self.get(account_id)


def _dump(account: Account) -> str:
    return json.dumps(account.to_json(), separators=(",", ":"))
