"""The client's address behind trusted reverse proxies.

Behind a proxy every request comes from the proxy's address, so whatever is counted per address
(the sign-in lockout, the web-form rate limit, the address recorded with a customer's answer) must
read the client from `X-Forwarded-For` — but only the part of that header written by proxies we
trust, or any client could claim any address. `LTC_TRUSTED_PROXIES` lists the proxies' addresses
or networks; the client is the right-most address of the chain that is not one of them."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in spec if item.strip())


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: HttpRequest) -> str | None:
    """The address of the client that sent `request` (None when unknown)."""
    remote: str | None = request.META.get("REMOTE_ADDR") or None
    networks = _networks(tuple(settings.LTC_TRUSTED_PROXIES))
    if remote is None or not networks or not _trusted(remote, networks):
        return remote
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    for address in reversed(chain):
        if not _trusted(address, networks):
            return address if _is_address(address) else remote
    return chain[0] if chain and _is_address(chain[0]) else remote


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
