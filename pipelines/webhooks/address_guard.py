"""Refusing webhook URLs that reach inside the network (server-side request forgery).

The check runs on the address the connection is actually made to: the
hostname is resolved here, every address is checked, and the connection
goes to the checked address, so a DNS answer that changes between a check
and the connection (DNS rebinding) cannot slip through.
"""

import ipaddress
import socket

import anyio
import httpcore

CGNAT = ipaddress.ip_network("100.64.0.0/10")


class BlockedAddress(httpcore.ConnectError):
    """The URL resolves to an address webhooks may not reach."""


def blocked_reason(address: str) -> str | None:
    """Why `address` may not be a webhook target, or None if it may."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local (cloud metadata lives here)"
    if ip in CGNAT:
        return "carrier-grade NAT"
    if isinstance(ip, ipaddress.IPv6Address) and ip in ipaddress.ip_network("fc00::/7"):
        return "unique-local IPv6"
    if ip.is_multicast or ip.is_reserved or ip.is_unspecified:
        return "not a public unicast address"
    if ip.is_private:
        return "private network"
    return None


def first_blocked(addresses) -> tuple[str, str] | None:
    """The first of `addresses` webhooks may not reach, with the reason, or None."""
    for address in addresses:
        if reason := blocked_reason(address):
            return address, reason
    return None


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to allowed addresses."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend, allow_private: bool):
        self.inner = inner
        self.allow_private = allow_private

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        try:
            infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as error:
            raise httpcore.ConnectError(f"DNS lookup of {host} failed: {error.strerror}") from None
        addresses = list(dict.fromkeys(info[4][0] for info in infos))
        if not self.allow_private and (blocked := first_blocked(addresses)):
            address, reason = blocked
            raise BlockedAddress(f"{host} resolves to {address} ({reason}); webhooks may not reach it")
        last_error: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                last_error = error
        raise last_error or httpcore.ConnectError(f"no address for {host}")

    async def connect_unix_socket(self, *args, **kwargs):
        raise BlockedAddress("unix sockets are not webhook targets")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)
