"""The client's network address, believing a forwarded address only from a proxy we name."""

from __future__ import annotations

import ipaddress


def in_networks(address: str | None, networks: list[str]) -> bool:
    """Whether the address lies in one of the networks (addresses or CIDR blocks)."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    for network in networks:
        try:
            if ip in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False


def client_address(remote_addr: str | None, forwarded_for: str, trusted: list[str]) -> str | None:
    """The client's address: ``REMOTE_ADDR``, unless it is a trusted proxy, in which case the
    nearest address of ``X-Forwarded-For`` (read from the right) that is not itself a trusted
    proxy. Nothing a client writes is believed unless it came through a proxy we name."""
    if not trusted or not forwarded_for or not in_networks(remote_addr, trusted):
        return remote_addr
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return remote_addr  # a malformed hop: believe nothing beyond the proxy
        if not in_networks(hop, trusted):
            return hop
    return hops[0] if hops else remote_addr


def network_of(address: str) -> str:
    """The network an address stands for, to count a public form's entries by: an IPv4 address
    itself; an IPv6 address by its /64 (what one subscriber is given); an IPv4-mapped IPv6
    address as its IPv4 address; "" when it is not an address. The one rule of the sign-in
    throttle, the self-test portal and the feedback form."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip.exploded}/64", strict=False))
    return str(ip)
