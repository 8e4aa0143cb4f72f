"""Which addresses a webhook may be sent to: public unicast ones only (no SSRF into the hub's
own network).

Refused: loopback, private (RFC 1918, fc00::/7), the shared address space 100.64.0.0/10 (a
cloud metadata service answers at 100.100.100.200), link-local (169.254.0.0/16, where another
metadata service lives, and fe80::/10), unspecified, multicast, reserved and documentation
ranges, and the IPv6 forms that carry an IPv4 address (IPv4-mapped ::ffff:0:0/96, 6to4
2002::/16, Teredo 2001::/32, NAT64 64:ff9b::/96) when the IPv4 address inside is refused.

A name is checked by resolving it and checking every address it resolves to: one refused
address refuses the name. Names change their answers (DNS rebinding), so the sender checks
again at send time and connects to the address it checked (see sender.py).
"""

from __future__ import annotations

import ipaddress
import socket

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

# Written out rather than left to ipaddress.is_global alone, whose tables change between
# Python releases; is_global is checked as well.
_REFUSED_V4: tuple[tuple[ipaddress.IPv4Network, str], ...] = (
    (_V4("0.0.0.0/8"), "an unspecified (this-network) address"),
    (_V4("10.0.0.0/8"), "a private address"),
    (_V4("100.64.0.0/10"), "a shared (carrier-grade NAT) address, where cloud metadata lives"),
    (_V4("127.0.0.0/8"), "a loopback address"),
    (_V4("169.254.0.0/16"), "a link-local address"),
    (_V4("172.16.0.0/12"), "a private address"),
    (_V4("192.0.0.0/24"), "an IETF protocol address"),
    (_V4("192.0.2.0/24"), "a documentation address"),
    (_V4("192.88.99.0/24"), "a 6to4 relay address"),
    (_V4("192.168.0.0/16"), "a private address"),
    (_V4("198.18.0.0/15"), "a benchmarking address"),
    (_V4("198.51.100.0/24"), "a documentation address"),
    (_V4("203.0.113.0/24"), "a documentation address"),
    (_V4("224.0.0.0/4"), "a multicast address"),
    (_V4("240.0.0.0/4"), "a reserved address"),
)
_REFUSED_V6: tuple[tuple[ipaddress.IPv6Network, str], ...] = (
    (_V6("::/128"), "an unspecified address"),
    (_V6("::1/128"), "a loopback address"),
    (_V6("::/96"), "an IPv4-compatible (deprecated) address"),
    (_V6("64:ff9b:1::/48"), "a local NAT64 address"),
    (_V6("100::/64"), "a discard-only address"),
    (_V6("2001::/23"), "an IETF protocol address (Teredo included)"),
    (_V6("2001:db8::/32"), "a documentation address"),
    (_V6("fc00::/7"), "a private (unique local) address"),
    (_V6("fe80::/10"), "a link-local address"),
    (_V6("fec0::/10"), "a site-local address"),
    (_V6("ff00::/8"), "a multicast address"),
)
_NAT64 = _V6("64:ff9b::/96")


def _embedded_v4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo, NAT64)."""
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    if ip in _NAT64:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def refused_address(ip: IPAddress) -> str:
    """Why a webhook must not be sent to `ip` ("a loopback address", ...), or "" if it may."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return "a scoped (link-local) address"
        for inner in _embedded_v4(ip):
            if reason := refused_address(inner):
                return f"an IPv6 form of {inner}, {reason}"
        for net6, why in _REFUSED_V6:
            if ip in net6:
                return why
    else:
        for net4, why in _REFUSED_V4:
            if ip in net4:
                return why
    if ip.is_multicast:
        return "a multicast address"
    if not ip.is_global or ip.is_reserved or ip.is_private:
        return "a private or reserved address"
    return ""


class TargetRefused(Exception):
    """A webhook target that must not be contacted; permanent (retrying will not help)."""


class TargetUnresolved(Exception):
    """A webhook target name that does not resolve (now: it may later)."""


def resolve(host: str, port: int | None = None) -> list[IPAddress]:
    """Every address `host` (a name or an IP literal) resolves to, in resolver order, without
    duplicates. Raises TargetUnresolved when it resolves to nothing."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError) as exc:
        raise TargetUnresolved(f"{host} does not resolve ({exc})") from exc
    found: list[IPAddress] = []
    for info in infos:
        try:
            ip = ipaddress.ip_address(str(info[4][0]))
        except ValueError:
            continue
        if ip not in found:
            found.append(ip)
    if not found:
        raise TargetUnresolved(f"{host} does not resolve to an IP address")
    return found


def checked_addresses(host: str, port: int | None = None) -> list[IPAddress]:
    """Resolve `host` once and check every address: the addresses, each of which may be
    connected to. Raises TargetRefused if any of them is refused, TargetUnresolved if the
    name does not resolve."""
    addresses = resolve(host, port)
    for ip in addresses:
        if reason := refused_address(ip):
            if host == str(ip):
                raise TargetRefused(f"{host} is {reason}")
            raise TargetRefused(f"{host} resolves to {ip}, {reason}")
    return addresses
