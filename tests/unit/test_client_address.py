"""The client's address: REMOTE_ADDR, unless a trusted proxy forwarded the request."""

from __future__ import annotations

import pytest

from core.client_address import client_address_from


@pytest.mark.parametrize(
    ("remote", "forwarded", "trusted", "expected"),
    [
        ("203.0.113.5", None, [], "203.0.113.5"),
        # Without trusted proxies the header is ignored: anyone can send it
        ("203.0.113.5", "198.51.100.1", [], "203.0.113.5"),
        # From an untrusted peer too
        ("203.0.113.5", "198.51.100.1", ["10.0.0.0/8"], "203.0.113.5"),
        # A trusted proxy: the right-most untrusted hop is the client, spoofed left parts are ignored
        ("10.0.0.2", "1.1.1.1, 198.51.100.1", ["10.0.0.0/8"], "198.51.100.1"),
        ("10.0.0.2", "1.1.1.1, 198.51.100.1, 10.0.0.3", ["10.0.0.0/8"], "198.51.100.1"),
        ("10.0.0.2", "  ", ["10.0.0.0/8"], "10.0.0.2"),
        ("10.0.0.2", "garbage, 198.51.100.1", ["10.0.0.2"], "198.51.100.1"),
        ("10.0.0.2", "198.51.100.1:4711", ["10.0.0.2"], "198.51.100.1"),
        ("::1", "[2001:db8::1]:443", ["::1"], "2001:db8::1"),
        ("10.0.0.2", "10.0.0.9", ["10.0.0.0/8"], "10.0.0.9"),  # all trusted: the left-most one
        (None, "198.51.100.1", ["10.0.0.0/8"], ""),
        ("not-an-ip", None, [], ""),
    ],
)
def test_client_address(remote: str | None, forwarded: str | None, trusted: list[str], expected: str) -> None:
    assert client_address_from(remote, forwarded, trusted) == expected
