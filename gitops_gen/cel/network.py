"""The Kubernetes ``ip`` and ``cidr`` CEL libraries (1.30+), on Python's :mod:`ipaddress`.

An IP is ``{"@net.IP": <canonical spelling>}``, a CIDR ``{"@net.CIDR": <address>/<bits>}`` (the
address as written, canonical: ``cidr('192.168.0.1/24')`` keeps its host bits, ``masked()`` drops
them), as Go's ``netip`` spells them; see :mod:`.library` for why values are maps.  Zones and
IPv4-mapped IPv6 addresses are refused, as the API server refuses them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

IP, CIDR = "@net.IP", "@net.CIDR"
#: A library function: (name, overload id, return type, parameter types, member, implementation),
#: the types by the names :func:`.library.environment` gives them ("Q": a value of these libraries).
Entry = tuple[str, str, str, tuple[str, ...], bool, Callable[..., Any]]


def unwrap(value: Any, key: str) -> str:
    """The spelling a library value of type ``key`` holds (a TypeError: it is not one)."""
    if isinstance(value, dict) and len(value) == 1 and key in value:
        return str(value[key])
    raise TypeError(f"no such overload: expected a {key.lstrip('@')}")


def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    if "%" in text:
        raise ValueError(f"IP address with zone value is not allowed: {text}")
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        raise ValueError(f"IP Address {text!r} parse error during conversion from string") from None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        raise ValueError(f"IPv4-mapped IPv6 address is not allowed: {text}")
    return address


def ip(text: str) -> dict[str, str]:
    return {IP: str(_parse_ip(text))}


def _ip_is_canonical(text: str) -> bool:
    return str(_parse_ip(text)) == text


def _address(value: Any) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(unwrap(value, IP))


def _global_unicast(value: Any) -> bool:
    """Go's ``IsGlobalUnicast``: private ranges count; the limited broadcast does not."""
    a = _address(value)
    return not (a.is_unspecified or a.is_loopback or a.is_multicast or a.is_link_local
                or a == ipaddress.IPv4Address("255.255.255.255"))


def _link_local_multicast(value: Any) -> bool:
    a = _address(value)
    if isinstance(a, ipaddress.IPv4Address):
        return a in ipaddress.IPv4Network("224.0.0.0/24")
    return a.packed[0] == 0xFF and a.packed[1] & 0x0F == 0x02


def _parse_cidr(text: str) -> ipaddress.IPv4Interface | ipaddress.IPv6Interface:
    if "/" not in text or "%" in text:
        raise ValueError(f"network address parse error during conversion from string: {text!r}")
    address, _, bits = text.partition("/")
    _parse_ip(address)
    if not bits.isdigit() or (len(bits) > 1 and bits.startswith("0")):
        raise ValueError(f"network address parse error during conversion from string: {text!r}")
    try:
        return ipaddress.ip_interface(text)
    except ValueError as exc:
        raise ValueError(f"network address parse error during conversion from string: {exc}") from None


def cidr(text: str) -> dict[str, str]:
    return {CIDR: str(_parse_cidr(text))}


def _interface(value: Any) -> ipaddress.IPv4Interface | ipaddress.IPv6Interface:
    return ipaddress.ip_interface(unwrap(value, CIDR))


def _contains_ip(value: Any, other: Any) -> bool:
    address = _parse_ip(other) if isinstance(other, str) else _address(other)
    return address in _interface(value).network


def _contains_cidr(value: Any, other: Any) -> bool:
    inner = _parse_cidr(other) if isinstance(other, str) else _interface(other)
    outer = _interface(value)
    return inner.version == outer.version and inner.network.prefixlen >= outer.network.prefixlen \
        and inner.network.network_address in outer.network



def _to_string(value: Any) -> str:
    """``string()`` of an IP or a CIDR (their canonical spellings); nothing else of this library."""
    if isinstance(value, dict) and len(value) == 1 and (IP in value or CIDR in value):
        return str(next(iter(value.values())))
    raise TypeError("no such overload: string() takes an IP or a CIDR here")


def _parses(parse: Callable[[str], Any]) -> Callable[[str], bool]:
    def check(text: str) -> bool:
        try:
            parse(text)
        except ValueError:
            return False
        return True

    return check


FUNCTIONS: tuple[Entry, ...] = (
    ("ip", "string_to_ip", "Q", ("string",), False, ip),
    ("isIP", "is_ip_string", "bool", ("string",), False, _parses(_parse_ip)),
    ("ip.isCanonical", "ip_is_canonical", "bool", ("string",), False, _ip_is_canonical),
    ("family", "ip_family", "int", ("Q",), True, lambda a: _address(a).version),
    ("isUnspecified", "ip_is_unspecified", "bool", ("Q",), True, lambda a: _address(a).is_unspecified),
    ("isLoopback", "ip_is_loopback", "bool", ("Q",), True, lambda a: _address(a).is_loopback),
    ("isLinkLocalMulticast", "ip_is_link_local_multicast", "bool", ("Q",), True, _link_local_multicast),
    ("isLinkLocalUnicast", "ip_is_link_local_unicast", "bool", ("Q",), True,
     lambda a: _address(a).is_link_local),
    ("isGlobalUnicast", "ip_is_global_unicast", "bool", ("Q",), True, _global_unicast),
    ("cidr", "string_to_cidr", "Q", ("string",), False, cidr),
    ("isCIDR", "is_cidr_string", "bool", ("string",), False, _parses(_parse_cidr)),
    ("containsIP", "cidr_contains_ip", "bool", ("Q", "Q"), True, _contains_ip),
    ("containsIP", "cidr_contains_ip_string", "bool", ("Q", "string"), True, _contains_ip),
    ("containsCIDR", "cidr_contains_cidr", "bool", ("Q", "Q"), True, _contains_cidr),
    ("containsCIDR", "cidr_contains_cidr_string", "bool", ("Q", "string"), True, _contains_cidr),
    ("ip", "cidr_ip", "Q", ("Q",), True, lambda c: {IP: str(_interface(c).ip)}),
    ("masked", "cidr_masked", "Q", ("Q",), True, lambda c: {CIDR: str(_interface(c).network)}),
    ("prefixLength", "cidr_prefix_length", "int", ("Q",), True, lambda c: _interface(c).network.prefixlen),
    ("string", "ip_cidr_to_string", "string", ("Q",), False, _to_string),
)
