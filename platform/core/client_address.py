"""The caller's network address, for rate limits and lockouts.

`REMOTE_ADDR` (HTTP) or the ASGI `client` (WebSocket) is the truth, unless it is one of
`settings.PLATFORM_TRUSTED_PROXIES` (addresses or CIDR networks): then `X-Forwarded-For` is read from
the right, skipping trusted proxies, and the first untrusted address is the client. A client can put
anything on the left of that header, so nothing left of the first untrusted hop is ever believed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

__all__ = ["client_address_from"]

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _networks(trusted: Iterable[str]) -> list[_Network]:
    return [ipaddress.ip_network(item.strip(), strict=False) for item in trusted if item.strip()]


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[::1]:8080"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "1.2.3.4:5678"
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def client_address_from(remote: str | None, forwarded_for: str | None, trusted: Iterable[str]) -> str:
    """The client's address as text ("" when unknown). Pure: the caller passes the settings' list."""
    remote_ip = _parse(remote or "")
    if remote_ip is None:
        return ""
    networks = _networks(trusted)

    def is_trusted(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return any(ip.version == net.version and ip in net for net in networks)

    if not networks or not is_trusted(remote_ip) or not forwarded_for:
        return str(remote_ip)
    candidate = remote_ip
    for hop in reversed(forwarded_for.split(",")):
        ip = _parse(hop)
        if ip is None:
            break  # garbage from here on is the client's own doing: stop at the last good hop
        candidate = ip
        if not is_trusted(ip):
            break
    return str(candidate)
