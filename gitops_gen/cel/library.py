"""The CEL environment of Kubernetes admission policies, built on cel-expr-python (cel-cpp).

cel-cpp gives the standard library, the macros, optional types (``.?``, ``[?]``, ``orValue``),
the strings extension, ``cel.bind`` and ``math``.  The Kubernetes libraries exist in no Python
package, so they are written here in Python: ``quantity``, ``url``, ``ip``/``cidr``, ``sets``,
the ``lists`` functions ``isSorted``/``sum``/``min``/``max``, the regex functions
``find``/``findAll``, and ``format`` (:mod:`.formats`).

cel-expr-python cannot return an opaque type from a Python function, so a quantity, URL, IP or
CIDR is a one-entry map keyed by its type's name (``{"@kubernetes.Quantity": "3/2"}``) holding
one canonical spelling per value, so ``==`` means the same value.  What cannot be built on this
binding (Python functions cannot return optionals, and a function the strings extension declares
cannot be overloaded) is left out and said so in the README: ``format.named()``, the lists
``indexOf``/``lastIndexOf`` (the strings ones work), and ``string()`` of an IP or CIDR.
"""

from __future__ import annotations

import ipaddress
import itertools
import re
from collections.abc import Callable, Sequence
from fractions import Fraction
from functools import cache
from typing import Any
from urllib.parse import SplitResult, parse_qs, quote, unquote, urlsplit

from gitops_gen.cel.formats import errors as format_errors
from gitops_gen.cel.quantity import INT64_MAX, INT64_MIN, QuantityError, canonical, from_canonical, parse_quantity

#: The variables of an admission policy's expressions.
VARIABLES = ("object", "oldObject", "request", "params", "namespaceObject", "variables")

QUANTITY, URL, IP, CIDR = "@kubernetes.Quantity", "@kubernetes.URL", "@net.IP", "@net.CIDR"
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def _unwrap(value: Any, key: str) -> str:
    if isinstance(value, dict) and len(value) == 1 and key in value:
        return str(value[key])
    raise TypeError(f"no such overload: expected a {key.lstrip('@')}")


def _parses(parse: Callable[[str], Any], error: type[Exception]) -> Callable[[str], bool]:
    """``isQuantity``, ``isURL``...: whether ``parse`` takes the text without raising ``error``."""
    def check(text: str) -> bool:
        try:
            parse(text)
        except error:
            return False
        return True

    return check


# -- quantity ------------------------------------------------------------------------------------

def quantity(text: str) -> dict[str, str]:
    return {QUANTITY: canonical(parse_quantity(text))}


def _q(value: Any) -> Fraction:
    return from_canonical(_unwrap(value, QUANTITY))


def _as_integer(value: Any) -> int:
    q = _q(value)
    if q.denominator != 1 or not INT64_MIN <= q.numerator <= INT64_MAX:
        raise ValueError("cannot convert value to integer")
    return int(q.numerator)


def _compare(a: Any, b: Any) -> int:
    x, y = _q(a), _q(b)
    return (x > y) - (x < y)


# -- url -----------------------------------------------------------------------------------------

def url(text: str) -> dict[str, str]:
    """Go's ``url.ParseRequestURI``: an absolute URI or an absolute path."""
    if not (_SCHEME.match(text) or text.startswith("/")) or any(c in text for c in "\r\n\x7f"):
        raise ValueError(f"URL parse error during conversion from string: {text!r}: invalid URI for request")
    try:
        split = urlsplit(text)
        _ = split.port
    except ValueError as exc:
        raise ValueError(f"URL parse error during conversion from string: {exc}") from None
    return {URL: text}


def _split(value: Any) -> SplitResult:
    return urlsplit(_unwrap(value, URL))


def _hostname(value: Any) -> str:
    netloc = _split(value).netloc.rpartition("@")[2]
    if netloc.startswith("["):
        return netloc[1:netloc.find("]")] if "]" in netloc else netloc[1:]
    return netloc.partition(":")[0]


def _port(value: Any) -> str:
    netloc = _split(value).netloc.rpartition("@")[2]
    host_end = netloc.find("]") + 1 if netloc.startswith("[") else 0
    _, colon, port = netloc[host_end:].rpartition(":")
    return port if colon else ""


def _escaped_path(value: Any) -> str:
    return quote(unquote(_split(value).path), safe="/$&+,:;=@-._~!'()*")


def _query(value: Any) -> dict[str, list[str]]:
    return {k: list(v) for k, v in parse_qs(_split(value).query, keep_blank_values=True).items()}


