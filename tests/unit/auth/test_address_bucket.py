"""Client addresses as rate-limit subjects: IPv4 as is, IPv6 by its /64."""

from __future__ import annotations

import pytest

from auth.ratelimit import address_bucket


@pytest.mark.parametrize(
    ("address", "bucket"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2::1", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("not-an-address", "not-an-address"),
        (None, None),
    ],
)
def test_bucket(address: str | None, bucket: str | None) -> None:
    assert address_bucket(address) == bucket


def test_neighbouring_64s_are_apart() -> None:
    assert address_bucket("2001:db8:1:2::1") != address_bucket("2001:db8:1:3::1")