# -- ip and cidr ---------------------------------------------------------------------------------

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
    return ipaddress.ip_address(_unwrap(value, IP))


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
    return ipaddress.ip_interface(text)


def cidr(text: str) -> dict[str, str]:
    return {CIDR: str(_parse_cidr(text))}


def _interface(value: Any) -> ipaddress.IPv4Interface | ipaddress.IPv6Interface:
    return ipaddress.ip_interface(_unwrap(value, CIDR))


def _contains_ip(value: Any, other: Any) -> bool:
    address = _parse_ip(other) if isinstance(other, str) else _address(other)
    return address in _interface(value).network


def _contains_cidr(value: Any, other: Any) -> bool:
    inner = _parse_cidr(other) if isinstance(other, str) else _interface(other)
    outer = _interface(value)
    return inner.version == outer.version and inner.network.prefixlen >= outer.network.prefixlen \
        and inner.network.network_address in outer.network


# -- lists, sets, regex --------------------------------------------------------------------------

def _is_sorted(items: Sequence[Any]) -> bool:
    return all(a <= b for a, b in itertools.pairwise(items))


def _least(items: Sequence[Any], name: str, pick: Callable[..., Any]) -> Any:
    if not items:
        raise ValueError(f"{name} called on empty list")
    return pick(items)


def _find_all(text: str, pattern: str, limit: int = -1) -> list[str]:
    found = [m.group(0) for m in re.finditer(pattern, text)]
    return found if limit < 0 else found[:limit]


def _find(text: str, pattern: str) -> str:
    match = re.search(pattern, text)
    return match.group(0) if match else ""


def _contains_all(a: Sequence[Any], b: Sequence[Any]) -> bool:
    return all(x in a for x in b)


#: (name, overload id, return type, parameter types, member, implementation); types by name.
_FUNCTIONS: tuple[tuple[str, str, str, tuple[str, ...], bool, Callable[..., Any]], ...] = (
    ("quantity", "quantity_string", "Q", ("string",), False, quantity),
    ("isQuantity", "is_quantity_string", "bool", ("string",), False, _parses(parse_quantity, QuantityError)),
    ("sign", "quantity_sign", "int", ("Q",), True, lambda q: (_q(q) > 0) - (_q(q) < 0)),
    ("isInteger", "quantity_is_integer", "bool", ("Q",), True, lambda q: _q(q).denominator == 1),
    ("asInteger", "quantity_as_integer", "int", ("Q",), True, _as_integer),
    ("asApproximateFloat", "quantity_as_float", "double", ("Q",), True, lambda q: float(_q(q))),
    ("add", "quantity_add", "Q", ("Q", "Q"), True, lambda a, b: {QUANTITY: canonical(_q(a) + _q(b))}),
    ("add", "quantity_add_int", "Q", ("Q", "int"), True, lambda a, b: {QUANTITY: canonical(_q(a) + b)}),
    ("sub", "quantity_sub", "Q", ("Q", "Q"), True, lambda a, b: {QUANTITY: canonical(_q(a) - _q(b))}),
    ("sub", "quantity_sub_int", "Q", ("Q", "int"), True, lambda a, b: {QUANTITY: canonical(_q(a) - b)}),
    ("isLessThan", "quantity_less", "bool", ("Q", "Q"), True, lambda a, b: _compare(a, b) < 0),
    ("isGreaterThan", "quantity_greater", "bool", ("Q", "Q"), True, lambda a, b: _compare(a, b) > 0),
    ("compareTo", "quantity_compare", "int", ("Q", "Q"), True, _compare),
    ("url", "string_to_url", "Q", ("string",), False, url),
    ("isURL", "is_url_string", "bool", ("string",), False, _parses(url, ValueError)),
    ("getScheme", "url_get_scheme", "string", ("Q",), True, lambda u: _split(u).scheme),
    ("getHost", "url_get_host", "string", ("Q",), True, lambda u: _split(u).netloc.rpartition("@")[2]),
    ("getHostname", "url_get_hostname", "string", ("Q",), True, _hostname),
    ("getPort", "url_get_port", "string", ("Q",), True, _port),
    ("getEscapedPath", "url_get_escaped_path", "string", ("Q",), True, _escaped_path),
    ("getQuery", "url_get_query", "query", ("Q",), True, _query),
    ("ip", "string_to_ip", "Q", ("string",), False, ip),
    ("isIP", "is_ip_string", "bool", ("string",), False, _parses(_parse_ip, ValueError)),
    ("ip.isCanonical", "ip_is_canonical", "bool", ("string",), False, _ip_is_canonical),
    ("family", "ip_family", "int", ("Q",), True, lambda a: _address(a).version),
    ("isUnspecified", "ip_is_unspecified", "bool", ("Q",), True, lambda a: _address(a).is_unspecified),
    ("isLoopback", "ip_is_loopback", "bool", ("Q",), True, lambda a: _address(a).is_loopback),
    ("isLinkLocalMulticast", "ip_is_link_local_multicast", "bool", ("Q",), True, _link_local_multicast),
    ("isLinkLocalUnicast", "ip_is_link_local_unicast", "bool", ("Q",), True,
     lambda a: _address(a).is_link_local),
    ("isGlobalUnicast", "ip_is_global_unicast", "bool", ("Q",), True, _global_unicast),
    ("cidr", "string_to_cidr", "Q", ("string",), False, cidr),
    ("isCIDR", "is_cidr_string", "bool", ("string",), False, _parses(_parse_cidr, ValueError)),
    ("containsIP", "cidr_contains_ip", "bool", ("Q", "Q"), True, _contains_ip),
    ("containsIP", "cidr_contains_ip_string", "bool", ("Q", "string"), True, _contains_ip),
    ("containsCIDR", "cidr_contains_cidr", "bool", ("Q", "Q"), True, _contains_cidr),
    ("containsCIDR", "cidr_contains_cidr_string", "bool", ("Q", "string"), True, _contains_cidr),
    ("ip", "cidr_ip", "Q", ("Q",), True, lambda c: {IP: str(_interface(c).ip)}),
    ("masked", "cidr_masked", "Q", ("Q",), True, lambda c: {CIDR: str(_interface(c).network)}),
    ("prefixLength", "cidr_prefix_length", "int", ("Q",), True, lambda c: _interface(c).network.prefixlen),
    ("isSorted", "list_is_sorted", "bool", ("list",), True, _is_sorted),
    ("sum", "list_sum", "dyn", ("list",), True, lambda items: sum(items)),
    ("min", "list_min", "dyn", ("list",), True, lambda items: _least(items, "min", min)),
    ("max", "list_max", "dyn", ("list",), True, lambda items: _least(items, "max", max)),
    ("find", "string_find", "string", ("string", "string"), True, _find),
    ("findAll", "string_find_all", "strings", ("string", "string"), True, _find_all),
    ("findAll", "string_find_all_n", "strings", ("string", "string", "int"), True, _find_all),
    ("__gg_format_errors", "gitops_gen_format_errors", "strings", ("string", "string"), False, format_errors),
    ("sets.contains", "list_sets_contains", "bool", ("list", "list"), False, _contains_all),
    ("sets.equivalent", "list_sets_equivalent", "bool", ("list", "list"), False,
     lambda a, b: _contains_all(a, b) and _contains_all(b, a)),
    ("sets.intersects", "list_sets_intersects", "bool", ("list", "list"), False, lambda a, b: any(x in a for x in b)),
)


@cache
def environment() -> Any:
    """The one CEL environment of a process (its declarations never change; built once)."""
    from cel_expr_python import cel
    from cel_expr_python.ext import ext_bindings, ext_math, ext_optional, ext_strings

    types = {"string": cel.Type.STRING, "bool": cel.Type.BOOL, "int": cel.Type.INT, "double": cel.Type.DOUBLE,
             "dyn": cel.Type.DYN, "Q": cel.Type.Map(cel.Type.STRING, cel.Type.STRING),
             "list": cel.Type.List(cel.Type.DYN), "strings": cel.Type.List(cel.Type.STRING),
             "query": cel.Type.Map(cel.Type.STRING, cel.Type.List(cel.Type.STRING))}
    overloads: dict[str, list[Any]] = {}
    for name, overload_id, returns, params, member, impl in _FUNCTIONS:
        overloads.setdefault(name, []).append(cel.Overload(
            overload_id, types[returns], [types[p] for p in params], is_member=member, impl=impl))
    functions = [cel.FunctionDecl(name, items) for name, items in overloads.items()]
    return cel.NewEnv(variables={v: cel.Type.DYN for v in VARIABLES}, functions=functions,
                      extensions=[ext_optional.ExtOptional(), ext_strings.ExtStrings(), ext_bindings.ExtBindings(),
                                  ext_math.ExtMath()])
